"""Kỷ luật: outcomes by form, members and organisations apart, per unit and over time; rate per 1,000 members."""

import pandas as pd
import streamlit as st

from reporting.dashboard import DISCIPLINE_FORMS, discipline_summary
from reporting.numbers import fmt_number
from ui import charts, data, filters, nav, widgets
from ui.text import plain

MEMBER_FORMS = {c: f for c, f in DISCIPLINE_FORMS.items() if c.startswith("disc_member")}
ORG_FORMS = {c: f for c, f in DISCIPLINE_FORMS.items() if c.startswith("disc_org")}

sel = filters.current()
st.title("Kỷ luật")
nav.breadcrumbs("pages/discipline.py")
st.caption(
    f"{plain(sel.unit.name)} · {sel.label} · nhắc nhở, kiểm điểm rút kinh nghiệm và đình chỉ không phải là kỷ luật"
)

figs = data.figures(sel.unit.code, sel.span, sel.history)
if not figs:
    widgets.no_data(sel)
    st.stop()

total = discipline_summary(pd.DataFrame([figs])).iloc[0]
left, middle, right = st.columns(3)
left.metric("Đảng viên bị kỷ luật", fmt_number(total["disc_members"]), border=True)
left.caption(", ".join(f"{f.lower()} {fmt_number(figs.get(c))}" for c, f in MEMBER_FORMS.items()))
middle.metric("Tổ chức đảng bị kỷ luật", fmt_number(total["disc_orgs"]), border=True)
middle.caption(", ".join(f"{f.lower()} {fmt_number(figs.get(c))}" for c, f in ORG_FORMS.items()))
rate = total["per_1000"]
right.metric("Đảng viên bị kỷ luật trên 1.000 đảng viên", "–" if pd.isna(rate) else fmt_number(rate, 2), border=True)

per_unit = data.by_child(sel.unit.code, sel.span, sel.history, summary="discipline")
if "members_closing" in per_unit:  # children that send returns (a commune's branches report no discipline)
    event = st.plotly_chart(
        charts.bars_by_unit(per_unit, MEMBER_FORMS, "Đảng viên bị kỷ luật theo hình thức và đơn vị", "Trường hợp"),
        on_select="rerun", selection_mode="points", key="discipline_bars",
    )  # fmt: skip
    nav.follow_click(event)
    widgets.unit_table(
        per_unit,
        {
            **{c: (f"Đảng viên: {f.lower()}", "count") for c, f in MEMBER_FORMS.items()},
            **{c: (f"Tổ chức: {f.lower()}", "count") for c, f in ORG_FORMS.items()},
            "per_1000": ("Trên 1.000 đảng viên", "decimal"),
        },
        sel,
        title="Kỷ luật theo hình thức",
    )
    widgets.coverage_note(per_unit, sel)

st.subheader("Theo quý qua các năm")
trend = data.quarterly(
    sel.unit.code, sel.span, (*DISCIPLINE_FORMS, "members_closing"), sel.history, summary="discipline"
)
st.plotly_chart(
    charts.quarterly_trend(
        trend,
        {"disc_members": "Đảng viên", "disc_orgs": "Tổ chức đảng"},
        "Số trường hợp bị kỷ luật theo quý",
        "Trường hợp",
    ),
    key="discipline_trend",
)
