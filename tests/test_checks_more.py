"""Checks a careful board applies beyond the list of DOMAIN.md section 4: the flows of probation,
meetings attended from above, branches below the Charter's three members, and counts a rule of
time makes implausible (the catalog's ``usual`` bounds). One failing file each with its message
pinned, then the edges, which pass without a word."""

import pytest

from reporting.catalog import BY_CODE
from tests.conftest import payload
from tests.test_rules import branch, findings_for, values


def with_branch(data, code, **changes):
    data["branches"][code].update(changes)
    return data


CASES = {
    # The figures: 83 probationary + 4 admitted − 9 confirmed = 78, at most 2 of them gone
    # (a death, a transfer out), but 30 written.
    "probationary_flow_min": (
        values(probationary_opening=83, confirmed_official=9, probationary_closing=30),
        ("error", "probationary_flow_min", "Đảng viên", "D16",
         "Trang «Đảng viên», ô D16: Đảng viên dự bị cuối kỳ là 30, thấp hơn mức các biến động trong kỳ cho phép: "
         "ít nhất là 76 (83 dự bị đầu kỳ + 4 kết nạp mới + 0 kết nạp lại − 9 công nhận đảng viên chính thức − 1 từ "
         "trần − 0 xóa tên − 0 xin ra khỏi Đảng − 1 chuyển sinh hoạt chính thức đi). Đảng viên dự bị chỉ giảm khi "
         "được công nhận chính thức hoặc rời đảng bộ (đảng viên dự bị không bị khai trừ); kiểm tra lại số dự bị "
         "cuối kỳ và các số biến động."),
    ),
    # 8 + 4 − 9 = 3, and even if both members transferred in were probationary, 5: but 30 written.
    "probationary_flow_max": (
        values(probationary_opening=8, confirmed_official=9, probationary_closing=30),
        ("error", "probationary_flow_max", "Đảng viên", "D16",
         "Trang «Đảng viên», ô D16: Đảng viên dự bị cuối kỳ là 30, vượt quá mức các biến động trong kỳ cho phép: "
         "nhiều nhất là 5 (8 dự bị đầu kỳ + 4 kết nạp mới + 0 kết nạp lại + 2 chuyển sinh hoạt chính thức đến − 9 "
         "công nhận đảng viên chính thức). Đảng viên dự bị chỉ tăng do kết nạp mới, kết nạp lại hoặc chuyển đến; "
         "kiểm tra lại số dự bị cuối kỳ và các số biến động."),
    ),
    # 2 written with 4 admitted this quarter and nobody gone (6 + 4 − 8 = 2 balances: 2 of the new
    # members were "confirmed" within weeks of joining).
    "probationary_below_admitted": (
        with_branch(
            values(probationary_opening=6, confirmed_official=8, probationary_closing=2, deceased=0, transfer_out=0,
                   members_closing=106),
            "X1-B1", branch_members=42,
        ),
        ("error", "probationary_below_admitted", "Đảng viên", "D16",
         "Trang «Đảng viên», ô D16: Đảng viên dự bị cuối kỳ là 2, nhưng trong kỳ kết nạp 4 (4 kết nạp mới + 0 kết "
         "nạp lại): thời gian dự bị là 12 tháng nên cuối kỳ họ vẫn là đảng viên dự bị, trừ người đã rời đảng bộ (0 "
         "từ trần, 0 xóa tên, 0 xin ra khỏi Đảng, 0 chuyển sinh hoạt chính thức đi). Số dự bị cuối kỳ ít nhất là 4; "
         "kiểm tra lại số dự bị cuối kỳ và số công nhận chính thức (người kết nạp trong kỳ chưa thể được công nhận "
         "chính thức)."),
    ),
    # 3 written with 4 admitted: right only if one of the new members already died or moved away.
    "probationary_admitted_left": (
        values(probationary_opening=2, confirmed_official=2, probationary_closing=3),
        ("warning", "probationary_admitted_left", "Đảng viên", "D16",
         "Trang «Đảng viên», ô D16: Đảng viên dự bị cuối kỳ là 3, ít hơn số kết nạp trong kỳ (4: 4 kết nạp mới + 0 "
         "kết nạp lại). Người mới kết nạp còn trong thời gian dự bị 12 tháng; số này chỉ đúng nếu 1 người trong số "
         "họ đã từ trần, bị xóa tên, xin ra khỏi Đảng hoặc chuyển đi ngay trong kỳ. Kiểm tra lại số dự bị cuối kỳ "
         "và số công nhận chính thức; nếu số liệu đúng, ghi chú lý do khi gửi báo cáo."),
    ),
    "upper_attended_max": (
        branch("X1-B1", upper_attended=9),
        ("error", "upper_attended_max", "Chi bộ", "K5",
         "Trang «Chi bộ», ô K5: Chi bộ «Chi bộ thôn 1» ghi 9 buổi có cấp ủy viên cấp trên dự, nhiều hơn số buổi "
         "sinh hoạt của chi bộ trong kỳ (3 thường kỳ + 1 chuyên đề = 4). Buổi có cấp trên dự phải là một buổi sinh "
         "hoạt chi bộ đã tổ chức; sửa lại số buổi."),
    ),
    "branch_below_three": (
        with_branch(branch("X1-B2", branch_members=2), "X1-B1", branch_members=68),
        ("warning", "branch_below_three", "Chi bộ", "C6",
         "Trang «Chi bộ», ô C6: Chi bộ «Chi bộ thôn 2» ghi 2 đảng viên, ít hơn 3: Điều lệ Đảng quy định mỗi chi bộ "
         "có ít nhất 3 đảng viên chính thức. Kiểm tra lại số đảng viên của chi bộ; nếu đúng, đề nghị Ban Tổ chức xem "
         "xét sáp nhập chi bộ hoặc cập nhật danh mục."),
    ),
    "implausible_thematic": (
        branch("X1-B1", thematic_meetings=40, upper_attended=1),
        ("warning", "implausible_count", "Chi bộ", "E5",
         "Trang «Chi bộ», ô E5: «Số lần sinh hoạt chuyên đề» của chi bộ «Chi bộ thôn 1» là 40, nhiều bất thường cho "
         "Quý II/2026: thường 1 lần mỗi quý, nhiều nhất khoảng 3 lần trong kỳ. Kiểm tra lại (có thể gõ nhầm, hoặc "
         "đã ghi số cộng dồn từ đầu năm thay cho số trong kỳ); nếu số liệu đúng, ghi chú lý do khi gửi báo cáo."),
    ),
    "implausible_committee": (
        values(committee_meetings=30),
        ("warning", "implausible_count", "Lãnh đạo", "D4",
         "Trang «Lãnh đạo», ô D4: «Số hội nghị đảng ủy (thường kỳ) trong kỳ» là 30, nhiều bất thường cho Quý "
         "II/2026: thường 1 hội nghị mỗi tháng, nhiều nhất khoảng 6 hội nghị trong kỳ. Kiểm tra lại (có thể gõ "
         "nhầm, hoặc đã ghi số cộng dồn từ đầu năm thay cho số trong kỳ); nếu số liệu đúng, ghi chú lý do khi gửi "
         "báo cáo."),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_check(store, make_return, case):
    data, expected = CASES[case]
    result, found = findings_for(store, make_return(data))
    assert found == [expected]
    assert result.status == ("rejected" if expected[0] == "error" else "warnings")


EDGES = {
    # Probationary members at the end anywhere between the bounds: transfers in and out explain it.
    "probationary at the upper bound (both transfers in probationary)": values(probationary_closing=10),
    "probationary at the lower bound (the one death and the transfer out probationary)": values(
        probationary_opening=4, confirmed_official=0, probationary_closing=6
    ),
    "probationary equal to this quarter's admissions": values(
        probationary_opening=2, confirmed_official=2, probationary_closing=4
    ),
    "upper committee at every meeting, thematic included": branch("X1-B1", upper_attended=4),
    "a branch of exactly three": with_branch(branch("X1-B2", branch_members=3), "X1-B1", branch_members=67),
    "a thematic meeting every month": branch("X1-B1", thematic_meetings=3),
    "two committee meetings a month": values(committee_meetings=6, conclusions_issued=6),
}


@pytest.mark.parametrize("case", list(EDGES))
def test_edges_pass(store, make_return, case):
    data = EDGES[case]
    result, found = findings_for(store, make_return(data))
    assert (result.status, found) == ("accepted", [])


def test_the_expelled_were_official(store, make_return):
    """A probationary member can only be reprimanded or warned: an expulsion never lowers the probationary count."""
    data = with_branch(
        values(probationary_opening=4, confirmed_official=0, probationary_closing=5, expelled=1,
               disc_member_expulsion=1, members_closing=103),
        "X1-B1", branch_members=39,
    )  # fmt: skip
    _, found = findings_for(store, make_return(data))
    assert [(f[1], f[3]) for f in found] == [("probationary_flow_min", "D16")]
    assert "ít nhất là 6 (4 dự bị đầu kỳ + 4 kết nạp mới + 0 kết nạp lại − 0 công nhận" in found[0][4]


def test_bounds_scale_with_the_period(store, make_return):
    """A month's return: one thematic meeting is the most before a warning, not three."""
    data = payload("2026-04")
    data["branches"]["X1-B1"]["thematic_meetings"] = 1
    result, found = findings_for(store, make_return(data))
    assert (result.status, found) == ("accepted", [])
    data["branches"]["X1-B1"]["thematic_meetings"] = 2
    _, found = findings_for(store, make_return(data))
    assert found == [
        ("warning", "implausible_count", "Chi bộ", "E5",
         "Trang «Chi bộ», ô E5: «Số lần sinh hoạt chuyên đề» của chi bộ «Chi bộ thôn 1» là 2, nhiều bất thường cho "
         "Tháng 4/2026: thường 1 lần mỗi quý, nhiều nhất khoảng 1 lần trong kỳ. Kiểm tra lại (có thể gõ nhầm, hoặc "
         "đã ghi số cộng dồn từ đầu năm thay cho số trong kỳ); nếu số liệu đúng, ghi chú lý do khi gửi báo cáo."),
    ]  # fmt: skip


def test_probation_flows_wait_for_rule_two(store, make_return):
    """Confirmed beyond what was probationary: that one error, not the flows built on it as well."""
    _, found = findings_for(store, make_return(values(confirmed_official=11, probationary_closing=0)))
    assert [f[1] for f in found] == ["confirmed_le_probationary"]


def test_bounds_live_in_the_catalog():
    """Adding a bounded metric is one catalog entry: the checker reads ``usual`` and nothing else."""
    bounded = {m.code: (m.usual.count, m.usual.months, m.usual.most(3)) for m in BY_CODE.values() if m.usual}
    assert bounded == {
        "committee_meetings": (1, 1, 6),
        "conclusions_issued": (1, 1, 15),
        "thematic_meetings": (1, 3, 3),
    }
