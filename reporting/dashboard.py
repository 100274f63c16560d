"""Dashboard figures: named queries shaped for the pages (no Streamlit here).

Every figure comes from the ``observations`` view, the registry and the
targets through the named queries in ``reporting/sql/dashboard``; the same
functions serve the briefing, so the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
import pyarrow as pa

from reporting import queries
from reporting.catalog import MEETING_RATINGS, METRICS, REPORTING_ORG_TYPES
from reporting.lagging import pace_note, pace_pcts
from reporting.lineage import DEFAULT_HISTORY
from reporting.numbers import fmt_number, fmt_percent
from reporting.periods import Period, quarters_in, year_to
from reporting.submissions import unit_statuses
from reporting.units import UnitTree

INSPECTION_TYPES: dict[str, str] = {
    "inspect": "Kiểm tra",
    "inspect_signs": "Kiểm tra khi có dấu hiệu vi phạm",
    "supervise": "Giám sát chuyên đề",
}
TARGETS: dict[str, str] = {"org": "Tổ chức đảng", "member": "Đảng viên"}
DISCIPLINE_FORMS: dict[str, str] = {
    "disc_org_reprimand": "Khiển trách",
    "disc_org_warning": "Cảnh cáo",
    "disc_org_dissolution": "Giải tán",
    "disc_member_reprimand": "Khiển trách",
    "disc_member_warning": "Cảnh cáo",
    "disc_member_dismissal": "Cách chức",
    "disc_member_expulsion": "Khai trừ",
}
MOVEMENT_IN = {"admitted": "Kết nạp mới", "readmitted": "Kết nạp lại", "transfer_in": "Chuyển đến"}
MOVEMENT_OUT = {
    "deceased": "Từ trần",
    "expelled": "Khai trừ",
    "struck_off": "Xóa tên",
    "resigned": "Xin ra khỏi Đảng",
    "transfer_out": "Chuyển đi",
}


def _level(con: duckdb.DuckDBPyConnection, unit: str) -> tuple[bool, bool]:
    """(the unit sends returns itself, some unit in its subtree does): whether its figures, and its
    children's, can be read from the roll-up of returns rather than from every branch row."""
    row = queries.run(con, "dashboard/unit_level", unit=unit, reporting_types=sorted(REPORTING_ORG_TYPES))
    return bool(row["reports"].iloc[0]), bool(row["returns_below_or_self"].iloc[0])


def _rollup(con: duckdb.DuckDBPyConnection, unit: str, by_child: bool = False) -> bool:
    """Read the roll-up of returns (units holding communes), or every branch row (below a commune)."""
    reports, holds_returns = _level(con, unit)
    return holds_returns and not (by_child and reports)


def figures(
    con: duckdb.DuckDBPyConnection, unit: str, span: Period, history: str = DEFAULT_HISTORY
) -> dict[str, float]:
    """Every metric for the unit's whole subtree over the span, in the given view of history."""
    df = queries.run(
        con, "dashboard/metric_totals", groups=[unit], start=span.start, end=span.end, history=history,
        rollup=_rollup(con, unit),
    )  # fmt: skip
    return dict(zip(df["metric"], df["value"], strict=True))


def children(
    con: duckdb.DuckDBPyConnection, unit: str, span: Period, history: str = DEFAULT_HISTORY, today: date | None = None
) -> pd.DataFrame:
    """The unit's children shown for the span in the view (code, name, org_type)."""
    return queries.run(
        con, "dashboard/children", unit=unit, start=span.start, end=span.end, history=history,
        today=today or date.today(),
    )  # fmt: skip


def figures_by_child(
    con: duckdb.DuckDBPyConnection, unit: str, span: Period, history: str = DEFAULT_HISTORY, today: date | None = None
) -> pd.DataFrame:
    """One row per child unit (code, name, org_type) with a column per metric (0 where none reported)."""
    kids = children(con, unit, span, history, today)
    long = queries.run(
        con, "dashboard/metric_totals", groups=kids["code"].tolist(), start=span.start, end=span.end,
        history=history, rollup=_rollup(con, unit, by_child=True),
    )  # fmt: skip
    wide = long.pivot_table(index="group_code", columns="metric", values="value", aggfunc="first")
    out = kids.merge(wide, left_on="code", right_index=True, how="left")
    return out.fillna({c: 0.0 for c in wide.columns})


