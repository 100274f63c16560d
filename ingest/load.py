"""Checking and loading batches of returns: archive first, then a group of files per transaction.

The write path of the product. Original bytes are archived by content hash
before anything else, so nothing received is ever lost. Files are then
checked and stored whole, a group of them per transaction: a bad file is
recorded with its findings and never reaches the figures, and the others in
the batch load.
A new accepted version supersedes the current one for its unit and period;
the identical file again changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from ingest.context import CheckContext
from ingest.findings import Finding, error
from ingest.read import RawReturn, read_return, unreadable
from ingest.registry import resolve_targets
from ingest.validate import CheckResult, CheckSettings, check_return
from reporting.numbers import fmt_number
from reporting.periods import Period, quarter
from reporting.rollup import refresh_quarters
from reporting.units import UnitTree

Action = Literal["loaded", "replaced", "unchanged", "rejected"]
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Incoming:
    """One received file: its name as sent, its bytes, and when it arrived."""

    name: str
    data: bytes
    received_at: datetime | None = None
    # Why the file could not even be taken out of its upload (a zip entry encrypted, damaged or too large):
    # it is recorded as rejected with this finding, and ``data`` is what was kept of it for the archive.
    problem: Finding | None = None

    @cached_property
    def sha256(self) -> str:
        """Computed once: the archive, the store and the audit all ask for it."""
        return hashlib.sha256(self.data).hexdigest()

    @classmethod
    def from_path(cls, path: Path | str) -> Incoming:
        path = Path(path)
        return cls(path.name, path.read_bytes())


@dataclass
class LoadOutcome:
    incoming: Incoming
    result: CheckResult
    action: Action
    submission_id: int | None = None
    replaced_id: int | None = None

    @property
    def message(self) -> str:
        """What happened, in one Vietnamese sentence."""
        if self.action == "loaded":
            return f"Đã nạp báo cáo (phiên bản #{self.submission_id})."
        if self.action == "replaced":
            return f"Đã nạp phiên bản mới #{self.submission_id}, thay thế phiên bản #{self.replaced_id}."
        if self.action == "unchanged":
            return f"Tệp giống hệt phiên bản đã nhận (#{self.submission_id}); không thay đổi gì."
        errors = sum(f.severity == "error" for f in self.result.findings)
        return f"Bị từ chối ({fmt_number(errors)} lỗi); số liệu không được nạp. Sửa các lỗi dưới đây rồi gửi lại."

    def as_json(self) -> dict[str, object]:
        data = self.result.as_json()
        data.update(
            action=self.action,
            submission_id=self.submission_id,
            replaces=self.replaced_id,
            sha256=self.incoming.sha256,
            message=self.message,
        )
        return data


def _processing_order(raws: list[RawReturn]) -> list[int]:
    """Earlier periods first, so each return's opening stock is checked against the one before it;
    files for the same period keep the order they were given in."""
    return sorted(range(len(raws)), key=lambda i: (_period_key(raws[i])[:2], i))


def _period_key(raw: RawReturn) -> tuple[int, str, str]:
    cell = raw.info.get("period")
    text = str(cell.value) if cell is not None and cell.value is not None else ""
    # "2026-Q3" sorts before "2026-Q4"; months "2026-07" sort among themselves.
    return (0 if raw.readable and text else 1, text, raw.file_name)


def _batch_duplicate(result: CheckResult, seen: dict[tuple[str, str], str]) -> None:
    """A second file for the same unit and period in one batch: which one is right is not ours to guess."""
    if result.unit_code is None or result.period is None:
        return
    key = (result.unit_code, result.period.code)
    if key in seen:
        result.findings.append(
            error(
                "batch_duplicate",
                f"Trong cùng đợt gửi đã có tệp «{seen[key]}» của đơn vị {result.unit_code} cho {result.period.label}; "
                "tệp này không được nạp. Chỉ gửi một tệp cho mỗi kỳ; nếu tệp này là bản đúng, gửi lại riêng tệp này.",
            )
        )
    else:
        seen[key] = result.file_name


def _checked(
    ctx: CheckContext, files: list[Incoming], settings: CheckSettings | None
) -> Iterator[tuple[int, CheckResult]]:
    """Each file's index and check result, in period order; an accepted return is remembered for the
    checks of the later ones (its opening stock follows the earlier one's closing)."""
    raws = [_read(f) for f in files]
    seen: dict[tuple[str, str], str] = {}
    for i in _processing_order(raws):
        result = check_return(raws[i], ctx, settings)
        _batch_duplicate(result, seen)
        if result.status != "rejected":
            ctx.remember(result.unit_code, result.period, result.values)
        yield i, result


def _read(incoming: Incoming) -> RawReturn:
    """``read_return``, or the problem that kept the file from being read; never raises."""
    if incoming.problem is not None:
        return RawReturn(incoming.name, problems=[incoming.problem])
    try:
        return read_return(incoming.data, incoming.name)
    except Exception as exc:  # read_return catches what it knows; nothing else may cost the batch
        _log.exception("reading %s failed", incoming.name)
        return RawReturn(incoming.name, problems=[unreadable(incoming.name, exc)])


def check_files(ctx: CheckContext, files: list[Incoming], settings: CheckSettings | None = None) -> list[CheckResult]:
    """Check a batch without writing anything; results in the order given."""
    results: list[CheckResult | None] = [None] * len(files)
    for i, result in _checked(ctx, files, settings):
        results[i] = result
    return results  # type: ignore[return-value]


def archive_file(archive: Path, incoming: Incoming) -> Path:
    """Write the original bytes under their hash (atomically); return the path relative to ``archive``."""
    sha = incoming.sha256
    suffix = Path(incoming.name).suffix.lower()[:10] or ".bin"
    relative = Path(sha[:2]) / f"{sha}{suffix}"
    target = archive / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + f".tmp{os.getpid()}")
        with open(tmp, "wb") as fh:
            fh.write(incoming.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    return relative


def _bounds_a_year(period: Period) -> bool:
    """Whether a return can give a year's opening membership, from which percent targets are counted
    (load/resolve_targets.sql): it starts on 1 January or ends on 31 December. Any other return
    leaves every resolved target as it is (at national scale resolving took 80-140 ms an upload)."""
    return (period.start.month, period.start.day) == (1, 1) or (period.end.month, period.end.day) == (12, 31)


GROUP = 200  # files per transaction: a group's dozen statements cost more than its rows (150 returns: 25 -> 145/s, 200 -> 174/s)


def load_files(
    con: duckdb.DuckDBPyConnection,
    files: list[Incoming],
    *,
    archive: Path,
    loaded_by: str = "cli",
    today: date | None = None,
    settings: CheckSettings | None = None,
    on_outcome: Callable[[LoadOutcome], None] | None = None,
    scope: str | None = None,
    group: int = GROUP,
    tree: UnitTree | None = None,
) -> list[LoadOutcome]:
    """Archive, check and store a batch. Outcomes in the order given.

    Every file is archived before anything else. Files are then checked in period order and
    stored ``group`` at a time, each group in one transaction: a file is stored whole or not at
    all, a rejected file is recorded with its findings, and if the store fails (or the process
    dies) the group's transaction is rolled back whole, so a rerun of the batch ends where an
    uninterrupted run would. ``on_outcome`` is called for each file once its group has committed
    (progress). ``scope``: the sender's unit; returns of units outside its subtree are refused.
    ``tree``: the registry as the caller already holds it (the app's cache), read here otherwise.
    """
    relatives = [archive_file(archive, f) for f in files]
    ctx = CheckContext.from_db(con, today, scope, tree)
    outcomes: list[LoadOutcome | None] = [None] * len(files)
    waiting: list[tuple[int, CheckResult]] = []

    def commit_group() -> None:
        if not waiting:
            return
        items = [(i, files[i], relatives[i], result) for i, result in waiting]
        try:
            stored = _store_committed(con, items, loaded_by)
        except Exception:  # which file? Each alone: the one that cannot be stored is recorded as such
            _log.exception("storing a group of %d files failed; storing them one by one", len(items))
            stored = [pair for item in items for pair in _store_alone(con, item, loaded_by)]
        for i, outcome in stored:
            outcomes[i] = outcome
            if on_outcome is not None:
                on_outcome(outcome)
        waiting.clear()

    for checked in _checked(ctx, files, settings):
        if scope is not None and outside_scope(checked[1]):
            i, result = checked
            outcomes[i] = _refuse_outside_scope(con, files[i], relatives[i], result, loaded_by, scope)
            if on_outcome is not None:
                on_outcome(outcomes[i])
            continue
        waiting.append(checked)
        if len(waiting) >= group:
            commit_group()
    commit_group()
    return outcomes  # type: ignore[return-value]


def outside_scope(result: CheckResult) -> bool:
    """A return of a unit outside the sender's scope (refused before any other check)."""
    return any(f.rule == "unit_outside_scope" for f in result.findings)


def _refuse_outside_scope(
    con: duckdb.DuckDBPyConnection, incoming: Incoming, relative: Path, result: CheckResult, sender: str, scope: str
) -> LoadOutcome:
    """Another unit's return sent from an account of ``scope``: archived, and audited under the sender
    (their unit, their name), never recorded as a version of the unit it names, so that unit's status,
    history and reminders stay as they were."""
    period = result.period.code if result.period else result.period_text
    detail = (
        f"Từ chối tệp báo cáo của đơn vị «{result.unit_code}»{f' kỳ {period}' if period else ''}: ngoài phạm vi "
        f"của tài khoản ({scope}); không ghi thành phiên bản của đơn vị nào."
    )
    con.execute("begin transaction")
    try:
        con.execute(
            "insert into archive (sha256, size, path, first_file_name, stored_at) "
            "values ($sha, $size, $path, $name, now()) on conflict do nothing",
            {"sha": incoming.sha256, "size": len(incoming.data), "path": relative.as_posix(), "name": incoming.name},
        )
        con.execute(
            "insert into audit_log (logged_at, actor, action, file_name, sha256, unit_code, detail) "
            "values (now(), $actor, 'rejected_outside_scope', $file, $sha, $unit, $detail)",
            {"actor": sender, "file": incoming.name, "sha": incoming.sha256, "unit": scope, "detail": detail},
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return LoadOutcome(incoming, result, "rejected")


def _store_committed(
    con: duckdb.DuckDBPyConnection, items: list[tuple[int, Incoming, Path, CheckResult]], loaded_by: str
) -> list[tuple[int, LoadOutcome]]:
    """``_store_group`` in a transaction of its own: committed whole, or rolled back whole and raised."""
    con.execute("begin transaction")
    try:
        stored = _store_group(con, items, loaded_by)
        if any(o.action in ("loaded", "replaced") and _bounds_a_year(o.result.period) for _, o in stored):
            resolve_targets(con)  # percent targets follow the opening stock, known only at a year's bounds
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return stored


def _store_alone(
    con: duckdb.DuckDBPyConnection, item: tuple[int, Incoming, Path, CheckResult], loaded_by: str
) -> list[tuple[int, LoadOutcome]]:
    """One file in its own transaction; a file that cannot be stored is recorded as rejected with a finding
    saying so, and its figures are not stored. Raises only when even that record cannot be written (the
    store itself is failing: nothing is lost, the original is archived and the batch can be sent again)."""
    try:
        return _store_committed(con, [item], loaded_by)
    except Exception as exc:
        _log.exception("storing %s failed", item[1].name)
        i, incoming, relative, result = item
        finding = unreadable(incoming.name, exc)
        failed = replace(result, findings=[*result.findings, finding], values={}, branches={}, openable=False)
        try:
            return _store_committed(con, [(i, incoming, relative, failed)], loaded_by)
        except Exception:  # perhaps what it says it is: recorded without unit, period and version
            anonymous = replace(failed, unit_code=None, period=None, period_text=None, template_version=None)
            return _store_committed(con, [(i, incoming, relative, anonymous)], loaded_by)


def _store_group(
    con: duckdb.DuckDBPyConnection,
    items: list[tuple[int, Incoming, Path, CheckResult]],
    loaded_by: str,
) -> list[tuple[int, LoadOutcome]]:
    """Store checked files inside the caller's transaction, in a fixed number of statements per group
    (a statement costs more than a file's rows): each file is loaded, replaces the current version,
    changes nothing (the same bytes again), or is recorded as rejected with its findings (the same
    rejected bytes again reuse their record)."""
    archive_rows = {inc.sha256: (len(inc.data), rel.as_posix(), inc.name) for _, inc, rel, _ in items}
    archive_table = pa.table(
        {
            "sha256": list(archive_rows),
            "size": pa.array([size for size, _, _ in archive_rows.values()], pa.int64()),
            "path": [path for _, path, _ in archive_rows.values()],
            "name": [name for _, _, name in archive_rows.values()],
        }
    )
    con.register("incoming_archive", archive_table)
    con.execute(
        "insert into archive select sha256, size, path, name, now() from incoming_archive on conflict do nothing"
    )
    con.unregister("incoming_archive")
    shas = [inc.sha256 for _, inc, _, r in items if r.status == "rejected"]  # only a rejected file looks back
    rejected_before = {
        (sha, unit, period): sid
        for sha, unit, period, sid in con.execute(
            "select sha256, unit_code, period, min(submission_id) from submissions "
            "where status = 'rejected' and sha256 in (select unnest($shas)) group by all",
            {"shas": shas},
        ).fetchall()
    } if shas else {}  # fmt: skip
    keys = [(r.unit_code, r.period.code) for _, _, _, r in items if r.status != "rejected"]
    current = {
        (unit, period): (sid, sha)
        for unit, period, sid, sha in con.execute(
            "select unit_code, period, submission_id, sha256 from current_submissions "
            "where {'unit': unit_code, 'period': period} in (select unnest($keys))",
            {"keys": [{"unit": u, "period": p} for u, p in keys]},
        ).fetchall()
    } if keys else {}  # fmt: skip
    new_rows: list[tuple[int, Incoming, CheckResult]] = []
    planned: list[tuple[int, Incoming, CheckResult, Action, int | None]] = []  # None: id allocated below
    for i, inc, _, result in items:
        period_text = result.period.code if result.period else result.period_text
        if result.status == "rejected":
            key = (inc.sha256, result.unit_code, period_text)
            if key in rejected_before:
                planned.append((i, inc, result, "rejected", rejected_before[key]))
            else:
                rejected_before[key] = -1 - len(new_rows)  # a placeholder: the id is allocated below
                planned.append((i, inc, result, "rejected", rejected_before[key]))
                new_rows.append((i, inc, result))
            continue
        found = current.get((result.unit_code, result.period.code))
        if found and found[1] == inc.sha256:
            planned.append((i, inc, result, "unchanged", found[0]))
            continue
        planned.append((i, inc, result, "replaced" if found else "loaded", -1 - len(new_rows)))
        new_rows.append((i, inc, result))
    ids = [
        row[0]
        for row in con.execute("select nextval('submission_seq') from range($n)", {"n": len(new_rows)}).fetchall()
    ]
    _insert_submissions(con, [(ids[k], inc, result) for k, (_, inc, result) in enumerate(new_rows)], loaded_by)
    accepted = [(ids[k], result) for k, (_, _, result) in enumerate(new_rows) if result.status != "rejected"]
    _insert_values(con, accepted)
    outcomes: list[tuple[int, LoadOutcome]] = []
    superseded: list[tuple[int, int]] = []
    for i, inc, result, action, sid in planned:
        sid = ids[-1 - sid] if sid is not None and sid < 0 else sid
        replaced = None
        if action == "replaced":
            replaced = current[(result.unit_code, result.period.code)][0]
            superseded.append((sid, replaced))
        outcomes.append((i, LoadOutcome(inc, result, action, sid, replaced)))
    if superseded:
        pairs = pa.table({"new_id": [n for n, _ in superseded], "old_id": [o for _, o in superseded]})
        con.register("superseded_pairs", pairs)
        con.execute(
            "update submissions set superseded_by = p.new_id, superseded_at = now() "
            "from superseded_pairs as p where submissions.submission_id = p.old_id"
        )
        con.execute("delete from current_figures where submission_id in (select old_id from superseded_pairs)")
        con.unregister("superseded_pairs")
    # A replaced version is of the same unit and period as the new one: the new ones name every quarter changed.
    refresh_quarters(
        con, [(result.unit_code, quarter(result.period.year, result.period.quarter).start) for _, result in accepted]
    )
    audit_rows(con, loaded_by, [o for _, o in outcomes])
    return outcomes


def audit_rows(con: duckdb.DuckDBPyConnection, actor: str, outcomes: list[LoadOutcome]) -> None:
    """One audit row per file, in one statement (inside the caller's transaction)."""
    if not outcomes:
        return
    rows = pa.table(
        {
            "action": [o.action for o in outcomes],
            "file_name": [o.incoming.name for o in outcomes],
            "sha256": [o.incoming.sha256 for o in outcomes],
            "unit_code": [o.result.unit_code for o in outcomes],
            "period": [o.result.period.code if o.result.period else o.result.period_text for o in outcomes],
            "submission_id": pa.array([o.submission_id for o in outcomes], pa.int32()),
            "replaced_id": pa.array([o.replaced_id for o in outcomes], pa.int32()),
            "detail": [o.message for o in outcomes],
        }
    )
    con.register("incoming_audit", rows)
    con.execute(
        "insert into audit_log (logged_at, actor, action, file_name, sha256, unit_code, period, submission_id, "
        "replaced_id, detail) select now(), $actor, action, file_name, sha256, unit_code, period, submission_id, "
        "replaced_id, detail from incoming_audit",
        {"actor": actor},
    )
    con.unregister("incoming_audit")


def _insert_submissions(
    con: duckdb.DuckDBPyConnection, rows: list[tuple[int, Incoming, CheckResult]], loaded_by: str
) -> None:
    """The new versions (accepted or rejected) and their findings, one statement each."""
    if not rows:
        return
    now = datetime.now()
    periods = [result.period for _, _, result in rows]
    table = pa.table(
        {
            "submission_id": pa.array([sid for sid, _, _ in rows], pa.int32()),
            "unit_code": [result.unit_code for _, _, result in rows],
            "period": [p.code if p else result.period_text for p, (_, _, result) in zip(periods, rows, strict=True)],
            "period_kind": [p.kind if p else None for p in periods],
            "period_start": pa.array([p.start if p else None for p in periods], pa.date32()),
            "period_end": pa.array([p.end if p else None for p in periods], pa.date32()),
            "file_name": [inc.name for _, inc, _ in rows],
            "sha256": [inc.sha256 for _, inc, _ in rows],
            "received_at": pa.array([inc.received_at or now for _, inc, _ in rows], pa.timestamp("us")),
            "status": [result.status for _, _, result in rows],
            "template_version": pa.array([result.template_version for _, _, result in rows], pa.int32()),
        }
    )
    con.register("incoming_submissions", table)
    con.execute(
        "insert into submissions (submission_id, unit_code, period, period_kind, period_start, period_end, file_name, "
        "sha256, received_at, status, template_version, loaded_by) select submission_id, unit_code, period, "
        "period_kind, period_start, period_end, file_name, sha256, received_at, status, template_version, $by "
        "from incoming_submissions",
        {"by": loaded_by},
    )
    con.unregister("incoming_submissions")
    findings = [(sid, position, f) for sid, _, result in rows for position, f in enumerate(result.findings)]
    if findings:
        table = pa.table(
            {
                "submission_id": pa.array([sid for sid, _, _ in findings], pa.int32()),
                "position": pa.array([p for _, p, _ in findings], pa.int32()),
                "severity": [f.severity for _, _, f in findings],
                "sheet": [f.sheet for _, _, f in findings],
                "cell": [f.cell for _, _, f in findings],
                "rule": [f.rule for _, _, f in findings],
                "message": [f.message for _, _, f in findings],
            }
        )
        con.register("incoming_findings", table)
        con.execute(
            "insert into findings select submission_id, position, severity, sheet, cell, rule, message "
            "from incoming_findings"
        )
        con.unregister("incoming_findings")


def _insert_values(con: duckdb.DuckDBPyConnection, rows: list[tuple[int, CheckResult]]) -> None:
    """The figures of the accepted new versions, and their roll-up, one statement each."""
    if not rows:
        return
    ids, units, metrics, values = [], [], [], []
    for submission_id, result in rows:
        for metric, value in result.values.items():
            ids.append(submission_id)
            units.append(result.unit_code)
            metrics.append(metric)
            values.append(value)
        for branch, branch_values in result.branches.items():
            for metric, value in branch_values.items():
                ids.append(submission_id)
                units.append(branch)
                metrics.append(metric)
                values.append(value)
    table = pa.table(
        {
            "submission_id": pa.array(ids, pa.int32()),
            "unit_code": units,
            "metric": metrics,
            "value": pa.array(values, pa.float64()),
        }
    )
    heads = pa.table(
        {
            "submission_id": pa.array([sid for sid, _ in rows], pa.int32()),
            "reporting_code": [result.unit_code for _, result in rows],
            "period_start": pa.array([result.period.start for _, result in rows], pa.date32()),
            "period_end": pa.array([result.period.end for _, result in rows], pa.date32()),
        }
    )
    con.register("incoming_values", table)
    con.register("incoming_heads", heads)
    con.execute("insert into submission_values select submission_id, unit_code, metric, value from incoming_values")
    con.execute(
        "insert into current_figures select h.reporting_code, h.period_start, h.period_end, v.metric, sum(v.value), "
        "count(*), v.submission_id from incoming_values as v join incoming_heads as h using (submission_id) "
        "group by all"
    )
    con.unregister("incoming_values")
    con.unregister("incoming_heads")
