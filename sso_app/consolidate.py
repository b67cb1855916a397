"""`sso-kpi consolidate`: many units' SSO_Plan workbooks into one national workbook.

Every month the planning division (กองนโยบายและแผนงาน) receives 100+ workbooks by e-mail.
Any of them may be damaged, renamed, password-protected, from last year, or not an SSO
workbook at all; none of that may stop the run. Each file is checked (``check_workbook_file``,
bounded time and memory), read with python-calamine only (fast, read-only), and listed with
its status; the numbers go through the engine (``sso_kpi.consolidation``); the national
workbook (:mod:`sso_app.national.workbook`) and its projects CSV are written together
(``write_together``: both or neither), every text a unit typed through ``set_text_cell``
(a project named ``=HYPERLINK(...)`` stays text).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sso_app.files.checks import check_workbook_file
from sso_app.files.textsafe import csv_safe
from sso_app.files.writing import atomic_write, refuse_output_among_inputs, write_together
from sso_app.national.cycle_status import cycle_month, cycle_sheet, unit_cycles
from sso_app.national.intake import (
    ERRORS,
    OK,
    REFUSED,
    SKIPPED,
    STATUS_TEXT,
    WARNINGS,
    InputFile,
    UnitFile,
    find_inputs,
    is_national_book,
    read_unit_files,
)
from sso_app.national.manifest import find_manifest, read_manifest
from sso_app.national.workbook import national_workbook
from sso_kpi.consolidation import UNIT_KEY, National, UnitReport, consolidate_units
from sso_kpi.cycle import CHANGED_AFTER_TH, PLAN_CHANGED_TH, Change, UnitCycle
from sso_kpi.errors import SsoError


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
    month: int = 0  # the month the yearly cycle's statuses are about
    cycles: list[UnitCycle] = field(default_factory=list)
    manifest: Path | None = None

    def as_json(self) -> dict:
        """Per unit: ``submission``, ``changed_after_submission``, ``plan_changed``."""
        return {
            "year_be": self.year_be,
            "quarter": self.quarter,
            "month": self.month,
            "output": str(self.output),
            "manifest": str(self.manifest) if self.manifest else None,
            "units": [c.as_json() for c in self.cycles],
        }

    def count(self, *statuses: str) -> int:
        return sum(f.status in statuses for f in self.files)

    @property
    def left_out(self) -> int:
        """Files refused, and files whose rows with errors were left out: exit code 1. An
        older copy skipped for a unit's newer file is not: that unit is read."""
        return self.count(REFUSED, ERRORS)

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
        if self.cycles:
            lines.append(f"การส่งผล เดือนที่ {self.month} / submissions, month {self.month}:")
            for c in self.cycles:
                when = f" {c.state.at}" if c.state.at else ""
                lines.append(f"  {c.unit}: {', '.join(c.labels_th)}{when}")
                lines += [
                    f"      {CHANGED_AFTER_TH}: {_change(x)}" for x in c.changed_after_submission
                ]
                lines += [f"      {PLAN_CHANGED_TH}: {_change(x)}" for x in c.plan_changed]
        # Each file under the heading that says what it is: a file with warnings only is
        # never listed as one with errors.
        for statuses, heading in _SECTIONS:
            listed = [f for f in self.files if f.status in statuses]
            if listed:
                lines.append(heading)
                lines.extend(f"  [{STATUS_TEXT[f.status]}] {f.label}: {_detail(f)}" for f in listed)
        return "\n".join(lines)


_SECTIONS = (
    ((REFUSED, SKIPPED), "ไฟล์ที่ไม่รับหรือข้าม / files refused or skipped:"),
    ((ERRORS,), "ไฟล์ที่มีข้อผิดพลาด (ตัดแถวที่ผิดออก) / files with errors (those rows left out):"),
    ((WARNINGS,), "ไฟล์ที่มีข้อสังเกตเท่านั้น (ใช้ทุกแถว) / files with warnings only (every row used):"),
)


def _change(c: Change) -> str:
    return f"{c.project_id} ตัวชี้วัด {c.kpi_number} {c.column}: {c.before} → {c.after}"


def _detail(f: UnitFile) -> str:
    if f.status in (REFUSED, SKIPPED):
        return f.refusal
    counts = [f"{f.n_errors} ข้อผิดพลาด/errors"] if f.n_errors else []
    if f.n_warnings:
        counts.append(f"{f.n_warnings} ข้อสังเกต/warnings")
    return ", ".join(counts)


def progress_bar(total: int, show: bool | None = None):  # type: ignore[no-untyped-def]
    """Files read of ``total`` on the terminal (stderr), nothing when stderr is piped or
    redirected (a log file, a scheduled run) unless ``show`` says so."""
    from tqdm import tqdm

    visible = sys.stderr.isatty() if show is None else show
    return tqdm(
        total=total,
        desc="อ่านไฟล์ / reading",
        unit=" ไฟล์",
        file=sys.stderr,
        disable=not visible,
        leave=False,
        mininterval=0,  # every file shows: a few hundred redraws cost nothing
        dynamic_ncols=True,
    )


