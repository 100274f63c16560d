"""Fuzzing the write path with mutated real returns (issue 22: one clerk's file never breaks the province).

A seeded mutator changes real returns (made by the template and fill code, as the other tests make
them): cells (values, types, error values, formulas, text with control characters), the XML (cut,
spliced, rows duplicated, sheets multiplied, a DTD) and the zip itself (entries dropped, doubled,
encrypted or deflate64 by their flags, bytes flipped, the file cut). Every case goes through what a
clerk's file goes through: a batch load (and, some, inside a zip bundle first), the JSON of `check
--json` and the marked-up workbook. Asserted: no exception escapes; each file ends loaded or rejected
with a message; the store stays consistent; no file takes long.

Deterministic (SEED) and bounded (CASES): it runs in the suite in well under a minute.
"""

from __future__ import annotations

import io
import json
import logging
import math
import random
import re
import time
import warnings
import zipfile

import pytest

from ingest.annotate import annotate
from ingest.load import Incoming, load_files
from ingest.uploads import UploadError, expand
from ingest.validate import COUNT_CEILING
from reporting import db
from tests.conftest import TODAY, payload
from tests.test_bad_files import store_is_consistent

SEED = 22
CASES = 400
BATCH = 20
SLOWEST = 5.0  # seconds any one file may take to read, check and store (a return takes milliseconds)

NUMBERS = ("NaN", "nan", "INF", "-INF", "inf", "Infinity", "1e308", "-1e308", "1e309", "9e27", "1e-320", "-0",
           "9223372036854775808", "1.5", "100001", "99999", "0", "-1", "1E5", "0x10", "", " ")  # fmt: skip
ERRORS = ("#DIV/0!", "#VALUE!", "#REF!", "#N/A", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA", "")
TEXTS = ("_x0001_=1", "NaN", "Infinity", "1.000.000.000.000.000.000.000.000.000.000", "=1+1", "@SUM(A1)", " ",
         "1,5", "72,5%", "\u202e12", "١٢", "１２", "12 người", "_x0000_", "x" * 40_000, "😀", "1.234,5,6", "-0")  # fmt: skip


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _hostile_cell(rng: random.Random, ref: str) -> str:
    """A cell's XML no spreadsheet program would write, or would write only rarely."""
    kind = rng.randrange(9)
    if kind == 0:
        return f'<c r="{ref}" t="n"><v>{rng.choice(NUMBERS)}</v></c>'
    if kind == 1:
        return f'<c r="{ref}"><v>{rng.choice(NUMBERS)}</v></c>'
    if kind == 2:
        return f'<c r="{ref}" t="e"><v>{rng.choice(ERRORS)}</v></c>'
    if kind == 3:
        return f'<c r="{ref}" t="inlineStr"><is><t>{_escape(rng.choice(TEXTS))}</t></is></c>'
    if kind == 4:
        return f'<c r="{ref}" t="b"><v>{rng.choice(("1", "0", "2", "x", ""))}</v></c>'
    if kind == 5:
        return f'<c r="{ref}" t="s"><v>{rng.choice(("99999", "-1", "x", ""))}</v></c>'  # a shared string that is not
    if kind == 6:
        return f'<c r="{ref}" t="d"><v>{rng.choice(("2026-13-45", "x", "2026-07-01T25:00", ""))}</v></c>'
    if kind == 7:
        cached = rng.choice(("", "<v>4</v>", "<v>NaN</v>", "<v>#DIV/0!</v>"))
        kind_attr = ' t="e"' if "#" in cached else ""
        return (
            f'<c r="{ref}"{kind_attr}><f>{_escape(rng.choice(("1/0", "A1", "SUM(A1:XFD1048576)", "")))}</f>{cached}</c>'
        )
    return f'<c r="{ref}" t="{rng.choice(("zz", "str", "n", "inlineStr"))}"/>'


_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>.*?</c>)', re.S)
_INPUT = re.compile(rb"(?:D(?:[4-9]|[1-9][0-9])|[C-K](?:[5-9]|[1-9][0-9]))$")  # value column D, branch columns C-K


def _mutate_cells(rng: random.Random, parts: dict[str, bytes]) -> str:
    sheets = [n for n in parts if n.startswith("xl/worksheets/sheet")]
    name = rng.choice(sheets)
    cells = list(_CELL.finditer(parts[name]))
    inputs = [m for m in cells if _INPUT.match(m.group(1))]  # the figures: most mutations land there
    pool = inputs if inputs and rng.random() < 0.7 else cells
    if not pool:
        return f"{name}: no cells"
    picked = rng.sample(pool, min(len(pool), rng.randint(1, 3 if pool is inputs else 4)))
    xml = parts[name]
    for match in sorted(picked, key=lambda m: m.start(), reverse=True):
        new = _hostile_cell(rng, match.group(1).decode()).encode()
        xml = xml[: match.start()] + new + xml[match.end() :]
    parts[name] = xml
    return f"{name}: cells {[m.group(1).decode() for m in picked]}"


