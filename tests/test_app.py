"""The app on the demo store, run as Streamlit runs it (AppTest)."""

import pytest
from streamlit.testing.v1 import AppTest

from reporting import db

APP = db.PROJECT_ROOT / "app.py"


@pytest.fixture
def app(demo_store, monkeypatch):
    monkeypatch.setenv("RETURNS_DB", str(demo_store["path"]))
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def test_submissions_page_on_demo(app, demo_store):
    assert app.title[0].value == "Báo cáo đã nhận"
    assert "Dữ liệu minh họa" in app.sidebar.warning[0].value
    assert app.selectbox[0].value.code == "2026-Q3"  # latest period first
    metrics = {m.label: m.value for m in app.metric}
    con = db.connect(demo_store["path"], read_only=True)
    # A unit has returned the quarter when its current returns cover its three months (quarterly or monthly).
    expected = con.execute(
        """
        select count(*) from (
            select unit_code from current_submissions
            where period_start >= date '2026-07-01' and period_end <= date '2026-09-30'
            group by unit_code
            having sum(date_diff('month', period_start, period_end) + 1) = 3
        )
        """
    ).fetchone()[0]
    assert metrics["Đơn vị phải nộp"] == "24"
    assert metrics["Đã nhận"] == f"{expected}/24"
    assert metrics["Chưa có báo cáo hợp lệ"] == str(24 - expected)
    units = app.dataframe[0].value
    assert len(units) == 24
    assert set(units.loc[units["Tình trạng"].str.startswith("Chưa nộp"), "Mã"]) == {"X13", "X20"}


def test_other_period_and_versions(app):
    app.selectbox[0].select_index(next(i for i, p in enumerate(app.selectbox[0].options) if p == "Quý II/2025")).run()
    assert not app.exception
    versions = app.dataframe[1].value
    assert "Bị từ chối" in set(versions["status"])  # the demo's one rejected first version


def test_no_store_says_so_plainly(tmp_path, monkeypatch):
    monkeypatch.setenv("RETURNS_DB", str(tmp_path / "none.duckdb"))
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.run()
    assert not at.exception
    assert "Chưa có cơ sở dữ liệu" in at.error[0].value
