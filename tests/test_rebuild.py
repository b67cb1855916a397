"""`sso-kpi rebuild`: the engine's numbers, nothing typed touched, safe against kills and locks."""

from __future__ import annotations

import itertools
import os
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.formula import ArrayFormula

from sso_app import rebuild
from sso_app.book import layout, template
from sso_app.book.saving import save_macro_book
from sso_app.book.settings import Settings
from sso_app.book.summary import summary_frames
from sso_app.cli import main as cli_main
from sso_app.files.checks import check_workbook_file
from sso_app.files.writing import TEMP_PREFIX, versions_of
from sso_kpi.errors import SsoError
from sso_kpi.evaluation import evaluate
from sso_kpi.importing import Imported
from sso_kpi.rollup import with_total
from sso_kpi.values import round_half_up
from tests.test_build import (
    check_macro_parts,
    copy_book,
    demo_book,
    empty_book,
    lo_pdf,
    recalculated,
    shipped_vba,
    zip_members,
)

ROOT = Path(__file__).resolve().parents[1]


def cells(path: Path) -> dict[tuple[str, str], object]:
    """Every cell's value or formula (array formulas by ref and text), per sheet."""
    wb = openpyxl.load_workbook(path, keep_vba=True)
    out: dict[tuple[str, str], object] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    value = ("array", value.ref, value.text)
                if value is not None:
                    out[(ws.title, cell.coordinate)] = (value, cell.data_type)
    return out


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, rebuild.RebuildReport]:
    book = copy_book(demo_book(), tmp_path_factory.mktemp("rebuilt"))
    return book, rebuild.rebuild(book)


@pytest.fixture(scope="module")
def engine(action_plan: Imported) -> pd.DataFrame:
    return evaluate(action_plan, 3)


def table(path: Path, name: str) -> pd.DataFrame:
    book = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    t = book.get_table_by_name(name)
    return pd.DataFrame(t.to_python(), columns=list(t.columns))


def test_report_counts_bands(rebuilt: tuple[Path, rebuild.RebuildReport]) -> None:
    book, report = rebuilt
    assert report.quarter == 3 and report.projects == 57 and report.evaluated == 43
    assert report.bands == {"green": 27, "yellow": 15, "red": 1, "grey": 14}
    assert report.backup == versions_of(book)[0]
    assert report.backup.read_bytes() == demo_book().read_bytes()
    text = str(report)
    assert "ไตรมาส / quarter: 3" in text and "red 1" in text and str(report.backup) in text


def test_summary_equals_the_engine(rebuilt, engine) -> None:
    book, _ = rebuilt
    summary = table(book, layout.TABLE_SUMMARY)
    expected = with_total(engine.summary)
    assert summary["strategy"].astype(str).tolist() == ["1", "รวม"]
    for column in ("evaluated", "green", "yellow", "red"):
        assert summary[column].astype(int).tolist() == expected[column].astype(int).tolist()
    for column in ("green_pct", "yellow_pct", "red_pct"):
        got = summary[column].astype(float).to_numpy()
        want = round_half_up(expected[column].to_numpy("float64"), 2)
        np.testing.assert_array_equal(got, want)
    assert summary["green_pct"].tolist()[0] == 62.79  # 27 of 43

    projects = table(book, layout.TABLE_PROJECTS)
    want = engine.projects
    assert projects["project_id"].tolist() == want["project_id"].tolist()
    assert projects["band"].tolist() == want["band"].tolist()
    got_avg = pd.to_numeric(projects["average_pct"].replace("", np.nan)).to_numpy("float64")
    np.testing.assert_array_equal(got_avg, round_half_up(want["average_pct"], 2))
    assert projects["n_due"].astype(int).tolist() == want["n_due"].tolist()
    assert set(projects["band_th"]) == {"เขียว", "เหลือง", "แดง", "เทา"}
    attention = table(book, layout.TABLE_ATTENTION)
    assert attention["project_id"].tolist() == ["SSF-043"]


def test_summary_is_the_shared_frames(rebuilt, engine) -> None:
    """The sheet holds summary_frames' tables cell for cell (what live.py writes too)."""
    book, _ = rebuilt
    budget = table(book, layout.TABLE_BUDGET)
    budget[["plan", "spent"]] = budget[["plan", "spent"]].astype(float)
    frames = summary_frames(engine, budget, Settings(unit="สำนักงานประกันสังคม"))
    for name, frame in frames.tables.items():
        got = table(book, name)
        assert list(got.columns) == list(frame.columns), name
        assert len(got) == len(frame), name
    disb = table(book, layout.TABLE_DISBURSEMENT)
    assert disb["category"].tolist()[-1] == "รวม"
    assert round(float(disb["pct"].tolist()[1]), 2) == 89.84


