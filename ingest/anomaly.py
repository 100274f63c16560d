"""Figures that are possible but unlikely: warnings, never rejections.

A figure is compared, with a robust score (median and median absolute
deviation, which a single odd year cannot drag), against:

- the unit's own figures for the same quarter of earlier years: seasonality
  matters (admissions cluster before anniversaries and the year's end), which
  is where DHIS2's plain z-score and min-max checks fall short;
- peers of similar size (members within half to double) for the same period,
  by rate per 100 members.

Small counts are noisy: a departure must also be large in absolute terms
before it is worth a clerk's time. The warning says what was expected.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from reporting.catalog import BY_CODE

SCORE = 5.0  # robust deviations from the median
MIN_GAP = 8.0  # and at least this many (people, occurrences) away from it
MIN_HISTORY = 3  # years of the same quarter: two are too few to call anything unusual
MIN_PEERS = 5


@dataclass(frozen=True)
class Unusual:
    metric: str
    value: float
    low: float
    high: float
    basis: str  # "history" or "peers"


def robust_score(value: float, sample: list[float]) -> tuple[float, float]:
    """(score, median): how many robust deviations ``value`` lies from the sample's median."""
    median = statistics.median(sample)
    mad = statistics.median(abs(x - median) for x in sample)
    scale = max(1.4826 * mad, 1.0, 0.25 * abs(median))  # floors keep tiny or flat samples from flagging everything
    return abs(value - median) / scale, median


def unusual_against_history(values: dict[str, float], history: dict[str, list[float]]) -> list[Unusual]:
    found = []
    for metric, value in values.items():
        past = history.get(metric, [])
        if BY_CODE[metric].kind != "flow" or len(past) < MIN_HISTORY:
            continue
        score, median = robust_score(value, past)
        if score > SCORE and abs(value - median) >= MIN_GAP:
            found.append(Unusual(metric, value, min(past), max(past), "history"))
    return found


def unusual_against_peers(
    values: dict[str, float], members: float, peers: dict[str, list[tuple[float, float]]]
) -> list[Unusual]:
    """``peers``: metric → [(per 100 members, members)] of other units for the same period."""
    found = []
    if members <= 0:
        return found
    for metric, value in values.items():
        similar = [rate for rate, size in peers.get(metric, []) if members / 2 <= size <= members * 2]
        if BY_CODE[metric].kind != "flow" or len(similar) < MIN_PEERS:
            continue
        rate = 100 * value / members
        score, median = robust_score(rate, similar)
        expected = median * members / 100
        if score > SCORE and abs(value - expected) >= MIN_GAP:
            low, high = (min(similar) * members / 100, max(similar) * members / 100)
            found.append(Unusual(metric, value, low, high, "peers"))
    return found
