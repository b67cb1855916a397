"""One printed part of the report: an A4-landscape sheet written top to bottom.

Rows get the height their wrapped text needs (:mod:`.measure`), since LibreOffice keeps the
height a file gives it. Page breaks are placed here, not left to LibreOffice: a block (a
project with its indicators, a table's header with its first rows) that would not fit on
what is left of the page starts a new one, and the rows named as titles repeat on every page.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from sso_app.book.report.measure import column_points, lines_needed, row_points
from sso_app.files.textsafe import set_text_cell

FONT = "Loma"  # fonts-thai-tlwg; "TH Sarabun New" is the office's font but rarely installed
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = "DDEBF7"
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="top", wrap_text=True)

# A4 landscape, inches: 11.69 × 8.27; margins as set in ``finish``.
MARGIN_LR, MARGIN_TOP, MARGIN_BOTTOM = 0.4, 0.6, 0.8
PRINT_WIDTH_PT = (11.69 - 2 * MARGIN_LR) * 72
PRINT_HEIGHT_PT = (8.27 - MARGIN_TOP - MARGIN_BOTTOM) * 72
FILL_SHARE = 1.0  # LibreOffice draws rows ~3% shorter than given: that is the margin


class Cell:
    """A value and how to show it, for :meth:`ReportSheet.row`."""

    __slots__ = ("align", "bold", "box", "fill", "fmt", "size", "span", "value")

    def __init__(
        self,
        value: object,
        span: int = 1,
        *,
        bold: bool = False,
        fill: str | None = None,
        fmt: str | None = None,
        align: Alignment | None = None,
        size: float | None = None,
        box: bool = True,
    ):
        self.value, self.span, self.bold, self.fill, self.fmt = value, span, bold, fill, fmt
        self.align, self.size, self.box = align, size, box


class ReportSheet:
    """A sheet of the report with fixed column widths (characters)."""

    def __init__(self, wb: Workbook, title: str, widths: Sequence[float], *, size: float = 11):
        self.ws = wb.create_sheet(title)
        self.widths = list(widths)
        self.size = size
        self.row = 1
        self.title_rows: tuple[int, int] | None = None
        for j, width in enumerate(self.widths, start=1):
            self.ws.column_dimensions[get_column_letter(j)].width = width
        content = sum(column_points(w) for w in self.widths)
        self.scale = min(1.0, PRINT_WIDTH_PT / content)  # fit to the page's width
        self.page_pt = PRINT_HEIGHT_PT / self.scale * FILL_SHARE
        self.used_pt = 0.0  # on the current page
        self.repeat_pt = 0.0  # the title rows printed on every page

    @property
    def n_cols(self) -> int:
        return len(self.widths)

    def span_width(self, first: int, span: int) -> float:
        return sum(self.widths[first - 1 : first - 1 + span]) + 0.9 * (span - 1)

    # -- writing --------------------------------------------------------------------------

    def row_of(self, cells: Sequence[Cell], *, min_lines: int = 1) -> float:
        """Write ``cells`` left to right on the current row; return its height (points)."""
        col, lines, size = 1, min_lines, self.size
        for c in cells:
            c_size = c.size or self.size
            size = max(size, c_size)
            self._put(self.row, col, c)
            if c.span > 1:
                self.ws.merge_cells(
                    start_row=self.row,
                    start_column=col,
                    end_row=self.row,
                    end_column=col + c.span - 1,
                )
            text = c.value if isinstance(c.value, str) else None
            if text:
                need = lines_needed(text, self.span_width(col, c.span), c_size, bold=c.bold)
                lines = max(lines, need)
            col += c.span
        height = row_points(lines, size)
        self.ws.row_dimensions[self.row].height = height
        self.row += 1
        return height

    def _put(self, row: int, col: int, c: Cell) -> None:
        for j in range(col, col + c.span):
            cell = self.ws.cell(row=row, column=j)
            if j == col:
                set_text_cell(cell, c.value)
            cell.font = Font(name=FONT, size=c.size or self.size, bold=c.bold)
            if c.box:
                cell.border = BOX
            cell.alignment = c.align or (LEFT if isinstance(c.value, str) else RIGHT)
            if c.fill:
                cell.fill = PatternFill("solid", start_color=c.fill, end_color=c.fill)
            if c.fmt:
                cell.number_format = c.fmt

    def line(self, text: str, *, size: float | None = None, bold: bool = False,
             centre: bool = False) -> float:  # fmt: skip
        """A line of text over the whole width (merged, wrapped, no border)."""
        align = CENTRE if centre else Alignment(horizontal="left", vertical="top", wrap_text=True)
        return self.row_of([Cell(text, self.n_cols, bold=bold, size=size, align=align, box=False)])

    def gap(self, points: float = 8.0) -> None:
        self.ws.row_dimensions[self.row].height = points
        self.row += 1
        self.used_pt += points

    # -- pages ----------------------------------------------------------------------------

    def block(self, heights_pt: float) -> None:
        """Start a new page unless ``heights_pt`` more points fit on this one."""
        if self.used_pt > self.repeat_pt and self.used_pt + heights_pt > self.page_pt:
            self.ws.row_breaks.append(Break(id=self.row - 1))
            self.used_pt = self.repeat_pt

    def placed(self, height_pt: float) -> None:
        """Count a written row on the current page (breaking before it if it overflowed)."""
        self.used_pt += height_pt

    def write(self, cells: Sequence[Cell], *, keep: bool = True, min_lines: int = 1) -> float:
        """Write a row, moving it to a new page when it does not fit."""
        first = self.row
        height = self.row_of(cells, min_lines=min_lines)
        if keep and self.used_pt > self.repeat_pt and self.used_pt + height > self.page_pt:
            self.ws.row_breaks.append(Break(id=first - 1))
            self.used_pt = self.repeat_pt
        self.used_pt += height
        return height

    def repeat_from(self, first: int) -> None:
        """Rows ``first`` … the current one repeat at the top of every page."""
        last = self.row - 1
        self.title_rows = (first, last)
        self.repeat_pt = sum(self.ws.row_dimensions[r].height or 15 for r in range(first, last + 1))

    def finish(self, footer: str = "") -> None:
        ws = self.ws
        last = get_column_letter(self.n_cols)
        ws.print_area = f"A1:{last}{max(self.row - 1, 1)}"
        if self.title_rows:
            ws.print_title_rows = f"{self.title_rows[0]}:{self.title_rows[1]}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = MARGIN_LR
        ws.page_margins.top, ws.page_margins.bottom = MARGIN_TOP, MARGIN_BOTTOM
        ws.page_margins.header, ws.page_margins.footer = 0.3, 0.35
        ws.oddFooter.center.text = "หน้า &P / &N"
        ws.oddFooter.center.font = FONT
        if footer:
            ws.oddFooter.left.text = footer
            ws.oddFooter.left.font = FONT
        ws.sheet_view.showGridLines = False
