"""Unit registry and annual targets: checked as a whole, loaded all or nothing."""

import pytest

from ingest.cli import main
from ingest.registry import RegistryError, load_registry, load_targets
from ingest.tables import TableError
from reporting import queries
from reporting.units import UnitTree

HEADER = "code,name,org_type,parent_code,active_from,active_to\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_registry_loaded_with_clean_names(store):
    tree = UnitTree.from_db(store)
    assert len(tree) == 10
    assert tree.get("X1").name == "Đảng ủy xã An Phú"
    assert [b.code for b in tree.branches_of("X1")] == ["X1-B1", "X1-B2", "X1-SC-B1"]  # through the sub-committee
    assert [u.code for u in tree.reporting_units()] == ["X1", "X2", "X3"]
    assert [a.code for a in tree.ancestors("X1-SC-B1")] == ["T", "X1", "X1-SC"]
    closure = store.execute("select count(*) from unit_closure where ancestor_code = 'T'").fetchone()[0]
    assert closure == 10


def test_registry_with_cycle_rejected(store, tmp_path):
    path = write(tmp_path, "cycle.csv", HEADER + "A,Đơn vị A,commune_committee,B,,\nB,Đơn vị B,sub_committee,A,,\n")
    with pytest.raises(RegistryError) as exc:
        load_registry(store, path)
    assert exc.value.messages == ["Các đơn vị A → B → A tạo thành vòng lặp cấp trên – cấp dưới. Sửa cột parent_code."]
    assert store.execute("select count(*) from units where code in ('A', 'B')").fetchone()[0] == 0


def test_registry_errors_all_listed_nothing_written(store, tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        HEADER
        + "N1,Mới 1,commune_committee,NOPE,,\n"
        + "N2,Mới 2,village,T,,\n"
        + "N1,Trùng,commune_committee,T,,\n"
        + "N3,Mới 3,commune_committee,T,2026-13-01,\n"
        + "N4,Mới 4,commune_committee,T,2026-07-01,2025-01-01\n"
        + ",Không mã,commune_committee,T,,\n",
    )
    with pytest.raises(RegistryError) as exc:
        load_registry(store, path)
    assert exc.value.messages == [
        "Dòng 3: loại tổ chức «village» của đơn vị «N2» không hợp lệ. Dùng một trong: provincial_committee, "
        "district_committee, commune_committee, affiliated_committee, grassroots_committee, grassroots_branch, "
        "sub_committee, affiliated_branch.",
        "Dòng 4: mã đơn vị «N1» trùng với dòng 2. Mỗi mã chỉ khai một lần.",
        "Dòng 5: ngày «2026-13-01» của đơn vị «N3» không hợp lệ. Ghi dạng 2025-07-01 hoặc 01/07/2025.",
        "Dòng 6: đơn vị «N4» có ngày kết thúc trước ngày bắt đầu hoạt động.",
        "Dòng 7: thiếu mã đơn vị (cột code).",
        "Dòng 2: đơn vị cấp trên «NOPE» của «N1» không có trong danh mục. Thêm đơn vị cấp trên vào tệp hoặc sửa mã.",
    ]
    assert store.execute("select count(*) from units where code like 'N%'").fetchone()[0] == 0


def test_registry_update_and_excel(store, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["Code", "Name", "Org_Type", "Parent_Code", "Active_From", "Active_To"])
    ws.append(["X2", "Đảng ủy phường Bình Minh Mới", "commune_committee", "T", "01/07/2025", None])
    ws.append([1001, "Chi bộ số 1001", "affiliated_branch", "X2", None, None])
    book.save(tmp_path / "update.xlsx")
    load_registry(store, tmp_path / "update.xlsx")
    tree = UnitTree.from_db(store)
    assert tree.get("X2").name == "Đảng ủy phường Bình Minh Mới"
    assert str(tree.get("X2").active_from) == "2025-07-01"
    assert tree.get("1001").parent_code == "X2"  # a numeric code read as text, not 1001.0
    assert len(tree) == 11


def test_missing_columns(store, tmp_path):
    path = write(tmp_path, "cols.csv", "code,name\nA,B\n")
    with pytest.raises(TableError) as exc:
        load_registry(store, path)
    assert exc.value.messages == [
        "Tệp cols.csv thiếu cột: org_type, parent_code, active_from, active_to. Dòng đầu tiên phải là tên cột: "
        "code, name, org_type, parent_code, active_from, active_to."
    ]


