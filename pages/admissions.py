"""Phát triển đảng viên: admissions against targets per unit, by quarter, member movements, candidates."""

import streamlit as st

from reporting.dashboard import MOVEMENT_IN, MOVEMENT_OUT, ytd
from reporting.lagging import pace
from ui import charts, data, filters, nav, widgets

sel = filters.current()
st.title("Phát triển đảng viên")
nav.breadcrumbs("pages/admissions.py")
st.caption(f"{sel.unit.name} · kết nạp từ 01/01/{sel.year} đến {sel.span.end:%d/%m/%Y} so với chỉ tiêu năm")

per_unit = data.admissions(sel.unit.code, sel.span, sel.history)
figs = data.figures(sel.unit.code, sel.span, sel.history)
if not figs:
    widgets.no_data(sel)
    st.stop()

if len(per_unit) and per_unit["target"].notna().any():
    event = st.plotly_chart(
        charts.progress_bars(
            per_unit, "Kết nạp đảng viên so với chỉ tiêu năm (đơn vị chậm ở trên)", 100 * pace(sel.span.end)
        ),
        on_select="rerun",
        selection_mode="points",
        key="admissions_bars",
    )
    nav.follow_click(event)
    widgets.unit_table(
        per_unit,
        {
            "admitted": ("Đã kết nạp", "count"),
            "target": ("Chỉ tiêu năm", "count"),
            "pct_of_target": ("% kế hoạch", "progress"),
            "candidates_trained": ("Quần chúng học lớp nhận thức", "count"),
        },
        sel,
        title="Kết nạp đảng viên so với chỉ tiêu",
    )

st.subheader("Kết nạp theo quý qua các năm")
trend = data.quarterly(sel.unit.code, sel.span, ("admitted", "candidates_trained"), sel.history)
st.plotly_chart(
    charts.quarterly_trend(
        trend, {"admitted": "Kết nạp mới", "candidates_trained": "Quần chúng học lớp nhận thức về Đảng (tạo nguồn)"},
        "Kết nạp mới và tạo nguồn theo quý", "Người",
    ),
    key="admissions_trend",
)  # fmt: skip

st.subheader(f"Biến động đảng viên {sel.label}")
if "members_opening" in figs and "members_closing" in figs:
    st.plotly_chart(
        charts.waterfall(
            figs["members_opening"],
            {label: figs.get(code, 0.0) for code, label in MOVEMENT_IN.items()},
            {label: figs.get(code, 0.0) for code, label in MOVEMENT_OUT.items()},
            figs["members_closing"],
            "Từ đầu kỳ đến cuối kỳ",
        ),
        key="movement",
    )
else:
    st.info("Chưa đủ số đầu kỳ và cuối kỳ để dựng biểu đồ biến động.")
year_figs = data.figures(sel.unit.code, ytd(sel.span), sel.history)
st.caption(
    f"Từ đầu năm: kết nạp {year_figs.get('admitted', 0):,.0f}, tạo nguồn {year_figs.get('candidates_trained', 0):,.0f} "
    "quần chúng ưu tú học lớp nhận thức về Đảng.".replace(",", ".")
)
