"""The demo store: deterministic, realistic, loaded through the same checks as a clerk's file."""

from datetime import date

import pytest

from ingest import demo
from ingest.context import CheckContext
from ingest.load import Incoming, check_files
from reporting import dashboard, db
from reporting.periods import year_to
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
    plan = demo.plan_demo(2026, DEMO_AS_OF)
    statuses = dict(demo_con.execute("select status, count(*) from submissions group by 1").fetchall())
    assert statuses == {"accepted": len(plan.returns) - 1, "rejected": 1}  # the replaced version stays accepted
    assert demo_con.execute("select count(*) from submissions where superseded_by is not null").fetchone()[0] == 1
    meta = dict(demo_con.execute("select key, value from store_meta").fetchall())
    assert meta == {"demo": "true", "seed": "2026", "as_of": "2026-11-23"}


def test_demo_spans_the_reform(demo_con):
    """Old communes under three districts until Q2/2025, then today's communes under the province."""
    tree = UnitTree.from_db(demo_con)
    districts = [u for u in tree.children("MS") if u.org_type == "district_committee"]
    assert [d.code for d in districts] == ["H1", "H2", "H3"]
    assert all(d.active_to == date(2025, 6, 30) and d.end_reason == "dissolved" for d in districts)
    old = [u for d in districts for u in tree.children(d.code)]
    assert 48 <= len(old) <= 72 and all(u.end_reason == "merged" for u in old)
    senders = dict(
        demo_con.execute(
            "select period, list(distinct left(unit_code, 1) order by left(unit_code, 1)) from current_submissions "
            "where period_kind = 'quarter' group by period"
        ).fetchall()
    )
    assert senders["2025-Q2"] == ["C"] and senders["2025-Q3"] == ["X"] and senders["2024-Q1"] == ["C"]
    for unit in old:
        ((successor, share),) = tree.successors_of(unit.code)
        assert successor.code.startswith("X") and share == 1
        assert all(tree.successors_of(b.code) for b in tree.children(unit.code))  # every branch carried on


def test_demo_lagging_communes_are_behind(demo_con):
    """On today's units, the lagging communes' predecessors were behind in 2025 too."""
    per_unit = dashboard.admissions_by_child(demo_con, "MS", year_to(2025, 12), "today", DEMO_AS_OF).set_index("code")
    share = per_unit["admitted"] / per_unit["target"]
    assert all(share[c] < 0.6 for c in demo.LAGGING_ADMISSIONS)
    others = share.drop(index=sorted(demo.LAGGING_ADMISSIONS))
    assert others.mean() > 0.8


def test_demo_late_and_missing(demo_con):
    tree = UnitTree.from_db(demo_con)
    from reporting.periods import parse

    latest = {s.unit_code: s for s in unit_statuses(demo_con, tree, parse("2026-Q3"), DEMO_AS_OF)}
    assert {c for c, s in latest.items() if s.state == "missing"} == set(demo.MISSING_LATEST)
    assert {c for c, s in latest.items() if s.late and s.state != "missing"} == set(demo.SLOW_SENDERS)


def test_demo_weak_meetings(demo_con):
    """Per today's commune (old branches counted with the branch they became), over the whole history."""
    rows = demo_con.execute(
        """
        select m.ancestor_code, sum(value) filter (where metric = 'rating_good')
            / sum(value) filter (where metric = 'regular_meetings')
        from observations o
        join unit_map m on m.unit_code = o.unit_code and m.history = 'today'
        join units a on a.code = m.ancestor_code
        where a.org_type = 'commune_committee' and m.depth = 1
        group by 1
        """
    ).fetchall()
    good_share = dict(rows)
    assert set(good_share) == {f"X{i:02d}" for i in range(1, 25)}
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
    "11_don-vi-da-sap-nhap": ("rejected", ["unit_inactive"]),
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
    assert (demo_store["samples"] / "ke-thua-don-vi.csv").exists()


def test_demo_refuses_to_overwrite_a_real_store(store, tmp_path):
    with pytest.raises(db.StoreError, match="đang chứa dữ liệu thật; không ghi đè"):
        demo.build_demo(db.db_path(), as_of=date(2026, 11, 23), samples_dir=tmp_path / "s")
