"""Signing in, the session, and the checks every page, query and download goes through.

A session is a token in a ``SameSite=Strict`` cookie and, on the server, in
this process's session registry (``access.sessions``); a reload or a link
opened in a new tab stays signed in. It ends on sign-out, after
``session_idle_minutes`` without use, ``session_max_hours`` after sign-in,
when the account is disabled, or when its password changes. The account is
re-read from the store on every run, so a change of role or scope applies at
the next click.

Where an organization has an identity provider, ``st.login`` (OIDC) is
offered beside the local form once ``[auth]`` is set in
``.streamlit/secrets.toml``; the provider's e-mail must match an account
made with ``users add --provider-only`` (docs/deploy.md).
"""

from __future__ import annotations

import ipaddress
import json
from datetime import datetime, timedelta

import streamlit as st

from access.sessions import SessionRegistry
from access.users import MemoryAttempts, SignInError, StoreAttempts, User, authenticate, get_user, provider_user
from ingest.publish import read_only
from reporting.settings import current as settings
from ui import store
from ui.text import plain

COOKIE = "ms_session"
SESSION = "_auth_token"  # this browser session's token while signed in
_RUN_USER = "_run_user"  # the account checked at the start of this run (None: nobody)
NOTICE = "_auth_notice"  # why the last session ended, shown on the sign-in form
_COOKIE_PENDING = "_auth_cookie"  # a cookie to set (token) or clear ("") at the next render


@st.cache_resource(show_spinner=False)
def sessions() -> SessionRegistry:
    return SessionRegistry()


@st.cache_resource(show_spinner=False)
def _memory_attempts() -> MemoryAttempts:
    return MemoryAttempts()


def attempts():
    return _memory_attempts() if read_only() else StoreAttempts(store.cursor())


def _source() -> str | None:
    """The client's address; behind the local reverse proxy, the one it forwards (docs/deploy.md)."""
    address = st.context.ip_address
    address = address if isinstance(address, str) else None  # no client (AppTest): unknown
    forwarded = st.context.headers.get("X-Real-Ip") if address else None
    return client_address(address, forwarded)


def client_address(peer: str | None, forwarded: str | None) -> str | None:
    """The address sign-ins are counted and logged by: ``forwarded`` (X-Real-IP) when the peer is the
    local proxy (a loopback address, also IPv4 written as IPv6, ``::ffff:127.0.0.1``, as a dual-stack
    socket reports it), else the peer. An IPv4 address written as IPv6 is counted as the IPv4 one."""
    if peer is None:
        return None
    if forwarded and _is_loopback(peer):
        return _plain(forwarded.strip()[:64])  # an address is at most 45 characters
    return _plain(peer)


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)  # Python before 3.13 calls ::ffff:127.0.0.1 not loopback
    return mapped or ip


def _is_loopback(address: str) -> bool:
    ip = _parsed(address)
    return ip is not None and ip.is_loopback


def _plain(address: str) -> str:
    ip = _parsed(address)
    return str(ip) if ip is not None else address


def _provider_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises rather than answer False
        return False


def _end(reason: str) -> None:
    sessions().end(st.session_state.pop(SESSION, None))
    st.session_state[NOTICE] = reason
    st.session_state[_COOKIE_PENDING] = ""


def _start(user: User, via: str) -> None:
    token = sessions().create(user.username, via, datetime.now())
    st.session_state[SESSION] = token
    st.session_state[_COOKIE_PENDING] = token
    st.session_state.pop(NOTICE, None)


def _cookie_token() -> str | None:
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # no client (AppTest)
        return None
    return token if isinstance(token, str) else None


