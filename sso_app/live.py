"""The ribbon button's rebuild, inside Excel: สร้างสรุปรายไตรมาส → RunPython → here.

``RibbonMyAddin.RunMain`` (the Excel-made VBA xlwings ships) runs ``import SSO_Plan;
SSO_Plan.main()``; ``workbook/SSO_Plan.py`` calls :func:`main`. It reads the open book's
tables through xlwings, then uses exactly the code of the headless ``sso-kpi rebuild``
(:func:`sso_app.book.opening.book_data`, :func:`sso_app.book.summary.summary_frames`), so Excel
and the command print the same numbers. Only the summary sheet is rewritten; on the entry sheet the
computed block's array formulas are re-entered to cover rows added in Excel since the last
import (a legacy array formula cannot grow by itself). Typed cells are never written.

Before rebuilding, the button makes sure the book has the SSO_ functions: a book whose VBA
project has no ``xlwings_udfs`` module yet (a new book, or one from another PC) gets them
imported from Python with xlwings' own ``xlwings.udfs.import_udfs`` (what the
``ImportPythonUDFs`` macro calls), then is recalculated in full, and the message says so. That
needs Excel's "Trust access to the VBA project object model"; when Excel refuses, the rebuild
still runs and the message says what to tick.

Needs Excel (Windows or macOS) to run; the tests drive it with a stand-in for xlwings' Book.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from sso_app.book import layout
from sso_app.book.entry_sheet import computed_letters, kpi_formulas, kpi_labels_th
from sso_app.book.monthly_form import MONTH_COL, TOTAL_COL, monthly_form
from sso_app.book.opening import REQUIRED_TABLES, book_data
from sso_app.book.readers import TableCells
from sso_app.book.summary import BLOCK_ORDER, SummaryFrames, band_counts, summary_frames
from sso_app.book.template import XLWINGS_CONF_SHEET
from sso_app.files.textsafe import text_safe_for_sheet
from sso_kpi.errors import SsoError
from sso_kpi.scoring import GREEN, RED, YELLOW

CHART_SIZE = (460, 260)  # points: about the size of the headless chart


CLASSIC_UDFS = sys.platform == "win32"  # xlwings' VBA-wrapped functions are Windows-only
UDF_COMPONENT = "xlwings_udfs"  # the VBA module xlwings' import writes the wrappers into
DEFAULT_UDF_MODULES = "udfs"

TRUST_HINT = (
    "ให้ติ๊ก File › Options › Trust Center › Trust Center Settings › Macro Settings › "
    '"Trust access to the VBA project object model" แล้วกดปุ่มนี้อีกครั้ง / tick File › Options › '
    'Trust Center › Trust Center Settings › Macro Settings › "Trust access to the VBA project '
    'object model", then click this button again'
)


def main() -> None:
    """Entry point of the ribbon button (through ``SSO_Plan.main``)."""
    import xlwings as xw

    book = xw.Book.caller()
    lines = []
    try:
        note = ensure_functions(book)
        if note:
            lines.append(note)
        lines.append(str(rebuild_open_book(book)))
    except SsoError as err:
        lines.append(str(err))
    book.app.alert("\n\n".join(lines), title="SSO KPI")


def _xlwings_import_udfs(modules: str, xl_workbook: object) -> None:
    from xlwings.udfs import import_udfs  # Windows only (pywin32)

    import_udfs(modules, xl_workbook)


def udf_modules(book: object) -> str:
    """The "UDF Modules" of the book's config sheet, as xlwings' VBA reads it."""
    try:
        sheet = book.sheets[XLWINGS_CONF_SHEET]
    except Exception:  # no config sheet (KeyError from xlwings, COM error from Excel)
        return DEFAULT_UDF_MODULES
    rows = sheet.range("A1:B50").options(ndim=2).value
    for key, value in rows:
        if key in (None, ""):
            break
        if str(key).strip().upper() == "UDF MODULES" and value:
            return str(value)
    return DEFAULT_UDF_MODULES


def functions_imported(book: object) -> bool | None:
    """Does the book's VBA project hold the function wrappers? None: Excel will not say."""
    try:
        names = [component.Name for component in book.api.VBProject.VBComponents]
    except Exception:  # COM error: "Programmatic access to Visual Basic Project is not trusted"
        return None
    return UDF_COMPONENT in names


def shows_name_errors(book: object) -> bool:
    """Does the computed block show #NAME? (Excel does not know the SSO_ functions)?"""
    sheet = book.sheets[layout.SHEET_ENTRY]
    table = sheet.tables[layout.TABLE_KPI]
    row = table.header_row_range.row + 1
    letter = computed_letters()[layout.KPI_COMPUTED_COLUMNS[0]]
    value = sheet.range(f"{letter}{row}").options(err_to_str=True).value
    return isinstance(value, str) and value.strip().upper() == "#NAME?"


