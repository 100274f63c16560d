"""Thresholds a province may set for itself (DOMAIN.md marks them **configurable**).

Read once from ``settings.toml`` in the project (or the file named by
``REPORTING_SETTINGS``); every key is optional and falls back to the default:

    due_days = 15                   # a return is due this many days after its period ends
    pace_ratio = 0.6                # lagging: admissions below 60% of the pro-rata pace
    weak_share = 0.2                # lagging: more than 20% of meetings rated Trung bình or Kém
    thematic_share = 0.1            # lagging: more than 10% of branches without a thematic meeting
    excellent_share_of_good = 0.2   # year-end warning: "excellent" above 20% of "good"
    session_idle_minutes = 30       # a session ends after this long without use
    session_max_hours = 12          # and this long after signing in, in any case
    sign_in_max_failures = 5        # failed sign-ins for one account before it waits
    sign_in_wait_minutes = 15       # how long it waits (and the window failures are counted in)
    store_memory_mb = 512           # DuckDB's memory for the app's connection (it spills beyond)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    due_days: int = 15
    pace_ratio: float = 0.6
    weak_share: float = 0.2
    thematic_share: float = 0.1
    excellent_share_of_good: float = 0.2
    session_idle_minutes: float = 30
    session_max_hours: float = 12
    sign_in_max_failures: int = 5
    sign_in_wait_minutes: float = 15
    store_memory_mb: int = 512


class SettingsError(ValueError):
    """The settings file names an unknown key or a value of the wrong type."""


def load(path: Path | str | None = None) -> Settings:
    """Settings from a TOML file; a missing file gives the defaults."""
    path = Path(path or os.environ.get("REPORTING_SETTINGS") or PROJECT_ROOT / "settings.toml")
    if not path.exists():
        return Settings()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    known = {f.name: f.type for f in fields(Settings)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise SettingsError(f"{path}: khóa không hợp lệ: {', '.join(unknown)}. Các khóa dùng được: {', '.join(known)}.")
    for key, value in data.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise SettingsError(f"{path}: «{key}» phải là một số.")
    return Settings(**data)


@cache
def current() -> Settings:
    return load()
