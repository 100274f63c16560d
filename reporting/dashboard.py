"""Dashboard figures: named queries shaped for the pages (no Streamlit here).

Every figure comes from the ``observations`` view, the registry and the
targets through the named queries in ``reporting/sql/dashboard``; the same
functions serve the briefing, so the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd
import pyarrow as pa

from reporting import queries
from reporting.catalog import MEETING_RATINGS, METRICS, REPORTING_ORG_TYPES
from reporting.lagging import pace_note, pace_pcts
from reporting.lineage import DEFAULT_HISTORY
from reporting.numbers import fmt_number, fmt_percent
from reporting.periods import Period, quarters_in, year_to
from reporting.submissions import UnitStatus, unit_statuses
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
    """One row per child unit (code, name, org_type) with a column per metric: NaN where the child
    reported nothing (never 0), and for a child holding reporting units ``units_due`` and
    ``units_reported`` (of the units owing the closing stock, how many gave it at the span's
    effective closing date, ``closing_date``), ``returns_due`` and ``returns_received`` (of the
    returns due for the span's quarters ended by today, how many are in: a child with 2 of 3 has
    figures for six months of a nine-month span)."""
    today = today or date.today()
    kids = children(con, unit, span, history, today)
    codes = kids["code"].tolist()
    long = queries.run(
        con, "dashboard/metric_totals", groups=codes, start=span.start, end=span.end,
        history=history, rollup=_rollup(con, unit, by_child=True),
    )  # fmt: skip
    wide = long.pivot_table(index="group_code", columns="metric", values="value", aggfunc="first")
    out = kids.merge(wide, left_on="code", right_index=True, how="left")
    cover = queries.run(
        con, "dashboard/stock_coverage", groups=codes, start=span.start, end=span.end,
        as_of=closing_date(span, today), history=history,
    )  # fmt: skip
    cover = cover[cover["metric"] == "members_closing"].set_index("group_code")
    out["units_due"] = out["code"].map(cover["units_due"]).astype("Float64").astype(float)
    out["units_reported"] = out["code"].map(cover["units_reported"]).astype("Float64").astype(float)
    returns = queries.run(
        con, "dashboard/return_coverage", groups=codes, start=span.start, end=span.end, today=today, history=history
    ).set_index("group_code")
    out["returns_due"] = out["code"].map(returns["returns_due"]).astype("Float64").astype(float)
    out["returns_received"] = out["code"].map(returns["returns_received"]).astype("Float64").astype(float)
    return out


def closing_date(span: Period, today: date) -> date:
    """The span's effective closing date: its end, or the end of the last quarter ended by ``today``
    when that is earlier (the 30/09 of a year still open in November). A closing stock counts as
    given only from a return that reaches it (dashboard/stock_coverage.sql)."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return min(span.end, quarter_start - timedelta(days=1))


def target(con: duckdb.DuckDBPyConnection, unit: str, year: int, history: str = DEFAULT_HISTORY) -> int | None:
    return queries.targets_for(con, [unit], year, history).get(unit)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A metric column as reported: NaN where a unit did not report it (a missing figure is never 0)."""
    return frame[name].astype(float) if name in frame else pd.Series(float("nan"), index=frame.index)


def _total(columns: list[pd.Series]) -> pd.Series:
    """Row-wise sum of what was reported; NaN only where none of the parts was."""
    if not columns:
        return pd.Series(dtype=float)
    return pd.concat(columns, axis=1).sum(axis=1, min_count=1)


def inspection_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds per type (inspection, on signs, supervision) totals and the share concluded with violations."""
    out = frame.copy()
    for kind in INSPECTION_TYPES:
        for who in TARGETS:
            out[f"{kind}_{who}"] = _col(out, f"{kind}_{who}")
        out[kind] = _total([out[f"{kind}_{who}"] for who in TARGETS])
    inspected = _total([out["inspect"], out["inspect_signs"]])
    violations = _total([_col(out, "violation_org"), _col(out, "violation_member")])
    out["violations"] = violations
    out["violation_pct"] = (100 * violations / inspected).where(inspected > 0)
    return out


