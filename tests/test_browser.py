"""End to end: `streamlit run` on a copy of the demo store, driven in Debian's headless Chromium.

Screenshots of every page at 1366×768 land in test-artifacts/ for review.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ingest.demo import DEMO_PASSWORD
from reporting import db
from ui.nav import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = db.PROJECT_ROOT / "test-artifacts"
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: `make test` installs it (make browser-deps).")
    folder = tmp_path_factory.mktemp("browser-store")
    shutil.copy(demo_store["path"], folder / "returns.duckdb")  # the upload test writes to it
    port = _free_port()
    env = dict(os.environ, RETURNS_DB=str(folder / "returns.duckdb"))
    log = open(folder / "streamlit.log", "wb")  # noqa: SIM115 - a pipe nobody reads would block the server
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
        stdout=log,
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
        pytest.fail(f"streamlit did not start: {(folder / 'streamlit.log').read_text(errors='replace')}")
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()
    print((folder / "streamlit.log").read_text(errors="replace")[-5000:])  # shown by pytest when a test fails


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )  # fmt: skip
        # Streamlit bug #9992: the first session after the server starts that opens a page other
        # than the default one gets a "Page not found" dialog over the right page. A deployment
        # warms the server once after start (README); so do the tests.
        warm = browser.new_page()
        warm.goto(server)
        _ready(warm)
        warm.close()
        yield browser
        browser.close()


VIEWPORT = {"width": 1366, "height": 768}


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in the sign-in form shown in place of whatever page the address names."""
    page.get_by_role("heading", name="Đăng nhập", level=1).wait_for(timeout=60_000)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    _ready(page)


def wait_signed_in(page, heading: str) -> None:
    """The page the address named is shown and the browser holds the session cookie.

    The cookie is written by a script in the first signed-in render, which can run
    after the heading paints; a reload or a new address before it would be signed out.
    """
    page.get_by_role("heading", name=heading, level=1).wait_for(timeout=60_000)
    page.wait_for_function("document.cookie.includes('ms_session=')")


@pytest.fixture(scope="module")
def admin(browser, server):
    """A browser profile signed in once as the demo's province administrator (the cookie keeps it)."""
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    page = context.new_page()
    page.goto(server)
    sign_in(page, "bantochuc")
    wait_signed_in(page, "Tổng quan")
    page.close()
    yield context
    context.close()


@pytest.fixture
def page(admin):
    page = admin.new_page()
    yield page
    page.close()


def _ready(page) -> None:
    page.wait_for_selector(READY, timeout=60_000)
    page.wait_for_timeout(300)
    page.wait_for_selector(READY, timeout=60_000)


def _shot(page, name: str) -> None:
    """Screenshot for review; tables and charts paint after the script finishes, so let them."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(1200)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.mark.parametrize("unit", ["MS", "X07"])
def test_every_page_renders(page, server, unit):
    for file, _title, path, _ in PAGES:
        page.goto(f"{server}/{'' if file == PAGES[0][0] else path}?unit={unit}")
        _ready(page)
        assert page.locator("[data-testid='stException']").count() == 0, file
        page.get_by_role("heading", level=1).first.wait_for()
        assert page.get_by_role("heading", name="Đăng nhập", exact=True).count() == 0, file  # signed in
        _shot(page, f"{path}-{unit}")


def test_click_a_commune_bar_opens_its_page(page, server, demo_store):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from reporting import dashboard
    from reporting.periods import parse
    from tests.conftest import DEMO_AS_OF

    con = db.connect(demo_store["path"], read_only=True)
    behind = dashboard.admissions_by_child(con, "MS", parse("2026-Q3"), "today", DEMO_AS_OF).iloc[0]
    con.close()
    page.goto(f"{server}/phat-trien-dang-vien?year=2026&view=Q3")
    _ready(page)
    chart = page.locator("[data-testid='stPlotlyChart']").first
    chart.scroll_into_view_if_needed()
    bar = chart.locator("g.trace.bars path").last  # the top bar: the commune furthest behind
    bar.wait_for()
    page.wait_for_timeout(1000)  # Plotly binds its click handlers after drawing
    heading = page.get_by_role("heading", name=behind["name"], level=1)
    for _attempt in range(3):  # under load the first click can land before the handlers are bound
        box = bar.bounding_box()  # Plotly's drag layer covers the bars: click where a person would
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            heading.wait_for(timeout=15_000)  # switch_page navigates in the page: no load event
            break
        except PlaywrightTimeout:
            if "/don-vi" in page.url:
                break
    _ready(page)
    if not heading.is_visible():
        _shot(page, "click-to-unit-failed")
    assert heading.is_visible(), (page.url, box)
    assert "/don-vi" in page.url
    assert f"unit={behind['code']}" in page.url and "year=2026" in page.url and "view=Q3" in page.url
    _shot(page, "click-to-unit")


def test_copied_url_opens_the_same_view(browser, page, server):
    page.goto(f"{server}/kiem-tra-giam-sat?year=2025&view=H1&unit=X11")
    _ready(page)
    caption = page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text()
    copied = page.url
    other = page.context.new_page()  # a new tab of the same signed-in browser
    other.goto(copied)
    _ready(other)
    assert other.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text() == caption
    assert caption.startswith("Đảng ủy xã Nghĩa Hưng · 6 tháng đầu năm 2025")
    assert other.get_by_role("heading", level=1).first.inner_text() == "Kiểm tra, giám sát"
    other.close()


def test_changing_a_filter_updates_the_url(page, server):
    page.goto(f"{server}/?year=2026&view=Q3")
    _ready(page)
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").nth(1).click()  # "Kỳ xem"
    page.get_by_role("option", name="6 tháng đầu năm", exact=True).click()
    _ready(page)
    assert "view=H1" in page.url


def _upload(page, server, demo_store, pattern: str) -> Path:
    """Send one of the demo's sample returns from the upload page, as a person would."""
    sample = next(demo_store["samples"].glob(pattern))
    page.goto(f"{server}/nop-bao-cao")
    _ready(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(sample))
    _ready(page)
    page.get_by_role("button", name="Kiểm tra và nạp").click()
    _ready(page)
    return sample


