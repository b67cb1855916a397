"""`sso-kpi import`: all or nothing, flags for existing rows, the table and formulas resized."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from sso_app.book import entry_sheet, layout
from sso_app.bookimport import import_into
from sso_app.cli import main as cli_main
from sso_app.files.writing import versions_of
from sso_app.rebuild import rebuild
from sso_kpi.errors import SsoError
from tests.conftest import ACTION_PLAN, raw_csv
from tests.test_build import check_macro_parts, copy_book, demo_book, empty_book, zip_members

LAST = get_column_letter(len(layout.KPI_TABLE_COLUMNS))  # tbl_kpi's last column
BLOCK = tuple(entry_sheet.computed_letters().values())  # the computed block's columns, in order


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


@pytest.fixture
def plan() -> pd.DataFrame:
    """The golden action plan as a unit would send it (minus the published columns)."""
    return raw_csv(ACTION_PLAN).drop(columns=["published_pct", "published_avg"])


K, C = entry_sheet.kpi_letters(), entry_sheet.computed_letters()
LAST = get_column_letter(len(layout.KPI_TABLE_COLUMNS))


def entry(book: Path) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(book, keep_vba=True)[layout.SHEET_ENTRY]


def block_refs(ws) -> list[str]:
    first = layout.KPI_COMPUTED_FIRST_COL
    out = []
    for i in range(len(layout.KPI_COMPUTED_COLUMNS)):
        value = ws.cell(row=layout.ENTRY_FIRST_DATA_ROW, column=first + i).value
        assert isinstance(value, ArrayFormula)
        out.append(value.ref)
    return out


def test_errors_are_listed_and_nothing_is_written(tmp_path: Path, plan: pd.DataFrame) -> None:
    book = copy_book(empty_book(), tmp_path)
    before = book.read_bytes()
    bad = plan.head(6).copy()
    bad.loc[1, "plan_q3"] = "abc"
    bad.loc[2, "weight"] = "-5"
    bad.loc[4, "project_id"] = ""
    source = write_csv(tmp_path / "unit.csv", bad)
    report = import_into(source, book, None)
    assert len(report.errors) >= 3
    texts = [issue.text() for issue in report.errors]
    assert any("unit.csv แถว/row 3 คอลัมน์/column plan_q3" in t and "abc" in t for t in texts)
    assert any("row 4" in t and "weight" in t and "ติดลบ" in t for t in texts)
    assert any("row 6" in t and "project_id" in t for t in texts)
    text = str(report)
    assert "nothing imported" in text and "ไม่ได้นำเข้า" in text
    assert book.read_bytes() == before
    assert versions_of(book) == []
    assert (
        cli_main(["import", str(source), "--into", str(book)]) == 2
    )  # refused: nothing written (the one exit-code rule)


def test_refuses_without_a_flag_when_rows_exist(tmp_path: Path, plan: pd.DataFrame) -> None:
    book = copy_book(demo_book(), tmp_path)
    before = book.read_bytes()
    source = write_csv(tmp_path / "unit.csv", plan.head(3))
    with pytest.raises(SsoError) as err:
        import_into(source, book, None)
    assert "--replace" in err.value.message_en and "--append" in err.value.message_th
    assert book.read_bytes() == before
    assert cli_main(["import", str(source), "--into", str(book)]) == 2


def test_replace_keeps_a_backup_and_shrinks_everything(tmp_path: Path, plan: pd.DataFrame) -> None:
    book = copy_book(demo_book(), tmp_path)
    before = book.read_bytes()
    source = write_csv(tmp_path / "unit.csv", plan.head(10))
    report = import_into(source, book, "replace")
    assert not report.errors and report.rows == 10 and report.total == 10
    assert report.backup == versions_of(book)[0]
    assert report.backup.read_bytes() == before
    ws = entry(book)
    assert ws.tables[layout.TABLE_KPI].ref == f"A4:{LAST}14"
    assert set(block_refs(ws)) == {f"{c}5:{c}14" for c in C.values()}
    assert ws[f"{C['project_avg']}5"].value.text.startswith("=SSO_PROJECT_AVG(tbl_kpi[project_id]")
    assert ws["A14"].value == "SSF-003" and ws["A15"].value is None
    assert ws[f"{C['plan_total']}15"].value is None
    sqrefs = {str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert f"{K['direction']}5:{K['direction']}14" in sqrefs
    last = entry_sheet.computed_letters()["project_band"]  # the computed block prints too
    assert ws.print_area == f"'แผน-ผล'!$A$1:${last}$14"
    check_macro_parts(book)
    assert rebuild(book).projects == 3  # the engine reads the new rows back


def test_append_adds_rows_and_grows_the_block(tmp_path: Path, plan: pd.DataFrame) -> None:
    book = copy_book(empty_book(), tmp_path)
    first = write_csv(tmp_path / "a.csv", plan.head(4))
    second = write_csv(tmp_path / "b.csv", plan.iloc[4:10])
    assert not import_into(first, book, None).errors  # an empty table needs no flag
    ws = entry(book)
    assert ws.tables[layout.TABLE_KPI].ref == f"A4:{LAST}8"
    report = import_into(second, book, "append")
    assert not report.errors and report.total == 10
    ws = entry(book)
    assert ws.tables[layout.TABLE_KPI].ref == f"A4:{LAST}14"
    first = C["plan_total"]
    assert block_refs(ws)[0] == f"{first}5:{first}14"
    kpi = K["kpi_number"]
    assert ws[f"{kpi}8"].value == "4" and ws[f"{kpi}9"].value == "5"  # kpi_number stays text
    assert ws[f"{kpi}9"].data_type == "s"
    check_macro_parts(book)


def test_append_refuses_duplicates(tmp_path: Path, plan: pd.DataFrame) -> None:
    book = copy_book(demo_book(), tmp_path)
    before = book.read_bytes()
    source = write_csv(tmp_path / "again.csv", plan.iloc[2:4])
    report = import_into(source, book, "append")
    assert len(report.errors) == 2
    assert "already has this indicator" in report.errors[0].text()
    assert "SSF-001 / 3" in report.errors[0].text()
    assert book.read_bytes() == before


def test_thai_headers_csv(tmp_path: Path) -> None:
    book = copy_book(empty_book(), tmp_path)
    thai = pd.DataFrame(
        {
            "รหัสโครงการ": ["P1", "P1"],
            "ยุทธศาสตร์": ["2", "2"],
            "กลยุทธ์": ["2.10", "2.10"],
            "ชื่องาน/โครงการ": ['=HYPERLINK("x")', "โครงการทดสอบ"],
            "ตัวชี้วัดที่": ["1", "2"],
            "น้ำหนัก": ["๕๐", "50"],
            "หน่วยนับ": ["ร้อยละ", "คน"],
            "แผน ไตรมาส 1": ["80", "1,000"],
            "ผล ไตรมาส 1": ["85", "400 คน"],
        }
    )
    source = write_csv(tmp_path / "thai.csv", thai)
    report = import_into(source, book, None)
    assert not report.errors and report.rows == 2
    ws = entry(book)
    assert ws[f"{K['substrategy']}5"].value == "2.10" and ws[f"{K['weight']}5"].value == 50
    name = ws[f"{K['project_name']}5"]
    assert name.data_type == "s" and name.value.startswith("=HYPERLINK")  # text
    agg = K["aggregation"]
    assert ws[f"{agg}5"].value == "ค่าล่าสุด" and ws[f"{agg}6"].value == "รวม"  # ร้อยละ: latest
    assert ws[f"{K['result_q1']}6"].value == 400
    # Case 3: thousands separators for counts, two decimals for a ร้อยละ
    assert ws[f"{K['plan_q1']}6"].number_format == "#,##0"
    assert ws[f"{K['plan_q1']}5"].number_format == "#,##0.00"
    assert ws[f"{C['achievement']}5"].number_format == "#,##0.00"
    result = rebuild(book, 1)
    assert result.projects == 1 and result.bands["yellow"] == 1  # (106.25 + 40) / 2


def test_import_from_another_sso_workbook(tmp_path: Path) -> None:
    book = copy_book(empty_book(), tmp_path / "target")
    report = import_into(demo_book(), book, None)
    assert not report.errors and report.rows == 96
    assert entry(book).tables[layout.TABLE_KPI].ref == f"A4:{LAST}100"
    assert zip_members(book)["xl/vbaProject.bin"] == zip_members(demo_book())["xl/vbaProject.bin"]


def test_refuses_when_the_book_is_open(tmp_path: Path, plan: pd.DataFrame) -> None:
    book = copy_book(empty_book(), tmp_path)
    (tmp_path / f"~${layout.BOOK_NAME}").write_text("x")
    source = write_csv(tmp_path / "unit.csv", plan.head(2))
    with pytest.raises(SsoError, match="Excel"):
        import_into(source, book, None)
