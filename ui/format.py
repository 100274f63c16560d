"""Vietnamese formats for the interface: numbers, dates, date-times."""

from __future__ import annotations

from datetime import date, datetime

from reporting.numbers import fmt_number, fmt_percent

__all__ = ["fmt_date", "fmt_datetime", "fmt_number", "fmt_percent"]


def fmt_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def fmt_datetime(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else ""
