"""`sso-kpi rebuild`: recompute the quarterly summary and the OPDC card of a closed workbook.

Why a headless rebuild exists: the ribbon button needs Excel on Windows with Python set up;
central staff and planners on LibreOffice need the same summary from a closed file. Both write
the frames of :mod:`sso_app.summary`, so the numbers are the engine's either way.

What it may touch (and the tests check every other cell): only the sheets in
``layout.REBUILT_SHEETS`` -- the summary sheet, recreated whole (openpyxl drops charts on
load, so the chart is drawn again each time), and on the OPDC sheet only the card box and the
computed columns beside ``tbl_opdc``. The planner's typed cells are never written.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import python_calamine as calamine
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from sso_kpi.errors import Issue, SsoError
from sso_kpi.evaluation import Evaluation, evaluate
from sso_kpi.importing import Imported, read_table
from sso_kpi.opdc import QUALITY_LEVELS, Scorecard, score_card
from sso_kpi.scoring import BAND_TH, GREEN, RED, YELLOW
from sso_kpi.values import parse_numbers

from . import layout, template
from .readers import TableCells, calamine_table, open_calamine
from .safe_io import atomic_write, check_workbook_file, lock_file_for, set_text_cell
from .sheets import (
    CHART_WIDTH_CM,
    add_band_formatting,
    add_bands_chart,
    autosize,
    column_inches,
    fit_wrapped_rows,
    print_to_width,
    write_computed_headers,
    write_frame_table,
)
from .summary import (
    BLOCK_ORDER,
    ScorecardFrames,
    Settings,
    SummaryFrames,
    band_counts,
    card_components,
    scorecard_frames,
    settings_from_rows,
    summary_frames,
)

REQUIRED_SHEETS = (
    layout.SHEET_SETTINGS,
    layout.SHEET_ENTRY,
    layout.SHEET_BUDGET,
    layout.SHEET_SUMMARY,
    layout.SHEET_OPDC,
)
REQUIRED_TABLES = (layout.TABLE_SETTINGS, layout.TABLE_KPI, layout.TABLE_BUDGET, layout.TABLE_OPDC)

TITLE_FONT = Font(bold=True, size=14, color="1F3864")
HEADING_FONT = Font(bold=True, size=12, color="1F3864")
BOX_FONT = Font(bold=True, size=14)
THIN = Side(style="thin", color="808080")
BOX_BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOX_FILL = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
ENGINE_FONT = Font(italic=True, color="7F7F7F")


# --------------------------------------------------------------------------------------------
# The summary sheet (also written by the builder)
# --------------------------------------------------------------------------------------------


def write_summary_sheet(wb: Workbook, frames: SummaryFrames) -> Worksheet:
    """Replace the summary sheet with ``frames`` as values, tables, colours and a bar chart.

    The sheet is deleted and recreated at the same position (a fresh sheet cannot keep
    stale cells, tables or formats of a longer previous summary); the active tab is kept.
    """
    title = layout.SHEET_SUMMARY
    active = wb.active.title if wb.active is not None else None
    if title in wb.sheetnames:
        index = wb.sheetnames.index(title)
        wb.remove(wb[title])
    else:
        index = wb.sheetnames.index(layout.SHEET_OPDC) if layout.SHEET_OPDC in wb.sheetnames else 0
    ws = wb.create_sheet(title, index)

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
        for column in frames.band_columns.get(name, ()):
            j = col + list(table.columns).index(column)
            letter = get_column_letter(j)
            first, last = row + 3, frames.last_row(name)
            add_band_formatting(ws, f"{letter}{first}:{letter}{last}", frames.colours)

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
        title=f"จำนวนงาน/โครงการตามแถบสี ไตรมาสที่ {frames.quarter} / projects per band",
        colours=[frames.colours[b] for b in (GREEN, YELLOW, RED)],
        skip_last_rows=1,  # the total row
        series_titles=[BAND_TH[b] for b in (GREEN, YELLOW, RED)],
    )
    autosize(ws, skip_rows={*range(1, len(frames.title_lines) + 1), *headings})
    _wrap_names(ws, frames)
    fit_wrapped_rows(ws, min_row=frames.anchors[BLOCK_ORDER[0]][0])
    last_col = max(
        max(left - 1 + len(t.columns) for t in frames.tables.values()),
        _chart_last_col(ws, chart_col),
    )
    last_row = max(frames.last_row(name) for name in BLOCK_ORDER)
    ws.print_area = f"A1:{get_column_letter(last_col)}{last_row}"
    beside = sum(column_inches(ws, c) for c in range(1, chart_col)) + CHART_WIDTH_CM / 2.54
    tables = sum(column_inches(ws, c) for c in range(1, last_col + 1))
    print_to_width(ws, landscape=True, content_inches=max(beside, tables))
    ws.sheet_view.showGridLines = False
    if active is not None and active in wb.sheetnames:
        _activate(wb, wb[active])
    return ws


WRAPPED_WIDTHS = {"project_name": 45.0, "unit": 22.0}


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
    for name in (layout.TABLE_PROJECTS, layout.TABLE_ATTENTION):
        _, col = frames.anchors[name]
        for column, width in WRAPPED_WIDTHS.items():
            j = col + list(frames.tables[name].columns).index(column)
            for r in range(frames.header_row(name) + 1, frames.last_row(name) + 1):
                ws.cell(row=r, column=j).alignment = Alignment(wrap_text=True, vertical="top")
            ws.column_dimensions[get_column_letter(j)].width = width


def _colour_band_labels(
    ws: Worksheet, table: pd.DataFrame, row: int, col: int, colours: dict[str, str]
) -> None:
    """Fill the Thai label cells of the green/yellow/red count columns with their colour."""
    for j, column in enumerate(table.columns):
        band = str(column).removesuffix("_pct")
        if band in (GREEN, YELLOW, RED):
            rgb = colours[band]
            ws.cell(row=row, column=col + j).fill = PatternFill(
                fill_type="solid", start_color=rgb, end_color=rgb
            )


def _print_setup(
    ws: Worksheet, *, landscape: bool, last_col: int | None = None, extra_inches: float = 0.0
) -> None:
    print_to_width(ws, landscape=landscape, last_col=last_col, extra_inches=extra_inches)


def _activate(wb: Workbook, ws: Worksheet) -> None:
    """Make ``ws`` the one active and selected tab (two selected tabs open as a group)."""
    wb.active = wb.index(ws)
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws


# --------------------------------------------------------------------------------------------
# The OPDC card (also written by the builder)
# --------------------------------------------------------------------------------------------

OPDC_COMPUTED_LABELS = {
    "score": "คะแนน (Excel: SSO_SCORE)",
    "weighted": "คะแนนถ่วงน้ำหนัก",
    "score_engine": "คะแนนจาก sso-kpi (คำนวณล่าสุด)",
}


def opdc_rows(ws: Worksheet) -> tuple[int, int]:
    """(first, last) data row of ``tbl_opdc`` on ``ws``."""
    _, header, _, last = range_boundaries(ws.tables[layout.TABLE_OPDC].ref)
    return header + 1, last


def _criteria(text: str) -> str:
    """A SUMIF criterion matching ``text`` literally: quotes doubled, wildcards escaped."""
    escaped = text.replace("~", "~~").replace("*", "~*").replace("?", "~?")
    return '"' + escaped.replace('"', '""') + '"'


def _level_formula(total: str) -> str:
    """Nested IF over the rounded total, thresholds from the engine's QUALITY_LEVELS."""
    *steps, (_, last_th, _) = QUALITY_LEVELS
    formula = f'"{last_th}"'
    for floor, th, _ in reversed(steps):
        formula = f'IF(ROUND({total},2)>={floor:g},"{th}",{formula})'
    return f"={formula}"