def target(con: duckdb.DuckDBPyConnection, unit: str, year: int, history: str = DEFAULT_HISTORY) -> int | None:
    return queries.targets_for(con, [unit], year, history).get(unit)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A metric column, or zeros where no unit in the frame reported it."""
    return frame[name].fillna(0.0) if name in frame else pd.Series(0.0, index=frame.index)


def inspection_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds per type (inspection, on signs, supervision) totals and the share concluded with violations."""
    out = frame.copy()
    for kind in INSPECTION_TYPES:
        for who in TARGETS:
            out[f"{kind}_{who}"] = _col(out, f"{kind}_{who}")
        out[kind] = sum(out[f"{kind}_{who}"] for who in TARGETS)
    inspected = out["inspect"] + out["inspect_signs"]
    violations = _col(out, "violation_org") + _col(out, "violation_member")
    out["violations"] = violations
    out["violation_pct"] = (100 * violations / inspected).where(inspected > 0)
    return out


def discipline_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds member and organisation totals and the member rate per 1,000 members."""
    out = frame.copy()
    for code in DISCIPLINE_FORMS:
        out[code] = _col(out, code)
    out["disc_members"] = sum(out[c] for c in DISCIPLINE_FORMS if c.startswith("disc_member"))
    out["disc_orgs"] = sum(out[c] for c in DISCIPLINE_FORMS if c.startswith("disc_org"))
    members = _col(out, "members_closing")
    out["per_1000"] = (1000 * out["disc_members"] / members).where(members > 0)
    return out


def indicator_history(wide: pd.DataFrame, last: int = 8) -> pd.DataFrame:
    """Every indicator (rows, Vietnamese labels) by quarter (columns, the last ``last``), formatted for reading."""
    if wide.empty:
        return pd.DataFrame()
    wide = wide.tail(last)
    metrics = [m for m in METRICS if m.code in wide.columns and wide[m.code].abs().sum() > 0]
    rows = []
    for m in metrics:
        row = {"Chỉ tiêu": m.label}
        for label, value in zip(wide["label"], wide[m.code], strict=True):
            row[label] = fmt_number(value, 1) if m.kind == "percent" else fmt_number(value)
        rows.append(row)
    return pd.DataFrame(rows)


def ytd(span: Period) -> Period:
    """From 1 January to the end of the span: admissions are always counted against the year."""
    return year_to(span.year, span.end.month) if span.end.month % 3 == 0 else span


def admissions_by_child(
    con: duckdb.DuckDBPyConnection, unit: str, span: Period, history: str = DEFAULT_HISTORY, today: date | None = None
) -> pd.DataFrame:
    """Per child: admissions from 1 January to the span's end against its annual target, laggards first."""
    df = figures_by_child(con, unit, ytd(span), history, today)
    targets = queries.targets_for(con, df["code"].tolist(), span.year, history)
    df["admitted"] = _col(df, "admitted")
    df["candidates_trained"] = _col(df, "candidates_trained")
    df["target"] = df["code"].map(targets)
    df["pct_of_target"] = 100 * df["admitted"] / df["target"]
    df["pace_pct"] = df["code"].map(pace_pcts(con, df["code"].tolist(), span, today, history)).astype(float)
    df["behind"] = df["pct_of_target"] < df["pace_pct"]
    return df.sort_values(["pct_of_target", "code"], na_position="last").reset_index(drop=True)


