"""Offline: the app, its pages and its downloads fetch nothing from outside the app's own address.

Offices have no internet. The browser tests abort and record every request the pages make to any
other address (the sign-in page, every page as the province administrator at the province and at a
commune, and as a commune's clerk, and the briefing's downloads) and fail naming each one. Before,
every page fetched its icon from https://fonts.gstatic.com (``page_icon=":material/flag:"``).

The briefing's charts are drawn on the server by kaleido in Chromium, whose requests the browser
cannot see: a unit test checks that the page kaleido loads names only local files (by default it
loaded MathJax from cdnjs.cloudflare.com).
"""

from __future__ import annotations

import base64
import re
import time
from urllib.parse import urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from reporting import db
from tests.test_browser import VIEWPORT, _ready, browser, server, sign_in, wait_signed_in  # noqa: F401 (fixtures)
from ui.nav import PAGES

APP = str(db.PROJECT_ROOT / "app.py")


def test_the_page_icon_travels_inside_the_page(monkeypatch):
    """Streamlit 1.67's frontend fetches a ``:material/…:`` page icon from fonts.gstatic.com; a local
    SVG file it sends inside the page itself, as a data: URI (an emoji too; a raster image would be a
    /media/ address of the app). What it sends the browser for app.py's icon must be a data: URI."""
    import streamlit as st
    from streamlit.commands.page_config import _get_favicon_string

    given: dict = {}

    def record(**kwargs):
        given.update(kwargs)
        st.stop()  # nothing after the page config is needed (nor a store)

    monkeypatch.setattr(st, "set_page_config", record)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception, at.exception
    icon = given["page_icon"]
    assert not str(icon).startswith(":material"), icon
    favicon = _get_favicon_string(icon)
    assert favicon.startswith("data:image/svg+xml;base64,"), favicon[:200]
    svg = base64.b64decode(favicon.split(",", 1)[1]).decode()
    assert "href" not in svg and "url(" not in svg, svg  # nothing inside it names another file


def test_the_report_charts_load_no_script_from_outside(monkeypatch):
    """The page kaleido's Chromium loads to draw the briefing's charts (built as kaleido builds it from
    the arguments the app starts it with) names local files only: plotly.js from the plotly package,
    no MathJax from a CDN."""
    import kaleido

    from briefing import report

    started: list[dict] = []
    monkeypatch.setattr(report, "_warm_started", False)
    monkeypatch.setattr(report, "_draw_blank", lambda: None)
    monkeypatch.setattr(kaleido, "start_sync_server", lambda *args, **kwargs: started.append(kwargs))
    monkeypatch.setenv("BROWSER_PATH", "/usr/bin/chromium")  # warm_charts sets it if unset; restored after
    report.warm_charts()
    assert len(started) == 1
    kwargs = started[0]
    assert "page_generator" not in kwargs
    index = kaleido.PageGenerator(plotly=kwargs.get("plotlyjs"), mathjax=kwargs.get("mathjax")).generate_index()
    scripts = re.findall(r'<script src="([^"]+)"', index)
    assert scripts and all(s.startswith("file://") for s in scripts), scripts


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
@pytest.mark.parametrize(
    ("username", "units", "downloads"), [("bantochuc", ["MS", "X07"], False), ("xa07", ["X07"], True)]
)
def test_no_page_fetches_anything_from_outside(browser, server, username, units, downloads):  # noqa: F811
    own = urlsplit(server).netloc
    outside: list[str] = []

    def only_own(route):
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc == own:
            route.continue_()
        else:
            outside.append(f"{url} (from {page.url})")
            route.abort()

    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN", accept_downloads=True)
    context.route("**/*", only_own)
    page = context.new_page()
    page.on("websocket", lambda ws: urlsplit(ws.url).netloc == own or outside.append(f"{ws.url} (websocket)"))
    try:
        page.goto(server)
        _ready(page)
        sign_in(page, username)  # the sign-in page, then the first page
        wait_signed_in(page, "Tổng quan")
        for unit in units:
            for file, _title, path, _icon in PAGES:
                page.goto(f"{server}/{'' if file == PAGES[0][0] else path}?unit={unit}")
                _ready(page)
                assert page.locator("[data-testid='stException']").count() == 0, (file, unit)
        # The downloads (once): the briefing's report (charts drawn on the server) and its appendix.
        page.goto(f"{server}/bao-cao-quy?unit=X07")
        _ready(page)
        for label in ("(.docx)", "(.xlsx)") if downloads else ():
            download = _download(page, label)
            assert download.failure() is None, (label, download.failure())
            assert urlsplit(download.url).netloc == own, download.url
            assert download.path().stat().st_size > 1000, label
    finally:
        context.close()
    assert not outside, "fetched from outside the app:\n" + "\n".join(dict.fromkeys(outside))


def _download(page, label: str):
    """Click the download button named ``label`` and return its download.

    A click also reruns the page, and the rerun gives the button a new file; under load it can do so
    before the click's request for the file is served, and Streamlit answers "Deferred file … not
    found" under the button. Then the page is opened afresh and the button clicked again."""
    errors: list[list[str]] = []
    got: list = []
    page.on("download", lambda download: got.append(download))
    for _attempt in range(3):
        page.get_by_role("button", name=re.compile(re.escape(label))).click()
        error = page.get_by_test_id("stDownloadButtonError")
        deadline = time.monotonic() + 120
        while not got and not error.count() and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        if got:
            _ready(page)
            return got[0]
        if not error.count():
            pytest.fail(f"{label}: no download in 120 s, and no error under the button")
        errors.append(error.all_inner_texts())
        print(f"{label}: no download, retrying: {errors[-1]}")
        page.goto(page.url)
        _ready(page)
    pytest.fail(f"{label}: no download: {errors}")
