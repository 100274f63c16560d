"""Loading the unit registry and the annual admission targets, all or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from ingest.excel_safe import control_characters, printable
from ingest.tables import TableError, cell_date, cell_text, read_table, sheet_names
from reporting.catalog import ORG_TYPES
from reporting.db import sql_text
from reporting.lineage import END_REASONS, Succession, rebuild_unit_map
from reporting.numbers import NumberTextError, fmt_number, parse_number
from reporting.rollup import refresh_target_totals
from reporting.text import fold
from reporting.units import Unit, UnitTree

REGISTRY_COLUMNS = ["code", "name", "org_type", "parent_code", "active_from", "active_to"]
LINEAGE_COLUMNS = ["predecessor_code", "successor_code", "effective_date"]  # and, optional, share
TARGET_COLUMNS = ["unit_code", "year", "admission_target"]
# Vietnamese headers for the columns (the app's tables and Excel export); either form is read.
UNIT_LABELS = {
    "code": "Mã đơn vị",
    "name": "Tên đơn vị",
    "org_type": "Loại tổ chức",
    "parent_code": "Mã đơn vị cấp trên",
    "active_from": "Hoạt động từ ngày",
    "active_to": "Hoạt động đến ngày",
    "end_reason": "Lý do kết thúc",
}
LINEAGE_LABELS = {
    "predecessor_code": "Mã đơn vị cũ",
    "successor_code": "Mã đơn vị kế thừa",
    "effective_date": "Ngày hiệu lực",
    "share": "Tỷ lệ chuyển sang",
}
TARGET_LABELS = {"unit_code": "Mã đơn vị", "year": "Năm", "admission_target": "Chỉ tiêu kết nạp"}
# The sheets of a registry workbook (the app's export; `python -m ingest registry` reads them too).
UNITS_SHEET, LINEAGE_SHEET, TARGETS_SHEET = "Đơn vị", "Kế thừa", "Chỉ tiêu"
_REASON_WORDS = {fold(v): k for k, v in END_REASONS.items()} | {k: k for k in END_REASONS}
_SHARE_TOLERANCE = 1e-6


class RegistryError(TableError):
    """The registry or targets file breaks a rule; nothing was written."""


@dataclass(frozen=True)
class Target:
    unit_code: str
    year: int
    basis: str  # "count" or "percent"
    basis_value: float


def units_from_records(records: list[dict[str, object]]) -> tuple[dict[str, Unit], dict[str, int], list[str]]:
    """Registry rows → units by code, each code's row number, and the row-level problems."""
    errors: list[str] = []
    parsed: dict[str, Unit] = {}
    first_row: dict[str, int] = {}
    for rec in records:
        row = rec["_row"]
        code = cell_text(rec.get("code"))
        name = cell_text(rec.get("name"))
        org_type = cell_text(rec.get("org_type"))
        parent = cell_text(rec.get("parent_code")) or None
        if not code:
            errors.append(f"Dòng {row}: thiếu mã đơn vị (cột code).")
            continue
        if code in first_row:
            errors.append(f"Dòng {row}: mã đơn vị «{code}» trùng với dòng {first_row[code]}. Mỗi mã chỉ khai một lần.")
            continue
        first_row[code] = row
        for column, what in (("code", "mã"), ("name", "tên")):
            if found := control_characters(str(rec.get(column) or "")):
                errors.append(_control_message(row, printable(code), column, what, found))
        if not name:
            errors.append(f"Dòng {row}: đơn vị «{code}» chưa có tên (cột name).")
        if org_type not in ORG_TYPES:
            errors.append(
                f"Dòng {row}: loại tổ chức «{org_type}» của đơn vị «{code}» không hợp lệ. "
                f"Dùng một trong: {', '.join(ORG_TYPES)}."
            )
        try:
            active_from = cell_date(rec.get("active_from"))
            active_to = cell_date(rec.get("active_to"))
        except ValueError as exc:
            errors.append(
                f"Dòng {row}: ngày «{exc}» của đơn vị «{code}» không hợp lệ. Ghi dạng 2025-07-01 hoặc 01/07/2025."
            )
            continue
        if active_from and active_to and active_to < active_from:
            errors.append(f"Dòng {row}: đơn vị «{code}» có ngày kết thúc trước ngày bắt đầu hoạt động.")
        reason_text = cell_text(rec.get("end_reason"))
        reason = _REASON_WORDS.get(fold(reason_text)) if reason_text else None
        if reason_text and reason is None:
            errors.append(
                f"Dòng {row}: lý do kết thúc «{reason_text}» của đơn vị «{code}» không hợp lệ. Ghi một trong: "
                + ", ".join(f"{k} ({v})" for k, v in END_REASONS.items())
                + "."
            )
        if reason and active_to is None:
            errors.append(
                f"Dòng {row}: đơn vị «{code}» có lý do kết thúc «{reason_text}» nhưng chưa có ngày kết thúc hoạt động "
                "(cột active_to). Ghi ngày cuối cùng đơn vị hoạt động."
            )
        parsed[code] = Unit(code, name, org_type, parent, active_from, active_to, reason)
    return parsed, first_row, errors