def write_card(
    ws: Worksheet,
    card: ScorecardFrames,
    engine_scores: pd.Series,
    components: Sequence[str],
) -> None:
    """Write the card's computed parts: header box, quality check and columns K:M.

    ``engine_scores`` maps a sheet row to the engine's score (rows not scored are absent).
    Score (K) is one ``SSO_SCORE`` array formula over the table's rows, live in Excel; M holds
    the engine's score as a value, and the weighted column (L) uses K when Excel computed it,
    else M -- so LibreOffice, a PDF and a book whose UDFs are not imported yet still show the
    engine's numbers, while Excel stays live. Subtotals, total and level are native formulas.
    """
    first, last = opdc_rows(ws)
    col = layout.OPDC_COMPUTED_FIRST_COL
    k, lw, m = (get_column_letter(col + i) for i in range(3))
    letter = {c: get_column_letter(i + 1) for i, c in enumerate(layout.OPDC_TABLE_COLUMNS)}

    # Clear what an earlier card wrote: the box rows (left of the computed columns) and the
    # computed columns; nothing else on the sheet is ours.
    for row in ws.iter_rows(
        min_row=layout.OPDC_BOX_ROW, max_row=layout.OPDC_BOX_ROW + 3, max_col=col - 1
    ):
        for cell in row:
            cell.value = None
            cell.style = "Normal"
    for row in ws.iter_rows(
        min_row=layout.OPDC_LABEL_ROW, max_row=max(ws.max_row, last), min_col=col, max_col=col + 2
    ):
        for cell in row:
            cell.value = None
            cell.style = "Normal"

    write_computed_headers(
        ws,
        label_row=layout.OPDC_LABEL_ROW,
        header_row=layout.OPDC_HEADER_ROW,
        first_col=col,
        labels_th={n: OPDC_COMPUTED_LABELS[n] for n in layout.OPDC_COMPUTED_COLUMNS},
    )

    def rng(c: str) -> str:
        return f"${c}${first}:${c}${last}"

    ws[f"{k}{first}"] = ArrayFormula(
        f"{k}{first}:{k}{last}",
        f"=SSO_SCORE({rng(letter['result'])},{rng(letter['level_50'])},"
        f"{rng(letter['level_75'])},{rng(letter['level_100'])})",
    )
    weight = letter["weight"]
    for r in range(first, last + 1):
        ws[f"{lw}{r}"] = (
            f"=IF(ISNUMBER({k}{r}),{k}{r}*{weight}{r}/100,"
            f'IF(ISNUMBER({m}{r}),{m}{r}*{weight}{r}/100,""))'
        )
        score = engine_scores.get(r, np.nan)
        ws[f"{m}{r}"] = None if pd.isna(score) else float(score)
        for c in (k, lw, m):
            ws[f"{c}{r}"].number_format = "0.00"
        ws[f"{m}{r}"].font = ENGINE_FONT

    # The header box, as the seed card: one column per component, total, level.
    box = layout.OPDC_BOX_ROW
    comp_range, weighted_range = rng(letter["component"]), rng(lw)
    heads = [*components, "คะแนนรวม", "สรุปผลการประเมิน"]
    total_cell = f"{get_column_letter(len(components) + 1)}{box + 1}"
    for j, head in enumerate(heads, start=1):
        top = ws.cell(row=box, column=j)
        set_text_cell(top, head)
        value = ws.cell(row=box + 1, column=j)
        unit = ws.cell(row=box + 2, column=j)
        if j <= len(components):
            value.value = f"=SUMIF({comp_range},{_criteria(head)},{weighted_range})"
        elif j == len(components) + 1:
            value.value = f"=SUM({weighted_range})"
        else:
            value.value = _level_formula(total_cell)
        if j <= len(components) + 1:
            value.number_format = "0.00"
            set_text_cell(unit, "คะแนน")
        for cell in (top, value, unit):
            cell.border = BOX_BORDER
            cell.fill = BOX_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        top.font = Font(bold=True)
        value.font = BOX_FONT

    check = box + 3
    set_text_cell(ws.cell(row=check, column=1), "ตรวจทาน / check:")
    ws.cell(row=check, column=2).value = f"=SSO_QUALITY({total_cell})"
    set_text_cell(ws.cell(row=check, column=3), "sso-kpi:")
    set_text_cell(
        ws.cell(row=check, column=4), f"{card.total:.2f} {card.level} ({card.level_en})".strip()
    )
    for j in range(1, 5):
        ws.cell(row=check, column=j).font = ENGINE_FONT


