"""The yearly cycle inside a unit's book: a hidden sheet ``บันทึกการส่งผล`` holding

- ``tbl_submissions``: every event, oldest first (รับแผนที่อนุมัติ, ส่งผล, เปิดแก้ไข): month,
  date and time, who, the tool's version, a fingerprint, the reason of a reopening;
- ``tbl_snapshot``: what the last submission sent (the plan, and the results to date);
- ``tbl_approved_plan``: the plan as the planning division approved and distributed it;

and the guard on the entry sheet: cells of submitted months refuse typing with a Thai message
that says how to reopen. Books without the sheet (made by hand, or by an older version) are
read as never submitted, never refused for that.
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import pandas as pd
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book import layout
from sso_app.book.entry_sheet import fit_kpi_block, kpi_data_rows
from sso_app.book.opening import SsoBook
from sso_app.book.settings import Settings
from sso_app.book.sheets import add_validation, sheet_title, write_frame_table
from sso_kpi.cycle import (
    EVENT_TH,
    KEY,
    PLAN_COLUMNS,
    RECORD_COLUMNS,
    guarded_columns,
    snapshot_columns,
    submitted_months,
)
from sso_kpi.periods import month_labels

SNAPSHOT_TABLE_COLUMNS = (*KEY, *snapshot_columns(12))
APPROVED_TABLE_COLUMNS = (*KEY, *PLAN_COLUMNS)
GUARD_TITLE = "ส่งผลแล้ว"


def tool_version() -> str:
    try:
        return version("sso-kpi")
    except PackageNotFoundError:  # run from a source folder that was never installed
        return "dev"


def who(settings: Settings) -> str:
    """The name in the settings (ผู้รายงานผล), else the operating system's user."""
    if settings.reporter:
        return settings.reporter
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def now_text(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now()).replace(microsecond=0).isoformat(sep=" ")


def period_text(month: int, settings: Settings) -> str:
    """``เดือนที่ 4 (เม.ย.) 2564``: how a record names the month it covers."""
    return f"เดือนที่ {month} ({month_labels(settings.year_kind)[month - 1]}) {settings.year_be}"


@dataclass
class CycleTables:
    """The three tables as frames (empty when the book has none)."""

    records: pd.DataFrame
    snapshot: pd.DataFrame
    approved: pd.DataFrame
    present: bool = True

    def record(self, event: str, **values: object) -> None:
        row = dict.fromkeys(RECORD_COLUMNS, None) | {"event": event, "event_th": EVENT_TH[event]}
        row |= values
        new = pd.DataFrame([row], columns=list(RECORD_COLUMNS), dtype=object)
        self.records = new if not len(self.records) else pd.concat([self.records, new])
        self.records = self.records.reset_index(drop=True)


_EMPTY = tuple(
    pd.DataFrame(columns=list(columns), dtype=object)
    for columns in (RECORD_COLUMNS, SNAPSHOT_TABLE_COLUMNS, APPROVED_TABLE_COLUMNS)
)


def empty_cycle() -> CycleTables:
    # Copies of frames made once: a consolidation asks for this for every book it reads.
    return CycleTables(*(frame.copy() for frame in _EMPTY), present=False)


def _filled(frame: pd.DataFrame) -> pd.DataFrame:
    blank = frame.isna() | frame.astype(str).apply(lambda c: c.str.strip() == "")
    return frame[~blank.all(axis=1)].reset_index(drop=True)


def read_cycle(book: SsoBook) -> CycleTables:
    """The book's cycle tables, each only if present (a missing one reads as empty)."""
    out = empty_cycle()
    names = (
        ("records", layout.TABLE_SUBMISSIONS),
        ("snapshot", layout.TABLE_SNAPSHOT),
        ("approved", layout.TABLE_APPROVED_PLAN),
    )
    for attr, name in names:
        if book.has_table(name):
            setattr(out, attr, _filled(book.table(name).frame()))
    out.present = book.has_table(layout.TABLE_SUBMISSIONS)
    return out


