"""The store as the pages see it: one read-only connection per process, a cursor per run.

DuckDB fails queries when threads share one connection (FIELD-NOTES.md), so
every script run takes its own cursor. Cached results are keyed on the
store's path as well as the query, and cleared whenever the store changes.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import streamlit as st

from reporting import db, queries
from reporting.periods import Period, parse
from reporting.submissions import UnitStatus, unit_statuses
from reporting.units import UnitTree


def _store() -> str:
    return str(db.db_path())


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return db.connect(path, read_only=True)


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor for this script run; raises db.StoreError when there is no store."""
    return _connection(_store()).cursor()


@st.cache_data(show_spinner=False)
def _query(path: str, name: str, params: tuple[tuple[str, object], ...]) -> pd.DataFrame:
    return queries.run(_connection(path).cursor(), name, **dict(params))


def query(name: str, **params: object) -> pd.DataFrame:
    """A named query's result, cached per store and parameters."""
    return _query(_store(), name, tuple(sorted(params.items())))


def is_demo() -> bool:
    meta = dict(query("submissions/store_meta").itertuples(index=False))
    return meta.get("demo") == "true"


@st.cache_resource(show_spinner=False)
def _tree(path: str) -> UnitTree:
    return UnitTree.from_db(_connection(path).cursor())


def tree() -> UnitTree:
    return _tree(_store())


def periods(today: date) -> list[Period]:
    """Quarters that have received returns, latest first; quarters not yet ended come last."""
    found = [parse(code) for code in query("submissions/periods")["period"]]
    return [p for p in found if p.end < today] + [p for p in found if p.end >= today]


@st.cache_data(show_spinner=False)
def _statuses(path: str, period_code: str, today: date) -> list[UnitStatus]:
    return unit_statuses(_connection(path).cursor(), _tree(path), parse(period_code), today)


def statuses(period: Period, today: date) -> list[UnitStatus]:
    return _statuses(_store(), period.code, today)


def versions(period: Period) -> pd.DataFrame:
    return query("submissions/versions", start=period.start, end=period.end)