def test_typed_cells_never_change(rebuilt) -> None:
    book, _ = rebuilt
    before, after = cells(demo_book()), cells(book)
    kept = [s for s in openpyxl.load_workbook(book).sheetnames if s not in layout.REBUILT_SHEETS]
    for sheet in kept:
        b = {k: v for k, v in before.items() if k[0] == sheet}
        a = {k: v for k, v in after.items() if k[0] == sheet}
        assert b == a, sheet

    # On the card sheet, the title rows and tbl_opdc (labels, header, rows: A9:I16) are typed.
    def typed(key: tuple[str, str]) -> bool:
        letter, row = coordinate_from_string(key[1])
        in_table = row >= layout.OPDC_LABEL_ROW and letter in "ABCDEFGHI"
        return key[0] == layout.SHEET_OPDC and (row < layout.OPDC_BOX_ROW or in_table)

    card_typed = {k: v for k, v in before.items() if typed(k)}
    assert len(card_typed) > 9 * 8
    assert {k: after.get(k) for k in card_typed} == card_typed


def test_vba_ribbon_and_chart_survive(rebuilt) -> None:
    book, _ = rebuilt
    check_macro_parts(book)
    members = zip_members(book)
    assert members[template.VBA_PART] == shipped_vba()
    assert any(name.startswith("xl/charts/chart") for name in members)  # drawn again
    check_workbook_file(book, expect_macro=True)
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == openpyxl.load_workbook(demo_book()).sheetnames
    assert wb.active.title == layout.SHEET_INSTRUCTIONS


def test_rebuild_for_another_quarter_and_again(tmp_path: Path) -> None:
    book = copy_book(demo_book(), tmp_path)
    report = rebuild.rebuild(book, 2)
    assert report.quarter == 2
    ws = openpyxl.load_workbook(book)[layout.SHEET_SUMMARY]
    assert "ไตรมาสที่ 2" in ws["A2"].value
    again = rebuild.rebuild(book)  # settings say 3
    assert again.quarter == 3 and again.bands["red"] == 1
    assert sum(n.startswith("xl/charts/chart") for n in zip_members(book)) == 1


def test_rebuild_of_an_empty_book(tmp_path: Path) -> None:
    book = copy_book(empty_book(), tmp_path)
    report = rebuild.rebuild(book)
    assert report.projects == 0 and report.opdc_total is None
    summary = table(book, layout.TABLE_SUMMARY)
    assert summary["strategy"].tolist() == ["รวม"]


