"""Writing text into workbooks we hand out, so that it can never run as a formula.

OWASP ASVS 5.0 V1.2.10: text beginning with ``=``, ``+``, ``-``, ``@``, tab,
carriage return or NUL is a formula to a spreadsheet. Such text is stored with
the cell type "string", so Excel shows it and never evaluates it; numbers stay
numbers. Characters XML cannot hold are dropped rather than failing the write.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def put(cell: Cell, value: object) -> None:
    """Set a cell's value; text that looks like a formula stays text."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
    else:
        cell.value = value


def landscape_fit_width(ws: Worksheet) -> None:
    """Print set-up: A4 landscape, every column on one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
