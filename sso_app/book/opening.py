"""One way into a workbook: :func:`open_sso_book`, for every command.

The pre-flight check of the file, the one rule for "is this an SSO book, which version",
the settings read once, the quarter chosen by the one rule (``quarter_to_report``), the
budget typed by the engine's one rule. Problems stay data (``Issue``) until shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
import python_calamine as calamine

from sso_app.book import layout
from sso_app.book.readers import TableCells, calamine_table, open_calamine
from sso_app.book.settings import Settings, settings_from_rows
from sso_app.files.checks import check_workbook_file
from sso_kpi.budget import BUDGET_COLUMNS, read_budget
from sso_kpi.errors import Issue, SsoError
from sso_kpi.evaluation import Evaluation, evaluate
from sso_kpi.importing import Imported, Source, read_table
from sso_kpi.rollup import quarter_to_report

REQUIRED_SHEETS = (
    layout.SHEET_SETTINGS,
    layout.SHEET_ENTRY,
    layout.SHEET_BUDGET,
    layout.SHEET_SUMMARY,
    layout.SHEET_OPDC,
)
REQUIRED_TABLES = (layout.TABLE_SETTINGS, layout.TABLE_KPI, layout.TABLE_BUDGET, layout.TABLE_OPDC)
UNIT, NATIONAL = "unit", "national"


@dataclass
class BookData:
    """What a rebuild needs from a closed workbook, read with python-calamine."""

    settings: Settings
    kpis: Imported
    budget: pd.DataFrame
    opdc: Imported
    issues: list[Issue] = field(default_factory=list)

    def evaluation(self, asked: int | None = None) -> Evaluation:
        """The engine's evaluation at the quarter the one rule picks."""
        s = self.settings
        quarter = quarter_to_report(self.kpis.frame, asked, s.quarter)
        return evaluate(self.kpis, quarter, rule=s.rule, cap=s.cap)


def book_data(
    file: str, tables: Mapping[str, TableCells], settings: Settings | None = None
) -> BookData:
    """Settings, typed KPI rows, budget and OPDC rows from the four tables' cells, however
    they were read (calamine on a closed file here, xlwings in :mod:`sso_app.live`)."""
    if settings is None:
        settings = settings_from_rows(tables[layout.TABLE_SETTINGS].rows)
    kpi = tables[layout.TABLE_KPI]
    kpis = read_table(kpi.frame(), kpi.source(file), form="kpi")
    # A book another tool made may lack the OPDC or budget table: read as empty.
    opdc = tables.get(layout.TABLE_OPDC)
    opdc_frame = opdc.frame() if opdc else pd.DataFrame(columns=list(layout.OPDC_TABLE_COLUMNS))
    opdc_source = opdc.source(file) if opdc else Source(file)
    opdc_rows = read_table(opdc_frame, opdc_source, form="opdc")
    cells = tables.get(layout.TABLE_BUDGET)
    budget_frame = cells.frame() if cells else pd.DataFrame(columns=list(BUDGET_COLUMNS))
    budget, issues = read_budget(budget_frame, cells.source(file) if cells else Source(file))
    return BookData(settings, kpis, budget, opdc_rows, issues)


def version_problem(version: str) -> tuple[str, str] | None:
    """The one version rule: a book of this program's schema is read; a newer one needs a
    newer program; an older or unknown one is rebuilt and its rows imported.

    >>> version_problem(layout.SCHEMA_VERSION) is None, version_problem("")[1][:16]
    (True, 'no schema_versio')
    """
    mine = _version(layout.SCHEMA_VERSION)
    if not str(version).strip():
        return (
            "ไม่มีรุ่นของแบบฟอร์ม (schema_version) ในชีตตั้งค่า",
            "no schema_version in the settings sheet",
        )
    theirs = _version(version)
    if theirs == mine:
        return None
    if theirs > mine:
        return (
            f"แบบฟอร์มรุ่น {version} ใหม่กว่าโปรแกรมนี้ (รุ่น {layout.SCHEMA_VERSION}) ให้ปรับรุ่นโปรแกรมก่อน",
            f"form version (schema_version) {version} is newer than this program's "
            f"({layout.SCHEMA_VERSION}): "
            "update the program first",
        )
    return (
        f"แบบฟอร์มรุ่น {version} เก่ากว่าโปรแกรมนี้ (รุ่น {layout.SCHEMA_VERSION}): "
        "สร้างสมุดงานใหม่ (sso-kpi build-workbook --empty) แล้วนำเข้าข้อมูล",
        f"form version (schema_version) {version} is older than this program's "
        f"({layout.SCHEMA_VERSION}): "
        "build a new book (sso-kpi build-workbook --empty) and import the rows",
    )


def _version(text: str) -> tuple[int, ...]:
    parts = [p for p in str(text).removesuffix(".0").split(".") if p.isdigit()]
    return tuple(int(p) for p in parts) or (0,)