def test_settings_are_read_from_the_book(tmp_path: Path) -> None:
    book = copy_book(demo_book(), tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb[layout.SHEET_SETTINGS]
    row = 4 + layout.SETTING_KEYS.index("green_at")
    ws.cell(row=row, column=2).value = 150
    save_macro_book(wb, book.with_name("x.xlsm"), template.ribbon_xml())
    os.replace(book.with_name("x.xlsm"), book)
    report = rebuild.rebuild(book)
    assert report.bands["green"] < 27  # a higher bar: fewer greens
    assert report.bands["green"] + report.bands["yellow"] + report.bands["red"] == 43


def test_refuses_when_open_in_excel(tmp_path: Path) -> None:
    book = copy_book(demo_book(), tmp_path)
    lock = tmp_path / f"~${layout.BOOK_NAME}"
    lock.write_bytes(b"owner")
    before = book.read_bytes()
    with pytest.raises(SsoError) as err:
        rebuild.rebuild(book)
    assert "Excel" in err.value.message_en and "ปิดไฟล์" in err.value.message_th
    assert book.read_bytes() == before
    assert cli_main(["rebuild", str(book)]) == 2


def test_refuses_a_workbook_that_is_not_ours(tmp_path: Path) -> None:
    other = tmp_path / "budget.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "งบประมาณ"
    wb.save(other)
    before = other.read_bytes()
    with pytest.raises(SsoError) as err:
        rebuild.rebuild(other)
    assert "not an SSO planning workbook" in err.value.message_en
    assert "ไม่ใช่สมุดงาน" in err.value.message_th
    assert other.read_bytes() == before


def test_refuses_another_schema_version(tmp_path: Path) -> None:
    book = copy_book(demo_book(), tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb[layout.SHEET_SETTINGS]["B4"].value = "99"
    save_macro_book(wb, book, template.ribbon_xml())
    with pytest.raises(SsoError, match="schema_version"):
        rebuild.rebuild(book)


def test_a_book_of_the_previous_form_is_refused_not_relabelled(tmp_path: Path) -> None:
    """Form 1 had another tbl_kpi column order: relabelling or refitting it by this
    layout would write over its columns, so the version rule asks for a new book."""
    book = copy_book(demo_book(), tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb[layout.SHEET_SETTINGS]["B4"].value = "1"
    save_macro_book(wb, book, template.ribbon_xml())
    before = book.read_bytes()
    with pytest.raises(SsoError) as err:
        rebuild.rebuild(book)
    assert "import" in err.value.message_en and book.read_bytes() == before


def test_a_rebuild_killed_while_saving_leaves_the_book_intact(tmp_path: Path) -> None:
    from .test_interrupted import killed_at_swap

    book = copy_book(demo_book(), tmp_path / "book")
    before = book.read_bytes()
    killed_at_swap(tmp_path, "rebuild", str(book))
    leftovers = list(book.parent.glob(f"{TEMP_PREFIX}*"))
    assert leftovers, "the kill should have happened during the save"
    assert book.read_bytes() == before
    assert versions_of(book) == []
    check_workbook_file(book, expect_macro=True)
    assert openpyxl.load_workbook(book).sheetnames[0] == layout.SHEET_INSTRUCTIONS
    assert rebuild.rebuild(book).bands["red"] == 1  # and the next rebuild works


def test_libreoffice_recalculates_the_rebuilt_card_and_prints_it(rebuilt) -> None:
    book, _ = rebuilt
    card = recalculated(book, layout.SHEET_OPDC)
    assert round(card["A5"].value, 2) == 62.50
    assert round(card["B5"].value, 2) == 29.46
    assert round(card["C5"].value, 2) == 91.96
    assert card["D5"].value == "ระดับคุณภาพ"
    summary = recalculated(book, layout.SHEET_SUMMARY)
    assert summary["A1"].value.startswith("สรุปผลการดำเนินงาน")
    from sso_app.book.libreoffice import pdf_text

    text = pdf_text(lo_pdf(book))
    assert "สรุปผลการดำเนินงานตามแผนปฏิบัติราชการ" in text
    assert "SSF-043" in text


def test_members_other_than_rebuilt_sheets_are_stable(rebuilt) -> None:
    """Zip-level: the typed sheets' XML may be re-serialised but the VBA and ribbon are bytes."""
    book, _ = rebuilt
    with zipfile.ZipFile(book) as zf:
        assert zf.read(template.CUSTOMUI_PART) == zip_members(demo_book())[template.CUSTOMUI_PART]


# -- settings as typed by planners ------------------------------------------------------------


def test_settings_rows_are_checked_and_normalised() -> None:
    from sso_app.book.settings import settings_from_rows, settings_rows

    rows = [["key", "value"], *settings_rows(Settings())]
    assert settings_from_rows(rows) == Settings()
    typed = settings_from_rows(
        [
            ["schema_version", 1.0],
            ["year_be", 2021.0],  # typed in common era
            ["year_kind", " Fiscal "],
            ["quarter", 2.0],
            ["cap", ""],
            ["colour_red", 920050.0],  # digits only: Excel stored a number
            ["colour_green", "#00ff00"],
        ]
    )
    assert typed.schema_version == "1" and typed.year_be == 2564
    assert typed.year_kind == "fiscal" and typed.quarter == 2 and typed.cap is None
    assert typed.colours["red"] == "920050" and typed.colours["green"] == "00FF00"
    assert typed.rule.green_at == 100 and dict(typed.rule.colours)["green"] == "00FF00"
    # Case 4: the dropdown's Thai words are read like the codes
    assert settings_from_rows([["year_kind", "ปีงบประมาณ"]]).year_kind == "fiscal"
    assert settings_from_rows([["year_kind", " ปีปฏิทิน"]]).year_kind == "calendar"
    for bad in (["quarter", 5], ["year_kind", "ปีอื่น"], ["colour_grey", "grey"], ["cap", 50]):
        with pytest.raises(SsoError) as err:
            settings_from_rows([bad])
        assert bad[0] in err.value.message_en and bad[0] in err.value.message_th
    with pytest.raises(SsoError, match="yellow"):
        settings_from_rows([["green_at", 50], ["yellow_at", 80]])


def test_title_lines_name_the_quarter_in_buddhist_era(engine) -> None:
    budget = pd.DataFrame({"category": ["งบลงทุน"], "plan": [110000.0], "spent": [87290.0]})
    fiscal = Settings(unit="สปส.", year_be=2565, year_kind="fiscal", quarter=1)
    frames = summary_frames(engine, budget, fiscal)
    assert frames.title_lines[0].endswith("สปส.")
    assert "ปีงบประมาณ พ.ศ. 2565" in frames.title_lines[1]
    assert "ไตรมาสที่ 3 (เม.ย. 2565 – มิ.ย. 2565)" in frames.title_lines[1]
    assert frames.tables[layout.TABLE_DISBURSEMENT]["pct"].tolist() == [79.35, 79.35]
    # Blocks do not overlap each other or the chart.
    spans = sorted((row, frames.last_row(name)) for name, (row, _) in frames.anchors.items())
    assert all(a_end < b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    chart_row, chart_col = frames.chart_anchor
    assert chart_col == 1 and chart_row > frames.last_row(layout.TABLE_SUMMARY)
    second = min(r for n, (r, _) in frames.anchors.items() if n != layout.TABLE_SUMMARY)
    assert second >= chart_row + 16