def quarterly(
    con: duckdb.DuckDBPyConnection,
    unit: str,
    from_year: int,
    until: date,
    metrics: list[str],
    history: str = DEFAULT_HISTORY,
) -> pd.DataFrame:
    """One row per quarter from ``from_year`` to the last ended by ``until``, with a column per metric."""
    name = "dashboard/quarterly_series" if _rollup(con, unit) else "dashboard/quarterly_series_rows"
    long = queries.run(con, name, unit=unit, from_year=from_year, until=until, metrics=metrics, history=history)
    if long.empty:
        return pd.DataFrame(columns=["year", "quarter", "label", *metrics])
    wide = long.pivot_table(index=["year", "quarter"], columns="metric", values="value", aggfunc="first")
    wide = wide.reindex(columns=metrics).fillna(0.0).reset_index()
    wide["label"] = [f"Q{q}/{y}" for y, q in zip(wide["year"], wide["quarter"], strict=True)]
    return wide


def meeting_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds the share (%) of meetings at each rating level, of rated meetings, to a figures frame."""
    out = frame.copy()
    rated = sum(_col(out, c) for c in MEETING_RATINGS)
    for code in MEETING_RATINGS:
        out[f"{code}_pct"] = (100 * _col(out, code) / rated).where(rated > 0)
    out["rated_meetings"] = rated
    return out


def branches_in(
    tree: UnitTree, unit: str, span: Period, history: str = DEFAULT_HISTORY, today: date | None = None
) -> list[tuple[str, str]]:
    """(branch, reporting unit) for every branch shown under the unit for the span in the view."""
    view = tree.view(history, today or date.today())
    return [(b.code, o.code) for b, o in view.branches_under(unit, span.start, span.end)]


def branch_list(
    con: duckdb.DuckDBPyConnection,
    unit: str,
    span: Period,
    tree: UnitTree,
    history: str = DEFAULT_HISTORY,
    today: date | None = None,
) -> pd.DataFrame:
    """One row per branch in the subtree: its figures over the span and the meetings it missed.

    ``missed_regular`` counts months without a regular meeting; ``quarters_without_thematic``
    counts the span's quarters in which the branch reported but held no thematic meeting.
    """
    pairs = branches_in(tree, unit, span, history, today)
    codes = [code for code, _ in pairs]
    long = queries.run(
        con, "dashboard/metric_totals", groups=codes, start=span.start, end=span.end, history=history, rollup=False
    )
    wide = long.pivot_table(index="group_code", columns="metric", values="value", aggfunc="first")
    per_quarter = queries.run(
        con, "dashboard/branch_quarters", codes=codes, start=span.start, end=span.end, history=history
    )
    no_thematic = per_quarter[per_quarter["thematic_meetings"] == 0].groupby("unit_code").size()
    out = pd.DataFrame(
        {
            "code": pd.Series(codes, dtype=object),
            "name": pd.Series([tree.get(c).name for c in codes], dtype=object),
            "reporting_code": pd.Series([o for _, o in pairs], dtype=object),
            "reporting_name": pd.Series([tree.get(o).name for _, o in pairs], dtype=object),
        }
    )
    wide.index = wide.index.astype(object)
    out = out.merge(wide, left_on="code", right_index=True, how="left")
    out = meeting_shares(out)
    out["reported"] = out["code"].isin(wide.index)
    regular = _col(out, "regular_meetings")
    out["missed_regular"] = (span.months - regular).clip(lower=0).where(out["reported"])
    out["quarters_without_thematic"] = out["code"].map(no_thematic).fillna(0).astype(int).where(out["reported"])
    return out


def branch_pairs(pairs: list[tuple[str, str]]) -> pa.Table:
    """(branch, reporting unit) pairs as the Arrow table meeting_issues.sql reads."""
    return pa.table(
        {
            "branch_code": pa.array([b for b, _ in pairs], pa.string()),
            "reporting_code": pa.array([o for _, o in pairs], pa.string()),
        }
    )


def meeting_issues(
    con: duckdb.DuckDBPyConnection,
    unit: str,
    span: Period,
    tree: UnitTree,
    history: str = DEFAULT_HISTORY,
    today: date | None = None,
) -> pd.DataFrame:
    """Per reporting unit with a branch that reported: how many reported, how many missed a regular
    meeting (fewer than one a month), how many had a quarter without a thematic meeting.

    The counts ``branch_list`` gives branch by branch, added up in DuckDB: above a commune there are
    too many branches (130,000 in the country) to build their rows here.
    """
    pairs = branches_in(tree, unit, span, history, today)
    out = queries.run(
        con,
        "dashboard/meeting_issues",
        tables={"branch_pairs": branch_pairs(pairs)},
        months=span.months,
        start=span.start,
        end=span.end,
        history=history,
    )
    out.insert(1, "name", pd.Series([tree.get(c).name for c in out["code"]], index=out.index, dtype=object))
    return out


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: float | None
    previous: float | None  # the same span a year earlier
    percent: bool = False  # value is a percent
    note: str = ""  # a Vietnamese line under the figure


def kpis(
    con: duckdb.DuckDBPyConnection,
    tree: UnitTree,
    unit: str,
    span: Period,
    today: date,
    history: str = DEFAULT_HISTORY,
) -> list[Kpi]:
    """The overview's cards, each with the same span of the year before."""
    last_year = span.same_period_last_year()
    now, before = figures(con, unit, span, history), figures(con, unit, last_year, history)
    now_ytd, before_ytd = figures(con, unit, ytd(span), history), figures(con, unit, ytd(last_year), history)
    goal = target(con, unit, span.year, history)
    view = tree.view(history, today)

    def inspections(f: dict[str, float]) -> float:
        return sum(f.get(f"{t}_{w}", 0.0) for t in INSPECTION_TYPES for w in TARGETS)

    def discipline(f: dict[str, float]) -> float:
        return sum(f.get(code, 0.0) for code in DISCIPLINE_FORMS)

    def good_share(f: dict[str, float]) -> float | None:
        rated = sum(f.get(c, 0.0) for c in MEETING_RATINGS)
        return 100 * f.get("rating_good", 0.0) / rated if rated else None

    def net_change(f: dict[str, float]) -> float | None:
        if "members_closing" not in f or "members_opening" not in f:
            return None
        return f["members_closing"] - f["members_opening"]

    def on_time(p: Period) -> tuple[int, int]:
        statuses = [
            s for q in _quarters(p, today) for s in unit_statuses(con, tree, q, today) if view.within(s.unit_code, unit)
        ]
        return sum(s.state in ("accepted", "warnings") and not s.late for s in statuses), len(statuses)

    admitted = now_ytd.get("admitted", 0.0)
    if goal:
        admissions_note = (
            f"Đạt {fmt_percent(100 * admitted / goal)} kế hoạch năm ({fmt_number(goal)}); "
            f"{pace_note(con, unit, span, today, history)}"
        )
    else:
        admissions_note = "Chưa có chỉ tiêu năm"
    received, expected = on_time(span)
    received_before, expected_before = on_time(last_year)
    closing = now.get("members_closing")
    return [
        Kpi("admissions", "Kết nạp đảng viên từ đầu năm", admitted, before_ytd.get("admitted", 0.0),
            note=admissions_note),
        Kpi("net_members", "Tăng, giảm đảng viên trong kỳ", net_change(now), net_change(before),
            note=f"Tổng số cuối kỳ theo báo cáo đã nhận: {fmt_number(closing)}" if closing is not None else ""),
        Kpi("inspections", "Lượt kiểm tra, giám sát", inspections(now), inspections(before)),
        Kpi("discipline", "Kỷ luật (tổ chức và đảng viên)", discipline(now), discipline(before)),
        Kpi("good_meetings", "Buổi sinh hoạt chi bộ xếp loại Tốt", good_share(now), good_share(before), percent=True),
        Kpi("on_time", "Báo cáo nộp đúng hạn", float(received), float(received_before) if expected_before else None,
            note=f"trên {fmt_number(expected)} báo cáo phải nộp" if expected else "Chưa đến hạn nộp"),
    ]  # fmt: skip


def _quarters(span: Period, today: date) -> list[Period]:
    return [q for q in quarters_in(span) if q.end < today]


def unit_returns(con: duckdb.DuckDBPyConnection, unit: str) -> pd.DataFrame:
    """Every version received from the unit (or, for a branch, from its reporting unit)."""
    return queries.run(con, "dashboard/unit_returns", unit=unit)
