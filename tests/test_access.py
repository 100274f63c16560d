"""Accounts, sign-in, sessions, period locks and unit scope: the library, the CLI and the app as each role."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from access import locks, users
from access.sessions import SessionRegistry
from ingest.cli import main
from ingest.demo import DEMO_PASSWORD
from ingest.layout import INFO_SHEET
from ingest.load import Incoming, load_files
from reporting import db
from reporting.settings import Settings
from reporting.units import UnitTree
from tests.conftest import TODAY, payload
from tests.test_app import APP, open_app, sign_in

NOW = datetime(2026, 11, 23, 9, 0)
PASSWORD = "mot-mat-khau-dai"


@pytest.fixture
def tree(store):
    return UnitTree.from_db(store)


@pytest.fixture
def clerk(store, tree):
    return users.add_user(store, tree, "Can.Bo", role="clerk", unit_code="X1", password=PASSWORD, display_name="Cán bộ")


# --- accounts and passwords -------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes_only(store, clerk):
    stored = store.execute("select password_hash from users where username = 'can.bo'").fetchone()[0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert clerk.username == "can.bo"  # names are case-insensitive
    user = users.authenticate(store, users.StoreAttempts(store), "CAN.BO ", PASSWORD, now=NOW)
    assert (user.role, user.unit_code) == ("clerk", "X1")


@pytest.mark.parametrize(
    ("name", "role", "unit", "password", "message"),
    [
        ("ab", "clerk", "X1", "ngan", "ít nhất 10 ký tự"),
        ("có dấu", "clerk", "X1", PASSWORD, "không hợp lệ"),
        ("nguoi.moi", "boss", "X1", PASSWORD, "Vai trò «boss» không hợp lệ"),
        ("nguoi.moi", "viewer", "X9", PASSWORD, "Mã đơn vị «X9» không có"),
        ("can.bo", "viewer", "X1", PASSWORD, "đã có"),
    ],
)
def test_bad_accounts_are_refused_plainly(store, tree, clerk, name, role, unit, password, message):
    with pytest.raises(users.AccessError, match=message):
        users.add_user(store, tree, name, role=role, unit_code=unit, password=password)


def test_wrong_name_and_wrong_password_get_the_same_answer(store, clerk):
    answers = []
    for name, password in (("can.bo", "sai-mat-khau-1"), ("khong.co.ai", PASSWORD)):
        with pytest.raises(users.SignInError) as caught:
            users.authenticate(store, users.StoreAttempts(store), name, password, now=NOW)
        answers.append(str(caught.value))
    assert answers[0] == answers[1] == "Tên đăng nhập hoặc mật khẩu không đúng."


@pytest.mark.parametrize("kind", ["store", "memory"])
def test_failed_sign_ins_make_the_account_wait(store, clerk, kind):
    attempts = users.StoreAttempts(store) if kind == "store" else users.MemoryAttempts()
    limits = Settings(sign_in_max_failures=5, sign_in_wait_minutes=15)
    for i in range(5):
        with pytest.raises(users.SignInError, match="không đúng"):
            users.authenticate(store, attempts, "can.bo", "sai", now=NOW + timedelta(seconds=i), settings=limits)
    # Even the right password waits now, and the refusal says how long.
    with pytest.raises(users.SignInError, match="thử lại sau 15 phút"):
        users.authenticate(store, attempts, "can.bo", PASSWORD, now=NOW + timedelta(seconds=10), settings=limits)
    later = NOW + timedelta(minutes=16)
    assert users.authenticate(store, attempts, "can.bo", PASSWORD, now=later, settings=limits).username == "can.bo"
    # A success clears the count.
    with pytest.raises(users.SignInError, match="không đúng"):
        users.authenticate(store, attempts, "can.bo", "sai", now=later + timedelta(seconds=1), settings=limits)
    if kind == "store":
        logged = store.execute("select action, count(*) from audit_log where actor = 'can.bo' group by 1").fetchall()
        assert dict(logged) == {"sign_in_failed": 7, "sign_in": 1}


def test_one_address_trying_many_names_waits_too(store, clerk):
    attempts = users.MemoryAttempts()
    limits = Settings(sign_in_max_failures=2, sign_in_wait_minutes=15)
    for i in range(8):  # four times the per-account allowance, spread over many names
        with pytest.raises(users.SignInError, match="không đúng"):
            users.authenticate(store, attempts, f"ten{i}", "sai", source="10.0.0.9", now=NOW, settings=limits)
    with pytest.raises(users.SignInError, match="thử lại sau"):
        users.authenticate(store, attempts, "can.bo", PASSWORD, source="10.0.0.9", now=NOW, settings=limits)
    assert users.authenticate(store, attempts, "can.bo", PASSWORD, source="10.0.0.10", now=NOW, settings=limits)


def test_disabled_accounts_and_new_passwords(store, clerk):
    users.set_active(store, "can.bo", False, actor="admin")
    with pytest.raises(users.SignInError, match="đã bị khóa"):
        users.authenticate(store, users.StoreAttempts(store), "can.bo", PASSWORD, now=NOW)
    users.set_active(store, "can.bo", True, actor="admin")
    users.set_password(store, "can.bo", "mat-khau-moi-123", actor="admin")
    with pytest.raises(users.SignInError):
        users.authenticate(store, users.StoreAttempts(store), "can.bo", PASSWORD, now=NOW)
    assert users.get_user(store, "can.bo").password_changed_at > clerk.password_changed_at
    actions = [
        r[0] for r in store.execute("select action from audit_log where actor = 'admin' order by audit_id").fetchall()
    ]
    assert actions == ["user_disabled", "user_enabled", "password_set"]


def test_provider_accounts_must_exist_and_be_active(store, tree):
    with pytest.raises(users.SignInError, match="chưa được cấp quyền"):
        users.provider_user(store, "la@tinhuy.vn")
    users.add_user(store, tree, "la@tinhuy.vn", role="viewer", unit_code="T", password=None)
    assert users.provider_user(store, "LA@tinhuy.vn").unit_code == "T"
    with pytest.raises(users.SignInError):  # no password: never signs in with the form
        users.authenticate(store, users.StoreAttempts(store), "la@tinhuy.vn", "", now=NOW)


def test_roles_and_scope(store, tree, clerk):
    assert clerk.can("upload") and not clerk.can("admin")
    assert clerk.sees(tree, "X1") and clerk.sees(tree, "X1-SC-B1")
    assert not clerk.sees(tree, "X2") and not clerk.sees(tree, "T") and not clerk.sees(tree, "NOPE")


def test_sessions_expire_and_end():
    registry = SessionRegistry()
    token = registry.create("can.bo", "password", NOW)
    assert registry.get(token).username == "can.bo" and registry.get("forged") is None
    registry.touch(token, NOW + timedelta(minutes=20))
    assert registry.sweep(NOW + timedelta(minutes=45), timedelta(minutes=30), timedelta(hours=12)) == 0
    assert registry.sweep(NOW + timedelta(minutes=51), timedelta(minutes=30), timedelta(hours=12)) == 1
    assert registry.get(token) is None
    other = registry.create("can.bo", "password", NOW)
    registry.end(other)
    assert registry.get(other) is None


# --- period locks and scope on the write path ------------------------------------------


def _following(period: str) -> dict:
    """A valid return for the quarter after 2026-Q2's payload: it opens where that one closed."""
    data = payload(period)
    data["values"].update(members_opening=104, members_closing=108, probationary_opening=8, probationary_closing=10)
    data["branches"]["X1-B1"]["branch_members"] += 4
    return data


