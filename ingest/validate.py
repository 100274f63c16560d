"""Checking a return the way a careful board would (DOMAIN.md section 4).

Errors reject the file; warnings let it through with a note. Nothing is ever
balanced by guesswork: every finding names the sheet, the cell and the fix,
and the unit corrects its own file.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Literal

from access.locks import lock_for
from ingest.anomaly import unusual_against_history, unusual_against_peers
from ingest.context import CheckContext
from ingest.findings import Finding, error, warning
from ingest.layout import INFO_SHEET, cell_ref
from ingest.period_label import label_mismatch
from ingest.read import RawCell, RawReturn, unreadable
from reporting import settings
from reporting.catalog import BY_CODE, MEETING_RATINGS, SHEETS, TEMPLATE_VERSION, Metric, sheets_for
from reporting.numbers import NumberTextError, fmt_number, fmt_percent, fmt_value, parse_number
from reporting.periods import Period, PeriodError, parse_return_period
from reporting.text import clean_text
from reporting.units import Unit

Status = Literal["accepted", "warnings", "rejected"]

INFLOWS = ("admitted", "readmitted", "transfer_in")
OUTFLOWS = ("deceased", "expelled", "struck_off", "resigned", "transfer_out")
STOCKS_CARRIED = (("members_opening", "members_closing"), ("probationary_opening", "probationary_closing"))
DISCIPLINED_MEMBERS = ("disc_member_reprimand", "disc_member_warning", "disc_member_dismissal")
# Who becomes probationary in a unit: the newly admitted, the readmitted (a readmitted member goes
# through probation again, like one admitted for the first time: QĐ 294-QĐ/TW point 3.5, as QĐ 29 and
# QĐ 24 before it) and, of those transferred in, the probationary ones (the return cannot say how many).
PROBATIONARY_IN = ("admitted", "readmitted")
# Who can leave the probationary count other than by confirmation: those who leave the unit. Not the
# expelled: a probationary member can only be reprimanded or warned (Charter art. 35, DOMAIN.md §3);
# one found unworthy is struck off.
PROBATIONARY_OUT = ("deceased", "struck_off", "resigned", "transfer_out")
MIN_BRANCH_MEMBERS = 3  # Charter: a branch has at least 3 official members (DOMAIN.md §7)
# No count of a commune-level committee or of one of its branches comes near this (the largest have a few
# thousand members): a figure above it is a typing slip, and refusing it keeps every sum, score and
# formatted figure downstream finite and exact (a float holds whole numbers exactly to 2**53).
COUNT_CEILING = 100_000
# The highest figure each metric may have: the catalog's maximum (percents: 100), else the ceiling above.
# Read once per cell where the float is made: NaN and ±INF fail the range test and take the slow path.
_HIGHEST = {code: COUNT_CEILING if m.maximum is None else m.maximum for code, m in BY_CODE.items()}
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckSettings:
    """The configurable rules (DOMAIN.md marks them **configurable**)."""

    # warn when excellent > this share of good (settings.toml)
    excellent_share_of_good: float = field(default_factory=lambda: settings.current().excellent_share_of_good)


@dataclass
class CheckResult:
    file_name: str
    unit_code: str | None
    period: Period | None
    findings: list[Finding]
    values: dict[str, float] = field(default_factory=dict)
    branches: dict[str, dict[str, float]] = field(default_factory=dict)
    period_text: str | None = None
    template_version: int | None = None
    openable: bool = True  # safe to open with openpyxl (to mark up); False for refused or unreadable files

    @property
    def status(self) -> Status:
        if any(f.severity == "error" for f in self.findings):
            return "rejected"
        return "warnings" if self.findings else "accepted"

    def values_json(self) -> dict[str, object]:
        """The figures in the shape ``fill`` takes (round trip)."""
        return {
            "unit": self.unit_code,
            "period": self.period.code if self.period else self.period_text,
            "values": {code: _json_number(v) for code, v in self.values.items()},
            "branches": {b: {code: _json_number(v) for code, v in vals.items()} for b, vals in self.branches.items()},
        }

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.file_name,
            "status": self.status,
            "unit": self.unit_code,
            "period": self.period.code if self.period else self.period_text,
            "findings": [f.as_json() for f in self.findings],
            "values": self.values_json(),
        }


def _json_number(value: float) -> int | float | None:
    """A figure for JSON: whole numbers as integers; never NaN or Infinity (not JSON; the checks refuse them)."""
    value = float(value)
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value


def check_return(raw: RawReturn, ctx: CheckContext, settings: CheckSettings | None = None) -> CheckResult:
    """Check one return read by ``read_return``. Never raises: whatever a check trips over in a file
    becomes a finding on that file ("không đọc được"), and the rest of the batch goes on."""
    try:
        return _Checker(raw, ctx, settings or CheckSettings()).run()
    except Exception as exc:  # one file never costs the others
        _log.exception("checking %s failed", raw.file_name)
        return CheckResult(raw.file_name, None, None, [*raw.problems, unreadable(raw.file_name, exc)], openable=False)


class _Checker:
    def __init__(self, raw: RawReturn, ctx: CheckContext, settings: CheckSettings):
        self.raw = raw
        self.ctx = ctx
        self.settings = settings
        self.findings: list[Finding] = list(raw.problems)
        self.values: dict[str, float] = {}
        self.branches: dict[str, dict[str, float]] = {}
        self.unit_code: str | None = None
        self.period: Period | None = None
        self.period_text: str | None = None
        self.failed: set[tuple[str, str]] = set()  # (unit or branch code, metric) that did not parse
        self.unusable: set[tuple[str, str]] = set()  # (sheet, cell) whose value cannot be trusted
        self.expected_branches: dict[str, object] = {}
        self.outside_scope = False
        self.implausible: set[str] = set()  # unit metrics already warned as implausible

    def run(self) -> CheckResult:
        template_version = None
        if self.raw.readable:
            template_version = self._identity()
            if self.outside_scope:
                # Nothing more is said about another unit's return: its checks would tell its figures.
                self.values, self.branches = {}, {}
            elif self.period is not None:
                unit = self.ctx.tree.get(self.unit_code) if self.unit_code else None
                known = unit is not None and unit.reports  # branch rows are only a reporting unit's
                if known:
                    self.expected_branches = {
                        b.code: b for b in self.ctx.tree.branches_of(self.unit_code, self.period.start, self.period.end)
                    }
                self._container_checks()
                self._parse_unit_values()
                self._parse_branches(known)
                if known:
                    self._rules()
        return CheckResult(
            self.raw.file_name,
            self.unit_code,
            self.period,
            self.findings,
            self.values,
            self.branches,
            self.period_text,
            template_version,
            # openpyxl marks up only what it can open quickly: a return inflates to ~100 KiB
            openable=self.raw.readable and self.raw.container.markup_ok,
        )

    def _ok(self, *codes: str, owner: str | None = None) -> bool:
        """True when none of these figures failed to parse (a rule on a bad cell would only add noise)."""
        owner = owner or self.unit_code
        return not any((owner, code) in self.failed for code in codes)

    # --- identity -------------------------------------------------------

    def _info(self, key: str) -> RawCell | None:
        return self.raw.info.get(key)

    def _identity(self) -> int | None:
        version_cell = self._info("template_version")
        version = None
        value = version_cell.value if version_cell is not None else None
        # A whole number of a plausible size (a bool, NaN, INF or 1e300 there is no version; int() would raise)
        if type(value) in (int, float) and 0 <= value < 10_000 and float(value).is_integer():
            version = int(value)
        if version != TEMPLATE_VERSION:
            self.findings.append(
                error(
                    "template_version",
                    f"Mẫu báo cáo phiên bản «{fmt_value(version) if version is not None else 'không rõ'}» không còn dùng "
                    f"(phiên bản hiện hành: {TEMPLATE_VERSION}). Tải mẫu mới của đơn vị và nhập lại số liệu.",
                    INFO_SHEET,
                    version_cell.ref if version_cell else None,
                )
            )
        unit_cell = self._info("unit_code")
        code = _text(unit_cell.value) if unit_cell else ""
        if not code:
            self.findings.append(
                error(
                    "unit_missing",
                    "Không có mã đơn vị. Dùng mẫu do Ban Tổ chức phát hành cho đơn vị mình.",
                    INFO_SHEET,
                    unit_cell.ref if unit_cell else None,
                )
            )
        else:
            self.unit_code = code
        period_cell = self._info("period")
        self.period_text = _text(period_cell.value) if period_cell else None
        try:
            self.period = parse_return_period(self.period_text or "")
        except PeriodError as exc:
            self.findings.append(
                error("period_invalid", str(exc), INFO_SHEET, period_cell.ref if period_cell else None)
            )
        if self.period is not None and self.period.start > self.ctx.today:
            self.findings.append(
                error(
                    "period_future",
                    f"Kỳ báo cáo {self.period.label} chưa bắt đầu. Kiểm tra lại kỳ báo cáo; "
                    "tải đúng mẫu của kỳ cần báo cáo.",
                    INFO_SHEET,
                    period_cell.ref if period_cell else None,
                )
            )
        if self.unit_code:
            self._check_unit(unit_cell)
        if self.period is not None and self.period.start <= self.ctx.today and not self.outside_scope:
            # Last period's template with only its code changed: the label beside the code still names the old one.
            mismatch = label_mismatch(self.period, self._info("period_label"))
            if mismatch is not None:
                self.findings.append(mismatch)
        return version

    def _check_unit(self, unit_cell: RawCell | None) -> None:
        ref = unit_cell.ref if unit_cell else None
        unit = self.ctx.tree.get(self.unit_code)
        if unit is None:
            self.findings.append(
                error(
                    "unit_unknown",
                    f"Mã đơn vị «{self.unit_code}» không có trong danh mục đơn vị. Dùng mẫu do Ban Tổ chức "
                    "phát hành cho đơn vị mình, hoặc đề nghị Ban Tổ chức bổ sung đơn vị vào danh mục.",
                    INFO_SHEET,
                    ref,
                )
            )
            return
        if not unit.reports:
            self.findings.append(
                error(
                    "unit_not_reporting",
                    f"Đơn vị «{self.unit_code}» ({unit.name}) không phải đơn vị gửi báo cáo; báo cáo do "
                    "đảng ủy cấp xã gửi. Dùng mẫu của đảng ủy cấp trên trực tiếp.",
                    INFO_SHEET,
                    ref,
                )
            )
        if self.ctx.scope is not None and not self.ctx.tree.within(self.unit_code, self.ctx.scope):
            self.outside_scope = True
            scope = self.ctx.tree.get(self.ctx.scope)
            self.findings.append(
                error(
                    "unit_outside_scope",
                    f"Tài khoản của bạn chỉ nộp được báo cáo của {scope.name if scope else self.ctx.scope}; "
                    f"tệp này là báo cáo của đơn vị «{self.unit_code}». Gửi tệp cho đơn vị đó tự nộp "
                    "hoặc nhờ Ban Tổ chức nạp.",
                    INFO_SHEET,
                    ref,
                )
            )
            return
        if self.period is None:
            return
        lock = lock_for(self.ctx.locks, self.ctx.tree, self.unit_code, self.period)
        if lock is not None:
            self.findings.append(
                error(
                    "period_locked",
                    f"{lock.period.label} đã được khóa sau khi thẩm định (khóa bởi {lock.locked_by} lúc "
                    f"{lock.locked_at:%H:%M ngày %d/%m/%Y}); không nhận phiên bản mới cho {self.period.label}. "
                    "Nếu cần sửa số liệu, đề nghị Ban Tổ chức mở khóa kỳ này rồi gửi lại.",
                    INFO_SHEET,
                    self.raw.info["period"].ref if "period" in self.raw.info else ref,
                )
            )
        if not unit.active_during(self.period.start, self.period.end):
            self.findings.append(error("unit_inactive", self._inactive_message(unit), INFO_SHEET, ref))
        other_kinds = self.ctx.period_kinds(self.unit_code, self.period.year) - {self.period.kind}
        if other_kinds:
            kind_vi = {"quarter": "quý", "month": "tháng"}
            self.findings.append(
                error(
                    "period_kind_mixed",
                    f"Năm {self.period.year} đơn vị đã báo cáo theo {kind_vi[next(iter(other_kinds))]}; "
                    f"không nhận báo cáo theo {kind_vi[self.period.kind]} trong cùng năm. Dùng mẫu đúng loại kỳ.",
                    INFO_SHEET,
                    self.raw.info["period"].ref if "period" in self.raw.info else None,
                )
            )

    def _inactive_message(self, unit: Unit) -> str:
        """Why the unit cannot report for the period, naming who reports instead across a merger."""
        tree, period = self.ctx.tree, self.period
        who = f"Đơn vị «{unit.code}» ({unit.name})"
        successors = tree.successors_of(unit.code)
        if unit.active_to is not None and period.end > unit.active_to and successors:
            how = "chia tách" if len(successors) > 1 else "sáp nhập"
            into = ", ".join(
                f"«{s.code}» ({s.name}{'' if share == 1 else ', ' + fmt_percent(100 * share, 0)})"
                for s, share in successors
            )
            return (
                f"{who} đã {how} vào {into} từ ngày {_date(unit.active_to + dt.timedelta(days=1))}; "
                f"không nhận báo cáo {period.label} của đơn vị này. Báo cáo từ kỳ đó do đơn vị kế thừa gửi: "
                f"dùng mẫu của {successors[0][0].code}."
            )
        predecessors = tree.predecessors_of(unit.code)
        if unit.active_from is not None and period.start < unit.active_from and predecessors:
            before = ", ".join(f"«{p.code}» ({p.name})" for p, _ in predecessors)
            return (
                f"{who} bắt đầu hoạt động từ ngày {_date(unit.active_from)}; báo cáo {period.label} thuộc các đơn vị "
                f"trước đó: {before}. Kiểm tra lại kỳ báo cáo, hoặc gửi báo cáo bằng mẫu của đơn vị cũ."
            )
        span = f"từ {_date(unit.active_from)}" if unit.active_from else ""
        span += f" đến {_date(unit.active_to)}" if unit.active_to else ""
        return (
            f"{who} không hoạt động trong {period.label} "
            f"(hoạt động {span.strip() or 'không rõ'}). Kiểm tra lại kỳ báo cáo hoặc mã đơn vị."
        )

    # --- the file itself ----------------------------------------------------

    def _input_cells(self) -> list[RawCell]:
        cells = list(self.raw.unit_cells.values())
        for row in self.raw.branches:
            cells.extend(row.values.values())
        return cells

    def _container_checks(self) -> None:
        """Hidden sheets, formulas and merged cells in the input cells."""
        box = self.raw.container
        for name in self.raw.sheets.values():
            if name in box.hidden_sheets:
                self.findings.append(
                    warning(
                        "sheet_hidden",
                        "Trang đang bị ẩn; số liệu vẫn được đọc. Bỏ ẩn trang (chuột phải vào tên trang > Bỏ ẩn) "
                        "và kiểm tra lại số liệu trước khi gửi.",
                        name,
                    )
                )
        if not box.formulas and not self.raw.merged and not box.errors:
            return  # no formula, error value or merged range anywhere: nothing to look for cell by cell
        cells = self._input_cells()
        merged = self._merged_over(cells) if self.raw.merged else {}
        for cell in cells:
            cached = box.formulas.get(cell.sheet, {}).get(cell.ref)
            failed = box.errors.get(cell.sheet, {}).get(cell.ref)
            if failed is not None:
                # calamine reads an error value as a blank: without this it would pass for "not reported"
                self.findings.append(
                    error(
                        "cell_error",
                        f"Ô có giá trị lỗi «{failed}» thay vì số liệu (thường do công thức chia cho 0 hoặc tham chiếu "
                        "sai). Nhập thẳng con số vào ô (để trống nếu không có số liệu) rồi gửi lại.",
                        cell.sheet,
                        cell.ref,
                    )
                )
                self.unusable.add((cell.sheet, cell.ref))
            elif cached is not None and (box.never_calculated or not cached):
                self.findings.append(
                    error(
                        "formula_uncalculated",
                        "Ô có công thức nhưng giá trị chưa được Excel tính (tệp do phần mềm khác tạo ra). Mở tệp bằng "
                        "Excel, lưu lại rồi gửi; tốt nhất nhập thẳng con số thay cho công thức.",
                        cell.sheet,
                        cell.ref,
                    )
                )
                self.unusable.add((cell.sheet, cell.ref))
            elif cached is not None:
                self.findings.append(
                    warning(
                        "formula_input",
                        "Ô dùng công thức; hệ thống lấy giá trị Excel đã tính. Nên nhập thẳng con số.",
                        cell.sheet,
                        cell.ref,
                    )
                )
            span = merged.get((cell.sheet, cell.ref))
            if span is not None:
                self.findings.append(
                    error(
                        "merged_input",
                        f"Ô nằm trong vùng gộp ô {span}. Bỏ gộp ô (Trang đầu > Gộp và căn giữa) rồi nhập số liệu "
                        "vào từng ô.",
                        cell.sheet,
                        cell.ref,
                    )
                )

    def _merged_over(self, cells: list[RawCell]) -> dict[tuple[str, str], str]:
        """(sheet, cell) -> the first merged range over it ("D6:D7"). Each range looks up only the rows it spans
        (a crafted sheet of 100,000 ranges took 13 s cell by cell, range by range)."""
        rows: dict[str, dict[int, list[tuple[int, RawCell]]]] = {}
        for cell in cells:
            if cell.sheet in self.raw.merged:
                rows.setdefault(cell.sheet, {}).setdefault(_row(cell.ref), []).append((_col(cell.ref), cell))
        found: dict[tuple[str, str], str] = {}
        for sheet, by_row in rows.items():
            numbers = sorted(by_row)
            for (r1, c1), (r2, c2) in self.raw.merged[sheet]:
                for r in numbers[bisect_left(numbers, r1) : bisect_right(numbers, r2)]:
                    for c, cell in by_row[r]:
                        if c1 <= c <= c2 and (sheet, cell.ref) not in found:
                            found[(sheet, cell.ref)] = f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}"
        return found

    # --- numbers --------------------------------------------------------

    def _number(self, metric: Metric, cell: RawCell, what: str) -> float | None:
        """Parse one input cell; record a finding and return None when it is not a valid figure."""
        value = cell.value
        # Most cells of a good return: a plain number in range (bool is not a number; a type test skips it).
        if (
            type(value) in (int, float)
            and not self.unusable
            and metric.minimum <= value <= _HIGHEST[metric.code]  # False for NaN and ±INF
            and (not metric.whole or float(value).is_integer())
        ):
            return float(value)
        if (cell.sheet, cell.ref) in self.unusable:
            return None  # already reported: a formula Excel never calculated
        if value is None:
            if metric.required:
                self.findings.append(
                    error("required_missing", f"Chưa nhập «{what}». Chỉ tiêu này bắt buộc.", cell.sheet, cell.ref)
                )
            return None
        shown = _quoted(value)
        if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
            self.findings.append(
                error(
                    "date_not_number",
                    f"«{what}» đang là ngày tháng ({_shown_date(value)}) thay vì số. Định dạng ô là Số (Number) rồi nhập lại số liệu.",
                    cell.sheet,
                    cell.ref,
                )
            )
            return None
        number = _as_number(value)
        if number is None:
            example = "92,5" if metric.kind == "percent" else "12 hoặc 1.234"
            self.findings.append(
                error(
                    "not_a_number",
                    f"«{shown}» ở «{what}» không phải là số. Nhập số, ví dụ {example} "
                    "(dấu chấm phân cách hàng nghìn, dấu phẩy thập phân).",
                    cell.sheet,
                    cell.ref,
                )
            )
            return None
        if not math.isfinite(number):
            what_it_is = "không xác định (NaN)" if number != number else "vô cực (INF)"
            self.findings.append(
                error(
                    "not_a_number",
                    f"«{what}» là giá trị {what_it_is}, không phải là số (tệp không do Excel lưu, hoặc ô bị hỏng). "
                    "Nhập lại con số vào ô, để trống nếu không có số liệu.",
                    cell.sheet,
                    cell.ref,
                )
            )
            return None
        if number < metric.minimum:
            self.findings.append(
                error("negative", f"«{what}» là số âm ({_shown(number)}). Nhập số không âm.", cell.sheet, cell.ref)
            )
            return None
        if metric.whole and not number.is_integer():
            self.findings.append(
                error(
                    "not_whole",
                    f"«{what}» là {_shown(number)}, không phải số nguyên. Số người, số lượt, số buổi phải là "
                    "số nguyên; nếu đã gõ dấu phẩy phân cách hàng nghìn, thay bằng dấu chấm (1.234).",
                    cell.sheet,
                    cell.ref,
                )
            )
            return None
        if metric.maximum is None and number > COUNT_CEILING:
            self.findings.append(
                error(
                    "out_of_range",
                    f"«{what}» là {_shown(number)}, lớn hơn mọi số liệu có thể có của một đảng bộ cấp xã (không quá "
                    f"{fmt_number(COUNT_CEILING)}). Kiểm tra lại (có thể gõ thừa chữ số) rồi nhập đúng số liệu.",
                    cell.sheet,
                    cell.ref,
                )
            )
            return None
        if metric.maximum is not None and number > metric.maximum:
            self.findings.append(
                error(
                    "out_of_range",
                    f"«{what}» là {_shown(number)}, vượt quá {fmt_value(metric.maximum)}. "
                    f"Tỷ lệ phần trăm nhập từ {fmt_value(metric.minimum)} đến {fmt_value(metric.maximum)}.",
                    cell.sheet,
                    cell.ref,
                )
            )
            return None
        return number

    def _parse_unit_values(self) -> None:
        expected = {s.key for s in sheets_for(self.period.is_year_end)}
        not_due = {name for key, name in self.raw.sheets.items() if key not in expected}
        # A sheet this period does not carry (ratings mid-year) is ignored, rows and all.
        self.findings = [f for f in self.findings if not (f.rule == "row_missing" and f.sheet in not_due)]
        for sheet in SHEETS.values():
            if sheet.level != "unit":
                continue
            if sheet.key in expected and sheet.key not in self.raw.sheets:
                self.findings.append(
                    error(
                        "sheet_missing",
                        f"Thiếu trang «{sheet.name}». Không đổi tên hay xóa trang; tải lại mẫu của kỳ này.",
                    )
                )
        for code, cell in self.raw.unit_cells.items():
            metric = BY_CODE[code]
            if metric.sheet not in expected:
                continue  # e.g. a ratings sheet pasted into a mid-year return: not this period's figures
            number = self._number(metric, cell, metric.label)
            if number is not None:
                self.values[code] = number
            elif cell.value is not None or (cell.sheet, cell.ref) in self.unusable:
                self.failed.add((self.unit_code, code))

    def _parse_branches(self, known_unit: bool) -> None:
        if "branches" not in self.raw.sheets:
            self.findings.append(
                error(
                    "sheet_missing",
                    f"Thiếu trang «{SHEETS['branches'].name}». Không đổi tên hay xóa trang; tải lại mẫu của kỳ này.",
                )
            )
            return
        seen: dict[str, str] = {}
        for row in self.raw.branches:
            code = _text(row.code.value)
            if code in seen:
                self.findings.append(
                    error(
                        "branch_duplicate",
                        f"Chi bộ «{code}» có hai dòng (dòng trước ở ô {seen[code]}). Mỗi chi bộ chỉ một dòng; xóa dòng thừa.",
                        row.code.sheet,
                        row.code.ref,
                    )
                )
                continue
            seen[code] = row.code.ref
            if known_unit and code not in self.expected_branches:
                continue  # reported once by _branch_rows; its figures are not this unit's
            parsed: dict[str, float] = {}
            name = _text(row.name.value) or code
            for metric_code, cell in row.values.items():
                metric = BY_CODE[metric_code]
                number = self._number(metric, cell, f"{metric.label}» của chi bộ «{name}")
                if number is not None:
                    parsed[metric_code] = number
                elif cell.value is not None or (cell.sheet, cell.ref) in self.unusable:
                    self.failed.add((code, metric_code))
            self.branches[code] = parsed

    # --- rules (DOMAIN.md section 4) --------------------------------------

    def _cell(self, code: str) -> RawCell | None:
        return self.raw.unit_cells.get(code)

    def _add(self, make, rule: str, body: str, code_or_cell: str | RawCell | None) -> None:
        cell = self._cell(code_or_cell) if isinstance(code_or_cell, str) else code_or_cell
        self.findings.append(make(rule, body, cell.sheet if cell else None, cell.ref if cell else None))

    def _v(self, code: str) -> float:
        return self.values.get(code, 0.0)

    def _rules(self) -> None:
        self._members_balance()
        if self._probationary():
            self._probationary_flows()
        self._continuity()
        self._branch_rows()
        self._branch_sizes()
        self._meetings()
        self._upper_attended()
        self._inspections()
        self._expulsion()
        if self.period.is_year_end:
            self._year_end_ratings()
        self._implausible_counts()
        self._unlikely_figures()

    def _members_balance(self) -> None:
        if "members_closing" not in self.values or "members_opening" not in self.values:
            return
        if not self._ok(*INFLOWS, *OUTFLOWS):
            return
        expected = self._v("members_opening") + sum(self._v(c) for c in INFLOWS) - sum(self._v(c) for c in OUTFLOWS)
        actual = self._v("members_closing")
        if actual != expected:
            ins = " + ".join(f"{fmt_value(self._v(c))} {_lower_first(BY_CODE[c].label)}" for c in INFLOWS)
            outs = " − ".join(f"{fmt_value(self._v(c))} {_lower_first(BY_CODE[c].label)}" for c in OUTFLOWS)
            self._add(
                error,
                "members_balance",
                f"Tổng số đảng viên cuối kỳ là {fmt_value(actual)}, nhưng theo số đầu kỳ và biến động trong kỳ "
                f"phải là {fmt_value(expected)} ({fmt_value(self._v('members_opening'))} đầu kỳ + {ins} − {outs}). "
                "Kiểm tra lại các số biến động và số cuối kỳ cho khớp.",
                "members_closing",
            )

    def _probationary(self) -> bool:
        """Rule 2 of DOMAIN.md §4; True when it held (the flows of probation are worth checking)."""
        before = len(self.findings)
        if {"probationary_closing", "members_closing"} <= self.values.keys() and self._v(
            "probationary_closing"
        ) > self._v("members_closing"):
            self._add(
                error,
                "probationary_le_members",
                f"Đảng viên dự bị cuối kỳ ({fmt_value(self._v('probationary_closing'))}) nhiều hơn tổng số đảng viên "
                f"cuối kỳ ({fmt_value(self._v('members_closing'))}). Sửa lại một trong hai số.",
                "probationary_closing",
            )
        if {"probationary_opening", "members_opening"} <= self.values.keys() and self._v(
            "probationary_opening"
        ) > self._v("members_opening"):
            self._add(
                error,
                "probationary_le_members",
                f"Đảng viên dự bị đầu kỳ ({fmt_value(self._v('probationary_opening'))}) nhiều hơn tổng số đảng viên "
                f"đầu kỳ ({fmt_value(self._v('members_opening'))}). Sửa lại một trong hai số.",
                "probationary_opening",
            )
        limit = self._v("probationary_opening") + self._v("admitted")
        if self._ok("admitted", "confirmed_official", "probationary_opening") and self._v("confirmed_official") > limit:
            self._add(
                error,
                "confirmed_le_probationary",
                f"Số công nhận đảng viên chính thức ({fmt_value(self._v('confirmed_official'))}) vượt quá số đảng viên "
                f"dự bị đầu kỳ cộng kết nạp mới ({fmt_value(limit)}). Kiểm tra lại số công nhận chính thức.",
                "confirmed_official",
            )
        return len(self.findings) == before

    def _probationary_flows(self) -> None:
        """Probationary members at the end against the period's flows.

        A member is probationary from admission (or readmission) until confirmed official after
        12 months; the count falls only by confirmation or by leaving the unit. So, with the
        probationary ones among those transferred in and among those who left unknown:

            opening + admitted + readmitted − confirmed − (deceased + struck off + resigned + transferred out)
              ≤ closing ≤ opening + admitted + readmitted + transferred in − confirmed

        Outside these bounds the figures are impossible: errors. Within them, any place is
        possible: probationary members move in and out as a matter of course, so a warning there
        would be noise on right files. Those admitted in the period are also still probationary at
        its end (a period is at most 12 months, probation is 12), unless they left the unit: fewer
        than that is impossible, an error; fewer than those admitted, explained only if some of the
        new members left within weeks of joining, is a warning.
        """
        codes = ("probationary_opening", "probationary_closing", "confirmed_official", "transfer_in")
        if not {"probationary_opening", "probationary_closing"} <= self.values.keys():
            return
        if not self._ok(*codes, *PROBATIONARY_IN, *PROBATIONARY_OUT):
            return
        closing, opening = self._v("probationary_closing"), self._v("probationary_opening")
        confirmed = self._v("confirmed_official")
        joined = sum(self._v(c) for c in PROBATIONARY_IN)
        left = sum(self._v(c) for c in PROBATIONARY_OUT)
        joined_text = " + ".join(f"{fmt_value(self._v(c))} {_lower_first(BY_CODE[c].label)}" for c in PROBATIONARY_IN)
        left_text = " − ".join(f"{fmt_value(self._v(c))} {_lower_first(BY_CODE[c].label)}" for c in PROBATIONARY_OUT)
        confirmed_text = f"{fmt_value(confirmed)} {_lower_first(BY_CODE['confirmed_official'].label)}"
        most = opening + joined + self._v("transfer_in") - confirmed
        least = opening + joined - confirmed - left
        if closing > most:
            self._add(
                error,
                "probationary_flow_max",
                f"Đảng viên dự bị cuối kỳ là {fmt_value(closing)}, vượt quá mức các biến động trong kỳ cho phép: "
                f"nhiều nhất là {fmt_value(most)} ({fmt_value(opening)} dự bị đầu kỳ + {joined_text} + "
                f"{fmt_value(self._v('transfer_in'))} {_lower_first(BY_CODE['transfer_in'].label)} − {confirmed_text}"
                "). Đảng viên dự bị chỉ tăng do kết nạp mới, kết nạp lại hoặc chuyển đến; kiểm tra lại số dự bị "
                "cuối kỳ và các số biến động.",
                "probationary_closing",
            )
        elif closing < least:
            self._add(
                error,
                "probationary_flow_min",
                f"Đảng viên dự bị cuối kỳ là {fmt_value(closing)}, thấp hơn mức các biến động trong kỳ cho phép: "
                f"ít nhất là {fmt_value(least)} ({fmt_value(opening)} dự bị đầu kỳ + {joined_text} − {confirmed_text} − "
                f"{left_text}). Đảng viên dự bị chỉ giảm khi được công nhận chính thức hoặc rời đảng bộ (đảng viên "
                "dự bị không bị khai trừ); kiểm tra lại số dự bị cuối kỳ và các số biến động.",
                "probationary_closing",
            )
        elif closing < joined - left:
            self._add(
                error,
                "probationary_below_admitted",
                f"Đảng viên dự bị cuối kỳ là {fmt_value(closing)}, nhưng trong kỳ kết nạp {fmt_value(joined)} "
                f"({joined_text}): thời gian dự bị là 12 tháng nên cuối kỳ họ vẫn là đảng viên dự bị, trừ người "
                f"đã rời đảng bộ ({left_text.replace(' − ', ', ')}). Số dự bị cuối kỳ ít "
                f"nhất là {fmt_value(joined - left)}; kiểm tra lại số dự bị cuối kỳ và số công nhận chính thức "
                "(người kết nạp trong kỳ chưa thể được công nhận chính thức).",
                "probationary_closing",
            )
        elif closing < joined:
            self._add(
                warning,
                "probationary_admitted_left",
                f"Đảng viên dự bị cuối kỳ là {fmt_value(closing)}, ít hơn số kết nạp trong kỳ ({fmt_value(joined)}: "
                f"{joined_text}). Người mới kết nạp còn trong thời gian dự bị 12 tháng; số này chỉ đúng nếu "
                f"{fmt_value(joined - closing)} người trong số họ đã từ trần, bị xóa tên, xin ra khỏi Đảng hoặc "
                "chuyển đi ngay trong kỳ. Kiểm tra lại số dự bị cuối kỳ và số công nhận chính thức; nếu số liệu "
                "đúng, ghi chú lý do khi gửi báo cáo.",
                "probationary_closing",
            )

    def _continuity(self) -> None:
        previous = self.ctx.previous_stocks(self.unit_code, self.period)
        if previous is None:
            return
        for opening, closing in STOCKS_CARRIED:
            if opening not in self.values or closing not in previous.stocks:
                continue
            if self.values[opening] == previous.stocks[closing]:
                continue
            if previous.exact:
                self._add(
                    error,
                    "opening_continuity",
                    f"{BY_CODE[opening].label} là {fmt_value(self.values[opening])}, khác số cuối kỳ của báo cáo "
                    f"{previous.label} ({fmt_value(previous.stocks[closing])}). Số đầu kỳ phải bằng số cuối kỳ "
                    f"trước; sửa ô này, hoặc gửi lại báo cáo {previous.label} nếu số đó sai.",
                    opening,
                )
            else:
                self._add(
                    warning,
                    "opening_continuity_split",
                    f"{BY_CODE[opening].label} là {fmt_value(self.values[opening])}, khác số ước tính theo tỷ lệ "
                    f"chia tách từ {previous.label} ({fmt_value(previous.stocks[closing])}). Kiểm tra lại số đầu kỳ "
                    "với biên bản bàn giao đảng viên khi chia tách.",
                    opening,
                )

    def _branch_rows(self) -> None:
        tree = self.ctx.tree
        expected = self.expected_branches
        if "branches" not in self.raw.sheets:
            return
        sheet = self.raw.sheets["branches"]
        for row in self.raw.branches:
            code = _text(row.code.value)
            if code in expected:
                continue
            other = tree.get(code)
            if other is None:
                body = (
                    f"Mã chi bộ «{code}» không có trong danh mục. Không tự thêm chi bộ; nếu chi bộ mới thành lập, "
                    "đề nghị Ban Tổ chức cập nhật danh mục rồi tải lại mẫu."
                )
            elif (owner := tree.reporting_unit_of(code)) is not None and owner.code != self.unit_code:
                body = f"Chi bộ «{code}» ({other.name}) thuộc {owner.name}, không thuộc đơn vị báo cáo. Xóa dòng này."
            else:
                body = (
                    f"Chi bộ «{code}» ({other.name}) không hoạt động trong {self.period.label}. "
                    "Xóa dòng này hoặc đề nghị Ban Tổ chức cập nhật danh mục."
                )
            self._add(error, "branch_not_of_unit", body, row.code)
        for code, branch in expected.items():
            if code not in self.branches:
                self.findings.append(
                    error(
                        "branch_missing",
                        f"Thiếu dòng của chi bộ «{code}» ({branch.name}). Mỗi chi bộ của đơn vị phải có một dòng; "
                        "thêm lại dòng này hoặc tải lại mẫu.",
                        sheet,
                    )
                )
        present = [vals.get("branch_members", 0.0) for c, vals in self.branches.items() if c in expected]
        total = sum(present)
        parsed_all = all(self._ok("branch_members", owner=c) for c in self.branches)
        if "members_closing" in self.values and present and parsed_all and total != self._v("members_closing"):
            self._add(
                error,
                "branch_members_sum",
                f"Tổng số đảng viên cuối kỳ là {fmt_value(self._v('members_closing'))}, nhưng số đảng viên của các "
                f"chi bộ (trang «{sheet}») cộng lại là {fmt_value(total)}. Sửa số đảng viên từng chi bộ hoặc tổng số "
                "cho khớp.",
                "members_closing",
            )

    def _branch_sizes(self) -> None:
        """A branch has at least 3 official members (Charter: art. 21 for a grassroots branch, art. 24
        for one under a grassroots committee). Fewer is a mistake in the return or the registry, or a
        branch due to merge: a warning, not an error (DOMAIN.md §7). Branch members count probationary
        ones too, so fewer than 3 in all is surely fewer than 3 official."""
        by_code = {_text(r.code.value): r for r in self.raw.branches}
        for code, vals in self.branches.items():
            if "branch_members" not in vals or not self._ok("branch_members", owner=code):
                continue
            members = vals["branch_members"]
            if members >= MIN_BRANCH_MEMBERS:
                continue
            row = by_code[code]
            self._add(
                warning,
                "branch_below_three",
                f"Chi bộ «{_text(row.name.value) or code}» ghi {fmt_value(members)} đảng viên, ít hơn "
                f"{MIN_BRANCH_MEMBERS}: Điều lệ Đảng quy định mỗi chi bộ có ít nhất {MIN_BRANCH_MEMBERS} đảng viên "
                "chính thức. Kiểm tra lại số đảng viên của chi bộ; nếu đúng, đề nghị Ban Tổ chức xem xét sáp nhập "
                "chi bộ hoặc cập nhật danh mục.",
                row.values.get("branch_members", row.code),
            )

    def _meetings(self) -> None:
        months = self.period.months
        by_code = {_text(r.code.value): r for r in self.raw.branches}
        for code, vals in self.branches.items():
            row = by_code[code]
            if not self._ok("regular_meetings", *MEETING_RATINGS, owner=code):
                continue
            name = _text(row.name.value) or code
            regular = vals.get("regular_meetings", 0.0)
            regular_cell = row.values.get("regular_meetings", row.code)
            if regular > months:
                self._add(
                    error,
                    "regular_meetings_max",
                    f"Chi bộ «{name}» ghi {fmt_value(regular)} lần sinh hoạt thường kỳ, nhiều hơn số tháng của kỳ "
                    f"({months}). Sinh hoạt thường kỳ mỗi tháng một lần; các buổi khác ghi vào sinh hoạt chuyên đề.",
                    regular_cell,
                )
            rated = sum(vals.get(c, 0.0) for c in MEETING_RATINGS)
            if rated != regular:
                parts = ", ".join(f"{label} {fmt_value(vals.get(c, 0.0))}" for c, label in MEETING_RATINGS.items())
                self._add(
                    error,
                    "meeting_ratings_sum",
                    f"Chi bộ «{name}»: số buổi xếp loại ({parts}) cộng lại là {fmt_value(rated)}, khác số lần sinh "
                    f"hoạt thường kỳ ({fmt_value(regular)}). Mỗi buổi sinh hoạt thường kỳ được xếp đúng một loại.",
                    regular_cell,
                )

    def _upper_attended(self) -> None:
        """A meeting an upper-committee member attended is a meeting the branch held: regular or thematic."""
        by_code = {_text(r.code.value): r for r in self.raw.branches}
        for code, vals in self.branches.items():
            if not self._ok("upper_attended", "regular_meetings", "thematic_meetings", owner=code):
                continue
            attended = vals.get("upper_attended", 0.0)
            regular, thematic = vals.get("regular_meetings", 0.0), vals.get("thematic_meetings", 0.0)
            if attended <= regular + thematic:
                continue
            row = by_code[code]
            self._add(
                error,
                "upper_attended_max",
                f"Chi bộ «{_text(row.name.value) or code}» ghi {fmt_value(attended)} buổi có cấp ủy viên cấp trên "
                f"dự, nhiều hơn số buổi sinh hoạt của chi bộ trong kỳ ({fmt_value(regular)} thường kỳ + "
                f"{fmt_value(thematic)} chuyên đề = {fmt_value(regular + thematic)}). Buổi có cấp trên dự phải là "
                "một buổi sinh hoạt chi bộ đã tổ chức; sửa lại số buổi.",
                row.values.get("upper_attended", row.code),
            )

    def _implausible_counts(self) -> None:
        """Counts a rule of time sets (meetings a month, a quarter), above the catalog's ceiling for the
        period: warnings saying what is usual."""
        months = self.period.months
        for code, value in self.values.items():
            usual = BY_CODE[code].usual
            if usual is not None and self._ok(code) and value > usual.most(months):
                self.implausible.add(code)
                self._add(warning, "implausible_count", self._implausible_text(BY_CODE[code], value), code)
        by_code = {_text(r.code.value): r for r in self.raw.branches}
        for code, vals in self.branches.items():
            row = by_code[code]
            name = _text(row.name.value) or code
            for metric_code, value in vals.items():
                metric = BY_CODE[metric_code]
                if metric.usual is None or not self._ok(metric_code, owner=code):
                    continue
                if value > metric.usual.most(months):
                    self._add(
                        warning,
                        "implausible_count",
                        self._implausible_text(metric, value, f" của chi bộ «{name}»"),
                        row.values.get(metric_code, row.code),
                    )

    def _implausible_text(self, metric: Metric, value: float, whose: str = "") -> str:
        usual = metric.usual
        every = {1: "mỗi tháng", 3: "mỗi quý", 12: "mỗi năm"}.get(usual.months, f"mỗi {usual.months} tháng")
        return (
            f"«{metric.label}»{whose} là {fmt_value(value)}, nhiều bất thường cho {self.period.label}: thường "
            f"{fmt_value(usual.count)} {metric.unit} {every}, nhiều nhất khoảng "
            f"{fmt_number(usual.most(self.period.months))} {metric.unit} trong kỳ. Kiểm tra lại (có thể gõ nhầm, "
            "hoặc đã ghi số cộng dồn từ đầu năm thay cho số trong kỳ); nếu số liệu đúng, ghi chú lý do khi gửi báo cáo."
        )

    def _inspections(self) -> None:
        for target, noun in (("org", "tổ chức đảng"), ("member", "đảng viên")):
            violations = self._v(f"violation_{target}")
            inspected = self._v(f"inspect_{target}") + self._v(f"inspect_signs_{target}")
            codes = (f"violation_{target}", f"inspect_{target}", f"inspect_signs_{target}")
            if self._ok(*codes) and violations > inspected:
                self._add(
                    warning,
                    "violation_le_inspections",
                    f"Số lượt kết luận {noun} có vi phạm ({fmt_value(violations)}) nhiều hơn số lượt kiểm tra {noun} "
                    f"({fmt_value(inspected)}, kể cả kiểm tra khi có dấu hiệu vi phạm). Kiểm tra lại nếu không có "
                    "kết luận của cuộc kiểm tra kỳ trước.",
                    f"violation_{target}",
                )

    def _expulsion(self) -> None:
        expelled, disciplined = self._v("expelled"), self._v("disc_member_expulsion")
        if self._ok("expelled", "disc_member_expulsion") and expelled != disciplined:
            self._add(
                warning,
                "expulsion_match",
                f"Số đảng viên bị kỷ luật khai trừ ({fmt_value(disciplined)}, trang «{SHEETS['discipline'].name}») "
                f"khác số đảng viên giảm do khai trừ ({fmt_value(expelled)}, trang «{SHEETS['members'].name}»). "
                "Kiểm tra lại nếu không phải do quyết định và xóa tên khác kỳ.",
                "disc_member_expulsion",
            )

    def _unlikely_figures(self) -> None:
        """Warn when a flow departs far from the unit's own seasonal history or from similar units."""
        flows = {
            c: v
            for c, v in self.values.items()
            if BY_CODE[c].kind == "flow" and self._ok(c) and c not in self.implausible  # said once
        }
        warned = set()
        for found in unusual_against_history(flows, self.ctx.history(self.unit_code, self.period)):
            warned.add(found.metric)
            self._add(
                warning,
                "unusual_history",
                f"«{BY_CODE[found.metric].label}» là {fmt_value(found.value)}, khác xa mức thường thấy của đơn vị "
                f"trong quý {_ROMAN[self.period.quarter]} các năm trước (thường {_span(found.low, found.high)}). "
                "Kiểm tra lại; nếu số liệu đúng, ghi chú lý do khi gửi báo cáo.",
                found.metric,
            )
        if "members_closing" not in self.values:
            return
        rest = {c: v for c, v in flows.items() if c not in warned}
        for found in unusual_against_peers(
            rest, self.values["members_closing"], self.ctx.peers(self.unit_code, self.period)
        ):
            self._add(
                warning,
                "unusual_peers",
                f"«{BY_CODE[found.metric].label}» là {fmt_value(found.value)}, khác xa các đơn vị cùng quy mô trong "
                f"{self.period.label} (với số đảng viên như đơn vị, thường {_span(_whole(found.low), _whole(found.high))}). "
                "Kiểm tra lại; nếu số liệu đúng, ghi chú lý do khi gửi báo cáo.",
                found.metric,
            )

    def _year_end_ratings(self) -> None:
        share = self.settings.excellent_share_of_good
        for who, noun in (("org", "tổ chức đảng"), ("member", "đảng viên")):
            excellent, good = self._v(f"{who}_rating_excellent"), self._v(f"{who}_rating_good")
            if excellent > share * good:
                self._add(
                    warning,
                    "excellent_share",
                    f"Số {noun} hoàn thành xuất sắc nhiệm vụ ({fmt_value(excellent)}) vượt {fmt_number(share * 100)}% "
                    f"số hoàn thành tốt nhiệm vụ ({fmt_value(good)}). Kiểm tra lại kết quả xếp loại.",
                    f"{who}_rating_excellent",
                )
        rated = sum(self._v(f"member_rating_{lvl}") for lvl in ("excellent", "good", "completed", "not_completed"))
        rated += self._v("member_not_rated")
        if "member_not_rated" in self.raw.unit_cells and rated != self._v("members_closing"):
            self._add(
                warning,
                "member_ratings_total",
                f"Số đảng viên được xếp loại và không xếp loại cộng lại là {fmt_value(rated)}, khác tổng số đảng viên "
                f"cuối kỳ ({fmt_value(self._v('members_closing'))}). Kiểm tra lại kết quả xếp loại.",
                "member_not_rated",
            )
        disciplined = self.ctx.year_flows(self.unit_code, self.period, DISCIPLINED_MEMBERS)
        disciplined += sum(self._v(c) for c in DISCIPLINED_MEMBERS)
        if disciplined > self._v("member_rating_not_completed"):
            self._add(
                warning,
                "disciplined_rating",
                f"Trong năm có {fmt_value(disciplined)} đảng viên bị kỷ luật (khiển trách, cảnh cáo, cách chức), "
                f"nhưng chỉ {fmt_value(self._v('member_rating_not_completed'))} đảng viên xếp loại không hoàn thành "
                "nhiệm vụ. Đảng viên bị kỷ luật trong năm không được xếp loại cao hơn; kiểm tra lại.",
                "member_rating_not_completed",
            )


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _span(low: float, high: float) -> str:
    """ "2–5", or "3" when the range is a single value."""
    return fmt_value(low) if low == high else f"{fmt_value(low)}–{fmt_value(high)}"


