"""How long each script run took inside the server, for the benchmark (``make bench``).

AppTest's own wait loop adds tens of milliseconds to every rerun it drives, so the benchmark
reads the script's run time from here as well. Off unless ``RETURNS_TIMINGS`` is set.
"""

from __future__ import annotations

import os

RUNS: list[float] = []  # seconds, one per script run, in order


def enabled() -> bool:
    return bool(os.environ.get("RETURNS_TIMINGS"))


def record(seconds: float) -> None:
    if enabled():
        RUNS.append(seconds)
