"""Readers of a published copy follow every new copy, however many read at once; publishing
survives being killed at any moment and cleans up after a killed publish."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from ingest import publish as pub
from reporting import db
from tests.conftest import payload

# Periods two quarters apart, so no return's opening stock depends on another's.
PERIODS = [f"{year}-Q{q}" for year in (2020, 2021, 2022, 2023, 2024) for q in (1, 3)]
READERS = 8
WITHIN_S = 1.0  # every session sees a new copy within a second of its publication

WRITER = """
import sys, time
from pathlib import Path
from ingest.load import Incoming, load_files
from ingest.publish import publish
from reporting import db
con = db.connect(sys.argv[1])
for f in sorted(Path(sys.argv[3]).glob("*.xlsx")):
    load_files(con, [Incoming.from_path(f)], archive=Path(sys.argv[1]).parent / "archive")
    done = publish(con, sys.argv[2])
    print("published", done["submissions"], time.time(), flush=True)
    time.sleep(float(sys.argv[4]))
print("done", flush=True)
"""


@pytest.fixture
def reader_env(monkeypatch):
    """This process as a reader of ``published``: the app's store module, caches empty."""
    from ui import store

    def become_reader(published):
        monkeypatch.setenv("RETURNS_DB", str(published))
        monkeypatch.setenv("RETURNS_READ_ONLY", "1")
        store._connection.clear()
        store.tree_of.clear()
        store._served.clear()
        return store

    yield become_reader
    store._connection.clear()
    store.tree_of.clear()
    store._served.clear()


def test_eight_reader_threads_follow_every_copy_a_writer_process_publishes(store, make_return, tmp_path, reader_env):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i, period in enumerate(PERIODS):
        make_return(payload(period)).rename(inbox / f"{i:02d}.xlsx")
    published = tmp_path / "published" / "returns.duckdb"
    pub.publish(store, published)  # the first copy: no returns yet
    path = db.db_path()
    store.close()
    app_store = reader_env(published)

    stop = threading.Event()
    seen: list[list[tuple[float, int]]] = [[] for _ in range(READERS)]
    errors: list[BaseException] = []

    def read(slot: int) -> None:
        last = None
        try:
            while not stop.is_set():
                # The app's own path: the store's cursor, as every page and the sign-in form take it.
                count = app_store.cursor().execute("select count(*) from submissions").fetchone()[0]
                if count != last:
                    seen[slot].append((time.time(), count))
                    last = count
                time.sleep(0.005)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(slot,), daemon=True) for slot in range(READERS)]
    for thread in threads:
        thread.start()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(published), str(inbox), "1.0"],
        cwd=db.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = writer.communicate(timeout=180)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 0, err
    published_at = {
        int(line.split()[1]): float(line.split()[2]) for line in out.splitlines() if line.startswith("published")
    }
    assert sorted(published_at) == list(range(1, len(PERIODS) + 1))
    deadline = time.time() + 5
    while time.time() < deadline and any(not s or s[-1][1] != len(PERIODS) for s in seen):
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    assert not errors, errors

    for slot, observed in enumerate(seen):
        counts = [count for _, count in observed]
        assert counts == list(range(len(PERIODS) + 1)), f"reader {slot} saw {counts}"  # every copy, in order
        for at, count in observed[1:]:
            late = at - published_at[count]
            assert late <= WITHIN_S, f"reader {slot} saw copy {count} {late:.2f} s after it was published"
    # Old copies were deleted as new ones came: the newest few stay, and the link names the newest.
    kept = pub.generations(published)
    assert len(kept) == pub.KEEP_GENERATIONS
    assert pub.current_copy(published) == kept[-1][1]
    assert db.connect(published, read_only=True).execute("select count(*) from submissions").fetchone()[0] == 10


