"""The clerk's own workbook back, marked up: every finding on its cell, and a list first.

Each cell a finding names is tinted (red for an error, yellow for a warning)
and carries the message as a comment; a first sheet "Lỗi cần sửa" lists every
finding with a link to its cell. A file that cannot be opened as a workbook
gets a workbook holding just that list.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import replace
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from ingest.excel_safe import landscape_fit_width, printable, put
from ingest.findings import SEVERITY_LABEL, Finding

SHEET = "Lỗi cần sửa"
FILLS = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
AUTHOR = "Ban Tổ chức"
_log = logging.getLogger(__name__)


def annotated_name(file_name: str) -> str:
    return f"{Path(file_name).stem}_loi-can-sua.xlsx"


def annotate(data: bytes, findings: list[Finding], *, openable: bool) -> bytes:
    """A copy of the workbook with the findings marked on their cells and listed on a first sheet.

    ``openable`` is False for files the container check refused (a zip bomb must never
    reach openpyxl), could not read, or that inflate too large to open quickly; they get a
    workbook holding the list alone, and so does a workbook openpyxl cannot open or write
    back (a NaN or INF number, a control character in a text cell). Never raises.
    """
    findings = [_printable(f) for f in findings]
    if openable:
        try:
            return _marked(data, findings)
        except Exception:  # e.g. an old .xls, or cells openpyxl cannot read
            _log.info("marking up in place failed", exc_info=True)
        try:  # openpyxl reads no NaN or INF number: those cells (refused, and marked) are emptied first
            return _marked(_without_non_finite(data), findings)
        except Exception:  # the list alone
            _log.info("marking up failed again; the list alone", exc_info=True)
    book = Workbook()
    book.remove(book.active)
    _list_sheet(book, findings, {})
    return _saved(book)


def _marked(data: bytes, findings: list[Finding]) -> bytes:
    book = load_workbook(BytesIO(data))
    for sheet_name in book.sheetnames:
        book[sheet_name].protection.sheet = False  # the clerk must be able to fix the marked cells
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        if finding.sheet in book.sheetnames and finding.cell:
            by_cell.setdefault((finding.sheet, finding.cell), []).append(finding)
    for (sheet_name, ref), here in by_cell.items():
        cell = book[sheet_name][ref]
        cell.fill = FILLS["error" if any(f.severity == "error" for f in here) else "warning"]
        text = "\n\n".join(f"{SEVERITY_LABEL[f.severity]}: {f.message}" for f in here)
        cell.comment = Comment(text, AUTHOR, width=420, height=160)
    _list_sheet(book, findings, by_cell)
    try:
        return _saved(book)
    except ValueError:  # text XML cannot hold, as the clerk's own cells read it ("_x0001_"): dropped, as put() does
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.data_type == "s":
                        put(cell, cell.value)  # dropped first, then never a formula (\x01=1+2 stays text)
        return _saved(book)


_NON_FINITE = re.compile(rb"<v>\s*[+-]?(?:nan|inf|infinity)\s*</v>", re.IGNORECASE)


def _without_non_finite(data: bytes) -> bytes:
    """The workbook with NaN and INF cell values emptied (each is refused, and its cell is marked)."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in dst.NameToInfo:
                continue  # an entry twice: once is what a reader sees
            content = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                content = _NON_FINITE.sub(b"<v></v>", content)
            dst.writestr(info.filename, content)
    return out.getvalue()


def _saved(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _printable(finding: Finding) -> Finding:
    """The finding with characters a workbook's XML cannot hold dropped (the message may quote a cell)."""
    message = printable(finding.message)
    sheet = printable(finding.sheet) if finding.sheet else finding.sheet
    return replace(finding, message=message, sheet=sheet)


def _list_sheet(book: Workbook, findings: list[Finding], by_cell: dict) -> None:
    ws = book.create_sheet(SHEET, 0)
    book.active = 0
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet.title == SHEET
    ws.append(["STT", "Mức độ", "Trang", "Ô", "Nội dung cần sửa"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for number, finding in enumerate(findings, start=1):
        row = ws.max_row + 1
        ws.cell(row=row, column=1, value=number)
        put(ws.cell(row=row, column=2), SEVERITY_LABEL[finding.severity])
        put(ws.cell(row=row, column=3), finding.sheet or "")
        target = ws.cell(row=row, column=4)
        put(target, finding.cell or "")
        if (finding.sheet, finding.cell) in by_cell:
            target.hyperlink = Hyperlink(ref=target.coordinate, location=f"'{finding.sheet}'!{finding.cell}")
            target.font = Font(color="0563C1", underline="single")
        message = ws.cell(row=row, column=5)
        put(message, finding.message)
        message.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=row, column=2).fill = FILLS[finding.severity]
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 18
    ws.column_dimensions["D"].width = 7
    ws.column_dimensions["E"].width = 95
    ws.freeze_panes = "A2"
    landscape_fit_width(ws)
