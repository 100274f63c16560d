"""Publishing a read-only copy of the store for reader processes.

DuckDB lets one process write a database file. For many readers, the writing
process (the app that receives uploads, or the CLI after a batch) publishes
a consistent copy: ``COPY FROM DATABASE`` into a temporary file beside the
target, then an atomic rename over it. A reader that opened the previous
copy keeps reading it (the old file stays alive while open); its next
connection sees the new one. Readers never see a half-written copy.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import duckdb

from reporting import db

_publishing = threading.Lock()  # one copy at a time per process (the attach alias is per database)


def publish(con: duckdb.DuckDBPyConnection, target: Path | str) -> dict[str, object]:
    """Write a consistent copy of the store to ``target`` atomically; returns what was published."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with _publishing:
        for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
            stale.unlink(missing_ok=True)
        started = time.perf_counter()
        database = con.execute("select current_database()").fetchone()[0]
        con.execute(f"attach '{tmp.as_posix()}' as published_copy (read_write)")
        try:
            con.execute(f"copy from database {database} to published_copy")
            submissions = con.execute("select count(*) from published_copy.submissions").fetchone()[0]
        finally:
            con.execute("detach published_copy")  # detaching checkpoints: the copy is one file, no WAL
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return {"path": str(target), "submissions": submissions, "seconds": round(time.perf_counter() - started, 3)}


def publish_target() -> Path | None:
    """Where the writing app publishes after each change: ``RETURNS_PUBLISH``, if set."""
    value = os.environ.get("RETURNS_PUBLISH")
    return Path(value) if value else None


def read_only() -> bool:
    """True in a reader process (``RETURNS_READ_ONLY=1``): it opens a published copy and writes nothing."""
    return os.environ.get("RETURNS_READ_ONLY", "").lower() in ("1", "true", "yes")


def open_published(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A reader's connection to a published copy."""
    return db.connect(path, read_only=True)
