"""Shared fixtures: a small registry on a fresh store, real workbooks, the demo store."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from ingest.demo import build_demo
from ingest.fill import fill_template
from ingest.load import Incoming, LoadOutcome, load_files
from ingest.registry import load_registry, load_targets
from ingest.template import template_bytes
from reporting import db
from reporting.periods import parse_return_period
from reporting.units import UnitTree

TODAY = date(2026, 11, 23)
DEMO_AS_OF = date(2026, 11, 23)

REGISTRY_CSV = """code,name,org_type,parent_code,active_from,active_to
T,Tỉnh ủy Thử Nghiệm,provincial_committee,,2020-01-01,
X1,  Đảng ủy xã An Phú ,commune_committee,T,2020-01-01,
X1-B1,Chi bộ thôn 1,affiliated_branch,X1,2020-01-01,
X1-B2,Chi bộ thôn 2,affiliated_branch,X1,2020-01-01,
X1-SC,Đảng bộ bộ phận Khối cơ quan,sub_committee,X1,2020-01-01,
X1-SC-B1,Chi bộ Trường THCS,affiliated_branch,X1-SC,2020-01-01,
X2,Đảng ủy phường Bình Minh,commune_committee,T,2020-01-01,
X2-B1,Chi bộ khu phố 1,affiliated_branch,X2,2020-01-01,
X3,Đảng ủy xã Cũ,commune_committee,T,2020-01-01,2025-06-30
X3-B1,Chi bộ thôn Cũ,affiliated_branch,X3,2020-01-01,2025-06-30
"""
TARGETS_CSV = """unit_code,year,admission_target
X1,2026,12
X2,2026,5%
T,2026,40
"""

QUARTER_VALUES = {
    "members_opening": 100,
    "probationary_opening": 6,
    "admitted": 4,
    "readmitted": 0,
    "transfer_in": 2,
    "confirmed_official": 2,
    "deceased": 1,
    "expelled": 0,
    "struck_off": 0,
    "resigned": 0,
    "transfer_out": 1,
    "members_closing": 104,
    "probationary_closing": 8,
    "candidates_trained": 5,
    "inspect_org": 1,
    "inspect_member": 3,
    "inspect_signs_org": 0,
    "inspect_signs_member": 1,
    "supervise_org": 2,
    "supervise_member": 2,
    "violation_org": 0,
    "violation_member": 1,
    "disc_member_reprimand": 1,
    "committee_meetings": 3,
    "conclusions_issued": 3,
}
BRANCH_VALUES = {
    "X1-B1": {"branch_members": 40, "regular_meetings": 3, "thematic_meetings": 1, "rating_good": 2, "rating_fair": 1,
              "rating_average": 0, "rating_poor": 0, "attendance_pct": 91.5, "upper_attended": 1},
    "X1-B2": {"branch_members": 30, "regular_meetings": 3, "thematic_meetings": 1, "rating_good": 3,
              "attendance_pct": 88, "upper_attended": 0},
    "X1-SC-B1": {"branch_members": 34, "regular_meetings": 3, "thematic_meetings": 0, "rating_good": 1,
                 "rating_fair": 1, "rating_average": 1, "attendance_pct": 95.2},
}  # fmt: skip
YEAR_END_VALUES = {
    "org_rating_excellent": 0,
    "org_rating_good": 2,
    "org_rating_completed": 1,
    "org_rating_not_completed": 0,
    "member_rating_excellent": 10,
    "member_rating_good": 60,
    "member_rating_completed": 28,
    "member_rating_not_completed": 2,
    "member_not_rated": 4,
}


def load(store, *paths: Path) -> list[LoadOutcome]:
    """Load returns from files as the CLI does: archived beside the store, checked as of TODAY."""
    return load_files(store, [Incoming.from_path(p) for p in paths], archive=db.archive_dir(), today=TODAY)


def payload(period: str = "2026-Q2", unit: str = "X1", year_end: bool = False) -> dict:
    """A valid return for X1: balances, branches add up, ratings match meetings."""
    values = copy.deepcopy(QUARTER_VALUES)
    if year_end:
        values.update(YEAR_END_VALUES)
    branches = copy.deepcopy(BRANCH_VALUES)
    if parse_return_period(period).kind == "month":  # one regular meeting a month
        values.update(committee_meetings=1, conclusions_issued=1)
        for row in branches.values():
            row.update(regular_meetings=1, rating_good=1, rating_fair=0, rating_average=0, rating_poor=0)
    return {"unit": unit, "period": period, "values": values, "branches": branches}


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh file store with the small registry and targets, at RETURNS_DB."""
    path = tmp_path / "returns.duckdb"
    monkeypatch.setenv("RETURNS_DB", str(path))
    monkeypatch.delenv("RETURNS_ARCHIVE", raising=False)
    (tmp_path / "registry.csv").write_text(REGISTRY_CSV, encoding="utf-8")
    (tmp_path / "targets.csv").write_text(TARGETS_CSV, encoding="utf-8")
    con = db.connect(path)
    load_registry(con, tmp_path / "registry.csv")
    load_targets(con, tmp_path / "targets.csv")
    yield con
    con.close()


@pytest.fixture
def make_return(store, tmp_path):
    """Write a return workbook through the real template and fill code; returns its path."""
    counter = iter(range(10_000))

    def make(data: dict, name: str | None = None, edit=None) -> Path:
        tree = UnitTree.from_db(store)
        period = parse_return_period(data["period"])
        unit = tree.get(data["unit"])
        template = template_bytes(unit, period, tree.branches_of(unit.code, period.start, period.end), 12)
        filled = fill_template(template, data)
        if edit is not None:
            from io import BytesIO

            from openpyxl import load_workbook

            book = load_workbook(BytesIO(filled))
            edit(book)
            out = BytesIO()
            book.save(out)
            filled = out.getvalue()
        path = tmp_path / (name or f"return_{next(counter)}_{data['unit']}_{data['period']}.xlsx")
        path.write_bytes(filled)
        return path

    return make


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """The demo store, built once per test worker at a fixed as-of date."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "returns.duckdb"
    summary = build_demo(path, seed=2026, as_of=DEMO_AS_OF, samples_dir=folder / "samples")
    return {"path": path, "samples": folder / "samples", "summary": summary}


@pytest.fixture
def demo_copy(demo_store, tmp_path, monkeypatch):
    """A copy of the demo store at RETURNS_DB, for tests that change it."""
    copy = tmp_path / "returns.duckdb"
    shutil.copy(demo_store["path"], copy)
    monkeypatch.setenv("RETURNS_DB", str(copy))
    return copy


def dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)
