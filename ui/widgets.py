"""Small page parts shared by several pages: KPI cards, the empty-period notice, unit tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from reporting.dashboard import Kpi
from reporting.numbers import MISSING, fmt_number, fmt_numbers, fmt_percent, fmt_signed, fmt_value, is_missing
from ui import nav
from ui.filters import Selection
from ui.text import plain

STATUS_LABEL = {"accepted": "Hợp lệ", "warnings": "Hợp lệ, có cảnh báo", "rejected": "Bị từ chối"}
OUTCOME_LABEL = {
    "loaded": "đã nạp",
    "replaced": "đã nạp, thay thế phiên bản trước",
    "unchanged": "giống bản đã nhận, không thay đổi",
    "rejected": "bị từ chối",
}
VERSION_COLUMNS = {
    "submission_id": "Phiên bản",
    "unit_code": "Mã",
    "unit_name": "Đơn vị",
    "period": "Kỳ",
    "received_at": "Nhận lúc",
    "file_name": "Tệp",
    "status": "Kết quả",
    "errors": "Lỗi",
    "warnings": "Cảnh báo",
}


def shown(value: float | None) -> str:
    """A figure as reported, in Vietnamese notation; "–" when absent (None, NaN, pd.NA)."""
    return fmt_value(value)


def no_data(sel: Selection, what: str = "số liệu") -> None:
    st.info(f"Chưa có {what} của {plain(sel.unit.name)} cho {sel.label}.", icon=":material/info:")


def kpi_card(column, kpi: Kpi) -> None:
    """A card: the figure ("–" when nothing was reported, never 0), the change against the same span
    last year only when the dashboard compared them (every return due in both spans was in), its note."""
    if kpi.value is None:
        column.metric(kpi.label, "–", border=True)
        if kpi.note:
            column.caption(kpi.note)
        return
    shown = fmt_percent(kpi.value) if kpi.percent else fmt_number(kpi.value)
    delta, arrow = None, "auto"
    if kpi.previous is not None:
        change = kpi.value - kpi.previous
        delta = (fmt_signed(change, 1) + " điểm %") if kpi.percent else fmt_signed(change)
        if delta.lstrip("+-").startswith(("0 ", "0,0 ")) or delta in ("0", "0,0"):
            arrow = "off"  # no arrow on a change that rounds to nothing
    column.metric(
        kpi.label,
        shown,
        delta=delta,
        delta_color="off" if kpi.key in ("discipline", "inspections") or arrow == "off" else "normal",
        delta_arrow=arrow,
        delta_description="so với cùng kỳ năm trước" if delta is not None else None,
        border=True,
    )
    if kpi.note:
        column.caption(kpi.note)


Column = tuple[str, str]  # (Vietnamese header, kind: "count", "percent", "decimal", "progress" or "text")
# Decimals and suffix of each kind: the same on every page, table, chart, text and download
# ("20,0%" in a table where a sentence says "20,0%"; rates per 1.000 with 2 decimals).
DECIMALS = {"count": (0, ""), "percent": (1, "%"), "progress": (1, "%"), "decimal": (2, "")}
# Every table reads in Vietnamese notation whatever its size (no printf formats, which write the
# browser's decimal point): a Styler on 3,300 rows of 8 figures costs about 0.3 s, and no page draws one
# that large (the 10,000-row versions table has plain counts only, so it needs no Styler).


def _display(values: pd.Series, decimals: int, suffix: str):
    """A Styler formatter giving ``fmt_numbers``' text for each value of the column (written in one pass)."""
    texts = dict(zip(values.tolist(), fmt_numbers(values, decimals, suffix), strict=True))

    def text(value: object) -> str:
        found = texts.get(value)  # NaN is never found (NaN != NaN): it is missing
        if found is not None:
            return found
        return MISSING if is_missing(value) else fmt_number(value, decimals) + suffix

    return text


def reads_plain(values: pd.Series) -> bool:
    """True when every value is a whole number under a thousand: its Vietnamese notation is then the
    plain "%d", and the column needs no Styler (about 15 ms a table on the submissions page)."""
    numbers = pd.to_numeric(values, errors="coerce")
    return bool(numbers.notna().all() and (numbers.abs() < 1000).all() and (numbers % 1 == 0).all())


def unit_table(df: pd.DataFrame, columns: dict[str, Column], sel: Selection, *, title: str) -> None:
    """A table whose unit names open the unit's page, its numbers in Vietnamese notation.

    Numbers are formatted for display through a Styler (``fmt_numbers``: "1.234", "72,5%", half-up,
    never "-0", "–" when missing), so the browser's locale cannot change them and sorting still uses
    the values. A table whose columns all read the same without it (text, whole counts under a
    thousand, none missing) is sent without one. A "progress" column is the percent, then a bar
    without a label (Streamlit would write the bar's figure with a decimal point, "20%" or "20.0%").
    """
    shown = df.copy()
    shown["link"] = [
        f"{url}#{name}" for url, name in zip(nav.unit_urls(shown["code"], sel), shown["name"], strict=True)
    ]
    shown = shown.reindex(columns=["link", *columns])  # a figure nobody reported is a blank column
    config: dict[str, object] = {"link": st.column_config.LinkColumn("Đơn vị", display_text=r"#(.*)$")}
    formats = {}
    for column, (label, kind) in columns.items():
        if kind != "text" and shown[column].isna().all():
            # nobody reported it: Streamlit draws an all-null column as "None" whatever the Styler says
            shown[column] = MISSING
            config[column] = st.column_config.Column(label)
            continue
        if kind == "count" and reads_plain(shown[column]):
            config[column] = st.column_config.NumberColumn(label, format="%d")
            continue
        config[column] = st.column_config.Column(label)
        if kind in DECIMALS:
            formats[column] = _display(shown[column], *DECIMALS[kind])
        if kind == "progress":
            bar = f"{column}_bar"
            shown.insert(shown.columns.get_loc(column) + 1, bar, shown[column])
            config[bar] = st.column_config.ProgressColumn("", format=" ", min_value=0, max_value=100, help=label)
            formats[bar] = formats[column]  # what a copy of the cell gives; the bar draws no text
    data = shown.style.format(formats) if formats else shown
    st.dataframe(data, column_config=config, hide_index=True, width="stretch")
    excel_download(df, columns, sel, title)