def consolidate(
    inputs: list[Path],
    output: Path,
    quarter: int | None,
    *,
    workers: int | None = None,
    month: int | None = None,
    manifest: Path | None = None,
    progress: bool | None = None,
) -> ConsolidationReport:
    """Read every unit workbook in ``inputs`` (files or folders) and write the national
    workbook ``output`` (.xlsx) and, beside it, ``<stem>_projects.csv``, together: both or
    neither. ``workers``: the processes that read the files (default: one per core for many
    files, see ``default_workers``). ``progress``: show files read of total (default: when
    stderr is a terminal).

    Refuses (SsoError) when nothing at all can be consolidated, when ``output`` is one of the
    units' files (a national workbook written earlier is not an input: it is replaced, its old
    version kept), or when either output cannot be written; a bad input file is a status
    line, never the end of the run.
    """
    with _long_lived_objects_frozen() as freeze:
        return _consolidate(
            inputs, Path(output), quarter, workers, month, manifest, progress, freeze
        )


@contextlib.contextmanager
def _long_lived_objects_frozen() -> Iterator[Callable[[], None]]:
    """Objects alive now, and those frozen by the ``freeze`` it gives, are left out of the
    garbage collector's full passes until the block ends (``gc.freeze``; nothing is lost:
    they go back to the collector then, garbage or not). A full pass walks every object
    of the process, the modules of pandas, numpy and openpyxl (70,000 or so) and every file
    read among them: on a 2-core machine each took ~0.07 s, twice per run, for nothing to
    collect. Objects made after the last freeze are still collected as always. A caller
    that froze objects itself is left as it is."""
    if gc.get_freeze_count():
        yield lambda: None
        return
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def _consolidate(
    inputs: list[Path],
    output: Path,
    quarter: int | None,
    workers: int | None,
    month: int | None,
    manifest: Path | None,
    progress: bool | None,
    freeze: Callable[[], None],
) -> ConsolidationReport:
    if output.suffix.lower() != ".xlsx":
        raise SsoError(
            "ไฟล์สรุประดับประเทศต้องเป็น .xlsx (ไม่มีมาโคร)",
            "the national workbook must be an .xlsx file (it has no macros)",
            where=str(output),
        )
    found = _inputs_besides(find_inputs(inputs), output)
    if not found:
        raise SsoError(
            "ไม่พบไฟล์ .xlsm/.xlsx ในที่ที่ระบุ",
            "no .xlsm/.xlsx files found in the given files or folders",
            where=", ".join(str(p) for p in inputs),
        )
    with progress_bar(len(found), progress) as bar:
        files, year_be, year_kind = read_unit_files(found, workers, progress=bar.update)
    freeze()  # the files read live until the end
    usable = [f for f in files if f.usable]
    if not usable:
        reasons = "; ".join(f"{f.label}: {f.refusal}" for f in files[:5])
        raise SsoError(
            f"ไม่มีไฟล์ใดอ่านได้ จึงไม่ได้สร้างไฟล์สรุป ({reasons})",
            f"no file could be read, so no national workbook was written ({reasons})",
        )
    reports = [UnitReport(f.unit, f.imported, f.budget) for f in usable]  # type: ignore[arg-type]
    national = consolidate_units(reports, quarter)

    manifest = manifest or find_manifest(inputs)
    distributed = read_manifest(manifest) if manifest else None
    month = cycle_month(files, national.quarter, month)
    cycles = unit_cycles(files, month, year_be=year_be, year_kind=year_kind, manifest=distributed)
    wb = national_workbook(national, files, year_be=year_be, year_kind=year_kind)
    cycle_sheet(wb, cycles, national, month)
    csv = projects_csv_path(output)
    write_together(
        [(output, wb.save, check_workbook_file), (csv, _projects_csv_writer(national), None)],
        backup=True,  # a national workbook written before is kept as a version
        inputs=[f.path for f in found],
    )
    return ConsolidationReport(
        output, national.quarter, year_be, year_kind, files, national, csv, month, cycles, manifest
    )


def projects_csv_path(output: Path) -> Path:
    """``national.xlsx`` -> ``national_projects.csv`` beside it: the workbook's pair."""
    return output.with_name(f"{output.stem}_projects.csv")


def _inputs_besides(found: list[InputFile], output: Path) -> list[InputFile]:
    """The files to read, never the output: a national workbook written earlier at the
    output's path is skipped (it is replaced); a unit's file there is refused, before
    anything is read, so its rows are neither left out nor overwritten."""
    if not output.exists():
        return found
    among = [f for f in found if _same_file(f.path, output)]
    if among and not is_national_book(output):
        refuse_output_among_inputs(output, [f.path for f in among])
    return [f for f in found if f not in among]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def write_projects_csv(path: Path, national: National) -> Path:
    """Every unit's projects with band and average, for other tools (on its own: ``consolidate``
    writes it together with its workbook)."""
    atomic_write(path, _projects_csv_writer(national), backup=False)
    return path


def _projects_csv_writer(national: National) -> Callable[[Path], None]:
    """Writes every unit's projects with band and average; formula-safe (csv_safe) and
    UTF-8 with a BOM so Thai Excel opens it correctly."""
    columns = [UNIT_KEY, "project_id", "strategy", "project_name", "average_pct", "band"]
    table = national.by_unit.projects[columns].copy()
    table["average_pct"] = table["average_pct"].round(2)
    for column in (UNIT_KEY, "project_id", "strategy", "project_name", "band"):
        table[column] = table[column].astype(object).map(csv_safe)

    def write(tmp: Path) -> None:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")

    return write
