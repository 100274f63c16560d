"""Pages, links between them, and drill-down from any unit name to that unit's page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import quote_plus, urlencode

import streamlit as st

from access.users import User
from ui.filters import Selection, current
from ui.text import plain

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
    ("pages/registry.py", "Danh mục đơn vị", "danh-muc", ":material/list_alt:"),
    ("pages/admin.py", "Quản trị", "quan-tri", ":material/admin_panel_settings:"),
)
UNIT_PAGE = "pages/unit.py"
# Pages only some roles may open (the action their account must be allowed); the rest are every role's.
RESTRICTED = {"pages/admin.py": "admin", "pages/registry.py": "admin"}


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


_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")  # a code that reads the same encoded


def unit_url(code: str, selection: Selection | None = None) -> str:
    """A link to the unit's page keeping the year and view (for tables' link columns)."""
    return unit_urls([code], selection)[0]


def unit_urls(codes: Iterable[str], selection: Selection | None = None) -> list[str]:
    """``unit_url`` for many units: the shared part is encoded once (a national table has 3,300 rows)."""
    selection = selection or current()
    params = selection.params()
    params.pop("unit")
    shared = urlencode(params)
    return [f"/don-vi?{shared}&unit={code if _PLAIN.fullmatch(code) else quote_plus(code)}" for code in codes]


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
    """The path from the province down to the selected unit (in the view of history chosen); each step
    opens the same page there. Under it, a note when the unit was formed or closed by a merger."""
    from ui.auth import current as user
    from ui.store import tree

    sel = current()
    t = tree()
    view = t.view(sel.history, sel.today)
    scope = user().unit_code
    path = [u for u in [*view.ancestors(sel.unit.code), sel.unit] if t.within(u.code, scope)]
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    for unit in path[:-1]:
        row.page_link(page, label=plain(unit.name), query_params=sel.params(unit=unit.code))
        row.markdown("›")
    row.markdown(f"**{plain(sel.unit.name)}**")
    lineage_note(page, sel)


def lineage_note(page: str, sel: Selection) -> None:
    """Say how the unit's history reads: merged into a successor, or formed from predecessors."""
    from reporting.numbers import fmt_percent
    from ui.store import tree

    t = tree()
    unit = sel.unit
    successors = t.successors_of(unit.code)
    predecessors = t.predecessors_of(unit.code)
    if successors:
        into = ", ".join(
            f"{plain(s.name)}{'' if share == 1 else ' (' + fmt_percent(100 * share, 0) + ')'}"
            for s, share in successors
        )
        how = "chia tách" if len(successors) > 1 else "sáp nhập"
        st.info(
            f"{plain(unit.name)} đã {how} vào {into} từ ngày {unit.active_to + timedelta(days=1):%d/%m/%Y}. "
            "Số liệu dưới đây là của đơn vị này khi báo cáo; xem theo đơn vị hiện nay thì chúng được cộng vào "
            "đơn vị kế thừa.",
            icon=":material/merge:",
        )
        row = st.container(horizontal=True, gap="small")
        for successor, _ in successors:
            row.page_link(
                page,
                label=f"Xem {plain(successor.name)}",
                icon=":material/arrow_forward:",
                query_params=sel.params(unit=successor.code, history="today"),
            )
    elif predecessors and sel.history == "reported" and sel.span.start < (unit.active_from or sel.span.start):
        names = ", ".join(plain(p.name) for p, _ in predecessors)
        st.info(
            f"{plain(unit.name)} thành lập ngày {unit.active_from:%d/%m/%Y} từ {names}. Theo đơn vị khi báo cáo, số liệu "
            "trước ngày đó thuộc các đơn vị cũ; chọn «Theo đơn vị hiện nay» để xem liền mạch.",
            icon=":material/call_merge:",
        )
