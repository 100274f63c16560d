"""The roll-up of current returns (current_figures) always equals the public view grouped by return,
and the dashboards read the same figures from it as from every branch row."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest

from reporting import db, queries
from reporting.periods import parse, year_to
from tests.conftest import DEMO_AS_OF, load, payload

ROLLUP = "select submission_id, metric, value, n from current_figures order by all"
FROM_VIEW = """
    select o.submission_id, o.metric, sum(o.value), count(*)
    from observations as o group by all order by all
"""


QUARTERS = "select unit_code, quarter_start, quarter_end, metric, total, n, first, last from quarter_figures"


def quarters_from_the_view(con) -> dict:
    """The quarter roll-up computed in Python from `observations`: per reporting unit, quarter and metric,
    the sum of its returns (each a sum over its rows), how many rows, and its first and last return's figure."""
    per_return: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0])
    for unit, start, end, metric, value in con.execute(
        "select s.unit_code, o.period_start, o.period_end, o.metric, o.value "
        "from observations as o join submissions as s using (submission_id)"
    ).fetchall():
        per_return[(unit, start, end, metric)][0] += value
        per_return[(unit, start, end, metric)][1] += 1
    found: dict[tuple, dict] = {}
    for (unit, start, _end, metric), (total, n) in sorted(per_return.items()):
        first_day = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
        row = found.setdefault((unit, first_day, metric), {"total": 0.0, "n": 0, "first": total, "last": total})
        row["total"] += total
        row["n"] += n
        row["last"] = total  # sorted by start: the last one seen ends the quarter
    return found


def assert_quarters_match_the_view(con) -> None:
    expected = quarters_from_the_view(con)
    stored = {
        (u, q, m): (end, total, n, first, last)
        for u, q, end, m, total, n, first, last in con.execute(QUARTERS).fetchall()
    }
    assert stored.keys() == expected.keys()
    for key, (end, total, n, first, last) in stored.items():
        want = expected[key]
        assert (total, n, first, last) == pytest.approx((want["total"], want["n"], want["first"], want["last"])), key
        assert end.month % 3 == 0 and (end + timedelta(days=1)).day == 1 and end.year == key[1].year


BRANCHES = "select unit_code, quarter_start, quarter_end, branches, without_thematic, branch_codes, thematic_codes from quarter_branches"


