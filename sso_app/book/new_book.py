"""A new SSO_Plan book, sheet by sheet: what ``build-workbook`` ships and what ``distribute``
hands each unit (the same form, one writer)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.workbook.workbook import Workbook

from sso_app.book import layout, template
from sso_app.book.budget_sheet import write_budget_sheet
from sso_app.book.entry_sheet import kpi_table_frame, write_entry_sheet
from sso_app.book.instructions_sheet import write_instructions_sheet
from sso_app.book.monthly_form import write_monthly_form_sheet
from sso_app.book.opdc_sheet import write_opdc_sheet
from sso_app.book.saving import save_macro_book
from sso_app.book.settings import Settings
from sso_app.book.settings_sheet import write_settings_sheet
from sso_app.book.sheets import activate_sheet
from sso_app.book.summary import summary_frames
from sso_app.book.summary_sheet import write_summary_sheet
from sso_kpi.evaluation import evaluate
from sso_kpi.importing import Imported, Source, read_table

XLWINGS_CONF = {"UDF Modules": "udfs"}  # no interpreter pinned: "python" on the PATH


def empty_imported(form: str) -> Imported:
    columns = layout.KPI_TABLE_COLUMNS if form == "kpi" else layout.OPDC_TABLE_COLUMNS
    return read_table(pd.DataFrame(columns=list(columns)), Source(), form=form)  # type: ignore[arg-type]


def budget_frame(values: dict[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """tbl_budget's rows: every category, with plan and spend where ``values`` has them."""
    values = values or {}
    rows = [(c, *values.get(c, (np.nan, np.nan))) for c in layout.BUDGET_CATEGORIES]
    frame = pd.DataFrame(rows, columns=list(layout.BUDGET_TABLE_COLUMNS))
    frame["category"] = frame["category"].astype(object)
    return frame


def populate_book(
    wb: Workbook,
    settings: Settings,
    kpis: Imported,
    *,
    opdc: Imported | None = None,
    budget: pd.DataFrame | None = None,
    opdc_year: int | None = None,
) -> None:
    """Add every planner sheet to the base workbook."""
    opdc = opdc if opdc is not None else empty_imported("opdc")
    budget = budget if budget is not None else budget_frame()
    sheets = {
        name: wb.create_sheet(name)
        for name in (
            layout.SHEET_INSTRUCTIONS,
            layout.SHEET_SETTINGS,
            layout.SHEET_ENTRY,
            layout.SHEET_MONTHLY,
            layout.SHEET_BUDGET,
            layout.SHEET_SUMMARY,
            layout.SHEET_OPDC,
        )
    }
    write_instructions_sheet(sheets[layout.SHEET_INSTRUCTIONS], settings)
    write_settings_sheet(wb, sheets[layout.SHEET_SETTINGS], settings)
    write_entry_sheet(sheets[layout.SHEET_ENTRY], kpi_table_frame(kpis), settings)
    write_monthly_form_sheet(wb, kpis.frame, settings)
    write_budget_sheet(sheets[layout.SHEET_BUDGET], budget)
    write_opdc_sheet(sheets[layout.SHEET_OPDC], opdc, opdc_year, settings.unit if opdc_year else "")
    ev = evaluate(kpis, settings.quarter, rule=settings.rule, cap=settings.cap)
    write_summary_sheet(wb, summary_frames(ev, budget, settings))
    template.write_xlwings_conf(wb, XLWINGS_CONF)
    activate_sheet(wb, wb[layout.SHEET_INSTRUCTIONS])


def new_unit_book(work: Path, settings: Settings, kpis: Imported) -> Workbook:
    """A new book (in memory) for one unit: its settings and indicators, nothing else typed.
    ``work``: a scratch folder for the base package."""
    base = work / layout.BOOK_NAME
    template.base_workbook(base, template.ribbon_xml())
    wb = openpyxl.load_workbook(base, keep_vba=True)
    populate_book(wb, settings, kpis)
    return wb


def save_unit_book(wb: Workbook) -> Callable[[Path], None]:
    """The writer for a write transaction: save ``wb`` with the form's ribbon."""
    return lambda tmp: save_macro_book(wb, tmp, template.ribbon_xml())
