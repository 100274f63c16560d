"""The store as the pages see it: one read-only connection per process, a cursor per run.

DuckDB fails queries when threads share one connection (FIELD-NOTES.md), so
every script run takes its own cursor. Query results are cached and the
cache is cleared whenever the store changes.
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


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return db.connect(path, read_only=True)


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor for this script run; raises db.StoreError when there is no store."""
    return _connection(str(db.db_path())).cursor()


@st.cache_data(show_spinner=False)
def query(name: str, **params: object) -> pd.DataFrame:
    return queries.run(cursor(), name, **params)


@st.cache_data(show_spinner=False)
def is_demo() -> bool:
    meta = dict(query("submissions/store_meta").itertuples(index=False))
    return meta.get("demo") == "true"


@st.cache_resource(show_spinner=False)
def tree() -> UnitTree:
    return UnitTree.from_db(cursor())


def periods() -> list[Period]:
    """Periods that have received returns, latest first."""
    return [parse(code) for code in query("submissions/periods")["period"]]


@st.cache_data(show_spinner=False)
def statuses(period_code: str, today: date) -> list[UnitStatus]:
    return unit_statuses(cursor(), tree(), parse(period_code), today)


def versions(period: Period) -> pd.DataFrame:
    return query("submissions/versions", start=period.start, end=period.end)
