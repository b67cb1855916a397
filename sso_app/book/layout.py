"""Where things live in an SSO_Plan workbook: the contract between builder, rebuild and readers.

Every module that writes or reads the workbook takes its names from here, so a sheet renamed
in one place is renamed everywhere. Sheets are named in Thai for planners; tables and
columns use the English keys of the import schema, so formulas read ``tbl_kpi[plan_q3]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sso_app.files import packaged
from sso_kpi.schema import (
    KPI_COLUMNS,
    NOTE_COLUMNS,
    OPDC_COLUMNS,
    PLAN_M,
    PLAN_Q,
    RESULT_M,
    RESULT_Q,
    STATUS_COLUMNS,
)

# 2 (issue 12): tbl_kpi reordered (ids and names first, months as แผน/ผล pairs, text
# columns) and the computed block moved: a book of form 1 is rebuilt and its rows imported.
SCHEMA_VERSION = "2"
BOOK_NAME = packaged.BOOK_NAME  # "SSO_Plan.xlsm"

SHEET_INSTRUCTIONS = "คำแนะนำ"
SHEET_SETTINGS = "ตั้งค่า"
SHEET_ENTRY = "แผน-ผล"
SHEET_BUDGET = "งบประมาณ"
SHEET_SUMMARY = "สรุปรายไตรมาส"
SHEET_OPDC = "คะแนน ก.พ.ร."
# The printable monthly form (layout of the unit monthly form 2563): rebuilt like the summary.
SHEET_MONTHLY = "แบบรายงานรายเดือน"

TABLE_SETTINGS = "tbl_settings"
TABLE_KPI = "tbl_kpi"
TABLE_BUDGET = "tbl_budget"
TABLE_SUMMARY = "tbl_summary"
TABLE_FUNDS = "tbl_summary_fund"
TABLE_PROJECTS = "tbl_projects"
TABLE_ATTENTION = "tbl_attention"
TABLE_DISBURSEMENT = "tbl_disbursement"
TABLE_OPDC = "tbl_opdc"

# The sheets a rebuild rewrites; every other sheet is the planner's and is never touched.
# On แผน-ผล a rebuild rewrites only the Thai label row (month names follow the year kind) and
# the computed block beside tbl_kpi.
REBUILT_SHEETS = (SHEET_SUMMARY, SHEET_OPDC, SHEET_MONTHLY)
# Of those, the sheets recreated whole: a rebuild need not read what is on them.
RECREATED_SHEETS = (SHEET_SUMMARY, SHEET_MONTHLY)
# Rebuilt and never typed into: protected without a password (the rebuild unprotects them).
PROTECTED_SHEETS = (SHEET_SUMMARY, SHEET_MONTHLY)

# tbl_kpi, in the order a planner types: the ids and names first (frozen, so they stay on
# screen while the ผล columns scroll), the rest of the import schema and the per-indicator
# rules, cumulative quarters, the months as แผน/ผล pairs (the unit monthly form 2563 puts a
# month's plan beside its result, months grouped by quarter), then the text beside the numbers.
KPI_FROZEN_COLUMNS = ("project_id", "project_name", "kpi_number", "kpi_name")
MONTH_PAIRS = tuple(c for pair in zip(PLAN_M, RESULT_M, strict=True) for c in pair)
KPI_TABLE_COLUMNS = (
    *KPI_FROZEN_COLUMNS,
    *(c for c in KPI_COLUMNS if c not in KPI_FROZEN_COLUMNS and c not in (*PLAN_Q, *RESULT_Q)),
    "direction",
    "aggregation",
    "cap",
    *PLAN_Q,
    *RESULT_Q,
    *MONTH_PAIRS,
    *STATUS_COLUMNS,  # the yearly cycle: ยกเลิกในไตรมาส N / ยกเลิกแผนงาน, when, why
    *NOTE_COLUMNS,
)
OPDC_TABLE_COLUMNS = OPDC_COLUMNS  # typed by the planner on the scorecard sheet
BUDGET_CATEGORIES = ("งบบุคลากร", "งบดำเนินงาน", "งบลงทุน", "งบเงินอุดหนุน", "งบรายจ่ายอื่น")
BUDGET_TABLE_COLUMNS = ("category", "plan", "spent")

# Header rows: a Thai label row (what planners read) above each table's header row of
# English keys (what formulas, readers and tools use; shown small and grey).
ENTRY_LABEL_ROW = 3
ENTRY_HEADER_ROW = 4


@dataclass(frozen=True)
class Setting:
    key: str
    default: object
    label_th: str
    label_en: str


# tbl_settings rows, in order; each value cell also gets a defined name ``cfg_<key>``.
SETTINGS = (
    Setting("schema_version", SCHEMA_VERSION, "รุ่นของแบบฟอร์ม", "workbook schema version"),
    Setting("unit", "", "หน่วยงาน", "reporting unit"),
    Setting("year_be", 2564, "ปี พ.ศ.", "year (Buddhist era)"),
    Setting(
        "year_kind",
        "calendar",
        "ปีปฏิทิน หรือ ปีงบประมาณ (calendar / fiscal)",
        "calendar or fiscal year",
    ),
    Setting("quarter", 3, "ไตรมาสปัจจุบัน (1-4)", "current quarter (1-4)"),
    Setting("green_at", 100, "เขียว ตั้งแต่ร้อยละ", "green from per cent"),
    Setting("yellow_at", 50, "เหลือง ตั้งแต่ร้อยละ", "yellow from per cent"),
    Setting("cap", "", "เพดานผลสำเร็จ (ร้อยละ ว่าง = ไม่จำกัด)", "cap per cent (blank: none)"),
    Setting("colour_green", "92D050", "สีเขียว (RGB)", "green fill (RGB hex)"),
    Setting("colour_yellow", "FFFF00", "สีเหลือง (RGB)", "yellow fill (RGB hex)"),
    Setting("colour_red", "FF0000", "สีแดง (RGB)", "red fill (RGB hex)"),
    Setting("colour_grey", "BFBFBF", "สีเทา (RGB)", "grey fill (RGB hex)"),
    Setting("deadline_day", 5, "ส่งผลภายในวันที่ (ของเดือนถัดไป)", "results due by day (next month)"),
    Setting("reporter", "", "ผู้รายงานผล (ชื่อ)", "who reports (name)"),
)
SETTING_KEYS = tuple(s.key for s in SETTINGS)


def defined_name(key: str) -> str:
    """Workbook name of a setting's value cell (``cfg_quarter``): safe for VBA and formulas."""
    return f"cfg_{key}"


