"""The quarterly report (.docx) in the style of an official party document.

A4, Times New Roman 14 (13 in tables), margins of an administrative document,
the header block (committee, document number left blank, "ĐẢNG CỘNG SẢN VIỆT
NAM", place and date), a capitalised title, numbered sections whose sentences
come from ``briefing.text``, per-unit tables and charts rendered by kaleido.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from copy import deepcopy
from io import BytesIO

import numpy as np
import plotly.graph_objects as go
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from briefing import text
from briefing.figures import Briefing
from ingest.excel_safe import printable
from reporting.catalog import MEETING_RATINGS
from reporting.dashboard import DISCIPLINE_FORMS
from reporting.numbers import fmt_number, fmt_percent, share_pct
from ui import charts

log = logging.getLogger(__name__)

FONT = "Times New Roman"
BODY_PT, TABLE_PT = 14, 13
TEXT_WIDTH_CM = 16.0  # A4 21 cm less 3 cm left and 2 cm right


def _font(run, size: int = BODY_PT, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)  # Vietnamese in every script slot


def _paragraph(doc, text_: str = "", *, bold=False, italic=False, size=BODY_PT, align=None, indent=True, space_after=6):
    p = doc.add_paragraph()
    if text_:
        _font(p.add_run(printable(text_)), size, bold, italic)  # data text: python-docx refuses control characters
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.line_spacing = 1.15
    if indent:
        p.paragraph_format.first_line_indent = Cm(1.0)
    if align is not None:
        p.alignment = align
    else:
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    return p


def _setup(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def _header_block(doc, b: Briefing) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Cm(7.5), Cm(8.5)
    committee = left.paragraphs[0]
    committee.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(committee.add_run(printable(b.unit.name.upper())), 13, bold=True)
    star = left.add_paragraph()
    star.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(star.add_run("*"), 13)
    number = left.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(number.add_run("Số        -BC/"), 13)
    party = right.paragraphs[0]
    party.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = party.add_run("ĐẢNG CỘNG SẢN VIỆT NAM")
    _font(run, 14, bold=True)
    run.font.underline = True
    date_line = right.add_paragraph()
    date_line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(date_line.add_run(f"…………, ngày {b.today.day} tháng {b.today.month} năm {b.today.year}"), 14, italic=True)


def _title(doc, b: Briefing) -> None:
    _paragraph(doc, "", indent=False, space_after=0)
    _paragraph(doc, "BÁO CÁO", bold=True, size=15, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_after=0)
    _paragraph(
        doc,
        f"kết quả công tác xây dựng Đảng quý {text.ROMAN[b.period.quarter]} năm {b.period.year}",
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )
    _paragraph(doc, "-----", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)


def _heading(doc, label: str) -> None:
    _paragraph(doc, label, bold=True, indent=True, space_after=4).paragraph_format.keep_with_next = True


def _table(
    doc, headers: list[str], rows: list[list[str]], widths_cm: list[float], total: list[str] | None = None
) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)  # the grid: LibreOffice lays tables out by it, not by cell widths
    for cell, header, width in zip(table.rows[0].cells, headers, widths_cm, strict=True):
        cell.width = Cm(width)
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(printable(header)), TABLE_PT, bold=True)
    # A formatted row is built once per style (body, total) and its XML copied for every row:
    # python-docx's per-run formatting cost about 1 ms a cell, most of the report's time.
    body = _row_template(table, widths_cm, bold=False)
    bold = _row_template(table, widths_cm, bold=True) if total else None
    for values, template in [*((v, body) for v in rows), *([(total, bold)] if total else [])]:
        tr = deepcopy(template)
        for run, value in zip(tr.iter(qn("w:r")), values, strict=True):
            run.text = printable(value)  # a unit's name as the registry holds it
        table._tbl.append(tr)
    _paragraph(doc, "", indent=False, space_after=2)


def _row_template(table, widths_cm: list[float], *, bold: bool):
    """A detached table row: one run per cell in the table font, the first cell left-aligned."""
    row = table.add_row()
    for i, (cell, width) in enumerate(zip(row.cells, widths_cm, strict=True)):
        cell.width = Cm(width)
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT if i == 0 else WD_ALIGN_PARAGRAPH.RIGHT
        _font(p.add_run(""), TABLE_PT, bold=bold)
    table._tbl.remove(row._tr)
    return row._tr


def _caption(doc, label: str) -> None:
    caption = _paragraph(
        doc, label, italic=True, size=TABLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_after=2
    )
    caption.paragraph_format.keep_with_next = True


def _chart(doc, fig, height_px: int) -> None:
    # Printed at 16 cm: draw at 800 px with larger type so labels stay legible on paper.
    fig.update_layout(font={"family": FONT, "size": 15}, title={"font": {"size": 17}})
    fig = go.Figure(_printable_tree(fig.to_plotly_json()))  # plotly.js in Chromium fails on a control character
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        png = fig.to_image(format="png", width=800, height=int(height_px * 1.15), scale=2)
    doc.add_picture(BytesIO(png), width=Cm(TEXT_WIDTH_CM))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _printable_tree(value: object) -> object:
    """A figure's JSON with control characters dropped from every text (names in labels and hovers)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {k: _printable_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable_tree(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        return _printable_tree(value.tolist())
    return value


