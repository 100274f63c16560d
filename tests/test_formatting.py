"""One number formatter everywhere (issue 21): what every page shows, in its text, tables and charts,
reads in Vietnamese notation ("1.234", "72,5%"), rounds half-up, never prints "-0", and gives one
quantity the same decimals in a table, a chart and a sentence."""

from __future__ import annotations

import json
import re

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from reporting.numbers import MISSING, fmt_number, fmt_numbers, fmt_percent
from tests.test_app import open_app
from ui import charts, widgets
from ui.nav import PAGES

# A minus (or plus) on a zero: "-0", "-0,0", "-0%", "+0,0 điểm %". Not a hyphen inside a code or a date
# ("X07-0", "2026-07-01"): the sign follows a space, a bracket or the start of the text.
SIGNED_ZERO = re.compile(r"(?<![\w.,/-])[-+−]0(?:,0+)?(?![\d,.])")
# A number with a decimal point: "72.5", "0.25%", "1.5". Vietnamese dots only group thousands, three
# digits at a time ("1.234", "15.100.000"), so any other run of digits after a dot is a decimal point.
DOTTED = re.compile(r"(?<![\w.,])\d+(?:\.\d+)+(?![\w])")
# What a percent reads like in this product: one decimal always ("20,0%"), except thresholds such as
# the expected pace, written whole by their own rule ("tiến độ 75%").
PERCENT_CELL = re.compile(r"^-?\d{1,3}(?:\.\d{3})*,\d%$")
UNITS = ("MS", "X07", "X07-CB03")


def bad_numbers(text: str) -> list[str]:
    found = [m.group() for m in SIGNED_ZERO.finditer(text)]
    for match in DOTTED.finditer(text):
        groups = match.group().split(".")[1:]
        if any(len(g) != 3 for g in groups):
            found.append(match.group())
    return found


def _strings(message, skip=frozenset({"id", "form_id", "spec", "config", "columns", "key", "url", "theme"})):
    """Every text field of a protobuf message, nested messages included (labels, bodies, values, help)."""
    for field, value in message.ListFields():
        if field.name in skip:
            continue
        if isinstance(value, str):
            yield value
        elif hasattr(value, "ListFields"):
            yield from _strings(value)
        elif not isinstance(value, bytes | bool | int | float):  # a repeated field
            for v in value:
                if isinstance(v, str):
                    yield v
                elif hasattr(v, "ListFields"):
                    yield from _strings(v)


def chart_texts(spec: dict) -> list[str]:
    """What a chart writes for a reader: hover templates with their text filled in, labels, notes."""
    texts = [a.get("text", "") for a in spec["layout"].get("annotations", [])]
    for trace in spec["data"]:
        template = trace.get("hovertemplate", "")
        custom = trace.get("customdata") or []
        hover = trace.get("hovertext") or []
        label = trace.get("text") or []
        texts += [str(t) for t in (label if isinstance(label, list) else [label])]
        texts += [str(t) for t in (hover if isinstance(hover, list) else [hover])]
        for row in custom:
            texts += [str(v) for v in (row if isinstance(row, list) else [row]) if isinstance(v, str)]
        texts.append(template)
    return texts


def table_cells(proto) -> dict[str, list[str]]:
    """Each column of a dataframe as the reader sees it: the Styler's text where it has one, the
    printf format's text ("%d"), else what the browser writes for a number left alone."""
    data = pa.ipc.open_stream(proto.arrow_data.data).read_pandas()
    config = json.loads(proto.columns)
    styled = proto.arrow_data.HasField("styler")
    display = pa.ipc.open_stream(proto.arrow_data.styler.display_values).read_pandas() if styled else None
    cells = {}
    for name in data.columns:
        kind = config.get(name, {}).get("type_config", {})
        values = data[name]
        if kind.get("type") == "progress":
            cells[name] = [kind.get("format", "")] * len(values)  # the bar's label
        elif kind.get("format") == "%d":
            cells[name] = ["" if pd.isna(v) else str(int(v)) for v in values]
            assert all(abs(v) < 1000 for v in values if not pd.isna(v)), (name, "'%d' writes 1234 without its dot")
        elif styled and name in display and pd.api.types.is_numeric_dtype(values):
            cells[name] = [str(t) for t in display[name]]
        elif pd.api.types.is_float_dtype(values):  # the browser: up to 4 decimals, with a point
            cells[name] = ["" if pd.isna(v) else f"{v:.4f}".rstrip("0").rstrip(".") for v in values]
        else:
            cells[name] = ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in values]
    return cells


