"""The appendix (.xlsx): the summary tables per unit ("biểu tổng hợp").

Header rows, Vietnamese number formats, a totals row, frozen panes, A4
landscape print set-up and injection-safe text. ``table_workbook`` is also what
every dashboard table downloads as, so a table looks the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass
from io import BytesIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from briefing.figures import Briefing
from briefing.text import quarter_words
from ingest.excel_safe import landscape_fit_width, put
from reporting.catalog import MEETING_RATINGS, METRICS
from reporting.dashboard import (
    DISCIPLINE_FORMS,
    MOVEMENT_IN,
    MOVEMENT_OUT,
    discipline_summary,
    inspection_summary,
    meeting_shares,
)
from reporting.numbers import fmt_number, is_missing, round_half_up

FORMATS = {"count": "#,##0", "percent": '0.0"%"', "decimal": "#,##0.00", "text": "@"}
# A percent or a rate is written as the page shows it (rounded half-up to the format's decimals), so
# the cell holds the figure a reader saw, not its binary neighbour; no cell holds -0.0.
_DECIMALS = {"percent": 1, "decimal": 2}


def cell_value(value: object, kind: str) -> object:
    """What a table cell holds: None for a missing figure, text as is, numbers as the page reads them."""
    if isinstance(value, str):
        return value
    if is_missing(value):
        return None
    if kind in _DECIMALS:
        return round_half_up(value, _DECIMALS[kind])
    if isinstance(value, float) and value == 0:
        return 0.0  # not -0.0
    return value


_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="D9E1F2")
_FONT = "Times New Roman"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "count"  # count, percent, decimal, text
    total: str | None = "sum"  # how the totals row combines it: "sum", or None for no total
    width: float = 12


def write_table(
    ws: Worksheet,
    title: str,
    subtitle: str,
    columns: list[Column],
    rows: pd.DataFrame,
    totals: bool = True,
    own: Mapping[str, object] | None = None,
    own_label: str = "Cộng",
) -> None:
    """A titled table with formatted numbers, a totals row, frozen header and A4 landscape print set-up.

    A blank cell is a figure the unit did not report (never 0). The totals row is ``own`` when given
    (the parent unit's own figures, labelled ``own_label``: a commune's branch rows do not add up to
    its members or inspections); otherwise the sum of what the rows reported, labelled with how many
    rows it covers when some reported nothing."""
    put(ws.cell(row=1, column=1), title)
    ws.cell(row=1, column=1).font = Font(name=_FONT, size=13, bold=True)
    put(ws.cell(row=2, column=1), subtitle)
    ws.cell(row=2, column=1).font = Font(name=_FONT, size=12, italic=True)
    header_row = 4
    for col, column in enumerate(columns, start=1):
        cell = ws.cell(row=header_row, column=col)
        put(cell, column.header)
        cell.font = Font(name=_FONT, size=12, bold=True)
        cell.fill = _HEAD
        cell.border = _BOX
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[cell.column_letter].width = column.width
    # Each column's style is set once through openpyxl and its style array copied to the other
    # rows: setting font, border and format cell by cell re-hashed the style objects every time
    # (about 80% of the appendix's build time for a province).
    styles: dict[int, object] = {}
    values = rows.reindex(columns=[c.key for c in columns]).itertuples(index=False)
    for r, record in enumerate(values, start=header_row + 1):
        for col, (column, value) in enumerate(zip(columns, record, strict=True), start=1):
            cell = ws.cell(row=r, column=col)
            if col in styles:
                cell._style = copy(styles[col])
            else:
                cell.number_format = FORMATS[column.kind]
                cell.border = _BOX
                cell.font = Font(name=_FONT, size=12)
                styles[col] = copy(cell._style)
            put(cell, cell_value(value, column.kind))  # after the style: its escape (quotePrefix) is kept
    if totals and len(rows):
        r = header_row + len(rows) + 1
        summed = [c.key for c in columns if c.total == "sum" and c.key in rows]
        numbers = rows[summed].apply(pd.to_numeric, errors="coerce") if summed else pd.DataFrame(index=rows.index)
        with_figures = int(numbers.notna().any(axis=1).sum()) if summed else len(rows)
        label = own_label if own is not None else "Cộng"
        if own is None and with_figures < len(rows):
            label = f"Cộng ({fmt_number(with_figures)}/{fmt_number(len(rows))} đơn vị có số liệu)"
        for col, column in enumerate(columns, start=1):
            cell = ws.cell(row=r, column=col)
            if col == 1:
                put(cell, label)
            elif own is not None:
                value = own.get(column.key)
                if not _missing(value) and column.kind != "text":
                    cell.value = cell_value(value, column.kind)
                    cell.number_format = FORMATS[column.kind]
            elif column.total == "sum" and column.key in numbers and numbers[column.key].notna().any():
                cell.value = cell_value(numbers[column.key].sum(), column.kind)
                cell.number_format = FORMATS[column.kind]
            cell.font = Font(name=_FONT, size=12, bold=True)
            cell.border = _BOX
    ws.row_dimensions[header_row].height = 48
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)
    landscape_fit_width(ws)
    ws.print_title_rows = f"{header_row}:{header_row}"


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def table_workbook(title: str, subtitle: str, columns: list[Column], rows: pd.DataFrame) -> bytes:
    book = Workbook()
    write_table(book.active, title, subtitle, columns, rows)
    book.active.title = "Bảng"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


UNIT = Column("name", "Đơn vị", "text", None, 34)


BRANCH_CODES = frozenset(m.code for m in METRICS if m.sheet == "branches")


def _own(b: Briefing) -> dict[str, object]:
    """The unit's own figures for the totals rows: the quarter's, with the pages' derived columns, and
    admissions from 1 January against the target (a commune's branch rows carry no such figures)."""
    quarter = dict(meeting_shares(discipline_summary(inspection_summary(pd.DataFrame([b.quarter])))).iloc[0])
    admitted = b.year.get("admitted")
    return {
        **quarter,
        "admitted_quarter": b.quarter.get("admitted"),
        "admitted": admitted,
        "target": b.target,
        "pct_of_target": 100 * admitted / b.target if b.target and admitted is not None else None,
    }


def _estimate_note(b: Briefing) -> str:
    members = b.stocks.get("members_closing")
    if members is None or members.complete or members.estimate is None:
        return ""
    return (
        f". Cuối kỳ: {members.words}; ước tính toàn đảng bộ {fmt_number(members.estimate)} đảng viên "
        "(cộng số cuối kỳ gần nhất của đơn vị chưa nộp)"
    )


def _own_label(b: Briefing, from_january: bool = False) -> str:
    """ "Cộng", or what the totals cover while returns are missing: the quarter's units, and for the
    admissions sheet (from 1 January beside the quarter's movements) the year's returns too."""
    quarter, year = b.quarter_returns, b.year_returns
    parts = [] if quarter.complete else [f"{fmt_number(quarter.received)}/{fmt_number(quarter.due)} đơn vị đã báo cáo"]
    if from_january and not year.complete:
        parts.insert(0, f"từ đầu năm {year.words}")
        if parts[1:]:
            parts[1] = f"trong quý {parts[1]}"
    return f"Cộng ({'; '.join(parts)})" if parts else "Cộng"


def _sheets(b: Briefing) -> list[tuple[str, str, list[Column], pd.DataFrame, bool]]:
    label = quarter_words(b) + f" năm {b.period.year}"
    quarter_columns = ["members_opening", "members_closing", *MOVEMENT_IN, *MOVEMENT_OUT]
    in_quarter = b.by_child.reindex(columns=["code", *quarter_columns]).rename(columns={"admitted": "admitted_quarter"})
    admissions = b.admissions[["code", "name", "target", "admitted", "pct_of_target"]].merge(
        in_quarter, on="code", how="left"
    )
    movement = [
        Column(
            "admitted_quarter" if c == "admitted" else c, f"{label_} trong quý" if c == "admitted" else label_, width=11
        )
        for c, label_ in {**MOVEMENT_IN, **MOVEMENT_OUT}.items()
    ]
    statuses = pd.DataFrame(
        [
            {
                "name": s.unit_name,
                "state": {"accepted": "Đã nhận", "warnings": "Đã nhận (có cảnh báo)", "partial": "Chưa đủ các tháng",
                          "rejected": "Bị từ chối", "missing": "Chưa nộp"}[s.state],
                "late": ("Nộp chậm" if s.late else "Đúng hạn") if s.state in ("accepted", "warnings") else "",
                "received": max((v.received_at for v in s.versions if v.current), default=None),
                "versions": len(s.versions),
            }
            for s in b.statuses
        ]
    )  # fmt: skip
    return [
        ("Phát triển đảng viên", f"Kết nạp từ đầu năm đến {b.period.end:%d/%m/%Y} so với chỉ tiêu; biến động {label}"
         + _estimate_note(b),
         [UNIT, Column("target", "Chỉ tiêu năm"), Column("admitted", "Kết nạp từ đầu năm"),
          Column("pct_of_target", "% kế hoạch", "percent", None), Column("members_opening", "Đầu kỳ"),
          *movement, Column("members_closing", "Cuối kỳ")], admissions, True),
        ("Kiểm tra, giám sát", f"Số lượt {label}",
         [UNIT, *(Column(f"{k}_{w}", f"{h}: {t}", width=13) for k, h in
                  (("inspect", "Kiểm tra"), ("inspect_signs", "Kiểm tra khi có dấu hiệu"), ("supervise", "Giám sát"))
                  for w, t in (("org", "tổ chức"), ("member", "đảng viên"))),
          Column("violations", "Kết luận có vi phạm"), Column("violation_pct", "% vi phạm", "percent", None)], b.by_child, True),
        ("Kỷ luật", f"Số trường hợp {label}",
         [UNIT, *(Column(c, ("Đảng viên: " if c.startswith("disc_member") else "Tổ chức: ") + f.lower(), width=12)
                  for c, f in DISCIPLINE_FORMS.items()),
          Column("per_1000", "Đảng viên bị kỷ luật /1.000", "decimal", None)], b.by_child, True),
        ("Sinh hoạt chi bộ", f"Buổi sinh hoạt thường kỳ theo xếp loại, {label}",
         [UNIT, Column("regular_meetings", "Sinh hoạt thường kỳ"), Column("thematic_meetings", "Chuyên đề"),
          *(Column(c, f"Số buổi {label_}") for c, label_ in MEETING_RATINGS.items()),
          *(Column(f"{c}_pct", f"% {label_}", "percent", None) for c, label_ in MEETING_RATINGS.items()),
          Column("attendance_pct", "% đảng viên dự", "percent", None)], b.by_child, True),
        ("Nộp báo cáo", f"Tình hình nộp báo cáo {label}",
         [UNIT, Column("state", "Tình trạng", "text", None, 22), Column("late", "Thời hạn", "text", None, 12),
          Column("versions", "Số phiên bản", total=None)], statuses, False),
    ]  # fmt: skip


def build_appendix(b: Briefing) -> bytes:
    """The appendix as .xlsx bytes: one sheet per summary table."""
    book = Workbook()
    book.remove(book.active)
    own = _own(b)
    for name, subtitle, columns, rows, totals in _sheets(b):
        ws = book.create_sheet(name)
        own_label = _own_label(b, from_january=any(c.key == "target" for c in columns))
        if b.unit.reports and totals and not any(c.key in BRANCH_CODES for c in columns):
            # a commune's branches report none of these figures: the sheet is the commune's own row
            rows, totals = pd.DataFrame([{**own, "name": b.unit.name}]), False
        write_table(
            ws, f"BIỂU TỔNG HỢP: {name.upper()} – {b.unit.name}", subtitle, columns, rows, totals,
            own=own if totals else None, own_label=own_label,
        )  # fmt: skip
    out = BytesIO()
    book.save(out)
    return out.getvalue()
