"""Backup and restore of the store and the archive of original files.

A backup folder holds ``returns.duckdb`` (a consistent copy made by DuckDB's
``COPY FROM DATABASE`` inside one read), ``archive/`` (the original files,
content-addressed and checked against their hashes) and ``manifest.json``.
Restore verifies every archived file before it replaces anything.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from ingest.registry import log_action
from reporting import db
from reporting.numbers import fmt_number

STORE_NAME = "returns.duckdb"
MANIFEST = "manifest.json"


class BackupError(RuntimeError):
    """A backup that cannot be made or restored; the message is Vietnamese."""


def backup(
    con: duckdb.DuckDBPyConnection, archive: Path, target: Path, actor: str = "cli", *, read_only: bool = False
) -> dict:
    """Write a consistent copy of the store and the archive into ``target`` (which must be empty).

    ``read_only``: ``con`` is a read-only connection (a published copy); nothing is written to it,
    so the backup is not recorded in its audit log.
    """
    target = Path(target)

    def log(action: str, detail: str) -> None:
        if read_only:
            return
        con.execute("begin transaction")
        log_action(con, actor, action, None, detail)
        con.execute("commit")

    if target.exists() and any(target.iterdir()):
        raise BackupError(f"Thư mục {target} đã có dữ liệu; chọn một thư mục trống cho bản sao lưu.")
    (target / "archive").mkdir(parents=True, exist_ok=True)
    files = con.execute("select sha256, path from archive order by sha256").fetchall()
    submissions = con.execute("select count(*) from submissions").fetchone()[0]
    # Logged before the copy so the backup carries its own record (DuckDB writes one database
    # per transaction, so the log row and the copy cannot share one).
    log("backup", f"Sao lưu vào {target}: {fmt_number(submissions)} phiên bản, {fmt_number(len(files))} tệp gốc")
    if not read_only:
        con.execute("checkpoint")
    database = con.execute("select current_database()").fetchone()[0]
    quoted_path = (target / STORE_NAME).as_posix().replace("'", "''")
    quoted_db = database.replace('"', '""')  # a store named «h7-demo.duckdb» is database "h7-demo"
    con.execute(f"attach '{quoted_path}' as backup_copy (read_write)")
    try:
        con.execute(f'copy from database "{quoted_db}" to backup_copy')
    except duckdb.Error as exc:
        log("backup_failed", str(exc)[:500])
        raise BackupError(f"Không sao lưu được: {exc}") from exc
    finally:
        con.execute("detach backup_copy")
    for _sha, relative in files:
        source = archive / relative
        if not source.exists():
            raise BackupError(f"Thiếu tệp gốc {relative} trong kho lưu trữ {archive}; kiểm tra lại thư mục lưu trữ.")
        copy = target / "archive" / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, copy)
    manifest = {
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "schema_version": db.current_version(con),
        "submissions": submissions,
        "archive": {sha: relative for sha, relative in files},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    log(
        "backup",
        f"Sao lưu vào {target}: {fmt_number(manifest['submissions'])} phiên bản, {fmt_number(len(files))} tệp gốc",
    )
    return manifest


def restore(source: Path, store: Path, archive: Path, *, force: bool = False, actor: str = "cli") -> dict:
    """Bring a backup back as the store at ``store`` with its archive; checks every file first."""
    source = Path(source)
    manifest_path = source / MANIFEST
    if not manifest_path.exists() or not (source / STORE_NAME).exists():
        raise BackupError(f"{source} không phải là bản sao lưu (thiếu {MANIFEST} hoặc {STORE_NAME}).")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for sha, relative in manifest["archive"].items():
        path = source / "archive" / relative
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            raise BackupError(f"Tệp gốc {relative} trong bản sao lưu bị thiếu hoặc đã bị sửa; không khôi phục.")
    if Path(store).exists() and not force:
        raise BackupError(f"Đã có cơ sở dữ liệu tại {store}; dùng --force để thay bằng bản sao lưu.")
    Path(store).parent.mkdir(parents=True, exist_ok=True)
    for stale in (Path(store), Path(f"{store}.wal")):
        stale.unlink(missing_ok=True)
    shutil.copy2(source / STORE_NAME, store)
    for relative in manifest["archive"].values():
        destination = Path(archive) / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / "archive" / relative, destination)
    con = db.connect(store)
    try:
        con.execute("begin transaction")
        log_action(con, actor, "restore", None, f"Khôi phục từ {source} (sao lưu lúc {manifest['created_at']})")
        con.execute("commit")
    finally:
        con.close()
    return manifest