def _load(store, tmp_path, make_return, data, scope=None, name=None):
    path = make_return(data, name=name)
    (outcome,) = load_files(store, [Incoming.from_path(path)], archive=tmp_path / "archive", today=TODAY, scope=scope)
    return outcome


def test_a_locked_period_takes_no_new_versions_until_unlocked(store, tree, tmp_path, make_return):
    assert _load(store, tmp_path, make_return, payload("2026-Q2")).action == "loaded"
    lock = locks.lock_period(store, tree, "T", "2026-Q2", "admin", "Đã thẩm định")
    changed = payload("2026-Q2")
    changed["values"]["candidates_trained"] = 9
    refused = _load(store, tmp_path, make_return, changed)
    assert refused.action == "rejected"
    (finding,) = [f for f in refused.result.findings if f.rule == "period_locked"]
    assert "Quý II/2026 đã được khóa sau khi thẩm định (khóa bởi admin" in finding.message
    assert finding.sheet == INFO_SHEET and f"ô {finding.cell}" in finding.message  # where the period is written
    assert any((tmp_path / "archive").glob(f"*/{refused.incoming.sha256}.xlsx"))  # the file is kept all the same
    # Other quarters are open; a lock for the year covers its months too.
    assert _load(store, tmp_path, make_return, _following("2026-Q3")).action == "loaded"
    year = locks.lock_period(store, tree, "X1", "2026", "admin")
    month = _load(store, tmp_path, make_return, payload("2026-10"))
    assert "period_locked" in {f.rule for f in month.result.findings}
    with pytest.raises(locks.LockError, match="đã được khóa từ trước"):
        locks.lock_period(store, tree, "T", "2026-Q2", "admin")
    with pytest.raises(locks.LockError, match="Chỉ khóa được theo quý"):
        locks.lock_period(store, tree, "T", "2026-07", "admin")
    locks.unlock(store, lock.lock_id, "admin", "Sửa số liệu đào tạo")
    assert _load(store, tmp_path, make_return, changed).action == "rejected"  # the year's lock still holds
    locks.unlock(store, year.lock_id, "admin")
    assert _load(store, tmp_path, make_return, changed).action == "replaced"
    logged = store.execute("select action, period from audit_log where action like 'period_%' order by audit_id")
    assert logged.fetchall() == [
        ("period_locked", "2026-Q2"),
        ("period_locked", "2026"),
        ("period_unlocked", "2026-Q2"),
        ("period_unlocked", "2026"),
    ]


