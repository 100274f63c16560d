"""Outside-in audit (issue 21, part 6): every figure a page, a table download and the briefing show,
read as text, against a recomputation from ``observations`` in plain pandas (tests/audit_support.py).

Units: the province, a commune that reported, a commune that has not sent Q3/2026, one of its
branches, a commune closed on 30/06/2025. Both views of history. Spans: Q3/2026, 9 tháng/2026, the
year 2025 (and Q2/2025 for the closed commune and the briefing). Missing compares as missing ("–" on
a page, an empty cell in a workbook, never a 0 stated in the briefing). The counts (figures compared,
matched) are printed and written to test-artifacts/audit-counts.json.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from ingest.demo import DEMO_PASSWORD
from reporting import db
from reporting.numbers import fmt_number
from tests import audit_support as A
from tests.conftest import DEMO_AS_OF

APP = str(db.PROJECT_ROOT / "app.py")
UNITS = {"province": "MS", "commune": "X07", "not reported": "X13", "branch": "X13-CB01", "closed": "C01"}
HISTORIES = ("today", "reported")
PAGE_SPANS = ("Q3/2026", "9M/2026", "Y/2025")
EXTRA_SPANS = {"C01": ("Q2/2025",)}  # the closed commune's last quarter
PAGES = ("overview", "admissions", "inspections", "discipline", "meetings", "unit", "submissions", "briefing")
BRIEFINGS = [(u, "Q3/2026") for u in ("MS", "X07", "X13")] + [(u, "Q2/2025") for u in ("MS", "X07", "C01")]
MIN_COMPARED = 10_000  # the audit must never pass by comparing nothing (about 35,000 on the demo)
ARTIFACTS = db.PROJECT_ROOT / "test-artifacts"


# ----------------------------------------------------------------------------------------------
# Renders (module-scoped: every page once per unit, view of history and span)
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def truth(demo_store):
    con = db.connect(demo_store["path"], read_only=True)
    t = A.Truth(con, DEMO_AS_OF)
    con.close()
    return t


@pytest.fixture(scope="module")
def renders(demo_store):
    """{(page, unit, history, span): Shown} for every combination, read from one signed-in session."""
    captured: list[tuple[str, object]] = []
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        captured.append((file_name or "", data_callable))
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RETURNS_DB", str(demo_store["path"]))
        mp.setattr(MediaFileManager, "add_deferred", add_deferred)
        at = AppTest.from_file(APP, default_timeout=120)
        at.run()
        at.text_input(key="signin_user").input("bantochuc")
        at.text_input(key="signin_password").input(DEMO_PASSWORD)
        at.button[0].click().run()
        assert not at.exception, at.exception
        for unit in UNITS.values():
            for history in HISTORIES:
                for span_key in (*PAGE_SPANS, *EXTRA_SPANS.get(unit, ())):
                    span = A.SPANS[span_key]
                    for page in PAGES:
                        for key in list(at.query_params):
                            del at.query_params[key]
                        params = {"year": str(span.year), "view": span.view, "unit": unit, "history": history}
                        for k, v in params.items():
                            at.query_params[k] = v
                        captured.clear()
                        at.switch_page(f"pages/{page}.py").run()
                        where = f"{page} ?{'&'.join(f'{k}={v}' for k, v in params.items())}"
                        shown = A.read_app(at, where, list(captured))
                        if at.exception:  # a page that fails is a finding, not the end of the audit
                            shown.errors.append(at.exception[0].stack_trace[-1] if at.exception[0].stack_trace else "?")
                        else:
                            assert at.sidebar.selectbox(key="f_year").value == span.year, where
                            assert at.sidebar.selectbox(key="f_view").value == span.view, where
                        out[(page, unit, history, span_key)] = shown
    return out


@pytest.fixture(scope="module")
def briefings(demo_store, truth):
    """{(unit, history, quarter): (paragraphs, docx tables, appendix sheets)}, built as the page's
    download builds them (briefing.figures.gather → build_report, build_appendix)."""
    from openpyxl import load_workbook

    from briefing.appendix import build_appendix
    from briefing.figures import gather
    from briefing.report import build_report
    from reporting.periods import parse
    from reporting.units import UnitTree

    con = db.connect(demo_store["path"], read_only=True)
    tree = UnitTree.from_db(con)
    out = {}
    for unit, span_key in BRIEFINGS:
        for history in HISTORIES:
            span = A.SPANS[span_key]
            # as the page asks for it: a closed unit reads as reported (ui/filters.py)
            b = gather(con, tree, unit, parse(f"{span.year}-{span.view}"), DEMO_AS_OF, truth.history_of(unit, history))
            paragraphs, tables = A.docx_texts(build_report(b))
            book = load_workbook(io.BytesIO(build_appendix(b)))
            out[(unit, history, span_key)] = (paragraphs, tables, {ws.title: A.sheet_table(ws) for ws in book})
    con.close()
    return out


# ----------------------------------------------------------------------------------------------
# What each figure is (label → how to recompute it)
# ----------------------------------------------------------------------------------------------

# Per-unit table columns, by the header a reader sees: (derived key, kind, from 1 January?)
COLUMNS = {
    "admissions": {
        "Đã kết nạp": ("ytd_admitted", "count"),
        "Chỉ tiêu năm": ("target", "count"),
        "% kế hoạch": ("pct_of_target", "percent"),
        "Quần chúng học lớp nhận thức": ("ytd_candidates", "count"),
    },
    "inspections": {
        **{f"{label}: {who}": (f"{k}_{w}", "count") for k, label in A.INSPECT.items() for w, who in A.WHO.items()},
        "% kết luận có vi phạm": ("violation_pct", "percent"),
    },
    "discipline": {
        **{f"Đảng viên: {f}": (c, "count") for c, f in A.DISC_MEMBER.items()},
        **{f"Tổ chức: {f}": (c, "count") for c, f in A.DISC_ORG.items()},
        "Trên 1.000 đảng viên": ("per_1000", "decimal"),
    },
    "meetings": {
        "Số chi bộ": ("branches_reported", "count"),
        "Chi bộ thiếu sinh hoạt thường kỳ": ("branches_missed_regular", "count"),
        "Chi bộ có quý không sinh hoạt chuyên đề": ("branches_no_thematic", "count"),
        "Sinh hoạt thường kỳ": ("regular_meetings", "count"),
        "Số tháng thiếu sinh hoạt": ("missed_regular", "count"),
        "Sinh hoạt chuyên đề": ("thematic_meetings", "count"),
        "Số quý không có chuyên đề": ("quarters_without_thematic", "count"),
        **{f"% {label}": (f"{c}_pct", "percent") for c, label in A.RATINGS.items()},
        "% đảng viên dự": ("attendance_pct", "percent"),
    },
    "unit": {
        "Đảng viên cuối kỳ": ("members_closing", "count"),
        "Kết nạp trong kỳ": ("admitted", "count"),
        "Đảng viên": ("branch_members", "count"),
        "Tháng thiếu sinh hoạt": ("missed_regular", "count"),
        "Quý không có chuyên đề": ("quarters_without_thematic", "count"),
        "% buổi Tốt": ("rating_good_pct", "percent"),
    },
}
COLUMNS["overview"] = {}
TEXT_COLUMNS = {"Đơn vị", "Tình trạng", "Lý do"}
BY_CHILD_PAGES = {"admissions", "inspections", "discipline"}  # one row per child unit


DECIMALS = {"count": 0, "percent": 1, "progress": 1, "decimal": 2}


def key_decimals(key: str) -> int:
    return 2 if key == "per_1000" else 1 if key.endswith("_pct") or key == "pct_of_target" else 0


def as_text(kind: str, value) -> str:
    if kind == "percent":
        return A.percent_text(value)
    if kind == "decimal":
        return A.decimal_text(value)
    if kind == "progress":  # a progress bar's own label ("%.0f%%"); missing reads "–"
        return A.MISSING if A.missing(value) else A.printf("%.0f%%", value)
    return A.count_text(value)


def signed(value: float | None, decimals: int = 0) -> str:
    if A.missing(value):
        return ""
    text = fmt_number(value, decimals)
    return "+" + text if float(text.replace(".", "").replace(",", ".")) > 0 else text


# ----------------------------------------------------------------------------------------------
# Checks per page
# ----------------------------------------------------------------------------------------------


def effective(t: A.Truth, unit: str, history: str) -> str:
    return t.history_of(unit, history)


def no_data(shown: A.Shown) -> bool:
    return any(i.startswith("Chưa có") for i in shown.infos)


def check_no_data(L: A.Ledger, t, shown, unit, history, span, source):
    """A page that says it has no figures: right only when nothing was reported."""
    figures = t.figures(unit, history, span)
    L.fact(source, shown.where, not figures, f"says «no data» but {len(figures)} metrics were reported")


def metric(shown: A.Shown, label: str) -> tuple[str, str] | None:
    for lab, value, delta in shown.metrics:
        if lab == label:
            return value, delta
    return None


def check_metric(L, shown, label, expected: str, expected_delta: str | None = None, source="page"):
    found = metric(shown, label)
    L.text(source, f"{shown.where} · card «{label}»", expected, found[0] if found else None)
    if expected_delta is not None and found is not None and found[1]:  # a change shown must be right
        L.text(source, f"{shown.where} · card «{label}» change", expected_delta, found[1])


def check_trend(L, t, shown, unit, history, span, trace_name: str, key: str, source="page"):
    """A quarterly trend: every quarter from two years before the span's year to its end, the value
    as reported (or, for a stock in a quarter with missing returns, an estimate said to be one)."""
    traces = [
        tr
        for chart in shown.charts
        for tr in chart.get("data", [])
        if tr.get("name") == trace_name and any(re.fullmatch(r"Q[1-4]/\d{4}", str(x)) for x in tr.get("x") or [])
    ]
    if not traces:
        expected_any = any(
            not A.missing(t.derived(unit, history, q, key)) for q in A.quarters_until(span.year - 2, span.end)
        )
        L.fact(source, f"{shown.where} · trend «{trace_name}»", not expected_any, "chart missing")
        return
    trace = traces[0]
    points = dict(zip(trace.get("x") or [], trace.get("y") or [], strict=False))
    hovers = dict(zip(trace.get("x") or [], trace.get("hovertext") or [], strict=False))
    for q in A.quarters_until(span.year - 2, span.end):
        expected = t.derived(unit, history, q, key)
        value = points.get(q.label)
        shown_text = A.count_text(value) if key != "rating_good_pct" else A.percent_text(value)
        want = A.count_text(expected)
        if shown_text != want and "ước tính" in (hovers.get(q.label) or ""):
            _have, _due, carried = t.coverage(unit, history, q)
            want = A.count_text((expected or 0) + carried)
        L.text(source, f"{shown.where} · trend «{trace_name}» {q.label}", want, shown_text)


def check_table(L, t, shown, table, unit, history, span, page, source="page"):
    spec = COLUMNS.get(page, {})
    codes = table["codes"]
    if not any(codes):
        return
    for header in table["headers"]:
        if header in TEXT_COLUMNS:
            continue
        if header not in spec:
            L.unaudited.add(f"{page}: column «{header}»")
            continue
        key, kind = spec[header]
        for code, text in zip(codes, table["cells"][header], strict=True):
            expected = t.derived(code, history, span, key)
            L.text(source, f"{shown.where} · {t.name(code)} ({code}) · «{header}»", as_text(kind, expected), text)
    if page in BY_CHILD_PAGES or (page == "unit" and not t.reports(unit) and not t.is_branch(unit)):
        expected_rows = set(t.children(unit, history, span))
        L.fact(source, f"{shown.where} · rows", set(codes) == expected_rows,
               f"rows {sorted(set(codes) - expected_rows)} shown but not children, "
               f"children {sorted(expected_rows - set(codes))} not shown")  # fmt: skip


def check_download(L, t, shown, data: bytes, unit, history, span, page, source="xlsx"):
    book = A.xlsx_table(data)
    L.grep(source, shown.where, book["texts"])
    headers = book["headers"]
    if not headers or headers[0] != "Đơn vị":
        return
    spec = COLUMNS.get(page, {})
    if not any(h in spec for h in headers[1:]):
        return  # a table of statuses or reasons (submissions, lagging units): text, greps only
    names = {}
    for code in [
        *t.children(unit, history, span),
        *t.reported_branches(unit, history, span),
        *t.senders(unit, history),
    ]:
        names.setdefault(t.name(code), code)
    if t.reports(unit) or t.is_branch(unit):
        for code in t.subtree(unit, history)["unit_code"]:
            names.setdefault(t.name(code), code)
    for row in book["rows"]:
        name = row[0]
        if name == "" or name is None:
            return  # a table without unit rows (history, versions): its cells are text, greps only
        code = names.get(name)
        if code is None:
            L.fact(source, f"{shown.where} · {book['title']}", False, f"row «{name}» is no unit of the table")
            continue
        for header, cell in zip(headers[1:], row[1:], strict=False):
            if header in TEXT_COLUMNS or header not in spec:
                continue
            key, kind = spec[header]
            expected = t.derived(code, history, span, key)
            L.number(source, f"{shown.where} · {book['title']} · {name} · «{header}»", expected, cell, DECIMALS[kind])
    if book["totals"] is not None:
        for header, cell in zip(headers[1:], book["totals"][1:], strict=False):
            if header not in spec:
                continue
            key, kind = spec[header]
            if kind != "count" or key in ("missed_regular", "quarters_without_thematic"):
                continue  # branch by branch only: a commune has no months of its own without a meeting
            expected = t.derived(unit, history, span, key)
            L.number(source, f"{shown.where} · {book['title']} · Cộng (the unit's own) · «{header}»", expected, cell)


def check_coverage(L, t, texts: list[str], unit, history, span, where, source):
    """A stock total above a commune says how many units it covers and gives an estimate."""
    have, due, carried = t.coverage(unit, history, span)
    if have == due or t.reports(unit) or t.is_branch(unit):
        return
    text = " ".join(texts)
    L.fact(source, f"{where} · coverage", f"{have}/{due} đơn vị đã báo cáo" in text,
           f"no «{have}/{due} đơn vị đã báo cáo»")  # fmt: skip
    closing = t.fig(unit, history, span, "members_closing")
    estimate = A.count_text((closing or 0) + carried)
    L.fact(source, f"{where} · estimate", any("ước tính" in x and estimate in x for x in texts),
           f"no text with «ước tính» and the estimate {estimate}")  # fmt: skip


def check_overview(L, t, shown, unit, history, span):
    if no_data(shown):
        return check_no_data(L, t, shown, unit, history, span, "page")
    d = lambda key, s=span: t.derived(unit, history, s, key)  # noqa: E731
    before = span.last_year()

    def change(key, decimals=0):
        now, then = d(key), d(key, before)
        if A.missing(now) or A.missing(then):
            return ""
        return signed(now - then, decimals) + (" điểm %" if decimals else "")

    check_metric(L, shown, "Kết nạp đảng viên từ đầu năm", A.count_text(d("ytd_admitted")), change("ytd_admitted"))
    check_metric(L, shown, "Tăng, giảm đảng viên trong kỳ", A.count_text(d("net_members")), change("net_members"))
    check_metric(L, shown, "Lượt kiểm tra, giám sát", A.count_text(d("inspections")), change("inspections"))
    check_metric(L, shown, "Kỷ luật (tổ chức và đảng viên)", A.count_text(d("discipline")), change("discipline"))
    check_metric(
        L,
        shown,
        "Buổi sinh hoạt chi bộ xếp loại Tốt",
        A.percent_text(d("rating_good_pct")),
        change("rating_good_pct", 1),
    )
    L.unaudited.add("overview: card «Báo cáo nộp đúng hạn» (returns on time)")
    captions = " ".join(shown.captions)
    m = re.search(rf"Đạt ({NUM}%) kế hoạch năm \(({NUM})\)", captions)
    if not A.missing(d("target")):
        L.text("page", f"{shown.where} · «Đạt … kế hoạch năm»", A.percent_text(d("pct_of_target")), m and m.group(1))
        L.text("page", f"{shown.where} · annual target", A.count_text(d("target")), m and m.group(2))
    m = re.search(rf"Tổng số cuối kỳ[^:]*: ({NUM})", captions)
    if m or not A.missing(d("members_closing")):
        L.text("page", f"{shown.where} · closing members", A.count_text(d("members_closing")), m and m.group(1))
    check_trend(L, t, shown, unit, history, span, "Kết nạp mới", "admitted")
    check_trend(L, t, shown, unit, history, span, "Tổng số đảng viên", "members_closing")
    check_coverage(L, t, shown.texts, unit, history, span, shown.where, "page")


def check_admissions(L, t, shown, unit, history, span):
    if no_data(shown):
        return check_no_data(L, t, shown, unit, history, span, "page")
    d = lambda key, s=span: t.derived(unit, history, s, key)  # noqa: E731
    m = re.search(r"Từ đầu năm: kết nạp (\S+), tạo nguồn (\S+) ", " ".join(shown.captions))
    L.text("page", f"{shown.where} · «Từ đầu năm: kết nạp»", A.count_text(d("ytd_admitted")), m and m.group(1))
    L.text("page", f"{shown.where} · «tạo nguồn»", A.count_text(d("ytd_candidates")), m and m.group(2))
    waterfalls = [tr for c in shown.charts for tr in c.get("data", []) if tr.get("type") == "waterfall"]
    labels = {"Kết nạp mới": "admitted", "Kết nạp lại": "readmitted", "Chuyển đến": "transfer_in",
              "Từ trần": "deceased", "Khai trừ": "expelled", "Xóa tên": "struck_off",
              "Xin ra khỏi Đảng": "resigned", "Chuyển đi": "transfer_out"}  # fmt: skip
    if waterfalls:
        w = waterfalls[0]
        _have, _due, carried = t.coverage(unit, history, span)
        _have, _due, carried_opening = t.coverage(unit, history, span, "members_opening")
        for x, text in zip(w["x"], w.get("text") or [], strict=False):
            if x.startswith("Đầu kỳ"):
                expected = d("members_opening")
                expected = expected + carried_opening if "ước tính" in x and not A.missing(expected) else expected
            elif x.startswith("Cuối kỳ"):
                expected = d("members_closing")
                expected = expected + carried if "ước tính" in x and not A.missing(expected) else expected
            elif x in labels:
                expected = d(labels[x])
                expected = None if A.missing(expected) else (-expected if labels[x] in A.MOVE_OUT else expected)
            else:
                L.unaudited.add(f"admissions: waterfall bar «{x}»")
                continue
            L.text("page", f"{shown.where} · waterfall «{x}»", A.count_text(expected), text)
    else:
        both = not A.missing(d("members_opening")) and not A.missing(d("members_closing"))
        L.fact("page", f"{shown.where} · waterfall", not both, "no movement chart though both stocks were reported")
    check_trend(L, t, shown, unit, history, span, "Kết nạp mới", "admitted")
    check_trend(
        L, t, shown, unit, history, span, "Quần chúng học lớp nhận thức về Đảng (tạo nguồn)", "candidates_trained"
    )


def check_inspections(L, t, shown, unit, history, span):
    if no_data(shown):
        return check_no_data(L, t, shown, unit, history, span, "page")
    d = lambda key: t.derived(unit, history, span, key)  # noqa: E731
    for kind, label in A.INSPECT.items():
        check_metric(L, shown, label, A.count_text(d(kind)))
    splits = [c for c in shown.captions if c.startswith("tổ chức đảng ")]
    splits += [None] * (len(A.INSPECT) - len(splits))
    for (kind, label), caption in zip(A.INSPECT.items(), splits, strict=False):
        m = caption and re.fullmatch(r"tổ chức đảng (\S+) · đảng viên (\S+)", caption)
        L.text("page", f"{shown.where} · «{label}» tổ chức đảng", A.count_text(d(f"{kind}_org")), m and m.group(1))
        L.text("page", f"{shown.where} · «{label}» đảng viên", A.count_text(d(f"{kind}_member")), m and m.group(2))
    check_metric(L, shown, "Kết luận có vi phạm", A.percent_text(d("violation_pct")))
    m = re.search(r"^(\S+) lượt, trên số lượt kiểm tra", " | ".join(c for c in shown.captions if "trên số lượt" in c))
    L.text("page", f"{shown.where} · violations", A.count_text(d("violations")), m and m.group(1))
    for kind, label in A.INSPECT.items():
        check_trend(L, t, shown, unit, history, span, label, kind)


def check_discipline(L, t, shown, unit, history, span):
    if no_data(shown):
        return check_no_data(L, t, shown, unit, history, span, "page")
    d = lambda key: t.derived(unit, history, span, key)  # noqa: E731
    check_metric(L, shown, "Đảng viên bị kỷ luật", A.count_text(d("disc_members")))
    check_metric(L, shown, "Tổ chức đảng bị kỷ luật", A.count_text(d("disc_orgs")))
    check_metric(L, shown, "Đảng viên bị kỷ luật trên 1.000 đảng viên", A.decimal_text(d("per_1000")))
    for forms in (A.DISC_MEMBER, A.DISC_ORG):
        first = next(iter(forms.values()))
        caption = next(
            (c for c in shown.captions if c.startswith(first + " ") and all(f in c for f in forms.values())), None
        )
        for code, form in forms.items():
            m = caption and re.search(rf"(?:^|, ){form} (\S+?)(?:,|$)", caption)
            L.text("page", f"{shown.where} · «{form}» ({code})", A.count_text(d(code)), m and m.group(1))
    check_trend(L, t, shown, unit, history, span, "Đảng viên", "disc_members")
    check_trend(L, t, shown, unit, history, span, "Tổ chức đảng", "disc_orgs")


def check_meetings(L, t, shown, unit, history, span):
    if no_data(shown):
        ok = not t.reported_branches(unit, history, span)
        L.fact("page", shown.where, ok, "says «no meeting figures» but branches reported")


def check_unit(L, t, shown, unit, history, span):
    """The indicator history: every indicator by quarter, the last eight quarters up to the span's end."""
    labels = {label: code for code, label in t.labels.items()}
    for table in shown.tables:
        if "Chỉ tiêu" not in table["headers"]:
            continue
        for i, label in enumerate(table["cells"]["Chỉ tiêu"]):
            estimated = "(ước tính" in label  # a stock with each missing unit's last closing carried forward
            code = labels.get(label.split(" (ước tính")[0] if estimated else label)
            if code is None:
                L.unaudited.add(f"unit: indicator «{label}»")
                continue
            for header in table["headers"]:
                q = re.fullmatch(r"Q([1-4])/(\d{4})", header)
                if not q:
                    continue
                span_q = A.quarter_span(int(q.group(2)), int(q.group(1)))
                expected = t.fig(unit, history, span_q, code)
                if estimated:
                    _have, _due, carried = t.coverage(unit, history, span_q, code)
                    expected = None if A.missing(expected) and not carried else (expected or 0) + carried
                want = A.MISSING if A.missing(expected) else fmt_number(expected, 1 if code in A.PERCENT else 0)
                L.text("page", f"{shown.where} · history «{label}» {header}", want, table["cells"][header][i])


