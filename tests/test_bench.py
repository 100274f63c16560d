"""The benchmark's code runs end to end on tiny scales (speed is measured by `make bench`, never asserted)."""

import os

import pytest

from bench import app
from bench.__main__ import main
from bench.scale import Scale, build_scale_store, months_until
from reporting import db
from reporting.periods import month

pytestmark = pytest.mark.xdist_group("bench")


def test_a_scale_store_has_the_shape_it_promises(tmp_path):
    scale = Scale("tiny", 2, 3, 4, months_until(month(2026, 10), 5))
    build_scale_store(tmp_path / "s.duckdb", scale)
    con = db.connect(tmp_path / "s.duckdb", read_only=True)
    returns, values = con.execute("select count(distinct submission_id), count(*) from observations").fetchone()
    assert (returns, values) == (scale.returns, scale.values) == (30, 30 * (31 + 4 * 9))
    assert con.execute("select count(*) from units where org_type = 'affiliated_branch'").fetchone()[0] == 24


def test_the_quick_benchmark_writes_its_results(tmp_path):
    out = tmp_path / "RESULTS.md"
    assert main(["--quick", "--skip-server", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "| ingest, batch | ≥ 150 returns/s |" in text
    assert text.count("| metric_totals (unit) |") == 2  # province and national
    assert "Quick run" in text


def test_the_cold_start_client_times_a_real_server_to_its_sign_in_form(tmp_path):
    """The bench's websocket client (no browser) runs a session of the real app to the end of its first run,
    and refuses to time a page that drew no sign-in box (an error page must never pass as served)."""
    store = tmp_path / "s.duckdb"
    build_scale_store(store, Scale("tiny", 1, 2, 2, months_until(month(2026, 10), 1)))
    env = dict(os.environ, RETURNS_DB=str(store))
    with open(tmp_path / "server.log", "wb") as out:
        seconds, proc, _ = app._cold_start(app.APP, db.PROJECT_ROOT, env, out)
        app._stop(proc)
        assert seconds > 0
        script = tmp_path / "other.py"
        script.write_text('import streamlit as st\n\nst.text_input("Mật khẩu")\n', encoding="utf-8")
        with pytest.raises(RuntimeError, match="no sign-in box"):
            app._cold_start(str(script), tmp_path, env, out)
