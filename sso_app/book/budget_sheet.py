"""The งบประมาณ sheet: ``tbl_budget`` (แผน, ผลการเบิกจ่าย per หมวดงบ) and its native % formulas."""

from __future__ import annotations

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book import layout
from sso_app.book.natives import SUM, Native, number
from sso_app.book.sheets import (
    COMPUTED_FILL,
    LABEL_FONT,
    add_validation,
    autosize,
    print_setup,
    sheet_title,
    write_frame_table,
)
from sso_app.files.textsafe import set_text_cell


def _percent(plan: object, spent: object) -> object:
    return number(spent) / number(plan) * 100 if number(plan) > 0 else ""


# ร้อยละการเบิกจ่าย: spent / plan × 100, blank while there is no plan.
PERCENT = Native('=IF({plan}>0,{spent}/{plan}*100,"")', _percent)
NATIVES = (PERCENT,)


def write_budget_sheet(ws: Worksheet, frame: pd.DataFrame) -> None:
    """tbl_budget (category, plan, spent), a native per cent column beside it and totals."""
    sheet_title(ws, "งบประมาณ: แผนและผลการเบิกจ่าย / budget plan and spend (บาท / baht)")
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
        ws[f"{pct}{r}"] = PERCENT.formula(plan=f"B{r}", spent=f"C{r}")
        ws[f"{pct}{r}"].number_format = "0.00"
    total = last + 2
    set_text_cell(ws[f"A{total}"], "รวม")
    ws[f"B{total}"] = SUM.formula(cells=f"B{first}:B{last}")
    ws[f"C{total}"] = SUM.formula(cells=f"C{first}:C{last}")
    ws[f"{pct}{total}"] = PERCENT.formula(plan=f"B{total}", spent=f"C{total}")
    for c, fmt in (("B", "#,##0.00"), ("C", "#,##0.00"), (pct, "0.00")):
        ws[f"{c}{total}"].number_format = fmt
    for c in ("A", "B", "C", pct):
        ws[f"{c}{total}"].font = Font(bold=True)
    dv = add_validation(
        "decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        error="ต้องเป็นจำนวนเงินไม่ติดลบ / an amount, not negative",
    )
    ws.add_data_validation(dv)
    dv.add(f"B{first}:C{last}")
    autosize(ws, {"A": 22, "B": 18, "C": 22, "D": 3, "E": 18}, skip_rows={1})
    ws.print_area = f"A1:E{total}"
    print_setup(ws, landscape=False, last_col=5)
