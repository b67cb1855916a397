"""The ตั้งค่า sheet: ``tbl_settings`` with a ``cfg_<key>`` name per value and dropdowns."""

from __future__ import annotations

import pandas as pd
from openpyxl.styles import Alignment
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book import layout
from sso_app.book.settings import Settings, settings_rows
from sso_app.book.sheets import (
    add_validation,
    autosize,
    list_formula,
    print_setup,
    sheet_title,
    write_frame_table,
)
from sso_app.files.textsafe import set_text_cell
from sso_kpi.periods import YEAR_KIND_TH


def write_settings_sheet(wb: Workbook, ws: Worksheet, settings: Settings) -> None:
    """tbl_settings (key, value, คำอธิบาย) and a defined name ``cfg_<key>`` per value cell."""
    sheet_title(
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
        add_validation(
            "list",
            formula1=list_formula(tuple(YEAR_KIND_TH.values())),
            prompt="ปีปฏิทิน (calendar) = ม.ค.-ธ.ค., ปีงบประมาณ (fiscal) = ต.ค.-ก.ย.; "
            "กดปุ่มสร้างสรุปรายไตรมาสแล้วหัวคอลัมน์เดือนจะเปลี่ยนตาม / press the button to relabel",
            error="เลือก ปีปฏิทิน หรือ ปีงบประมาณ (calendar/fiscal ก็ได้) / choose from the list",
            style="warning",  # the English codes still read
        ),
        "year_kind",
    )
    add(
        add_validation(
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
        add_validation(
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
            add_validation(
                "decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                error="ต้องเป็นตัวเลขไม่ติดลบ / a number, not negative",
            ),
            key,
        )
    add(
        add_validation(
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
    print_setup(ws, landscape=False, last_col=3)