# -- positions (added with the builder; readers should still find tables by name) -------------

# แผน-ผล: computed block right of tbl_kpi, one blank column between (Excel tables cannot hold
# multi-cell array formulas). One array formula per column over tbl_kpi's columns, marked as a
# dynamic array: Excel 365 spills it over new rows, older Excel shows the rows it was fitted to.
ENTRY_FIRST_DATA_ROW = ENTRY_HEADER_ROW + 1
KPI_COMPUTED_GAP = 1
KPI_COMPUTED_COLUMNS = (
    "plan_total",
    "result_total",
    "plan_now",
    "result_now",
    "achievement",
    "status",
    "band",
    "project_avg",
    "project_band",
)
KPI_COMPUTED_FIRST_COL = len(KPI_TABLE_COLUMNS) + KPI_COMPUTED_GAP + 1  # 1-based


def computed_name(column: str) -> str:
    """Workbook name of a computed column's cells (``kpi_achievement``): sized by tbl_kpi's
    rows, so a formula that reads another computed column grows with the table too."""
    return f"kpi_{column}"


# ตั้งค่า / งบประมาณ: header row of the table (Thai label row above for the budget).
SETTINGS_HEADER_ROW = 3
BUDGET_LABEL_ROW = 3
BUDGET_HEADER_ROW = 4

# คะแนน ก.พ.ร.: header box (rows 4-6), tbl_opdc below it, computed columns right of it.
OPDC_BOX_ROW = 4
OPDC_LABEL_ROW = 9
OPDC_HEADER_ROW = 10
OPDC_COMPUTED_COLUMNS = ("score", "weighted", "score_engine")
OPDC_COMPUTED_FIRST_COL = len(OPDC_TABLE_COLUMNS) + 1 + 1  # one blank column between: K


NATIONAL_KPI_TABLE = "tbl_national_kpi"


# The yearly cycle (sso_app.book.cycle_sheet): a hidden sheet with the book's record of
# events (tbl_submissions), the snapshot of the last submission and the approved plan.
SHEET_CYCLE = "บันทึกการส่งผล"
TABLE_SUBMISSIONS = "tbl_submissions"
TABLE_SNAPSHOT = "tbl_snapshot"
TABLE_APPROVED_PLAN = "tbl_approved_plan"

# The national workbook's yearly-cycle tables (sso_app.national.cycle_status writes them; the
# report reads them).
TABLE_CYCLE_UNITS = "tbl_cycle_units"
TABLE_CANCELLED = "tbl_cancelled"

NATIONAL_NOTES_TABLE = "tbl_national_notes"
