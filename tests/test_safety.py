"""Loading under stress: readers during a load, and a load killed with SIGKILL mid-batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from ingest.load import Incoming, load_files
from reporting import dashboard, db
from reporting.periods import parse
from tests.conftest import TODAY, payload

# Periods two quarters apart, so no return's opening stock depends on another in the batch.
PERIODS = [f"{year}-Q{q}" for year in (2020, 2021, 2022, 2023, 2024) for q in (1, 3)]

INVARIANTS = {
    "a current return without its figures (half a return)":
        "select count(*) from current_submissions s where not exists "
        "(select 1 from submission_values v where v.submission_id = s.submission_id)",
    "figures of a rejected return":
        "select count(*) from submission_values v join submissions s using (submission_id) where s.status = 'rejected'",
    "two current versions of one return":
        "select count(*) from (select unit_code, period from current_submissions group by all having count(*) > 1)",
    "a version whose original file is not archived":
        "select count(*) from submissions s left join archive a using (sha256) where a.sha256 is null",
    "an action not in the audit log":
        "select count(*) from submissions s where not exists (select 1 from audit_log a where a.submission_id = s.submission_id)",
}  # fmt: skip


def batch(make_return) -> list[Incoming]:
    return [Incoming.from_path(make_return(payload(p))) for p in PERIODS]


def broken(con) -> dict[str, int]:
    found = {name: con.execute(sql).fetchone()[0] for name, sql in INVARIANTS.items()}
    return {name: n for name, n in found.items() if n}


def state(con) -> list[tuple]:
    """What a batch leaves behind, without ids and clocks."""
    return sorted(
        con.execute(
            "select s.unit_code, s.period, s.sha256, s.status, s.superseded_by is null, "
            "(select count(*) from submission_values v where v.submission_id = s.submission_id) "
            "from submissions s"
        ).fetchall()
    )


def test_readers_during_a_load_see_whole_returns(store, make_return):
    files = batch(make_return)
    errors: list[BaseException] = []
    done = threading.Event()
    seen_counts: list[int] = []

    def reader() -> None:
        cursor = store.cursor()
        try:
            while not done.is_set():
                assert not broken(cursor), broken(cursor)
                dashboard.figures(cursor, "T", parse("2021"))
                seen_counts.append(cursor.execute("select count(*) from current_submissions").fetchone()[0])
        except BaseException as exc:  # every failure in a thread is reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(8)]
    for t in threads:
        t.start()
    try:
        outcomes = load_files(store.cursor(), files, archive=db.archive_dir(), today=TODAY)
    finally:
        done.set()
        for t in threads:
            t.join(timeout=60)
    assert not errors, errors[:3]
    assert [o.action for o in outcomes] == ["loaded"] * len(PERIODS)
    assert seen_counts and max(seen_counts) <= len(PERIODS)
    assert not broken(store)


KILLER = """
import json, sys
from datetime import date
from ingest.load import Incoming, load_files
from reporting import db
names = json.loads(sys.argv[1])
con = db.connect()
files = [Incoming.from_path(n) for n in names]
def report(outcome):
    print(outcome.action, flush=True)
group = int(sys.argv[2])
load_files(con, files, archive=db.archive_dir(), today=date(2026, 11, 23), on_outcome=report, group=group)
print("done", flush=True)
"""


@pytest.mark.parametrize("group", [1, 2])
def test_sigkill_mid_batch_then_rerun_ends_as_an_uninterrupted_run(store, make_return, tmp_path, group):
    files = batch(make_return)
    names = json.dumps([str(tmp_path / f.name) for f in files])
    store.close()
    env = dict(os.environ, PYTHONPATH=str(db.PROJECT_ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLER, names, str(group)],
        env=env,
        cwd=db.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    first = 3 if group == 1 else 2  # files reported once their transaction has committed
    committed = [proc.stdout.readline().strip() for _ in range(first)]
    os.kill(proc.pid, signal.SIGKILL)  # mid-batch: the next transaction perhaps under way
    proc.wait()
    assert committed == ["loaded"] * first

    con = db.connect()  # the WAL is replayed; an open transaction is gone whole
    assert not broken(con)
    loaded = con.execute("select count(*) from current_submissions").fetchone()[0]
    assert first <= loaded < len(PERIODS) and loaded % group == 0
    rerun = load_files(con, files, archive=db.archive_dir(), today=TODAY)
    assert rerun[0].action == "unchanged" and rerun[-1].action == "loaded"
    interrupted = state(con)
    con.close()

    from ingest.registry import load_registry, load_targets

    clean = db.connect(tmp_path / "clean" / "returns.duckdb")
    load_registry(clean, tmp_path / "registry.csv")
    load_targets(clean, tmp_path / "targets.csv")
    load_files(clean, files, archive=tmp_path / "clean" / "archive", today=TODAY)
    assert state(clean) == interrupted
    assert not broken(clean)
    clean.close()
