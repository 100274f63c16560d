"""Writing figures into a blank template, from the JSON shape the check prints.

``{"unit": "CODE", "period": "2026-Q3", "values": {"admitted": 3, ...},
"branches": {"BRANCH_CODE": {"regular_meetings": 3, ...}}}``

Cells are found the way the reader finds them, so fill and check agree by
construction. Values are written as given: a number stays a number and a
string such as "1.234" is written as text, the way some clerks type it.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook, load_workbook

from ingest.excel_safe import put
from ingest.read import RawCell, RawReturn, read_return
from ingest.tables import TableError
from reporting.catalog import BY_CODE
from reporting.text import clean_text

FILL_KEYS = {"unit", "period", "values", "branches"}


class FillError(TableError):
    """The values do not fit the template; nothing was written."""


def fill_template(template: bytes, payload: dict, template_name: str = "template.xlsx") -> bytes:
    """Return the template's bytes with the payload's figures written in.

    Raises FillError when the payload names another unit or period, an unknown
    metric, or a branch the template does not list.
    """
    raw = read_return(template, template_name)
    if not raw.readable:
        raise FillError([p.message for p in raw.problems])
    plan = plan_fill(raw, payload)
    book = load_workbook(BytesIO(template))
    apply_fill(book, plan)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def plan_fill(cells: RawReturn, payload: dict) -> list[tuple[RawCell, object]]:
    """Which cell gets which value; raises FillError listing every mismatch."""
    if not isinstance(payload, dict) or set(payload) - FILL_KEYS or "values" not in payload:
        raise FillError(
            ['Tệp số liệu phải có dạng {"unit": "MÃ", "period": "2026-Q3", "values": {...}, "branches": {...}}.']
        )
    errors: list[str] = []
    for key, info_key in (("unit", "unit_code"), ("period", "period")):
        in_template = clean_text(cells.info[info_key].value) if info_key in cells.info else ""
        if key in payload and clean_text(payload[key]) != in_template:
            errors.append(f"«{key}» là «{payload[key]}» nhưng mẫu dành cho «{in_template}».")
    plan: list[tuple[RawCell, object]] = []
    for code, value in (payload.get("values") or {}).items():
        if code not in cells.unit_cells:
            where = "không có trong danh mục chỉ tiêu" if code not in BY_CODE else "không có trong mẫu này"
            errors.append(f"Chỉ tiêu «{code}» {where}.")
            continue
        plan.append((cells.unit_cells[code], value))
    rows = {clean_text(b.code.value): b for b in cells.branches}
    for branch, branch_values in (payload.get("branches") or {}).items():
        row = rows.get(clean_text(branch))
        if row is None:
            errors.append(f"Chi bộ «{branch}» không có trong mẫu.")
            continue
        for code, value in (branch_values or {}).items():
            if code not in row.values:
                errors.append(f"Chỉ tiêu chi bộ «{code}» không có trong mẫu.")
                continue
            plan.append((row.values[code], value))
    if errors:
        raise FillError(errors)
    return plan


def apply_fill(book: Workbook, plan: list[tuple[RawCell, object]]) -> None:
    for cell, value in plan:
        put(book[cell.sheet][cell.ref], value)  # a "=…" text stays text
