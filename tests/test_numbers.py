from decimal import Decimal

import pytest

from reporting.numbers import NumberTextError, fmt_number, fmt_percent, parse_number
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