def test_the_patterns_catch_what_they_should_and_nothing_else():
    for bad in ("-0", "Từ trần: -0", "(-0,0%)", "+0,0 điểm %", "72.5%", "0.25", "kết nạp 1.5 người", "-0%"):
        assert bad_numbers(bad), bad
    for fine in (
        "1.234",
        "15.100.000",
        "-3",
        "72,5%",
        "0,0%",
        "09/07/2026 08:05",
        "2026-07-01",
        "X07-0",
        "X07-CB03",
        "Q3/2026",
        "-0,5",
        "+12",
        "Trên 1.000 đảng viên",
        "phiên bản #12",
        "«0,6»",
        "10-0",
    ):
        assert not bad_numbers(fine), fine


class Rendered:
    """A page as a reader gets it: its texts (titles, captions, markdown, metrics, notices, labels),
    its tables' cells by header and its charts' specs."""

    def __init__(self, at: AppTest):
        self.texts: list[str] = []
        self.tables: list[tuple[dict, dict[str, list[str]]]] = []
        self.charts: list[dict] = []
        for node in at._tree:
            proto = getattr(node, "proto", None)
            if proto is None:
                continue
            if node.type == "plotly_chart":
                spec = json.loads(proto.spec)
                self.charts.append(spec)
                self.texts += chart_texts(spec)
            elif node.type == "dataframe":
                config = json.loads(proto.columns)
                cells = table_cells(proto)
                self.tables.append((config, cells))
                self.texts += [c for column in cells.values() for c in column]
            else:
                self.texts += list(_strings(proto))


_rendered: dict[tuple[str, str], Rendered] = {}


@pytest.fixture
def render(demo_env):
    """The page at the unit, rendered once per test worker (every test here reads, none clicks)."""

    def get(page: str, unit: str) -> Rendered:
        if (page, unit) not in _rendered:
            at = open_app({"unit": unit})
            at.switch_page(page).run()
            assert not at.exception, at.exception
            _rendered[page, unit] = Rendered(at)
        return _rendered[page, unit]

    return get


@pytest.fixture
def demo_env(demo_store, monkeypatch):
    monkeypatch.setenv("RETURNS_DB", str(demo_store["path"]))
    return demo_store


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("page", [p[0] for p in PAGES])
def test_no_minus_zero_nor_decimal_point_anywhere(render, page, unit):
    shown = render(page, unit)
    bad = {text: bad_numbers(text) for text in shown.texts if bad_numbers(text)}
    assert not bad, (page, unit, bad)


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("page", ["pages/admissions.py", "pages/meetings.py", "pages/inspections.py"])
def test_percent_columns_have_one_decimal(render, page, unit):
    for config, cells in render(page, unit).tables:
        for name, column in cells.items():
            header = config.get(name, {}).get("label") or ""
            if header.startswith("%"):
                odd = [c for c in column if c != MISSING and not PERCENT_CELL.match(c)]
                assert not odd, (page, unit, header, odd)