def ensure_functions(
    book: object, import_udfs: Callable[[str, object], None] | None = None
) -> str | None:
    """Import the SSO_ functions into ``book`` when it has none yet; what to tell the planner.

    None when nothing had to be done. ``import_udfs(modules, xl_workbook)`` defaults to
    xlwings' own (the tests pass theirs).
    """
    if import_udfs is None and not CLASSIC_UDFS:
        return None  # Excel for Mac runs the button but has no classic UDFs to import
    imported = functions_imported(book)
    if imported or (imported is None and not shows_name_errors(book)):
        return None
    modules = udf_modules(book)
    if imported is None:  # Excel refuses to show the VBA project: it will refuse the import
        return (
            "สมุดงานนี้ยังไม่มีฟังก์ชัน SSO_ (ช่องแสดง #NAME?) และ Excel ไม่อนุญาตให้นำเข้า: "
            + TRUST_HINT
            + " / this book has no SSO_ functions yet (cells show #NAME?) and Excel refuses "
            "access to its VBA project."
        )
    try:
        (import_udfs or _xlwings_import_udfs)(modules, book.api)
    except Exception as err:  # a COM error from Excel: refused or failed, say which
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return (
            f"นำเข้าฟังก์ชัน SSO_ ไม่สำเร็จ ({detail}): "
            + TRUST_HINT
            + f" / could not import the SSO_ functions ({detail})."
        )
    book.app.api.CalculateFull()  # cells that showed #NAME? compute now (Ctrl+Alt+F9)
    return (
        f"นำเข้าฟังก์ชัน SSO_ ({modules}) ลงในสมุดงานแล้ว และคำนวณใหม่ทั้งเล่ม: บันทึกสมุดงานไว้ "
        f"/ imported the SSO_ functions ({modules}) into this book and recalculated it: "
        "save the book to keep them."
    )


@dataclass(frozen=True)
class LiveReport:
    quarter: int
    evaluated: int
    bands: dict[str, int]
    errors: int

    def __str__(self) -> str:
        b = self.bands
        text = (
            f"สร้างสรุปรายไตรมาสแล้ว ไตรมาส {self.quarter} / summary rebuilt, Q{self.quarter}: "
            f"ประเมิน {self.evaluated} งาน/โครงการ — เขียว {b.get(GREEN, 0)}, "
            f"เหลือง {b.get(YELLOW, 0)}, แดง {b.get(RED, 0)}"
        )
        if self.errors:
            text += (
                f"\nข้อผิดพลาด {self.errors} รายการ (ไม่นำมาคำนวณ) ดูด้วย sso-kpi score / "
                f"{self.errors} input errors left out; list them with sso-kpi score"
            )
        return text


def table_cells(book: object, name: str) -> TableCells:
    """An Excel table of the open book as :class:`TableCells` (blank cells are None)."""
    for sheet in book.sheets:
        if name in [t.name for t in sheet.tables]:
            table = sheet.tables[name]
            header = table.header_row_range.value
            header = header if isinstance(header, list) else [header]
            body = table.data_body_range
            rows = body.options(ndim=2).value if body is not None else []
            first = body if body is not None else table.header_row_range.offset(1, 0)
            return TableCells(sheet.name, [str(h) for h in header], rows, first.row, first.column)
    raise SsoError(
        f"ไม่พบตาราง {name}: สมุดงานนี้ไม่ใช่แบบฟอร์ม SSO_Plan",
        f"table {name} not found: this is not an SSO_Plan workbook",
        where=book.name,
    )


def rebuild_open_book(book: object, quarter: int | None = None) -> LiveReport:
    tables = {name: table_cells(book, name) for name in REQUIRED_TABLES}
    data = book_data(book.name, tables)
    ev = data.evaluation(quarter)
    frames = summary_frames(ev, data.budget, data.settings)
    app = book.app
    app.screen_updating = False
    try:
        entry = book.sheets[layout.SHEET_ENTRY]
        refit_computed_block(entry, tables[layout.TABLE_KPI])
        relabel_months(entry, data.settings)
        write_monthly_form(book, data.kpis.frame, data.settings)
        write_summary(book, frames)
    finally:
        app.screen_updating = True
    projects = ev.projects
    return LiveReport(ev.quarter, int(projects["evaluated"].sum()), band_counts(ev),
                      len(data.kpis.errors) + len(data.issues))  # fmt: skip


def refit_computed_block(sheet: object, kpi: TableCells) -> bool:
    """Re-enter each computed column's one formula; True when Excel took them as dynamic
    arrays (Excel 365: they spill over rows added later by themselves)."""
    first = kpi.first_row
    last = first + max(len(kpi.rows), 1) - 1
    letters = computed_letters()
    block = [letters[n] for n in layout.KPI_COMPUTED_COLUMNS]
    bottom = max(last, sheet.used_range.last_cell.row)
    sheet.range(f"{block[0]}{first}:{block[-1]}{bottom}").clear_contents()
    dynamic = True
    for name, formula in kpi_formulas().items():
        letter = letters[name]
        if dynamic:
            try:
                sheet.range(f"{letter}{first}").formula2 = formula
                continue
            except Exception:  # Excel before 365 has no Range.Formula2 (COM error, any type)
                dynamic = False
        sheet.range(f"{letter}{first}:{letter}{last}").formula_array = formula
    return dynamic


