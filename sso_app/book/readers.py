"""Read raw cells from a CSV or a workbook into the frame ``sso_kpi.importing`` checks.

Workbooks are read with python-calamine (fast, read-only); an SSO workbook's rows live in the
Excel table ``tbl_kpi`` (OPDC rows in ``tbl_opdc``), anything else is read from its first
sheet whose header row names our columns.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine as calamine
from openpyxl.utils import get_column_letter

from sso_app.files.checks import check_workbook_file, require_regular_file
from sso_kpi.errors import SsoError
from sso_kpi.importing import Source, canonical_frame
from sso_kpi.schema import KPI_COLUMNS, OPDC_COLUMNS, canonical_column

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
KNOWN_HEADERS = {*KPI_COLUMNS, *OPDC_COLUMNS}


def read_raw(path: Path, *, table: str | None = None) -> tuple[pd.DataFrame, Source]:
    """Raw cells of the KPI rows in ``path`` and where they came from."""
    path = Path(path)
    suffix = path.suffix.lower()
    # Before any open: a named pipe or a device would block the read forever.
    require_regular_file(path)
    if suffix in CSV_SUFFIXES:
        return read_csv_raw(path), Source(file=path.name, first_row=2)
    if suffix in WORKBOOK_SUFFIXES:
        check_workbook_file(path)
        return read_workbook_raw(path, table=table)
    raise SsoError(
        "อ่านได้เฉพาะไฟล์ .csv .xlsx .xlsm",
        f"cannot read {suffix or 'a file without extension'}: use .csv, .xlsx or .xlsm",
        where=str(path),
    )


def read_csv_raw(path: Path) -> pd.DataFrame:
    """Every cell as text: ``1.10`` (a sub-strategy) must not become the number 1.1.

    The text encoding and the delimiter are found from the file (:func:`decode_csv`,
    :func:`csv_delimiter`): Excel saves "CSV" as UTF-8 with a BOM, "Unicode text" as
    UTF-16 with tabs, and Thai Excel's plain CSV in TIS-620 (cp874); a European Excel
    separates with ``;``. An empty file is refused by name.
    """
    text = decode_csv(path.read_bytes(), str(path))
    if not text.strip():
        raise SsoError(
            "ไฟล์ว่าง ไม่มีหัวตารางหรือข้อมูล", "the file is empty: no header, no rows",
            where=str(path), code="empty_file",
        )  # fmt: skip
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=csv_delimiter(text),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as err:
        raise SsoError("อ่านไฟล์ CSV ไม่ได้", f"not a readable CSV: {err}", where=str(path)) from err


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_csv(data: bytes, where: str = "") -> str:
    """The text of a CSV in whichever encoding Excel or a planner saved it.

    A BOM says the encoding; UTF-16 without one shows as a zero byte beside every ASCII
    character; otherwise UTF-8, else TIS-620 (cp874, every byte is a character there).
    >>> decode_csv("รหัส,น้ำหนัก".encode("utf-16-le")), decode_csv("ก,1".encode("cp874"))
    ('รหัส,น้ำหนัก', 'ก,1')
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data, encoding, where)
    # Without a BOM: the first encoding whose text reads as text (no control characters:
    # Thai in UTF-16 read as UTF-8 is all control bytes, ASCII in it all NULs).
    best, best_score = None, -1.0
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "cp874"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _plausible(text[:4096])
        if score >= 0.99:
            return text
        if score > best_score:
            best, best_score = text, score
    if best is None:
        raise SsoError("อ่านตัวอักษรในไฟล์ไม่ได้", "unknown text encoding", where=where)
    return best


def _plausible(text: str) -> float:
    """Share of characters a KPI file holds: printable text, tabs and line ends."""
    if not text:
        return 1.0
    good = sum(c.isprintable() or c in "\t\r\n" for c in text)
    return good / len(text)


def _decode(data: bytes, encoding: str, where: str) -> str:
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as err:
        raise SsoError(
            "อ่านตัวอักษรในไฟล์ไม่ได้", f"unknown text encoding ({encoding}: {err})", where=where
        ) from err


def csv_delimiter(text: str) -> str:
    r"""The delimiter of a CSV: the one of ``,`` ``;`` tab ``|`` that splits the header row
    and the rows after it into the same number of cells, the most cells first.

    >>> csv_delimiter("a;b;c\n1;2,5;3\n"), csv_delimiter("a\tb\n1\t2\n"), csv_delimiter("a\n1\n")
    (';', '\t', ',')
    """
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    best, best_cells = ",", 1
    for delimiter in (",", "\t", ";", "|"):
        rows = list(csv.reader(lines, delimiter=delimiter))
        if not rows:
            continue
        cells = len(rows[0])
        consistent = all(len(r) == cells for r in rows[1:])
        if cells > best_cells and (consistent or len(rows) == 1):
            best, best_cells = delimiter, cells
    if best_cells == 1:  # nothing split every row alike: the one splitting the header most
        counts = {d: lines[0].count(d) for d in (",", "\t", ";", "|")} if lines else {}
        best = max(counts, key=counts.get, default=",") if any(counts.values()) else ","
    return best


def _letters(columns: list[str], first_col: int) -> dict[str, str]:
    """Sheet column letter of each canonical key; the first of two columns with one key wins,
    as in :func:`canonical_frame`, and keeps its own position.

    >>> _letters(["project_id", "น้ำหนัก", "weight", "kpi_number"], 0)
    {'project_id': 'A', 'weight': 'B', 'kpi_number': 'D'}
    """
    letters: dict[str, str] = {}
    for i, column in enumerate(columns):
        letters.setdefault(canonical_column(column), get_column_letter(first_col + i + 1))
    return letters


