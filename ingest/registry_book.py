"""The registry as one workbook: units, lineage and admission targets, to edit in Excel and load back.

Sheets «Đơn vị», «Kế thừa» and «Chỉ tiêu» with Vietnamese headers (ingest/registry.py reads them,
and the English column codes, either way). Dates are date cells shown dd/mm/yyyy; a percent
target is written as text ("7%", "7,5%") so Excel cannot turn it into 0,07 and back into a count.
"""

from __future__ import annotations

from io import BytesIO

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ingest.excel_safe import put
from ingest.registry import (
    LINEAGE_LABELS,
    LINEAGE_SHEET,
    TARGET_LABELS,
    TARGETS_SHEET,
    UNIT_LABELS,
    UNITS_SHEET,
)
from reporting.catalog import ORG_TYPES
from reporting.lineage import END_REASONS
from reporting.numbers import fmt_number

_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_DATE = "dd/mm/yyyy"
_WIDTHS = {"code": 14, "name": 40, "org_type": 22, "parent_code": 16, "active_from": 16, "active_to": 16,
           "end_reason": 14, "predecessor_code": 16, "successor_code": 18, "effective_date": 16, "share": 16,
           "unit_code": 14, "year": 8, "admission_target": 18, "unit_name": 40, "resolved": 20}  # fmt: skip


def target_text(basis: str, value: float) -> str:
    """A target as the board writes it: "12", or "7%" / "7,5%" of the members at the start of the year."""
    if basis != "percent":
        return fmt_number(value)
    return fmt_number(value, 2).rstrip("0").rstrip(",") + "%"


def registry_workbook(con: duckdb.DuckDBPyConnection, year: int | None = None) -> bytes:
    """Units, lineage and targets (of ``year``, or every year) as an .xlsx that loads back unchanged."""
    book = Workbook()
    units = con.execute(
        "select code, name, org_type, parent_code, active_from, active_to, end_reason from units order by code"
    ).fetchall()
    _sheet(book.active, UNITS_SHEET, UNIT_LABELS, [list(r) for r in units], dates=("active_from", "active_to"))
    sheet = book[UNITS_SHEET]
    _choices(sheet, "C", list(ORG_TYPES), len(units))
    _choices(sheet, "G", list(END_REASONS), len(units))
    lineage = con.execute(
        "select predecessor_code, successor_code, effective_date, share from unit_lineage order by 1, 2"
    ).fetchall()
    _sheet(book.create_sheet(), LINEAGE_SHEET, LINEAGE_LABELS, [list(r) for r in lineage], dates=("effective_date",))
    for row in book[LINEAGE_SHEET].iter_rows(min_row=2, min_col=4, max_col=4):
        row[0].number_format = "0%"
    targets = con.execute(
        "select t.unit_code, t.year, t.basis, t.basis_value, u.name, t.admission_target from targets as t "
        "left join units as u on u.code = t.unit_code where $year is null or t.year = $year order by t.year, t.unit_code",
        {"year": year},
    ).fetchall()
    labels = {**TARGET_LABELS, "unit_name": "Tên đơn vị (để đọc)", "resolved": "Số quy đổi (để đọc)"}
    rows = [[code, y, target_text(basis, value), name, resolved] for code, y, basis, value, name, resolved in targets]
    _sheet(book.create_sheet(), TARGETS_SHEET, labels, rows)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet(ws, title: str, labels: dict[str, str], rows: list[list[object]], dates: tuple[str, ...] = ()) -> None:
    ws.title = title
    for col, label in enumerate(labels.values(), start=1):
        cell = ws.cell(row=1, column=col)
        put(cell, label)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            put(ws.cell(row=r, column=col), value)  # a name like "=HYPERLINK(…)" stays text
    keys = list(labels)
    for index, key in enumerate(keys, start=1):
        letter = ws.cell(row=1, column=index).column_letter
        ws.column_dimensions[letter].width = _WIDTHS.get(key, 14)
        if key in dates:
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = _DATE
    ws.freeze_panes = "B2"


def _choices(ws, column: str, values: list[str], rows: int) -> None:
    """A drop-down of the allowed codes on a column (Excel still accepts a paste; the load checks)."""
    rule = DataValidation(type="list", formula1=f'"{",".join(values)}"', allow_blank=True)
    ws.add_data_validation(rule)
    rule.add(f"{column}2:{column}{max(rows + 200, 2)}")
