"""Accounts, roles and signing in.

Passwords are hashed with argon2id (``argon2-cffi``, the algorithm OWASP
recommends first; its parameters travel inside each hash, so they can be
raised later and old hashes rehashed on the next sign-in). Failed sign-ins
are counted per account and per client address; past the limit an account
waits before it may try again. Every attempt is recorded.

Roles, from least to most: ``viewer`` reads dashboards and briefings;
``clerk`` also uploads and checks returns; ``admin`` also manages accounts
and period locks. Every account has a unit scope: that unit's subtree.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Literal, Protocol

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from reporting.settings import Settings
from reporting.settings import current as current_settings
from reporting.units import UnitTree

Role = Literal["viewer", "clerk", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "clerk", "admin")
ROLE_LABEL: dict[str, str] = {"viewer": "Người xem", "clerk": "Cán bộ nhận báo cáo", "admin": "Quản trị"}
# What each role may do, beyond reading its scope.
_CAN: dict[str, set[str]] = {"viewer": set(), "clerk": {"upload"}, "admin": {"upload", "admin"}}
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")

log = logging.getLogger("access")
_hasher = PasswordHasher()  # argon2id, the library's defaults (RFC 9106 low-memory profile)


@cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so that a wrong name costs as long as a wrong password.

    Made at the first sign-in, not at import: hashing costs about 0.15 s, which every cold start would pay.
    """
    return _hasher.hash("not a password of anyone")


class AccessError(ValueError):
    """An account operation that cannot be done; the message is Vietnamese."""


class SignInError(AccessError):
    """A sign-in refused; the message says why without telling which part was wrong."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: Role
    unit_code: str
    active: bool = True
    password_changed_at: datetime | None = None
    has_password: bool = True

    def can(self, action: str) -> bool:
        """``upload`` (clerk, admin) or ``admin`` (admin)."""
        return self.active and action in _CAN[self.role]

    def sees(self, tree: UnitTree, unit_code: str) -> bool:
        """Whether a unit lies in this account's scope."""
        return unit_code in tree and tree.within(unit_code, self.unit_code)

    @property
    def role_label(self) -> str:
        return ROLE_LABEL[self.role]


def normalize(username: str) -> str:
    return (username or "").strip().lower()


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise AccessError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")
    return _hasher.hash(password)


# --- accounts in the store ----------------------------------------------------------


def _row_to_user(row: tuple) -> User:
    username, display_name, role, unit_code, active, changed, has_password = row
    return User(username, display_name, role, unit_code, bool(active), changed, bool(has_password))


_SELECT = (
    "select username, display_name, role, unit_code, active, password_changed_at, password_hash is not null from users"
)


def get_user(con: duckdb.DuckDBPyConnection, username: str) -> User | None:
    row = con.execute(f"{_SELECT} where username = $u", {"u": normalize(username)}).fetchone()
    return _row_to_user(row) if row else None


def list_users(con: duckdb.DuckDBPyConnection, tree: UnitTree | None = None, scope: str | None = None) -> list[User]:
    """Accounts, by unit then name; only those whose unit lies in ``scope`` when given."""
    users = [_row_to_user(r) for r in con.execute(f"{_SELECT} order by unit_code, username").fetchall()]
    if scope is not None and tree is not None:
        users = [u for u in users if u.unit_code in tree and tree.within(u.unit_code, scope)]
    return users


def _audit(con: duckdb.DuckDBPyConnection, actor: str, action: str, unit: str | None, detail: str) -> None:
    from ingest.registry import log_action  # only here: signing in does not import the registry's reader (pandas)

    log_action(con, actor, action, None, detail, unit_code=unit)


def _check_fields(tree: UnitTree, role: str, unit_code: str) -> None:
    if role not in ROLES:
        raise AccessError(f"Vai trò «{role}» không hợp lệ; dùng một trong: {', '.join(ROLES)}.")
    if unit_code not in tree:
        raise AccessError(f"Mã đơn vị «{unit_code}» không có trong danh mục đơn vị.")


