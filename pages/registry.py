"""Danh mục: units, lineage (mergers, splits) and annual admission targets, edited in the app or in Excel.

Province administrators only. Every change is checked as a whole before anything is written (the
same checks as ``python -m ingest registry``), saved in one transaction and logged in the audit log.
The work itself is in ui/registry_edit.py; this page draws the editors.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ingest.registry import LINEAGE_LABELS, TARGET_LABELS, UNIT_LABELS, RegistryError
from ingest.registry_book import registry_workbook
from ingest.tables import TableError
from reporting.catalog import BRANCH_ORG_TYPES, ORG_TYPES
from reporting.lineage import END_REASONS
from reporting.numbers import fmt_number, fmt_numbers, fmt_value
from ui import auth, data
from ui import registry_edit as edit
from ui.text import plain

admin = auth.require("admin")
tree = data.tree()
if admin.unit_code not in {u.code for u in tree.roots()}:
    auth.refuse("Chỉ quản trị viên cấp tỉnh sửa được danh mục đơn vị, bảng kế thừa và chỉ tiêu.")

st.title("Danh mục đơn vị")
st.caption(
    "Đơn vị, kế thừa khi sáp nhập hoặc chia tách, và chỉ tiêu kết nạp đảng viên. Mọi thay đổi được kiểm tra "
    "toàn bộ trước khi lưu và ghi vào nhật ký."
)


def show_errors(messages: list[str]) -> None:
    st.error(
        "Chưa lưu: có lỗi. Sửa các dòng dưới đây rồi bấm lưu lại.\n\n" + "\n".join(f"- {plain(m)}" for m in messages),
        icon=":material/error:",
    )


def saved(message: str) -> None:
    data.changed()
    st.session_state["registry_saved"] = message
    st.rerun()


if message := st.session_state.pop("registry_saved", None):
    st.success(message, icon=":material/check_circle:")

units_tab, lineage_tab, targets_tab, excel_tab = st.tabs(["Đơn vị", "Kế thừa", "Chỉ tiêu kết nạp", "Nhập, xuất Excel"])

with units_tab:
    st.markdown(
        "Sửa trực tiếp trong bảng; thêm đơn vị ở dòng cuối. Không xóa đơn vị đã có: khi đơn vị thôi hoạt động, "
        "ghi **ngày kết thúc** và **lý do** (sáp nhập, chia tách, giải thể), rồi khai đơn vị kế thừa ở thẻ «Kế thừa»."
    )
    find = st.text_input("Tìm theo mã hoặc tên", key="registry_find", placeholder="ví dụ X07 hoặc Kim Bảng")
    with_branches = st.checkbox("Hiện cả các chi bộ", key="registry_branches", help="Tìm theo mã cũng tìm cả chi bộ.")
    units = edit.unit_frame(tree)
    shown = units if with_branches else units[~units["org_type"].isin(BRANCH_ORG_TYPES)]
    if find:
        shown = units[
            units["code"].str.contains(find, case=False, regex=False)
            | units["name"].str.contains(find, case=False, regex=False)
        ]
    edited_units = st.data_editor(
        shown.reset_index(drop=True),
        key="registry_units",
        num_rows="add",
        hide_index=True,
        width="stretch",
        column_config={
            "code": st.column_config.TextColumn(UNIT_LABELS["code"], required=True),
            "name": st.column_config.TextColumn(UNIT_LABELS["name"], required=True, width="large"),
            "org_type": st.column_config.SelectboxColumn(
                UNIT_LABELS["org_type"], options=list(ORG_TYPES), format_func=ORG_TYPES.get, required=True
            ),
            "parent_code": st.column_config.TextColumn(UNIT_LABELS["parent_code"]),
            "active_from": st.column_config.DateColumn(UNIT_LABELS["active_from"], format="DD/MM/YYYY"),
            "active_to": st.column_config.DateColumn(UNIT_LABELS["active_to"], format="DD/MM/YYYY"),
            "end_reason": st.column_config.SelectboxColumn(
                UNIT_LABELS["end_reason"], options=list(END_REASONS), format_func=END_REASONS.get
            ),
        },
    )
    st.caption(f"{fmt_number(len(shown))} đơn vị" + (f" (lọc từ {fmt_number(len(units))})" if find else ""))

with lineage_tab:
    st.markdown(
        "Mỗi dòng: đơn vị cũ → đơn vị kế thừa, từ ngày hiệu lực (ngày đầu tiên của đơn vị mới). Khi **sáp nhập** "
        "để tỷ lệ là 1; khi **chia tách**, ghi phần chuyển sang mỗi đơn vị (ví dụ 0,6 và 0,4), cộng lại bằng 1. "
        "Số liệu các kỳ trước của đơn vị cũ được cộng vào đơn vị kế thừa theo tỷ lệ này."
    )
    # The share as text in Vietnamese notation ("0,6"; a number column would show "0.60"); the registry
    # checks read it as typed: "0,6", "60%", empty for 1.
    lineage = edit.lineage_frame(tree)
    # (text even with no rows: an empty float column cannot be edited as text)
    lineage = lineage.assign(
        share=pd.Series([fmt_value(s) for s in lineage["share"]], index=lineage.index, dtype=object)
    )
    edited_lineage = st.data_editor(
        lineage,
        key="registry_lineage",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "predecessor_code": st.column_config.TextColumn(LINEAGE_LABELS["predecessor_code"], required=True),
            "successor_code": st.column_config.TextColumn(LINEAGE_LABELS["successor_code"], required=True),
            "effective_date": st.column_config.DateColumn(
                LINEAGE_LABELS["effective_date"], format="DD/MM/YYYY", required=True
            ),
            "share": st.column_config.TextColumn(
                LINEAGE_LABELS["share"], default="1", alignment="right", help="Ví dụ 1; 0,6; 60%"
            ),
        },
    )
    st.caption(f"{fmt_number(len(lineage))} dòng kế thừa")

save_col, note_col = st.columns([1, 3])
if save_col.button("Kiểm tra và lưu đơn vị, kế thừa", type="primary", key="registry_save"):
    auth.require("admin")
    try:
        change = edit.save_registry(data.cursor(), tree, edited_units, edited_lineage, admin.username)
    except RegistryError as exc:
        show_errors(exc.messages)
    else:
        if change is None:
            note_col.info("Không có thay đổi nào để lưu.")
        else:
            saved(f"Đã lưu danh mục: {change.describe()}.")

with targets_tab:
    year = st.selectbox("Năm", sorted({data.today().year + 1, *data.years()}, reverse=True), key="targets_year")
    st.markdown(
        f"Chỉ tiêu năm {year}: ghi **số đảng viên** (ví dụ 12) hoặc **tỷ lệ so với đảng viên đầu năm** (ví dụ 7% "
        "hoặc 7,5%). Tỷ lệ được quy ra số (làm tròn lên) khi có số đảng viên đầu năm; đơn vị hình thành do sáp nhập "
        "tính theo số đảng viên của các đơn vị cũ."
    )
    labels = edit.target_unit_labels(tree)
    targets = edit.target_frame(data.cursor(), tree, year)  # the figures computed, as text: "1.234", "–"
    edited_targets = st.data_editor(
        targets.assign(resolved=fmt_numbers(targets["resolved"]), opening=fmt_numbers(targets["opening"])),
        key=f"registry_targets_{year}",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "unit_code": st.column_config.SelectboxColumn(
                TARGET_LABELS["unit_code"], options=list(labels), required=True, format_func=lambda c: labels.get(c, c),
            ),
            "admission_target": st.column_config.TextColumn(TARGET_LABELS["admission_target"], required=True),
            "name": None,
            "resolved": st.column_config.TextColumn("Số phải kết nạp", disabled=True, alignment="right"),
            "opening": st.column_config.TextColumn("Đảng viên đầu năm", disabled=True, alignment="right"),
        },
    )  # fmt: skip
    if st.button(f"Kiểm tra và lưu chỉ tiêu năm {year}", type="primary", key="targets_save"):
        auth.require("admin")
        try:
            targets = edit.save_targets(data.cursor(), tree, edited_targets, year, admin.username)
        except RegistryError as exc:
            show_errors(exc.messages)
        else:
            saved(f"Đã lưu {fmt_number(len(targets))} chỉ tiêu kết nạp năm {year}.")

with excel_tab:
    st.markdown(
        "Tải danh mục về để sửa bằng Excel (ba trang: «Đơn vị», «Kế thừa», «Chỉ tiêu»), rồi nạp lại tệp đã sửa. "
        "Tệp được kiểm tra toàn bộ; có lỗi thì không nạp gì."
    )
    st.download_button(
        "Tải danh mục (.xlsx)",
        data=lambda: registry_workbook(data.cursor()),
        file_name="danh-muc-don-vi.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        key="registry_download",
    )
    upload = st.file_uploader("Nạp tệp danh mục đã sửa", type=["xlsx"], key="registry_upload")
    if upload is not None:
        try:
            checked = edit.check_upload(data.cursor(), tree, upload.name, upload.getvalue(), admin.username)
        except (RegistryError, TableError) as exc:
            show_errors(exc.messages)
        else:
            st.info(f"Tệp hợp lệ: {checked.describe()}. Bấm «Nạp vào danh mục» để lưu.", icon=":material/fact_check:")
            if st.button("Nạp vào danh mục", type="primary", key="registry_import"):
                auth.require("admin")
                try:
                    edit.store_upload(data.cursor(), checked, admin.username)
                except RegistryError as exc:
                    show_errors(exc.messages)
                else:
                    saved(f"Đã nạp {plain(upload.name)}: {checked.describe()}.")
