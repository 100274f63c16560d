"""The corpus of bad workbooks: each kind generated here, with its expected outcome and message.

Kinds covered by the rule tests (test_rules.py) are listed again in CORPUS so that the
whole corpus reads in one table; the file-level kinds (bombs, macros, links, formulas,
merged and hidden cells, other files renamed) are built by editing a good return's zip.
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
    return {"Thông tin": "xl/worksheets/sheet2.xml", "Đảng viên": "xl/worksheets/sheet3.xml"}[name]


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
)  # fmt: skip

# Kinds whose files come from test_rules.py and test_roundtrip.py (the same checks, one table here).
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
}


def test_the_corpus_has_at_least_forty_kinds():
    assert len(CORPUS) + len(ELSEWHERE) + 1 >= 40  # +1: the same unit and period twice in a batch, below


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
