"""The แบบรายงานรายเดือน sheet: the unit monthly form 2563, printed from tbl_kpi.

Layout of the form (``tests/data/seeds/unit_monthly_report_2563_sukhothai.txt``), per
งาน/โครงการ: its name and หน่วยงานที่รับผิดชอบ, then per indicator a head row ("ตัวชี้วัดที่ 1 |
น้ำหนัก (ร้อยละ) | หน่วยวัด | แผน | เป้าหมาย … | รวม"), the quarters ("ไตรมาสที่ 1" over three
months), the months in the year's order, a แผน row above a ผล row with the 12 months and the
รวม (by the indicator's การรวมค่า: 1,488 = Σ, 84.00 = the latest), and "สูตรคำนวณ/วิธีการ
คำนวณ :"; after the indicators "ผลการดำเนินงานตามแผนของงาน/โครงการ :", "ปัญหาและอุปสรรค :",
"แนวทางการแก้ไขปัญหา :". Values only: rebuilt by ``sso-kpi rebuild`` and by the button, never
typed into (protected, no password).

:func:`monthly_form` builds the grid (shared by openpyxl here and xlwings in ``live``);
:func:`write_monthly_form_sheet` puts it on a sheet for A4 landscape.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment, Border, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book import layout
from sso_app.book.page_rules import DEFAULT_FONT_PT, PRINTABLE_WIDTH_IN, readable_scale
from sso_app.book.settings import Settings
from sso_app.book.sheets import (
    BOX_FILL,
    HEADING_FONT,
    THIN,
    TITLE_FONT,
    display_width,
    finish_recreated,
    fresh_sheet,
    width_inches,
)
from sso_app.files.textsafe import set_text_cell
from sso_kpi.periods import quarter_month_labels
from sso_kpi.rollup import rollup_months
from sso_kpi.schema import LATEST_VALUE_UNITS, PLAN_M, RESULT_M

N_COLUMNS = 17  # name | น้ำหนัก | หน่วยวัด | แผน/ผล | 12 months | รวม
MONTH_COL = 5  # E
TOTAL_COL = 17  # Q
MONTHS = [get_column_letter(c) for c in range(MONTH_COL, TOTAL_COL)]
# Two pages wide: the widths of a form whose figures are too long for one page at 8 pt.
WIDTHS = {"A": 34.0, "B": 8.0, "C": 9.0, "D": 5.0, **dict.fromkeys(MONTHS, 8.5), "Q": 10.0}
# One page wide: น้ำหนัก and หน่วยวัด in two short lines, the months as wide as their longest
# figure, the name column what is left down to NAME_MIN (wrapped in more lines).
NARROW = {"B": 7.5, "C": 7.0, "D": 5.0}
NUMBER_MIN = 6.0  # "ไตรมาสที่ 1" runs over its three months; a month name fits in 6
NAME_MIN = 18.0
PROJECT_NOTES = (
    ("performance", "ผลการดำเนินงานตามแผนของงาน/โครงการ"),
    ("obstacles", "ปัญหาและอุปสรรค"),
    ("remedies", "แนวทางการแก้ไขปัญหา"),
)


def number_width(text: str) -> float:
    """Column width a figure printed as ``text`` needs, in Excel's unit (a digit's width; the
    cell's padding is outside it): a comma or point is about half a digit, and some slack.

    >>> number_width("12,992,890"), number_width("124,000"), number_width("84.00")
    (9.7, 7.1, 5.1)
    """
    digits = sum(ch.isdigit() for ch in text)
    return round(digits + 0.6 * (len(text) - digits) + 0.5, 2)


def form_widths(month_texts: Iterable[str], total_texts: Iterable[str]) -> dict[str, float]:
    """The form's column widths: one page wide at 8 pt when its figures allow it (the page's
    width at the readable scale of :mod:`sso_app.book.page_rules`), else :data:`WIDTHS`
    (two pages across, the office page prints them in order).

    A4 landscape holds about 131 characters of columns at 8 pt: figures of up to 7
    characters (999,999 or 999.99) in the 12 months and the total leave the names 18 or
    more; longer ones (12,992,890) do not, and the form prints two pages across.
    """
    month = max([NUMBER_MIN, *map(number_width, month_texts)])
    total = max([NUMBER_MIN, *map(number_width, total_texts)])
    room = PRINTABLE_WIDTH_IN * 100 / readable_scale(DEFAULT_FONT_PT)
    widths = {**NARROW, **dict.fromkeys(MONTHS, month), "Q": total}
    name = WIDTHS["A"]
    while name >= NAME_MIN:
        if sum(width_inches(w) for w in (name, *widths.values())) <= room:
            return {"A": name, **widths}
        name -= 1.0
    return {**WIDTHS, **{k: max(v, month) for k, v in WIDTHS.items() if k in MONTHS},
            "Q": max(WIDTHS["Q"], total)}  # fmt: skip


@dataclass
class MonthlyForm:
    """The form as rows of values, each with its kind (how it is drawn), merged ranges, the
    number format of each แผน/ผล row and the column widths."""

    rows: list[list[object]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    formats: dict[int, str] = field(default_factory=dict)  # sheet row -> number format
    project_rows: list[int] = field(default_factory=list)  # sheet rows a project starts on
    widths: dict[str, float] = field(default_factory=lambda: dict(WIDTHS))

    def add(self, kind: str, values: list[object]) -> int:
        row = len(self.rows) + 1
        self.rows.append(values + [None] * (N_COLUMNS - len(values)))
        self.kinds.append(kind)
        if kind == "text" and display_width(str(values[0])) > self.widths["A"]:
            # A text longer than column A wraps across the form's width. Only then merged:
            # openpyxl rebuilds every merged range cell by cell on each load.
            self.merges.append(f"A{row}:{get_column_letter(N_COLUMNS)}{row}")
        return row


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(value: object) -> object:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def monthly_form(frame: pd.DataFrame, settings: Settings) -> MonthlyForm:
    """The form for the typed indicators ``frame`` (the engine's import of tbl_kpi)."""
    form = MonthlyForm()
    year = "ปีงบประมาณ" if settings.year_kind == "fiscal" else "ปี"
    unit = f" {settings.unit}" if settings.unit else ""
    form.add("title", [f"แบบรายงานผลการดำเนินงานรายเดือน{unit} {year} พ.ศ. {settings.year_be}"])
    form.add("note", ["ผลการดำเนินงานตามเป้าหมายตัวชี้วัด (รายงานตัวชี้วัดทุกตัว)"])
    quarters = quarter_month_labels(settings.year_kind)
    if frame.empty:
        form.add("note", ["ยังไม่มีตัวชี้วัดในตาราง tbl_kpi / no indicators yet"])
        return form
    plans = frame.reindex(columns=list(PLAN_M)).to_numpy("float64")
    results = frame.reindex(columns=list(RESULT_M)).to_numpy("float64")
    aggregation = frame["aggregation"].to_numpy(object)
    plan_total = rollup_months(plans, aggregation, 12)
    result_total = rollup_months(results, aggregation, 12)
    form.widths = form_widths(
        _figures(frame, np.concatenate([plans, results], axis=1)),
        _figures(frame, np.stack([plan_total, result_total], axis=1)),
    )
    records = frame.to_dict("records")  # plain dicts: a row lookup per cell, not a Series
    for positions in frame.groupby("project_id", sort=False).indices.values():
        first = records[positions[0]]
        form.add("gap", [])
        start = form.add(
            "project",
            [f"ชื่องาน/โครงการ : {_text(first.get('project_name'))}"] + [None] * 11
            + [f"หน่วยงานที่รับผิดชอบ : {_text(first.get('unit'))}"],
        )  # fmt: skip
        form.project_rows.append(start)
        where = [
            f"{label} {_text(first.get(key))}"
            for key, label in (("strategy", "ประเด็นยุทธศาสตร์ที่"), ("substrategy", "กลยุทธ์"))
            if _text(first.get(key))
        ]
        kind = _text(first.get("kind"))
        form.add("note", [" : ".join(where) + (f"   ประเภท : {kind}" if kind else "")])
        notes: dict[str, list[str]] = {key: [] for key, _ in PROJECT_NOTES}
        for pos in positions:
            row = records[pos]
            number = _text(row.get("kpi_number"))
            form.add(
                "head",
                [f"ตัวชี้วัดที่ {number}", "น้ำหนัก (ร้อยละ)", "หน่วยวัด", "แผน/ผล", "เป้าหมาย"]
                + [None] * 11 + ["รวม"],
            )  # fmt: skip
            # each quarter's label over the middle of its three months (no merged cells: see
            # _border, the box is drawn around the three)
            form.add(
                "quarter", [None] * 4 + [x for label, _ in quarters for x in (None, label, None)]
            )
            form.add("month", [None] * 4 + [m for _, months in quarters for m in months])
            unit_text = _text(row.get("count_unit"))
            level = any(unit_text.startswith(u) for u in LATEST_VALUE_UNITS)
            values = [*plans[pos], *results[pos]]
            fraction = any(not math.isnan(v) and not float(v).is_integer() for v in values)
            fmt = "#,##0.00" if level or fraction else "#,##0"
            weight = _number(row.get("weight"))
            plan_row = form.add(
                "plan",
                [f"ชื่อตัวชี้วัด : {_text(row.get('kpi_name'))}", weight, unit_text, "แผน"]
                + [_number(v) for v in plans[pos]] + [_number(plan_total[pos])],
            )  # fmt: skip
            result_row = form.add(
                "result",
                [None, None, None, "ผล"]
                + [_number(v) for v in results[pos]] + [_number(result_total[pos])],
            )  # fmt: skip
            form.formats[plan_row] = form.formats[result_row] = fmt
            form.add("text", [f"สูตรคำนวณ/วิธีการคำนวณ : {_text(row.get('calculation'))}"])
            remark = _text(row.get("remarks"))
            if remark:
                form.add("text", [f"หมายเหตุ : {remark}"])
            for key, _ in PROJECT_NOTES:
                text = _text(row.get(key))
                if text:
                    notes[key].append(f"ตัวชี้วัดที่ {number}: {text}")
        for key, label in PROJECT_NOTES:
            form.add("text", [f"{label} : " + "\n".join(notes[key])])
    return form


def _figures(frame: pd.DataFrame, values: np.ndarray) -> list[str]:
    """The figures as the form prints them (two decimals for a ร้อยละ/ระดับ or a fraction),
    for their widths: the longest of each indicator row."""
    out = []
    for unit, row in zip(frame.get("count_unit", [""] * len(frame)), values, strict=True):
        numbers = row[~np.isnan(row)]
        if not len(numbers):
            continue
        level = any(_text(unit).startswith(u) for u in LATEST_VALUE_UNITS)
        decimals = level or any(not float(v).is_integer() for v in numbers)
        biggest = float(np.max(np.abs(numbers)))
        out.append(f"{biggest:,.2f}" if decimals else f"{biggest:,.0f}")
    return out


_FONTS = {
    "title": TITLE_FONT,
    "project": HEADING_FONT,
    "head": Font(bold=True),
    "quarter": Font(bold=True),
    "month": Font(bold=True),
}
_BOXED = ("head", "quarter", "month", "plan", "result")


def write_monthly_form_sheet(wb: Workbook, frame: pd.DataFrame, settings: Settings) -> Worksheet:
    """Replace the monthly form sheet with a fresh one (after the entry sheet), protected."""
    ws, active = fresh_sheet(
        wb, layout.SHEET_MONTHLY, lambda: wb.sheetnames.index(layout.SHEET_ENTRY) + 1
    )
    form = monthly_form(frame, settings)
    # A form of a few hundred indicators is tens of thousands of styled cells: each look is
    # set once through openpyxl's style API, then its style record is copied to the other
    # cells of that look (openpyxl compares whole style objects on every assignment).
    looks: dict[tuple[object, ...], object] = {}
    for r, (values, kind) in enumerate(zip(form.rows, form.kinds, strict=True), start=1):
        fmt = form.formats.get(r)
        boxed = kind in _BOXED
        for c, value in enumerate(values, start=1):
            if value is None and not boxed:
                continue  # a blank cell outside the boxes needs no cell at all
            cell = ws.cell(row=r, column=c)
            if value is not None:
                set_text_cell(cell, value.item() if isinstance(value, np.generic) else value)
            look = (kind, c, fmt if c >= MONTH_COL else None)
            if look in looks:
                cell._style = copy(looks[look])
                continue
            _style_cell(cell, kind, c, fmt)
            looks[look] = copy(cell._style)
    # All merges at once: openpyxl's merge_cells checks each new range against every earlier
    # one (quadratic) and restyles its cells; the ranges of the form never overlap and their
    # other cells were never written, so they are set together as they are.
    ws.merged_cells = MultiCellRange([CellRange(ref) for ref in form.merges])
    for letter, width in form.widths.items():
        ws.column_dimensions[letter].width = width
    _fit_heights(ws, form)
    # each งาน/โครงการ starts a page, as the form does (set at once: append re-checks them all)
    ws.row_breaks.brk = [Break(id=row - 2) for row in form.project_rows[1:]]
    ws.print_area = f"A1:{get_column_letter(N_COLUMNS)}{max(len(form.rows), 1)}"
    ws.print_title_rows = None
    finish_recreated(wb, ws, active, N_COLUMNS)
    return ws


def _border(kind: str, c: int) -> Border:
    """The form's boxes without merged cells (openpyxl restyles every merged range on each
    load, seconds for a few hundred indicators): the head, quarter and month rows are one
    box in the columns beside the months; เป้าหมาย spans the 12 months; each quarter boxes
    its three; the name, weight and unit span the แผน and ผล rows."""
    months = MONTH_COL <= c < TOTAL_COL
    top = kind in ("head", "plan") or (kind in ("quarter", "month") and months)
    bottom = kind in ("month", "result") or (kind in ("head", "quarter") and months)
    if kind == "head" and months:
        left, right = c == MONTH_COL, c == TOTAL_COL - 1
    elif kind == "quarter" and months:
        left, right = (c - MONTH_COL) % 3 == 0, (c - MONTH_COL) % 3 == 2
    else:
        left = right = True
    return Border(
        left=THIN if left else None,
        right=THIN if right else None,
        top=THIN if top else None,
        bottom=THIN if bottom else None,
    )


def _style_cell(cell: object, kind: str, c: int, fmt: str | None) -> None:
    if kind in _FONTS:
        cell.font = _FONTS[kind]
    if kind in _BOXED:
        cell.border = _border(kind, c)
        centred = kind == "head" and MONTH_COL <= c < TOTAL_COL  # เป้าหมาย over the months
        cell.alignment = Alignment(
            horizontal="centerContinuous"
            if centred
            else "center"
            if c in (2, 3, 4) or kind not in ("plan", "result")
            else None,
            vertical="top" if c == 1 else "center",
            wrap_text=not centred and kind != "quarter",  # the quarter runs over its months
        )
    elif kind == "text":
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if kind in ("head", "quarter", "month"):
        cell.fill = BOX_FILL
    if fmt and c >= MONTH_COL:
        cell.number_format = fmt


def _fit_heights(ws: Worksheet, form: MonthlyForm) -> None:
    """Each row the height its lines need: neither Excel (for a file it did not save) nor
    LibreOffice grows a row for wrapped text. Text rows wrap across the whole width."""
    full = sum(form.widths.values())
    for r, kind in enumerate(form.kinds, start=1):
        text = form.rows[r - 1][0]
        if kind == "text" and isinstance(text, str):
            lines = sum(
                max(1, math.ceil(display_width(part) / (full * 1.05))) for part in text.split("\n")
            )
            ws.row_dimensions[r].height = max(16.0, lines * 16.0 + 2)
        elif kind == "plan":
            lines = max(1, math.ceil(display_width(str(text)) / (form.widths["A"] * 1.05 - 1)))
            # the name is in the แผน row (the ผล row below it has its own values)
            ws.row_dimensions[r].height = max(16.0, lines * 15.0 + 3)
        elif kind == "head":
            ws.row_dimensions[r].height = 30.0
        elif kind in ("quarter", "month", "result", "project", "gap"):
            ws.row_dimensions[r].height = 20.0 if kind == "project" else 16.0
