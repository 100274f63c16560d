"""Writing the blank return a commune clerk fills in (openpyxl: the reader is elsewhere).

One workbook per unit and period: instructions, an identity sheet (locked),
one sheet per group of unit-level figures, the branch sheet with one row per
branch from the registry, and the year-end ratings sheet only in the year's
last return. Input cells are unlocked, tinted and validated; everything else
is locked.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.worksheet.cell_range import MultiCellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ingest import layout
from ingest.excel_safe import landscape_fit_width, put
from ingest.read import RawBranch, RawCell, RawReturn
from reporting.catalog import BY_CODE, TEMPLATE_VERSION, Metric, metrics_of_sheet, sheets_for
from reporting.numbers import fmt_number
from reporting.periods import Period
from reporting.units import Unit

FONT = "Times New Roman"
_TITLE = Font(name=FONT, size=14, bold=True)
_BOLD = Font(name=FONT, size=12, bold=True)
_PLAIN = Font(name=FONT, size=12)
_CODE = Font(name=FONT, size=9, color="808080")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_UNLOCKED = Protection(locked=False)


def _named_styles() -> dict[str, NamedStyle]:
    """Input cells share named styles: one lookup per cell instead of five style objects."""
    styles = {}
    for kind, number_format in (("count", "#,##0"), ("percent", "0.0")):
        style = NamedStyle(name=f"input_{kind}")
        style.font, style.fill, style.border = _PLAIN, _INPUT_FILL, _BOX
        style.protection, style.number_format = _UNLOCKED, number_format
        styles[kind] = style
    boxed = NamedStyle(name="boxed")
    boxed.font, boxed.border = _PLAIN, _BOX
    styles["boxed"] = boxed
    code = NamedStyle(name="code")
    code.font, code.border = _CODE, _BOX
    styles["code"] = code
    return styles


INSTRUCTIONS = (
    "HƯỚNG DẪN ĐIỀN BÁO CÁO",
    "",
    "1. Chỉ nhập số liệu vào các ô màu vàng. Các ô khác đã được khóa.",
    "2. Số đảng viên, số lượt, số buổi là số nguyên không âm (0, 1, 2, …). Không nhập số thập phân.",
    "3. Tỷ lệ dự sinh hoạt nhập theo phần trăm, từ 0 đến 100 (ví dụ 92,5).",
    "4. Ô để trống được hiểu là không phát sinh; riêng số đảng viên đầu kỳ, cuối kỳ, dự bị và "
    "số đảng viên của từng chi bộ bắt buộc phải nhập.",
    "5. Số liệu phát sinh (kết nạp, kiểm tra, kỷ luật, sinh hoạt) tính trong kỳ báo cáo; "
    "số đảng viên tính đến ngày cuối kỳ.",
    "6. Tổng số đảng viên cuối kỳ = đầu kỳ + kết nạp mới + kết nạp lại + chuyển đến − từ trần − "
    "khai trừ − xóa tên − xin ra khỏi Đảng − chuyển đi. Không tính chuyển sinh hoạt tạm thời.",
    "7. Số đảng viên cuối kỳ của các chi bộ cộng lại phải bằng tổng số đảng viên cuối kỳ của đảng bộ.",
    "8. Số buổi xếp loại Tốt, Khá, Trung bình, Kém cộng lại bằng số lần sinh hoạt thường kỳ.",
    "9. Không đổi tên trang, không xóa cột mã, không thêm hoặc bớt chi bộ. Nếu danh sách chi bộ "
    "không đúng, báo Ban Tổ chức để cập nhật danh mục và gửi lại mẫu.",
    "10. Lưu tệp dạng Excel (.xlsx) và gửi Ban Tổ chức. Nếu có lỗi, hệ thống trả lại danh sách "
    "ô cần sửa kèm hướng dẫn.",
)


def build_template(
    unit: Unit,
    period: Period,
    branches: list[Unit],
    admission_target: int | None,
) -> tuple[Workbook, RawReturn]:
    """A blank return for one unit and period, and where each input cell sits.

    The cell map has the shape ``read_return`` gives, so ``fill`` can write
    figures into a fresh template without saving and reading it back.
    """
    book = Workbook()
    styles = _named_styles()
    for style in styles.values():
        book.add_named_style(style)
    cells = RawReturn(template_file_name(unit, period))
    _instructions(book.active)
    cells.info = _info_sheet(book.create_sheet(layout.INFO_SHEET), unit, period, admission_target)
    for sheet in sheets_for(period.is_year_end):
        ws = book.create_sheet(sheet.name)
        cells.sheets[sheet.key] = sheet.name
        metrics = metrics_of_sheet(sheet.key)
        title = f"{sheet.name.upper()} – {unit.name} – {period.label}"
        if sheet.level == "branch":
            cells.branches = _branch_sheet(ws, title, metrics, branches, period)
        else:
            note = None
            if sheet.key == "members":
                target = "chưa giao" if admission_target is None else f"{fmt_number(admission_target)} đảng viên"
                note = f"Chỉ tiêu kết nạp năm {period.year} (Ban Tổ chức giao): {target}"
            cells.unit_cells.update(_unit_sheet(ws, title, metrics, note))
        ws.protection.sheet = True
    for ws in book.worksheets:
        landscape_fit_width(ws)
    return book, cells


def template_bytes(unit: Unit, period: Period, branches: list[Unit], admission_target: int | None) -> bytes:
    return workbook_bytes(build_template(unit, period, branches, admission_target)[0])


def workbook_bytes(book: Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_file_name(unit: Unit, period: Period) -> str:
    return f"bao-cao_{unit.code}_{period.code}.xlsx"


def _instructions(ws: Worksheet) -> None:
    ws.title = layout.INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = 120
    for row, line in enumerate(INSTRUCTIONS, start=1):
        cell = ws.cell(row=row, column=1)
        put(cell, line)
        cell.font = _TITLE if row == 1 else _PLAIN
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.protection.sheet = True


def _info_sheet(ws: Worksheet, unit: Unit, period: Period, admission_target: int | None) -> dict[str, RawCell]:
    put(ws["A1"], "BÁO CÁO CÔNG TÁC XÂY DỰNG ĐẢNG")
    ws["A1"].font = _TITLE
    values = {
        "unit_code": unit.code,
        "unit_name": unit.name,
        "period": period.code,
        "period_label": period.label,
        "admission_target": admission_target,
        "template_version": TEMPLATE_VERSION,
    }
    _header(ws, ("Mã", "Nội dung", "Giá trị"))
    cells: dict[str, RawCell] = {}
    for offset, (key, label) in enumerate(layout.INFO_KEYS.items()):
        row = layout.FIRST_DATA_ROW + offset
        put(ws.cell(row=row, column=1), key)
        put(ws.cell(row=row, column=2), label)
        ws.cell(row=row, column=1).font = _CODE
        ws.cell(row=row, column=2).font = _PLAIN
        value = ws.cell(row=row, column=1 + layout.INFO_VALUE_OFFSET)
        put(value, values[key])
        value.font = _BOLD
        if key == "admission_target" and admission_target is None:
            put(value, "chưa giao")
        cells[key] = RawCell(ws.title, value.coordinate, value.value)
        for col in range(1, 4):
            ws.cell(row=row, column=col).border = _BOX
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 55
    ws.column_dimensions["C"].width = 40
    ws.protection.sheet = True
    return cells


def _header(ws: Worksheet, labels: tuple[str, ...], row: int = layout.HEADER_ROW) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col)
        put(cell, label)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _BOX
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")


def _validation(metric: Metric) -> DataValidation:
    if metric.kind == "percent":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(int(metric.maximum or 100)))
        dv.error = "Nhập tỷ lệ phần trăm từ 0 đến 100."
    else:
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        dv.error = "Nhập số nguyên không âm (0, 1, 2, …)."
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.errorTitle = "Số liệu không hợp lệ"
    return dv


def _add_validations(ws: Worksheet, ranges_by_metric: dict[str, list[str]]) -> None:
    """One validation per kind of input, covering all its ranges (adding cells one by one is quadratic)."""
    groups: dict[bool, tuple[Metric, list[str]]] = {}
    for code, ranges in ranges_by_metric.items():
        metric = BY_CODE[code]
        groups.setdefault(metric.kind == "percent", (metric, []))[1].extend(ranges)
    for metric, ranges in groups.values():
        dv = _validation(metric)
        dv.sqref = MultiCellRange(" ".join(ranges))
        ws.add_data_validation(dv)


def _style_for(metric: Metric) -> str:
    return "input_percent" if metric.kind == "percent" else "input_count"


def _unit_sheet(ws: Worksheet, title: str, metrics: list[Metric], note: str | None) -> dict[str, RawCell]:
    put(ws["A1"], title)
    ws["A1"].font = _TITLE
    if note:
        put(ws["A2"], note)
        ws["A2"].font = Font(name=FONT, size=12, italic=True)
    _header(ws, layout.UNIT_SHEET_HEADERS)
    cells: dict[str, RawCell] = {}
    for offset, metric in enumerate(metrics):
        row = layout.FIRST_DATA_ROW + offset
        code, label, unit_cell = (ws.cell(row=row, column=col) for col in (1, 2, 3))
        code.style = "code"
        label.style = unit_cell.style = "boxed"  # named styles first: they would drop put's escape
        label.alignment = _WRAP
        put(code, metric.code)
        put(label, metric.label + (" (*)" if metric.required else ""))
        put(unit_cell, metric.unit)
        value = ws.cell(row=row, column=1 + layout.VALUE_OFFSET)
        value.style = _style_for(metric)
        cells[metric.code] = RawCell(ws.title, value.coordinate, None)
    _add_validations(ws, {code: [cell.ref] for code, cell in cells.items()})
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 12
    ws.column_dimensions["D"].width = 14
    ws.freeze_panes = ws.cell(row=layout.FIRST_DATA_ROW, column=1)
    return cells


def _branch_sheet(
    ws: Worksheet, title: str, metrics: list[Metric], branches: list[Unit], period: Period
) -> list[RawBranch]:
    put(ws["A1"], title)
    ws["A1"].font = _TITLE
    put(
        ws["A2"], f"Mỗi dòng là một chi bộ. Kỳ báo cáo có {period.months} tháng: sinh hoạt thường kỳ mỗi tháng một lần."
    )
    ws["A2"].font = Font(name=FONT, size=12, italic=True)
    labels = ("Mã chi bộ", "Tên chi bộ", *(m.label + (" (*)" if m.required else "") for m in metrics))
    _header(ws, labels, row=layout.BRANCH_LABEL_ROW)
    codes = (layout.BRANCH_CODE_KEY, layout.BRANCH_NAME_KEY, *(m.code for m in metrics))
    for col, code in enumerate(codes, start=1):
        cell = ws.cell(row=layout.BRANCH_CODE_ROW, column=col)
        cell.style = "code"
        put(cell, code)
    rows: list[RawBranch] = []
    for offset, branch in enumerate(branches):
        row = layout.BRANCH_FIRST_ROW + offset
        code_cell = ws.cell(row=row, column=1)
        name_cell = ws.cell(row=row, column=2)
        code_cell.style = name_cell.style = "boxed"  # the named style first: it would drop put's escape
        put(code_cell, branch.code)
        put(name_cell, branch.name)  # registry text never becomes a formula
        values: dict[str, RawCell] = {}
        for col, metric in enumerate(metrics, start=3):
            cell = ws.cell(row=row, column=col)
            cell.style = _style_for(metric)
            values[metric.code] = RawCell(ws.title, cell.coordinate, None)
        rows.append(
            RawBranch(
                RawCell(ws.title, code_cell.coordinate, code_cell.value),  # as written (printable)
                RawCell(ws.title, name_cell.coordinate, name_cell.value),
                values,
            )
        )
    if branches:
        first, last = layout.BRANCH_FIRST_ROW, layout.BRANCH_FIRST_ROW + len(branches) - 1
        _add_validations(
            ws,
            {
                m.code: [f"{layout.column_letter(col)}{first}:{layout.column_letter(col)}{last}"]
                for col, m in enumerate(metrics, start=2)
            },
        )
    ws.row_dimensions[layout.BRANCH_LABEL_ROW].height = 75
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 34
    for col in range(3, 3 + len(metrics)):
        ws.column_dimensions[layout.column_letter(col - 1)].width = 13
    ws.freeze_panes = ws.cell(row=layout.BRANCH_FIRST_ROW, column=3)
    return rows


def write_template_file(
    out: Path, unit: Unit, period: Period, branches: list[Unit], admission_target: int | None
) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(template_bytes(unit, period, branches, admission_target))
    return out
