"""Units over time: successions in the registry, the two views of history, and the checks across a merger.

A small province: old communes A1 and A2 merge into N1, and B splits 60/40 into N2 and N3, on
1 July 2025. Every expected figure is computed here by hand from the returns we load, never
through the code under test.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest

from ingest.fill import fill_template
from ingest.load import Incoming, load_files
from ingest.registry import RegistryError, apply_registry, load_registry, load_targets
from ingest.template import template_bytes
from reporting import dashboard, db, queries
from reporting.lagging import lagging_units, paces
from reporting.lineage import Lineage, Succession
from reporting.periods import parse, year_to
from reporting.units import UnitTree

TODAY = date(2026, 11, 23)
REGISTRY = """code,name,org_type,parent_code,active_from,active_to,end_reason
T,Tỉnh ủy Thử Nghiệm,provincial_committee,,2020-01-01,,
D,Huyện ủy Cũ,district_committee,T,2020-01-01,2025-06-30,giải thể
A1,Đảng ủy xã A Một,commune_committee,D,2020-01-01,2025-06-30,sáp nhập
A1-B,Chi bộ thôn A Một,affiliated_branch,A1,2020-01-01,2025-06-30,merged
A2,Đảng ủy xã A Hai,commune_committee,D,2020-01-01,2025-06-30,merged
A2-B,Chi bộ thôn A Hai,affiliated_branch,A2,2020-01-01,2025-06-30,merged
B,Đảng ủy xã Bê,commune_committee,D,2020-01-01,2025-06-30,chia tách
B-B,Chi bộ thôn Bê,affiliated_branch,B,2020-01-01,2025-06-30,
N1,Đảng ủy xã Mới Một,commune_committee,T,2025-07-01,,
N1-B1,Chi bộ thôn A Một,affiliated_branch,N1,2025-07-01,,
N1-B2,Chi bộ thôn A Hai,affiliated_branch,N1,2025-07-01,,
N2,Đảng ủy xã Mới Hai,commune_committee,T,2025-07-01,,
N2-B,Chi bộ thôn Bê Đông,affiliated_branch,N2,2025-07-01,,
N3,Đảng ủy xã Mới Ba,commune_committee,T,2025-07-01,,
N3-B,Chi bộ thôn Bê Tây,affiliated_branch,N3,2025-07-01,,
"""
LINEAGE = """predecessor_code,successor_code,effective_date,share
A1,N1,2025-07-01,
A2,N1,01/07/2025,1
A1-B,N1-B1,2025-07-01,
A2-B,N1-B2,2025-07-01,
B,N2,2025-07-01,0.6
B,N3,2025-07-01,40%
"""
# (opening, admitted) of each unit's returns; closing = opening + admitted.
Q2 = {"A1": (100, 3), "A2": (50, 2), "B": (200, 10)}


def values(opening: int, admitted: int, probationary: int = 5) -> dict[str, int]:
    return {
        "members_opening": opening,
        "probationary_opening": probationary,
        "admitted": admitted,
        "members_closing": opening + admitted,
        "probationary_closing": probationary + admitted,
        "inspect_member": 1,
        "committee_meetings": 3,
        "conclusions_issued": 3,
    }


def branch(members: int) -> dict[str, float]:
    return {"branch_members": members, "regular_meetings": 3, "thematic_meetings": 1, "rating_good": 2,
            "rating_average": 1, "attendance_pct": 90}  # fmt: skip


@pytest.fixture
def history(tmp_path):
    """The small province, its lineage, targets for 2025, and a way to send returns."""
    (tmp_path / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    (tmp_path / "lineage.csv").write_text(LINEAGE, encoding="utf-8")
    (tmp_path / "targets.csv").write_text(
        "unit_code,year,admission_target\nA1,2025,10\nA2,2025,6\nB,2025,20\nN1,2026,18\nT,2025,40\n", encoding="utf-8"
    )
    con = db.connect(tmp_path / "returns.duckdb")
    load_registry(con, tmp_path / "registry.csv", lineage=tmp_path / "lineage.csv")
    load_targets(con, tmp_path / "targets.csv")

    def send(unit: str, period: str, vals: dict, branches: dict[str, float] | None = None):
        tree = UnitTree.from_db(con)
        p = parse(period)
        units_branches = tree.branches_of(unit, p.start, p.end)
        rows = branches or {b.code: branch(vals["members_closing"] // len(units_branches)) for b in units_branches}
        if branches is None and units_branches:  # the last branch takes the remainder
            first = units_branches[0].code
            rows[first]["branch_members"] += vals["members_closing"] - sum(r["branch_members"] for r in rows.values())
        data = fill_template(
            template_bytes(tree.get(unit), p, units_branches, None),
            {"unit": unit, "period": period, "values": vals, "branches": rows},
        )
        (outcome,) = load_files(
            con, [Incoming(f"{unit}_{period}.xlsx", data)], archive=tmp_path / "archive", today=TODAY
        )
        return outcome

    yield con, send
    con.close()


def _loaded_before_and_after(send):
    for unit, (opening, admitted) in Q2.items():
        assert send(unit, "2025-Q2", values(opening, admitted)).action == "loaded"
    outcomes = {
        "N1": send("N1", "2025-Q3", values(103 + 52, 4, probationary=8 + 7)),
        "N2": send("N2", "2025-Q3", values(126, 1, probationary=9)),  # 60% of B's 210 members, 15 probationary
        "N3": send("N3", "2025-Q3", values(84, 2, probationary=6)),  # 40%
    }
    assert {code: o.action for code, o in outcomes.items()} == dict.fromkeys(outcomes, "loaded")
    assert not [f for o in outcomes.values() for f in o.result.findings if f.rule.startswith("opening")]
    return outcomes


def test_lineage_is_read_and_mapped(history):
    con, _ = history
    tree = UnitTree.from_db(con)
    assert [(u.code, s) for u, s in tree.successors_of("B")] == [("N2", 0.6), ("N3", 0.4)]
    assert tree.get("A1").end_reason == "merged" and tree.get("B").end_reason == "split"
    rows = dict(
        con.execute("select unit_code, share from unit_map where history = 'today' and ancestor_code = 'N2'").fetchall()
    )
    assert rows == {"N2": 1.0, "N2-B": 1.0, "B": 0.6, "B-B": 0.6}  # the old branch follows its commune's split
    assert dict(
        con.execute("select unit_code, share from unit_map where history = 'today' and ancestor_code = 'T'").fetchall()
    )["B"] == pytest.approx(1.0)  # both parts of B are in the province
    reported = {
        r[0]
        for r in con.execute(
            "select unit_code from unit_map where history = 'reported' and ancestor_code = 'D'"
        ).fetchall()
    }
    assert reported == {"D", "A1", "A1-B", "A2", "A2-B", "B", "B-B"}
    today_kids = [u.code for u in tree.view("today", TODAY).children("T", TODAY, TODAY)]
    assert today_kids == ["N1", "N2", "N3"]  # the closed district is not one of today's units


def test_merged_figures_are_the_sum_of_their_predecessors(history):
    con, send = history
    _loaded_before_and_after(send)
    q2 = parse("2025-Q2")
    n1 = dashboard.figures(con, "N1", q2, "today")
    assert n1["admitted"] == 3 + 2
    assert n1["members_opening"] == 100 + 50 and n1["members_closing"] == 103 + 52
    assert dashboard.figures(con, "N1", q2, "reported") == {}  # N1 did not exist yet
    a1 = dashboard.figures(con, "A1", q2, "reported")
    assert a1["admitted"] == 3
    # Branch rows follow their branches: N1-B1 carries A1-B.
    branches = dashboard.branch_list(con, "N1", q2, UnitTree.from_db(con), "today", TODAY).set_index("code")
    assert branches.loc["N1-B1", "branch_members"] == 103 and branches.loc["N1-B2", "branch_members"] == 52


def test_a_split_passes_its_shares(history):
    con, send = history
    _loaded_before_and_after(send)
    q2 = parse("2025-Q2")
    n2, n3 = (dashboard.figures(con, c, q2, "today") for c in ("N2", "N3"))
    assert n2["admitted"] == pytest.approx(0.6 * 10) and n3["admitted"] == pytest.approx(0.4 * 10)
    assert n2["members_closing"] == pytest.approx(0.6 * 210) and n3["members_closing"] == pytest.approx(0.4 * 210)
    # The province is the same whichever way it is read, and its children add up to it.
    for span in (q2, parse("2025-Q3"), year_to(2025, 12)):
        today, reported = dashboard.figures(con, "T", span, "today"), dashboard.figures(con, "T", span, "reported")
        assert today == pytest.approx(reported)
        kids = dashboard.figures_by_child(con, "T", span, "today", TODAY)
        assert kids["admitted"].sum() == pytest.approx(today["admitted"])
    assert set(dashboard.figures_by_child(con, "T", q2, "reported", TODAY)["code"]) == {"D"}


def test_stocks_across_the_merger_count_once(history):
    """Over 2025 the opening comes from the old communes, the closing from the new ones."""
    con, send = history
    _loaded_before_and_after(send)
    year = year_to(2025, 9)
    for view in ("today", "reported"):
        t = dashboard.figures(con, "T", year, view)
        assert t["members_opening"] == 100 + 50 + 200
        assert t["members_closing"] == (155 + 4) + (126 + 1) + (84 + 2)
        assert t["admitted"] == 3 + 2 + 10 + 4 + 1 + 2
    n1 = dashboard.figures(con, "N1", year, "today")
    assert (n1["members_opening"], n1["members_closing"], n1["admitted"]) == (150, 159, 9)
    reported = dashboard.figures(con, "N1", year, "reported")
    assert "members_opening" not in reported and reported["members_closing"] == 159 and reported["admitted"] == 4
    series = dashboard.quarterly(con, "N1", 2025, date(2025, 9, 30), ["admitted", "members_closing"], "today")
    assert series[["label", "admitted", "members_closing"]].values.tolist() == [
        ["Q2/2025", 5.0, 155.0],
        ["Q3/2025", 4.0, 159.0],
    ]


def test_targets_follow_the_lineage(history):
    con, _ = history
    assert queries.targets_for(con, ["N1", "N2", "N3", "T"], 2025, "today") == {"N1": 16, "N2": 12, "N3": 8, "T": 40}
    assert queries.targets_for(con, ["N1", "D"], 2025, "reported") == {"D": 36}  # D: the sum below it
    assert queries.targets_for(con, ["N1"], 2026, "today") == {"N1": 18}


def targets_by_definition(con, year: int, history: str) -> dict[str, int]:
    """Every unit's target in a view, computed here from targets and unit_map: its own, else the sum of
    the targets inside it (times their shares) that no other target inside it holds on the registry's tree."""
    own = dict(
        con.execute(
            "select unit_code, admission_target from targets where year = $y and admission_target is not null",
            {"y": year},
        ).fetchall()
    )
    inside: dict[str, list[tuple[str, float]]] = {}
    ancestors: dict[str, set[str]] = {}  # on the registry's tree
    rows = con.execute("select history, ancestor_code, unit_code, share from unit_map").fetchall()
    for view, ancestor, unit, share in rows:
        if view == history:
            inside.setdefault(ancestor, []).append((unit, share))
        if view == "reported":
            ancestors.setdefault(unit, set()).add(ancestor)
    found = dict(own)  # a unit's own target holds in either view, even for a unit today's tree has closed
    for group, members in inside.items():
        within = {unit for unit, _ in members}
        counted = [
            own[unit] * share
            for unit, share in members
            if unit != group
            and unit in own
            and not any(a in own and a in within for a in ancestors.get(unit, set()) - {unit, group})
        ]
        if group not in own and counted:
            found[group] = round(sum(counted))
    return found


