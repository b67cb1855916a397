"""The แผน-ผล sheet: ``tbl_kpi`` (typed) and the computed block of UDF formulas beside it."""

from __future__ import annotations

from copy import copy
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import (
    column_index_from_string,
    get_column_letter,
    quote_sheetname,
    range_boundaries,
)
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book import layout
from sso_app.book.settings import Settings
from sso_app.book.sheets import (
    BOX_BORDER,
    COMPUTED_FILL,
    HIDDEN_FORMAT,
    LABEL_FONT,
    add_band_formatting,
    add_validation,
    cell_value,
    display_width,
    list_formula,
    print_setup,
    sheet_title,
    show_codes,
    write_computed_headers,
    write_frame_table,
)
from sso_app.files.textsafe import set_text_cell
from sso_kpi.errors import SsoError
from sso_kpi.evaluation import STATUS_TH
from sso_kpi.importing import COLUMN_TH, Imported
from sso_kpi.periods import THAI_QUARTER, month_labels
from sso_kpi.plan_status import STATUS_CHOICES
from sso_kpi.schema import (
    AGGREGATION_TH,
    DIRECTION_TH,
    KEY_COLUMNS,
    KINDS,
    LATEST_VALUE_UNITS,
    NOTE_COLUMNS,
    NUMBER_COLUMNS,
    PLAN_M,
    PLAN_Q,
    RESULT_M,
    RESULT_Q,
)
from sso_kpi.scoring import BAND_TH

COMPUTED_LABELS_TH = {
    "plan_total": "รวม แผน (ตามการรวมค่า)",
    "result_total": "รวม ผล (ตามการรวมค่า)",
    "plan_now": "แผนสะสมถึงไตรมาส",
    "result_now": "ผลสะสมถึงไตรมาส",
    "achievement": "ผลสำเร็จ (ร้อยละ)",
    "status": "สถานะ",
    "band": "แถบสีตัวชี้วัด",
    "project_avg": "ค่าเฉลี่ยงาน/โครงการ (ร้อยละ)",
    "project_band": "แถบสีงาน/โครงการ",
}

# Typed cells keep the table's style; computed cells are grey. The legend says so on the sheet.
INPUT_FILL = PatternFill(fill_type="solid", start_color="FFFFFF", end_color="FFFFFF")
KEY_FONT = Font(size=8, color="808080")  # the English key row: for the tools, not the eye
QUARTER_FILLS = ("DDEBF7", "E2EFDA", "FFF2CC", "FCE4D6")  # months grouped by quarter
COUNT_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
WRAPPED_WIDTHS = {"project_name": 28.0, "kpi_name": 34.0, **dict.fromkeys(NOTE_COLUMNS, 30.0)}
GUARD_MESSAGE = (
    "ช่องนี้คำนวณโดย Python ห้ามพิมพ์ทับ: กรอกแผน/ผลในตาราง tbl_kpi ทางซ้าย / "
    "computed cell: type plans and results in tbl_kpi on the left"
)


# Key columns are Text ("@"): a number typed there stays as typed (1.10, not 1.1).
KEY_FORMATS = {c: "@" for c in KEY_COLUMNS if c in layout.KPI_TABLE_COLUMNS}


def kpi_table_frame(imported: Imported) -> pd.DataFrame:
    """The rows as they go into tbl_kpi: the layout's columns, text as text, numbers as floats;
    direction and aggregation in the Thai words of the dropdowns (the engine reads both)."""
    frame = imported.frame.reindex(columns=list(layout.KPI_TABLE_COLUMNS))
    for column in layout.KPI_TABLE_COLUMNS:
        if column in NUMBER_COLUMNS:
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    for column, words in (("direction", DIRECTION_TH), ("aggregation", AGGREGATION_TH)):
        frame[column] = [words.get(v, v) for v in frame[column]]
    for column in NOTE_COLUMNS:  # a blank note is an empty cell, not ""
        frame[column] = [v if v else None for v in frame[column]]
    return frame.reset_index(drop=True)