def _mutate_xml(rng: random.Random, parts: dict[str, bytes]) -> str:
    name = rng.choice([n for n in parts if n.endswith((".xml", ".rels"))])
    xml = parts[name]
    kind = rng.randrange(10)
    if kind == 9 and b"</sheetData>" in xml:
        count = rng.choice((1, 5, 1500))
        refs = "".join(
            f'<mergeCell ref="{rng.choice("ABCDJ")}{r}:{rng.choice("DKZ")}{r + rng.randrange(3)}"/>'
            for r in (rng.randrange(1, 60) for _ in range(count))
        )
        parts[name] = xml.replace(b"</sheetData>", f"</sheetData><mergeCells>{refs}</mergeCells>".encode(), 1)
        return f"{name}: {count} merged ranges"
    if kind == 0 and xml:
        parts[name] = xml[: rng.randrange(len(xml))]
        return f"{name}: cut"
    if kind == 1:
        at = rng.randrange(len(xml) + 1)
        parts[name] = xml[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 12))) + xml[at:]
        return f"{name}: bytes spliced in"
    if kind == 2:
        tags = [m.start() for m in re.finditer(rb"</", xml)]
        if tags:
            at = rng.choice(tags)
            parts[name] = xml[:at] + xml[xml.index(b">", at) + 1 :]
        return f"{name}: a closing tag dropped"
    if kind == 3:
        rows = list(re.finditer(rb"<row [^>]*>.*?</row>", xml, re.S))
        if rows:
            row = rng.choice(rows)
            parts[name] = xml[: row.end()] + row.group(0) * rng.randint(1, 50) + xml[row.end() :]
        return f"{name}: a row repeated"
    if kind == 4:
        parts[name] = re.sub(rb'r="([A-Z]+)([0-9]+)"', lambda m: m.group(1) + b"9999999" + m.group(2), xml, count=3)
        parts[name] = re.sub(rb'<row r="[0-9]+"', b'<row r="1048577"', parts[name], count=2)
        return f"{name}: addresses out of the sheet"
    if kind == 5:
        parts[name] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + xml.split(b"?>", 1)[-1]
        return f"{name}: a DTD"
    if kind == 6 and "xl/workbook.xml" in parts:
        book = parts["xl/workbook.xml"]
        sheets = re.findall(rb"<sheet [^>]*/>", book)
        if sheets:
            count = rng.choice((2, 30, 99, 101, 400))
            extra = b"".join(
                re.sub(
                    rb'name="[^"]*"',
                    b'name="S%d"' % i,
                    re.sub(rb'sheetId="[0-9]+"', b'sheetId="%d"' % (900 + i), rng.choice(sheets)),
                )
                for i in range(count)
            )
            parts["xl/workbook.xml"] = book.replace(b"</sheets>", extra + b"</sheets>")
        return "workbook: sheets added, named parts shared"
    if kind == 7 and "xl/workbook.xml" in parts:
        weird = rng.choice(("", "Chi bộ", "CHI BỘ", "x" * 300, "a_x0001_b", "Đảng viên", "'", "Thông tin"))
        parts["xl/workbook.xml"] = re.sub(
            rb'name="[^"]*"', f'name="{_escape(weird)}"'.encode(), parts["xl/workbook.xml"], count=rng.randint(1, 3)
        )
        return f"workbook: sheet names {weird[:20]!r}"
    parts[name] = xml.replace(b"<sheetData>", b'<sheetData><row r="1"><c r="A1" t="s"><v>7</v></c></row>', 1)
    return f"{name}: a row before the first"


def _mutate_zip(rng: random.Random, parts: dict[str, bytes], order: list[str]) -> str:
    kind = rng.randrange(3)
    name = rng.choice(order)
    if kind == 0:
        order.remove(name)
        return f"entry {name} dropped"
    if kind == 1:
        order.append(name)
        return f"entry {name} twice"
    parts[f"xl/media/{rng.randrange(99)}.bin"] = bytes(rng.randrange(256) for _ in range(rng.randint(0, 3000)))
    order.append(list(parts)[-1])
    return "an entry added"