def _control_message(row: object, code: str, column: str, what: str, found: list[str]) -> str:
    """A name or code holding control characters: refused, since no workbook, report or page can show them
    (a name that merely looks like a formula or Markdown is a legal name, written and shown as text)."""
    return (
        f"Dòng {row}: {what} đơn vị «{code}» (cột {column}) có ký tự điều khiển không in được "
        f"({', '.join(found)}), thường do dán từ phần mềm khác. Gõ lại {what} đơn vị cho đúng rồi nạp lại."
    )


def successions_from_records(records: list[dict[str, object]]) -> tuple[list[Succession], dict[tuple, int], list[str]]:
    """Lineage rows → successions, each pair's row number, and the row-level problems."""
    errors: list[str] = []
    found: list[Succession] = []
    rows: dict[tuple[str, str], int] = {}
    for rec in records:
        row = rec["_row"]
        old = cell_text(rec.get("predecessor_code"))
        new = cell_text(rec.get("successor_code"))
        if not old or not new:
            errors.append(
                f"Dòng {row}: thiếu mã đơn vị cũ hoặc mã đơn vị kế thừa (cột predecessor_code, successor_code)."
            )
            continue
        if (old, new) in rows:
            errors.append(f"Dòng {row}: kế thừa «{old} → {new}» trùng với dòng {rows[(old, new)]}.")
            continue
        try:
            effective = cell_date(rec.get("effective_date"))
        except ValueError as exc:
            errors.append(f"Dòng {row}: ngày hiệu lực «{exc}» không hợp lệ. Ghi dạng 2025-07-01 hoặc 01/07/2025.")
            continue
        if effective is None:
            errors.append(f"Dòng {row}: kế thừa «{old} → {new}» chưa có ngày hiệu lực (cột effective_date).")
            continue
        share_text = cell_text(rec.get("share"))
        try:
            share = _share(rec.get("share"), share_text)
        except NumberTextError:
            errors.append(
                f"Dòng {row}: tỷ lệ chuyển sang «{share_text}» của «{old} → {new}» không phải là số. "
                "Để trống khi chuyển toàn bộ; khi chia tách ghi phần chuyển sang, ví dụ 0,4 hoặc 40%."
            )
            continue
        if not 0 < share <= 1:
            errors.append(
                f"Dòng {row}: tỷ lệ chuyển sang «{share_text}» của «{old} → {new}» phải lớn hơn 0 và không quá 1 (100%)."
            )
            continue
        rows[(old, new)] = row
        found.append(Succession(old, new, effective, share))
    return found, rows, errors


def _share(raw: object, text: str) -> float:
    if raw is None or text == "":
        return 1.0
    if isinstance(raw, (int, float)):
        return float(raw)
    if text.endswith("%"):
        return _fraction(text[:-1].strip()) / 100
    return _fraction(text)


def _fraction(text: str) -> float:
    """A share as written: "0,6" (Vietnamese) or "0.6" (a dot cannot be a thousands mark before one digit group)."""
    if re.fullmatch(r"\d*\.\d{1,2}|\d*\.\d{4,}", text):
        return float(text)
    return float(parse_number(text))