def engine_score_by_row(card: Scorecard, rows: Sequence[int]) -> pd.Series:
    """The engine's unrounded scores keyed by the sheet row each indicator is on.

    Unrounded, so the native subtotals over them equal the engine's (29.45625, shown 29.46).
    ``rows`` is the sheet row of each scored row, in order: ``source_row`` when read from the
    book (empty rows were dropped on import), consecutive rows when the builder wrote them.
    """
    index = np.asarray(rows, dtype="int64").reshape(-1)
    return pd.Series(card.kpis["score"].to_numpy("float64"), index=index)


# --------------------------------------------------------------------------------------------
# Reading a closed book
# --------------------------------------------------------------------------------------------


@dataclass
class BookData:
    """What a rebuild needs from a closed workbook, read with python-calamine."""

    settings: Settings
    kpis: Imported
    budget: pd.DataFrame
    opdc: Imported
    issues: list[Issue] = field(default_factory=list)


def check_sso_book(path: Path) -> calamine.CalamineWorkbook:
    """Refuse (two languages) a file that is not an SSO planning workbook of this version."""
    path = Path(path)
    check_workbook_file(path)
    book = open_calamine(path)
    missing = [s for s in REQUIRED_SHEETS if s not in book.sheet_names]
    missing += [t for t in REQUIRED_TABLES if t not in book.table_names]
    if missing:
        raise SsoError(
            f"ไฟล์นี้ไม่ใช่สมุดงานแผน-ผลของสำนักงานประกันสังคม (SSO_Plan.xlsm) ไม่พบ: {', '.join(missing)}",
            f"this is not an SSO planning workbook (SSO_Plan.xlsm): missing {', '.join(missing)}",
            where=str(path),
        )
    rows = calamine_table(book, layout.TABLE_SETTINGS).rows
    version = next((str(r[1]).strip() for r in rows if r and str(r[0]) == "schema_version"), "")
    if version.removesuffix(".0") != layout.SCHEMA_VERSION:
        raise SsoError(
            f"รุ่นของแบบฟอร์มคือ {version or '(ว่าง)'} แต่โปรแกรมนี้ใช้รุ่น {layout.SCHEMA_VERSION}: "
            "ใช้โปรแกรมรุ่นที่ตรงกัน หรือสร้างสมุดงานใหม่แล้วนำเข้าข้อมูล",
            f"the workbook's schema_version is {version or '(blank)'}, this program needs "
            f"{layout.SCHEMA_VERSION}: use the matching version, or build a new book and import",
            where=str(path),
        )
    return book


