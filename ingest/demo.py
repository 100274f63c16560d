"""The illustrative store: a fictional province, generated deterministically.

``python -m ingest demo`` writes a registry and targets, simulates every
commune's returns period by period (membership carried from one period to the
next, branches adding up to the commune), writes each return as a real
workbook through the template and fill code, and loads them all through the
same checks as a clerk's upload. Nothing here is a real unit or a real figure;
the store is marked ``demo`` and the interface says so.

The same seed and as-of date give the same store, byte for byte in its figures.
"""

from __future__ import annotations

import csv
import math
import random
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook

from access.users import add_user
from ingest.fill import apply_fill, plan_fill
from ingest.load import Incoming, load_files
from ingest.registry import load_registry, load_targets
from ingest.template import build_template, workbook_bytes
from reporting import db
from reporting.catalog import BY_CODE, MEETING_RATINGS
from reporting.numbers import fmt_number
from reporting.periods import Period, quarter, returns_in_year
from reporting.units import Unit, UnitTree

PROVINCE_CODE = "MS"
PROVINCE_NAME = "Tỉnh ủy Minh Sơn"
# Today's communes (from the 2025 reform), each formed by merging two or three old communes.
COMMUNES: tuple[tuple[str, str], ...] = (
    ("xã", "An Phú"), ("xã", "Bình Lâm"), ("phường", "Cẩm Hà"), ("xã", "Đông Sơn"),
    ("xã", "Hòa Thuận"), ("phường", "Hưng Long"), ("xã", "Kim Bảng"), ("xã", "Lạc Thủy"),
    ("phường", "Minh Khai"), ("xã", "Mỹ Lộc"), ("xã", "Nghĩa Hưng"), ("phường", "Ngọc Lâm"),
    ("xã", "Phú Xuyên"), ("xã", "Quảng Yên"), ("xã", "Sơn Động"), ("phường", "Tân Tiến"),
    ("xã", "Thạch Bàn"), ("xã", "Thanh Hà"), ("xã", "Tiên Lữ"), ("phường", "Trung Hòa"),
    ("xã", "Văn Giang"), ("xã", "Vĩnh Tường"), ("xã", "Yên Mỹ"), ("đặc khu", "Cô Tiên"),
)  # fmt: skip
# Until 30 June 2025 the old communes reported under three district-level committees; each
# district's old communes merged into eight of today's communes.
REFORM_DAY = date(2025, 7, 1)
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("H1", "Huyện ủy Đông Minh"), ("H2", "Huyện ủy Tây Sơn"), ("H3", "Thị ủy Hà Khê"),
)  # fmt: skip
OLD_NAME_PARTS = (
    "An", "Bảo", "Cát", "Đại", "Đức", "Gia", "Hải", "Hợp", "Hưng", "Khánh", "Liên", "Long", "Minh",
    "Nam", "Ngọc", "Nhân", "Phong", "Phúc", "Quang", "Tân", "Thái", "Thành", "Thịnh", "Thuận",
    "Trung", "Tường", "Vạn", "Vinh", "Xuân", "Yên",
)  # fmt: skip
BRANCH_KINDS = ("Chi bộ thôn {place} {n}", "Chi bộ khu dân cư {place} {n}", "Chi bộ xóm {place} {n}")
INSTITUTION_BRANCHES = (
    "Chi bộ Quân sự", "Chi bộ Công an", "Chi bộ Trạm Y tế", "Chi bộ Trường Mầm non",
    "Chi bộ Trường Tiểu học", "Chi bộ Trường THCS", "Chi bộ Cơ quan Đảng – Đoàn thể",
    "Chi bộ Cơ quan Chính quyền", "Chi bộ Hợp tác xã Nông nghiệp",
)  # fmt: skip
LAGGING_ADMISSIONS = frozenset({"X04", "X11", "X19"})  # clearly behind on admissions
WEAK_MEETINGS = frozenset({"X07", "X15", "X22"})  # weak branch-meeting ratings
SLOW_SENDERS = frozenset({"X09", "X17"})  # often late
MISSING_LATEST = ("X13", "X20")  # have not sent the latest return
MONTHLY_THIS_YEAR = frozenset({"X02"})  # reports every month in the current year
REJECTED_FIRST = "X05"  # first version of one return (2025-Q4) rejected, then corrected
CORRECTED_LATER = "X12"  # one return resubmitted with corrected figures
FIRST_YEAR_OFFSET = 2  # two full years before the current one
# Demo accounts, one per role; the sign-in page of a demo store shows them (illustrative data only).
DEMO_PASSWORD = "minhson-2026"
DEMO_USERS = (
    ("bantochuc", "Ban Tổ chức Tỉnh ủy (minh họa)", "admin", PROVINCE_CODE),
    ("thuongtruc", "Thường trực Tỉnh ủy (minh họa)", "viewer", PROVINCE_CODE),
    ("xa07", "Văn phòng Đảng ủy xã (minh họa)", "clerk", "X07"),
)


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method: small means only, deterministic under the seed."""
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


@dataclass
class _Commune:
    unit: Unit
    branches: list[Unit]
    branch_members: dict[str, int]
    probationary: int
    lagging: bool
    weak: bool
    admitted_log: list[tuple[date, int]] = field(default_factory=list)
    disciplined_this_year: int = 0

    @property
    def members(self) -> int:
        return sum(self.branch_members.values())


def _old_names(rng: random.Random, count: int) -> list[str]:
    """Distinct two-syllable names for the communes before the reform."""
    names: list[str] = []
    while len(names) < count:
        name = " ".join(rng.sample(OLD_NAME_PARTS, 2))
        if name not in names:
            names.append(name)
    return names


@dataclass
class Reform:
    """The demo's history: the old communes and districts, and what became of them."""

    old_communes: dict[str, _Commune]
    districts: list[Unit]
    successor: dict[str, str]  # old commune → today's commune
    branch_successor: dict[str, str]  # old branch → today's branch


