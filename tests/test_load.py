"""Loading: archive first, one transaction per file, versions, and the observations view."""

import hashlib
import json

from ingest.cli import main
from reporting import db
from tests.conftest import TODAY, load, payload


def observations(store):
    return store.execute(
        "select unit_code, cast(period_start as varchar), cast(period_end as varchar), metric, value, submission_id "
        "from observations order by unit_code, metric"
    ).fetchall()


def test_load_stores_exactly_the_figures(store, make_return):
    path = make_return(payload("2026-Q2"))
    (outcome,) = load(store, path)
    assert (outcome.action, outcome.submission_id, outcome.message) == ("loaded", 1, "Đã nạp báo cáo (phiên bản #1).")
    rows = observations(store)
    data = payload("2026-Q2")
    expected = [("X1", "2026-04-01", "2026-06-30", m, float(v), 1) for m, v in data["values"].items()]
    expected += [
        (b, "2026-04-01", "2026-06-30", m, float(v), 1) for b, vals in data["branches"].items() for m, v in vals.items()
    ]
    assert rows == sorted(expected, key=lambda r: (r[0], r[3]))
    sub = store.execute("select unit_code, period, period_kind, status, sha256, file_name from submissions").fetchall()
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert sub == [("X1", "2026-Q2", "quarter", "accepted", sha, path.name)]


def test_original_archived_by_hash(store, make_return):
    path = make_return(payload())
    load(store, path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    archived = db.archive_dir() / sha[:2] / f"{sha}.xlsx"
    assert archived.read_bytes() == path.read_bytes()
    assert store.execute("select path, size from archive").fetchall() == [
        (f"{sha[:2]}/{sha}.xlsx", len(path.read_bytes()))
    ]


def test_resubmission_supersedes_and_identical_reload_changes_nothing(store, make_return):
    first = make_return(payload())
    load(store, first)
    corrected = payload()
    corrected["values"]["inspect_member"] = 5
    second = make_return(corrected)
    (outcome,) = load(store, second)
    assert (outcome.action, outcome.submission_id, outcome.replaced_id) == ("replaced", 2, 1)
    assert outcome.message == "Đã nạp phiên bản mới #2, thay thế phiên bản #1."
    versions = store.execute(
        "select submission_id, status, superseded_by, superseded_at is not null from submissions order by 1"
    ).fetchall()
    assert versions == [(1, "accepted", 2, True), (2, "accepted", None, False)]
    assert {r[5] for r in observations(store)} == {2}
    value = store.execute("select value from observations where metric = 'inspect_member'").fetchone()[0]
    assert value == 5

    before = store.execute("select count(*) from submissions").fetchone()[0]
    (again,) = load(store, second)
    assert (again.action, again.submission_id) == ("unchanged", 2)
    assert again.message == "Tệp giống hệt phiên bản đã nhận (#2); không thay đổi gì."
    assert store.execute("select count(*) from submissions").fetchone()[0] == before

    (back,) = load(store, first)  # going back to the first file is a new version, not "unchanged"
    assert (back.action, back.replaced_id) == ("replaced", 2)
    assert store.execute("select value from observations where metric = 'inspect_member'").fetchone()[0] == 3


def test_rejected_recorded_with_findings_never_in_figures(store, make_return):
    bad = payload()
    bad["values"]["members_closing"] = 105
    path = make_return(bad)
    (outcome,) = load(store, path)
    assert outcome.action == "rejected"
    assert outcome.message == "Bị từ chối (2 lỗi); số liệu không được nạp. Sửa các lỗi dưới đây rồi gửi lại."
    assert observations(store) == []
    assert store.execute("select count(*) from submission_values").fetchone()[0] == 0
    rules = store.execute("select rule from findings order by position").fetchall()
    assert rules == [("members_balance",), ("branch_members_sum",)]
    (again,) = load(store, path)
    assert (again.action, again.submission_id) == ("rejected", outcome.submission_id)
    assert store.execute("select count(*) from submissions").fetchone()[0] == 1
    assert store.execute("select count(*) from archive").fetchone()[0] == 1


def test_rejected_new_version_keeps_the_current_one(store, make_return):
    load(store, make_return(payload()))
    bad = payload()
    bad["values"]["members_closing"] = 105
    load(store, make_return(bad))
    assert {r[5] for r in observations(store)} == {1}


def test_batch_with_a_bad_file_loads_the_others(store, make_return, tmp_path):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"%PDF-1.4 not a workbook")
    good = make_return(payload("2026-Q1"))
    outcomes = load(store, junk, good)
    assert [o.action for o in outcomes] == ["rejected", "loaded"]
    assert outcomes[0].result.findings[0].message == (
        "Tệp «junk.xlsx» không phải là tệp Excel. Dùng mẫu báo cáo .xlsx do Ban Tổ chức phát hành."
    )
    assert {r[5] for r in observations(store)} == {outcomes[1].submission_id}
    junk_row = store.execute("select unit_code, period, status from submissions where file_name = 'junk.xlsx'")
    assert junk_row.fetchall() == [(None, None, "rejected")]


def test_batch_order_follows_periods(store, make_return):
    """Q2 given before Q1 still loads: each file is checked against the period before it."""
    q2 = payload("2026-Q2")
    q2["values"].update(members_opening=104, members_closing=108, probationary_opening=8, probationary_closing=10)
    q2["branches"]["X1-B1"]["branch_members"] = 44
    outcomes = load(store, make_return(q2), make_return(payload("2026-Q1")))
    assert [o.action for o in outcomes] == ["loaded", "loaded"]
    assert [o.submission_id for o in outcomes] == [2, 1]