def _reminders(page, server) -> list[str]:
    """The submissions page's list of communes to remind about the last quarter, as a reader sees it."""
    page.goto(f"{server}/nop-bao-cao")
    _ready(page)
    items = page.locator("[data-testid='stMain'] li").filter(has_text="chưa nộp báo cáo Quý III/2026")
    items.first.wait_for(timeout=30_000)
    return items.all_inner_texts()


def test_upload_a_sample_return(page, server, demo_store):
    """A commune's valid return loads, and the commune leaves the list of those to remind (read from the
    list itself: the submissions grid draws its cells on a canvas, outside the page's text)."""
    before = _reminders(page, server)
    assert [t.split(":")[0] for t in before] == ["Đảng ủy xã Phú Xuyên", "Đảng ủy phường Trung Hòa"]
    sample = _upload(page, server, demo_store, "01_hop-le_*.xlsx")  # Phú Xuyên's return for Quý III
    page.get_by_text(f"{sample.name}: đã nạp").wait_for(timeout=30_000)
    _shot(page, "upload-result")
    assert _reminders(page, server) == before[1:]  # one commune left to remind


# --- sign-in, roles and scope ---------------------------------------------------------


def _no_data_shown(page) -> None:
    for testid in ("stDataFrame", "stPlotlyChart", "stDownloadButton", "stMetric", "stFileUploader"):
        assert page.get_by_test_id(testid).count() == 0, (page.url, testid)


def test_sign_in_opens_the_address_asked_for_and_a_reload_keeps_it(browser, server):
    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{server}/kiem-tra-giam-sat?year=2025&view=H1&unit=X11")
    _ready(page)
    _shot(page, "sign-in")
    _no_data_shown(page)
    sign_in(page, "thuongtruc", "mat-khau-sai-123")
    page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng.").wait_for()
    sign_in(page, "thuongtruc")
    wait_signed_in(page, "Kiểm tra, giám sát")
    heading = page.get_by_role("heading", name="Kiểm tra, giám sát", level=1)
    caption = page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text()
    assert caption.startswith("Đảng ủy xã Nghĩa Hưng · 6 tháng đầu năm 2025")
    page.reload()
    _ready(page)
    heading.wait_for()  # the cookie keeps the session across a reload
    # A viewer reads; receiving returns and administration are not theirs.
    page.goto(f"{server}/nop-bao-cao")
    _ready(page)
    page.get_by_role("heading", name="Tình hình nộp báo cáo", level=1).wait_for()
    assert page.get_by_text("Nhận báo cáo", exact=True).count() == 0
    assert page.get_by_test_id("stFileUploader").count() == 0
    page.goto(f"{server}/quan-tri")
    _ready(page)
    page.get_by_text("không có quyền").wait_for()
    _no_data_shown(page)
    page.goto(server)
    _ready(page)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Đăng xuất").click()
    _ready(page)
    page.get_by_role("heading", name="Đăng nhập", level=1).wait_for()
    page.reload()
    _ready(page)
    page.get_by_role("heading", name="Đăng nhập", level=1).wait_for()  # signed out stays signed out
    context.close()


