"""Sentences of the briefing, generated from the figures, grammatical for zero, one and many.

Vietnamese has no plural endings, but a zero reads differently ("không có trường
hợp nào bị kỷ luật", "chưa kết nạp được đảng viên mới nào"), and breakdowns list
only the forms that occurred, in the seeds' style "(khiển trách 2, cảnh cáo 1)".
"""

from __future__ import annotations

from briefing.figures import Briefing
from reporting.catalog import MEETING_RATINGS
from reporting.dashboard import DISCIPLINE_FORMS, MOVEMENT_OUT
from reporting.numbers import fmt_number, fmt_percent

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def n(value: float | None) -> str:
    """A figure the sentence has already found reported (a missing one never reaches here as 0)."""
    return fmt_number(value or 0)


def _none_in(b: Briefing) -> bool:
    """No return of the quarter has come in (or none was due, and nothing was reported): every flow
    sentence says so instead of stating 0."""
    return (b.quarter_returns.due > 0 and b.quarter_returns.received == 0) or not b.quarter


def _no_return(b: Briefing) -> str:
    return f"Chưa nhận được báo cáo {quarter_words(b)} năm {b.period.year} nên chưa có số liệu."


def _reported(figures: dict[str, float], codes: list[str]) -> bool:
    """Whether any of a section's figures was reported: a section left blank says "chưa có số liệu",
    never "không có" (a blank cell is not a 0)."""
    return any(code in figures for code in codes)


def in_quarter(b: Briefing) -> str:
    """ "Trong quý III", or "Trong quý III (theo báo cáo của 22/24 đơn vị)" while returns are missing."""
    cover = b.quarter_returns
    if cover.complete:
        return f"Trong {quarter_words(b)}"
    return f"Trong {quarter_words(b)} (theo báo cáo của {n(cover.received)}/{n(cover.due)} đơn vị)"


def breakdown(items: dict[str, float]) -> str:
    """ "khiển trách 2, cảnh cáo 1": only the non-zero items, in order."""
    return ", ".join(f"{label} {n(v)}" for label, v in items.items() if v)


def quarter_words(b: Briefing) -> str:
    return f"quý {ROMAN[b.period.quarter]}"


def admissions(b: Briefing) -> str:
    if "admitted" not in b.year:
        return "Từ đầu năm đến nay chưa nhận được báo cáo nào có số liệu kết nạp đảng viên."
    ytd = b.year["admitted"]
    in_quarter = b.quarter.get("admitted", 0)
    since = "Từ đầu năm đến nay"
    if not b.year_returns.complete:
        since += f" (theo {n(b.year_returns.received)}/{n(b.year_returns.due)} báo cáo đã nhận)"
    if ytd == 0:
        first = f"{since}, toàn Đảng bộ chưa kết nạp được đảng viên mới nào"
    else:
        first = f"{since}, toàn Đảng bộ kết nạp {n(ytd)} đảng viên mới"
    if b.target:
        first += f", đạt {fmt_percent(100 * ytd / b.target)} kế hoạch năm ({n(b.target)} đảng viên)"
    if _none_in(b):
        first += f"; chưa nhận được báo cáo {quarter_words(b)}"
    elif "admitted" not in b.quarter:
        first += f"; chưa có số liệu kết nạp {quarter_words(b)}"
    elif ytd and in_quarter:
        first += f"; riêng {quarter_words(b)} kết nạp {n(in_quarter)} đảng viên"
    elif ytd:
        first += f"; trong {quarter_words(b)} không kết nạp đảng viên mới nào"
    return first + "."


def movements(b: Briefing) -> str:
    if _none_in(b):
        return " ".join(filter(None, [_no_return(b), membership(b)]))
    q = b.quarter
    if not _reported(q, ["readmitted", "transfer_in", *MOVEMENT_OUT]):
        sentence = f"{in_quarter(b)}, chưa có số liệu biến động đảng viên ngoài kết nạp mới."
        return " ".join(filter(None, [sentence, membership(b)]))
    gained = {"kết nạp lại": q.get("readmitted", 0), "chuyển đến": q.get("transfer_in", 0)}
    lost = {
        label.lower() if label != "Xin ra khỏi Đảng" else "xin ra khỏi Đảng": q.get(code, 0)
        for code, label in MOVEMENT_OUT.items()
    }
    parts = []
    if any(gained.values()):
        parts.append(f"tăng {n(sum(gained.values()))} đảng viên ngoài kết nạp mới ({breakdown(gained)})")
    if any(lost.values()):
        parts.append(f"giảm {n(sum(lost.values()))} đảng viên ({breakdown(lost)})")
    sentence = (
        f"{in_quarter(b)}, " + ("; ".join(parts) if parts else "không có đảng viên tăng, giảm ngoài kết nạp mới") + "."
    )
    return sentence + " " + membership(b) if membership(b) else sentence


