"""Queries, pages, briefing, memory and cold start on a scale store.

- queries: every named dashboard query (``reporting/sql/dashboard``) for the top unit, p50 and p95;
- pages: each page's script run time under AppTest, signed in, first run and warm reruns;
- briefing: report and appendix for the top unit and the last quarter;
- server: ``streamlit run`` to the first page served (the server's part: a client speaking
  Streamlit's websocket protocol, no browser) and to the same page drawn in Chromium, each beside
  a one-box script's (the framework's floor); then each page opened in Chromium, and the server
  process's peak RSS (VmHWM).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from bench.scale import BENCH_PASSWORD, BENCH_USER, Scale
from reporting import dashboard, db, queries
from reporting.periods import quarter
from reporting.units import UnitTree

APP = str(db.PROJECT_ROOT / "app.py")
CHROMIUM = "/usr/bin/chromium"


def _last_quarter(scale: Scale):
    last = scale.periods[-1]
    return quarter(last.year, (last.start.month - 1) // 3 + 1)


def query_cases(con, scale: Scale) -> dict[str, dict[str, object]]:
    tree = UnitTree.from_db(con)
    top = tree.roots()[0].code
    commune = tree.reporting_units()[0].code
    span = _last_quarter(scale)
    last = scale.periods[-1]  # a month at national scale: the lagging list of a span of months
    branches = [b.code for b in tree.branches_of(commune)]
    today = date(span.end.year + 1, 1, 1)
    h = "today"  # the dashboards' default view of history
    pairs = dashboard.branches_in(tree, top, span, h, today)  # the meetings page's branches, with their communes
    return {
        "metric_totals (unit)": {"name": "metric_totals", "groups": [top], "start": span.start, "end": span.end, "history": h, "rollup": True},
        "metric_totals (children)": {"name": "metric_totals", "groups": [c.code for c in tree.children(top)], "start": span.start, "end": span.end, "history": h, "rollup": True},
        "children": {"name": "children", "unit": top, "start": span.start, "end": span.end, "history": h, "today": today},
        "targets (children)": {"name": "targets", "groups": [c.code for c in tree.children(top)], "year": span.year, "history": h},
        "quarterly_series": {"name": "quarterly_series", "unit": top, "from_year": span.year - 2, "until": span.end,
                             "metrics": ["admitted", "inspect_org", "members_closing"], "history": h},
        "lagging_inputs": {"name": "lagging_inputs", "unit": top, "start": date(span.year, 1, 1), "end": span.end,
                           "history": h, "today": today},
        "branches_without_thematic": {"name": "branches_without_thematic", "unit": top, "start": span.start, "end": span.end, "history": h},
        "branches_without_thematic_rows (last period)": {"name": "branches_without_thematic_rows", "unit": top,
                                                         "start": last.start, "end": last.end, "history": h},
        "meeting_issues (every branch)": {"name": "meeting_issues",
                                          "tables": lambda: {"branch_pairs": dashboard.branch_pairs(pairs, [span.months] * len(pairs))},
                                          "start": span.start, "end": span.end, "history": h},
        "metric_totals (a commune's branches)": {"name": "metric_totals", "groups": branches, "start": span.start, "end": span.end, "history": h, "rollup": False},
        "branch_quarters (a commune)": {"name": "branch_quarters", "codes": branches, "start": span.start, "end": span.end, "history": h},
        "quarterly_series_rows (a commune)": {"name": "quarterly_series_rows", "unit": commune, "from_year": span.year - 2,
                                              "until": span.end, "metrics": ["admitted", "inspect_org", "members_closing"],
                                              "history": h},
        "unit_returns (a commune)": {"name": "unit_returns", "unit": commune},
        "years": {"name": "years"},
    }  # fmt: skip


def bench_queries(store: Path, scale: Scale, runs: int, budget_s: float = 20.0) -> dict[str, list[float]]:
    con = db.connect(store, read_only=True)
    times: dict[str, list[float]] = {}
    for label, case in query_cases(con, scale).items():
        params = {k: v for k, v in case.items() if k not in ("name", "tables")}
        tables = case.get("tables", dict)  # Arrow tables are built inside the timing: the page pays for them too
        name = f"dashboard/{case['name']}"
        queries.run(con.cursor(), name, tables(), **params)  # warm: plans, file cache
        spent, found = 0.0, []
        while len(found) < runs and (spent < budget_s or len(found) < 3):
            cur = con.cursor()
            t = time.perf_counter()
            queries.run(cur, name, tables(), **params)
            found.append(time.perf_counter() - t)
            spent += found[-1]
        times[label] = found
    con.close()
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench_pages(store: Path, warm_runs: int) -> dict[str, dict[str, float]]:
    from streamlit.testing.v1 import AppTest

    from ui.nav import PAGES

    os.environ["RETURNS_DB"] = str(store)
    os.environ["RETURNS_TIMINGS"] = "1"
    from ui import timing

    found = {}
    for file, title, _, _ in PAGES:
        at = AppTest.from_file(APP, default_timeout=600)
        at.run()
        at.text_input(key="signin_user").input(BENCH_USER)
        at.text_input(key="signin_password").input(BENCH_PASSWORD)
        at.button[0].click().run()
        at.switch_page(file)
        t = time.perf_counter()
        at.run()
        first = time.perf_counter() - t
        if at.exception:
            raise RuntimeError(f"{file}: {at.exception}")
        warm, script = [], []
        for _ in range(warm_runs):
            t = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - t)
            script.append(timing.RUNS[-1])
        found[title] = {
            "first": first,
            "warm_p50": statistics.median(warm),
            "warm_max": max(warm),
            "script_p50": statistics.median(script),
            "script_max": max(script),
        }
    _release_store()
    return found


def _release_store() -> None:
    """Close this process's hold on the store (AppTest's cached connection), so a server can open it."""
    import gc

    import streamlit as st

    st.cache_resource.clear()
    st.cache_data.clear()
    gc.collect()


def bench_briefing(store: Path, scale: Scale, runs: int) -> list[float]:
    from briefing.appendix import build_appendix
    from briefing.figures import gather
    from briefing.report import build_report, warm_charts

    con = db.connect(store, read_only=True)
    tree = UnitTree.from_db(con)
    times = []
    warm_charts()  # what the briefing page does when it opens; the first build is asked at once
    for _ in range(runs):
        t = time.perf_counter()
        b = gather(con.cursor(), tree, tree.roots()[0].code, _last_quarter(scale), date(2026, 11, 23))
        build_report(b)
        build_appendix(b)
        times.append(time.perf_counter() - t)
    con.close()
    return times


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# A Streamlit script with nothing of ours: one text box labelled like our sign-in form. Its cold start
# is the framework's own floor on this machine (server start, the front end in Chromium, one run).
SIGN_IN_LABEL = "Tên đăng nhập"
FLOOR_SCRIPT = f'import streamlit as st\n\nst.text_input("{SIGN_IN_LABEL}")\n'
COLD_RUNS = 3  # cold starts of each kind; the median is reported


def _start_streamlit(script: str, cwd: Path, env: dict[str, str], out) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run` and wait for its first HTTP 200: (process, url)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=cwd,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    while True:
        try:
            if urllib.request.urlopen(url, timeout=1).status == 200:
                return proc, url
        except OSError:
            if time.perf_counter() - started > 60:
                proc.terminate()
                raise RuntimeError("streamlit did not start") from None
            time.sleep(0.05)


def _first_page(page, url: str, started: float) -> float:
    """Open the app and wait for the sign-in box: seconds since `started`."""
    page.goto(url)
    page.get_by_label(SIGN_IN_LABEL).wait_for(timeout=120_000)
    return time.perf_counter() - started


def _served_page(url: str, started: float) -> float:
    """Open a session the way Streamlit's front end does (its websocket and protobuf messages, no
    browser), ask for the first run and wait until the server says the run has finished: seconds
    since `started`. This is the server's part of a cold start, without Chromium loading and drawing
    the front end. The page must hold the sign-in box, so a page that failed is never timed."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    hello = BackMsg()
    hello.rerun_script.context_info.timezone = "Asia/Ho_Chi_Minh"
    hello.rerun_script.context_info.locale = "vi-VN"
    hello.rerun_script.context_info.url = f"{url}/"
    labels: list[str] = []
    stream = "ws" + url.removeprefix("http") + "/_stcore/stream"
    with connect(stream, subprotocols=["streamlit"], open_timeout=60, max_size=None) as ws:
        ws.send(hello.SerializeToString())
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(ws.recv(timeout=120))
            kind = msg.WhichOneof("type")
            if kind == "script_finished":
                break
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                labels.append(getattr(getattr(element, element.WhichOneof("type") or "", None), "label", ""))
    served = time.perf_counter() - started
    if SIGN_IN_LABEL not in labels:
        raise RuntimeError(f"the first page sent no sign-in box: {labels}")
    return served


