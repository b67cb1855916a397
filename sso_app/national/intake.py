"""Intake of unit books for the national consolidation: every file checked and opened once
(:func:`sso_app.book.opening.open_sso_book`), its status and problems kept as data."""

from __future__ import annotations

import contextlib
import math
import multiprocessing as mp
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sso_app.book import layout
from sso_app.book.cycle_sheet import CycleTables, read_cycle
from sso_app.book.opening import NATIONAL, UNIT, open_sso_book
from sso_app.files.writing import TEMP_PREFIX
from sso_kpi.budget import read_budget
from sso_kpi.errors import Issue, SsoError
from sso_kpi.importing import Imported, Source, canonical_frame, header_issues, read_table
from sso_kpi.schema import PLAN_Q, REQUIRED_COLUMNS, RESULT_Q, canonical_column
from sso_kpi.values import shown_text

OK, WARNINGS, ERRORS, REFUSED, SKIPPED = "ok", "warnings", "errors", "refused", "skipped"


STATUS_TEXT = {
    OK: "ใช้ได้ / ok",
    WARNINGS: "ใช้ได้ มีข้อสังเกต / ok with warnings",
    ERRORS: "มีข้อผิดพลาด ตัดแถวที่ผิดออก / errors: those rows left out",
    REFUSED: "ไม่รับ อ่านไม่ได้ / refused",
    SKIPPED: "ข้าม (มีไฟล์ใหม่กว่าของหน่วยงานเดียวกัน) / skipped: a newer file of the same unit",
}


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


BACKUPS_SUFFIX = ".backups"  # ``<stem>.backups/``: the kept versions of a book


def _is_candidate(path: Path) -> bool:
    """A workbook a planner sent, not a lock file, our backup or a half-written temp."""
    name = path.name
    return (
        path.suffix.lower() in WORKBOOK_SUFFIXES
        and not name.startswith(("~$", ".~lock", TEMP_PREFIX))
        and ".backup." not in name
    )


@dataclass(frozen=True)
class InputFile:
    """A file to read and how messages name it: its path relative to the folder given
    (``ชลบุรี/SSO_Plan.xlsm``), or the path as given for a file named on its own.
    ``folder`` is the folder relative to the folder given (``north/ลำปาง``), "" otherwise:
    the unit's name when its book leaves the name blank."""

    path: Path
    label: str
    folder: str = ""


def find_inputs(inputs: Iterable[Path], *, exclude: Iterable[Path] = ()) -> list[InputFile]:
    """Files named, and every workbook in the folders named (sub-folders too), each once.

    Lock files (``~$…``), old backups (``*.backup.*``), our temps (``.~sso-tmp-*``) and the
    kept versions in ``<stem>.backups/`` folders are skipped in folders; ``exclude`` is never
    read. A file named explicitly is kept whatever its name, so it gets a status line
    (missing, wrong type).
    """
    skip = {Path(p).resolve() for p in exclude}
    found: dict[Path, InputFile] = {}
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            for path in _workbooks_in(item):
                rel = path.relative_to(item)
                folder = rel.parent.as_posix()
                found.setdefault(
                    path.resolve(),
                    InputFile(path, rel.as_posix(), "" if folder == "." else folder),
                )
        else:
            found.setdefault(item.resolve(), InputFile(item, str(item)))
    return [f for key, f in found.items() if key not in skip]


def _workbooks_in(folder: Path) -> list[Path]:
    """Candidate workbooks under ``folder``, sorted; ``*.backups`` folders not entered."""
    out = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.endswith(BACKUPS_SUFFIX))
        out.extend(Path(top) / n for n in names if _is_candidate(Path(top) / n))
    return sorted(p for p in out if p.is_file())


def expand_inputs(inputs: Iterable[Path], *, exclude: Iterable[Path] = ()) -> list[Path]:
    """The paths of :func:`find_inputs`."""
    return [f.path for f in find_inputs(inputs, exclude=exclude)]


def is_national_book(path: Path) -> bool:
    """A national workbook this program wrote (not a unit's book): what ``-o`` may replace
    inside a folder that is read."""
    try:
        return open_sso_book(path, kinds=(UNIT, NATIONAL)).kind == NATIONAL
    except SsoError:
        return False


