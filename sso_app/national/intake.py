"""TODO"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine as calamine

from sso_app.book import layout
from sso_app.book.layout import NATIONAL_KPI_TABLE
from sso_app.book.readers import read_book_table
from sso_app.book.settings import settings_from_rows
from sso_app.files.checks import check_workbook_file
from sso_app.files.writing import TEMP_PREFIX
from sso_kpi.errors import Issue, SsoError
from sso_kpi.importing import Imported, Source, canonical_frame, read_table
from sso_kpi.schema import REQUIRED_COLUMNS, canonical_column
from sso_kpi.values import normalise_text, parse_numbers

OK, WARNINGS, ERRORS, REFUSED, SKIPPED = "ok", "warnings", "errors", "refused", "skipped"


STATUS_TEXT = {
    OK: "ใช้ได้ / ok",
    WARNINGS: "ใช้ได้ มีข้อสังเกต / ok with warnings",
    ERRORS: "มีข้อผิดพลาด ตัดแถวที่ผิดออก / errors: those rows left out",
    REFUSED: "ไม่รับ อ่านไม่ได้ / refused",
    SKIPPED: "ข้าม (มีไฟล์ใหม่กว่าของหน่วยงานเดียวกัน) / skipped: a newer file of the same unit",
}


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


_SETTING_KEYS = ("schema_version", "unit", "year_be", "year_kind")


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


def _not_sso(path: Path, detail_th: str, detail_en: str) -> SsoError:
    return SsoError(
        f"ไม่ใช่สมุดงาน SSO_Plan ({detail_th}) ให้ใช้แบบฟอร์ม SSO_Plan.xlsm ของสำนักงาน",
        f"not an SSO_Plan workbook ({detail_en}); use the office's SSO_Plan.xlsm form",
        where=str(path),
    )


def read_unit_files(
    paths: Sequence[Path], workers: int | None = None
) -> tuple[list[UnitFile], int, str]:
    """Every file checked and opened (``open_unit_files``); files of another year and older
    copies of a unit's file set aside; then all KPI and budget rows typed in one pass each
    (the engine's import costs about the same for 200 rows or 20,000: once, not 100 times).

    Returns the files (every one, with its status), the plan year (พ.ศ.) and its kind.
    """
    files = open_unit_files(paths, workers)
    year_be, year_kind = keep_one_year(files)
    keep_newest_per_unit(files)
    import_kpis(files)
    import_budgets(files)
    for f in files:
        if f.usable:
            f.status = ERRORS if f.n_errors else WARNINGS if f.n_warnings else OK
    return files, year_be, year_kind


# A pool costs a few tens of milliseconds to start: below this many files one process wins.
PARALLEL_MIN_FILES = 16


# Workers are forked (nothing to import again): safe on Linux; Windows has no fork() and on
# macOS it is unsafe beside system frameworks, so those read in one process.
CAN_FORK = sys.platform.startswith("linux")


def default_workers(n_files: int) -> int:
    """Processes to read ``n_files`` with: one per core, or one for a few files or where
    workers cannot be forked (``CAN_FORK``)."""
    if n_files < PARALLEL_MIN_FILES or not CAN_FORK:
        return 1
    return max(1, min(os.cpu_count() or 1, n_files // 8))


def open_unit_files(paths: Sequence[Path], workers: int | None = None) -> list[UnitFile]:
    """``open_unit_file`` of every path, in input order, over ``workers`` processes.

    Checking and parsing a file is independent of every other file and is most of a
    consolidation's time, so it is spread over the cores. ``workers=1``, or a system where
    workers cannot be forked, reads in this process. Should a worker die (the OS killing it for
    memory, a crash in a parser), the files are read again here, one by one, as before.
    """
    paths = list(paths)
    workers = default_workers(len(paths)) if workers is None else max(1, workers)
    if workers == 1 or len(paths) < 2 or not CAN_FORK:
        return [open_unit_file(p) for p in paths]
    chunk = max(1, len(paths) // (workers * 4))  # small chunks even out big and small files
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            return list(pool.map(open_unit_file, paths, chunksize=chunk))
    except BrokenProcessPool:
        return [open_unit_file(p) for p in paths]


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
    checked = check_workbook_file(path)
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
    merges = checked.has_merged_cells
    result.raw_kpis = read_book_table(book, layout.TABLE_KPI, path, merges=merges)
    if layout.TABLE_BUDGET in tables:
        result.raw_budget = read_book_table(book, layout.TABLE_BUDGET, path, merges=merges)
    return result


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
        columns = {canonical_column(c) for c in raw.columns}
        if set(REQUIRED_COLUMNS) <= columns and len(raw):
            together.append(i)
        else:
            out[i] = read_table(raw, source, form="kpi")
    if together:
        frames = [canonical_frame(raws[i][0]) for i in together]
        lengths = [len(f) for f in frames]
        stacked = pd.concat(frames, ignore_index=True)
        ids = normalise_text(stacked["project_id"]).to_numpy()
        tags = np.repeat(np.array([_tag(i) for i in together], dtype=object), lengths)
        stacked["project_id"] = np.where(ids != "", tags + ids, stacked["project_id"])
        blank = [c for c in stacked.columns if c not in REQUIRED_COLUMNS and _blank(stacked[c])]
        imported = read_table(stacked.drop(columns=blank), Source(first_row=0), form="kpi")
        offsets = np.cumsum([0, *lengths])
        parts = _split_rows(imported, offsets)
        for k, i in enumerate(together):
            out[i] = _one_file(*parts[k], offsets[k], raws[i][1])
    return out  # type: ignore[return-value]


def _blank(column: pd.Series) -> bool:
    """Every cell empty, as ``normalise_text`` sees it; calamine's '' is checked first."""
    values = column.to_numpy(object)
    filled = values[~pd.isna(values) & (values != "")]
    # The first real value ends the search: most columns have one on their first row.
    return not any(not isinstance(v, str) or v.strip() for v in filled)


def _split_rows(imported: Imported, offsets: np.ndarray) -> list[tuple[pd.DataFrame, list[Issue]]]:
    """A stacked import's rows and issues, file by file (file k's input rows are
    ``offsets[k]`` up to ``offsets[k + 1]``); the rows keep input order, so each file's are
    one slice. Project ids lose their tags here, once for all files."""
    frame = imported.frame.copy()
    frame["project_id"] = [_untag(v) for v in frame["project_id"].to_numpy(object)]
    bounds = np.searchsorted(frame["source_row"].to_numpy(), offsets)
    issues: list[list[Issue]] = [[] for _ in range(len(offsets) - 1)]
    for issue in imported.issues:
        if issue.row is not None:
            k = int(np.searchsorted(offsets, issue.row, side="right")) - 1
            if 0 <= k < len(issues):
                issues[k].append(issue)
    return [
        (frame.iloc[bounds[k] : bounds[k + 1]].reset_index(drop=True), issues[k])
        for k in range(len(issues))
    ]


def _one_file(frame: pd.DataFrame, issues: list[Issue], start: int, source: Source) -> Imported:
    """One file's rows and issues, put back in that file's terms (row, sheet, letter)."""
    frame["source_row"] = frame["source_row"] - start + source.first_row
    mine = []
    for issue in issues:
        key = issue.column.split(" ", 1)[0]
        letter = source.letters.get(key, "")
        mine.append(
            replace(
                issue,
                file=source.file,
                sheet=source.sheet,
                row=int(issue.row - start + source.first_row),  # type: ignore[operator]
                column=f"{letter} {issue.column}" if letter else issue.column,
                value=_untag(issue.value),
                message_th=_untag(issue.message_th),
                message_en=_untag(issue.message_en),
            )
        )
    mine.sort(key=lambda i: (i.row or 0, i.column))
    return Imported("kpi", frame, mine)


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


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:  # gone since it was read: it cannot be the newest
        return 0.0