def test_a_reader_keeps_reading_a_copy_deleted_under_it_and_then_follows(store, make_return, tmp_path, reader_env):
    published = tmp_path / "pub" / "returns.duckdb"
    pub.publish(store, published)
    app_store = reader_env(published)
    held = app_store.cursor()  # a query of a session running on the first copy
    first = app_store.store_path()
    from tests.conftest import load

    for period in PERIODS[: pub.KEEP_GENERATIONS + 1]:
        load(store, make_return(payload(period)))
        pub.publish(store, published)
    assert not os.path.exists(first)  # deleted by the writer while this reader holds it
    assert held.execute("select count(*) from submissions").fetchone()[0] == 0
    assert app_store.cursor().execute("select count(*) from submissions").fetchone()[0] == 4
    # A run that took the old copy's path before it was deleted goes on with the newest.
    assert app_store.cursor(first).execute("select count(*) from submissions").fetchone()[0] == 4
    # The plain connection of a script (backup, open_published) names the newest too.
    assert pub.open_published(published).execute("select count(*) from submissions").fetchone()[0] == 4


def test_the_published_path_is_a_link_to_a_whole_copy(store, tmp_path):
    published = tmp_path / "returns.duckdb"
    done = pub.publish(store, published)
    assert published.is_symlink() and os.readlink(published) == os.path.basename(done["copy"])
    assert db.connect(published, read_only=True).execute("select count(*) from units").fetchone()[0] > 0
    # A copy published before generations (a plain file) is replaced by the link on the next publish.
    plain = tmp_path / "old" / "returns.duckdb"
    plain.parent.mkdir()
    pub.publish(store, tmp_path / "old" / "first.duckdb")
    os.replace(pub.current_copy(tmp_path / "old" / "first.duckdb"), plain)
    assert pub.current_copy(plain) == plain
    pub.publish(store, plain)
    assert plain.is_symlink() and pub.current_copy(plain) != plain


def test_leftovers_of_a_killed_publish_are_cleaned_by_the_next(store, tmp_path):
    published = tmp_path / "returns.duckdb"
    pub.publish(store, published)
    dead = _dead_pid()
    leftovers = [
        tmp_path / f".returns.duckdb.{dead}.tmp",
        tmp_path / f".returns.duckdb.{dead}.tmp.wal",
        tmp_path / f".returns.duckdb.{dead}.link",
    ]
    for path in leftovers:
        path.write_bytes(b"half a copy")
    # A live publisher's temporary file is left alone, unless nobody has written it for an hour.
    live = tmp_path / f".returns.duckdb.{os.getppid()}.tmp"
    live.write_bytes(b"being written")
    old = tmp_path / f".returns.duckdb.{os.getppid()}.tmp.wal"
    old.write_bytes(b"forgotten")
    os.utime(old, (time.time() - 2 * pub.STALE_TMP_SECONDS,) * 2)
    unrelated = tmp_path / "notes.tmp"
    unrelated.write_text("mine")
    pub.publish(store, published)
    assert not any(path.exists() for path in leftovers) and not old.exists()
    assert live.exists() and unrelated.exists()


KILLED = """
import sys
from ingest.publish import publish
from reporting import db
con = db.connect(sys.argv[1], read_only=True)
print("ready", flush=True)
while True:
    publish(con, sys.argv[2])
"""


def test_a_publish_killed_at_any_moment_leaves_a_whole_copy_named(demo_store, tmp_path):
    """SIGKILL a process publishing in a loop at moments spread over a publish: each time the link
    names a copy that opens and holds the whole store, and the next publish leaves no leftovers."""
    published = tmp_path / "published" / "returns.duckdb"
    source = demo_store["path"]
    expected = db.connect(source, read_only=True).execute("select count(*) from submissions").fetchone()[0]
    for delay in (0.05, 0.2, 0.35, 0.5, 0.8):
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED, str(source), str(published)],
            cwd=db.PROJECT_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        if published.exists():
            con = pub.open_published(published)
            assert con.execute("select count(*) from submissions").fetchone()[0] == expected
            con.close()
    con = db.connect(source, read_only=True)
    pub.publish(con, published)
    names = sorted(os.listdir(published.parent))
    assert not [n for n in names if n.endswith((".tmp", ".wal", ".link"))], names
    assert len(pub.generations(published)) <= pub.KEEP_GENERATIONS


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
