"""Named queries: ``run(con, "submissions/versions", start=..., end=...)``.

Each name is a file ``reporting/sql/<name>.sql`` whose first line states its
grain; parameters are ``$named`` only, never formatted into the text.
"""

from __future__ import annotations

from functools import cache

import duckdb
import pandas as pd

from reporting.db import sql_text


@cache
def _text(name: str) -> str:
    return sql_text(f"{name}.sql")


def run(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> pd.DataFrame:
    """Run a named query and return its full result as a DataFrame."""
    return con.execute(_text(name), params).df()


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