def test_admissions_percent_reads_the_same_in_table_chart_and_sentences(render):
    """A unit's "% kế hoạch": the admissions table, the bar's hover and the overview's note on a unit
    behind pace ("đạt 20,0% kế hoạch năm") give the same text, one decimal each."""
    page = render("pages/admissions.py", "MS")
    config, cells = next((c, t) for c, t in page.tables if "pct_of_target" in t)
    names = [re.sub(r"^.*#", "", link) for link in cells["link"]]
    in_table = dict(zip(names, cells["pct_of_target"], strict=True))
    assert all(PERCENT_CELL.match(t) for t in in_table.values()), in_table
    assert any(t.endswith(",0%") for t in in_table.values())  # a whole percent keeps its decimal ("20%" once)
    assert config["pct_of_target_bar"]["type_config"]["format"] == " "  # the bar writes no figure of its own

    bars = next(s for s in page.charts if "kế hoạch năm" in s["data"][0].get("hovertemplate", ""))
    trace = bars["data"][0]
    in_chart = {name: row[3] for name, row in zip(trace["y"], trace["customdata"], strict=True)}
    assert in_chart == {name: in_table[name] for name in in_chart}

    by_figures = dict(zip(zip(cells["admitted"], cells["target"], strict=True), cells["pct_of_target"], strict=True))
    said = []
    for page_ in ("pages/overview.py", "pages/unit.py"):  # the notes on units behind pace
        for text in render(page_, "MS").texts:
            said += re.findall(r"kết nạp ([\d.]+)/([\d.]+) đảng viên\D*?([\d.]+(?:,\d+)?%) kế hoạch năm", text)
    assert said, "no note on a unit behind pace"
    compared = [(pct, by_figures[a, t]) for a, t, pct in said if (a, t) in by_figures]
    assert compared, (said, by_figures)
    assert all(ours == theirs for ours, theirs in compared), compared


# --- the chart builders themselves ------------------------------------------------------------------

D3_NUMBER = re.compile(r"%\{[^}]*:[^}]*\}")  # "%{x:.1f}", "%{y:,.0f}": d3 rounding and notation


def _hover_texts(fig) -> list[str]:
    spec = json.loads(fig.to_json())
    assert not [t.get("hovertemplate") for t in spec["data"] if D3_NUMBER.search(t.get("hovertemplate") or "")]
    return chart_texts(spec)


def test_chart_hovers_are_the_tables_text():
    admissions = pd.DataFrame(
        {
            "code": ["A", "B", "C", "D"],
            "name": ["Xã A", "Xã B", "Xã C", "Xã D"],
            "admitted": [9, 36, 1234, 0],
            "target": [45, 64, 2000, 12],
            "pct_of_target": [20.0, 56.25, 61.7, -0.0],
            "behind": [True, True, True, True],
        }
    )
    fig = charts.progress_bars(admissions, "Kết nạp", 100 * 7 / 12)
    rows = {row[0]: row[1:] for row in fig.data[0].customdata}
    assert rows == {
        "A": ["9", "45", "20,0%"],
        "B": ["36", "64", "56,3%"],  # half-up, not d3's 56,2%
        "C": ["1.234", "2.000", "61,7%"],
        "D": ["0", "12", "0,0%"],  # never -0
    }
    assert [a.text for a in fig.layout.annotations] == ["Tiến độ 58,3%"]  # as the notes write a pace (fmt_threshold)
    for text in _hover_texts(fig):
        assert not bad_numbers(text), text

    per_unit = pd.DataFrame(
        {"code": ["A", "B"], "name": ["Xã A", "Xã B"], "disc_member_reprimand": [1, float("nan")], "x": [1500, 0]}
    )
    fig = charts.bars_by_unit(per_unit, {"disc_member_reprimand": "Khiển trách", "x": "Khác"}, "Kỷ luật", "Trường hợp")
    assert [list(row) for row in fig.data[0].customdata] == [["B", MISSING], ["A", "1"]]  # not reported: "–", not 0
    assert [row[1] for row in fig.data[1].customdata] == ["0", "1.500"]
    assert fig.data[0].hovertemplate == "<b>%{y}</b><br>Khiển trách: %{customdata[1]}<extra></extra>"

    ratings = pd.DataFrame(
        {
            "code": ["A", "B"],
            "name": ["Xã A", "Xã B"],
            **{
                f"{c}_pct": [100 * 36 / 64, None]
                for c in ("rating_good", "rating_fair", "rating_average", "rating_poor")
            },
        }
    )
    fig = charts.rating_shares(ratings, "Xếp loại")
    assert {row[0]: row[1] for row in fig.data[0].customdata} == {"A": "56,3%", "B": MISSING}
    for text in _hover_texts(fig):
        assert not bad_numbers(text), text