def _cold_start(script: str, cwd: Path, env: dict[str, str], out, page=None) -> tuple[float, subprocess.Popen, str]:
    """One cold start, to the first page served (no ``page``) or drawn in Chromium (``page``):
    seconds, and the server, still running, with its url."""
    started = time.perf_counter()
    proc, url = _start_streamlit(script, cwd, env, out)
    try:
        seconds = _first_page(page, url, started) if page is not None else _served_page(url, started)
    except BaseException:
        _stop(proc)
        raise
    return seconds, proc, url


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def _served_median(script: str, cwd: Path, env: dict[str, str], out) -> float:
    times = []
    for _ in range(COLD_RUNS):
        seconds, proc, _ = _cold_start(script, cwd, env, out)
        _stop(proc)
        times.append(seconds)
    return statistics.median(times)


def bench_server(store: Path, log: Path) -> dict[str, float]:
    """Cold starts, each kind the median of ``COLD_RUNS``: to the first page served (the server's
    part, no browser) and drawn in Chromium, for the app and for a one-box script (the floor). The
    last app start then signs in and opens every page in Chromium: the server's peak RSS."""
    from playwright.sync_api import sync_playwright

    from ui.nav import PAGES

    _release_store()

    env = dict(os.environ, RETURNS_DB=str(store))
    ready = "[data-testid='stApp'][data-test-script-state='notRunning']"
    with sync_playwright() as p, open(log, "wb") as out, tempfile.TemporaryDirectory() as floor_dir:
        floor_script = Path(floor_dir) / "floor.py"
        floor_script.write_text(FLOOR_SCRIPT, encoding="utf-8")
        found = {
            "served_s": _served_median(APP, db.PROJECT_ROOT, env, out),
            "floor_served_s": _served_median(str(floor_script), Path(floor_dir), env, out),
        }
        # The browser is started first: its own start-up is not the server's.
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        drawn: dict[str, list[float]] = {"floor_drawn_s": [], "drawn_s": []}
        for run in range(COLD_RUNS):
            for key, script, cwd in (
                ("floor_drawn_s", str(floor_script), Path(floor_dir)),
                ("drawn_s", APP, db.PROJECT_ROOT),
            ):
                page = browser.new_page(viewport={"width": 1366, "height": 768})
                seconds, proc, url = _cold_start(script, cwd, env, out, page)
                drawn[key].append(seconds)
                if run < COLD_RUNS - 1 or key != "drawn_s":
                    _stop(proc)
                    page.close()
        found.update({key: statistics.median(times) for key, times in drawn.items()})
        try:  # the app's last start, still open: sign in and open every page
            page.get_by_label(SIGN_IN_LABEL).fill(BENCH_USER)
            page.get_by_label("Mật khẩu").fill(BENCH_PASSWORD)
            page.get_by_role("button", name="Đăng nhập", exact=True).click()
            page.wait_for_selector(ready, timeout=600_000)
            page.wait_for_function("document.cookie.includes('ms_session=')", timeout=60_000)
            for file, _title, path, _ in PAGES:
                page.goto(f"{url}/{'' if file == PAGES[0][0] else path}")
                page.wait_for_selector(ready, timeout=600_000)
                page.wait_for_timeout(300)
                page.wait_for_selector(ready, timeout=600_000)
            browser.close()
            found["peak_rss_mb"] = _peak_rss_mb(proc.pid)
        finally:
            _stop(proc)
    return found
