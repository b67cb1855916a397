"""Numbers as planners type them, read a whole column at a time.

The office's reports write numbers many ways, and all of them must read the same:

- thousands separators and a stray closing dot: ``29,669.`` (unit report, indicator 6)
- a unit after the number: ``1 ครั้ง``, ``12.78 (ล้านราย)``, ``65.85 %``
- a comparator before it: ``มากกว่าเท่ากับ 438,000 (คน)`` (self-assessment levels)
- Thai digits: ``๒๕`` is 25
- no value: blank, ``-``, ``–``, ``N/A`` (the OPDC report: "N/A หมายถึง ยังไม่ประกาศผล")

Anything else (``abc``, a date, ``TRUE``, an Excel error such as ``#DIV/0!``, two numbers in
one cell, a trailing minus ``100-``) is an error that names the value, never a silent zero.

Key columns (project id, indicator number, strategy …) are read as the planner sees them
(:func:`key_text`): Excel stores a typed ``1`` as the number 1.0, which must read ``"1"``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

# Typed by planners for "no value"; the OPDC report defines N/A as "not yet announced".
NO_VALUE = {"", "-", "–", "—", "n/a", "na", "n.a.", "ไม่มี", "none", "nan"}

# Words that may stand before a number in a target cell, as the self-assessment prints them.
COMPARATORS = (
    "มากกว่าหรือเท่ากับ",
    "มากกว่าเท่ากับ",
    "น้อยกว่าหรือเท่ากับ",
    "น้อยกว่าเท่ากับ",
    "ไม่น้อยกว่า",
    "ไม่เกิน",
    "ไม่ต่ำกว่า",
    "ไม่มากกว่า",
    "เท่ากับ",
    "ร้อยละ",
    "≥",
    "≤",
    ">=",
    "<=",
)
_COMPARATOR = "|".join(re.escape(c) for c in COMPARATORS)

# One number, optionally signed, with optional thousands groups and a stray trailing dot,
# optionally led by a comparator word and followed by a unit that holds no digit.
_NUMBER = re.compile(
    rf"^\s*(?:(?:{_COMPARATOR})\s*)?"
    r"(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|[+-]?\.\d+)"
    # A unit never starts with a minus: ``100-`` is an accountant's -100 or a slip, not 100.
    r"\s*(?P<unit>(?![-−–—])[^\d]*)$"
)
_TRAILING_MINUS = re.compile(r"^\s*[+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?\s*[-−–—]\s*$")
_EXCEL_ERROR = re.compile(
    r"^#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)"
)

# Past this a value is a typing slip (or a date serial typed into a count), not a KPI figure.
MAX_ABS = 1e15


@dataclass(frozen=True)
class Parsed:
    """A column of numbers and, where a cell could not be read, why (Thai, English)."""

    values: pd.Series  # float64, NaN where no value or unreadable
    problems: pd.Series  # object: None, or (message_th, message_en) for an unreadable cell


_THAI_DIGIT = re.compile("[๐-๙]")
type_of = np.frompyfunc(type, 1, 1)  # the type of every cell, in one C-level pass

NOT_A_NUMBER = ("ไม่ใช่ตัวเลข", "not a number")
NOT_BOOLEAN = ("ค่าจริง/เท็จ ไม่ใช่ตัวเลข", "a TRUE/FALSE value is not a number")
NOT_DATE = ("วันที่ ไม่ใช่ตัวเลข", "a date is not a number")
EXCEL_ERROR = ("ค่าผิดพลาดจากสูตร Excel", "an Excel error value, fix the formula")
TOO_BIG = ("ตัวเลขใหญ่เกินจริง", "number too large to be a KPI value")
NOT_FINITE = ("ไม่ใช่ตัวเลขจำกัด", "not a finite number")
TRAILING_MINUS = (
    "เครื่องหมายลบอยู่หลังตัวเลข อ่านเป็นข้อความ (ค่าติดลบไม่ได้)",
    "a minus sign after the number is read as text, not as a negative number",
)

# The stable code of each problem above (``sso_kpi.errors.CODES``).
PROBLEM_CODES = {
    NOT_A_NUMBER: "not_a_number",
    NOT_BOOLEAN: "not_boolean",
    NOT_DATE: "not_a_date",
    EXCEL_ERROR: "excel_error",
    TOO_BIG: "too_big",
    NOT_FINITE: "not_finite",
    TRAILING_MINUS: "trailing_minus",
}

# Characters that show nothing (zero-width space, joiners, direction marks, soft hyphen, BOM,
# word joiner: Unicode's "format" class Cf, as of Unicode 14, plus the combining grapheme
# joiner) yet make two ids differ.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)


_BY_DISTINCT = 64  # cells in a column from which each distinct text is normalised once


def normalise_text(series: pd.Series) -> pd.Series:
    """Cells as stripped text with Thai digits turned Arabic; missing cells become ''.

    Works on a numpy object array: iterating pandas 3's string arrays is per element. A long
    column of text only (many units' copies of one plan, stacked) is done once per distinct
    text: the same result, equal texts as one object.
    """
    cells = series.to_numpy(dtype=object)
    if len(cells) > _BY_DISTINCT and pd.api.types.infer_dtype(cells, skipna=True) == "string":
        codes, uniques = pd.factorize(cells)  # every cell a str or missing (code -1)
        if len(uniques) < len(cells):
            done = np.array(["", *_normalised(uniques.astype(object))], dtype=object)
            return pd.Series(done[codes + 1], index=series.index, dtype=object)
    return pd.Series(_normalised(cells), index=series.index, dtype=object)


def _normalised(cells: np.ndarray) -> list[str]:
    text = cells.copy()
    text[pd.isna(text)] = ""
    other = type_of(text) != str  # noqa: E721 - elementwise over an array
    if other.any():  # numbers in a text column, e.g. a kpi_number typed as 1
        text[other] = [str(v) for v in text[other]]
    # Every cell is a str now, so plain str methods apply; a comprehension is several times
    # faster than pandas' .str accessor, which checks each cell for NA first.
    if _THAI_DIGIT.search("".join(text)):  # most columns have none: skip the per-cell pass
        return [t.translate(THAI_DIGITS).strip() for t in text]
    return [t.strip() for t in text]


def shown_number(value: float) -> str:
    """A number as Excel's General format shows it: 1.0 → "1", 1.1 → "1.1" (15 digits).

    >>> shown_number(1.0), shown_number(1.1), shown_number(0.1 + 0.2), shown_number(-3)
    ('1', '1.1', '0.3', '-3')
    """
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.15g}"


def _shown(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | np.integer | np.floating):
        return "" if value != value else shown_number(value)  # NaN: an empty cell
    return str(value)


def clean_key(text: str) -> str:
    """One spelling for what looks the same: NFC, invisible characters removed, and Thai
    sara am (ำ) whether typed as one character or as nikhahit + sara aa (ํ + า).

    >>> clean_key("SSF\u200b010") == "SSF010", clean_key("ก\u0e4d\u0e32") == "ก\u0e33"
    (True, True)
    """
    if text.isascii():
        return text
    text = _INVISIBLE.sub("", text).replace("\u0e4d\u0e32", "\u0e33")
    return unicodedata.normalize("NFC", text).strip()


def shown_text(series: pd.Series) -> pd.Series:
    """Cells as the planner sees them, before :func:`clean_key`: numbers as Excel shows them
    (1.0 → "1"), Thai digits Arabic, stripped; missing cells ''."""
    cells = series.to_numpy(dtype=object).copy()
    missing = pd.isna(cells)
    cells[missing] = ""
    other = type_of(cells) != str  # noqa: E721 - elementwise over an array
    if other.any():
        cells[other] = [_shown(v) for v in cells[other]]
    return normalise_text(pd.Series(cells, index=series.index, dtype=object))


def key_text(series: pd.Series) -> pd.Series:
    """A key column (project id, indicator number, strategy, fund, kind …) as text a planner
    would type: numbers as shown, one Unicode spelling, no invisible characters.

    >>> key_text(pd.Series([1.0, "1", 2.5, "P\u200b1", None])).tolist()
    ['1', '1', '2.5', 'P1', '']
    """
    shown = shown_text(series)
    distinct = {t: clean_key(t) for t in pd.unique(shown.to_numpy(object))}
    if all(k == v for k, v in distinct.items()):
        return shown
    return pd.Series([distinct[t] for t in shown], index=series.index, dtype=object)


def _kind(t: type) -> str:
    # bool before int (bool is an int to Python); datetime and Timestamp are dates.
    if issubclass(t, bool | np.bool_):
        return "bool"
    if issubclass(t, dt.date | dt.time):
        return "date"
    if issubclass(t, int | float | np.integer | np.floating):
        return "number"
    return "text"


def cell_kinds(cells: np.ndarray) -> np.ndarray:
    """'number', 'bool', 'date' or 'text' per cell, deciding once per distinct type."""
    # Types factorised (``types == np.float64`` would make numpy compare the class itself).
    codes, types = pd.factorize(type_of(cells) if len(cells) else np.array([], dtype=object))
    return np.array([_kind(t) for t in types] or [""], dtype=object)[codes]


def _mark(problems: np.ndarray, where: np.ndarray, problem: tuple[str, str]) -> None:
    # Per bad cell: numpy would broadcast a list of 2-tuples into a 2-D array.
    for i in np.flatnonzero(where) if where.dtype == bool else where:
        problems[i] = problem


def parse_numbers(series: pd.Series) -> Parsed:
    """Read a column of raw cells as numbers.

    Real numbers (Excel cells, numeric CSV columns) need no parsing and take the fast path;
    only text cells go through the patterns. Bools and dates are numbers to Python but never
    a KPI value.
    >>> parse_numbers(pd.Series(["29,669.", "1 ครั้ง", "๒๕", "-", 7, "abc"])).values.tolist()
    [29669.0, 1.0, 25.0, nan, 7.0, nan]
    """
    cells = series.to_numpy(dtype=object)
    values = np.full(len(cells), np.nan)
    problems = np.full(len(cells), None, dtype=object)
    kinds = cell_kinds(cells)
    number = kinds == "number"
    values[number] = cells[number].astype("float64")
    _mark(problems, kinds == "bool", NOT_BOOLEAN)
    _mark(problems, kinds == "date", NOT_DATE)

    is_text = (kinds == "text") & (cells != "")
    if is_text.any():
        text = normalise_text(pd.Series(cells[is_text]))
        empty = text.str.lower().isin(NO_VALUE).to_numpy()
        excel_error = text.str.match(_EXCEL_ERROR).to_numpy(bool)
        found = text.str.extract(_NUMBER)["num"].str.replace(",", "", regex=False)
        number_text = pd.to_numeric(found, errors="coerce").to_numpy("float64")
        readable = ~np.isnan(number_text) & ~empty & ~excel_error
        where = np.flatnonzero(is_text)
        values[where[readable]] = number_text[readable]
        bad = where[~readable & ~empty & ~excel_error]
        _mark(problems, bad, NOT_A_NUMBER)
        minus = bad[
            text.iloc[np.flatnonzero(~readable & ~empty & ~excel_error)]
            .str.match(_TRAILING_MINUS)
            .to_numpy(bool)
        ]
        _mark(problems, minus, TRAILING_MINUS)
        _mark(problems, where[excel_error], EXCEL_ERROR)

    with np.errstate(invalid="ignore"):
        too_big = np.abs(values) > MAX_ABS
    not_finite = np.isinf(values)
    _mark(problems, too_big & ~not_finite, TOO_BIG)
    _mark(problems, not_finite, NOT_FINITE)
    values[too_big | not_finite] = np.nan
    return Parsed(
        values=pd.Series(values, index=series.index, dtype="float64"),
        problems=pd.Series(problems, index=series.index, dtype=object),
    )


def round_half_up(x: np.ndarray | pd.Series | float, digits: int = 0) -> np.ndarray:
    """Round as the reports print: halves go up (89.125 → 89.13), unlike Python's round.

    The OPDC report prints indicator 4.1 as 89.13 where 75 + 25 × 5.65 / 10 = 89.125 exactly.
    >>> round_half_up([89.125, 0.5, 2.5, -0.5], 2).tolist()
    [89.13, 0.5, 2.5, -0.5]
    >>> round_half_up([0.5, 1.5, 2.5]).tolist()
    [1.0, 2.0, 3.0]
    """
    arr = np.asarray(x, dtype="float64")
    scale = 10.0**digits
    if digits:
        arr = arr * scale
    # Products like 1.005 * 100 land a hair under the half; snap them to 9 decimals first.
    rounded = np.floor(_half_up_shifted(arr))
    return rounded / scale if digits else rounded


def _half_up_shifted(arr: np.ndarray) -> np.ndarray:
    """What :func:`round_half_up` (0 digits) takes the floor of."""
    shifted = np.round(arr, 9)  # a new array: the caller's is never changed
    shifted += 0.5
    return shifted


def rounds_to_at_least(x: np.ndarray, *thresholds: float) -> list[np.ndarray]:
    """``round_half_up(x) >= t`` for each threshold, from one rounding pass.

    The floor is never taken: for a whole number ``k``, ``floor(z) >= t`` exactly when
    ``z >= k`` with ``k = ceil(t)``. NaN is never at least anything.
    >>> [r.tolist() for r in rounds_to_at_least(np.array([99.5, 99.4, np.nan]), 100, 49.5)]
    [[True, False, False], [True, True, False]]
    """
    shifted = _half_up_shifted(np.asarray(x, dtype="float64"))
    return [shifted >= np.ceil(t) for t in thresholds]