def add_user(
    con: duckdb.DuckDBPyConnection,
    tree: UnitTree,
    username: str,
    *,
    role: str,
    unit_code: str,
    password: str | None,
    display_name: str | None = None,
    actor: str = "cli",
) -> User:
    """Create an account. ``password`` None: the account signs in only through the identity provider."""
    username = normalize(username)
    if not _USERNAME.match(username):
        raise AccessError(
            f"Tên đăng nhập «{username}» không hợp lệ: 2–64 ký tự, chữ thường không dấu, số và . _ @ - "
            "(ví dụ: nguyenvana hoặc a.nguyen@tinhuy.vn)."
        )
    _check_fields(tree, role, unit_code)
    if get_user(con, username):
        raise AccessError(f"Tài khoản «{username}» đã có.")
    hashed = hash_password(password) if password is not None else None
    now = datetime.now()
    con.execute("begin transaction")
    try:
        con.execute(
            "insert into users values ($u, $n, $r, $unit, $h, true, $now, $now)",
            {"u": username, "n": display_name or username, "r": role, "unit": unit_code, "h": hashed, "now": now},
        )
        _audit(con, actor, "user_added", unit_code, f"Tạo tài khoản {username} ({ROLE_LABEL[role]})")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return get_user(con, username)  # type: ignore[return-value]


def _require(con: duckdb.DuckDBPyConnection, username: str) -> User:
    user = get_user(con, username)
    if user is None:
        raise AccessError(f"Không có tài khoản «{normalize(username)}».")
    return user


def set_password(con: duckdb.DuckDBPyConnection, username: str, password: str, actor: str = "cli") -> None:
    """Set a new password; every open session of the account ends."""
    user = _require(con, username)
    hashed = hash_password(password)
    con.execute("begin transaction")
    con.execute(
        "update users set password_hash = $h, password_changed_at = $now where username = $u",
        {"h": hashed, "now": datetime.now(), "u": user.username},
    )
    _audit(con, actor, "password_set", user.unit_code, f"Đặt mật khẩu mới cho {user.username}")
    con.execute("commit")


def set_active(con: duckdb.DuckDBPyConnection, username: str, active: bool, actor: str = "cli") -> None:
    """Disable (or enable again) an account; a disabled account's sessions end at their next click."""
    user = _require(con, username)
    con.execute("begin transaction")
    con.execute("update users set active = $a where username = $u", {"a": active, "u": user.username})
    _audit(
        con,
        actor,
        "user_enabled" if active else "user_disabled",
        user.unit_code,
        f"{'Mở lại' if active else 'Khóa'} tài khoản {user.username}",
    )
    con.execute("commit")


def update_user(
    con: duckdb.DuckDBPyConnection, tree: UnitTree, username: str, *, role: str, unit_code: str, actor: str
) -> None:
    """Change an account's role or scope."""
    user = _require(con, username)
    _check_fields(tree, role, unit_code)
    con.execute("begin transaction")
    con.execute(
        "update users set role = $r, unit_code = $unit where username = $u",
        {"r": role, "unit": unit_code, "u": user.username},
    )
    _audit(con, actor, "user_changed", unit_code, f"{user.username}: {ROLE_LABEL[role]}, phạm vi {unit_code}")
    con.execute("commit")


# --- signing in -----------------------------------------------------------------------


class AttemptLog(Protocol):
    """Where sign-in attempts are counted: the store, or memory in a read-only process."""

    def record(self, username: str, ok: bool, source: str | None, at: datetime) -> None: ...
    def failures(self, username: str | None, source: str | None, since: datetime) -> list[datetime]: ...


