"""The quarterly briefing: every figure checked against the dashboards' queries; sentence forms."""

from __future__ import annotations

import io
from dataclasses import replace

import docx
import pandas as pd
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import load_workbook

from briefing import text
from briefing.appendix import build_appendix
from briefing.figures import gather
from briefing.report import build_report
from reporting import dashboard, db
from reporting.numbers import fmt_number, fmt_percent
from reporting.periods import parse
from reporting.units import UnitTree
from tests.conftest import DEMO_AS_OF

Q3 = parse("2026-Q3")


@pytest.fixture(scope="module")
def con(demo_store):
    c = db.connect(demo_store["path"], read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module", params=["MS", "X07"])
def built(request, con):
    tree = UnitTree.from_db(con)
    b = gather(con, tree, request.param, Q3, DEMO_AS_OF)
    return b, docx.Document(io.BytesIO(build_report(b))), load_workbook(io.BytesIO(build_appendix(b)))


def paragraphs(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def test_report_shape(built):
    b, document, _ = built
    texts = paragraphs(document)
    assert "BÁO CÁO" in texts
    assert "kết quả công tác xây dựng Đảng quý III năm 2026" in texts
    header = document.tables[0].rows[0].cells
    assert header[0].paragraphs[0].text == b.unit.name.upper()
    assert header[1].paragraphs[0].text == "ĐẢNG CỘNG SẢN VIỆT NAM"
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    body = next(p for p in document.paragraphs if p.text.startswith("Từ đầu năm đến nay"))
    assert {r.font.name for r in body.runs} == {"Times New Roman"} and body.runs[0].font.size.pt == 14
    for table in document.tables[1:]:
        assert table.rows[1].cells[0].paragraphs[0].runs[0].font.size.pt == 13


def test_report_figures_match_the_queries(built, con):
    b, document, _ = built
    texts = " ".join(paragraphs(document))
    year = dashboard.figures(con, b.unit.code, parse("2026-9M"))
    quarter = dashboard.figures(con, b.unit.code, Q3)
    goal = dashboard.target(con, b.unit.code, 2026)
    assert (
        f"kết nạp {fmt_number(year['admitted'])} đảng viên mới, đạt {fmt_percent(100 * year['admitted'] / goal)} kế hoạch năm"
        in texts
    )
    assert f"riêng quý III kết nạp {fmt_number(quarter['admitted'])} đảng viên" in texts
    members = dashboard.stock_coverage(con, b.unit.code, Q3)["members_closing"]
    if members.complete:
        assert f"toàn Đảng bộ có {fmt_number(quarter['members_closing'])} đảng viên" in texts
        assert f"Các chi bộ tổ chức {fmt_number(quarter['regular_meetings'])} buổi sinh hoạt thường kỳ" in texts
    else:  # the as-reported sum with its coverage, and the estimate, in one sentence; never a bare fall
        assert f"{members.words} có {fmt_number(quarter['members_closing'])} đảng viên" in texts
        assert f"ước tính toàn Đảng bộ có khoảng {fmt_number(members.estimate)} đảng viên" in texts
        assert f"toàn Đảng bộ có {fmt_number(quarter['members_closing'])} đảng viên" not in texts
        assert f"tổ chức {fmt_number(quarter['regular_meetings'])} buổi sinh hoạt thường kỳ" in texts
    assert f"kiểm tra {fmt_number(quarter['inspect_org'])} lượt tổ chức đảng" in texts


def test_province_tables_and_charts(con):
    tree = UnitTree.from_db(con)
    b = gather(con, tree, "MS", Q3, DEMO_AS_OF)
    document = docx.Document(io.BytesIO(build_report(b)))
    admissions = document.tables[1]
    expected = dashboard.admissions_by_child(con, "MS", Q3)
    rows = [[c.text for c in r.cells] for r in admissions.rows[1:-1]]
    assert rows == [
        [r.name, fmt_number(r.admitted), fmt_number(r.target), fmt_percent(r.pct_of_target)]
        for r in expected.itertuples()
    ]
    total = [c.text for c in admissions.rows[-1].cells]
    runs = [[c.paragraphs[0].runs[0] for c in r.cells] for r in admissions.rows[1:]]
    assert all(r.font.bold for r in runs[-1]) and not any(r.font.bold for row in runs[:-1] for r in row)
    assert {r.font.name for row in runs for r in row} == {"Times New Roman"}
    alignments = [c.paragraphs[0].alignment for c in admissions.rows[-2].cells]
    assert alignments == [WD_ALIGN_PARAGRAPH.LEFT] + [WD_ALIGN_PARAGRAPH.RIGHT] * 3
    cover = b.year_returns  # a total of what was reported says what it covers
    assert total[0] == ("Cộng" if cover.complete else f"Cộng ({cover.words})")
    assert total[1:3] == [fmt_number(expected["admitted"].sum()), fmt_number(expected["target"].sum())]
    assert len(document.inline_shapes) == 2  # admissions against target, meeting ratings


def test_appendix_matches_the_queries(built, con):
    b, _, book = built
    assert book.sheetnames == [
        "Phát triển đảng viên",
        "Kiểm tra, giám sát",
        "Kỷ luật",
        "Sinh hoạt chi bộ",
        "Nộp báo cáo",
    ]
    ws = book["Kiểm tra, giám sát"]
    headers = [c.value for c in ws[4]]
    col = headers.index("Kiểm tra: đảng viên") + 1
    quarter = dashboard.figures(con, b.unit.code, Q3)
    if b.unit.reports:
        # a commune's branches report no inspections: the sheet is the commune's own row, no totals
        per_unit = pd.DataFrame([{"name": b.unit.name, "inspect_member": quarter.get("inspect_member")}])
        assert ws.cell(row=5, column=1).value == b.unit.name and ws.cell(row=6, column=1).value is None
    else:
        per_unit = dashboard.inspection_summary(dashboard.figures_by_child(con, b.unit.code, Q3))
    values = [ws.cell(row=r, column=col).value for r in range(5, 5 + len(per_unit))]
    # a unit that did not report has a blank cell, never 0
    assert values == [None if pd.isna(v) else v for v in per_unit["inspect_member"]]
    if not b.unit.reports:
        cover = b.quarter_returns
        label = "Cộng" if cover.complete else f"Cộng ({cover.received}/{cover.due} đơn vị đã báo cáo)"
        assert ws.cell(row=5 + len(per_unit), column=1).value == label
        # the totals row is the unit's own figure, which here equals the sum of what the rows reported
        assert ws.cell(row=5 + len(per_unit), column=col).value == quarter["inspect_member"]
        assert quarter["inspect_member"] == per_unit["inspect_member"].sum()
    assert ws.freeze_panes == "B5"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    last = 4 + len(per_unit)  # every row keeps its column's format, border and font, not just the first
    for row in (5, last):
        cell = ws.cell(row=row, column=col)
        assert cell.number_format == "#,##0" and cell.border.left.style == "thin"
        assert (cell.font.name, cell.font.size, cell.font.bold) == ("Times New Roman", 12, False)
    assert ws.cell(row=last, column=1).number_format == "@"
    assert ws.cell(row=last + 1, column=col).font.bold or b.unit.reports


def _briefing(con, **figures) -> object:
    b = gather(con, UnitTree.from_db(con), "X07", Q3, DEMO_AS_OF)
    return replace(b, quarter={**b.quarter, **figures.get("quarter", {})}, year={**b.year, **figures.get("year", {})})


DISCIPLINE_ZERO = dict.fromkeys(
    ["disc_member_reprimand", "disc_member_warning", "disc_member_dismissal", "disc_member_expulsion",
     "disc_org_reprimand", "disc_org_warning", "disc_org_dissolution"], 0
)  # fmt: skip


def test_sentences_zero_one_many(con):
    none = _briefing(con, quarter=DISCIPLINE_ZERO)
    assert text.discipline(none) == "Trong quý III, không có trường hợp nào bị kỷ luật."
    one = _briefing(con, quarter={**DISCIPLINE_ZERO, "disc_member_warning": 1})
    assert text.discipline(one) == "Trong quý III, đã thi hành kỷ luật 1 đảng viên (cảnh cáo 1)."
    many = _briefing(
        con, quarter={**DISCIPLINE_ZERO, "disc_member_reprimand": 2, "disc_member_warning": 1, "disc_org_reprimand": 1}
    )
    assert text.discipline(many) == (
        "Trong quý III, đã thi hành kỷ luật 3 đảng viên (khiển trách 2, cảnh cáo 1) và 1 tổ chức đảng (khiển trách 1)."
    )
    b = _briefing(con, year={"admitted": 0}, quarter={"admitted": 0})
    assert text.admissions(b).startswith(
        "Từ đầu năm đến nay, toàn Đảng bộ chưa kết nạp được đảng viên mới nào, đạt 0,0%"
    )
    b = _briefing(con, year={"admitted": 1}, quarter={"admitted": 0})
    assert text.admissions(b).endswith("; trong quý III không kết nạp đảng viên mới nào.")
    b = _briefing(con, year={"admitted": 12}, quarter={"admitted": 1})
    assert text.admissions(b).endswith("; riêng quý III kết nạp 1 đảng viên.")
    quiet = dict.fromkeys([f"{k}_{w}" for k in ("inspect", "inspect_signs", "supervise") for w in ("org", "member")], 0)
    assert (
        text.inspections(_briefing(con, quarter=quiet))
        == "Trong quý III, các cấp ủy không tiến hành cuộc kiểm tra, giám sát nào."
    )
    assert text.breakdown({"khiển trách": 2, "cảnh cáo": 0, "khai trừ": 1}) == "khiển trách 2, khai trừ 1"


def test_briefing_cli(demo_store, tmp_path, monkeypatch, capsys):
    from briefing.__main__ import main

    monkeypatch.setenv("RETURNS_DB", str(demo_store["path"]))
    out = tmp_path / "bao-cao.docx"
    assert main(["--unit", "X04", "--period", "2026-Q3", "--out", str(out), "--today", "2026-11-23"]) == 0
    assert out.exists() and (tmp_path / "bao-cao_bieu-tong-hop.xlsx").exists()
    assert main(["--unit", "X04", "--period", "2026-07", "--out", str(out)]) == 2
    assert "cần một quý" in capsys.readouterr().err


def test_any_table_downloads_with_the_same_formats():
    from briefing.appendix import Column, table_workbook

    rows = pd.DataFrame(
        [
            {"name": '=HYPERLINK("http://x","bấm")', "admitted": 12, "pct": 72.5},
            {"name": "Đảng ủy xã An Phú", "admitted": 3, "pct": 10.0},
        ]
    )
    book = load_workbook(
        io.BytesIO(
            table_workbook(
                "Kết nạp", "Tỉnh ủy Minh Sơn · Quý III/2026",
                [Column("name", "Đơn vị", "text", None), Column("admitted", "Đã kết nạp"), Column("pct", "%", "percent", None)],
                rows,
            )
        )
    )  # fmt: skip
    ws = book.active
    assert ws["A5"].value == '=HYPERLINK("http://x","bấm")' and ws["A5"].data_type == "s"  # text, never a formula
    assert ws["B5"].value == 12 and ws["B5"].number_format == "#,##0"
    assert ws["C5"].number_format == '0.0"%"'
    assert [ws["A7"].value, ws["B7"].value, ws["C7"].value] == ["Cộng", 15, None]
    assert ws.freeze_panes == "B5"
