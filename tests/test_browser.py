"""End to end: `streamlit run` on the demo store, driven in Debian's headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from reporting import db

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = db.PROJECT_ROOT / "test-artifacts"
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_store):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: `make test` installs it (make browser-deps).")
    port = _free_port()
    env = dict(os.environ, RETURNS_DB=str(demo_store["path"]))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=db.PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"streamlit did not start: {proc.stdout.read().decode(errors='replace')}")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="vi-VN")
        yield page
        browser.close()


def _shot(page, name: str) -> None:
    """Screenshot for review; tables draw on a canvas after the script finishes, so let them paint."""
    ARTIFACTS.mkdir(exist_ok=True)
    if page.locator("[data-testid='stDataFrame']").count():
        page.locator("[data-testid='stDataFrame'] canvas").first.wait_for()
        page.wait_for_timeout(600)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_submissions_page_in_browser(page, server):
    page.goto(server)
    page.wait_for_selector(READY, timeout=30_000)
    page.get_by_role("heading", name="Báo cáo đã nhận").wait_for()
    assert page.get_by_text("Dữ liệu minh họa").is_visible()
    assert page.get_by_text("22/24").is_visible()
    _shot(page, "submissions")
    # Choose another quarter, as a user would.
    page.get_by_test_id("stSelectbox").click()
    page.get_by_role("option", name="Quý II/2025", exact=True).click()
    page.wait_for_selector(READY, timeout=30_000)
    page.get_by_text("Hạn nộp Quý II/2025: 15/07/2025").wait_for()
    _shot(page, "submissions-q2-2025")


def test_no_traceback_anywhere(page, server):
    page.goto(server)
    page.wait_for_selector(READY, timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
