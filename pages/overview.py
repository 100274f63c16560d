"""Tổng quan: the picture in seconds — KPI cards, lagging communes with reasons, small trends."""

import pandas as pd
import streamlit as st

from reporting.lagging import rule_help
from reporting.numbers import fmt_number
from ui import charts, data, filters, nav, widgets
from ui.text import plain

CARDS = 12  # lagging units shown as cards; all of them are in the table under the cards
sel = filters.current()
st.title("Tổng quan")
nav.breadcrumbs("pages/overview.py")
st.caption(f"{plain(sel.unit.name)} · {sel.label} · so sánh với cùng kỳ năm {sel.year - 1}")

if not data.figures(sel.unit.code, sel.span, sel.history):
    widgets.no_data(sel)
    st.stop()

cards = data.kpis(sel.unit.code, sel.span, sel.history)
for row in (cards[:3], cards[3:]):
    for column, kpi in zip(st.columns(3), row, strict=True):
        widgets.kpi_card(column, kpi)

st.subheader("Đơn vị cần quan tâm", help=rule_help())
lags = data.lagging_units(sel.unit.code, sel.span, sel.history)
if not lags:
    st.success("Không có đơn vị nào chậm tiến độ hay thiếu báo cáo trong kỳ.")
shown = lags[:CARDS]  # the worst first: a meeting reads a dozen, the rest are in the table below
for first in range(0, len(shown), 2):
    for column, lag in zip(st.columns(2), shown[first : first + 2], strict=False):
        box = column.container(border=True)
        box.page_link(nav.UNIT_PAGE, label=f"**{plain(lag.unit_name)}**", query_params=sel.params(unit=lag.unit_code))
        box.markdown("\n".join(f"- {plain(reason)}" for reason in lag.reasons))
if len(lags) > CARDS:
    with st.expander(f"Tất cả {fmt_number(len(lags))} đơn vị cần quan tâm"):
        widgets.unit_table(
            pd.DataFrame(
                {
                    "code": [lag.unit_code for lag in lags],
                    "name": [lag.unit_name for lag in lags],
                    "reasons": ["; ".join(lag.reasons) for lag in lags],
                }
            ),
            {"reasons": ("Lý do", "text")},
            sel,
            title="Đơn vị cần quan tâm",
        )

st.subheader("Xu hướng theo quý")
trend = data.quarterly(sel.unit.code, sel.span, ("admitted", "candidates_trained", "members_closing"), sel.history)
left, right = st.columns(2)
left.plotly_chart(
    charts.quarterly_trend(trend, {"admitted": "Kết nạp mới"}, "Kết nạp đảng viên mới theo quý", "Đảng viên"),
    key="trend_admitted",
)
right.plotly_chart(
    charts.quarterly_trend(
        trend, {"members_closing": "Tổng số đảng viên"}, "Tổng số đảng viên cuối quý", "Đảng viên", kind="line"
    ),
    key="trend_members",
)
if "units_due" in trend and (trend["units_reported"] < trend["units_due"]).any():
    st.caption(
        "Quý còn đơn vị chưa nộp báo cáo: cột kết nạp gạch chéo là số theo các báo cáo đã nhận; tổng số đảng viên "
        "là số ước tính (điểm rỗng), cộng số cuối kỳ gần nhất của đơn vị chưa nộp, để việc nộp chậm không bị đọc "
        "là giảm đảng viên. Di chuột vào điểm để xem số theo báo cáo đã nhận."
    )