def _serialize(parts: dict[str, bytes], order: list[str]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        warnings.simplefilter("ignore")  # "Duplicate name": what we want here
        for name in order:
            z.writestr(name, parts[name])
    return out.getvalue()


def _mutate_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    kind = rng.randrange(6)
    out = bytearray(data)
    if kind == 0:
        for _ in range(rng.randint(1, 20)):
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
        return bytes(out), "bits flipped"
    if kind == 1:
        return bytes(out[: rng.randrange(len(out))]), "cut"
    if kind in (2, 3):  # an entry encrypted (flag 1) or deflate64 (method 9), in its local and central headers
        starts = [m.start() for m in re.finditer(rb"PK\x01\x02", data)]
        at = rng.choice(starts)
        local = int.from_bytes(data[at + 42 : at + 46], "little")
        for header, flag_at in ((at, 8), (local, 6)):
            if kind == 2:
                out[header + flag_at] |= 1
            else:
                out[header + flag_at + 2 : header + flag_at + 4] = (9).to_bytes(2, "little")
        return bytes(out), "an entry encrypted" if kind == 2 else "an entry deflate64"
    if kind == 4:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 64))) + data, "junk before"
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(out[8:]), "an OLE header on a zip"


def mutate(rng: random.Random, good: bytes) -> tuple[bytes, list[str]]:
    """One mutated return and what was done to it."""
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    order = list(parts)
    done = []
    for _ in range(rng.randint(1, 3)):
        layer = rng.choices(("cells", "xml", "zip"), weights=(6, 3, 1))[0]
        if layer == "cells":
            done.append(_mutate_cells(rng, parts))
        elif layer == "xml":
            done.append(_mutate_xml(rng, parts))
        else:
            done.append(_mutate_zip(rng, parts, order))
    data = _serialize(parts, order)
    if rng.random() < 0.15:
        data, what = _mutate_bytes(rng, data)
        done.append(what)
    return data, done


@pytest.fixture
def bases(store, make_return):
    """Real returns to mutate: a quarter's, a year end's (ratings sheet) and a month's."""
    quarter = make_return(payload("2026-Q2")).read_bytes()
    year_end = make_return(payload("2025-Q4", year_end=True)).read_bytes()
    month = make_return(payload("2024-05")).read_bytes()
    return [quarter, year_end, month]


def test_fuzz_mutated_returns(store, bases, caplog):
    caplog.set_level(logging.ERROR, logger="ingest")
    rng = random.Random(SEED)
    started = time.perf_counter()
    cases: list[tuple[Incoming, list[str]]] = []
    for number in range(CASES):
        data, done = mutate(rng, rng.choice(bases))
        cases.append((Incoming(f"fuzz-{number:03}.xlsx", data), done))
    seen: dict[str, int] = {}
    slowest = 0.0
    for first in range(0, CASES, BATCH):
        batch = cases[first : first + BATCH]
        files = [incoming for incoming, _ in batch]
        if first // BATCH % 3 == 1:  # every third batch arrives as a zip bundle, as from the upload page
            packed = io.BytesIO()
            with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as z:
                for incoming in files:
                    z.writestr(incoming.name, incoming.data)
            try:
                files = expand("dot-gui.zip", packed.getvalue())
            except UploadError as exc:  # the bundle as a whole: said in words, never raised otherwise
                pytest.fail(f"a bundle of valid zips refused: {exc}")
            assert [f.name for f in files] == [incoming.name for incoming, _ in batch]
        timed = time.perf_counter()
        try:
            outcomes = load_files(store, files, archive=db.archive_dir(), today=TODAY)
        except Exception as exc:  # the point of the test: say which case, then fail
            raise AssertionError(f"escaped from batch {first}: {[(i.name, d) for i, d in batch]}") from exc
        slowest = max(slowest, (time.perf_counter() - timed) / len(files))
        for outcome, (incoming, done) in zip(outcomes, batch, strict=True):
            what = f"{incoming.name} {done}"
            assert outcome.action in ("loaded", "replaced", "unchanged", "rejected"), what
            assert outcome.message, what
            if outcome.action == "rejected":
                assert any(f.severity == "error" and f.message for f in outcome.result.findings), what
            else:
                values = [*outcome.result.values.values()]
                values += [v for row in outcome.result.branches.values() for v in row.values()]
                assert all(math.isfinite(v) and abs(v) <= COUNT_CEILING for v in values), what
            json.dumps(outcome.as_json(), allow_nan=False, ensure_ascii=False)  # `check --json`: strict JSON
            for rule in {f.rule for f in outcome.result.findings}:
                seen[rule] = seen.get(rule, 0) + 1
            if outcome.result.findings and int(incoming.name[5:8]) % 2 == 0:  # half of them: openpyxl is slow
                timed = time.perf_counter()
                marked = annotate(incoming.data, outcome.result.findings, openable=outcome.result.openable)
                assert marked.startswith(b"PK\x03\x04"), what
                assert time.perf_counter() - timed < SLOWEST, what
        store_is_consistent(store)
    assert slowest < SLOWEST
    assert time.perf_counter() - started < 60
    # The mutator reaches the checks it is meant to reach (a mutator that only ever cut files would not).
    reached = (
        "not_a_number",
        "cell_error",
        "out_of_range",
        "file_unreadable",
        "zip_bomb",
        "xml_forbidden",
        "merged_input",
    )
    for rule in reached:
        assert seen.get(rule), (rule, seen)
    # And no case needed the last resort: every exception a file caused was one a check names. (Reading,
    # checking or storing that raises anyway becomes "không đọc được" on that file, and is logged here.)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_fuzz_mutated_bundles(store, bases):
    """Zip bundles, damaged as uploads get damaged: expand says what it cannot open, in words, and loads the rest."""
    rng = random.Random(SEED + 1)
    for number in range(40):
        files = [(f"b{number}-{k}.xlsx", mutate(rng, rng.choice(bases))[0]) for k in range(3)]
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", rng.choice((zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED))) as z:
            for name, data in files:
                z.writestr(name, data)
        data, done = _mutate_bytes(rng, packed.getvalue())
        try:
            incoming = expand(f"dot-{number}.zip", data)
        except UploadError as exc:
            assert str(exc), done
            continue
        outcomes = load_files(store, incoming, archive=db.archive_dir(), today=TODAY)
        for outcome in outcomes:
            assert outcome.message, done
            if outcome.action == "rejected":
                assert any(f.severity == "error" and f.message for f in outcome.result.findings), done
    store_is_consistent(store)


