"""The quarter roll-up (quarter_figures): kept equal to current_figures grouped by unit and quarter.

current_figures gets a return's rows when it loads and loses them when a new version supersedes
it (ingest/load.py); every quarter whose returns changed is then computed again from it here, in
the same transaction. tests/test_rollup.py holds the two tables to each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb

from reporting.db import sql_text


def refresh_quarters(con: duckdb.DuckDBPyConnection, keys: Iterable[tuple[str, date]]) -> None:
    """Compute again the quarters whose returns changed, given as (reporting unit, quarter start),
    inside the caller's transaction. Every quarter of every unit named is computed again (a batch is
    mostly one quarter): more than changed, never less, and the same rows as a full rebuild."""
    pairs = set(keys)
    if not pairs:
        return
    params = {"units": sorted({u for u, _ in pairs}), "quarters": sorted({q for _, q in pairs})}
    con.execute(
        "delete from quarter_figures where list_contains($units, unit_code) and list_contains($quarters, quarter_start)",
        params,
    )
    con.execute(f"insert into quarter_figures {sql_text('load/quarter_figures.sql')}", {"all": False, **params})


def rebuild_quarters(con: duckdb.DuckDBPyConnection) -> None:
    """Fill the table from the whole roll-up (a store reaching schema 10, a generated store)."""
    con.execute("delete from quarter_figures")
    con.execute(
        f"insert into quarter_figures {sql_text('load/quarter_figures.sql')}",
        {"all": True, "units": [], "quarters": []},
    )