def _total_label(b: Briefing, year: bool = False) -> str:
    """ "Cộng", or "Cộng (22/24 đơn vị đã báo cáo)" while returns are missing (from 1 January for
    ``year``: "Cộng (70/72 báo cáo đã nhận)"): a total of what was reported says what it covers."""
    if year:
        return "Cộng" if b.year_returns.complete else f"Cộng ({b.year_returns.words})"
    cover = b.quarter_returns
    return (
        "Cộng" if cover.complete else f"Cộng ({fmt_number(cover.received)}/{fmt_number(cover.due)} đơn vị đã báo cáo)"
    )


def _admissions_table(doc, b: Briefing) -> None:
    df = b.admissions.dropna(subset=["target"])
    if df.empty:
        return
    _caption(doc, f"Bảng 1. Kết nạp đảng viên từ đầu năm đến {b.period.end:%d/%m/%Y} so với chỉ tiêu năm")
    rows = [
        [r.name, fmt_number(r.admitted), fmt_number(r.target), fmt_percent(r.pct_of_target)] for r in df.itertuples()
    ]
    total_admitted, total_target = df["admitted"].sum(), df["target"].sum()
    total = [
        _total_label(b, year=True),
        fmt_number(total_admitted),
        fmt_number(total_target),
        fmt_percent(share_pct(total_admitted, total_target)),
    ]
    _table(doc, ["Đơn vị", "Đã kết nạp", "Chỉ tiêu năm", "Tỷ lệ"], rows, [7.0, 3.0, 3.0, 3.0], total)


def _discipline_table(doc, b: Briefing) -> None:
    df = b.by_child
    if df.empty or "members_closing" not in df:
        return
    forms = {c: f for c, f in DISCIPLINE_FORMS.items() if c.startswith("disc_member")}
    _caption(doc, f"Bảng 2. Đảng viên bị kỷ luật {text.quarter_words(b)} theo hình thức")
    rows = [[r["name"], *(fmt_number(r[c]) for c in forms), fmt_number(r["disc_orgs"])] for _, r in df.iterrows()]
    total = [
        _total_label(b),
        *(fmt_number(df[c].sum(min_count=1)) for c in forms),
        fmt_number(df["disc_orgs"].sum(min_count=1)),
    ]
    _table(doc, ["Đơn vị", *forms.values(), "Tổ chức đảng"], rows, [6.0, 2.0, 2.0, 2.0, 2.0, 2.0], total)


def _meetings_table(doc, b: Briefing) -> None:
    df = b.by_child.dropna(subset=["rating_good_pct"])
    if df.empty:
        return
    _caption(doc, f"Bảng 3. Xếp loại buổi sinh hoạt chi bộ {text.quarter_words(b)} (tỷ lệ trên số buổi thường kỳ)")
    rows = [
        [r["name"], fmt_number(r["regular_meetings"]), *(fmt_percent(r[f"{c}_pct"]) for c in MEETING_RATINGS)]
        for _, r in df.iterrows()
    ]
    rated = sum(df[c].sum() for c in MEETING_RATINGS)
    total = [
        _total_label(b),
        fmt_number(df["regular_meetings"].sum()),
        *(fmt_percent(share_pct(df[c].sum(), rated)) for c in MEETING_RATINGS),
    ]
    _table(doc, ["Đơn vị", "Số buổi", *MEETING_RATINGS.values()], rows, [6.0, 2.0, 2.0, 2.0, 2.0, 2.0], total)


