"""Smaller points of issue 22: what a waiting account is told, which peer is the local proxy, workbooks
the checks cannot look into (.ods, .xlsb), and last period's template with only its code changed."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta
from types import SimpleNamespace
from xml.sax.saxutils import escape, quoteattr

import pytest
from python_calamine import CalamineWorkbook

from access import users
from ingest.layout import INFO_SHEET
from ingest.load import Incoming, load_files
from reporting import db
from reporting.settings import Settings
from reporting.units import UnitTree
from tests.conftest import TODAY, payload

NOW = datetime(2026, 11, 23, 9, 0)
PASSWORD = "mot-mat-khau-dai"
LIMITS = Settings(sign_in_max_failures=5, sign_in_wait_minutes=15)


@pytest.fixture
def clerk(store):
    return users.add_user(store, UnitTree.from_db(store), "can.bo", role="clerk", unit_code="X1", password=PASSWORD)


@pytest.mark.parametrize("kind", ["store", "memory"])
def test_an_account_that_never_failed_is_not_told_it_failed(store, clerk, kind):
    """An address that failed for many accounts waits; the account signing in from it never failed,
    and the refusal says the address is waiting, not that the account failed five times."""
    attempts = users.StoreAttempts(store) if kind == "store" else users.MemoryAttempts()
    for i in range(4 * 5):
        with pytest.raises(users.SignInError, match="không đúng"):
            users.authenticate(store, attempts, f"ten{i}", "sai", source="10.0.0.9", now=NOW, settings=LIMITS)
    with pytest.raises(users.SignInError) as caught:
        users.authenticate(store, attempts, "can.bo", PASSWORD, source="10.0.0.9", now=NOW, settings=LIMITS)
    message = str(caught.value)
    assert "10.0.0.9" in message and "thử lại sau 15 phút" in message
    assert "Tài khoản này" not in message and "5 lần" not in message
    # From elsewhere the account signs in: it never failed.
    assert users.authenticate(store, attempts, "can.bo", PASSWORD, source="10.0.0.10", now=NOW, settings=LIMITS)


def test_an_account_that_failed_is_told_how_often(store, clerk):
    attempts = users.MemoryAttempts()
    for i in range(6):
        with pytest.raises(users.SignInError, match="không đúng" if i < 5 else "sai 5 lần trong 15 phút qua"):
            users.authenticate(store, attempts, "can.bo", "sai", now=NOW + timedelta(seconds=i), settings=LIMITS)
    # Trying again while waiting is one more failure, and the count says so.
    with pytest.raises(users.SignInError, match="Tài khoản này đã đăng nhập sai 6 lần trong 15 phút qua"):
        users.authenticate(store, attempts, "can.bo", PASSWORD, now=NOW + timedelta(seconds=10), settings=LIMITS)


@pytest.mark.parametrize(
    ("peer", "forwarded", "counted"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        ("::1", "203.0.113.7", "203.0.113.7"),
        ("::ffff:127.0.0.1", "203.0.113.7", "203.0.113.7"),  # nginx to a dual-stack socket
        ("::ffff:127.0.0.2", "203.0.113.7", "203.0.113.7"),
        ("::ffff:127.0.0.1", " ::ffff:203.0.113.7 ", "203.0.113.7"),  # one client, one address
        ("::ffff:127.0.0.1", None, "127.0.0.1"),
        ("10.0.0.5", "203.0.113.7", "10.0.0.5"),  # not the local proxy: its header is not believed
        ("::ffff:10.0.0.5", "127.0.0.1", "10.0.0.5"),
        ("2001:db8::5", "203.0.113.7", "2001:db8::5"),
        ("không-phải-địa-chỉ", "203.0.113.7", "không-phải-địa-chỉ"),
        (None, "203.0.113.7", None),  # no client (AppTest)
    ],
)
def test_x_real_ip_is_believed_from_the_local_proxy_only(peer, forwarded, counted):
    from ui import auth

    assert auth.client_address(peer, forwarded) == counted


def test_the_sign_in_form_reads_the_address_through_the_same_rule(monkeypatch):
    from ui import auth

    context = SimpleNamespace(ip_address="::ffff:127.0.0.1", headers={"X-Real-Ip": "203.0.113.7"})
    monkeypatch.setattr(auth, "st", SimpleNamespace(context=context))
    assert auth._source() == "203.0.113.7"


# --- workbooks the checks cannot look into, and a template of another period -----------------

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"'
)

MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def as_ods(xlsx: bytes, formula: tuple[str, int, int] | None = None) -> bytes:
    """The same return saved as OpenDocument (as LibreOffice would), optionally with one figure a formula."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx))
    tables = []
    for name in book.sheet_names:
        rows = []
        for r, row in enumerate(book.get_sheet_by_name(name).to_python(skip_empty_area=False)):
            cells = []
            for c, value in enumerate(row):
                if value in ("", None):
                    cells.append("<table:table-cell/>")
                elif isinstance(value, (int, float)):
                    calc = f' table:formula="of:=0+{value}"' if formula == (name, r, c) else ""
                    cells.append(
                        f'<table:table-cell{calc} office:value-type="float" office:value="{value}">'
                        f"<text:p>{value}</text:p></table:table-cell>"
                    )
                else:
                    cells.append(
                        f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p>'
                        "</table:table-cell>"
                    )
            rows.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
        tables.append(f"<table:table table:name={quoteattr(name)}>{''.join(rows)}</table:table>")
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NS} office:version="1.2">'
        f"<office:body><office:spreadsheet>{''.join(tables)}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bundle:
        bundle.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        bundle.writestr("META-INF/manifest.xml", MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        bundle.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def xlsb_like() -> bytes:
    """The parts of an .xlsb (no writer of the format is at hand: the parts' names are what is looked at)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("[Content_Types].xml", "<Types/>")
        bundle.writestr("_rels/.rels", "<Relationships/>")
        bundle.writestr("xl/workbook.bin", b"\x83\x01\x00")
        bundle.writestr("xl/_rels/workbook.bin.rels", "<Relationships/>")
        bundle.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00")
    return out.getvalue()


def _cli_check(path, capsys) -> tuple[int, list[dict]]:
    from ingest.cli import main

    capsys.readouterr()
    code = main(["check", str(path), "--json", "--today", TODAY.isoformat()])
    return code, json.loads(capsys.readouterr().out)


def test_an_ods_return_is_refused_not_accepted_unchecked(store, make_return, tmp_path, capsys):
    xlsx = make_return(payload("2026-Q2")).read_bytes()
    # Read as it is, the OpenDocument copy is the whole return, its formula unseen: refused, with what to do.
    ods = tmp_path / "bao-cao.ods"
    ods.write_bytes(as_ods(xlsx, formula=("Đảng viên", 5, 3)))
    assert "Thông tin" in CalamineWorkbook.from_filelike(io.BytesIO(ods.read_bytes())).sheet_names
    code, (result,) = _cli_check(ods, capsys)
    assert code == 1 and [f["rule"] for f in result["findings"]] == ["format_unsupported"]
    assert (
        "OpenDocument (.ods" in result["findings"][0]["message"]
        and "Excel Workbook (*.xlsx)" in (result["findings"][0]["message"])
    )
    # Renamed .xlsx, it is the same: the bytes decide. Loaded, it is archived and recorded as rejected.
    renamed = tmp_path / "bao-cao.xlsx"
    renamed.write_bytes(ods.read_bytes())
    (outcome,) = load_files(store, [Incoming.from_path(renamed)], archive=tmp_path / "archive", today=TODAY)
    assert outcome.action == "rejected" and [f.rule for f in outcome.result.findings] == ["format_unsupported"]
    assert store.execute("select count(*) from archive").fetchone()[0] == 1


def test_an_xlsb_return_is_refused_not_accepted_unchecked(store, tmp_path, capsys):
    path = tmp_path / "bao-cao.xlsb"
    path.write_bytes(xlsb_like())
    code, (result,) = _cli_check(path, capsys)
    assert code == 1 and [f["rule"] for f in result["findings"]] == ["format_unsupported"]
    assert "Excel nhị phân (.xlsb)" in result["findings"][0]["message"]


def _relabelled(book, period_code: str) -> None:
    book[INFO_SHEET]["C6"] = period_code  # only the code: the label beside it (C7) still says the old quarter


def test_last_years_template_with_only_the_code_changed_is_refused(store, make_return, tmp_path, capsys):
    path = make_return(payload("2025-Q2"), edit=lambda book: _relabelled(book, "2026-Q2"))
    code, (result,) = _cli_check(path, capsys)
    assert code == 1 and result["period"] == "2026-Q2"
    found = [f for f in result["findings"] if f["rule"] == "period_label_mismatch"]
    assert [(f["severity"], f["sheet"], f["cell"]) for f in found] == [("error", INFO_SHEET, "C7")]
    assert "Mã kỳ báo cáo là 2026-Q2 (Quý II/2026) nhưng mẫu ghi kỳ «Quý II/2025»" in found[0]["message"]
    assert "Tải mẫu Quý II/2026 của đơn vị" in found[0]["message"]


@pytest.mark.parametrize("label", ["Quý II/2026", "quý 2 năm 2026", "QUÝ II - 2026", "Năm 2026", "Báo cáo quý", None])
def test_a_label_that_agrees_or_names_no_period_is_not_judged(store, make_return, label):
    def retyped(book):
        book[INFO_SHEET]["C7"] = label

    path = make_return(payload("2026-Q2"), edit=retyped)
    (outcome,) = load_files(store, [Incoming.from_path(path)], archive=db.archive_dir(), today=TODAY)
    assert outcome.action == "loaded", [f.message for f in outcome.result.findings]


def test_a_label_naming_another_month_is_refused(store, make_return):
    monthly = payload("2026-04")
    path = make_return(monthly, edit=lambda book: book[INFO_SHEET].__setitem__("C7", "Tháng 3/2026"))
    (outcome,) = load_files(store, [Incoming.from_path(path)], archive=db.archive_dir(), today=TODAY)
    assert outcome.action == "rejected"
    assert "period_label_mismatch" in [f.rule for f in outcome.result.findings]


def test_through_the_upload_page_an_old_template_is_refused(demo_copy):
    """A Kim Bảng clerk sends last year's Q3 template with only the code changed to 2026-Q3."""
    from io import BytesIO

    from openpyxl import load_workbook

    from ingest.template import template_bytes
    from reporting.periods import parse_return_period
    from tests.test_app import open_app

    con = db.connect(demo_copy)
    tree = UnitTree.from_db(con)
    old = parse_return_period("2025-Q3")
    book = load_workbook(BytesIO(template_bytes(tree.get("X07"), old, tree.branches_of("X07", old.start, old.end), 12)))
    _relabelled(book, "2026-Q3")
    out = BytesIO()
    book.save(out)
    versions = con.execute("select count(*) from submissions where unit_code = 'X07'").fetchone()[0]
    at = open_app({}, user="xa07")
    at.switch_page("pages/submissions.py").run()
    at.file_uploader[0].upload("bao-cao_X07_2026-Q3.xlsx", out.getvalue()).run()
    next(b for b in at.button if b.label == "Kiểm tra và nạp").click().run()
    assert not at.exception, at.exception
    (expander,) = [e for e in at.expander if e.label.startswith("bao-cao_X07_2026-Q3.xlsx")]
    assert expander.label.endswith("bị từ chối")
    assert any("nhưng mẫu ghi kỳ «Quý III/2025»" in e.value for e in expander.error)
    # Recorded as a rejected version of X07 (its own return, refused): the accepted one stays current.
    assert con.execute("select count(*) from submissions where unit_code = 'X07'").fetchone()[0] == versions + 1
    assert (
        con.execute(
            "select count(*) from current_submissions where unit_code = 'X07' and period = '2026-Q3'"
        ).fetchone()[0]
        == 1
    )


def test_an_ods_or_xlsb_uploaded_directly_is_one_file_refused_and_kept(store, make_return):
    """Uploaded as is (even named .xlsx), an .ods or .xlsb is one workbook to check, not a bundle: it is
    refused with "save as .xlsx" and archived, never lost as "no Excel file in the archive"."""
    from ingest.uploads import expand

    xlsx = make_return(payload()).read_bytes()
    for data in (as_ods(xlsx), xlsb_like()):
        (incoming,) = expand("bao-cao.xlsx", data)
        assert incoming.data == data


def test_a_megabyte_of_text_in_a_count_is_named_for_what_it_is(store, make_return, capsys):
    """1 MB of repeated text in a count is "not a number" (quoted short), not a "zip bomb", and the
    message does not carry the megabyte."""

    def edit(book):
        book["Kiểm tra, giám sát"]["D4"] = "mười " * 200_000

    code, (result,) = _cli_check(make_return(payload(), edit=edit), capsys)
    assert code == 1 and [f["rule"] for f in result["findings"]] == ["not_a_number"]
    message = result["findings"][0]["message"]
    assert message.startswith("Trang «Kiểm tra, giám sát», ô D4: «mười mười") and len(message) < 400