CHECKS = {
    "overview": check_overview,
    "admissions": check_admissions,
    "inspections": check_inspections,
    "discipline": check_discipline,
    "meetings": check_meetings,
    "unit": check_unit,
}


# ----------------------------------------------------------------------------------------------
# The briefing
# ----------------------------------------------------------------------------------------------


NUM = r"\d{1,3}(?:\.\d{3})*(?:,\d+)?"  # a number in Vietnamese notation (never the sentence's full stop)


def number_after(text: str, phrase: str) -> str | None:
    m = re.search(re.escape(phrase) + rf" ({NUM}%?)", text)
    return m.group(1) if m else None


def check_briefing(L, t, paragraphs, tables, sheets, unit, history, span, where):
    text = " ".join(paragraphs)
    q = lambda key: t.derived(unit, history, span, key)  # noqa: E731
    src = "docx"
    L.grep(src, where, paragraphs + [c for tb in tables for r in tb for c in r])
    ytd, goal = q("ytd_admitted"), q("target")
    if not A.missing(ytd) and ytd:
        L.text(src, f"{where} · admitted from 1 January", A.count_text(ytd), number_after(text, "toàn Đảng bộ kết nạp"))
    if not A.missing(goal) and not A.missing(ytd):
        L.text(src, f"{where} · % of the annual plan", A.percent_text(q("pct_of_target")), number_after(text, "đạt"))
        m = re.search(rf"kế hoạch năm \(({NUM}) đảng viên\)", text)
        L.text(src, f"{where} · annual target", A.count_text(goal), m and m.group(1))
    admitted = q("admitted")
    quarter_words = f"quý {['I', 'II', 'III', 'IV'][int(span.view[1]) - 1]}"
    if A.missing(admitted):
        L.fact(src, f"{where} · admitted in the quarter (not reported)",
               f"trong {quarter_words} không kết nạp" not in text and f"riêng {quarter_words} kết nạp" not in text,
               "states a figure nobody reported")  # fmt: skip
    elif admitted:
        L.text(
            src,
            f"{where} · admitted in the quarter",
            A.count_text(admitted),
            number_after(text, f"riêng {quarter_words} kết nạp"),
        )
    closing = q("members_closing")
    m = re.search(rf"(?:toàn Đảng bộ|đơn vị đã báo cáo) có ({NUM}) đảng viên", text)
    if A.missing(closing):
        L.fact(
            src,
            f"{where} · closing members (not reported)",
            m is None or "ước tính" in text,
            f"states {m and m.group(0)!r}",
        )
    else:
        L.text(src, f"{where} · closing members", A.count_text(closing), m and m.group(1))
        prob = q("probationary_closing")
        if prob:
            L.text(src, f"{where} · probationary", A.count_text(prob), number_after(text, "trong đó"))
    gained = A.add(q("readmitted"), q("transfer_in"))
    if gained:
        L.text(src, f"{where} · gained besides admissions", A.count_text(gained), number_after(text, "tăng"))
    lost = A.add(*(q(c) for c in A.MOVE_OUT))
    if lost:
        L.text(src, f"{where} · lost", A.count_text(lost), number_after(text, "giảm"))
    cands = q("ytd_candidates")
    if cands:
        L.text(src, f"{where} · candidates trained", A.count_text(cands), number_after(text, "Từ đầu năm có"))
    elif A.missing(cands):
        L.fact(src, f"{where} · candidates (not reported)", "chưa có quần chúng ưu tú nào" not in text, "states 0")
    # inspections
    inspections = q("inspections")
    if A.missing(inspections):
        L.fact(src, f"{where} · inspections (not reported)", "không tiến hành cuộc kiểm tra" not in text, "states 0")
    for kind, label in {"inspect": "kiểm tra", "inspect_signs": "kiểm tra khi có dấu hiệu vi phạm",
                        "supervise": "giám sát chuyên đề"}.items():  # fmt: skip
        org, member = q(f"{kind}_org"), q(f"{kind}_member")
        m = re.search(rf"(?:đã |; ){label} ((?:{NUM} lượt (?:tổ chức đảng|đảng viên)(?:, )?)+)", text)
        said = dict((w, n) for n, w in re.findall(rf"({NUM}) lượt (tổ chức đảng|đảng viên)", m.group(1))) if m else {}
        for who, value in (("tổ chức đảng", org), ("đảng viên", member)):
            if value:
                L.text(src, f"{where} · {label} {who}", A.count_text(value), said.get(who))
    violations = q("violations")
    if violations:
        L.text(src, f"{where} · violations", A.count_text(violations), number_after(text, "kết luận"))
        L.text(src, f"{where} · % violations", f"({A.percent_text(q('violation_pct'))}",
               (re.search(rf"có vi phạm (\({NUM}%)", text) or [None, None])[1])  # fmt: skip
    # discipline
    members, orgs = q("disc_members"), q("disc_orgs")
    if A.missing(members) and A.missing(orgs):
        L.fact(
            src, f"{where} · discipline (not reported)", "không có trường hợp nào bị kỷ luật" not in text, "states 0"
        )
    if members:
        L.text(src, f"{where} · members disciplined", A.count_text(members), number_after(text, "kỷ luật"))
    # meetings
    regular = q("regular_meetings")
    if A.missing(regular):
        L.fact(src, f"{where} · meetings (not reported)", "Các chi bộ tổ chức" not in text, "states meetings")
    else:
        m = re.search(rf"Các chi bộ (?:của \S+ đơn vị đã báo cáo )?tổ chức ({NUM}) buổi", text)
        L.text(src, f"{where} · regular meetings", A.count_text(regular), m and m.group(1))
        for c, label in A.RATINGS.items():
            value = q(c)
            if value:
                m = re.search(rf"{label} ({NUM}) buổi \(({NUM}%)\)", text)
                L.text(src, f"{where} · rated {label}", A.count_text(value), m and m.group(1))
                L.text(src, f"{where} · rated {label} %", A.percent_text(q(f"{c}_pct")), m and m.group(2))
        att = q("attendance_pct")
        if not A.missing(att):
            L.text(src, f"{where} · attendance", A.percent_text(att), number_after(text, "sinh hoạt bình quân"))
    check_coverage(L, t, paragraphs, unit, history, span, where, src)
    # the report's tables: admissions (Bảng 1), discipline (Bảng 2), meetings (Bảng 3), by unit name
    names = {t.name(c): c for c in t.children(unit, history, span)}
    for table in tables[1:]:
        header = table[0]
        if header[:2] == ["Đơn vị", "Đã kết nạp"]:
            cols = {"Đã kết nạp": ("ytd_admitted", "count"), "Chỉ tiêu năm": ("target", "count"),
                    "Tỷ lệ": ("pct_of_target", "percent")}  # fmt: skip
        elif "Tổ chức đảng" in header:
            cols = {f.capitalize(): (c, "count") for c, f in A.DISC_MEMBER.items()} | {
                "Tổ chức đảng": ("disc_orgs", "count")
            }
        elif header[:2] == ["Đơn vị", "Số buổi"]:
            cols = {"Số buổi": ("regular_meetings", "count")} | {
                label: (f"{c}_pct", "percent") for c, label in A.RATINGS.items()
            }
        else:
            continue
        for row in table[1:]:
            code = unit if row[0].startswith("Cộng") else names.get(row[0])
            if code is None:
                L.fact(src, f"{where} · table «{header[1]}»", False, f"row «{row[0]}» is no child unit")
                continue
            for h, cell in zip(header[1:], row[1:], strict=True):
                if h not in cols:
                    L.unaudited.add(f"docx table column «{h}»")
                    continue
                key, kind = cols[h]
                L.text(
                    src,
                    f"{where} · table «{header[1]}» · {row[0]} · «{h}»",
                    as_text(kind, t.derived(code, history, span, key)),
                    cell,
                )
    # the appendix
    appendix = {
        "Phát triển đảng viên": {"Chỉ tiêu năm": "target", "Kết nạp từ đầu năm": "ytd_admitted",
                                 "% kế hoạch": "pct_of_target", "Đầu kỳ": "members_opening",
                                 "Cuối kỳ": "members_closing", "Kết nạp mới trong quý": "admitted",
                                 "Kết nạp lại": "readmitted", "Chuyển đến": "transfer_in", "Từ trần": "deceased",
                                 "Khai trừ": "expelled", "Xóa tên": "struck_off", "Xin ra khỏi Đảng": "resigned",
                                 "Chuyển đi": "transfer_out"},
        "Kiểm tra, giám sát": {**{f"{h}: {w}": f"{k}_{c}" for k, h in (("inspect", "Kiểm tra"),
                               ("inspect_signs", "Kiểm tra khi có dấu hiệu"), ("supervise", "Giám sát"))
                               for c, w in (("org", "tổ chức"), ("member", "đảng viên"))},
                               "Kết luận có vi phạm": "violations", "% vi phạm": "violation_pct"},
        "Kỷ luật": {**{f"Đảng viên: {f}": c for c, f in A.DISC_MEMBER.items()},
                    **{f"Tổ chức: {f}": c for c, f in A.DISC_ORG.items()},
                    "Đảng viên bị kỷ luật /1.000": "per_1000"},
        "Sinh hoạt chi bộ": {"Sinh hoạt thường kỳ": "regular_meetings", "Chuyên đề": "thematic_meetings",
                             **{f"Số buổi {label}": c for c, label in A.RATINGS.items()},
                             **{f"% {label}": f"{c}_pct" for c, label in A.RATINGS.items()},
                             "% đảng viên dự": "attendance_pct"},
    }  # fmt: skip
    for sheet, cols in appendix.items():
        book = sheets.get(sheet)
        if book is None:
            L.fact("appendix", f"{where} · sheet «{sheet}»", False, "missing")
            continue
        L.grep("appendix", where, book["texts"])
        own = {t.name(unit): unit}  # a commune's own row: its unit-level figures (its branches report none)
        for row in book["rows"]:
            code = names.get(row[0]) or own.get(row[0])
            if code is None:
                L.fact("appendix", f"{where} · «{sheet}»", False, f"row «{row[0]}» is no child unit")
                continue
            for h, cell in zip(book["headers"][1:], row[1:], strict=False):
                if h not in cols:
                    L.unaudited.add(f"appendix «{sheet}» column «{h}»")
                    continue
                L.number("appendix", f"{where} · «{sheet}» · {row[0]} · «{h}»", t.derived(code, history, span, cols[h]),
                         cell, key_decimals(cols[h]))  # fmt: skip
        if book["totals"] is not None:
            for h, cell in zip(book["headers"][1:], book["totals"][1:], strict=False):
                if h in cols and cell is not None:
                    L.number("appendix", f"{where} · «{sheet}» · Cộng (the unit's own) · «{h}»",
                             t.derived(unit, history, span, cols[h]), cell, key_decimals(cols[h]))  # fmt: skip
        shown_codes = {names.get(r[0]) or own.get(r[0]) for r in book["rows"]}
        if t.reports(unit):  # a commune: its own row where branches report nothing of the sheet, else its branches
            ok = shown_codes in ({unit}, set(names.values()), set(names.values()) | {unit})
        else:
            ok = shown_codes == set(names.values())
        L.fact("appendix", f"{where} · «{sheet}» rows", ok,
               f"rows {sorted(str(r[0]) for r in book['rows'])[:5]}… vs {len(names)} children")  # fmt: skip