def kpi_labels_th(settings: Settings) -> dict[str, str]:
    """Thai label per tbl_kpi column; months named by the year's own order, grouped by quarter
    (a fiscal book's first pair reads "ไตรมาสที่ 1 ต.ค. แผน")."""
    labels = {c: COLUMN_TH.get(c, c) for c in layout.KPI_TABLE_COLUMNS}
    labels |= {
        "direction": "ทิศทาง (ยิ่งมาก/ยิ่งน้อยยิ่งดี)",
        "aggregation": "การรวมค่ารายเดือน",
        "cap": "เพดาน (ร้อยละ)",
        **{f"plan_q{q}": f"แผนสะสม ไตรมาส {q}" for q in (1, 2, 3, 4)},
        **{f"result_q{q}": f"ผลสะสม ไตรมาส {q}" for q in (1, 2, 3, 4)},
    }
    months = month_labels(settings.year_kind)
    for i, (p, r) in enumerate(zip(PLAN_M, RESULT_M, strict=True)):
        quarter = f"{THAI_QUARTER} {i // 3 + 1}"
        labels[p] = f"{quarter}\n{months[i]} แผน"
        labels[r] = f"{quarter}\n{months[i]} ผล"
    return labels


def kpi_letters() -> dict[str, str]:
    return {c: get_column_letter(i + 1) for i, c in enumerate(layout.KPI_TABLE_COLUMNS)}


def computed_letters() -> dict[str, str]:
    first = layout.KPI_COMPUTED_FIRST_COL
    return {c: get_column_letter(first + i) for i, c in enumerate(layout.KPI_COMPUTED_COLUMNS)}


def _columns(first: str, last: str | None = None) -> str:
    t = layout.TABLE_KPI
    return f"{t}[[{first}]:[{last}]]" if last else f"{t}[{first}]"


def kpi_formulas() -> dict[str, str]:
    """One UDF call per computed column, over tbl_kpi's columns (structured references).

    A structured reference names the table's whole column, so the formula never changes
    when rows are added: Excel 365 spills the answer over every row (the cell is marked a
    dynamic array, see :mod:`sso_app.book.dynamic_arrays`); older Excel keeps the rows the
    array was fitted to until the button refits it. A computed column that reads another
    reads it through its name (``kpi_achievement``), which is sized by the table too.
    """
    months = _columns(layout.MONTH_PAIRS[0], layout.MONTH_PAIRS[-1])
    agg = _columns("aggregation")
    n = layout.computed_name

    def period(q: tuple[str, ...], pair: str) -> str:
        return f'=SSO_PERIOD({_columns(q[0], q[-1])},{months},{agg},cfg_quarter,"{pair}")'

    # ยกเลิกในไตรมาส N / ยกเลิกแผนงาน: the engine's rule, so Excel leaves them out too.
    cancel = f"{_columns('plan_status')},{_columns('project_id')},cfg_quarter"

    return {
        "plan_total": f'=SSO_ROLLUP({months},{agg},4,"plan")',
        "result_total": f'=SSO_ROLLUP({months},{agg},4,"result")',
        "plan_now": period(PLAN_Q, "plan"),
        "result_now": period(RESULT_Q, "result"),
        "achievement": f"=SSO_ACHIEVEMENT({n('plan_now')},{n('result_now')},"
        f"{_columns('direction')},{_columns('cap')},cfg_cap,{cancel})",
        "status": f"=SSO_STATUS({n('plan_now')},{n('result_now')},{_columns('direction')},"
        f"{cancel})",
        "band": f"=SSO_BAND({n('achievement')},cfg_green_at,cfg_yellow_at)",
        "project_avg": f"=SSO_PROJECT_AVG({_columns('project_id')},{n('achievement')},"
        f"{_columns('weight')})",
        "project_band": f"=SSO_BAND({n('project_avg')},cfg_green_at,cfg_yellow_at)",
    }


def computed_names(sheet_title: str) -> dict[str, str]:
    """name → its cells: the computed column from the first data row down as many rows as
    tbl_kpi has (INDEX returns a reference, so the name is not volatile)."""
    first = layout.ENTRY_FIRST_DATA_ROW
    sheet = quote_sheetname(sheet_title)
    return {
        layout.computed_name(c): f"{sheet}!${letter}${first}:INDEX({sheet}!${letter}:${letter},"
        f"ROWS({layout.TABLE_KPI})+{first - 1})"
        for c, letter in computed_letters().items()
    }


