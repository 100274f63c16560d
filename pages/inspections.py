"""Kiểm tra, giám sát: counts by type and target per unit and over time; share concluded with violations."""

import pandas as pd
import streamlit as st

from reporting.dashboard import INSPECTION_TYPES, TARGETS, inspection_summary
from reporting.numbers import fmt_number, fmt_percent
from ui import charts, data, filters, nav, widgets
from ui.text import plain

sel = filters.current()
st.title("Kiểm tra, giám sát")
nav.breadcrumbs("pages/inspections.py")
st.caption(
    f"{plain(sel.unit.name)} · {sel.label} · số lượt (một tổ chức, một đảng viên có thể được kiểm tra nhiều lượt)"
)

figs = data.figures(sel.unit.code, sel.span, sel.history)
if not figs:
    widgets.no_data(sel)
    st.stop()
total = inspection_summary(pd.DataFrame([figs]))

row = total.iloc[0]
columns = st.columns(4)
for column, (kind, label) in zip(columns, INSPECTION_TYPES.items(), strict=False):
    column.metric(label, fmt_number(row[kind]), border=True)
    column.caption(" · ".join(f"{t.lower()} {fmt_number(row.get(f'{kind}_{w}'))}" for w, t in TARGETS.items()))
columns[3].metric("Kết luận có vi phạm", fmt_percent(row["violation_pct"]), border=True)
columns[3].caption(f"{fmt_number(row['violations'])} lượt, trên số lượt kiểm tra")

per_unit = data.by_child(sel.unit.code, sel.span, sel.history, summary="inspection")
if per_unit[list(INSPECTION_TYPES)].sum().sum() > 0:  # pandas skips the units that did not report
    event = st.plotly_chart(
        charts.bars_by_unit(per_unit, INSPECTION_TYPES, "Số lượt kiểm tra, giám sát theo đơn vị", "Lượt"),
        on_select="rerun", selection_mode="points", key="inspection_bars",
    )  # fmt: skip
    nav.follow_click(event)
    widgets.unit_table(
        per_unit,
        {
            **{
                f"{k}_{w}": (f"{label}: {t.lower()}", "count")
                for k, label in INSPECTION_TYPES.items()
                for w, t in TARGETS.items()
            },
            "violation_pct": ("% kết luận có vi phạm", "percent"),
        },
        sel,
        title="Kiểm tra, giám sát theo đơn vị",
    )
widgets.coverage_note(per_unit, sel)

st.subheader("Theo quý qua các năm")
codes = tuple(f"{k}_{w}" for k in INSPECTION_TYPES for w in TARGETS)
trend = data.quarterly(sel.unit.code, sel.span, codes, sel.history, summary="inspection")
st.plotly_chart(
    charts.quarterly_trend(trend, INSPECTION_TYPES, "Lượt kiểm tra, giám sát theo quý", "Lượt"), key="inspection_trend"
)
