"""Phát triển đảng viên: admissions against targets per unit, by quarter, member movements, candidates."""

import streamlit as st

from reporting.dashboard import MOVEMENT_IN, MOVEMENT_OUT, ytd
from reporting.numbers import fmt_number
from ui import charts, data, filters, nav, widgets
from ui.text import plain

sel = filters.current()
st.title("Phát triển đảng viên")
nav.breadcrumbs("pages/admissions.py")
st.caption(f"{plain(sel.unit.name)} · kết nạp từ 01/01/{sel.year} đến {sel.span.end:%d/%m/%Y} so với chỉ tiêu năm")

per_unit = data.admissions(sel.unit.code, sel.span, sel.history)
figs = data.figures(sel.unit.code, sel.span, sel.history)
if not figs:
    widgets.no_data(sel)
    st.stop()

# the pace the lagging list judges (the units' most common: a unit active part of the year has its own)
paces = per_unit["pace_pct"].dropna() if "pace_pct" in per_unit else per_unit.iloc[0:0]
pace_line = float(paces.mode().iloc[0]) if len(paces) else None
if len(per_unit) and per_unit["target"].notna().any():
    event = st.plotly_chart(
        charts.progress_bars(per_unit, "Kết nạp đảng viên so với chỉ tiêu năm (đơn vị chậm ở trên)", pace_line),
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
    widgets.coverage_note(per_unit, sel)

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
cover = data.stock_coverage(sel.unit.code, sel.span, sel.history)
opening, closing = cover.get("members_opening"), cover.get("members_closing")
# Where some units have not reported, both ends carry their last reported closing (an estimate), so
# the bars between are the reporting units' movements and the chart does not show a fall.
estimated = bool(opening and closing and not (opening.complete and closing.complete))
if "members_opening" in figs and "members_closing" in figs:
    st.plotly_chart(
        charts.waterfall(
            opening.estimate if estimated else figs["members_opening"],
            {label: figs.get(code) for code, label in MOVEMENT_IN.items()},  # None: not reported ("–")
            {label: figs.get(code) for code, label in MOVEMENT_OUT.items()},
            closing.estimate if estimated else figs["members_closing"],
            "Từ đầu kỳ đến cuối kỳ",
            estimated=estimated,
        ),
        key="movement",
    )
    if estimated:
        st.caption(
            f"Cuối kỳ: {closing.words}. Theo báo cáo đã nhận: đầu kỳ {fmt_number(figs['members_opening'])}, "
            f"cuối kỳ {fmt_number(figs['members_closing'])}. Số đầu kỳ và cuối kỳ của biểu đồ là ước tính "
            f"({fmt_number(opening.estimate)} và {fmt_number(closing.estimate)}): đơn vị chưa báo cáo số đầu kỳ "
            f"hoặc cuối kỳ được tính theo số cuối kỳ gần nhất đã báo cáo (cuối kỳ: "
            f"{fmt_number(closing.carried)} đảng viên của {fmt_number(closing.carried_units)} đơn vị). "
            "Các cột biến động là của các báo cáo đã nhận."
        )
else:
    st.info("Chưa đủ số đầu kỳ và cuối kỳ để dựng biểu đồ biến động.")
year_figs = data.figures(sel.unit.code, ytd(sel.span), sel.history)
year_cover = data.return_coverage(sel.unit.code, ytd(sel.span), sel.history)
st.caption(
    f"Từ đầu năm: kết nạp {fmt_number(year_figs.get('admitted'))}, tạo nguồn "
    f"{fmt_number(year_figs.get('candidates_trained'))} quần chúng ưu tú học lớp nhận thức về Đảng"
    + ("." if year_cover.complete else f" (theo {year_cover.words}).")
)