def kpi_data_rows(ws: Worksheet) -> tuple[int, int]:
    """(first, last) data row of tbl_kpi on the entry sheet."""
    _, header, _, last = range_boundaries(ws.tables[layout.TABLE_KPI].ref)
    return header + 1, last


def fit_kpi_block(ws: Worksheet, settings: Settings) -> None:
    """Fit everything that follows tbl_kpi's rows to its current size.

    The computed block's array formulas (their fitted range), the data validations, the
    number formats, the band colours and the print area all name the table's data rows;
    after rows are written or imported they are redone here. The month labels are written
    again too: they follow the year kind of the settings.
    """
    first, last = kpi_data_rows(ws)
    letters = computed_letters()
    col0 = layout.KPI_COMPUTED_FIRST_COL
    col_n = col0 + len(layout.KPI_COMPUTED_COLUMNS) - 1
    # Clear the previous block (it may have been longer): values, and the grey below the table.
    for row in ws.iter_rows(
        min_row=first, max_row=max(ws.max_row, last), min_col=col0, max_col=col_n
    ):
        for cell in row:
            cell.value = None
            if cell.row > last and cell.has_style:
                cell.fill = PatternFill()
    write_computed_headers(
        ws,
        label_row=layout.ENTRY_LABEL_ROW,
        header_row=layout.ENTRY_HEADER_ROW,
        first_col=col0,
        labels_th={n: COMPUTED_LABELS_TH[n] for n in layout.KPI_COMPUTED_COLUMNS},
    )
    for name, ref in computed_names(ws.title).items():
        ws.parent.defined_names[name] = DefinedName(name, attr_text=ref)
    formats = row_number_formats(ws, first, last)
    # Thousands of computed cells share a few looks (grey, and a number format): each look
    # is set once through openpyxl's style API and its record copied to the other cells.
    looks: dict[str, object] = {}
    for j, (name, formula) in enumerate(kpi_formulas().items()):
        letter = letters[name]
        ws[f"{letter}{first}"] = ArrayFormula(f"{letter}{first}:{letter}{last}", formula)
        for r in range(first, last + 1):
            cell = ws.cell(row=r, column=col0 + j)
            if name in ("achievement", "project_avg"):
                fmt = DECIMAL_FORMAT
            elif name in ("plan_total", "result_total", "plan_now", "result_now"):
                fmt = formats[r - first]
            else:
                fmt = "General"
            if fmt not in looks:
                cell.fill, cell.number_format = COMPUTED_FILL, fmt
                looks[fmt] = copy(cell._style)
            cell._style = copy(looks[fmt])
    _format_typed_numbers(ws, first, formats)
    _fit_row_heights(ws, first, last)
    relabel_entry_sheet(ws, settings)
    _kpi_validations(ws, first, last)
    _hide_key_row(ws)
    # The band and status columns hold codes ("green", "not_due"): what the formulas return
    # and the readers read. They show (and print) the Thai word, bands on their colour.
    ws.conditional_formatting = ConditionalFormattingList()
    for name in ("band", "project_band"):
        letter = letters[name]
        ref = f"{letter}{first}:{letter}{last}"
        add_band_formatting(ws, ref, settings.colours, shown=BAND_TH)
    status = letters["status"]
    show_codes(ws, f"{status}{first}:{status}{last}", STATUS_TH)
    k = kpi_letters()
    ws.print_area = f"A1:{k[RESULT_Q[-1]]}{last}"
    ws.print_title_rows = f"{layout.ENTRY_LABEL_ROW}:{layout.ENTRY_HEADER_ROW}"


def _hide_key_row(ws: Worksheet) -> None:
    """The English keys under the Thai labels (tbl_kpi's header, the computed block's keys)
    are for the tools: they stay in the cells, but show and print as nothing (the table's
    filter buttons stay)."""
    last = layout.KPI_COMPUTED_FIRST_COL + len(layout.KPI_COMPUTED_COLUMNS) - 1
    for cell in ws[layout.ENTRY_HEADER_ROW][:last]:
        if cell.value is not None and cell.number_format != HIDDEN_FORMAT:
            cell.number_format = HIDDEN_FORMAT


