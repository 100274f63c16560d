"""Nothing we write is a formula or markup we did not mean (issue 22, item 4).

Workbooks: every string goes through ``ingest.excel_safe.put`` (control characters dropped first,
then text beginning with = + - @ tab CR kept as a quote-prefixed string cell), through the CLI
(template, registry-export, briefing) and the functions behind the pages' downloads (dashboard
tables, the audit log, the appendix). The .docx: ``printable``. Pages: every string from data or the
URL goes through ``ui.text.plain`` before a Markdown-rendering element (AppTest).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import date
from types import SimpleNamespace

import docx
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from briefing.appendix import Column, build_appendix, table_workbook
from briefing.figures import gather
from briefing.report import build_report
from ingest.cli import main
from ingest.excel_safe import control_characters, looks_like_formula, printable, put
from ingest.load import Incoming, load_files
from reporting import db, queries
from reporting.periods import parse
from reporting.units import UnitTree
from tests.conftest import TODAY, payload
from ui.text import JOINER, plain

FORMULA_LIKE = [
    "\x01=1+2",  # the control character was dropped after the "=" test: a live formula
    '=HYPERLINK("http://x","bấm")',
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\x00=1",
    "\x7f=1",
    "\x85=1",  # C1 (NEL)
    "\x9b=1",  # C1 (CSI)
    '\x1b=cmd|" /C calc"!A0',
]
NFD = unicodedata.normalize("NFD", "Đảng ủy xã Kim Bảng")
MARKDOWN_NAME = "![px](http://x.vn/p.png) [bấm vào đây](http://x.vn/dang-nhap)"


def formulas(data: bytes) -> list[str]:
    """Every formula in a workbook: cells openpyxl reads as formulas and <f> elements in the XML."""
    found = []
    book = load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        found += [f"{ws.title}!{c.coordinate}" for row in ws.iter_rows() for c in row if c.data_type == "f"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and re.search(rb"<f[ >]", z.read(name)):
                found.append(name)
    return found


def texts(data: bytes) -> dict[str, object]:
    """Text cells by value (the last cell holding each), to look at how a string was written."""
    book = load_workbook(io.BytesIO(data))
    return {c.value: c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


# --- the safe-cell function ---------------------------------------------------------------


def test_printable_drops_control_characters_and_nothing_else():
    assert printable("\x01=1+2") == "=1+2"
    assert printable("a\tb\nc\rd") == "a\tb\nc\rd"  # white space stays
    assert printable("a\x00\x08\x0b\x0c\x0e\x1f\x7f\x80\x85\x9fb") == "ab"
    assert printable("x\ud800\ufffe\uffffy") == "xy"  # what XML 1.0 cannot hold at all
    assert printable(NFD) == NFD  # NFD stays NFD (not normalised)
    assert printable(MARKDOWN_NAME) == MARKDOWN_NAME
    assert control_characters("\x01a\x9b\x01") == ["U+0001", "U+009B"]
    assert control_characters("a\tb") == []
    assert all(looks_like_formula(v) for v in FORMULA_LIKE)
    assert not any(looks_like_formula(v) for v in (" =1", "Chi bộ (cũ)", NFD, "1=1", ""))


def test_put_keeps_formula_like_text_as_text():
    book = Workbook()
    ws = book.active
    values = [*FORMULA_LIKE, NFD, " =1", "Chi bộ – 1", 12, -3.5, date(2026, 7, 1), None]
    for row, value in enumerate(values, start=1):
        put(ws.cell(row=row, column=1), value)
    out = io.BytesIO()
    book.save(out)  # no IllegalCharacterError
    data = out.getvalue()
    assert formulas(data) == []
    back = load_workbook(io.BytesIO(data)).active
    for row, value in enumerate(values, start=1):
        cell = back.cell(row=row, column=1)
        if isinstance(value, str):
            assert cell.value == printable(value) and cell.data_type == "s", value
            # the escape: Excel's leading apostrophe, stored as quotePrefix (the text itself unchanged)
            assert cell.quotePrefix == looks_like_formula(value), value
        elif isinstance(value, date):
            assert cell.value.date() == value
        else:
            assert cell.value == value
    assert back.cell(row=2, column=1).value == '=HYPERLINK("http://x","bấm")'
    assert back.cell(row=len(FORMULA_LIKE) + 1, column=1).value == NFD  # unchanged, byte for byte


# --- plain text on the pages ---------------------------------------------------------------

J = JOINER


@pytest.mark.parametrize(
    ("raw", "markdown"),
    [
        ("Đảng ủy xã Kim Bảng", "Đảng ủy xã Kim Bảng"),
        ("bao-cao_X07_2026-Q3.xlsx", "bao-cao_X07_2026-Q3.xlsx"),  # "_" inside a word is no emphasis
        ("Chi bộ (cũ) – 1", "Chi bộ (cũ) – 1"),
        (NFD, NFD),
        ("![px](http://x.vn/p.png)", f"!\\[px\\](http:{J}//x.vn/p.png)"),
        ("[Hết hạn, bấm vào đây](http://x.vn)", f"\\[Hết hạn, bấm vào đây\\](http:{J}//x.vn)"),
        ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"),
        ("*a* _b_ `c` ~d~ $x$ a|b &amp;", "\\*a\\* \\_b\\_ \\`c\\` \\~d\\~ \\$x\\$ a\\|b \\&amp;"),
        ("# Tiêu đề", "\\# Tiêu đề"),
        ("- mục", "\\- mục"),
        ("+ mục", "\\+ mục"),
        ("=====", "\\====="),
        ("1. mục", "1\\. mục"),
        ("2026) mục", "2026\\) mục"),
        ("> trích", "\\> trích"),
        ("www.x.vn", f"www{J}.x.vn"),
        ("a@x.vn", f"a@{J}x.vn"),
        (
            ":material/warning: :red[đỏ] :smile: :streamlit:",
            f":{J}material/warning: :{J}red\\[đỏ\\] :{J}smile: :{J}streamlit:",
        ),
        ("a -> b -- c >= d", f"a -{J}\\> b -{J}- c \\>{J}= d"),
        ("\x01=1+2", "\\=1+2"),
        ("    mã", "mã"),  # four spaces would be a code block
        ("dòng 1\n# dòng 2", "dòng 1  \n\\# dòng 2"),
        ("a\\b", "a\\\\b"),
    ],
)
def test_plain(raw, markdown):
    assert plain(raw) == markdown


def shown(markdown: str) -> str:
    """What Markdown shows for ``plain``'s output: escapes resolved, joiners invisible, breaks as lines."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(J, "").replace("  \n", "\n")


