"""Period arithmetic, in one place.

Returns cover a quarter (``2026-Q3``) or a month (``2026-07``). Dashboards and
the briefing also speak of spans from the start of the year: six months
(``2026-H1``), nine months (``2026-9M``) and the whole year (``2026``). Every
period carries explicit start and end dates; labels are for display only.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

PeriodKind = Literal["month", "quarter", "half", "nine_months", "year"]
RETURN_KINDS: frozenset[str] = frozenset({"month", "quarter"})

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_PATTERNS: tuple[tuple[re.Pattern[str], PeriodKind], ...] = (
    (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
    (re.compile(r"^(\d{4})-H1$"), "half"),
    (re.compile(r"^(\d{4})-9M$"), "nine_months"),
    (re.compile(r"^(\d{4})$"), "year"),
)


class PeriodError(ValueError):
    """A period code that cannot be understood; the message is Vietnamese."""


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    kind: PeriodKind

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def code(self) -> str:
        if self.kind == "quarter":
            return f"{self.year}-Q{self.quarter}"
        if self.kind == "month":
            return f"{self.year}-{self.start.month:02d}"
        if self.kind == "half":
            return f"{self.year}-H1"
        if self.kind == "nine_months":
            return f"{self.year}-9M"
        return f"{self.year}"

    @property
    def quarter(self) -> int:
        return (self.end.month - 1) // 3 + 1

    @property
    def months(self) -> int:
        """Number of calendar months the period covers."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def whole_quarters(self) -> bool:
        """True when the span cuts no calendar quarter (it starts and ends at a quarter's bounds)."""
        return (
            self.start.month % 3 == 1
            and self.start.day == 1
            and self.end.month % 3 == 0
            and (self.end == _month_end(self.end.year, self.end.month))
        )

    @property
    def is_year_end(self) -> bool:
        """True for the year's last return (Q4 or December): it carries the ratings."""
        return self.end.month == 12

    @property
    def label(self) -> str:
        """Vietnamese display label, e.g. "Quý III/2026", "6 tháng đầu năm 2026"."""
        if self.kind == "quarter":
            return f"Quý {_ROMAN[self.quarter]}/{self.year}"
        if self.kind == "month":
            return f"Tháng {self.start.month}/{self.year}"
        if self.kind == "half":
            return f"6 tháng đầu năm {self.year}"
        if self.kind == "nine_months":
            return f"9 tháng đầu năm {self.year}"
        return f"Năm {self.year}"

    def previous(self) -> Period:
        """The period of the same kind just before this one (for stock continuity)."""
        if self.kind == "quarter":
            return quarter(self.year - 1, 4) if self.quarter == 1 else quarter(self.year, self.quarter - 1)
        if self.kind == "month":
            return month(self.year - 1, 12) if self.start.month == 1 else month(self.year, self.start.month - 1)
        return self.same_period_last_year()

    def same_period_last_year(self) -> Period:
        """The same quarter, month or span one year earlier (month ends follow the calendar)."""
        return parse(f"{self.year - 1}{self.code[4:]}")

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end


def _month_end(year: int, month_no: int) -> date:
    return date(year, month_no, calendar.monthrange(year, month_no)[1])


def month(year: int, month_no: int) -> Period:
    return Period(date(year, month_no, 1), _month_end(year, month_no), "month")


def quarter(year: int, quarter_no: int) -> Period:
    first = 3 * (quarter_no - 1) + 1
    return Period(date(year, first, 1), _month_end(year, first + 2), "quarter")


_YEAR_TO_KINDS: dict[int, PeriodKind] = {3: "quarter", 6: "half", 9: "nine_months", 12: "year"}


def year_to(year: int, months: int) -> Period:
    """The span from 1 January through the end of month ``months`` (3, 6, 9 or 12)."""
    if months not in _YEAR_TO_KINDS:
        raise PeriodError(f"Không có kỳ lũy kế {months} tháng.")
    return Period(date(year, 1, 1), _month_end(year, months), _YEAR_TO_KINDS[months])


def parse(code: str) -> Period:
    """Parse a period code. Raises PeriodError with a Vietnamese message."""
    text = str(code).strip().upper()
    for pattern, kind in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        year = int(m.group(1))
        if kind == "quarter":
            return quarter(year, int(m.group(2)))
        if kind == "month":
            return month(year, int(m.group(2)))
        return year_to(year, {"half": 6, "nine_months": 9, "year": 12}[kind])
    raise PeriodError(
        f"Kỳ báo cáo «{code}» không hợp lệ. Dùng dạng NĂM-Qn cho quý (ví dụ 2026-Q3) "
        "hoặc NĂM-MM cho tháng (ví dụ 2026-07)."
    )


def parse_return_period(code: str) -> Period:
    """Parse the period of a return: only a quarter or a month."""
    period = parse(code)
    if period.kind not in RETURN_KINDS:
        raise PeriodError(
            f"Kỳ báo cáo «{code}» không phải là quý hoặc tháng. Báo cáo định kỳ "
            "dùng dạng 2026-Q3 (quý) hoặc 2026-07 (tháng)."
        )
    return period


def returns_in_year(year: int, kind: PeriodKind) -> list[Period]:
    """Every return period of one kind in a year, in order."""
    if kind == "quarter":
        return [quarter(year, q) for q in range(1, 5)]
    if kind == "month":
        return [month(year, m) for m in range(1, 13)]
    raise PeriodError(f"Không có báo cáo định kỳ loại «{kind}».")


# Dashboard views of a year: a quarter, the first six or nine months, year to date, the whole year.
VIEWS: dict[str, str] = {
    "Q1": "Quý I",
    "Q2": "Quý II",
    "Q3": "Quý III",
    "Q4": "Quý IV",
    "H1": "6 tháng đầu năm",
    "9M": "9 tháng đầu năm",
    "YTD": "Từ đầu năm đến nay",
    "Y": "Cả năm",
}


def quarters_ended(year: int, today: date) -> int:
    """How many quarters of ``year`` have ended by ``today`` (0 to 4)."""
    if year < today.year:
        return 4
    if year > today.year:
        return 0
    return (today.month - 1) // 3


def view_span(year: int, view: str, today: date) -> Period:
    """The span a dashboard view covers. Year to date runs to the end of the last ended quarter."""
    if view in ("Q1", "Q2", "Q3", "Q4"):
        return quarter(year, int(view[1]))
    if view == "YTD":
        return year_to(year, 3 * max(1, quarters_ended(year, today)))
    return year_to(year, {"H1": 6, "9M": 9, "Y": 12}[view])


def default_view(year: int, today: date) -> str:
    """The last ended quarter of the year (the first quarter if none has ended)."""
    return f"Q{max(1, quarters_ended(year, today))}"


def quarters_in(span: Period) -> list[Period]:
    """The quarters a span covers, in order."""
    first = (span.start.month - 1) // 3 + 1
    last = (span.end.month - 1) // 3 + 1
    return [quarter(span.year, q) for q in range(first, last + 1)]