def discipline_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds member and organisation totals and the member rate per 1,000 members."""
    out = frame.copy()
    for code in DISCIPLINE_FORMS:
        out[code] = _col(out, code)
    out["disc_members"] = _total([out[c] for c in DISCIPLINE_FORMS if c.startswith("disc_member")])
    out["disc_orgs"] = _total([out[c] for c in DISCIPLINE_FORMS if c.startswith("disc_org")])
    members = _col(out, "members_closing")
    out["per_1000"] = (1000 * out["disc_members"] / members).where(members > 0)
    return out


def indicator_history(wide: pd.DataFrame, last: int = 8) -> pd.DataFrame:
    """Every indicator (rows, Vietnamese labels) by quarter (columns, the last ``last``), formatted for reading.

    A quarter in which some reporting units have not sent their return is headed with its coverage
    ("Q3/2026 (22/24 đơn vị)"), and each closing stock gains an estimate row that carries the silent
    units' last closing forward: its as-reported figure alone would read as a fall.
    """
    if wide.empty:
        return pd.DataFrame()
    wide = wide.tail(last)
    incomplete = (
        (wide["units_reported"] < wide["units_due"]).fillna(False)
        if "units_due" in wide
        else pd.Series(False, index=wide.index)
    )
    headers = [
        f"{label} ({fmt_number(r)}/{fmt_number(d)} đơn vị)" if short else label
        for label, short, r, d in zip(
            wide["label"], incomplete, wide.get("units_reported", incomplete), wide.get("units_due", incomplete),
            strict=True,
        )
    ]  # fmt: skip
    # every indicator reported in one of the quarters shown, zeros included (a reported 0 is a figure)
    metrics = [m for m in METRICS if m.code in wide.columns and wide[m.code].notna().any()]
    rows = []
    for m in metrics:
        row = {"Chỉ tiêu": m.label}
        for header, value in zip(headers, wide[m.code], strict=True):
            row[header] = fmt_number(value, 1) if m.kind == "percent" else fmt_number(value)
        rows.append(row)
        estimate = f"{m.code}_estimate"
        if incomplete.any() and estimate in wide:
            rows.append(
                {"Chỉ tiêu": f"{m.label} (ước tính, gồm số gần nhất của đơn vị chưa nộp)"}
                | {h: fmt_number(v) for h, v in zip(headers, wide[estimate], strict=True)}
            )
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
    wide = wide.reindex(columns=metrics).reset_index()  # NaN where nobody reported: never 0
    wide["label"] = [f"Q{q}/{y}" for y, q in zip(wide["year"], wide["quarter"], strict=True)]
    if name == "dashboard/quarterly_series":
        wide = _with_coverage(con, wide, unit, from_year, until, metrics, history)
    return wide


CLOSING_STOCKS = ("members_closing", "probationary_closing")


def _with_coverage(
    con: duckdb.DuckDBPyConnection,
    wide: pd.DataFrame,
    unit: str,
    from_year: int,
    until: date,
    metrics: list[str],
    history: str,
) -> pd.DataFrame:
    """Adds each quarter's ``units_due`` and ``units_reported`` (of the reporting units that existed at
    its end, how many sent a return), and ``<stock>_estimate`` for the closing stocks asked for."""
    stocks = [m for m in CLOSING_STOCKS if m in metrics] or ["members_closing"]
    series = queries.run(
        con, "dashboard/stock_series", unit=unit, from_year=from_year, until=until, metrics=stocks, history=history
    )
    if series.empty:
        return wide.assign(units_due=float("nan"), units_reported=float("nan"))
    counts = series[series["metric"] == stocks[0]].set_index(["year", "quarter"])[["units_due", "units_reported"]]
    out = wide.merge(counts.astype(float), left_on=["year", "quarter"], right_index=True, how="left")
    for stock in (m for m in CLOSING_STOCKS if m in metrics):
        estimate = (
            series[series["metric"] == stock].set_index(["year", "quarter"])["estimate"].rename(f"{stock}_estimate")
        )
        out = out.merge(estimate, left_on=["year", "quarter"], right_index=True, how="left")
    return out


@dataclass(frozen=True)
class Coverage:
    """Of the reporting units that owe a stock figure for a span, how many gave it (a closing: at the
    span's effective closing date), their sum, and the estimate that carries each other unit's latest
    reported closing forward (or, for a commune formed at a merger with none yet, its predecessors')."""

    metric: str
    due: int
    reported_units: int
    value: float | None  # the sum of the units that gave it (metric_totals may also hold earlier
    # closings of the others, from returns in the span that end before the closing date)
    carried_units: int = 0
    carried: float | None = None  # the other units' latest closing before the date, times share
    carried_as_of: date | None = None

    @property
    def complete(self) -> bool:
        return self.reported_units >= self.due

    @property
    def estimate(self) -> float | None:
        if self.value is None and self.carried is None:
            return None
        return (self.value or 0.0) + (self.carried or 0.0)

    @property
    def words(self) -> str:
        """ "22/24 đơn vị đã báo cáo"."""
        return f"{fmt_number(self.reported_units)}/{fmt_number(self.due)} đơn vị đã báo cáo"


def _float(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def stock_coverage(
    con: duckdb.DuckDBPyConnection,
    unit: str,
    span: Period,
    history: str = DEFAULT_HISTORY,
    today: date | None = None,
) -> dict[str, Coverage]:
    """The coverage of the unit's opening and closing stocks over the span (reporting/sql/dashboard/
    stock_coverage.sql), the closing as of the span's effective closing date (``closing_date``);
    empty for a branch, whose figures are carried by its commune's return."""
    df = queries.run(
        con, "dashboard/stock_coverage", groups=[unit], start=span.start, end=span.end,
        as_of=closing_date(span, today or date.today()), history=history,
    )  # fmt: skip
    return {
        row.metric: Coverage(
            row.metric, int(row.units_due), int(row.units_reported), _float(row.reported),
            int(row.units_carried), _float(row.carried),
            None if pd.isna(row.carried_as_of) else pd.Timestamp(row.carried_as_of).date(),
        )
        for row in df.itertuples(index=False)
    }  # fmt: skip


def meeting_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds the share (%) of meetings at each rating level, of rated meetings, to a figures frame."""
    out = frame.copy()
    rated = _total([_col(out, c) for c in MEETING_RATINGS])
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
    # every branch metric is a column, blank where no branch reported it (a commune that has not sent
    # its return has branches with no figures at all)
    wide = wide.reindex(columns=[m.code for m in METRICS if m.sheet == "branches"])
    out = out.merge(wide, left_on="code", right_index=True, how="left")
    out = meeting_shares(out)
    out["reported"] = out["code"].isin(wide.index)
    regular = _col(out, "regular_meetings")
    owed = out["reporting_code"].map({o: months_due(tree, o, span, history) for o in set(out["reporting_code"])})
    out["missed_regular"] = (owed - regular).clip(lower=0).where(out["reported"])
    out["quarters_without_thematic"] = out["code"].map(no_thematic).fillna(0).astype(int).where(out["reported"])
    return out


def branch_pairs(pairs: list[tuple[str, str]], months: list[int] | None = None) -> pa.Table:
    """(branch, reporting unit, months a regular meeting is due) as the Arrow table meeting_issues.sql reads."""
    return pa.table(
        {
            "branch_code": pa.array([b for b, _ in pairs], pa.string()),
            "reporting_code": pa.array([o for _, o in pairs], pa.string()),
            "months": pa.array(months if months is not None else [0] * len(pairs), pa.int32()),
        }
    )


def months_due(tree: UnitTree, code: str, span: Period, history: str) -> int:
    """The months of the span in which a unit's branches owe a regular meeting: those the unit existed
    in (any day of the month). On today's units a commune carries its predecessors' branches, so
    the whole span counts; as reported a commune closed on 30/06 owes six months of the year."""
    unit = tree.get(code)
    if history == "today" or unit is None:
        return span.months
    first = max(span.start, unit.active_from or span.start)
    last = min(span.end, unit.active_to or span.end)
    if last < first:
        return 0
    return (last.year - first.year) * 12 + last.month - first.month + 1


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
    owed = {o: months_due(tree, o, span, history) for o in {o for _, o in pairs}}
    out = queries.run(
        con,
        "dashboard/meeting_issues",
        tables={"branch_pairs": branch_pairs(pairs, [owed[o] for _, o in pairs])},
        start=span.start,
        end=span.end,
        history=history,
    )
    out.insert(1, "name", pd.Series([tree.get(c).name for c in out["code"]], index=out.index, dtype=object))
    # each reporting unit's own rating shares and attendance (as reported, 2025, the old communes sit
    # under districts: the page's children are not these units)
    long = queries.run(
        con, "dashboard/metric_totals", groups=out["code"].tolist(), start=span.start, end=span.end,
        history=history, rollup=True,
    )  # fmt: skip
    wide = long.pivot_table(index="group_code", columns="metric", values="value", aggfunc="first")
    shares = meeting_shares(wide.reindex(columns=[*MEETING_RATINGS, "attendance_pct"]))
    columns = [f"{c}_pct" for c in MEETING_RATINGS] + ["attendance_pct"]
    return out.merge(shares[columns], left_on="code", right_index=True, how="left")


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

    def inspections(f: dict[str, float]) -> float | None:
        return _sum_of(f, [f"{t}_{w}" for t in INSPECTION_TYPES for w in TARGETS])

    def discipline(f: dict[str, float]) -> float | None:
        return _sum_of(f, list(DISCIPLINE_FORMS))

    def good_share(f: dict[str, float]) -> float | None:
        rated = _sum_of(f, list(MEETING_RATINGS))
        return 100 * f.get("rating_good", 0.0) / rated if rated else None

    def net_change(f: dict[str, float]) -> float | None:
        if "members_closing" not in f or "members_opening" not in f:
            return None
        return f["members_closing"] - f["members_opening"]

    spans = {"now": span, "ytd": ytd(span), "before": last_year, "before_ytd": ytd(last_year)}
    seen: dict[Period, list[UnitStatus]] = {}  # a quarter is in both a span and its year to date
    statuses = {key: _statuses(con, tree, unit, p, today, history, seen) for key, p in spans.items()}

    def on_time(key: str) -> tuple[int, int]:
        return sum(s.state in ("accepted", "warnings") and not s.late for s in statuses[key]), len(statuses[key])

    # A comparison with last year is made only for a span that has ended and whose returns, and last
    # year's, are all in: a late return, or a quarter still open, would otherwise read as a fall. The
    # cards say how many returns their figures cover.
    cover = {key: ReturnCoverage.of(found) for key, found in statuses.items()}
    ended = span.end < today
    # as reported, a unit that did not exist through both spans (a commune closed on 30/06/2025, one
    # formed on 1/7) is not compared: its half year would read as a fall (on today's units a commune
    # carries its predecessors through both)
    node = tree.get(unit)
    whole = (
        history == "today"
        or node is None
        or all(node.active_during(p.start, p.end) for p in (ytd(span), ytd(last_year)))
    )
    comparable = ended and whole

    def compared(key: str, previous: float | None) -> float | None:
        before = "before" if key == "now" else f"before_{key}"
        return previous if comparable and cover[key].complete and cover[before].complete else None

    def covered(key: str, note: str = "") -> str:
        c = cover[key]
        if ended and not whole:
            return note
        if not ended:
            last = max((q.end for q in _quarters(spans[key], today)), default=None)
            upto = f"số liệu đến {last:%d/%m/%Y}" if last else "chưa có quý nào kết thúc"
            gap = f"Kỳ chưa kết thúc: {upto}" + ("" if c.complete else f" ({c.words})")
            gap += "; chưa so sánh với cùng kỳ"
        elif c.complete:
            return note
        else:
            gap = f"Theo {c.words}; chưa so sánh với cùng kỳ" if c.received else f"Chưa nhận báo cáo nào ({c.words})"
        return f"{note}. {gap}" if note else gap

    admitted = now_ytd.get("admitted")
    if goal and admitted is not None:
        admissions_note = (
            f"Đạt {fmt_percent(100 * admitted / goal)} kế hoạch năm ({fmt_number(goal)}); "
            f"{pace_note(con, unit, span, today, history)}"
        )
    else:
        admissions_note = "Chưa có chỉ tiêu năm" if not goal else ""
    received, expected = on_time("now")
    received_before, expected_before = on_time("before")
    members = stock_coverage(con, unit, span, history, today).get("members_closing")
    closing = now.get("members_closing")
    if (
        members is not None
        and not members.complete
        and members.estimate is not None
        and fmt_number(closing) == fmt_number(members.estimate)
    ):
        # the units that have not given the closing at the span's closing date sent earlier returns in
        # the span (two quarters of nine months): the as-reported total already holds their last
        # closing, and is the estimate
        members_note = (
            f"Tổng số cuối kỳ: {fmt_number(closing)}, ước tính ({members.words}; "
            f"gồm số cuối kỳ gần nhất của đơn vị chưa nộp)"
        )
    elif members is not None and not members.complete and members.estimate is not None:
        members_note = (
            f"Tổng số cuối kỳ: {fmt_number(closing)} ({members.words}); "
            f"ước tính {fmt_number(members.estimate)} (gồm số cuối kỳ gần nhất của đơn vị chưa nộp)"
        )
    else:
        members_note = f"Tổng số cuối kỳ: {fmt_number(closing)}" if closing is not None else ""
    return [
        Kpi("admissions", "Kết nạp đảng viên từ đầu năm", admitted, compared("ytd", before_ytd.get("admitted")),
            note=covered("ytd", admissions_note)),
        Kpi("net_members", "Tăng, giảm đảng viên trong kỳ", net_change(now), compared("now", net_change(before)),
            note=covered("now", members_note)),
        Kpi("inspections", "Lượt kiểm tra, giám sát", inspections(now), compared("now", inspections(before)),
            note=covered("now")),
        Kpi("discipline", "Kỷ luật (tổ chức và đảng viên)", discipline(now), compared("now", discipline(before)),
            note=covered("now")),
        Kpi("good_meetings", "Buổi sinh hoạt chi bộ xếp loại Tốt", good_share(now),
            compared("now", good_share(before)), percent=True, note=covered("now")),
        # counts compare only over the same number of returns due, in a span that has ended
        Kpi("on_time", "Báo cáo nộp đúng hạn", float(received),
            float(received_before) if comparable and expected and expected_before == expected else None,
            note=f"trên {fmt_number(expected)} báo cáo phải nộp"
            + ("" if ended or not expected else " (các quý đã kết thúc)")
            if expected else ("Không có báo cáo phải nộp trong kỳ" if ended else "Chưa đến hạn nộp")),
    ]  # fmt: skip


def _quarters(span: Period, today: date) -> list[Period]:
    return [q for q in quarters_in(span) if q.end < today]


def _sum_of(f: dict[str, float], codes: list[str]) -> float | None:
    """The sum of the reported codes; None when none of them was reported (never 0 for nothing)."""
    present = [f[c] for c in codes if c in f]
    return sum(present) if present else None


@dataclass(frozen=True)
class ReturnCoverage:
    """Of the quarterly returns due in a span (reporting units × ended quarters), how many are in."""

    received: int
    due: int

    @classmethod
    def of(cls, statuses: list[UnitStatus]) -> ReturnCoverage:
        return cls(sum(s.state in ("accepted", "warnings") for s in statuses), len(statuses))

    @property
    def complete(self) -> bool:
        return self.received >= self.due

    @property
    def words(self) -> str:
        """ "70/72 báo cáo đã nhận"."""
        return f"{fmt_number(self.received)}/{fmt_number(self.due)} báo cáo đã nhận"


def return_coverage(
    con: duckdb.DuckDBPyConnection, tree: UnitTree, unit: str, span: Period, today: date, history: str = DEFAULT_HISTORY
) -> ReturnCoverage:
    """How many of the returns due for the unit's subtree in the span's ended quarters have come in
    (a monthly reporter's quarter counts when all its months are in): what a flow total covers."""
    return ReturnCoverage.of(_statuses(con, tree, unit, span, today, history))


def _statuses(
    con: duckdb.DuckDBPyConnection,
    tree: UnitTree,
    unit: str,
    span: Period,
    today: date,
    history: str,
    seen: dict[Period, list[UnitStatus]] | None = None,
) -> list[UnitStatus]:
    """The status of every return due in the unit's subtree for the span's ended quarters (``seen``:
    each quarter's statuses already read by the caller)."""
    seen = {} if seen is None else seen
    view = tree.view(history, today)
    found = []
    for q in _quarters(span, today):
        if q not in seen:
            seen[q] = unit_statuses(con, tree, q, today)
        found += [s for s in seen[q] if view.within(s.unit_code, unit)]
    return found


def unit_returns(con: duckdb.DuckDBPyConnection, unit: str) -> pd.DataFrame:
    """Every version received from the unit (or, for a branch, from its reporting unit)."""
    return queries.run(con, "dashboard/unit_returns", unit=unit)
