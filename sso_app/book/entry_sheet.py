"""The แผน-ผล sheet: ``tbl_kpi`` (typed) and the computed block of UDF formulas beside it."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book import layout
from sso_app.book.settings import Settings
from sso_app.book.sheets import (
    add_band_formatting,
    add_validation,
    cell_value,
    list_formula,
    print_setup,
    sheet_title,
    write_computed_headers,
    write_frame_table,
)
from sso_app.files.textsafe import set_text_cell
from sso_kpi.errors import SsoError
from sso_kpi.importing import COLUMN_TH, Imported
from sso_kpi.periods import month_labels
from sso_kpi.plan_status import STATUS_CHOICES
from sso_kpi.schema import (
    AGGREGATIONS,
    DIRECTIONS,
    KEY_COLUMNS,
    KINDS,
    NUMBER_COLUMNS,
    PLAN_M,
    PLAN_Q,
    RESULT_M,
    RESULT_Q,
)

COMPUTED_LABELS_TH = {
    "plan_now": "แผนสะสมถึงไตรมาส",
    "result_now": "ผลสะสมถึงไตรมาส",
    "achievement": "ผลสำเร็จ (ร้อยละ)",
    "status": "สถานะ",
    "band": "แถบสีตัวชี้วัด",
    "project_avg": "ค่าเฉลี่ยงาน/โครงการ (ร้อยละ)",
    "project_band": "แถบสีงาน/โครงการ",
}


# Key columns are Text ("@"): a number typed there stays as typed (1.10, not 1.1).
KEY_FORMATS = {c: "@" for c in KEY_COLUMNS if c in layout.KPI_TABLE_COLUMNS}


def kpi_table_frame(imported: Imported) -> pd.DataFrame:
    """The rows as they go into tbl_kpi: the layout's columns, text as text, numbers as floats."""
    frame = imported.frame.reindex(columns=list(layout.KPI_TABLE_COLUMNS))
    for column in layout.KPI_TABLE_COLUMNS:
        if column in NUMBER_COLUMNS:
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.reset_index(drop=True)


def kpi_labels_th(settings: Settings) -> dict[str, str]:
    """Thai label per tbl_kpi column; month columns named by the year's own month order."""
    labels = {c: COLUMN_TH.get(c, c) for c in layout.KPI_TABLE_COLUMNS}
    labels |= {"direction": "ทิศทาง (higher/lower)", "aggregation": "การรวมค่ารายเดือน"}
    months = month_labels(settings.year_kind)
    for i, (p, r) in enumerate(zip(PLAN_M, RESULT_M, strict=True)):
        labels[p] = f"แผน เดือนที่ {i + 1} ({months[i]})"
        labels[r] = f"ผล เดือนที่ {i + 1} ({months[i]})"
    return labels


def kpi_letters() -> dict[str, str]:
    return {c: get_column_letter(i + 1) for i, c in enumerate(layout.KPI_TABLE_COLUMNS)}


def computed_letters() -> dict[str, str]:
    first = layout.KPI_COMPUTED_FIRST_COL
    return {c: get_column_letter(first + i) for i, c in enumerate(layout.KPI_COMPUTED_COLUMNS)}


def kpi_formulas(first: int, last: int) -> dict[str, str]:
    """One UDF call per computed column, over plain absolute ranges of tbl_kpi's data rows.

    Plain A1 ranges, not structured references: legacy array formulas are stored as written,
    and openpyxl, LibreOffice and every Excel version read ``$O$5:$R$100`` the same way.
    """
    k, c = kpi_letters(), computed_letters()

    def rng(a: str, b: str | None = None) -> str:
        return f"${a}${first}:${b or a}${last}"

    cancel = f"{rng(k['plan_status'])},{rng(k['project_id'])},cfg_quarter"  # ยกเลิก... marks

    return {
        "plan_now": f"=SSO_PERIOD({rng(k[PLAN_Q[0]], k[PLAN_Q[-1]])},"
        f"{rng(k[PLAN_M[0]], k[PLAN_M[-1]])},{rng(k['aggregation'])},cfg_quarter)",
        "result_now": f"=SSO_PERIOD({rng(k[RESULT_Q[0]], k[RESULT_Q[-1]])},"
        f"{rng(k[RESULT_M[0]], k[RESULT_M[-1]])},{rng(k['aggregation'])},cfg_quarter)",
        "achievement": f"=SSO_ACHIEVEMENT({rng(c['plan_now'])},{rng(c['result_now'])},"
        f"{rng(k['direction'])},{rng(k['cap'])},cfg_cap,{cancel})",
        "status": f"=SSO_STATUS({rng(c['plan_now'])},{rng(c['result_now'])},{rng(k['direction'])},"
        f"{cancel})",
        "band": f"=SSO_BAND({rng(c['achievement'])},cfg_green_at,cfg_yellow_at)",
        "project_avg": f"=SSO_PROJECT_AVG({rng(k['project_id'])},{rng(c['achievement'])},"
        f"{rng(k['weight'])})",
        "project_band": f"=SSO_BAND({rng(c['project_avg'])},cfg_green_at,cfg_yellow_at)",
    }


