"""`sso-kpi import FILE --into BOOK`: check a unit's KPI file and write its rows into tbl_kpi.

All or nothing: the file is checked first by the engine's own import (every problem listed,
in Thai and English, with file, row and column); if anything is wrong, or the rows would
duplicate the book's, the workbook is not touched at all. Otherwise the rows are written into
``tbl_kpi`` and everything that follows the table's size -- the table's range, the computed
block's array formulas, the data validations, the band colours, the print area -- is redone
for the new row count. The book is written in one transaction: locked from the read of its rows
to the swap (two imports at once never lose each other's rows), the old book kept as a
version, VBA and ribbon kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from openpyxl.utils import range_boundaries

from sso_app.book import layout
from sso_app.book.cycle_sheet import guard_after_edit
from sso_app.book.entry_sheet import (
    fit_kpi_block,
    kpi_table_frame,
    refuse_occupied,
    resize_table,
    write_rows,
)
from sso_app.book.opening import open_sso_book, verify_written_book
from sso_app.book.readers import read_raw
from sso_app.book.refresh import book_writer, load_for_edit
from sso_app.files.writing import WriteTransaction
from sso_kpi.errors import Issue, SsoError
from sso_kpi.importing import Imported, read_table

Mode = Literal["replace", "append"] | None


@dataclass
class ImportReport:
    source: Path
    book: Path
    mode: Mode
    rows: int = 0  # rows written
    total: int = 0  # data rows in tbl_kpi afterwards
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    backup: Path | None = None

    def __str__(self) -> str:
        lines: list[str] = []
        if self.errors:
            lines.append(
                f"ไม่ได้นำเข้า: พบข้อผิดพลาด {len(self.errors)} รายการ สมุดงานไม่ถูกแก้ไข / "
                f"nothing imported: {len(self.errors)} errors, the workbook is unchanged"
            )
            lines += [f"  - {issue.text()}" for issue in self.errors]
        else:
            how = {"replace": "แทนที่ / replaced", "append": "ต่อท้าย / appended"}.get(
                self.mode or "", "นำเข้า / imported"
            )
            lines.append(
                f"นำเข้า {self.rows} แถวลงตาราง tbl_kpi แล้ว ({how}); รวม {self.total} แถว / "
                f"{self.rows} rows written into tbl_kpi; {self.total} rows in all"
            )
            lines.append(f"สมุดงาน / workbook: {self.book}")
            if self.backup:
                lines.append(f"สำรองไฟล์เดิมไว้ที่ / backup of the previous file: {self.backup}")
        if self.warnings:
            lines.append(f"คำเตือน / warnings: {len(self.warnings)}")
            lines += [f"  - {issue.text()}" for issue in self.warnings]
        return "\n".join(lines)


def _duplicates(new: Imported, existing: Imported, file: str) -> list[Issue]:
    """Rows of the file whose (project_id, kpi_number) the book already holds."""
    keys = ["project_id", "kpi_number"]
    have = set(map(tuple, existing.frame[keys].astype(str).to_numpy().tolist()))
    issues = []
    for row in new.frame[[*keys, "source_row"]].itertuples(index=False):
        if (str(row.project_id), str(row.kpi_number)) in have:
            issues.append(
                Issue(
                    "มีตัวชี้วัดนี้ (รหัสโครงการ + ตัวชี้วัดที่) ในสมุดงานอยู่แล้ว",
                    "the workbook already has this indicator (project_id + kpi_number)",
                    file=file,
                    row=int(row.source_row),
                    column="kpi_number (ตัวชี้วัดที่)",
                    value=f"{row.project_id} / {row.kpi_number}",
                    code="already_in_book",
                    key="kpi_number",
                )
            )
    return issues


def import_into(source: Path, book: Path, mode: Mode = None) -> ImportReport:
    """Check ``source`` (CSV, xlsx, xlsm) and write its rows into ``book``'s tbl_kpi.

    ``mode``: None (the table must be empty), ``"replace"`` (all rows replaced; a backup is
    kept) or ``"append"`` (added after the last row; an indicator already in the book is an
    error). On any error nothing is written and the report lists every problem.
    """
    source, book = Path(source), Path(book)
    if mode not in (None, "replace", "append"):
        raise ValueError(f"mode must be None, 'replace' or 'append', not {mode!r}")
    with WriteTransaction(book, inputs=[source]) as t:
        return _import(source, book, t, mode)


def _import(source: Path, book: Path, t: WriteTransaction, mode: Mode) -> ImportReport:
    opened = open_sso_book(t.target, whole_form=True)
    raw, src = read_raw(source)
    new = read_table(raw, src, form="kpi")
    report = ImportReport(source, book, mode, warnings=list(new.warnings))
    if new.errors:
        report.errors = list(new.errors)
        return report
    if not len(new.frame):
        raise SsoError("ไฟล์ไม่มีแถวข้อมูล", "the file has no data rows", where=str(source))

    existing = opened.data.kpis
    if len(existing.frame) and mode is None:
        raise SsoError(
            f"ตาราง tbl_kpi มีข้อมูลอยู่แล้ว {len(existing.frame)} แถว: สั่งใหม่พร้อม --replace "
            "(แทนที่ทั้งหมด มีไฟล์สำรอง) หรือ --append (ต่อท้าย)",
            f"tbl_kpi already holds {len(existing.frame)} rows: run again with --replace "
            "(replace them all, a backup is kept) or --append (add after them)",
            where=str(book),
        )
    if mode == "append":
        duplicates = _duplicates(new, existing, src.file)
        if duplicates:
            report.errors = duplicates
            return report

    settings = opened.settings
    wb = load_for_edit(t.target)
    ws = wb[layout.SHEET_ENTRY]
    min_col, header, max_col, old_last = range_boundaries(ws.tables[layout.TABLE_KPI].ref)
    columns = list(range(min_col, max_col + 1))
    first = header + 1
    frame = kpi_table_frame(new)

    if mode == "append" and len(existing.frame):
        start = int(existing.frame["source_row"].max()) + 1
    else:
        start = first
        for r in range(first, old_last + 1):  # replace (or an empty table): clear it all
            for c in columns:
                ws.cell(row=r, column=c).value = None
    last = max(start + len(frame) - 1, first)
    if mode == "append":
        last = max(last, old_last)
    refuse_occupied(ws, range(old_last + 1, last + 1), columns, book)
    write_rows(ws, frame, start)
    resize_table(ws, last)
    fit_kpi_block(ws, settings)
    guard_after_edit(wb, opened)  # months already submitted stay guarded

    total = (opened.filled_rows(layout.TABLE_KPI) if mode == "append" else 0) + len(frame)
    verify = verify_written_book({layout.TABLE_KPI: total})
    report.backup = t.commit(book_writer(wb, t.target), verify)
    report.rows = len(frame)
    report.total = total
    return report
