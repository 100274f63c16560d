"""Chất lượng sinh hoạt chi bộ: ratings per unit, regularity, attendance, down to one commune's branches."""

import streamlit as st

from reporting.catalog import MEETING_RATINGS
from ui import charts, data, filters, nav, widgets
from ui.text import plain

sel = filters.current()
st.title("Chất lượng sinh hoạt chi bộ")
nav.breadcrumbs("pages/meetings.py")
st.caption(
    f"{plain(sel.unit.name)} · {sel.label} · sinh hoạt thường kỳ mỗi tháng một lần, chuyên đề ít nhất mỗi quý một lần"
)

per_unit = data.by_child(sel.unit.code, sel.span, sel.history, summary="meetings")
one_commune = sel.unit.reports or sel.unit.is_branch
if one_commune:
    branches = data.branch_list(sel.unit.code, sel.span, sel.history)
    reported = bool(branches["reported"].any())
else:
    issues = data.meeting_issues(sel.unit.code, sel.span, sel.history)
    reported = not issues.empty  # a row per reporting unit with a branch that reported
if not reported:
    widgets.no_data(sel, "báo cáo sinh hoạt chi bộ")
    st.stop()

rated = per_unit.dropna(subset=["rating_good_pct"])
if len(rated):
    event = st.plotly_chart(
        charts.rating_shares(rated, "Tỷ lệ buổi sinh hoạt theo xếp loại (đơn vị yếu ở trên)"),
        on_select="rerun", selection_mode="points", key="rating_bars",
    )  # fmt: skip
    nav.follow_click(event)

shares = {f"{c}_pct": (f"% {label}", "percent") for c, label in MEETING_RATINGS.items()}
if one_commune:
    st.subheader("Danh sách chi bộ")
    widgets.unit_table(
        branches,
        {
            "regular_meetings": ("Sinh hoạt thường kỳ", "count"),
            "missed_regular": ("Số tháng thiếu sinh hoạt", "count"),
            "thematic_meetings": ("Sinh hoạt chuyên đề", "count"),
            "quarters_without_thematic": ("Số quý không có chuyên đề", "count"),
            **shares,
            "attendance_pct": ("% đảng viên dự", "percent"),
        },
        sel,
        title="Danh sách chi bộ",
    )
else:
    st.subheader("Chi bộ thiếu sinh hoạt theo đơn vị")
    widgets.unit_table(
        issues,
        {
            "branches": ("Số chi bộ", "count"),
            "missed_regular": ("Chi bộ thiếu sinh hoạt thường kỳ", "count"),
            "no_thematic": ("Chi bộ có quý không sinh hoạt chuyên đề", "count"),
            **shares,
            "attendance_pct": ("% đảng viên dự", "percent"),
        },
        sel,
        title="Chi bộ thiếu sinh hoạt theo đơn vị",
    )
    widgets.coverage_note(per_unit, sel)
    st.caption("Chọn một đảng ủy ở thanh bên (hoặc bấm vào tên) để xem danh sách từng chi bộ.")
