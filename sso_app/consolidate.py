"""`sso-kpi consolidate`: many units' SSO_Plan workbooks into one national workbook.

Every month the planning division (กองนโยบายและแผนงาน) receives 100+ workbooks by e-mail.
Any of them may be damaged, renamed, password-protected, from last year, or not an SSO
workbook at all; none of that may stop the run. Each file is checked (``check_workbook_file``,
bounded time and memory), read with python-calamine only (fast, read-only), and listed with
its status; the numbers go through the engine (``sso_kpi.consolidation``); the national
workbook is written with openpyxl through ``atomic_write``, every text a unit typed through
``set_text_cell`` (a project named ``=HYPERLINK(...)`` stays text).
"""

from __future__ import annotations

import os
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine as calamine
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from sso_kpi.consolidation import UNIT_KEY, National, UnitReport, consolidate_units
from sso_kpi.errors import Issue, SsoError
from sso_kpi.importing import Imported, Source, canonical_frame, read_table
from sso_kpi.schema import REQUIRED_COLUMNS, canonical_column
from sso_kpi.scoring import BAND_TH, BANDS, DEFAULT_BANDS, GREEN, RED, YELLOW, natural_key
from sso_kpi.values import normalise_text, parse_numbers, round_half_up

from . import layout
from .readers import fill_merged
from .safe_io import (
    TEMP_PREFIX,
    atomic_write,
    backup_path_for,
    check_workbook_file,
    csv_safe,
    set_text_cell,
)
from .sheets import (
    add_band_formatting,
    add_bands_chart,
    autosize,
    display_width,
    write_frame_table,
)
from .summary import (
    COUNT_FORMAT,
    MONEY_FORMAT,
    PCT_FORMAT,
    Settings,
    band_table,
    settings_from_rows,
    settings_rows,
    title_lines,
)
from .summary import LABELS_TH as SUMMARY_LABELS

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
NATIONAL_KPI_TABLE = "tbl_national_kpi"
"""The combined indicators in a national workbook: how a national book is told from a unit's."""

OK, WARNINGS, ERRORS, REFUSED, SKIPPED = "ok", "warnings", "errors", "refused", "skipped"
STATUS_TEXT = {
    OK: "ใช้ได้ / ok",
    WARNINGS: "ใช้ได้ มีข้อสังเกต / ok with warnings",
    ERRORS: "มีข้อผิดพลาด ตัดแถวที่ผิดออก / errors: those rows left out",
    REFUSED: "ไม่รับ อ่านไม่ได้ / refused",
    SKIPPED: "ข้าม (มีไฟล์ใหม่กว่าของหน่วยงานเดียวกัน) / skipped: a newer file of the same unit",
}
_SETTING_KEYS = ("schema_version", "unit", "year_be", "year_kind")


# ---------------------------------------------------------------------------------------------
# Which files
# ---------------------------------------------------------------------------------------------


def _is_candidate(path: Path) -> bool:
    """A workbook a planner sent, not a lock file, our backup or a half-written temp."""
    name = path.name
    return (
        path.suffix.lower() in WORKBOOK_SUFFIXES
        and not name.startswith(("~$", ".~lock", TEMP_PREFIX))
        and ".backup." not in name
    )


def expand_inputs(inputs: Iterable[Path], *, exclude: Iterable[Path] = ()) -> list[Path]:
    """Files named, and every workbook in the folders named (sub-folders too), each once.

    Lock files (``~$…``), backups (``*.backup.*``) and our temps (``.~sso-tmp-*``) are
    skipped in folders; ``exclude`` (the output and its backup) is never read back in. A file
    named explicitly is kept whatever its name, so it gets a status line (missing, wrong type).
    """
    skip = {Path(p).resolve() for p in exclude}
    found: list[Path] = []
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            found.extend(sorted(p for p in item.rglob("*") if p.is_file() and _is_candidate(p)))
        else:
            found.append(item)
    unique = dict.fromkeys(p for p in found if p.resolve() not in skip)
    return list(unique)


# ---------------------------------------------------------------------------------------------
# Reading one unit's file
# ---------------------------------------------------------------------------------------------


@dataclass
class UnitFile:
    """What was read from one file, and its status line in ไฟล์ที่รับ."""

    path: Path
    status: str = OK
    unit: str = ""
    year_be: int | None = None
    year_kind: str = ""
    schema_version: str = ""
    refusal: str = ""  # why the file was refused or skipped (Thai / English)
    issues: list[Issue] = field(default_factory=list)
    imported: Imported | None = None
    budget: pd.DataFrame | None = None
    raw_kpis: tuple[pd.DataFrame, Source] | None = None  # until typed
    raw_budget: tuple[pd.DataFrame, Source] | None = None

    @property
    def usable(self) -> bool:
        return self.status in (OK, WARNINGS, ERRORS)

    @property
    def n_rows(self) -> int:
        return 0 if self.imported is None else len(self.imported.frame)

    @property
    def n_errors(self) -> int:
        return sum(i.severity == "error" for i in self.issues)

    @property
    def n_warnings(self) -> int:
        return sum(i.severity == "warning" for i in self.issues)

    def refuse(self, status: str, err: SsoError) -> UnitFile:
        self.status, self.refusal = status, f"{err.message_th} / {err.message_en}"
        self.issues = []  # the file is not used: its rows' problems do not matter now
        self.imported, self.budget = None, None
        self.raw_kpis = self.raw_budget = None
        return self

    def messages(self, limit: int = 5) -> str:
        """The refusal or the first ``limit`` problems, one per line (a cell holds 32,767)."""
        if self.refusal:
            return self.refusal
        lines = [i.text() for i in self.issues[:limit]]
        more = len(self.issues) - limit
        if more > 0:
            lines.append(f"… และอีก {more:,} รายการ (ดูตารางด้านล่าง) / … {more:,} more below")
        return "\n".join(lines)