_INVISIBLE = dict.fromkeys([*range(0x20), 0x7F], None)


def _quoted(value: object) -> str:
    """A cell's text inside a message: cleaned, without control characters (not allowed in a workbook's XML,
    invisible anyway), and cut short (a cell may hold 32,767 characters)."""
    text = clean_text(value).translate(_INVISIBLE) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _whole(value: float) -> float:
    """``round`` that never raises (a figure stored before the checks bounded them may be NaN or INF)."""
    return float(round(value)) if math.isfinite(value) else value


def _shown(number: float) -> str:
    """A figure in a message: in full, or its size when writing it out would take a line of zeros."""
    if abs(number) < 1e15:
        return fmt_value(number)
    return f"một số có {fmt_number(math.floor(math.log10(abs(number))) + 1)} chữ số"


def _as_number(value: object) -> float | None:
    """A cell's number: numeric cells as they are, text in Vietnamese notation; None otherwise (TRUE is no count).

    May be NaN or ±INF (the caller refuses them); never raises (a 40-digit text overflows Decimal's context,
    an integer beyond a float's range overflows ``float``)."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            return float(value)
        return float(parse_number(str(value)))
    except (NumberTextError, ArithmeticError, ValueError):  # OverflowError and InvalidOperation are ArithmeticError
        return None


def _row(ref: str) -> int:
    """0-based row of "D12"."""
    return int("".join(ch for ch in ref if ch.isdigit())) - 1


def _col(ref: str) -> int:
    """0-based column of "D12"."""
    index = 0
    for ch in ref:
        if ch.isalpha():
            index = index * 26 + ord(ch.upper()) - 64
    return index - 1


def _lower_first(label: str) -> str:
    """ "Xin ra khỏi Đảng" -> "xin ra khỏi Đảng": only the first letter, "Đảng" keeps its capital."""
    return label[:1].lower() + label[1:]


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


def _shown_date(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""
