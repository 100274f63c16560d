"""Fill a template, check it: exactly the values that were filled come back."""

import json

import pytest

from ingest.cli import main
from tests.conftest import TODAY, payload


def check_json(capsys, *paths) -> list[dict]:
    code = main(["check", *map(str, paths), "--json", "--today", TODAY.isoformat()])
    out = json.loads(capsys.readouterr().out)
    return code, out


@pytest.mark.parametrize(("period", "year_end"), [("2026-Q2", False), ("2025-Q4", True), ("2025-12", True)])
def test_round_trip_through_cli(store, tmp_path, capsys, period, year_end):
    data = payload(period, year_end=year_end)
    template = tmp_path / "blank.xlsx"
    assert main(["template", "--unit", "X1", "--period", period, "--out", str(template)]) == 0
    values = tmp_path / "values.json"
    values.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    filled = tmp_path / "filled.xlsx"
    assert main(["fill", str(template), "--values", str(values), "--out", str(filled)]) == 0
    capsys.readouterr()
    code, (result,) = check_json(capsys, filled)
    assert result["status"] == "accepted", result["findings"]
    assert code == 0
    assert result["values"] == data
    assert result["unit"] == "X1" and result["period"] == period
    # The check's values feed straight back into fill.
    values.write_text(json.dumps(result["values"], ensure_ascii=False), encoding="utf-8")
    assert main(["fill", str(template), "--values", str(values), "--out", str(tmp_path / "again.xlsx")]) == 0


def test_blank_cells_are_not_reported_values(store, make_return, capsys):
    data = payload()
    for code in ("readmitted", "expelled", "struck_off", "resigned"):
        del data["values"][code]
    del data["branches"]["X1-B1"]["upper_attended"]
    code, (result,) = check_json(capsys, make_return(data))
    assert result["status"] == "accepted"
    assert result["values"] == data


def test_text_numbers_nfd_names_blank_rows_and_sheet_case_accepted(store, make_return, capsys):
    import unicodedata

    data = payload()
    data["values"].update(members_opening="100", members_closing=" 104 ", transfer_in="2")
    data["branches"]["X1-B1"]["attendance_pct"] = "91,5"

    def clerk_edits(book):
        ws = book["Đảng viên"]
        ws.insert_rows(8, amount=3)  # blank rows in the middle of the table
        ws.title = "tmp"
        ws.title = "ĐẢNG  VIÊN"
        branches = book["Chi bộ"]
        branches.insert_rows(6)
        for row in branches.iter_rows(min_row=5, min_col=2, max_col=2):
            if row[0].value:
                row[0].value = "  " + unicodedata.normalize("NFD", row[0].value) + "  "

    _code, (result,) = check_json(capsys, make_return(data, edit=clerk_edits))
    assert result["status"] == "accepted", result["findings"]
    assert result["values"]["values"]["members_opening"] == 100
    assert result["values"]["values"]["members_closing"] == 104
    assert result["values"]["branches"]["X1-B1"]["attendance_pct"] == 91.5
    assert result["values"]["branches"] == payload()["branches"]


def test_thousands_separator_text(store, make_return, capsys):
    data = payload()
    data["values"].update(members_opening="1.100", members_closing="1.104")
    data["branches"]["X1-B1"]["branch_members"] = "1.040"
    _code, (result,) = check_json(capsys, make_return(data))
    assert result["status"] == "accepted", result["findings"]
    assert result["values"]["values"]["members_opening"] == 1100


def test_template_contents(store, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "t.xlsx"
    assert main(["template", "--unit", "X1", "--period", "2026-Q3", "--out", str(out)]) == 0
    book = load_workbook(out)
    assert book.sheetnames == [
        "Hướng dẫn",
        "Thông tin",
        "Đảng viên",
        "Kiểm tra, giám sát",
        "Kỷ luật",
        "Lãnh đạo",
        "Chi bộ",
    ]
    info = book["Thông tin"]
    values = {info.cell(r, 1).value: info.cell(r, 3).value for r in range(4, 10)}
    assert values["unit_code"] == "X1"
    assert values["unit_name"] == "Đảng ủy xã An Phú"  # trimmed from the registry
    assert values["period"] == "2026-Q3" and values["period_label"] == "Quý III/2026"
    assert values["admission_target"] == 12
    assert all(book[name].protection.sheet for name in book.sheetnames)
    assert info["C4"].protection.locked
    members = book["Đảng viên"]
    assert members["D4"].protection.locked is False  # an input cell
    assert members["A2"].value == "Chỉ tiêu kết nạp năm 2026 (Ban Tổ chức giao): 12 đảng viên"
    rules = {(dv.type, dv.operator, dv.formula1, dv.formula2) for dv in members.data_validations.dataValidation}
    assert rules == {("whole", "greaterThanOrEqual", "0", None)}
    branches = book["Chi bộ"]
    assert [branches.cell(r, 1).value for r in range(5, 8)] == ["X1-B1", "X1-B2", "X1-SC-B1"]
    assert branches.cell(8, 1).value is None
    kinds = {(dv.type, dv.formula1, dv.formula2) for dv in branches.data_validations.dataValidation}
    assert kinds == {("whole", "0", None), ("decimal", "0", "100")}
    covered = " ".join(str(dv.sqref) for dv in branches.data_validations.dataValidation)
    for col in "CDEFGHIJK":
        assert f"{col}5:{col}7" in covered


def test_year_end_sheet_only_in_last_return(store, tmp_path):
    from openpyxl import load_workbook

    for period, has_ratings in (("2026-Q3", False), ("2026-Q4", True), ("2026-11", False), ("2026-12", True)):
        out = tmp_path / f"{period}.xlsx"
        assert main(["template", "--unit", "X1", "--period", period, "--out", str(out)]) == 0
        assert ("Xếp loại" in load_workbook(out, read_only=True).sheetnames) is has_ratings


def test_template_all(store, tmp_path, capsys):
    assert main(["template", "--all", "--period", "2026-Q3", "--out", str(tmp_path / "all")]) == 0
    names = sorted(p.name for p in (tmp_path / "all").iterdir())
    assert names == ["bao-cao_X1_2026-Q3.xlsx", "bao-cao_X2_2026-Q3.xlsx"]  # X3 closed in 2025


def test_fill_refuses_values_that_do_not_fit(store, tmp_path, capsys):
    template = tmp_path / "blank.xlsx"
    main(["template", "--unit", "X1", "--period", "2026-Q3", "--out", str(template)])
    values = tmp_path / "v.json"
    values.write_text(
        json.dumps({"unit": "X2", "period": "2026-Q3", "values": {"nonsense": 1}, "branches": {"X9": {}}}),
        encoding="utf-8",
    )
    assert main(["fill", str(template), "--values", str(values), "--out", str(tmp_path / "o.xlsx")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "«unit» là «X2» nhưng mẫu dành cho «X1».",
        "Chỉ tiêu «nonsense» không có trong danh mục chỉ tiêu.",
        "Chi bộ «X9» không có trong mẫu.",
    ]
    assert not (tmp_path / "o.xlsx").exists()