@pytest.mark.parametrize(
    "raw",
    [MARKDOWN_NAME, "**x** <b>y</b> `z` [a]: http://x.vn", "1) a\n2) b\n---\n| a |\n|---|", NFD, "x\\*y", "a@b.vn"],
)
def test_plain_shows_the_text_and_nothing_active(raw):
    markdown = plain(raw)
    assert shown(markdown) == "\n".join(line.lstrip() for line in raw.split("\n"))
    assert not re.search(r"(?<!\\)[\[\]<>`*~&$|]", markdown.replace("\\\\", ""))
    assert "http://" not in markdown and "www." not in markdown and not re.search(r"[:@]\w", markdown)


# --- workbooks we write, through the command line ---------------------------------------------

HOSTILE_REGISTRY = """code,name,org_type,parent_code,active_from,active_to
X1-B7,"=HYPERLINK(""http://x"",""bấm"")",affiliated_branch,X1,2020-01-01,
X1-B8,![px](http://x.vn/p.png),affiliated_branch,X1,2020-01-01,
X1-B9,@SUM(A1),affiliated_branch,X1,2020-01-01,
X1-B10,-Chi bộ 10,affiliated_branch,X1,2020-01-01,
"""


def test_registry_refuses_control_characters_in_names_and_codes(store, tmp_path, capsys):
    (tmp_path / "bad.csv").write_text(
        "code,name,org_type,parent_code,active_from,active_to\n"
        "X1-B7,Chi bộ \x01=1+2,affiliated_branch,X1,2020-01-01,\n"
        "X1-B8\x0b,Chi bộ 8,affiliated_branch,X1,2020-01-01,\n"
        "X1-B9,Chi bộ \x85 9,affiliated_branch,X1,2020-01-01,\n",
        encoding="utf-8",
    )
    assert main(["registry", str(tmp_path / "bad.csv")]) == 1
    err = capsys.readouterr()
    said = err.out + err.err
    assert "Dòng 2: tên đơn vị «X1-B7» (cột name) có ký tự điều khiển không in được (U+0001)" in said
    assert "Dòng 3: mã đơn vị «X1-B8» (cột code) có ký tự điều khiển không in được (U+000B)" in said
    assert "Dòng 4: tên đơn vị «X1-B9» (cột name) có ký tự điều khiển không in được (U+0085)" in said
    assert store.execute("select count(*) from units where code like 'X1-B7%'").fetchone()[0] == 0  # all or nothing


