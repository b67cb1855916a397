"""`sso-kpi distribute PLAN -o FOLDER [--by unit]`: one book per responsible unit.

The planning division (กองนโยบายและแผนงาน) approves the national plan, then hands each unit
its part: a book with that unit's indicators, its name, the year and year kind set, the plan
recorded as the approved plan (hidden sheet ``บันทึกการส่งผล``), and a manifest of what was
sent (``แผนที่แจก.json``: unit, book, indicators, the approved plan and its fingerprint).

Run again after the plan changed (a target lowered, an indicator cancelled, one added), it
touches only the books whose part changed: their plan cells are set to the new approved plan,
rows added or removed, everything the unit typed (results, notes) kept, the old book kept as a
version; and it says, per unit, what changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import range_boundaries

from sso_app.book import layout
from sso_app.book.cycle_sheet import (
    CycleTables,
    empty_cycle,
    guard_entry_sheet,
    indicator_values,
    now_text,
    read_cycle,
    tool_version,
    who,
    write_cycle_sheet,
)
from sso_app.book.entry_sheet import kpi_table_frame, refuse_occupied, resize_table, write_rows
from sso_app.book.new_book import new_unit_book, save_unit_book
from sso_app.book.opening import open_sso_book, verify_written_book
from sso_app.book.readers import read_raw
from sso_app.book.refresh import book_writer, load_for_edit
from sso_app.book.settings import Settings
from sso_app.files.writing import WriteTransaction, make_folder, work_folder
from sso_app.national.manifest import (
    Manifest,
    UnitEntry,
    manifest_path,
    read_manifest,
    write_manifest,
)
from sso_kpi.cycle import DISTRIBUTE, KEY, PLAN_COLUMNS, Change, changes, submitted_months
from sso_kpi.errors import Issue, SsoError
from sso_kpi.importing import Imported, canonical_frame, read_table
from sso_kpi.periods import YEAR_KINDS
from sso_kpi.schema import RESULT_M, RESULT_Q

NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"
WHAT_TH = {NEW: "แจกใหม่ / new book", UPDATED: "ปรับแผน / plan updated",
           UNCHANGED: "ไม่เปลี่ยน / unchanged"}  # fmt: skip


@dataclass
class UnitOutcome:
    unit: str
    book: Path
    what: str
    indicators: int
    changes: list[Change] = field(default_factory=list)


@dataclass
class DistributeReport:
    plan: Path
    folder: Path
    outcomes: list[UnitOutcome] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # units in the old manifest, not the plan
    errors: list[Issue] = field(default_factory=list)
    manifest: Path | None = None

    def __str__(self) -> str:
        if self.errors:
            lines = [
                f"ไม่ได้แจกแผน: แผนมีข้อผิดพลาด {len(self.errors)} รายการ / nothing distributed: "
                f"the plan has {len(self.errors)} errors"
            ]
            return "\n".join([*lines, *(f"  - {i.text()}" for i in self.errors)])
        lines = [
            f"แจกแผน {len(self.outcomes)} หน่วยงาน ที่ / plan distributed to "
            f"{len(self.outcomes)} units in: {self.folder}",
            f"บัญชีการแจกแผน / manifest: {self.manifest}",
        ]
        for o in self.outcomes:
            lines.append(f"  [{WHAT_TH[o.what]}] {o.unit}: {o.book.name} ({o.indicators} ตัวชี้วัด)")
            lines += [
                f"      {c.project_id} ตัวชี้วัด {c.kpi_number} {c.column}: {c.before} → {c.after}"
                for c in o.changes
            ]
        for unit in self.dropped:
            lines.append(
                f"  [ไม่มีในแผนใหม่ / not in the new plan] {unit}: ไม่ได้แก้ไขไฟล์ / book left as is"
            )
        return "\n".join(lines)


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def book_name(unit: str) -> str:
    """A unit's book name: its name with characters no file name may hold replaced.

    >>> book_name("พื้นที่/ จังหวัด/ สาขา")
    'พื้นที่_ จังหวัด_ สาขา.xlsm'
    """
    name = _UNSAFE.sub("_", unit).strip(" .") or "หน่วยงาน"
    return f"{name[:100]}.xlsm"


def _plan_settings(plan: Path, year_be: int | None, year_kind: str | None) -> tuple[int, str]:
    """The year and its kind: as given, else the plan book's own settings."""
    if plan.suffix.lower() in (".xlsm", ".xlsx") and (year_be is None or year_kind is None):
        try:
            s = open_sso_book(plan).settings
            year_be, year_kind = year_be or s.year_be, year_kind or s.year_kind
        except SsoError:
            pass
    if year_be is None or year_kind is None:
        raise SsoError(
            "ระบุปี พ.ศ. และชนิดของปีด้วย --year 2565 --year-kind fiscal (หรือ calendar)",
            "give the year and its kind: --year 2565 --year-kind fiscal (or calendar)",
            where=str(plan),
        )
    if year_kind not in YEAR_KINDS:
        raise SsoError("ชนิดของปีต้องเป็น calendar หรือ fiscal", "use calendar or fiscal",
                       where=str(plan))  # fmt: skip
    return (year_be + 543 if year_be < 2400 else year_be), year_kind


