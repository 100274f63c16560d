"""``python -m bench`` (``make bench``): scale data, measurements, and ``bench/RESULTS.md``.

    python -m bench                 # the full run (province and national scale), writes bench/RESULTS.md
    python -m bench --quick --out X # a tiny run of the same code (the test suite's smoke test)

Speed is measured here, never asserted in the tests: the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

from bench import app, ingest
from bench.scale import NATIONAL, PROVINCE, Scale, build_scale_store, months_until, quarters_until
from reporting.periods import month, quarter

TARGETS = {
    "ingest_rate": 150,  # returns per second in a batch
    "ingest_single_ms": 20,
    "peer_ratio": 10,
    "query_p95_ms": {"province": 30, "national": 30},  # the issue sets national; province must be as fast
    "page_warm_ms": {"province": 100, "national": 250},
    "cold_start_s": 2,
    "briefing_s": 5,
    "peak_rss_mb": 1024,
}


def _machine() -> str:
    mem = next(
        (int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line),
        0,
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.machine(),
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem / 1024:.0f} GiB RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="tiny scales, one run: checks the code, not the speed")
    parser.add_argument("--out", default=str(Path(__file__).parent / "RESULTS.md"))
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--skip-server", action="store_true", help="no Chromium (cold start and memory)")
    args = parser.parse_args(argv)

    if args.quick:
        scales = [
            Scale("province", 1, 3, 3, quarters_until(quarter(2026, 3), 3)),
            Scale("national", 2, 2, 3, months_until(month(2026, 10), 4)),
        ]
        ingest_count, runs, query_runs, warm_runs = 3, 1, 3, 1
    else:
        scales = [PROVINCE] if args.skip_national else [PROVINCE, NATIONAL]
        ingest_count, runs, query_runs, warm_runs = 150, 3, 30, 5
    started = time.perf_counter()
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m bench{''.join(' ' + a for a in (argv if argv is not None else sys.argv[1:]) if a != args.out and a != '--out')}` on "
        f"{datetime.now():%Y-%m-%d %H:%M}. Machine: {_machine()}.",
        "",
    ]
    verdicts: list[tuple[str, str, str, bool]] = []  # (what, target, measured, ok)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        # 1. Ingest.
        print("ingest…", flush=True)
        (folder / "ingest").mkdir()
        result = ingest.run(folder / "ingest", ingest_count, runs)
        n = result["files"]
        rate = [n / s for s in result["batch"]]
        floor = [n / s for s in result["floor"]]
        peer = [n / s for s in result["peer"]]
        single = result["single"]
        ours = statistics.median(rate)
        lines += [
            "## 1. Ingest",
            "",
            f"{n} returns (one commune, one quarter, 40 branches each), written through the template and fill code; "
            f"{runs} run(s), median (min–max).",
            "",
            "| path | returns/s | ms per return |",
            "|---|---:|---:|",
            f"| ours: archive + check + load, one batch | {ours:,.0f} ({min(rate):,.0f}–{max(rate):,.0f}) | "
            f"{1000 / ours:,.1f} |",
            f"| floor: python-calamine reading every sheet, nothing else | {statistics.median(floor):,.0f} | "
            f"{1000 / statistics.median(floor):,.1f} |",
            f"| peer: `pandas.read_excel(sheet_name=None)` with openpyxl, no checks | {statistics.median(peer):,.0f} | "
            f"{1000 / statistics.median(peer):,.1f} |",
            "",
            f"One return from upload to commit (`load_files` with one file, {len(single)} times): "
            f"median {_ms(statistics.median(single))} ms, p95 {_ms(app.percentile(single, 95))} ms.",
            f"Ours is {ours / statistics.median(peer):.1f}× the peer and {statistics.median(floor) / ours:.1f}× "
            "slower than the floor.",
            "",
        ]
        verdicts += [
            ("ingest, batch", "≥ 150 returns/s", f"{ours:,.0f} returns/s", ours >= TARGETS["ingest_rate"]),
            (
                "ingest, one return upload → commit",
                "≤ 20 ms",
                f"{_ms(statistics.median(single))} ms",
                statistics.median(single) * 1000 <= TARGETS["ingest_single_ms"],
            ),
            (
                "ingest vs naive peer",
                "≥ 10×",
                f"{ours / statistics.median(peer):.1f}×",
                ours / statistics.median(peer) >= TARGETS["peer_ratio"],
            ),
        ]

        for scale in scales:
            store = folder / f"{scale.name}.duckdb"
            print(f"{scale.name}: building…", flush=True)
            built = build_scale_store(store, scale)
            size = store.stat().st_size / 1e6
            top = "the province" if scale.provinces == 1 else "the country"
            lines += [
                f"## {scale.name.capitalize()} scale",
                "",
                f"{scale.provinces} province(s) × {scale.communes} communes × {scale.branches} branches × "
                f"{len(scale.periods)} {scale.periods[0].kind}s ({scale.periods[0].label} – {scale.periods[-1].label}): "
                f"{scale.returns:,} returns, {scale.values:,} values. Built in {built['build_s']:.1f} s; "
                f"store {size:,.0f} MB.",
                "",
                f"### 2. Queries ({top}; the branch queries for one commune)",
                "",
                "| query | runs | p50 ms | p95 ms |",
                "|---|---:|---:|---:|",
            ]
            print(f"{scale.name}: queries…", flush=True)
            times = app.bench_queries(store, scale, query_runs)
            worst = 0.0
            for label, found in times.items():
                p95 = app.percentile(found, 95)
                worst = max(worst, p95)
                lines.append(f"| {label} | {len(found)} | {_ms(statistics.median(found))} | {_ms(p95)} |")
            lines += [
                "",
                "`branches_without_thematic_rows` counts from the branch rows: it is what the roll-up behind "
                "`branches_without_thematic` is tested against; the lagging list judges whole quarters only, so no "
                "page reads it. It counts in the target all the same.",
            ]
            target = TARGETS["query_p95_ms"][scale.name]
            verdicts.append(
                (
                    f"queries, {scale.name}",
                    f"p95 ≤ {target} ms each",
                    f"worst p95 {_ms(worst)} ms",
                    worst * 1000 <= target,
                )
            )
            if scale.name == "province":
                print("briefing…", flush=True)
                times = app.bench_briefing(store, scale, runs)
                briefing_lines = [
                    "",
                    "### 4. Briefing (report and appendix for the province, last quarter)",
                    "",
                    "Measured before the pages, so the first build starts its own Chromium in this process.",
                    "",
                    f"First (Chromium for the charts started as the page opened, the build asked at once): {times[0]:.2f} s; "
                    "afterwards: " + (", ".join(f"{t:.2f} s" for t in times[1:]) or "not repeated"),
                    "",
                ]
                verdicts.append(
                    (
                        "briefing, province",
                        "≤ 5 s",
                        f"{times[0]:.2f} s first, {min(times):.2f} s warm",
                        max(times) <= TARGETS["briefing_s"],
                    )
                )
            else:
                briefing_lines = []
            print(f"{scale.name}: pages…", flush=True)
            pages = app.bench_pages(store, warm_runs)
            lines += [
                "",
                f"### 3. Pages ({top}, AppTest, signed in)",
                "",
                "Script run: the page's script from start to end inside the server (`ui/timing.py`), which is "
                "what the target measures. AppTest round trip: the same rerun seen from the test harness, "
                "whose wait loop adds its own tens of milliseconds.",
                "",
                "| page | first run ms (AppTest) | warm script p50 ms | warm script max ms | warm AppTest p50 ms |",
                "|---|---:|---:|---:|---:|",
            ]
            worst_page = 0.0
            for title, found in pages.items():
                worst_page = max(worst_page, found["script_p50"])
                lines.append(
                    f"| {title} | {_ms(found['first'])} | {_ms(found['script_p50'])} | {_ms(found['script_max'])} "
                    f"| {_ms(found['warm_p50'])} |"
                )
            target = TARGETS["page_warm_ms"][scale.name]
            verdicts.append(
                (
                    f"pages warm, {scale.name}",
                    f"≤ {target} ms each (script run)",
                    f"worst p50 {_ms(worst_page)} ms",
                    worst_page * 1000 <= target,
                )
            )
            lines += briefing_lines  # measured before the pages, shown after them
            if not args.skip_server:
                print(f"{scale.name}: server…", flush=True)
                server = app.bench_server(store, folder / f"{scale.name}-streamlit.log")
                lines += [
                    "",
                    f"### 5. Server ({scale.name})",
                    "",
                    f"Cold start, median of {app.COLD_RUNS}, from `streamlit run` to the first page (the sign-in form):",
                    "",
                    "| | ours | a one-box script (the floor) |",
                    "|---|---:|---:|",
                    f"| served: the server has sent the whole page (a client speaking Streamlit's websocket protocol, "
                    f"no browser) | {server['served_s']:.2f} s | {server['floor_served_s']:.2f} s |",
                    f"| drawn in Chromium (already running): Streamlit's front end loaded, the page drawn "
                    f"| {server['drawn_s']:.2f} s | {server['floor_drawn_s']:.2f} s |",
                    "",
                    "The target is the first row: the issue asks for the first page *served*. The second is what a "
                    "reader waits for in a browser on this machine"
                    + (
                        f"; for a one-box script it is already over the {TARGETS['cold_start_s']} s target."
                        if server["floor_drawn_s"] > TARGETS["cold_start_s"]
                        else "."
                    ),
                    "",
                    f"Peak RSS of the server after signing in and opening every page: {server['peak_rss_mb']:,.0f} MB.",
                    "",
                ]
                verdicts.append(
                    (
                        f"`streamlit run` → first page served, {scale.name}",
                        "≤ 2 s",
                        f"{server['served_s']:.2f} s (drawn in Chromium: {server['drawn_s']:.2f} s; a one-box script: "
                        f"{server['floor_served_s']:.2f} / {server['floor_drawn_s']:.2f} s)",
                        server["served_s"] <= TARGETS["cold_start_s"],
                    )
                )
                verdicts.append(
                    (
                        f"peak RSS, {scale.name}",
                        "≤ 1 GB",
                        f"{server['peak_rss_mb']:,.0f} MB",
                        server["peak_rss_mb"] <= TARGETS["peak_rss_mb"],
                    )
                )
            store.unlink()
    head = [
        "## Targets",
        "",
        "| what | target | measured | |",
        "|---|---|---|---|",
        *(f"| {what} | {target} | {measured} | {_mark(ok)} |" for what, target, measured, ok in verdicts),
        "",
        f"The whole run took {time.perf_counter() - started:.0f} s."
        + (" **Quick run: tiny scales, one run; the numbers say nothing about speed.**" if args.quick else ""),
        "",
    ]
    text = "\n".join(lines[:4] + head + lines[4:]) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