def test_load_cli_output_and_exit_codes(store, make_return, capsys, tmp_path):
    good = make_return(payload(), name="tot.xlsx")
    bad_data = payload()
    bad_data["values"]["admitted"] = "1,5"
    bad = make_return(bad_data, name="loi.xlsx")
    assert main(["load", str(good), "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "━━ tot.xlsx",
        "   Đơn vị: X1 – Đảng ủy xã An Phú · Kỳ: Quý II/2026",
        "   Kết quả: HỢP LỆ (0 lỗi, 0 cảnh báo)",
        "   Đã nạp báo cáo (phiên bản #1).",
    ]
    assert main(["load", str(good), str(bad), "--json", "--today", TODAY.isoformat()]) == 1
    results = json.loads(capsys.readouterr().out)
    assert [(r["file"], r["action"], r["status"]) for r in results] == [
        ("tot.xlsx", "unchanged", "accepted"),
        ("loi.xlsx", "rejected", "rejected"),
    ]
    assert results[1]["findings"][0] == {
        "severity": "error",
        "sheet": "Đảng viên",
        "cell": "D6",
        "rule": "not_whole",
        "message": "Trang «Đảng viên», ô D6: «Kết nạp mới» là 1,5, không phải số nguyên. Số người, số lượt, số buổi "
        "phải là số nguyên; nếu đã gõ dấu phẩy phân cách hàng nghìn, thay bằng dấu chấm (1.234).",
    }


def test_check_writes_nothing(store, make_return, capsys):
    path = make_return(payload())
    before = store.execute("select count(*) from submissions").fetchone()[0]
    assert main(["check", str(path)]) == 0
    assert store.execute("select count(*) from submissions").fetchone()[0] == before
    assert not db.archive_dir().exists()


def test_check_json_shape_and_exit_codes(store, make_return, capsys, tmp_path):
    warn = payload("2025-Q2")
    warn["values"]["disc_member_expulsion"] = 1
    paths = [make_return(payload(), name="a.xlsx"), make_return(warn, name="b.xlsx")]
    assert main(["check", *map(str, paths), "--json", "--today", TODAY.isoformat()]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [list(r) for r in results] == [["file", "status", "unit", "period", "findings", "values"]] * 2
    assert [r["status"] for r in results] == ["accepted", "warnings"]
    assert list(results[0]["values"]) == ["unit", "period", "values", "branches"]
    assert list(results[1]["findings"][0]) == ["severity", "sheet", "cell", "rule", "message"]


def test_usage_errors_exit_2(store, capsys, tmp_path):
    assert main(["check", str(tmp_path / "nope.xlsx")]) == 2
    assert "Không tìm thấy tệp" in capsys.readouterr().err
    assert main(["template", "--unit", "X1", "--period", "2026-Q9", "--out", str(tmp_path / "t.xlsx")]) == 2
    import pytest

    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


def test_status(store, make_return, capsys):
    load(store, make_return(payload("2026-Q2")))
    assert main(["status", "--period", "2026-Q2", "--json", "--today", TODAY.isoformat()]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["unit"], r["status"], r["late"]) for r in rows] == [("X1", "accepted", True), ("X2", "missing", True)]
    assert rows[0]["submissions"][0]["current"] is True
    assert main(["status", "--period", "2026-Q2", "--today", TODAY.isoformat()]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "2026-Q2\tX2\tĐảng ủy phường Bình Minh\tChưa nộp (quá hạn)\t0 phiên bản"


def test_audit_log_records_every_action(store, make_return):
    path = make_return(payload())
    load(store, path)
    load(store, path)  # identical: nothing changes, but it is logged
    changed = payload()
    changed["values"]["inspect_member"] = 5
    load(store, make_return(changed))
    bad = payload()
    bad["values"]["members_closing"] = 105
    load(store, make_return(bad))
    rows = store.execute(
        "select actor, action, unit_code, period, submission_id, replaced_id from audit_log where sha256 is not null "
        "order by audit_id"
    ).fetchall()
    assert rows == [
        ("cli", "loaded", "X1", "2026-Q2", 1, None),
        ("cli", "unchanged", "X1", "2026-Q2", 1, None),
        ("cli", "replaced", "X1", "2026-Q2", 2, 1),
        ("cli", "rejected", "X1", "2026-Q2", 3, None),
    ]
    registry = store.execute("select action, detail from audit_log where action in ('registry', 'targets')").fetchall()
    assert registry == [
        ("registry", "10 đơn vị mới, 0 đơn vị sửa đổi; bảng kế thừa có 0 dòng"),
        ("targets", "3 chỉ tiêu"),
    ]


def test_diff_between_any_two_versions(store, make_return):
    from ingest.versions import diff

    load(store, make_return(payload()))
    changed = payload()
    changed["values"]["inspect_member"] = 5
    changed["branches"]["X1-B1"]["attendance_pct"] = 93
    load(store, make_return(changed))
    bad = payload()
    bad["values"]["members_closing"] = 105
    load(store, make_return(bad))  # rejected: its figures come back from the archived original
    assert [(c.unit_code, c.metric, c.old, c.new) for c in diff(store, db.archive_dir(), 1, 2)] == [
        ("X1", "inspect_member", 3.0, 5.0),
        ("X1-B1", "attendance_pct", 91.5, 93.0),
    ]
    assert [(c.metric, c.old, c.new) for c in diff(store, db.archive_dir(), 1, 3)] == [
        ("members_closing", 104.0, 105.0)
    ]
    assert diff(store, db.archive_dir(), 2, 2) == []
