"""`sso-kpi build-workbook`: write SSO_Plan.xlsm from source, reproducibly.

The book is generated, never edited by hand: the sheets, tables, validations, formulas and the
ribbon all come from this file and :mod:`sso_app.layout`, so a change is a code review and
``workbook/SSO_Plan.xlsm`` is rebuilt (a test fails when the shipped book is out of date).
Building twice gives identical bytes: fixed document timestamps and zip member dates.

Sheets (names from ``layout``): คำแนะนำ (instructions), ตั้งค่า (tbl_settings + cfg_* names),
แผน-ผล (tbl_kpi, the computed block right of it), งบประมาณ (tbl_budget), สรุปรายไตรมาส (the
summary, written by the rebuild's own code), คะแนน ก.พ.ร. (the OPDC card), and xlwings' hidden
config sheet.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from sso_kpi.errors import SsoError
from sso_kpi.evaluation import evaluate
from sso_kpi.importing import COLUMN_TH, Imported, Source, read_table
from sso_kpi.opdc import score_card
from sso_kpi.periods import month_labels
from sso_kpi.schema import (
    AGGREGATIONS,
    DIRECTIONS,
    KINDS,
    NUMBER_COLUMNS,
    PLAN_M,
    PLAN_Q,
    RESULT_M,
    RESULT_Q,
)
from sso_kpi.scoring import BAND_MEANING_TH, BAND_TH, BANDS

from . import layout, template
from .rebuild import (
    TITLE_FONT,
    _activate,
    _print_setup,
    engine_score_by_row,
    opdc_rows,
    save_macro_book,
    verify_macro_book,
    write_card,
    write_summary_sheet,
)
from .safe_io import atomic_write, set_text_cell
from .sheets import (
    COMPUTED_FILL,
    LABEL_FONT,
    add_band_formatting,
    autosize,
    fit_wrapped_rows,
    write_computed_headers,
    write_frame_table,
)
from .summary import (
    Settings,
    card_components,
    scorecard_frames,
    settings_rows,
    summary_frames,
)

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden"
DEMO_KPIS = GOLDEN / "sso_2564_q3_strategy1.csv"
DEMO_OPDC = GOLDEN / "opdc_2566.csv"

# Reproducible builds: the same source gives the same bytes.
BUILD_TIME = dt.datetime(2021, 10, 1, 0, 0, 0)  # FY2565 starts: a date inside the demo data
ZIP_TIME = (2021, 10, 1, 0, 0, 0)
CREATOR = "sso-kpi (สำนักงานประกันสังคม)"

DEMO_SETTINGS = Settings(unit="สำนักงานประกันสังคม", year_be=2564, year_kind="calendar", quarter=3)
DEMO_BUDGET = {  # unit report 2563 (สุโขทัย): plan and spend per budget category
    "งบบุคลากร": (0.0, 0.0),
    "งบดำเนินงาน": (3834900.00, 3445278.96),
    "งบลงทุน": (110000.00, 87290.00),
    "งบเงินอุดหนุน": (0.0, 0.0),
    "งบรายจ่ายอื่น": (0.0, 0.0),
}
XLWINGS_CONF = {"UDF Modules": "udfs"}  # no interpreter pinned: "python" on the PATH

COMPUTED_LABELS_TH = {
    "plan_now": "แผนสะสมถึงไตรมาส",
    "result_now": "ผลสะสมถึงไตรมาส",
    "achievement": "ผลสำเร็จ (ร้อยละ)",
    "status": "สถานะ",
    "band": "แถบสีตัวชี้วัด",
    "project_avg": "ค่าเฉลี่ยงาน/โครงการ (ร้อยละ)",
    "project_band": "แถบสีงาน/โครงการ",
}
OPDC_LABELS_TH = {c: COLUMN_TH.get(c, c) for c in layout.OPDC_TABLE_COLUMNS} | {
    "kpi_name": "ประเด็นการประเมิน",
    "component": "องค์ประกอบ",
}


# --------------------------------------------------------------------------------------------
# Demo data
# --------------------------------------------------------------------------------------------


def _raw_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def demo_kpis() -> Imported:
    """The FY2564 Q3 strategy-1 action plan, typed by the engine's own import.

    Through ``read_table`` so every row carries the resolved direction and aggregation the
    engine would use (a planner sees the rule, not a hidden default).
    """
    return read_table(_raw_csv(DEMO_KPIS), Source(file=DEMO_KPIS.name), form="kpi")


def demo_opdc() -> Imported:
    return read_table(_raw_csv(DEMO_OPDC), Source(file=DEMO_OPDC.name), form="opdc")


def empty_imported(form: str) -> Imported:
    columns = layout.KPI_TABLE_COLUMNS if form == "kpi" else layout.OPDC_TABLE_COLUMNS
    return read_table(pd.DataFrame(columns=list(columns)), Source(), form=form)  # type: ignore[arg-type]


def kpi_table_frame(imported: Imported) -> pd.DataFrame:
    """The rows as they go into tbl_kpi: the layout's columns, text as text, numbers as floats."""
    frame = imported.frame.reindex(columns=list(layout.KPI_TABLE_COLUMNS))
    for column in layout.KPI_TABLE_COLUMNS:
        if column in NUMBER_COLUMNS:
            frame[column] = frame[column].astype("float64")
        else:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.reset_index(drop=True)