def check_structure(
    units: dict[str, Unit],
    successions: list[Succession],
    unit_rows: dict[str, int] | None = None,
    lineage_rows: dict[tuple, int] | None = None,
) -> list[str]:
    """The rules the whole registry must keep: known parents, no cycles of parents or of lineage,
    successions between known units on consistent dates, shares of a split adding up to 1, and a
    successor for every unit closed by a merger or split (and none for a dissolved one)."""
    unit_rows, lineage_rows = unit_rows or {}, lineage_rows or {}

    def at(code: str) -> str:
        return (
            f"Dòng {unit_rows[code]} (danh mục đơn vị): "
            if code in unit_rows and lineage_rows
            else (f"Dòng {unit_rows[code]}: " if code in unit_rows else "")
        )

    def pair(s: Succession) -> str:
        row = lineage_rows.get((s.predecessor, s.successor))
        return f"{'Dòng ' + str(row) + ' (kế thừa): ' if row else ''}kế thừa «{s.predecessor} → {s.successor}»"

    errors: list[str] = []
    for code, unit in units.items():
        if code in unit_rows and unit.parent_code is not None and unit.parent_code not in units:
            errors.append(
                f"Dòng {unit_rows[code]}: đơn vị cấp trên «{unit.parent_code}» của «{code}» không có trong danh mục. "
                "Thêm đơn vị cấp trên vào tệp hoặc sửa mã."
            )
    errors.extend(_cycles(units))
    by_old: dict[str, list[Succession]] = {}
    for s in successions:
        missing = [c for c in (s.predecessor, s.successor) if c not in units]
        if missing:
            errors.append(f"{pair(s)}: mã «{missing[0]}» không có trong danh mục đơn vị. Sửa mã hoặc thêm đơn vị.")
            continue
        if s.predecessor == s.successor:
            errors.append(f"{pair(s)}: một đơn vị không thể kế thừa chính nó.")
            continue
        by_old.setdefault(s.predecessor, []).append(s)
        old, new = units[s.predecessor], units[s.successor]
        last_day = s.effective - timedelta(days=1)
        if old.active_to != last_day:
            errors.append(
                f"{pair(s)}: đơn vị «{old.code}» phải kết thúc hoạt động ngày {last_day:%d/%m/%Y}, "
                f"ngay trước ngày hiệu lực {s.effective:%d/%m/%Y} (cột active_to của «{old.code}» đang là "
                f"{'trống' if old.active_to is None else format(old.active_to, '%d/%m/%Y')})."
            )
        if not new.active_on(s.effective):
            errors.append(
                f"{pair(s)}: đơn vị kế thừa «{new.code}» phải đang hoạt động vào ngày hiệu lực "
                f"{s.effective:%d/%m/%Y}. Sửa ngày hoạt động của «{new.code}» hoặc ngày hiệu lực."
            )
    for code, found in by_old.items():
        dates = {s.effective for s in found}
        if len(dates) > 1:
            errors.append(
                f"{at(code)}đơn vị «{code}» có các kế thừa với ngày hiệu lực khác nhau "
                f"({', '.join(sorted(format(d, '%d/%m/%Y') for d in dates))}); một đơn vị kết thúc vào một ngày."
            )
        total = sum(s.share for s in found)
        if abs(total - 1) > _SHARE_TOLERANCE:
            errors.append(
                f"{at(code)}tổng tỷ lệ chuyển sang các đơn vị kế thừa của «{code}» là {fmt_number(total, 3)}; "
                "phải bằng 1 (100%): khi sáp nhập để trống tỷ lệ, khi chia tách các phần cộng lại bằng 1."
            )
    errors.extend(_lineage_cycles(by_old))
    for code, unit in units.items():
        found = by_old.get(code, [])
        if unit.end_reason in ("merged", "split") and not found:
            errors.append(
                f"{at(code)}đơn vị «{code}» kết thúc do {END_REASONS[unit.end_reason]} nhưng chưa có đơn vị kế thừa. "
                f"Thêm dòng kế thừa «{code} → mã đơn vị mới» với ngày hiệu lực là ngày sau ngày kết thúc."
            )
        elif unit.end_reason == "merged" and len(found) > 1:
            errors.append(
                f"{at(code)}đơn vị «{code}» sáp nhập vào một đơn vị nhưng có {len(found)} đơn vị kế thừa; "
                "nếu đơn vị được chia cho nhiều nơi, ghi lý do kết thúc là «chia tách»."
            )
        elif unit.end_reason == "dissolved" and found:
            errors.append(
                f"{at(code)}đơn vị «{code}» được ghi là giải thể nhưng có đơn vị kế thừa; "
                "sửa lý do kết thúc thành «sáp nhập» hoặc «chia tách», hoặc bỏ dòng kế thừa."
            )
    return errors


