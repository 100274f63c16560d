"""The DuckDB store: where it lives, how it is opened, and its schema version.

One process writes; the schema is created and migrated on the first
read-write open. Extensions are never auto-installed: this machine has no
network for them and a blocked download stalls for seconds (FIELD-NOTES.md).
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import cache
from pathlib import Path

import duckdb

from reporting.catalog import METRICS, SHEETS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = Path(__file__).parent / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
DEFAULT_DB = PROJECT_ROOT / "data" / "returns.duckdb"
_CONFIG = {
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
}


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message is Vietnamese."""


def db_path() -> Path:
    """``RETURNS_DB`` if set, else ``data/returns.duckdb`` in the project."""
    return Path(os.environ.get("RETURNS_DB") or DEFAULT_DB)


def archive_dir(database: Path | str | None = None) -> Path:
    """Where original files are kept: ``RETURNS_ARCHIVE``, else ``archive/`` beside the store."""
    if os.environ.get("RETURNS_ARCHIVE"):
        return Path(os.environ["RETURNS_ARCHIVE"])
    database = Path(database) if database and str(database) != ":memory:" else db_path()
    return database.parent / "archive"


@cache
def sql_text(name: str) -> str:
    """The text of ``reporting/sql/<name>``, read once per process like the code around it (a load
    reads five of them per batch: reading them every time cost about 1.8 ms an upload)."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def migrations() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        found.append((int(path.name.split("_", 1)[0]), path))
    return found


SCHEMA_VERSION = migrations()[-1][0]


def connect(path: Path | str | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store, creating and migrating it unless ``read_only``.

    Raises StoreError when the file is locked by another process or, read-only,
    does not exist or is behind the code's schema version.
    """
    target = str(path) if path is not None else str(db_path())
    if target != ":memory:":
        if read_only and not Path(target).exists():
            raise StoreError(
                f"Chưa có cơ sở dữ liệu tại {target}. Chạy «python -m ingest demo» hoặc nạp danh mục đơn vị trước."
            )
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        try:
            con = duckdb.connect(target, read_only=read_only, config=_CONFIG)
        except duckdb.ConnectionException:
            if not read_only:
                raise
            # This process already holds the store for writing (DuckDB refuses a second,
            # read-only instance of the same file in one process): read through that one.
            return _quiet(duckdb.connect(target, config=_CONFIG))
    except duckdb.IOException as exc:
        raise StoreError(
            f"Không mở được cơ sở dữ liệu {target}: tệp đang được một tiến trình khác sử dụng "
            f"(có thể là ứng dụng đang chạy). Đóng tiến trình đó rồi chạy lại. Chi tiết: {exc}"
        ) from exc
    _quiet(con)
    if read_only:
        if current_version(con) < SCHEMA_VERSION:
            con.close()
            raise StoreError(f"Cơ sở dữ liệu {target} cần được nâng cấp; mở ở chế độ ghi một lần để nâng cấp.")
        return con
    migrate(con)
    return con


def _quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """No progress bars: long statements would print them into the server's log (a per-connection option)."""
    con.execute("set enable_progress_bar = false")
    return con


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("select coalesce(max(version), 0) from schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply pending migrations, each in its own transaction; refresh views and the catalog mirror."""
    con.execute("create table if not exists schema_version (version integer not null, applied_at timestamp not null)")
    version = current_version(con)
    started = version
    for number, path in migrations():
        if number <= version:
            continue
        con.execute("begin transaction")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute("insert into schema_version values (?, ?)", [number, datetime.now()])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        version = number
    con.execute(sql_text("views.sql"))
    _sync_metrics(con)
    # Derived tables a migration changed are computed once, by the code that maintains them.
    if started < _UNIT_MAP_VERSION <= version:
        from reporting.lineage import rebuild_unit_map

        _in_transaction(con, rebuild_unit_map)
    if started < _QUARTERS_VERSION <= version:
        from reporting.rollup import rebuild_quarters

        _in_transaction(con, rebuild_quarters)
    if started < _TARGETS_VERSION <= version:
        from reporting.rollup import refresh_target_totals

        _in_transaction(con, refresh_target_totals)
    return version


_UNIT_MAP_VERSION = 12  # the migration that last changed unit_map (columns or order); older stores get it rebuilt once
_QUARTERS_VERSION = 11  # the migration that last added a quarter roll-up; older stores get them filled once
_TARGETS_VERSION = 13  # the migration that added target_totals; older stores get it filled once


def _in_transaction(con: duckdb.DuckDBPyConnection, build) -> None:
    con.execute("begin transaction")
    try:
        build(con)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _sync_metrics(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        (
            m.code,
            m.label,
            m.sheet,
            SHEETS[m.sheet].name,
            m.level,
            m.kind,
            m.unit,
            m.minimum,
            m.maximum,
            m.appears,
            m.required,
            position,
            m.aggregate,
        )
        for position, m in enumerate(METRICS)
    ]
    current = con.execute(
        "select code, label, sheet, sheet_name, level, kind, unit, minimum, maximum, appears, required, position, "
        "aggregate from metrics order by position"
    ).fetchall()
    if current == rows:
        return
    con.execute("begin transaction")
    con.execute("delete from metrics")
    con.executemany(
        "insert into metrics (code, label, sheet, sheet_name, level, kind, unit, minimum, maximum, appears, "
        "required, position, aggregate) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    con.execute("commit")
