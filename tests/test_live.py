"""The ribbon button's rebuild (sso_app.live), run against a stand-in for xlwings.

What it proves: the in-Excel path reads the open book's tables, gets the SAME summary as the
headless `sso-kpi rebuild`, refits the computed block to rows added in Excel, colours bands,
charts the strategies without the total row, and reports refusals in a message box. What it
cannot prove (no Excel here): that Excel draws it; see README "Checking in Excel".
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from sso_app import live
from sso_app.book import layout
from sso_app.book.entry_sheet import computed_letters
from sso_app.book.opening import open_sso_book
from sso_app.book.summary import summary_frames
from sso_app.rebuild import rebuild
from sso_kpi.scoring import GREEN

from .fake_xlwings import FakeBook, FakeComponent

SHIPPED = Path(__file__).resolve().parents[1] / "workbook" / layout.BOOK_NAME


@pytest.fixture
def book(tmp_path):
    path = tmp_path / layout.BOOK_NAME
    shutil.copy(SHIPPED, path)
    return path, FakeBook(openpyxl.load_workbook(path, keep_vba=True), path.name)


def table_frame(ws, name: str) -> pd.DataFrame:
    c1, r1, c2, r2 = range_boundaries(ws.tables[name].ref)
    rows = [[ws.cell(r, c).value for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_live_summary_equals_the_headless_one(book):
    path, fake = book
    report = live.rebuild_open_book(fake)
    ws = fake.wb[layout.SHEET_SUMMARY]
    headless_copy = path.with_name("headless.xlsm")
    shutil.copy(path, headless_copy)
    rebuild(headless_copy)
    expected = openpyxl.load_workbook(headless_copy)[layout.SHEET_SUMMARY]
    for name in (layout.TABLE_SUMMARY, layout.TABLE_PROJECTS, layout.TABLE_ATTENTION,
                 layout.TABLE_DISBURSEMENT, layout.TABLE_FUNDS):  # fmt: skip
        assert ws.tables[name].ref == expected.tables[name].ref, name
        got, want = table_frame(ws, name), table_frame(expected, name)
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert report.evaluated == table_frame(ws, layout.TABLE_SUMMARY)["evaluated"].iloc[-1]
    assert fake.wb.sheetnames.index(layout.SHEET_SUMMARY) == openpyxl.load_workbook(
        headless_copy).sheetnames.index(layout.SHEET_SUMMARY)  # fmt: skip


def test_band_cells_are_filled_and_the_chart_leaves_out_the_total(book):
    path, fake = book
    live.rebuild_open_book(fake)
    sheet = fake.sheets[layout.SHEET_SUMMARY]
    frames = summary_frames(*_ev_budget_settings(path))
    projects = frames.tables[layout.TABLE_PROJECTS]
    row, col = frames.anchors[layout.TABLE_PROJECTS]
    j = col + list(projects.columns).index("band")
    green_rows = [row + 3 + i for i, b in enumerate(projects["band"]) if b == GREEN]
    assert green_rows and all(
        sheet.colours[(r, j)] == f"#{frames.colours[GREEN]}" for r in green_rows
    )
    (chart,) = sheet.charts
    assert chart.chart_type == "bar_stacked"
    areas = chart.source.areas
    summary = frames.tables[layout.TABLE_SUMMARY]
    header = frames.header_row(layout.TABLE_SUMMARY)
    assert [a[1] for a in areas] == [header, header]  # from the header row
    assert [a[3] for a in areas] == [header + len(summary) - 1] * 2  # total row left out
    assert areas[1][2] - areas[1][0] == 2  # green, yellow, red


def _ev_budget_settings(path):
    data = open_sso_book(path).data
    return data.evaluation(), data.budget, data.settings


def _add_row_in_excel(ws):
    table = ws.tables[layout.TABLE_KPI]
    c1, r1, c2, r2 = range_boundaries(table.ref)
    for c in range(c1, c2 + 1):  # a planner types one more indicator under the table
        ws.cell(r2 + 1, c).value = ws.cell(r2, c).value
    ws.cell(r2 + 1, c1 + list(layout.KPI_TABLE_COLUMNS).index("kpi_number")).value = "99"
    table.ref = f"{ws.cell(r1, c1).coordinate}:{ws.cell(r2 + 1, c2).coordinate}"
    return r1, r2


@pytest.mark.parametrize("excel_365", [True, False])
def test_rows_added_in_excel_get_the_computed_block(book, excel_365):
    """Case 7: Excel 365 takes one spilling formula per column (over whole table columns);
    older Excel gets a legacy array formula refitted over the table's rows."""
    _, fake = book
    fake.app.dynamic_arrays = excel_365
    ws = fake.wb[layout.SHEET_ENTRY]
    r1, r2 = _add_row_in_excel(ws)
    live.rebuild_open_book(fake)
    sheet = fake.sheets[layout.SHEET_ENTRY]
    for name, letter in computed_letters().items():
        formula = ws[f"{letter}{r1 + 1}"].value
        assert isinstance(formula, ArrayFormula), name
        assert formula.ref == f"{letter}{r1 + 1}:{letter}{r2 + 1}", name
        assert "$" not in formula.text  # whole columns of tbl_kpi or the kpi_ names
        assert ("tbl_kpi[" in formula.text) or ("kpi_" in formula.text)
        assert (f"{letter}{r1 + 1}" in sheet.dynamic) is excel_365
    achievement = ws[f"{computed_letters()['achievement']}{r1 + 1}"].value.text
    assert achievement.startswith("=SSO_ACHIEVEMENT(kpi_plan_now,kpi_result_now,")


