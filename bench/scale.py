"""Deterministic scale stores for the benchmark, written straight into DuckDB.

The figures are not meant to balance (the checks are measured separately, on
real workbooks); they have the shape of real returns: every catalog metric of
every return, every branch's row, one current version per unit and period,
targets, the registry, one administrator. Values come from DuckDB's ``hash``
of (submission, unit, metric), so the same arguments give the same store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from access.users import add_user
from reporting import db
from reporting.catalog import METRICS
from reporting.lineage import rebuild_unit_map
from reporting.periods import Period, month, quarter
from reporting.rollup import rebuild_quarters, refresh_target_totals
from reporting.units import UnitTree

BENCH_USER = "bench"
BENCH_PASSWORD = "bench-password-2026"


@dataclass(frozen=True)
class Scale:
    name: str
    provinces: int
    communes: int  # per province
    branches: int  # per commune
    periods: tuple[Period, ...]

    @property
    def returns(self) -> int:
        return self.provinces * self.communes * len(self.periods)

    @property
    def values(self) -> int:
        unit_metrics = sum(m.level == "unit" and m.appears == "every" for m in METRICS)
        branch_metrics = sum(m.level == "branch" for m in METRICS)
        return self.returns * (unit_metrics + self.branches * branch_metrics)


def quarters_until(last: Period, count: int) -> tuple[Period, ...]:
    found = [last]
    while len(found) < count:
        q = found[-1].quarter - 1 or 4
        found.append(quarter(found[-1].year - (found[-1].quarter == 1), q))
    return tuple(reversed(found))


def months_until(last: Period, count: int) -> tuple[Period, ...]:
    found = [last]
    while len(found) < count:
        prev = found[-1].start - timedelta(days=1)
        found.append(month(prev.year, prev.month))
    return tuple(reversed(found))


PROVINCE = Scale("province", 1, 150, 40, quarters_until(quarter(2026, 3), 12))
NATIONAL = Scale("national", 34, 97, 40, months_until(month(2026, 10), 120))  # 3,298 communes

# Modulus and offset of each metric's pseudo-random value: sizes like a real commune's.
_RANGE = {
    "members_opening": (400, 300), "members_closing": (400, 300), "probationary_opening": (30, 5),
    "probationary_closing": (30, 5), "branch_members": (50, 10), "attendance_pct": (20, 80),
    "regular_meetings": (2, 1), "rating_good": (2, 1), "committee_meetings": (3, 1), "conclusions_issued": (3, 1),
}  # fmt: skip
_DEFAULT_RANGE = (4, 0)


def build_scale_store(path: Path, scale: Scale) -> dict[str, float]:
    """Write the store for ``scale`` at ``path`` (replacing it); returns timings in seconds."""
    path = Path(path)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    con = db.connect(path)
    now = datetime(2026, 11, 23, 8, 0)
    first = scale.periods[0].start if scale.periods else date(2020, 1, 1)
    units = [("VN", "Trung ương (thử tải)", "provincial_committee", None)] if scale.provinces > 1 else []
    for p in range(1, scale.provinces + 1):
        province = f"P{p:02d}"
        units.append(
            (province, f"Tỉnh ủy thử tải {p:02d}", "provincial_committee", "VN" if scale.provinces > 1 else None)
        )
        for c in range(1, scale.communes + 1):
            commune = f"{province}X{c:03d}"
            units.append((commune, f"Đảng ủy xã thử tải {p:02d}-{c:03d}", "commune_committee", province))
            units.extend(
                (f"{commune}B{b:02d}", f"Chi bộ thôn {b:02d}", "affiliated_branch", commune)
                for b in range(1, scale.branches + 1)
            )
    frame = pd.DataFrame(units, columns=["code", "name", "org_type", "parent_code"])
    frame["active_from"] = first
    frame["active_to"] = pd.NaT
    frame["updated_at"] = now
    con.register("scale_units", frame)
    con.execute(
        "insert into units (code, name, org_type, parent_code, active_from, active_to, updated_at) "
        "select code, name, org_type, parent_code, active_from, active_to, updated_at from scale_units"
    )
    con.unregister("scale_units")
    con.execute("begin transaction")
    rebuild_unit_map(con)
    con.execute("commit")

    periods = pd.DataFrame(
        [(p.code, p.kind, p.start, p.end) for p in scale.periods], columns=["period", "kind", "start", "end"]
    )
    con.register("scale_periods", periods)
    con.execute(
        """
        insert into submissions (submission_id, unit_code, period, period_kind, period_start, period_end, file_name,
                                 sha256, received_at, status, template_version, loaded_by)
        select row_number() over (order by p.start, u.code), u.code, p.period, p.kind, p.start, p.end,
               'thu-tai.xlsx', md5(u.code || p.period), cast(p."end" as date) + interval 10 day, 'accepted', 1, 'bench'
        from units as u cross join scale_periods as p
        where u.org_type = 'commune_committee'
        """
    )
    con.execute("select setval('submission_seq', (select max(submission_id) from submissions))").fetchall()
    con.unregister("scale_periods")
    ranges = pd.DataFrame(
        [(m.code, m.level, *_RANGE.get(m.code, _DEFAULT_RANGE)) for m in METRICS if m.appears == "every"],
        columns=["metric", "level", "modulus", "offset"],
    )
    con.register("scale_ranges", ranges)
    t_values = time.perf_counter()
    con.execute(
        """
        insert into submission_values
        select s.submission_id, s.unit_code, r.metric,
               cast(r.offset + hash(s.submission_id, r.metric) % r.modulus as double)
        from submissions as s cross join scale_ranges as r
        where r.level = 'unit'
        """
    )
    con.execute(
        """
        insert into submission_values
        select s.submission_id, b.code, r.metric,
               cast(r.offset + hash(s.submission_id, b.code, r.metric) % r.modulus as double)
        from submissions as s
        join units as b on b.parent_code = s.unit_code
        cross join scale_ranges as r
        where r.level = 'branch'
        """
    )
    con.execute(
        """
        insert into current_figures
        select s.unit_code, s.period_start, s.period_end, v.metric, sum(v.value), count(*), s.submission_id
        from submission_values as v
        join submissions as s using (submission_id)
        group by all
        order by s.period_start, s.unit_code, v.metric
        """
    )
    rebuild_quarters(con)
    values_seconds = time.perf_counter() - t_values
    con.unregister("scale_ranges")
    years = sorted({p.year for p in scale.periods})
    con.execute(
        """
        insert into targets
        select u.code, y.year, 'count', 20 + hash(u.code, y.year) % 40, 20 + hash(u.code, y.year) % 40, null, $now
        from units as u cross join (select unnest($years) as year) as y
        where u.org_type = 'commune_committee'
        """,
        {"years": years, "now": now},
    )
    refresh_target_totals(con)
    add_user(
        con,
        UnitTree.from_db(con),
        BENCH_USER,
        role="admin",
        unit_code=units[0][0],
        password=BENCH_PASSWORD,
        actor="bench",
    )
    con.execute("checkpoint")
    con.close()
    return {"build_s": time.perf_counter() - started, "values_s": values_seconds}


def as_of(scale: Scale) -> date:
    """The day the benchmark pretends it is: a month after the last period."""
    return scale.periods[-1].end + timedelta(days=30)
