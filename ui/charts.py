"""Plotly figures with Vietnamese labels and number formats (graph_objects: px is 20x slower).

Every bar or point that stands for a unit carries the unit's code in
``customdata`` so a click opens that unit's page.

Every figure a chart writes (hover, bar labels, notes) is text from ``reporting.numbers``, the
formatter of the tables and sentences, passed in ``customdata``, ``text`` or ``hovertext``: never a
d3 format, which rounds half-to-even and prints "-0". Only axis ticks use d3, whole numbers with
Vietnamese separators.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from reporting.catalog import MEETING_RATINGS
from reporting.numbers import fmt_number, fmt_numbers, fmt_threshold

# One colour per rating level on every page; Okabe-Ito hues that colour-blind readers tell apart.
RATING_COLORS: dict[str, str] = {
    "rating_good": "#009E73",
    "rating_fair": "#56B4E9",
    "rating_average": "#E69F00",
    "rating_poor": "#D55E00",
}
SERIES_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
BEHIND, ON_PACE = "#D55E00", "#0072B2"
FONT = "Source Sans Pro, Arial, sans-serif"

# Building a figure (Plotly checks every property) was half of a page's rerun (bench/RESULTS.md). The
# same inputs give the same figure, so each is built once per process and shared: st.plotly_chart
# only reads it (to_dict), never changes it. Inputs are hashed by content.
_once = st.cache_resource(show_spinner=False, max_entries=512)


def _layout(fig: go.Figure, title: str, height: int, **kwargs: object) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        separators=",.",  # Vietnamese: decimal comma, dot for thousands
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
        plot_bgcolor="white",
        hoverlabel={"font": {"family": FONT}},
        **kwargs,
    )
    # ",d": whole numbers with the thousands dot ("15.100"), never SI shorthand ("15,1k").
    fig.update_xaxes(gridcolor="#E5E5E5", zerolinecolor="#BDBDBD", tickformat=",d")
    fig.update_yaxes(gridcolor="#E5E5E5", zerolinecolor="#BDBDBD", tickformat=",d")
    _whole_ticks(fig)
    return fig


def _extent(fig: go.Figure, axis: str) -> float | None:
    """The largest magnitude the figure's data reach along ``axis`` ("x" or "y"), stacked bars summed;
    None when no trace draws numbers there (an axis of categories: units, quarters)."""
    stacked = fig.layout.barmode in ("stack", "relative")
    totals: dict[object, float] = {}
    top = None
    for trace in fig.data:
        horizontal = getattr(trace, "orientation", None) == "h"
        if trace.type in ("bar", "waterfall") and (axis == "x") != horizontal:
            continue  # the categories' axis
        data = getattr(trace, axis, None)
        values = pd.Series([] if data is None else list(data), dtype=object)
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.isna().sum() > values.isna().sum():
            return None  # text: a category axis
        if values.isna().all():
            continue  # a legend entry without points
        numbers = numbers.abs().fillna(0)
        if trace.type == "waterfall":
            numbers = numbers.cumsum()  # where the running total goes (an overestimate is harmless)
        if trace.type == "bar" and stacked:
            for category, number in zip(getattr(trace, "y" if horizontal else "x"), numbers, strict=False):
                totals[category] = totals.get(category, 0.0) + number
            continue
        if len(numbers):
            top = max(top or 0.0, float(numbers.max()))
    if totals:
        top = max(top or 0.0, max(totals.values()))
    return top


def _whole_ticks(fig: go.Figure) -> None:
    """Axes of counts tick at whole numbers: for a small range Plotly ticks at halves, which ",d" then
    prints "0 1 1 2 2". Below 10, one tick per unit; with nothing to draw, 0 to 1 (not -1 to 1)."""
    for axis, update in (("x", fig.update_xaxes), ("y", fig.update_yaxes)):
        top = _extent(fig, axis)
        if top is None or top >= 10:
            continue
        update(dtick=1, tick0=0)
        if top == 0 and getattr(fig.layout, f"{axis}axis").range is None:
            update(range=[0, 1])


def _names(names: pd.Series) -> list[str]:
    """Unit names as Plotly shows them: its labels and hovers read a subset of HTML (<b>, <a href>),
    so a name is escaped and always reads as the text it is."""
    return [html.escape(str(name), quote=False) for name in names]


def _height(rows: int) -> int:
    return max(260, 70 + 26 * rows)


@_once
def progress_bars(df: pd.DataFrame, title: str, pace_pct: float | None) -> go.Figure:
    """Horizontal bars of % of target per unit (laggards at the top), with the expected-pace line."""
    df = df.dropna(subset=["pct_of_target"]).iloc[::-1]
    colors = [BEHIND if behind else ON_PACE for behind in df["behind"]]
    texts = (fmt_numbers(df["admitted"]), fmt_numbers(df["target"]), fmt_numbers(df["pct_of_target"], 1, "%"))
    fig = go.Figure(
        go.Bar(
            x=df["pct_of_target"],
            y=_names(df["name"]),
            orientation="h",
            marker_color=colors,
            customdata=[list(row) for row in zip(df["code"], *texts, strict=True)],
            hovertemplate="<b>%{y}</b><br>Kết nạp %{customdata[1]}/%{customdata[2]} "
            "(%{customdata[3]} kế hoạch năm)<extra></extra>",
        )
    )
    if pace_pct is not None:
        fig.add_vline(x=pace_pct, line_dash="dash", line_color="#555555")
        fig.add_annotation(
            x=pace_pct, y=1.0, yref="paper", text=f"Tiến độ {fmt_threshold(pace_pct)}",  # as the notes write a pace
            showarrow=False, yanchor="bottom", font={"size": 12},
        )  # fmt: skip
    fig.update_xaxes(title="% kế hoạch năm", ticksuffix="%")
    return _layout(fig, title, _height(len(df)), showlegend=False)


@_once
def bars_by_unit(df: pd.DataFrame, series: dict[str, str], title: str, axis: str, stacked: bool = True) -> go.Figure:
    """Bars per unit, one series a column (label → colour in order)."""
    df = df.iloc[::-1]
    fig = go.Figure()
    for (column, label), color in zip(series.items(), SERIES_COLORS, strict=False):
        values = df[column] if column in df else pd.Series(0, index=df.index)
        fig.add_trace(
            go.Bar(
                x=values,
                y=_names(df["name"]),
                name=label,
                orientation="h",
                marker_color=color,
                customdata=[[code, text] for code, text in zip(df["code"], fmt_numbers(values), strict=True)],
                hovertemplate=f"<b>%{{y}}</b><br>{label}: %{{customdata[1]}}<extra></extra>",
            )
        )
    fig.update_xaxes(title=axis)
    return _layout(fig, title, _height(len(df)), barmode="stack" if stacked else "group")


@_once
def rating_shares(df: pd.DataFrame, title: str) -> go.Figure:
    """100% stacked bars of meetings by rating level per unit; weakest at the top."""
    df = df.sort_values("rating_good_pct", ascending=False, na_position="first")
    fig = go.Figure()
    for code, label in MEETING_RATINGS.items():
        fig.add_trace(
            go.Bar(
                x=df[f"{code}_pct"],
                y=_names(df["name"]),
                name=label,
                orientation="h",
                marker_color=RATING_COLORS[code],
                customdata=[
                    [unit, text] for unit, text in zip(df["code"], fmt_numbers(df[f"{code}_pct"], 1, "%"), strict=True)
                ],
                hovertemplate=f"<b>%{{y}}</b><br>{label}: %{{customdata[1]}}<extra></extra>",
            )
        )
    fig.update_xaxes(title="% số buổi sinh hoạt thường kỳ", ticksuffix="%", range=[0, 100])
    return _layout(fig, title, _height(len(df)), barmode="stack")


@_once
def quarterly_trend(df: pd.DataFrame, series: dict[str, str], title: str, axis: str, kind: str = "bar") -> go.Figure:
    """Series by quarter over the years (bars side by side, or lines).

    A quarter in which some reporting units have not sent their return (``units_reported`` below
    ``units_due``, dashboard.quarterly) is marked: hatched bars, hollow points, and a hover saying
    how many units the figure covers. A closing stock with an ``<column>_estimate`` column is drawn
    as that estimate there (each silent unit's last reported closing carried forward), so a late
    return never reads as a fall; the as-reported sum is in the hover.
    """
    fig = go.Figure()
    if "units_due" in df:
        incomplete = (df["units_reported"] < df["units_due"]).fillna(False).tolist()
        covers = [
            "" if pd.isna(d) else f"{fmt_number(r)}/{fmt_number(d)} đơn vị đã báo cáo"
            for r, d in zip(df["units_reported"], df["units_due"], strict=True)
        ]
    else:
        incomplete, covers = [False] * len(df), [""] * len(df)
    estimated_any = False
    for (column, label), color in zip(series.items(), SERIES_COLORS, strict=False):
        reported = df[column] if column in df else pd.Series(float("nan"), index=df.index)
        estimate = df.get(f"{column}_estimate")
        values, hover = [], []
        for i, (quarter_label, value) in enumerate(zip(df["label"], reported, strict=True)):
            shown = value
            line = f"{label} {quarter_label}: {fmt_number(value)}"
            if incomplete[i] and estimate is not None and not pd.isna(estimate.iloc[i]):
                shown = estimate.iloc[i]
                estimated_any = True
                line = (
                    f"{label} {quarter_label}: ước tính {fmt_number(shown)} ({covers[i]}; "
                    f"theo báo cáo đã nhận {fmt_number(value)})"
                )
            elif incomplete[i]:
                line += f" ({covers[i]})"
            values.append(shown)
            hover.append(line)
        common = {"x": df["label"], "y": values, "name": label, "hovertext": hover,
                  "hovertemplate": "%{hovertext}<extra></extra>"}  # fmt: skip
        if kind == "bar":
            fig.add_trace(
                go.Bar(**common, marker={"color": color, "pattern": {"shape": ["/" if x else "" for x in incomplete]}})
            )
        else:
            fig.add_trace(
                go.Scatter(
                    **common, mode="lines+markers", line_color=color,
                    marker={"color": color, "size": [11 if x else 7 for x in incomplete],
                            "symbol": ["circle-open" if x else "circle" for x in incomplete]},
                )
            )  # fmt: skip
    if any(incomplete):
        # a legend entry that says what the marked quarters mean
        note = "Quý thiếu báo cáo: ước tính" if estimated_any else "Quý thiếu báo cáo: số đã nhận"
        fig.add_trace(
            go.Scatter(x=[None], y=[None], mode="markers", name=note, hoverinfo="skip",
                       marker={"symbol": "circle-open" if estimated_any else "square", "color": "#555555", "size": 10,
                               **({} if estimated_any else {"line": {"width": 1}})})
        )  # fmt: skip
    fig.update_yaxes(title=axis)
    fig.update_xaxes(title="Quý")
    fig = _layout(fig, title, 400, barmode="group")
    # the legend under the axis: above it, two or three entries ran into the title
    return fig.update_layout(legend={"yanchor": "top", "y": -0.42, "x": 0}, margin={"b": 10})


@_once
def waterfall(
    opening: float,
    inflows: dict[str, float | None],
    outflows: dict[str, float | None],
    closing: float,
    title: str,
    estimated: bool = False,
) -> go.Figure:
    """Opening → each inflow → each outflow → closing. ``estimated``: the opening and closing include
    the last reported closing of the units that have not sent their return (their flows are unknown,
    so the bars between are the reporting units' own), and are labelled so."""
    ends = ("Đầu kỳ (ước tính)", "Cuối kỳ (ước tính)") if estimated else ("Đầu kỳ", "Cuối kỳ")
    labels = [ends[0], *inflows, *outflows, ends[1]]
    # a movement nobody reported is a bar of no height labelled "–", not a 0
    values = [opening, *inflows.values(), *(None if v is None else -v for v in outflows.values()), closing]
    measures = ["absolute", *["relative"] * (len(inflows) + len(outflows)), "total"]
    texts = [fmt_number(abs(v) if i in (0, len(values) - 1) and v is not None else v) for i, v in enumerate(values)]
    inflows = {k: v or 0.0 for k, v in inflows.items()}
    outflows = {k: v or 0.0 for k, v in outflows.items()}
    fig = go.Figure(
        go.Waterfall(
            x=labels,
            y=[v or 0.0 for v in values],
            measure=measures,
            increasing={"marker": {"color": "#009E73"}},
            decreasing={"marker": {"color": "#D55E00"}},
            totals={"marker": {"color": "#0072B2"}},
            text=texts,
            textposition="outside",
            hovertext=[f"{label}: {text}" for label, text in zip(labels, texts, strict=True)],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    low = min(opening, closing) - max(sum(outflows.values()), 1) * 2
    fig.update_yaxes(title="Đảng viên", range=[max(0, low), max(opening, closing) + sum(inflows.values()) * 1.5 + 1])
    return _layout(fig, title, 340, showlegend=False)