def test_count_axes_tick_at_whole_numbers():
    """Below 10 Plotly would tick at halves, which ",d" prints "0 1 1 2 2": one tick a unit instead."""

    def units(values: list[float]) -> pd.DataFrame:
        return pd.DataFrame({"code": list("ABC"), "name": ["Xã A", "Xã B", "Xã C"], "a": values, "b": values})

    small = charts.bars_by_unit(units([1, 2, 0]), {"a": "A", "b": "B"}, "Kỷ luật", "Trường hợp")
    assert small.layout.xaxis.dtick == 1 and small.layout.xaxis.tick0 == 0 and small.layout.xaxis.tickformat == ",d"
    assert small.layout.yaxis.dtick is None  # the units' axis is left alone
    empty = charts.bars_by_unit(units([0, 0, 0]), {"a": "A"}, "Kỷ luật", "Trường hợp")
    assert empty.layout.xaxis.dtick == 1 and tuple(empty.layout.xaxis.range) == (0, 1)  # no "-1" tick
    large = charts.bars_by_unit(units([40, 25, 3]), {"a": "A", "b": "B"}, "Kiểm tra", "Lượt")
    assert large.layout.xaxis.dtick is None  # stacked 80: Plotly's own whole ticks
    shares = charts.rating_shares(
        pd.DataFrame({"code": ["A"], "name": ["Xã A"], **{f"{c}_pct": [25.0] for c in charts.RATING_COLORS}}), "X"
    )
    assert shares.layout.xaxis.dtick is None and tuple(shares.layout.xaxis.range) == (0, 100)


# --- unit tables: any size, Vietnamese notation ----------------------------------------------------


def _big_table_script(rows: int) -> None:
    import time
    from datetime import date

    import numpy as np
    import pandas as pd
    import streamlit as st

    from reporting.periods import quarter
    from reporting.units import Unit
    from ui import widgets
    from ui.filters import Selection

    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {
            "code": [f"X{i}" for i in range(rows)],
            "name": [f"Xã {i}" for i in range(rows)],
            "branches": rng.integers(0, 3000, rows),
            "missed": rng.integers(0, 30, rows),
            **{f"share_{k}": rng.random(rows) * 100 for k in range(4)},
            "attendance": rng.random(rows) * 100,
            "per_1000": rng.random(rows) * 5,
        }
    )
    df.loc[0, ["share_0", "attendance", "per_1000", "missed"]] = [100 * 36 / 64, -0.01, np.nan, np.nan]
    sel = Selection(2026, "Q3", quarter(2026, 3), Unit("MS", "Tỉnh", "provincial_committee", None), date(2026, 11, 1))
    columns = {
        "branches": ("Số chi bộ", "count"),
        "missed": ("Thiếu sinh hoạt", "count"),
        **{f"share_{k}": (f"% loại {k}", "percent") for k in range(4)},
        "attendance": ("% dự", "percent"),
        "per_1000": ("Trên 1.000", "decimal"),
    }
    started = time.perf_counter()
    widgets.unit_table(df, columns, sel, title="Bảng lớn")
    st.session_state["seconds"] = time.perf_counter() - started


