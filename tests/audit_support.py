"""Support for the outside-in audit (tests/test_audit.py).

Two halves that never meet except in the comparison:

* ``Truth``: every figure recomputed in plain pandas from ``observations`` and the registry's
  tables (``units``, ``unit_map`` as the tree, ``target_totals`` for the annual targets,
  ``submissions`` for who returned what). Nothing here calls the product's reporting code; the
  rules are the README's, written out again: flows add up over the span's returns and the subtree's
  units (times their share), opening stocks come from each unit's first return in the span (units
  active on the span's first day), closing stocks from each unit's last return (units active on its
  last day), percents are averaged over the rows. A figure nobody reported is ``None``.
* Readers of what the product shows, as text: every element of an AppTest run (metric cards,
  tables as displayed, captions, markdown, Plotly data), the .xlsx of every table download, the
  briefing's .docx and its appendix.

``fmt_number`` / ``fmt_percent`` (reporting/numbers.py) are used to write the expected figures as
text: that is the product's one formatter (a contract), not a computation of figures.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from urllib.parse import parse_qs, urlparse

import numpy as np
import pandas as pd
import pyarrow as pa

from reporting.numbers import fmt_number, fmt_percent

MISSING = "–"

# The metric vocabulary as DOMAIN.md §3 gives it (stocks vs flows), written out here on purpose.
OPENING = {"members_opening", "probationary_opening"}
CLOSING = {
    "members_closing",
    "probationary_closing",
    "branch_members",
    *(f"org_rating_{x}" for x in ("excellent", "good", "completed", "not_completed")),
    *(f"member_rating_{x}" for x in ("excellent", "good", "completed", "not_completed")),
    "member_not_rated",
}
PERCENT = {"attendance_pct"}
BRANCH_METRICS = {
    "branch_members", "regular_meetings", "thematic_meetings", "rating_good", "rating_fair",
    "rating_average", "rating_poor", "attendance_pct", "upper_attended",
}  # fmt: skip
RATINGS = {"rating_good": "Tốt", "rating_fair": "Khá", "rating_average": "Trung bình", "rating_poor": "Kém"}
INSPECT = {
    "inspect": "Kiểm tra",
    "inspect_signs": "Kiểm tra khi có dấu hiệu vi phạm",
    "supervise": "Giám sát chuyên đề",
}
WHO = {"org": "tổ chức đảng", "member": "đảng viên"}
DISC_MEMBER = {
    "disc_member_reprimand": "khiển trách",
    "disc_member_warning": "cảnh cáo",
    "disc_member_dismissal": "cách chức",
    "disc_member_expulsion": "khai trừ",
}
DISC_ORG = {"disc_org_reprimand": "khiển trách", "disc_org_warning": "cảnh cáo", "disc_org_dissolution": "giải tán"}
MOVE_IN = {"readmitted": "kết nạp lại", "transfer_in": "chuyển đến"}
MOVE_OUT = {
    "deceased": "từ trần",
    "expelled": "khai trừ",
    "struck_off": "xóa tên",
    "resigned": "xin ra khỏi Đảng",
    "transfer_out": "chuyển đi",
}
DUE_DAYS = 15  # README: the due date is 15 days after the period


@dataclass(frozen=True)
class Span:
    year: int
    view: str  # the URL's view
    start: date
    end: date
    label: str

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def ytd(self) -> Span:
        return Span(self.year, "YTD", date(self.year, 1, 1), self.end, f"YTD {self.label}")

    def last_year(self) -> Span:
        return Span(
            self.year - 1, self.view, self.start.replace(year=self.year - 1), self.end.replace(year=self.year - 1),
            f"{self.label} (năm trước)",
        )  # fmt: skip


def quarter_span(year: int, q: int) -> Span:
    start = date(year, 3 * q - 2, 1)
    end = (date(year, 3 * q, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Span(year, f"Q{q}", start, end, f"Q{q}/{year}")


SPANS = {
    "Q3/2026": quarter_span(2026, 3),
    "9M/2026": Span(2026, "9M", date(2026, 1, 1), date(2026, 9, 30), "9M/2026"),
    "Y/2025": Span(2025, "Y", date(2025, 1, 1), date(2025, 12, 31), "Y/2025"),
    "Q2/2025": quarter_span(2025, 2),
}


def missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def add(*values: float | None) -> float | None:
    """The sum of the figures that were reported; None when none was."""
    present = [v for v in values if not missing(v)]
    return float(sum(present)) if present else None


def share(part: float | None, whole: float | None, scale: float = 100) -> float | None:
    if missing(part) or missing(whole) or not whole:
        return None
    return scale * part / whole


def half_up(value: float, decimals: int) -> float:
    """Rounded half-up, as people round by hand (written here again, not the product's)."""
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def count_text(value: float | None) -> str:
    return MISSING if missing(value) else fmt_number(value)


def percent_text(value: float | None, decimals: int = 1) -> str:
    return MISSING if missing(value) else fmt_percent(value, decimals)


def decimal_text(value: float | None) -> str:
    return MISSING if missing(value) else fmt_number(value, 2)


# ----------------------------------------------------------------------------------------------
# The independent recomputation
# ----------------------------------------------------------------------------------------------


class Truth:
    """Figures recomputed from the store's raw tables with pandas."""

    def __init__(self, con, today: date):
        self.today = today
        self.obs = con.execute("select unit_code, period_start, period_end, metric, value from observations").df()
        for c in ("period_start", "period_end"):
            self.obs[c] = pd.to_datetime(self.obs[c]).dt.date
        self.map = con.execute(
            "select history, ancestor_code, unit_code, share, depth, mapped, sends, active_from, active_to from unit_map"
        ).df()
        for c in ("active_from", "active_to"):
            self.map[c] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in self.map[c]]
        self.units = con.execute("select code, name, org_type, parent_code, active_from, active_to from units").df()
        for c in ("active_from", "active_to"):
            self.units[c] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in self.units[c]]
        self.units = self.units.set_index("code")
        self.labels = dict(con.execute("select code, label from metrics").fetchall())  # the catalog's words
        self.targets = con.execute("select history, year, group_code, admission_target from target_totals").df()
        self.subs = con.execute(
            "select unit_code, period_start, period_end, status, superseded_by, received_at from submissions"
        ).df()
        for c in ("period_start", "period_end"):
            self.subs[c] = pd.to_datetime(self.subs[c]).dt.date
        self._by_unit = {code: rows for code, rows in self.obs.groupby("unit_code")}
        self._subtrees = {key: g for key, g in self.map.groupby(["history", "ancestor_code"])}
        # the registry's successions (old unit → new unit, the share that passed): a commune formed at
        # the merger whose first return is missing is estimated from its predecessors' closings
        self.lineage = con.execute("select predecessor_code, successor_code, share from unit_lineage").df()

    # --- the tree ---------------------------------------------------------------------------

    def name(self, code: str) -> str:
        return str(self.units.loc[code, "name"])

    def org_type(self, code: str) -> str:
        return str(self.units.loc[code, "org_type"])

    def is_branch(self, code: str) -> bool:
        return "branch" in self.org_type(code)

    def reports(self, code: str) -> bool:
        return bool(((self.map["unit_code"] == code) & self.map["sends"]).any())

    def active(self, code: str, day: date) -> bool:
        u = self.units.loc[code]
        return (u.active_from is None or u.active_from <= day) and (u.active_to is None or u.active_to >= day)

    def months_owed(self, branch: str, history: str, span) -> int:
        """The months of the span a branch owes a regular meeting in: as reported, those in which its
        committee (the nearest unit above it that sends returns) existed on some day; on today's
        units the whole span, its committee carrying its predecessors' branches."""
        if history == "today":
            return span.months
        owner = self.units.loc[branch, "parent_code"]
        while owner is not None and not self.reports(owner):
            owner = self.units.loc[owner, "parent_code"]
        if owner is None:
            return span.months
        u = self.units.loc[owner]
        first = max(span.start, u.active_from or span.start)
        last = min(span.end, u.active_to or span.end)
        return 0 if last < first else (last.year - first.year) * 12 + last.month - first.month + 1

    def history_of(self, code: str, history: str) -> str:
        """A closed unit's figures are always read as reported (it has none of its own on today's units)."""
        return history if self.active(code, self.today) else "reported"

    @cache  # noqa: B019 (one Truth per test module)
    def subtree(self, code: str, history: str) -> pd.DataFrame:
        found = self._subtrees.get((history, code))
        if found is None:
            return self.map.iloc[:0][["unit_code", "share", "active_from", "active_to", "sends", "depth", "mapped"]]
        return found[["unit_code", "share", "active_from", "active_to", "sends", "depth", "mapped"]].reset_index(
            drop=True
        )

    def children(self, code: str, history: str, span: Span) -> list[str]:
        """The children a page lists: on today's units those of today's tree active today; as
        reported the registry's children active on some day of the span."""
        if history == "today":
            m = self.map
            rows = m[(m["history"] == "today") & (m["ancestor_code"] == code) & (m["depth"] == 1) & ~m["mapped"]]
            kids = [c for c in rows["unit_code"] if self.active(c, self.today)]
        else:
            u = self.units
            rows = u[u["parent_code"] == code]
            kids = [
                c
                for c, r in rows.iterrows()
                if (r.active_from is None or r.active_from <= span.end)
                and (r.active_to is None or r.active_to >= span.start)
            ]
        return sorted(kids)

    # --- figures ----------------------------------------------------------------------------

    @cache  # noqa: B019 (one Truth per test module)
    def _all_joined(self, history: str) -> dict[str, pd.DataFrame]:
        """Per unit of the view: every row of ``observations`` in its subtree, with each reporting
        unit's share and dates (one merge for the whole tree, split by ancestor)."""
        joined = self._joined_frame(history)
        return {code: g.drop(columns="ancestor_code") for code, g in joined.groupby("ancestor_code", sort=False)}

    @cache  # noqa: B019 (one Truth per test module)
    def _joined_frame(self, history: str) -> pd.DataFrame:
        m = self.map[self.map["history"] == history][
            ["ancestor_code", "unit_code", "share", "active_from", "active_to"]
        ]
        m = m.assign(
            active_from=pd.to_datetime(pd.Series(m["active_from"], dtype=object)),
            active_to=pd.to_datetime(pd.Series(m["active_to"], dtype=object)),
        )
        obs = self.obs.assign(
            period_start=pd.to_datetime(self.obs["period_start"]), period_end=pd.to_datetime(self.obs["period_end"])
        )
        return m.merge(obs, on="unit_code", how="inner")

    def _joined(self, code: str, history: str) -> pd.DataFrame:
        found = self._all_joined(history).get(code)
        if found is None:
            return pd.DataFrame(
                columns=[
                    "unit_code",
                    "share",
                    "active_from",
                    "active_to",
                    "period_start",
                    "period_end",
                    "metric",
                    "value",
                ]
            )
        return found

    @cache  # noqa: B019 (one Truth per test module)
    def rows(self, code: str, history: str, span: Span) -> pd.DataFrame:
        j = self._joined(code, history)
        start, end = pd.Timestamp(span.start), pd.Timestamp(span.end)
        rows = j[(j["period_start"] >= start) & (j["period_end"] <= end)]
        af, at = rows["active_from"], rows["active_to"]
        return rows.assign(
            opens=(af.isna() | (af <= start)) & (at.isna() | (at >= start)),
            closes=(af.isna() | (af <= end)) & (at.isna() | (at >= end)),
        )

    @cache  # noqa: B019 (one Truth per test module)
    def _branch_quarters(self, history: str) -> dict[tuple[str, int, int], tuple[float, float]]:
        """Per branch of the view and calendar quarter with a return: (regular, thematic meetings)."""
        branches = set(self.units.index[self.units["org_type"].str.contains("branch")])
        j = self._joined_frame(history)
        j = j[j["ancestor_code"].isin(branches)]
        j = j.assign(
            y=j["period_start"].dt.year,
            q=(j["period_start"].dt.month - 1) // 3 + 1,
            w=(j["value"] * j["share"]).where(j["metric"].isin(["regular_meetings", "thematic_meetings"]), 0.0),
            kind=j["metric"].where(j["metric"].isin(["regular_meetings", "thematic_meetings"]), "other"),
        )
        table = j.groupby(["ancestor_code", "y", "q", "kind"])["w"].sum().unstack("kind", fill_value=0.0)
        for c in ("regular_meetings", "thematic_meetings"):
            if c not in table:
                table[c] = 0.0
        return {
            (code, int(y), int(q)): (float(r), float(t))
            for (code, y, q), r, t in zip(
                table.index, table["regular_meetings"], table["thematic_meetings"], strict=True
            )
        }

    @cache  # noqa: B019 (one Truth per test module)
    def figures(self, code: str, history: str, span: Span) -> dict[str, float]:
        """Every metric reported for the unit's subtree over the span; a metric nobody reported is absent."""
        rows = self.rows(code, history, span)
        if rows.empty:
            return {}
        rows = rows.assign(weighted=rows["value"] * rows["share"])
        out: dict[str, float] = {}
        flows = rows[~rows["metric"].isin(OPENING | CLOSING | PERCENT)]
        out.update(flows.groupby("metric")["weighted"].sum().to_dict())
        percents = rows[rows["metric"].isin(PERCENT)]
        for metric, g in percents.groupby("metric"):  # in decimals: a mean of 91,4 and 91,5 is 91,45 exactly
            total = sum(
                Decimal(repr(float(v))) * Decimal(repr(float(w))) for v, w in zip(g["value"], g["share"], strict=True)
            )
            out[metric] = float(total / sum(Decimal(repr(float(w))) for w in g["share"]))
        # opening stocks: each unit's first return in the span, units active on its first day
        opening = rows[rows["metric"].isin(OPENING) & rows["opens"]].sort_values("period_start")
        opening = opening.drop_duplicates(["unit_code", "metric"], keep="first")
        out.update(opening.groupby("metric")["weighted"].sum().to_dict())
        # closing stocks: each unit's last return in the span, units active on its last day
        closing = rows[rows["metric"].isin(CLOSING) & rows["closes"]].sort_values("period_end")
        closing = closing.drop_duplicates(["unit_code", "metric"], keep="last")
        out.update(closing.groupby("metric")["weighted"].sum().to_dict())
        return {k: float(v) for k, v in out.items()}

    def fig(self, code: str, history: str, span: Span, metric: str) -> float | None:
        return self.figures(code, history, span).get(metric)

    def target(self, code: str, history: str, year: int) -> float | None:
        t = self.targets
        found = t[(t["history"] == history) & (t["year"] == year) & (t["group_code"] == code)]["admission_target"]
        return float(found.iloc[0]) if len(found) else None

    # --- derived figures as the pages name them -----------------------------------------------

    def derived(self, code: str, history: str, span: Span, key: str) -> float | None:
        if key in (
            "missed_regular",
            "quarters_without_thematic",
            "branches_reported",
            "branches_missed_regular",
            "branches_no_thematic",
            "ytd_admitted",
            "ytd_candidates",
            "target",
            "pct_of_target",
        ):
            f = {}
        else:
            f = self.figures(code, history, span)
        if key == "ytd_admitted":
            return self.fig(code, history, span.ytd(), "admitted")
        if key == "ytd_candidates":
            return self.fig(code, history, span.ytd(), "candidates_trained")
        if key == "target":
            return self.target(code, history, span.year)
        if key == "pct_of_target":
            return share(self.fig(code, history, span.ytd(), "admitted"), self.target(code, history, span.year))
        if key == "net_members":
            if missing(f.get("members_closing")) or missing(f.get("members_opening")):
                return None
            return f["members_closing"] - f["members_opening"]
        if key in INSPECT:
            return add(f.get(f"{key}_org"), f.get(f"{key}_member"))
        if key == "inspections":
            return add(*(f.get(f"{k}_{w}") for k in INSPECT for w in WHO))
        if key == "violations":
            return add(f.get("violation_org"), f.get("violation_member"))
        if key == "violation_pct":
            inspected = add(*(f.get(f"{k}_{w}") for k in ("inspect", "inspect_signs") for w in WHO))
            return share(self.derived(code, history, span, "violations"), inspected)
        if key == "disc_members":
            return add(*(f.get(c) for c in DISC_MEMBER))
        if key == "disc_orgs":
            return add(*(f.get(c) for c in DISC_ORG))
        if key == "discipline":
            return add(*(f.get(c) for c in (*DISC_MEMBER, *DISC_ORG)))
        if key == "per_1000":
            return share(self.derived(code, history, span, "disc_members"), f.get("members_closing"), 1000)
        if key == "rated":
            return add(*(f.get(c) for c in RATINGS))
        if key.endswith("_pct") and key[: -len("_pct")] in RATINGS:
            return share(f.get(key[: -len("_pct")]), self.derived(code, history, span, "rated"))
        if key == "missed_regular":  # a branch: months without a regular meeting
            quarters = self._quarters_of_branch(code, history, span)
            if not quarters:
                return None
            return max(self.months_owed(code, history, span) - sum(regular for regular, _ in quarters), 0.0)
        if key == "quarters_without_thematic":
            if not self.branch_reported(code, history, span):
                return None
            return float(sum(1 for q in quarters_of(span) if self.quarter_without_thematic(code, history, q)))
        if key == "branches_reported":  # above a branch: branches with a return in the span
            return float(len(self.reported_branches(code, history, span)))
        if key == "branches_missed_regular":
            return float(
                sum(
                    self.derived(b, history, span, "missed_regular") > 0
                    for b in self.reported_branches(code, history, span)
                )
            )
        if key == "branches_no_thematic":
            return float(
                sum(
                    self.derived(b, history, span, "quarters_without_thematic") > 0
                    for b in self.reported_branches(code, history, span)
                )
            )
        return f.get(key)

    def _quarters_of_branch(self, code: str, history: str, span: Span) -> list[tuple[float, float]]:
        table = self._branch_quarters(history)
        return [table[k] for q in quarters_of(span) if (k := (code, q.year, int(q.view[1]))) in table]

    def branch_reported(self, code: str, history: str, span: Span) -> bool:
        return bool(self._quarters_of_branch(code, history, span))

    def quarter_without_thematic(self, code: str, history: str, q: Span) -> bool:
        found = self._branch_quarters(history).get((code, q.year, int(q.view[1])))
        return found is not None and not found[1]

    def reported_branches(self, code: str, history: str, span: Span) -> list[str]:
        """Branches in the view under the unit (today's branches on today's units) with a return in the span."""
        if self.is_branch(code):
            return [code] if self.branch_reported(code, history, span) else []
        sub = self.subtree(code, history)
        branches = [
            c for c, mapped in zip(sub["unit_code"], sub["mapped"], strict=True) if not mapped and self.is_branch(c)
        ]
        return [b for b in branches if self.branch_reported(b, history, span)]

    # --- returns ----------------------------------------------------------------------------

    def senders(self, code: str, history: str) -> list[str]:
        sub = self.subtree(code, history)
        return sorted(sub[sub["sends"]]["unit_code"])

    def closing_date(self, span: Span) -> date:
        """The span's effective closing date: its end, or the last day of the last quarter that has
        ended by today (30/09 for a year still open in November), when that is earlier."""
        first_of_quarter = date(self.today.year, (self.today.month - 1) // 3 * 3 + 1, 1)
        return min(span.end, first_of_quarter - timedelta(days=1))

    def _last_closing(self, unit: str, metric: str, before: date) -> float | None:
        rows = self._by_unit.get(unit)
        if rows is None:
            return None
        rows = rows[(rows["metric"] == metric) & (rows["period_end"] < before)]
        return None if rows.empty else float(rows.sort_values("period_end")["value"].iloc[-1])

    def coverage(self, code: str, history: str, span: Span, metric: str = "members_closing") -> tuple[int, int, float]:
        """(reporting units that gave the stock, reporting units that owe it, what the estimate adds
        to the as-reported figure ``fig``), README "Missing is never zero".

        An opening stock is owed by the reporting units active on the span's first day and given in
        a return that starts that day; a closing stock is owed by those active on its last day and
        given in a return that ends on or after the span's closing date (``closing_date``). A unit
        that did not give it counts, times its share, with its latest closing before the first day
        (an opening) or the closing date (a closing), or when it has none with the sum of its
        predecessors' (unit_lineage, times the share that passed); the as-reported figure already
        holds its figure from a return in the span that does not reach the date, which is taken off.
        """
        opening = metric.endswith("_opening")
        closing_metric = metric.replace("_opening", "_closing")
        as_of = self.closing_date(span)
        day = span.start if opening else span.end
        before = span.start if opening else max(as_of, span.start)
        sub = self.subtree(code, history)
        due = [(r.unit_code, r.share) for r in sub.itertuples() if r.sends and _active(r.active_from, r.active_to, day)]
        have = 0
        added = 0.0
        for unit, weight in due:
            rows = self._by_unit.get(unit)
            mine = None if rows is None else rows[rows["metric"] == metric]
            if mine is not None:
                mine = mine[(mine["period_start"] >= span.start) & (mine["period_end"] <= span.end)]
            if mine is not None and not mine.empty:
                given = (mine["period_start"] == span.start).any() if opening else (mine["period_end"] >= as_of).any()
                if given:
                    have += 1
                    continue
                ordered = mine.sort_values("period_start" if opening else "period_end")["value"]
                in_figure = float(ordered.iloc[0] if opening else ordered.iloc[-1])
            else:
                in_figure = 0.0
            carried = self._last_closing(unit, closing_metric, before)
            if carried is None:
                preds = self.lineage[self.lineage["successor_code"] == unit]
                found = [
                    (value, share)
                    for p, share in zip(preds["predecessor_code"], preds["share"], strict=True)
                    if (value := self._last_closing(p, closing_metric, before)) is not None
                ]
                carried = sum(value * share for value, share in found) if found else None
            added += weight * ((carried or 0.0) - in_figure)
        return have, len(due), added


def _active(active_from: date | None, active_to: date | None, day: date) -> bool:
    return (active_from is None or active_from <= day) and (active_to is None or active_to >= day)


def quarters_of(span: Span) -> list[Span]:
    out = []
    for year in range(span.start.year, span.end.year + 1):
        for q in range(1, 5):
            qs = quarter_span(year, q)
            if qs.start >= span.start and qs.end <= span.end:
                out.append(qs)
    return out


def quarters_until(first_year: int, end: date) -> list[Span]:
    return [
        quarter_span(y, q)
        for y in range(first_year, end.year + 1)
        for q in range(1, 5)
        if quarter_span(y, q).end <= end
    ]


# ----------------------------------------------------------------------------------------------
# Reading what is shown
# ----------------------------------------------------------------------------------------------

NEG_ZERO = re.compile(r"(?<![\w.,/])[-−]0(?:[.,]0+)?(?![\d.,])")
NOT_A_NUMBER = re.compile(r"\b(?:NaN|nan|None|inf|Infinity)\b")


@dataclass
class Shown:
    """One rendered page (or document) as text."""

    where: str
    texts: list[str] = field(default_factory=list)  # every text, for the greps
    metrics: list[tuple[str, str, str]] = field(default_factory=list)  # (label, value, delta)
    captions: list[str] = field(default_factory=list)
    markdown: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)  # {"headers": [...], "codes": [...], "cells": {label: [text]}}
    charts: list[dict] = field(default_factory=list)  # Plotly specs (data decoded)
    downloads: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, bytes)
    negative_zeros: list[float] = field(default_factory=list)  # -0.0 found among chart numbers
    errors: list[str] = field(default_factory=list)  # the page's exception, if it failed


