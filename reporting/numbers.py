"""Vietnamese number text: parse what clerks type, format what users read.

Vietnamese writes "1.234" for 1234 and "72,5" for 72.5. pandas and Excel
readers in an English locale misread both silently, so every number typed as
text goes through ``parse_number``, which rejects ambiguous input instead of
guessing (Babel's strict mode).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from functools import lru_cache

from babel.numbers import NumberFormatError, format_decimal, parse_decimal

LOCALE = "vi"
_SPACES = dict.fromkeys(map(ord, " \u00a0\u202f\u2009\t"), None)


class NumberTextError(ValueError):
    """Text that is not a number in Vietnamese notation."""


def parse_number(text: str) -> Decimal:
    """Parse "1.234", "72,5", "72,5%" or " 12 " into a Decimal.

    Raises NumberTextError for anything ambiguous ("1.5", "1 234,5,6").
    """
    cleaned = unicodedata.normalize("NFC", text).strip().translate(_SPACES).rstrip("%")
    if not cleaned:
        raise NumberTextError(text)
    try:
        return parse_decimal(cleaned, locale=LOCALE, strict=True)
    except NumberFormatError as exc:
        raise NumberTextError(text) from exc


def fmt_number(value: float | int | Decimal | None, decimals: int = 0) -> str:
    """1234 -> "1.234"; 72.5 with decimals=1 -> "72,5"; None -> "–"."""
    if value is None:
        return "–"
    return _format(value, decimals)


@lru_cache(maxsize=8192)
def _format(value: float | int | Decimal, decimals: int) -> str:
    # Babel takes about 60 µs a number; a province's tables show 1,000-odd of them on every rerun,
    # and most are small counts that repeat. Equal values (1, 1.0, Decimal("1")) format alike.
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def fmt_percent(value: float | None, decimals: int = 1) -> str:
    """72.5 (already in percent) -> "72,5%"."""
    return "–" if value is None else f"{fmt_number(value, decimals)}%"


def fmt_value(value: float | int) -> str:
    """A figure as it was reported: whole numbers without decimals."""
    return fmt_number(value) if float(value).is_integer() else format_decimal(value, locale=LOCALE)