def _lineage_cycles(by_old: dict[str, list[Succession]]) -> list[str]:
    state: dict[str, int] = {}
    messages: list[str] = []

    def visit(code: str, path: list[str]) -> None:
        state[code] = 1
        for s in by_old.get(code, []):
            if state.get(s.successor) == 1:
                loop = [*path[path.index(s.successor) :], s.successor] if s.successor in path else [code, s.successor]
                messages.append(
                    f"Các đơn vị {' → '.join(loop)} kế thừa lẫn nhau thành vòng lặp. Sửa bảng kế thừa: "
                    "đơn vị mới không thể là tiền thân của đơn vị cũ."
                )
            elif state.get(s.successor) is None:
                visit(s.successor, [*path, s.successor])
        state[code] = 2

    for start in sorted(by_old):
        if state.get(start) is None:
            visit(start, [start])
    return messages


def _cycles(units: dict[str, Unit]) -> list[str]:
    """One message per cycle in the parent links."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    messages = []
    for start in sorted(units):
        path: list[str] = []
        code: str | None = start
        while code is not None and code in units and state.get(code) != 2:
            if state.get(code) == 1:
                loop = [*path[path.index(code) :], code]
                messages.append(
                    f"Các đơn vị {' → '.join(loop)} tạo thành vòng lặp cấp trên – cấp dưới. Sửa cột parent_code."
                )
                break
            state[code] = 1
            path.append(code)
            code = units[code].parent_code
        for seen in path:
            state[seen] = 2
    return messages


def log_action(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    file_name: str | None,
    detail: str,
    *,
    unit_code: str | None = None,
    period: str | None = None,
) -> None:
    """An audit row for an action not about one received file (inside the caller's transaction)."""
    con.execute(
        "insert into audit_log (logged_at, actor, action, file_name, unit_code, period, detail) "
        "values (now(), $actor, $action, $file, $unit, $period, $detail)",
        {"actor": actor, "action": action, "file": file_name, "unit": unit_code, "period": period, "detail": detail},
    )


def registry_records(path: Path | str, data: bytes | None = None) -> tuple[list[dict], list[dict] | None]:
    """The unit rows of a registry file, and its lineage rows when it carries them.

    A CSV or a one-sheet workbook holds units only; a workbook with a sheet «Đơn vị» (the app's
    export) holds units there and, if present, the lineage on «Kế thừa».
    """
    path = Path(path)
    data = path.read_bytes() if data is None and path.exists() else data
    sheets = {fold(n) for n in sheet_names(data)} if data else set()
    if fold(UNITS_SHEET) not in sheets:
        return read_table(path, REGISTRY_COLUMNS, data=data, labels=UNIT_LABELS), None
    units = read_table(path, REGISTRY_COLUMNS, sheet=UNITS_SHEET, data=data, labels=UNIT_LABELS)
    lineage = (
        read_table(path, LINEAGE_COLUMNS, sheet=LINEAGE_SHEET, data=data, labels=LINEAGE_LABELS)
        if fold(LINEAGE_SHEET) in sheets
        else None
    )
    return units, lineage


@dataclass(frozen=True)
class RegistryChange:
    added: int
    changed: int
    successions: int
    units: tuple[Unit, ...] = ()  # the units the rows gave, as checked

    def describe(self) -> str:
        return (
            f"{fmt_number(self.added)} đơn vị mới, {fmt_number(self.changed)} đơn vị sửa đổi; "
            f"bảng kế thừa có {fmt_number(self.successions)} dòng"
        )


def apply_registry(
    con: duckdb.DuckDBPyConnection,
    unit_records: list[dict[str, object]],
    lineage_records: list[dict[str, object]] | None = None,
    *,
    actor: str,
    source: str,
    replace_lineage: bool = False,
    dry_run: bool = False,
    targets: list[Target] | None = None,
) -> RegistryChange:
    """Check units and lineage against the stored registry and write them in one transaction.

    Unit rows replace stored units with the same code (none is ever deleted: close a unit with
    its last day instead). Lineage rows replace the stored successions of the same old units, or
    the whole table when ``replace_lineage``; ``targets`` (already checked) are stored in the same
    transaction. Raises RegistryError listing every problem; then nothing is written.
    ``dry_run`` checks and describes the change without writing anything.
    """
    existing = UnitTree.from_db(con)
    parsed, unit_rows, errors = units_from_records(unit_records)
    stored = list(existing.lineage.successions)
    lineage_rows: dict[tuple, int] = {}
    if lineage_records is not None:
        incoming, lineage_rows, lineage_errors = successions_from_records(lineage_records)
        errors.extend(f"{_LINEAGE_PREFIX}{e}" for e in lineage_errors)
        if replace_lineage:
            stored = incoming
        else:
            replaced = {s.predecessor for s in incoming}
            stored = [s for s in stored if s.predecessor not in replaced] + incoming
    merged = dict(existing.by_code) | parsed
    errors.extend(check_structure(merged, stored, unit_rows, lineage_rows))
    if errors:
        raise RegistryError(errors)
    change = RegistryChange(
        added=sum(code not in existing for code in parsed),
        changed=sum(code in existing and existing.get(code) != unit for code, unit in parsed.items()),
        successions=len(stored),
        units=tuple(parsed.values()),
    )
    if dry_run:
        return change
    now = datetime.now()
    con.execute("begin transaction")
    try:
        incoming_units = pd.DataFrame(
            [
                [u.code, u.name, u.org_type, u.parent_code, u.active_from, u.active_to, now, u.end_reason]
                for u in parsed.values()
            ],
            columns=["code", "name", "org_type", "parent_code", "active_from", "active_to", "updated_at", "end_reason"],
        )
        con.register("incoming_units", incoming_units)
        con.execute("delete from units where code in (select code from incoming_units)")
        con.execute(
            "insert into units (code, name, org_type, parent_code, active_from, active_to, updated_at, end_reason) "
            "select code, name, org_type, parent_code, cast(active_from as date), cast(active_to as date), "
            "updated_at, end_reason from incoming_units"
        )
        con.unregister("incoming_units")
        if lineage_records is not None:
            lineage = pd.DataFrame(
                [[s.predecessor, s.successor, s.effective, s.share, now] for s in stored],
                columns=["predecessor_code", "successor_code", "effective_date", "share", "updated_at"],
            )
            con.register("incoming_lineage", lineage)
            con.execute("delete from unit_lineage")
            con.execute(
                "insert into unit_lineage select predecessor_code, successor_code, cast(effective_date as date), "
                "share, updated_at from incoming_lineage"
            )
            con.unregister("incoming_lineage")
        rebuild_unit_map(con)
        log_action(con, actor, "registry", source, change.describe())
        if targets:
            write_targets(con, targets, actor=actor, source=source)  # resolves them on the new registry
        else:
            resolve_targets(con)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return change


_LINEAGE_PREFIX = "Bảng kế thừa – "


def load_registry(
    con: duckdb.DuckDBPyConnection, path: Path | str, actor: str = "cli", lineage: Path | str | None = None
) -> list[Unit]:
    """Check a registry file (and a lineage file, or the workbook's lineage sheet) and upsert it."""
    unit_records, lineage_records = registry_records(path)
    if lineage is not None:
        lineage_records = read_table(lineage, LINEAGE_COLUMNS, labels=LINEAGE_LABELS)
    return list(apply_registry(con, unit_records, lineage_records, actor=actor, source=Path(path).name).units)


def load_lineage(con: duckdb.DuckDBPyConnection, path: Path | str, actor: str = "cli") -> int:
    """Check a lineage file and store it (its rows replace the stored successions of the same old units)."""
    records = read_table(path, LINEAGE_COLUMNS, labels=LINEAGE_LABELS)
    change = apply_registry(con, [], records, actor=actor, source=Path(path).name)
    return change.successions


def parse_targets(path: Path | str, tree: UnitTree) -> list[Target]:
    """Read and check a targets file: a count ("12") or a percent of opening members ("7%")."""
    targets, errors = targets_from_records(target_records(path), tree)
    if errors:
        raise RegistryError(errors)
    return targets


def target_records(path: Path | str, data: bytes | None = None) -> list[dict[str, object]]:
    """A targets CSV or workbook; in a registry workbook, its sheet «Chỉ tiêu» (none there: no rows)."""
    if data is None:
        data = Path(path).read_bytes() if Path(path).exists() else None
    sheets = {fold(n) for n in sheet_names(data)} if data else set()
    if fold(UNITS_SHEET) in sheets and fold(TARGETS_SHEET) not in sheets:
        return []
    sheet = TARGETS_SHEET if fold(TARGETS_SHEET) in sheets else None
    return read_table(path, TARGET_COLUMNS, sheet=sheet, data=data, labels=TARGET_LABELS)


def targets_from_records(records: list[dict[str, object]], tree: UnitTree) -> tuple[list[Target], list[str]]:
    """Target rows → targets and the problems found, each naming its row."""
    errors: list[str] = []
    targets: dict[tuple[str, int], Target] = {}
    for rec in records:
        row = rec["_row"]
        code = cell_text(rec.get("unit_code"))
        if code not in tree:
            errors.append(f"Dòng {row}: mã đơn vị «{code}» không có trong danh mục. Nạp danh mục trước hoặc sửa mã.")
            continue
        try:
            year = int(cell_text(rec.get("year")))
        except ValueError:
            errors.append(f"Dòng {row}: năm «{cell_text(rec.get('year'))}» không hợp lệ; ghi 4 chữ số, ví dụ 2026.")
            continue
        raw = rec.get("admission_target")
        basis_hint = cell_text(rec.get("basis")).casefold()
        text = cell_text(raw)
        is_percent = text.endswith("%") or basis_hint in {"percent", "%", "tỷ lệ", "ty le"}
        try:
            value = float(raw) if isinstance(raw, (int, float)) else float(parse_number(text))
        except NumberTextError:
            errors.append(
                f"Dòng {row}: chỉ tiêu kết nạp «{text}» của «{code}» không phải là số. "
                "Ghi số đảng viên (ví dụ 12) hoặc tỷ lệ so với đảng viên đầu năm (ví dụ 7%)."
            )
            continue
        if value < 0 or (not is_percent and not value.is_integer()) or (is_percent and value > 100):
            errors.append(
                f"Dòng {row}: chỉ tiêu kết nạp «{text}» của «{code}» không hợp lệ: "
                "số đảng viên phải là số nguyên không âm, tỷ lệ từ 0% đến 100%."
            )
            continue
        unit = tree.get(code)
        if not unit.active_any(date(year, 1, 1), date(year, 12, 31)):
            errors.append(f"Dòng {row}: đơn vị «{code}» không hoạt động trong năm {year}; không giao chỉ tiêu được.")
            continue
        if (code, year) in targets:
            errors.append(f"Dòng {row}: đơn vị «{code}» đã có chỉ tiêu năm {year} ở dòng trên.")
            continue
        targets[(code, year)] = Target(code, year, "percent" if is_percent else "count", value)
    return list(targets.values()), errors


def load_targets(con: duckdb.DuckDBPyConnection, path: Path | str, actor: str = "cli") -> list[Target]:
    """Check a targets file and upsert it in one transaction; percents are resolved where possible."""
    targets = parse_targets(path, UnitTree.from_db(con))
    store_targets(con, targets, actor=actor, source=Path(path).name)
    return targets


def store_targets(
    con: duckdb.DuckDBPyConnection,
    targets: list[Target],
    *,
    actor: str,
    source: str,
    replace_year: int | None = None,
) -> list[Target]:
    """Upsert checked targets in one transaction (with ``replace_year``, that year's other targets
    are removed: the app's table holds the whole year)."""
    con.execute("begin transaction")
    try:
        write_targets(con, targets, actor=actor, source=source, replace_year=replace_year)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return targets


def write_targets(
    con: duckdb.DuckDBPyConnection,
    targets: list[Target],
    *,
    actor: str,
    source: str,
    replace_year: int | None = None,
) -> None:
    """The writes of ``store_targets``, inside the caller's transaction; percents resolved, audited."""
    now = datetime.now()
    incoming = pd.DataFrame(
        [
            [t.unit_code, t.year, t.basis, t.basis_value, int(t.basis_value) if t.basis == "count" else None, now]
            for t in targets
        ],
        columns=["unit_code", "year", "basis", "basis_value", "admission_target", "updated_at"],
    )
    con.register("incoming_targets", incoming)
    try:
        if replace_year is not None:
            con.execute("delete from targets where year = $year", {"year": replace_year})
        con.execute("delete from targets where (unit_code, year) in (select (unit_code, year) from incoming_targets)")
        con.execute(
            "insert into targets select unit_code, year, basis, basis_value, "
            "cast(admission_target as integer), null, updated_at from incoming_targets"
        )
    finally:
        con.unregister("incoming_targets")
    resolve_targets(con)
    scope = f" năm {replace_year} (thay toàn bộ)" if replace_year is not None else ""
    log_action(con, actor, "targets", source, f"{fmt_number(len(targets))} chỉ tiêu{scope}")


def resolve_targets(con: duckdb.DuckDBPyConnection) -> None:
    """Turn percent targets into counts from the stored opening membership, then compute every unit's
    target again (target_totals), inside the caller's transaction. Every writer of targets or of
    the registry calls this, and so does a load that can give a year's opening membership."""
    if con.execute("select count(*) from targets where basis = 'percent'").fetchone()[0]:
        con.execute(sql_text("load/resolve_targets.sql"))
    refresh_target_totals(con)