def test_the_button_relabels_months_for_a_fiscal_year(book):
    """Case 1: change the setting, press the button: month 1 reads ต.ค."""
    _, fake = book
    settings = fake.wb[layout.SHEET_SETTINGS]
    row = next(r for r in settings.iter_rows() if r[0].value == "year_kind")
    row[1].value = "ปีงบประมาณ"
    live.rebuild_open_book(fake)
    ws = fake.wb[layout.SHEET_ENTRY]
    col = list(layout.KPI_TABLE_COLUMNS).index("plan_m1") + 1
    assert "ต.ค." in ws.cell(layout.ENTRY_LABEL_ROW, col).value
    assert "ก.ย." in ws.cell(layout.ENTRY_LABEL_ROW, col + 23).value
    form = fake.wb[layout.SHEET_MONTHLY]
    months = [c.value for r in form.iter_rows() for c in r if c.value in ("ต.ค.", "ม.ค.")]
    assert months[:2] == ["ต.ค.", "ม.ค."]  # ต.ค. first, ม.ค. fourth


def test_rebuilt_sheets_are_unprotected_and_protected_again(book):
    _, fake = book
    old = {n: fake.sheets[n] for n in (layout.SHEET_SUMMARY, layout.SHEET_MONTHLY)}
    assert all(s.ws.protection.sheet for s in old.values())  # as built
    live.rebuild_open_book(fake)
    for name, sheet in old.items():
        assert sheet.unprotected, name
        new = fake.sheets[name]
        assert new.ws.protection.sheet and new.protect_calls, name
    names = fake.wb.sheetnames
    assert names.index(layout.SHEET_MONTHLY) == names.index(layout.SHEET_ENTRY) + 1


def test_the_button_writes_the_same_monthly_form_as_rebuild(book):
    path, fake = book
    live.rebuild_open_book(fake)
    headless = path.with_name("headless.xlsm")
    shutil.copy(path, headless)
    rebuild(headless)
    want = openpyxl.load_workbook(headless)[layout.SHEET_MONTHLY]
    got = fake.wb[layout.SHEET_MONTHLY]
    assert [[c.value for c in r] for r in got.iter_rows()] == [
        [c.value for c in r] for r in want.iter_rows()
    ]
    assert sorted(map(str, got.merged_cells.ranges)) == sorted(map(str, want.merged_cells.ranges))


def test_main_shows_refusals_in_a_message_box(book, monkeypatch):
    _, fake = book
    del fake.wb[layout.SHEET_OPDC].tables[layout.TABLE_OPDC]
    import xlwings

    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: fake))
    live.main()
    ((title, message),) = fake.app.alerts
    assert title == "SSO KPI" and "tbl_opdc" in message and "ไม่พบตาราง" in message
    assert fake.app.screen_updating


