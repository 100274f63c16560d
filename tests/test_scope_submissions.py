"""A return sent from an account for a unit outside its scope: archived and audited under the sender,
never a version of the unit it names (status, history and reminders stay as they were)."""

from __future__ import annotations

import json

from ingest.cli import main
from ingest.load import Incoming, load_files
from reporting import db, queries
from reporting.periods import parse
from reporting.submissions import submission_grid, unit_statuses
from reporting.units import UnitTree
from tests.conftest import DEMO_AS_OF, TODAY, payload
from tests.test_app import open_app


def _of_unit(con, unit: str) -> dict[str, object]:
    """Everything the status, history and reminder views say about ``unit``."""
    tree = UnitTree.from_db(con)
    period = parse("2026-Q2")
    (status,) = [s for s in unit_statuses(con, tree, period, TODAY) if s.unit_code == unit]
    grid, remind = submission_grid(con, tree, unit, 2026, TODAY)
    return {
        "state": status.state,
        "versions": len(status.versions),
        "submissions": con.execute("select count(*) from submissions where unit_code = ?", [unit]).fetchone()[0],
        "grid": grid.to_dict("records"),
        "remind": remind,
        "audit": con.execute("select count(*) from audit_log where unit_code = ?", [unit]).fetchone()[0],
    }


def test_another_units_return_changes_nothing_of_that_unit(store, make_return, tmp_path):
    before = _of_unit(store, "X1")
    assert before["state"] == "missing" and before["remind"]
    path = make_return(payload("2026-Q2"))  # X1's return, sent from an account of X2
    archive = tmp_path / "archive"
    (outcome,) = load_files(
        store, [Incoming.from_path(path)], archive=archive, today=TODAY, loaded_by="xa2", scope="X2"
    )
    assert outcome.action == "rejected" and outcome.submission_id is None
    assert [f.rule for f in outcome.result.findings] == ["unit_outside_scope"]
    assert _of_unit(store, "X1") == before  # not "rejected": still missing, still reminded, no version, no audit
    assert store.execute("select count(*) from submissions").fetchone()[0] == 0
    # Archived: the original bytes by hash, and listed.
    stored = store.execute("select path, first_file_name from archive where sha256 = ?", [outcome.incoming.sha256])
    relative, name = stored.fetchone()
    assert (archive / relative).read_bytes() == path.read_bytes() and name == path.name
    # Audited under the sender: their name and unit, saying whose file it was.
    rows = store.execute(
        "select actor, action, unit_code, period, submission_id, file_name, sha256, detail from audit_log "
        "where action = 'rejected_outside_scope'"
    ).fetchall()
    assert len(rows) == 1
    actor, _action, unit, period, submission_id, file_name, sha, detail = rows[0]
    assert (actor, unit, period, submission_id, file_name, sha) == (
        "xa2", "X2", None, None, path.name, outcome.incoming.sha256
    )  # fmt: skip
    assert "«X1»" in detail and "2026-Q2" in detail
    # The sender's unit log shows it; the named unit's does not.
    sender_log = queries.run(store, "submissions/audit_log", unit="X2", limit=50, whole_store=False)
    assert list(sender_log["action"]) == ["rejected_outside_scope"]
    assert queries.run(store, "submissions/audit_log", unit="X1", limit=50, whole_store=False).empty
    # The same file sent again by X1's own account loads as X1's first version.
    (own,) = load_files(store, [Incoming.from_path(path)], archive=archive, today=TODAY, scope="X1")
    assert own.action == "loaded"
    assert _of_unit(store, "X1")["state"] == "accepted"


def test_in_a_batch_the_own_files_load_and_the_foreign_one_is_only_audited(store, make_return, tmp_path):
    foreign = payload("2026-Q2", unit="X2")
    foreign["branches"] = {"X2-B1": foreign["branches"]["X1-B2"]}
    files = [make_return(payload("2026-Q2")), make_return(foreign), make_return(payload("2025-Q4"))]
    seen = []
    outcomes = load_files(
        store,
        [Incoming.from_path(f) for f in files],
        archive=tmp_path / "archive",
        today=TODAY,
        loaded_by="xa1",
        scope="X1",
        on_outcome=seen.append,
    )
    assert [o.action for o in outcomes] == ["loaded", "rejected", "loaded"]
    assert sorted(o.incoming.name for o in seen) == sorted(f.name for f in files)  # progress for every file
    versions = store.execute("select unit_code, period from submissions order by period").fetchall()
    assert versions == [("X1", "2025-Q4"), ("X1", "2026-Q2")]
    assert _of_unit(store, "X2")["state"] == "missing"
    logged = store.execute("select action, unit_code from audit_log where sha256 is not null").fetchall()
    assert sorted(logged) == [("loaded", "X1"), ("loaded", "X1"), ("rejected_outside_scope", "X1")]


def test_through_the_upload_page_and_ingest_status(demo_copy, demo_store, capsys):
    """A clerk of Kim Bảng (X07) uploads Phú Xuyên's (X13) return: refused with the scope message, and
    `ingest status` still shows X13 as not returned."""
    con = db.connect(demo_copy)
    x13_before = con.execute("select count(*) from submissions where unit_code = 'X13'").fetchone()[0]
    audit_before = con.execute("select count(*) from audit_log where unit_code = 'X13'").fetchone()[0]
    sample = next(demo_store["samples"].glob("01_hop-le_X13_*.xlsx"))
    at = open_app({}, user="xa07")
    at.switch_page("pages/submissions.py").run()
    at.file_uploader[0].upload(sample.name, sample.read_bytes()).run()
    next(b for b in at.button if b.label == "Kiểm tra và nạp").click().run()
    assert not at.exception, at.exception
    (expander,) = [e for e in at.expander if e.label.startswith(sample.name)]
    assert expander.label == f"{sample.name}: bị từ chối"
    errors = [e.value for e in expander.error]
    assert len(errors) == 1 and "Tài khoản của bạn chỉ nộp được báo cáo của Đảng ủy xã Kim Bảng" in errors[0]
    assert con.execute("select count(*) from submissions where unit_code = 'X13'").fetchone()[0] == x13_before
    assert con.execute("select count(*) from audit_log where unit_code = 'X13'").fetchone()[0] == audit_before
    logged = con.execute(
        "select actor, unit_code from audit_log where action = 'rejected_outside_scope' and file_name = ?",
        [sample.name],
    ).fetchall()
    assert logged == [("xa07", "X07")]
    capsys.readouterr()
    main(["status", "--period", "2026-Q3", "--json", "--today", DEMO_AS_OF.isoformat()])
    (x13,) = [row for row in json.loads(capsys.readouterr().out) if row["unit"] == "X13"]
    assert x13["status"] == "missing" and x13["submissions"] == []