def test_formula_and_markdown_looking_names_are_legal_and_written_as_text(store, tmp_path):
    (tmp_path / "names.csv").write_text(HOSTILE_REGISTRY, encoding="utf-8")
    assert main(["registry", str(tmp_path / "names.csv")]) == 0
    names = dict(store.execute("select code, name from units where code like 'X1-B%'").fetchall())
    assert names["X1-B8"] == "![px](http://x.vn/p.png)"  # a legal name, shown as text on the pages

    assert main(["template", "--unit", "X1", "--period", "2026-Q3", "--out", str(tmp_path / "t.xlsx")]) == 0
    data = (tmp_path / "t.xlsx").read_bytes()
    assert formulas(data) == []
    cells = texts(data)
    for code in ("X1-B7", "X1-B8", "X1-B9", "X1-B10"):
        assert cells[names[code]].quotePrefix == looks_like_formula(names[code])

    assert main(["registry-export", str(tmp_path / "danh-muc.xlsx")]) == 0
    data = (tmp_path / "danh-muc.xlsx").read_bytes()
    assert formulas(data) == []
    cells = texts(data)
    assert cells['=HYPERLINK("http://x","bấm")'].quotePrefix and cells["-Chi bộ 10"].quotePrefix
    before = store.execute("select code, name from units order by code").fetchall()
    assert main(["registry", str(tmp_path / "danh-muc.xlsx")]) == 0  # loads back unchanged
    assert store.execute("select code, name from units order by code").fetchall() == before


def _stored_control_characters(store) -> None:
    """Names as a store from before the registry's check may hold them."""
    store.execute("update units set name = chr(1) || '=1+2 ' || name where code in ('X1', 'X1-B1')")
    store.execute("update units set name = '=HYPERLINK(\"http://x\",\"bấm\")' where code = 'X2'")


def test_templates_and_registry_export_with_control_characters_already_stored(store, tmp_path):
    _stored_control_characters(store)
    assert main(["template", "--unit", "X1", "--period", "2026-Q3", "--out", str(tmp_path / "t.xlsx")]) == 0
    data = (tmp_path / "t.xlsx").read_bytes()
    assert formulas(data) == []
    cells = texts(data)
    assert cells["=1+2 Chi bộ thôn 1"].quotePrefix and cells["=1+2 Đảng ủy xã An Phú"].quotePrefix
    assert main(["registry-export", str(tmp_path / "danh-muc.xlsx")]) == 0  # crashed on "\x01"
    data = (tmp_path / "danh-muc.xlsx").read_bytes()
    assert formulas(data) == []
    assert texts(data)["=1+2 Chi bộ thôn 1"].quotePrefix


def test_dashboard_download_every_row(tmp_path):
    """briefing.appendix.table_workbook, what every dashboard table downloads as: every row escaped,
    not only the first (the column's style is copied to the others)."""
    rows = pd.DataFrame({"name": [NFD, *FORMULA_LIKE], "members": range(len(FORMULA_LIKE) + 1)})
    data = table_workbook(
        "\x01=1+1", "\x01=2+2 · Quý III/2026", [Column("name", "Đơn vị", "text", None), Column("members", "=N")], rows
    )
    assert formulas(data) == []
    cells = texts(data)
    for value in ["=1+1", "=2+2 · Quý III/2026", "=N", *map(printable, FORMULA_LIKE)]:
        assert cells[value].quotePrefix and cells[value].data_type == "s", value
    assert not cells[NFD].quotePrefix


def _capture_download(monkeypatch):
    """The pages' download button, as a function: the bytes its data would give."""
    from ui import widgets

    got = {}
    stub = SimpleNamespace(dataframe=lambda *a, **k: None, download_button=lambda *a, **k: got.update(k))
    monkeypatch.setattr(widgets, "st", stub)
    return widgets, got


def test_audit_log_download_with_a_clerks_file_name(store, make_return, monkeypatch):
    """A clerk's zip entry named "\\x01=1+1.xlsx": the audit log's download holds it as text."""
    path = make_return(payload())
    load_files(store, [Incoming("\x01=1+1.xlsx", path.read_bytes())], archive=db.archive_dir(), today=TODAY)
    log = queries.run(store, "submissions/audit_log", unit="T", limit=200, whole_store=True)
    assert "\x01=1+1.xlsx" in set(log["file_name"])
    widgets, got = _capture_download(monkeypatch)
    sel = SimpleNamespace(unit=SimpleNamespace(name="\x01=Tỉnh"), label="Quý III/2026", history_label="x")
    headers = {"logged_at": "Thời gian", "actor": "Người thực hiện", "file_name": "Tệp", "detail": "Chi tiết"}
    widgets.plain_table(log, headers, "Nhật ký thao tác", sel)  # what pages/submissions.py draws
    data = got["data"]()
    assert formulas(data) == []
    assert texts(data)["=1+1.xlsx"].quotePrefix