def write_cookie() -> None:
    """Set or clear the session cookie in the browser, once, after signing in or out."""
    token = st.session_state.pop(_COOKIE_PENDING, None)
    if token is None:
        return
    age = int(settings().session_max_hours * 3600) if token else 0
    st.html(
        "<script>document.cookie = "
        f"{json.dumps(f'{COOKIE}={token}; path=/; max-age={age}; SameSite=Strict')}"
        " + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def check_session(now: datetime | None = None) -> User | None:
    """The signed-in account for this run, or None; ends sessions that are no longer valid."""
    now = now or datetime.now()
    limits = settings()
    registry = sessions()
    token = st.session_state.get(SESSION)
    if token is None and (cookie := _cookie_token()) and registry.get(cookie):
        token = st.session_state[SESSION] = cookie  # a reload or a new tab of a signed-in browser
    if token is None and _provider_configured() and st.user.is_logged_in:
        try:
            _start(provider_user(store.cursor(), st.user.get("email")), "oidc")
            token = st.session_state[SESSION]
        except SignInError as exc:
            st.session_state[NOTICE] = str(exc)
    session = registry.get(token)
    user = None
    if token is not None and session is None:
        _end("Phiên làm việc đã hết hạn; vui lòng đăng nhập lại.")
    elif session is not None:
        user = get_user(store.cursor(), session.username)
        reason = None
        if user is None or not user.active:
            reason = "Tài khoản đã bị khóa hoặc không còn; liên hệ quản trị."
        elif user.password_changed_at and user.password_changed_at > session.signed_in_at:
            reason = "Mật khẩu của tài khoản đã được đổi; vui lòng đăng nhập lại."
        elif now - session.last_seen > timedelta(minutes=limits.session_idle_minutes):
            reason = "Phiên làm việc đã hết hạn vì lâu không thao tác; vui lòng đăng nhập lại."
        elif now - session.signed_in_at > timedelta(hours=limits.session_max_hours):
            reason = "Phiên làm việc đã hết thời hạn; vui lòng đăng nhập lại."
        if reason:
            _end(reason)
            user = None
        else:
            registry.touch(token, now)
    # Forget others' stale sessions (this one was judged above, so its reason could be told).
    registry.sweep(now, timedelta(minutes=limits.session_idle_minutes), timedelta(hours=limits.session_max_hours))
    st.session_state[_RUN_USER] = user
    return user


def current() -> User | None:
    """The account this run was checked for (set by the frame before any page runs)."""
    return st.session_state.get(_RUN_USER)


def sign_in_form() -> None:
    """The sign-in page: shown instead of whatever page the URL names, which opens after sign-in."""
    st.title("Đăng nhập")
    st.caption("Công tác xây dựng Đảng · báo cáo định kỳ của các đảng ủy cấp xã")
    if not store.cursor().execute("select count(*) from users").fetchone()[0]:
        st.info(
            "Chưa có tài khoản nào. Tạo tài khoản quản trị đầu tiên trên máy chủ: "
            "`python -m ingest users add TÊN --role admin --unit MÃ_ĐƠN_VỊ_CẤP_TỈNH` (docs/deploy.md).",
            icon=":material/info:",
        )
    if notice := st.session_state.get(NOTICE):
        st.warning(plain(notice), icon=":material/lock_clock:")  # may quote a provider's address
    with st.form("sign_in", clear_on_submit=True):  # the password does not linger in the session
        username = st.text_input("Tên đăng nhập", key="signin_user", autocomplete="username")
        password = st.text_input("Mật khẩu", type="password", key="signin_password", autocomplete="current-password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if submitted:
        try:
            user = authenticate(
                store.cursor(), attempts(), username, password, source=_source(), rehash=not read_only()
            )
        except SignInError as exc:
            st.error(plain(exc), icon=":material/error:")
        else:
            _start(user, "password")
            st.rerun()
    if _provider_configured():
        st.button("Đăng nhập bằng tài khoản cơ quan", on_click=st.login, icon=":material/badge:")
    if store.is_demo():
        from ingest.demo import DEMO_PASSWORD, DEMO_USERS

        accounts = "\n".join(f"- `{name}`: {label} ({role})" for name, label, role, _unit in DEMO_USERS)
        st.info(f"Dữ liệu minh họa. Tài khoản thử (mật khẩu `{DEMO_PASSWORD}`):\n{accounts}", icon=":material/info:")


def sign_out() -> None:
    session = sessions().get(st.session_state.get(SESSION))
    _end("Đã đăng xuất.")
    if session is not None and session.via == "oidc":
        st.logout()


def sidebar_account(user: User) -> None:
    scope = store.tree().get(user.unit_code)
    st.sidebar.caption(
        f"{plain(user.display_name)} · {user.role_label} · {plain(scope.name if scope else user.unit_code)}"
    )
    st.sidebar.button("Đăng xuất", on_click=sign_out, icon=":material/logout:", key="sign_out")


def refuse(message: str) -> None:
    """A plain refusal in place of the page: nothing of the data is shown. ``message`` is Markdown: text
    from the URL or the data in it is passed through ``ui.text.plain`` by the caller."""
    st.error(message, icon=":material/block:")
    user = current()
    if user is not None:
        st.page_link("pages/overview.py", label="Về trang của đơn vị mình", query_params={"unit": user.unit_code})
    st.stop()


def guard(unit_code: str) -> None:
    """Stop the run unless the signed-in account's scope holds this unit."""
    user = current()
    if user is None or not user.sees(store.tree(), unit_code):
        refuse(f"Không xem được đơn vị «{plain(unit_code)}»: đơn vị không có hoặc nằm ngoài phạm vi tài khoản của bạn.")


def require(action: str) -> User:
    """The signed-in account if it may do ``action`` (``upload``, ``admin``); else stop with a refusal."""
    user = current()
    if user is None or not user.can(action):
        refuse("Tài khoản của bạn không có quyền thực hiện thao tác này.")
    if read_only():
        refuse("Máy chủ này chỉ đọc bản xuất bản của dữ liệu; nộp báo cáo và quản trị trên máy chủ nhận báo cáo.")
    return user  # type: ignore[return-value]
