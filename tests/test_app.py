"""Every page on the demo store, as Streamlit runs it (AppTest), at every level of the tree."""

import ast
import json
import subprocess
import sys
import time

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from ingest.demo import DEMO_PASSWORD
from reporting import dashboard, db
from reporting.periods import parse
from reporting.units import UnitTree
from tests.conftest import DEMO_AS_OF
from ui import store
from ui.nav import PAGES

APP = str(db.PROJECT_ROOT / "app.py")
LEVELS = {"province": "MS", "commune": "X07", "branch": "X07-CB03", "old commune": "C01"}


def sign_in(at: AppTest, username: str, password: str = DEMO_PASSWORD) -> AppTest:
    """Fill in and send the sign-in form, as a person would."""
    at.text_input(key="signin_user").input(username)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()
    return at


def open_app(params: dict[str, str], user: str = "bantochuc") -> AppTest:
    """The app at a URL, signed in (by default as the demo's province administrator)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Đăng nhập"  # nobody sees anything before signing in
    sign_in(at, user)
    assert not at.exception, at.exception
    return at


@pytest.fixture
def demo_env(demo_store, monkeypatch):
    monkeypatch.setenv("RETURNS_DB", str(demo_store["path"]))
    return demo_store


@pytest.mark.parametrize("level", list(LEVELS))
@pytest.mark.parametrize("page", [p[0] for p in PAGES])
def test_every_page_at_every_level(demo_env, page, level):
    at = open_app({"unit": LEVELS[level]})
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title
    assert "Dữ liệu minh họa" in at.sidebar.warning[0].value


def test_overview_for_the_province(demo_env):
    at = open_app({"year": "2026", "view": "Q3"})
    assert at.title[0].value == "Tổng quan"
    cards = {m.label: m.value for m in at.metric}
    con = db.connect(demo_env["path"], read_only=True)
    admitted = con.execute(
        "select cast(sum(value) as integer) from observations where metric = 'admitted' "
        "and period_start >= date '2026-01-01' and period_end <= date '2026-09-30'"
    ).fetchone()[0]
    con.close()
    assert cards["Kết nạp đảng viên từ đầu năm"] == f"{admitted:,}".replace(",", ".")
    assert cards["Báo cáo nộp đúng hạn"] == "20"
    flagged = " ".join(m.value for m in at.markdown)
    assert "Chưa nộp báo cáo Quý III/2026 (hạn 15/10/2026)" in flagged
    assert "(60% của tiến độ 75% sau 3 quý)" in flagged


def test_url_sets_the_filters(demo_env):
    at = open_app({"year": "2025", "view": "H1", "unit": "X04"})
    assert at.sidebar.selectbox(key="f_year").value == 2025
    assert at.sidebar.selectbox(key="f_view").value == "H1"
    assert at.sidebar.selectbox(key="f_level_0").value == "X04"
    assert at.caption[0].value.startswith("Đảng ủy xã Đông Sơn · 6 tháng đầu năm 2025")
    # Changing a filter writes the URL back, so a copied link opens the same view.
    at.sidebar.selectbox(key="f_view").set_value("Q2").run()
    assert at.query_params["view"] == "Q2"
    assert at.query_params["unit"] == "X04"


def test_picking_a_branch_in_the_tree(demo_env):
    at = open_app({"unit": "X07"})
    branch = at.sidebar.selectbox(key="f_level_1")
    assert branch.value == ""  # the whole commune
    branch.set_value("X07-CB03").run()
    assert at.query_params["unit"] == "X07-CB03"
    at.sidebar.selectbox(key="f_level_0").set_value("").run()
    assert at.query_params["unit"] == "MS"


def test_invalid_url_values_fall_back(demo_env):
    at = open_app({"year": "1999", "view": "Q9", "unit": "NOPE"})
    assert at.sidebar.selectbox(key="f_year").value == 2026
    assert at.sidebar.selectbox(key="f_view").value == "Q3"  # the last ended quarter of the demo's as-of date
    assert at.caption[0].value.startswith("Tỉnh ủy Minh Sơn")


def test_period_without_data_says_so(demo_env):
    at = open_app({"year": "2026", "view": "Q4", "unit": "X07"})  # the quarter has not ended
    assert not at.exception
    assert at.info[0].value == "Chưa có số liệu của Đảng ủy xã Kim Bảng cho Quý IV/2026."


def test_unit_page_shows_reasons_children_and_versions(demo_env):
    at = open_app({"unit": "X05"})
    at.switch_page("pages/unit.py").run()
    assert at.title[0].value == "Đảng ủy xã Hòa Thuận"
    tables = [d.value for d in at.dataframe]
    versions = next(t for t in tables if "status" in t.columns)
    assert "Bị từ chối" in set(versions["status"])  # the demo's rejected first version of Q2/2025
    changes = next(t for t in tables if "Chỉ tiêu" in t.columns and "Cũ" in t.columns)
    assert list(changes["Chỉ tiêu"]) == ["Tổng số đảng viên cuối kỳ"]  # the correction: closing was 2 too high
    at = open_app({"unit": "X13"})
    at.switch_page("pages/unit.py").run()
    assert "Chưa nộp báo cáo Quý III/2026" in at.warning[0].value


def test_submissions_page(demo_env):
    at = open_app({})
    at.switch_page("pages/submissions.py").run()
    grid = at.dataframe[0].value
    assert len(grid) == 24
    reminders = " ".join(m.value for m in at.markdown)
    assert "**Đảng ủy xã Phú Xuyên**: chưa nộp báo cáo Quý III/2026" in reminders


@pytest.mark.parametrize("page", [p[0] for p in PAGES])
def test_table_numbers_read_in_vietnamese_notation(demo_env, page):
    """What a reader sees in a table cell: a Styler's display text where a figure's Vietnamese notation
    differs from the plain one ("1.234", "72,5%"), else the plain "%d", which must then read the same."""

    def plain(column: pd.Series) -> bool:  # whole numbers under a thousand: "%d" is their Vietnamese notation
        return bool(column.notna().all() and (column.abs() < 1000).all() and (column % 1 == 0).all())

    for unit in ("MS", "X07"):
        at = open_app({"unit": unit})
        at.switch_page(page).run()
        for table in at.dataframe:
            values = table.value
            columns = json.loads(table.proto.columns)
            styled = table.proto.arrow_data.HasField("styler")
            shown = pa.ipc.open_stream(table.proto.arrow_data.styler.display_values).read_pandas() if styled else None
            for name, config in columns.items():
                kind = config.get("type_config", {})
                if kind.get("type") == "number":  # a plain %d column only where it reads the same
                    assert kind["format"] == "%d", (page, name)
                    assert plain(values[name]), (page, name, list(values[name]))
                if styled and name in values and pd.api.types.is_float_dtype(values[name]):
                    for raw, text in zip(values[name], shown[name], strict=True):
                        if pd.isna(raw):
                            assert text == "–"
                        elif raw % 1:
                            assert "," in text and "." not in text.rstrip("%"), (page, name, raw, text)
            assert not styled or any(
                not plain(values[n]) for n in values.columns if pd.api.types.is_numeric_dtype(values[n])
            ), (page, "a Styler on a table that reads the same without one")


def test_the_registry_is_read_while_the_sign_in_form_waits(demo_copy, monkeypatch):
    """The sign-in form is drawn without the registry (the country's takes 0.5 s to read); the tree is
    read in the background meanwhile, once, and the first page after signing in takes it from the cache."""
    reads = []
    read = UnitTree.from_db
    monkeypatch.setattr(UnitTree, "from_db", classmethod(lambda cls, con: reads.append(con) or read(con)))
    monkeypatch.setattr(store, "WARM_DELAY_S", 1.5)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert at.title[0].value == "Đăng nhập"
    assert reads == []  # not read to draw the form
    deadline = time.monotonic() + 20
    while not reads and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(reads) == 1  # read while nobody has signed in yet
    sign_in(at, "bantochuc")
    assert not at.exception, at.exception
    assert at.title[0].value == "Tổng quan"
    assert len(reads) == 1  # the signed-in run took it from the cache


def test_the_sign_in_form_imports_neither_pandas_nor_the_figures():
    """What app.py imports before it draws the sign-in form (its module-level imports up to there)
    loads no pandas, Arrow or numpy: a fresh server's first run would pay half a second for them."""
    tree = ast.parse((db.PROJECT_ROOT / "app.py").read_text(encoding="utf-8"))
    imports = []
    for node in tree.body:
        if isinstance(node, ast.If) and "sign_in_form" in ast.unparse(node):
            break
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(ast.unparse(node))
    assert "from ui import auth, filters, nav, store, timing" in imports
    check = "; ".join(
        [
            *imports,
            "import sys",
            "print(sorted(m for m in ('pandas', 'pyarrow', 'numpy', 'ui.data') if m in sys.modules))",
        ]
    )
    found = subprocess.run(
        [sys.executable, "-c", check], cwd=db.PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]", found


def test_no_store_says_so_plainly(tmp_path, monkeypatch):
    monkeypatch.setenv("RETURNS_DB", str(tmp_path / "none.duckdb"))
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception
    assert "Chưa có cơ sở dữ liệu" in at.error[0].value
    assert not (tmp_path / "none.duckdb").exists()  # looking never creates an empty store


def test_the_view_of_history_is_in_the_url_and_the_tree(demo_env):
    at = open_app({"year": "2025", "view": "H1", "unit": "MS"})
    assert at.sidebar.radio(key="f_history").value == "today"
    picker = at.sidebar.selectbox(key="f_level_0")
    assert "Đảng ủy xã Đông Sơn" in picker.options and "Huyện ủy Đông Minh" not in picker.options
    at.sidebar.radio(key="f_history").set_value("reported").run()
    assert at.query_params["history"] == "reported"
    picker = at.sidebar.selectbox(key="f_level_0")
    assert picker.options[1:] == [
        "Huyện ủy Đông Minh",
        "Huyện ủy Tây Sơn",
        "Thị ủy Hà Khê",
    ]  # the districts of the time
    # An old commune on today's units is shown as reported, with a link to its successor.
    at = open_app({"year": "2025", "view": "H1", "unit": "C01"})
    assert "đã sáp nhập vào Đảng ủy xã An Phú từ ngày 01/07/2025" in at.info[0].value


def test_meetings_page_counts_per_commune(demo_env):
    """Above a commune the page lists, per commune, the branches that missed meetings, as the
    dashboard counts them (tests/test_dashboard.py holds those counts to the raw rows)."""
    at = open_app({"year": "2026", "view": "9M"})
    at.switch_page("pages/meetings.py").run()
    assert not at.exception, at.exception
    (table,) = [d.value for d in at.dataframe if "no_thematic" in d.value.columns]  # labels come from column_config
    con = db.connect(demo_env["path"], read_only=True)
    expected = dashboard.meeting_issues(con, "MS", parse("2026-9M"), UnitTree.from_db(con), "today", DEMO_AS_OF)
    con.close()
    assert len(table) == len(expected) > 0 and expected["missed_regular"].sum() > 0
    shown = table.assign(name=table["link"].str.split("#").str[-1]).set_index("name")
    for row in expected.itertuples(index=False):
        assert shown.loc[row.name, ["branches", "missed_regular", "no_thematic"]].tolist() == [
            row.branches,
            row.missed_regular,
            row.no_thematic,
        ]
