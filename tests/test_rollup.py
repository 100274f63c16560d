"""The roll-up of current returns (current_figures) always equals the public view grouped by return,
and the dashboards read the same figures from it as from every branch row."""

from __future__ import annotations

import pytest

from reporting import db, queries
from reporting.periods import parse, year_to
from tests.conftest import payload

ROLLUP = "select submission_id, metric, value, n from current_figures order by all"
FROM_VIEW = """
    select o.submission_id, o.metric, sum(o.value), count(*)
    from observations as o group by all order by all
"""


def test_the_rollup_follows_loads_and_replacements(store, make_return, tmp_path):
    from ingest.load import Incoming, load_files

    def load(path):
        return load_files(store, [Incoming.from_path(path)], archive=tmp_path / "archive")[0]

    assert load(make_return(payload("2026-Q1"))).action == "loaded"
    second = payload("2026-Q2")
    second["values"].update(members_opening=104, probationary_opening=8, members_closing=108, probationary_closing=10)
    second["branches"]["X1-B1"]["branch_members"] = 44
    assert load(make_return(second)).action == "loaded"
    second["values"]["inspect_member"] = 9
    assert load(make_return(second)).action == "replaced"
    assert store.execute(ROLLUP).fetchall() == store.execute(FROM_VIEW).fetchall()
    ids = {r[0] for r in store.execute(ROLLUP).fetchall()}
    assert len(ids) == 2  # the replaced version left the roll-up


@pytest.fixture(scope="module")
def demo_con(demo_store):
    con = db.connect(demo_store["path"], read_only=True)
    yield con
    con.close()


def test_the_demo_rollup_equals_the_view(demo_con):
    assert demo_con.execute(ROLLUP).fetchall() == demo_con.execute(FROM_VIEW).fetchall()


@pytest.mark.parametrize("history", ["today", "reported"])
@pytest.mark.parametrize("span", ["2026-Q3", "2025-Q2", "2025"])
@pytest.mark.parametrize("by_child", [False, True])
def test_rollup_and_branch_rows_give_the_same_totals(demo_con, history, span, by_child):
    period = year_to(2025, 12) if span == "2025" else parse(span)
    groups = ["MS"]
    if by_child:
        groups = [r[0] for r in demo_con.execute(
            "select unit_code from unit_map where history = $h and ancestor_code = 'MS' and depth = 1 and not mapped",
            {"h": history},
        ).fetchall()]  # fmt: skip
    args = {"groups": groups, "start": period.start, "end": period.end, "history": history}
    fast = queries.run(demo_con, "dashboard/metric_totals", **args, rollup=True)
    slow = queries.run(demo_con, "dashboard/metric_totals", **args, rollup=False)
    assert len(fast) == len(slow) > 0
    assert fast["value"].tolist() == pytest.approx(slow["value"].tolist())
    assert fast[["group_code", "metric"]].values.tolist() == slow[["group_code", "metric"]].values.tolist()


def test_rollup_and_branch_rows_give_the_same_series(demo_con):
    args = {"unit": "X07", "from_year": 2024, "until": parse("2026-Q3").end, "history": "today",
            "metrics": ["admitted", "members_closing", "branch_members", "attendance_pct", "rating_good"]}  # fmt: skip
    fast = queries.run(demo_con, "dashboard/quarterly_series", **args, rollup=True)
    slow = queries.run(demo_con, "dashboard/quarterly_series", **args, rollup=False)
    assert len(fast) == len(slow) > 0
    assert fast["value"].tolist() == pytest.approx(slow["value"].tolist())