def fill_merged(
    rows: list[list[object]],
    merges: list[tuple[tuple[int, int], tuple[int, int]]],
    top: int,
    left: int,
) -> list[list[object]]:
    """Give every cell of a merged area the value of its top-left cell.

    Planners merge a project's id and name down over its indicator rows; read naively, every
    indicator but the first would have a blank project. ``top``/``left`` are the 0-based sheet
    position of ``rows[0][0]``; ``merges`` are calamine's ``((r1, c1), (r2, c2))``, 0-based.
    >>> fill_merged([["P1", 1], ["", 2]], [((3, 0), (4, 0))], 3, 0)
    [['P1', 1], ['P1', 2]]
    """
    for (r1, c1), (r2, c2) in merges:
        if not (0 <= r1 - top < len(rows)) or not rows or not (0 <= c1 - left < len(rows[0])):
            continue
        value = rows[r1 - top][c1 - left]
        for r in range(r1 - top, min(r2 - top, len(rows) - 1) + 1):
            for c in range(c1 - left, min(c2 - left, len(rows[r]) - 1) + 1):
                rows[r][c] = value
    return rows


@dataclass(frozen=True)
class TableCells:
    """An Excel table's cells, from whatever read them: calamine on a closed file, xlwings in
    an open book. ``first_row``/``first_col`` are the 1-based sheet position of the first data
    cell, so every message can name the planner's own row and column letter."""

    sheet: str
    columns: list[str]
    rows: list[list[object]]
    first_row: int
    first_col: int

    def frame(self) -> pd.DataFrame:
        # Through one object array: pandas then makes one block, not a list per column.
        width = len(self.columns)
        if not self.rows or not width or set(map(len, self.rows)) != {width}:
            # No cells, or rows of another length than the header (pandas pads them).
            return pd.DataFrame(self.rows, columns=self.columns, dtype=object)
        cells = np.empty((len(self.rows), width), dtype=object)
        try:
            cells[:] = self.rows
        except ValueError:  # a cell holding a sequence: pandas' own way
            return pd.DataFrame(self.rows, columns=self.columns, dtype=object)
        return pd.DataFrame(cells, columns=self.columns, dtype=object, copy=False)

    def source(self, file: str) -> Source:
        return Source(file, self.sheet, self.first_row, _letters(self.columns, self.first_col - 1))


def open_calamine(path: Path) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    except Exception as err:  # calamine raises its own types for damaged files
        raise SsoError("เปิดไฟล์ไม่ได้ ไฟล์อาจเสีย", f"cannot read the workbook: {err}",
                       where=str(path)) from err  # fmt: skip


def calamine_table(
    book: calamine.CalamineWorkbook, name: str, *, merges: bool = True
) -> TableCells:
    """A table of a workbook opened with :func:`open_calamine`, merged cells filled.

    Finding merges parses the table's sheet a second time; ``merges=False`` skips that for a
    caller that already knows the book has none (consolidation reads 100+ books).
    """
    t = book.get_table_by_name(name)
    first_row, first_col = t.start  # 0-based, first DATA row
    rows = t.to_python()
    if merges:
        ranges = book.get_sheet_by_name(t.sheet).merged_cell_ranges or []
        rows = fill_merged(rows, ranges, first_row, first_col)
    return TableCells(t.sheet, [str(c) for c in t.columns], rows, first_row + 1, first_col + 1)


def read_workbook_raw(path: Path, *, table: str | None = None) -> tuple[pd.DataFrame, Source]:
    book = open_calamine(path)
    wanted = [table] if table else ["tbl_kpi", "tbl_opdc"]
    for name in wanted:
        if name in book.table_names:
            cells = calamine_table(book, name)
            return cells.frame(), cells.source(path.name)
    if table:
        raise SsoError(f"ไม่พบตาราง {table}", f"table {table} not found", where=str(path))
    sheet = book.get_sheet_by_index(0)
    rows = fill_merged(sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or [], 0, 0)
    for i, row in enumerate(rows[:50]):
        header = [str(c).strip() for c in row]
        if len(KNOWN_HEADERS & set(canonical_frame(pd.DataFrame(columns=header)).columns)) >= 2:
            frame = pd.DataFrame(rows[i + 1 :], columns=header, dtype=object)
            return frame, Source(path.name, sheet.name, i + 2, _letters(header, 0))
    raise SsoError(
        "ไม่พบแถวหัวตารางที่มีชื่อคอลัมน์ของแผน (เช่น project_id, น้ำหนัก)",
        "no header row naming the plan's columns (e.g. project_id, weight) in the first sheet",
        where=f"{path} [{sheet.name}]",
    )


def read_book_table(
    book: calamine.CalamineWorkbook, name: str, path: Path, *, merges: bool = False
) -> tuple[pd.DataFrame, Source]:
    """Raw cells of an Excel table and where they are.

    Excel cannot merge cells inside a table, so an SSO workbook's tables need no merge
    filling; ``merges=True`` (a book another tool wrote with merged cells) fills them as
    ``readers`` does, at the cost of parsing the sheet a second time.
    """
    cells = calamine_table(book, name, merges=merges)
    return cells.frame(), cells.source(path.name)
