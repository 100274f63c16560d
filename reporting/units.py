"""The unit tree: units by code, their parents and children, and who reports.

A tree of any depth; ``org_type`` is stored on every unit, never inferred
from depth. Reporting units (commune-level committees) send returns; the rows
of their branch sheet are the branch-type units below them, down through
sub-committees, stopping at another reporting unit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb

from reporting.catalog import BRANCH_ORG_TYPES, REPORTING_ORG_TYPES
from reporting.lineage import Lineage, Succession, read_successions


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    org_type: str
    parent_code: str | None
    active_from: date | None = None
    active_to: date | None = None
    end_reason: str | None = None  # merged, split or dissolved (reporting/lineage.py END_REASONS)

    def active_on(self, day: date) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_to is None or day <= self.active_to
        )

    def active_any(self, start: date, end: date) -> bool:
        """True if the unit existed on some day of [start, end]."""
        return (self.active_from is None or self.active_from <= end) and (
            self.active_to is None or start <= self.active_to
        )

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

    def __init__(self, units: list[Unit], successions: Iterable[Succession] = ()):
        self.by_code: dict[str, Unit] = {u.code: u for u in units}
        self.lineage = Lineage(
            {u.code: u.parent_code for u in units}, successions, [u.code for u in units if u.active_to is not None]
        )
        self._today_children: dict[str, list[Unit]] | None = None
        self._roots: list[Unit] | None = None
        self._children: dict[str, list[Unit]] = defaultdict(list)
        for unit in units:
            if unit.parent_code is not None:
                self._children[unit.parent_code].append(unit)
        for kids in self._children.values():
            kids.sort(key=lambda u: u.code)

    @classmethod
    def from_db(cls, con: duckdb.DuckDBPyConnection) -> UnitTree:
        rows = con.execute(
            "select code, name, org_type, parent_code, active_from, active_to, end_reason from units order by code"
        ).fetchall()
        return cls([Unit(*row) for row in rows], read_successions(con))

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def __len__(self) -> int:
        return len(self.by_code)

    def get(self, code: str) -> Unit | None:
        return self.by_code.get(code)

    def children(self, code: str) -> list[Unit]:
        return list(self._children.get(code, ()))

    def roots(self) -> list[Unit]:
        if self._roots is None:  # every page asks; the country has 135,000 units
            self._roots = sorted(
                (u for u in self.by_code.values() if u.parent_code is None or u.parent_code not in self.by_code),
                key=lambda u: u.code,
            )
        return list(self._roots)

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

    def successors_of(self, code: str) -> list[tuple[Unit, float]]:
        """The units a closed unit passed to (directly), with their shares."""
        return [
            (self.by_code[s.successor], s.share) for s in self.lineage.successors.get(code, ()) if s.successor in self
        ]

    def predecessors_of(self, code: str) -> list[tuple[Unit, float]]:
        return [
            (self.by_code[s.predecessor], s.share)
            for s in self.lineage.predecessors.get(code, ())
            if s.predecessor in self
        ]

    def today_children(self, code: str) -> list[Unit]:
        """Children in today's tree (units no succession closed, under what their parent became)."""
        if self._today_children is None:
            index: dict[str, list[Unit]] = defaultdict(list)
            for unit in self.by_code.values():
                if self.lineage.is_today(unit.code):
                    parent = self.lineage.today_parent(unit.code)
                    if parent is not None:
                        index[parent].append(unit)
            for kids in index.values():
                kids.sort(key=lambda u: u.code)
            self._today_children = index
        return list(self._today_children.get(code, ()))

    def view(self, history: str, today: date) -> TreeView:
        return TreeView(self, history, today)


class TreeView:
    """The tree as one view of history shows it (reporting/lineage.py).

    ``reported``: the registry's tree; a unit is listed for a span when it was active on some
    day of it. ``today``: today's tree; only units active today are listed, closed units' figures
    reach them through the lineage.
    """

    def __init__(self, tree: UnitTree, history: str, today: date):
        self.tree, self.history, self.today = tree, history, today

    @property
    def today_view(self) -> bool:
        return self.history == "today"

    def parent(self, code: str) -> str | None:
        if self.today_view:
            return self.tree.lineage.today_parent(code)
        unit = self.tree.get(code)
        return unit.parent_code if unit else None

    def listed(self, code: str) -> bool:
        """Whether the view shows this unit as a node of its tree."""
        unit = self.tree.get(code)
        if unit is None:
            return False
        if self.today_view:
            return self.tree.lineage.is_today(code) and unit.active_on(self.today)
        return True

    def children(self, code: str, start: date, end: date) -> list[Unit]:
        if self.today_view:
            return [u for u in self.tree.today_children(code) if u.active_on(self.today)]
        return [u for u in self.tree.children(code) if u.active_any(start, end)]

    def ancestors(self, code: str) -> list[Unit]:
        chain: list[Unit] = []
        parent = self.parent(code)
        while parent is not None and parent in self.tree and parent not in {u.code for u in chain}:
            chain.append(self.tree.by_code[parent])
            parent = self.parent(parent)
        return chain[::-1]

    def within(self, code: str, ancestor: str) -> bool:
        """True when the unit (for a closed unit, in today's view: any unit it passed to) lies under ``ancestor``."""
        if self.today_view:
            targets = [t for t, _ in self.tree.lineage.resolve(code)]
            return any(t == ancestor or any(a.code == ancestor for a in self.ancestors(t)) for t in targets)
        return self.tree.within(code, ancestor)

    def reporting_of(self, code: str) -> Unit | None:
        """The reporting unit whose figures carry this unit's, in this view."""
        unit = self.tree.get(code)
        while unit is not None and not unit.reports:
            parent = self.parent(unit.code)
            unit = self.tree.get(parent) if parent else None
        return unit

    def branches_under(self, code: str, start: date, end: date) -> list[tuple[Unit, Unit]]:
        """(branch, its reporting unit) for every branch shown under ``code`` for the span."""
        unit = self.tree.get(code)
        if unit is None:
            return []
        if unit.is_branch:
            owner = self.reporting_of(code)
            return [(unit, owner or unit)]
        # Each node carries its reporting unit down (itself if it reports, else its parent's), so the
        # 130,000 branches of the country are not each walked back up the tree.
        found: list[tuple[Unit, Unit]] = []
        stack = [(unit, self.reporting_of(code))]
        while stack:
            node, node_owner = stack.pop()
            for child in reversed(self.children(node.code, start, end)):
                owner = child if child.reports else node_owner
                if child.is_branch:
                    found.append((child, owner or node))
                stack.append((child, owner))
        return sorted(found, key=lambda pair: (pair[1].code, pair[0].code))