def relabel_months(sheet: object, settings: object) -> None:
    """tbl_kpi's Thai label row from the settings (a fiscal year's first month is ต.ค.)."""
    labels = kpi_labels_th(settings)  # type: ignore[arg-type]
    row = [labels[c] for c in layout.KPI_TABLE_COLUMNS]
    sheet.range((layout.ENTRY_LABEL_ROW, 1)).value = [row]


def set_protected(sheet: object, on: bool) -> None:
    """Protect (no password) or unprotect a rebuilt sheet through Excel's object model."""
    api = sheet.api
    if on:
        api.Protect(DrawingObjects=True, Contents=True, Scenarios=True)
    else:
        api.Unprotect()


def _replace_sheet(book: object, name: str, after_name: str) -> object:
    """A fresh sheet in place of ``name`` (or after ``after_name`` when the book has none)."""
    names = [s.name for s in book.sheets]
    old = book.sheets[name] if name in names else None
    sheet = book.sheets.add(after=old if old is not None else book.sheets[after_name])
    if old is not None:
        set_protected(old, False)
        old.delete()
    sheet.name = name
    return sheet


def write_monthly_form(book: object, frame: object, settings: object) -> object:
    """The monthly form (unit form 2563 layout) as values on a fresh, protected sheet."""
    form = monthly_form(frame, settings)  # type: ignore[arg-type]
    sheet = _replace_sheet(book, layout.SHEET_MONTHLY, layout.SHEET_ENTRY)
    sheet.range((1, 1)).value = [[_cell(v) for v in row] for row in form.rows]
    for ref in form.merges:
        sheet.range(ref).merge()
    for row, fmt in form.formats.items():
        sheet.range((row, MONTH_COL), (row, TOTAL_COL)).number_format = fmt
    for letter, width in form.widths.items():
        sheet.range(f"{letter}1").column_width = width
    set_protected(sheet, True)
    return sheet


def _cell(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    return text_safe_for_sheet(value) if isinstance(value, str) else value


def _rows(frame: object) -> list[list[object]]:
    return [[_cell(v) for v in row] for row in frame.itertuples(index=False)]


def write_summary(book: object, frames: SummaryFrames) -> object:
    """A fresh summary sheet in place of the old one: no stale rows, tables or chart remain;
    protected again at the end."""
    sheet = _replace_sheet(book, layout.SHEET_SUMMARY, layout.SHEET_ENTRY)
    for i, line in enumerate(frames.title_lines):
        sheet.range((1 + i, 1)).value = _cell(line)
    refs = {}
    for name in BLOCK_ORDER:
        row, col = frames.anchors[name]
        table = frames.tables[name]
        columns = list(table.columns)
        sheet.range((row, col)).value = _cell(frames.headings[name])
        sheet.range((row + 1, col)).value = [_cell(frames.labels_th[name][c]) for c in columns]
        values = [columns, *(_rows(table) or [[None] * len(columns)])]
        target = sheet.range((row + 2, col)).resize(len(values), len(columns))
        target.value = values
        sheet.tables.add(source=target, name=name)
        for column, fmt in frames.number_formats.get(name, {}).items():
            j = col + columns.index(column)
            sheet.range((row + 3, j), (row + 1 + len(values), j)).number_format = fmt
        colour_bands(sheet, frames, name, row + 3, col)
        refs[name] = (row + 2, col, len(values))
    add_chart(sheet, frames, *refs[layout.TABLE_SUMMARY])
    sheet.autofit()
    set_protected(sheet, True)
    return sheet


def colour_bands(sheet: object, frames: SummaryFrames, name: str, first: int, col: int) -> None:
    """Fill band cells with the settings' colours (a macro may format; a UDF may not)."""
    table = frames.tables[name]
    for column in frames.band_columns.get(name, ()):
        j = col + list(table.columns).index(column)
        for i, code in enumerate(table[column]):
            if code in frames.colours:
                sheet.range((first + i, j)).color = f"#{frames.colours[code]}"


def add_chart(sheet: object, frames: SummaryFrames, header: int, col: int, n: int) -> None:
    """Stacked bars of green/yellow/red per strategy, the total row left out."""
    columns: Sequence[str] = list(frames.tables[layout.TABLE_SUMMARY].columns)
    green = col + columns.index(GREEN)
    last = header + n - 2  # header + data rows, without the total row
    anchor = sheet.range(frames.chart_anchor)
    chart = sheet.charts.add(anchor.left, anchor.top, *CHART_SIZE)
    cats, bars = get_column_letter(col), (get_column_letter(green), get_column_letter(green + 2))
    # Excel's Range takes a multi-area address: categories beside the three band columns.
    chart.set_source_data(
        sheet.range(f"{cats}{header}:{cats}{last},{bars[0]}{header}:{bars[1]}{last}")
    )
    chart.chart_type = "bar_stacked"
