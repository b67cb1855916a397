"""Every sheet of a book prints like an office document.

A4 landscape, body text at least :data:`MIN_BODY_PT` on paper, header rows repeated on every
page, every used column inside the print area (the computed columns too), and on each page
the unit, the period, "page x of y" and the print date (Excel's header codes ``&P``, ``&N``,
``&D``; the unit and period are written as text when the book is saved).

Applied to the whole workbook just before it is saved (:func:`sso_app.book.saving.
save_macro_book`), so ``build-workbook``, ``import`` and ``rebuild`` print the same way
whatever each sheet's writer set before. The sheet writers still choose what to print (their
print area's rows, their title rows); this only widens the area to the last used column and
sets the page.

Why an explicit scale and not "fit to one page wide": LibreOffice ignores ``fitToPage`` from
an xlsx (see :func:`sso_app.book.sheets.print_to_width`), and a 60-column entry sheet fitted
to one page is 4 pt text. A sheet wider than a page at the smallest readable scale prints on
more pages across, in reading order (across, then down), the first columns repeated when the
sheet names its key columns (:data:`KEY_COLUMN`).

The numbers and texts (paper, 8 pt, margins, header and footer) are
:mod:`sso_app.book.page_rules`, which the national book (written by XlsxWriter) follows too.
"""

from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book.page_rules import (
    DEFAULT_FONT_PT,
    FOOTER_IN,
    HEADER_FOOTER_PT,
    HEADER_IN,
    KEY_COLUMN,
    KEY_SHARE,
    MARGIN_BOTTOM_IN,
    MARGIN_IN,
    MARGIN_TOP_IN,
    MIN_BODY_PT,
    PRINTABLE_WIDTH_IN,
    footer_sections,
    header_sections,
    office_scale,
    period_text,
)
from sso_app.book.sheets import HIDDEN_FORMAT, column_inches

__all__ = ["MIN_BODY_PT", "office_page", "office_print", "page_texts"]


def _name_value(wb: Workbook, name: str) -> object:
    """The value of the one-cell defined name ``name`` (the settings' cfg_...), or None."""
    defined = wb.defined_names.get(name)
    if defined is None:
        return None
    for sheet, ref in defined.destinations:
        if sheet in wb.sheetnames:
            return wb[sheet][ref.replace("$", "").split(":")[0]].value
    return None


def page_texts(wb: Workbook) -> tuple[str, str]:
    """(unit, period) as the page header prints them, from the book's settings.

    >>> # unit "สำนักงานประกันสังคม", year 2564, quarter 3 ->
    >>> # ("สำนักงานประกันสังคม", "ปีงบประมาณ พ.ศ. 2564 ไตรมาสที่ 3")
    """
    unit = _name_value(wb, "cfg_unit")
    period = period_text(_name_value(wb, "cfg_year_be"), _name_value(wb, "cfg_quarter"))
    return ("" if unit is None else str(unit).strip()), period


def _filled_cells(ws: Worksheet, min_row: int, max_row: int) -> list[Cell]:
    """The cells of rows ``min_row``..``max_row`` that hold something, from the cells the
    sheet has (``iter_rows`` would create every empty cell of the range: a 5,000-row sheet
    is then hundreds of thousands of cells made only to be looked at)."""
    return [
        cell
        for (r, _), cell in ws._cells.items()
        if min_row <= r <= max_row and cell._value is not None and cell._value != ""
    ]


def _last_used_column(cells: list[Cell]) -> int:
    return max((cell.column for cell in cells), default=1)


def _smallest_font(ws: Worksheet, cells: list[Cell], max_col: int) -> float:
    """The smallest font of the ``cells`` that print, up to column ``max_col`` (a hidden row
    or a hidden key row does not count). Each look (font and number format) is read once."""
    hidden_rows = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
    looks: dict[tuple[int, int], Cell] = {}
    for cell in cells:
        # a cell never styled has no style record: openpyxl's default font, which counts
        # as DEFAULT_FONT_PT below anyway
        if cell.column <= max_col and cell.row not in hidden_rows and cell._style:
            looks.setdefault((cell._style.fontId, cell._style.numFmtId), cell)
    smallest = DEFAULT_FONT_PT
    for cell in looks.values():
        if cell.number_format != HIDDEN_FORMAT and cell.font is not None and cell.font.sz:
            smallest = min(smallest, float(cell.font.sz))
    return smallest


def _print_rows(ws: Worksheet) -> tuple[int, int]:
    """(first, last) row of the sheet's print area, or of its used range."""
    area = ws.print_area
    if area:
        first = area.split(",")[0].split("!")[-1].replace("$", "")
        _, r1, _, r2 = range_boundaries(first)
        return r1 or 1, r2 or ws.max_row
    return 1, ws.max_row


def _key_columns(ws: Worksheet, max_inches: float) -> str | None:
    """The columns repeated on each page across: from a table's first column to its
    ``kpi_name`` column, or its first column alone when those would take more than
    ``max_inches`` of the page; None on a sheet without such a table."""
    for table in ws.tables.values():
        c1, header, c2, _ = range_boundaries(table.ref)
        for c in range(c1, c2 + 1):
            if ws.cell(row=header, column=c).value == KEY_COLUMN:
                width = sum(column_inches(ws, j) for j in range(c1, c + 1))
                end = c if width <= max_inches else c1
                return f"{get_column_letter(c1)}:{get_column_letter(end)}"
    return None


def office_page(ws: Worksheet, unit: str, period: str) -> int:
    """Set ``ws``'s page as described in the module notes; return the scale (per cent)."""
    first, last = _print_rows(ws)
    filled = _filled_cells(ws, first, last)
    last_col = _last_used_column(filled)
    ws.print_area = f"A{first}:{get_column_letter(last_col)}{last}"

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.pageOrder = "overThenDown"
    ws.page_margins.left = ws.page_margins.right = MARGIN_IN
    ws.page_margins.top, ws.page_margins.bottom = MARGIN_TOP_IN, MARGIN_BOTTOM_IN
    ws.page_margins.header, ws.page_margins.footer = HEADER_IN, FOOTER_IN
    ws.sheet_properties.pageSetUpPr.fitToPage = False

    content = sum(column_inches(ws, c) for c in range(1, last_col + 1))
    scale, fits = office_scale(content, _smallest_font(ws, filled, last_col))
    ws.page_setup.scale = scale
    if not fits and ws.print_title_cols is None:
        keys = _key_columns(ws, PRINTABLE_WIDTH_IN * 100 / scale * KEY_SHARE)
        if keys:
            ws.print_title_cols = keys

    header, footer = ws.oddHeader, ws.oddFooter
    footer_left, _, footer_right = footer_sections()
    sections = (*header_sections(unit, period), footer_left, footer_right)
    parts = (header.left, header.center, header.right, footer.left, footer.right)
    for part, text in zip(parts, sections, strict=True):
        part.text = text  # "" too: a unit cleared since the last save is cleared here
        part.size = HEADER_FOOTER_PT
    return scale


def office_print(wb: Workbook) -> None:
    """:func:`office_page` on every visible sheet of ``wb`` with the book's unit and period."""
    unit, period = page_texts(wb)
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            office_page(ws, unit, period)
