"""The metric catalog: the product's stable vocabulary (DOMAIN.md section 3).

Every layer reads this one list: the template writer lays out its rows, the
reader finds cells by these codes, the validator takes bounds and required
flags from it, the store mirrors it into the ``metrics`` table, and the
dashboards take their labels from it. Adding a metric is one entry here.

Codes are never renamed without a migration: users' scripts, the JSON
interface and the ``observations`` view depend on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["unit", "branch"]
# How a figure behaves over time: flows add up within and across periods,
# stocks are read at the period's end, ratings are year-end head counts by
# level, percents are averages and never summed.
Kind = Literal["flow", "stock", "rating", "percent"]
Appears = Literal["every", "year_end"]


@dataclass(frozen=True)
class Sheet:
    key: str
    name: str  # the Vietnamese sheet name clerks see in Excel
    level: Level
    appears: Appears = "every"


@dataclass(frozen=True)
class Usual:
    """What a careful board expects of a count that a rule of time sets (meetings a month, a quarter).

    ``count`` every ``months`` months is the rule; more than about ``most_per_month`` for each month
    of the period is implausible. The validator warns above that ceiling, never rejects: the figure
    may be true, the warning says what is usual and asks the unit to check.
    """

    count: int
    months: int  # 1: a month, 3: a quarter, 12: a year
    most_per_month: float

    def most(self, months: int) -> float:
        """The plausible ceiling for a period of ``months`` months."""
        return self.most_per_month * months


@dataclass(frozen=True)
class Metric:
    code: str
    label: str  # Vietnamese label shown in the template and on dashboards
    sheet: str  # Sheet.key
    kind: Kind
    unit: str  # Vietnamese unit of measure: "người", "lượt", "buổi", "%"
    minimum: float = 0
    maximum: float | None = None
    required: bool = False  # a blank cell is an error rather than "not reported"
    usual: Usual | None = None  # plausibility bound per month of the period (a warning above it)

    @property
    def level(self) -> Level:
        return SHEETS[self.sheet].level

    @property
    def appears(self) -> Appears:
        return SHEETS[self.sheet].appears

    @property
    def aggregate(self) -> str:
        """How figures combine over a span of periods: "sum", "first", "last" or "mean".

        Flows add up; opening stocks come from the span's first return and other
        stocks and year-end ratings from its last; percents are averaged.
        """
        if self.kind == "flow":
            return "sum"
        if self.kind == "percent":
            return "mean"
        return "first" if self.code.endswith("_opening") else "last"

    @property
    def whole(self) -> bool:
        """Counts must be whole numbers; only percents may carry decimals."""
        return self.kind != "percent"


SHEETS: dict[str, Sheet] = {
    s.key: s
    for s in (
        Sheet("members", "Đảng viên", "unit"),
        Sheet("inspection", "Kiểm tra, giám sát", "unit"),
        Sheet("discipline", "Kỷ luật", "unit"),
        Sheet("committee", "Lãnh đạo", "unit"),
        Sheet("branches", "Chi bộ", "branch"),
        Sheet("ratings", "Xếp loại", "unit", appears="year_end"),
    )
}

RATING_LEVELS: dict[str, str] = {
    "excellent": "Hoàn thành xuất sắc nhiệm vụ",
    "good": "Hoàn thành tốt nhiệm vụ",
    "completed": "Hoàn thành nhiệm vụ",
    "not_completed": "Không hoàn thành nhiệm vụ",
}

# Branch-meeting quality levels, best first (DOMAIN.md: Tốt/Khá/Trung bình/Kém).
MEETING_RATINGS: dict[str, str] = {
    "rating_good": "Tốt",
    "rating_fair": "Khá",
    "rating_average": "Trung bình",
    "rating_poor": "Kém",
}

_PEOPLE = "người"
_TIMES = "lượt"
_CASES = "trường hợp"
_MEETINGS = "buổi"

METRICS: tuple[Metric, ...] = (
    # Members (unit level)
    Metric("members_opening", "Tổng số đảng viên đầu kỳ", "members", "stock", _PEOPLE, required=True),
    Metric("probationary_opening", "Đảng viên dự bị đầu kỳ", "members", "stock", _PEOPLE, required=True),
    Metric("admitted", "Kết nạp mới", "members", "flow", _PEOPLE),
    Metric("readmitted", "Kết nạp lại", "members", "flow", _PEOPLE),
    Metric("transfer_in", "Chuyển sinh hoạt chính thức đến", "members", "flow", _PEOPLE),
    Metric("confirmed_official", "Công nhận đảng viên chính thức", "members", "flow", _PEOPLE),
    Metric("deceased", "Từ trần", "members", "flow", _PEOPLE),
    Metric("expelled", "Khai trừ", "members", "flow", _PEOPLE),
    Metric("struck_off", "Xóa tên", "members", "flow", _PEOPLE),
    Metric("resigned", "Xin ra khỏi Đảng", "members", "flow", _PEOPLE),
    Metric("transfer_out", "Chuyển sinh hoạt chính thức đi", "members", "flow", _PEOPLE),
    Metric("members_closing", "Tổng số đảng viên cuối kỳ", "members", "stock", _PEOPLE, required=True),
    Metric("probationary_closing", "Đảng viên dự bị cuối kỳ", "members", "stock", _PEOPLE, required=True),
    Metric(
        "candidates_trained",
        "Quần chúng ưu tú học lớp nhận thức về Đảng (tạo nguồn)",
        "members",
        "flow",
        _PEOPLE,
    ),
    # Inspection and supervision: occurrences ("lượt"), not distinct units
    Metric("inspect_org", "Kiểm tra tổ chức đảng", "inspection", "flow", _TIMES),
    Metric("inspect_member", "Kiểm tra đảng viên", "inspection", "flow", _TIMES),
    Metric("inspect_signs_org", "Kiểm tra khi có dấu hiệu vi phạm: tổ chức đảng", "inspection", "flow", _TIMES),
    Metric("inspect_signs_member", "Kiểm tra khi có dấu hiệu vi phạm: đảng viên", "inspection", "flow", _TIMES),
    Metric("supervise_org", "Giám sát chuyên đề: tổ chức đảng", "inspection", "flow", _TIMES),
    Metric("supervise_member", "Giám sát chuyên đề: đảng viên", "inspection", "flow", _TIMES),
    Metric("violation_org", "Kết luận có vi phạm: tổ chức đảng", "inspection", "flow", _TIMES),
    Metric("violation_member", "Kết luận có vi phạm: đảng viên", "inspection", "flow", _TIMES),
    # Discipline
    Metric("disc_org_reprimand", "Tổ chức đảng bị kỷ luật khiển trách", "discipline", "flow", _CASES),
    Metric("disc_org_warning", "Tổ chức đảng bị kỷ luật cảnh cáo", "discipline", "flow", _CASES),
    Metric("disc_org_dissolution", "Tổ chức đảng bị kỷ luật giải tán", "discipline", "flow", _CASES),
    Metric("disc_member_reprimand", "Đảng viên bị kỷ luật khiển trách", "discipline", "flow", _CASES),
    Metric("disc_member_warning", "Đảng viên bị kỷ luật cảnh cáo", "discipline", "flow", _CASES),
    Metric("disc_member_dismissal", "Đảng viên bị kỷ luật cách chức", "discipline", "flow", _CASES),
    Metric("disc_member_expulsion", "Đảng viên bị kỷ luật khai trừ", "discipline", "flow", _CASES),
    # Committee work
    # The committee meets once a month (regular meetings; an extra one now and then): more than two
    # a month is implausible. Conclusions follow meetings, standing-committee ones included.
    Metric(
        "committee_meetings",
        "Số hội nghị đảng ủy (thường kỳ) trong kỳ",
        "committee",
        "flow",
        "hội nghị",
        usual=Usual(1, 1, 2),
    ),
    Metric(
        "conclusions_issued",
        "Số kết luận / thông báo kết luận đã ban hành",
        "committee",
        "flow",
        "văn bản",
        usual=Usual(1, 1, 5),
    ),
    # Branch meetings: one row per branch
    Metric("branch_members", "Số đảng viên của chi bộ (cuối kỳ)", "branches", "stock", _PEOPLE, required=True),
    Metric("regular_meetings", "Số lần sinh hoạt thường kỳ", "branches", "flow", "lần"),
    # At least one thematic meeting a quarter (HD 12-HD/BTCTW); one a month is already many.
    Metric("thematic_meetings", "Số lần sinh hoạt chuyên đề", "branches", "flow", "lần", usual=Usual(1, 3, 1)),
    *(
        Metric(code, f"Số buổi xếp loại {label}", "branches", "flow", _MEETINGS)
        for code, label in MEETING_RATINGS.items()
    ),
    Metric(
        "attendance_pct",
        "Tỷ lệ đảng viên dự sinh hoạt bình quân (%)",
        "branches",
        "percent",
        "%",
        maximum=100,
    ),
    Metric("upper_attended", "Số buổi có cấp ủy viên cấp trên dự", "branches", "flow", _MEETINGS),
    # Year-end ratings: in the year's last return only
    *(
        Metric(f"org_rating_{level}", f"Tổ chức đảng: {label}", "ratings", "rating", "tổ chức")
        for level, label in RATING_LEVELS.items()
    ),
    *(
        Metric(f"member_rating_{level}", f"Đảng viên: {label}", "ratings", "rating", _PEOPLE)
        for level, label in RATING_LEVELS.items()
    ),
    Metric(
        "member_not_rated",
        "Đảng viên không xếp loại (miễn, đình chỉ, kết nạp chưa đủ 6 tháng)",
        "ratings",
        "rating",
        _PEOPLE,
    ),
)

BY_CODE: dict[str, Metric] = {m.code: m for m in METRICS}


def metrics_of_sheet(sheet_key: str) -> list[Metric]:
    """The metrics of one sheet, in template order."""
    return [m for m in METRICS if m.sheet == sheet_key]


def sheets_for(year_end: bool) -> list[Sheet]:
    """The data sheets a return carries: the ratings sheet only at year end."""
    return [s for s in SHEETS.values() if s.appears == "every" or year_end]


# The org types (DOMAIN.md section 1). Reporting units send returns; branch
# types are the rows of their "Chi bộ" sheet.
ORG_TYPES: dict[str, str] = {
    "provincial_committee": "Tỉnh ủy / Thành ủy",
    "district_committee": "Huyện ủy",
    "commune_committee": "Đảng ủy xã / phường / đặc khu",
    "affiliated_committee": "Đảng bộ trực thuộc tỉnh ủy",
    "grassroots_committee": "Đảng bộ cơ sở",
    "grassroots_branch": "Chi bộ cơ sở",
    "sub_committee": "Đảng bộ bộ phận",
    "affiliated_branch": "Chi bộ trực thuộc",
}
REPORTING_ORG_TYPES: frozenset[str] = frozenset({"commune_committee", "affiliated_committee"})
BRANCH_ORG_TYPES: frozenset[str] = frozenset({"grassroots_branch", "affiliated_branch"})

# Bumped whenever the template's layout changes in a way the reader must know.
TEMPLATE_VERSION = 1
