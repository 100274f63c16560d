"""The corpus of bad workbooks: each kind generated here, with its expected outcome and message.

Kinds covered by the rule tests (test_rules.py) are listed again in ELSEWHERE so that the
whole corpus reads in one place; the file-level kinds (bombs, macros, links, formulas,
merged and hidden cells, other files renamed, numbers that are no figures: NaN, INF, 1e308,
error values) are built by editing a good return's zip, and UPLOADS are zip bundles with a
hostile entry beside a good return (issue 22: one clerk's file never breaks the province).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date

import pytest

from ingest.context import CheckContext
from ingest.findings import SEVERITY_LABEL
from ingest.load import Incoming, check_files, load_files
from reporting import db
from tests.conftest import TODAY, payload


def rezip(data: bytes, replace: dict | None = None, add: dict | None = None) -> bytes:
    """The same zip with some parts replaced (bytes, or a function of the old bytes) or added."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename in replace:
                new = replace[info.filename]
                content = new(content) if callable(new) else new
            dst.writestr(info.filename, content)
        for name, content in add.items():
            dst.writestr(name, content)
    return out.getvalue()


def sheet_part(name: str) -> str:
    """The zip part of a template sheet (openpyxl writes them in order; "Đảng viên" is the third)."""
    return {
        "Thông tin": "xl/worksheets/sheet2.xml",
        "Đảng viên": "xl/worksheets/sheet3.xml",
        "Kiểm tra, giám sát": "xl/worksheets/sheet4.xml",
        "Chi bộ": "xl/worksheets/sheet7.xml",
    }[name]


def set_cell(sheet: str, ref: str, xml: str) -> dict:
    """A ``rezip`` replacement writing a cell's XML as given (what no spreadsheet program would write)."""

    def edit(part: bytes) -> bytes:
        new, count = re.subn(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref.encode(), xml.encode(), part, count=1)
        assert count == 1, ref
        return new

    return {sheet_part(sheet): edit}


def inspect_org(xml: str) -> dict:
    """Kiểm tra, giám sát!D4 (inspect_org, a count) as ``<c …>xml</c>``."""
    return set_cell("Kiểm tra, giám sát", "D4", f'<c r="D4"{xml}</c>')


def many_sheets_one_part(good: bytes, count: int) -> bytes:
    """``count`` more <sheet> entries, all pointing at one formula-heavy part (3,000 formula cells)."""
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><f>SUM(A1:C3)*{r}</f><v>{r}</v></c>' for c in "ABC") + "</row>"
        for r in range(1, 1001)
    )
    heavy = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f"{rows}</sheetData></worksheet>"
    )
    sheets = "".join(
        f'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="S{i}" '
        f'sheetId="{100 + i}" r:id="rIdHeavy"/>'
        for i in range(count)
    )
    rel = (
        '<Relationship Id="rIdHeavy" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/heavy.xml"/>'
    )
    return rezip(
        good,
        replace={
            "xl/workbook.xml": lambda x: x.replace(b"</sheets>", sheets.encode() + b"</sheets>"),
            "xl/_rels/workbook.xml.rels": lambda x: x.replace(b"</Relationships>", rel.encode() + b"</Relationships>"),
        },
        add={"xl/worksheets/heavy.xml": heavy.encode()},
    )


def formula_in_d6(cached: str | None, excel_saved: bool):
    """Turn Đảng viên!D6 (admitted) into a formula, with or without a cached value."""

    def edit(xml: bytes) -> bytes:
        value = f"<v>{cached}</v>" if cached is not None else ""
        return re.sub(rb'<c r="D6"([^>]*)>.*?</c>', f'<c r="D6"\\1><f>2+2</f>{value}</c>'.encode(), xml, count=1)

    replace = {sheet_part("Đảng viên"): edit}
    if excel_saved:  # Excel never writes fullCalcOnLoad; openpyxl and xlsxwriter do
        replace["xl/workbook.xml"] = lambda xml: xml.replace(b' fullCalcOnLoad="1"', b"")
    return replace


@dataclass(frozen=True)
class Kind:
    name: str
    status: str  # accepted | warnings | rejected
    rules: tuple[str, ...]  # the findings' rules, in order
    message: str | None = None  # the first finding's message, pinned where it is the point