def test_a_large_table_reads_in_vietnamese_notation_too():
    """3,300 rows (the country's communes): percents and rates with a decimal comma, counts from a
    thousand with their dot, a missing figure "–", never "-0"; sorting keeps the numbers."""
    at = AppTest.from_function(_big_table_script, args=(3300,), default_timeout=60).run()
    assert not at.exception, at.exception
    proto = at.dataframe[0].proto
    cells = table_cells(proto)
    assert cells["share_0"][0] == "56,3%" and cells["attendance"][0] == "0,0%" and cells["per_1000"][0] == MISSING
    assert cells["missed"][0] == MISSING
    for name in ("share_1", "attendance"):
        assert all(PERCENT_CELL.match(c) for c in cells[name][1:]), name
    assert all(re.fullmatch(r"\d,\d\d", c) for c in cells["per_1000"][1:])
    assert any("." in c for c in cells["branches"])  # 1.234, not 1234
    assert pd.api.types.is_numeric_dtype(at.dataframe[0].value["share_0"])  # the browser sorts the values
    for column in cells.values():
        assert not [c for c in column if bad_numbers(c)]
    print(f"unit_table, 3,300 rows x 8 figures: {1000 * at.session_state['seconds']:.0f} ms")


def test_small_tables_send_plain_counts_without_a_styler():
    """Whole counts under a thousand read the same in "%d": no Styler for them (it costs a rerun 15 ms)."""
    frame = pd.DataFrame({"code": ["A"], "name": ["Xã A"], "n": [3]})
    assert widgets.reads_plain(frame["n"]) and not widgets.reads_plain(pd.Series([3, None]))
    assert widgets.DECIMALS == {"count": (0, ""), "percent": (1, "%"), "progress": (1, "%"), "decimal": (2, "")}
    assert fmt_numbers([20.0], *widgets.DECIMALS["progress"]) == [fmt_percent(20.0)] == ["20,0%"]
    assert fmt_numbers([2.675], *widgets.DECIMALS["decimal"]) == [fmt_number(2.675, 2)] == ["2,68"]


# --- downloads, the Word report, the registry editor -----------------------------------------------


def test_downloads_hold_the_figures_as_read():
    """A table's .xlsx: a percent or a rate is the figure the page shows (56,25 -> 56,3; 2,675 -> 2,68),
    never -0.0; a figure nobody reported is a blank cell; counts stay as reported."""
    import io
    import math

    from openpyxl import load_workbook

    from briefing.appendix import Column, cell_value, table_workbook

    rows = pd.DataFrame(
        {
            "name": ["Xã A", "Xã B", "Xã C"],
            "n": [-0.0, 1234, float("nan")],
            "pct": [100 * 36 / 64, -0.01, None],
            "rate": [2.675, -0.001, 1.005],
        }
    )
    columns = [
        Column("name", "Đơn vị", "text", None),
        Column("n", "Số"),
        Column("pct", "%", "percent", None),
        Column("rate", "/1.000", "decimal", None),
    ]
    ws = load_workbook(io.BytesIO(table_workbook("Bảng", "Tỉnh", columns, rows))).active
    values = [[ws.cell(row=r, column=c).value for c in range(2, 5)] for r in range(5, 8)]
    assert values == [[0, 56.3, 2.68], [1234, 0, 0], [None, None, 1.01]]
    assert not any(isinstance(v, float) and math.copysign(1, v) < 0 and v == 0 for row in values for v in row)
    assert cell_value(pd.NA, "count") is None and cell_value("12", "count") == "12"