def book_data(file: str, tables: Mapping[str, TableCells]) -> BookData:
    """Settings, typed KPI rows, budget and OPDC rows from the four tables' cells, however
    they were read (calamine on a closed file here, xlwings in :mod:`sso_app.live`)."""
    settings = settings_from_rows(tables[layout.TABLE_SETTINGS].rows)
    kpi, opdc = tables[layout.TABLE_KPI], tables[layout.TABLE_OPDC]
    kpis = read_table(kpi.frame(), kpi.source(file), form="kpi")
    opdc_rows = read_table(opdc.frame(), opdc.source(file), form="opdc")

    cells = tables[layout.TABLE_BUDGET]
    budget = cells.frame()
    issues: list[Issue] = []
    for column in ("plan", "spent"):
        parsed = parse_numbers(budget[column])
        for pos in np.flatnonzero(parsed.problems.notna().to_numpy()):
            th, en = parsed.problems.iloc[pos]
            issues.append(
                Issue(th, en, file=file, sheet=cells.sheet, row=cells.first_row + int(pos),
                      column=column, value=str(budget[column].iloc[pos]))
            )  # fmt: skip
        budget[column] = parsed.values.to_numpy("float64")
    budget["category"] = budget["category"].astype(object)
    budget = budget[budget["category"].astype(str).str.strip() != ""].reset_index(drop=True)
    return BookData(settings, kpis, budget, opdc_rows, issues)


def read_book(path: Path) -> BookData:
    """:func:`book_data` of a closed SSO workbook, read once with python-calamine."""
    book = check_sso_book(path)
    return book_data(Path(path).name, {n: calamine_table(book, n) for n in REQUIRED_TABLES})


def evaluation_of(data: BookData, quarter: int | None = None) -> Evaluation:
    q = quarter or data.settings.quarter
    return evaluate(data.kpis, q, rule=data.settings.rule, cap=data.settings.cap)


# --------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------


def customui_of(path: Path) -> str:
    """The ribbon XML already in the book (kept as is), or ours if it has none."""
    with zipfile.ZipFile(path) as zf:
        if template.CUSTOMUI_PART in zf.namelist():
            return zf.read(template.CUSTOMUI_PART).decode("utf-8")
    return template.ribbon_xml()


