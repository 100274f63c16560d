"""Findings: what a check says about a file, in Vietnamese, cell by cell."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]
SEVERITY_LABEL = {"error": "Lỗi", "warning": "Cảnh báo"}


@dataclass(frozen=True)
class Finding:
    severity: Severity
    rule: str  # stable identifier, e.g. "members_balance"
    message: str  # a Vietnamese sentence naming the sheet, the cell and the fix
    sheet: str | None = None
    cell: str | None = None

    def as_json(self) -> dict[str, str | None]:
        data = asdict(self)
        return {k: data[k] for k in ("severity", "sheet", "cell", "rule", "message")}


def located(severity: Severity, rule: str, body: str, sheet: str | None = None, cell: str | None = None) -> Finding:
    """A finding whose message starts with where to look: "Trang «Đảng viên», ô D16: …"."""
    where = []
    if sheet:
        where.append(f"Trang «{sheet}»")
    if cell:
        where.append(f"ô {cell}")
    message = f"{', '.join(where)}: {body}" if where else body
    return Finding(severity, rule, message, sheet, cell)


def error(rule: str, body: str, sheet: str | None = None, cell: str | None = None) -> Finding:
    return located("error", rule, body, sheet, cell)


def warning(rule: str, body: str, sheet: str | None = None, cell: str | None = None) -> Finding:
    return located("warning", rule, body, sheet, cell)