def test_every_units_target_follows_targets_and_the_registry(history, tmp_path):
    """target_totals, which the dashboards read, holds what the definition gives for every unit, in both
    views, after targets load (nested: D's target holds A1's) and after the registry changes."""
    con, _ = history
    (tmp_path / "more.csv").write_text(
        "unit_code,year,admission_target\nD,2024,30\nA1,2024,10\nB,2024,5\n", encoding="utf-8"
    )
    load_targets(con, tmp_path / "more.csv")
    everything = [code for (code,) in con.execute("select code from units").fetchall()]
    assert queries.targets_for(con, ["T", "D", "A1"], 2024, "reported") == {"T": 30, "D": 30, "A1": 10}
    for year in (2024, 2025, 2026):
        for view in ("reported", "today"):
            assert queries.targets_for(con, everything, year, view) == targets_by_definition(con, year, view)
    # B's split becomes 50/50: the targets of N2 and N3 on today's units follow the registry.
    (tmp_path / "lineage2.csv").write_text(LINEAGE.replace("B,N2,2025-07-01,0.6\n", "B,N2,2025-07-01,0.5\n").replace(
        "B,N3,2025-07-01,40%", "B,N3,2025-07-01,50%"), encoding="utf-8")  # fmt: skip
    load_registry(con, tmp_path / "registry.csv", lineage=tmp_path / "lineage2.csv")
    assert queries.targets_for(con, ["N2", "N3"], 2025, "today") == {"N2": 10, "N3": 10}
    for view in ("reported", "today"):
        assert queries.targets_for(con, everything, 2025, view) == targets_by_definition(con, 2025, view)