@dataclass
class SsoBook:
    """An SSO workbook that passed every check, its settings read; tables read on demand."""

    path: Path
    label: str  # how messages name the file (its path relative to the folder given)
    kind: str  # UNIT or NATIONAL
    settings: Settings
    merged_cells: bool
    workbook: calamine.CalamineWorkbook = field(repr=False)

    def table(self, name: str) -> TableCells:
        return calamine_table(self.workbook, name, merges=self.merged_cells)

    def has_table(self, name: str) -> bool:
        return name in self.workbook.table_names

    @cached_property
    def data(self) -> BookData:
        """Settings, typed KPI rows, budget and OPDC rows (a unit's book)."""
        present = {n: self.table(n) for n in REQUIRED_TABLES if self.has_table(n)}
        return book_data(self.label, present, self.settings)

    def kpis(self) -> Imported:
        """The typed indicators: tbl_kpi, or a national book's combined indicators."""
        if self.kind == UNIT:
            return self.data.kpis
        cells = self.table(layout.NATIONAL_KPI_TABLE)
        return read_table(cells.frame(), cells.source(self.label), form="kpi")

    def quarter(self, asked: int | None = None) -> int:
        """The quarter to report: asked, else the book's ไตรมาสปัจจุบัน (one rule)."""
        return quarter_to_report(self.kpis().frame, asked, self.settings.quarter)

    def evaluation(self, asked: int | None = None) -> Evaluation:
        s = self.settings
        return evaluate(self.kpis(), self.quarter(asked), rule=s.rule, cap=s.cap)

    def filled_rows(self, name: str) -> int:
        """Rows of table ``name`` with anything typed in them."""
        rows = self.workbook.get_table_by_name(name).to_python()
        return sum(any(v not in (None, "") for v in row) for row in rows)


def _not_sso(where: str, detail_th: str, detail_en: str) -> SsoError:
    return SsoError(
        f"ไฟล์นี้ไม่ใช่สมุดงานแผน-ผลของสำนักงานประกันสังคม (SSO_Plan.xlsm): {detail_th}",
        f"this is not an SSO planning workbook (SSO_Plan.xlsm): {detail_en}",
        where=where,
    )


def open_sso_book(
    path: Path,
    *,
    kinds: tuple[str, ...] = (UNIT,),
    label: str | None = None,
    whole_form: bool = False,
) -> SsoBook:
    """Check ``path`` before any parser sees it, open it with calamine, and refuse (two
    languages, naming the file) anything that is not an SSO book of ``kinds`` and of this
    program's version; read its settings. Every command opens books here; those that
    rewrite the form's computed sheets ask for the ``whole_form``."""
    path = Path(path)
    where = str(path)
    checked = check_workbook_file(path)
    book = open_calamine(path)
    tables = set(book.table_names)
    kind = NATIONAL if layout.NATIONAL_KPI_TABLE in tables else UNIT
    if kind not in kinds:
        if kind == NATIONAL:
            raise SsoError(
                "เป็นไฟล์สรุประดับประเทศที่โปรแกรมนี้สร้าง ไม่ใช่สมุดงานของหน่วยงาน",
                "this is a national summary made by this program, not a unit's workbook",
                where=where,
            )
        raise _not_sso(
            where,
            f"ไม่พบตาราง {layout.NATIONAL_KPI_TABLE} ของไฟล์สรุประดับประเทศ",
            f"no {layout.NATIONAL_KPI_TABLE} table of a national summary",
        )
    # What makes a book an SSO book: its settings (with the version) and its indicators.
    # A command that rewrites the computed sheets needs the rest of the form too.
    missing = [t for t in (layout.TABLE_SETTINGS,) if t not in tables]
    if kind == UNIT:
        missing += [t for t in (layout.TABLE_KPI,) if t not in tables]
        if whole_form:
            missing += [s for s in REQUIRED_SHEETS if s not in book.sheet_names]
            missing += [t for t in REQUIRED_TABLES if t not in tables and t not in missing]
    if missing:
        raise _not_sso(where, f"ไม่พบ {', '.join(missing)}", f"missing {', '.join(missing)}")
    rows = calamine_table(book, layout.TABLE_SETTINGS, merges=False).rows
    version = next((r[1] for r in rows if len(r) > 1 and str(r[0]).strip() == "schema_version"), "")
    version = "" if version is None else str(version).strip()
    problem = version_problem(version)
    if problem is not None:
        raise SsoError(*problem, where=where)
    try:
        settings = settings_from_rows(rows)
    except SsoError as err:
        raise SsoError(err.message_th, err.message_en, where=f"{where} [{err.where}]") from err
    return SsoBook(path, label or path.name, kind, settings, checked.has_merged_cells, book)


def verify_written_book(expect_rows: Mapping[str, int]) -> Callable[[Path], None]:
    """A check for a new book before it replaces the old one, with the reader the next
    command uses: it opens as an SSO book and its tables hold the rows written."""

    def verify(path: Path) -> None:
        book = open_sso_book(path)
        for name, n in expect_rows.items():
            got = book.filled_rows(name)
            if got != n:
                raise SsoError(
                    f"ตาราง {name} มี {got} แถว แต่เขียนไป {n} แถว",
                    f"table {name} holds {got} rows, {n} were written",
                    where=str(path),
                )

    return verify
