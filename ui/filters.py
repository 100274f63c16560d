"""The sidebar filters, kept in the URL so a copied link opens the same view.

The URL is the one source of truth: at the start of every run its parameters
(``year``, ``view``, ``unit``) are read into the widgets' state, and each
widget's callback writes its new value back to the URL. Streamlit's own
``bind="query-params"`` cannot be used here: ``st.switch_page`` clears the
query parameters, which bound parameters refuse (Streamlit 1.67).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from reporting.periods import VIEWS, Period, default_view, view_span
from reporting.units import Unit, UnitTree

_SELECTION = "_selection"
_LEVELS = 3  # province → commune → branch (deeper trees go on through the unit page)


@dataclass(frozen=True)
class Selection:
    year: int
    view: str
    span: Period
    unit: Unit
    today: date

    @property
    def label(self) -> str:
        return f"{VIEWS[self.view]} năm {self.year}" if self.view == "YTD" else self.span.label

    def params(self, **override: object) -> dict[str, str]:
        """Query parameters for a link to this view (optionally of another unit)."""
        params = {"year": str(self.year), "view": self.view, "unit": self.unit.code}
        params.update({k: str(v) for k, v in override.items()})
        return params


def _read_url(tree: UnitTree, years: list[int], today: date, scope: str) -> tuple[int, str, str | None]:
    """Year, view and unit from the URL; the unit is None when the URL names one outside ``scope``."""
    qp = st.query_params
    year = int(qp["year"]) if qp.get("year", "").isdigit() and int(qp["year"]) in years else years[0]
    view = qp.get("view") if qp.get("view") in VIEWS else default_view(year, today)
    asked = qp.get("unit")
    if not asked:
        return year, view, scope
    if asked in tree and tree.within(asked, scope):
        return year, view, asked
    root = tree.roots()[0].code
    # A province-wide account keeps the old behaviour for a mistyped code: the province.
    return year, view, root if scope == root and asked not in tree else None


def _set_url(**params: str) -> None:
    for key, value in params.items():
        st.query_params[key] = value


def _on_year() -> None:
    _set_url(year=str(st.session_state.f_year))


def _on_view() -> None:
    _set_url(view=st.session_state.f_view)


def _on_level(level: int) -> None:
    chosen = st.session_state[f"f_level_{level}"]
    _set_url(unit=chosen if chosen else st.session_state[f"f_parent_{level}"])


def sidebar(tree: UnitTree, years: list[int], today: date, scope: str) -> Selection | None:
    """Draw the filters and return the selection (also kept for ``current()``); None when the URL
    names a unit outside ``scope``, the signed-in account's unit."""
    year, view, unit_code = _read_url(tree, years, today, scope)
    if unit_code is None:
        return None
    st.session_state.f_year = year
    st.session_state.f_view = view
    st.sidebar.selectbox("Năm", years, key="f_year", on_change=_on_year)
    st.sidebar.selectbox("Kỳ xem", list(VIEWS), key="f_view", format_func=VIEWS.get, on_change=_on_view)

    path = [u for u in [*tree.ancestors(unit_code), tree.get(unit_code)] if tree.within(u.code, scope)]
    for level in range(_LEVELS - 1):
        if level >= len(path):
            break
        parent = path[level]
        children = [c for c in tree.children(parent.code) if c.reports or c.is_branch or tree.children(c.code)]
        if not children:
            break
        options = ["", *(c.code for c in children)]
        st.session_state[f"f_parent_{level}"] = parent.code
        st.session_state[f"f_level_{level}"] = path[level + 1].code if level + 1 < len(path) else ""
        names = {c.code: c.name for c in children}
        st.sidebar.selectbox(
            "Đơn vị" if level == 0 else "Cấp dưới",
            options,
            key=f"f_level_{level}",
            format_func=lambda code, p=parent, n=names: n[code] if code else f"Toàn {p.name}",
            on_change=_on_level,
            args=(level,),
        )
    selection = Selection(year, view, view_span(year, view, today), tree.get(unit_code), today)
    st.session_state[_SELECTION] = selection
    return selection


def current() -> Selection:
    """The selection the frame drew for this run."""
    return st.session_state[_SELECTION]