def kpi_data_rows(ws: Worksheet) -> tuple[int, int]:
    """(first, last) data row of tbl_kpi on the entry sheet."""
    _, header, _, last = range_boundaries(ws.tables[layout.TABLE_KPI].ref)
    return header + 1, last


def fit_kpi_block(ws: Worksheet, settings: Settings) -> None:
    """Fit everything that follows tbl_kpi's rows to its current size.

    The computed block's array formulas, the data validations, the band colours and the print
    area all name the table's data rows; after rows are written or imported they are redone
    here (a legacy array formula cannot grow by itself).
    """
    first, last = kpi_data_rows(ws)
    letters = computed_letters()
    col0 = layout.KPI_COMPUTED_FIRST_COL
    # Clear the previous block (it may have been longer).
    for row in ws.iter_rows(
        min_row=first, max_row=max(ws.max_row, last), min_col=col0, max_col=col0 + 6
    ):
        for cell in row:
            cell.value = None
    write_computed_headers(
        ws,
        label_row=layout.ENTRY_LABEL_ROW,
        header_row=layout.ENTRY_HEADER_ROW,
        first_col=col0,
        labels_th={n: COMPUTED_LABELS_TH[n] for n in layout.KPI_COMPUTED_COLUMNS},
    )
    for name, formula in kpi_formulas(first, last).items():
        letter = letters[name]
        ws[f"{letter}{first}"] = ArrayFormula(f"{letter}{first}:{letter}{last}", formula)
        fmt = "0.00" if name in ("achievement", "project_avg") else "General"
        for r in range(first, last + 1):
            ws[f"{letter}{r}"].number_format = fmt
    _kpi_validations(ws, first, last)
    ws.conditional_formatting = ConditionalFormattingList()
    for name in ("band", "project_band"):
        letter = letters[name]
        add_band_formatting(ws, f"{letter}{first}:{letter}{last}", settings.colours)
    k = kpi_letters()
    ws.print_area = f"A1:{k[RESULT_Q[-1]]}{last}"
    ws.print_title_rows = f"{layout.ENTRY_LABEL_ROW}:{layout.ENTRY_HEADER_ROW}"


def _kpi_validations(ws: Worksheet, first: int, last: int) -> None:
    """Dropdowns for the word columns, non-negative numbers for weights, plans and results."""
    ws.data_validations.dataValidation = []
    k = kpi_letters()

    def cols(*names: str) -> str:
        return " ".join(f"{k[n]}{first}:{k[n]}{last}" for n in names)

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
                formula1=list_formula(DIRECTIONS),
                prompt="higher = ยิ่งมากยิ่งดี, lower = ยิ่งน้อยยิ่งดี",
                error="เลือก higher หรือ lower / choose higher or lower",
            ),
            cols("direction"),
        ),
        (
            add_validation(
                "list",
                formula1=list_formula(AGGREGATIONS),
                prompt="รวมรายเดือน: sum = ผลรวม, last = ค่าล่าสุด, average = ค่าเฉลี่ย, max = ค่าสูงสุด",
                error="เลือก sum, last, average หรือ max / choose sum, last, average or max",
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
    ]
    for dv, sqref in specs:
        ws.add_data_validation(dv)
        dv.sqref = openpyxl.worksheet.cell_range.MultiCellRange(sqref)


def write_entry_sheet(ws: Worksheet, frame: pd.DataFrame, settings: Settings) -> None:
    """The planner's sheet: tbl_kpi under a Thai label row, the computed block right of it."""
    sheet_title(
        ws,
        "แผน-ผล การดำเนินงานตามตัวชี้วัด / plans and results per indicator",
        "กรอกแผน (แผน) และผล (ผล) รายไตรมาสแบบสะสม หรือรายเดือน ในตาราง tbl_kpi; "
        "คอลัมน์สีเทาทางขวาคำนวณโดย Python (SSO_...) ห้ามพิมพ์ทับ / "
        "type cumulative quarterly or monthly figures; the grey block on the right is computed",
    )
    numbers = dict.fromkeys((c for c in layout.KPI_TABLE_COLUMNS if c in NUMBER_COLUMNS), "General")
    numbers["budget"] = "#,##0"
    numbers |= KEY_FORMATS  # Excel keeps a typed 1.10 and 01 as typed
    write_frame_table(
        ws,
        frame,
        name=layout.TABLE_KPI,
        top=layout.ENTRY_LABEL_ROW,
        labels_th=kpi_labels_th(settings),
        number_formats=numbers,
    )
    fit_kpi_block(ws, settings)
    ws.freeze_panes = f"A{layout.ENTRY_FIRST_DATA_ROW}"
    k = kpi_letters()
    widths = {letter: 11.0 for letter in k.values()}
    widths |= {k["project_name"]: 40, k["kpi_name"]: 45, k["unit"]: 18, k["fund"]: 18}
    widths |= dict.fromkeys(computed_letters().values(), 13.0)
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    ws.row_dimensions[layout.ENTRY_LABEL_ROW].height = 45
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
                if column == "budget":
                    cell.number_format = "#,##0"
                elif column in KEY_FORMATS:
                    cell.number_format = KEY_FORMATS[column]


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
