"""Signed-in sessions, kept in the serving process.

A session is a random 256-bit token; the browser keeps it in a cookie (so a
reload or a link opened in a new tab stays signed in) and the process keeps
only its SHA-256 with who signed in and when. Nothing about sessions is
written to the store: a restart signs everyone out, and a reader process of
a published copy (which cannot write) keeps sessions the same way. Behind a
proxy with several processes, each client sticks to one (docs/deploy.md).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Session:
    username: str
    signed_in_at: datetime
    last_seen: datetime
    via: str  # "password" or "oidc"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionRegistry:
    """Thread-safe map of token digests to sessions (one per process)."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, username: str, via: str, now: datetime) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[_digest(token)] = Session(username, now, now, via)
        return token

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            return self._sessions.get(_digest(token))

    def touch(self, token: str, now: datetime) -> None:
        with self._lock:
            key = _digest(token)
            if key in self._sessions:
                self._sessions[key] = replace(self._sessions[key], last_seen=now)

    def end(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._sessions.pop(_digest(token), None)

    def sweep(self, now: datetime, idle: timedelta, longest: timedelta) -> int:
        """Forget sessions that can no longer be used; returns how many."""
        with self._lock:
            stale = [
                key for key, s in self._sessions.items() if now - s.last_seen > idle or now - s.signed_in_at > longest
            ]
            for key in stale:
                del self._sessions[key]
        return len(stale)

    def __len__(self) -> int:
        return len(self._sessions)
