"""Which communes lag, and why, in sentences a standing committee reads in seconds.

The rule (thresholds in ``settings.toml``, see reporting/settings.py) judges only what is due: the
span up to its **judged end** (``judged_end``), the end of the last calendar quarter of the year
whose returns are due (``due_days`` after the quarter, default 15) by today, capped at the span's
end. A quarter still open, or ended but not yet due, is not judged, also for a unit that reports
every month (a month past due in an open quarter waits for its quarter). A reporting unit is
flagged when:

1. its admissions from 1 January to the judged end are below ``pace_ratio`` (default 60%) of the
   expected pace of its annual target. The pace is pro rata to the days the unit was active from
   1 January to the judged end: the sum over the months of (days active in the month / days in the
   month) / 12, so a unit active all year is expected 75% after three quarters and a commune closed
   on 30 June 50% for the year (on today's units a commune is active on the days it or one of its
   predecessors was: ``active_spans.sql``). A unit with a return due by the judged end missing,
   partial or rejected is not judged on admissions (part of them is unknown): it is flagged for the
   return, which ranks first;
2. a return of a quarter of the span whose due date has passed is missing (or lacks months),
   rejected and not yet resent, or came after the due date;
3. more than ``weak_share`` (default 20%) of its branches' regular meetings from the span's start to
   the judged end were rated Trung bình or Kém;
4. more than ``thematic_share`` (default 10%) of its branches held no thematic meeting in a quarter
   (the rule is at least one a quarter). Only whole quarters inside the span and the judged end
   are judged, and only those for which the unit's returns are complete (a monthly reporter with
   two months of a quarter in is told its return is missing instead).

Each reason states the comparison that makes it true. The list is ordered worst first
(``Lag.sort_key``): missing or rejected returns (longest overdue first), then admissions (furthest
below the expected pace first), late returns (latest first), weak meetings, thematic meetings (each
by how far past its threshold); a unit whose worst reasons tie comes before one with fewer reasons.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from reporting import queries, settings
from reporting.lineage import DEFAULT_HISTORY
from reporting.numbers import fmt_number, fmt_percent, fmt_threshold
from reporting.periods import Period, quarters_in, returns_in_year
from reporting.submissions import DUE_DAYS, UnitStatus, due_date, unit_statuses
from reporting.units import UnitTree


@dataclass(frozen=True)
class LagSettings:
    """The lagging thresholds; defaults come from ``settings.toml`` (reporting/settings.py)."""

    pace_ratio: float = field(default_factory=lambda: settings.current().pace_ratio)
    weak_share: float = field(default_factory=lambda: settings.current().weak_share)
    thematic_share: float = field(default_factory=lambda: settings.current().thematic_share)
    due_days: int = DUE_DAYS


# The order of the kinds of reason, worst first (missing and rejected returns share the first rank).
RANKS: dict[str, int] = {"missing": 0, "rejected": 0, "admissions": 1, "late": 2, "weak_meetings": 3, "thematic": 4}


@dataclass
class Lag:
    unit_code: str
    unit_name: str
    reasons: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # admissions, missing, late, rejected, weak_meetings, thematic
    # How far past its threshold each reason is: days overdue (missing, rejected), the share of the
    # expected pace not reached (admissions, 0.4 to 1 at the default ratio), days late (late), the
    # share of weak meetings or of branches without a thematic meeting.
    gaps: list[float] = field(default_factory=list)

    def add(self, kind: str, reason: str, gap: float = 0.0) -> None:
        self.kinds.append(kind)
        self.reasons.append(reason)
        self.gaps.append(float(gap))

    @property
    def sort_key(self) -> tuple[tuple[int, float], ...]:
        """Its reasons as (rank of the kind, minus the gap), worst first, closed by a sentinel that
        sorts after every reason: comparing two keys compares the worst reasons, then the next, and a
        unit with one more reason comes first."""
        return (*sorted((RANKS[k], -g) for k, g in zip(self.kinds, self.gaps, strict=True)), (len(RANKS), 0.0))

    def order_reasons(self) -> None:
        """Its reasons by the rank of their kind, missing returns first; reasons of one kind keep the
        order they were found in (quarter by quarter)."""
        order = sorted(range(len(self.kinds)), key=lambda i: RANKS[self.kinds[i]])
        self.reasons = [self.reasons[i] for i in order]
        self.kinds = [self.kinds[i] for i in order]
        self.gaps = [self.gaps[i] for i in order]


def pace(span_end: date) -> float:
    """The share of the annual target expected by a day, for a unit active all year (by month)."""
    return span_end.month / 12


def pace_words(span_end: date) -> str:
    """ "sau 2 quý", "sau 7 tháng", "cả năm"."""
    if span_end.month == 12:
        return "cả năm"
    if span_end.month % 3 == 0:
        return f"sau {span_end.month // 3} quý"
    return f"sau {span_end.month} tháng"


def judged_end(span: Period, today: date, due_days: int = DUE_DAYS) -> date | None:
    """The last day the rule judges the span up to: the end of the last quarter of the span's year
    whose due date has passed by ``today``, capped at the span's end; None when that is before the
    span starts (nothing in it is due yet, so nothing is judged)."""
    due = [q.end for q in returns_in_year(span.year, "quarter") if today > due_date(q, due_days)]
    if not due:
        return None
    end = min(max(due), span.end)
    return end if end >= span.start else None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _covered(spans: Iterable[tuple[date | None, date | None]], first: date, last: date) -> list[tuple[date, date]]:
    """The days of [first, last] on which some span is active, as disjoint runs in order."""
    clipped = sorted(
        (max(a or first, first), min(b or last, last))
        for a, b in spans
        if (a or first) <= last and (b or last) >= first
    )
    runs: list[tuple[date, date]] = []
    for a, b in clipped:
        if runs and a <= runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], max(runs[-1][1], b))
        else:
            runs.append((a, b))
    return runs


@dataclass(frozen=True)
class Pace:
    """The share of its annual target a unit is expected to have admitted by ``end`` (the judged
    end), pro rata to the days it was active from 1 January to ``end``."""

    share: float  # 0 to 1
    end: date
    active_from: date | None  # its first and last day active in [1 January, end]; None if none
    active_to: date | None
    continuous: bool = True  # active on every day between the two (no gap)

    @property
    def whole(self) -> bool:
        """Active every day from 1 January to the judged end (then the pace is the months / 12)."""
        return abs(self.share - pace(self.end)) < 1e-9

    @property
    def words(self) -> str:
        """ "sau 3 quý", or "theo thời gian hoạt động từ 01/01/2025 đến 30/06/2025"."""
        if self.whole or self.active_from is None or self.active_to is None:
            return pace_words(self.end)
        if not self.continuous:
            return f"theo số ngày hoạt động đến {self.end:%d/%m/%Y}"
        return f"theo thời gian hoạt động từ {self.active_from:%d/%m/%Y} đến {self.active_to:%d/%m/%Y}"


def expected_pace(spans: Iterable[tuple[date | None, date | None]], end: date) -> Pace:
    """The pro-rata pace of a unit active on the given (from, to) spans (None: open), judged at
    ``end``: the sum over the months from January to ``end``'s of (days active / days) / 12."""
    spans = list(spans)
    share = 0.0
    for month in range(1, end.month + 1):
        first, last = date(end.year, month, 1), min(_month_end(end.year, month), end)
        days = sum((b - a).days + 1 for a, b in _covered(spans, first, last))
        share += days / calendar.monthrange(end.year, month)[1] / 12
    runs = _covered(spans, date(end.year, 1, 1), end)
    return Pace(share, end, runs[0][0] if runs else None, runs[-1][1] if runs else None, len(runs) <= 1)


