"""Period locks: once the board has reviewed a period, no new versions for it until unlocked.

A lock names a unit and a quarter or a year, and covers every return of a
unit in that subtree whose period lies inside. Locking and unlocking are
audited; unlocked locks stay in the table as history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from ingest.registry import log_action
from reporting.periods import Period, PeriodError, parse
from reporting.units import UnitTree


class LockError(ValueError):
    """A lock that cannot be set or lifted; the message is Vietnamese."""


@dataclass(frozen=True)
class Lock:
    lock_id: int
    unit_code: str
    period: Period
    locked_by: str
    locked_at: datetime
    reason: str | None

    def covers(self, tree: UnitTree, unit_code: str, period: Period) -> bool:
        return (
            unit_code in tree
            and tree.within(unit_code, self.unit_code)
            and self.period.start <= period.start
            and period.end <= self.period.end
        )


def _lockable(code: str) -> Period:
    try:
        period = parse(code)
    except PeriodError as exc:
        raise LockError(str(exc)) from exc
    if period.kind not in ("quarter", "year"):
        raise LockError(f"Chỉ khóa được theo quý (ví dụ 2026-Q2) hoặc cả năm (ví dụ 2026), không theo «{code}».")
    return period


def active_locks(con: duckdb.DuckDBPyConnection) -> list[Lock]:
    rows = con.execute(
        "select lock_id, unit_code, period, locked_by, locked_at, reason from period_locks "
        "where unlocked_at is null order by period, unit_code"
    ).fetchall()
    return [Lock(i, u, parse(p), by, at, reason) for i, u, p, by, at, reason in rows]


def lock_for(locks: list[Lock], tree: UnitTree, unit_code: str, period: Period) -> Lock | None:
    """The lock that keeps this unit's return for this period out, if any."""
    return next((lock for lock in locks if lock.covers(tree, unit_code, period)), None)


def _audit(con: duckdb.DuckDBPyConnection, actor: str, action: str, unit: str, period: str, detail: str) -> None:
    log_action(con, actor, action, None, detail, unit_code=unit, period=period)


def lock_period(
    con: duckdb.DuckDBPyConnection, tree: UnitTree, unit_code: str, period_code: str, actor: str, reason: str = ""
) -> Lock:
    period = _lockable(period_code)
    unit = tree.get(unit_code)
    if unit is None:
        raise LockError(f"Mã đơn vị «{unit_code}» không có trong danh mục đơn vị.")
    existing = next((lock for lock in active_locks(con) if lock.unit_code == unit_code and lock.period == period), None)
    if existing:
        raise LockError(f"{period.label} của {unit.name} đã được khóa từ trước (bởi {existing.locked_by}).")
    con.execute("begin transaction")
    try:
        lock_id = con.execute(
            "insert into period_locks (unit_code, period, locked_by, locked_at, reason) "
            "values ($u, $p, $by, $at, $r) returning lock_id",
            {"u": unit_code, "p": period.code, "by": actor, "at": datetime.now(), "r": reason or None},
        ).fetchone()[0]
        _audit(
            con,
            actor,
            "period_locked",
            unit_code,
            period.code,
            f"Khóa {period.label} của {unit.name}. {reason}".strip(),
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return next(lock for lock in active_locks(con) if lock.lock_id == lock_id)


def unlock(con: duckdb.DuckDBPyConnection, lock_id: int, actor: str, reason: str = "") -> None:
    lock = next((lock for lock in active_locks(con) if lock.lock_id == lock_id), None)
    if lock is None:
        raise LockError(f"Không có khóa số {lock_id} đang hiệu lực.")
    con.execute("begin transaction")
    con.execute(
        "update period_locks set unlocked_by = $by, unlocked_at = $at where lock_id = $id",
        {"by": actor, "at": datetime.now(), "id": lock_id},
    )
    _audit(
        con,
        actor,
        "period_unlocked",
        lock.unit_code,
        lock.period.code,
        f"Mở khóa {lock.period.label}. {reason}".strip(),
    )
    con.execute("commit")
