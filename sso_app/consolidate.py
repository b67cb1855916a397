"""`sso-kpi consolidate`: many units' SSO_Plan workbooks into one national workbook.

Every month the planning division (กองนโยบายและแผนงาน) receives 100+ workbooks by e-mail.
Any of them may be damaged, renamed, password-protected, from last year, or not an SSO
workbook at all; none of that may stop the run. Each file is checked (``check_workbook_file``,
bounded time and memory), read with python-calamine only (fast, read-only), and listed with
its status; the numbers go through the engine (``sso_kpi.consolidation``); the national
workbook is written by :mod:`sso_app.national_book` through ``atomic_write``, every text a
unit typed through ``set_text_cell`` (a project named ``=HYPERLINK(...)`` stays text).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sso_app.files.textsafe import csv_safe
from sso_app.files.writing import atomic_write, backup_path_for
from sso_app.national.intake import (
    ERRORS,
    OK,
    REFUSED,
    SKIPPED,
    STATUS_TEXT,
    WARNINGS,
    UnitFile,
    expand_inputs,
    read_unit_files,
)
from sso_app.national.workbook import write_national_workbook
from sso_kpi.consolidation import UNIT_KEY, National, UnitReport, consolidate_units
from sso_kpi.errors import SsoError

# ---------------------------------------------------------------------------------------------
# Which files
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Reading one unit's file
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Typing the rows of many files at once
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Which files count
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


@dataclass
class ConsolidationReport:
    """What the run did, printed for the planner (Thai, then English)."""

    output: Path
    quarter: int
    year_be: int
    year_kind: str
    files: list[UnitFile]
    national: National
    csv: Path | None = None

    def count(self, *statuses: str) -> int:
        return sum(f.status in statuses for f in self.files)

    def __str__(self) -> str:
        n_units = len(self.national.units)
        lines = [
            f"รวมผลระดับประเทศ ปี พ.ศ. {self.year_be} ไตรมาสที่ {self.quarter}: "
            f"อ่านได้ {self.count(OK, WARNINGS, ERRORS)} ไฟล์ ({n_units} หน่วยงาน), "
            f"ไม่รับ {self.count(REFUSED)} ไฟล์, ข้าม {self.count(SKIPPED)} ไฟล์",
            f"National summary {self.year_be - 543} Q{self.quarter}: "
            f"{self.count(OK, WARNINGS, ERRORS)} files read ({n_units} units), "
            f"{self.count(REFUSED)} refused, {self.count(SKIPPED)} skipped; "
            f"{self.count(ERRORS)} with errors (rows left out), "
            f"{self.count(WARNINGS)} with warnings",
            f"ยังไม่รายงาน / not reported: {len(self.national.not_reported)} หน่วยงาน/units",
            f"บันทึกที่ / written to: {self.output}",
        ]
        if self.csv is not None:
            lines.append(f"CSV: {self.csv}")
        for f in self.files:
            if f.status in (REFUSED, SKIPPED):
                lines.append(f"  [{STATUS_TEXT[f.status]}] {f.path.name}: {f.refusal}")
            elif f.status == ERRORS:
                lines.append(
                    f"  [{STATUS_TEXT[f.status]}] {f.path.name}: {f.n_errors} ข้อผิดพลาด/errors"
                )
        return "\n".join(lines)


def consolidate(
    inputs: list[Path], output: Path, quarter: int | None, *, workers: int | None = None
) -> ConsolidationReport:
    """Read every unit workbook in ``inputs`` (files or folders) and write the national
    workbook ``output`` (.xlsx) and, beside it, ``<stem>_projects.csv``. ``workers``: the
    processes that read the files (default: one per core for many files, see
    ``default_workers``).

    Refuses (SsoError) only when nothing at all can be consolidated or the output cannot be
    written; a bad input file is a status line, never the end of the run.
    """
    output = Path(output)
    if output.suffix.lower() != ".xlsx":
        raise SsoError(
            "ไฟล์สรุประดับประเทศต้องเป็น .xlsx (ไม่มีมาโคร)",
            "the national workbook must be an .xlsx file (it has no macros)",
            where=str(output),
        )
    paths = expand_inputs(inputs, exclude=[output, backup_path_for(output)])
    if not paths:
        raise SsoError(
            "ไม่พบไฟล์ .xlsm/.xlsx ในที่ที่ระบุ",
            "no .xlsm/.xlsx files found in the given files or folders",
            where=", ".join(str(p) for p in inputs),
        )
    files, year_be, year_kind = read_unit_files(paths, workers)
    usable = [f for f in files if f.usable]
    if not usable:
        reasons = "; ".join(f"{f.path.name}: {f.refusal}" for f in files[:5])
        raise SsoError(
            f"ไม่มีไฟล์ใดอ่านได้ จึงไม่ได้สร้างไฟล์สรุป ({reasons})",
            f"no file could be read, so no national workbook was written ({reasons})",
        )
    reports = [UnitReport(f.unit, f.imported, f.budget) for f in usable]  # type: ignore[arg-type]
    national = consolidate_units(reports, quarter)

    write_national_workbook(output, national, files, year_be=year_be, year_kind=year_kind)
    csv = write_projects_csv(output.with_name(f"{output.stem}_projects.csv"), national)
    return ConsolidationReport(output, national.quarter, year_be, year_kind, files, national, csv)


def write_projects_csv(path: Path, national: National) -> Path:
    """Every unit's projects with band and average, for other tools; formula-safe (csv_safe)
    and UTF-8 with a BOM so Thai Excel opens it correctly."""
    columns = [UNIT_KEY, "project_id", "strategy", "project_name", "average_pct", "band"]
    table = national.by_unit.projects[columns].copy()
    table["average_pct"] = table["average_pct"].round(2)
    for column in (UNIT_KEY, "project_id", "strategy", "project_name", "band"):
        table[column] = table[column].astype(object).map(csv_safe)
    atomic_write(
        path,
        lambda tmp: table.to_csv(tmp, index=False, encoding="utf-8-sig"),
        backup=False,
    )
    return path
