"""Hostile uploads through the upload page, as Streamlit runs it (AppTest): issue 22.

One clerk's file never breaks the province: numbers that are no figures, cells the marker-up cannot
write, the same file twice in a zip, entries that cannot be inflated, a bomb. Each ends accepted or
rejected with its message, its marked-up workbook offered; the good return in the same upload loads;
the page never shows "This app has encountered an error".
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ingest.demo import DEMO_PASSWORD
from reporting import db
from tests.test_bad_files import bundle, many_sheets_one_part, patch_entry, rezip, set_cell, store_is_consistent
from ui.widgets import OUTCOME_LABEL

APP = str(db.PROJECT_ROOT / "app.py")


def _signed_in_at(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["unit"] = "MS"
    at.run()
    at.text_input(key="signin_user").input("bantochuc")
    at.text_input(key="signin_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _upload(files: list[tuple[str, bytes]]) -> AppTest:
    """Send files from the upload page and press «Kiểm tra và nạp», as a person would."""
    at = _signed_in_at("pages/submissions.py")
    at.file_uploader[0].set_value([(name, data, "application/octet-stream") for name, data in files]).run()
    assert not at.exception, at.exception
    next(b for b in at.button if b.label == "Kiểm tra và nạp").click().run()
    assert not at.exception, at.exception
    return at


def _outcomes(at: AppTest) -> dict[str, str]:
    """File name -> what the page says happened to it (the expanders' labels)."""
    found: dict[str, str] = {}
    for expander in at.expander:
        name, _, said = expander.label.rpartition(": ")
        if said in OUTCOME_LABEL.values():
            found.setdefault(name, said)
    return found


def _last_version(path) -> int:
    con = db.connect(path)
    try:
        return con.execute("select max(submission_id) from submissions").fetchone()[0]
    finally:
        con.close()


def _messages(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


@pytest.fixture
def sample(demo_store):
    """Phú Xuyên's valid return for Quý III/2026 (the demo's first sample), and a second commune's."""
    first = next(demo_store["samples"].glob("01_hop-le_*.xlsx")).read_bytes()
    second = next(demo_store["samples"].glob("09_hop-le_*.xlsx")).read_bytes()
    return first, second


def inspect_org_of(data: bytes, xml: str) -> bytes:
    return rezip(data, replace=set_cell("Kiểm tra, giám sát", "D4", f'<c r="D4"{xml}</c>'))


def test_hostile_numbers_through_the_upload_page(demo_copy, sample):
    good, other = sample
    files = [
        ("so-1e308.xlsx", inspect_org_of(other, ' t="n"><v>1e308</v>')),
        ("so-9e27.xlsx", inspect_org_of(other, ' t="n"><v>9e27</v>')),
        ("nan.xlsx", rezip(other, replace=set_cell("Chi bộ", "J5", '<c r="J5" t="n"><v>NaN</v></c>'))),
        ("inf.xlsx", inspect_org_of(other, ' t="n"><v>INF</v>')),
        ("div0.xlsx", inspect_org_of(other, ' t="e"><v>#DIV/0!</v>')),
        ("ky-tu-dieu-khien.xlsx", inspect_org_of(other, ' t="inlineStr"><is><t>_x0001_=1</t></is>')),
        ("nhieu-trang.xlsx", many_sheets_one_part(other, 1000)),  # ran for minutes
        ("tot.xlsx", good),
    ]
    since = _last_version(demo_copy)
    at = _upload(files)
    outcomes = _outcomes(at)
    assert {name: outcomes[name] for name, _ in files} == {
        **{name: "bị từ chối" for name, _ in files[:-1]},
        "tot.xlsx": "đã nạp",
    }
    said = " ".join(_messages(at))
    assert "lớn hơn mọi số liệu có thể có của một đảng bộ cấp xã (không quá 100.000)" in said
    assert "là giá trị không xác định (NaN), không phải là số" in said
    assert "là giá trị vô cực (INF), không phải là số" in said
    assert "Ô có giá trị lỗi «#DIV/0!» thay vì số liệu" in said
    assert "«=1» ở «Kiểm tra tổ chức đảng» không phải là số" in said
    assert "Tệp «nhieu-trang.xlsx» có 1.007 trang tính" in said
    downloads = [e for e in at.get("download_button") if "đánh dấu lỗi" in e.proto.label]
    assert len(downloads) == 7  # one marked-up workbook for each rejected file, none failed to build
    store_is_consistent(db.connect(demo_copy), since)


def test_hostile_zip_through_the_upload_page(demo_copy, sample):
    good, other = sample
    bad = inspect_org_of(other, ' t="n"><v>1e308</v>')
    hostile = bundle(
        ("xa/tot.xlsx", good),
        ("ban-sao/tot.xlsx", good),  # the same file twice
        ("a/so-lon.xlsx", bad),
        ("b/so-lon.xlsx", bad),  # the same rejected file twice: two download buttons of the same bytes
        ("mat-khau.xlsx", other),
        ("hong.xlsx", other),
        ("deflate64.xlsx", other),
        ("bom.xlsx", b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024)),
        *((f"rac-{i}.xlsx", b"\0" * (10 * 1024 * 1024 - 1) + bytes([i])) for i in range(19)),
    )
    hostile = patch_entry(hostile, "mat-khau.xlsx", flag=1)
    hostile = patch_entry(hostile, "hong.xlsx", damage=True)
    hostile = patch_entry(hostile, "deflate64.xlsx", method=9)
    assert len(hostile) < 400 * 1024  # the server takes 10 MB
    before = sum(p.stat().st_size for p in db.archive_dir().rglob("*") if p.is_file())
    since = _last_version(demo_copy)
    at = _upload([("dot-gui.zip", hostile)])
    labels = [e.label for e in at.expander]
    assert labels[:8] == [
        "tot.xlsx: đã nạp",
        "tot.xlsx: bị từ chối",  # the second copy: the same unit and period twice in one upload
        "so-lon.xlsx: bị từ chối",
        "so-lon.xlsx: bị từ chối",
        "mat-khau.xlsx: bị từ chối",
        "hong.xlsx: bị từ chối",
        "deflate64.xlsx: bị từ chối",
        "bom.xlsx: bị từ chối",
    ]
    assert labels[8:] == [f"rac-{i}.xlsx: bị từ chối" for i in range(19)]
    downloads = [e for e in at.get("download_button") if "đánh dấu lỗi" in e.proto.label]
    assert len(downloads) == len(labels) - 1  # every rejected file's marked-up workbook, each its own key
    said = " ".join(_messages(at))
    assert "Tệp «mat-khau.xlsx» trong tệp nén «dot-gui.zip» được đặt mật khẩu, không giải nén được" in said
    assert "Tệp «hong.xlsx» trong tệp nén «dot-gui.zip» bị hỏng, không giải nén được" in said
    assert "Tệp «deflate64.xlsx» trong tệp nén «dot-gui.zip» nén bằng kiểu nén không hỗ trợ" in said
    assert "Tệp «bom.xlsx» trong tệp nén giải nén ra quá lớn" in said
    assert "Tệp «rac-0.xlsx» không phải là tệp Excel." in said
    after = sum(p.stat().st_size for p in db.archive_dir().rglob("*") if p.is_file())
    assert after - before < len(good) + len(hostile)  # not the 191 MB the entries inflate to
    store_is_consistent(db.connect(demo_copy), since)


def test_stored_figures_from_before_the_checks_break_no_page(demo_copy):
    """Two returns with 9e27 inspections (accepted before the checks bounded figures) made the overview and
    the inspections page fail for the province: whatever figure is stored, the pages draw."""
    con = db.connect(demo_copy)
    ids = [
        sid
        for (sid,) in con.execute(
            "select submission_id from current_submissions where period = '2026-Q3' order by unit_code limit 2"
        ).fetchall()
    ]
    for table, value in (("submission_values", "value"), ("current_figures", "value")):
        con.execute(
            f"update {table} set {value} = 9e27 where metric = 'inspect_org' and submission_id in (select unnest($ids))",
            {"ids": ids},
        )
    con.execute(
        "update quarter_figures set total = 9e27, first = 9e27, last = 9e27 where metric = 'inspect_org' "
        "and quarter_start = date '2026-07-01' and unit_code in "
        "(select unit_code from submissions where submission_id in (select unnest($ids)))",
        {"ids": ids},
    )
    con.close()
    for page, card in (("pages/overview.py", "Lượt kiểm tra, giám sát"), ("pages/inspections.py", "Kiểm tra")):
        at = _signed_in_at(page)  # Quý III/2026, the demo's latest quarter
        assert not at.exception, (page, at.exception)
        shown = {m.label: m.value for m in at.metric}
        assert shown[card].startswith("18.000.000.000.000.000.000.000.000.000"), (page, shown)  # the sum, in full
