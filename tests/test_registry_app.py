"""Registry, lineage and targets managed in the app: the editors' saves and the Excel round trip.

The save functions receive DataFrames shaped as ``st.data_editor`` returns them (dates as
Timestamps, blanks as NaN/NaT), so these tests exercise what the page does after a click.
"""

from __future__ import annotations

from io import BytesIO

import pandas as pd
import pytest
from openpyxl import load_workbook

from ingest.registry import RegistryError
from ingest.registry_book import registry_workbook
from reporting import queries
from reporting.units import UnitTree
from tests.test_app import open_app
from ui import registry_edit as edit


def as_editor_returns(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates come back from the grid as Timestamps and blanks as NaT/NaN."""
    out = frame.copy()
    for column in out.columns:
        if column in ("active_from", "active_to", "effective_date"):
            out[column] = pd.to_datetime(out[column])
    return out


def audit(con, action: str) -> list[tuple]:
    return con.execute(
        "select actor, file_name, detail from audit_log where action = $a order by audit_id", {"a": action}
    ).fetchall()


def test_editing_a_unit_saves_it_and_logs_it(store):
    tree = UnitTree.from_db(store)
    units = as_editor_returns(edit.unit_frame(tree))
    assert edit.save_registry(store, tree, units, edit.lineage_frame(tree), "bantochuc") is None  # nothing changed
    units.loc[units["code"] == "X2", "name"] = "Đảng ủy phường Bình Minh Mới"
    change = edit.save_registry(store, tree, units, edit.lineage_frame(tree), "bantochuc")
    assert (change.added, change.changed) == (0, 1)
    assert UnitTree.from_db(store).get("X2").name == "Đảng ủy phường Bình Minh Mới"
    assert audit(store, "registry")[-1] == (
        "bantochuc", edit.APP_SOURCE, "0 đơn vị mới, 1 đơn vị sửa đổi; bảng kế thừa có 0 dòng",
    )  # fmt: skip


def test_a_merger_needs_its_successor_in_the_same_save(store):
    tree = UnitTree.from_db(store)
    units = as_editor_returns(edit.unit_frame(tree))
    units.loc[units["code"] == "X3", "end_reason"] = "merged"
    lineage = edit.lineage_frame(tree)
    with pytest.raises(RegistryError) as exc:
        edit.save_registry(store, tree, units, lineage, "bantochuc")
    assert any("đơn vị «X3» kết thúc do sáp nhập nhưng chưa có đơn vị kế thừa" in m for m in exc.value.messages)
    assert UnitTree.from_db(store).get("X3").end_reason is None  # nothing written
    lineage = pd.DataFrame(
        [["X3", "X2", pd.Timestamp("2025-07-01"), 1.0], ["X3-B1", "X2-B1", pd.Timestamp("2025-07-01"), float("nan")]],
        columns=list(lineage.columns),
    )
    change = edit.save_registry(store, tree, units, lineage, "bantochuc")
    assert change.successions == 2
    after = UnitTree.from_db(store)
    assert [(u.code, s) for u, s in after.successors_of("X3")] == [("X2", 1.0)]
    mapped = store.execute("select unit_code from unit_map where history = 'today' and ancestor_code = 'X2'").fetchall()
    assert {"X3", "X3-B1"} <= {r[0] for r in mapped}


def test_targets_as_count_or_percent(store):
    tree = UnitTree.from_db(store)
    edited = edit.target_frame(store, tree, 2026)
    assert edited[["unit_code", "admission_target"]].values.tolist() == [["T", "40"], ["X1", "12"], ["X2", "5%"]]
    edited.loc[edited["unit_code"] == "X1", "admission_target"] = "7,5%"
    edited = edited[edited["unit_code"] != "T"]  # a row deleted in the grid
    edit.save_targets(store, tree, edited, 2026, "bantochuc")
    rows = store.execute("select unit_code, basis, basis_value from targets where year = 2026 order by 1").fetchall()
    assert rows == [("X1", "percent", 7.5), ("X2", "percent", 5.0)]
    bad = edited.copy()
    bad.loc[bad["unit_code"] == "X2", "admission_target"] = "nhiều"
    with pytest.raises(RegistryError) as exc:
        edit.save_targets(store, tree, bad, 2026, "bantochuc")
    assert exc.value.messages == [
        "Dòng 2: chỉ tiêu kết nạp «nhiều» của «X2» không phải là số. Ghi số đảng viên (ví dụ 12) hoặc tỷ lệ so với "
        "đảng viên đầu năm (ví dụ 7%)."
    ]
    assert audit(store, "targets")[-1] == ("bantochuc", "ứng dụng: bảng chỉ tiêu", "2 chỉ tiêu năm 2026 (thay toàn bộ)")


def test_excel_round_trip_adds_a_unit_and_its_target_at_once(store):
    tree = UnitTree.from_db(store)
    book = load_workbook(BytesIO(registry_workbook(store)))
    book["Đơn vị"].append(["X4", "Đảng ủy xã Mới Lập", "commune_committee", "T", None, None, None])
    book["Chỉ tiêu"].append(["X4", 2026, "9"])
    out = BytesIO()
    book.save(out)
    checked = edit.check_upload(store, tree, "danh-muc.xlsx", out.getvalue(), "bantochuc")
    assert checked.describe() == "1 đơn vị mới, 0 đơn vị sửa đổi; bảng kế thừa có 0 dòng; 4 chỉ tiêu"
    assert "X4" not in UnitTree.from_db(store)  # checking writes nothing
    edit.store_upload(store, checked, "bantochuc")
    assert UnitTree.from_db(store).get("X4").name == "Đảng ủy xã Mới Lập"
    assert queries.targets_of_year(store, 2026)["X4"] == 9


def test_a_dangerous_or_broken_workbook_is_refused(store):
    tree = UnitTree.from_db(store)
    data = registry_workbook(store)
    from zipfile import ZipFile

    with_macro = BytesIO()
    with ZipFile(BytesIO(data)) as src, ZipFile(with_macro, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"macro")
    with pytest.raises(RegistryError) as exc:
        edit.check_upload(store, tree, "macro.xlsx", with_macro.getvalue(), "bantochuc")
    assert "có chứa macro" in exc.value.messages[0]
    book = load_workbook(BytesIO(data))
    book["Đơn vị"]["D3"] = "KHÔNG-CÓ"  # a parent that does not exist
    out = BytesIO()
    book.save(out)
    with pytest.raises(RegistryError) as exc:
        edit.check_upload(store, tree, "sai.xlsx", out.getvalue(), "bantochuc")
    assert any("đơn vị cấp trên «KHÔNG-CÓ»" in m for m in exc.value.messages)


def test_registry_page_for_the_province_administrator(demo_copy):
    at = open_app({})
    at.switch_page("pages/registry.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Danh mục đơn vị"
    assert [t.label for t in at.tabs] == ["Đơn vị", "Kế thừa", "Chỉ tiêu kết nạp", "Nhập, xuất Excel"]
    at.text_input(key="registry_find").input("X07-CB0").run()
    assert at.caption[-3].value.startswith("9 đơn vị (lọc từ ")
    next(b for b in at.button if b.label == "Kiểm tra và lưu đơn vị, kế thừa").click().run()
    assert "Không có thay đổi nào để lưu." in [i.value for i in at.info]
    at.selectbox(key="targets_year").set_value(2026).run()
    next(b for b in at.button if b.label == "Kiểm tra và lưu chỉ tiêu năm 2026").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Đã lưu 25 chỉ tiêu kết nạp năm 2026")


@pytest.mark.parametrize("user", ["thuongtruc", "xa07"])
def test_registry_page_refuses_other_roles(demo_copy, user):
    at = open_app({}, user=user)
    at.switch_page("pages/registry.py").run()
    assert not at.title and not at.get("data_editor")
    assert len(at.error) == 1
