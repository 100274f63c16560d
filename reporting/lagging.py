"""Which communes lag, and why, in sentences a standing committee reads in seconds.

The rule (thresholds in ``settings.toml``, see reporting/settings.py) flags a reporting unit when:

1. its admissions from 1 January are below ``pace_ratio`` of the pro-rata pace
   of its annual target (default 60%: after two quarters, under 30% of target);
2. a return due in the span is missing, rejected and not yet resent, or came
   after the due date (default 15 days after the period);
3. more than ``weak_share`` of its branches' regular meetings were rated
   Trung bình or Kém (default 20%);
4. more than ``thematic_share`` of its branches held no thematic meeting in a
   quarter of the span (default 10%; the rule is at least one a quarter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from reporting import queries, settings
from reporting.lineage import DEFAULT_HISTORY
from reporting.numbers import fmt_number, fmt_percent
from reporting.periods import Period, quarter, quarters_in
from reporting.submissions import DUE_DAYS, due_date, unit_statuses
from reporting.units import UnitTree


@dataclass(frozen=True)
class LagSettings:
    """The lagging thresholds; defaults come from ``settings.toml`` (reporting/settings.py)."""

    pace_ratio: float = field(default_factory=lambda: settings.current().pace_ratio)
    weak_share: float = field(default_factory=lambda: settings.current().weak_share)
    thematic_share: float = field(default_factory=lambda: settings.current().thematic_share)
    due_days: int = DUE_DAYS


@dataclass
class Lag:
    unit_code: str
    unit_name: str
    reasons: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # admissions, missing, late, rejected, weak_meetings, thematic

    def add(self, kind: str, reason: str) -> None:
        self.kinds.append(kind)
        self.reasons.append(reason)


def pace(span_end: date) -> float:
    """The share of the annual target expected by the span's end (pro rata by month)."""
    return span_end.month / 12


def pace_words(span_end: date) -> str:
    """ "sau 2 quý", "sau 7 tháng", "cả năm"."""
    if span_end.month == 12:
        return "cả năm"
    if span_end.month % 3 == 0:
        return f"sau {span_end.month // 3} quý"
    return f"sau {span_end.month} tháng"


def admissions_reason(admitted: float, target: int, span_end: date) -> str:
    """ "Kết nạp 2/12 đảng viên, đạt 16,7% kế hoạch năm, chậm so với tiến độ 50% sau 2 quý"."""
    share = 100 * admitted / target
    return (
        f"Kết nạp {fmt_number(admitted)}/{fmt_number(target)} đảng viên, đạt {fmt_percent(share)} kế hoạch năm, "
        f"chậm so với tiến độ {fmt_percent(100 * pace(span_end), 0)} {pace_words(span_end)}"
    )


def lagging_units(
    con: duckdb.DuckDBPyConnection,
    tree: UnitTree,
    unit_code: str,
    span: Period,
    today: date,
    settings: LagSettings | None = None,
    history: str = DEFAULT_HISTORY,
) -> list[Lag]:
    """Every reporting unit in the subtree that lags, with its reasons, worst first.

    On today's units (``history="today"``) a commune formed by a merger answers for its
    predecessors: their admissions, meetings and late or missing returns (named) count as its own.
    """
    settings = settings or LagSettings()
    inputs = queries.run(
        con,
        "dashboard/lagging_inputs",
        unit=unit_code,
        start=span.start,
        end=span.end,
        history=history,
        today=today,
    )
    targets = queries.targets_for(con, inputs["code"].tolist(), span.year, history)
    lags: dict[str, Lag] = {code: Lag(code, unit.name if (unit := tree.get(code)) else code) for code in inputs["code"]}
    for row in inputs.itertuples(index=False):
        lag = lags[row.code]
        target = targets.get(row.code)
        if target and 100 * row.admitted_ytd / target < 100 * pace(span.end) * settings.pace_ratio:
            lag.add("admissions", admissions_reason(row.admitted_ytd, target, span.end))
        if row.regular_meetings and row.weak_meetings / row.regular_meetings > settings.weak_share:
            share = 100 * row.weak_meetings / row.regular_meetings
            lag.add(
                "weak_meetings",
                f"{fmt_percent(share)} buổi sinh hoạt chi bộ xếp loại trung bình, kém "
                f"(ngưỡng {fmt_percent(100 * settings.weak_share, 0)})",
            )
    # Whole quarters are counted at load; a span of months is counted from its branch rows.
    thematic = queries.run(
        con,
        "dashboard/branches_without_thematic" if span.whole_quarters else "dashboard/branches_without_thematic_rows",
        unit=unit_code, start=span.start, end=span.end, history=history,
    )  # fmt: skip
    for row in thematic.itertuples(index=False):
        if row.reporting_code in lags and row.without_thematic > settings.thematic_share * row.branches:
            q = quarter(int(row.year), int(row.quarter))
            lags[row.reporting_code].add(
                "thematic",
                f"{fmt_number(row.without_thematic)}/{fmt_number(row.branches)} chi bộ không sinh hoạt chuyên đề "
                f"trong {q.label}",
            )
    for q in quarters_in(span):
        due = due_date(q, settings.due_days)
        if q.start > today:
            continue
        for status in unit_statuses(con, tree, q, today, settings.due_days):
            answering = [status.unit_code]
            if history == "today" and status.unit_code not in lags:
                answering = [code for code, _ in tree.lineage.resolve(status.unit_code)]
            for code in answering:
                lag = lags.get(code)
                if lag is None:
                    continue
                whose = "" if code == status.unit_code else f" của {status.unit_name}"
                if status.state in ("missing", "partial") and today > due:
                    lag.add("missing", f"Chưa nộp báo cáo {q.label}{whose} (hạn {due:%d/%m/%Y})")
                elif status.state == "rejected" and today > due:
                    lag.add("rejected", f"Báo cáo {q.label}{whose} bị từ chối, chưa gửi lại bản đúng")
                elif status.state in ("accepted", "warnings") and status.late:
                    received = max(v.received_at for v in status.versions if v.current)
                    lag.add("late", f"Nộp chậm báo cáo {q.label}{whose} (ngày {received:%d/%m/%Y}, hạn {due:%d/%m/%Y})")
    flagged = [lag for lag in lags.values() if lag.reasons]
    return sorted(flagged, key=lambda lag: (-len(lag.reasons), lag.unit_code))