def membership(b: Briefing) -> str:
    """The members at the quarter's end: the sum when every unit reported; otherwise what the units
    that reported have, and the estimate that adds the others' last reported closing, in one sentence."""
    members, probationary = b.stocks.get("members_closing"), b.stocks.get("probationary_closing")
    on = f"Đến ngày {b.period.end:%d/%m/%Y}"
    if members is None or members.complete:
        if "members_closing" not in b.quarter:
            return ""
        sentence = f"{on}, toàn Đảng bộ có {n(b.quarter['members_closing'])} đảng viên"
        if b.quarter.get("probationary_closing"):
            sentence += f", trong đó {n(b.quarter['probationary_closing'])} đảng viên dự bị"
        return sentence + "."
    silent = members.due - members.reported_units
    names = ", ".join(s.unit_name for s in b.missing)
    whose = f" ({names})" if names and len(b.missing) == silent else ""
    if members.reported_units:
        sentence = (
            f"{on}, {n(members.reported_units)}/{n(members.due)} đơn vị đã báo cáo có {n(members.value)} đảng viên"
        )
        if probationary is not None and probationary.value:
            sentence += f" (trong đó {n(probationary.value)} đảng viên dự bị)"
        sentence += "; "
    elif members.due == 1 and members.carried_units:
        as_of = f"{members.carried_as_of:%d/%m/%Y}" if members.carried_as_of else ""
        return (
            f"{on}, đơn vị chưa nộp báo cáo; theo báo cáo gần nhất (đến ngày {as_of}), "
            f"Đảng bộ có {n(members.carried)} đảng viên."
        )
    else:
        sentence = f"{on}, chưa nhận được báo cáo; "
    if members.carried_units:
        as_of = f" (đến ngày {members.carried_as_of:%d/%m/%Y})" if members.carried_as_of else ""
        who = f"{n(silent)} đơn vị chưa nộp báo cáo{whose}"
        if members.carried_units < silent:  # a unit with no earlier return adds nothing: say so
            who += f", trong đó {n(silent - members.carried_units)} đơn vị chưa có số liệu kỳ trước"
        sentence += (
            f"cộng số đảng viên theo báo cáo gần nhất{as_of} của {who}, ước tính toàn Đảng bộ có khoảng "
            f"{n(members.estimate)} đảng viên."
        )
    else:
        sentence += f"{n(silent)} đơn vị chưa nộp báo cáo{whose} chưa có số liệu kỳ trước để ước tính."
    return sentence


def candidates(b: Briefing) -> str:
    if "candidates_trained" not in b.year:
        return "Từ đầu năm chưa có số liệu về quần chúng ưu tú học lớp nhận thức về Đảng."
    trained = b.year["candidates_trained"]
    if not trained:
        return "Từ đầu năm chưa có quần chúng ưu tú nào học lớp nhận thức về Đảng."
    return f"Từ đầu năm có {n(trained)} quần chúng ưu tú học lớp nhận thức về Đảng, tạo nguồn phát triển đảng viên."


def inspections(b: Briefing) -> str:
    if _none_in(b):
        return _no_return(b)
    q = b.quarter
    kinds = {
        "kiểm tra": ("inspect_org", "inspect_member"),
        "kiểm tra khi có dấu hiệu vi phạm": ("inspect_signs_org", "inspect_signs_member"),
        "giám sát chuyên đề": ("supervise_org", "supervise_member"),
    }
    if not _reported(q, [code for pair in kinds.values() for code in pair]):
        return f"{in_quarter(b)}, chưa có số liệu kiểm tra, giám sát."
    done = []
    for label, (org, member) in kinds.items():
        o, m = q.get(org, 0), q.get(member, 0)
        if o or m:
            targets = ", ".join(t for t in (o and f"{n(o)} lượt tổ chức đảng", m and f"{n(m)} lượt đảng viên") if t)
            done.append(f"{label} {targets}")
    if not done:
        return f"{in_quarter(b)}, các cấp ủy không tiến hành cuộc kiểm tra, giám sát nào."
    sentence = f"{in_quarter(b)}, cấp ủy, ủy ban kiểm tra các cấp đã " + "; ".join(done) + "."
    inspected = sum(q.get(c, 0) for c in ("inspect_org", "inspect_member", "inspect_signs_org", "inspect_signs_member"))
    violations = q.get("violation_org", 0) + q.get("violation_member", 0)
    if inspected and violations:
        sentence += (
            f" Qua kiểm tra, kết luận {n(violations)} lượt có vi phạm "
            f"({fmt_percent(100 * violations / inspected)} số lượt kiểm tra)."
        )
    elif inspected and _reported(q, ["violation_org", "violation_member"]):
        sentence += " Qua kiểm tra, không có trường hợp nào bị kết luận vi phạm."
    return sentence