def test_main_reports_the_rebuild(book, monkeypatch):
    _, fake = book
    import xlwings

    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: fake))
    live.main()
    ((_, message),) = fake.app.alerts
    assert "summary rebuilt" in message and "เขียว" in message


def test_the_shim_beside_the_book_calls_live():
    text = (SHIPPED.parent / "SSO_Plan.py").read_text(encoding="utf-8")
    assert "from sso_app.live import main" in text


# -- the first click imports the functions ---------------------------------------------------


def _click(fake, monkeypatch) -> str:
    import xlwings

    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: fake))
    live.main()
    ((title, message),) = fake.app.alerts
    assert title == "SSO KPI"
    return message


def test_first_click_imports_the_functions_then_rebuilds(book, monkeypatch):
    from .windows_xlwings import real_xlwings_udfs

    real_xlwings_udfs(monkeypatch)  # xlwings' own import_udfs, against the stand-in Excel
    monkeypatch.setattr(live, "CLASSIC_UDFS", True)  # as on Windows
    _, fake = book
    message = _click(fake, monkeypatch)
    components = {c.Name: c for c in fake.api.VBProject.VBComponents}
    assert "Function SSO_ACHIEVEMENT(" in components[live.UDF_COMPONENT].code
    categories = {opts["Category"] for _, opts in fake.app.api.macro_options}
    assert categories == {"SSO KPI"}
    assert fake.app.api.full_calculations == 1  # #NAME? cells compute at once
    imported, rebuilt = message.split("\n\n")
    assert "imported the SSO_ functions (udfs)" in imported and "save the book" in imported
    assert "summary rebuilt" in rebuilt


def test_a_book_with_the_functions_is_left_alone(book, monkeypatch):
    _, fake = book
    fake.api.VBProject.VBComponents.items.append(FakeComponent(live.UDF_COMPONENT))
    calls = []
    assert live.ensure_functions(fake, lambda *a: calls.append(a)) is None
    assert not calls and fake.app.api.full_calculations == 0
    assert "imported" not in _click(fake, monkeypatch)


def test_refused_access_says_what_to_tick_and_still_rebuilds(book, monkeypatch):
    _, fake = book
    monkeypatch.setattr(live, "CLASSIC_UDFS", True)
    fake.api.trusted = False  # Excel without "Trust access to the VBA project object model"
    sheet = fake.wb[layout.SHEET_ENTRY]
    first = range_boundaries(sheet.tables[layout.TABLE_KPI].ref)[1] + 1
    letter = computed_letters()[layout.KPI_COMPUTED_COLUMNS[0]]
    sheet[f"{letter}{first}"].value = "#NAME?"  # what Excel shows without the functions
    message = _click(fake, monkeypatch)
    assert "Trust access to the VBA project object model" in message
    assert "Trust Center" in message and "ติ๊ก" in message
    assert "summary rebuilt" in message.split("\n\n")[-1]


def test_refused_access_with_working_functions_says_nothing(book, monkeypatch):
    _, fake = book
    monkeypatch.setattr(live, "CLASSIC_UDFS", True)
    fake.api.trusted = False  # the functions came with the book: nothing to ask for
    assert live.ensure_functions(fake) is None


def test_nothing_to_import_on_a_mac(book, monkeypatch):
    _, fake = book
    monkeypatch.setattr(live, "CLASSIC_UDFS", False)
    assert live.ensure_functions(fake) is None
    assert "SSO_" not in _click(fake, monkeypatch).split("\n\n")[0]


def test_a_failed_import_is_reported_with_the_hint(book):
    _, fake = book

    def refuse(modules, workbook):
        raise RuntimeError("Automation error 440")

    note = live.ensure_functions(fake, refuse)
    assert "Automation error 440" in note and "Trust access to the VBA project" in note
    assert fake.app.api.full_calculations == 0


def test_the_modules_come_from_the_books_config_sheet(book):
    _, fake = book
    ws = fake.wb[live.XLWINGS_CONF_SHEET]
    assert live.udf_modules(fake) == "udfs"
    ws["B1"].value = "udfs;more_udfs"
    seen = []
    live.ensure_functions(fake, lambda modules, wb: seen.append((modules, wb)))
    assert seen == [("udfs;more_udfs", fake.api)]