@dataclass
class UnitFile:
    """What was read from one file, and its status line in ไฟล์ที่รับ."""

    path: Path
    label: str = ""  # how messages name the file (its path relative to the folder given)
    folder: str = ""  # its folder relative to the folder given: the unit when none is typed
    status: str = OK
    unit: str = ""
    year_be: int | None = None
    year_kind: str = ""
    schema_version: str = ""
    refusal_th: str = ""  # why the file was refused or skipped, in Thai ...
    refusal_en: str = ""  # ... and in English (kept apart: shown in two columns)
    issues: list[Issue] = field(default_factory=list)
    imported: Imported | None = None
    budget: pd.DataFrame | None = None
    raw_kpis: tuple[pd.DataFrame, Source] | None = None  # until typed
    raw_budget: tuple[pd.DataFrame, Source] | None = None
    cycle: CycleTables | None = None  # the yearly cycle's record; None: the book has none
    deadline_day: int = 5

    def __post_init__(self) -> None:
        self.label = self.label or str(self.path)

    @property
    def usable(self) -> bool:
        return self.status in (OK, WARNINGS, ERRORS)

    @property
    def refusal(self) -> str:
        """The refusal as one line (Thai / English), "" for a file that was used."""
        return f"{self.refusal_th} / {self.refusal_en}" if self.refusal_th else ""

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
        self.status = status
        self.refusal_th, self.refusal_en = err.message_th, err.message_en
        self.issues = []  # the file is not used: its rows' problems do not matter now
        self.imported, self.budget = None, None
        self.raw_kpis = self.raw_budget = None
        self.cycle = None
        return self

    def messages(self, limit: int = 5) -> str:
        """The refusal or the first ``limit`` problems, one per line (a cell holds 32,767)."""
        if self.refusal_th:
            return self.refusal
        lines = [i.text() for i in self.issues[:limit]]
        more = len(self.issues) - limit
        if more > 0:
            lines.append(f"… และอีก {more:,} รายการ (ดูตารางด้านล่าง) / … {more:,} more below")
        return "\n".join(lines)


def read_unit_files(
    paths: Sequence[Path | InputFile],
    workers: int | None = None,
    *,
    progress: Callable[[int], object] | None = None,
) -> tuple[list[UnitFile], int, str]:
    """Every file checked, opened and typed (``open_unit_files``: each worker types its files'
    KPI and budget rows in one stacked pass, as the engine's import costs about the same for
    200 rows or 20,000); then files of another year and older copies of a unit's file are set
    aside.

    Returns the files (every one, with its status), the plan year (พ.ศ.) and its kind.
    ``progress(1)`` is called as each file has been opened (a progress bar's ``update``).
    """
    files = open_unit_files(paths, workers, typed=True, progress=progress)
    year_be, year_kind = keep_one_year(files)
    keep_newest_per_unit(files)
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


def open_unit_files(
    paths: Sequence[Path | InputFile],
    workers: int | None = None,
    *,
    typed: bool = False,
    progress: Callable[[int], object] | None = None,
) -> list[UnitFile]:
    """``open_unit_file`` of every path, in input order, over ``workers`` processes; with
    ``typed``, each process also types the tables it read (``import_kpis``,
    ``import_budgets``), so typing is spread over the cores too and the typed frames, not the
    raw cells, come back.

    Checking, parsing and typing a file is independent of every other file and is most of a
    consolidation's time, so it is spread over the cores. ``workers=1``, or a system where
    workers cannot be forked, reads in this process. Should a worker die (the OS killing it for
    memory, a crash in a parser), the files are read again here, one by one, as before.
    """
    paths = list(paths)
    tick = progress or (lambda n: None)
    workers = default_workers(len(paths)) if workers is None else max(1, workers)
    if workers == 1 or len(paths) < 2 or not CAN_FORK:
        files = []
        for path in paths:  # one by one, so the progress moves with each file
            files.append(open_unit_file(path))
            tick(1)
        if typed:
            import_kpis(files)
            import_budgets(files)
        return files
    read = _open_and_type if typed else _open_only
    # As few chunks as workers (each chunk is typed in one stacked import, whose cost is
    # mostly per call, and sent back in one piece); more, in multiples of the workers, only
    # for many files: a chunk's rows wait in its worker's memory until it is done.
    n_chunks = workers * math.ceil(len(paths) / (workers * CHUNK_FILES))
    n_chunks = min(len(paths), n_chunks)
    chunks = [paths[k::n_chunks] for k in range(n_chunks)]
    # Each file opened in a worker is one byte on a pipe: the progress moves file by file
    # though the files come back by chunk. A write of one byte is atomic, so a worker that
    # dies cannot leave the pipe half-written or locked.
    opened, report = os.pipe()
    os.set_blocking(opened, False)
    ticked = 0
    try:
        with ProcessPoolExecutor(
            workers, mp_context=mp.get_context("fork"), initializer=_report_to, initargs=(report,)
        ) as pool:
            futures = [pool.submit(read, chunk) for chunk in chunks]
            pending = set(futures)
            while pending:
                _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                ticked += _ticks(opened, tick, len(paths) - ticked)
            done = [future.result() for future in futures]
    except BrokenProcessPool:
        return read(paths)
    finally:
        os.close(opened)
        os.close(report)
    if ticked < len(paths):  # the last bytes may still be on their way
        tick(len(paths) - ticked)
    out: list[UnitFile] = [None] * len(paths)  # type: ignore[list-item]
    for k, files in enumerate(done):
        out[k::n_chunks] = files
    return out