def read_book_table(
    book: calamine.CalamineWorkbook, name: str, path: Path, *, merges: bool = False
) -> tuple[pd.DataFrame, Source]:
    """Raw cells of an Excel table and where they are.

    Excel cannot merge cells inside a table, so an SSO workbook's tables need no merge
    filling; ``merges=True`` (a book another tool wrote with merged cells) fills them as
    ``readers`` does, at the cost of parsing the sheet a second time.
    """
    t = book.get_table_by_name(name)
    first_row, first_col = t.start
    rows = t.to_python()
    if merges:
        ranges = book.get_sheet_by_name(t.sheet).merged_cell_ranges or []
        rows = fill_merged(rows, ranges, first_row, first_col) if ranges else rows
    columns = [str(c) for c in t.columns]
    letters: dict[str, str] = {}
    for i, column in enumerate(columns):  # the first of two columns with one key wins
        letters.setdefault(canonical_column(column), get_column_letter(first_col + i + 1))
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return frame, Source(path.name, t.sheet, first_row + 1, letters)


def has_merged_cells(path: Path) -> bool:
    """Whether any worksheet part declares merged cells (a cheap look at the zip, so the
    second sheet parse merges need is paid only by the rare book that has them)."""
    with zipfile.ZipFile(path) as zf:
        return any(
            b"<mergeCell " in zf.read(info)
            for info in zf.infolist()
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        )


def _not_sso(path: Path, detail_th: str, detail_en: str) -> SsoError:
    return SsoError(
        f"ไม่ใช่สมุดงาน SSO_Plan ({detail_th}) ให้ใช้แบบฟอร์ม SSO_Plan.xlsm ของสำนักงาน",
        f"not an SSO_Plan workbook ({detail_en}); use the office's SSO_Plan.xlsm form",
        where=str(path),
    )


def read_unit_files(paths: Sequence[Path]) -> tuple[list[UnitFile], int, str]:
    """Every file checked and opened one by one; files of another year and older copies of
    a unit's file set aside; then all KPI and budget rows typed in one pass each (the
    engine's import costs about the same for 200 rows or 20,000: once, not 100 times).

    Returns the files (every one, with its status), the plan year (พ.ศ.) and its kind.
    """
    files = [open_unit_file(p) for p in paths]
    year_be, year_kind = keep_one_year(files)
    keep_newest_per_unit(files)
    import_kpis(files)
    import_budgets(files)
    for f in files:
        if f.usable:
            f.status = ERRORS if f.n_errors else WARNINGS if f.n_warnings else OK
    return files, year_be, year_kind


def read_unit_file(path: Path) -> UnitFile:
    """One file read as ``read_unit_files`` reads many."""
    return read_unit_files([path])[0][0]


def open_unit_file(path: Path) -> UnitFile:
    """Check one workbook and take its settings and raw tables; never raises: a problem
    becomes the file's status."""
    result = UnitFile(path=Path(path))
    try:
        return _open_unit_file(result)
    except SsoError as err:
        return result.refuse(REFUSED, err)
    except Exception as err:  # a file no check foresaw must not stop the other 100
        return result.refuse(REFUSED, _unreadable(path, err))


def _unreadable(path: Path, err: Exception) -> SsoError:
    return SsoError(
        f"อ่านไฟล์ไม่ได้ ({type(err).__name__}) ไฟล์อาจเสีย ขอให้ส่งมาใหม่",
        f"could not read the file ({type(err).__name__}: {err}); ask for it again",
        where=str(path),
    )


def _open_unit_file(result: UnitFile) -> UnitFile:
    path = result.path
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise SsoError(
            "อ่านได้เฉพาะไฟล์ .xlsm หรือ .xlsx (SSO_Plan)",
            f"only .xlsm/.xlsx SSO_Plan workbooks are read, not {path.suffix or 'this file'}",
            where=str(path),
        )
    check_workbook_file(path)
    try:
        book = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    except Exception as err:
        raise SsoError(
            "เปิดไฟล์ไม่ได้ ไฟล์อาจเสีย ขอให้ส่งมาใหม่",
            f"cannot read the workbook ({err}); ask for it again",
            where=str(path),
        ) from err
    tables = set(book.table_names)
    if NATIONAL_KPI_TABLE in tables:
        raise SsoError(
            "เป็นไฟล์สรุประดับประเทศที่โปรแกรมนี้สร้าง ไม่ใช่ไฟล์ของหน่วยงาน จึงไม่นำมารวม",
            "this is a national summary made by this program, not a unit's workbook: left out",
            where=str(path),
        )
    for name in (layout.TABLE_SETTINGS, layout.TABLE_KPI):
        if name not in tables:
            raise _not_sso(path, f"ไม่มีตาราง {name}", f"no table {name}")

    rows = book.get_table_by_name(layout.TABLE_SETTINGS).to_python()
    rows = [r for r in rows if r and str(r[0]).strip() in _SETTING_KEYS]
    settings = settings_from_rows(rows)  # a bad year/kind is refused, naming the setting
    if not settings.schema_version:
        raise _not_sso(path, "ไม่มีรุ่นของแบบฟอร์ม schema_version", "no schema_version setting")
    if _version(settings.schema_version) > _version(layout.SCHEMA_VERSION):
        raise SsoError(
            f"แบบฟอร์มรุ่น {settings.schema_version} ใหม่กว่าโปรแกรมนี้ (รุ่น "
            f"{layout.SCHEMA_VERSION}) ให้ปรับรุ่นโปรแกรมก่อน",
            f"form version {settings.schema_version} is newer than this program's "
            f"({layout.SCHEMA_VERSION}): update the program first",
            where=str(path),
        )
    result.year_be, result.year_kind = settings.year_be, settings.year_kind
    result.schema_version = settings.schema_version
    result.unit = settings.unit
    if not result.unit:
        result.unit = path.stem
        result.issues.append(
            Issue(
                "ไม่ได้กรอกชื่อหน่วยงานในชีตตั้งค่า ใช้ชื่อไฟล์แทน",
                "no unit name in the settings sheet; the file name is used",
                file=path.name,
                sheet=layout.SHEET_SETTINGS,
                column="unit",
                severity="warning",
            )
        )
    merges = has_merged_cells(path)
    result.raw_kpis = read_book_table(book, layout.TABLE_KPI, path, merges=merges)
    if layout.TABLE_BUDGET in tables:
        result.raw_budget = read_book_table(book, layout.TABLE_BUDGET, path, merges=merges)
    return result