def test_stock_continuity_follows_the_merger(history):
    _, send = history
    for unit, (opening, admitted) in Q2.items():
        send(unit, "2025-Q2", values(opening, admitted))
    wrong = send("N1", "2025-Q3", values(150, 4, probationary=15))  # should open at 103 + 52 = 155
    assert wrong.action == "rejected"
    (finding,) = [f for f in wrong.result.findings if f.rule == "opening_continuity" and f.cell == "D4"]
    assert "Quý II/2025 của Đảng ủy xã A Một; Quý II/2025 của Đảng ủy xã A Hai (155)" in finding.message
    assert send("N1", "2025-Q3", values(155, 4, probationary=15)).action == "loaded"
    # A split's shares are an estimate: a different opening is a warning, not a rejection.
    split = send("N2", "2025-Q3", values(120, 1))
    assert split.action == "loaded"
    assert [f.rule for f in split.result.findings if f.severity == "warning"][:1] == ["opening_continuity_split"]


def test_a_return_for_a_closed_unit_names_its_successor(history):
    _, send = history
    outcome = send("A1", "2025-Q3", values(103, 1), branches={})
    assert outcome.action == "rejected"
    (finding,) = [f for f in outcome.result.findings if f.rule == "unit_inactive"]
    assert "Đơn vị «A1» (Đảng ủy xã A Một) đã sáp nhập vào «N1» (Đảng ủy xã Mới Một) từ ngày 01/07/2025" in (
        finding.message
    )
    split = send("B", "2025-Q3", values(210, 0), branches={})
    (finding,) = [f for f in split.result.findings if f.rule == "unit_inactive"]
    assert "đã chia tách vào «N2» (Đảng ủy xã Mới Hai, 60%), «N3» (Đảng ủy xã Mới Ba, 40%)" in finding.message
    early = send("N1", "2025-Q2", values(150, 1))
    (finding,) = [f for f in early.result.findings if f.rule == "unit_inactive"]
    assert "bắt đầu hoạt động từ ngày 01/07/2025" in finding.message and "«A1» (Đảng ủy xã A Một)" in finding.message


