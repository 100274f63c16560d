"""What a check needs to know beyond the file: the registry and earlier returns.

Reads the store once per batch. Returns accepted earlier in the same batch
are layered on top, so a batch holding Q1 and Q2 checks Q2's opening stock
against Q1 before either is stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from access.locks import Lock, active_locks
from reporting.db import sql_text
from reporting.periods import Period, parse
from reporting.units import UnitTree

_STOCKS = ("members_closing", "probationary_closing")


@dataclass(frozen=True)
class Carried:
    """Closing stocks an opening must equal, and where they come from. ``exact`` is False when a
    split's shares estimated them (the board's shares are rounded; a difference is only a warning)."""

    label: str
    stocks: dict[str, float]
    exact: bool = True


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
    _cache: dict[tuple, object] = field(default_factory=dict)

    @classmethod
    def from_db(
        cls,
        con: duckdb.DuckDBPyConnection,
        today: date | None = None,
        scope: str | None = None,
        tree: UnitTree | None = None,
    ) -> CheckContext:
        """``tree``: the registry as already read (the app keeps it cached), else read here."""
        return cls(tree or UnitTree.from_db(con), today or date.today(), con, scope, active_locks(con))

    def remember(self, unit_code: str, period: Period, values: dict[str, float]) -> None:
        """Record a return accepted earlier in this batch, for the checks of later ones."""
        self._pending[(unit_code, period.code)] = _Pending(period, values)

    def _once(self, key: tuple, load):
        """The store's answer for ``key``, read once per batch (the pending overlay adds the batch's own)."""
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def previous_stocks(self, unit_code: str, period: Period) -> Carried | None:
        """The closing stocks ``period``'s opening must equal: the unit's own return ending the day
        before, or, for a unit that a merger or split formed on ``period``'s first day, the sum of its
        predecessors' closing stocks on that day (times their shares). None when not all are stored."""
        own = self._stocks_on(unit_code, period.start)
        if own is not None:
            return Carried(*own, exact=True)
        sources = [s for s in self.tree.lineage.predecessors.get(unit_code, ()) if s.effective == period.start]
        if not sources:
            return None
        total: dict[str, float] = {}
        labels: list[str] = []
        for s in sources:
            found = self._stocks_on(s.predecessor, period.start)
            if found is None:
                return None  # a predecessor's last return is not in: nothing to compare yet
            label, stocks = found
            for metric, value in stocks.items():
                total[metric] = total.get(metric, 0.0) + value * s.share
            labels.append(
                f"{label} của {self.tree.get(s.predecessor).name if s.predecessor in self.tree else s.predecessor}"
            )
        exact = all(s.share == 1 for s in sources)
        # a figure stored before the checks refused non-finite numbers is left out, never rounded
        finite = {k: float(round(v)) for k, v in total.items() if math.isfinite(v)}
        return Carried("; ".join(labels), finite, exact=exact)

    def _stocks_on(self, unit_code: str, start: date) -> tuple[str, dict[str, float]] | None:
        """Label and closing stocks of the unit's return that ends the day before ``start``."""
        day_before = start - timedelta(days=1)
        for (code, _), pending in self._pending.items():
            if code == unit_code and pending.period.end == day_before:
                return pending.period.label, {k: pending.values[k] for k in _STOCKS if k in pending.values}
        if self.con is None:
            return None

        def load() -> dict[str, tuple[str, dict[str, float]]]:
            found: dict[str, tuple[str, dict[str, float]]] = {}
            rows = self.con.execute(sql_text("load/previous_stocks.sql"), {"period_end": day_before}).fetchall()
            for unit, code, metric, value in rows:
                found.setdefault(unit, (parse(code).label, {}))[1][metric] = value
            return found

        return self._once(("previous_stocks", day_before), load).get(unit_code)

    def period_kinds(self, unit_code: str, year: int) -> set[str]:
        """The kinds of period (quarter, month) the unit has returned in a year."""
        kinds = {p.period.kind for (code, _), p in self._pending.items() if code == unit_code and p.period.year == year}
        if self.con is not None:

            def load() -> dict[str, set[str]]:
                found: dict[str, set[str]] = {}
                rows = self.con.execute(
                    "select distinct unit_code, period_kind from current_submissions "
                    # a range, not year(period_start) = $year: DuckDB 2.0 runs that form 5x slower
                    "where period_start >= make_date($year, 1, 1) and period_start < make_date($year + 1, 1, 1)",
                    {"year": year},
                ).fetchall()
                for unit, kind in rows:
                    found.setdefault(unit, set()).add(kind)
                return found

            kinds |= self._once(("period_kinds", year), load).get(unit_code, set())
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
        """The unit's own flows in the same quarter of earlier years (quarterly returns only), as stored
        before this batch."""
        if self.con is None or period.kind != "quarter":
            return {}

        def load() -> dict[str, dict[str, list[float]]]:
            found: dict[str, dict[str, list[float]]] = {}
            rows = self.con.execute(
                sql_text("load/history.sql"), {"quarter": period.quarter, "year": period.year}
            ).fetchall()
            for unit, metric, _year, value in rows:
                found.setdefault(unit, {}).setdefault(metric, []).append(value)
            return found

        return self._once(("history", period.quarter, period.year), load).get(unit_code, {})

    def peers(self, unit_code: str, period: Period) -> dict[str, list[tuple[float, float]]]:
        """Other units' flows for the same period, per 100 members, with their size, as stored before
        this batch."""
        if self.con is None:
            return {}

        def load() -> list[tuple[str, str, float, float]]:
            return self.con.execute(sql_text("load/peers.sql"), {"start": period.start, "end": period.end}).fetchall()

        found: dict[str, list[tuple[float, float]]] = {}
        for unit, metric, per_100, members in self._once(("peers", period.code), load):
            if unit != unit_code:
                found.setdefault(metric, []).append((per_100, members))
        return found
