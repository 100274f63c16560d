"""The figures as the pages see them: named queries and dashboard results, cached per store.

The store itself (the connection, a cursor per call, its metadata, the registry tree) is
``ui.store``, which the sign-in form uses without importing this module; its functions are
re-exported here for the pages. The app is the store's one writing process (uploads load through
it); cached results are keyed on the store's path and cleared after every change.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pandas as pd
import streamlit as st

from ingest.load import Incoming, LoadOutcome, load_files
from ingest.versions import Change
from ingest.versions import diff as version_diff
from reporting import dashboard, db, lagging, queries
from reporting.catalog import METRICS
from reporting.periods import Period, parse, quarter
from reporting.submissions import UnitStatus, unit_statuses
from ui.store import cursor as cursor
from ui.store import is_demo as is_demo
from ui.store import store_path as _store
from ui.store import today as today
from ui.store import tree as tree
from ui.store import tree_of as _tree

# Every catalog metric except the year-end ratings, which the unit page shows in their own quarter.
HISTORY_METRICS: tuple[str, ...] = tuple(m.code for m in METRICS if m.appears == "every")


def _guard(unit: str) -> None:
    """Every unit-scoped figure passes here: outside the signed-in account's scope the run stops."""
    from ui.auth import guard

    guard(unit)


def _guard_submission(submission_id: int) -> None:
    row = cursor().execute("select unit_code from submissions where submission_id = $id", {"id": submission_id})
    found = row.fetchone()
    _guard(found[0] if found and found[0] else "")


@st.cache_data(show_spinner=False)
def _query(path: str, name: str, params: tuple[tuple[str, object], ...]) -> pd.DataFrame:
    return queries.run(cursor(path), name, **dict(params))


def query(name: str, **params: object) -> pd.DataFrame:
    """A named query's result, cached per store and parameters."""
    return _query(_store(), name, tuple(sorted(params.items())))


def years() -> list[int]:
    """Years with returns, latest first (the current year if there are none yet)."""
    found = query("dashboard/years")["year"].astype(int).tolist()
    return found or [today().year]


# --- dashboard figures (cached per store and arguments) ---------------------------


@st.cache_data(show_spinner=False)
def _call(path: str, name: str, *args: object) -> object:
    con = cursor(path)
    if name == "kpis":
        unit, span, history = args
        return dashboard.kpis(con, _tree(path), unit, span, today(), history)
    if name == "lagging":
        unit, span, history = args
        return lagging.lagging_units(con, _tree(path), unit, span, today(), history=history)
    if name == "branch_list":
        unit, span, history = args
        return dashboard.branch_list(con, unit, span, _tree(path), history, today())
    if name == "meeting_issues":
        unit, span, history = args
        return dashboard.meeting_issues(con, unit, span, _tree(path), history, today())
    if name == "submission_grid":
        from reporting.submissions import submission_grid as grid

        return grid(con, _tree(path), *args, today())
    if name == "return_coverage":
        unit, span, history = args
        return dashboard.return_coverage(con, _tree(path), unit, span, today(), history)
    if name in ("figures_by_child", "admissions_by_child", "stock_coverage"):
        return getattr(dashboard, name)(con, *args, today())
    return getattr(dashboard, name)(con, *args)


# Each takes the view of history (``Selection.history``: "today" or "reported", reporting/lineage.py).


def kpis(unit: str, span: Period, history: str) -> list[dashboard.Kpi]:
    _guard(unit)
    return _call(_store(), "kpis", unit, span, history)


def lagging_units(unit: str, span: Period, history: str) -> list[lagging.Lag]:
    _guard(unit)
    return _call(_store(), "lagging", unit, span, history)


def figures(unit: str, span: Period, history: str) -> dict[str, float]:
    _guard(unit)
    return _call(_store(), "figures", unit, span, history)


def stock_coverage(unit: str, span: Period, history: str) -> dict[str, dashboard.Coverage]:
    """How many units owe and gave each opening and closing stock, with the estimate for the rest."""
    _guard(unit)
    return _call(_store(), "stock_coverage", unit, span, history)


def return_coverage(unit: str, span: Period, history: str) -> dashboard.ReturnCoverage:
    """How many of the returns due in the span's ended quarters have come in."""
    _guard(unit)
    return _call(_store(), "return_coverage", unit, span, history)


# Derived columns a page adds to a figures frame, computed once inside the cache rather than on every rerun.
SUMMARIES = {
    "inspection": dashboard.inspection_summary,
    "discipline": dashboard.discipline_summary,
    "meetings": dashboard.meeting_shares,
}


@st.cache_data(show_spinner=False)
def _summarised(path: str, summary: str, name: str, *args: object) -> pd.DataFrame:
    return SUMMARIES[summary](_call(path, name, *args))


def by_child(unit: str, span: Period, history: str, summary: str | None = None) -> pd.DataFrame:
    """Per child unit; ``summary`` (a key of SUMMARIES) adds that page's derived columns."""
    _guard(unit)
    if summary:
        return _summarised(_store(), summary, "figures_by_child", unit, span, history)
    return _call(_store(), "figures_by_child", unit, span, history)


def admissions(unit: str, span: Period, history: str) -> pd.DataFrame:
    _guard(unit)
    return _call(_store(), "admissions_by_child", unit, span, history)


