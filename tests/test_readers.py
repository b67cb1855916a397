"""Reading what planners actually send: merged cells, Thai headers, tables or plain sheets."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.worksheet.table import Table

from sso_app.book.readers import read_raw
from sso_kpi.errors import SsoError
from sso_kpi.importing import read_table


def _book(path, *, table: bool, merge: bool):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "แผน-ผล"
    ws.append(["แผนปฏิบัติราชการ ปี 2564"])
    ws.append([])
    ws.append(["รหัสโครงการ", "ตัวชี้วัดที่", "น้ำหนัก", "แผน ไตรมาส 1", "ผล ไตรมาส 1"])
    ws.append(["P1", "1", 50, 10, 5])
    ws.append([None, "2", 50, "1 ครั้ง", "abc"])
    ws.append(["P2", "1", 100, 4, 4])
    if merge:
        ws.merge_cells("A4:A5")
    if table:
        ws.add_table(Table(displayName="tbl_kpi", ref="A3:E6"))
    wb.save(path)
    return path


@pytest.mark.parametrize("table", [True, False])
def test_merged_project_cells_fill_down(tmp_path, table):
    raw, source = read_raw(_book(tmp_path / "u.xlsx", table=table, merge=True))
    got = read_table(raw, source)
    assert got.frame["project_id"].tolist() == ["P1", "P1", "P2"]
    # the one bad cell is named by sheet, row and column letter
    (error,) = got.errors
    assert (error.sheet, error.row, error.column.split()[0], error.value) == (
        "แผน-ผล", 5, "E", "abc")  # fmt: skip


def test_unmerged_blank_project_is_an_error(tmp_path):
    got = read_table(*read_raw(_book(tmp_path / "u.xlsx", table=True, merge=False)))
    assert any(e.row == 5 and "project_id" in e.column for e in got.errors)


def test_a_sheet_without_our_headers_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["ชื่อ", "ที่อยู่"])
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(SsoError, match="header row"):
        read_raw(tmp_path / "other.xlsx")


def test_unknown_file_type_is_refused(tmp_path):
    (tmp_path / "plan.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(SsoError, match=r"\.csv, \.xlsx or \.xlsm"):
        read_raw(tmp_path / "plan.pdf")


def test_a_duplicated_header_does_not_shift_the_letters_after_it(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["project_id", "น้ำหนัก", "weight", "kpi_number", "plan_q1"])
    ws.append(["P1", 100, 50, "1", "abc"])
    wb.save(tmp_path / "dup.xlsx")
    got = read_table(*read_raw(tmp_path / "dup.xlsx"))
    (error,) = got.errors
    assert error.column.split()[0] == "E"  # plan_q1 is column E, not D
    assert got.frame["weight"].tolist() == [100.0]  # the first of the two weight columns
