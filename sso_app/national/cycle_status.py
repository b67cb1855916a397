"""Who has sent what, for the planning division: each unit's standing at a month (ส่งแล้ว,
ส่งช้า, ยังไม่ส่ง, แก้ไขหลังส่ง, แผนไม่ตรงกับที่อนุมัติ) from the units' books and the
distribution's manifest, and the national workbook's sheets that list it."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sso_app.book import layout
from sso_app.national.intake import UnitFile
from sso_app.national.manifest import Manifest
from sso_app.national.workbook import NationalSheet
from sso_app.national.xlsx import XlsxBook
from sso_kpi.consolidation import UNIT_KEY, National
from sso_kpi.cycle import (
    CHANGED_AFTER_TH,
    PLAN_CHANGED_TH,
    UnitCycle,
    due_date,
    submitted_months,
    unit_cycle,
)
from sso_kpi.scoring import DEFAULT_BANDS

SHEET_CYCLE = "การส่งผล"
TABLE_UNITS = layout.TABLE_CYCLE_UNITS
TABLE_CHANGES = "tbl_cycle_changes"
TABLE_CANCELLED = layout.TABLE_CANCELLED


def cycle_month(files: Sequence[UnitFile], quarter: int, asked: int | None = None) -> int:
    """The month to report on: asked, else the latest month any unit submitted, else the
    quarter's last month."""
    if asked:
        return int(asked)
    months = [
        m
        for f in files
        if f.usable and f.cycle is not None
        for m in submitted_months(f.cycle.records)
    ]
    return max(months) if months else 3 * quarter


def unit_cycles(
    files: Sequence[UnitFile],
    month: int,
    *,
    year_be: int,
    year_kind: str,
    manifest: Manifest | None = None,
) -> list[UnitCycle]:
    """Every unit's standing at ``month``: the units of the manifest (in its order; one
    without a usable book is ยังไม่ส่ง), then units whose book came in but are not in it."""
    used = {f.unit: f for f in files if f.usable and f.imported is not None}
    expected = list(manifest.units) if manifest is not None else []
    out = []
    for unit in [*expected, *(u for u in used if u not in expected)]:
        f = used.get(unit)
        entry = manifest.units.get(unit) if manifest is not None else None
        day = f.deadline_day if f is not None else (manifest.deadline_day if manifest else 5)
        due = due_date(month, year_be, year_kind, day)
        cycle = f.cycle if f is not None else None
        approved = entry.approved if entry is not None else (cycle.approved if cycle else None)
        result = unit_cycle(
            unit,
            month=month,
            due=due,
            current=f.imported.frame if f is not None and f.imported is not None else None,
            records=cycle.records if cycle is not None and cycle.present else None,
            snapshot=cycle.snapshot if cycle is not None else None,
            approved=approved,
            approved_hash=entry.plan_hash if entry is not None else "",
            book_approved=cycle.approved if cycle is not None else None,
        )
        if manifest is not None and entry is None:
            result.notes.append("ไม่อยู่ในบัญชีการแจกแผน / not in the distribution manifest")
        result.file = f.label if f is not None else (entry.file if entry else "")
        out.append(result)
    return out


def units_frame(cycles: Sequence[UnitCycle]) -> pd.DataFrame:
    rows = [
        {
            UNIT_KEY: c.unit,
            "file": c.file,
            "month": c.state.month,
            "statuses": ", ".join(c.labels_th),
            "submitted_at": c.state.at,
            "due": c.state.due.isoformat(),
            "who": c.state.who,
            "tool_version": c.state.tool_version,
            "n_changed_after": len(c.changed_after_submission),
            "n_plan_changed": len(c.plan_changed),
            "notes": "\n".join(c.notes),
        }
        for c in cycles
    ]
    columns = [UNIT_KEY, "file", "month", "statuses", "submitted_at", "due", "who",
               "tool_version", "n_changed_after", "n_plan_changed", "notes"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns, dtype=object)


def changes_frame(cycles: Sequence[UnitCycle]) -> pd.DataFrame:
    rows = [
        {UNIT_KEY: c.unit, "what": what, **change.as_dict()}
        for c in cycles
        for what, listed in (
            (CHANGED_AFTER_TH, c.changed_after_submission),
            (PLAN_CHANGED_TH, c.plan_changed),
        )
        for change in listed
    ]
    columns = [UNIT_KEY, "what", "project_id", "kpi_number", "column", "before", "after"]
    return pd.DataFrame(rows, columns=columns, dtype=object)


def cancelled_frame(national: National) -> pd.DataFrame:
    """Every unit's indicators and projects carrying a mark (ยกเลิกในไตรมาส N, ยกเลิกแผนงาน)."""
    kpis = national.by_unit.kpis
    columns = [UNIT_KEY, "project_id", "kpi_number", "kpi_name", "mark", "status_date",
               "status_reason"]  # fmt: skip
    if "mark" not in kpis:
        return pd.DataFrame(columns=columns)
    marked = kpis[kpis["mark"].astype(str) != ""]
    return marked.reindex(columns=columns).astype(object).reset_index(drop=True)


LABELS_TH = {
    UNIT_KEY: "หน่วยงาน", "file": "ไฟล์", "month": "เดือนที่", "statuses": "สถานะ",
    "submitted_at": "ส่งเมื่อ", "due": "กำหนดส่ง", "who": "ผู้ส่ง", "tool_version": "รุ่นโปรแกรม",
    "n_changed_after": "แก้ไขหลังส่ง (ช่อง)", "n_plan_changed": "แผนไม่ตรง (ช่อง)",
    "notes": "หมายเหตุ", "what": "เรื่อง", "project_id": "รหัสโครงการ",
    "kpi_number": "ตัวชี้วัดที่", "column": "คอลัมน์", "before": "ก่อน", "after": "หลัง",
    "kpi_name": "ชื่อตัวชี้วัด", "mark": "สถานะแผน", "status_date": "วันที่",
    "status_reason": "เหตุผล",
}  # fmt: skip


def cycle_sheet(wb: XlsxBook, cycles: Sequence[UnitCycle], national: National, month: int) -> None:
    """The national workbook's sheet การส่งผล: each unit's standing, every changed cell,
    every cancellation."""
    s = NationalSheet(
        wb,
        SHEET_CYCLE,
        [
            f"การส่งผลรายหน่วยงาน เดือนที่ {month} / submissions by unit, month {month}",
            "ส่งแล้ว / ส่งช้า (หลังวันที่กำหนด) / ยังไม่ส่ง; แก้ไขหลังส่ง = ช่องที่ต่างจากที่ส่ง; "
            "แผนไม่ตรงกับที่อนุมัติ = ช่องแผนที่ต่างจากแผนที่แจก",
        ],
        dict(DEFAULT_BANDS.colours),
    )
    for frame, name, heading in (
        (units_frame(cycles), TABLE_UNITS, "1. สถานะการส่งผลรายหน่วยงาน / each unit's standing"),
        (changes_frame(cycles), TABLE_CHANGES, "2. ช่องที่เปลี่ยนไป / every changed cell"),
        (cancelled_frame(national), TABLE_CANCELLED, "3. การยกเลิก / cancellations"),
    ):
        s.table(frame, name, heading, labels=LABELS_TH)
    s.finish()
