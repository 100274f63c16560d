"""Publishing a read-only copy of the store for reader processes.

DuckDB lets one process write a database file. For many readers, the writing process (the app
that receives uploads, or the CLI after a batch) publishes a consistent copy after every change.

Every copy is a new file, a *generation*, beside the published path: ``returns.duckdb`` is a
symbolic link naming the newest one, ``returns_g<number>.duckdb`` (an underscore: DuckDB names
the database after the file's stem, and the backup's SQL takes that name unquoted). Publishing
writes the copy with ``COPY FROM DATABASE`` into a temporary file (``.returns.duckdb.<pid>.tmp``),
syncs it, renames it to its generation's name, then points the link at it by renaming a new link
over the old one; each step is atomic, so the link always names a whole copy, whatever moment the
writer is killed at. A reader opens the generation the link names (``current_copy``), under that
generation's own path: DuckDB keeps one database instance per path in a process and hands it to
every later connection to the same path, so a copy renamed over the old file under the same name
would never be seen by a process that still had the old one open.

Each publish cleans up: temporary files of publishes that died (their process is gone, or the
file has not been written for an hour) and every generation but the newest few. A reader that
still has a deleted generation open keeps reading it (the file lives until it is closed) and
moves to the newest at its next query; one that read the link just before its generation was
deleted reads the link again.
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import duckdb

from reporting import db

_publishing = threading.Lock()  # one copy at a time per process (the attach alias is per database)

KEEP_GENERATIONS = 3  # the newest copies kept on disk (the one the link names is always kept)
STALE_TMP_SECONDS = 3600  # a temporary file nobody has written for this long is a dead publish's
_OPEN_TRIES = 5


def _generation_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(target.stem)}_g(\d+){re.escape(target.suffix)}$")


def _tmp_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.(?:tmp|tmp\.wal|link)$")


def generation_path(target: Path, generation: int) -> Path:
    return target.with_name(f"{target.stem}_g{generation:020d}{target.suffix}")


def generations(target: Path | str) -> list[tuple[int, Path]]:
    """The copies published beside ``target``, oldest first."""
    target = Path(target)
    pattern = _generation_pattern(target)
    found = []
    try:
        names = os.listdir(target.parent)
    except FileNotFoundError:
        return []
    for name in names:
        match = pattern.match(name)
        if match:
            found.append((int(match.group(1)), target.parent / name))
    return sorted(found)


def current_copy(path: Path | str) -> Path:
    """The file a published ``path`` stands for now: the generation its link names, or ``path``
    itself when it is a plain file (a store, or a copy published before generations)."""
    path = Path(path)
    try:
        named = Path(os.readlink(path))
    except OSError:  # missing, or not a link
        return path
    return named if named.is_absolute() else path.parent / named


def publish(con: duckdb.DuckDBPyConnection, target: Path | str) -> dict[str, object]:
    """Write a consistent copy of the store as a new generation beside ``target`` and point
    ``target`` at it atomically; returns what was published."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    link = target.with_name(f".{target.name}.{os.getpid()}.link")
    with _publishing:
        clean_stale(target)
        started = time.perf_counter()
        database = con.execute("select current_database()").fetchone()[0]
        quoted_tmp = tmp.as_posix().replace("'", "''")
        quoted_db = database.replace('"', '""')  # a store named «h7-demo.duckdb» is database "h7-demo"
        con.execute(f"attach '{quoted_tmp}' as published_copy (read_write)")
        try:
            con.execute(f'copy from database "{quoted_db}" to published_copy')
            submissions = con.execute("select count(*) from published_copy.submissions").fetchone()[0]
        finally:
            con.execute("detach published_copy")  # detaching checkpoints: the copy is one file, no WAL
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        existing = generations(target)
        generation = max(time.time_ns(), existing[-1][0] + 1 if existing else 0)
        copy = generation_path(target, generation)
        os.replace(tmp, copy)
        _sync_directory(target.parent)
        os.symlink(copy.name, link)  # relative: the folder can be moved or mounted elsewhere
        os.replace(link, target)
        _sync_directory(target.parent)
        removed = _drop_old_generations(target)
    return {
        "path": str(target),
        "copy": str(copy),
        "submissions": submissions,
        "removed": [str(path) for path in removed],
        "seconds": round(time.perf_counter() - started, 3),
    }


def clean_stale(target: Path | str) -> list[Path]:
    """Delete what killed publishes left beside ``target``: temporary copies and links whose process
    is gone or that nobody has written for an hour. Returns what was deleted."""
    target = Path(target)
    pattern = _tmp_pattern(target)
    removed = []
    try:
        names = os.listdir(target.parent)
    except FileNotFoundError:
        return removed
    now = time.time()
    for name in names:
        match = pattern.match(name)
        if not match:
            continue
        path = target.parent / name
        pid = int(match.group(1))
        try:
            idle = now - path.lstat().st_mtime
        except FileNotFoundError:
            continue
        if pid == os.getpid() or not _alive(pid) or idle > STALE_TMP_SECONDS:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _drop_old_generations(target: Path) -> list[Path]:
    """Delete every generation but the newest ``KEEP_GENERATIONS`` and the one the link names."""
    current = current_copy(target).name
    removed = []
    for _generation, path in generations(target)[:-KEEP_GENERATIONS]:
        if path.name == current:
            continue
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_target() -> Path | None:
    """Where the writing app publishes after each change: ``RETURNS_PUBLISH``, if set."""
    value = os.environ.get("RETURNS_PUBLISH")
    return Path(value) if value else None


def read_only() -> bool:
    """True in a reader process (``RETURNS_READ_ONLY=1``): it opens a published copy and writes nothing."""
    return os.environ.get("RETURNS_READ_ONLY", "").lower() in ("1", "true", "yes")


def open_published(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A reader's connection to the newest published copy (by its generation's own path)."""
    for _ in range(_OPEN_TRIES):
        copy = current_copy(path)
        try:
            return db.connect(copy, read_only=True)
        except db.StoreError:
            if current_copy(path) == copy:  # not a newer copy deleting this one: a real failure
                raise
    return db.connect(current_copy(path), read_only=True)