def discipline(b: Briefing) -> str:
    if _none_in(b):
        return _no_return(b)
    q = b.quarter
    if not _reported(q, list(DISCIPLINE_FORMS)):
        return f"{in_quarter(b)}, chưa có số liệu thi hành kỷ luật."
    members = {label.lower(): q.get(c, 0) for c, label in DISCIPLINE_FORMS.items() if c.startswith("disc_member")}
    orgs = {label.lower(): q.get(c, 0) for c, label in DISCIPLINE_FORMS.items() if c.startswith("disc_org")}
    parts = []
    if any(members.values()):
        parts.append(f"{n(sum(members.values()))} đảng viên ({breakdown(members)})")
    if any(orgs.values()):
        parts.append(f"{n(sum(orgs.values()))} tổ chức đảng ({breakdown(orgs)})")
    if not parts:
        return f"{in_quarter(b)}, không có trường hợp nào bị kỷ luật."
    return f"{in_quarter(b)}, đã thi hành kỷ luật " + " và ".join(parts) + "."


def meetings(b: Briefing) -> str:
    q = b.quarter
    regular = q.get("regular_meetings", 0)
    if not regular:
        return f"Chưa có số liệu sinh hoạt chi bộ {quarter_words(b)}."
    rated = sum(q.get(c, 0) for c in MEETING_RATINGS)
    cover = b.quarter_returns
    levels = ", ".join(
        f"{label} {n(q.get(c, 0))} buổi ({fmt_percent(100 * q.get(c, 0) / rated)})"
        for c, label in MEETING_RATINGS.items()
        if q.get(c, 0)
    )
    whose = "Các chi bộ" if cover.complete else f"Các chi bộ của {n(cover.received)}/{n(cover.due)} đơn vị đã báo cáo"
    sentence = f"{whose} tổ chức {n(regular)} buổi sinh hoạt thường kỳ, trong đó xếp loại {levels}"
    thematic = q.get("thematic_meetings", 0)
    sentence += f"; {n(thematic)} buổi sinh hoạt chuyên đề." if thematic else "; không có buổi sinh hoạt chuyên đề nào."
    if "attendance_pct" in q:
        sentence += f" Tỷ lệ đảng viên dự sinh hoạt bình quân {fmt_percent(q['attendance_pct'])}."
    if b.branches_without_thematic:
        sentence += f" Có {n(b.branches_without_thematic)} chi bộ không sinh hoạt chuyên đề trong quý."
    else:
        sentence += " Tất cả các chi bộ đã báo cáo đều sinh hoạt chuyên đề trong quý."
    return sentence


def returns(b: Briefing) -> str:
    received, expected = len(b.received), len(b.statuses)
    if not expected:
        return "Không có đơn vị nào phải nộp báo cáo trong kỳ."
    sentence = f"Ban Tổ chức nhận được {n(received)}/{n(expected)} báo cáo"
    late = len(b.late)
    sentence += f", {n(late)} đơn vị nộp chậm" if late else ", tất cả đúng hạn" if received == expected else ""
    if b.missing:
        names = ", ".join(s.unit_name for s in b.missing)
        sentence += f"; {n(len(b.missing))} đơn vị chưa có báo cáo hợp lệ ({names})"
    return sentence + "."


def attention_points(b: Briefing) -> list[str]:
    """Points for attention that follow from the figures; none when nothing calls for one."""
    points = []
    behind = [lag.unit_name for lag in b.lags if "admissions" in lag.kinds]
    if behind:
        points.append(
            f"Tập trung chỉ đạo công tác tạo nguồn, kết nạp đảng viên ở {n(len(behind))} đơn vị chậm tiến độ "
            f"({', '.join(behind)}), bảo đảm hoàn thành chỉ tiêu năm."
        )
    weak = [lag.unit_name for lag in b.lags if "weak_meetings" in lag.kinds]
    if weak:
        points.append(
            f"Nâng cao chất lượng sinh hoạt chi bộ ở các đơn vị có nhiều buổi xếp loại trung bình, kém ({', '.join(weak)})."
        )
    if b.branches_without_thematic:
        points.append(
            f"Đôn đốc {n(b.branches_without_thematic)} chi bộ chưa sinh hoạt chuyên đề trong quý thực hiện đúng "
            "quy định ít nhất mỗi quý một lần."
        )
    if b.missing or b.late:
        names = ", ".join(s.unit_name for s in b.missing + b.late)
        points.append(f"Chấn chỉnh việc nộp báo cáo đúng hạn, đầy đủ ({names}).")
    return points