def build_report(b: Briefing) -> bytes:
    """The report as .docx bytes."""
    doc = Document()
    _setup(doc)
    _header_block(doc, b)
    _title(doc, b)
    warm_charts()

    _heading(doc, "1. Công tác phát triển đảng viên")
    for sentence in (text.admissions(b), text.movements(b), text.candidates(b)):
        _paragraph(doc, sentence)
    _admissions_table(doc, b)
    if b.admissions["target"].notna().any() and len(b.admissions) > 1:
        _chart(
            doc,
            charts.progress_bars(b.admissions, "Kết nạp đảng viên so với chỉ tiêu năm", b.pace_pct),
            70 + 26 * len(b.admissions),
        )

    _heading(doc, "2. Công tác kiểm tra, giám sát")
    _paragraph(doc, text.inspections(b))

    _heading(doc, "3. Công tác thi hành kỷ luật đảng")
    _paragraph(doc, text.discipline(b))
    _discipline_table(doc, b)

    _heading(doc, "4. Chất lượng sinh hoạt chi bộ")
    _paragraph(doc, text.meetings(b))
    _meetings_table(doc, b)
    rated = b.by_child.dropna(subset=["rating_good_pct"])
    if len(rated) > 1:
        _chart(doc, charts.rating_shares(rated, "Tỷ lệ buổi sinh hoạt chi bộ theo xếp loại"), 70 + 26 * len(rated))

    _heading(doc, "5. Tình hình nộp báo cáo")
    _paragraph(doc, text.returns(b))

    _heading(doc, "6. Đơn vị cần quan tâm")
    if not b.lags:
        _paragraph(doc, "Không có đơn vị nào chậm tiến độ hay thiếu báo cáo trong quý.")
    for lag in b.lags:
        _paragraph(doc, f"- {lag.unit_name}: " + "; ".join(r[:1].lower() + r[1:] for r in lag.reasons) + ".")

    _heading(doc, "7. Một số vấn đề cần quan tâm trong thời gian tới")
    points = text.attention_points(b)
    if not points:
        _paragraph(doc, "Tiếp tục duy trì kết quả đạt được; thực hiện tốt nhiệm vụ quý tiếp theo.")
    for point in points:
        _paragraph(doc, f"- {point}")

    _paragraph(doc, "", indent=False)
    sign = _paragraph(doc, "T/M BAN TỔ CHỨC", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, space_after=60)
    sign.paragraph_format.right_indent = Cm(1.5)
    _paragraph(
        doc, "Nơi nhận:", bold=True, italic=True, size=12, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT, space_after=0
    )
    _paragraph(doc, "- Thường trực, Ban Thường vụ,\n- Lưu.", size=12, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


_warm_lock = threading.Lock()
_warm_started = False


def warm_charts() -> None:
    """Start the charts' Chromium in the background, once per process.

    Kaleido starts Chromium and loads plotly.js at the first image (about 3 s on the benchmark
    machine). Drawing a blank image in a thread when the briefing page opens (or when the CLI
    starts) overlaps that with the user choosing a quarter, gathering the figures and writing the
    tables; the report's first chart then waits only for what is left of it.
    """
    global _warm_started
    with _warm_lock:
        if _warm_started:
            return
        _warm_started = True
    import kaleido

    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")  # Debian's Chromium; nothing is downloaded
    # One Chromium for every chart, not one per image; mathjax=False: by default kaleido's page loads
    # MathJax from cdnjs.cloudflare.com (plotly.js comes from the plotly package), and on a network
    # that drops outside traffic the first chart waited a minute for it. No chart uses LaTeX.
    kaleido.start_sync_server(silence_warnings=True, mathjax=False)
    threading.Thread(target=_draw_blank, name="kaleido-warm", daemon=True).start()


def _draw_blank() -> None:
    import plotly.graph_objects as go

    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            go.Figure().to_image(format="png", width=16, height=16)
    except Exception:  # the report's own first chart raises the same error where it can be seen
        log.warning("Could not start Chromium for the report's charts", exc_info=True)
