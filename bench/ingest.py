"""Ingest at province scale: our check + archive + load against the floor and the naive peer.

N real workbooks (one commune, one quarter, 40 branches each) are written
through the template and fill code. Then, on the same files:
- ours: ``load_files`` in one batch into a fresh store (archive, check, one transaction each);
- one return from upload to commit (``load_files`` with one file), repeated;
- the floor: python-calamine reading every sheet of every file, nothing else;
- the peer: ``pandas.read_excel(sheet_name=None, engine="openpyxl")`` on every file,
  which is what a user would write first, and which does not even check anything.
"""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from bench.scale import Scale, as_of, build_scale_store
from ingest.fill import fill_template
from ingest.load import Incoming, load_files
from ingest.template import template_bytes
from reporting import db
from reporting.periods import quarter
from reporting.units import UnitTree

PERIOD = quarter(2026, 3)

_UNIT_VALUES = {
    "members_opening": 1000, "probationary_opening": 30, "admitted": 5, "readmitted": 0, "transfer_in": 2,
    "confirmed_official": 4, "deceased": 1, "expelled": 0, "struck_off": 0, "resigned": 0, "transfer_out": 2,
    "members_closing": 1004, "probationary_closing": 31, "candidates_trained": 6, "inspect_org": 1,
    "inspect_member": 3, "inspect_signs_org": 0, "inspect_signs_member": 1, "supervise_org": 2,
    "supervise_member": 2, "violation_org": 0, "violation_member": 1, "disc_member_reprimand": 1,
    "committee_meetings": 3, "conclusions_issued": 3,
}  # fmt: skip


def _payload(unit: str, branches: list[str]) -> dict:
    """A valid return: members balance, branches add up to the closing count, ratings match meetings."""
    rows = {}
    for i, code in enumerate(branches):
        members = 26 if i < 4 else 25  # 4 × 26 + 36 × 25 = 1,004
        rows[code] = {"branch_members": members, "regular_meetings": 3, "thematic_meetings": 1, "rating_good": 2,
                      "rating_fair": 1, "rating_average": 0, "rating_poor": 0, "attendance_pct": 90,
                      "upper_attended": 0}  # fmt: skip
    return {"unit": unit, "period": PERIOD.code, "values": dict(_UNIT_VALUES), "branches": rows}


def workbooks(store: Path, count: int) -> list[Incoming]:
    con = db.connect(store, read_only=True)
    tree = UnitTree.from_db(con)
    con.close()
    files = []
    for unit in tree.reporting_units(PERIOD.start, PERIOD.end)[:count]:
        branches = tree.branches_of(unit.code, PERIOD.start, PERIOD.end)
        template = template_bytes(unit, PERIOD, branches, 40)
        data = fill_template(template, _payload(unit.code, [b.code for b in branches]))
        files.append(Incoming(f"{unit.code}_{PERIOD.code}.xlsx", data))
    return files


def _floor(files: list[Incoming]) -> None:
    for f in files:
        book = CalamineWorkbook.from_filelike(io.BytesIO(f.data))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()


def _peer(files: list[Incoming]) -> None:
    for f in files:
        pd.read_excel(io.BytesIO(f.data), sheet_name=None, engine="openpyxl")


def run(folder: Path, count: int, runs: int) -> dict:
    """Returns timings in seconds (lists, one per run) and counts."""
    registry = folder / "registry.duckdb"
    scale = Scale("ingest", 1, count, 40, ())
    build_scale_store(registry, scale)
    files = workbooks(registry, count)
    today = as_of(Scale("", 1, 1, 1, (PERIOD,)))
    batch, single, floor, peer = [], [], [], []
    for r in range(runs):
        store = folder / f"run{r}.duckdb"
        shutil.copy(registry, store)
        con = db.connect(store)
        t = time.perf_counter()
        outcomes = load_files(con, files, archive=folder / f"archive{r}", loaded_by="bench", today=today)
        batch.append(time.perf_counter() - t)
        rejected = [o for o in outcomes if o.action == "rejected"]
        if rejected:
            raise RuntimeError(f"bench returns must load: {rejected[0].result.findings[:3]}")
        con.close()
        t = time.perf_counter()
        _floor(files)
        floor.append(time.perf_counter() - t)
        if r == 0 or (runs > 1 and r == runs - 1):
            t = time.perf_counter()
            _peer(files)
            peer.append(time.perf_counter() - t)
    # One return from upload to commit, as the app does it (its registry tree is cached between uploads).
    store = folder / "single.duckdb"
    shutil.copy(registry, store)
    con = db.connect(store)
    tree = UnitTree.from_db(con)
    for f in files[: max(3, min(30, count))]:
        t = time.perf_counter()
        load_files(con, [f], archive=folder / "archive-single", loaded_by="bench", today=today, tree=tree)
        single.append(time.perf_counter() - t)
    con.close()
    return {"files": len(files), "batch": batch, "single": single, "floor": floor, "peer": peer}