# ----------------------------------------------------------------------------------------------
# The test
# ----------------------------------------------------------------------------------------------


def test_every_figure_shown_matches_the_observations(demo_store, truth, renders, briefings):
    L = A.Ledger()
    t = truth
    for (page, unit, history, span_key), shown in renders.items():
        span = A.SPANS[span_key]
        h = effective(t, unit, history)
        L.grep("page", shown.where, shown.texts)
        if shown.errors:
            L.fact("page", shown.where, False, f"the page fails: {shown.errors[0].strip()}")
            continue
        check = CHECKS.get(page)
        if check:
            check(L, t, shown, unit, h, span)
        for table in shown.tables:
            check_table(L, t, shown, table, unit, h, span, page)
        for _file_name, data in shown.downloads:
            check_download(L, t, shown, data, unit, h, span, page)
    for (unit, history, span_key), (paragraphs, tables, sheets) in briefings.items():
        span = A.SPANS[span_key]
        where = f"briefing {unit} {span_key} history={history}"
        check_briefing(L, t, paragraphs, tables, sheets, unit, effective(t, unit, history), span, where)

    counts = {
        "figures_compared": L.compared,
        "matched": L.matched,
        "mismatched": L.compared - L.matched,
        "greps_and_other_findings": len(L.mismatches) - (L.compared - L.matched),
        "by_source": {k: {"compared": v[0], "matched": v[1]} for k, v in sorted(L.by_source.items())},
        "renders": len(renders),
        "briefings": len(briefings),
        "unaudited": sorted(L.unaudited),
        "mismatches": L.mismatches,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "audit-counts.json").write_text(json.dumps(counts, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\naudit: {L.compared} figures compared, {L.matched} matched, {len(L.mismatches)} findings")
    for line in L.mismatches[:60]:
        print("  ", line)
    assert L.compared >= MIN_COMPARED, L.compared
    assert not L.mismatches, f"{len(L.mismatches)} findings, first: " + "\n".join(L.mismatches[:40])