@pytest.fixture
def hostile_store(store, make_return):
    """The small store with a return of X1 for 2026-Q2, then names as an old store may hold them."""
    load_files(store, [Incoming.from_path(make_return(payload()))], archive=db.archive_dir(), today=TODAY)
    _stored_control_characters(store)
    store.execute("update units set name = ? where code = 'X1-B2'", [MARKDOWN_NAME])
    return store


def test_appendix_and_briefing_with_control_characters_in_names(hostile_store):
    """python-docx and the charts' Chromium refuse control characters: the briefing crashed."""
    con = hostile_store
    tree = UnitTree.from_db(con)
    for unit in ("T", "X1"):
        b = gather(con, tree, unit, parse("2026-Q2"), TODAY)
        appendix = build_appendix(b)
        assert formulas(appendix) == []
        assert "=1+2 Đảng ủy xã An Phú" in texts(appendix)
        report = docx.Document(io.BytesIO(build_report(b)))
        words = "\n".join(p.text for p in report.paragraphs) + "\n".join(
            c.text for t in report.tables for row in t.rows for c in row.cells
        )
        assert "\x01" not in words
        assert ("=1+2 ĐẢNG ỦY XÃ AN PHÚ" if unit == "X1" else "=1+2 Đảng ủy xã An Phú") in words


def test_briefing_cli_with_a_control_character_name(hostile_store, tmp_path):
    from briefing.__main__ import main as briefing_main

    out = tmp_path / "bao-cao.docx"

    assert briefing_main(["--unit", "X1", "--period", "2026-Q2", "--out", str(out)]) == 0
    assert "=1+2 ĐẢNG ỦY XÃ AN PHÚ" in "\n".join(c.text for t in docx.Document(out).tables for c in t._cells)
    assert formulas((tmp_path / "bao-cao_bieu-tong-hop.xlsx").read_bytes()) == []


# --- the pages (AppTest) -----------------------------------------------------------------------

_NOT_MARKDOWN = {"Selectbox", "Multiselect", "Dataframe", "Text", "Code", "Json", "Arrow", "UnknownElement"}
_PLUMBING = {"query_string", "page", "id", "url", "icon", "page_script_hash", "form_id", "key"}


def markdown_strings(at) -> list[tuple[str, str, str]]:
    """(element, field, text) for every string an element that renders Markdown is given. Selectbox
    options, table cells and chart specs (plotly, "UnknownElement") render none and are left out."""
    out = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        kind = type(node).__name__
        if proto is not None and hasattr(proto, "ListFields") and kind not in _NOT_MARKDOWN:
            for field, value in proto.ListFields():
                values = [value] if isinstance(value, str) else []
                if not values and not isinstance(value, (bytes, str)) and hasattr(value, "__iter__"):
                    values = [v for v in value if isinstance(v, str)]
                out.extend((kind, field.name, v) for v in values if field.name not in _PLUMBING)
        children = getattr(node, "children", None)
        for child in children.values() if isinstance(children, dict) else []:
            walk(child)

    walk(at._tree)
    return out


def assert_literal(at, raw: str) -> list[tuple[str, str, str]]:
    """No Markdown-rendering element gets ``raw`` as Markdown: never the raw text, never an unescaped
    link or image, never a bare address; returns the elements holding it, escaped."""
    strings = markdown_strings(at)
    for kind, field, text in strings:
        assert raw not in text, (kind, field, text)
        assert not re.search(r"(?<!\\)[\[\]]", text), (kind, field, text)  # no link or image can open
        assert "http://" not in text and "\x01" not in text, (kind, field, text)  # nor a bare address
    return [(kind, field, text) for kind, field, text in strings if plain(raw) in text]


@pytest.fixture
def renamed_demo(demo_copy):
    """The demo store with lagging communes named like Markdown (a legal name) and Kim Bảng's name
    holding a control character (as a store from before the registry's check may)."""
    con = db.connect(demo_copy)
    con.execute("update units set name = ? where code = 'X04'", [MARKDOWN_NAME])
    con.execute("update units set name = ? where code = 'X13'", [MARKDOWN_NAME + " 13"])  # to be reminded
    con.execute("update units set name = chr(1) || '=1+2 ' || name where code = 'X07'")
    con.close()
    return demo_copy


