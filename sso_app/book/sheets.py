"""Small openpyxl helpers shared by every writer of planner-facing sheets.

The builder, the headless rebuild and the national consolidation all put pandas frames on
sheets as Excel tables, colour band codes and draw the band chart; doing it in one place keeps
the look identical and the safety rules (text never becomes a formula) in force everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from numbers import Number

import numpy as np
import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.files.textsafe import set_text_cell
from sso_kpi.evaluation import STATUS_TH
from sso_kpi.scoring import BAND_TH

__all__ = [
    "BAND_CODES",
    "LABEL_FONT",
    "add_band_formatting",
    "add_bands_chart",
    "autosize",
    "band_tint",
    "cell_value",
    "fit_wrapped_rows",
    "print_to_width",
    "show_codes",
    "write_frame_table",
]

BAND_CODES = ("green", "yellow", "red", "grey")
HIDDEN_FORMAT = ";;;"  # a cell in this number format shows and prints nothing (its value stays)
CHART_WIDTH_CM = 18.0
CHART_HEIGHT_CM = 7.5
LABEL_FONT = Font(bold=True, color="1F3864")


def cell_value(value: object) -> object:
    """A pandas/numpy value as something openpyxl writes: NaN/NA → None, numpy → Python.

    Why: openpyxl writes ``float('nan')`` as the text "nan" in some versions and refuses numpy
    types it does not know; ``pd.NA`` is ambiguous in a boolean test.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (str, bool, int, float, dt.date, dt.time, dt.timedelta)):
        return value
    if isinstance(value, Number):  # Decimal, Fraction...
        return float(value)  # type: ignore[arg-type]
    return str(value)


COMPUTED_FILL = PatternFill(fill_type="solid", start_color="EDEDED", end_color="EDEDED")


def write_computed_headers(
    ws: Worksheet,
    *,
    label_row: int,
    header_row: int,
    first_col: int,
    labels_th: Mapping[str, str],
) -> None:
    """Thai label above, English key below, grey fill: the head of a block Python computes
    (the planner's eye tells typed columns from computed ones by the fill)."""
    for i, (name, label_th) in enumerate(labels_th.items()):
        label = ws.cell(row=label_row, column=first_col + i)
        set_text_cell(label, label_th)
        label.font = LABEL_FONT
        label.alignment = Alignment(wrap_text=True, vertical="center")
        header = ws.cell(row=header_row, column=first_col + i)
        set_text_cell(header, name)
        header.font = Font(bold=True)
        header.fill = COMPUTED_FILL


def _write(ws: Worksheet, row: int, col: int, value: object) -> None:
    set_text_cell(ws.cell(row=row, column=col), cell_value(value))


def write_frame_table(
    ws: Worksheet,
    frame: pd.DataFrame,
    *,
    name: str,
    top: int,
    left: int = 1,
    labels_th: Mapping[str, str] | None = None,
    number_formats: Mapping[str, str] | None = None,
    style: str = "TableStyleMedium2",
) -> str:
    """Write ``frame`` as the Excel table ``name``; return its ref (header + data), e.g. "A5:J20".

    With ``labels_th`` a row of Thai labels goes at ``top`` (planners read Thai; the table
    header keeps the English keys so formulas and readers use stable names) and the header at
    ``top + 1``; without it the header is at ``top``. Every text cell goes through
    ``set_text_cell``, so a project name typed as "=cmd" stays text. An empty frame gets one
    blank data row, because Excel repairs away a table without a data row.
    """
    columns = [str(c) for c in frame.columns]
    if not columns:
        raise ValueError("a table needs at least one column")
    if len(set(columns)) != len(columns):
        raise ValueError(f"duplicate column names in table {name}: {columns}")
    header = top
    if labels_th is not None:
        for j, col in enumerate(columns):
            label = labels_th.get(col)
            if label:
                _write(ws, top, left + j, label)
                cell = ws.cell(row=top, column=left + j)
                cell.font = LABEL_FONT
                cell.alignment = Alignment(wrap_text=True, vertical="center")
        header = top + 1
    for j, col in enumerate(columns):
        _write(ws, header, left + j, col)

    formats = dict(number_formats or {})
    values = frame.to_numpy(dtype=object, na_value=None) if len(frame) else None
    n_rows = max(len(frame), 1)
    for i in range(n_rows):
        for j, col in enumerate(columns):
            cell = ws.cell(row=header + 1 + i, column=left + j)
            if values is not None:
                set_text_cell(cell, cell_value(values[i, j]))
            if col in formats:
                cell.number_format = formats[col]

    ref = (
        f"{get_column_letter(left)}{header}:"
        f"{get_column_letter(left + len(columns) - 1)}{header + n_rows}"
    )
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(
        name=style, showFirstColumn=False, showLastColumn=False, showRowStripes=True
    )
    ws.add_table(table)
    return ref