def test_lagging_on_todays_units_answers_for_predecessors(history):
    con, send = history
    send("A1", "2025-Q2", values(100, 3))  # A2 and B never send Q2
    tree = UnitTree.from_db(con)
    lags = {lag.unit_code: lag for lag in lagging_units(con, tree, "T", parse("2025-Q2"), TODAY, history="today")}
    assert "Chưa nộp báo cáo Quý II/2025 của Đảng ủy xã A Hai (hạn 15/07/2025)" in lags["N1"].reasons
    assert any("của Đảng ủy xã Bê" in r for r in lags["N2"].reasons)
    reported = lagging_units(con, tree, "T", parse("2025-Q2"), TODAY, history="reported")
    assert {lag.unit_code for lag in reported} >= {"A2", "B"}


def test_lagging_judges_admissions_on_the_days_a_unit_was_active(history):
    con, send = history
    for period, vals in [("2025-Q1", values(96, 2)), ("2025-Q2", values(98, 2, probationary=7))]:
        assert send("A1", period, vals).action == "loaded"  # 4 of its 10 by 30 June
    for period in ("2025-Q1", "2025-Q2"):
        assert send("A2", period, values(48, 0)).action == "loaded"  # none of its 6
    tree = UnitTree.from_db(con)
    year = parse("2025")
    reported = {lag.unit_code: lag for lag in lagging_units(con, tree, "T", year, TODAY, history="reported")}
    # A1 and A2 closed on 30 June: judged on their half year, 60% of a 50% pace (30% of the target).
    assert "admissions" not in reported["A1"].kinds  # 40%: was flagged against the whole year's pace (60%)
    assert admissions(reported["A2"]) == (
        "Đến 31/12/2025 kết nạp 0/6 đảng viên (0,0% kế hoạch năm), dưới ngưỡng 30% "
        "(60% của tiến độ 50% theo thời gian hoạt động từ 01/01/2025 đến 30/06/2025)"
    )
    assert "Chưa nộp báo cáo Quý I/2025 (hạn 15/04/2025)" in reported["B"].reasons
    # On today's units N1 carries A1 and A2 and is active the whole year; its own returns of the
    # second half are not in, so part of its admissions is unknown: it is flagged for those returns,
    # not judged on a pace it may yet have met (4 of 16 from its predecessors alone).
    today = {lag.unit_code: lag for lag in lagging_units(con, tree, "T", year, TODAY, history="today")}
    assert "admissions" not in today["N1"].kinds and today["N1"].kinds[0] == "missing"
    assert paces(con, ["N1"], year, TODAY, "today")["N1"].whole
    as_reported = paces(con, ["N1", "A1", "D", "T"], year, TODAY, "reported")
    assert {code: p.share for code, p in as_reported.items()} == pytest.approx({"N1": 0.5, "A1": 0.5, "D": 0.5, "T": 1})
    by_commune = dashboard.admissions_by_child(con, "D", year, "reported", TODAY).set_index("code")
    assert by_commune["pace_pct"].to_dict() == pytest.approx({"A1": 50.0, "A2": 50.0, "B": 50.0})


