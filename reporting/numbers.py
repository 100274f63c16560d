"""Vietnamese number text: parse what clerks type, format what users read.

Vietnamese writes "1.234" for 1234 and "72,5" for 72.5. pandas and Excel
readers in an English locale misread both silently, so every number typed as
text goes through ``parse_number``, which rejects ambiguous input instead of
guessing (Babel's strict mode).
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from functools import lru_cache

from babel.numbers import NumberFormatError, format_decimal, parse_decimal

LOCALE = "vi"
_DIGITS = 400  # enough for any finite float written out whole
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
    except (NumberFormatError, ArithmeticError) as exc:  # 40 digits: decimal.InvalidOperation
        raise NumberTextError(text) from exc


def _rounded(value: float | int | Decimal, decimals: int) -> Decimal | None:
    """The value rounded half-up (away from zero on a tie, as people round by hand) to ``decimals``
    places, never negative zero; None for a missing or non-finite value.

    Floats are read to 15 significant digits ("0.5625", "2.675", "88.45"), so a figure rounds the
    way the number a careful person computes would, not its binary neighbour: 2.675 -> 2,68, not
    2,67, and an average of attendances that is 88,45 by hand but 88.44999999999999 in binary ->
    88,5. Fifteen digits hold every figure a return can carry and drop the noise of the arithmetic.
    """
    if value is None or isinstance(value, bool):
        return None if value is None else Decimal(int(value))
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(format(float(value), ".15g"))
        except (TypeError, ValueError):
            return None
    if not number.is_finite():
        return None
    with localcontext(prec=_DIGITS):
        try:
            number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        except InvalidOperation:  # beyond _DIGITS digits: no stored figure is (the checker bounds them)
            return None
    return number.copy_abs() if number.is_zero() else number


def is_missing(value: object) -> bool:
    """True for a figure that was not reported: None, NaN, pandas' NA (never 0)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN (pd.NA makes bool() raise)
    except TypeError:
        return True


MISSING = "–"  # how a figure nobody reported reads, on every page, table, chart and document


def fmt_number(value: float | int | Decimal | None, decimals: int = 0) -> str:
    """1234 -> "1.234"; 72.5 with decimals=1 -> "72,5"; 0.25 -> "0" (half-up: 0.5 -> "1");
    -0.4 -> "0", never "-0"; None or NaN -> "–"."""
    rounded = None if is_missing(value) else _rounded(value, decimals)
    if rounded is None:
        return MISSING
    return _format(rounded, decimals)


@lru_cache(maxsize=8192)
def _format(value: Decimal, decimals: int) -> str:
    # Babel takes about 60 µs a number; a province's tables show 1,000-odd of them on every rerun,
    # and most are small counts that repeat. The value is already rounded, so Babel only writes it.
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    with localcontext(prec=_DIGITS):  # Babel quantizes again, in the current context
        return format_decimal(value, format=pattern, locale=LOCALE)


def fmt_signed(value: float | int | Decimal | None, decimals: int = 0) -> str:
    """A change: "+12", "-3", "0" (no sign on a change that rounds to nothing)."""
    text = fmt_number(value, decimals)
    rounded = None if is_missing(value) else _rounded(value, decimals)
    return "+" + text if rounded is not None and rounded > 0 else text


def fmt_percent(value: float | None, decimals: int = 1) -> str:
    """72.5 (already in percent) -> "72,5%"; missing -> "–"."""
    text = fmt_number(value, decimals)
    return MISSING if text == MISSING else f"{text}%"  # infinity too: "–", never "–%"


def share_pct(part: float | None, whole: float | None) -> float | None:
    """100 * part / whole, or None when either is missing or the whole is 0."""
    if is_missing(part) or is_missing(whole) or not whole:
        return None
    return 100 * float(part) / float(whole)


def fmt_value(value: float | int | None) -> str:
    """A figure as it was reported: whole numbers without decimals, others with up to six."""
    if is_missing(value):
        return MISSING
    if float(value).is_integer():
        return fmt_number(value)
    text = fmt_number(value, 6).rstrip("0")
    return text.rstrip(",")


def round_half_up(value: float | int | Decimal | None, decimals: int = 0) -> float | None:
    """The figure as a reader sees it, as a number: ``fmt_number``'s rounding (half-up, never -0.0);
    None when missing. What a workbook cell holds, so Excel shows what the page shows."""
    rounded = None if is_missing(value) else _rounded(value, decimals)
    return None if rounded is None else float(rounded)


# A float whose scaled value is this close to a tie (x.5) is rounded from its decimal repr, one at a time;
# farther from a tie (and below _EXACT) the binary value and its repr round the same way.
_TIE, _EXACT = 1e-6, 1e9


def fmt_numbers(values: object, decimals: int = 0, suffix: str = "") -> list[str]:
    """``fmt_number`` (with ``suffix``, "%" for ``fmt_percent``) for a whole column at once: the same
    text, rounded in one numpy pass and written once per distinct figure (a 3,300-row table's
    percents in a few milliseconds instead of 50)."""
    import numpy as np
    import pandas as pd

    column = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.abs(numbers) * 10.0**decimals
        fraction = scaled - np.floor(scaled)
        exact = np.isfinite(scaled) & (scaled < _EXACT) & (np.abs(fraction - 0.5) > _TIE)
        steps = np.where(exact, np.floor(scaled + 0.5), 0).astype(np.int64)
    signed = np.where(numbers < 0, -steps, steps)  # a figure that rounds to 0 has steps 0: never "-0"
    texts: dict[int, str] = {}
    out = []
    for number, is_exact, step in zip(numbers.tolist(), exact.tolist(), signed.tolist(), strict=True):
        if not is_exact:
            out.append(fmt_number(number, decimals) + suffix if number == number else MISSING)
            continue
        text = texts.get(step)
        if text is None:
            text = texts[step] = _format(Decimal(step).scaleb(-decimals), decimals) + suffix
        out.append(text)
    return out


def fmt_threshold(value: float | None) -> str:
    """A rule's percent (a pace, a threshold), not a measured share: "75%" when whole at one decimal,
    else one decimal, "58,3%" (the figures compared with it keep their one decimal: "20,0%")."""
    rounded = None if is_missing(value) else _rounded(value, 1)
    if rounded is None:
        return MISSING
    return fmt_percent(value, 0 if rounded == rounded.to_integral_value() else 1)