def _rgb(colour: str) -> str:
    return colour.strip().lstrip("#").upper()


TINT_SHARE = 0.4  # a band's colour in its tint; the rest is white


def band_tint(colour: str, share: float = TINT_SHARE) -> str:
    """The light version of a band colour, for a cell that holds text (a band's word, a
    column label): dark text on a full red or green reads badly; on the tint it reads, and
    the hue is still the band's. Full colours stay for what holds no text (chart bars, the
    summary's colour column).

    >>> band_tint("FF0000"), band_tint("#92d050"), band_tint("FFFF00")
    ('FF9999', 'D3ECB9', 'FFFF99')
    """
    rgb = _rgb(colour)
    channels = (int(rgb[i : i + 2], 16) for i in (0, 2, 4))
    return "".join(f"{round(c * share + 255 * (1 - share)):02X}" for c in channels)


# The words a rule shows in place of a code, each with a number format id of its own: fixed
# (append only) so that every save writes the same id for the same word, well above the ids
# openpyxl gives the cells' own formats (164 up, renumbered on every load).
SHOWN_FORMAT_FIRST_ID = 400
_SHOWN_WORDS = [*BAND_TH.values(), *STATUS_TH.values()]


def shown_as(word: str) -> NumberFormat:
    """A number format that shows any text as ``word`` (its text section is that literal,
    without ``@``): in a conditional format, a cell holding a code shows the Thai word while
    its value, which formulas and readers use, stays the code. Excel and LibreOffice both
    apply a rule's number format.

    >>> shown_as("เขียว").formatCode
    ';;;"เขียว"'
    """
    if word not in _SHOWN_WORDS:
        _SHOWN_WORDS.append(word)
    quoted = word.replace('"', "")
    return NumberFormat(SHOWN_FORMAT_FIRST_ID + _SHOWN_WORDS.index(word), f';;;"{quoted}"')


def _code_rule(top_left: str, text: str, fill: str | None, shown: str | None) -> Rule:
    """A formula rule (``EXACT(<top-left>,"green")``, relative) for cells holding ``text``."""
    # Differential fills: Excel paints bgColor for a solid pattern, others fgColor; set both.
    dxf = DifferentialStyle(
        fill=PatternFill(fill_type="solid", start_color=fill, end_color=fill) if fill else None,
        numFmt=shown_as(shown) if shown else None,
    )
    return Rule(type="expression", formula=[f'EXACT({top_left},"{text}")'], dxf=dxf,
                stopIfTrue=False)  # fmt: skip


def add_band_formatting(
    ws: Worksheet,
    ref: str,
    colours: Mapping[str, str],
    *,
    words: Mapping[str, str] | None = None,
    shown: Mapping[str, str] | None = None,
) -> None:
    """Fill cells of ``ref`` whose text is a band code ("green"...) with that band's colour.

    With ``words`` (code -> Thai word, ``BAND_TH``): cells holding that word instead, on the
    band's tint (:func:`band_tint`). With ``shown`` (code -> Thai word): cells holding the
    code show the word instead (:func:`shown_as`), on the tint.

    Formula rules (``EXACT(<top-left>,"green")``, relative) rather than "cell equals" rules:
    both Excel and LibreOffice evaluate them the same way and they are case-exact. A UDF
    cannot colour cells, so this is how computed bands get their colour.
    """
    min_col, min_row, _, _ = range_boundaries(ref)
    top_left = f"{get_column_letter(min_col)}{min_row}"
    for code in BAND_CODES:
        colour = colours.get(code)
        if not colour:
            continue
        text = words.get(code, code) if words is not None else code
        word = shown.get(code) if shown is not None else None
        fill = band_tint(colour) if words is not None or word else _rgb(colour)
        ws.conditional_formatting.add(ref, _code_rule(top_left, text, fill, word))