def paces(
    con: duckdb.DuckDBPyConnection,
    codes: list[str],
    span: Period,
    today: date | None = None,
    history: str = DEFAULT_HISTORY,
    due_days: int = DUE_DAYS,
) -> dict[str, Pace]:
    """Each unit's expected pace for the span, judged at its judged end (none when nothing is due)."""
    end = judged_end(span, today or date.today(), due_days)
    if end is None or not codes:
        return {}
    rows = queries.run(con, "dashboard/active_spans", groups=list(codes), history=history)
    spans: dict[str, list[tuple[date | None, date | None]]] = {code: [] for code in codes}
    for code, start, stop in zip(rows["group_code"], rows["active_from"], rows["active_to"], strict=True):
        spans[code].append((_day(start), _day(stop)))
    return {code: expected_pace(found, end) for code, found in spans.items()}


def _day(value: object) -> date | None:
    """A date from a DataFrame cell (Timestamp, date, NaT or None)."""
    if value is None or value != value:  # NaT and NaN are not equal to themselves
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value  # type: ignore[return-value]


def pace_pcts(
    con: duckdb.DuckDBPyConnection,
    codes: list[str],
    span: Period,
    today: date | None = None,
    history: str = DEFAULT_HISTORY,
) -> dict[str, float]:
    """Each unit's expected pace in percent, as the lagging list judges it (for the admissions page)."""
    return {code: 100 * p.share for code, p in paces(con, codes, span, today, history).items()}


