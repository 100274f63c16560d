"""Each rule of DOMAIN.md section 4, and each identity check: one failing file, its pinned message."""

from datetime import date

import pytest

from ingest.context import CheckContext
from ingest.load import Incoming, check_files
from tests.conftest import TODAY, payload


def findings_for(store, path, today=TODAY):
    ctx = CheckContext.from_db(store, today)
    (result,) = check_files(ctx, [Incoming.from_path(path)])
    return result, [(f.severity, f.rule, f.sheet, f.cell, f.message) for f in result.findings]


def values(**changes):
    data = payload()
    data["values"].update(changes)
    return data


def branch(code, **changes):
    data = payload()
    data["branches"][code].update(changes)
    return data


CASES = {
    "members_balance": (
        values(members_closing=105),
        [
            ("error", "members_balance", "Đảng viên", "D15",
             "Trang «Đảng viên», ô D15: Tổng số đảng viên cuối kỳ là 105, nhưng theo số đầu kỳ và biến động trong kỳ "
             "phải là 104 (100 đầu kỳ + 4 kết nạp mới + 0 kết nạp lại + 2 chuyển sinh hoạt chính thức đến − 1 từ trần "
             "− 0 khai trừ − 0 xóa tên − 0 xin ra khỏi Đảng − 1 chuyển sinh hoạt chính thức đi). Kiểm tra lại các số "
             "biến động và số cuối kỳ cho khớp."),
            ("error", "branch_members_sum", "Đảng viên", "D15",
             "Trang «Đảng viên», ô D15: Tổng số đảng viên cuối kỳ là 105, nhưng số đảng viên của các chi bộ (trang "
             "«Chi bộ») cộng lại là 104. Sửa số đảng viên từng chi bộ hoặc tổng số cho khớp."),
        ],
    ),
    "probationary_le_members": (
        values(probationary_opening=101, confirmed_official=0, probationary_closing=105),
        [
            ("error", "probationary_le_members", "Đảng viên", "D16",
             "Trang «Đảng viên», ô D16: Đảng viên dự bị cuối kỳ (105) nhiều hơn tổng số đảng viên cuối kỳ (104). "
             "Sửa lại một trong hai số."),
            ("error", "probationary_le_members", "Đảng viên", "D5",
             "Trang «Đảng viên», ô D5: Đảng viên dự bị đầu kỳ (101) nhiều hơn tổng số đảng viên đầu kỳ (100). "
             "Sửa lại một trong hai số."),
        ],
    ),
    "confirmed_le_probationary": (
        values(confirmed_official=11, probationary_closing=0),
        [
            ("error", "confirmed_le_probationary", "Đảng viên", "D9",
             "Trang «Đảng viên», ô D9: Số công nhận đảng viên chính thức (11) vượt quá số đảng viên dự bị đầu kỳ "
             "cộng kết nạp mới (10). Kiểm tra lại số công nhận chính thức."),
        ],
    ),
    "branch_members_sum": (
        branch("X1-B2", branch_members=31),
        [
            ("error", "branch_members_sum", "Đảng viên", "D15",
             "Trang «Đảng viên», ô D15: Tổng số đảng viên cuối kỳ là 104, nhưng số đảng viên của các chi bộ (trang "
             "«Chi bộ») cộng lại là 105. Sửa số đảng viên từng chi bộ hoặc tổng số cho khớp."),
        ],
    ),
    "meeting_ratings_sum": (
        branch("X1-B1", rating_poor=1),
        [
            ("error", "meeting_ratings_sum", "Chi bộ", "D5",
             "Trang «Chi bộ», ô D5: Chi bộ «Chi bộ thôn 1»: số buổi xếp loại (Tốt 2, Khá 1, Trung bình 0, Kém 1) "
             "cộng lại là 4, khác số lần sinh hoạt thường kỳ (3). Mỗi buổi sinh hoạt thường kỳ được xếp đúng một loại."),
        ],
    ),
    "regular_meetings_max": (
        branch("X1-B2", regular_meetings=4, rating_good=4),
        [
            ("error", "regular_meetings_max", "Chi bộ", "D6",
             "Trang «Chi bộ», ô D6: Chi bộ «Chi bộ thôn 2» ghi 4 lần sinh hoạt thường kỳ, nhiều hơn số tháng của kỳ "
             "(3). Sinh hoạt thường kỳ mỗi tháng một lần; các buổi khác ghi vào sinh hoạt chuyên đề."),
        ],
    ),
    "violation_le_inspections": (
        values(violation_member=5),
        [
            ("warning", "violation_le_inspections", "Kiểm tra, giám sát", "D11",
             "Trang «Kiểm tra, giám sát», ô D11: Số lượt kết luận đảng viên có vi phạm (5) nhiều hơn số lượt kiểm "
             "tra đảng viên (4, kể cả kiểm tra khi có dấu hiệu vi phạm). Kiểm tra lại nếu không có kết luận của cuộc "
             "kiểm tra kỳ trước."),
        ],
    ),
    "expulsion_match": (
        values(disc_member_expulsion=1),
        [
            ("warning", "expulsion_match", "Kỷ luật", "D10",
             "Trang «Kỷ luật», ô D10: Số đảng viên bị kỷ luật khai trừ (1, trang «Kỷ luật») khác số đảng viên giảm "
             "do khai trừ (0, trang «Đảng viên»). Kiểm tra lại nếu không phải do quyết định và xóa tên khác kỳ."),
        ],
    ),
}  # fmt: skip


