"""Reading a return workbook into raw cells with their addresses.

python-calamine (Rust) reads a return 25-50x faster than openpyxl
(FIELD-NOTES.md); openpyxl is only used to write. Nothing here interprets a
number: the validator does, so that every problem can name its cell.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from python_calamine import CalamineWorkbook

from ingest import layout
from ingest.container import OLE_MAGIC, ZIP_MAGIC, Container, inspect
from ingest.findings import Finding, error
from reporting.catalog import SHEETS, metrics_of_sheet
from reporting.numbers import fmt_number
from reporting.text import clean_text, fold


@dataclass(frozen=True, slots=True)
class RawCell:
    sheet: str  # the sheet's name as it is in the file
    ref: str  # "D12"
    value: object  # None when blank


@dataclass
class RawBranch:
    code: RawCell
    name: RawCell
    values: dict[str, RawCell]


@dataclass
class RawReturn:
    file_name: str
    info: dict[str, RawCell] = field(default_factory=dict)
    unit_cells: dict[str, RawCell] = field(default_factory=dict)
    branches: list[RawBranch] = field(default_factory=list)
    sheets: dict[str, str] = field(default_factory=dict)  # sheet key -> name in the file
    problems: list[Finding] = field(default_factory=list)
    container: Container = field(default_factory=Container)
    merged: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = field(default_factory=dict)  # 0-based

    @property
    def readable(self) -> bool:
        """False when the file is not a return at all; the problems say why."""
        return not any(p.rule in UNREADABLE_RULES for p in self.problems)


MAX_MERGED = 1000  # merged ranges looked at on a sheet (the template has a few)

UNREADABLE_RULES = frozenset(
    {"file_empty", "file_not_excel", "file_unreadable", "not_a_return", "zip_bomb", "macro", "external_links",
     "encrypted", "xml_forbidden", "format_unsupported"}
)  # fmt: skip


def read_return(data: bytes, file_name: str) -> RawReturn:
    """Read a return's cells. Problems that stop reading are in ``problems``; never raises."""
    raw = RawReturn(file_name)
    if not data:
        raw.problems.append(error("file_empty", f"Tệp «{file_name}» rỗng (0 byte). Gửi lại tệp báo cáo đã lưu."))
        return raw
    if not (data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC)):
        raw.problems.append(
            error(
                "file_not_excel",
                f"Tệp «{file_name}» không phải là tệp Excel. Dùng mẫu báo cáo .xlsx do Ban Tổ chức phát hành.",
            )
        )
        return raw
    raw.container = inspect(data, file_name)
    if raw.container.refused:
        raw.problems.extend(raw.container.problems)
        return raw
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = {fold(name): name for name in book.sheet_names}
        info_name = names.get(fold(layout.INFO_SHEET))
        if info_name is None:
            raw.problems.append(
                error(
                    "not_a_return",
                    f"Tệp «{file_name}» không phải mẫu báo cáo công tác xây dựng Đảng: không có trang "
                    f"«{layout.INFO_SHEET}». Tải mẫu mới của đơn vị và nhập lại số liệu.",
                )
            )
            return raw
        raw.info = _read_keyed(raw, book, info_name, set(layout.INFO_KEYS), layout.INFO_VALUE_OFFSET)
        for sheet in SHEETS.values():
            actual = names.get(fold(sheet.name))
            if actual is None:
                continue
            raw.sheets[sheet.key] = actual
            codes = [m.code for m in metrics_of_sheet(sheet.key)]
            if sheet.level == "branch":
                _read_branches(raw, book, actual, codes)
            else:
                found = _read_keyed(raw, book, actual, set(codes), layout.VALUE_OFFSET)
                for code in (c for c in codes if c not in found):
                    raw.problems.append(
                        error(
                            "row_missing",
                            f"Thiếu dòng chỉ tiêu «{code}». Không xóa dòng trong mẫu; tải lại mẫu và nhập lại.",
                            actual,
                        )
                    )
                raw.unit_cells.update(found)
    except Exception as exc:  # CalamineError, ValueError, OSError, and whatever a crafted file finds
        raw.problems.append(unreadable(file_name, exc))
    return raw


def unreadable(file_name: str, exc: BaseException) -> Finding:
    """The finding for a file that could not be read (or checked, or stored) at all: one file's problem, never
    the batch's. The exception's type is named for whoever looks into it."""
    return error(
        "file_unreadable",
        f"Không đọc được tệp «{file_name}» ({type(exc).__name__}). Mở tệp bằng Excel, lưu lại dạng .xlsx rồi gửi lại.",
    )


