"""The unit tree: units by code, their parents and children, and who reports.

A tree of any depth; ``org_type`` is stored on every unit, never inferred
from depth. Reporting units (commune-level committees) send returns; the rows
of their branch sheet are the branch-type units below them, down through
sub-committees, stopping at another reporting unit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import duckdb

from reporting.catalog import BRANCH_ORG_TYPES, REPORTING_ORG_TYPES


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    org_type: str
    parent_code: str | None
    active_from: date | None = None
    active_to: date | None = None

    def active_during(self, start: date, end: date) -> bool:
        """True if the unit existed for the whole of [start, end]."""
        return (self.active_from is None or self.active_from <= start) and (
            self.active_to is None or end <= self.active_to
        )

    @property
    def reports(self) -> bool:
        return self.org_type in REPORTING_ORG_TYPES

    @property
    def is_branch(self) -> bool:
        return self.org_type in BRANCH_ORG_TYPES


class UnitTree:
    """An immutable view of the registry, built once per load or script run."""

    def __init__(self, units: list[Unit]):
        self.by_code: dict[str, Unit] = {u.code: u for u in units}
        self._children: dict[str, list[Unit]] = defaultdict(list)
        for unit in units:
            if unit.parent_code is not None:
                self._children[unit.parent_code].append(unit)
        for kids in self._children.values():
            kids.sort(key=lambda u: u.code)

    @classmethod
    def from_db(cls, con: duckdb.DuckDBPyConnection) -> UnitTree:
        rows = con.execute(
            "select code, name, org_type, parent_code, active_from, active_to from units order by code"
        ).fetchall()
        return cls([Unit(*row) for row in rows])

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def __len__(self) -> int:
        return len(self.by_code)

    def get(self, code: str) -> Unit | None:
        return self.by_code.get(code)

    def children(self, code: str) -> list[Unit]:
        return list(self._children.get(code, ()))

    def roots(self) -> list[Unit]:
        return sorted(
            (u for u in self.by_code.values() if u.parent_code is None or u.parent_code not in self.by_code),
            key=lambda u: u.code,
        )

    def ancestors(self, code: str) -> list[Unit]:
        """From the root down to the unit's parent (for breadcrumbs)."""
        chain: list[Unit] = []
        unit = self.by_code.get(code)
        while unit is not None and unit.parent_code in self.by_code:
            unit = self.by_code[unit.parent_code]
            chain.append(unit)
        return chain[::-1]

    def within(self, code: str, ancestor: str) -> bool:
        """True when ``code`` is ``ancestor`` or lies anywhere below it."""
        return code == ancestor or any(a.code == ancestor for a in self.ancestors(code))

    def branches_of(self, code: str, start: date | None = None, end: date | None = None) -> list[Unit]:
        """The branch rows a reporting unit's return must hold, active during [start, end]."""
        found: list[Unit] = []
        stack = list(reversed(self.children(code)))
        while stack:
            unit = stack.pop()
            if unit.reports:
                continue  # another reporting unit answers for its own branches
            if unit.is_branch and (start is None or end is None or unit.active_during(start, end)):
                found.append(unit)
            stack.extend(reversed(self.children(unit.code)))
        return found

    def reporting_units(self, start: date | None = None, end: date | None = None) -> list[Unit]:
        """Every unit expected to send a return, active during [start, end] if given."""
        return sorted(
            (
                u
                for u in self.by_code.values()
                if u.reports and (start is None or end is None or u.active_during(start, end))
            ),
            key=lambda u: u.code,
        )

    def reporting_unit_of(self, code: str) -> Unit | None:
        """The reporting unit whose return carries this branch."""
        unit = self.by_code.get(code)
        while unit is not None and not unit.reports:
            unit = self.by_code.get(unit.parent_code) if unit.parent_code else None
        return unit
