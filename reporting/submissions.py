"""Who has returned what: the status of every reporting unit for a period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

import duckdb
import pandas as pd

from reporting import settings
from reporting.db import sql_text
from reporting.periods import Period, parse
from reporting.units import UnitTree

ReturnState = Literal["accepted", "warnings", "partial", "rejected", "missing"]
DUE_DAYS = settings.current().due_days  # days after the period's end (settings.toml)

STATE_LABEL: dict[str, str] = {
    "accepted": "Đã nhận",
    "warnings": "Đã nhận, có cảnh báo",
    "partial": "Chưa đủ các tháng",
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
        elif current:
            state, late = "partial", today > due  # a monthly unit with some months of the quarter in
        else:
            state = "rejected" if versions else "missing"
            late = today > due
        result.append(UnitStatus(unit.code, unit.name, period, state, late, versions))
    return result


def cell_label(status: UnitStatus, due_passed: bool) -> str:
    """One cell of the units × quarters grid: on time, late, missing, rejected, replaced."""
    if status.state == "missing":
        return "Chưa nộp" if due_passed else "Chưa đến hạn"
    if status.state == "partial":
        months = len({v.period for v in status.versions if v.current})
        return f"{'Thiếu tháng' if due_passed else 'Đang nộp'} ({months}/{status.period.months} tháng)"
    if status.state == "rejected":
        return "Bị từ chối"
    label = "Nộp chậm" if status.late else "Đúng hạn"
    replaced = sum(1 for v in status.versions if v.status != "rejected") > len(
        {v.period for v in status.versions if v.current}
    )
    return label + (" · có bản thay thế" if replaced else "")


def submission_grid(
    con: duckdb.DuckDBPyConnection, tree: UnitTree, unit: str, year: int, today: date, due_days: int = DUE_DAYS
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Reporting units in the subtree × the year's quarters begun by ``today``, and whom to remind of what."""
    from reporting.periods import quarter

    quarters = [quarter(year, q) for q in range(1, 5) if quarter(year, q).start <= today]
    rows: dict[str, dict[str, str]] = {}
    remind: list[tuple[str, str]] = []
    for q in quarters:
        due_passed = today > due_date(q, due_days)
        for status in unit_statuses(con, tree, q, today, due_days):
            if not tree.within(status.unit_code, unit):
                continue
            row = rows.setdefault(status.unit_code, {"code": status.unit_code, "name": status.unit_name})
            row[q.label] = cell_label(status, due_passed)
            if due_passed and status.state == "missing":
                remind.append((status.unit_name, f"chưa nộp báo cáo {q.label}"))
            elif due_passed and status.state == "partial":
                remind.append((status.unit_name, f"chưa nộp đủ báo cáo các tháng của {q.label}"))
            elif due_passed and status.state == "rejected":
                remind.append((status.unit_name, f"báo cáo {q.label} bị từ chối, chưa gửi lại bản đúng"))
    return pd.DataFrame(list(rows.values())), remind