def test_report_tables_read_as_the_pages():
    """The Word report's tables: counts whole, "–" for a unit that did not report, percents with one
    decimal rounded half-up, never "-0"; a total over no target is "–", not an error."""
    from types import SimpleNamespace

    import docx

    from briefing import report
    from reporting.periods import parse

    by_child = pd.DataFrame(
        {
            "name": ["Xã A", "Xã B"],
            "members_closing": [100, None],
            **{c: [-0.0, None] for c in ("disc_member_reprimand", "disc_member_warning")},
            **{c: [1, None] for c in ("disc_member_dismissal", "disc_member_expulsion")},
            "disc_orgs": [0, None],
            "regular_meetings": [64, 3],
            "rating_good": [36, 3],
            "rating_fair": [28, 0],
            "rating_average": [0, 0],
            "rating_poor": [0, 0],
            "rating_good_pct": [100 * 36 / 64, 100.0],
            "rating_fair_pct": [100 * 28 / 64, 0.0],
            "rating_average_pct": [0.0, -0.0],
            "rating_poor_pct": [0.0, 0.0],
        }
    )
    admissions = pd.DataFrame({"name": ["Xã A"], "admitted": [0], "target": [0], "pct_of_target": [None]})
    from reporting.dashboard import ReturnCoverage

    every = ReturnCoverage(2, 2)  # every return in: the totals rows read "Cộng"
    b = SimpleNamespace(
        period=parse("2026-Q3"), by_child=by_child, admissions=admissions, year_returns=every, quarter_returns=every
    )
    document = docx.Document()
    report._admissions_table(document, b)
    report._discipline_table(document, b)
    report._meetings_table(document, b)
    cells = [[[c.text for c in row.cells] for row in table.rows[1:]] for table in document.tables]
    assert cells[0] == [["Xã A", "0", "0", MISSING], ["Cộng", "0", "0", MISSING]]
    assert cells[1] == [["Xã A", "0", "0", "1", "1", "0"], ["Xã B", *[MISSING] * 5], ["Cộng", "0", "0", "1", "1", "0"]]
    assert cells[2][0] == ["Xã A", "64", "56,3%", "43,8%", "0,0%", "0,0%"]
    assert cells[2][1] == ["Xã B", "3", "100,0%", "0,0%", "0,0%", "0,0%"]
    assert cells[2][2] == ["Cộng", "67", "58,2%", "41,8%", "0,0%", "0,0%"]


def test_lineage_shares_are_edited_as_vietnamese_text(store):
    """The registry page shows a share as "0,6" (a number column would write "0.60"); what it shows
    is read back as the same share, and "0,6" or "40%" typed by an administrator is read as meant."""
    from reporting.numbers import fmt_value
    from reporting.units import UnitTree
    from ui import registry_edit as edit

    tree = UnitTree.from_db(store)
    units = edit.unit_frame(tree).copy()
    units["active_from"] = pd.to_datetime(units["active_from"])
    units["active_to"] = pd.to_datetime(units["active_to"])
    units.loc[units["code"] == "X3", "end_reason"] = "split"
    columns = list(edit.lineage_frame(tree).columns)
    split = pd.DataFrame(
        [["X3", "X1", pd.Timestamp("2025-07-01"), "0,6"], ["X3", "X2", pd.Timestamp("2025-07-01"), "40%"],
         ["X3-B1", "X2-B1", pd.Timestamp("2025-07-01"), ""]],
        columns=columns,
    )  # fmt: skip
    change = edit.save_registry(store, tree, units, split, "bantochuc")
    assert change.successions == 3
    tree = UnitTree.from_db(store)
    shares = {(s.predecessor, s.successor): s.share for s in tree.lineage.successions}
    assert shares == {("X3", "X1"): 0.6, ("X3", "X2"): 0.4, ("X3-B1", "X2-B1"): 1.0}
    shown = edit.lineage_frame(tree)
    shown = shown.assign(share=[fmt_value(s) for s in shown["share"]])
    assert sorted(shown["share"]) == ["0,4", "0,6", "1"]
    units = edit.unit_frame(tree).copy()
    units["active_from"] = pd.to_datetime(units["active_from"])
    units["active_to"] = pd.to_datetime(units["active_to"])
    assert edit.save_registry(store, tree, units, shown, "bantochuc") is None  # read back: nothing changed
