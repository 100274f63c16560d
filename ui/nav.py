"""Pages, links between them, and drill-down from any unit name to that unit's page."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from access.users import User
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
    ("pages/account.py", "Tài khoản", "tai-khoan", ":material/person:"),
    ("pages/admin.py", "Quản trị", "quan-tri", ":material/admin_panel_settings:"),
)
UNIT_PAGE = "pages/unit.py"
# Pages only some roles may open (the action their account must be allowed); the rest are every role's.
RESTRICTED = {"pages/admin.py": "admin"}


def allowed(file: str, user: User | None) -> bool:
    return user is not None and (file not in RESTRICTED or user.can(RESTRICTED[file]))


def pages(user: User | None) -> list[st.Page]:
    """The navigation for this account: its pages in the menu. A page its role may not use stays
    reachable by address but hidden, and refuses by itself (``auth.require`` at its top), so an
    edited URL gets a plain refusal rather than Streamlit's "page not found". Signed out, the frame
    shows the sign-in form instead of any page and opens the page the address names after it."""
    return [
        st.Page(
            file,
            title=title,
            url_path=path,
            icon=icon,
            default=i == 0,
            visibility="visible" if allowed(file, user) else "hidden",
        )
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
    from ui.auth import current as user
    from ui.data import tree

    sel = current()
    t = tree()
    scope = user().unit_code
    path = [u for u in [*t.ancestors(sel.unit.code), sel.unit] if t.within(u.code, scope)]
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    for unit in path[:-1]:
        row.page_link(page, label=unit.name, query_params=sel.params(unit=unit.code))
        row.markdown("›")
    row.markdown(f"**{sel.unit.name}**")
