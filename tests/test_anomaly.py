"""Possible but unlikely figures: robust scores against seasonal history and peers (warnings only)."""

from ingest.anomaly import robust_score, unusual_against_history, unusual_against_peers
from ingest.context import CheckContext
from ingest.load import Incoming, check_files, load_files
from reporting import db
from tests.conftest import TODAY, payload


def test_robust_score_ignores_one_odd_year():
    score, median = robust_score(4, [2, 3, 5, 40])
    assert median == 4 and score == 0
    assert robust_score(48, [2, 3, 5, 4])[0] > 5


def test_history_flags_only_large_departures():
    history = {"admitted": [2, 5, 3, 4], "transfer_in": [1, 2, 1]}
    found = unusual_against_history({"admitted": 48, "transfer_in": 6}, history)
    assert [(u.metric, u.low, u.high) for u in found] == [("admitted", 2, 5)]
    assert unusual_against_history({"admitted": 48}, {"admitted": [2, 5]}) == []  # too little history


def test_peers_compare_rates_of_similar_units():
    peers = {"inspect_member": [(1.0, 400), (1.5, 500), (0.8, 450), (1.2, 380), (1.0, 600), (30.0, 5000)]}
    found = unusual_against_peers({"inspect_member": 60}, 450, peers)
    assert [(u.metric, u.basis) for u in found] == [("inspect_member", "peers")]
    assert unusual_against_peers({"inspect_member": 6}, 450, peers) == []


def test_seasonal_warning_in_a_check(store, make_return):
    for year in (2021, 2022, 2023):
        data = payload(f"{year}-Q2")
        data["values"]["inspect_member"] = 3
        load_files(store, [Incoming.from_path(make_return(data))], archive=db.archive_dir(), today=TODAY)
    odd = payload("2025-Q2")
    odd["values"]["inspect_member"] = 48
    ctx = CheckContext.from_db(store, TODAY)
    (result,) = check_files(ctx, [Incoming.from_path(make_return(odd))])
    assert result.status == "warnings"
    assert [f.message for f in result.findings if f.rule == "unusual_history"] == [
        "Trang «Kiểm tra, giám sát», ô D5: «Kiểm tra đảng viên» là 48, khác xa mức thường thấy của đơn vị trong quý II "
        "các năm trước (thường 3). Kiểm tra lại; nếu số liệu đúng, ghi chú lý do khi gửi báo cáo."
    ]