def _units(raw: pd.DataFrame, imported: Imported, by: str, first_row: int, plan: Path) -> pd.Series:
    """The unit of every typed row: the ``by`` column of the plan (Thai or English header)."""
    frame = imported.frame
    if by in frame:
        return frame[by].astype(str).str.strip()
    canon = canonical_frame(raw)
    key = next((c for c in (by, canonical_frame(pd.DataFrame(columns=[by])).columns[0])
                if c in canon), None)  # fmt: skip
    if key is None:
        raise SsoError(f"ไม่พบคอลัมน์ {by} ในแผน", f"the plan has no column {by}", where=str(plan))
    values = canon[key].reset_index(drop=True)
    positions = frame["source_row"].to_numpy() - first_row  # source_row: the file's row
    return pd.Series([str(values.iloc[p]).strip() for p in positions], index=frame.index)


def _shared_indicators_allowed(imported: Imported, units: pd.Series) -> None:
    """The same indicator for many units is the plan's shape for routine work (one row per
    province): only a repeat within one unit is a duplicate."""
    frame = imported.frame
    if "duplicate" not in frame or not frame["duplicate"].any():
        return
    within = frame[list(KEY)].assign(_unit=units.to_numpy()).duplicated(keep="first")
    fine = set(frame.loc[frame["duplicate"] & ~within, "source_row"].tolist())
    imported.issues = [
        i for i in imported.issues if not (i.row in fine and i.message_en.startswith("duplicate"))
    ]
    frame["duplicate"] = (frame["duplicate"] & within).to_numpy()


def distribute(
    plan: Path,
    folder: Path,
    *,
    by: str = "unit",
    year_be: int | None = None,
    year_kind: str | None = None,
    deadline_day: int = 5,
) -> DistributeReport:
    """Write one book per unit of ``plan`` into ``folder`` and the manifest beside them."""
    plan, folder = Path(plan), Path(folder)
    year_be, year_kind = _plan_settings(plan, year_be, year_kind)
    raw, source = read_raw(plan)
    imported = read_table(raw, source, form="kpi")
    report = DistributeReport(plan, folder)
    if not len(imported.frame):
        raise SsoError("แผนไม่มีแถวข้อมูล", "the plan has no rows", where=str(plan))
    units = _units(raw, imported, by, source.first_row, plan)
    _shared_indicators_allowed(imported, units)
    if imported.errors:
        report.errors = list(imported.errors)
        return report
    blank = units.isin(("", "nan", "None"))
    if blank.any():
        row = int(imported.frame.loc[blank, "source_row"].iloc[0])
        raise SsoError(
            f"แถว {row} ไม่มีชื่อหน่วยงาน ({by}) จึงแจกไม่ได้",
            f"row {row} names no unit ({by}), so it cannot be handed to one",
            where=str(plan),
        )
    make_folder(folder)
    old = read_manifest(manifest_path(folder)) if manifest_path(folder).is_file() else None
    manifest = Manifest(year_be, year_kind, deadline_day, plan.name)
    frame = imported.frame.copy()
    frame[[*RESULT_Q, *RESULT_M]] = np.nan  # the units type their own results
    for unit in dict.fromkeys(units):
        rows = Imported("kpi", frame[(units == unit).to_numpy()].reset_index(drop=True))
        entry = UnitEntry(unit, book_name(unit), indicator_values(rows.frame, PLAN_COLUMNS))
        settings = Settings(unit=unit, year_be=year_be, year_kind=year_kind,  # type: ignore[arg-type]
                            quarter=1, deadline_day=deadline_day)  # fmt: skip
        report.outcomes.append(_hand_out(folder, entry, rows, settings, old))
        manifest.units[unit] = entry
    if old is not None:
        report.dropped = [u for u in old.units if u not in manifest.units]
        for unit in report.dropped:  # still listed, so consolidate still expects their books
            manifest.units[unit] = old.units[unit]
    report.manifest = write_manifest(folder, manifest)
    return report


