"""Reading small tables (registry, targets) from CSV or Excel, by header name."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from reporting.text import clean_text, fold


class TableError(ValueError):
    """A table file that cannot be read; ``messages`` are Vietnamese sentences."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


def read_table(
    path: Path | str,
    required: list[str],
    sheet: str | None = None,
    data: bytes | None = None,
    labels: dict[str, str] | None = None,
) -> list[dict[str, object]]:
    """Rows of a CSV or of an .xlsx sheet (``sheet`` by name, else the first), keyed by column code.

    Headers are folded; a header equal to one of ``labels`` (column code → Vietnamese header, as the
    app's Excel export writes them) stands for that code. Each row dict
    also carries ``_row``: its line number as the user sees it. ``data`` reads bytes already in
    memory (an upload), ``path`` then only names them. Raises TableError when the file cannot be
    read or lacks a required column.
    """
    path = Path(path)
    if data is None:
        if not path.exists():
            raise TableError([f"Không tìm thấy tệp {path}."])
        data = path.read_bytes()
    excel = data[:4] == b"PK\x03\x04" or path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}
    rows = _excel_rows(data, path.name, sheet) if excel else _csv_rows(data, path.name)
    where = f"Trang «{sheet}» của tệp {path.name}" if sheet and excel else f"Tệp {path.name}"
    if not rows:
        raise TableError([f"{where} không có dữ liệu."])
    return _records(rows, required, where, labels)


def _records(
    rows: list[list[object]], required: list[str], where: str, labels: dict[str, str] | None = None
) -> list[dict[str, object]]:
    """Header row + data rows → records keyed by column code, with ``_row`` line numbers."""
    aliases = {fold(label): code for code, label in (labels or {}).items()}
    header = [aliases.get(fold(h), fold(h)) for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise TableError(
            [f"{where} thiếu cột: {', '.join(missing)}. Dòng đầu tiên phải là tên cột: {', '.join(required)}."]
        )
    records = []
    for line_no, row in enumerate(rows[1:], start=2):
        if all(clean_text(v) == "" for v in row):
            continue
        record: dict[str, object] = {"_row": line_no}
        for name, value in zip(header, row, strict=False):
            if name:
                record[name] = value
        records.append(record)
    return records


def sheet_names(data: bytes) -> list[str]:
    """The sheets of a workbook (empty for a CSV)."""
    if data[:4] != b"PK\x03\x04":
        return []
    try:
        return list(CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names)
    except (CalamineError, ValueError, OSError):
        return []


def _csv_rows(data: bytes, name: str) -> list[list[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError([f"Tệp {name} không phải văn bản UTF-8. Lưu lại tệp CSV với bảng mã UTF-8."]) from exc
    dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t") if text.strip() else csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def _excel_rows(data: bytes, name: str, sheet: str | None = None) -> list[list[object]]:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if sheet is not None:
            found = next((n for n in book.sheet_names if fold(n) == fold(sheet)), None)
            if found is None:
                raise TableError([f"Tệp {name} không có trang «{sheet}». Các trang có: {', '.join(book.sheet_names)}."])
            return book.get_sheet_by_name(found).to_python(skip_empty_area=False)
        return book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as exc:
        if isinstance(exc, TableError):
            raise
        raise TableError([f"Không đọc được tệp Excel {name}: {exc}. Mở tệp bằng Excel và lưu lại dạng .xlsx."]) from exc


def cell_text(value: object) -> str:
    """A cell as text; whole floats from Excel ("1001.0") become "1001"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


def cell_date(value: object) -> date | None:
    """A date from a date cell, ISO text (2025-07-01) or Vietnamese text (01/07/2025).

    Raises ValueError for text that is none of these.
    """
    if value is None or clean_text(value) == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)
