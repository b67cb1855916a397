"""TODO"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine as calamine

from sso_app.book import layout
from sso_app.book.readers import TableCells, calamine_table, open_calamine
from sso_app.book.settings import Settings, settings_from_rows
from sso_app.files.checks import check_workbook_file
from sso_kpi.errors import Issue, SsoError
from sso_kpi.evaluation import Evaluation, evaluate
from sso_kpi.importing import Imported, read_table
from sso_kpi.values import parse_numbers

REQUIRED_SHEETS = (
    layout.SHEET_SETTINGS,
    layout.SHEET_ENTRY,
    layout.SHEET_BUDGET,
    layout.SHEET_SUMMARY,
    layout.SHEET_OPDC,
)


REQUIRED_TABLES = (layout.TABLE_SETTINGS, layout.TABLE_KPI, layout.TABLE_BUDGET, layout.TABLE_OPDC)


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