@pytest.mark.parametrize("rule", list(CASES))
def test_rule(store, make_return, rule):
    data, expected = CASES[rule]
    result, found = findings_for(store, make_return(data))
    assert found == expected
    assert result.status == ("rejected" if any(e[0] == "error" for e in expected) else "warnings")


def test_never_balanced_by_guesswork(store, make_return):
    """A rejected return keeps the figures exactly as written: nothing is corrected."""
    result, _ = findings_for(store, make_return(values(members_closing=105)))
    assert result.values["members_closing"] == 105


def test_opening_continuity(store, make_return):
    from ingest.load import load_files

    first = make_return(payload("2026-Q1"))
    (outcome,) = load_files(store, [Incoming.from_path(first)], archive=store_archive(store), today=TODAY)
    assert outcome.action == "loaded"
    good = payload("2026-Q2")
    good["values"].update(members_opening=104, members_closing=108, probationary_opening=8, probationary_closing=10)
    good["branches"]["X1-B1"]["branch_members"] = 44
    result, found = findings_for(store, make_return(good))
    assert result.status == "accepted", found
    bad = payload("2026-Q2")  # opens at 100 and 6, but Q1 closed at 104 and 8
    result, found = findings_for(store, make_return(bad))
    assert found == [
        ("error", "opening_continuity", "Đảng viên", "D4",
         "Trang «Đảng viên», ô D4: Tổng số đảng viên đầu kỳ là 100, khác số cuối kỳ của báo cáo Quý I/2026 (104). "
         "Số đầu kỳ phải bằng số cuối kỳ trước; sửa ô này, hoặc gửi lại báo cáo Quý I/2026 nếu số đó sai."),
        ("error", "opening_continuity", "Đảng viên", "D5",
         "Trang «Đảng viên», ô D5: Đảng viên dự bị đầu kỳ là 6, khác số cuối kỳ của báo cáo Quý I/2026 (8). "
         "Số đầu kỳ phải bằng số cuối kỳ trước; sửa ô này, hoặc gửi lại báo cáo Quý I/2026 nếu số đó sai."),
    ]  # fmt: skip


def test_continuity_within_one_batch(store, make_return):
    """Q1 and Q2 checked together: Q2's opening is compared with Q1's closing before either is stored."""
    ctx = CheckContext.from_db(store, TODAY)
    files = [Incoming.from_path(make_return(payload("2026-Q2"))), Incoming.from_path(make_return(payload("2026-Q1")))]
    q2, q1 = check_files(ctx, files)
    assert q1.status == "accepted"
    assert [f.rule for f in q2.findings] == ["opening_continuity", "opening_continuity"]


def store_archive(store):
    from reporting import db

    return db.archive_dir()