@pytest.mark.parametrize(
    ("page", "unit", "where"),
    [
        ("pages/overview.py", "MS", {"PageLink"}),  # the lagging unit's card
        ("pages/overview.py", "X04", {"Caption", "Markdown"}),  # caption, breadcrumbs
        ("pages/unit.py", "X04", {"Title", "Markdown"}),
        ("pages/briefing.py", "X04", {"Markdown"}),
        ("pages/submissions.py", "MS", {"Markdown"}),  # who to remind
    ],
)
def test_markdown_looking_unit_name_renders_literally(renamed_demo, page, unit, where):
    from tests.test_app import open_app

    at = open_app({"unit": unit})
    at.switch_page(page).run()
    assert not at.exception, at.exception
    found = assert_literal(at, MARKDOWN_NAME)
    assert where <= {kind for kind, _, _ in found}, found
    assert not at.get("imgs")  # Streamlit draws no image of it either


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/unit.py", "pages/briefing.py", "pages/submissions.py"])
def test_control_character_in_a_stored_name_is_dropped_on_the_pages(renamed_demo, page):
    from tests.test_app import open_app

    at = open_app({"unit": "X07"}, user="xa07")
    at.switch_page(page).run()
    assert not at.exception, at.exception
    strings = markdown_strings(at)
    assert not [s for s in strings if "\x01" in s[2]]
    assert any("=1+2 Đảng ủy xã Kim Bảng" in text for _, _, text in strings)


def test_a_clerks_refusal_shows_the_url_as_text(demo_store, monkeypatch):
    from tests.test_app import open_app

    monkeypatch.setenv("RETURNS_DB", str(demo_store["path"]))
    asked = "[Phiên đăng nhập đã hết hạn, bấm vào đây để đăng nhập lại](http://x.vn/dang-nhap)"
    at = open_app({"unit": asked}, user="xa07")
    assert not at.exception, at.exception
    (error,) = at.error
    assert error.value == (
        f"Không xem được đơn vị «{plain(asked)}»: đơn vị không có hoặc nằm ngoài phạm vi tài khoản của bạn."
    )
    assert "\\[Phiên đăng nhập đã hết hạn, bấm vào đây để đăng nhập lại\\](http:\u2060//x.vn/dang-nhap)" in error.value
    assert_literal(at, asked)


def test_a_clerks_file_name_on_the_upload_page(demo_copy, demo_store):
    """A zip entry's name like "\\x01=1+1 [bấm](http://…).xlsx": the page names the file as text."""
    from tests.test_app import open_app

    sample = next(demo_store["samples"].glob("03_*.xlsx"))  # rejected: its findings are listed too
    name = "\x01=1+1 [bấm vào đây](http://x.vn).xlsx"
    at = open_app({}, user="xa07")
    at.switch_page("pages/submissions.py").run()
    at.file_uploader[0].upload(name, sample.read_bytes()).run()
    next(b for b in at.button if b.label == "Kiểm tra và nạp").click().run()
    assert not at.exception, at.exception
    assert [e.label for e in at.expander if e.label.startswith(plain(name))]
    assert_literal(at, name)


def test_chart_labels_escape_html_from_a_unit_name():
    """Plotly reads <b> and <a href> in labels and hovers: a unit name is shown as the text it is."""
    import pandas as pd

    from ui import charts

    name = 'Xã <a href="http://x.invalid">bấm</a> & <b>B</b>'
    df = pd.DataFrame({"code": ["X1"], "name": [name], "admitted": [1.0], "inspect": [2.0]})
    fig = charts.bars_by_unit(df, {"inspect": "Kiểm tra"}, "Tiêu đề", "Lượt")
    label = fig.data[0].y[0]
    assert "<a" not in label and "<b>" not in label
    assert label == 'Xã &lt;a href="http://x.invalid"&gt;bấm&lt;/a&gt; &amp; &lt;b&gt;B&lt;/b&gt;'


def test_fill_writes_text_that_looks_like_a_formula_as_text():
    """`ingest fill` puts values.json strings through the same safe cell writer: "=1+2" stays text."""
    from types import SimpleNamespace

    from openpyxl import Workbook

    from ingest.fill import apply_fill

    book = Workbook()
    book.active.title = "Đảng viên"
    apply_fill(
        book,
        [(SimpleNamespace(sheet="Đảng viên", ref="D6"), "\x01=1+2"), (SimpleNamespace(sheet="Đảng viên", ref="D7"), 7)],
    )
    cell = book["Đảng viên"]["D6"]
    assert cell.data_type == "s" and cell.value == "=1+2" and book["Đảng viên"]["D7"].value == 7
