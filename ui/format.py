"""Vietnamese formats for the interface: numbers, dates, date-times."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from reporting.numbers import fmt_number, fmt_percent

__all__ = ["fmt_date", "fmt_datetime", "fmt_datetimes", "fmt_number", "fmt_percent"]


def fmt_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def fmt_datetime(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def fmt_datetimes(values: pd.Series) -> pd.Series:
    """``fmt_datetime`` for a whole column at once (a national versions table has 10,000 rows)."""
    return pd.to_datetime(values).dt.strftime("%d/%m/%Y %H:%M").fillna("")
