"""The store as the pages see it: one connection per process, a cursor per call.

DuckDB fails queries when threads share one connection (FIELD-NOTES.md), so
every call takes its own cursor. The app is the store's one writing process
(uploads load through it); cached results are keyed on the store's path and
cleared after every load.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from ingest.load import Incoming, LoadOutcome, load_files
from ingest.template import template_bytes, template_file_name
from ingest.versions import Change
from ingest.versions import diff as version_diff
from reporting import dashboard, db, lagging, queries
from reporting.catalog import METRICS
from reporting.periods import Period, parse, quarter
from reporting.submissions import UnitStatus, unit_statuses
from reporting.units import UnitTree

# Every catalog metric except the year-end ratings, which the unit page shows in their own quarter.
HISTORY_METRICS: tuple[str, ...] = tuple(m.code for m in METRICS if m.appears == "every")


def _store() -> str:
    return str(db.db_path())


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    if not Path(path).exists():
        raise db.StoreError(
            f"Chưa có cơ sở dữ liệu tại {path}. Chạy «make demo» (dữ liệu minh họa) hoặc nạp danh mục đơn vị."
        )
    return db.connect(path)


def cursor(path: str | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor of the process's connection; raises db.StoreError when there is no store."""
    return _connection(path or _store()).cursor()


@st.cache_data(show_spinner=False)
def _query(path: str, name: str, params: tuple[tuple[str, object], ...]) -> pd.DataFrame:
    return queries.run(cursor(path), name, **dict(params))


def query(name: str, **params: object) -> pd.DataFrame:
    """A named query's result, cached per store and parameters."""
    return _query(_store(), name, tuple(sorted(params.items())))


@st.cache_data(show_spinner=False)
def _meta(path: str) -> dict[str, str]:
    return dict(cursor(path).execute("select key, value from store_meta").fetchall())


def is_demo() -> bool:
    return _meta(_store()).get("demo") == "true"


def today() -> date:
    """The demo store is a snapshot: its as-of date is "today" for it; otherwise the calendar's."""
    as_of = _meta(_store()).get("as_of")
    return date.fromisoformat(as_of) if is_demo() and as_of else date.today()


@st.cache_resource(show_spinner=False)
def _tree(path: str) -> UnitTree:
    return UnitTree.from_db(cursor(path))


def tree() -> UnitTree:
    return _tree(_store())


def years() -> list[int]:
    """Years with returns, latest first (the current year if there are none yet)."""
    found = query("dashboard/years")["year"].astype(int).tolist()
    return found or [today().year]


# --- dashboard figures (cached per store and arguments) ---------------------------


@st.cache_data(show_spinner=False)
def _call(path: str, name: str, *args: object) -> object:
    con = cursor(path)
    if name == "kpis":
        return dashboard.kpis(con, _tree(path), *args)
    if name == "lagging":
        return lagging.lagging_units(con, _tree(path), *args)
    if name == "branch_list":
        return dashboard.branch_list(con, *args, _tree(path))
    return getattr(dashboard, name)(con, *args)


def kpis(unit: str, span: Period) -> list[dashboard.Kpi]:
    return _call(_store(), "kpis", unit, span, today())


def lagging_units(unit: str, span: Period) -> list[lagging.Lag]:
    return _call(_store(), "lagging", unit, span, today())


def figures(unit: str, span: Period) -> dict[str, float]:
    return _call(_store(), "figures", unit, span)


def by_child(unit: str, span: Period) -> pd.DataFrame:
    return _call(_store(), "figures_by_child", unit, span)


def admissions(unit: str, span: Period) -> pd.DataFrame:
    return _call(_store(), "admissions_by_child", unit, span)


def quarterly(unit: str, span: Period, metrics: tuple[str, ...], years: int = 3) -> pd.DataFrame:
    """Quarterly series over the last ``years`` years up to the end of the span."""
    return _call(_store(), "quarterly", unit, span.year - years + 1, span.end, list(metrics))


def branch_list(unit: str, span: Period) -> pd.DataFrame:
    return _call(_store(), "branch_list", unit, span)


def target(unit: str, year: int) -> int | None:
    return _call(_store(), "target", unit, year)


def unit_returns(unit: str) -> pd.DataFrame:
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


def versions(period: Period) -> pd.DataFrame:
    return query("submissions/versions", start=period.start, end=period.end)


def findings(submission_id: int) -> pd.DataFrame:
    return query("submissions/findings", submission_id=submission_id)


def audit_log(unit: str, limit: int = 200) -> pd.DataFrame:
    return query("submissions/audit_log", unit=unit, limit=limit)


def diff(old_id: int, new_id: int) -> list[Change]:
    return version_diff(cursor(), db.archive_dir(), old_id, new_id)


def load(files: list[Incoming], loaded_by: str = "ứng dụng", on_outcome=None) -> list[LoadOutcome]:
    """Archive, check and store uploaded files, then drop every cached figure."""
    outcomes = load_files(
        cursor(), files, archive=db.archive_dir(), loaded_by=loaded_by, today=today(), on_outcome=on_outcome
    )
    st.cache_data.clear()
    _tree.clear()
    return outcomes


@st.cache_data(show_spinner="Đang lập báo cáo…")
def _briefing(path: str, unit: str, period_code: str, on: date) -> tuple[bytes, bytes]:
    from briefing.appendix import build_appendix
    from briefing.figures import gather
    from briefing.report import build_report

    b = gather(cursor(path), _tree(path), unit, parse(period_code), on)
    return build_report(b), build_appendix(b)


def briefing_report(unit: str, period: Period) -> bytes:
    return _briefing(_store(), unit, period.code, today())[0]


def briefing_appendix(unit: str, period: Period) -> bytes:
    return _briefing(_store(), unit, period.code, today())[1]


def template_periods(year: int) -> list[Period]:
    """The year's quarters that have begun, latest first: the periods a template can be made for."""
    return [quarter(year, q) for q in range(4, 0, -1) if quarter(year, q).start <= today()] or [quarter(year, 1)]


def templates_zip(period: Period) -> bytes:
    """Blank templates for every reporting unit active in the period, as one zip."""
    t = tree()
    targets = queries.targets_of_year(cursor(), period.year)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for unit in t.reporting_units(period.start, period.end):
            data = template_bytes(
                unit, period, t.branches_of(unit.code, period.start, period.end), targets.get(unit.code)
            )
            archive.writestr(template_file_name(unit, period), data)
    return buffer.getvalue()