def test_branch_of_another_unit_and_missing_branch(store, make_return):
    def swap(book):
        book["Chi bộ"]["A6"] = "X2-B1"

    result, found = findings_for(store, make_return(payload(), edit=swap))
    assert found[:2] == [
        ("error", "branch_not_of_unit", "Chi bộ", "A6",
         "Trang «Chi bộ», ô A6: Chi bộ «X2-B1» (Chi bộ khu phố 1) thuộc Đảng ủy phường Bình Minh, không thuộc đơn "
         "vị báo cáo. Xóa dòng này."),
        ("error", "branch_missing", "Chi bộ", None,
         "Trang «Chi bộ»: Thiếu dòng của chi bộ «X1-B2» (Chi bộ thôn 2). Mỗi chi bộ của đơn vị phải có một dòng; "
         "thêm lại dòng này hoặc tải lại mẫu."),
    ]  # fmt: skip
    assert result.status == "rejected"


def test_unknown_branch_code(store, make_return):
    def extra(book):
        book["Chi bộ"]["A8"] = "X1-B9"
        book["Chi bộ"]["B8"] = "Chi bộ tự thêm"

    _, found = findings_for(store, make_return(payload(), edit=extra))
    assert found == [
        ("error", "branch_not_of_unit", "Chi bộ", "A8",
         "Trang «Chi bộ», ô A8: Mã chi bộ «X1-B9» không có trong danh mục. Không tự thêm chi bộ; nếu chi bộ mới "
         "thành lập, đề nghị Ban Tổ chức cập nhật danh mục rồi tải lại mẫu."),
    ]  # fmt: skip


def test_unknown_unit(store, make_return):
    def other_unit(book):
        book["Thông tin"]["C4"] = "X99"

    result, found = findings_for(store, make_return(payload(), edit=other_unit))
    assert found == [
        ("error", "unit_unknown", "Thông tin", "C4",
         "Trang «Thông tin», ô C4: Mã đơn vị «X99» không có trong danh mục đơn vị. Dùng mẫu do Ban Tổ chức phát "
         "hành cho đơn vị mình, hoặc đề nghị Ban Tổ chức bổ sung đơn vị vào danh mục."),
    ]  # fmt: skip
    assert result.status == "rejected" and result.unit_code == "X99"


@pytest.mark.parametrize(
    ("period_text", "rule", "message"),
    [
        ("2026-Q5", "period_invalid",
         "Trang «Thông tin», ô C6: Kỳ báo cáo «2026-Q5» không hợp lệ. Dùng dạng NĂM-Qn cho quý (ví dụ 2026-Q3) "
         "hoặc NĂM-MM cho tháng (ví dụ 2026-07)."),
        ("2027-Q1", "period_future",
         "Trang «Thông tin», ô C6: Kỳ báo cáo Quý I/2027 chưa bắt đầu. Kiểm tra lại kỳ báo cáo; tải đúng mẫu của "
         "kỳ cần báo cáo."),
    ],
)  # fmt: skip
def test_wrong_period(store, make_return, period_text, rule, message):
    def wrong(book):
        book["Thông tin"]["C6"] = period_text

    result, found = findings_for(store, make_return(payload(), edit=wrong))
    assert found == [("error", rule, "Thông tin", "C6", message)]
    assert result.status == "rejected"


def test_unit_inactive_in_period(store, make_return):
    data = payload("2026-Q2", unit="X3")
    data["branches"] = {"X3-B1": {"branch_members": 104, "regular_meetings": 3, "rating_good": 3}}

    def as_x3(book):
        book["Thông tin"]["C4"] = "X3"

    result, found = findings_for(store, make_return(payload(), edit=as_x3))
    assert found[0] == (
        "error", "unit_inactive", "Thông tin", "C4",
        "Trang «Thông tin», ô C4: Đơn vị «X3» (Đảng ủy xã Cũ) không hoạt động trong Quý II/2026 (hoạt động từ "
        "01/01/2020 đến 30/06/2025). Kiểm tra lại kỳ báo cáo hoặc mã đơn vị.",
    )  # fmt: skip
    assert result.status == "rejected"