def _rows(raw: RawReturn, book: CalamineWorkbook, sheet_name: str) -> list[list[object]]:
    sheet = book.get_sheet_by_name(sheet_name)
    if sheet.merged_cell_ranges:
        ranges = list(sheet.merged_cell_ranges)
        if len(ranges) > MAX_MERGED:  # a return's template merges a few titles; each range costs the checks
            raw.problems.append(
                error(
                    "too_many_merged",
                    f"Trang có {fmt_number(len(ranges))} vùng gộp ô; chỉ xét {fmt_number(MAX_MERGED)} vùng đầu. Bỏ gộp "
                    "ô (Trang đầu > Gộp và căn giữa) ở các vùng không cần, hoặc tải lại mẫu và nhập lại số liệu.",
                    sheet_name,
                )
            )
            ranges = ranges[:MAX_MERGED]
        raw.merged[sheet_name] = ranges
    rows = sheet.to_python(skip_empty_area=False, nrows=layout.MAX_ROWS + 1)
    if len(rows) > layout.MAX_ROWS:
        raw.problems.append(
            error(
                "too_many_rows",
                f"Trang có hơn {fmt_number(layout.MAX_ROWS)} dòng; chỉ đọc {fmt_number(layout.MAX_ROWS)} dòng đầu. "
                "Xóa các dòng thừa ở cuối trang rồi gửi lại.",
                sheet_name,
            )
        )
        rows = rows[: layout.MAX_ROWS]
    return [row[: layout.MAX_COLUMNS] for row in rows]


def _blank_to_none(value: object) -> object:
    """Text of white space only is a blank cell (str.strip removes the same Unicode spaces as clean_text)."""
    return None if isinstance(value, str) and not value.strip() else value


def _read_keyed(
    raw: RawReturn, book: CalamineWorkbook, sheet_name: str, keys: set[str], offset: int
) -> dict[str, RawCell]:
    """Cells found by a key in any column, the value ``offset`` columns to its right."""
    found: dict[str, RawCell] = {}
    for r, row in enumerate(_rows(raw, book, sheet_name)):
        for c, value in enumerate(row):
            # Keys are ASCII codes without spaces: stripping is all the cleaning they need (fast on every label).
            if isinstance(value, str) and (key := value.strip()) in keys and key not in found:
                vc = c + offset
                found[key] = RawCell(
                    sheet_name, layout.cell_ref(r, vc), _blank_to_none(row[vc]) if vc < len(row) else None
                )
                break
    return found


def _read_branches(raw: RawReturn, book: CalamineWorkbook, sheet_name: str, codes: list[str]) -> None:
    rows = _rows(raw, book, sheet_name)
    # The header key is ASCII without spaces: stripping matches it as clean_text would (tens of rows, every cell).
    key = layout.BRANCH_CODE_KEY
    header_at = next(
        (r for r, row in enumerate(rows) if any(isinstance(v, str) and v.strip() == key for v in row)), None
    )
    if header_at is None:
        raw.problems.append(
            error(
                "row_missing",
                "Không tìm thấy dòng mã cột (dòng có «branch_code»). Không xóa dòng mã trong mẫu; tải lại mẫu và nhập lại.",
                sheet_name,
            )
        )
        return
    columns = {clean_text(v): c for c, v in enumerate(rows[header_at]) if isinstance(v, str) and clean_text(v)}
    for code in codes:
        if code not in columns:
            raw.problems.append(
                error(
                    "column_missing",
                    f"Thiếu cột chỉ tiêu «{code}» ở dòng {header_at + 1}. Không xóa cột trong mẫu; tải lại mẫu và nhập lại.",
                    sheet_name,
                )
            )
    code_col = columns[layout.BRANCH_CODE_KEY]
    name_col = columns.get(layout.BRANCH_NAME_KEY, code_col + 1)
    # One loop over ~40 rows × ~10 cells per return, the hottest of the read: column letters are
    # looked up once and a blank is tested inline (as _blank_to_none does).
    wanted = [(code, columns[code], layout.column_letter(columns[code])) for code in codes if code in columns]
    code_letter, name_letter = layout.column_letter(code_col), layout.column_letter(name_col)
    for r in range(header_at + 1, len(rows)):
        row = rows[r]
        width = len(row)
        number = str(r + 1)
        code_value = _blank_to_none(row[code_col]) if code_col < width else None
        if code_value is None:
            if any(_blank_to_none(v) is not None for v in row):
                raw.problems.append(
                    error(
                        "branch_code_missing",
                        "Dòng có số liệu nhưng không có mã chi bộ. Ghi lại mã chi bộ theo mẫu hoặc xóa dòng này.",
                        sheet_name,
                        code_letter + number,
                    )
                )
            continue
        values = {}
        for code, c, letter in wanted:
            value = row[c] if c < width else None
            if isinstance(value, str) and not value.strip():
                value = None
            values[code] = RawCell(sheet_name, letter + number, value)
        name_value = _blank_to_none(row[name_col]) if name_col < width else None
        raw.branches.append(
            RawBranch(
                RawCell(sheet_name, code_letter + number, code_value),
                RawCell(sheet_name, name_letter + number, name_value),
                values,
            )
        )
