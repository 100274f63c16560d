"""The demo store: deterministic, realistic, loaded through the same checks as a clerk's file."""

from datetime import date

import pytest

from ingest import demo
from ingest.context import CheckContext
from ingest.load import Incoming, check_files
from reporting import db
from reporting.submissions import unit_statuses
from reporting.units import UnitTree
from tests.conftest import DEMO_AS_OF


def test_plan_is_deterministic():
    a = demo.plan_demo(2026, DEMO_AS_OF)
    b = demo.plan_demo(2026, DEMO_AS_OF)
    assert a == b
    c = demo.plan_demo(7, DEMO_AS_OF)
    assert [r.payload for r in a.returns] != [r.payload for r in c.returns]


def test_plan_shape():
    plan = demo.plan_demo(2026, DEMO_AS_OF)
    communes = [u for u in plan.units if u.org_type == "commune_committee"]
    assert len(communes) >= 20
    assert plan.branches >= 400
    years = {r.period.year for r in plan.returns}
    assert years == {2024, 2025, 2026}
    quarters_2025 = {r.period.code for r in plan.returns if r.period.year == 2025}
    assert quarters_2025 == {"2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"}
    monthly = {r.period.code for r in plan.returns if r.unit_code in demo.MONTHLY_THIS_YEAR and r.period.year == 2026}
    assert monthly == {f"2026-{m:02d}" for m in range(1, 11)}  # October ended before 23 November
    assert set(plan.held_back) == set(demo.MISSING_LATEST)


@pytest.fixture(scope="module")
def demo_con(demo_store):
    con = db.connect(demo_store["path"], read_only=True)
    yield con
    con.close()


def test_demo_store_counts(demo_con, demo_store):
    assert "24 đảng ủy cấp xã" in demo_store["summary"]
    statuses = demo_con.execute("select status, count(*) from submissions group by 1 order by 1").fetchall()
    assert statuses == [("accepted", 270), ("rejected", 1)]
    assert demo_con.execute("select count(*) from submissions where superseded_by is not null").fetchone()[0] == 1
    meta = dict(demo_con.execute("select key, value from store_meta").fetchall())
    assert meta == {"demo": "true", "seed": "2026", "as_of": "2026-11-23"}


def test_demo_lagging_communes_are_behind(demo_con):
    rows = demo_con.execute(
        """
        select o.unit_code, sum(o.value) / any_value(t.admission_target) as share
        from observations o join targets t on t.unit_code = o.unit_code and t.year = year(o.period_start)
        where o.metric = 'admitted' and year(o.period_start) = 2025
        group by o.unit_code
        """
    ).fetchall()
    share = dict(rows)
    assert all(share[c] < 0.6 for c in demo.LAGGING_ADMISSIONS)
    others = [v for c, v in share.items() if c not in demo.LAGGING_ADMISSIONS]
    assert sum(others) / len(others) > 0.8


def test_demo_late_and_missing(demo_con):
    tree = UnitTree.from_db(demo_con)
    from reporting.periods import parse

    latest = {s.unit_code: s for s in unit_statuses(demo_con, tree, parse("2026-Q3"), DEMO_AS_OF)}
    assert {c for c, s in latest.items() if s.state == "missing"} == set(demo.MISSING_LATEST)
    late_any = set()
    for code in ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"):
        late_any |= {s.unit_code for s in unit_statuses(demo_con, tree, parse(code), DEMO_AS_OF) if s.late}
    assert late_any & demo.SLOW_SENDERS


def test_demo_weak_meetings(demo_con):
    rows = demo_con.execute(
        """
        select u.parent_code, sum(value) filter (where metric = 'rating_good') / sum(value) filter (where metric = 'regular_meetings')
        from observations o join units u on u.code = o.unit_code
        where u.org_type = 'affiliated_branch'
        group by 1
        """
    ).fetchall()
    good_share = dict(rows)
    assert all(good_share[c] < 0.35 for c in demo.WEAK_MEETINGS)
    assert all(v > 0.4 for c, v in good_share.items() if c not in demo.WEAK_MEETINGS)


EXPECTED_SAMPLES = {
    "01_hop-le": ("accepted", []),
    "02_so-dang-chu-dong-trong-NFD": ("accepted", []),
    "03_loi-can-doi-dang-vien": ("rejected", ["members_balance", "branch_members_sum"]),
    "04_thieu-chi-bo": ("rejected", ["branch_missing", "branch_members_sum"]),
    "05_xep-loai-khong-khop": ("rejected", ["meeting_ratings_sum"]),
    "06_so-thap-phan": ("rejected", ["not_whole"]),
    "07_chi-bo-don-vi-khac": ("rejected", ["branch_not_of_unit", "branch_missing", "branch_members_sum"]),
    "08_canh-bao-khai-tru": ("warnings", ["expulsion_match"]),
    "09_hop-le": ("accepted", []),
    "10_canh-bao-so-bat-thuong": ("warnings", ["unusual_peers"]),
}


def test_samples_get_the_outcomes_they_illustrate(demo_con, demo_store):
    files = sorted(demo_store["samples"].glob("*.xlsx"))
    assert len(files) == len(EXPECTED_SAMPLES)
    ctx = CheckContext.from_db(demo_con, DEMO_AS_OF)
    for path in files:
        (result,) = check_files(ctx, [Incoming.from_path(path)])
        key = path.name.rsplit("_", 2)[0]
        assert (result.status, [f.rule for f in result.findings]) == EXPECTED_SAMPLES[key], path.name
    assert (demo_store["samples"] / "danh-muc-don-vi.csv").exists()
    assert (demo_store["samples"] / "chi-tieu-ket-nap.csv").exists()


def test_demo_refuses_to_overwrite_a_real_store(store, tmp_path):
    with pytest.raises(db.StoreError, match="đang chứa dữ liệu thật; không ghi đè"):
        demo.build_demo(db.db_path(), as_of=date(2026, 11, 23), samples_dir=tmp_path / "s")
