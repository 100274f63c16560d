from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from reporting.numbers import (
    MISSING,
    NumberTextError,
    fmt_number,
    fmt_numbers,
    fmt_percent,
    fmt_signed,
    fmt_threshold,
    fmt_value,
    is_missing,
    parse_number,
    round_half_up,
)
from reporting.text import clean_text, fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.234", Decimal(1234)), ("72,5", Decimal("72.5")), (" 12 ", Decimal(12)), ("1.234,5", Decimal("1234.5")),
     ("72,5%", Decimal("72.5")), ("1\u00a0234", Decimal(1234)), ("0", Decimal(0)), ("-3", Decimal(-3))],
)  # fmt: skip
def test_parse_vietnamese_numbers(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["1.5", "1.23", "abc", "", "  ", "12 người"])
def test_ambiguous_or_non_numbers_rejected(text):
    with pytest.raises(NumberTextError):
        parse_number(text)


def test_formats():
    assert fmt_number(1234567) == "1.234.567"
    assert fmt_number(72.5, 1) == "72,5"
    assert fmt_percent(72.5) == "72,5%"
    assert fmt_number(None) == "–"


def test_text_nfd_and_spaces():
    nfd = "Đa\u0309ng u\u0309y  xa\u0303 "
    assert clean_text(nfd) == "Đảng ủy xã"
    assert fold("  ĐẢNG VIÊN ") == fold("Đảng viên")
    # what Excel and copy-paste leave: no-break and em spaces, tabs, line breaks inside a cell
    assert clean_text("\u00a0Chi bộ\u2003\u2003thôn\t1\r\n") == "Chi bộ thôn 1"
    assert clean_text(" \u3000\u202f ") == ""


def test_unit_links_and_date_columns():
    from datetime import date, datetime
    from urllib.parse import parse_qs, urlsplit

    import pandas as pd

    from reporting.periods import quarter
    from reporting.units import Unit
    from ui.filters import Selection
    from ui.format import fmt_datetime, fmt_datetimes
    from ui.nav import unit_url, unit_urls

    sel = Selection(2026, "Q3", quarter(2026, 3), Unit("MS", "Tỉnh", "provincial_committee", None), date(2026, 11, 1))
    codes = ["X07", "X07-CB01", "Đơn vị 1&2"]
    links = unit_urls(codes, sel)
    assert links[0] == unit_url("X07", sel)
    for code, link in zip(codes, links, strict=True):
        query = parse_qs(urlsplit(link).query)
        assert urlsplit(link).path == "/don-vi"
        assert query == {"year": ["2026"], "view": ["Q3"], "unit": [code], "history": ["today"]}
    stamps = pd.Series([datetime(2026, 7, 9, 8, 5), None], dtype="datetime64[us]")
    assert list(fmt_datetimes(stamps)) == [fmt_datetime(datetime(2026, 7, 9, 8, 5)), ""] == ["09/07/2026 08:05", ""]


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(100 * 36 / 64, 1, "56,3"), (0.5, 0, "1"), (1.5, 0, "2"), (2.5, 0, "3"), (-2.5, 0, "-3"), (2.675, 2, "2,68"),
     (0.285, 2, "0,29"), (1.005, 2, "1,01"), (72.45, 1, "72,5"), (12.5, 0, "13"), (Decimal("0.05"), 1, "0,1")],
)  # fmt: skip
def test_rounding_is_half_up_on_the_figure_people_read(value, decimals, expected):
    """Half-up as people round by hand, on the decimal the float stands for (2.675 -> 2,68), never half-to-even."""
    assert fmt_number(value, decimals) == expected


@pytest.mark.parametrize("value", [-0.0, -0.4, -0.04, -0.049, -1e-9, 0.0])
def test_never_minus_zero(value):
    assert fmt_number(value) == "0" and fmt_signed(value) == "0"
    assert fmt_numbers([value]) == ["0"]
    rounded = round_half_up(value)
    assert rounded == 0 and str(rounded) == "0.0"  # what a workbook cell gets: never -0.0
    if value > -0.05:
        assert fmt_number(value, 1) == "0,0" and fmt_percent(value) == "0,0%" and fmt_numbers([value], 1) == ["0,0"]
        assert str(round_half_up(value, 1)) == "0.0"


