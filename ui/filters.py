"""The sidebar filters, kept in the URL so a copied link opens the same view.

The URL is the one source of truth: at the start of every run its parameters
(``year``, ``view``, ``unit``, ``history``) are read into the widgets' state, and each
widget's callback writes its new value back to the URL. Streamlit's own
``bind="query-params"`` cannot be used here: ``st.switch_page`` clears the
query parameters, which bound parameters refuse (Streamlit 1.67).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from reporting.lineage import DEFAULT_HISTORY, HISTORIES
from reporting.periods import VIEWS, Period, default_view, view_span
from reporting.units import TreeView, Unit, UnitTree

_SELECTION = "_selection"
_LEVELS = 3  # province → commune → branch (deeper trees go on through the unit page)


@dataclass(frozen=True)
class Selection:
    year: int
    view: str
    span: Period
    unit: Unit
    today: date
    history: str = DEFAULT_HISTORY  # the view of history the figures are read in (reporting/lineage.py)
    asked_history: str = DEFAULT_HISTORY  # as the URL asked; differs when the unit exists only as reported

    @property
    def label(self) -> str:
        return f"{VIEWS[self.view]} năm {self.year}" if self.view == "YTD" else self.span.label

    @property
    def history_label(self) -> str:
        return HISTORIES[self.history].lower()

    def params(self, **override: object) -> dict[str, str]:
        """Query parameters for a link to this view (optionally of another unit)."""
        params = {"year": str(self.year), "view": self.view, "unit": self.unit.code, "history": self.asked_history}
        params.update({k: str(v) for k, v in override.items()})
        return params


def _read_url(tree: UnitTree, years: list[int], today: date, scope: str) -> tuple[int, str, str, str | None]:
    """Year, view, history and unit from the URL; the unit is None when the URL names one outside ``scope``."""
    qp = st.query_params
    year = int(qp["year"]) if qp.get("year", "").isdigit() and int(qp["year"]) in years else years[0]
    view = qp.get("view") if qp.get("view") in VIEWS else default_view(year, today)
    history = qp.get("history") if qp.get("history") in HISTORIES else DEFAULT_HISTORY
    asked = qp.get("unit")
    if not asked:
        return year, view, history, scope
    if asked in tree and tree.within(asked, scope):
        return year, view, history, asked
    root = tree.roots()[0].code
    # A province-wide account keeps the old behaviour for a mistyped code: the province.
    return year, view, history, root if scope == root and asked not in tree else None


def _set_url(**params: str) -> None:
    for key, value in params.items():
        st.query_params[key] = value


def _on_year() -> None:
    _set_url(year=str(st.session_state.f_year))


def _on_view() -> None:
    _set_url(view=st.session_state.f_view)


def _on_history() -> None:
    _set_url(history=st.session_state.f_history)


def _on_level(level: int) -> None:
    chosen = st.session_state[f"f_level_{level}"]
    _set_url(unit=chosen if chosen else st.session_state[f"f_parent_{level}"])


def sidebar(tree: UnitTree, years: list[int], today: date, scope: str) -> Selection | None:
    """Draw the filters and return the selection (also kept for ``current()``); None when the URL
    names a unit outside ``scope``, the signed-in account's unit."""
    year, view, history, unit_code = _read_url(tree, years, today, scope)
    if unit_code is None:
        return None
    st.session_state.f_year = year
    st.session_state.f_view = view
    st.session_state.f_history = history
    st.sidebar.selectbox("Năm", years, key="f_year", on_change=_on_year)
    st.sidebar.selectbox("Kỳ xem", list(VIEWS), key="f_view", format_func=VIEWS.get, on_change=_on_view)
    span = view_span(year, view, today)
    # A unit closed by a merger has no figures of its own on today's units: it is shown as reported.
    effective = history if history == "reported" or tree.lineage.is_today(unit_code) else "reported"
    tree_view = tree.view(effective, today)
    path = [u for u in [*tree_view.ancestors(unit_code), tree.get(unit_code)] if tree.within(u.code, scope)]
    for level in range(_LEVELS - 1):
        if level >= len(path):
            break
        parent = path[level]
        children = _pickable(tree_view, parent.code, span)
        if level + 1 < len(path) and path[level + 1] not in children:
            children.append(path[level + 1])  # the unit asked for stays pickable outside its active dates
        if not children:
            break
        options = ["", *(c.code for c in children)]
        st.session_state[f"f_parent_{level}"] = parent.code
        chosen = path[level + 1].code if level + 1 < len(path) else ""
        st.session_state[f"f_level_{level}"] = chosen if chosen in options else ""
        names = {c.code: c.name for c in children}
        st.sidebar.selectbox(
            "Đơn vị" if level == 0 else "Cấp dưới",
            options,
            key=f"f_level_{level}",
            format_func=lambda code, p=parent, n=names: n.get(code, code) if code else f"Toàn {p.name}",
            on_change=_on_level,
            args=(level,),
        )
    st.sidebar.radio(
        "Số liệu trước khi sắp xếp đơn vị",
        list(HISTORIES),
        key="f_history",
        format_func=HISTORIES.get,
        on_change=_on_history,
        help="Theo đơn vị hiện nay: số liệu của các xã cũ được cộng vào xã mới kế thừa (so sánh được qua các "
        "năm). Theo đơn vị khi báo cáo: mỗi đơn vị cũ giữ số liệu của mình, dưới cấp trên của nó khi đó.",
    )
    selection = Selection(year, view, span, tree.get(unit_code), today, effective, history)
    st.session_state[_SELECTION] = selection
    return selection


def _pickable(view: TreeView, code: str, span: Period) -> list[Unit]:
    """Children worth a step in the picker: reporting units, branches, and units with units below."""
    return [
        c for c in view.children(code, span.start, span.end) if c.reports or c.is_branch or view.tree.children(c.code)
    ]


def current() -> Selection:
    """The selection the frame drew for this run."""
    return st.session_state[_SELECTION]