def decode(value):
    """Plotly's typed arrays ({'dtype': 'f8', 'bdata': …}) as lists."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            arr = arr.reshape([int(s) for s in str(value["shape"]).split(",")])
        return arr.tolist()
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _strings(value, out: list[str], numbers: list[float]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, float):
        numbers.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out, numbers)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out, numbers)


def printf(fmt: str, value) -> str:
    """A NumberColumn's printf format as the browser applies it (the formats the pages use)."""
    if missing(value):
        return ""
    m = re.fullmatch(r"%(?:\.(\d+))?([df])(%%)?", fmt)
    if not m:
        return str(value)
    decimals = 0 if m.group(2) == "d" else int(m.group(1) or 6)
    text = f"{int(value)}" if m.group(2) == "d" else f"{value:.{decimals}f}"
    return text + ("%" if m.group(3) else "")


def table_texts(element) -> dict:
    """A dataframe as the reader sees it: per column label, the cells' display text; the unit code of
    each row when the table links to units."""
    values: pd.DataFrame = element.value
    config = json.loads(element.proto.columns) if element.proto.columns else {}
    styled = element.proto.arrow_data.HasField("styler")
    display = pa.ipc.open_stream(element.proto.arrow_data.styler.display_values).read_pandas() if styled else None
    cells: dict[str, list[str]] = {}
    headers: list[str] = []
    codes: list[str | None] = [None] * len(values)
    for i, name in enumerate(values.columns):
        conf = config.get(name) or config.get(f"_pos:{i}") or {}
        if conf.get("label") == "" or conf.get("hidden"):
            continue  # a bar drawn beside its figure (no text of its own), or a hidden column
        label = conf.get("label") or str(name)
        kind = (conf.get("type_config") or {}).get("type")
        column = values[name]
        if kind == "link":
            pattern = (conf.get("type_config") or {}).get("display_text") or ""
            texts = []
            for j, url in enumerate(column):
                q = parse_qs(urlparse(str(url)).query)
                codes[j] = (q.get("unit") or [None])[0]
                m = re.search(pattern, str(url)) if pattern else None
                texts.append(m.group(1) if m else str(url))
        elif kind in ("number", "progress"):
            fmt = (conf.get("type_config") or {}).get("format") or "%d"
            texts = [printf(fmt, v) for v in column]
        elif display is not None and name in display.columns:
            texts = ["" if missing(v) else str(v) for v in display[name]]
        else:
            texts = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in column]
        headers.append(label)
        cells[label] = texts
    return {"headers": headers, "codes": codes, "cells": cells, "rows": len(values)}