def row_number_formats(ws: Worksheet, first: int, last: int) -> list[str]:
    """Per row: two decimals for a ร้อยละ/ระดับ/คะแนน indicator or one typed with decimals,
    thousands separators and no decimals for a count (1,488 คน)."""
    k = {c: column_index_from_string(letter) for c, letter in kpi_letters().items()}
    numbers = [k[c] for c in (*PLAN_Q, *RESULT_Q, *layout.MONTH_PAIRS)]
    out = []
    for r in range(first, last + 1):
        unit = str(ws.cell(row=r, column=k["count_unit"]).value or "").strip()
        values = [ws.cell(row=r, column=c).value for c in numbers]
        fraction = any(isinstance(v, float) and not v.is_integer() for v in values)
        level = any(unit.startswith(u) for u in LATEST_VALUE_UNITS)
        out.append(DECIMAL_FORMAT if level or fraction else COUNT_FORMAT)
    return out


def _format_typed_numbers(ws: Worksheet, first: int, formats: list[str]) -> None:
    """Number formats and wrapping of the typed cells, set only where they differ (a
    rebuild finds them set by the import: setting a style in openpyxl is slow)."""
    k = {c: column_index_from_string(letter) for c, letter in kpi_letters().items()}
    numbers = [k[c] for c in (*PLAN_Q, *RESULT_Q, *layout.MONTH_PAIRS, "target")]
    wrapped = [k[c] for c in (*WRAPPED_WIDTHS, "unit", "fund")]
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, fmt in enumerate(formats):
        r = first + i
        keys = ((k[c], f) for c, f in KEY_FORMATS.items())  # Excel keeps a typed 1.10, 01
        for c, want in [*((c, fmt) for c in numbers), (k["budget"], DECIMAL_FORMAT),
                        (k["weight"], "0.##"), *keys]:  # fmt: skip
            cell = ws.cell(row=r, column=c)
            if cell.number_format != want:
                cell.number_format = want
        for c in wrapped:
            cell = ws.cell(row=r, column=c)
            if not cell.alignment.wrap_text:
                cell.alignment = wrap