def test_one_period_kind_per_year(store, make_return):
    from ingest.load import load_files

    load_files(store, [Incoming.from_path(make_return(payload("2026-Q1")))], archive=store_archive(store), today=TODAY)
    monthly = payload("2026-04")
    monthly["values"].update(members_opening=104, probationary_opening=8, members_closing=108, probationary_closing=10)
    monthly["branches"]["X1-B1"]["branch_members"] = 44
    _, found = findings_for(store, make_return(monthly))
    assert found == [
        ("error", "period_kind_mixed", "Thông tin", "C6",
         "Trang «Thông tin», ô C6: Năm 2026 đơn vị đã báo cáo theo quý; không nhận báo cáo theo tháng trong cùng "
         "năm. Dùng mẫu đúng loại kỳ."),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "rule", "message"),
    [
        ("1,5", "not_whole",
         "Trang «Đảng viên», ô D6: «Kết nạp mới» là 1,5, không phải số nguyên. Số người, số lượt, số buổi phải là "
         "số nguyên; nếu đã gõ dấu phẩy phân cách hàng nghìn, thay bằng dấu chấm (1.234)."),
        (1.5, "not_whole",
         "Trang «Đảng viên», ô D6: «Kết nạp mới» là 1,5, không phải số nguyên. Số người, số lượt, số buổi phải là "
         "số nguyên; nếu đã gõ dấu phẩy phân cách hàng nghìn, thay bằng dấu chấm (1.234)."),
        (-2, "negative", "Trang «Đảng viên», ô D6: «Kết nạp mới» là số âm (-2). Nhập số không âm."),
        ("bốn", "not_a_number",
         "Trang «Đảng viên», ô D6: «bốn» ở «Kết nạp mới» không phải là số. Nhập số, ví dụ 12 hoặc 1.234 (dấu chấm "
         "phân cách hàng nghìn, dấu phẩy thập phân)."),
        (date(2026, 1, 4), "date_not_number",
         "Trang «Đảng viên», ô D6: «Kết nạp mới» đang là ngày tháng (04/01/2026) thay vì số. Định dạng ô "
         "là Số (Number) rồi nhập lại số liệu."),
    ],
)  # fmt: skip
def test_bad_numbers(store, make_return, value, rule, message):
    def put(book):
        book["Đảng viên"]["D6"] = value

    result, found = findings_for(store, make_return(payload(), edit=put))
    assert found == [("error", rule, "Đảng viên", "D6", message)]
    assert "admitted" not in result.values


def test_percent_over_100_and_missing_required(store, make_return):
    data = branch("X1-B1", attendance_pct=120)
    del data["values"]["members_closing"]
    _, found = findings_for(store, make_return(data))
    assert found == [
        ("error", "required_missing", "Đảng viên", "D15",
         "Trang «Đảng viên», ô D15: Chưa nhập «Tổng số đảng viên cuối kỳ». Chỉ tiêu này bắt buộc."),
        ("error", "out_of_range", "Chi bộ", "J5",
         "Trang «Chi bộ», ô J5: «Tỷ lệ đảng viên dự sinh hoạt bình quân (%)» của chi bộ «Chi bộ thôn 1» là 120, "
         "vượt quá 100. Tỷ lệ phần trăm nhập từ 0 đến 100."),
    ]  # fmt: skip


def test_year_end_rating_warnings(store, make_return):
    data = payload("2025-Q4", year_end=True)
    data["values"].update(member_rating_excellent=20, member_rating_completed=18, member_rating_not_completed=0,
                          member_not_rated=6)  # fmt: skip
    _, found = findings_for(store, make_return(data))
    assert found == [
        ("warning", "excellent_share", "Xếp loại", "D8",
         "Trang «Xếp loại», ô D8: Số đảng viên hoàn thành xuất sắc nhiệm vụ (20) vượt 20% số hoàn thành tốt nhiệm "
         "vụ (60). Kiểm tra lại kết quả xếp loại."),
        ("warning", "disciplined_rating", "Xếp loại", "D11",
         "Trang «Xếp loại», ô D11: Trong năm có 1 đảng viên bị kỷ luật (khiển trách, cảnh cáo, cách chức), nhưng "
         "chỉ 0 đảng viên xếp loại không hoàn thành nhiệm vụ. Đảng viên bị kỷ luật trong năm không được xếp loại "
         "cao hơn; kiểm tra lại."),
    ]  # fmt: skip


def test_template_of_another_version(store, make_return):
    def old(book):
        book["Thông tin"]["C9"] = 0

    _, found = findings_for(store, make_return(payload(), edit=old))
    assert found == [
        ("error", "template_version", "Thông tin", "C9",
         "Trang «Thông tin», ô C9: Mẫu báo cáo phiên bản «0» không còn dùng (phiên bản hiện hành: 1). Tải mẫu mới "
         "của đơn vị và nhập lại số liệu."),
    ]  # fmt: skip
