"""The สรุปรายไตรมาส sheet, written from the summary frames: tables, band colours, chart."""

from __future__ import annotations

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book import layout
from sso_app.book.sheets import (
    CHART_WIDTH_CM,
    HEADING_FONT,
    HIDDEN_FORMAT,
    TITLE_FONT,
    add_band_formatting,
    add_bands_chart,
    autosize,
    band_tint,
    finish_recreated,
    fit_wrapped_rows,
    fresh_sheet,
    write_frame_table,
)
from sso_app.book.summary import BLOCK_ORDER, SummaryFrames
from sso_app.files.textsafe import set_text_cell
from sso_kpi.scoring import BAND_TH, GREEN, RED, YELLOW


def write_summary_sheet(wb: Workbook, frames: SummaryFrames) -> Worksheet:
    """Replace the summary sheet with ``frames`` as values, tables, colours and a bar chart.

    The sheet is deleted and recreated at the same position (a fresh sheet cannot keep
    stale cells, tables or formats of a longer previous summary); the active tab is kept.
    """
    sheets = wb.sheetnames
    ws, active = fresh_sheet(
        wb,
        layout.SHEET_SUMMARY,
        lambda: sheets.index(layout.SHEET_OPDC) if layout.SHEET_OPDC in sheets else 0,
    )

    for i, line in enumerate(frames.title_lines):
        cell = ws.cell(row=1 + i, column=1)
        set_text_cell(cell, line)
        cell.font = TITLE_FONT if i == 0 else Font(bold=i == 1, size=12 if i == 1 else 11)

    refs: dict[str, str] = {}
    headings: list[int] = []
    for name in BLOCK_ORDER:
        row, col = frames.anchors[name]
        heading = ws.cell(row=row, column=col)
        set_text_cell(heading, frames.headings[name])
        heading.font = HEADING_FONT
        headings.append(row)
        table = frames.tables[name]
        refs[name] = write_frame_table(
            ws,
            table,
            name=name,
            top=row + 1,
            left=col,
            labels_th=frames.labels_th[name],
            number_formats=frames.number_formats.get(name),
        )
        _colour_band_labels(ws, table, row + 1, col, frames.colours)
        first, last = row + 3, frames.last_row(name)
        for column in frames.band_columns.get(name, ()):
            j = col + list(table.columns).index(column)
            letter = get_column_letter(j)
            add_band_formatting(ws, f"{letter}{first}:{letter}{last}", frames.colours)
            _print_no_codes(ws, j, row + 1, first, last)
        if "band_th" in table.columns:
            j = col + list(table.columns).index("band_th")
            letter = get_column_letter(j)
            add_band_formatting(
                ws, f"{letter}{first}:{letter}{last}", frames.colours, words=BAND_TH
            )
        # The English keys (the tables' header row) stay for the readers, unprinted.
        ws.row_dimensions[frames.header_row(name)].hidden = True

    summary = frames.tables[layout.TABLE_SUMMARY]
    _, left = frames.anchors[layout.TABLE_SUMMARY]
    chart_row, chart_col = frames.chart_anchor
    add_bands_chart(
        ws,
        table_ref=refs[layout.TABLE_SUMMARY],
        categories_col=left,
        first_series_col=left + list(summary.columns).index(GREEN),
        n_series=3,
        anchor=f"{get_column_letter(chart_col)}{chart_row}",
        title=f"จำนวนงาน/โครงการตามแถบสี ไตรมาสที่ {frames.quarter}",
        colours=[frames.colours[b] for b in (GREEN, YELLOW, RED)],
        skip_last_rows=1,  # the total row
        series_titles=[BAND_TH[b] for b in (GREEN, YELLOW, RED)],
    )
    # Thai labels wrap (and the hidden key rows do not count): columns sized by the data,
    # so the widest table prints one page wide at a readable scale (sso_app.book.printing).
    labels = {r + d for r in headings for d in (1, 2)}
    autosize(
        ws,
        skip_rows={*range(1, len(frames.title_lines) + 1), *headings, *labels},
        minimum=8.0,
        maximum=14.0,
    )
    _wrap_names(ws, frames)
    fit_wrapped_rows(ws, min_row=frames.anchors[BLOCK_ORDER[0]][0])
    last_col = max(
        max(left - 1 + len(t.columns) for t in frames.tables.values()),
        _chart_last_col(ws, chart_col),
    )
    last_row = max(frames.last_row(name) for name in BLOCK_ORDER)
    ws.print_area = f"A1:{get_column_letter(last_col)}{last_row}"
    # The projects table runs over pages: its Thai labels head every page after its first
    # (Excel and LibreOffice repeat title rows from the page they are on, not before).
    labels_row = frames.anchors[layout.TABLE_PROJECTS][0] + 1
    ws.print_title_rows = f"{labels_row}:{labels_row}"
    finish_recreated(wb, ws, active, last_col)
    return ws


WRAPPED_WIDTHS = {"project_name": 24.0, "unit": 12.0}
BAND_LABEL_FONT = Font(bold=True)


def _chart_last_col(ws: Worksheet, chart_col: int) -> int:
    """The column the band chart's right edge falls in, at Excel's column widths.

    The chart is a fixed size; Excel's columns are the narrower (see sheets.column_inches),
    so it spans the most columns there: the print area must reach that far.
    """
    width, col = 0.0, chart_col
    while True:
        dim = ws.column_dimensions.get(get_column_letter(col))
        width += ((dim.width if dim is not None and dim.width else 8.43) * 7 + 5) / 96
        if width * 2.54 >= CHART_WIDTH_CM:
            return col
        col += 1


def _wrap_names(ws: Worksheet, frames: SummaryFrames) -> None:
    """Names and units wrap in fixed-width columns instead of making the sheet a screen wide."""
    wrap = Alignment(wrap_text=True, vertical="top")  # one style object for every cell
    for name in (layout.TABLE_PROJECTS, layout.TABLE_ATTENTION):
        _, col = frames.anchors[name]
        for column, width in WRAPPED_WIDTHS.items():
            j = col + list(frames.tables[name].columns).index(column)
            for r in range(frames.header_row(name) + 1, frames.last_row(name) + 1):
                ws.cell(row=r, column=j).alignment = wrap
            ws.column_dimensions[get_column_letter(j)].width = width


def _print_no_codes(ws: Worksheet, col: int, label_row: int, first: int, last: int) -> None:
    """Band codes ("green") are for formulas and readers: shown and printed as nothing
    (format ``;;;``), their colour and Thai word are in the next columns."""
    ws.cell(row=label_row, column=col).value = None
    for r in range(first, last + 1):
        ws.cell(row=r, column=col).number_format = HIDDEN_FORMAT


def _colour_band_labels(
    ws: Worksheet, table: pd.DataFrame, row: int, col: int, colours: dict[str, str]
) -> None:
    """Fill the Thai label cells of the green/yellow/red count columns with their tint, in
    black (a label on a full red, or dark blue on its tint, reads badly; the bars of the
    chart carry the full colours)."""
    for j, column in enumerate(table.columns):
        band = str(column).removesuffix("_pct")
        if band in (GREEN, YELLOW, RED):
            rgb = band_tint(colours[band])
            cell = ws.cell(row=row, column=col + j)
            cell.fill = PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)
            cell.font = BAND_LABEL_FONT
