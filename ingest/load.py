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
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa

from ingest.context import CheckContext
from ingest.findings import error
from ingest.read import RawReturn, read_return
from ingest.registry import resolve_targets
from ingest.validate import CheckResult, CheckSettings, check_return
from reporting.units import UnitTree

Action = Literal["loaded", "replaced", "unchanged", "rejected"]


@dataclass(frozen=True)
class Incoming:
    """One received file: its name as sent, its bytes, and when it arrived."""

    name: str
    data: bytes
    received_at: datetime | None = None

    @property
    def sha256(self) -> str:
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
        return f"Bị từ chối ({errors} lỗi); số liệu không được nạp. Sửa các lỗi dưới đây rồi gửi lại."

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
    raws = [read_return(f.data, f.name) for f in files]
    seen: dict[tuple[str, str], str] = {}
    for i in _processing_order(raws):
        result = check_return(raws[i], ctx, settings)
        _batch_duplicate(result, seen)
        if result.status != "rejected":
            ctx.remember(result.unit_code, result.period, result.values)
        yield i, result


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


GROUP = 25  # files stored per transaction: a commit costs more than a file's rows (bench/RESULTS.md)


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
        con.execute("begin transaction")
        try:
            stored = [(i, _store(con, files[i], relatives[i], result, loaded_by)) for i, result in waiting]
            if any(o.action in ("loaded", "replaced") for _, o in stored):
                resolve_targets(con)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        for i, outcome in stored:
            outcomes[i] = outcome
            if on_outcome is not None:
                on_outcome(outcome)
        waiting.clear()

    for checked in _checked(ctx, files, settings):
        waiting.append(checked)
        if len(waiting) >= group:
            commit_group()
    commit_group()
    return outcomes  # type: ignore[return-value]


def _store(
    con: duckdb.DuckDBPyConnection, incoming: Incoming, relative: Path, result: CheckResult, loaded_by: str
) -> LoadOutcome:
    """Store one checked file inside the caller's transaction."""
    sha = incoming.sha256
    period = result.period
    con.execute(
        "insert into archive values ($sha, $size, $path, $name, now()) on conflict do nothing",
        {"sha": sha, "size": len(incoming.data), "path": relative.as_posix(), "name": incoming.name},
    )
    if result.status == "rejected":
        same = con.execute(
            "select submission_id from submissions where sha256 = $sha and status = 'rejected' "
            "and unit_code is not distinct from $unit and period is not distinct from $period",
            {"sha": sha, "unit": result.unit_code, "period": period.code if period else result.period_text},
        ).fetchone()
        if same:
            outcome = LoadOutcome(incoming, result, "rejected", same[0])
        else:
            outcome = LoadOutcome(incoming, result, "rejected", _insert_submission(con, incoming, result, loaded_by))
        audit(con, loaded_by, outcome)
        return outcome
    current = con.execute(
        "select submission_id, sha256 from current_submissions where unit_code = $unit and period = $period",
        {"unit": result.unit_code, "period": period.code},
    ).fetchone()
    if current and current[1] == sha:
        outcome = LoadOutcome(incoming, result, "unchanged", current[0])
        audit(con, loaded_by, outcome)
        return outcome
    submission_id = _insert_submission(con, incoming, result, loaded_by)
    _insert_values(con, submission_id, result)
    if current:
        con.execute(
            "update submissions set superseded_by = $new, superseded_at = now() where submission_id = $old",
            {"new": submission_id, "old": current[0]},
        )
        con.execute("delete from current_figures where submission_id = $old", {"old": current[0]})
    action: Action = "replaced" if current else "loaded"
    outcome = LoadOutcome(incoming, result, action, submission_id, current[0] if current else None)
    audit(con, loaded_by, outcome)
    return outcome


def audit(con: duckdb.DuckDBPyConnection, actor: str, outcome: LoadOutcome) -> None:
    """One audit row for what happened to a file (inside the caller's transaction)."""
    result = outcome.result
    con.execute(
        "insert into audit_log (logged_at, actor, action, file_name, sha256, unit_code, period, submission_id, replaced_id, "
        "detail) values (now(), $actor, $action, $file, $sha, $unit, $period, $id, $replaced, $detail)",
        {
            "actor": actor,
            "action": outcome.action,
            "file": outcome.incoming.name,
            "sha": outcome.incoming.sha256,
            "unit": result.unit_code,
            "period": result.period.code if result.period else result.period_text,
            "id": outcome.submission_id,
            "replaced": outcome.replaced_id,
            "detail": outcome.message,
        },
    )


def _insert_submission(con: duckdb.DuckDBPyConnection, incoming: Incoming, result: CheckResult, loaded_by: str) -> int:
    period = result.period
    submission_id = con.execute(
        """
        insert into submissions (unit_code, period, period_kind, period_start, period_end, file_name, sha256,
                                 received_at, status, template_version, loaded_by)
        values ($unit, $period, $kind, $start, $end, $file, $sha, $received, $status, $version, $by)
        returning submission_id
        """,
        {
            "unit": result.unit_code,
            "period": period.code if period else result.period_text,
            "kind": period.kind if period else None,
            "start": period.start if period else None,
            "end": period.end if period else None,
            "file": incoming.name,
            "sha": incoming.sha256,
            "received": incoming.received_at or datetime.now(),
            "status": result.status,
            "version": result.template_version,
            "by": loaded_by,
        },
    ).fetchone()[0]
    if result.findings:
        findings = pa.table(
            {
                "position": list(range(len(result.findings))),
                "severity": [f.severity for f in result.findings],
                "sheet": [f.sheet for f in result.findings],
                "cell": [f.cell for f in result.findings],
                "rule": [f.rule for f in result.findings],
                "message": [f.message for f in result.findings],
            }
        )
        con.register("incoming_findings", findings)
        con.execute(
            "insert into findings select $id, position, severity, sheet, cell, rule, message from incoming_findings",
            {"id": submission_id},
        )
        con.unregister("incoming_findings")
    return submission_id


def _insert_values(con: duckdb.DuckDBPyConnection, submission_id: int, result: CheckResult) -> None:
    units, metrics, values = [], [], []
    for metric, value in result.values.items():
        units.append(result.unit_code)
        metrics.append(metric)
        values.append(value)
    for branch, branch_values in result.branches.items():
        for metric, value in branch_values.items():
            units.append(branch)
            metrics.append(metric)
            values.append(value)
    table = pa.table({"unit_code": units, "metric": metrics, "value": pa.array(values, pa.float64())})
    con.register("incoming_values", table)
    con.execute(
        "insert into submission_values select $id, unit_code, metric, value from incoming_values",
        {"id": submission_id},
    )
    period = result.period
    con.execute(
        "insert into current_figures select $unit, $start, $end, metric, sum(value), count(*), $id "
        "from incoming_values group by metric",
        {"unit": result.unit_code, "start": period.start, "end": period.end, "id": submission_id},
    )
    con.unregister("incoming_values")
