"""Every figure the briefing prints, from the same functions (named queries) as the dashboards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from reporting import dashboard, lagging
from reporting.lagging import Lag
from reporting.lineage import DEFAULT_HISTORY
from reporting.periods import Period
from reporting.submissions import UnitStatus, unit_statuses
from reporting.units import Unit, UnitTree


@dataclass
class Briefing:
    unit: Unit
    period: Period  # the quarter reported on
    today: date
    quarter: dict[str, float]  # figures within the quarter
    year: dict[str, float]  # figures from 1 January to the quarter's end
    target: int | None
    pace_pct: float | None  # the pace the lagging list judges the unit by (None: nothing due yet)
    admissions: pd.DataFrame  # per child unit, laggards first
    by_child: pd.DataFrame  # per child unit: every metric within the quarter, with inspection, discipline
    #                         and meeting summaries
    statuses: list[UnitStatus]
    lags: list[Lag]
    branches_without_thematic: int
    stocks: dict[str, dashboard.Coverage]  # who gave the quarter's opening and closing stocks, and the estimate
    year_returns: dashboard.ReturnCoverage  # returns in from 1 January to the quarter's end

    @property
    def quarter_returns(self) -> dashboard.ReturnCoverage:
        return dashboard.ReturnCoverage.of(self.statuses)

    @property
    def received(self) -> list[UnitStatus]:
        return [s for s in self.statuses if s.state in ("accepted", "warnings")]

    @property
    def late(self) -> list[UnitStatus]:
        return [s for s in self.received if s.late]

    @property
    def missing(self) -> list[UnitStatus]:
        return [s for s in self.statuses if s.state not in ("accepted", "warnings")]


def gather(
    con: duckdb.DuckDBPyConnection,
    tree: UnitTree,
    unit_code: str,
    period: Period,
    today: date,
    history: str = DEFAULT_HISTORY,
) -> Briefing:
    """All the briefing's figures for a unit and a quarter, in a view of history (reporting/lineage.py)."""
    unit = tree.get(unit_code)
    by_child = dashboard.meeting_shares(
        dashboard.discipline_summary(
            dashboard.inspection_summary(dashboard.figures_by_child(con, unit_code, period, history, today))
        )
    )
    view = tree.view(history, today)
    statuses = [s for s in unit_statuses(con, tree, period, today) if view.within(s.unit_code, unit_code)]
    meetings = dashboard.meeting_issues(con, unit_code, period, tree, history, today)
    return Briefing(
        unit=unit,
        period=period,
        today=today,
        quarter=dashboard.figures(con, unit_code, period, history),
        year=dashboard.figures(con, unit_code, dashboard.ytd(period), history),
        target=dashboard.target(con, unit_code, period.year, history),
        pace_pct=lagging.pace_pcts(con, [unit_code], period, today, history).get(unit_code),
        admissions=dashboard.admissions_by_child(con, unit_code, period, history, today),
        by_child=by_child,
        statuses=statuses,
        lags=lagging.lagging_units(con, tree, unit_code, period, today, history=history),
        branches_without_thematic=int(meetings["no_thematic"].sum()),
        stocks=dashboard.stock_coverage(con, unit_code, period, history, today),
        year_returns=dashboard.return_coverage(con, tree, unit_code, dashboard.ytd(period), today, history),
    )