_EXCEL_KIND = {"count": "count", "percent": "percent", "decimal": "decimal", "progress": "percent", "text": "text"}


def excel_download(
    df: pd.DataFrame, columns: dict[str, Column], sel: Selection, title: str, *, unit_column: bool = True
) -> None:
    """The table as .xlsx, with the appendix's formats (numbers stay numbers, text stays text)."""
    from briefing.appendix import Column as XlsxColumn
    from briefing.appendix import table_workbook

    heading = title
    spec = [XlsxColumn("name", "Đơn vị", "text", None, 34)] + [
        XlsxColumn(key, label, _EXCEL_KIND[kind], "sum" if kind == "count" else None, 14)
        for key, (label, kind) in columns.items()
    ]
    key = f"xlsx_{abs(hash((heading, tuple(columns), len(df))))}"
    st.download_button(
        "Tải bảng (.xlsx)",
        data=lambda: table_workbook(heading, f"{sel.unit.name} · {sel.label} · {sel.history_label}", spec, df),
        file_name=f"{heading}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table_view:",
        key=key,
        on_click="ignore",  # no rerun on the click: a rerun could replace the file before the browser asks for it
    )


def plain_table(df: pd.DataFrame, headers: dict[str, str], title: str, sel: Selection) -> None:
    """A table without unit links (history, versions, the log), with the same .xlsx download."""
    st.dataframe(df[list(headers)], column_config=headers, hide_index=True, width="stretch")
    excel_download(df.assign(name=""), {k: (v, "text") for k, v in headers.items()}, sel, title, unit_column=False)


def coverage_note(per_unit: pd.DataFrame, sel: Selection) -> None:
    """Under a per-unit chart or table: which units have no figures for the span, and which have
    figures for part of it only, so that a total, a short bar or a missing bar is never read as a
    zero or a fall, nor six months as nine."""
    text = coverage_text(per_unit, sel.label)
    if text:
        st.caption(text)


def coverage_text(per_unit: pd.DataFrame, label: str) -> str:
    """The note ``coverage_note`` writes ("" when every unit's figures cover the span).

    Judged on the returns due for the span's ended quarters (``returns_due``, ``returns_received``,
    dashboard.figures_by_child): none in, "chưa nộp báo cáo"; some, "2/3 báo cáo đã nhận, số liệu
    chưa đủ kỳ" (its flows are those of two quarters, its closing stock that of the last one sent).
    Where no quarter of the span has ended, on the units that owe the closing stock and gave it.
    """
    if "units_due" not in per_unit or per_unit["units_due"].isna().all():
        return ""
    due = per_unit["units_due"].fillna(0)
    given = per_unit["units_reported"].fillna(0)
    returns_due = per_unit["returns_due"].fillna(0) if "returns_due" in per_unit else pd.Series(0.0, per_unit.index)
    received = per_unit["returns_received"].fillna(0) if "returns_received" in per_unit else returns_due
    judged = returns_due > 0  # a quarter of the span has ended: read the returns
    silent = per_unit[(judged & (received == 0)) | (~judged & (due > 0) & (given == 0))]
    short = per_unit[judged & (received > 0) & (received < returns_due)]
    partial = per_unit[(given > 0) & (given < due) & ~per_unit.index.isin([*silent.index, *short.index])]
    if silent.empty and short.empty and partial.empty:
        return ""
    parts = []
    if len(silent):
        names = ", ".join(plain(name) for name in silent["name"])
        parts.append(
            f"Chưa có số liệu {label} của {fmt_number(len(silent))}/{fmt_number(len(per_unit))} đơn vị "
            f"(chưa nộp báo cáo): {names}; các ô của đơn vị này để trống «–», không tính là 0"
        )
    for row in short.itertuples(index=False):
        parts.append(
            f"{plain(row.name)}: {fmt_number(row.returns_received)}/{fmt_number(row.returns_due)} báo cáo đã nhận, "
            "số liệu chưa đủ kỳ"
        )
    for row in partial.itertuples(index=False):
        parts.append(
            f"{plain(row.name)}: {fmt_number(row.units_reported)}/{fmt_number(row.units_due)} đơn vị trực thuộc đã báo cáo"
        )
    return ". ".join(parts) + ". Tổng số chỉ gồm các báo cáo đã nhận."
