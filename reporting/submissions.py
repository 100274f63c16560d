"""Who has returned what: the status of every reporting unit for a period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

import duckdb

from reporting.db import sql_text
from reporting.periods import Period, parse
from reporting.units import UnitTree

ReturnState = Literal["accepted", "warnings", "rejected", "missing"]
DUE_DAYS = 15  # default due date: 15 days after the period ends (configurable)

STATE_LABEL: dict[str, str] = {
    "accepted": "Đã nhận",
    "warnings": "Đã nhận, có cảnh báo",
    "rejected": "Bị từ chối, chờ gửi lại",
    "missing": "Chưa nộp",
}


@dataclass(frozen=True)
class Version:
    submission_id: int
    period: str
    status: str
    received_at: datetime
    file_name: str
    current: bool


@dataclass
class UnitStatus:
    unit_code: str
    unit_name: str
    period: Period
    state: ReturnState
    late: bool
    versions: list[Version] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "unit": self.unit_code,
            "name": self.unit_name,
            "period": self.period.code,
            "status": self.state,
            "late": self.late,
            "submissions": [
                {
                    "submission_id": v.submission_id,
                    "period": v.period,
                    "status": v.status,
                    "current": v.current,
                    "received_at": v.received_at.isoformat(timespec="seconds"),
                    "file": v.file_name,
                }
                for v in self.versions
            ],
        }


def due_date(period: Period, due_days: int = DUE_DAYS) -> date:
    return period.end + timedelta(days=due_days)


def unit_statuses(
    con: duckdb.DuckDBPyConnection,
    tree: UnitTree,
    period: Period,
    today: date | None = None,
    due_days: int = DUE_DAYS,
) -> list[UnitStatus]:
    """One row per reporting unit active in the period, with every version it sent.

    A unit that reports monthly is counted as having returned a quarter when
    it has a current return for each month in it.
    """
    today = today or date.today()
    rows = con.execute(
        sql_text("status/submissions_in_span.sql"), {"start": period.start, "end": period.end}
    ).fetchall()
    by_unit: dict[str, list[Version]] = {}
    for sid, unit_code, code, _start, _end, status, superseded_by, received_at, file_name in rows:
        current = status != "rejected" and superseded_by is None
        by_unit.setdefault(unit_code, []).append(Version(sid, code, status, received_at, file_name, current))
    due = due_date(period, due_days)
    result = []
    for unit in tree.reporting_units(period.start, period.end):
        versions = by_unit.get(unit.code, [])
        current = [v for v in versions if v.current]
        covered = {v.period for v in current}
        monthly = any(parse(v.period).kind == "month" for v in current)
        expected = period.months if monthly else 1
        if current and len(covered) >= expected:
            state: ReturnState = "warnings" if any(v.status == "warnings" for v in current) else "accepted"
            first_complete = max(min(v.received_at for v in current if v.period == p) for p in covered)
            late = first_complete.date() > due
        else:
            state = "rejected" if versions else "missing"
            late = today > due
        result.append(UnitStatus(unit.code, unit.name, period, state, late, versions))
    return result
