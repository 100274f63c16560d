"""Dashboard figures checked against an independent pandas computation on the raw observations."""

from datetime import date

import duckdb
import pandas as pd
import pytest

from ingest import demo
from reporting import dashboard, db, queries
from reporting.lagging import LagSettings, admissions_reason, expected_pace, lagging_units, pace_words
from reporting.periods import parse, quarters_in, view_span
from reporting.submissions import submission_grid
from reporting.units import UnitTree
from tests.conftest import DEMO_AS_OF

SPAN = view_span(2026, "Q3", DEMO_AS_OF)
YTD = parse("2026-9M")


@pytest.fixture(scope="module")
def con(demo_store):
    c = db.connect(demo_store["path"], read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def raw(con):
    """Observations with the commune each row belongs to, straight from the public view."""
    obs = con.execute("select * from observations").df()
    units = con.execute("select code, parent_code, org_type from units").df()
    parent = dict(zip(units["code"], units["parent_code"], strict=True))
    kind = dict(zip(units["code"], units["org_type"], strict=True))
    obs["commune"] = [c if kind[c] == "commune_committee" else parent[c] for c in obs["unit_code"]]
    obs["period_start"] = pd.to_datetime(obs["period_start"]).dt.date
    obs["period_end"] = pd.to_datetime(obs["period_end"]).dt.date
    return obs


def within(df, span):
    return df[(df["period_start"] >= span.start) & (df["period_end"] <= span.end)]


def test_view_spans():
    today = date(2026, 11, 23)
    assert view_span(2026, "Q2", today) == parse("2026-Q2")
    assert view_span(2026, "H1", today) == parse("2026-H1")
    assert view_span(2026, "9M", today) == parse("2026-9M")
    assert view_span(2026, "Y", today) == parse("2026")
    assert view_span(2026, "YTD", today) == parse("2026-9M")  # to the end of the last ended quarter
    assert view_span(2025, "YTD", today) == parse("2025")
    assert view_span(2026, "YTD", date(2026, 2, 1)) == parse("2026-Q1")
    assert [q.code for q in quarters_in(parse("2026-9M"))] == ["2026-Q1", "2026-Q2", "2026-Q3"]


def test_admissions_by_commune_match_pandas(con, raw):
    ours = dashboard.admissions_by_child(con, "MS", SPAN, today=DEMO_AS_OF).set_index("code")
    admitted = within(raw[raw["metric"] == "admitted"], YTD).groupby("commune")["value"].sum()
    targets = con.execute("select unit_code, admission_target from targets where year = 2026").df()
    target = dict(zip(targets["unit_code"], targets["admission_target"], strict=True))
    assert len(ours) == 24
    for code, row in ours.iterrows():
        assert row["admitted"] == admitted.get(code, 0)
        assert row["target"] == target[code]
        assert row["pct_of_target"] == pytest.approx(100 * admitted.get(code, 0) / target[code])
        assert row["behind"] == (row["pct_of_target"] < 75)
    assert list(ours["pct_of_target"]) == sorted(ours["pct_of_target"])  # laggards first


def test_overview_kpis_match_pandas(con, raw):
    tree = UnitTree.from_db(con)
    cards = {k.key: k for k in dashboard.kpis(con, tree, "MS", SPAN, DEMO_AS_OF)}
    ytd_admitted = within(raw[raw["metric"] == "admitted"], YTD)["value"].sum()
    assert cards["admissions"].value == ytd_admitted
    assert cards["admissions"].note.startswith("Đạt ")
    q3 = within(raw, SPAN)
    inspections = q3[q3["metric"].str.match(r"^(inspect|inspect_signs|supervise)_(org|member)$")]["value"].sum()
    assert cards["inspections"].value == inspections
    discipline = q3[q3["metric"].str.startswith("disc_")]["value"].sum()
    assert cards["discipline"].value == discipline
    ratings = q3[q3["metric"].isin(["rating_good", "rating_fair", "rating_average", "rating_poor"])]
    good = ratings[ratings["metric"] == "rating_good"]["value"].sum()
    assert cards["good_meetings"].value == pytest.approx(100 * good / ratings["value"].sum())
    # Net change: per commune, last closing minus first opening within the span (monthly units too).
    stocks = q3[q3["metric"].isin(["members_opening", "members_closing"])].sort_values("period_end")
    opening = stocks[stocks["metric"] == "members_opening"].groupby("commune")["value"].first().sum()
    closing = stocks[stocks["metric"] == "members_closing"].groupby("commune")["value"].last().sum()
    assert cards["net_members"].value == closing - opening
    # On time: 24 communes, 2 missing, 2 late (the slow senders) in Q3/2026.
    assert (cards["on_time"].value, cards["on_time"].note) == (20.0, "trên 24 báo cáo phải nộp")


def test_meeting_shares_match_pandas(con, raw):
    ours = dashboard.meeting_shares(dashboard.figures_by_child(con, "MS", SPAN)).set_index("code")
    q3 = within(raw, SPAN)
    rated = q3[q3["metric"].isin(["rating_good", "rating_fair", "rating_average", "rating_poor"])]
    per = rated.pivot_table(index="commune", columns="metric", values="value", aggfunc="sum")
    for code in ours.index:
        if code not in per.index:  # no return for the quarter: no share, not a zero
            assert code in demo.MISSING_LATEST and pd.isna(ours.loc[code, "rating_good_pct"])
            continue
        total = per.loc[code].sum()
        for level in ("good", "fair", "average", "poor"):
            assert ours.loc[code, f"rating_{level}_pct"] == pytest.approx(
                100 * per.loc[code, f"rating_{level}"] / total
            )
    weak = ours.loc[sorted(demo.WEAK_MEETINGS), "rating_good_pct"]
    assert (weak < ours.drop(index=sorted(demo.WEAK_MEETINGS))["rating_good_pct"].dropna().min()).all()


def test_branch_list_of_one_commune(con, raw):
    tree = UnitTree.from_db(con)
    branches = dashboard.branch_list(con, "X07", SPAN, tree).set_index("code")
    assert len(branches) == len(tree.branches_of("X07"))
    q3 = within(raw, SPAN)
    thematic = q3[(q3["metric"] == "thematic_meetings") & (q3["commune"] == "X07")].set_index("unit_code")["value"]
    regular = q3[(q3["metric"] == "regular_meetings") & (q3["commune"] == "X07")].set_index("unit_code")["value"]
    for code, row in branches.iterrows():
        assert row["quarters_without_thematic"] == (1 if thematic.get(code, 0) == 0 else 0)
        assert row["missed_regular"] == 3 - regular[code]


@pytest.mark.parametrize("span", [SPAN, YTD, parse("2026-10")], ids=lambda s: s.code)
def test_meeting_issues_per_commune_match_pandas(con, raw, span):
    """Per commune: its branches that reported, those with fewer regular meetings than the span has
    months, and those with a quarter of the span without a thematic meeting, from the raw rows."""
    tree = UnitTree.from_db(con)
    found = dashboard.meeting_issues(con, "MS", span, tree, "reported", DEMO_AS_OF)
    rows = within(raw, span)
    rows = rows[rows["unit_code"] != rows["commune"]].assign(
        quarter=lambda d: [(p.year, (p.month - 1) // 3) for p in d["period_start"]]
    )
    branches = rows.groupby("commune")["unit_code"].nunique()
    regular = rows[rows["metric"] == "regular_meetings"].groupby(["commune", "unit_code"])["value"].sum()
    missed = regular[regular < span.months].groupby(level="commune").size()
    thematic = rows[rows["metric"] == "thematic_meetings"].groupby(["commune", "unit_code", "quarter"])["value"].sum()
    quarters = (
        rows[["commune", "unit_code", "quarter"]].drop_duplicates().set_index(["commune", "unit_code", "quarter"])
    )
    quarters["t"] = thematic.reindex(quarters.index).fillna(0)
    no_thematic = quarters[quarters["t"] == 0].reset_index().groupby("commune")["unit_code"].nunique()
    assert list(found["code"]) == sorted(branches.index) and no_thematic.sum() > 0
    for row in found.itertuples(index=False):
        assert row.name == tree.get(row.code).name
        assert row.branches == branches[row.code]
        assert row.missed_regular == missed.get(row.code, 0)
        assert row.no_thematic == no_thematic.get(row.code, 0)
    if span.months > 1:
        assert missed.sum() > 0


@pytest.mark.parametrize("history", ["reported", "today"])
def test_meeting_issues_add_up_the_branch_list(con, history):
    """The commune-level counts are the branch list's, branch by branch, grouped by commune."""
    tree = UnitTree.from_db(con)
    for span in (SPAN, YTD):
        issues = dashboard.meeting_issues(con, "MS", span, tree, history, DEMO_AS_OF).set_index("code")
        branches = dashboard.branch_list(con, "MS", span, tree, history, DEMO_AS_OF)
        reported = branches[branches["reported"]].groupby("reporting_code")
        assert list(issues.index) == sorted(reported.groups)
        assert (issues["branches"] == reported.size()).all()
        assert (issues["missed_regular"] == reported["missed_regular"].apply(lambda s: (s > 0).sum())).all()
        assert (issues["no_thematic"] == reported["quarters_without_thematic"].apply(lambda s: (s > 0).sum())).all()


def test_a_query_reads_its_arrow_table_for_that_call_only(con):
    """meeting_issues gets its branches as an Arrow table: the query counts exactly those, and the
    table is gone from the connection afterwards, also when the query fails."""
    tree = UnitTree.from_db(con)
    pairs = dashboard.branches_in(tree, "MS", SPAN, "reported", DEMO_AS_OF)
    first_commune = pairs[0][1]
    few = [p for p in pairs if p[1] == first_commune][:3]
    cur = con.cursor()
    args = {"start": SPAN.start, "end": SPAN.end, "history": "reported"}
    table = dashboard.branch_pairs(few, [SPAN.months] * len(few))
    out = queries.run(cur, "dashboard/meeting_issues", {"branch_pairs": table}, **args)
    assert out["code"].tolist() == [first_commune] and out["branches"].tolist() == [len(few)]
    with pytest.raises(duckdb.CatalogException):
        cur.execute("select * from branch_pairs")
    with pytest.raises(duckdb.InvalidInputException):  # $end and $history missing
        queries.run(cur, "dashboard/meeting_issues", {"branch_pairs": table}, start=SPAN.start)
    with pytest.raises(duckdb.CatalogException):
        cur.execute("select * from branch_pairs")


def test_lagging_on_demo(con):
    tree = UnitTree.from_db(con)
    found = lagging_units(con, tree, "MS", SPAN, DEMO_AS_OF)
    lags = {lag.unit_code: lag for lag in found}
    assert set(lags) >= demo.LAGGING_ADMISSIONS
    # Worst first: the communes that have not sent Q3, then the furthest behind on admissions.
    assert {lag.unit_code for lag in found[: len(demo.MISSING_LATEST)]} == set(demo.MISSING_LATEST)
    assert [lag.sort_key for lag in found] == sorted(lag.sort_key for lag in found)
    assert all("admissions" in lags[c].kinds for c in demo.LAGGING_ADMISSIONS)
    for code in demo.MISSING_LATEST:
        assert "Chưa nộp báo cáo Quý III/2026 (hạn 15/10/2026)" in lags[code].reasons
    assert all("weak_meetings" in lags[c].kinds for c in demo.WEAK_MEETINGS)
    names = dict(con.execute("select code, name from units").fetchall())
    assert lags and all(lag.unit_name == names[code] for code, lag in lags.items())
    # The rule is configurable: a laxer pace ratio flags fewer communes on admissions.
    lax = lagging_units(con, tree, "MS", SPAN, DEMO_AS_OF, LagSettings(pace_ratio=0.3))
    assert sum("admissions" in lag.kinds for lag in lax) < sum("admissions" in lag.kinds for lag in lags.values())


def test_lagging_sentences():
    assert admissions_reason(2, 12, expected_pace([(None, None)], date(2026, 6, 30)), 0.6) == (
        "Đến 30/06/2026 kết nạp 2/12 đảng viên (16,7% kế hoạch năm), dưới ngưỡng 30% (60% của tiến độ 50% sau 2 quý)"
    )
    assert pace_words(date(2026, 7, 31)) == "sau 7 tháng"
    assert pace_words(date(2026, 12, 31)) == "cả năm"


def test_submission_grid_states(con):
    tree = UnitTree.from_db(con)
    grid, remind = submission_grid(con, tree, "MS", 2026, DEMO_AS_OF)
    grid = grid.set_index("code")
    assert list(grid.columns) == ["name", "Quý I/2026", "Quý II/2026", "Quý III/2026", "Quý IV/2026"]
    assert grid.loc["X13", "Quý III/2026"] == "Chưa nộp"
    assert grid.loc["X09", "Quý III/2026"].startswith("Nộp chậm")
    assert grid.loc["X02", "Quý IV/2026"] == "Đang nộp (1/3 tháng)"  # monthly: October in, not yet due
    assert grid.loc["X01", "Quý IV/2026"] == "Chưa đến hạn"
    assert grid.loc["X12", "Quý I/2026"].endswith("có bản thay thế")
    assert sorted(remind) == [
        ("Đảng ủy phường Trung Hòa", "chưa nộp báo cáo Quý III/2026"),
        ("Đảng ủy xã Phú Xuyên", "chưa nộp báo cáo Quý III/2026"),
    ]


def test_quarterly_series_stops_at_the_span(con):
    series = dashboard.quarterly(con, "MS", 2024, SPAN.end, ["admitted"])
    assert series["label"].iloc[-1] == "Q3/2026"  # the October monthly return does not make a Q4 point
    assert len(series) == 11


@pytest.mark.parametrize("name", ["branches_without_thematic", "branches_without_thematic_rows"])
def test_branches_without_thematic_counted_from_the_rows(con, raw, name):
    """Per commune and quarter of Q3/2026: the branches that reported, and those with no thematic meeting
    (from the counts kept at load, and from the branch rows)."""
    found = queries.run(con, f"dashboard/{name}", unit="MS", start=SPAN.start, end=SPAN.end, history="reported")
    q3 = within(raw, SPAN)
    rows = q3[q3["metric"].isin(["thematic_meetings", "branch_members"]) & (q3["unit_code"] != q3["commune"])]
    thematic = rows[rows["metric"] == "thematic_meetings"].groupby(["commune", "unit_code"])["value"].sum()
    branches = rows.groupby("commune")["unit_code"].nunique()
    without = (
        rows[["commune", "unit_code"]]
        .drop_duplicates()
        .assign(t=lambda d: [thematic.get((c, u), 0) for c, u in zip(d["commune"], d["unit_code"], strict=True)])
        .query("t == 0")
        .groupby("commune")
        .size()
    )
    assert len(found) == len(branches) > 0 and without.sum() > 0
    for row in found.itertuples(index=False):
        assert (row.year, row.quarter) == (2026, 3)
        assert row.branches == branches[row.reporting_code]
        assert row.without_thematic == without.get(row.reporting_code, 0)


def test_unit_returns_are_those_of_the_unit_whose_returns_carry_it(con):
    """A commune's own versions; a branch's are its commune's, the returns that hold its rows; a unit
    above the communes, or none at all, has none."""
    carriers = dict(con.execute(
        "select v.unit_code, list(distinct s.unit_code) from submission_values as v "
        "join submissions as s using (submission_id) group by v.unit_code"
    ).fetchall())  # fmt: skip
    assert all(len(senders) == 1 for senders in carriers.values())
    versions = dict(
        con.execute(
            "select unit_code, list(submission_id order by submission_id) from submissions group by 1"
        ).fetchall()
    )
    tree = UnitTree.from_db(con)
    branch = tree.branches_of("X07")[0].code
    for code in ["X07", branch, "MS", "NOPE", *sorted(carriers)[::40]]:
        found = sorted(dashboard.unit_returns(con, code)["submission_id"].tolist())
        assert found == versions.get(carriers.get(code, [None])[0], []), code
    assert len(dashboard.unit_returns(con, branch)) == len(versions["X07"]) > 0


def test_a_closed_commune_owes_meetings_only_for_the_months_it_existed(con):
    """As reported, 2025: an old commune closed on 30/06 owes six regular meetings a branch, not twelve
    (it would otherwise show every branch short of meetings)."""
    tree = UnitTree.from_db(con)
    span = parse("2025")
    closed = tree.get("C01")
    assert closed.reports and closed.active_to == date(2025, 6, 30)
    assert dashboard.months_due(tree, closed.code, span, "reported") == 6
    assert dashboard.months_due(tree, closed.code, span, "today") == 12  # its successor carries the year
    branches = dashboard.branch_list(con, closed.code, span, tree, "reported", DEMO_AS_OF)
    reported = branches[branches["reported"]]
    assert len(reported)
    expected = (6 - reported["regular_meetings"]).clip(lower=0)
    assert (reported["missed_regular"] == expected).all()
    issues = dashboard.meeting_issues(con, "MS", span, tree, "reported", DEMO_AS_OF).set_index("code")
    assert issues.loc[closed.code, "missed_regular"] == (expected > 0).sum() < len(reported)


@pytest.mark.parametrize(
    ("unit", "span", "history"),
    [("MS", "2026-Q4", "today"), ("X02", "2026", "today"), ("C01", "2025-Q3", "reported")],
)
def test_cards_do_not_compare_what_is_not_comparable(con, unit, span, history):
    """A span still open (Q4, the year, on 23/11), or a unit that did not exist through both spans (a
    commune closed on 30/06/2025), gets no change against last year: its part would read as a fall."""
    tree = UnitTree.from_db(con)
    cards = dashboard.kpis(con, tree, unit, parse(span), DEMO_AS_OF, history)
    assert all(card.previous is None for card in cards)
    if unit != "C01":
        assert all("chưa so sánh với cùng kỳ" in card.note for card in cards if card.key != "on_time")


def test_cards_compare_a_finished_span_with_every_return_in(con):
    tree = UnitTree.from_db(con)
    cards = {c.key: c for c in dashboard.kpis(con, tree, "MS", parse("2025-Q3"), DEMO_AS_OF, "today")}
    assert cards["admissions"].previous is not None and cards["inspections"].previous is not None