def branches_from_the_view(con) -> dict:
    """Per sender and quarter, from `observations`: each branch's thematic meetings added up over the
    quarter's returns (a branch with only its member count held none)."""
    thematic: dict[tuple, dict[str, float]] = defaultdict(dict)
    for sender, start, branch, metric, value in con.execute(
        "select s.unit_code, o.period_start, o.unit_code, o.metric, o.value "
        "from observations as o join submissions as s using (submission_id) "
        "where o.metric in ('thematic_meetings', 'branch_members')"
    ).fetchall():
        held = thematic[(sender, date(start.year, 3 * ((start.month - 1) // 3) + 1, 1))]
        held[branch] = held.get(branch, 0.0) + (value if metric == "thematic_meetings" else 0.0)
    return {
        key: (len(held), sum(v == 0 for v in held.values()), sorted(held), sorted(b for b, v in held.items() if v > 0))
        for key, held in thematic.items()
    }


def assert_branches_match_the_view(con) -> None:
    stored = {(u, q): (end, *rest) for u, q, end, *rest in con.execute(BRANCHES).fetchall()}
    expected = branches_from_the_view(con)
    assert stored.keys() == expected.keys() and stored
    for key, (end, *counts) in stored.items():
        assert tuple(counts) == expected[key], key
        assert end.month % 3 == 0 and (end + timedelta(days=1)).day == 1 and end.year == key[1].year


@pytest.fixture
def load_one(store):
    return lambda path: load(store, path)[0]


def test_the_rollup_follows_loads_and_replacements(store, make_return, load_one):
    assert load_one(make_return(payload("2026-Q1"))).action == "loaded"
    second = payload("2026-Q2")
    second["values"].update(members_opening=104, probationary_opening=8, members_closing=108, probationary_closing=10)
    second["branches"]["X1-B1"]["branch_members"] = 44
    assert load_one(make_return(second)).action == "loaded"
    second["values"]["inspect_member"] = 9
    assert load_one(make_return(second)).action == "replaced"
    assert store.execute(ROLLUP).fetchall() == store.execute(FROM_VIEW).fetchall()
    ids = {r[0] for r in store.execute(ROLLUP).fetchall()}
    assert len(ids) == 2  # the replaced version left the roll-up
    assert_quarters_match_the_view(store)
    assert_branches_match_the_view(store)


def test_the_quarter_rollup_follows_monthly_returns_and_replacements(store, make_return, load_one):
    """Two months of one quarter make one row per metric: flows add up, the opening is July's, the
    closing August's; replacing August changes that quarter's row and no other."""
    assert load_one(make_return(payload("2025-07"))).action == "loaded"
    august = payload("2025-08")
    august["values"].update(members_opening=104, probationary_opening=8, members_closing=108, probationary_closing=10)
    august["branches"]["X1-B1"]["branch_members"] = 44
    assert load_one(make_return(august)).action == "loaded"
    assert load_one(make_return(payload("2026-Q1"))).action == "loaded"
    assert_quarters_match_the_view(store)
    august["values"]["admitted"] += 2
    august["values"].update(members_closing=110, probationary_closing=12)
    august["branches"]["X1-B1"]["branch_members"] = 46
    assert_branches_match_the_view(store)
    august["branches"]["X1-B1"]["thematic_meetings"] = 0
    assert load_one(make_return(august)).action == "replaced"
    assert_quarters_match_the_view(store)
    assert_branches_match_the_view(store)
    row = dict(store.execute(
        "select metric, [total, first, last] from quarter_figures where unit_code = 'X1' and quarter_start = '2025-07-01'"
    ).fetchall())  # fmt: skip
    july_admitted = payload("2025-07")["values"]["admitted"]
    assert row["admitted"][0] == july_admitted + august["values"]["admitted"]
    assert (
        row["members_closing"][2] == 110
        and row["members_opening"][1] == payload("2025-07")["values"]["members_opening"]
    )


@pytest.fixture(scope="module")
def demo_con(demo_store):
    con = db.connect(demo_store["path"], read_only=True)
    yield con
    con.close()


def test_the_demo_rollup_equals_the_view(demo_con):
    assert demo_con.execute(ROLLUP).fetchall() == demo_con.execute(FROM_VIEW).fetchall()
    assert_quarters_match_the_view(demo_con)
    assert_branches_match_the_view(demo_con)


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


@pytest.mark.parametrize("history", ["today", "reported"])
@pytest.mark.parametrize("unit", ["MS", "X07"])
@pytest.mark.parametrize("until", [parse("2026-Q3").end, date(2026, 8, 20)])
def test_rollup_and_branch_rows_give_the_same_series(demo_con, history, unit, until):
    metrics = ["admitted", "members_opening", "members_closing", "branch_members", "attendance_pct", "rating_good"]
    args = {"unit": unit, "from_year": 2024, "until": until, "history": history, "metrics": metrics}
    fast = queries.run(demo_con, "dashboard/quarterly_series", **args)
    slow = queries.run(demo_con, "dashboard/quarterly_series_rows", **args)
    assert len(fast) == len(slow) > 0
    assert fast["value"].tolist() == pytest.approx(slow["value"].tolist())


@pytest.mark.parametrize("history", ["today", "reported"])
@pytest.mark.parametrize("span", ["2026-Q3", "2025-Q2", "2025-H1", "2025", "2024"])
def test_kept_branch_counts_equal_the_branch_rows(demo_con, history, span):
    """Whole quarters from quarter_branches, including the demo's merged communes (two senders a quarter)."""
    period = parse(span)
    args = {"unit": "MS", "start": period.start, "end": period.end, "history": history}
    kept = queries.run(demo_con, "dashboard/branches_without_thematic", **args)
    rows = queries.run(demo_con, "dashboard/branches_without_thematic_rows", **args)
    assert len(kept) > 0 and kept["without_thematic"].sum() > 0
    assert kept.values.tolist() == rows.values.tolist()


def test_a_store_from_before_the_rollups_gets_them_filled_when_upgraded(store, make_return):
    for period in ("2026-Q1", "2025-07"):
        load(store, make_return(payload(period)))
    path = store.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()[0]
    expected_targets = queries.targets_for(store, ["T", "X1", "X2"], 2026, "reported")
    store.execute("drop table quarter_figures")
    store.execute("drop table quarter_branches")
    store.execute("drop table target_totals")
    store.execute("alter table unit_map drop column active_from")
    store.execute("alter table unit_map drop column active_to")
    store.execute("delete from schema_version where version >= 10")  # back to schema 9
    store.execute("checkpoint")
    store.close()
    with pytest.raises(db.StoreError):
        db.connect(path, read_only=True)  # a reader asks for the upgrade
    upgraded = db.connect(path)
    try:
        assert db.current_version(upgraded) == db.SCHEMA_VERSION
        assert upgraded.execute("select count(distinct quarter_start) from quarter_figures").fetchone()[0] == 2
        assert_quarters_match_the_view(upgraded)
        assert_branches_match_the_view(upgraded)
        assert queries.targets_for(upgraded, ["T", "X1", "X2"], 2026, "reported") == expected_targets
        assert expected_targets["T"] == 40
        assert (
            upgraded.execute(
                "select count(*) from unit_map as m join units as u on u.code = m.unit_code "
                "where m.active_from is not distinct from u.active_from and m.active_to is not distinct from u.active_to"
            ).fetchone()[0]
            == upgraded.execute("select count(*) from unit_map").fetchone()[0]
            > 0
        )
    finally:
        upgraded.close()


def lagging_inputs_from_the_view(con, history: str, start: date, end: date) -> dict[str, tuple[float, float, float]]:
    """Per reporting unit: admissions from 1 January to `end`, regular and weak meetings within
    [start, end], from `observations` and each unit's senders (itself, and on today's units its
    predecessors, times their shares)."""
    senders = defaultdict(list)
    for code, sender, share in con.execute(
        "select ancestor_code, unit_code, share from unit_map where history = $h and depth = 0 and sends",
        {"h": history},
    ).fetchall():
        senders[sender].append((code, share))
    found: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for sender, metric, value, period_start, period_end in con.execute(
        "select s.unit_code, o.metric, o.value, o.period_start, o.period_end "
        "from observations as o join submissions as s using (submission_id) "
        "where o.metric in ('admitted', 'regular_meetings', 'rating_average', 'rating_poor') and o.value is not null"
    ).fetchall():
        if period_end > end or period_start < date(end.year, 1, 1):
            continue
        for code, share in senders[sender]:
            if metric == "admitted":
                found[code][0] += value * share
            elif period_start >= start:
                found[code][1 if metric == "regular_meetings" else 2] += value * share
    return {code: tuple(v) for code, v in found.items()}


@pytest.mark.parametrize("history", ["today", "reported"])
@pytest.mark.parametrize(
    "start, end",
    [
        (date(2026, 7, 1), date(2026, 9, 30)),  # a quarter: the roll-up only
        (date(2025, 1, 1), date(2025, 6, 30)),  # six months across quarters
        (date(2026, 1, 1), date(2026, 8, 31)),  # cut by its end (August's monthly returns)
        (date(2026, 8, 1), date(2026, 8, 31)),  # one month, cut at both ends
        (date(2026, 5, 1), date(2026, 12, 31)),  # cut by its start
    ],
)
def test_lagging_inputs_from_the_rollup_equal_the_view(demo_con, history, start, end):
    found = queries.run(
        demo_con, "dashboard/lagging_inputs", unit="MS", start=start, end=end,
        history=history, today=DEMO_AS_OF,
    )  # fmt: skip
    expected = lagging_inputs_from_the_view(demo_con, history, start, end)
    assert len(found) > 0 and found["admitted_ytd"].sum() > 0
    for row in found.itertuples(index=False):
        want = expected.get(row.code, (0.0, 0.0, 0.0))
        assert (row.admitted_ytd, row.regular_meetings, row.weak_meetings) == pytest.approx(want), row.code
