"""Check and load throughput on the demo set: ``python -m bench.ingest_demo``.

Writes the demo's returns as workbooks once, then times, over several runs:
checking all of them (read + validate, nothing written) and loading all of them
into a fresh store in one batch (archive + check + one transaction per file).
The full benchmark (scale data, queries, pages) is issue #6's ``make bench``.
"""

from __future__ import annotations

import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from ingest.context import CheckContext
from ingest.demo import _workbook, plan_demo
from ingest.load import Incoming, check_files, load_files
from ingest.registry import load_registry, load_targets
from reporting import db
from reporting.units import UnitTree

AS_OF = date(2026, 11, 23)
RUNS = 3


def _fresh_store(folder: Path, plan) -> tuple[object, Path]:
    path = folder / "returns.duckdb"
    con = db.connect(path)
    reg = folder / "registry.csv"
    reg.write_text(
        "code,name,org_type,parent_code,active_from,active_to\n"
        + "".join(f"{u.code},{u.name},{u.org_type},{u.parent_code or ''},{u.active_from},\n" for u in plan.units),
        encoding="utf-8",
    )
    load_registry(con, reg)
    tg = folder / "targets.csv"
    tg.write_text(
        "unit_code,year,admission_target\n" + "".join(f"{c},{y},{n}\n" for (c, y), n in plan.targets.items()),
        encoding="utf-8",
    )
    load_targets(con, tg)
    return con, folder / "archive"


def main() -> None:
    plan = plan_demo(2026, AS_OF)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        con, _ = _fresh_store(folder / "setup", plan)
        tree = UnitTree.from_db(con)
        files = [
            Incoming(
                r.name,
                _workbook(tree.get(r.unit_code), r.period, tree, plan.targets[(r.unit_code, r.period.year)], r.payload),
                r.received_at,
            )
            for r in plan.returns
        ]
        con.close()
        check_times, load_times = [], []
        for run in range(RUNS):
            con, archive = _fresh_store(folder / f"run{run}", plan)
            ctx = CheckContext.from_db(con, AS_OF)
            t = time.perf_counter()
            check_files(ctx, files)
            check_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            outcomes = load_files(con, files, archive=archive, today=AS_OF)
            load_times.append(time.perf_counter() - t)
            assert sum(o.action != "rejected" for o in outcomes) == len(files) - 1
            con.close()
    n = len(files)
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}, {n} demo returns")
    for label, times in (("check (read+validate)", check_times), ("load (archive+check+store)", load_times)):
        med = statistics.median(times)
        print(
            f"{label}: median {med:.2f} s for {n} files = {n / med:.0f} returns/s, {1000 * med / n:.1f} ms each "
            f"(runs: {', '.join(f'{t:.2f}' for t in times)})"
        )


if __name__ == "__main__":
    main()
