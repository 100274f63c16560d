"""Loading the unit registry and the annual admission targets, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from ingest.tables import TableError, cell_date, cell_text, read_table
from reporting.catalog import ORG_TYPES
from reporting.db import sql_text
from reporting.numbers import NumberTextError, parse_number
from reporting.units import Unit, UnitTree

REGISTRY_COLUMNS = ["code", "name", "org_type", "parent_code", "active_from", "active_to"]
TARGET_COLUMNS = ["unit_code", "year", "admission_target"]


class RegistryError(TableError):
    """The registry or targets file breaks a rule; nothing was written."""


@dataclass(frozen=True)
class Target:
    unit_code: str
    year: int
    basis: str  # "count" or "percent"
    basis_value: float


def parse_registry(path: Path | str, existing: list[Unit] | None = None) -> list[Unit]:
    """Read and check a registry file against the units already stored.

    Rows replace stored units with the same code. Raises RegistryError listing
    every problem (unknown parent, cycle, duplicate code, bad type or date).
    """
    records = read_table(path, REGISTRY_COLUMNS)
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
        parsed[code] = Unit(code, name, org_type, parent, active_from, active_to)

    merged = {u.code: u for u in existing or []}
    merged.update(parsed)
    for code, unit in parsed.items():
        if unit.parent_code is not None and unit.parent_code not in merged:
            errors.append(
                f"Dòng {first_row[code]}: đơn vị cấp trên «{unit.parent_code}» của «{code}» không có trong danh mục. "
                "Thêm đơn vị cấp trên vào tệp hoặc sửa mã."
            )
    errors.extend(_cycles(merged))
    if errors:
        raise RegistryError(errors)
    return list(parsed.values())


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


def load_registry(con: duckdb.DuckDBPyConnection, path: Path | str, actor: str = "cli") -> list[Unit]:
    """Check a registry file and upsert its units in one transaction."""
    existing = UnitTree.from_db(con)
    units = parse_registry(path, list(existing.by_code.values()))
    now = datetime.now()
    con.execute("begin transaction")
    try:
        incoming = pd.DataFrame(
            [[u.code, u.name, u.org_type, u.parent_code, u.active_from, u.active_to, now] for u in units],
            columns=["code", "name", "org_type", "parent_code", "active_from", "active_to", "updated_at"],
        )
        con.register("incoming_units", incoming)
        con.execute("delete from units where code in (select code from incoming_units)")
        con.execute(
            "insert into units select code, name, org_type, parent_code, "
            "cast(active_from as date), cast(active_to as date), updated_at from incoming_units"
        )
        con.unregister("incoming_units")
        log_action(con, actor, "registry", Path(path).name, f"{len(units)} đơn vị")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return units


def parse_targets(path: Path | str, tree: UnitTree) -> list[Target]:
    """Read and check a targets file: a count ("12") or a percent of opening members ("7%")."""
    records = read_table(path, TARGET_COLUMNS)
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
        if (code, year) in targets:
            errors.append(f"Dòng {row}: đơn vị «{code}» đã có chỉ tiêu năm {year} ở dòng trên.")
            continue
        targets[(code, year)] = Target(code, year, "percent" if is_percent else "count", value)
    if errors:
        raise RegistryError(errors)
    return list(targets.values())


def load_targets(con: duckdb.DuckDBPyConnection, path: Path | str, actor: str = "cli") -> list[Target]:
    """Check a targets file and upsert it in one transaction; percents are resolved where possible."""
    targets = parse_targets(path, UnitTree.from_db(con))
    now = datetime.now()
    con.execute("begin transaction")
    try:
        incoming = pd.DataFrame(
            [
                [t.unit_code, t.year, t.basis, t.basis_value, int(t.basis_value) if t.basis == "count" else None, now]
                for t in targets
            ],
            columns=["unit_code", "year", "basis", "basis_value", "admission_target", "updated_at"],
        )
        con.register("incoming_targets", incoming)
        con.execute("delete from targets where (unit_code, year) in (select (unit_code, year) from incoming_targets)")
        con.execute(
            "insert into targets select unit_code, year, basis, basis_value, "
            "cast(admission_target as integer), null, updated_at from incoming_targets"
        )
        con.unregister("incoming_targets")
        resolve_targets(con)
        log_action(con, actor, "targets", Path(path).name, f"{len(targets)} chỉ tiêu")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return targets


def resolve_targets(con: duckdb.DuckDBPyConnection) -> None:
    """Turn percent targets into counts from the stored opening membership (inside the caller's transaction)."""
    if con.execute("select count(*) from targets where basis = 'percent'").fetchone()[0]:
        con.execute(sql_text("load/resolve_targets.sql"))