def test_targets_count_and_percent(store, make_return):
    rows = store.execute(
        "select unit_code, year, basis, basis_value, admission_target from targets order by 1"
    ).fetchall()
    assert rows == [("T", 2026, "count", 40.0, 40), ("X1", 2026, "count", 12.0, 12), ("X2", 2026, "percent", 5.0, None)]


def test_percent_target_resolved_from_opening_members(store, tmp_path, make_return):
    from ingest.load import Incoming, load_files
    from reporting import db
    from tests.conftest import TODAY, payload

    write(tmp_path, "t.csv", 'unit_code,year,admission_target\nX1,2026,"7,5%"\n')
    load_targets(store, tmp_path / "t.csv")
    assert store.execute("select admission_target from targets where unit_code = 'X1'").fetchone()[0] is None
    assert queries.targets_for(store, ["X1"], 2026, "reported") == {}
    load_files(store, [Incoming.from_path(make_return(payload("2026-Q1")))], archive=db.archive_dir(), today=TODAY)
    row = store.execute(
        "select basis, basis_value, opening_members, admission_target from targets where unit_code = 'X1'"
    )
    assert row.fetchone() == ("percent", 7.5, 100, 8)  # 7,5% of 100 opening members, rounded up
    assert queries.targets_for(store, ["X1"], 2026, "reported") == {"X1": 8}  # what the dashboards read


def test_percent_target_resolved_from_the_closing_of_december(store, tmp_path, make_return):
    """A return ending on 31 December gives the next year's opening membership."""
    from ingest.load import Incoming, load_files
    from reporting import db
    from tests.conftest import TODAY, payload

    write(tmp_path, "t.csv", "unit_code,year,admission_target\nX1,2026,10%\n")
    load_targets(store, tmp_path / "t.csv")
    december = make_return(payload("2025-Q4", year_end=True))
    assert (
        load_files(store, [Incoming.from_path(december)], archive=db.archive_dir(), today=TODAY)[0].action == "loaded"
    )
    row = store.execute("select opening_members, admission_target from targets where unit_code = 'X1' and year = 2026")
    assert row.fetchone() == (104, 11)  # 10% of the 104 members closing 2025, rounded up


def test_targets_errors(store, tmp_path):
    path = write(tmp_path, "t.csv", "unit_code,year,admission_target\nX9,2026,3\nX1,năm,3\nX1,2026,1.5\nX1,2026,120%\n")
    with pytest.raises(RegistryError) as exc:
        load_targets(store, path)
    assert exc.value.messages == [
        "Dòng 2: mã đơn vị «X9» không có trong danh mục. Nạp danh mục trước hoặc sửa mã.",
        "Dòng 3: năm «năm» không hợp lệ; ghi 4 chữ số, ví dụ 2026.",
        "Dòng 4: chỉ tiêu kết nạp «1.5» của «X1» không phải là số. Ghi số đảng viên (ví dụ 12) hoặc tỷ lệ so với "
        "đảng viên đầu năm (ví dụ 7%).",
        "Dòng 5: chỉ tiêu kết nạp «120%» của «X1» không hợp lệ: số đảng viên phải là số nguyên không âm, tỷ lệ từ 0% "
        "đến 100%.",
    ]


def test_registry_cli_and_units_listing(store, tmp_path, capsys):
    import json

    path = write(tmp_path, "cycle.csv", HEADER + "A,Đơn vị A,commune_committee,A,,\n")
    assert main(["registry", str(path)]) == 1
    assert (
        capsys.readouterr().err.strip()
        == "Các đơn vị A → A tạo thành vòng lặp cấp trên – cấp dưới. Sửa cột parent_code."
    )
    assert main(["units", "--json"]) == 0
    units = json.loads(capsys.readouterr().out)
    assert units[0] == {
        "code": "T", "name": "Tỉnh ủy Thử Nghiệm", "org_type": "provincial_committee", "parent_code": None,
        "active_from": "2020-01-01", "active_to": None, "end_reason": None, "successors": [],
    }  # fmt: skip
    assert {u["code"] for u in units} == {
        "T",
        "X1",
        "X1-B1",
        "X1-B2",
        "X1-SC",
        "X1-SC-B1",
        "X2",
        "X2-B1",
        "X3",
        "X3-B1",
    }