def test_a_return_outside_the_senders_scope_is_refused_without_its_checks(store, tmp_path, make_return):
    bad = payload("2026-Q2")
    bad["values"]["members_closing"] = 999  # would be a balance error: not told to someone else's clerk
    outcome = _load(store, tmp_path, make_return, bad, scope="X2")
    assert outcome.action == "rejected"
    assert [f.rule for f in outcome.result.findings] == ["unit_outside_scope"]
    assert "chỉ nộp được báo cáo của Đảng ủy phường Bình Minh" in outcome.result.findings[0].message
    assert outcome.result.values == {} and outcome.result.branches == {}
    assert store.execute("select count(*) from submission_values").fetchone()[0] == 0
    assert _load(store, tmp_path, make_return, payload("2026-Q2"), scope="X1").action == "loaded"


# --- the command line -------------------------------------------------------------------


def test_users_and_locks_from_the_command_line(store, monkeypatch, capsys):
    store.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "quantri", "--role", "admin", "--unit", "T", "--password-stdin"]) == 0
    assert main(["users", "add", "quantri", "--role", "admin", "--unit", "T", "--provider-only"]) == 1
    assert "đã có" in capsys.readouterr().err
    assert main(["users", "disable", "quantri"]) == 0
    capsys.readouterr()
    assert main(["users", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row == {"username": "quantri", "display_name": "quantri", "role": "admin", "unit_code": "T",
                   "active": False, "password": True}  # fmt: skip
    monkeypatch.setattr(sys, "stdin", io.StringIO("ngan\n"))
    assert main(["users", "passwd", "quantri", "--password-stdin"]) == 1
    assert "ít nhất 10 ký tự" in capsys.readouterr().err
    assert main(["users", "disable"]) == 2
    assert main(["lock", "X1", "2026-Q2", "--reason", "Đã thẩm định"]) == 0
    capsys.readouterr()
    assert main(["locks", "--json"]) == 0
    (lock,) = json.loads(capsys.readouterr().out)
    assert (lock["unit_code"], lock["period"], lock["reason"]) == ("X1", "2026-Q2", "Đã thẩm định")
    assert main(["unlock", str(lock["lock_id"])]) == 0
    assert main(["unlock", str(lock["lock_id"])]) == 1


# --- the app, as each role --------------------------------------------------------------


@pytest.fixture
def demo_env(demo_store, monkeypatch):
    monkeypatch.setenv("RETURNS_DB", str(demo_store["path"]))
    return demo_store


def _shows_nothing(at: AppTest) -> None:
    assert not at.title and not at.dataframe and not at.metric and not at.get("download_button")
    assert len(at.error) == 1


def test_nothing_is_shown_before_signing_in(demo_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["unit"] = "X04"
    at.run()
    assert [t.value for t in at.title] == ["Đăng nhập"]
    assert not at.dataframe and not at.metric and not at.sidebar.selectbox
    sign_in(at, "thuongtruc", "sai-mat-khau-9")
    assert at.error[0].value == "Tên đăng nhập hoặc mật khẩu không đúng."
    sign_in(at, "thuongtruc")
    assert at.title[0].value == "Tổng quan"
    assert at.caption[0].value.startswith("Đảng ủy xã Đông Sơn")  # the address asked for, after sign-in


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/unit.py", "pages/submissions.py", "pages/briefing.py"])
def test_a_commune_clerk_cannot_open_another_commune(demo_env, page):
    at = open_app({"unit": "X07"}, user="xa07")
    at.switch_page(page).run()
    assert at.title and not at.error
    at.query_params["unit"] = "X04"
    at.run()
    _shows_nothing(at)
    assert "nằm ngoài phạm vi tài khoản" in at.error[0].value
    at.query_params["unit"] = "MS"
    at.run()
    _shows_nothing(at)


def test_a_clerk_sees_their_commune_only_and_no_administration(demo_env):
    at = open_app({}, user="xa07")
    assert at.caption[0].value.startswith("Đảng ủy xã Kim Bảng")  # their commune by default
    picker = at.sidebar.selectbox(key="f_level_0")
    con = db.connect(demo_env["path"], read_only=True)
    branches = len(UnitTree.from_db(con).children("X07"))
    con.close()
    assert picker.options[0] == "Toàn Đảng ủy xã Kim Bảng" and len(picker.options) == branches + 1
    assert all(name.startswith("Chi bộ") for name in picker.options[1:])  # its branches, nothing above
    at.switch_page("pages/submissions.py").run()
    grid = at.dataframe[0].value
    assert len(grid) == 1
    versions = next(d.value for d in at.dataframe if "submission_id" in d.value.columns)
    assert versions["link"].str.contains("unit=X07").all()
    assert "Nhận báo cáo" in [s.value for s in at.subheader]
    at.switch_page("pages/admin.py").run()
    _shows_nothing(at)
    assert at.error[0].value == "Tài khoản của bạn không có quyền thực hiện thao tác này."


def test_a_province_viewer_reads_everything_and_changes_nothing(demo_env):
    at = open_app({"unit": "X04"}, user="thuongtruc")
    assert at.title[0].value == "Tổng quan"
    at.switch_page("pages/submissions.py").run()
    headings = [s.value for s in at.subheader]
    assert "Nhận báo cáo" not in headings and "Nhật ký thao tác" not in headings
    assert not at.get("file_uploader")
    at.switch_page("pages/admin.py").run()
    _shows_nothing(at)


def test_an_administrator_manages_accounts_and_locks(demo_copy):
    at = open_app({}, user="bantochuc")
    at.switch_page("pages/admin.py").run()
    assert at.title[0].value == "Quản trị"
    accounts = at.dataframe[0].value
    assert set(accounts["username"]) == {"bantochuc", "thuongtruc", "xa07"}
    at.text_input(key="new_username").input("xa04")
    at.text_input(key="new_name").input("Văn phòng Đảng ủy xã Đông Sơn")
    at.selectbox(key="new_role").set_value("clerk")
    at.selectbox(key="new_unit").set_value("X04")
    at.text_input(key="new_password").input("mat-khau-xa04")
    next(b for b in at.button if b.label == "Tạo tài khoản").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "xa04" in set(at.dataframe[0].value["username"])
    at.selectbox(key="lock_unit").set_value("X04")
    at.text_input(key="lock_reason").input("Đã thẩm định")
    next(b for b in at.button if b.label == "Khóa kỳ").click().run()
    locks_table = at.dataframe[1].value
    assert list(locks_table["unit"]) == ["Đảng ủy xã Đông Sơn (X04)"] and list(locks_table["period"]) == [
        "Quý III/2026"
    ]
    signed = at.dataframe[2].value
    assert {"bantochuc"} <= set(signed["username"])
    # The new clerk signs in with the password the administrator set.
    clerk = AppTest.from_file(APP, default_timeout=60)
    clerk.run()
    sign_in(clerk, "xa04", "mat-khau-xa04")
    assert clerk.caption[0].value.startswith("Đảng ủy xã Đông Sơn")


def test_sessions_end_when_idle_disabled_or_signed_out(demo_copy):
    from ui import auth

    at = open_app({}, user="thuongtruc")
    token = at.session_state[auth.SESSION]
    auth.sessions().touch(token, datetime.now() - timedelta(minutes=31))
    at.run()
    assert at.title[0].value == "Đăng nhập"
    assert "lâu không thao tác" in at.warning[0].value
    sign_in(at, "thuongtruc")
    assert at.title[0].value == "Tổng quan"
    con = db.connect(demo_copy)
    users.set_active(con, "thuongtruc", False, actor="test")
    at.run()
    assert at.title[0].value == "Đăng nhập" and "bị khóa" in at.warning[0].value
    users.set_active(con, "thuongtruc", True, actor="test")
    sign_in(at, "thuongtruc")
    next(b for b in at.sidebar.button if b.label == "Đăng xuất").click().run()
    assert at.title[0].value == "Đăng nhập" and at.warning[0].value == "Đã đăng xuất."
    assert auth.sessions().get(token) is None


# --- publishing a read-only copy --------------------------------------------------------

WRITER = """
import sys
from pathlib import Path
from ingest.load import Incoming, load_files
from ingest.publish import publish
from reporting import db
con = db.connect(sys.argv[1])
files = sorted(Path(sys.argv[3]).glob("*.xlsx"))
for f in files:
    load_files(con, [Incoming.from_path(f)], archive=Path(sys.argv[1]).parent / "archive")
    publish(con, sys.argv[2])
    print("published", flush=True)
print("done", flush=True)
"""


def test_a_reader_process_reads_the_published_copy_while_the_writer_loads(store, tmp_path, make_return):
    """Two processes: the writer loads returns one by one and publishes after each; this test process
    opens the published copy read-only again and again and only ever sees whole versions."""
    from ingest.publish import open_published, publish

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # Quarters that do not follow one another: every return stands alone (no continuity to check).
    for i, period in enumerate(["2026-Q3", "2026-Q1", "2025-Q3", "2025-Q1", "2024-Q3", "2024-Q1"]):
        make_return(payload(period)).rename(inbox / f"{i}.xlsx")
    published = tmp_path / "published" / "returns.duckdb"
    publish(store, published)
    path = db.db_path()
    store.close()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(published), str(inbox)],
        cwd=db.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    while writer.poll() is None or len(seen) < 2:
        reader = open_published(published)
        count, values = reader.execute(
            "select count(*), (select count(*) from observations) from current_submissions"
        ).fetchone()
        reader.close()
        seen.append((count, values))
        if writer.poll() is not None and len(seen) >= 2:
            break
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert out.count("published") == 6
    counts = [c for c, _ in seen]
    assert counts == sorted(counts) and counts[-1] == 6  # never backwards, never a half-loaded copy
    per_return = {v / c for c, v in seen if c}
    assert len(per_return) == 1  # each visible version carries all its figures
    with pytest.raises(Exception, match="read-only"):
        reader = open_published(published)
        reader.execute("delete from submissions")


def test_a_reader_app_serves_the_published_copy_and_follows_new_ones(demo_env, tmp_path, monkeypatch):
    from ingest.publish import publish

    writer_path = tmp_path / "writer" / "returns.duckdb"
    writer_path.parent.mkdir()
    shutil.copy(demo_env["path"], writer_path)
    writer = db.connect(writer_path)
    published = tmp_path / "published" / "returns.duckdb"
    publish(writer, published)
    monkeypatch.setenv("RETURNS_DB", str(published))
    monkeypatch.setenv("RETURNS_READ_ONLY", "1")
    at = open_app({"unit": "X04"}, user="bantochuc")
    assert at.title[0].value == "Tổng quan" and at.metric
    at.switch_page("pages/submissions.py").run()
    assert not at.get("file_uploader")
    assert "chỉ đọc" in at.info[0].value
    at.switch_page("pages/admin.py").run()
    _shows_nothing(at)
    assert "chỉ đọc" in at.error[0].value
    # The writer makes an account and publishes; the reader's next sign-in finds it.
    users.add_user(writer, UnitTree.from_db(writer), "xa04", role="clerk", unit_code="X04", password=PASSWORD)
    publish(writer, published)
    reader = AppTest.from_file(APP, default_timeout=60)
    reader.run()
    sign_in(reader, "xa04", PASSWORD)
    assert reader.caption[0].value.startswith("Đảng ủy xã Đông Sơn")
    # A failed sign-in on a reader is counted in its memory: the copy is never written.
    sign_in(AppTest.from_file(APP, default_timeout=60).run(), "xa04", "sai-mat-khau-0")
    assert (
        db.connect(published, read_only=True)
        .execute("select count(*) from sign_in_attempts where username = 'xa04'")
        .fetchone()[0]
        == 0
    )


def test_a_backup_from_the_published_copy_writes_nothing_to_it(store, tmp_path, monkeypatch, capsys):
    from ingest.publish import publish

    published = tmp_path / "published.duckdb"
    publish(store, published)
    before = published.stat().st_mtime_ns
    store.close()
    monkeypatch.setenv("RETURNS_DB", str(published))
    monkeypatch.setenv("RETURNS_ARCHIVE", str(tmp_path / "archive"))
    (tmp_path / "archive").mkdir()
    assert main(["backup", "--read-only", str(tmp_path / "backup")]) == 0
    assert (tmp_path / "backup" / "manifest.json").exists()
    assert published.stat().st_mtime_ns == before


def test_changing_ones_own_password(demo_copy):
    at = open_app({}, user="xa07")
    at.switch_page("pages/account.py").run()
    assert "Đảng ủy xã Kim Bảng và các đơn vị trực thuộc" in " ".join(m.value for m in at.main.markdown)
    old, new, again = at.text_input
    old.input("sai-mat-khau-1")
    new.input(PASSWORD)
    again.input(PASSWORD)
    next(b for b in at.button if b.label == "Đổi mật khẩu").click().run()
    assert at.error[0].value == "Mật khẩu hiện tại không đúng."
    old, new, again = at.text_input
    old.input(DEMO_PASSWORD)
    new.input(PASSWORD)
    again.input(PASSWORD)
    next(b for b in at.button if b.label == "Đổi mật khẩu").click().run()
    assert at.title[0].value == "Đăng nhập" and "Đã đổi mật khẩu" in at.warning[0].value
    sign_in(at, "xa07", PASSWORD)
    assert at.title[0].value == "Tài khoản"  # back where they were
