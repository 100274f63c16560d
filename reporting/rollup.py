"""The maintained roll-ups that are computed again from other tables.

The quarter roll-ups, kept equal to the current returns grouped by reporting unit and quarter:
quarter_figures (current_figures by unit, quarter and metric) and quarter_branches (the branches
each unit's returns carry in a quarter, and those without a thematic meeting). current_figures
gets a return's rows when it loads and loses them when a new version supersedes it
(ingest/load.py); every quarter whose returns changed is then computed again here, in the same
transaction. tests/test_rollup.py holds the tables to the public view.

target_totals: every unit's admission target in each view of history, computed again whole
whenever targets, their resolved percents or the registry change (ingest.registry.resolve_targets).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb

from reporting.db import sql_text

ROLLUPS = ("quarter_figures", "quarter_branches")  # each filled by sql/load/<table>.sql


def refresh_quarters(con: duckdb.DuckDBPyConnection, keys: Iterable[tuple[str, date]]) -> None:
    """Compute again the quarters whose returns changed, given as (reporting unit, quarter start),
    inside the caller's transaction. Every quarter of every unit named is computed again (a batch is
    mostly one quarter): more than changed, never less, and the same rows as a full rebuild."""
    pairs = set(keys)
    if not pairs:
        return
    params = {"units": sorted({u for u, _ in pairs}), "quarters": sorted({q for _, q in pairs})}
    for table in ROLLUPS:
        con.execute(
            f"delete from {table} where list_contains($units, unit_code) and list_contains($quarters, quarter_start)",
            params,
        )
        con.execute(f"insert into {table} {sql_text(f'load/{table}.sql')}", {"all": False, **params})


def rebuild_quarters(con: duckdb.DuckDBPyConnection) -> None:
    """Fill the tables from every current return (a store reaching schema 11, a generated store)."""
    for table in ROLLUPS:
        con.execute(f"delete from {table}")
        con.execute(f"insert into {table} {sql_text(f'load/{table}.sql')}", {"all": True, "units": [], "quarters": []})


def refresh_target_totals(con: duckdb.DuckDBPyConnection) -> None:
    """Compute target_totals again from targets and unit_map, inside the caller's transaction
    (at national scale, 11 years of 3,300 targets: 115-135 ms)."""
    con.execute("delete from target_totals")
    con.execute(f"insert into target_totals {sql_text('load/target_totals.sql')}")
