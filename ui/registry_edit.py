"""The registry page's work, apart from its widgets: tables for the editors, and saving what was edited.

Every save goes through the same checks as ``python -m ingest registry`` (ingest/registry.py):
the whole registry is checked, then written in one transaction with an audit row, or not at all.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import duckdb
import pandas as pd

from ingest.container import inspect
from ingest.registry import (
    LINEAGE_LABELS,
    UNIT_LABELS,
    RegistryChange,
    RegistryError,
    Target,
    apply_registry,
    registry_records,
    store_targets,
    successions_from_records,
    target_records,
    targets_from_records,
)
from ingest.registry_book import target_text
from reporting.numbers import fmt_number
from reporting.units import UnitTree

APP_SOURCE = "ứng dụng: bảng danh mục"
TARGET_COLUMNS = ["unit_code", "admission_target", "name", "resolved", "opening"]


# Frames and options derived from one registry tree, kept as long as the tree is (the app caches
# the tree until the registry changes): the country's 135,000 units took 0.4 s a rerun to lay out.
_per_tree: weakref.WeakKeyDictionary[UnitTree, dict[str, object]] = weakref.WeakKeyDictionary()


def _memo(tree: UnitTree, key: str, build):
    found = _per_tree.setdefault(tree, {})
    if key not in found:
        found[key] = build()
    return found[key]


def unit_frame(tree: UnitTree) -> pd.DataFrame:
    """Every unit of the registry, by code (shared: callers filter, never change it in place)."""

    def build() -> pd.DataFrame:
        rows = [
            [u.code, u.name, u.org_type, u.parent_code, u.active_from, u.active_to, u.end_reason]
            for u in sorted(tree.by_code.values(), key=lambda u: u.code)
        ]
        return pd.DataFrame(rows, columns=list(UNIT_LABELS))

    return _memo(tree, "units", build)


def target_unit_labels(tree: UnitTree) -> dict[str, str]:
    """The units a target can be set for (all but branches), code → "code – name", by code."""
    return _memo(
        tree,
        "target_units",
        lambda: {
            u.code: f"{u.code} – {u.name}"
            for u in sorted(tree.by_code.values(), key=lambda u: u.code)
            if not u.is_branch
        },
    )


def lineage_frame(tree: UnitTree) -> pd.DataFrame:
    rows = [[s.predecessor, s.successor, s.effective, s.share] for s in tree.lineage.successions]
    return pd.DataFrame(rows, columns=list(LINEAGE_LABELS))


def target_frame(con: duckdb.DuckDBPyConnection, tree: UnitTree, year: int) -> pd.DataFrame:
    stored = con.execute(
        "select unit_code, basis, basis_value, admission_target, opening_members from targets where year = $year "
        "order by unit_code",
        {"year": year},
    ).fetchall()
    rows = [
        [code, target_text(basis, value), tree.get(code).name if code in tree else "", resolved, opening]
        for code, basis, value, resolved, opening in stored
    ]
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Editor rows as the registry checks read them; ``_row`` is the row's number in the table."""
    out = []
    for number, row in enumerate(frame.to_dict("records"), start=1):
        clean = {k: (None if v is None or (not isinstance(v, str) and pd.isna(v)) else v) for k, v in row.items()}
        out.append({"_row": number, **clean})
    return out


def save_registry(
    con: duckdb.DuckDBPyConnection, tree: UnitTree, units: pd.DataFrame, lineage: pd.DataFrame, actor: str
) -> RegistryChange | None:
    """Check and store the edited units (only rows shown, by code) and the whole lineage table.

    Returns None when nothing differs from the store; raises RegistryError (nothing written).
    """
    lineage_rows = records(lineage)
    parsed, _, _ = successions_from_records(lineage_rows)
    stored = tree.lineage.successions
    lineage_changed = len(lineage_rows) != len(stored) or set(parsed) != set(stored)
    args = (con, records(units), lineage_rows if lineage_changed else None)
    options = {"actor": actor, "source": APP_SOURCE, "replace_lineage": True}
    change = apply_registry(*args, **options, dry_run=True)
    if not (change.added or change.changed or lineage_changed):
        return None
    return apply_registry(*args, **options)


def save_targets(
    con: duckdb.DuckDBPyConnection, tree: UnitTree, edited: pd.DataFrame, year: int, actor: str
) -> list[Target]:
    """Check and store the year's targets as the table holds them (rows removed are removed)."""
    rows = records(edited[["unit_code", "admission_target"]].assign(year=year))
    targets, errors = targets_from_records(rows, tree)
    if errors:
        raise RegistryError(errors)
    store_targets(con, targets, actor=actor, source="ứng dụng: bảng chỉ tiêu", replace_year=year)
    return targets


@dataclass
class Upload:
    """A registry workbook checked and ready to store."""

    name: str
    units: list[dict[str, object]]
    lineage: list[dict[str, object]] | None
    targets: list[Target]
    change: RegistryChange

    def describe(self) -> str:
        return f"{self.change.describe()}; {fmt_number(len(self.targets))} chỉ tiêu"


def check_upload(con: duckdb.DuckDBPyConnection, tree: UnitTree, name: str, raw: bytes, actor: str) -> Upload:
    """Read and check an uploaded registry workbook without writing. Raises RegistryError or TableError
    with every problem (a dangerous or broken file is refused before any parser sees it)."""
    container = inspect(raw, name)
    if container.refused:
        raise RegistryError([f.message for f in container.problems])
    units, lineage = registry_records(name, data=raw)
    change = apply_registry(con, units, lineage, actor=actor, source=name, dry_run=True)
    rows = target_records(name, raw)
    after = UnitTree([*{**tree.by_code, **{u.code: u for u in change.units}}.values()])  # targets may name new units
    targets, errors = targets_from_records(rows, after) if rows else ([], [])
    if errors:
        raise RegistryError(errors)
    return Upload(name, units, lineage, targets, change)


def store_upload(con: duckdb.DuckDBPyConnection, upload: Upload, actor: str) -> RegistryChange:
    """Store a checked workbook: units, lineage and targets in one transaction."""
    return apply_registry(con, upload.units, upload.lineage, actor=actor, source=upload.name, targets=upload.targets)