def pace_note(
    con: duckdb.DuckDBPyConnection, unit: str, span: Period, today: date | None = None, history: str = DEFAULT_HISTORY
) -> str:
    """The overview card's words: "tiến độ cần đạt 75% sau 3 quý (đến 30/09/2026)"."""
    found = paces(con, [unit], span, today, history).get(unit)
    if found is None:
        return "chưa đánh giá tiến độ: chưa có quý nào của kỳ đến hạn nộp báo cáo"
    return f"tiến độ cần đạt {fmt_threshold(100 * found.share)} {found.words} (đến {found.end:%d/%m/%Y})"


def admissions_reason(admitted: float, target: int, expected: Pace, pace_ratio: float) -> str:
    """ "Đến 30/06/2026 kết nạp 2/12 đảng viên (16,7% kế hoạch năm), dưới ngưỡng 30% (60% của tiến độ
    50% sau 2 quý)"."""
    share, threshold = 100 * admitted / target, 100 * expected.share * pace_ratio
    # a share that reads as its threshold at one decimal (44,96% under 45%) is written with two
    shown = fmt_percent(share, 2 if fmt_number(share, 1) == fmt_number(threshold, 1) else 1)
    return (
        f"Đến {expected.end:%d/%m/%Y} kết nạp {fmt_number(admitted)}/{fmt_number(target)} đảng viên "
        f"({shown} kế hoạch năm), dưới ngưỡng {fmt_threshold(threshold)} "
        f"({fmt_threshold(100 * pace_ratio)} của tiến độ {fmt_threshold(100 * expected.share)} {expected.words})"
    )


def weak_meetings_reason(weak: float, regular: float, weak_share: float) -> str:
    """ "12/45 buổi sinh hoạt chi bộ (26,7%) xếp loại trung bình, kém, vượt ngưỡng 20%"."""
    return (
        f"{fmt_number(weak)}/{fmt_number(regular)} buổi sinh hoạt chi bộ ({fmt_percent(100 * weak / regular)}) "
        f"xếp loại trung bình, kém, vượt ngưỡng {fmt_threshold(100 * weak_share)}"
    )


def thematic_reason(without: int, branches: int, q: Period, thematic_share: float) -> str:
    """ "3/21 chi bộ (14,3%) không sinh hoạt chuyên đề trong Quý III/2026, vượt ngưỡng 10%"."""
    return (
        f"{fmt_number(without)}/{fmt_number(branches)} chi bộ ({fmt_percent(100 * without / branches)}) "
        f"không sinh hoạt chuyên đề trong {q.label}, vượt ngưỡng {fmt_threshold(100 * thematic_share)}"
    )