def build(kind: str, good: bytes, make_return, tmp_path) -> bytes:
    """The bytes of one bad file, made from a good return."""
    if kind == "zip_bomb":
        return rezip(good, add={"xl/media/padding.bin": b"\0" * (25 * 1024 * 1024)})
    if kind == "zip_many_entries":
        return rezip(good, add={f"xl/media/p{i}.bin": b"x" for i in range(300)})
    if kind == "million_rows":
        rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(1, 1_000_001))
        xml = f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'
        return rezip(good, replace={"xl/worksheets/sheet1.xml": xml.encode()})
    if kind == "too_many_rows":
        rows = "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>' for r in range(30, 3030))
        return rezip(
            good,
            replace={
                sheet_part("Đảng viên"): lambda xml: xml.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            },
        )
    if kind == "xml_entity_bomb":
        bomb = (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>'
        )
        return rezip(good, replace={"xl/workbook.xml": bomb})
    if kind in ("macro", "macro_renamed"):
        return rezip(good, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 vba"})
    if kind == "external_links":
        return rezip(good, add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"})
    if kind == "pdf":
        return b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF"
    if kind == "csv":
        return b"unit,admitted\nX1,3\n"
    if kind == "empty":
        return b""
    if kind == "random_bytes":
        import random

        return bytes(random.Random(7).randrange(256) for _ in range(4096))
    if kind == "encrypted":
        # An encrypted .xlsx is an OLE compound file holding an "EncryptionInfo" stream.
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 512
    if kind == "old_xls_damaged":
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024
    if kind == "other_workbook":
        from openpyxl import Workbook

        book = Workbook()
        book.active.title = "Bảng lương"
        book.active["A1"] = "Họ tên"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    if kind == "corrupt_zip":
        return good[: len(good) // 2]
    if kind == "formula_uncached":
        return rezip(good, replace=formula_in_d6(None, excel_saved=False))
    if kind == "formula_script_zero":
        return rezip(good, replace=formula_in_d6("0", excel_saved=False))
    if kind == "formula_excel_saved":
        return rezip(good, replace=formula_in_d6("4", excel_saved=True))
    cells = {
        "count_1e308": inspect_org(' t="n"><v>1e308</v>'),
        "count_9e27": inspect_org(' t="n"><v>9e27</v>'),
        "count_above_ceiling": inspect_org(' t="n"><v>100001</v>'),
        "count_minus_1e308": inspect_org(' t="n"><v>-1e308</v>'),
        "nan_percent": set_cell("Chi bộ", "J5", '<c r="J5" t="n"><v>NaN</v></c>'),
        "inf_count": inspect_org(' t="n"><v>INF</v>'),
        "minus_inf_count": inspect_org(' t="n"><v>-INF</v>'),
        "nan_as_text": inspect_org(' t="inlineStr"><is><t>NaN</t></is>'),
        "forty_digits_as_text": inspect_org(' t="inlineStr"><is><t>1.000.000.000.000.000.000.000.000.000.000</t></is>'),
        "error_value": inspect_org(' t="e"><v>#DIV/0!</v>'),
        "error_value_of_formula": inspect_org(' t="e"><f>1/0</f><v>#VALUE!</v>'),
        "control_character_text": inspect_org(' t="inlineStr"><is><t>_x0001_=1</t></is>'),
    }
    if kind in cells:
        return rezip(good, replace=cells[kind])
    if kind == "many_sheets_one_part":
        return many_sheets_one_part(good, 1000)
    if kind == "many_merged_ranges":  # 100,000 ranges beside the branches' table took 13 s to check
        merges = "".join(f'<mergeCell ref="Z{r}:AA{r}"/>' for r in range(1, 100_001)).encode()
        return rezip(
            good,
            replace={
                sheet_part("Chi bộ"): lambda x: x.replace(
                    b"</sheetData>", b"</sheetData><mergeCells>" + merges + b"</mergeCells>"
                )
            },
        )
    if kind == "xml_damaged":
        return rezip(good, replace={"xl/workbook.xml": lambda x: x[: len(x) // 2]})
    edits = {
        "hidden_sheet": lambda b: setattr(b["Kỷ luật"], "sheet_state", "hidden"),
        "merged_input": lambda b: b["Đảng viên"].merge_cells("D6:D7"),
        "sheet_missing": lambda b: b.remove(b["Lãnh đạo"]),
        "row_deleted": lambda b: b["Kiểm tra, giám sát"].delete_rows(11),
        "branch_code_blank": lambda b: setattr(b["Chi bộ"]["A6"], "value", None),
        "branch_twice": lambda b: [b["Chi bộ"].cell(row=8, column=c, value=b["Chi bộ"].cell(row=5, column=c).value) for c in range(1, 12)],
        "unit_is_a_branch": lambda b: b["Thông tin"].cell(row=4, column=3, value="X1-B1"),
        "boolean_in_count": lambda b: b["Đảng viên"].cell(row=6, column=4, value=True),
        "ratings_sheet_mid_year": lambda b: b.create_sheet("Xếp loại"),
    }  # fmt: skip
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(good))
    edits[kind](book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CORPUS: tuple[Kind, ...] = (
    Kind("zip_bomb", "rejected", ("zip_bomb",),
         "Tệp «zip_bomb.xlsx» giải nén ra quá lớn, không phải một báo cáo bình thường (báo cáo chỉ vài chục KB). "
         "Gửi lại đúng tệp báo cáo đã lưu bằng Excel."),
    Kind("zip_many_entries", "rejected", ("zip_bomb",),
         "Tệp «zip_many_entries.xlsx» có 315 thành phần, không phải một báo cáo bình thường (báo cáo chỉ vài chục KB). "
         "Gửi lại đúng tệp báo cáo đã lưu bằng Excel."),
    Kind("million_rows", "rejected", ("zip_bomb",)),
    Kind("too_many_rows", "rejected", ("too_many_rows",),
         "Trang «Đảng viên»: Trang có hơn 2.000 dòng; chỉ đọc 2.000 dòng đầu. Xóa các dòng thừa ở cuối trang rồi gửi lại."),
    Kind("xml_entity_bomb", "rejected", ("xml_forbidden",),
         "Tệp «xml_entity_bomb.xlsx» có nội dung XML không được phép (khai báo DTD hoặc thực thể). Tệp không do Excel "
         "tạo ra; mở mẫu báo cáo bằng Excel, nhập lại số liệu rồi gửi."),
    Kind("macro", "rejected", ("macro",),
         "Tệp «macro.xlsx» có chứa macro (VBA). Không gửi tệp có macro: mở bằng Excel, chọn Lưu thành (Save As) kiểu "
         "«Excel Workbook (*.xlsx)» rồi gửi tệp mới."),
    Kind("macro_renamed", "rejected", ("macro",)),
    Kind("external_links", "rejected", ("external_links",),
         "Tệp «external_links.xlsx» có liên kết tới tệp khác. Trong Excel chọn Dữ liệu > Sửa liên kết > Ngắt liên kết "
         "(Data > Edit Links > Break Link), lưu lại rồi gửi."),
    Kind("pdf", "rejected", ("file_not_excel",),
         "Tệp «pdf.xlsx» không phải là tệp Excel. Dùng mẫu báo cáo .xlsx do Ban Tổ chức phát hành."),
    Kind("csv", "rejected", ("file_not_excel",)),
    Kind("empty", "rejected", ("file_empty",), "Tệp «empty.xlsx» rỗng (0 byte). Gửi lại tệp báo cáo đã lưu."),
    Kind("random_bytes", "rejected", ("file_not_excel",)),
    Kind("encrypted", "rejected", ("encrypted",),
         "Tệp «encrypted.xlsx» được đặt mật khẩu nên không đọc được. Mở tệp bằng Excel, gỡ mật khẩu (Tệp > Thông tin "
         "> Bảo vệ sổ làm việc > Mã hóa bằng mật khẩu, xóa mật khẩu), lưu lại rồi gửi."),
    Kind("old_xls_damaged", "rejected", ("file_unreadable",),
         "Không đọc được tệp «old_xls_damaged.xlsx» (CalamineError). Mở tệp bằng Excel, lưu lại dạng .xlsx rồi gửi lại."),
    Kind("other_workbook", "rejected", ("not_a_return",),
         "Tệp «other_workbook.xlsx» không phải mẫu báo cáo công tác xây dựng Đảng: không có trang «Thông tin». Tải mẫu "
         "mới của đơn vị và nhập lại số liệu."),
    Kind("corrupt_zip", "rejected", ("file_unreadable",),
         "Tệp «corrupt_zip.xlsx» bị hỏng, không mở được. Lưu lại tệp bằng Excel rồi gửi lại."),
    Kind("formula_uncached", "rejected", ("formula_uncalculated",),
         "Trang «Đảng viên», ô D6: Ô có công thức nhưng giá trị chưa được Excel tính (tệp do phần mềm khác tạo ra). Mở "
         "tệp bằng Excel, lưu lại rồi gửi; tốt nhất nhập thẳng con số thay cho công thức."),
    Kind("formula_script_zero", "rejected", ("formula_uncalculated",)),
    Kind("formula_excel_saved", "warnings", ("formula_input",),
         "Trang «Đảng viên», ô D6: Ô dùng công thức; hệ thống lấy giá trị Excel đã tính. Nên nhập thẳng con số."),
    Kind("hidden_sheet", "warnings", ("sheet_hidden",),
         "Trang «Kỷ luật»: Trang đang bị ẩn; số liệu vẫn được đọc. Bỏ ẩn trang (chuột phải vào tên trang > Bỏ ẩn) và "
         "kiểm tra lại số liệu trước khi gửi."),
    Kind("merged_input", "rejected", ("merged_input", "merged_input"),
         "Trang «Đảng viên», ô D6: Ô nằm trong vùng gộp ô D6:D7. Bỏ gộp ô (Trang đầu > Gộp và căn giữa) rồi nhập số "
         "liệu vào từng ô."),
    Kind("sheet_missing", "rejected", ("sheet_missing",),
         "Thiếu trang «Lãnh đạo». Không đổi tên hay xóa trang; tải lại mẫu của kỳ này."),
    Kind("row_deleted", "rejected", ("row_missing",),
         "Trang «Kiểm tra, giám sát»: Thiếu dòng chỉ tiêu «violation_member». Không xóa dòng trong mẫu; tải lại mẫu và "
         "nhập lại."),
    Kind("branch_code_blank", "rejected", ("branch_code_missing", "branch_missing", "branch_members_sum"),
         "Trang «Chi bộ», ô A6: Dòng có số liệu nhưng không có mã chi bộ. Ghi lại mã chi bộ theo mẫu hoặc xóa dòng này."),
    Kind("branch_twice", "rejected", ("branch_duplicate",),
         "Trang «Chi bộ», ô A8: Chi bộ «X1-B1» có hai dòng (dòng trước ở ô A5). Mỗi chi bộ chỉ một dòng; xóa dòng thừa."),
    Kind("unit_is_a_branch", "rejected", ("unit_not_reporting",),
         "Trang «Thông tin», ô C4: Đơn vị «X1-B1» (Chi bộ thôn 1) không phải đơn vị gửi báo cáo; báo cáo do đảng ủy cấp "
         "xã gửi. Dùng mẫu của đảng ủy cấp trên trực tiếp."),
    Kind("boolean_in_count", "rejected", ("not_a_number",),
         "Trang «Đảng viên», ô D6: «True» ở «Kết nạp mới» không phải là số. Nhập số, ví dụ 12 hoặc 1.234 (dấu chấm phân "
         "cách hàng nghìn, dấu phẩy thập phân)."),
    Kind("ratings_sheet_mid_year", "accepted", ()),
    # Numbers that are no figures (issue 22): checked where the float is made, before any arithmetic.
    Kind("count_1e308", "rejected", ("out_of_range",),
         "Trang «Kiểm tra, giám sát», ô D4: «Kiểm tra tổ chức đảng» là một số có 309 chữ số, lớn hơn mọi số liệu có "
         "thể có của một đảng bộ cấp xã (không quá 100.000). Kiểm tra lại (có thể gõ thừa chữ số) rồi nhập đúng số "
         "liệu."),
    Kind("count_9e27", "rejected", ("out_of_range",)),
    Kind("count_above_ceiling", "rejected", ("out_of_range",),
         "Trang «Kiểm tra, giám sát», ô D4: «Kiểm tra tổ chức đảng» là 100.001, lớn hơn mọi số liệu có thể có của một "
         "đảng bộ cấp xã (không quá 100.000). Kiểm tra lại (có thể gõ thừa chữ số) rồi nhập đúng số liệu."),
    Kind("count_minus_1e308", "rejected", ("negative",),
         "Trang «Kiểm tra, giám sát», ô D4: «Kiểm tra tổ chức đảng» là số âm (một số có 309 chữ số). Nhập số không âm."),
    Kind("nan_percent", "rejected", ("not_a_number",),
         "Trang «Chi bộ», ô J5: «Tỷ lệ đảng viên dự sinh hoạt bình quân (%)» của chi bộ «Chi bộ thôn 1» là giá trị "
         "không xác định (NaN), không phải là số (tệp không do Excel lưu, hoặc ô bị hỏng). Nhập lại con số vào ô, để "
         "trống nếu không có số liệu."),
    Kind("inf_count", "rejected", ("not_a_number",),
         "Trang «Kiểm tra, giám sát», ô D4: «Kiểm tra tổ chức đảng» là giá trị vô cực (INF), không phải là số (tệp "
         "không do Excel lưu, hoặc ô bị hỏng). Nhập lại con số vào ô, để trống nếu không có số liệu."),
    Kind("minus_inf_count", "rejected", ("not_a_number",)),
    Kind("nan_as_text", "rejected", ("not_a_number",)),
    Kind("forty_digits_as_text", "rejected", ("not_a_number",)),
    Kind("error_value", "rejected", ("cell_error",),
         "Trang «Kiểm tra, giám sát», ô D4: Ô có giá trị lỗi «#DIV/0!» thay vì số liệu (thường do công thức chia cho 0 "
         "hoặc tham chiếu sai). Nhập thẳng con số vào ô (để trống nếu không có số liệu) rồi gửi lại."),
    Kind("error_value_of_formula", "rejected", ("cell_error",)),
    Kind("control_character_text", "rejected", ("not_a_number",),
         "Trang «Kiểm tra, giám sát», ô D4: «=1» ở «Kiểm tra tổ chức đảng» không phải là số. Nhập số, ví dụ 12 hoặc "
         "1.234 (dấu chấm phân cách hàng nghìn, dấu phẩy thập phân)."),
    # Work bounded per file: a part is parsed once however many sheets name it, and the sheets are counted.
    Kind("many_sheets_one_part", "rejected", ("zip_bomb",),
         "Tệp «many_sheets_one_part.xlsx» có 1.007 trang tính, không phải một báo cáo bình thường (báo cáo chỉ vài "
         "chục KB). Gửi lại đúng tệp báo cáo đã lưu bằng Excel."),
    Kind("many_merged_ranges", "rejected", ("too_many_merged",),
         "Trang «Chi bộ»: Trang có 100.000 vùng gộp ô; chỉ xét 1.000 vùng đầu. Bỏ gộp ô (Trang đầu > Gộp và căn giữa) "
         "ở các vùng không cần, hoặc tải lại mẫu và nhập lại số liệu."),
    Kind("xml_damaged", "rejected", ("file_unreadable",),
         "Tệp «xml_damaged.xlsx» bị hỏng, không mở được. Lưu lại tệp bằng Excel rồi gửi lại."),
)  # fmt: skip

# Kinds whose files come from test_rules.py, test_checks_more.py and test_roundtrip.py (the same
# checks, one table here).
ELSEWHERE = {
    "decimal in a count (1,5)": "not_whole",
    "negative number": "negative",
    "percent over 100": "out_of_range",
    "date as a serial number": "date_not_number",
    "text that is no number": "not_a_number",
    "required stock blank": "required_missing",
    "NFD text and stray spaces": "accepted",
    "numbers typed as Vietnamese text": "accepted",
    "unit code not in the registry": "unit_unknown",
    "unit inactive in the period": "unit_inactive",
    "branch of another unit": "branch_not_of_unit",
    "unknown branch code": "branch_not_of_unit",
    "missing branch": "branch_missing",
    "template of another version": "template_version",
    "period text invalid": "period_invalid",
    "period not begun": "period_future",
    "month and quarter in one year": "period_kind_mixed",
    "rule 1: members balance": "members_balance",
    "rule 2: probationary > members": "probationary_le_members",
    "rule 2: confirmed > probationary + admitted": "confirmed_le_probationary",
    "rule 3: opening ≠ previous closing": "opening_continuity",
    "rule 4: branch members ≠ closing": "branch_members_sum",
    "rule 5: ratings ≠ regular meetings": "meeting_ratings_sum",
    "rule 5: more meetings than months": "regular_meetings_max",
    "rule 6: violations > inspections (warning)": "violation_le_inspections",
    "rule 7: expulsion ≠ expelled (warning)": "expulsion_match",
    "year end: excellent share, disciplined rating (warnings)": "excellent_share",
    "probationary at the end above what the flows allow": "probationary_flow_max",
    "probationary at the end below what the flows leave": "probationary_flow_min",
    "probationary at the end below this period's admissions": "probationary_below_admitted",
    "new members left within the period (warning)": "probationary_admitted_left",
    "upper-committee attendance above the branch's meetings": "upper_attended_max",
    "a branch below the Charter's 3 members (warning)": "branch_below_three",
    "a count far above what is usual (warning)": "implausible_count",
}


def test_the_corpus_has_at_least_forty_kinds():
    # +1: the same unit and period twice in a batch; +2: zip bundles that cannot be opened at all (below)
    assert len(CORPUS) + len(UPLOADS) + len(ELSEWHERE) + 3 == 87


@pytest.fixture
def good(store, make_return):
    return make_return(payload()).read_bytes()


@pytest.mark.parametrize("kind", CORPUS, ids=lambda k: k.name)
def test_bad_file(store, good, make_return, tmp_path, kind):
    data = build(kind.name, good, make_return, tmp_path)
    ctx = CheckContext.from_db(store, TODAY)
    (result,) = check_files(ctx, [Incoming(f"{kind.name}.xlsx", data)])
    assert (result.status, tuple(f.rule for f in result.findings)) == (kind.status, kind.rules)
    if kind.message:
        assert result.findings[0].message == kind.message
    # Loading it is atomic: a rejected file leaves no figures, an accepted one all of them.
    load_files(store, [Incoming(f"{kind.name}.xlsx", data)], archive=db.archive_dir(), today=TODAY)
    figures = store.execute("select count(*) from observations").fetchone()[0]
    assert (figures > 0) == (kind.status != "rejected")
    archived = store.execute("select count(*) from archive").fetchone()[0]
    assert archived == 1  # the original bytes are kept whatever happened


def test_same_unit_and_period_twice_in_one_batch(store, make_return):
    first = make_return(payload(), name="ban-dau.xlsx")
    changed = payload()
    changed["values"]["inspect_member"] = 5
    second = make_return(changed, name="ban-sua.xlsx")
    outcomes = load_files(
        store, [Incoming.from_path(first), Incoming.from_path(second)], archive=db.archive_dir(), today=TODAY
    )
    assert [o.action for o in outcomes] == ["loaded", "rejected"]
    assert outcomes[1].result.findings[-1].message == (
        "Trong cùng đợt gửi đã có tệp «ban-dau.xlsx» của đơn vị X1 cho Quý II/2026; tệp này không được nạp. Chỉ gửi "
        "một tệp cho mỗi kỳ; nếu tệp này là bản đúng, gửi lại riêng tệp này."
    )


def test_defusedxml_is_in_use():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True  # openpyxl parses through defusedxml when it is installed
    import defusedxml.ElementTree

    from ingest import container

    assert container.fromstring is defusedxml.ElementTree.fromstring


def test_type_judged_from_bytes_not_name(store, good):
    ctx = CheckContext.from_db(store, TODAY)
    (as_pdf,) = check_files(ctx, [Incoming("bao-cao.pdf", good)])
    assert as_pdf.status == "accepted"  # a good return named .pdf is still a good return
    (renamed,) = check_files(ctx, [Incoming("bao-cao.xlsx", b"%PDF-1.7")])
    assert renamed.findings[0].rule == "file_not_excel"


def test_upload_zip_bundle_and_caps(good):
    from ingest.uploads import MAX_ENTRIES, UploadError, expand

    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("thang10/a.xlsx", good)
        z.writestr("thang10/b.xlsx", good)
        z.writestr("ghi-chu.txt", "không phải báo cáo")
    files = expand("dot-gui.zip", bundle.getvalue())
    assert [f.name for f in files] == ["a.xlsx", "b.xlsx"]
    assert expand("a.xlsx", good)[0].data == good  # a workbook is a zip too, and stays whole
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as z:
        for i in range(MAX_ENTRIES + 1):
            z.writestr(f"{i}.xlsx", b"x")
    with pytest.raises(UploadError, match="quá giới hạn"):
        expand("nhieu.zip", many.getvalue())


def test_exports_keep_formula_looking_text_as_text(store, tmp_path):
    """OWASP ASVS V1.2.10: a registry name like =HYPERLINK(...) is written as text, numbers stay numbers."""
    from openpyxl import load_workbook

    from ingest.cli import main

    (tmp_path / "evil.csv").write_text(
        'code,name,org_type,parent_code,active_from,active_to\nX1-B9,"=HYPERLINK(""http://x"",""bấm"")",affiliated_branch,X1,2020-01-01,\n',
        encoding="utf-8",
    )
    assert main(["registry", str(tmp_path / "evil.csv")]) == 0
    assert main(["template", "--unit", "X1", "--period", "2026-Q3", "--out", str(tmp_path / "t.xlsx")]) == 0
    book = load_workbook(tmp_path / "t.xlsx")
    ws = book["Chi bộ"]
    names = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2) for r in range(5, 9)}
    cell = names["X1-B9"]
    assert cell.value == '=HYPERLINK("http://x","bấm")'
    assert cell.data_type == "s"
    with zipfile.ZipFile(tmp_path / "t.xlsx") as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>HYPERLINK" not in sheets
    assert book["Thông tin"]["C8"].data_type == "n"  # the target stays a number


def test_marked_up_workbook(store, make_return, tmp_path):
    from openpyxl import load_workbook

    from ingest.annotate import SHEET, annotate

    bad = payload()
    bad["values"]["members_closing"] = 105
    bad["branches"]["X1-B1"]["attendance_pct"] = 120
    path = make_return(bad)
    ctx = CheckContext.from_db(store, TODAY)
    (result,) = check_files(ctx, [Incoming.from_path(path)])
    book = load_workbook(io.BytesIO(annotate(path.read_bytes(), result.findings, openable=True)))
    assert book.sheetnames[0] == SHEET
    listing = list(book[SHEET].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[3]) for r in listing] == [
        (SEVERITY_LABEL[f.severity], f.sheet, f.cell) for f in result.findings
    ]
    assert book[SHEET]["D2"].hyperlink.location == f"'{result.findings[0].sheet}'!{result.findings[0].cell}"
    marked = book["Đảng viên"]["D15"]
    assert marked.fill.fgColor.rgb == "00FFC7CE"
    assert "Tổng số đảng viên cuối kỳ là 105" in marked.comment.text
    assert book["Chi bộ"]["J5"].comment is not None
    # A refused file is never opened by openpyxl: it gets the list alone.
    bomb = rezip(path.read_bytes(), add={"xl/media/padding.bin": b"\0" * (25 * 1024 * 1024)})
    (refused,) = check_files(ctx, [Incoming("bomb.xlsx", bomb)])
    only_list = load_workbook(io.BytesIO(annotate(bomb, refused.findings, openable=refused.openable)))
    assert only_list.sheetnames == [SHEET]


def test_check_annotate_cli(store, make_return, tmp_path, capsys):
    from ingest.cli import main

    bad = payload()
    bad["values"]["admitted"] = -1
    path = make_return(bad, name="xa-an-phu.xlsx")
    good_path = make_return(payload("2025-Q2"), name="tot.xlsx")
    assert (
        main(
            [
                "check",
                str(path),
                str(good_path),
                "--annotate",
                str(tmp_path / "out"),
                "--today",
                date(2026, 11, 23).isoformat(),
            ]
        )
        == 1
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["xa-an-phu_loi-can-sua.xlsx"]


# --- hostile input: one clerk's file never breaks the province (issue 22) -------------------------


def store_is_consistent(con, since: int = 0) -> None:
    """What must hold whatever was sent: every figure finite and bounded and only of accepted versions, the
    roll-up equal to the current versions' figures, one current version per unit and period, every
    version's original archived on disk at its size (versions after ``since``: a copied store's earlier
    originals are elsewhere), and an audit row for every version."""
    from ingest.validate import COUNT_CEILING

    assert (
        con.execute(
            "select count(*) from submission_values where not isfinite(value) or abs(value) > $c", {"c": COUNT_CEILING}
        ).fetchone()[0]
        == 0
    )
    assert (
        con.execute(
            "select count(*) from submission_values join submissions using (submission_id) where status = 'rejected'"
        ).fetchone()[0]
        == 0
    )
    rollup = con.execute(
        "select submission_id, metric, round(sum(value), 6), sum(n) from current_figures group by all order by all"
    ).fetchall()
    figures = con.execute(
        "select submission_id, metric, round(sum(value), 6), count(*) from submission_values "
        "join current_submissions using (submission_id) group by all order by all"
    ).fetchall()
    assert rollup == figures
    assert (
        con.execute(
            "select count(*) from (select unit_code, period from current_submissions group by all having count(*) > 1)"
        ).fetchone()[0]
        == 0
    )
    archive = db.archive_dir()
    for sha, size, path in con.execute(
        "select sha256, size, path from archive where sha256 in "
        "(select sha256 from submissions where submission_id > $since)",
        {"since": since},
    ).fetchall():
        assert (archive / path).stat().st_size == size, sha
    assert (
        con.execute("select count(*) from submissions where sha256 not in (select sha256 from archive)").fetchone()[0]
        == 0
    )
    assert (
        con.execute(
            "select count(*) from submissions where submission_id not in "
            "(select submission_id from audit_log where submission_id is not null)"
        ).fetchone()[0]
        == 0
    )


def archived_bytes() -> int:
    return sum(p.stat().st_size for p in db.archive_dir().rglob("*") if p.is_file())


def bundle(*entries: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries:
            z.writestr(name, content)
    return out.getvalue()


def patch_entry(data: bytes, name: str, *, flag: int = 0, method: int | None = None, damage: bool = False) -> bytes:
    """A zip with one entry's headers (local and central) changed, or its compressed bytes damaged: what
    an encrypting zipper (flag 1), a deflate64 one (method 9) or a broken download leaves."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(name)
    local = info.header_offset
    central = data.index(b"PK\x01\x02")  # the central directory: its record of this entry
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 1)
    for at, flag_at, method_at in ((local, 6, 8), (central, 8, 10)):
        if flag:
            out[at + flag_at] |= flag
        if method is not None:
            out[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
    if damage:
        start = local + 30 + int.from_bytes(data[local + 26 : local + 28], "little")
        start += int.from_bytes(data[local + 28 : local + 30], "little")
        for k in range(start + 50, start + 250):
            out[k] ^= 0x5A
    return bytes(out)


@dataclass(frozen=True)
class Upload:
    name: str
    rules: tuple[str, ...]  # the refused entries' last rule, in order (the first entry is a good return, loaded)
    message: str | None = None  # the first refused entry's last message


UPLOADS: tuple[Upload, ...] = (
    Upload("same_file_twice", ("batch_duplicate",)),
    Upload("entry_encrypted", ("file_unreadable",),
           "Tệp «mat-khau.xlsx» trong tệp nén «dot-gui.zip» được đặt mật khẩu, không giải nén được (RuntimeError). "
           "Nén lại các báo cáo bằng chức năng nén thông thường, không đặt mật khẩu, rồi tải lên; hoặc tải riêng tệp "
           "này lên."),
    Upload("entry_damaged", ("file_unreadable",)),
    Upload("entry_deflate64", ("file_unreadable",),
           "Tệp «deflate64.xlsx» trong tệp nén «dot-gui.zip» nén bằng kiểu nén không hỗ trợ, không giải nén được "
           "(NotImplementedError). Nén lại các báo cáo bằng chức năng nén thông thường, không đặt mật khẩu, rồi tải "
           "lên; hoặc tải riêng tệp này lên."),
    Upload("entries_not_excel_19x10mib", ("file_not_excel",) * 19,
           "Tệp «rac-0.xlsx» không phải là tệp Excel. Dùng mẫu báo cáo .xlsx do Ban Tổ chức phát hành."),
    Upload("entry_bomb", ("zip_bomb",),
           "Tệp «bom.xlsx» trong tệp nén giải nén ra quá lớn, không phải một báo cáo bình thường (báo cáo chỉ vài "
           "chục KB). Gửi lại đúng tệp báo cáo đã lưu bằng Excel."),
    Upload("past_the_upload_budget", ("zip_bomb", "zip_bomb"),
           "Tệp «sau-1.xlsx» không được kiểm tra: các tệp trong tệp nén «dot-gui.zip» giải nén ra hơn 0 MB. Tải tệp "
           "này lên trong một lần khác, hoặc chia nhỏ tệp nén."),
)  # fmt: skip


def build_upload(kind: str, good: bytes, monkeypatch) -> bytes:
    """A zip bundle whose first entry is a good return and whose others are of the kind named."""
    if kind == "same_file_twice":
        return bundle(("xa/tot.xlsx", good), ("ban-sao/tot.xlsx", good))
    if kind in ("entry_encrypted", "entry_damaged", "entry_deflate64"):
        name = {"entry_encrypted": "mat-khau.xlsx", "entry_damaged": "hong.xlsx", "entry_deflate64": "deflate64.xlsx"}[
            kind
        ]
        data = bundle(("tot.xlsx", good), (name, good))
        change = {"entry_encrypted": {"flag": 1}, "entry_damaged": {"damage": True}, "entry_deflate64": {"method": 9}}
        return patch_entry(data, name, **change[kind])
    if kind == "entries_not_excel_19x10mib":
        zeros = b"\0" * (10 * 1024 * 1024)
        return bundle(("tot.xlsx", good), *((f"rac-{i}.xlsx", zeros[:-1] + bytes([i])) for i in range(19)))
    if kind == "entry_bomb":
        return bundle(("tot.xlsx", good), ("bom.xlsx", b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024)))
    if kind == "past_the_upload_budget":
        from ingest import uploads

        monkeypatch.setattr(uploads, "MAX_TOTAL_BYTES", len(good) + 10)
        return bundle(("tot.xlsx", good), ("sau-1.xlsx", good + b"1"), ("sau-2.xlsx", good + b"2"))
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", UPLOADS, ids=lambda k: k.name)
def test_bad_upload(store, good, kind, monkeypatch):
    """Each hostile zip entry ends rejected with a message, archived as far as it is kept; the good return
    in the same upload loads; the archive grows by a bounded amount however large the entries inflate."""
    from ingest.uploads import expand

    data = build_upload(kind.name, good, monkeypatch)
    files = expand("dot-gui.zip", data)
    outcomes = load_files(store, files, archive=db.archive_dir(), today=TODAY)
    assert outcomes[0].action == "loaded"
    refused = outcomes[1:]
    assert [(o.action, o.result.findings[-1].rule) for o in refused] == [("rejected", r) for r in kind.rules]
    if kind.message:
        assert refused[0].result.findings[-1].message == kind.message
    assert archived_bytes() <= len(good) + max(len(data), 64 * 1024) + 19 * 4096  # never what the entries inflate to
    store_is_consistent(store)


def test_zip_of_19_non_excel_entries_archives_kilobytes(store, good):
    """The issue's case: a 192 KiB zip of 19 x 10 MiB entries that are no workbooks wrote 191 MB to the archive."""
    from ingest.uploads import KEEP_NOT_WORKBOOK, expand

    zeros = b"\0" * (10 * 1024 * 1024)
    data = bundle(*((f"{i}.xlsx", zeros[:-1] + bytes([i])) for i in range(19)))
    assert len(data) < 250 * 1024
    outcomes = load_files(store, expand("rac.zip", data), archive=db.archive_dir(), today=TODAY)
    assert {o.action for o in outcomes} == {"rejected"}
    assert archived_bytes() <= 19 * KEEP_NOT_WORKBOOK


def test_a_bundle_that_cannot_be_opened_says_so():
    from ingest.uploads import UploadError, expand

    with pytest.raises(UploadError, match="bị hỏng"):
        expand("hong.zip", b"PK\x03\x04" + b"\0" * 100)
    # A name flagged UTF-8 that is not: zipfile raises UnicodeDecodeError while reading the directory.
    data = bundle(("a.xlsx", b"x"))
    bad_name = data.replace(b"a.xlsx", b"\xff.xlsx")
    bad_name = bytearray(bad_name)
    at = bad_name.index(b"PK\x01\x02")
    bad_name[at + 9] |= 0x08  # general purpose flag bit 11: the name is UTF-8
    with pytest.raises(UploadError, match="bị hỏng"):
        expand("ten-hong.zip", bytes(bad_name))


def test_one_bad_number_never_costs_the_batch(store, good, make_return):
    """The issue's first case: 1e308 in Kiểm tra, giám sát!D4 stopped `load` and the good file was lost."""
    bad = rezip(good, replace=inspect_org(' t="n"><v>1e308</v>'))
    other = make_return(payload("2026-Q3")).read_bytes()
    outcomes = load_files(
        store, [Incoming("bad.xlsx", bad), Incoming("good.xlsx", other)], archive=db.archive_dir(), today=TODAY
    )
    assert [o.action for o in outcomes] == ["rejected", "loaded"]
    store_is_consistent(store)


@pytest.mark.parametrize("stage", ["read", "check", "store"])
def test_any_exception_in_one_file_becomes_its_finding(store, good, make_return, monkeypatch, stage):
    """Whatever raises while reading, checking or storing one file (simulated here: a bug we do not know of
    yet) becomes a finding on that file, its original archived; the others in the batch load."""
    from ingest import load as load_module
    from ingest import validate

    victim = make_return(payload("2025-Q1"), name="nan-nhan.xlsx").read_bytes()
    others = [good, make_return(payload("2025-Q3")).read_bytes()]  # periods that do not follow one another
    if stage == "read":
        real = load_module.read_return

        def read_return(data, name):
            if name == "nan-nhan.xlsx":
                raise MemoryError("simulated")
            return real(data, name)

        monkeypatch.setattr(load_module, "read_return", read_return)
    elif stage == "check":
        real_rules = validate._Checker._rules

        def rules(self):
            if self.raw.file_name == "nan-nhan.xlsx":
                raise ZeroDivisionError("simulated")
            return real_rules(self)

        monkeypatch.setattr(validate._Checker, "_rules", rules)
    else:
        real_insert = load_module._insert_values

        def insert_values(con, rows):
            if any(result.file_name == "nan-nhan.xlsx" for _, result in rows):
                raise OverflowError("simulated")
            return real_insert(con, rows)

        monkeypatch.setattr(load_module, "_insert_values", insert_values)
    files = [Incoming("a.xlsx", others[0]), Incoming("nan-nhan.xlsx", victim), Incoming("b.xlsx", others[1])]
    outcomes = load_files(store, files, archive=db.archive_dir(), today=TODAY)
    assert [o.action for o in outcomes] == ["loaded", "rejected", "loaded"]
    kind = {"read": "MemoryError", "check": "ZeroDivisionError", "store": "OverflowError"}[stage]
    assert outcomes[1].result.findings[-1].message == (
        f"Không đọc được tệp «nan-nhan.xlsx» ({kind}). Mở tệp bằng Excel, lưu lại dạng .xlsx rồi gửi lại."
    )
    assert store.execute("select count(*) from archive").fetchone()[0] == 3
    store_is_consistent(store)


def test_marking_up_never_raises(store, good):
    """NaN and INF cells (openpyxl cannot read them), a control character in a text cell (lxml cannot write
    it), and bytes that are no workbook at all: the clerk still gets a workbook listing every finding."""
    from openpyxl import load_workbook

    from ingest.annotate import SHEET, annotate

    ctx = CheckContext.from_db(store, TODAY)
    cases = {
        "nan": rezip(good, replace=set_cell("Chi bộ", "J5", '<c r="J5" t="n"><v>NaN</v></c>')),
        "inf": rezip(good, replace=inspect_org(' t="n"><v>INF</v>')),
        "control": rezip(good, replace=inspect_org(' t="inlineStr"><is><t>_x0001_=1</t></is>')),
        "control_in_a_label": rezip(
            good, replace=set_cell("Kiểm tra, giám sát", "B4", '<c r="B4" t="inlineStr"><is><t>a_x0002_b</t></is></c>')
        ),
    }
    for name, data in cases.items():
        (result,) = check_files(ctx, [Incoming(f"{name}.xlsx", data)])
        # A label is no input: the file is accepted, but another finding may still send it back.
        findings = result.findings or [error_finding("members_balance", "…", "Kiểm tra, giám sát", "D4")]
        book = load_workbook(io.BytesIO(annotate(data, findings, openable=result.openable)))
        assert book.sheetnames[0] == SHEET and len(book.sheetnames) > 1, name  # their own workbook, marked
        assert book[findings[0].sheet][findings[0].cell].comment is not None, name
    for data in (b"garbage", good[:1000], b"PK\x03\x04" + b"\0" * 100):
        findings = [error_finding("file_unreadable", "Tệp \x01 hỏng")]
        book = load_workbook(io.BytesIO(annotate(data, findings, openable=True)))
        assert book.sheetnames == [SHEET]
        assert book[SHEET]["E2"].value == "Tệp  hỏng"


def error_finding(rule: str, message: str, sheet: str | None = None, cell: str | None = None):
    from ingest.findings import error

    return error(rule, message, sheet, cell)


def test_check_and_load_cli_on_hostile_numbers(store, good, make_return, tmp_path, capsys):
    """Through the command line: `check --json --annotate` prints strict JSON (no NaN) and marks each file up;
    `load` stores the good file of the batch and rejects the others."""
    import json

    from ingest.cli import main

    files = {
        "count_1e308.xlsx": rezip(good, replace=inspect_org(' t="n"><v>1e308</v>')),
        "count_9e27.xlsx": rezip(good, replace=inspect_org(' t="n"><v>9e27</v>')),
        "nan.xlsx": rezip(good, replace=set_cell("Chi bộ", "J5", '<c r="J5" t="n"><v>NaN</v></c>')),
        "inf.xlsx": rezip(good, replace=inspect_org(' t="n"><v>INF</v>')),
        "div0.xlsx": rezip(good, replace=inspect_org(' t="e"><v>#DIV/0!</v>')),
        "control.xlsx": rezip(good, replace=inspect_org(' t="inlineStr"><is><t>_x0001_=1</t></is>')),
        "many_sheets.xlsx": many_sheets_one_part(good, 1000),
        "tot.xlsx": make_return(payload("2026-Q3")).read_bytes(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    paths = [str(tmp_path / n) for n in files]
    out = tmp_path / "danh-dau"
    assert main(["check", *paths, "--json", "--annotate", str(out), "--today", TODAY.isoformat()]) == 1

    def no_constants(name):
        raise AssertionError(f"not JSON: {name}")

    printed = json.loads(capsys.readouterr().out, parse_constant=no_constants)
    assert [r["status"] for r in printed] == ["rejected"] * 7 + ["accepted"]
    assert [r["findings"][0]["rule"] for r in printed[:7]] == [
        "out_of_range", "out_of_range", "not_a_number", "not_a_number", "cell_error", "not_a_number", "zip_bomb"
    ]  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n[:-5]}_loi-can-sua.xlsx" for n in list(files)[:7])
    assert main(["load", *paths, "--json", "--today", TODAY.isoformat()]) == 1
    loaded = json.loads(capsys.readouterr().out, parse_constant=no_constants)
    assert [r["action"] for r in loaded] == ["rejected"] * 7 + ["loaded"]
    store_is_consistent(store)


def test_a_crafted_workbook_is_checked_in_bounded_time(store, good):
    """1,000 <sheet> entries pointing at one formula-heavy part ran for minutes (the part parsed once per
    entry); now the sheets are counted, and under the cap each part is parsed once."""
    import time

    from ingest.container import inspect

    ctx = CheckContext.from_db(store, TODAY)
    for count, status in ((1000, "rejected"), (90, "accepted")):
        data = many_sheets_one_part(good, count)
        started = time.perf_counter()
        (result,) = check_files(ctx, [Incoming("nhieu-trang.xlsx", data)])
        assert time.perf_counter() - started < 3, count
        assert result.status in (status, "warnings"), (count, result.findings)
    box = inspect(many_sheets_one_part(good, 90), "x.xlsx")
    assert len(box.formulas) == 90 and not box.markup_ok  # 90 sheets that openpyxl would each parse: listed only


def test_the_readme_table_lists_every_kind():
    """README's table of bad input is this corpus: every kind is named there."""
    readme = (db.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### The kinds of bad input covered", 1)[1].split("\n## ", 1)[0]
    missing = [k.name for k in CORPUS if f"`{k.name}`" not in table]
    missing += [u.name for u in UPLOADS if f"`{u.name}`" not in table]
    missing += [name for name in ELSEWHERE if f"| {name} |" not in table]
    assert not missing, f"add these kinds to the README table: {missing}"
