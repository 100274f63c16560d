"""The store as the frame and the sign-in form need it: the process's connection, the store's
metadata and the registry tree, without pandas or the dashboards' modules.

Importing those costs about half a second on the benchmark machine, and the first run after a
server starts pays it before it can draw anything; the sign-in form needs none of it. ``ui.data``
(the figures) builds on this module and re-exports its functions for the pages.

DuckDB fails queries when threads share one connection (FIELD-NOTES.md), so every call takes its
own cursor. A reader process (``RETURNS_READ_ONLY=1``) opens a published copy read-only and follows
each new one the writer publishes: ``RETURNS_DB`` is then a link naming the newest copy
(``ingest.publish``), every call reads the link, and the store's path is the copy's own file, so a
new copy gets its own connection, its own DuckDB instance and its own cached figures. The
connection to an older copy is dropped from the cache, not closed: a query another session is
running on it finishes, and DuckDB closes the copy when its last cursor goes.
"""

from __future__ import annotations

import importlib
import threading
from datetime import date
from pathlib import Path

import duckdb
import streamlit as st

from ingest.publish import current_copy, read_only
from reporting import db, settings
from reporting.units import UnitTree

_served: dict[str, str] = {}  # published path -> the copy this process last served from it
_stamp_lock = threading.Lock()


def store_path() -> str:
    """The store's file; in a reader process, the newest published copy's own file."""
    path = str(db.db_path())
    if read_only():
        return _follow_published(path)
    return path


def _follow_published(path: str) -> str:
    """A reader process: the copy the published link names now. When it is a new one, the older
    copy's connection, registry tree and cached figures are dropped (sessions still reading it
    finish on it; every later call reads the new one)."""
    copy = str(current_copy(path))
    with _stamp_lock:
        seen = _served.get(path)
        _served[path] = copy
    if seen is not None and seen != copy:
        _retire(seen)
    return copy


def _retire(copy: str) -> None:
    _connection.clear(copy)
    tree_of.clear(copy)
    st.cache_data.clear()  # keyed by the copy's path: the old copy's entries would only take memory
    with _warm_lock:
        _warming.discard(copy)


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    if not Path(path).exists():
        raise db.StoreError(
            f"Chưa có cơ sở dữ liệu tại {path}. Chạy «make demo» (dữ liệu minh họa) hoặc nạp danh mục đơn vị."
        )
    con = db.connect(path, read_only=read_only())
    # DuckDB's default is 80% of the machine; the app's figures need far less (bench/RESULTS.md: peak RSS).
    con.execute(f"set memory_limit = '{int(settings.current().store_memory_mb)}MB'")
    return con


def cursor(path: str | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor of the process's connection; raises db.StoreError when there is no store."""
    path = path or store_path()
    try:
        return _connection(path).cursor()
    except db.StoreError:
        if not read_only() or path == store_path():
            raise
        # A run that began on a copy the writer has since deleted (three newer ones published
        # meanwhile): it goes on with the newest.
        return _connection(store_path()).cursor()


@st.cache_data(show_spinner=False)
def _meta(path: str) -> dict[str, str]:
    return dict(cursor(path).execute("select key, value from store_meta").fetchall())


def is_demo() -> bool:
    return _meta(store_path()).get("demo") == "true"


def today() -> date:
    """The demo store is a snapshot: its as-of date is "today" for it; otherwise the calendar's."""
    as_of = _meta(store_path()).get("as_of")
    return date.fromisoformat(as_of) if is_demo() and as_of else date.today()


@st.cache_resource(show_spinner=False)
def tree_of(path: str) -> UnitTree:
    return UnitTree.from_db(cursor(path))


def tree() -> UnitTree:
    return tree_of(store_path())


WARM_DELAY_S = 1.0
# What the first page after signing in needs beyond this module: pandas, DuckDB's Arrow, the figures.
WARM_MODULES = ("ui.data", "ui.widgets", "ui.charts")
_warming: set[str] = set()
_warm_lock = threading.Lock()


def warm() -> None:
    """Read the registry and import the dashboards' modules in the background, once per store, while
    the sign-in form waits.

    The form needs neither: the country's 135,000 units take 0.5 s to read and the modules as long to
    import (more while the browser draws the page). So the form is drawn first, and both are ready by
    the time the account is; the first page after signing in takes the tree from the cache (a call
    meanwhile waits for it) and the modules from ``sys.modules``.
    """
    path = store_path()
    with _warm_lock:
        if path in _warming:
            return
        _warming.add(path)
    # Started a second later: reading units and importing modules hold the GIL, and would hold up the
    # server thread sending the form to the browser (measured nationally: the form drawn up to 1 s later).
    timer = threading.Timer(WARM_DELAY_S, _warm, args=(path,))
    timer.daemon = True
    timer.start()


def _warm(path: str) -> None:
    try:
        tree_of(path)
        for module in WARM_MODULES:
            importlib.import_module(module)
    except Exception:  # the signed-in run does it again, and says what is wrong
        with _warm_lock:
            _warming.discard(path)
