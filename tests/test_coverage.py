"""Stock coverage and its estimate (README "Missing is never zero"): a closing stock is given only at
the span's effective closing date, per-child notes say when a child's figures cover part of the span,
and across the 2025 merger a commune whose first return is missing is carried with its predecessors'."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from reporting import dashboard, db, queries, rollup
from reporting.numbers import fmt_number
from reporting.periods import parse, quarter
from reporting.units import UnitTree
from tests.conftest import DEMO_AS_OF
from ui.widgets import coverage_text

Q3 = quarter(2026, 3)
NINE_MONTHS = parse("2026-9M")
HISTORIES = ("today", "reported")
SILENT = ("X13", "X20")  # the demo's communes that have not sent 2026-Q3


@pytest.fixture(scope="module")
def con(demo_store):
    c = db.connect(demo_store["path"], read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def merger_store(demo_store, tmp_path_factory):
    """A copy of the demo store in which X05's first return (2025-Q3, its predecessors C11, C12, C13
    merged on 1 July 2025) was rejected: its figures left current_figures and the quarter roll-ups."""
    path = tmp_path_factory.mktemp("merger") / "returns.duckdb"
    shutil.copy(demo_store["path"], path)
    c = db.connect(path)
    ids = [
        r[0]
        for r in c.execute(
            "select submission_id from submissions where unit_code = 'X05' and period_start = date '2025-07-01'"
        ).fetchall()
    ]
    assert ids
    c.execute("begin")
    c.execute("update submissions set status = 'rejected' where list_contains($ids, submission_id)", {"ids": ids})
    c.execute("delete from current_figures where list_contains($ids, submission_id)", {"ids": ids})
    rollup.refresh_quarters(c, [("X05", date(2025, 7, 1))])
    c.execute("commit")
    c.close()
    c = db.connect(path, read_only=True)
    yield c
    c.close()


def test_the_closing_date_is_the_last_quarter_ended_by_today():
    assert dashboard.closing_date(NINE_MONTHS, DEMO_AS_OF) == date(2026, 9, 30)
    assert dashboard.closing_date(parse("2026"), DEMO_AS_OF) == date(2026, 9, 30)
    assert dashboard.closing_date(parse("2025"), DEMO_AS_OF) == date(2025, 12, 31)
    assert dashboard.closing_date(Q3, date(2026, 9, 30)) == date(2026, 6, 30)  # the quarter ends that day
    assert dashboard.closing_date(Q3, date(2026, 10, 1)) == date(2026, 9, 30)


def _closing_of(con, codes: tuple[str, ...], day: date) -> float:
    return con.execute(
        "select sum(value) from current_figures where metric = 'members_closing' and period_end = $day "
        "and list_contains($codes, unit_code)",
        {"day": day, "codes": list(codes)},
    ).fetchone()[0]


@pytest.mark.parametrize("history", HISTORIES)
def test_the_quarter_view_is_unchanged(con, history):
    """As before: the 22 communes that sent Q3 as reported, X13 and X20 carried with their 30/06
    closing (on the store /tmp/demo0.duckdb the brief names: 22/24, estimate 21.800)."""
    cover = dashboard.stock_coverage(con, "MS", Q3, history, DEMO_AS_OF)
    members = cover["members_closing"]
    assert (members.reported_units, members.due) == (22, 24)
    assert members.words == "22/24 đơn vị đã báo cáo"
    assert members.value == dashboard.figures(con, "MS", Q3, history)["members_closing"]
    assert (members.carried_units, members.carried_as_of) == (2, date(2026, 6, 30))
    assert members.carried == _closing_of(con, SILENT, date(2026, 6, 30))
    assert members.estimate == members.value + members.carried
    trend = dashboard.quarterly(con, "MS", 2026, DEMO_AS_OF, ["members_closing"], history).set_index("label")
    assert trend.loc["Q3/2026", "members_closing_estimate"] == members.estimate
    assert (trend.loc["Q3/2026", "units_reported"], trend.loc["Q3/2026", "units_due"]) == (22, 24)


@pytest.mark.parametrize("history", HISTORIES)
def test_nine_months_do_not_take_a_first_half_closing_for_the_30_september(con, history):
    q3 = dashboard.stock_coverage(con, "MS", Q3, history, DEMO_AS_OF)["members_closing"]
    cover = dashboard.stock_coverage(con, "MS", NINE_MONTHS, history, DEMO_AS_OF)
    members = cover["members_closing"]
    # X13 and X20 sent Q1 and Q2 only: they have not given the closing at 30/09
    assert (members.reported_units, members.due) == (22, 24) and not members.complete
    assert (members.value, members.carried, members.estimate) == (q3.value, q3.carried, q3.estimate)
    assert members.carried_as_of == date(2026, 6, 30)
    # their openings on 1 January came in the Q1 returns
    assert cover["members_opening"].complete
    # the as-reported total holds their closing of 30/06: it is the estimate, and the card says so
    assert dashboard.figures(con, "MS", NINE_MONTHS, history)["members_closing"] == members.estimate
    tree = UnitTree.from_db(con)
    cards = {k.key: k for k in dashboard.kpis(con, tree, "MS", NINE_MONTHS, DEMO_AS_OF, history)}
    note = cards["net_members"].note
    assert "22/24 đơn vị đã báo cáo" in note and "ước tính" in note, note
    assert fmt_number(members.estimate) in note, note


@pytest.mark.parametrize("history", HISTORIES)
def test_the_year_still_open_closes_on_the_last_ended_quarter(con, history):
    members = dashboard.stock_coverage(con, "MS", parse("2026"), history, DEMO_AS_OF)["members_closing"]
    # X02's October return gives a closing after 30/09; X13 and X20 have none from 30/09 on
    assert (members.reported_units, members.due) == (22, 24)


@pytest.mark.parametrize("history", HISTORIES)
def test_per_child_returns_say_nine_months_are_six(con, history):
    df = dashboard.figures_by_child(con, "MS", NINE_MONTHS, history, DEMO_AS_OF).set_index("code")
    for code in SILENT:
        assert (df.loc[code, "units_due"], df.loc[code, "units_reported"]) == (1, 0)
        assert (df.loc[code, "returns_due"], df.loc[code, "returns_received"]) == (3, 2)
    others = df.drop(index=list(SILENT))
    assert (others["returns_received"] == others["returns_due"]).all() and (others["returns_due"] == 3).all()
    assert (others["units_reported"] == others["units_due"]).all()
    text = coverage_text(df.reset_index(), "9 tháng/2026")
    for code in SILENT:
        assert f"{df.loc[code, 'name']}: 2/3 báo cáo đã nhận, số liệu chưa đủ kỳ" in text, text
    assert "chưa nộp báo cáo" not in text
    # the quarter: nothing from them
    q3 = dashboard.figures_by_child(con, "MS", Q3, history, DEMO_AS_OF)
    text = coverage_text(q3, "Quý III/2026")
    assert "Chưa có số liệu Quý III/2026 của 2/24 đơn vị (chưa nộp báo cáo)" in text, text
    assert all(name in text for name in q3.loc[q3["code"].isin(SILENT), "name"])
    assert "chưa đủ kỳ" not in text


def test_per_child_returns_follow_the_statuses_rule(con):
    tree = UnitTree.from_db(con)
    for history in HISTORIES:
        for span in (NINE_MONTHS, parse("2025"), parse("2026")):
            df = dashboard.figures_by_child(con, "MS", span, history, DEMO_AS_OF)
            for code, due, received in zip(df["code"], df["returns_due"], df["returns_received"], strict=True):
                expected = dashboard.return_coverage(con, tree, code, span, DEMO_AS_OF, history)
                assert (received, due) == (expected.received, expected.due), (history, span.code, code)


def _predecessors_closing(con) -> float:
    return con.execute(
        "select sum(f.value * l.share) from current_figures as f "
        "join unit_lineage as l on l.predecessor_code = f.unit_code and l.successor_code = 'X05' "
        "where f.metric = 'members_closing' and f.period_end = date '2025-06-30'"
    ).fetchone()[0]


@pytest.mark.parametrize("history", HISTORIES)
def test_a_new_commune_without_its_first_return_carries_its_predecessors(merger_store, history):
    carried = _predecessors_closing(merger_store)
    assert carried > 0
    trend = dashboard.quarterly(merger_store, "MS", 2025, DEMO_AS_OF, ["members_closing"], history)
    trend = trend.set_index("label")
    q3 = trend.loc["Q3/2025"]
    assert (q3["units_reported"], q3["units_due"]) == (23, 24)
    assert q3["members_closing_estimate"] == q3["members_closing"] + carried
    assert q3["members_closing_estimate"] >= trend.loc["Q2/2025", "members_closing_estimate"]  # no fall
    # the span's coverage: both the opening of 1 July and the closing of 30 September
    cover = dashboard.stock_coverage(merger_store, "MS", quarter(2025, 3), history, DEMO_AS_OF)
    for metric in ("members_opening", "members_closing"):
        assert (cover[metric].reported_units, cover[metric].due) == (23, 24)
        assert (cover[metric].carried_units, cover[metric].carried) == (1, carried)
        assert cover[metric].carried_as_of == date(2025, 6, 30)
    assert cover["members_closing"].estimate == q3["members_closing_estimate"]
    # the commune's own series (its page shows no column for a quarter with nothing reported)
    own = queries.run(
        merger_store, "dashboard/stock_series", unit="X05", from_year=2025, until=DEMO_AS_OF,
        metrics=["members_closing"], history=history,
    ).set_index(["year", "quarter"])  # fmt: skip
    assert (own.loc[(2025, 3), "units_reported"], own.loc[(2025, 3), "estimate"]) == (0, carried)
