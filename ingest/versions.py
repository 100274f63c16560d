"""Every version of a return, and what changed between any two.

Accepted versions keep their figures in the store; a rejected version's
figures were never stored, so they are read again from its archived original
(the file is always kept). Either way the diff compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from ingest.context import CheckContext
from ingest.read import read_return
from ingest.validate import check_return
from reporting.catalog import BY_CODE
from reporting.units import UnitTree


@dataclass(frozen=True)
class Change:
    unit_code: str
    metric: str
    label: str
    old: float | None
    new: float | None


def version_values(con: duckdb.DuckDBPyConnection, archive: Path, submission_id: int) -> dict[tuple[str, str], float]:
    """(unit or branch code, metric) → value for one version."""
    rows = con.execute(
        "select unit_code, metric, value from submission_values where submission_id = $id", {"id": submission_id}
    ).fetchall()
    if rows:
        return {(unit, metric): value for unit, metric, value in rows}
    found = con.execute(
        "select a.path, s.file_name from submissions s join archive a using (sha256) where s.submission_id = $id",
        {"id": submission_id},
    ).fetchone()
    if found is None:
        return {}
    raw = read_return((archive / found[0]).read_bytes(), found[1])
    result = check_return(raw, CheckContext(UnitTree.from_db(con), date.today()))
    values = {(result.unit_code, metric): value for metric, value in result.values.items()}
    for branch, branch_values in result.branches.items():
        values.update({(branch, metric): value for metric, value in branch_values.items()})
    return values


def diff(con: duckdb.DuckDBPyConnection, archive: Path, old_id: int, new_id: int) -> list[Change]:
    """The figures that differ between two versions (absent on one side counts as a change)."""
    old, new = version_values(con, archive, old_id), version_values(con, archive, new_id)
    order = {code: i for i, code in enumerate(BY_CODE)}
    keys = sorted(old.keys() | new.keys(), key=lambda k: (k[0], order.get(k[1], 999)))
    return [
        Change(
            unit,
            metric,
            BY_CODE[metric].label if metric in BY_CODE else metric,
            old.get((unit, metric)),
            new.get((unit, metric)),
        )
        for unit, metric in keys
        if old.get((unit, metric)) != new.get((unit, metric))
    ]