def indicator_values(kpis: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``kpis`` (typed tbl_kpi rows) cut to the key and ``columns``; rows without a key out."""
    frame = kpis.reindex(columns=[*KEY, *columns]).copy()
    keyed = (frame[list(KEY)].astype(str).apply(lambda c: c.str.strip()) != "").all(axis=1)
    return frame[keyed].reset_index(drop=True)


def write_cycle_sheet(wb: Workbook, tables: CycleTables) -> Worksheet:
    """(Re)write the hidden sheet with the three tables side by side."""
    if layout.SHEET_CYCLE in wb.sheetnames:
        del wb[layout.SHEET_CYCLE]
    ws = wb.create_sheet(layout.SHEET_CYCLE)
    ws.sheet_state = "hidden"
    sheet_title(
        ws,
        "บันทึกการส่งผล (เขียนโดย sso-kpi ห้ามแก้ไข) / submission record (written by sso-kpi)",
        "แก้ไขด้วยมือแล้วจะถือว่ายังไม่ส่ง / edited by hand, the book reads as not submitted",
    )
    left = 1
    for name, frame, columns in (
        (layout.TABLE_SUBMISSIONS, tables.records, RECORD_COLUMNS),
        (layout.TABLE_SNAPSHOT, tables.snapshot, SNAPSHOT_TABLE_COLUMNS),
        (layout.TABLE_APPROVED_PLAN, tables.approved, APPROVED_TABLE_COLUMNS),
    ):
        frame = frame.reindex(columns=list(columns)).astype(object)
        write_frame_table(ws, frame, name=name, top=3, left=left, style="TableStyleLight1")
        left += len(columns) + 1
    return ws


# ---------------------------------------------------------------------------------------------
# The guard on submitted months
# ---------------------------------------------------------------------------------------------


def guard_message() -> str:
    """What Excel says when a sent month's cell is typed into: how to reopen it."""
    return (
        "เดือนนี้ส่งผลแล้ว แก้ไขไม่ได้ หากต้องแก้ให้สั่ง sso-kpi reopen <ไฟล์> --month <เดือน> "
        "--reason <เหตุผล> ก่อน / this month was submitted: reopen it first"
    )


def _columns_of(ws: Worksheet) -> dict[str, int]:
    min_col, header, max_col, _ = range_boundaries(ws.tables[layout.TABLE_KPI].ref)
    return {
        str(ws.cell(row=header, column=c).value): c
        for c in range(min_col, max_col + 1)
        if ws.cell(row=header, column=c).value is not None
    }


def guard_entry_sheet(ws: Worksheet, settings: Settings, months: list[int]) -> list[str]:
    """Redo the entry sheet's block (``fit_kpi_block``) and guard the cells of ``months``:
    one validation that refuses any typed value with the reopen message. Cells under the
    guard leave the number validation (Excel allows one validation per cell). Returns the
    guarded columns."""
    fit_kpi_block(ws, settings)
    names: list[str] = []
    for m in sorted(set(months)):
        names += [c for c in guarded_columns(m) if c not in names]
    where = _columns_of(ws)
    cols = {where[c] for c in names if c in where}
    if not cols:
        return []
    first, last = kpi_data_rows(ws)
    for dv in list(ws.data_validations.dataValidation):
        kept = [r for r in dv.sqref.ranges if not (r.min_col == r.max_col and r.min_col in cols)]
        if not kept:
            ws.data_validations.dataValidation.remove(dv)
        else:
            dv.sqref = MultiCellRange([str(r) for r in kept])
    guard = add_validation("custom", formula1="FALSE", error=guard_message())
    guard.errorTitle = GUARD_TITLE
    ws.add_data_validation(guard)
    ranges = [
        CellRange(f"{get_column_letter(c)}{first}:{get_column_letter(c)}{last}")
        for c in sorted(cols)
    ]
    guard.sqref = MultiCellRange([str(r) for r in ranges])
    return [c for c in names if c in where]


def guard_after_edit(wb: Workbook, book: SsoBook) -> None:
    """After a command redid the entry sheet's block (an import), guard again what is
    submitted: nothing when the book has no record."""
    cycle = read_cycle(book)
    if cycle.present:
        months = submitted_months(cycle.records)
        guard_entry_sheet(wb[layout.SHEET_ENTRY], book.settings, months)
