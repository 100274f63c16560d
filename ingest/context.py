"""What a check needs to know beyond the file: the registry and earlier returns.

Reads the store once per batch. Returns accepted earlier in the same batch
are layered on top, so a batch holding Q1 and Q2 checks Q2's opening stock
against Q1 before either is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from access.locks import Lock, active_locks
from reporting.db import sql_text
from reporting.periods import Period, parse
from reporting.units import UnitTree

_STOCKS = ("members_closing", "probationary_closing")


@dataclass
class _Pending:
    period: Period
    values: dict[str, float]


@dataclass
class CheckContext:
    tree: UnitTree
    today: date
    con: duckdb.DuckDBPyConnection | None = None
    scope: str | None = None  # the sender's unit scope: returns of units outside it are refused
    locks: list[Lock] = field(default_factory=list)
    _pending: dict[tuple[str, str], _Pending] = field(default_factory=dict)

    @classmethod
    def from_db(
        cls, con: duckdb.DuckDBPyConnection, today: date | None = None, scope: str | None = None
    ) -> CheckContext:
        return cls(UnitTree.from_db(con), today or date.today(), con, scope, active_locks(con))

    def remember(self, unit_code: str, period: Period, values: dict[str, float]) -> None:
        """Record a return accepted earlier in this batch, for the checks of later ones."""
        self._pending[(unit_code, period.code)] = _Pending(period, values)

    def previous_stocks(self, unit_code: str, period: Period) -> tuple[str, dict[str, float]] | None:
        """Label and closing stocks of the return that ends the day before ``period`` starts."""
        day_before = period.start - timedelta(days=1)
        for (code, _), pending in self._pending.items():
            if code == unit_code and pending.period.end == day_before:
                return pending.period.label, {k: pending.values[k] for k in _STOCKS if k in pending.values}
        if self.con is None:
            return None
        rows = self.con.execute(
            sql_text("load/previous_stocks.sql"), {"unit_code": unit_code, "period_end": day_before}
        ).fetchall()
        if not rows:
            return None
        return parse(rows[0][0]).label, {metric: value for _, metric, value in rows}

    def period_kinds(self, unit_code: str, year: int) -> set[str]:
        """The kinds of period (quarter, month) the unit has returned in a year."""
        kinds = {p.period.kind for (code, _), p in self._pending.items() if code == unit_code and p.period.year == year}
        if self.con is not None:
            rows = self.con.execute(
                "select distinct period_kind from current_submissions where unit_code = $unit_code "
                "and year(period_start) = $year",
                {"unit_code": unit_code, "year": year},
            ).fetchall()
            kinds.update(r[0] for r in rows)
        return kinds

    def year_flows(self, unit_code: str, period: Period, metrics: tuple[str, ...]) -> float:
        """The sum of flows the unit reported earlier in the same year, before ``period``."""
        per_period: dict[str, float] = {}
        if self.con is not None:
            rows = self.con.execute(
                sql_text("load/year_flows.sql"),
                {"unit_code": unit_code, "metrics": list(metrics), "year": period.year, "start": period.start},
            ).fetchall()
            per_period.update(rows)
        for (code, _), pending in self._pending.items():
            if code == unit_code and pending.period.year == period.year and pending.period.end < period.start:
                per_period[pending.period.start.isoformat()] = sum(pending.values.get(m, 0.0) for m in metrics)
        return sum(per_period.values())

    def history(self, unit_code: str, period: Period) -> dict[str, list[float]]:
        """The unit's own flows in the same quarter of earlier years (quarterly returns only)."""
        if self.con is None or period.kind != "quarter":
            return {}
        rows = self.con.execute(
            sql_text("load/history.sql"), {"unit_code": unit_code, "quarter": period.quarter, "year": period.year}
        ).fetchall()
        found: dict[str, list[float]] = {}
        for metric, _year, value in rows:
            found.setdefault(metric, []).append(value)
        return found

    def peers(self, unit_code: str, period: Period) -> dict[str, list[tuple[float, float]]]:
        """Other units' flows for the same period, per 100 members, with their size."""
        if self.con is None:
            return {}
        rows = self.con.execute(sql_text("load/peers.sql"), {"unit_code": unit_code, "period": period.code}).fetchall()
        found: dict[str, list[tuple[float, float]]] = {}
        for _unit, metric, per_100, members in rows:
            found.setdefault(metric, []).append((per_100, members))
        return found
