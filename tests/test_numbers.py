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