# ---------------------------------------------------------------------------------------------
# Typing the rows of many files at once
# ---------------------------------------------------------------------------------------------

_TAG = re.compile("\ue000\\d+\ue001")


def _tag(i: int) -> str:
    """A per-file prefix for project ids (private-use characters: never typed, not space)."""
    return f"\ue000{i}\ue001"


def _untag(text: object) -> object:
    return _TAG.sub("", text) if isinstance(text, str) else text


def import_many(raws: Sequence[tuple[pd.DataFrame, Source]]) -> list[Imported]:
    """``read_table`` of many files' raw tables in one call, split back per file.

    The same result as one call per file (``tests/test_consolidate_cli.py`` checks it), for
    a fraction of the time: the import's cost is per column, not per row. What keeps files
    apart: every project id carries its file's tag while the rows are together, so
    duplicates and weight sums are checked within a file; row numbers, sheet names and
    column letters in messages are put back to each file's own. Columns blank in every file
    are left out (a blank column reads exactly as a missing optional one). A file missing a
    required column is imported on its own, so it gets that message.
    """
    out: list[Imported | None] = [None] * len(raws)
    together: list[int] = []
    for i, (raw, source) in enumerate(raws):
        columns = set(canonical_frame(raw.iloc[:0]).columns)
        if set(REQUIRED_COLUMNS) <= columns and len(raw):
            together.append(i)
        else:
            out[i] = read_table(raw, source, form="kpi")
    if together:
        frames = []
        for i in together:
            frame = canonical_frame(raws[i][0])
            ids = normalise_text(frame["project_id"])
            frame["project_id"] = np.where(ids != "", _tag(i) + ids, frame["project_id"])
            frames.append(frame)
        stacked = pd.concat(frames, ignore_index=True)
        blank = [c for c in stacked.columns if c not in REQUIRED_COLUMNS and _blank(stacked[c])]
        imported = read_table(stacked.drop(columns=blank), Source(first_row=0), form="kpi")
        offsets = np.cumsum([0] + [len(f) for f in frames])
        for k, i in enumerate(together):
            out[i] = _one_file(imported, offsets[k], offsets[k + 1], raws[i][1])
    return out  # type: ignore[return-value]


def _blank(column: pd.Series) -> bool:
    """Every cell empty, as ``normalise_text`` sees it; calamine's '' is checked first."""
    values = column.to_numpy(object)
    filled = values[~pd.isna(values) & (values != "")]
    # The first real value ends the search: most columns have one on their first row.
    return not any(not isinstance(v, str) or v.strip() for v in filled)


def _one_file(imported: Imported, start: int, stop: int, source: Source) -> Imported:
    """One file's rows and issues out of a stacked import, in that file's terms."""
    frame = imported.frame
    mine = (frame["source_row"] >= start) & (frame["source_row"] < stop)
    frame = frame[mine].reset_index(drop=True)
    frame["source_row"] = frame["source_row"] - start + source.first_row
    frame["project_id"] = frame["project_id"].map(_untag).astype(object)
    issues = []
    for issue in imported.issues:
        if issue.row is None or not start <= issue.row < stop:
            continue
        key = issue.column.split(" ", 1)[0]
        letter = source.letters.get(key, "")
        issues.append(
            replace(
                issue,
                file=source.file,
                sheet=source.sheet,
                row=int(issue.row - start + source.first_row),
                column=f"{letter} {issue.column}" if letter else issue.column,
                value=_untag(issue.value),
                message_th=_untag(issue.message_th),
                message_en=_untag(issue.message_en),
            )
        )
    issues.sort(key=lambda i: (i.row or 0, i.column))
    return Imported("kpi", frame, issues)


def import_kpis(files: Sequence[UnitFile]) -> None:
    """Type every usable file's tbl_kpi rows (one import for all of them)."""
    pending = [f for f in files if f.usable and f.raw_kpis is not None]
    try:
        results = import_many([f.raw_kpis for f in pending])  # type: ignore[misc]
    except Exception:  # never expected; then each file on its own, so one cannot stop all
        results = []
        for f in pending:
            try:
                results.append(read_table(*f.raw_kpis, form="kpi"))  # type: ignore[misc]
            except Exception as err:
                f.refuse(REFUSED, _unreadable(f.path, err))
                results.append(None)
    for f, imported in zip(pending, results, strict=True):
        if imported is not None:
            f.imported = imported
            f.issues.extend(imported.issues)
        f.raw_kpis = None


