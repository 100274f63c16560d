"""Named queries: ``run(con, "submissions/versions", start=..., end=...)``.

Each name is a file ``reporting/sql/<name>.sql`` whose first line states its
grain; parameters are ``$named`` only, never formatted into the text. A long
list goes in as an Arrow table the query reads by name (``tables``): DuckDB
converts a list parameter value by value, which took 75 ms for the country's
132,000 branches, against about 10 ms as a table (meeting_issues.sql).
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pandas as pd
import pyarrow as pa

from reporting.db import sql_text


def _text(name: str) -> str:
    return sql_text(f"{name}.sql")


def run(
    con: duckdb.DuckDBPyConnection, name: str, tables: Mapping[str, pa.Table] | None = None, **params: object
) -> pd.DataFrame:
    """Run a named query and return its full result as a DataFrame. ``tables``: Arrow tables the
    query reads by name, registered on ``con`` for this call only (a cursor per call keeps them apart)."""
    tables = tables or {}
    for alias, table in tables.items():
        con.register(alias, table)
    try:
        return con.execute(_text(name), params).df()
    finally:
        for alias in tables:
            con.unregister(alias)


def targets_of_year(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, int]:
    """Each unit's own resolved admission target for a year (templates show it; the lagging rule uses it)."""
    return dict(con.execute(_text("targets/of_year"), {"year": year}).fetchall())


def targets_for(con: duckdb.DuckDBPyConnection, codes: list[str], year: int, history: str) -> dict[str, int]:
    """Each unit's admission target for a year in a view of history: its own if set, else the sum of
    the nearest targets below it (on today's units, also its predecessors'); units without one are left out."""
    if not codes:
        return {}
    df = run(con, "dashboard/targets", groups=list(codes), year=year, history=history).dropna()
    return {code: int(t) for code, t in zip(df["group_code"], df["admission_target"], strict=True)}