def _fit_row_heights(ws: Worksheet, first: int, last: int) -> None:
    """Rows whose names wrap get the height their lines need (neither Excel, for a file it
    did not save, nor LibreOffice grows a row by itself); a row a planner made taller stays."""
    k = kpi_letters()
    columns = [(column_index_from_string(k[c]), w) for c, w in WRAPPED_WIDTHS.items()]
    for r in range(first, last + 1):
        lines = 1
        for c, width in columns:
            value = ws.cell(row=r, column=c).value
            if isinstance(value, str) and value:
                chars = max(width * 1.05 - 1, 1)
                need = sum(max(1, -(-display_width(p) // int(chars))) for p in value.split("\n"))
                lines = max(lines, need)
        if lines > 1:
            height = lines * 15.0 + 2
            current = ws.row_dimensions[r].height
            if current is None or current < height:
                ws.row_dimensions[r].height = height


def relabel_entry_sheet(ws: Worksheet, settings: Settings) -> None:
    """The Thai label row of tbl_kpi from the settings: month names follow the year kind."""
    labels = kpi_labels_th(settings)
    for j, column in enumerate(layout.KPI_TABLE_COLUMNS):
        cell = ws.cell(row=layout.ENTRY_LABEL_ROW, column=1 + j)
        set_text_cell(cell, labels[column])
        cell.font = LABEL_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        if column in layout.MONTH_PAIRS:
            month = int(column.rsplit("m", 1)[1])
            rgb = QUARTER_FILLS[(month - 1) // 3]
            cell.fill = PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)


def _guard(first: int, last: int) -> tuple[DataValidation, str]:
    """Typing into a computed cell is refused (a custom rule that is never true): unlike
    sheet protection, this leaves the table free to grow."""
    letters = computed_letters()
    a, b = letters[layout.KPI_COMPUTED_COLUMNS[0]], letters[layout.KPI_COMPUTED_COLUMNS[-1]]
    rule = add_validation("custom", formula1="FALSE", error=GUARD_MESSAGE)
    # Well below the table: a spilled answer over rows added in Excel is guarded too.
    return rule, f"{a}{first}:{b}{max(last, first) + GUARDED_SPARE_ROWS}"


GUARDED_SPARE_ROWS = 1000


def _kpi_validations(ws: Worksheet, first: int, last: int) -> None:
    """Dropdowns for the word columns (Thai words; the English codes still read),
    non-negative numbers for weights, plans and results, and the computed block guarded."""
    ws.data_validations.dataValidation = []
    k = kpi_letters()

    def cols(*names: str) -> str:
        return " ".join(f"{k[n]}{first}:{k[n]}{last}" for n in names)

    directions = tuple(DIRECTION_TH.values())
    aggregations = tuple(AGGREGATION_TH.values())
    specs = [
        (
            add_validation(
                "list",
                formula1=list_formula(KINDS),
                prompt="ประเภท: " + " / ".join(KINDS),
                error="ประเภทควรเป็น " + " / ".join(KINDS),
                style="warning",
            ),
            cols("kind"),
        ),
        (
            add_validation(
                "list",
                formula1=list_formula(directions),
                prompt="ยิ่งมากยิ่งดี (higher) หรือ ยิ่งน้อยยิ่งดี (lower); ว่าง = ยิ่งมากยิ่งดี",
                error="เลือก " + " หรือ ".join(directions) + " (higher/lower ก็ได้) / "
                "choose from the list",
                style="warning",  # higher/lower typed by hand still read
            ),
            cols("direction"),
        ),
        (
            add_validation(
                "list",
                formula1=list_formula(aggregations),
                prompt="รวมรายเดือน: รวม (sum) ค่าล่าสุด (last) ค่าเฉลี่ย (average) "
                "ค่าสูงสุด (max); ว่าง = ตามหน่วยนับ",
                error="เลือก " + " / ".join(aggregations) + " (sum/last/average/max ก็ได้) / "
                "choose from the list",
                style="warning",
            ),
            cols("aggregation"),
        ),
        (
            add_validation(
                "decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                error="ต้องเป็นตัวเลขไม่ติดลบ (ไม่ต้องพิมพ์หน่วย) / a number, not negative (no unit)",
            ),
            cols("budget", "target", "weight", *PLAN_Q, *RESULT_Q, *PLAN_M, *RESULT_M),
        ),
        (
            add_validation(
                "list",
                formula1=list_formula(STATUS_CHOICES),
                prompt="สถานะแผน: ว่าง/ดำเนินการ, ยกเลิกในไตรมาส 1-4 (ตัวชี้วัด), ยกเลิกแผนงาน (ทั้งโครงการ)",
                error="เลือกจากรายการ / choose from the list",
            ),
            cols("plan_status"),
        ),
        (
            add_validation(
                "decimal",
                operator="greaterThanOrEqual",
                formula1="100",
                prompt="เพดานผลสำเร็จ (ร้อยละ) ว่าง = ใช้ค่าในชีตตั้งค่า / cap, blank = setting",
                error="เพดานต้องไม่ต่ำกว่า 100 / a cap is at least 100",
            ),
            cols("cap"),
        ),
        _guard(first, last),
    ]
    for dv, sqref in specs:
        ws.add_data_validation(dv)
        dv.sqref = openpyxl.worksheet.cell_range.MultiCellRange(sqref)


def write_legend(ws: Worksheet) -> None:
    """Row 1, right of the title: what a white and a grey cell mean."""
    col = column_index_from_string(kpi_letters()["kpi_name"]) + 1
    typed = ws.cell(row=1, column=col)
    set_text_cell(typed, "กรอก / typed")
    typed.fill, typed.border = INPUT_FILL, BOX_BORDER
    computed = ws.cell(row=1, column=col + 1)
    set_text_cell(computed, "คำนวณ ห้ามพิมพ์ / computed")
    computed.fill, computed.border = COMPUTED_FILL, BOX_BORDER
    for cell in (typed, computed):
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_entry_sheet(ws: Worksheet, frame: pd.DataFrame, settings: Settings) -> None:
    """The planner's sheet: tbl_kpi under a Thai label row, the computed block right of it."""
    sheet_title(
        ws,
        "แผน-ผล การดำเนินงานตามตัวชี้วัด / plans and results per indicator",
        "กรอกแผนและผลในช่องสีขาว: รายไตรมาสแบบสะสม หรือรายเดือน (แผน/ผล คู่กันทุกเดือน) "
        "คอลัมน์สีเทาทางขวาคำนวณโดย Python (SSO_...) ห้ามพิมพ์ทับ / type in the white cells; "
        "the grey block on the right is computed",
    )
    write_frame_table(
        ws,
        frame,
        name=layout.TABLE_KPI,
        top=layout.ENTRY_LABEL_ROW,
        labels_th=kpi_labels_th(settings),
    )
    for j in range(len(layout.KPI_TABLE_COLUMNS)):
        ws.cell(row=layout.ENTRY_HEADER_ROW, column=1 + j).font = KEY_FONT
    write_legend(ws)
    fit_kpi_block(ws, settings)
    k = kpi_letters()
    # Ids and names stay on screen while the plan and result columns scroll.
    ws.freeze_panes = f"{get_column_letter(len(layout.KPI_FROZEN_COLUMNS) + 1)}" + str(
        layout.ENTRY_FIRST_DATA_ROW
    )
    widths = {letter: 11.0 for letter in k.values()}
    widths |= {k[c]: w for c, w in WRAPPED_WIDTHS.items()}
    widths |= {k["project_id"]: 11, k["kpi_number"]: 8, k["unit"]: 16, k["fund"]: 16}
    widths |= {k["budget"]: 15, k["direction"]: 13, k["aggregation"]: 12}
    widths |= dict.fromkeys(computed_letters().values(), 13.0)
    widths[computed_letters()["status"]] = 16.0  # its longest word: ยังไม่ถึงกำหนด
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    ws.row_dimensions[layout.ENTRY_LABEL_ROW].height = 48
    ws.row_dimensions[1].height = 30
    print_setup(ws, landscape=True, last_col=layout.KPI_TABLE_COLUMNS.index(RESULT_Q[-1]) + 1)


def _header_columns(ws: Worksheet) -> dict[str, int]:
    """tbl_kpi column name → sheet column, read from the header row (columns may be moved)."""
    min_col, header, max_col, _ = range_boundaries(ws.tables[layout.TABLE_KPI].ref)
    return {
        str(ws.cell(row=header, column=c).value): c
        for c in range(min_col, max_col + 1)
        if ws.cell(row=header, column=c).value is not None
    }


def _row_is_empty(ws: Worksheet, row: int, columns: list[int]) -> bool:
    return all(ws.cell(row=row, column=c).value in (None, "") for c in columns)


def write_rows(ws: Worksheet, frame: pd.DataFrame, start: int) -> None:
    """Write ``frame`` (tbl_kpi columns) from sheet row ``start``; text stays text."""
    where = _header_columns(ws)
    values = frame.to_numpy(dtype=object)
    for i in range(len(frame)):
        for j, column in enumerate(frame.columns):
            if column in where:
                cell = ws.cell(row=start + i, column=where[column])
                set_text_cell(cell, cell_value(values[i, j]))


def resize_table(ws: Worksheet, last_row: int) -> None:
    """Set tbl_kpi's range (and its filter range, or Excel "repairs" the file) to ``last_row``."""
    table = ws.tables[layout.TABLE_KPI]
    min_col, header, max_col, _ = range_boundaries(table.ref)
    ref = f"{get_column_letter(min_col)}{header}:{get_column_letter(max_col)}{last_row}"
    table.ref = ref
    if table.autoFilter is not None:
        table.autoFilter.ref = ref


def refuse_occupied(ws: Worksheet, rows: range, columns: list[int], book: Path) -> None:
    """Never write over cells a planner typed below the table."""
    for r in rows:
        if not _row_is_empty(ws, r, columns):
            raise SsoError(
                f"มีข้อมูลอยู่ใต้ตาราง tbl_kpi (แถว {r}) ซึ่งจะถูกเขียนทับ: ย้ายข้อมูลนั้นออกก่อน",
                f"there are cells below tbl_kpi (row {r}) that the new rows would overwrite: "
                "move them first",
                where=f"{book} [{layout.SHEET_ENTRY}]",
            )