def read_budget(raw: pd.DataFrame, source: Source) -> tuple[pd.DataFrame, list[Issue]]:
    """tbl_budget (category, plan, spent) typed; a cell that is not a number is an error and
    its row is left out, like a KPI row."""
    frame = raw.reindex(columns=list(layout.BUDGET_TABLE_COLUMNS)).reset_index(drop=True)
    rows = np.arange(len(frame)) + source.first_row
    issues: list[Issue] = []
    out = pd.DataFrame({"category": normalise_text(frame["category"]).astype(object)})
    bad_row = np.zeros(len(frame), bool)
    for column, th in (("plan", "แผน (บาท)"), ("spent", "ผลการเบิกจ่าย (บาท)")):
        parsed = parse_numbers(frame[column])
        out[column] = parsed.values.to_numpy()
        negative = (parsed.values < 0).to_numpy()
        problems = [
            p if p is not None or not neg else ("ค่าติดลบไม่ได้", "must not be negative")
            for p, neg in zip(parsed.problems, negative, strict=True)
        ]
        letter = source.letters.get(column, "")
        for pos in [k for k, p in enumerate(problems) if p is not None]:
            message_th, message_en = problems[pos]
            issues.append(
                Issue(
                    message_th,
                    message_en,
                    file=source.file,
                    sheet=source.sheet,
                    row=int(rows[pos]),
                    column=f"{letter} {column} ({th})" if letter else f"{column} ({th})",
                    value=str(frame[column].iloc[pos]),
                )
            )
            bad_row[pos] = True
    blank = ((out["category"] == "") & out["plan"].isna() & out["spent"].isna()).to_numpy()
    out["_row"] = np.arange(len(out))  # which input row: lets a stacked read be split
    return out[~bad_row & ~blank].reset_index(drop=True), issues


def import_budgets(files: Sequence[UnitFile]) -> None:
    """Type every usable file's tbl_budget, all files' rows in one pass (as for tbl_kpi)."""
    pending = [f for f in files if f.usable and f.raw_budget is not None]
    if pending:
        columns = list(layout.BUDGET_TABLE_COLUMNS)
        frames = [f.raw_budget[0].reindex(columns=columns) for f in pending]  # type: ignore[index]
        budget, issues = read_budget(pd.concat(frames, ignore_index=True), Source(first_row=0))
        position = np.concatenate([np.arange(len(x)) for x in frames])
        owner = np.repeat(np.arange(len(pending)), [len(x) for x in frames])
        budget["_owner"] = owner[budget["_row"].to_numpy()]
        parts = {k: g.drop(columns=["_row", "_owner"]) for k, g in budget.groupby("_owner")}
        for k, f in enumerate(pending):
            part = parts.get(k, budget.iloc[:0].drop(columns=["_row", "_owner"]))
            f.budget = part.reset_index(drop=True)
        for issue in issues:
            f = pending[owner[issue.row]]
            source = f.raw_budget[1]  # type: ignore[index]
            letter = source.letters.get(issue.column.split(" ", 1)[0], "")
            f.issues.append(
                replace(
                    issue,
                    file=source.file,
                    sheet=source.sheet,
                    row=int(position[issue.row] + source.first_row),
                    column=f"{letter} {issue.column}" if letter else issue.column,
                )
            )
    for f in files:
        f.raw_budget = None


def _version(text: str) -> tuple[int, ...]:
    parts = [p for p in str(text).split(".") if p.isdigit()]
    return tuple(int(p) for p in parts) or (0,)


# ---------------------------------------------------------------------------------------------
# Which files count
# ---------------------------------------------------------------------------------------------


def keep_one_year(files: Sequence[UnitFile]) -> tuple[int, str]:
    """Refuse files of another year than most files (a 2563 file among 2564 ones is a
    mistake, and their quarters are not comparable); return the year and kind kept."""
    usable = [f for f in files if f.usable]
    if not usable:
        return 0, "calendar"
    (year, kind), _ = Counter((f.year_be, f.year_kind) for f in usable).most_common(1)[0]
    for f in usable:
        if (f.year_be, f.year_kind) != (year, kind):
            f.refuse(
                REFUSED,
                SsoError(
                    f"เป็นแผนปี พ.ศ. {f.year_be} ({f.year_kind}) ไม่ตรงกับไฟล์ส่วนใหญ่ "
                    f"(พ.ศ. {year}, {kind}) จึงไม่นำมารวม",
                    f"plan year {f.year_be} ({f.year_kind}) differs from most files "
                    f"({year}, {kind}): left out",
                    where=str(f.path),
                ),
            )
    return int(year), str(kind)


def keep_newest_per_unit(files: Sequence[UnitFile]) -> None:
    """Two files of one unit (a corrected copy sent again): the newest is used, the other is
    skipped -- never both, which would count the unit twice in national sums."""
    by_unit: dict[str, list[UnitFile]] = {}
    for f in files:
        if f.usable:
            by_unit.setdefault(f.unit, []).append(f)
    for unit, same in by_unit.items():
        if len(same) < 2:
            continue
        newest = max(same, key=lambda f: (_mtime(f.path), str(f.path)))
        for f in same:
            if f is not newest:
                f.refuse(
                    SKIPPED,
                    SsoError(
                        f"หน่วยงาน {unit} มีไฟล์ที่ใหม่กว่า ({newest.path.name}) ใช้ไฟล์นั้นแทน",
                        f"unit {unit} has a newer file ({newest.path.name}), which is used",
                        where=str(f.path),
                    ),
                )


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


