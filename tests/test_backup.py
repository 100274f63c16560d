"""Backup and restore round trip: the store and the original files come back exactly."""

from ingest.cli import main
from ingest.load import Incoming, load_files
from reporting import db
from tests.conftest import TODAY, payload

TABLES = ("units", "targets", "submissions", "submission_values", "findings", "archive")


def snapshot(con):
    return {t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr) for t in TABLES}


def test_backup_restore_round_trip(store, make_return, tmp_path, capsys):
    good, bad = payload(), payload("2025-Q2")
    bad["values"]["members_closing"] = 105
    load_files(
        store,
        [Incoming.from_path(make_return(good)), Incoming.from_path(make_return(bad))],
        archive=db.archive_dir(),
        today=TODAY,
    )
    before = snapshot(store)
    originals = {p.relative_to(db.archive_dir()): p.read_bytes() for p in db.archive_dir().rglob("*") if p.is_file()}
    store.close()

    assert main(["backup", str(tmp_path / "bk")]) == 0
    assert "Đã sao lưu 2 phiên bản báo cáo và 2 tệp gốc" in capsys.readouterr().out
    assert main(["backup", str(tmp_path / "bk")]) == 1  # never over an earlier backup
    assert "chọn một thư mục trống" in capsys.readouterr().err

    db.db_path().unlink()
    import shutil

    shutil.rmtree(db.archive_dir())
    assert main(["restore", str(tmp_path / "bk")]) == 0
    con = db.connect()
    assert snapshot(con) == before
    restored = {p.relative_to(db.archive_dir()): p.read_bytes() for p in db.archive_dir().rglob("*") if p.is_file()}
    assert restored == originals
    actions = [r[0] for r in con.execute("select action from audit_log order by audit_id").fetchall()]
    assert actions[-2:] == ["backup", "restore"]
    con.close()
    assert main(["restore", str(tmp_path / "bk")]) == 1  # a store exists: --force is required
    assert "dùng --force" in capsys.readouterr().err


def test_restore_refuses_a_tampered_archive(store, make_return, tmp_path, capsys):
    load_files(store, [Incoming.from_path(make_return(payload()))], archive=db.archive_dir(), today=TODAY)
    store.close()
    assert main(["backup", str(tmp_path / "bk")]) == 0
    tampered = next((tmp_path / "bk" / "archive").rglob("*.xlsx"))
    tampered.write_bytes(b"changed")
    assert main(["restore", str(tmp_path / "bk"), "--force"]) == 1
    assert "bị thiếu hoặc đã bị sửa; không khôi phục" in capsys.readouterr().err


def test_backup_of_a_store_whose_name_needs_quoting(tmp_path, monkeypatch, capsys):
    """A store file named «h7-demo.duckdb» is the database "h7-demo": the copy quotes it."""
    from reporting import db as store_db

    path = tmp_path / "tỉnh-demo.duckdb"
    monkeypatch.setenv("RETURNS_DB", str(path))
    monkeypatch.delenv("RETURNS_ARCHIVE", raising=False)
    store_db.connect(path).close()
    assert main(["backup", str(tmp_path / "bk")]) == 0
    assert (tmp_path / "bk").is_dir()