def test_missing_figures_read_as_a_dash():
    for missing in (None, float("nan"), np.nan, pd.NA, pd.NaT):
        assert fmt_number(missing) == fmt_number(missing, 2) == fmt_percent(missing) == fmt_value(missing) == MISSING
        assert fmt_signed(missing) == MISSING and round_half_up(missing) is None
        assert is_missing(missing)
    assert not is_missing(0) and fmt_number(0) == "0"
    assert fmt_number(float("inf")) == MISSING  # not a figure anyone reported


def test_large_values_and_signs():
    assert fmt_number(154_742_160) == "154.742.160"
    assert fmt_number(1234567.891, 2) == "1.234.567,89"
    assert fmt_number(1e20) == "100.000.000.000.000.000.000"
    assert fmt_number(-1234.5) == "-1.235"
    assert (
        fmt_signed(12) == "+12" and fmt_signed(-3) == "-3" and fmt_signed(0.4) == "0" and fmt_signed(1.25, 1) == "+1,3"
    )
    assert fmt_value(3) == "3" and fmt_value(91.5) == "91,5" and fmt_value(0.125) == "0,125"


def test_one_column_at_once_reads_as_one_figure_at_a_time():
    """``fmt_numbers`` (the tables' formatter) gives ``fmt_number``'s text for every value: ties at every
    place, binary neighbours of a tie, negatives rounding to zero, large values, missing ones."""
    rng = np.random.default_rng(21)
    values = [
        *(rng.integers(-100_000, 100_000, 2000) / 10 ** rng.integers(0, 4, 2000)),  # decimal ties
        *(rng.integers(0, 65, 500) / 64 * 100),
        *(rng.random(1000) * 100),
        *(-rng.random(200) / 1000),
        *(rng.uniform(-1e13, 1e13, 200)),
        2.675, 0.285, 1.005, -0.0, 1e20, None, float("nan"), float("inf"),
    ]  # fmt: skip
    for decimals in (0, 1, 2, 3):
        assert fmt_numbers(values, decimals) == [fmt_number(v, decimals) for v in values]
    assert fmt_numbers(pd.Series([20, 56.25, None]), 1, "%") == ["20,0%", "56,3%", "–"]
    assert fmt_numbers(pd.Series([1, None, 1234], dtype="Int64")) == ["1", "–", "1.234"]
    assert fmt_numbers([]) == []


def test_a_rules_percent_drops_a_zero_decimal():
    """A pace or a threshold: "75%", "58,3%" (7 months of 12), rounded half-up like every figure."""
    assert [fmt_threshold(v) for v in (75, 74.96, 100 * 7 / 12, 54.25, 20, -0.01, None)] == [
        "75%", "75%", "58,3%", "54,3%", "20%", "0%", MISSING,
    ]  # fmt: skip


def test_arithmetic_noise_rounds_as_the_figure_computed_by_hand():
    """An average that is 92,15 by hand is 92.14999999999999 in binary: it reads 92,2%, as a careful
    person rounds it, on every path (one figure, a whole column)."""
    from reporting.numbers import fmt_numbers

    mean = (99.6 + 93.4 + 75.9 + 99.7) / 4  # 92,15 by hand
    assert mean != 92.15 and fmt_number(mean, 1) == "92,2" and fmt_percent(mean) == "92,2%"
    assert fmt_numbers([mean, 0.1 + 0.2], 1) == ["92,2", "0,3"]
    assert fmt_number(2.675, 2) == "2,68" and fmt_number(-0.05, 1) == "-0,1" and fmt_number(-0.04, 1) == "0,0"


def test_infinite_and_overlong_numbers_never_raise():
    assert fmt_percent(float("inf")) == fmt_percent(float("-inf")) == "–"
    with pytest.raises(NumberTextError):
        parse_number(".".join(["123"] * 14))  # 42 digits grouped: Babel's strict check overflowed