def opdc_table_frame(imported: Imported) -> pd.DataFrame:
    frame = imported.frame.reindex(columns=list(layout.OPDC_TABLE_COLUMNS))
    for column in ("component", "kpi_number", "kpi_name", "count_unit"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.reset_index(drop=True)


def budget_frame(demo: bool) -> pd.DataFrame:
    rows = [
        (c, *(DEMO_BUDGET.get(c, (np.nan, np.nan)) if demo else (np.nan, np.nan)))
        for c in layout.BUDGET_CATEGORIES
    ]
    frame = pd.DataFrame(rows, columns=list(layout.BUDGET_TABLE_COLUMNS))
    frame["category"] = frame["category"].astype(object)
    return frame


# --------------------------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------------------------


def _title(ws: Worksheet, text: str, hint: str = "") -> None:
    set_text_cell(ws["A1"], text)
    ws["A1"].font = TITLE_FONT
    if hint:
        set_text_cell(ws["A2"], hint)
        ws["A2"].font = Font(italic=True, color="595959")


def _validation(
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


def _list(values: Sequence[str]) -> str:
    return '"' + ",".join(values) + '"'


def write_settings_sheet(wb: Workbook, ws: Worksheet, settings: Settings) -> None:
    """tbl_settings (key, value, คำอธิบาย) and a defined name ``cfg_<key>`` per value cell."""
    _title(
        ws,
        "ตั้งค่า / Settings",
        "แก้เฉพาะคอลัมน์ value (B) / edit only column B (value); key ห้ามแก้ / do not edit keys",
    )
    rows = settings_rows(settings)
    frame = pd.DataFrame(rows, columns=["key", "value", "คำอธิบาย"], dtype=object)
    frame["value"] = [None if v in ("", None) else v for v in frame["value"]]
    header = layout.SETTINGS_HEADER_ROW
    write_frame_table(ws, frame, name=layout.TABLE_SETTINGS, top=header, style="TableStyleLight9")
    where = {}
    for i, setting in enumerate(layout.SETTINGS):
        row = header + 1 + i
        where[setting.key] = row
        name = layout.defined_name(setting.key)
        ref = f"{quote_sheetname(ws.title)}!$B${row}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        ws.cell(row=row, column=2).alignment = Alignment(horizontal="left")

    def add(dv: DataValidation, key: str) -> None:
        ws.add_data_validation(dv)
        dv.add(f"B{where[key]}")

    add(
        _validation(
            "list",
            formula1=_list(("calendar", "fiscal")),
            prompt="calendar = ปีปฏิทิน (ม.ค.-ธ.ค.), fiscal = ปีงบประมาณ (ต.ค.-ก.ย.)",
            error="เลือก calendar หรือ fiscal / choose calendar or fiscal",
        ),
        "year_kind",
    )
    add(
        _validation(
            "whole",
            operator="between",
            formula1="1",
            formula2="4",
            prompt="ไตรมาสที่จะสรุป 1-4 / quarter to summarise, 1-4",
            error="ไตรมาสต้องเป็น 1-4 / quarter must be 1-4",
        ),
        "quarter",
    )
    add(
        _validation(
            "whole",
            operator="between",
            formula1="2400",
            formula2="2700",
            prompt="ปี พ.ศ. เช่น 2564 / Buddhist-era year, e.g. 2564",
            error="ปี พ.ศ. 4 หลัก เช่น 2564 / a Buddhist-era year such as 2564",
        ),
        "year_be",
    )
    for key in ("green_at", "yellow_at"):
        add(
            _validation(
                "decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                error="ต้องเป็นตัวเลขไม่ติดลบ / a number, not negative",
            ),
            key,
        )
    add(
        _validation(
            "decimal",
            operator="greaterThanOrEqual",
            formula1="100",
            prompt="ว่าง = ไม่จำกัด / blank = no cap",
            error="เพดานต้องไม่ต่ำกว่า 100 / a cap is at least 100",
        ),
        "cap",
    )
    set_text_cell(ws.cell(row=where["schema_version"], column=2), str(settings.schema_version))
    autosize(ws, {"A": 16, "B": 30, "C": 60}, skip_rows={1, 2})
    ws.freeze_panes = f"A{header + 1}"
    ws.print_area = f"A1:C{header + len(layout.SETTINGS)}"
    _print_setup(ws, landscape=False, last_col=3)


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

    return {
        "plan_now": f"=SSO_PERIOD({rng(k[PLAN_Q[0]], k[PLAN_Q[-1]])},"
        f"{rng(k[PLAN_M[0]], k[PLAN_M[-1]])},{rng(k['aggregation'])},cfg_quarter)",
        "result_now": f"=SSO_PERIOD({rng(k[RESULT_Q[0]], k[RESULT_Q[-1]])},"
        f"{rng(k[RESULT_M[0]], k[RESULT_M[-1]])},{rng(k['aggregation'])},cfg_quarter)",
        "achievement": f"=SSO_ACHIEVEMENT({rng(c['plan_now'])},{rng(c['result_now'])},"
        f"{rng(k['direction'])},{rng(k['cap'])},cfg_cap)",
        "status": f"=SSO_STATUS({rng(c['plan_now'])},{rng(c['result_now'])},{rng(k['direction'])})",
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
            _validation(
                "list",
                formula1=_list(KINDS),
                prompt="ประเภท: " + " / ".join(KINDS),
                error="ประเภทควรเป็น " + " / ".join(KINDS),
                style="warning",
            ),
            cols("kind"),
        ),
        (
            _validation(
                "list",
                formula1=_list(DIRECTIONS),
                prompt="higher = ยิ่งมากยิ่งดี, lower = ยิ่งน้อยยิ่งดี",
                error="เลือก higher หรือ lower / choose higher or lower",
            ),
            cols("direction"),
        ),
        (
            _validation(
                "list",
                formula1=_list(AGGREGATIONS),
                prompt="รวมรายเดือน: sum = ผลรวม, last = ค่าล่าสุด, average = ค่าเฉลี่ย, max = ค่าสูงสุด",
                error="เลือก sum, last, average หรือ max / choose sum, last, average or max",
            ),
            cols("aggregation"),
        ),
        (
            _validation(
                "decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                error="ต้องเป็นตัวเลขไม่ติดลบ (ไม่ต้องพิมพ์หน่วย) / a number, not negative (no unit)",
            ),
            cols("budget", "target", "weight", *PLAN_Q, *RESULT_Q, *PLAN_M, *RESULT_M),
        ),
        (
            _validation(
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
    _title(
        ws,
        "แผน-ผล การดำเนินงานตามตัวชี้วัด / plans and results per indicator",
        "กรอกแผน (แผน) และผล (ผล) รายไตรมาสแบบสะสม หรือรายเดือน ในตาราง tbl_kpi; "
        "คอลัมน์สีเทาทางขวาคำนวณโดย Python (SSO_...) ห้ามพิมพ์ทับ / "
        "type cumulative quarterly or monthly figures; the grey block on the right is computed",
    )
    numbers = dict.fromkeys((c for c in layout.KPI_TABLE_COLUMNS if c in NUMBER_COLUMNS), "General")
    numbers["budget"] = "#,##0"
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
    _print_setup(ws, landscape=True, last_col=layout.KPI_TABLE_COLUMNS.index(RESULT_Q[-1]) + 1)


def write_budget_sheet(ws: Worksheet, frame: pd.DataFrame) -> None:
    """tbl_budget (category, plan, spent), a native per cent column beside it and totals."""
    _title(ws, "งบประมาณ: แผนและผลการเบิกจ่าย / budget plan and spend (บาท / baht)")
    labels = {"category": "หมวดงบประมาณ", "plan": "แผน (บาท)", "spent": "ผลการเบิกจ่าย (บาท)"}
    ref = write_frame_table(
        ws,
        frame,
        name=layout.TABLE_BUDGET,
        top=layout.BUDGET_LABEL_ROW,
        labels_th=labels,
        number_formats={"plan": "#,##0.00", "spent": "#,##0.00"},
    )
    _, header, _, last = range_boundaries(ref)
    first = header + 1
    pct = "E"  # one blank column between the table and the computed per cent
    set_text_cell(ws[f"{pct}{layout.BUDGET_LABEL_ROW}"], "ร้อยละการเบิกจ่าย")
    ws[f"{pct}{layout.BUDGET_LABEL_ROW}"].font = LABEL_FONT
    set_text_cell(ws[f"{pct}{header}"], "pct")
    ws[f"{pct}{header}"].font = Font(bold=True)
    ws[f"{pct}{header}"].fill = COMPUTED_FILL
    for r in range(first, last + 1):
        ws[f"{pct}{r}"] = f'=IF(B{r}>0,C{r}/B{r}*100,"")'
        ws[f"{pct}{r}"].number_format = "0.00"
    total = last + 2
    set_text_cell(ws[f"A{total}"], "รวม")
    ws[f"B{total}"] = f"=SUM(B{first}:B{last})"
    ws[f"C{total}"] = f"=SUM(C{first}:C{last})"
    ws[f"{pct}{total}"] = f'=IF(B{total}>0,C{total}/B{total}*100,"")'
    for c, fmt in (("B", "#,##0.00"), ("C", "#,##0.00"), (pct, "0.00")):
        ws[f"{c}{total}"].number_format = fmt
    for c in ("A", "B", "C", pct):
        ws[f"{c}{total}"].font = Font(bold=True)
    dv = _validation(
        "decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        error="ต้องเป็นจำนวนเงินไม่ติดลบ / an amount, not negative",
    )
    ws.add_data_validation(dv)
    dv.add(f"B{first}:C{last}")
    autosize(ws, {"A": 22, "B": 18, "C": 22, "D": 3, "E": 18}, skip_rows={1})
    ws.print_area = f"A1:E{total}"
    _print_setup(ws, landscape=False, last_col=5)


def write_opdc_sheet(ws: Worksheet, imported: Imported, year_be: int | None, unit: str) -> None:
    """The OPDC card as the seed prints it: header box on top, tbl_opdc, computed columns."""
    _title(ws, "รายงานการประเมินส่วนราชการตามมาตรการปรับปรุงประสิทธิภาพในการปฏิบัติราชการ")
    year = f"ประจำปีงบประมาณ พ.ศ. {year_be}" if year_be else "ประจำปีงบประมาณ พ.ศ. ...."
    set_text_cell(ws["A2"], f"{year} {unit}".strip())
    ws["A2"].font = Font(bold=True, size=12)
    frame = opdc_table_frame(imported)
    write_frame_table(
        ws,
        frame,
        name=layout.TABLE_OPDC,
        top=layout.OPDC_LABEL_ROW,
        labels_th=OPDC_LABELS_TH,
        number_formats={"weight": "0.00"},
    )
    engine_card = score_card(imported.frame)
    card = scorecard_frames(engine_card)
    first = layout.OPDC_HEADER_ROW + 1
    write_card(
        ws,
        card,
        engine_score_by_row(engine_card, range(first, first + len(card.kpis))),
        card_components(imported.frame.get("component", pd.Series(dtype=object))),
    )
    autosize(ws, {"A": 18, "B": 12, "C": 60, "K": 14, "L": 14, "M": 16}, skip_rows={1, 2, 7})
    for r in range(layout.OPDC_HEADER_ROW + 1, ws.max_row + 1):
        ws[f"C{r}"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[layout.OPDC_LABEL_ROW].height = 30
    fit_wrapped_rows(ws, min_row=layout.OPDC_LABEL_ROW)
    last = layout.OPDC_COMPUTED_FIRST_COL + len(layout.OPDC_COMPUTED_COLUMNS) - 1
    ws.print_area = f"A1:{get_column_letter(last)}{opdc_rows(ws)[1]}"
    _print_setup(ws, landscape=True, last_col=last)


INSTRUCTIONS: tuple[tuple[str, str], ...] = (
    ("h1", "สมุดงานแผน-ผลตัวชี้วัด สำนักงานประกันสังคม / SSO KPI planning workbook"),
    ("p", "สมุดงานนี้คำนวณผลสำเร็จของตัวชี้วัด ค่าเฉลี่ยงาน/โครงการ แถบสี และสรุปรายไตรมาสเอง "
          "(ด้วย Python ผ่าน xlwings) / the book computes achievement, project averages, colour "
          "bands and the quarterly summary itself."),
    ("h2", "1. การกรอกข้อมูล / entering data"),
    ("p", "• ชีต ตั้งค่า: ปี พ.ศ. (เช่น 2564), ปีปฏิทิน (calendar) หรือปีงบประมาณ (fiscal), "
          "ไตรมาสที่จะสรุป (1-4), เกณฑ์สี และหน่วยงาน แก้เฉพาะคอลัมน์ value"),
    ("p", "• ชีต แผน-ผล: หนึ่งแถวต่อหนึ่งตัวชี้วัด ในตาราง tbl_kpi; กรอกแผนและผลแบบสะสมรายไตรมาส "
          "(plan_q1..q4, result_q1..q4) หรือรายเดือน (เดือนที่ 1-12 เรียงตามปีที่เลือก); "
          "ถ้ากรอกทั้งสองแบบ ใช้ค่ารายไตรมาส"),
    ("p", "• ตัวเลขให้พิมพ์เป็นตัวเลขล้วน ไม่ต้องพิมพ์หน่วย; ช่องที่ไม่มีค่าให้เว้นว่าง "
          "/ numbers only, no units; leave a cell blank when there is no value"),
    ("p", "• ยุทธศาสตร์ กลยุทธ์ ตัวชี้วัดที่ เก็บเป็นข้อความ (1.10 ไม่ใช่ 1.1) "
          "/ strategy, sub-strategy and indicator numbers are text"),
    ("p", "• ทิศทาง: higher = ยิ่งมากยิ่งดี, lower = ยิ่งน้อยยิ่งดี; การรวมรายเดือน: sum ผลรวม, "
          "last ค่าล่าสุด (ร้อยละ ระดับ คะแนน), average ค่าเฉลี่ย, max ค่าสูงสุด"),
    ("p", "• เพิ่มแถวใหม่ในตารางแล้ว ให้สั่ง sso-kpi import หรือขยายสูตรอาร์เรย์ทางขวาให้ครบทุกแถว "
          "/ after adding rows, re-import (sso-kpi import) so the computed block covers them"),
    ("p", "• ชีต งบประมาณ: แผนและผลการเบิกจ่ายตามหมวดงบ (บาท); ชีต คะแนน ก.พ.ร.: ตัวชี้วัด "
          "น้ำหนัก ค่าเป้าหมาย ขั้นต้น/มาตรฐาน/ขั้นสูง และผลการดำเนินงาน ในตาราง tbl_opdc"),
    ("h2", "2. ความหมายของสี / what the colours mean"),
    *(("band:" + b, f"{BAND_TH[b]} ({b}): {BAND_MEANING_TH[b]}") for b in BANDS),
    ("p", "สีของงาน/โครงการมาจากค่าเฉลี่ยถ่วงน้ำหนักของตัวชี้วัดที่ถึงกำหนด ปัดครึ่งขึ้น "
          "/ a project's band is from the weighted average of its due indicators, rounded half up"),
    ("h2", "3. การติดตั้ง / installation (ครั้งเดียว / once)"),
    ("p", "• ติดตั้ง Python 3.11+ แล้วติดตั้งโปรแกรม: pip install <โฟลเดอร์โครงการ sso-kpi> "
          "(ติดตั้ง xlwings 0.37.8 และโมดูล udfs ให้ด้วย) / pip install the sso-kpi project"),
    ("p", "• ไม่ต้องติดตั้ง xlwings add-in (ไม่ต้องสั่ง xlwings addin install): สมุดงานนี้มีโค้ด VBA "
          "ของ xlwings อยู่ในตัว / the xlwings add-in is NOT needed: the VBA is in this book"),
    ("p", "• เก็บไฟล์ชื่อ SSO_Plan.xlsm ไว้โฟลเดอร์เดียวกับ SSO_Plan.py ห้ามเปลี่ยนชื่อ "
          "เพราะปุ่มบนริบบอนสั่ง import SSO_Plan / keep the name SSO_Plan.xlsm next to "
          "SSO_Plan.py: the ribbon button runs import SSO_Plan"),
    ("p", "• เปิดใช้แมโคร (Enable Content) และใน File > Options > Trust Center > Trust Center "
          "Settings > Macro Settings เลือก Trust access to the VBA project object model"),
    ("p", "• นำเข้าฟังก์ชัน: กด Alt+F8 เลือก ImportPythonUDFs แล้วกด Run จากนั้นกด Ctrl+Alt+F9 "
          "ให้คำนวณใหม่ทั้งหมด / import the functions: Alt+F8 > ImportPythonUDFs > Run, then "
          "Ctrl+Alt+F9"),
    ("p", "• ถ้าไม่มี Excel (เช่น LibreOffice): ใช้คำสั่ง sso-kpi rebuild SSO_Plan.xlsm แทนปุ่ม "
          "/ without Excel, run sso-kpi rebuild on the closed book"),
    ("h2", "4. ปุ่ม สร้างสรุปรายไตรมาส (แท็บ SSO KPI) / the rebuild button"),
    ("p", "• อ่านตาราง tbl_kpi tbl_budget tbl_opdc และค่าในชีตตั้งค่า คำนวณด้วยกติกาเดียวกับ "
          "sso-kpi แล้วเขียนชีต สรุปรายไตรมาส ใหม่ทั้งชีต (ตาราง แถบสี กราฟ) และคะแนนบนชีต "
          "คะแนน ก.พ.ร.; ไม่แก้ไขข้อมูลที่กรอกไว้ / rewrites the summary sheet and the OPDC "
          "card; never changes what you typed"),
    ("p", "• บันทึกไฟล์ก่อนกดปุ่ม / save the book before pressing the button"),
)  # fmt: skip


def write_instructions_sheet(ws: Worksheet, settings: Settings) -> None:
    ws.column_dimensions["A"].width = 120
    row = 1
    for kind, text in INSTRUCTIONS:
        cell = ws.cell(row=row, column=1)
        set_text_cell(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if kind == "h1":
            cell.font = TITLE_FONT
        elif kind == "h2":
            row += 1
            cell = ws.cell(row=row, column=1)
            ws.cell(row=row - 1, column=1).value = None
            set_text_cell(cell, text)
            cell.font = Font(bold=True, size=12, color="1F3864")
        elif kind.startswith("band:"):
            rgb = settings.colours[kind.split(":", 1)[1]]
            cell.fill = PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)
        row += 1
    ws.sheet_view.showGridLines = False
    fit_wrapped_rows(ws)
    _print_setup(ws, landscape=False, last_col=1)


# --------------------------------------------------------------------------------------------
# The book
# --------------------------------------------------------------------------------------------


@dataclass
class BuildReport:
    path: Path
    demo: bool
    kpi_rows: int
    opdc_rows: int
    shim: Path | None

    def __str__(self) -> str:
        what = (
            f"ข้อมูลตัวอย่าง {self.kpi_rows} ตัวชี้วัด, ก.พ.ร. {self.opdc_rows} ตัวชี้วัด / "
            f"demo data: {self.kpi_rows} indicators, {self.opdc_rows} OPDC indicators"
            if self.demo
            else "ไม่มีข้อมูล (แบบฟอร์มเปล่า) / empty form"
        )
        lines = [f"สร้างสมุดงานแล้ว / workbook written: {self.path}", what]
        if self.shim:
            lines.append(f"ไฟล์ Python คู่กัน / companion module: {self.shim}")
        if self.path.name != layout.BOOK_NAME:
            lines.append(
                f"หมายเหตุ: ปุ่มบนริบบอนจะสั่ง import {self.path.stem} ต้องมี {self.path.stem}.py "
                f"อยู่ข้างไฟล์ / note: the ribbon button runs import {self.path.stem}: keep "
                f"{self.path.stem}.py next to the book"
            )
        return "\n".join(lines)


SHIM = '''"""Companion of SSO_Plan.xlsm: the ribbon button imports it and runs ``main()``.

Keep this file next to the workbook, under the workbook's name. The work is done by the
installed ``sso-kpi`` package (``pip install`` the project), so this file never changes.
"""


def main() -> None:
    """Rebuild the quarterly summary of the calling workbook (runs inside Excel via xlwings)."""
    from sso_app.live import main as run

    run()
'''


def populate(wb: Workbook, *, demo: bool) -> tuple[int, int]:
    """Add every planner sheet to the base workbook; return (kpi rows, opdc rows)."""
    settings = DEMO_SETTINGS if demo else Settings()
    kpis = demo_kpis() if demo else empty_imported("kpi")
    opdc = demo_opdc() if demo else empty_imported("opdc")
    budget = budget_frame(demo)

    sheets = {
        name: wb.create_sheet(name)
        for name in (
            layout.SHEET_INSTRUCTIONS,
            layout.SHEET_SETTINGS,
            layout.SHEET_ENTRY,
            layout.SHEET_BUDGET,
            layout.SHEET_SUMMARY,
            layout.SHEET_OPDC,
        )
    }
    write_instructions_sheet(sheets[layout.SHEET_INSTRUCTIONS], settings)
    write_settings_sheet(wb, sheets[layout.SHEET_SETTINGS], settings)
    write_entry_sheet(sheets[layout.SHEET_ENTRY], kpi_table_frame(kpis), settings)
    write_budget_sheet(sheets[layout.SHEET_BUDGET], budget)
    write_opdc_sheet(
        sheets[layout.SHEET_OPDC], opdc, 2566 if demo else None, settings.unit if demo else ""
    )
    ev = evaluate(kpis, settings.quarter, rule=settings.rule, cap=settings.cap)
    write_summary_sheet(wb, summary_frames(ev, budget, settings))
    template.write_xlwings_conf(wb, XLWINGS_CONF)
    _activate(wb, wb[layout.SHEET_INSTRUCTIONS])
    return len(kpis.frame), len(opdc.frame)


def _fixed_properties(wb: Workbook) -> None:
    props = wb.properties
    props.creator = CREATOR
    props.lastModifiedBy = CREATOR
    props.created = BUILD_TIME
    props.modified = BUILD_TIME
    props.title = "SSO KPI planning workbook (แผน-ผลตัวชี้วัด สำนักงานประกันสังคม)"


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def reproducible_copy(src: Path, dst: Path) -> None:
    """Copy the package with fixed member dates and the fixed modified time openpyxl overrides.

    openpyxl stamps ``dcterms:modified`` with the clock on every save and zip members with the
    current time, and copies the kept VBA members in ``set`` order (which changes with each
    process's string hashing); each would make builds differ, so all three are fixed here.
    """
    stamp = BUILD_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in sorted(zin.infolist(), key=lambda i: (i.filename != "[Content_Types].xml",
                                                          i.filename)):  # fmt: skip
            data = zin.read(info)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            out = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = 0o600 << 16
            zout.writestr(out, data)


def build_workbook(dest: Path, *, demo: bool = True) -> BuildReport:
    """Write the planning workbook ``dest`` (.xlsm), with the demo data unless ``demo=False``."""
    dest = Path(dest)
    if dest.suffix.lower() != ".xlsm":
        raise SsoError(
            "ชื่อไฟล์ต้องลงท้ายด้วย .xlsm (สมุดงานที่มีแมโคร)",
            "the file name must end in .xlsm (a macro-enabled workbook)",
            where=str(dest),
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sso-build-") as tmp:
        base = Path(tmp) / layout.BOOK_NAME
        template.base_workbook(base, template.ribbon_xml())
        wb = openpyxl.load_workbook(base, keep_vba=True)
        kpi_rows, opdc_rows = populate(wb, demo=demo)
        _fixed_properties(wb)
        ribboned = Path(tmp) / "ribboned.xlsm"
        save_macro_book(wb, ribboned, template.ribbon_xml())
        atomic_write(
            dest,
            lambda out: reproducible_copy(ribboned, out),
            backup=False,
            verify=verify_macro_book,
        )
    shim = dest.with_suffix(".py")
    if not shim.exists():
        shim.write_text(SHIM.replace("SSO_Plan", dest.stem), encoding="utf-8")
    return BuildReport(dest, demo, kpi_rows, opdc_rows, shim)