def _record(cycle: CycleTables, entry: UnitEntry, settings: Settings) -> None:
    cycle.approved = entry.approved
    cycle.record(DISTRIBUTE, month=None, at=now_text(), who=who(settings),
                 tool_version=tool_version(), hash=entry.plan_hash)  # fmt: skip


def _hand_out(
    folder: Path, entry: UnitEntry, rows: Imported, settings: Settings, old: Manifest | None
) -> UnitOutcome:
    book = folder / entry.file
    n = len(rows.frame)
    if not book.exists():
        with WriteTransaction(book) as t, work_folder(t.target) as tmp:
            wb = new_unit_book(tmp, settings, rows)
            cycle = empty_cycle()
            _record(cycle, entry, settings)
            write_cycle_sheet(wb, cycle)
            t.commit(save_unit_book(wb), verify_written_book({layout.TABLE_KPI: n}))
        return UnitOutcome(entry.unit, book, NEW, n)
    before = old.units.get(entry.unit) if old else None
    if before is not None and before.plan_hash == entry.plan_hash:
        return UnitOutcome(entry.unit, book, UNCHANGED, n)
    with WriteTransaction(book) as t:
        opened = open_sso_book(t.target, whole_form=True)
        cycle = read_cycle(opened)
        was = before.approved if before is not None else cycle.approved
        listed = changes(was, entry.approved, PLAN_COLUMNS)
        new = _merged(kpi_table_frame(rows), opened.table(layout.TABLE_KPI).frame())
        wb = load_for_edit(t.target)
        ws = wb[layout.SHEET_ENTRY]
        min_col, header, max_col, old_last = range_boundaries(ws.tables[layout.TABLE_KPI].ref)
        first = header + 1
        for r in range(first, old_last + 1):
            for c in range(min_col, max_col + 1):
                ws.cell(row=r, column=c).value = None
        last = max(first + len(new) - 1, first)
        refuse_occupied(ws, range(old_last + 1, last + 1), list(range(min_col, max_col + 1)), book)
        write_rows(ws, new, first)
        resize_table(ws, last)
        _record(cycle, entry, opened.settings)
        write_cycle_sheet(wb, cycle)
        guard_entry_sheet(ws, opened.settings, submitted_months(cycle.records))
        t.commit(book_writer(wb, t.target), verify_written_book({layout.TABLE_KPI: len(new)}))
    return UnitOutcome(entry.unit, book, UPDATED, n, listed)


_KEPT = (*RESULT_Q, *RESULT_M)  # what the unit typed and a new plan never overwrites


def _merged(plan: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """The new plan's rows with the unit's own cells (results) taken from its book."""
    out = plan.copy()
    if not len(current) or not set(KEY) <= set(current.columns):
        return out

    def key(frame: pd.DataFrame) -> pd.Series:
        return (
            frame[KEY[0]].astype(str).str.strip() + "\x00" + frame[KEY[1]].astype(str).str.strip()
        )

    have = current.assign(_k=key(current)).drop_duplicates("_k").set_index("_k")
    keys = key(out)
    found = keys.isin(have.index).to_numpy()
    for column in _KEPT:
        if column in have:
            out[column] = out[column].astype(object)
            out.loc[found, column] = have.loc[keys[found], column].to_numpy()
    return out