def read_app(at, where: str, captured: list[tuple[str, object]]) -> Shown:
    """Every element of an AppTest run as text."""
    from streamlit.testing.v1.element_tree import Block

    shown = Shown(where)

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            if isinstance(child, Block):
                walk(child)
                continue
            kind = getattr(child, "type", "")
            if kind == "html" or kind in ("selectbox", "radio", "button", "text_input"):
                continue  # the session cookie script; the sidebar's widgets (years, codes) are not figures
            if kind == "metric":
                delta = child.proto.delta or ""
                shown.metrics.append((child.label, child.value, delta))
                shown.texts += [child.label, child.value, delta]
            elif kind == "caption":
                shown.captions.append(child.value)
                shown.texts.append(child.value)
            elif kind in ("markdown", "title", "subheader", "header"):
                shown.markdown.append(child.value)
                shown.texts.append(child.value)
            elif kind in ("info", "warning", "success", "error"):
                shown.infos.append(child.value)
                shown.texts.append(child.value)
            elif kind in ("dataframe", "arrow_data_frame"):
                table = table_texts(child)
                shown.tables.append(table)
                shown.texts += table["headers"]
                for texts in table["cells"].values():
                    shown.texts += texts
            elif kind == "plotly_chart":
                spec = decode(json.loads(child.proto.spec))
                shown.charts.append(spec)
                numbers: list[float] = []
                _strings({"data": spec.get("data"), "annotations": spec.get("layout", {}).get("annotations"),
                          "title": spec.get("layout", {}).get("title")}, shown.texts, numbers)  # fmt: skip
            elif kind == "page_link" or kind == "download_button":
                shown.texts.append(child.proto.label)
            else:
                value = getattr(child, "value", None)
                if isinstance(value, str):
                    shown.texts.append(value)

    walk(at._tree)
    for file_name, make in captured:
        if file_name.endswith(".xlsx") and not file_name.startswith("bao-cao"):
            shown.downloads.append((file_name, make()))
    return shown