def quarterly(
    unit: str, span: Period, metrics: tuple[str, ...], history: str, years: int = 3, summary: str | None = None
) -> pd.DataFrame:
    """Quarterly series over the last ``years`` years up to the end of the span (``summary``: as by_child)."""
    _guard(unit)
    # quarters ended by today only: an open quarter (a monthly reporter's October) would read as a fall
    args = (unit, span.year - years + 1, min(span.end, today()), list(metrics), history)
    if summary:
        return _summarised(_store(), summary, "quarterly", *args)
    return _call(_store(), "quarterly", *args)


def branch_list(unit: str, span: Period, history: str) -> pd.DataFrame:
    _guard(unit)
    return _call(_store(), "branch_list", unit, span, history)


def meeting_issues(unit: str, span: Period, history: str) -> pd.DataFrame:
    """Per reporting unit under ``unit`` with a branch that reported: branches missing meetings."""
    _guard(unit)
    return _call(_store(), "meeting_issues", unit, span, history)


def target(unit: str, year: int, history: str) -> int | None:
    _guard(unit)
    return _call(_store(), "target", unit, year, history)


def unit_returns(unit: str) -> pd.DataFrame:
    _guard(unit)
    return _call(_store(), "unit_returns", unit)


# --- submissions ------------------------------------------------------------------


def periods() -> list[Period]:
    """Quarters that have received returns, latest first; quarters not yet ended come last."""
    found = [parse(code) for code in query("submissions/periods")["period"]]
    now = today()
    return [p for p in found if p.end < now] + [p for p in found if p.end >= now]


@st.cache_data(show_spinner=False)
def _statuses(path: str, period_code: str, on: date) -> list[UnitStatus]:
    return unit_statuses(cursor(path), _tree(path), parse(period_code), on)


def statuses(period: Period) -> list[UnitStatus]:
    return _statuses(_store(), period.code, today())


def _roots() -> set[str]:
    return {u.code for u in tree().roots()}


def versions(unit: str, period: Period) -> pd.DataFrame:
    """Versions received for the unit's subtree; from the top also files whose unit could not be read."""
    _guard(unit)
    return query("submissions/versions", unit=unit, start=period.start, end=period.end, whole_store=unit in _roots())


def findings(submission_id: int) -> pd.DataFrame:
    _guard_submission(submission_id)
    return query("submissions/findings", submission_id=submission_id)


def submission_grid(unit: str, year: int) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    _guard(unit)
    return _call(_store(), "submission_grid", unit, year)


def audit_log(unit: str, limit: int = 200) -> pd.DataFrame:
    """Actions on the unit's subtree; store-wide actions (registry, backups, sign-ins) only from the top."""
    _guard(unit)
    return query("submissions/audit_log", unit=unit, limit=limit, whole_store=unit in _roots())


def diff(old_id: int, new_id: int) -> list[Change]:
    _guard_submission(old_id)
    _guard_submission(new_id)
    return version_diff(cursor(), db.archive_dir(), old_id, new_id)


def changed() -> None:
    """After any write: drop every cached figure, and publish the read-only copy if this server does."""
    from ingest.publish import publish, publish_target

    st.cache_data.clear()
    _tree.clear()
    target = publish_target()
    if target is not None:
        publish(cursor(), target)


def load(files: list[Incoming], on_outcome=None) -> list[LoadOutcome]:
    """Archive, check and store uploaded files as the signed-in account, within its scope."""
    from ui.auth import require

    user = require("upload")
    outcomes = load_files(
        cursor(),
        files,
        archive=db.archive_dir(),
        loaded_by=user.username,
        today=today(),
        on_outcome=on_outcome,
        scope=user.unit_code,
        tree=tree(),
    )
    changed()
    return outcomes


@st.cache_data(show_spinner="Đang lập báo cáo…")
def _briefing(path: str, unit: str, period_code: str, on: date, history: str) -> tuple[bytes, bytes]:
    from briefing.appendix import build_appendix
    from briefing.figures import gather
    from briefing.report import build_report

    b = gather(cursor(path), _tree(path), unit, parse(period_code), on, history)
    return build_report(b), build_appendix(b)


def warm_briefing() -> None:
    """Start the report's chart renderer in the background (the briefing page calls it when it opens)."""
    from briefing.report import warm_charts

    warm_charts()


def briefing_report(unit: str, period: Period, history: str) -> bytes:
    _guard(unit)
    return _briefing(_store(), unit, period.code, today(), history)[0]


def briefing_appendix(unit: str, period: Period, history: str) -> bytes:
    _guard(unit)
    return _briefing(_store(), unit, period.code, today(), history)[1]


def template_periods(year: int) -> list[Period]:
    """The year's quarters that have begun, latest first: the periods a template can be made for."""
    return [quarter(year, q) for q in range(4, 0, -1) if quarter(year, q).start <= today()] or [quarter(year, 1)]


def templates_zip(unit: str, period: Period) -> bytes:
    """Blank templates, as one zip, for the reporting units active in the period under ``unit``
    (for a branch: its committee's)."""
    from ingest.template import template_bytes, template_file_name  # openpyxl: imported when first needed

    _guard(unit)
    t = tree()
    owner = t.reporting_unit_of(unit)
    targets = queries.targets_of_year(cursor(), period.year)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for reporting in t.reporting_units(period.start, period.end):
            if not t.within(reporting.code, unit) and not (owner and reporting.code == owner.code):
                continue
            _guard(reporting.code)
            data = template_bytes(
                reporting,
                period,
                t.branches_of(reporting.code, period.start, period.end),
                targets.get(reporting.code),
            )
            archive.writestr(template_file_name(reporting, period), data)
    return buffer.getvalue()