def admissions(lag) -> str:
    (reason,) = [r for r, kind in zip(lag.reasons, lag.kinds, strict=True) if kind == "admissions"]
    return reason


@pytest.mark.parametrize(
    ("lineage", "message"),
    [
        ("A1,N1,2025-07-01,\nN1,A1,2025-07-01,\n", "kế thừa lẫn nhau thành vòng lặp"),
        ("A1,N1,2025-07-01,\n", "đơn vị «A2» kết thúc do sáp nhập nhưng chưa có đơn vị kế thừa"),
        ("A1,N1,2025-07-01,\nA2,N1,2025-07-01,\nB,N2,2025-07-01,0.6\nB,N3,2025-07-01,0.3\n",
         "tổng tỷ lệ chuyển sang các đơn vị kế thừa của «B» là 0,9"),
        ("A1,N1,2025-08-01,\n", "đơn vị «A1» phải kết thúc hoạt động ngày 31/07/2025"),
        ("A1,NOPE,2025-07-01,\n", "mã «NOPE» không có trong danh mục"),
    ],
)  # fmt: skip
def test_bad_lineage_is_refused_whole(history, tmp_path, lineage, message):
    con, _ = history
    before = con.execute("select * from unit_lineage order by 1, 2").fetchall()
    path = tmp_path / "bad.csv"
    path.write_text("predecessor_code,successor_code,effective_date,share\n" + lineage, encoding="utf-8")
    with pytest.raises(RegistryError) as exc:
        apply_registry(con, [], _records(path), actor="test", source="bad.csv", replace_lineage=True)
    assert any(message in m for m in exc.value.messages), exc.value.messages
    assert con.execute("select * from unit_lineage order by 1, 2").fetchall() == before


def _records(path):
    from ingest.registry import LINEAGE_COLUMNS
    from ingest.tables import read_table

    return read_table(path, LINEAGE_COLUMNS)


def test_registry_workbook_carries_units_and_lineage(history, tmp_path):
    """The app's export (sheets «Đơn vị», «Kế thừa», «Chỉ tiêu», Vietnamese headers) loads back unchanged."""
    from ingest.registry_book import registry_workbook

    con, _ = history
    data = registry_workbook(con, 2025)
    path = tmp_path / "danh-muc.xlsx"
    path.write_bytes(data)
    before = con.execute("select * from unit_map order by all").fetchall()
    load_registry(con, path)
    load_targets(con, path)
    assert con.execute("select * from unit_map order by all").fetchall() == before
    assert queries.targets_for(con, ["N1"], 2025, "today") == {"N1": 16}
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(data))
    assert book.sheetnames == ["Đơn vị", "Kế thừa", "Chỉ tiêu"]
    assert [c.value for c in book["Kế thừa"][1]] == [
        "Mã đơn vị cũ",
        "Mã đơn vị kế thừa",
        "Ngày hiệu lực",
        "Tỷ lệ chuyển sang",
    ]


def test_lineage_resolves_chains():
    parents = {"T": None, "A": "T", "B": "T", "C": "T", "A-1": "A"}
    lineage = Lineage(parents, [Succession("A", "B", date(2025, 7, 1)), Succession("B", "C", date(2026, 1, 1), 0.5)])
    assert lineage.resolve("A") == (("C", 0.5),)
    assert lineage.today_parent("A-1") == "C"  # a branch left without lineage follows what its commune became