def rule_help(lag_settings: LagSettings | None = None) -> str:
    """The rule in one Vietnamese paragraph, with the thresholds in force (the pages' help)."""
    s = lag_settings or LagSettings()
    ratio = fmt_threshold(100 * s.pace_ratio)
    return (
        "Một đảng ủy cấp xã được đưa vào danh sách cần quan tâm khi có ít nhất một lý do dưới đây; mỗi lý do "
        "ghi kèm phép so sánh làm nên nó. Chỉ xét những gì đã đến hạn: từ đầu kỳ đến hết quý gần nhất đã qua "
        f"hạn nộp báo cáo ({s.due_days} ngày sau khi hết quý); quý đang diễn ra hoặc chưa đến hạn chưa được "
        "đánh giá, kể cả với đơn vị báo cáo theo tháng. (1) Kết nạp đảng viên từ 01/01 đến hết quý đó dưới "
        f"{ratio} tiến độ kế hoạch năm; tiến độ tính theo thời gian (sau 3 quý là 75%), và với đơn vị chỉ hoạt "
        "động một phần của năm thì theo số ngày hoạt động (đơn vị giải thể, sáp nhập ngày 30/06 là 50% cả năm; "
        "theo đơn vị hiện nay, xã mới tính cả thời gian của các đơn vị cũ hợp thành). (2) Báo cáo quý đã quá "
        "hạn mà chưa nộp hoặc chưa đủ các tháng, bị từ chối chưa gửi lại bản đúng, hoặc nộp sau hạn. (3) Quá "
        f"{fmt_threshold(100 * s.weak_share)} số buổi sinh hoạt chi bộ xếp loại Trung bình, Kém. (4) Quá "
        f"{fmt_threshold(100 * s.thematic_share)} số chi bộ không sinh hoạt chuyên đề trong một quý (quy định ít nhất "
        "một lần mỗi quý); chỉ xét quý trọn vẹn đã đến hạn mà đơn vị đã nộp đủ báo cáo. Danh sách xếp đơn vị "
        "nặng nhất lên trước: thiếu hoặc bị từ chối báo cáo (quá hạn lâu nhất trước), rồi kết nạp càng xa "
        "tiến độ càng lên trước, rồi nộp chậm, sinh hoạt chi bộ xếp loại thấp, thiếu sinh hoạt chuyên đề."
    )


