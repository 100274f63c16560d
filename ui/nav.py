"""Pages, links between them, and drill-down from any unit name to that unit's page."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from ui.filters import Selection, current

# file, title, url path, icon: the order of the navigation menu.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("pages/overview.py", "Tổng quan", "tong-quan", ":material/dashboard:"),
    ("pages/admissions.py", "Phát triển đảng viên", "phat-trien-dang-vien", ":material/person_add:"),
    ("pages/inspections.py", "Kiểm tra, giám sát", "kiem-tra-giam-sat", ":material/fact_check:"),
    ("pages/discipline.py", "Kỷ luật", "ky-luat", ":material/gavel:"),
    ("pages/meetings.py", "Chất lượng sinh hoạt chi bộ", "sinh-hoat-chi-bo", ":material/groups:"),
    ("pages/unit.py", "Đơn vị", "don-vi", ":material/account_tree:"),
    ("pages/submissions.py", "Tình hình nộp báo cáo", "nop-bao-cao", ":material/inbox:"),
    ("pages/briefing.py", "Báo cáo quý", "bao-cao-quy", ":material/description:"),
)
UNIT_PAGE = "pages/unit.py"


def pages() -> list[st.Page]:
    return [
        st.Page(file, title=title, url_path=path, icon=icon, default=i == 0)
        for i, (file, title, path, icon) in enumerate(PAGES)
    ]


def unit_url(code: str, selection: Selection | None = None) -> str:
    """A link to the unit's page keeping the year and view (for tables' link columns)."""
    selection = selection or current()
    return f"/don-vi?{urlencode(selection.params(unit=code))}"


def go_to_unit(code: str) -> None:
    """Open the unit's page (after a click on a chart bar or a table row)."""
    st.switch_page(UNIT_PAGE, query_params=current().params(unit=code))


def clicked_unit(event: object) -> str | None:
    """The unit code carried in ``customdata`` of the point a user clicked, if any."""
    points = getattr(getattr(event, "selection", None), "points", None) or []
    if not points:
        return None
    data = points[0].get("customdata")
    return data[0] if isinstance(data, (list, tuple)) and data else data


def follow_click(event: object) -> None:
    code = clicked_unit(event)
    if code:
        go_to_unit(code)


def breadcrumbs(page: str) -> None:
    """The path from the province down to the selected unit; each step opens the same page there."""
    from ui.data import tree

    sel = current()
    path = [*tree().ancestors(sel.unit.code), sel.unit]
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    for unit in path[:-1]:
        row.page_link(page, label=unit.name, query_params=sel.params(unit=unit.code))
        row.markdown("›")
    row.markdown(f"**{sel.unit.name}**")