def _registry(rng: random.Random) -> tuple[list[Unit], dict[str, _Commune], Reform]:
    """Province, three districts with their old communes until 30 June 2025, then today's communes.

    Every old branch carries on, one for one, as a branch of the commune its commune merged into.
    """
    province = Unit(PROVINCE_CODE, PROVINCE_NAME, "provincial_committee", None, date(2020, 1, 1))
    units = [province]
    last_day = REFORM_DAY - timedelta(days=1)
    districts = [
        Unit(code, name, "district_committee", PROVINCE_CODE, date(2020, 1, 1), last_day, "dissolved")
        for code, name in DISTRICTS
    ]
    units.extend(districts)
    merges = [rng.choice((2, 2, 3)) for _ in COMMUNES]
    old_names = _old_names(rng, sum(merges))
    communes: dict[str, _Commune] = {}
    reform = Reform({}, districts, {}, {})
    old_index = 0
    for i, ((kind, name), parts) in enumerate(zip(COMMUNES, merges, strict=True), start=1):
        code = f"X{i:02d}"
        district = districts[(i - 1) * len(districts) // len(COMMUNES)]
        commune = Unit(code, f"Đảng ủy {kind} {name}", "commune_committee", PROVINCE_CODE, REFORM_DAY)
        units.append(commune)
        lagging, weak = code in LAGGING_ADMISSIONS, code in WEAK_MEETINGS
        new_branches: list[Unit] = []
        new_members: dict[str, int] = {}
        probationary = 0
        for _ in range(parts):
            old_index += 1
            old_code, old_name = f"C{old_index:02d}", old_names[old_index - 1]
            old_kind = "thị trấn" if old_index % 9 == 0 else "xã"
            old = Unit(
                old_code, f"Đảng ủy {old_kind} {old_name}", "commune_committee", district.code,
                date(2020, 1, 1), last_day, "merged",
            )  # fmt: skip
            units.append(old)
            reform.successor[old_code] = code
            residential = rng.randint(5, 9)
            names = [rng.choice(BRANCH_KINDS).format(place=old_name, n=n) for n in range(1, residential + 1)]
            names += [f"{b} {old_kind} {old_name}" for b in rng.sample(INSTITUTION_BRANCHES, rng.randint(2, 4))]
            old_branches = []
            members: dict[str, int] = {}
            for j, branch_name in enumerate(names, start=1):
                branch = Unit(
                    f"{old_code}-CB{j:02d}", branch_name, "affiliated_branch", old_code, date(2020, 1, 1), last_day,
                    "merged",
                )  # fmt: skip
                old_branches.append(branch)
                members[branch.code] = rng.randint(12, 55)
                new_code = f"{code}-CB{len(new_branches) + 1:02d}"
                new_branches.append(Unit(new_code, branch_name, "affiliated_branch", code, REFORM_DAY))
                reform.branch_successor[branch.code] = new_code
            units.extend(old_branches)
            prob = max(1, round(sum(members.values()) * rng.uniform(0.03, 0.05)))
            probationary += prob
            reform.old_communes[old_code] = _Commune(old, old_branches, members, prob, lagging, weak)
        units.extend(new_branches)
        communes[code] = _Commune(commune, new_branches, new_members, probationary, lagging, weak)
    return units, communes, reform


def _merge_into(new: _Commune, olds: list[_Commune], reform: Reform) -> None:
    """On the reform day today's commune takes over its old communes' members and history."""
    new.branch_members = {
        reform.branch_successor[code]: members for old in olds for code, members in old.branch_members.items()
    }
    new.probationary = sum(old.probationary for old in olds)
    new.admitted_log = sorted(entry for old in olds for entry in old.admitted_log)
    new.disciplined_this_year = sum(old.disciplined_this_year for old in olds)


def _periods(code: str, first_year: int, as_of: date, active_from: date, active_to: date | None) -> list[Period]:
    periods = []
    for year in range(first_year, as_of.year + 1):
        kind = "month" if year == as_of.year and code in MONTHLY_THIS_YEAR else "quarter"
        periods += [
            p
            for p in returns_in_year(year, kind)
            if p.end < as_of and p.start >= active_from and (active_to is None or p.end <= active_to)
        ]
    return periods


_SEASON = {1: 0.2, 2: 0.3, 3: 0.2, 4: 0.3}  # admissions cluster before 2/9 and the year's end


def _simulate(c: _Commune, period: Period, annual_target: int, rng: random.Random) -> dict:
    months = period.months
    share = _SEASON[period.quarter] * months / 3
    opening, prob_opening = c.members, c.probationary
    pace = 0.35 if c.lagging else rng.uniform(0.85, 1.2)
    flows = {
        "admitted": _poisson(rng, annual_target * share * pace),
        "readmitted": _poisson(rng, 0.03 * months / 3),
        "transfer_in": _poisson(rng, opening * 0.004 * months / 3),
        "deceased": _poisson(rng, opening * 0.003 * months / 3),
        "expelled": _poisson(rng, 0.04 * months / 3),
        "struck_off": _poisson(rng, 0.08 * months / 3),
        "resigned": _poisson(rng, 0.02 * months / 3),
        "transfer_out": _poisson(rng, opening * 0.004 * months / 3),
    }
    # Probation lasts twelve months: those admitted a year ago become official now.
    year_ago = period.same_period_last_year()
    due = sum(n for day, n in c.admitted_log if year_ago.start <= day <= year_ago.end)
    confirmed = min(prob_opening, due)
    c.admitted_log.append((period.start, flows["admitted"] + flows["readmitted"]))
    net = (
        flows["admitted"]
        + flows["readmitted"]
        + flows["transfer_in"]
        - sum(flows[k] for k in ("deceased", "expelled", "struck_off", "resigned", "transfer_out"))
    )
    codes = [b.code for b in c.branches]
    for _ in range(abs(net)):
        if net > 0:
            c.branch_members[rng.choice(codes)] += 1
        else:
            c.branch_members[rng.choice([k for k in codes if c.branch_members[k] > 3])] -= 1
    c.probationary = prob_opening + flows["admitted"] + flows["readmitted"] - confirmed
    inspect_org = _poisson(rng, 1.2 * months / 3)
    inspect_member = _poisson(rng, 3.0 * months / 3)
    signs_org = _poisson(rng, 0.1 * months / 3)
    signs_member = _poisson(rng, 0.4 * months / 3)
    violation_member = _binomial(rng, inspect_member + signs_member, 0.12)
    values = {
        "members_opening": opening,
        "probationary_opening": prob_opening,
        **flows,
        "confirmed_official": confirmed,
        "members_closing": c.members,
        "probationary_closing": c.probationary,
        "candidates_trained": _poisson(rng, annual_target * share * (0.6 if c.lagging else 1.4)),
        "inspect_org": inspect_org,
        "inspect_member": inspect_member,
        "inspect_signs_org": signs_org,
        "inspect_signs_member": signs_member,
        "supervise_org": _poisson(rng, 1.5 * months / 3),
        "supervise_member": _poisson(rng, 2.5 * months / 3),
        "violation_org": _binomial(rng, inspect_org + signs_org, 0.08),
        "violation_member": violation_member,
        "disc_org_reprimand": 1 if rng.random() < 0.02 * months / 3 else 0,
        "disc_org_warning": 0,
        "disc_org_dissolution": 0,
        "disc_member_reprimand": _binomial(rng, violation_member, 0.35),
        "disc_member_warning": _binomial(rng, violation_member, 0.1),
        "disc_member_dismissal": 1 if rng.random() < 0.01 * months / 3 else 0,
        "disc_member_expulsion": flows["expelled"],
        "committee_meetings": months - (1 if c.weak and rng.random() < 0.3 else 0),
    }
    values["conclusions_issued"] = max(0, values["committee_meetings"] - (1 if rng.random() < 0.25 else 0))
    if period.start.month == 1:
        c.disciplined_this_year = 0
    c.disciplined_this_year += sum(
        values[k] for k in ("disc_member_reprimand", "disc_member_warning", "disc_member_dismissal")
    )
    if period.is_year_end:
        values.update(_year_end(c, rng))
    # Some clerks leave a cell blank when nothing happened.
    for code in list(values):
        if values[code] == 0 and not BY_CODE[code].required and rng.random() < 0.3:
            del values[code]
    branches = {b.code: _branch(c, b, period, rng) for b in c.branches}
    return {"unit": c.unit.code, "period": period.code, "values": values, "branches": branches}


def _year_end(c: _Commune, rng: random.Random) -> dict[str, int]:
    orgs = len(c.branches)
    org_good = round(orgs * rng.uniform(0.5, 0.7))
    org_excellent = math.floor(org_good * 0.2)
    org_not = 1 if c.weak else 0
    recent = sum(n for day, n in c.admitted_log[-2:])
    not_rated = min(recent + rng.randint(0, 3), c.members)
    rated = c.members - not_rated
    not_completed = max(c.disciplined_this_year, round(rated * 0.01))
    good = round(rated * rng.uniform(0.65, 0.75))
    excellent = math.floor(good * rng.uniform(0.1, 0.19))
    return {
        "org_rating_excellent": org_excellent,
        "org_rating_good": org_good,
        "org_rating_completed": orgs - org_good - org_excellent - org_not,
        "org_rating_not_completed": org_not,
        "member_rating_excellent": excellent,
        "member_rating_good": good,
        "member_rating_completed": rated - good - excellent - not_completed,
        "member_rating_not_completed": not_completed,
        "member_not_rated": not_rated,
    }


_QUALITY = {False: (0.55, 0.37, 0.07, 0.01), True: (0.15, 0.4, 0.35, 0.1)}


def _branch(c: _Commune, branch: Unit, period: Period, rng: random.Random) -> dict[str, float]:
    months = period.months
    regular = months - (1 if rng.random() < (0.25 if c.weak else 0.04) else 0)
    ratings = dict.fromkeys(MEETING_RATINGS, 0)
    for _ in range(regular):
        ratings[rng.choices(list(MEETING_RATINGS), weights=_QUALITY[c.weak])[0]] += 1
    thematic_chance = (0.6 if c.weak else 0.98) if months == 3 else 0.6
    return {
        "branch_members": c.branch_members[branch.code],
        "regular_meetings": regular,
        "thematic_meetings": 1 if rng.random() < thematic_chance else 0,
        **ratings,
        "attendance_pct": round(rng.uniform(76, 90) if c.weak else rng.uniform(86, 98), 1),
        "upper_attended": _binomial(rng, regular, 0.3),
    }


def _received(code: str, period: Period, rng: random.Random, latest: bool = False) -> datetime:
    """When a return arrives: a slow sender is late seven times in ten, and always in the latest quarter."""
    late = code in SLOW_SENDERS and (rng.random() < 0.7 or latest)
    delay = rng.randint(16, 32) if late else rng.randint(2, 13)
    return datetime.combine(period.end + timedelta(days=delay), time(8 + rng.randint(0, 9), rng.randint(0, 59)))


def _workbook(unit: Unit, period: Period, tree: UnitTree, target: int | None, payload: dict) -> bytes:
    """A filled return, written in one pass (the template's own cell map, the fill plan, one save)."""
    book, cells = build_template(unit, period, tree.branches_of(unit.code, period.start, period.end), target)
    apply_fill(book, plan_fill(cells, payload))
    return workbook_bytes(book)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _batches(returns: list[PlannedReturn]) -> list[list[PlannedReturn]]:
    """Consecutive returns with the same period end; a second version of a return starts a new batch
    (one batch holds one file per unit and period)."""
    batches: list[list[PlannedReturn]] = []
    seen: set[tuple[str, str]] = set()
    for planned in returns:
        key = (planned.unit_code, planned.period.code)
        if not batches or batches[-1][0].period.end != planned.period.end or key in seen:
            batches.append([])
            seen = set()
        batches[-1].append(planned)
        seen.add(key)
    return batches


def _is_demo_store(path: Path) -> bool:
    con = db.connect(path)
    try:
        found = con.execute("select value from store_meta where key = 'demo'").fetchone()
        empty = con.execute("select count(*) from units").fetchone()[0] == 0
    finally:
        con.close()
    return empty or (found is not None and found[0] == "true")


@dataclass(frozen=True)
class PlannedReturn:
    """One file the demo will send: whose, for when, what it says, when it arrives."""

    unit_code: str
    period: Period
    name: str
    payload: dict
    received_at: datetime


@dataclass
class DemoPlan:
    """Everything the demo store holds, decided before any file is written."""

    units: list[Unit]
    targets: dict[tuple[str, int], int]
    returns: list[PlannedReturn]
    held_back: dict[str, PlannedReturn]  # returns not yet sent: the samples are made from these
    branches: int  # today's branches
    successor: dict[str, str]  # old commune → the commune it merged into on the reform day
    branch_successor: dict[str, str]  # old branch → the branch it carried on as


def plan_demo(seed: int, as_of: date) -> DemoPlan:
    """The demo's registry, targets and returns: a pure function of the seed and the as-of date."""
    if as_of < date(2025, 10, 1):
        raise ValueError("the demo needs an as-of date after the third quarter of 2025 (the reform's first)")
    rng = random.Random(seed)
    units, communes, reform = _registry(rng)
    first_year = as_of.year - FIRST_YEAR_OFFSET
    olds_of = {
        code: [reform.old_communes[old] for old, new in reform.successor.items() if new == code] for code in communes
    }
    # Targets are issued in January to the units that exist then, on their expected membership.
    targets: dict[tuple[str, int], int] = {}
    for year in range(first_year, as_of.year + 1):
        new_year = date(year, 1, 1)
        issued: dict[str, int] = {}
        for code, c in communes.items():
            holders = [c] if c.unit.active_on(new_year) else [o for o in olds_of[code] if o.unit.active_on(new_year)]
            for h in holders:
                expected = (h.members or sum(o.members for o in olds_of[code])) + 5 * (year - first_year)
                issued[h.unit.code] = max(2, round(expected * rng.uniform(0.035, 0.05)))
        targets.update({(code, year): target for code, target in issued.items()})
        targets[(PROVINCE_CODE, year)] = sum(issued.values())

    def pace_target(c: _Commune, year: int) -> int:
        """The target a commune works to: its own, or (the reform's year) its old communes' together."""
        own = targets.get((c.unit.code, year))
        return own if own is not None else sum(targets.get((o.unit.code, year), 0) for o in olds_of[c.unit.code])

    latest_quarter = max(
        q for y in range(first_year, as_of.year + 1) for q in returns_in_year(y, "quarter") if q.end < as_of
    )
    returns: list[PlannedReturn] = []
    held_back: dict[str, PlannedReturn] = {}

    def plan(c: _Commune, period: Period, slow_code: str) -> None:
        code = c.unit.code
        payload = _simulate(c, period, pace_target(c, period.year), rng)
        received = _received(slow_code, period, rng, latest=period == latest_quarter)
        planned = PlannedReturn(code, period, f"bao-cao_{code}_{period.code}.xlsx", payload, received)
        if code in MISSING_LATEST and period == latest_quarter:
            held_back[code] = planned
            return
        if received.date() > as_of:
            return  # not sent yet
        if code == REJECTED_FIRST and period == quarter(as_of.year - 1, 4):
            closing = payload["values"]["members_closing"] + 2
            broken = dict(payload, values=dict(payload["values"], members_closing=closing))
            returns.append(PlannedReturn(code, period, planned.name, broken, received - timedelta(days=2)))
            planned = PlannedReturn(code, period, f"bao-cao_{code}_{period.code}_sua.xlsx", payload, received)
        if code == CORRECTED_LATER and period == quarter(as_of.year, 1):
            inflated = payload["values"].get("inspect_member", 0) + 3
            first = dict(payload, values=dict(payload["values"], inspect_member=inflated))
            returns.append(PlannedReturn(code, period, planned.name, first, received))
            planned = PlannedReturn(
                code, period, f"bao-cao_{code}_{period.code}_lan2.xlsx", payload, received + timedelta(days=6)
            )
        returns.append(planned)

    for code, c in communes.items():
        for old in olds_of[code]:
            for period in _periods(old.unit.code, first_year, as_of, date(first_year, 1, 1), old.unit.active_to):
                plan(old, period, code)  # an old commune sends as slowly as the commune it became
        _merge_into(c, olds_of[code], reform)
        for period in _periods(code, first_year, as_of, max(REFORM_DAY, date(first_year, 1, 1)), None):
            plan(c, period, code)
    returns.sort(key=lambda r: (r.period.end, r.received_at, r.name))
    branches = sum(len(c.branches) for c in communes.values())
    return DemoPlan(units, targets, returns, held_back, branches, reform.successor, reform.branch_successor)


def build_demo(
    path: Path, *, seed: int = 2026, as_of: date | None = None, samples_dir: Path | None = None, force: bool = False
) -> str:
    """Build the demo store at ``path`` (replacing an earlier demo store) and its sample files.

    Raises db.StoreError rather than overwrite a store that holds real returns,
    unless ``force``.
    """
    as_of = as_of or date.today()
    path = Path(path)
    archive = db.archive_dir(path)
    if path.exists():
        if not force and not _is_demo_store(path):
            raise db.StoreError(
                f"{path} đang chứa dữ liệu thật; không ghi đè. Đặt RETURNS_DB sang tệp khác hoặc dùng --force."
            )
        for stale in (path, path.with_name(path.name + ".wal")):
            stale.unlink(missing_ok=True)
        shutil.rmtree(archive, ignore_errors=True)
    samples_dir = samples_dir or path.parent / "samples"
    shutil.rmtree(samples_dir, ignore_errors=True)
    samples_dir.mkdir(parents=True)

    plan = plan_demo(seed, as_of)
    con = db.connect(path)
    registry_csv = _write_csv(
        samples_dir / "danh-muc-don-vi.csv",
        ["code", "name", "org_type", "parent_code", "active_from", "active_to", "end_reason"],
        [
            [
                u.code,
                u.name,
                u.org_type,
                u.parent_code or "",
                _iso(u.active_from),
                _iso(u.active_to),
                u.end_reason or "",
            ]
            for u in plan.units
        ],
    )
    lineage_csv = _write_csv(
        samples_dir / "ke-thua-don-vi.csv",
        ["predecessor_code", "successor_code", "effective_date", "share"],
        [[old, new, REFORM_DAY.isoformat(), 1] for old, new in {**plan.successor, **plan.branch_successor}.items()],
    )
    load_registry(con, registry_csv, actor="demo", lineage=lineage_csv)
    targets_csv = _write_csv(
        samples_dir / "chi-tieu-ket-nap.csv",
        ["unit_code", "year", "admission_target"],
        [[code, year, count] for (code, year), count in plan.targets.items()],
    )
    load_targets(con, targets_csv, actor="demo")
    tree = UnitTree.from_db(con)
    for username, name, role, unit in DEMO_USERS:
        add_user(
            con, tree, username, role=role, unit_code=unit, password=DEMO_PASSWORD, display_name=name, actor="demo"
        )

    loaded = rejected = 0
    # One batch per period end, in the order received: what a board loading each quarter's files does.
    for batch in _batches(plan.returns):
        files = [
            Incoming(
                planned.name,
                _workbook(
                    tree.get(planned.unit_code),
                    planned.period,
                    tree,
                    plan.targets.get((planned.unit_code, planned.period.year)),
                    planned.payload,
                ),
                planned.received_at,
            )
            for planned in batch
        ]
        for outcome in load_files(con, files, archive=archive, loaded_by="demo", today=as_of):
            loaded += outcome.action in ("loaded", "replaced")
            rejected += outcome.action == "rejected"
    con.execute("begin transaction")
    con.execute("delete from store_meta")
    con.executemany(
        "insert into store_meta values (?, ?)",
        [["demo", "true"], ["seed", str(seed)], ["as_of", as_of.isoformat()]],
    )
    con.execute("commit")
    con.execute("checkpoint")
    samples = _samples(samples_dir, tree, plan)
    con.close()
    communes = sum(u.org_type == "commune_committee" and u.active_on(as_of) for u in plan.units)
    return (
        f"Đã dựng dữ liệu minh họa tại {path}: {fmt_number(communes)} đảng ủy cấp xã, {fmt_number(plan.branches)} "
        f"chi bộ, {fmt_number(loaded)} báo cáo được nạp, {fmt_number(rejected)} bị từ chối; {fmt_number(samples)} "
        f"tệp mẫu trong {samples_dir}."
    )


def _edit(data: bytes, edit) -> bytes:
    book = load_workbook(BytesIO(data))
    edit(book)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _samples(folder: Path, tree: UnitTree, plan: DemoPlan) -> int:
    """Files a user can try uploading: the missing returns, right and with typical mistakes."""
    held, other = (plan.held_back[c] for c in sorted(plan.held_back))
    code, period, payload = held.unit_code, held.period, held.payload
    other_code, other_period, other_payload = other.unit_code, other.period, other.payload
    unit = tree.get(code)
    target = plan.targets.get((code, period.year))

    def book(p: dict) -> bytes:
        return _workbook(unit, period, tree, target, p)

    def with_values(**changes) -> dict:
        return dict(payload, values=dict(payload["values"], **changes))

    def with_branch(branch: str, **changes) -> dict:
        branches = dict(payload["branches"], **{branch: dict(payload["branches"][branch], **changes)})
        return dict(payload, branches=branches)

    v = payload["values"]
    first_branch = next(iter(payload["branches"]))
    last_branch = list(payload["branches"])[-1]
    foreign_branch = tree.branches_of(other_code)[0].code

    def as_text(p: dict) -> dict:
        texts = {k: fmt_number(n) for k, n in p["values"].items() if k.startswith(("members", "probationary"))}
        return dict(p, values=dict(p["values"], **texts))

    def insert_blank_rows_and_nfd(b) -> None:
        import unicodedata

        b["Đảng viên"].insert_rows(6, amount=2)
        ws = b["Chi bộ"]
        for row in ws.iter_rows(min_row=5, min_col=2, max_col=2):
            for cell in row:
                if cell.value:
                    cell.value = "  " + unicodedata.normalize("NFD", cell.value) + " "
        sheet = b["Đảng viên"]
        sheet.title = "tạm"  # openpyxl, like Excel, refuses a case-only rename in one step
        sheet.title = "ĐẢNG VIÊN"

    def drop_branch(b) -> None:
        ws = b["Chi bộ"]
        for row in ws.iter_rows(min_row=5, max_col=1):
            if row[0].value == last_branch:
                ws.delete_rows(row[0].row)
                return

    def foreign(b) -> None:
        ws = b["Chi bộ"]
        for row in ws.iter_rows(min_row=5, max_col=1):
            if row[0].value == first_branch:
                row[0].value = foreign_branch
                return

    files = {
        f"01_hop-le_{code}_{period.code}.xlsx": book(payload),
        f"02_so-dang-chu-dong-trong-NFD_{code}_{period.code}.xlsx": _edit(
            book(as_text(payload)), insert_blank_rows_and_nfd
        ),
        f"03_loi-can-doi-dang-vien_{code}_{period.code}.xlsx": book(
            with_values(members_closing=v["members_closing"] + 3)
        ),
        f"04_thieu-chi-bo_{code}_{period.code}.xlsx": _edit(book(payload), drop_branch),
        f"05_xep-loai-khong-khop_{code}_{period.code}.xlsx": book(
            with_branch(first_branch, rating_good=payload["branches"][first_branch]["rating_good"] + 1)
        ),
        f"06_so-thap-phan_{code}_{period.code}.xlsx": book(with_values(candidates_trained="1,5")),
        f"07_chi-bo-don-vi-khac_{code}_{period.code}.xlsx": _edit(book(payload), foreign),
        f"08_canh-bao-khai-tru_{code}_{period.code}.xlsx": book(
            with_values(disc_member_expulsion=v.get("disc_member_expulsion", 0) + 1)
        ),
        f"10_canh-bao-so-bat-thuong_{code}_{period.code}.xlsx": book(
            with_values(inspect_member=v.get("inspect_member", 0) + 60)
        ),
        f"09_hop-le_{other_code}_{other_period.code}.xlsx": _workbook(
            tree.get(other_code), other_period, tree, plan.targets.get((other_code, other_period.year)), other_payload
        ),
    }
    # An old commune still sending after the reform: refused, naming the commune it merged into.
    old_code = min(old for old, new in plan.successor.items() if new == code)
    first_after = quarter(REFORM_DAY.year, (REFORM_DAY.month - 1) // 3 + 1)
    old_unit = tree.get(old_code)
    last = max((r for r in plan.returns if r.unit_code == old_code), key=lambda r: r.period.end).payload
    carried = {"members_opening": "members_closing", "probationary_opening": "probationary_closing"}
    values = dict(last["values"], **{o: last["values"][c] for o, c in carried.items()})
    for opening, closing in carried.items():  # the same movements again, so the file balances
        values[closing] = 2 * last["values"][closing] - last["values"][opening]
    stale = dict(last, period=first_after.code, values=values, branches={})
    files[f"11_don-vi-da-sap-nhap_{old_code}_{first_after.code}.xlsx"] = _workbook(
        old_unit, first_after, tree, None, stale
    )
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return len(files) + 3  # and the registry, lineage and targets CSVs
