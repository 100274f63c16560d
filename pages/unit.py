"""Đơn vị: one unit at any level — every indicator over time, its children, its returns, why it is flagged."""

import streamlit as st

from reporting.catalog import ORG_TYPES
from reporting.dashboard import indicator_history
from reporting.numbers import fmt_number
from reporting.periods import quarter
from ui import data, filters, nav, widgets
from ui.format import fmt_date, fmt_datetimes
from ui.text import plain

sel = filters.current()
unit = sel.unit
st.title(plain(unit.name))
nav.breadcrumbs("pages/unit.py")
active = f" · hoạt động từ {fmt_date(unit.active_from)}" if unit.active_from else ""
active += f" đến {fmt_date(unit.active_to)}" if unit.active_to else ""
st.caption(f"{ORG_TYPES.get(unit.org_type, unit.org_type)} · mã {plain(unit.code)}{active} · {sel.label}")

if unit.reports:
    for lag in data.lagging_units(unit.code, sel.span, sel.history):
        st.warning("**Cần quan tâm:**\n" + "\n".join(f"- {plain(r)}" for r in lag.reasons), icon=":material/flag:")

st.subheader("Các chỉ tiêu theo quý")
series = data.quarterly(unit.code, sel.span, tuple(data.HISTORY_METRICS), sel.history)
history = indicator_history(series)
if history.empty:
    widgets.no_data(sel)
else:
    widgets.plain_table(history, {c: c for c in history.columns}, "Các chỉ tiêu theo quý", sel)
    last = quarter(sel.span.year, sel.span.quarter)
    if last.end < data.today() and not ((series["year"] == last.year) & (series["quarter"] == last.quarter)).any():
        st.caption(f"Chưa có số liệu {last.label}: chưa nhận báo cáo của đơn vị (không phải 0).")

children = (
    data.branch_list(unit.code, sel.span, sel.history)
    if unit.reports or unit.is_branch
    else data.by_child(unit.code, sel.span, sel.history)
)
if not unit.is_branch and len(children):
    st.subheader("Chi bộ trực thuộc" if unit.reports else "Đơn vị trực thuộc")
    if unit.reports:
        columns = {
            "branch_members": ("Đảng viên", "count"),
            "missed_regular": ("Tháng thiếu sinh hoạt", "count"),
            "quarters_without_thematic": ("Quý không có chuyên đề", "count"),
            "rating_good_pct": ("% buổi Tốt", "percent"),
        }
    else:
        flagged = {
            lag.unit_code: "; ".join(lag.reasons) for lag in data.lagging_units(unit.code, sel.span, sel.history)
        }
        # not flagged: no return (or no closing stock at the span's closing date), or some of the
        # span's returns only (its figures cover part of the span)
        silent = (children["units_due"] > 0) & (children["units_reported"] == 0)
        short = (children["returns_received"] > 0) & (children["returns_received"] < children["returns_due"])
        unflagged = silent.map({True: "Chưa nộp báo cáo", False: "Bình thường"}).mask(
            short,
            [f"Chưa nộp đủ báo cáo ({fmt_number(r)}/{fmt_number(d)})"
             for r, d in zip(children["returns_received"], children["returns_due"], strict=True)],
        )  # fmt: skip
        status = children["code"].map(flagged).fillna(unflagged)
        children = children.assign(status=status)
        columns = {
            "members_closing": ("Đảng viên cuối kỳ", "count"),
            "admitted": ("Kết nạp trong kỳ", "count"),
            "status": ("Tình trạng", "text"),
        }
    widgets.unit_table(children, columns, sel, title="Đơn vị trực thuộc")
    widgets.coverage_note(children, sel)
    if unit.reports and not children["reported"].any():
        st.caption(f"Chưa nhận báo cáo {sel.label} của đơn vị: các chi bộ chưa có số liệu («–»), không phải 0.")

st.subheader("Các báo cáo đã nhận")
returns = data.unit_returns(unit.code)
if returns.empty and not unit.reports:
    st.info("Báo cáo do các đảng ủy cấp xã gửi; xem trang «Tình hình nộp báo cáo».")
elif returns.empty:
    st.info("Đơn vị chưa gửi báo cáo nào.")
else:
    widgets.plain_table(
        returns.assign(
            received_at=fmt_datetimes(returns["received_at"]),
            status=returns["status"].map(widgets.STATUS_LABEL)
            + returns["superseded_by"].notna().map({True: " (đã thay thế)", False: ""}),
        ),
        {
            k: widgets.VERSION_COLUMNS[k]
            for k in ("submission_id", "period", "received_at", "file_name", "status", "errors", "warnings")
        },
        "Các báo cáo đã nhận",
        sel,
    )
    by_period = returns.groupby("period")["submission_id"].apply(list)
    several = {period: ids for period, ids in by_period.items() if len(ids) > 1}
    if several:
        with st.expander("So sánh hai phiên bản của một kỳ"):
            period = st.selectbox("Kỳ", list(several), key="diff_period")
            ids = sorted(several[period])
            left, right = st.columns(2)
            old = left.selectbox("Phiên bản cũ", ids, index=0, key="diff_old")
            new = right.selectbox("Phiên bản mới", ids, index=len(ids) - 1, key="diff_new")
            changes = data.diff(old, new)
            if not changes:
                st.info("Hai phiên bản có số liệu giống nhau.")
            else:
                st.dataframe(
                    [
                        {
                            "Đơn vị": c.unit_code,
                            "Chỉ tiêu": c.label,
                            "Cũ": widgets.shown(c.old),
                            "Mới": widgets.shown(c.new),
                        }
                        for c in changes
                    ],
                    hide_index=True,
                    width="stretch",
                )