def test_a_commune_clerk_reaches_nothing_outside_their_commune(browser, server, demo_store):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
    page = context.new_page()
    page.goto(server)
    sign_in(page, "xa07")
    wait_signed_in(page, "Tổng quan")
    caption = page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text()
    assert caption.startswith("Đảng ủy xã Kim Bảng")  # the clerk's own commune, not the province
    for file, _title, path, _ in PAGES:
        for unit in ("X04", "MS", "NOPE"):
            page.goto(f"{server}/{'' if file == PAGES[0][0] else path}?unit={unit}")
            _ready(page)
            # Under load the app can look idle before its script has started: wait for the refusal itself.
            try:
                page.get_by_test_id("stAlertContentError").first.wait_for(timeout=30_000)
            except PlaywrightTimeout:
                _shot(page, "clerk-refusal-missing")
                pytest.fail(f"no refusal on {path}?unit={unit}; the page reads: {page.inner_text('body')[:600]!r}")
            assert page.get_by_test_id("stAlertContentError").count() == 1, (path, unit)
            _no_data_shown(page)
    _shot(page, "clerk-refused")
    # Their own branches are theirs.
    page.goto(f"{server}/don-vi?unit=X07-CB01")
    _ready(page)
    assert page.get_by_test_id("stAlertContentError").count() == 0
    page.get_by_role("heading", level=1).first.wait_for()
    # Another commune's return sent from the clerk's account is refused, and says why.
    sample = _upload(page, server, demo_store, "09_hop-le_*.xlsx")
    page.get_by_text(f"{sample.name}: bị từ chối").wait_for(timeout=30_000)
    assert page.get_by_text("Tài khoản của bạn chỉ nộp được báo cáo của Đảng ủy xã Kim Bảng").count() == 1
    _shot(page, "clerk-upload-refused")
    context.close()


# --- two views of history across the 2025 reform -------------------------------------


def _admitted_h1_2025(demo_store, codes_sql: str) -> int:
    """Admissions Jan–Jun 2025 straight from the public view, for the units the SQL names."""
    con = db.connect(demo_store["path"], read_only=True)
    try:
        return int(
            con.execute(
                "select coalesce(sum(value), 0) from observations where metric = 'admitted' "
                f"and period_start >= date '2025-01-01' and period_end <= date '2025-06-30' and unit_code in ({codes_sql})"
            ).fetchone()[0]
        )
    finally:
        con.close()


def test_switching_the_view_of_history_on_admissions(page, server, demo_store):
    """Đông Sơn (X04) was formed on 1 July 2025: on today's units its first half of 2025 is its old
    communes' figures added up; as reported it had none, and the province shows its districts."""
    predecessors = "select predecessor_code from unit_lineage where successor_code = 'X04'"
    expected = _admitted_h1_2025(demo_store, predecessors)
    assert expected > 0
    page.goto(f"{server}/phat-trien-dang-vien?year=2025&view=H1&unit=X04")
    _ready(page)
    main = page.get_by_test_id("stMain")
    ytd = main.get_by_text("Từ đầu năm: kết nạp", exact=False)
    ytd.wait_for()
    assert ytd.inner_text().startswith(f"Từ đầu năm: kết nạp {expected:,}".replace(",", "."))
    _shot(page, "history-today-X04")

    page.get_by_test_id("stSidebar").get_by_text("Theo đơn vị khi báo cáo").click()
    _ready(page)
    assert "history=reported" in page.url
    main.get_by_text("thành lập ngày 01/07/2025 từ", exact=False).wait_for()
    assert main.get_by_text("Từ đầu năm: kết nạp", exact=False).count() == 0  # X04 reported nothing then
    _shot(page, "history-reported-X04")

    # The province: the same total either way, split by today's communes or by the districts of the time.
    page.goto(f"{server}/phat-trien-dang-vien?year=2025&view=H1&unit=MS&history=reported")
    _ready(page)
    total = _admitted_h1_2025(demo_store, "select code from units")
    line = main.get_by_text("Từ đầu năm: kết nạp", exact=False)
    line.wait_for()
    assert line.inner_text().startswith(f"Từ đầu năm: kết nạp {total:,}".replace(",", "."))
    bars = main.get_by_test_id("stPlotlyChart").first
    bars.get_by_text("Huyện ủy Đông Minh").wait_for()
    assert bars.get_by_text("Đảng ủy xã Đông Sơn").count() == 0
    _shot(page, "history-reported-MS")
    page.get_by_test_id("stSidebar").get_by_text("Theo đơn vị hiện nay").click()
    _ready(page)
    assert "history=today" in page.url
    bars = main.get_by_test_id("stPlotlyChart").first
    bars.get_by_text("Đảng ủy xã Đông Sơn").wait_for()
    assert bars.get_by_text("Huyện ủy Đông Minh").count() == 0
    assert (
        main.get_by_text("Từ đầu năm: kết nạp", exact=False)
        .inner_text()
        .startswith(f"Từ đầu năm: kết nạp {total:,}".replace(",", "."))
    )
    _shot(page, "history-today-MS")