# Files per chunk a worker types at once, at most (see ``open_unit_files``).
CHUNK_FILES = 128

_report_fd: int | None = None  # in a worker: the pipe each file opened is reported on


def _report_to(fd: int) -> None:
    global _report_fd
    _report_fd = fd


def _ticks(fd: int, tick: Callable[[int], object], most: int) -> int:
    """The files reported on the pipe ``fd`` since the last call, told to ``tick``."""
    n = 0
    while True:
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            break
        if not data:
            break
        n += len(data)
    n = min(n, most)
    if n:
        tick(n)
    return n


def _open_only(paths: Sequence[Path | InputFile]) -> list[UnitFile]:
    files = []
    for path in paths:
        files.append(open_unit_file(path))
        if _report_fd is not None:
            with contextlib.suppress(OSError):  # progress only: the run goes on without it
                os.write(_report_fd, b"\x01")
    return files


def _open_and_type(paths: Sequence[Path | InputFile]) -> list[UnitFile]:
    files = _open_only(paths)
    import_kpis(files)
    import_budgets(files)
    return files


def read_unit_file(path: Path | InputFile) -> UnitFile:
    """One file read as ``read_unit_files`` reads many."""
    return read_unit_files([path])[0][0]


def open_unit_file(item: Path | InputFile) -> UnitFile:
    """Check one workbook and take its settings and raw tables; never raises: a problem
    becomes the file's status."""
    if not isinstance(item, InputFile):
        item = InputFile(Path(item), str(item))
    result = UnitFile(path=Path(item.path), label=item.label, folder=item.folder)
    try:
        return _open_unit_file(result)
    except SsoError as err:
        return result.refuse(REFUSED, err)
    except Exception as err:  # a file no check foresaw must not stop the other 100
        return result.refuse(REFUSED, _unreadable(result.label, err))


def _unreadable(where: str, err: Exception) -> SsoError:
    return SsoError(
        f"อ่านไฟล์ไม่ได้ ({type(err).__name__}) ไฟล์อาจเสีย ขอให้ส่งมาใหม่",
        f"could not read the file ({type(err).__name__}: {err}); ask for it again",
        where=where,
    )


def _open_unit_file(result: UnitFile) -> UnitFile:
    """The one way into a book (``open_sso_book``: pre-flight check, the version rule, the
    settings); then what the main process needs, as plain data: the settings' fields and
    the raw tables (the calamine workbook cannot be sent back from a worker)."""
    path = result.path
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        raise SsoError(
            "อ่านได้เฉพาะไฟล์ .xlsm หรือ .xlsx (SSO_Plan)",
            f"only .xlsm/.xlsx SSO_Plan workbooks are read, not {path.suffix or 'this file'}",
            where=result.label,
        )
    book = open_sso_book(path, kinds=(UNIT,), label=result.label)
    settings = book.settings
    result.year_be, result.year_kind = settings.year_be, settings.year_kind
    result.schema_version = settings.schema_version
    result.unit = settings.unit
    result.deadline_day = settings.deadline_day
    cycle = read_cycle(book)
    result.cycle = cycle if cycle.present or len(cycle.approved) else None
    if not result.unit:
        _unit_from_place(result)
    kpis = book.table(layout.TABLE_KPI)  # merged cells filled when the pre-flight saw any
    result.raw_kpis = kpis.frame(), kpis.source(result.label)
    if book.has_table(layout.TABLE_BUDGET):
        budget = book.table(layout.TABLE_BUDGET)
        result.raw_budget = budget.frame(), budget.source(result.label)
    return result


def _unit_from_place(result: UnitFile) -> None:
    """A book as shipped leaves the unit's name blank: units are then told apart by the
    folder they were filed in (``ชลบุรี``, ``north/ลำปาง``), else by the file's name."""
    if result.folder:
        result.unit = result.folder
        th, en = f"ชื่อโฟลเดอร์ {result.folder}", f"the folder name {result.folder}"
    else:
        result.unit = result.path.stem
        th, en = f"ชื่อไฟล์ {result.path.stem}", f"the file name {result.path.stem}"
    result.issues.append(
        Issue(
            f"ไม่ได้กรอกชื่อหน่วยงานในชีตตั้งค่า ใช้{th} แทน",
            f"no unit name in the settings sheet; {en} is used",
            file=result.label,
            sheet=layout.SHEET_SETTINGS,
            column="unit",
            severity="warning",
            code="unit_from_place",
            key="unit",
        )
    )


