"""Numbers as planners type them, read a whole column at a time.

The office's reports write numbers many ways, and all of them must read the same:

- thousands separators and a stray closing dot: ``29,669.`` (unit report, indicator 6)
- a unit after the number: ``1 ครั้ง``, ``12.78 (ล้านราย)``, ``65.85 %``
- a comparator before it: ``มากกว่าเท่ากับ 438,000 (คน)`` (self-assessment levels)
- Thai digits: ``๒๕`` is 25
- no value: blank, ``-``, ``–``, ``N/A`` (the OPDC report: "N/A หมายถึง ยังไม่ประกาศผล")

Anything else (``abc``, a date, ``TRUE``, an Excel error such as ``#DIV/0!``, two numbers in
one cell) is an error that names the value, never a silent zero.
"""

from __future__ import annotations

import datetime as dt
import re
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
    r"\s*(?P<unit>[^\d]*)$"
)
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


def normalise_text(series: pd.Series) -> pd.Series:
    """Cells as stripped text with Thai digits turned Arabic; missing cells become ''."""
    text = series.astype(object).where(series.notna(), "")
    return text.map(str).str.translate(THAI_DIGITS).str.strip()


def parse_numbers(series: pd.Series) -> Parsed:
    """Read a column of raw cells as numbers.

    >>> parse_numbers(pd.Series(["29,669.", "1 ครั้ง", "๒๕", "-", 7, "abc"])).values.tolist()
    [29669.0, 1.0, 25.0, nan, 7.0, nan]
    """
    raw = series.astype(object)
    values = pd.Series(np.nan, index=series.index, dtype="float64")
    problems = pd.Series(None, index=series.index, dtype=object)

    # Real numbers (from Excel cells or numeric CSV columns) need no parsing; bools and dates
    # are numbers to Python but never a KPI value.
    is_bool = raw.map(lambda v: isinstance(v, bool | np.bool_))
    is_date = raw.map(lambda v: isinstance(v, dt.date | dt.time | pd.Timestamp))
    is_num = raw.map(lambda v: isinstance(v, int | float | np.integer | np.floating)) & ~is_bool
    values[is_num] = pd.to_numeric(raw[is_num], errors="coerce").astype("float64")
    problems[is_bool] = [("ค่าจริง/เท็จ ไม่ใช่ตัวเลข", "a TRUE/FALSE value is not a number")] * int(
        is_bool.sum()
    )
    problems[is_date] = [("วันที่ ไม่ใช่ตัวเลข", "a date is not a number")] * int(is_date.sum())

    is_text = ~(is_num | is_bool | is_date)
    text = normalise_text(raw[is_text])
    empty = text.str.lower().isin(NO_VALUE)
    excel_error = text.str.match(_EXCEL_ERROR)
    found = text.str.extract(_NUMBER)
    number = pd.to_numeric(found["num"].str.replace(",", "", regex=False), errors="coerce")
    readable = number.notna() & ~empty & ~excel_error
    values[readable[readable].index] = number[readable].astype("float64")

    bad_text = ~readable & ~empty & ~excel_error
    problems[bad_text[bad_text].index] = [("ไม่ใช่ตัวเลข", "not a number")] * int(bad_text.sum())
    problems[excel_error[excel_error].index] = [
        ("ค่าผิดพลาดจากสูตร Excel", "an Excel error value, fix the formula")
    ] * int(excel_error.sum())

    too_big = values.abs() > MAX_ABS
    problems[too_big] = [("ตัวเลขใหญ่เกินจริง", "number too large to be a KPI value")] * int(
        too_big.sum()
    )
    not_finite = np.isinf(values)
    problems[not_finite] = [("ไม่ใช่ตัวเลขจำกัด", "not a finite number")] * int(not_finite.sum())
    values[too_big | not_finite] = np.nan
    # pandas stores the untouched None cells as NaN; the contract is None for "no problem".
    problems = pd.Series(
        [p if isinstance(p, tuple) else None for p in problems], index=series.index, dtype=object
    )
    return Parsed(values=values, problems=problems)


def round_half_up(x: np.ndarray | pd.Series | float, digits: int = 0) -> np.ndarray:
    """Round as the reports print: halves go up (89.125 → 89.13), unlike Python's round.

    The OPDC report prints indicator 4.1 as 89.13 where 75 + 25 × 5.65 / 10 = 89.125 exactly.
    >>> round_half_up([89.125, 0.5, 2.5, -0.5], 2).tolist()
    [89.13, 0.5, 2.5, -0.5]
    >>> round_half_up([0.5, 1.5, 2.5]).tolist()
    [1.0, 2.0, 3.0]
    """
    scale = 10.0**digits
    arr = np.asarray(x, dtype="float64") * scale
    # Products like 1.005 * 100 land a hair under the half; snap them to 9 decimals first.
    return np.floor(np.round(arr, 9) + 0.5) / scale
