from datetime import date

import pytest

from reporting.periods import Period, PeriodError, month, parse, parse_return_period, quarter, returns_in_year, year_to


def test_quarter():
    p = parse("2026-Q3")
    assert (p.start, p.end, p.kind, p.months) == (date(2026, 7, 1), date(2026, 9, 30), "quarter", 3)
    assert p.label == "Quý III/2026"
    assert p.code == "2026-Q3"
    assert not p.is_year_end
    assert p.previous() == quarter(2026, 2)
    assert quarter(2026, 1).previous() == quarter(2025, 4)
    assert parse("2026-q4").is_year_end


def test_month():
    p = parse("2026-02")
    assert (p.start, p.end, p.kind, p.months) == (date(2026, 2, 1), date(2026, 2, 28), "month", 1)
    assert p.label == "Tháng 2/2026"
    assert parse("2024-02").end == date(2024, 2, 29)
    assert month(2026, 1).previous() == month(2025, 12)
    assert parse("2026-12").is_year_end
    assert parse("2026-12").quarter == 4


def test_half_nine_months_and_year():
    assert parse("2026-H1") == year_to(2026, 6)
    assert parse("2026-H1").label == "6 tháng đầu năm 2026"
    assert parse("2026-9M").label == "9 tháng đầu năm 2026"
    assert parse("2026-9M").end == date(2026, 9, 30)
    assert parse("2026").label == "Năm 2026"
    assert parse("2026").months == 12
    assert parse("2026").previous() == parse("2025")
    assert parse("2026").contains(parse("2026-Q2"))
    assert not parse("2026-H1").contains(parse("2026-Q3"))


def test_same_period_last_year():
    assert parse("2026-Q3").same_period_last_year() == parse("2025-Q3")
    assert parse("2025-02").same_period_last_year().end == date(2024, 2, 29)


def test_returns_in_year():
    assert [p.code for p in returns_in_year(2026, "quarter")] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert len(returns_in_year(2026, "month")) == 12


@pytest.mark.parametrize("text", ["2026-Q5", "2026-13", "Q3/2026", "", "2026-7"])
def test_invalid_period_message(text):
    with pytest.raises(PeriodError) as exc:
        parse(text)
    assert str(exc.value) == (
        f"Kỳ báo cáo «{text}» không hợp lệ. Dùng dạng NĂM-Qn cho quý (ví dụ 2026-Q3) "
        "hoặc NĂM-MM cho tháng (ví dụ 2026-07)."
    )


def test_return_period_is_quarter_or_month():
    with pytest.raises(PeriodError, match="không phải là quý hoặc tháng"):
        parse_return_period("2026-H1")


def test_whole_quarters_is_a_span_no_quarter_boundary_cuts():
    assert all(parse(code).whole_quarters for code in ("2026-Q1", "2026-Q4", "2026-H1", "2026-9M", "2026"))
    assert not any(parse(code).whole_quarters for code in ("2026-01", "2026-03", "2026-12"))
    assert not Period(date(2026, 1, 1), date(2026, 3, 30), "month").whole_quarters  # a day short
    assert not Period(date(2026, 2, 1), date(2026, 3, 31), "month").whole_quarters
    assert Period(date(2025, 10, 1), date(2026, 3, 31), "month").whole_quarters  # across a year
