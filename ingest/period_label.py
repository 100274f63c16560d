"""Whether a return's period code agrees with the period its template was made for.

The identity sheet carries the period twice: the code the checks read («Mã kỳ báo cáo», 2026-Q3) and
the label written beside it («Kỳ báo cáo», Quý III/2026), as every sheet's title does. A clerk who
takes last year's file and changes only the code sends a workbook whose labels, branch list and
target are another period's: the label tells. A label a person retyped in another form (Quý 3/2026,
quý III năm 2026, Tháng 07/2026) is read as that period; text that names no period is not judged.
"""

from __future__ import annotations

import re

from ingest.findings import Finding, error
from ingest.layout import INFO_SHEET
from ingest.read import RawCell
from reporting.periods import Period
from reporting.text import clean_text

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_KIND = {"quý": "quarter", "quy": "quarter", "tháng": "month", "thang": "month"}
_LABEL = re.compile(r"\b(quý|quy|tháng|thang)\s*([ivx]+|\d{1,2})\b\s*(?:/|-|\.|,|năm|nam)?\s*(\d{4})\b")
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")


def label_mismatch(period: Period, cell: RawCell | None) -> Finding | None:
    """An error when the label beside the period code names another period; None when it agrees or
    names none."""
    text = clean_text(cell.value) if cell is not None and cell.value is not None else ""
    said = said_period(text)
    if said is None or agrees(period, said):
        return None
    shown = text if len(text) <= 60 else text[:59] + "…"
    return error(
        "period_label_mismatch",
        f"Mã kỳ báo cáo là {period.code} ({period.label}) nhưng mẫu ghi kỳ «{shown}»: tệp là mẫu của kỳ khác, "
        f"chỉ sửa mã kỳ (tên các trang, danh sách chi bộ và chỉ tiêu vẫn là của kỳ cũ). Tải mẫu {period.label} "
        "của đơn vị và nhập lại số liệu.",
        INFO_SHEET,
        cell.ref if cell is not None else None,
    )


def said_period(text: str) -> tuple[str, int, int | None] | None:
    """(kind, year, quarter or month) a label names; the kind ``year`` with None when it names only a
    year; None when it names no period."""
    folded = text.casefold()
    match = _LABEL.search(folded)
    if match:
        kind = _KIND[match.group(1)]
        number = _ROMAN.get(match.group(2)) if match.group(2).isalpha() else int(match.group(2))
        limit = 4 if kind == "quarter" else 12
        if number is not None and 1 <= number <= limit:
            return kind, int(match.group(3)), number
    years = {int(y) for y in _YEAR.findall(folded)}
    if len(years) == 1:
        return "year", years.pop(), None
    return None


def _key(period: Period) -> tuple[str, int, int | None]:
    if period.kind == "quarter":
        return "quarter", period.year, period.quarter
    if period.kind == "month":
        return "month", period.year, period.start.month
    return "year", period.year, None


def agrees(period: Period, said: tuple[str, int, int | None]) -> bool:
    return said == _key(period) or (said[0] == "year" and said[1] == period.year)