class StoreAttempts:
    """Attempts kept in the store (the writing process), each also in the audit log."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def record(self, username: str, ok: bool, source: str | None, at: datetime) -> None:
        self.con.execute("begin transaction")
        self.con.execute(
            "insert into sign_in_attempts (username, attempted_at, ok, source) values ($u, $at, $ok, $s)",
            {"u": username[:64], "at": at, "ok": ok, "s": source},
        )
        _audit(
            self.con,
            username[:64],
            "sign_in" if ok else "sign_in_failed",
            None,
            f"Đăng nhập {'thành công' if ok else 'không thành công'} từ {source or 'không rõ'}",
        )
        self.con.execute("commit")

    def failures(self, username: str | None, source: str | None, since: datetime) -> list[datetime]:
        """Failures since ``since`` and since the last success, for one account or one address."""
        column, value = ("username", username) if username is not None else ("source", source)
        rows = self.con.execute(
            f"""
            select attempted_at from sign_in_attempts
            where {column} = $v and not ok and attempted_at >= $since
              and attempted_at > coalesce(
                  (select max(attempted_at) from sign_in_attempts where {column} = $v and ok), '-infinity'::timestamp)
            order by attempted_at
            """,
            {"v": value, "since": since},
        ).fetchall()
        return [r[0] for r in rows]


class MemoryAttempts:
    """Attempts kept in this process (a reader of a read-only copy cannot write); logged to the server log."""

    def __init__(self) -> None:
        self._rows: list[tuple[str, datetime, bool, str | None]] = []
        self._lock = threading.Lock()

    def record(self, username: str, ok: bool, source: str | None, at: datetime) -> None:
        with self._lock:
            self._rows.append((username[:64], at, ok, source))
            self._rows = self._rows[-10_000:]
        log.warning("sign-in %s for %r from %s", "ok" if ok else "FAILED", username[:64], source)

    def failures(self, username: str | None, source: str | None, since: datetime) -> list[datetime]:
        with self._lock:
            rows = [r for r in self._rows if (r[0] == username if username is not None else r[3] == source)]
        last_ok = max((r[1] for r in rows if r[2]), default=datetime.min)
        return sorted(r[1] for r in rows if not r[2] and r[1] >= since and r[1] > last_ok)


def _wait_until(failed: list[datetime], limit: int, wait: timedelta) -> datetime | None:
    if len(failed) < limit:
        return None
    return failed[-1] + wait


def authenticate(
    con: duckdb.DuckDBPyConnection,
    attempts: AttemptLog,
    username: str,
    password: str,
    *,
    source: str | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
    rehash: bool = True,
) -> User:
    """The account for these credentials, or SignInError. Every attempt is recorded."""
    settings = settings or current_settings()
    now = now or datetime.now()
    name = normalize(username)
    window = timedelta(minutes=settings.sign_in_wait_minutes)
    limit = int(settings.sign_in_max_failures)
    account_failed = attempts.failures(name, None, now - window)
    for until, by_address in (
        (_wait_until(account_failed, limit, window), False),
        # One address trying many accounts waits too (four times the per-account allowance).
        (_wait_until(attempts.failures(None, source, now - window), 4 * limit, window) if source else None, True),
    ):
        if until is not None and until > now:
            minutes = max(1, -(-int((until - now).total_seconds()) // 60))
            attempts.record(name or "?", False, source, now)
            # The account itself may never have failed when its address waits: then the address is named.
            # (Small counts read the same without the number formatter, which the sign-in form does not import.)
            if by_address:
                raise SignInError(
                    f"Có quá nhiều lần đăng nhập sai từ địa chỉ mạng của bạn ({source}); vui lòng thử lại sau "
                    f"{minutes} phút. Nếu nhiều người dùng chung địa chỉ này, liên hệ quản trị."
                )
            raise SignInError(
                f"Tài khoản này đã đăng nhập sai {len(account_failed)} lần trong "
                f"{settings.sign_in_wait_minutes} phút qua; vui lòng thử lại sau "
                f"{minutes} phút hoặc liên hệ quản trị để đặt lại mật khẩu."
            )
    row = con.execute("select password_hash, active from users where username = $u", {"u": name}).fetchone()
    stored = row[0] if row and row[0] else _dummy_hash()
    try:
        ok = _hasher.verify(stored, password or "") and row is not None and row[0] is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if ok and not row[1]:
        attempts.record(name, False, source, now)
        raise SignInError("Tài khoản đã bị khóa. Liên hệ quản trị của Ban Tổ chức.")
    attempts.record(name or "?", ok, source, now)
    if not ok:
        raise SignInError("Tên đăng nhập hoặc mật khẩu không đúng.")
    if rehash and _hasher.check_needs_rehash(stored):
        con.execute("update users set password_hash = $h where username = $u", {"h": _hasher.hash(password), "u": name})
    return get_user(con, name)  # type: ignore[return-value]


def provider_user(con: duckdb.DuckDBPyConnection, email: str | None) -> User:
    """The account of someone the identity provider signed in (by e-mail), or SignInError."""
    user = get_user(con, email or "") if email else None
    if user is None:
        raise SignInError(
            f"Tài khoản «{email or 'không rõ'}» đã được xác thực nhưng chưa được cấp quyền trong hệ thống. "
            "Đề nghị quản trị tạo tài khoản với đúng địa chỉ thư điện tử này."
        )
    if not user.active:
        raise SignInError("Tài khoản đã bị khóa. Liên hệ quản trị của Ban Tổ chức.")
    return user
