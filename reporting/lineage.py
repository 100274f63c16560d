"""Units over time: successions (mergers, splits) and the two views of history.

On 1 July 2025 districts were abolished and communes merged (DOMAIN.md §1), so
a province's history spans two trees. The registry records each succession
(old unit → new unit, effective date, the share that passed) and every figure
can be read two ways:

- ``reported``: as the units reported, each under the parent it had;
- ``today``: on today's units, every closed unit's figures passed (times its
  share) to the units that succeeded it, and through them to their ancestors.

Both are kept in the ``unit_map`` table, rebuilt whenever the registry or the
lineage changes, so queries join a plain table instead of walking a tree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb

from reporting.catalog import REPORTING_ORG_TYPES

HISTORIES: dict[str, str] = {
    "today": "Theo đơn vị hiện nay",
    "reported": "Theo đơn vị khi báo cáo",
}
DEFAULT_HISTORY = "today"
END_REASONS: dict[str, str] = {"merged": "sáp nhập", "split": "chia tách", "dissolved": "giải thể"}


@dataclass(frozen=True)
class Succession:
    predecessor: str
    successor: str
    effective: date
    share: float = 1.0


class Lineage:
    """The successions of a registry, and the today's tree they imply.

    ``parents`` maps each unit to its registry parent (None for a root).
    """

    def __init__(
        self,
        parents: dict[str, str | None],
        successions: Iterable[Succession],
        closed: Iterable[str] = (),
    ):
        self.parents = parents
        self.closed = frozenset(closed)  # units with a last day
        self.successions = sorted(successions, key=lambda s: (s.predecessor, s.successor))
        self.successors: dict[str, list[Succession]] = defaultdict(list)
        self.predecessors: dict[str, list[Succession]] = defaultdict(list)
        for s in self.successions:
            self.successors[s.predecessor].append(s)
            self.predecessors[s.successor].append(s)
        self._resolved: dict[str, tuple[tuple[str, float], ...]] = {}
        self._today_parent: dict[str, str | None] = {}

    def resolve(self, code: str, _path: frozenset[str] = frozenset()) -> tuple[tuple[str, float], ...]:
        """The units ``code`` lives on in today, with the share of it each received."""
        if code in self._resolved:
            return self._resolved[code]
        if code in _path:  # a cycle is refused by the checks; never loop
            return ((code, 1.0),)
        if not self.successors.get(code):
            if not self._follows_parent(code):
                return ((code, 1.0),)
            found = self.resolve(self.parents[code], _path | {code})
            self._resolved[code] = found
            return found
        shares: dict[str, float] = defaultdict(float)
        for s in self.successors[code]:
            for unit, share in self.resolve(s.successor, _path | {code}):
                shares[unit] += s.share * share
        found = tuple(sorted(shares.items()))
        self._resolved[code] = found
        return found

    def primary(self, code: str) -> str:
        """The one unit today that received the largest share of ``code``."""
        return max(self.resolve(code), key=lambda pair: (pair[1], _neg(pair[0])))[0]

    def today_parent(self, code: str) -> str | None:
        """A today's unit's parent in today's tree: its registry parent, or what that parent became."""
        if code not in self._today_parent:
            parent = self.parents.get(code)
            self._today_parent[code] = None if parent is None else self.primary(parent)
        return self._today_parent[code]

    def _follows_parent(self, code: str) -> bool:
        """A closed unit with no successor of its own whose parent was merged or split (an old branch
        the registry did not carry on): its history goes where its parent's went, in the same shares."""
        parent = self.parents.get(code)
        return code in self.closed and parent is not None and self.resolve(parent) != ((parent, 1.0),)

    def is_today(self, code: str) -> bool:
        """True for a unit of today's tree: no succession closed it, directly or through its parent
        (it may still have been dissolved: its history then stays under its parent)."""
        return not self.successors.get(code) and not self._follows_parent(code)

    def map_rows(self) -> list[tuple[str, str, str, float, int, bool]]:
        """Every (history, ancestor, unit, share, depth, mapped) row of ``unit_map``, one per
        (history, ancestor, unit): a split unit reaching one ancestor along two paths adds its shares."""
        rows: list[tuple[str, str, str, float, int, bool]] = []
        for code in self.parents:
            for depth, ancestor in enumerate(self._chain(code, self.parents.get)):
                rows.append(("reported", ancestor, code, 1.0, depth, False))
        today_chains = {code: self._chain(code, self.today_parent) for code in self.parents if self.is_today(code)}
        for code, chain in today_chains.items():
            rows.extend(("today", ancestor, code, 1.0, depth, False) for depth, ancestor in enumerate(chain))
        mapped: dict[tuple[str, str], list[float]] = {}
        for code in self.parents:
            if self.is_today(code):
                continue
            for unit, share in self.resolve(code):
                for depth, ancestor in enumerate(today_chains.get(unit, (unit,))):
                    entry = mapped.setdefault((ancestor, code), [0.0, depth])
                    entry[0] += share
                    entry[1] = min(entry[1], depth)
        rows.extend(("today", a, c, share, depth, True) for (a, c), (share, depth) in mapped.items())
        return rows

    def _chain(self, code: str, parent_of) -> list[str]:
        """The unit and its ancestors, nearest first (stopping at a unit outside the registry or a loop)."""
        chain = [code]
        parent = parent_of(code)
        while parent is not None and parent in self.parents and parent not in chain:
            chain.append(parent)
            parent = parent_of(parent)
        return chain


def _neg(code: str) -> tuple[int, ...]:
    """Sort key that prefers the smaller code on equal shares."""
    return tuple(-ord(c) for c in code)


def read_successions(con: duckdb.DuckDBPyConnection) -> list[Succession]:
    rows = con.execute(
        "select predecessor_code, successor_code, effective_date, share from unit_lineage order by 1, 2"
    ).fetchall()
    return [Succession(*row) for row in rows]


def rebuild_unit_map(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute ``unit_map`` from the registry and the lineage (inside the caller's transaction)."""
    import pandas as pd  # only here: the sign-in form reads the registry without pandas (ui/store.py)

    from reporting.units import UnitTree  # units.py builds on this module

    rows = UnitTree.from_db(con).lineage.map_rows()
    frame = pd.DataFrame(rows, columns=["history", "ancestor_code", "unit_code", "share", "depth", "mapped"])
    con.execute("delete from unit_map")
    con.register("new_unit_map", frame)
    # Stored in (history, sends, ancestor_code, unit_code) order: the dashboards filter on the first
    # three, and DuckDB's zone maps then read one row group of the country's million rows, not three.
    try:
        con.execute(
            "insert into unit_map (history, ancestor_code, unit_code, share, depth, mapped, sends, active_from, active_to) "
            "select m.history, m.ancestor_code, m.unit_code, m.share, cast(m.depth as integer), m.mapped, "
            "coalesce(u.org_type in (select unnest($sending)), false) as sends, u.active_from, u.active_to "
            "from new_unit_map as m left join units as u on u.code = m.unit_code "
            "order by m.history, sends, m.ancestor_code, m.unit_code",
            {"sending": sorted(REPORTING_ORG_TYPES)},
        )
    finally:
        con.unregister("new_unit_map")
    return len(rows)
