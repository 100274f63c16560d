"""Each page's script run time on the demo store (AppTest): ``python -m bench.pages_demo``.

First run (cold caches) and the median of warm reruns, at province and commune level.
The full benchmark at province and national scale is issue #6's ``make bench``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ingest.demo import build_demo
from reporting import db
from ui.nav import PAGES

WARM_RUNS = 5


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "returns.duckdb"
        build_demo(path, as_of=date(2026, 11, 23), samples_dir=Path(tmp) / "samples")
        os.environ["RETURNS_DB"] = str(path)
        print(f"{'page':<30} {'unit':<5} {'first ms':>9} {'warm p50 ms':>12} {'warm max ms':>12}")
        for file, title, _, _ in PAGES:
            for unit in ("MS", "X07"):
                at = AppTest.from_file(str(db.PROJECT_ROOT / "app.py"), default_timeout=120)
                at.query_params["unit"] = unit
                at.run()
                at.switch_page(file)
                t = time.perf_counter()
                at.run()
                first = time.perf_counter() - t
                warm = []
                for _ in range(WARM_RUNS):
                    t = time.perf_counter()
                    at.run()
                    warm.append(time.perf_counter() - t)
                assert not at.exception, at.exception
                print(
                    f"{title:<30} {unit:<5} {first * 1000:>9.0f} {statistics.median(warm) * 1000:>12.0f} {max(warm) * 1000:>12.0f}"
                )


if __name__ == "__main__":
    main()