def save_macro_book(wb: Workbook, dest: Path, customui_xml: str) -> None:
    """openpyxl save + the ribbon relationship openpyxl drops (see template.ensure_ribbon)."""
    with tempfile.TemporaryDirectory(prefix="sso-save-") as tmp:
        saved = Path(tmp) / "saved.xlsm"
        wb.save(saved)
        template.ensure_ribbon(saved, dest, customui_xml)


def verify_macro_book(path: Path) -> None:
    check_workbook_file(path, expect_macro=True)


def refuse_if_open(book: Path) -> None:
    lock = lock_file_for(book)
    if lock is not None:
        raise SsoError(
            f"ไฟล์เปิดอยู่ใน Excel: ปิดไฟล์ก่อนแล้วลองใหม่ (ถ้าไม่ได้เปิดอยู่ ให้ลบไฟล์ {lock.name})",
            f"the workbook is open in Excel: close it and try again (if it is not open, "
            f"delete the lock file {lock.name})",
            where=str(book),
        )


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


@dataclass
class RebuildReport:
    book: Path
    quarter: int
    projects: int
    evaluated: int
    bands: dict[str, int]
    backup: Path | None
    errors: list[Issue]
    warnings: list[Issue]
    opdc_total: float | None
    opdc_level: str

    def __str__(self) -> str:
        b = self.bands
        lines = [
            f"สร้างสรุปรายไตรมาสแล้ว / summary rebuilt: {self.book}",
            f"ไตรมาส / quarter: {self.quarter}",
            f"งาน/โครงการ / projects: {self.projects} (ประเมิน / evaluated: {self.evaluated})",
            "แถบสี / bands: " + ", ".join(f"{BAND_TH[k]} {k} {b.get(k, 0)}" for k in BAND_TH),
        ]
        if self.opdc_total is not None:
            lines.append(f"คะแนน ก.พ.ร. / OPDC total: {self.opdc_total:.2f} {self.opdc_level}")
        if self.backup:
            lines.append(f"สำรองไฟล์เดิมไว้ที่ / backup of the previous file: {self.backup}")
        if self.errors:
            lines.append(
                f"ข้อผิดพลาด {len(self.errors)} รายการ (แถวเหล่านี้ไม่ถูกนำมาคำนวณ) / "
                f"{len(self.errors)} errors (those rows are left out):"
            )
            lines += [f"  - {i.text()}" for i in self.errors[:50]]
        if self.warnings:
            lines.append(f"คำเตือน / warnings: {len(self.warnings)}")
            lines += [f"  - {i.text()}" for i in self.warnings[:20]]
        return "\n".join(lines)


def rebuild(book: Path, quarter: int | None = None) -> RebuildReport:
    """Rebuild the summary sheet and the OPDC card of the closed workbook ``book`` in place.

    Refuses an open book (Excel lock file) and a file that is not an SSO workbook. Values come
    from the engine; the file is replaced atomically with one backup kept, the VBA byte for
    byte and the ribbon wired again.
    """
    book = Path(book)
    if not book.is_file():
        raise SsoError("ไม่พบไฟล์", "file not found", where=str(book))
    refuse_if_open(book)
    data = read_book(book)
    ev = evaluation_of(data, quarter)
    frames = summary_frames(ev, data.budget, data.settings)
    engine_card = score_card(data.opdc.frame)
    card = scorecard_frames(engine_card)

    customui = customui_of(book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    write_summary_sheet(wb, frames)
    write_card(
        wb[layout.SHEET_OPDC],
        card,
        engine_score_by_row(engine_card, data.opdc.frame["source_row"].to_numpy()),
        card_components(data.opdc.frame.get("component", pd.Series(dtype=object))),
    )
    backup = atomic_write(
        book,
        lambda tmp: save_macro_book(wb, tmp, customui),
        backup=True,
        verify=verify_macro_book,
    )
    projects = ev.projects
    return RebuildReport(
        book=book,
        quarter=ev.quarter,
        projects=len(projects),
        evaluated=int(projects["evaluated"].sum()) if len(projects) else 0,
        bands=band_counts(ev),
        backup=backup,
        errors=[*data.kpis.errors, *data.opdc.errors, *data.issues],
        warnings=[*data.kpis.warnings, *data.opdc.warnings],
        opdc_total=card.total if len(card.kpis) else None,
        opdc_level=card.level,
    )
