"""Smaller points of issue 22: what a waiting account is told, and which peer is the local proxy."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from access import users
from reporting.settings import Settings
from reporting.units import UnitTree

NOW = datetime(2026, 11, 23, 9, 0)
PASSWORD = "mot-mat-khau-dai"
LIMITS = Settings(sign_in_max_failures=5, sign_in_wait_minutes=15)


@pytest.fixture
def clerk(store):
    return users.add_user(store, UnitTree.from_db(store), "can.bo", role="clerk", unit_code="X1", password=PASSWORD)


@pytest.mark.parametrize("kind", ["store", "memory"])
def test_an_account_that_never_failed_is_not_told_it_failed(store, clerk, kind):
    """An address that failed for many accounts waits; the account signing in from it never failed,
    and the refusal says the address is waiting, not that the account failed five times."""
    attempts = users.StoreAttempts(store) if kind == "store" else users.MemoryAttempts()
    for i in range(4 * 5):
        with pytest.raises(users.SignInError, match="không đúng"):
            users.authenticate(store, attempts, f"ten{i}", "sai", source="10.0.0.9", now=NOW, settings=LIMITS)
    with pytest.raises(users.SignInError) as caught:
        users.authenticate(store, attempts, "can.bo", PASSWORD, source="10.0.0.9", now=NOW, settings=LIMITS)
    message = str(caught.value)
    assert "10.0.0.9" in message and "thử lại sau 15 phút" in message
    assert "Tài khoản này" not in message and "5 lần" not in message
    # From elsewhere the account signs in: it never failed.
    assert users.authenticate(store, attempts, "can.bo", PASSWORD, source="10.0.0.10", now=NOW, settings=LIMITS)


def test_an_account_that_failed_is_told_how_often(store, clerk):
    attempts = users.MemoryAttempts()
    for i in range(6):
        with pytest.raises(users.SignInError, match="không đúng" if i < 5 else "sai 5 lần liên tiếp"):
            users.authenticate(store, attempts, "can.bo", "sai", now=NOW + timedelta(seconds=i), settings=LIMITS)
    # Trying again while waiting is one more failure, and the count says so.
    with pytest.raises(users.SignInError, match="Tài khoản này đã đăng nhập sai 6 lần liên tiếp"):
        users.authenticate(store, attempts, "can.bo", PASSWORD, now=NOW + timedelta(seconds=10), settings=LIMITS)


@pytest.mark.parametrize(
    ("peer", "forwarded", "counted"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        ("::1", "203.0.113.7", "203.0.113.7"),
        ("::ffff:127.0.0.1", "203.0.113.7", "203.0.113.7"),  # nginx to a dual-stack socket
        ("::ffff:127.0.0.2", "203.0.113.7", "203.0.113.7"),
        ("::ffff:127.0.0.1", " ::ffff:203.0.113.7 ", "203.0.113.7"),  # one client, one address
        ("::ffff:127.0.0.1", None, "127.0.0.1"),
        ("10.0.0.5", "203.0.113.7", "10.0.0.5"),  # not the local proxy: its header is not believed
        ("::ffff:10.0.0.5", "127.0.0.1", "10.0.0.5"),
        ("2001:db8::5", "203.0.113.7", "2001:db8::5"),
        ("không-phải-địa-chỉ", "203.0.113.7", "không-phải-địa-chỉ"),
        (None, "203.0.113.7", None),  # no client (AppTest)
    ],
)
def test_x_real_ip_is_believed_from_the_local_proxy_only(peer, forwarded, counted):
    from ui import auth

    assert auth.client_address(peer, forwarded) == counted


def test_the_sign_in_form_reads_the_address_through_the_same_rule(monkeypatch):
    from ui import auth

    context = SimpleNamespace(ip_address="::ffff:127.0.0.1", headers={"X-Real-Ip": "203.0.113.7"})
    monkeypatch.setattr(auth, "st", SimpleNamespace(context=context))
    assert auth._source() == "203.0.113.7"