MOVED_BRANCH = """code,name,org_type,parent_code,active_from,active_to,end_reason
T,Tỉnh ủy Thử Nghiệm,provincial_committee,,2020-01-01,,
P,Đảng ủy xã Cũ,commune_committee,T,2020-01-01,{p_to},{p_reason}
Q,Đảng ủy xã Mới,commune_committee,T,2025-08-01,,
S,Chi bộ thôn Sông,affiliated_branch,{s_parent},2020-01-01,,
R,Chi bộ thôn Rừng,affiliated_branch,P,2020-01-01,{p_to},{r_reason}
"""


@pytest.mark.parametrize(("july_thematic", "without"), [(0, 1), (2, 0)])
def test_a_branch_the_registry_moves_mid_quarter_counts_once(tmp_path, july_thematic, without):
    """P merges into Q on 1 August; branch S keeps its code and moves to Q. July's return (P's) and
    August's (Q's) both carry S: on today's units Q's third quarter has one branch S, without a
    thematic meeting only if neither month held one; R, P's other branch, counts too."""
    con = db.connect(tmp_path / "returns.duckdb")
    before = tmp_path / "before.csv"
    before.write_text(MOVED_BRANCH.format(p_to="", p_reason="", s_parent="P", r_reason=""), encoding="utf-8")
    load_registry(con, before)

    def send(unit: str, period: str, rows: dict[str, dict[str, float]]):
        tree = UnitTree.from_db(con)
        p = parse(period)
        members = sum(r["branch_members"] for r in rows.values())
        data = fill_template(
            template_bytes(tree.get(unit), p, tree.branches_of(unit, p.start, p.end), None),
            {"unit": unit, "period": period, "values": values(members, 0), "branches": rows},
        )
        (outcome,) = load_files(con, [Incoming(f"{unit}_{period}.xlsx", data)], archive=tmp_path / "a", today=TODAY)
        assert outcome.action == "loaded", [f.message for f in outcome.result.findings]

    def month(members: int, thematic: int) -> dict[str, float]:
        return {"branch_members": members, "regular_meetings": 1, "thematic_meetings": thematic, "rating_good": 1,
                "attendance_pct": 90}  # fmt: skip

    send("P", "2025-07", {"S": month(20, july_thematic), "R": month(10, 1)})
    after = tmp_path / "after.csv"
    after.write_text(
        MOVED_BRANCH.format(p_to="2025-07-31", p_reason="sáp nhập", s_parent="Q", r_reason="giải thể"), encoding="utf-8"
    )
    lineage = tmp_path / "lineage.csv"
    lineage.write_text("predecessor_code,successor_code,effective_date,share\nP,Q,2025-08-01,\n", encoding="utf-8")
    load_registry(con, after, lineage=lineage)
    send("Q", "2025-08", {"S": month(30, 0)})  # R's members joined S

    q3 = parse("2025-Q3")
    args = {"unit": "T", "start": q3.start, "end": q3.end}
    for name in ("dashboard/branches_without_thematic", "dashboard/branches_without_thematic_rows"):
        today = queries.run(con, name, **args, history="today")
        assert today[["reporting_code", "branches", "without_thematic"]].values.tolist() == [["Q", 2, without]], name
        reported = queries.run(con, name, **args, history="reported")  # each commune counts its own returns
        assert reported[["reporting_code", "branches", "without_thematic"]].values.tolist() == [
            ["P", 2, without if july_thematic == 0 else 0],
            ["Q", 1, 1],
        ], name
    # The meetings page counts each branch once under the unit the tree shows it in, the branch list's way.
    tree = UnitTree.from_db(con)
    for history in ("today", "reported"):
        issues = dashboard.meeting_issues(con, "T", q3, tree, history, TODAY)
        branches = dashboard.branch_list(con, "T", q3, tree, history, TODAY)
        reported = branches[branches["reported"]]
        assert (
            issues["code"].tolist()
            == sorted(set(reported["reporting_code"]))
            == (["Q"] if history == "today" else ["P", "Q"])
        )
        assert issues["branches"].tolist() == reported.groupby("reporting_code").size().tolist()
        assert issues["no_thematic"].tolist() == (
            reported.groupby("reporting_code")["quarters_without_thematic"].apply(lambda s: int((s > 0).sum())).tolist()
        )
    s_thematic = dashboard.meeting_issues(con, "Q", q3, tree, "today", TODAY)["no_thematic"].tolist()
    assert s_thematic == [without]  # S over July (P's return) and August (Q's)
    con.close()
