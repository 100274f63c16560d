"""Where things sit in a return workbook: shared by the template writer and the reader.

The reader never trusts fixed row numbers. Every figure sits on a row whose
code column holds the metric code, and the branch sheet has a row of codes
above its data, so clerks may insert blank rows, and sheet names are matched
without regard to case, spacing or Unicode form.
"""

from __future__ import annotations

from functools import cache

INSTRUCTIONS_SHEET = "Hướng dẫn"
INFO_SHEET = "Thông tin"

# Info sheet: key in column A, label in B, value in C.
INFO_KEYS: dict[str, str] = {
    "unit_code": "Mã đơn vị",
    "unit_name": "Tên đơn vị",
    "period": "Mã kỳ báo cáo",
    "period_label": "Kỳ báo cáo",
    "admission_target": "Chỉ tiêu kết nạp đảng viên cả năm (Ban Tổ chức giao)",
    "template_version": "Phiên bản mẫu biểu",
}
INFO_VALUE_OFFSET = 2

# Unit-level sheets: code in A, label in B, unit of measure in C, value in D.
HEADER_ROW = 3
FIRST_DATA_ROW = 4
VALUE_OFFSET = 3  # columns from the code column to the value column
UNIT_SHEET_HEADERS = ("Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Số liệu")

# Branch sheet: labels on row 3, codes on row 4, one branch a row from row 5.
BRANCH_LABEL_ROW = 3
BRANCH_CODE_ROW = 4
BRANCH_FIRST_ROW = 5
BRANCH_CODE_KEY = "branch_code"
BRANCH_NAME_KEY = "branch_name"

# Reading guards: a return has tens of rows; anything far larger is not one.
MAX_ROWS = 2000
MAX_COLUMNS = 60


@cache
def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA); cached (a return asks for a few columns
    tens of thousands of times)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) -> "D12"."""
    return f"{column_letter(col)}{row + 1}"
