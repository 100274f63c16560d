"""Writing text into files we hand out, so that it can never run as a formula nor break the file.

``put`` is the one way a cell of a workbook we write gets its value (templates, marked-up files,
dashboard downloads, the appendix, the registry export, the audit log): OWASP ASVS 5.0 V1.2.10.

1. Control characters are dropped first (C0 but tab, LF and CR; DEL; C1; and what XML 1.0 cannot
   hold at all: surrogates, U+FFFE, U+FFFF). openpyxl and python-docx refuse them, and a test for
   ``=`` made before dropping them let ``"\\x01=1+2"`` through as the formula ``1+2``.
2. Then text beginning with ``=``, ``+``, ``-``, ``@``, tab or CR is escaped the way Excel escapes
   what a user types after an apostrophe: a string cell (``t="s"``, never ``<f>``) marked
   ``quotePrefix``, so Excel shows it, never evaluates it, and keeps it text when the cell is
   edited. The value itself is unchanged (no ``'`` is added): a registry exported and loaded
   back, or a template read back, gives the same names.

Numbers, dates and None are written as they are. Every other string we write (the briefing's
.docx) goes through ``printable``, step 1.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # openpyxl is not imported for ``printable`` alone (the app's plain text uses it)
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Unicode category Cc but tab, LF and CR, and the code points XML 1.0 cannot hold.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    """The text without control characters; everything else as it was (NFD stays NFD, no trimming)."""
    return CONTROL_CHARACTERS.sub("", text)


def control_characters(text: str) -> list[str]:
    """The control characters in ``text``, as ``U+0001`` (for messages saying what to remove)."""
    return sorted({f"U+{ord(c):04X}" for c in CONTROL_CHARACTERS.findall(text)})


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would read the (printable) text as a formula if typed or imported."""
    return printable(text).startswith(FORMULA_STARTS)


def put(cell: Cell, value: object) -> None:
    """Set a cell's value: text printable and never a formula (escaped as above), numbers as numbers."""
    if isinstance(value, str):
        text = printable(value)
        cell.value = text
        if text.startswith(FORMULA_STARTS):
            cell.data_type = "s"  # openpyxl made "=…" a formula
            cell.quotePrefix = True
    else:
        cell.value = value


def landscape_fit_width(ws: Worksheet) -> None:
    """Print set-up: A4 landscape, every column on one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