def xlsx_table(data: bytes) -> dict:
    """A downloaded table: headers (row 4), rows of cells from row 5, the totals row apart."""
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data)).active
    return sheet_table(ws)


def sheet_table(ws) -> dict:
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    headers = [h for h in rows[3]] if len(rows) > 3 else []
    body = rows[4:]
    totals = None
    if body and body[-1] and str(body[-1][0] or "").startswith("Cộng"):
        totals, body = body[-1], body[:-1]
    texts = [str(v) for r in rows for v in r if isinstance(v, str)]
    numbers = [v for r in rows for v in r if isinstance(v, float)]
    return {"headers": headers, "rows": body, "totals": totals, "texts": texts, "numbers": numbers,
            "title": rows[0][0] if rows else None, "subtitle": rows[1][0] if len(rows) > 1 else None}  # fmt: skip


def docx_texts(data: bytes) -> tuple[list[str], list[list[list[str]]]]:
    """The report's paragraphs and its tables (rows of cell texts)."""
    import docx

    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    return paragraphs, tables


# ----------------------------------------------------------------------------------------------
# The comparison
# ----------------------------------------------------------------------------------------------


@dataclass
class Ledger:
    compared: int = 0
    matched: int = 0
    mismatches: list[str] = field(default_factory=list)
    unaudited: set[str] = field(default_factory=set)
    by_source: dict[str, list[int]] = field(default_factory=dict)

    def _tally(self, source: str, ok: bool) -> None:
        self.compared += 1
        self.matched += ok
        counts = self.by_source.setdefault(source, [0, 0])
        counts[0] += 1
        counts[1] += ok

    def text(self, source: str, where: str, expected: str, shown: str | None) -> bool:
        ok = shown == expected
        self._tally(source, ok)
        if not ok:
            self.mismatches.append(f"[{source}] {where}: expected {expected!r}, shown {shown!r}")
        return ok

    def number(self, source: str, where: str, expected: float | None, cell, decimals: int = 0) -> bool:
        """An .xlsx cell: a number equal to the figure (or to the figure as read, rounded half-up to the
        decimals its column shows), or empty for a figure nobody reported."""
        if missing(expected):
            ok = cell is None or cell == ""
        else:
            ok = (
                isinstance(cell, int | float)
                and not isinstance(cell, bool)
                and (abs(cell - expected) < 1e-6 or abs(cell - expected) <= 0.5 * 10**-decimals + 1e-9)
            )
        self._tally(source, ok)
        if not ok:
            self.mismatches.append(f"[{source}] {where}: expected {expected!r}, cell {cell!r}")
        return ok

    def fact(self, source: str, where: str, ok: bool, detail: str) -> bool:
        self._tally(source, ok)
        if not ok:
            self.mismatches.append(f"[{source}] {where}: {detail}")
        return ok

    def grep(self, source: str, where: str, texts: list[str]) -> None:
        """No text reads "-0" as a number, and none leaks NaN/None."""
        for t in texts:
            if not isinstance(t, str):
                continue
            if NEG_ZERO.search(t):
                self.mismatches.append(f"[{source}] {where}: '-0' in {t[:160]!r}")
            if NOT_A_NUMBER.search(t):
                self.mismatches.append(f"[{source}] {where}: NaN/None in {t[:160]!r}")