def show_codes(ws: Worksheet, ref: str, shown: Mapping[str, str]) -> None:
    """Cells of ``ref`` holding a code of ``shown`` (``STATUS_TH``: "not_due") show its Thai
    word ("ยังไม่ถึงกำหนด") on screen and on paper; their value stays the code."""
    min_col, min_row, _, _ = range_boundaries(ref)
    top_left = f"{get_column_letter(min_col)}{min_row}"
    for code, word in shown.items():
        ws.conditional_formatting.add(ref, _code_rule(top_left, code, None, word))


def add_bands_chart(
    ws: Worksheet,
    *,
    table_ref: str,
    categories_col: int,
    first_series_col: int,
    n_series: int,
    anchor: str,
    title: str,
    colours: Sequence[str],
    skip_last_rows: int = 0,
    series_titles: Sequence[str] | None = None,
) -> BarChart:
    """A native stacked bar chart of band counts per category (strategy, unit...), returned
    so a caller may size it.

    ``categories_col`` and ``first_series_col`` are worksheet column numbers (1 = A), like
    openpyxl's ``Reference``; series names are ``series_titles`` (e.g. เขียว/เหลือง/แดง), else
    the header row of ``table_ref``.
    ``skip_last_rows`` leaves out e.g. a total row. Native, so Excel redraws it when the
    numbers change and LibreOffice prints it; openpyxl drops charts on load, so writers must
    recreate it on every save.
    """
    _, min_row, _, max_row = range_boundaries(table_ref)
    last = max(max_row - skip_last_rows, min_row + 1)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 60
    chart.title = title
    chart.legend.position = "b"
    chart.y_axis.majorGridlines = None
    chart.x_axis.scaling.orientation = "maxMin"  # first category on top, like the table
    # openpyxl 3.1 hides axes by default (delete=True); planners need the labels.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    data = Reference(
        ws,
        min_col=first_series_col,
        max_col=first_series_col + n_series - 1,
        min_row=min_row,
        max_row=last,
    )
    cats = Reference(ws, min_col=categories_col, min_row=min_row + 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    for series in chart.series:  # categories are text (strategy "1.10", unit names): strRef
        series.cat = AxDataSource(strRef=StrRef(f=str(cats)))
    for series, name in zip(chart.series, series_titles or (), strict=False):
        series.tx = SeriesLabel(v=name)
    for series, colour in zip(chart.series, colours, strict=False):
        rgb = _rgb(colour)
        series.graphicalProperties = GraphicalProperties(solidFill=rgb)
        series.graphicalProperties.line.solidFill = rgb
    chart.height = max(CHART_HEIGHT_CM, 1.2 * (last - min_row) + 3)
    chart.width = CHART_WIDTH_CM
    ws.add_chart(chart, anchor)
    return chart


# The characters that take no column of their own: combining marks (Thai vowels and tone
# marks above and below a letter among them), counted by one regex per text (a character
# class is a bitmap lookup in C; ``str.translate`` with a dict was 2-5x slower, which the
# national workbook's 30,000 cells felt). The Basic Multilingual Plane only: scanning all of
# Unicode costs 0.3 s at every start, for marks of scripts no planner types.
_NO_WIDTH_CHARS = "".join(
    re.escape(chr(c))
    for c in range(0x10000)
    if unicodedata.combining(chr(c)) or unicodedata.category(chr(c)) == "Mn"
)
_NO_WIDTH = re.compile(f"[{_NO_WIDTH_CHARS}]")


def display_width(text: str) -> int:
    """Columns a text takes: Thai vowel and tone marks above/below a letter take none.

    >>> display_width("ที่ปรึกษา"), len("ที่ปรึกษา")
    (6, 9)
    """
    return len(text) if text.isascii() else len(text) - len(_NO_WIDTH.findall(text))


def autosize(
    ws: Worksheet,
    widths: Mapping[str, float] | None = None,
    *,
    minimum: float = 6.0,
    maximum: float = 60.0,
    skip_rows: Collection[int] = (),
    sample_rows: int = 500,
) -> None:
    """Set column widths from the longest text in each column, Thai-aware; ``widths`` wins.

    Only the first ``sample_rows`` rows are measured: a national book has tens of thousands
    of cells, and the widths a sample gives are capped by ``maximum`` anyway.

    Thai glyphs in Tahoma/TH Sarabun are a little wider than Latin ones, hence the factor;
    the maximum keeps a long project name from making a column a screen wide (wrap instead).
    ``skip_rows`` are rows whose text may spill over (titles, headings) and must not widen.
    """
    longest: dict[int, int] = {}
    for row in ws.iter_rows(max_row=min(ws.max_row, sample_rows)):
        if row and row[0].row in skip_rows:
            continue
        for cell in row:
            value = cell.value
            if value is None or cell.data_type == "f":  # formulas: their text is not shown
                continue
            text = f"{value:,.2f}" if isinstance(value, float) else str(value)
            width = max(display_width(line) for line in text.split("\n"))
            longest[cell.column] = max(longest.get(cell.column, 0), width)
    for col, width in longest.items():
        ws.column_dimensions[get_column_letter(col)].width = min(
            maximum, max(minimum, width * 1.15 + 2)
        )
    for letter, width in (widths or {}).items():
        ws.column_dimensions[letter].width = width


# Paper widths in inches (portrait) for the scale computation below.
_PAPER_IN = {9: (8.27, 11.69), 1: (8.5, 11.0)}  # A4, Letter


# Printed width of one column-width unit (one "0" of the default font). Excel with Calibri 11
# prints 7 px (5.25 pt); LibreOffice without Calibri or Carlito falls back to DejaVu Sans and
# prints 7-7.6 pt (measured with pdftotext -bbox: width 50 -> 350 pt, width 16 -> 122 pt).
# The wider one, rounded up, is used so a sheet fits the page in both; Excel then prints it a
# little smaller than it could.
_UNIT_PT = 7.6


DEFAULT_COLUMN_WIDTH = 8.43  # characters: Excel's width of a column nobody sized


def width_inches(width: float | None) -> float:
    """Printed width in inches of a column ``width`` characters wide (the wider of Excel's
    and LibreOffice's)."""
    return (width or DEFAULT_COLUMN_WIDTH) * _UNIT_PT / 72 + 5 / 96


def column_inches(ws: Worksheet, col: int) -> float:
    """Printed width of a column of ``ws`` in inches (see :func:`width_inches`)."""
    dim = ws.column_dimensions.get(get_column_letter(col))
    return width_inches(dim.width if dim is not None else None)


def print_to_width(
    ws: Worksheet,
    *,
    landscape: bool,
    last_col: int | None = None,
    extra_inches: float = 0.0,
    content_inches: float | None = None,
    margin_in: float = 0.4,
) -> int:
    """A4, one page wide, by an explicit scale; returns the scale (per cent).

    Why not "fit to 1 page wide": LibreOffice (7.4, headless PDF export) ignores
    ``fitToPage`` from an xlsx and prints a wide sheet cut off at the page edge, while both
    it and Excel honour ``scale``. So the scale is computed from the column widths up to
    ``last_col`` plus ``extra_inches`` (a chart beside the tables), or ``content_inches``.
    """
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_margins.left = ws.page_margins.right = margin_in
    portrait, long_side = _PAPER_IN[9]
    printable = (long_side if landscape else portrait) - 2 * margin_in - 0.3
    last = last_col or ws.max_column
    content = content_inches or (
        sum(column_inches(ws, c) for c in range(1, last + 1)) + extra_inches
    )
    scale = int(max(10, min(100, printable / max(content, 0.1) * 100)))
    ws.page_setup.scale = scale
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    return scale


def fit_wrapped_rows(
    ws: Worksheet, min_row: int = 1, max_row: int | None = None, line_pt: float = 16.0
) -> None:
    """Give rows holding wrapped text the height their lines need.

    Neither Excel (for a file it did not save) nor LibreOffice's PDF export grows a row for
    wrapped text by itself; without this, long Thai names overprint the next row.
    """
    chars_of: dict[int, float] = {}  # characters per line, per column
    for row in ws.iter_rows(min_row=min_row, max_row=max_row or ws.max_row):
        lines = 1
        for cell in row:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            chars = chars_of.get(cell.column)
            if chars is None:
                width = ws.column_dimensions[get_column_letter(cell.column)].width or 8.43
                chars = chars_of[cell.column] = max(width * 1.05 - 1, 1)
            need = sum(
                max(1, math.ceil(display_width(part) / chars)) for part in cell.value.split("\n")
            )
            lines = max(lines, need)
        if lines > 1 and row:
            current = ws.row_dimensions[row[0].row].height or 15
            ws.row_dimensions[row[0].row].height = max(current, lines * line_pt + 2)


def sheet_title(ws: Worksheet, text: str, hint: str = "") -> None:
    set_text_cell(ws["A1"], text)
    ws["A1"].font = TITLE_FONT
    if hint:
        set_text_cell(ws["A2"], hint)
        ws["A2"].font = Font(italic=True, color="595959")


def add_validation(
    kind: str,
    *,
    formula1: str | None = None,
    formula2: str | None = None,
    operator: str | None = None,
    prompt: str = "",
    error: str = "",
    style: str = "stop",
) -> DataValidation:
    dv = DataValidation(
        type=kind,
        formula1=formula1,
        formula2=formula2,
        operator=operator,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=bool(prompt),
        errorStyle=style,
    )
    dv.error, dv.errorTitle = error[:255], "SSO KPI"
    dv.prompt, dv.promptTitle = prompt[:255], "SSO KPI"
    return dv


def list_formula(values: Sequence[str]) -> str:
    return '"' + ",".join(values) + '"'


TITLE_FONT = Font(bold=True, size=14, color="1F3864")


HEADING_FONT = Font(bold=True, size=12, color="1F3864")


BOX_FONT = Font(bold=True, size=14)


THIN = Side(style="thin", color="808080")


BOX_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


BOX_FILL = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")


ENGINE_FONT = Font(italic=True, color="7F7F7F")


def print_setup(
    ws: Worksheet, *, landscape: bool, last_col: int | None = None, extra_inches: float = 0.0
) -> None:
    print_to_width(ws, landscape=landscape, last_col=last_col, extra_inches=extra_inches)


def activate_sheet(wb: Workbook, ws: Worksheet) -> None:
    """Make ``ws`` the one active and selected tab (two selected tabs open as a group)."""
    wb.active = wb.index(ws)
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws


def protect_rebuilt(ws: Worksheet) -> None:
    """Protect a sheet that is only ever rebuilt (summary, monthly form), without a password:
    a planner cannot type over it by accident, and the rebuild (the button, ``sso-kpi
    rebuild``) unprotects it, writes it afresh and protects it again. Selecting, copying and
    printing stay allowed."""
    ws.protection.sheet = True
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def fresh_sheet(
    wb: Workbook, title: str, new_index: Callable[[], int]
) -> tuple[Worksheet, str | None]:
    """A blank sheet ``title`` where the old one stood (at ``new_index()`` if there was none),
    and the title of the sheet that was active, to give the focus back: a rebuilt sheet is
    recreated whole, so nothing stale of a longer previous one stays."""
    active = wb.active.title if wb.active is not None else None
    if title in wb.sheetnames:
        index = wb.sheetnames.index(title)
        wb.remove(wb[title])
    else:
        index = new_index()
    return wb.create_sheet(title, index), active


def finish_recreated(wb: Workbook, ws: Worksheet, active: str | None, last_col: int) -> None:
    """The end of a sheet :func:`fresh_sheet` recreated: printed to the page's width up to
    ``last_col``, no gridlines, protected without a password, the focus given back to
    ``active`` (the sheet that had it)."""
    print_to_width(ws, landscape=True, last_col=last_col)
    ws.sheet_view.showGridLines = False
    protect_rebuilt(ws)
    if active is not None and active in wb.sheetnames:
        activate_sheet(wb, wb[active])