def consolidate(inputs: list[Path], output: Path, quarter: int | None) -> ConsolidationReport:
    """Read every unit workbook in ``inputs`` (files or folders) and write the national
    workbook ``output`` (.xlsx) and, beside it, ``<stem>_projects.csv``.

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
    files, year_be, year_kind = read_unit_files(paths)
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


def file_rows(files: Sequence[UnitFile]) -> pd.DataFrame:
    """ไฟล์ที่รับ: one row per file, whatever became of it."""
    return pd.DataFrame(
        {
            "file": [f.path.name for f in files],
            "folder": [str(f.path.parent) for f in files],
            "unit": [f.unit for f in files],
            "year_be": [f.year_be for f in files],
            "status": [f.status for f in files],
            "status_th": [STATUS_TEXT[f.status] for f in files],
            "n_rows": [f.n_rows for f in files],
            "n_errors": [f.n_errors for f in files],
            "n_warnings": [f.n_warnings for f in files],
            "messages": [f.messages() for f in files],
        }
    )


def issue_rows(files: Sequence[UnitFile]) -> pd.DataFrame:
    """Every problem of every file, one per row, for filtering by unit or column."""
    records = [
        {
            "file": f.path.name,
            "unit": f.unit,
            "severity": i.severity,
            "sheet": i.sheet,
            "row": i.row,
            "column": i.column,
            "value": i.value,
            "message_th": i.message_th,
            "message_en": i.message_en,
        }
        for f in files
        for i in f.issues
    ]
    columns = ["file", "unit", "severity", "sheet", "row", "column", "value"]
    return pd.DataFrame(records, columns=[*columns, "message_th", "message_en"])


def not_reported_rows(national: National, files: Sequence[UnitFile]) -> pd.DataFrame:
    """ยังไม่รายงาน: units without results at the quarter, then files that could not be used."""
    file_of = {f.unit: f.path.name for f in files if f.usable}
    units = national.not_reported
    silent = pd.DataFrame(
        {
            "unit": units[UNIT_KEY].astype(object),
            "file": units[UNIT_KEY].map(file_of).astype(object),
            "reason_th": units["reason_th"].astype(object),
            "reason_en": units["reason_en"].astype(object),
            "n_due": units["n_due"],
        }
    )
    unread = [f for f in files if f.status == REFUSED]
    refused = pd.DataFrame(
        {
            "unit": [f.unit for f in unread],
            "file": [f.path.name for f in unread],
            "reason_th": ["ไฟล์ใช้ไม่ได้: " + f.refusal.split(" / ")[0] for f in unread],
            "reason_en": ["file not usable: " + f.refusal.split(" / ", 1)[-1] for f in unread],
            "n_due": [np.nan] * len(unread),
        }
    )
    return pd.concat([silent, refused], ignore_index=True)


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:  # gone since it was read: it cannot be the newest
        return 0.0


# ---------------------------------------------------------------------------------------------
# The national workbook
# ---------------------------------------------------------------------------------------------

SHEET_FILES = "ไฟล์ที่รับ"
SHEET_SUMMARY = "สรุปตามยุทธศาสตร์"
SHEET_UNITS = "หน่วยงาน"
SHEET_BANDS = "โครงการตามสี"
SHEET_TREND = "แนวโน้ม"
SHEET_MISSING = "ยังไม่รายงาน"
SHEET_BUDGET = "งบประมาณ"
SHEET_KPIS = "ตัวชี้วัดรวม"
NATIONAL_UNIT = "สำนักงานประกันสังคม (ภาพรวมทั้งประเทศ)"

LABELS_TH = {
    **SUMMARY_LABELS,
    "file": "ไฟล์",
    "folder": "โฟลเดอร์",
    "year_be": "ปี พ.ศ.",
    "status": "สถานะ (รหัส)",
    "status_th": "สถานะ",
    "n_rows": "จำนวนแถว",
    "n_errors": "ข้อผิดพลาด",
    "n_warnings": "ข้อสังเกต",
    "messages": "รายละเอียด",
    "severity": "ระดับ",
    "sheet": "ชีต",
    "row": "แถว",
    "column": "คอลัมน์",
    "value": "ค่าที่กรอก",
    "message_th": "ปัญหา",
    "message_en": "problem (English)",
    "rank": "อันดับ",
    UNIT_KEY: "หน่วยงานที่รายงาน",
    "n_projects": "จำนวนงาน/โครงการ",
    "not_evaluated": "ไม่ได้ประเมิน",
    "mean_capped_pct": "ค่าเฉลี่ย (ไม่เกิน 100 ต่อโครงการ)",
    "mean_pct": "ค่าเฉลี่ยผลสำเร็จ",
    "n_units": "จำนวนหน่วยงานที่รายงาน",
    "n_kpis": "จำนวนตัวชี้วัด",
    "change_pct": "เปลี่ยนจากไตรมาสก่อน",
    "trend": "แนวโน้ม",
    "reason_th": "เหตุผล",
    "reason_en": "reason (English)",
    "kpi_number": "ตัวชี้วัดที่",
    "kpi_name": "ชื่อตัวชี้วัด",
    "weight": "น้ำหนัก",
    "count_unit": "หน่วยนับ",
    "aggregation": "การรวมค่า",
    "direction": "ทิศทาง",
    "achievement_pct": "ผลสำเร็จ (ร้อยละ)",
    "kpi_status": "สถานะตัวชี้วัด",
    "fund": "กองทุน",
    "kind": "ประเภท",
    "plan": "แผน",
    "result": "ผล",
    **{f"plan_q{q}": f"แผนสะสม ไตรมาส {q}" for q in range(1, 5)},
    **{f"result_q{q}": f"ผลสะสม ไตรมาส {q}" for q in range(1, 5)},
    **{f"q{q}_pct": f"ไตรมาส {q} (ร้อยละ)" for q in range(1, 5)},
    **{f"q{q}_band": f"ไตรมาส {q} แถบสี" for q in range(1, 5)},
}
PCT_COLUMNS = (
    "green_pct",
    "yellow_pct",
    "red_pct",
    "mean_capped_pct",
    "mean_pct",
    "average_pct",
    "change_pct",
    "achievement_pct",
    "pct",
    *(f"q{q}_pct" for q in range(1, 5)),
)
LONG_TEXT = {  # column → width: names and messages wrap instead of widening the sheet
    "messages": 80,
    "message_th": 45,
    "message_en": 45,
    "folder": 25,
    "project_name": 45,
    "kpi_name": 40,
    "reason_th": 40,
    "reason_en": 40,
    UNIT_KEY: 30,
}
WRAP = Alignment(wrap_text=True, vertical="top")
ROW_PT = 15.0  # one line of 11-point text


def wrapped_lines(text: object, width: float) -> int:
    """Lines a text takes wrapped in a column ``width`` characters wide (Thai vowel and
    tone marks take no width); 1 for a blank cell."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return 1
    return sum(
        max(1, -(-display_width(part) // max(int(width * 0.95), 1)))
        for part in str(text).split("\n")
    )


STATUS_COLOURS = {
    OK: "C6EFCE",
    WARNINGS: "FFEB9C",
    ERRORS: "F8CBAD",
    REFUSED: "FF9999",
    SKIPPED: "D9D9D9",
}


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    """Per cents rounded half up to 2 decimals as the reports print; text columns as object
    (pandas' string dtype is not something openpyxl knows)."""
    out = frame.copy()
    for column in out.columns:
        if column in PCT_COLUMNS:
            out[column] = round_half_up(out[column].to_numpy("float64", na_value=np.nan), 2)
        elif not pd.api.types.is_numeric_dtype(out[column]) or out[column].dtype == bool:
            out[column] = out[column].astype(object)
    return out


def _formats(frame: pd.DataFrame) -> dict[str, str]:
    formats = {}
    for column in frame.columns:
        if column in PCT_COLUMNS:
            formats[column] = PCT_FORMAT
        elif column in ("plan", "spent", "budget") or column.startswith(("plan_q", "result_q")):
            formats[column] = MONEY_FORMAT if column in ("plan", "spent", "budget") else "#,##0.##"
        elif pd.api.types.is_integer_dtype(frame[column]):
            formats[column] = COUNT_FORMAT
    return formats


class _Sheet:
    """A planner-facing sheet filled top to bottom: title lines, then headed tables."""

    def __init__(self, wb: Workbook, title: str, lines: Sequence[str], colours: dict[str, str]):
        self.ws = wb.create_sheet(title)
        self.colours = colours
        self.skip_rows: set[int] = set(range(1, len(lines) + 1))  # titles spill over: no width
        self.widths: dict[str, float] = {}
        for i, line in enumerate(lines, start=1):
            cell = self.ws.cell(row=i, column=1)
            set_text_cell(cell, line)
            cell.font = Font(bold=True, size=14 if i == 1 else 12)
        self.row = len(lines) + 2
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = self.ws.PAPERSIZE_A4
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0

    def table(
        self,
        frame: pd.DataFrame,
        name: str,
        heading: str,
        *,
        band_columns: Sequence[str] = (),
        min_rows: int = 0,
    ) -> str:
        """Write a heading and ``frame`` as table ``name``; return its ref. The next block
        starts two rows below it (or below ``min_rows`` rows, to clear a chart)."""
        heading_cell = self.ws.cell(row=self.row, column=1)
        set_text_cell(heading_cell, heading)
        heading_cell.font = Font(bold=True, size=12)
        self.skip_rows.add(self.row)
        shown = _display(frame)
        top = self.row + 1
        ref = write_frame_table(
            self.ws,
            shown,
            name=name,
            top=top,
            labels_th={c: LABELS_TH.get(c, c) for c in shown.columns},
            number_formats=_formats(shown),
        )
        columns = list(shown.columns)
        _, header, _, last = range_boundaries(ref)
        for column in band_columns:
            letter = get_column_letter(columns.index(column) + 1)
            add_band_formatting(self.ws, f"{letter}{header + 1}:{letter}{last}", self.colours)
        for column in (GREEN, YELLOW, RED, "green_pct", "yellow_pct", "red_pct"):
            if column in columns:  # the report's coloured header cells
                code = column.removesuffix("_pct")
                fill = PatternFill("solid", start_color=self.colours[code])
                self.ws.cell(row=top, column=columns.index(column) + 1).fill = fill
        long = [c for c in columns if c in LONG_TEXT]
        lines = np.ones(len(shown), dtype=int)
        for column in long:
            j = columns.index(column) + 1
            self.widths[get_column_letter(j)] = LONG_TEXT[column]
            for row in range(header + 1, last + 1):
                self.ws.cell(row=row, column=j).alignment = WRAP
            needed = [wrapped_lines(v, LONG_TEXT[column]) for v in shown[column]]
            lines = np.maximum(lines, needed) if len(shown) else lines
        for i in np.flatnonzero(lines > 1):  # rows do not grow by themselves in LibreOffice
            self.ws.row_dimensions[header + 1 + int(i)].height = ROW_PT * min(lines[i], 27)
        self.row = max(last, top + min_rows) + 3
        return ref

    def finish(self) -> None:
        """Column widths from the contents (titles and headings left out), long texts wrap."""
        autosize(self.ws, self.widths, maximum=40, skip_rows=self.skip_rows)

    def chart(
        self,
        ref: str,
        *,
        categories_col: int,
        first_series_col: int,
        anchor: str,
        title: str,
        skip_last_rows: int = 0,
    ) -> None:
        """The stacked band chart (green, yellow, red) with the Thai band names as series."""
        add_bands_chart(
            self.ws,
            table_ref=ref,
            categories_col=categories_col,
            first_series_col=first_series_col,
            n_series=3,
            anchor=anchor,
            title=title,
            colours=[self.colours[b] for b in (GREEN, YELLOW, RED)],
            skip_last_rows=skip_last_rows,
            series_titles=[BAND_TH[b] for b in (GREEN, YELLOW, RED)],
        )


def national_title(year_be: int, year_kind: str, quarter: int, n_units: int) -> list[str]:
    """The national heading, worded like the unit summary (พ.ศ. year, quarter, cumulative)."""
    settings = Settings(unit=NATIONAL_UNIT, year_be=year_be, year_kind=year_kind)  # type: ignore[arg-type]
    lines = title_lines(settings, quarter)
    return [*lines[:3], f"รวมจาก {n_units} หน่วยงาน / from {n_units} units"]


def _trend_table(trend: pd.DataFrame) -> pd.DataFrame:
    out = trend.copy()
    change = out["change_pct"]
    out["trend"] = np.select(
        [change > 0.005, change < -0.005, change.notna()],
        ["ดีขึ้น / up", "ลดลง / down", "เท่าเดิม / same"],
        default="",
    )
    return out


def _projects_by_band(national: National) -> pd.DataFrame:
    """The national projects in page-2 order (green, yellow, red, then not evaluated)."""
    p = national.national.projects.copy()
    p["band_th"] = p["band"].map(BAND_TH)
    p["_order"] = p["band"].map({b: i for i, b in enumerate(BANDS)})
    p["_key"] = p["project_id"].map(natural_key)
    p = p.sort_values(["_order", "_key"], kind="stable")
    columns = [
        "band_th",
        "band",
        "strategy",
        "substrategy",
        "project_id",
        "project_name",
        "unit",
        "average_pct",
        "n_due",
        "n_not_reported",
    ]
    n_units = national.combined.groupby("project_id", sort=False)["n_units"].max()
    out = p[columns].reset_index(drop=True)
    out["n_units"] = out["project_id"].map(n_units).astype("int64")
    return out


def _national_kpis(national: National) -> pd.DataFrame:
    """The combined indicators with the national achievement: the evidence behind page 2,
    and what ``sso-kpi report`` reads from a national workbook."""
    k = national.national.kpis
    columns = [c for c in national.combined.columns if c not in ("source_row",)]
    out = national.combined[columns].copy()
    out["achievement_pct"] = k["achievement_pct"].to_numpy()
    out["kpi_status"] = k["status"].to_numpy()
    out["band"] = k["band"].to_numpy()
    return out


def write_national_workbook(
    output: Path, national: National, files: Sequence[UnitFile], *, year_be: int, year_kind: str
) -> None:
    """Build the national workbook in memory and save it through ``atomic_write``."""
    wb = national_workbook(national, files, year_be=year_be, year_kind=year_kind)
    atomic_write(output, wb.save, verify=check_workbook_file)


def national_workbook(
    national: National, files: Sequence[UnitFile], *, year_be: int, year_kind: str
) -> Workbook:
    """The national workbook: one sheet per question the planning division asks."""
    colours = dict(DEFAULT_BANDS.colours)
    title = national_title(year_be, year_kind, national.quarter, len(national.units))
    wb = Workbook()
    wb.remove(wb.active)
    sheets = [
        files_sheet(wb, files, title, colours),
        summary_sheet(wb, national, title, colours),
        units_sheet(wb, national, title, colours),
        bands_sheet(wb, national, title, colours),
        trend_sheet(wb, national, title, colours),
        missing_sheet(wb, national, files, title, colours),
        budget_sheet(wb, national, title, colours),
        kpis_sheet(wb, national, title, colours),
        settings_sheet(wb, national.quarter, year_be, year_kind, colours),
    ]
    for sheet in sheets:
        sheet.finish()
    wb.active = wb.sheetnames.index(SHEET_SUMMARY)
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws.title == SHEET_SUMMARY
    return wb


def files_sheet(wb: Workbook, files: Sequence[UnitFile], title: list[str], colours: dict) -> _Sheet:
    """ไฟล์ที่รับ: every file with its status, then every problem, one per row."""
    s = _Sheet(wb, SHEET_FILES, [f"ไฟล์ที่รับ / files received ({len(files)})", title[1]], colours)
    frame = file_rows(files)
    ref = s.table(frame, "tbl_files", "1. ไฟล์ทั้งหมดและสถานะ / every file and its status")
    _status_colours(s.ws, ref, column=list(frame.columns).index("status") + 1)
    s.table(issue_rows(files), "tbl_issues", "2. ปัญหาทั้งหมด / every problem found")
    return s


def summary_sheet(wb: Workbook, national: National, title: list[str], colours: dict) -> _Sheet:
    """สรุปตามยุทธศาสตร์: the report's page 2 (per strategy, per fund) and the band chart."""
    s = _Sheet(wb, SHEET_SUMMARY, title, colours)
    summary = band_table(national.national.summary)
    top = s.row
    ref = s.table(
        summary, "tbl_nat_summary", "1. สรุปผลตามประเด็นยุทธศาสตร์ / by strategy", min_rows=20
    )
    s.chart(
        ref,
        categories_col=1,
        first_series_col=list(summary.columns).index(GREEN) + 1,
        skip_last_rows=1,
        anchor=f"{get_column_letter(len(summary.columns) + 2)}{top}",
        title=f"จำนวนงาน/โครงการตามแถบสี รายยุทธศาสตร์ ไตรมาสที่ {national.quarter}",
    )
    fund = band_table(national.national.summary_by_fund)
    s.table(fund, "tbl_nat_fund", "2. สรุปผลตามกองทุน / by fund")
    return s


def units_sheet(wb: Workbook, national: National, title: list[str], colours: dict) -> _Sheet:
    """หน่วยงาน: every unit ranked, with its band counts and a chart."""
    s = _Sheet(wb, SHEET_UNITS, [f"ผลรายหน่วยงาน / by unit: {title[1]}", RANKING_RULE], colours)
    top = s.row
    ranking = national.ranking
    ref = s.table(ranking, "tbl_units", "อันดับหน่วยงาน / unit ranking", min_rows=20)
    s.chart(
        ref,
        categories_col=list(ranking.columns).index(UNIT_KEY) + 1,
        first_series_col=list(ranking.columns).index(GREEN) + 1,
        anchor=f"{get_column_letter(len(ranking.columns) + 2)}{top}",
        title="จำนวนงาน/โครงการตามแถบสี รายหน่วยงาน",
    )
    return s


def bands_sheet(wb: Workbook, national: National, title: list[str], colours: dict) -> _Sheet:
    """โครงการตามสี: the national projects behind each count of page 2, then each unit's red
    projects (every unit's every project is in ``<stem>_projects.csv``: 100 units × 100+
    projects is a table for filtering, not for a sheet that must open fast)."""
    s = _Sheet(wb, SHEET_BANDS, [f"งาน/โครงการตามแถบสี (ภาพรวม) / by colour: {title[1]}"], colours)
    s.table(
        _projects_by_band(national),
        "tbl_nat_projects",
        "1. งาน/โครงการเบื้องหลังจำนวนในแต่ละสี / the projects behind each count",
        band_columns=["band"],
    )
    s.table(
        red_by_unit(national),
        "tbl_unit_red",
        "2. งาน/โครงการสีแดงรายหน่วยงาน / each unit's red projects",
        band_columns=["band"],
    )
    return s


def red_by_unit(national: National) -> pd.DataFrame:
    """Each unit's red projects, the silent ones (nothing reported) marked as such."""
    p = national.by_unit.projects
    red = p[p["band"] == RED].copy()
    silent = red["n_not_reported"] == red["n_due"]
    red["reason"] = np.where(silent, "ยังไม่รายงานผล / not reported", "ต่ำกว่าร้อยละ 50 / below 50%")
    red["band_th"] = BAND_TH[RED]
    columns = [
        UNIT_KEY,
        "strategy",
        "project_id",
        "project_name",
        "average_pct",
        "band_th",
        "band",
        "reason",
        "n_due",
        "n_not_reported",
    ]
    return red[columns].reset_index(drop=True)


def trend_sheet(wb: Workbook, national: National, title: list[str], colours: dict) -> _Sheet:
    """แนวโน้ม: each national project's cumulative average at Q1 … Q."""
    q = national.quarter
    s = _Sheet(wb, SHEET_TREND, [f"แนวโน้มรายไตรมาส (ผลสะสม) / trend: {title[1]}"], colours)
    s.table(
        _trend_table(national.trend),
        "tbl_trend",
        f"ค่าเฉลี่ยผลสำเร็จรายโครงการ ไตรมาส 1 – {q} / project average, Q1 – Q{q}",
        band_columns=[f"q{i}_band" for i in range(1, q + 1)],
    )
    return s


def missing_sheet(
    wb: Workbook, national: National, files: Sequence[UnitFile], title: list[str], colours: dict
) -> _Sheet:
    """ยังไม่รายงาน: units without results and unusable files, then silent projects."""
    s = _Sheet(wb, SHEET_MISSING, [f"ยังไม่รายงาน / not reported: {title[1]}"], colours)
    s.table(
        not_reported_rows(national, files),
        "tbl_not_reported",
        "1. หน่วยงานที่ยังไม่รายงานผล และไฟล์ที่ใช้ไม่ได้ / units not reported, unusable files",
    )
    s.table(
        national.projects_not_reported,
        "tbl_projects_not_reported",
        "2. งาน/โครงการที่ถึงกำหนดแต่ยังไม่มีผลเลย / projects due with no result",
    )
    return s


def budget_sheet(wb: Workbook, national: National, title: list[str], colours: dict) -> _Sheet:
    """งบประมาณ: disbursement per unit (and the national total), then per category."""
    s = _Sheet(wb, SHEET_BUDGET, [f"การเบิกจ่ายงบประมาณ / disbursement: {title[1]}"], colours)
    s.table(national.budget_totals, "tbl_budget_units", "1. รายหน่วยงาน / per unit")
    s.table(national.budget, "tbl_budget_detail", "2. รายหมวดงบประมาณ / per category")
    return s


def kpis_sheet(wb: Workbook, national: National, title: list[str], colours: dict) -> _Sheet:
    """ตัวชี้วัดรวม: the combined indicators the national page 2 is computed from."""
    lines = [f"ตัวชี้วัดรวมระดับประเทศ (ผลสะสม) / combined: {title[1]}", COMBINE_RULE]
    s = _Sheet(wb, SHEET_KPIS, lines, colours)
    s.table(
        _national_kpis(national), NATIONAL_KPI_TABLE, "ตัวชี้วัดที่รวมจากทุกหน่วยงาน", band_columns=["band"]
    )
    return s


def settings_sheet(
    wb: Workbook, quarter: int, year_be: int, year_kind: str, colours: dict
) -> _Sheet:
    """ตั้งค่า: tbl_settings as in a unit's book, so readers find the year and quarter."""
    s = _Sheet(wb, layout.SHEET_SETTINGS, ["ตั้งค่า / settings"], colours)
    settings = Settings(unit=NATIONAL_UNIT, year_be=year_be, year_kind=year_kind, quarter=quarter)  # type: ignore[arg-type]
    rows = pd.DataFrame(settings_rows(settings), columns=["key", "value", "description"])
    rows["value"] = rows["value"].map(lambda v: "" if v is None else v).astype(object)
    s.table(rows, layout.TABLE_SETTINGS, "ค่าที่ใช้ในการรวมผล / used for this summary")
    return s


RANKING_RULE = (
    "เรียงตามสัดส่วนงาน/โครงการสีเขียว แล้วตามค่าเฉลี่ยผลสำเร็จ (คิดไม่เกิน 100 ต่อโครงการ) / "
    "ranked by share of green projects, then by mean average (each capped at 100)"
)
COMBINE_RULE = (
    "รวมค่าก่อนคำนวณ: sum = รวมทุกหน่วยงาน, last/average = เฉลี่ย, max = ค่าสูงสุด / "
    "units combined before scoring: sum adds up, last/average averages, max takes the largest"
)


def _status_colours(ws: Worksheet, ref: str, column: int) -> None:
    """Fill the status column by status code, the way bands are filled (formula rules)."""
    _, header, _, last = range_boundaries(ref)
    letter = get_column_letter(column)
    target = f"{letter}{header + 1}:{letter}{last}"
    for code, colour in STATUS_COLOURS.items():
        fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
        rule = FormulaRule(formula=[f'EXACT({letter}{header + 1},"{code}")'], fill=fill)
        ws.conditional_formatting.add(target, rule)
