"""Tình hình nộp báo cáo: units × quarters, who to remind, upload returns, download blank templates."""

import streamlit as st

from ingest.annotate import annotate, annotated_name
from ingest.load import Incoming
from ingest.publish import read_only
from ingest.uploads import UploadError, expand
from reporting.numbers import fmt_number
from reporting.submissions import DUE_DAYS
from ui import auth, data, filters, nav, widgets
from ui.format import fmt_datetimes
from ui.text import plain

REMIND_SHOWN = 40  # the whole list is the grid above; a meeting reads the first few dozen
sel = filters.current()
user = auth.current()
may_upload = user.can("upload") and not read_only()
st.title("Tình hình nộp báo cáo")
nav.breadcrumbs("pages/submissions.py")
st.caption(f"Hạn nộp: {DUE_DAYS} ngày sau khi kết thúc kỳ báo cáo · {plain(sel.unit.name)} · năm {sel.year}")

grid, remind = data.submission_grid(sel.unit.code, sel.year)
if grid.empty:
    widgets.no_data(sel, "đơn vị phải nộp báo cáo")
else:
    widgets.unit_table(
        grid, {q: (q, "text") for q in grid.columns if q.startswith("Quý")}, sel, title="Tình hình nộp báo cáo"
    )

st.subheader("Đơn vị cần nhắc")
if remind:
    st.markdown("\n".join(f"- **{plain(name)}**: {plain(what)}" for name, what in remind[:REMIND_SHOWN]))
    if len(remind) > REMIND_SHOWN:
        st.caption(f"… và {fmt_number(len(remind) - REMIND_SHOWN)} trường hợp khác: xem bảng ở trên.")
else:
    st.success("Không có đơn vị nào quá hạn nộp báo cáo.")

if user.can("upload") and read_only():
    st.info(
        "Máy chủ này chỉ đọc bản xuất bản của dữ liệu; nộp báo cáo trên máy chủ nhận báo cáo của Ban Tổ chức.",
        icon=":material/info:",
    )
if may_upload:
    st.subheader("Nhận báo cáo")
    uploads = st.file_uploader(
        "Chọn các tệp báo cáo (.xlsx) hoặc một tệp nén (.zip)", type=["xlsx", "zip"], accept_multiple_files=True
    )
    if uploads and st.button("Kiểm tra và nạp", type="primary"):
        files = []
        for upload in uploads:
            try:
                files.extend(expand(upload.name, upload.getvalue()))
            except UploadError as exc:
                st.error(plain(exc))  # names the clerk's files
            except Exception:  # never the others' loss: the file itself is archived and checked
                files.append(Incoming(upload.name, upload.getvalue()))
        progress = st.progress(0.0, text="Đang kiểm tra…")
        done = []

        def advance(outcome) -> None:
            done.append(outcome)
            progress.progress(
                len(done) / len(files),
                text=f"Đã xử lý {fmt_number(len(done))}/{fmt_number(len(files))} tệp: {plain(outcome.incoming.name)}",
            )

        for number, outcome in enumerate(data.load(files, on_outcome=advance) if files else []):
            with st.expander(
                f"{plain(outcome.incoming.name)}: {widgets.OUTCOME_LABEL[outcome.action]}",
                expanded=outcome.action == "rejected",
            ):
                st.markdown(plain(outcome.message))
                for f in outcome.result.findings:  # messages quote the clerk's cells and names
                    (st.error if f.severity == "error" else st.warning)(plain(f.message))
                if outcome.result.findings:
                    st.download_button(
                        "Tải tệp đã đánh dấu lỗi để gửi lại đơn vị",
                        data=annotate(outcome.incoming.data, outcome.result.findings, openable=outcome.result.openable),
                        file_name=annotated_name(outcome.incoming.name),
                        key=f"annotated_{number}_{outcome.incoming.sha256}",  # the same file twice in a zip
                        icon=":material/download:",
                    )

    st.subheader("Mẫu báo cáo trống")
    period = st.selectbox(
        "Kỳ báo cáo", data.template_periods(sel.year), format_func=lambda p: p.label, key="template_period"
    )
    st.download_button(
        f"Tải mẫu {period.label} của các đơn vị thuộc {plain(sel.unit.name)} (.zip)",
        data=lambda: data.templates_zip(sel.unit.code, period),
        file_name=f"mau-bao-cao_{period.code}.zip",
        mime="application/zip",
        icon=":material/download:",
    )

st.subheader("Các tệp đã nhận")
versions = data.versions(sel.unit.code, sel.span)
widgets.unit_table(
    versions.rename(columns={"unit_code": "code", "unit_name": "name"}).assign(
        received_at=fmt_datetimes(versions["received_at"]),
        status=versions["status"].map(widgets.STATUS_LABEL)
        + versions["superseded"].map({True: " (đã thay thế)", False: ""}),
    ),
    {
        "submission_id": ("Phiên bản", "text"),
        "period": ("Kỳ", "text"),
        "received_at": ("Nhận lúc", "text"),
        "file_name": ("Tệp", "text"),
        "status": ("Kết quả", "text"),
        "errors": ("Lỗi", "count"),
        "warnings": ("Cảnh báo", "count"),
    },
    sel,
    title="Các tệp đã nhận",
)

if user.can("upload"):  # who did what: for the staff who receive returns, not for readers
    st.subheader("Nhật ký thao tác")
    log = data.audit_log(sel.unit.code)
    widgets.plain_table(
        log.assign(logged_at=fmt_datetimes(log["logged_at"])),
        {
            "logged_at": "Thời gian",
            "actor": "Người thực hiện",
            "action": "Thao tác",
            "file_name": "Tệp",
            "unit_name": "Đơn vị",
            "period": "Kỳ",
            "submission_id": "Phiên bản",
            "replaced_id": "Thay thế phiên bản",
            "detail": "Chi tiết",
        },
        "Nhật ký thao tác",
        sel,
    )