_TAG = re.compile("\ue000\\d+\ue001")


def _tag(i: int) -> str:
    """A per-file prefix for project ids (private-use characters: never typed, not space)."""
    return f"\ue000{i}\ue001"


def _untag(text: object) -> object:
    return _TAG.sub("", text) if isinstance(text, str) else text


def import_many(raws: Sequence[tuple[pd.DataFrame, Source]]) -> list[Imported]:
    """``read_table`` of many files' raw tables in few calls, split back per file.

    The same result as one call per file (``tests/test_consolidate_cli.py`` checks it), for
    a fraction of the time: the import's cost is per column, not per row. What keeps files
    apart: every project id carries its file's tag while the rows are together, so
    duplicates and weight sums are checked within a file; row numbers and sheet names in
    messages are put back to each file's own. Files are stacked by layout (the same column
    letters; books of one form share one), so the import itself names each problem's column
    letter, as for one file. Columns blank in every file of a stack are left out (a blank
    column reads exactly as a missing optional one). A file missing a required column is
    imported on its own, so it gets that message.
    """
    out: list[Imported | None] = [None] * len(raws)
    layouts: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for i, (raw, source) in enumerate(raws):
        columns = {canonical_column(c) for c in raw.columns}
        if set(REQUIRED_COLUMNS) <= columns and len(raw):
            layouts.setdefault(_layout(source), []).append(i)
        else:
            out[i] = read_table(raw, source, form="kpi")
    for letters, together in layouts.items():
        frames = [raws[i][0] for i in together]
        lengths = [len(f) for f in frames]
        stacked = _stack_raw(frames)
        # As the import reads a key (a number-typed 1 is "1"), before the tag goes in front.
        ids = shown_text(stacked["project_id"]).to_numpy()
        tags = np.repeat(np.array([_tag(i) for i in together], dtype=object), lengths)
        stacked["project_id"] = np.where(ids != "", tags + ids, stacked["project_id"])
        kept = (*REQUIRED_COLUMNS, *PLAN_Q, *RESULT_Q)  # a plan's quarters: never "missing"
        blank = [c for c in stacked.columns if c not in kept and _blank(stacked[c])]
        source = Source(first_row=0, letters=dict(letters))
        imported = read_table(stacked.drop(columns=blank), source, form="kpi")
        offsets = np.cumsum([0, *lengths])
        parts = _split_rows(imported, offsets)
        for k, i in enumerate(together):
            # Headers are named per file (the stacked call cannot say whose they are).
            headers = header_issues(raws[i][0], raws[i][1])
            out[i] = _one_file(*parts[k], offsets[k], raws[i][1], headers)
    return out  # type: ignore[return-value]