SPECIAL_FLOATS = (math.nan, math.inf, -math.inf, 1e308, -1e308, 9e27, 1.8e28, 5e-324, -0.0, 0.5, 2.5, 2.675,
                  2.0**53 + 1, 1e15 + 0.5, 1e27, -1e27, 1.7976931348623157e308)  # fmt: skip


def test_formatting_never_raises_on_any_float():
    """reporting/numbers.py is shared: whatever float reaches it (a figure stored before the checks bounded
    them, a sum of two 9e27), it writes text and never raises; NaN and ±INF read as missing."""
    from reporting.numbers import (
        MISSING,
        fmt_number,
        fmt_numbers,
        fmt_percent,
        fmt_signed,
        fmt_value,
        round_half_up,
        share_pct,
    )

    rng = random.Random(SEED)
    floats = [*SPECIAL_FLOATS]
    floats += [rng.uniform(-1, 1) * 10.0 ** rng.randint(-320, 308) for _ in range(400)]
    floats += [struct_float(rng) for _ in range(400)]
    for x in floats:
        for decimals in (0, 1, 2):
            assert isinstance(fmt_number(x, decimals), str), x
            assert isinstance(fmt_signed(x, decimals), str), x
            round_half_up(x, decimals)
        assert isinstance(fmt_percent(x), str) and isinstance(fmt_value(x), str), x
        share_pct(x, 3.0)
        share_pct(3.0, x)
    for x in (math.nan, math.inf, -math.inf):
        assert fmt_number(x) == fmt_value(x) == MISSING
        assert fmt_percent(x).startswith(MISSING)
    assert fmt_numbers(floats) == [fmt_number(x) for x in floats]
    assert fmt_number(9e27 + 9e27) == "18.000.000.000.000.000.000.000.000.000"


def struct_float(rng: random.Random) -> float:
    """Any 64-bit pattern as a float: subnormals, NaNs with payloads, the extremes."""
    import struct

    return struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]


def test_anomaly_scores_never_raise_on_stored_figures():
    """Figures stored before the checks bounded them (NaN, INF, 1e308) in a unit's history or its peers:
    scores are computed, never raised."""
    from ingest.anomaly import unusual_against_history, unusual_against_peers

    odd = [math.nan, math.inf, -math.inf, 1e308, 9e27, 3.0, 4.0, 5.0]
    unusual_against_history({"admitted": 40.0}, {"admitted": odd})
    unusual_against_peers({"admitted": 40.0}, 100.0, {"admitted": [(x, 100.0) for x in odd] + [(2.0, math.nan)]})
    unusual_against_peers({"admitted": 40.0}, math.nan, {"admitted": [(2.0, 100.0)] * 6})