RULE_HELP: str = rule_help()


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
    end = judged_end(span, today, settings.due_days)
    if end is None:  # nothing in the span is due yet: no return can be missing or late either
        return []
    inputs = queries.run(
        con, "dashboard/lagging_inputs", unit=unit_code, start=span.start, end=end, history=history, today=today
    )
    codes = inputs["code"].tolist()
    lags = {code: Lag(code, unit.name if (unit := tree.get(code)) else code) for code in codes}
    targets = queries.targets_for(con, codes, span.year, history)
    expected = paces(con, codes, span, today, history, settings.due_days)
    statuses = {q: unit_statuses(con, tree, q, today, settings.due_days) for q in quarters_in(span) if q.start <= today}
    # Admissions are judged only on a complete year to date: a unit missing a return due by the
    # judged end has an unknown part of its admissions (it is flagged for the return instead).
    # A return of an earlier quarter of the year that is still missing is named too (a Q3 view of a
    # commune whose Q1 return was rejected says so: it is why its admissions are not judged).
    unknown = set()
    earlier: dict[Period, list[UnitStatus]] = {}
    for q in returns_in_year(span.year, "quarter"):
        if q.end > end:
            break
        found = statuses.get(q)
        if found is None:
            found = earlier[q] = unit_statuses(con, tree, q, today, settings.due_days)
        for status in found:
            if status.state not in ("accepted", "warnings"):
                unknown.update(code for code, _ in _answering(tree, status, lags, history))
    for row in inputs.itertuples(index=False):
        lag, target, due_pace = lags[row.code], targets.get(row.code), expected.get(row.code)
        if row.code in unknown:
            pass
        elif target and due_pace and row.admitted_ytd < target * due_pace.share * settings.pace_ratio:
            lag.add(
                "admissions",
                admissions_reason(row.admitted_ytd, target, due_pace, settings.pace_ratio),
                1 - row.admitted_ytd / (target * due_pace.share),
            )
        if row.regular_meetings and row.weak_meetings > settings.weak_share * row.regular_meetings:
            lag.add(
                "weak_meetings",
                weak_meetings_reason(row.weak_meetings, row.regular_meetings, settings.weak_share),
                row.weak_meetings / row.regular_meetings,
            )
    _judge_thematic(con, tree, unit_code, span, end, lags, statuses, settings, history)
    for q, found in [*earlier.items(), *statuses.items()]:
        due = due_date(q, settings.due_days)
        for status in found:
            if q in earlier and status.state in ("accepted", "warnings"):
                continue  # an earlier quarter is named only while its return is still not in
            for code, whose in _answering(tree, status, lags, history):
                lag = lags.get(code)
                if lag is None:
                    continue
                if status.state == "missing" and today > due:
                    lag.add("missing", f"Chưa nộp báo cáo {q.label}{whose} (hạn {due:%d/%m/%Y})", (today - due).days)
                elif status.state == "partial" and today > due:  # a monthly reporter with months missing
                    months = len({v.period for v in status.versions if v.current})
                    lag.add(
                        "missing",
                        f"Chưa nộp đủ báo cáo các tháng của {q.label}{whose} ({months}/{q.months} tháng, "
                        f"hạn {due:%d/%m/%Y})",
                        (today - due).days,
                    )
                elif status.state == "rejected" and today > due:
                    lag.add(
                        "rejected", f"Báo cáo {q.label}{whose} bị từ chối, chưa gửi lại bản đúng", (today - due).days
                    )
                elif status.state in ("accepted", "warnings") and status.late:
                    received = max(v.received_at for v in status.versions if v.current)
                    lag.add(
                        "late",
                        f"Nộp chậm báo cáo {q.label}{whose} (ngày {received:%d/%m/%Y}, hạn {due:%d/%m/%Y}, "
                        f"chậm {(received.date() - due).days} ngày)",
                        (received.date() - due).days,
                    )
    flagged = [lag for lag in lags.values() if lag.reasons]
    for lag in flagged:
        lag.order_reasons()
    return sorted(flagged, key=lambda lag: (lag.sort_key, lag.unit_code))


def _answering(tree: UnitTree, status: UnitStatus, lags: dict[str, Lag], history: str) -> list[tuple[str, str]]:
    """The reporting units that answer for a unit's return, each with the words naming whose it is:
    the unit itself, or on today's units the units it lives on in (its successors)."""
    if history == "today" and status.unit_code not in lags:
        return [(code, f" của {status.unit_name}") for code, _ in tree.lineage.resolve(status.unit_code)]
    return [(status.unit_code, "")]


def _judge_thematic(
    con: duckdb.DuckDBPyConnection,
    tree: UnitTree,
    unit_code: str,
    span: Period,
    end: date,
    lags: dict[str, Lag],
    statuses: dict[Period, list[UnitStatus]],
    settings: LagSettings,
    history: str,
) -> None:
    """The thematic rule, on the whole quarters of [span start, judged end] whose returns the unit
    has complete: a quarter with a month missing is judged by the missing-return rule instead."""
    whole = [q for q in returns_in_year(span.year, "quarter") if q.start >= span.start and q.end <= end]
    if not whole:
        return
    incomplete = {
        (code, q.start)
        for q in whole
        for status in statuses.get(q, [])
        if status.state == "partial"
        for code, _ in _answering(tree, status, lags, history)
    }
    counts = queries.run(
        con, "dashboard/branches_without_thematic", unit=unit_code, start=whole[0].start, end=whole[-1].end,
        history=history,
    )  # fmt: skip
    by_start = {q.start: q for q in whole}
    for row in counts.itertuples(index=False):
        q = by_start.get(date(int(row.year), 3 * int(row.quarter) - 2, 1))
        lag = lags.get(row.reporting_code)
        if lag is None or q is None or (row.reporting_code, q.start) in incomplete:
            continue
        if row.branches and row.without_thematic > settings.thematic_share * row.branches:
            lag.add(
                "thematic",
                thematic_reason(int(row.without_thematic), int(row.branches), q, settings.thematic_share),
                row.without_thematic / row.branches,
            )
