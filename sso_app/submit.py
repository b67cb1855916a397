"""`sso-kpi submit BOOK --month M` and `sso-kpi reopen BOOK --month M --reason TEXT`.

A unit sends month M's results by recording the submission in its own book: the book is
checked, refused while an indicator due by then has an error (each listed with its cell), and
then the hidden sheet ``บันทึกการส่งผล`` gets the month, the date and time, who (the name in
the settings, else the computer's user), the tool's version and a snapshot of what was sent
(the plan and the results to date, with its fingerprint). The cells of submitted months then
refuse typing, with a Thai message saying how to reopen. ``reopen`` records why a month is
opened again; the month must then be submitted again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sso_app.book import layout
from sso_app.book.cycle_sheet import (
    CycleTables,
    guard_entry_sheet,
    indicator_values,
    now_text,
    period_text,
    read_cycle,
    tool_version,
    who,
    write_cycle_sheet,
)
from sso_app.book.opening import SsoBook, open_sso_book, verify_written_book
from sso_app.book.refresh import book_writer, load_for_edit
from sso_app.files.writing import WriteTransaction
from sso_kpi.cycle import (
    REOPEN,
    SUBMIT,
    blocking_errors,
    check_month,
    due_date,
    frame_hash,
    snapshot_columns,
    submitted_months,
)
from sso_kpi.errors import Issue, SsoError


@dataclass
class SubmitReport:
    book: Path
    month: int
    event: str
    period: str = ""
    at: str = ""
    who: str = ""
    due: dt.date | None = None
    guarded: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    backup: Path | None = None

    def __str__(self) -> str:
        if self.errors:
            lines = [
                f"ยังส่งไม่ได้: ตัวชี้วัดที่ถึงกำหนดมีข้อผิดพลาด {len(self.errors)} รายการ "
                "แก้แล้วสั่งใหม่ (สมุดงานไม่ถูกแก้ไข) / not submitted: "
                f"{len(self.errors)} errors on indicators due; fix them and run again "
                "(the workbook is unchanged)"
            ]
            return "\n".join([*lines, *(f"  - {i.text()}" for i in self.errors)])
        if self.event == SUBMIT:
            late = self.due is not None and dt.date.fromisoformat(self.at[:10]) > self.due
            lines = [
                f"ส่งผล{self.period} แล้ว เมื่อ {self.at} โดย {self.who}"
                + (f" (ช้ากว่ากำหนด {self.due.isoformat()})" if late and self.due else "")
                + f" / month {self.month} submitted at {self.at} by {self.who}"
                + (" (late)" if late else ""),
                f"ช่องของเดือนที่ส่งแล้วถูกล็อกการพิมพ์ / cells of submitted months guarded: "
                f"{len(self.guarded)} columns",
            ]
        else:
            lines = [
                f"เปิดแก้ไข{self.period} แล้ว ต้องส่งใหม่อีกครั้ง / month {self.month} reopened: "
                "submit it again when done"
            ]
        lines.append(f"สมุดงาน / workbook: {self.book}")
        if self.backup:
            lines.append(f"สำรองไฟล์เดิมไว้ที่ / previous version kept at: {self.backup}")
        return "\n".join(lines)


def submit(book: Path, month: int, *, now: dt.datetime | None = None) -> SubmitReport:
    """Record ``book``'s submission of ``month`` (nothing written when refused)."""
    book, month = Path(book), check_month(month)
    with WriteTransaction(book) as t:
        opened = open_sso_book(t.target, whole_form=True)
        settings, kpis = opened.settings, opened.data.kpis
        report = SubmitReport(book, month, SUBMIT, period_text(month, settings))
        cycle = read_cycle(opened)
        if month in submitted_months(cycle.records):
            raise SsoError(
                f"{report.period} ส่งไปแล้ว: ถ้าต้องแก้ให้สั่ง sso-kpi reopen ก่อน",
                f"month {month} was already submitted: reopen it first (sso-kpi reopen)",
                where=str(book),
            )
        report.errors = blocking_errors(kpis, month)
        if report.errors:
            return report
        columns = snapshot_columns(month)
        cycle.snapshot = indicator_values(kpis.frame, columns)
        report.at, report.who = now_text(now), who(settings)
        report.due = due_date(month, settings.year_be, settings.year_kind, settings.deadline_day)
        fingerprint = frame_hash(cycle.snapshot, columns)
        cycle.record(SUBMIT, month=month, period=report.period, at=report.at, who=report.who,
                     tool_version=tool_version(), hash=fingerprint)  # fmt: skip
        report.guarded, report.backup = _write(t, opened, cycle)
    return report


def reopen(book: Path, month: int, reason: str, *, now: dt.datetime | None = None) -> SubmitReport:
    """Record why ``month`` is opened again; its cells take typing again."""
    book, month = Path(book), check_month(month)
    if not reason or not reason.strip():
        raise SsoError("ต้องระบุเหตุผล (--reason)", "a reason is required (--reason)",
                       where=str(book))  # fmt: skip
    with WriteTransaction(book) as t:
        opened = open_sso_book(t.target, whole_form=True)
        settings = opened.settings
        report = SubmitReport(book, month, REOPEN, period_text(month, settings))
        cycle = read_cycle(opened)
        if month not in submitted_months(cycle.records):
            raise SsoError(
                f"{report.period} ยังไม่ได้ส่ง จึงไม่ต้องเปิดแก้ไข",
                f"month {month} is not submitted, so there is nothing to reopen",
                where=str(book),
            )
        report.at, report.who = now_text(now), who(settings)
        cycle.record(REOPEN, month=month, period=report.period, at=report.at, who=report.who,
                     tool_version=tool_version(), reason=reason.strip())  # fmt: skip
        report.guarded, report.backup = _write(t, opened, cycle)
    return report


def _write(
    t: WriteTransaction, opened: SsoBook, cycle: CycleTables
) -> tuple[list[str], Path | None]:
    """Save the record and the guard; the book must read back with every row and event."""
    wb = load_for_edit(t.target)
    write_cycle_sheet(wb, cycle)
    guarded = guard_entry_sheet(
        wb[layout.SHEET_ENTRY], opened.settings, submitted_months(cycle.records)
    )
    rows = opened.filled_rows(layout.TABLE_KPI)
    verify = verify_written_book(
        {layout.TABLE_KPI: rows, layout.TABLE_SUBMISSIONS: len(cycle.records)}
    )
    return guarded, t.commit(book_writer(wb, t.target), verify)