def _stack_raw(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """``canonical_frame`` of every raw table, one under the other. Books of one form have
    the very same headers: their cells are stacked first and named once (a copy of each
    file's table less); any other mix is named file by file."""
    first = frames[0].columns
    if not first.has_duplicates and all(f.columns.equals(first) for f in frames[1:]):
        return canonical_frame(pd.concat(frames, ignore_index=True))
    return pd.concat([canonical_frame(f) for f in frames], ignore_index=True)


def _layout(source: Source) -> tuple[tuple[str, str], ...]:
    """Which sheet column each column is in: files alike in this are typed together."""
    return tuple(sorted(source.letters.items()))


def _blank(column: pd.Series) -> bool:
    """Every cell empty, as ``normalise_text`` sees it; calamine's '' is checked first."""
    values = column.to_numpy(object)
    # The first real value ends the search: most columns have one in their first rows, so
    # those are looked at before the whole column.
    return not _any_filled(values[:64]) and not _any_filled(values[64:])


def _any_filled(values: np.ndarray) -> bool:
    filled = values[~pd.isna(values) & (values != "")]
    return any(not isinstance(v, str) or v.strip() for v in filled)


def _split_rows(imported: Imported, offsets: np.ndarray) -> list[tuple[pd.DataFrame, list[Issue]]]:
    """A stacked import's rows and issues, file by file (file k's input rows are
    ``offsets[k]`` up to ``offsets[k + 1]``); the rows keep input order, so each file's are
    one slice. Project ids lose their tags here, once for all files."""
    frame = imported.frame.copy()
    frame["project_id"] = [_untag(v) for v in frame["project_id"].to_numpy(object)]
    _share_texts(frame)
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


def _share_texts(frame: pd.DataFrame) -> None:
    """Equal texts of a text column made one object (in place; values and dtypes as they
    were): every unit's copy of the national plan repeats the same names, strategies and
    words thousands of times. Rows sent back from a worker then pickle to about a third
    (pickle writes an object once, later a reference to it), and every later grouping and
    lookup hashes each text once instead of once per cell."""
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object and not isinstance(column.dtype, pd.StringDtype):
            continue
        values = column.to_numpy(object)
        if pd.api.types.infer_dtype(values, skipna=True) != "string":
            continue  # numbers too: factorize would take 1 and 1.0 (or True) for one value
        codes, uniques = pd.factorize(values)
        if len(uniques) == len(values):
            continue
        shared = values.copy()
        found = codes >= 0  # blanks (None, NaN) stay as they are
        shared[found] = uniques[codes[found]]
        frame[name] = pd.Series(shared, index=frame.index, dtype=column.dtype)


def _one_file(
    frame: pd.DataFrame,
    issues: list[Issue],
    start: int,
    source: Source,
    headers: Sequence[Issue] = (),
) -> Imported:
    """One file's rows and issues, put back in that file's terms (file, sheet, row);
    ``headers``: the file's own header problems, already in its terms."""
    frame["source_row"] = frame["source_row"] - start + source.first_row
    mine = [
        replace(
            issue,
            file=source.file,
            sheet=source.sheet,
            row=int(issue.row - start + source.first_row),  # type: ignore[operator]
            value=_untag(issue.value),
            message_th=_untag(issue.message_th),
            message_en=_untag(issue.message_en),
        )
        for issue in issues
    ]
    mine.sort(key=lambda i: (i.row or 0, i.column))
    return Imported("kpi", frame, [*headers, *mine])


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
                f.refuse(REFUSED, _unreadable(f.label, err))
                results.append(None)
    for f, imported in zip(pending, results, strict=True):
        if imported is not None:
            f.imported = imported
            f.issues.extend(imported.issues)
        f.raw_kpis = None


def import_budgets(files: Sequence[UnitFile]) -> None:
    """Type every usable file's tbl_budget by the one rule (``read_budget``), all files of
    one layout in one pass (as for tbl_kpi), so the rule itself names each column letter."""
    pending = [f for f in files if f.usable and f.raw_budget is not None]
    layouts: dict[tuple[tuple[str, str], ...], list[UnitFile]] = {}
    for f in pending:
        layouts.setdefault(_layout(f.raw_budget[1]), []).append(f)  # type: ignore[index]
    for letters, group in layouts.items():
        _import_budgets(group, dict(letters))
    for f in files:
        f.raw_budget = None


def _import_budgets(group: Sequence[UnitFile], letters: dict[str, str]) -> None:
    columns = list(layout.BUDGET_TABLE_COLUMNS)
    frames = [f.raw_budget[0].reindex(columns=columns) for f in group]  # type: ignore[index]
    stacked = pd.concat(frames, ignore_index=True)
    budget, issues = read_budget(stacked, Source(first_row=0, letters=letters))
    position = np.concatenate([np.arange(len(x)) for x in frames])
    owner = np.repeat(np.arange(len(group)), [len(x) for x in frames])
    # Each file's rows, in their order, taken by position (a groupby and a drop per file
    # cost more than the typing of them all).
    owners = owner[budget["_row"].to_numpy()]
    rows = np.argsort(owners, kind="stable")
    bounds = np.searchsorted(owners[rows], np.arange(len(group) + 1))
    budget = budget.drop(columns=["_row"])
    for k, f in enumerate(group):
        f.budget = budget.iloc[rows[bounds[k] : bounds[k + 1]]].reset_index(drop=True)
    for issue in issues:
        f = group[owner[issue.row]]
        source = f.raw_budget[1]  # type: ignore[index]
        f.issues.append(
            replace(
                issue,
                file=source.file,
                sheet=source.sheet,
                row=int(position[issue.row] + source.first_row),
            )
        )


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
                    where=f.label,
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
                        f"หน่วยงาน {unit} มีไฟล์ที่ใหม่กว่า ({newest.label}) ใช้ไฟล์นั้นแทน",
                        f"unit {unit} has a newer file ({newest.label}), which is used",
                        where=f.label,
                    ),
                )


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:  # gone since it was read: it cannot be the newest
        return 0.0
