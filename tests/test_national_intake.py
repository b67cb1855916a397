"""Intake of unit books for ``sso-kpi consolidate``: one way into a book, problems kept as
data, files told apart by folder, outputs never over an input, the workbook and CSV a pair."""

from __future__ import annotations

import inspect
import os
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from bench.generate import budget_rows
from sso_app.book import layout
from sso_app.cli import main
from sso_app.consolidate import consolidate
from sso_app.files.writing import backups_folder_for, versions_of
from sso_app.national import intake, workbook
from sso_app.national.intake import expand_inputs, find_inputs, open_unit_file, read_unit_files
from sso_kpi.errors import Issue
from tests.test_consolidate_cli import plan, tables, write_unit_workbook


@pytest.fixture(scope="module")
def three_units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """unit_001 … unit_003.xlsx, each with its unit's name typed."""
    folder = tmp_path_factory.mktemp("units")
    for i in range(1, 4):
        write_unit_workbook(folder / f"unit_00{i}.xlsx", unit=f"หน่วยงาน {i}", kpis=plan())
    return folder


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Case 6: the book as shipped (unit name blank), filed by three units in their folders,
    every one named SSO_Plan.xlsm, and a kept version of one of them."""
    root = tmp_path_factory.mktemp("inbox")
    for folder in ("ชลบุรี", "north/ลำปาง", "ระยอง"):
        (root / folder).mkdir(parents=True)
        write_unit_workbook(root / folder / "SSO_Plan.xlsm", unit="", kpis=plan())
    kept = backups_folder_for(root / "ชลบุรี" / "SSO_Plan.xlsm")
    kept.mkdir()
    shutil.copy(root / "ชลบุรี" / "SSO_Plan.xlsm", kept / "SSO_Plan 2021-07-01 120000.xlsm")
    return root


# A. One way in ---------------------------------------------------------------------------


def test_intake_opens_books_only_through_open_sso_book():
    source = inspect.getsource(intake)
    assert "open_sso_book(path, kinds=(UNIT,), label=result.label)" in source
    for own_rule in ("_SETTING_KEYS", "def _version", "check_workbook_file", "CalamineWorkbook"):
        assert own_rule not in source, own_rule


def test_a_national_book_as_input_is_refused_with_open_sso_books_message(
    three_units: Path, tmp_path: Path
):
    out = tmp_path / "nat.xlsx"
    consolidate([three_units], out, None)
    got = open_unit_file(out)
    assert got.status == "refused"
    assert "national summary made by this program" in got.refusal_en
    assert got.label == str(out)


def test_a_book_of_another_schema_version_is_refused_by_the_one_version_rule(tmp_path: Path):
    book = write_unit_workbook(tmp_path / "new.xlsx", unit="หน่วย", kpis=plan())
    wb = openpyxl.load_workbook(book)
    ws = wb[layout.SHEET_SETTINGS]
    for row in ws.iter_rows():
        if row[0].value == "schema_version":
            row[1].value = "99"
    wb.save(book)
    got = open_unit_file(book)
    assert got.status == "refused" and "update the program first" in got.refusal_en


# B. Problems stay data -------------------------------------------------------------------


def test_refusals_and_issues_keep_their_parts(three_units: Path, tmp_path: Path):
    bad = tmp_path / "budget.xlsx"
    budget = budget_rows(0).astype(object)
    budget.loc[1, "plan"] = "abc"
    write_unit_workbook(bad, unit="หน่วยงบ", kpis=plan(), budget=budget)
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "ไม่ใช่แผน"
    wb.save(other)
    files, _, _ = read_unit_files([bad, other])
    (issue,) = [i for i in files[0].issues if i.sheet == layout.SHEET_BUDGET]
    assert isinstance(issue, Issue)
    assert (issue.file, issue.column, issue.value) == (str(bad), "B plan (แผน (บาท))", "abc")
    first = openpyxl.load_workbook(bad)[layout.SHEET_BUDGET].tables[layout.TABLE_BUDGET].ref
    assert issue.row == int(first.split(":")[0][1:]) + 2  # the table's second data row
    refused = files[1]
    assert refused.refusal_th.startswith("ไฟล์นี้ไม่ใช่สมุดงาน")
    assert refused.refusal_en.startswith("this is not an SSO planning workbook")
    assert refused.refusal == f"{refused.refusal_th} / {refused.refusal_en}"
    national = consolidate([bad, other], tmp_path / "n.xlsx", None).national
    rows = workbook.not_reported_rows(national, files).set_index("file")
    assert rows.loc[str(other), "reason_th"] == "ไฟล์ใช้ไม่ได้: " + refused.refusal_th
    assert rows.loc[str(other), "reason_en"] == "file not usable: " + refused.refusal_en


def test_no_display_text_is_split_on_the_way():
    for module in (intake, workbook):
        source = inspect.getsource(module)
        assert 'split(" "' not in source and 'split(" / "' not in source, module.__name__


# C. Case 5: an input as the output ------------------------------------------------------


def test_an_input_file_as_the_output_is_refused(
    three_units: Path, capsys: pytest.CaptureFixture[str]
):
    target = three_units / "unit_002.xlsx"
    before = target.read_bytes()
    assert main(["consolidate", str(three_units), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert "ไฟล์ผลลัพธ์เป็นไฟล์เดียวกับไฟล์ที่อ่านเข้า" in err
    assert "the output is one of the input files" in err and "unit_002.xlsx" in err
    assert target.read_bytes() == before
    assert not versions_of(target)


def test_a_national_book_written_before_in_the_folder_is_replaced_not_read(
    three_units: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    folder = tmp_path / "units"
    shutil.copytree(three_units, folder)
    out = folder / "national.xlsx"
    assert main(["consolidate", str(folder), "-o", str(out)]) == 0
    assert main(["consolidate", str(folder), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 files read (3 units), 0 refused, 0 skipped" in printed
    assert len(versions_of(out)) == 1  # the first national book, kept
    assert set(tables(out)["tbl_files"]["file"]) == {f"unit_00{i}.xlsx" for i in (1, 2, 3)}


# D. Case 6: books as shipped, in folders -------------------------------------------------


def test_files_are_named_by_their_path_in_the_folder_and_backups_are_not_read(shipped: Path):
    found = find_inputs([shipped])
    assert [f.label for f in found] == [
        "north/ลำปาง/SSO_Plan.xlsm",
        "ชลบุรี/SSO_Plan.xlsm",
        "ระยอง/SSO_Plan.xlsm",
    ]
    assert [f.folder for f in found] == ["north/ลำปาง", "ชลบุรี", "ระยอง"]
    assert all(".backups" not in str(p) for p in expand_inputs([shipped]))


def test_units_with_a_blank_name_are_told_apart_by_folder(shipped: Path, tmp_path: Path):
    out = tmp_path / "nat.xlsx"
    report = consolidate([shipped], out, None)
    assert sorted(f.unit for f in report.files) == ["north/ลำปาง", "ชลบุรี", "ระยอง"]
    assert {f.status for f in report.files} == {"warnings"}  # nothing skipped
    assert len(report.national.units) == 3
    files = tables(out)["tbl_files"].set_index("file")
    assert set(files.index) == {
        "ชลบุรี/SSO_Plan.xlsm",
        "north/ลำปาง/SSO_Plan.xlsm",
        "ระยอง/SSO_Plan.xlsm",
    }
    assert "ชื่อโฟลเดอร์ north/ลำปาง" in files.loc["north/ลำปาง/SSO_Plan.xlsm", "messages"]
    issues = tables(out)["tbl_issues"]
    assert set(issues["file"]) == set(files.index)
    text = str(report)
    assert "ระยอง/SSO_Plan.xlsm" in text
    # F: files with warnings only are listed as such, never under a heading of errors.
    assert "files with warnings only" in text and "files with errors" not in text
    for line in text.splitlines():
        if "SSO_Plan.xlsm" in line:
            assert "ข้อผิดพลาด/errors" not in line, line


def test_a_file_in_the_given_folder_falls_back_to_its_stem_and_explicit_paths_stay(
    tmp_path: Path,
):
    book = write_unit_workbook(tmp_path / "สุโขทัย.xlsx", unit="", kpis=plan())
    (in_folder,) = read_unit_files(find_inputs([tmp_path]))[0]
    assert (in_folder.label, in_folder.unit) == ("สุโขทัย.xlsx", "สุโขทัย")
    (explicit,) = read_unit_files([book])[0]
    assert (explicit.label, explicit.unit) == (str(book), "สุโขทัย")


def test_same_unit_in_two_folders_names_the_newer_by_its_path(tmp_path: Path):
    for folder in ("old", "new"):
        (tmp_path / folder).mkdir()
        write_unit_workbook(tmp_path / folder / "SSO_Plan.xlsx", unit="ตาก", kpis=plan())
    os.utime(tmp_path / "old" / "SSO_Plan.xlsx", (1_600_000_000, 1_600_000_000))
    files, _, _ = read_unit_files(find_inputs([tmp_path]))
    by_label = {f.label: f for f in files}
    assert by_label["old/SSO_Plan.xlsx"].status == "skipped"
    assert "new/SSO_Plan.xlsx" in by_label["old/SSO_Plan.xlsx"].refusal


# E. Case 11: the workbook and its CSV are a pair -----------------------------------------


def test_csv_open_in_excel_refuses_before_either_is_written(
    three_units: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "nat.xlsx"
    csv = tmp_path / "nat_projects.csv"
    assert main(["consolidate", str(three_units), "-o", str(out)]) == 0
    old_xlsx, old_csv = out.read_bytes(), csv.read_bytes()
    (tmp_path / "~$nat_projects.csv").write_bytes(b"\x00lock")
    assert main(["consolidate", str(three_units), "-o", str(out), "--quarter", "2"]) == 2
    err = capsys.readouterr().err
    assert "nat_projects.csv" in err and "open in Excel" in err
    assert out.read_bytes() == old_xlsx and csv.read_bytes() == old_csv
    assert not versions_of(out)


# F. The report's headings ----------------------------------------------------------------


def test_files_with_errors_and_with_warnings_are_listed_under_their_own_headings(
    tmp_path: Path,
):
    frame = plan().astype(object)
    frame.loc[1, "plan_q1"] = "abc"
    write_unit_workbook(tmp_path / "bad.xlsx", unit="มีข้อผิดพลาด", kpis=frame)
    write_unit_workbook(tmp_path / "blank.xlsx", unit="", kpis=plan())
    (tmp_path / "out").mkdir()
    report = consolidate(
        [tmp_path / "bad.xlsx", tmp_path / "blank.xlsx"], tmp_path / "out" / "n.xlsx", 3
    )
    lines = str(report).splitlines()
    errors_at = next(i for i, t in enumerate(lines) if t.startswith("ไฟล์ที่มีข้อผิดพลาด"))
    warnings_at = next(i for i, t in enumerate(lines) if t.startswith("ไฟล์ที่มีข้อสังเกต"))
    assert "bad.xlsx" in lines[errors_at + 1] and "1 ข้อผิดพลาด/errors" in lines[errors_at + 1]
    assert "blank.xlsx" in lines[warnings_at + 1] and "ข้อผิดพลาด" not in lines[warnings_at + 1]
    assert errors_at < warnings_at


def test_worker_processes_read_labels_as_this_process_does(shipped: Path):
    found = find_inputs([shipped])
    alone = intake.open_unit_files(found, workers=1)
    pooled = intake.open_unit_files(found, workers=2)
    assert [(f.label, f.unit, f.status, f.issues) for f in pooled] == [
        (f.label, f.unit, f.status, f.issues) for f in alone
    ]
    for a, b in zip(pooled, alone, strict=True):
        pd.testing.assert_frame_equal(a.raw_kpis[0], b.raw_kpis[0])
        assert a.raw_kpis[1] == b.raw_kpis[1]
