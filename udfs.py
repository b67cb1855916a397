"""Excel functions (xlwings UDFs) for SSO_Plan.xlsm: one formula scores a whole column.

Each function takes whole columns (2-D ranges, as xlwings passes them with ``ndim=2``) and
returns a column of the same shape, because xlwings pays milliseconds per call: a formula per
cell would freeze a workbook of thousands of indicators. None is volatile. Every number comes
from the ``sso_kpi`` engine; nothing here re-implements a rule.

A cell that cannot be read gets a short message in Thai and English instead of a number; a
call that cannot work at all (columns of different lengths) returns one message. Neither is
ever a Python traceback.

The ribbon button imports them into the book the first time (:mod:`sso_app.live`, through
``xlwings.udfs.import_udfs``); so does the ``ImportPythonUDFs`` macro. The book's hidden
``myaddin.conf`` sheet names this module under "UDF Modules". Each function's docstring is its
description in Excel's function wizard and each ``doc=`` its argument's (xlwings passes them
to ``Application.MacroOptions``; Excel keeps 255 characters of each), in the category
:data:`CATEGORY`.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import xlwings as xw

from sso_kpi.opdc import interpolate_levels, quality_level
from sso_kpi.periods import months_through
from sso_kpi.plan_status import CANCELLED, cancelled_at
from sso_kpi.rollup import cumulative, rollup_months
from sso_kpi.schema import AGGREGATION_WORDS, DIRECTION_WORDS
from sso_kpi.scoring import BAND_TH, BandRule, achievement, band, row_weighted_average
from sso_kpi.scoring import weighted_average as engine_weighted_average
from sso_kpi.values import MAX_ABS, THAI_DIGITS, key_text, normalise_text, parse_numbers

Grid = list[list[object]]
_FIRST = operator.itemgetter(0)
# Excel's function wizard lists the functions under this category (xlwings' default: "xlwings").
CATEGORY = "SSO KPI"
SHAPE_ERROR = "ขนาดช่วงไม่เท่ากัน / ranges differ in size"


class CallError(Exception):
    """A problem with the whole call: shown as one message in the formula's cell."""


def _grid(value: object) -> Grid:
    """What xlwings passes, whatever it is (scalar, row, 2-D), as a list of rows."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, list | tuple):
        return [[value]]
    if not value:
        return []
    if not isinstance(value[0], list | tuple):
        return [[v] for v in value]
    return value  # rows are only read, never changed: no copy


def _cells(value: object, n: int | None = None) -> list[object]:
    """Flatten a range row by row to one list; a single cell broadcasts to ``n`` rows.

    Ranges are rectangular, as xlwings passes them: a first row of one cell is a column.
    """
    grid = _grid(value)
    if grid and len(grid[0]) == 1:  # one column: each row's cell, without iterating rows
        cells = list(map(_FIRST, grid))
    else:
        cells = list(itertools.chain.from_iterable(grid))
    if n is not None and len(cells) == 1 and n != 1:
        cells = cells * n
    if n is not None and len(cells) != n:
        raise CallError(SHAPE_ERROR)
    return cells


def _column(value: object, n: int | None = None) -> pd.Series:
    """Flatten a range column-wise to one Series; a single cell broadcasts to ``n`` rows."""
    return pd.Series(_cells(value, n), dtype=object)


_THAI_DIGIT = re.compile("[๐-๙]")
_BLANK_MONTHS = [None] * 12  # a row of the month block left blank, as xlwings passes it


def _read_numbers(cells: list[object]) -> tuple[np.ndarray, list[str | None] | None]:
    """Numbers of a flat list of cells, and a note per cell where one could not be read
    (None: every cell was read)."""
    return _read_array(np.fromiter(cells, dtype=object, count=len(cells)))


def _read_array(cells: np.ndarray) -> tuple[np.ndarray, list[str | None] | None]:
    """:func:`_read_numbers` of the cells as an object array.

    A range of numbers and blanks, what Excel nearly always passes, is typed in one step in
    C (pandas infers a float or integer column only when every cell is a Python number or
    None: never for text, TRUE/FALSE or dates); anything else goes through the engine's
    reader, which parses typed text ("1,234", Thai digits) and notes what it cannot read.
    """
    if not len(cells):
        return np.zeros(0), None
    typed = pd.Series(cells, copy=False).infer_objects()
    if typed.dtype.kind in "fiu":
        values = typed.to_numpy("float64")  # None is NaN
        with np.errstate(invalid="ignore"):
            if not (np.abs(values) > MAX_ABS).any():  # no inf, nothing absurd: nothing to say
                return values, None
    elif np.equal(cells, None).all():  # a blank block (the months nobody types)
        return np.full(len(cells), np.nan), None
    parsed = parse_numbers(pd.Series(cells, dtype=object))
    notes = [None if p is None else f"{p[0]} / {p[1]}" for p in parsed.problems]
    return parsed.values.to_numpy("float64"), notes


def _numbers(value: object, n: int | None = None) -> tuple[np.ndarray, list[str | None]]:
    """The numbers of a range (flattened row by row) and a note per cell, [] when none."""
    grid = _grid(value)
    if grid and len(grid[0]) == 1:  # one column: straight into an array, as _cells reads it
        cells = np.fromiter(map(_FIRST, grid), dtype=object, count=len(grid))
        if n is not None and len(cells) == 1 and n != 1:
            cells = np.repeat(cells, n)
        if n is not None and len(cells) != n:
            raise CallError(SHAPE_ERROR)
        values, notes = _read_array(cells)
    else:
        values, notes = _read_numbers(_cells(grid, n))
    return values, notes or []


def _texts(cells: list[object]) -> np.ndarray:
    """Cells as stripped text (``normalise_text``); a column of plain text takes one pass."""
    if set(map(type, cells)) == {str} and not _THAI_DIGIT.search("".join(cells)):
        return np.array([c.strip() for c in cells], dtype=object)
    return normalise_text(pd.Series(cells, dtype=object)).to_numpy(object)


def _keys(cells: list[object]) -> np.ndarray:
    """Cells as key text (``key_text``: 1 and "1" one project); plain ASCII text, what ids
    nearly always are, only needs stripping."""
    if set(map(type, cells)) == {str} and "".join(cells).isascii():
        return np.fromiter(map(str.strip, cells), dtype=object, count=len(cells))
    return key_text(pd.Series(cells, dtype=object)).to_numpy(object)


def _word(cell: object, words: dict[str, str], default: str) -> str:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return default
    text = str(cell).translate(THAI_DIGITS).strip().lower()
    return words.get(text, words.get(text.replace(" ", ""), default))


def _words(value: object, n: int, words: dict[str, str], default: str) -> np.ndarray:
    if value is None:
        return np.full(n, default, dtype=object)
    cells = _cells(value, n)
    # The dropdown's own words are looked up as they are; only the rest is cleaned first.
    found = list(map(words.get, cells))  # every cell Excel passes is hashable
    if None in found:
        pairs = zip(found, cells, strict=True)
        found = [f if f is not None else _word(c, words, default) for f, c in pairs]
    return np.fromiter(found, dtype=object, count=len(found))


def _out(
    values: Sequence[object], notes: Sequence[str | None] | None = (), *, words: bool = False
) -> Grid:
    """One column back to Excel: NaN as an empty cell, a problem note where there is one.

    ``words``: the values are words from a fixed list (statuses, bands), never empty.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        # Numbers in C: Python floats (as ``tolist`` makes them), NaN an empty cell.
        cells = values.astype(object)
        cells[np.isnan(values)] = None
        rows = cells.reshape(-1, 1).tolist()
    else:
        cells = values if isinstance(values, np.ndarray) else np.array(values, dtype=object)
        rows = cells.reshape(-1, 1).tolist()
        if not words:
            for i in np.flatnonzero(pd.isna(cells)):  # NaN (or None): an empty cell
                rows[i] = [None]
    for i, note in enumerate(notes or ()):
        if note and i < len(rows):
            rows[i] = [note]
    return rows


PAIR_WORDS = {"plan": 0, "แผน": 0, "1": 0, "result": 1, "ผล": 1, "2": 1}


def _months(value: object, pair: object) -> Grid:
    """The 12 month columns of each row: 12 columns as given, or, from 24 columns of แผน/ผล
    pairs (the entry sheet puts a month's plan beside its result), the plan or the result
    ones as ``pair`` says ("plan"/"แผน" or "result"/"ผล")."""
    grid = _grid(value)
    if grid and len(grid[0]) == 24:
        word = "" if pair is None else str(pair).strip().lower().removesuffix(".0")
        if word not in PAIR_WORDS:
            raise CallError(
                "24 คอลัมน์แผน/ผล ต้องบอกว่าใช้ แผน หรือ ผล / with 24 plan/result columns, "
                'say "plan" or "result"'
            )
        return [row[PAIR_WORDS[word] :: 2] for row in grid]
    if not grid or len(grid[0]) != 12:
        raise CallError(
            "ต้องเลือก 12 คอลัมน์รายเดือน หรือ 24 คอลัมน์แผน/ผล / select the 12 month "
            "columns or the 24 plan/result pairs"
        )
    return grid


def _merge(*notes: Sequence[str | None]) -> list[str | None]:
    """The first note of each row over several columns' notes ([] for a column without)."""
    notes = [n for n in notes if n]
    if len(notes) <= 1:
        return list(notes[0]) if notes else []
    return [next((n for n in row if n), None) for row in zip(*notes, strict=True)]


def cell_safe(func: Callable[..., object]) -> Callable[..., object]:
    """Any failure becomes a readable message in the cell, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> object:
        try:
            return func(*args, **kwargs)
        except CallError as err:
            return str(err)
        except Exception as err:  # a UDF must answer something readable, whatever happens
            return f"ผิดพลาด / error: {type(err).__name__}"

    return wrapper


def _cancelled(plan_status: object, project_ids: object, quarter: object, n: int) -> np.ndarray:
    """Rows cancelled at ``quarter`` (ยกเลิกในไตรมาส N from N on; a ยกเลิกแผนงาน project)."""
    if plan_status is None or quarter in (None, ""):
        return np.zeros(n, dtype=bool)
    ids = [""] * n if project_ids is None else key_text(_column(project_ids, n))
    frame = pd.DataFrame({"project_id": list(ids), "plan_status": _column(plan_status, n)})
    return cancelled_at(frame, int(float(quarter)))  # type: ignore[arg-type]


# Argument descriptions shared by several functions (Excel's function wizard shows them).
PLAN_DOC = "แผนสะสม ทั้งคอลัมน์ / cumulative plan, the whole column"
RESULT_DOC = "ผลสะสม แถวเดียวกับแผน / cumulative result, same rows as the plan"
STATUS_DOC = "สถานะแผน (ยกเลิกในไตรมาส N, ยกเลิกแผนงาน); ว่าง = ดำเนินการ / plan status (cancelled in quarter N, project cancelled); blank = active"
IDS_DOC = (
    "รหัสงาน/โครงการ แถวเดียวกัน (สำหรับยกเลิกแผนงาน) / project ids, same rows (for a cancelled project)"
)
PAIR_DOC = "เมื่อเลือก 24 คอลัมน์แผน/ผล: plan (แผน) หรือ result (ผล) / with 24 plan/result columns: plan or result"


def _cancellation_args(function: Callable) -> Callable:
    """The three arguments by which SSO_ACHIEVEMENT and SSO_STATUS leave cancelled rows out
    (ยกเลิกในไตรมาส N, ยกเลิกแผนงาน), described once for the function wizard."""
    function = xw.arg("quarter", doc="ไตรมาสที่ประเมิน (1-4) / the quarter evaluated (1-4)")(function)
    function = xw.arg("project_ids", ndim=2, doc=IDS_DOC)(function)
    return xw.arg("plan_status", ndim=2, doc=STATUS_DOC)(function)


@xw.func(category=CATEGORY)
@xw.arg("plan", ndim=2, doc=PLAN_DOC)
@xw.arg("result", ndim=2, doc=RESULT_DOC)
@xw.arg(
    "direction",
    ndim=2,
    doc="ทิศทาง higher (ยิ่งมากยิ่งดี) หรือ lower (ยิ่งน้อยยิ่งดี); ว่าง = higher / higher or lower is better; blank = higher",
)
@xw.arg(
    "cap",
    ndim=2,
    doc="เพดาน (ร้อยละ) ของแต่ละแถว; ว่าง = ไม่มีเพดาน / each row's cap in per cent; blank = none",
)
@xw.arg(
    "default_cap",
    doc="เพดานของสมุดงาน สำหรับแถวที่ไม่มีเพดาน / the workbook's cap, for rows without their own",
)
@_cancellation_args
@cell_safe
def SSO_ACHIEVEMENT(
    plan,
    result,
    direction=None,
    cap=None,
    default_cap=None,
    plan_status=None,
    project_ids=None,
    quarter=None,
):
    """ผลสำเร็จ (ร้อยละของแผน) ทีละแถว: ผลสะสม ÷ แผนสะสม × 100; ว่างเมื่อยังไม่ถึงกำหนด, 0 เมื่อถึงกำหนดแต่ไม่รายงาน / Achievement per row: cumulative result ÷ plan × 100; blank when not due or cancelled at the quarter, 0 when due and not reported."""
    # ผลสำเร็จ (ร้อยละของแผน): cumulative result ÷ plan × 100 per row; blank when not due.
    #
    # ``cap`` is each row's own cap (เพดาน); ``default_cap`` the workbook's, for rows without one.
    p, p_notes = _numbers(plan)
    n = len(p)
    r, r_notes = _numbers(result, n)
    d = _words(direction, n, DIRECTION_WORDS, "higher")
    c = np.full(n, np.nan) if cap is None else _numbers(cap, n)[0]
    if default_cap not in (None, ""):
        c = np.where(np.isnan(c), _numbers(default_cap, 1)[0][0], c)
    pct, _ = achievement(p, r, d, c)
    pct = np.where(_cancelled(plan_status, project_ids, quarter, n), np.nan, pct)
    return _out(pct, _merge(p_notes, r_notes))


@xw.func(category=CATEGORY)
@xw.arg("plan", ndim=2, doc=PLAN_DOC)
@xw.arg("result", ndim=2, doc=RESULT_DOC)
@xw.arg(
    "direction",
    ndim=2,
    doc="ทิศทาง higher หรือ lower; ว่าง = higher / higher or lower is better; blank = higher",
)
@_cancellation_args
@cell_safe
def SSO_STATUS(plan, result, direction=None, plan_status=None, project_ids=None, quarter=None):
    """สถานะของแต่ละแถว: ok, not_reported (ถึงกำหนดแต่ยังไม่รายงาน), not_due (ยังไม่ถึงกำหนด), invalid, cancelled (ยกเลิก) / Status per row: ok, not_reported, not_due, invalid or cancelled."""
    # สถานะ: ok / not_reported (ยังไม่รายงาน) / not_due (ยังไม่ถึงกำหนด) / invalid.
    p, p_notes = _numbers(plan)
    r, r_notes = _numbers(result, len(p))
    _, status = achievement(p, r, _words(direction, len(p), DIRECTION_WORDS, "higher"))
    status = np.where(_cancelled(plan_status, project_ids, quarter, len(p)), CANCELLED, status)
    return _out(status, _merge(p_notes, r_notes), words=True)


@xw.func(category=CATEGORY)
@xw.arg(
    "pct",
    ndim=2,
    doc="ผลสำเร็จหรือค่าเฉลี่ย (ร้อยละ) ทั้งคอลัมน์ / achievement or average per cent, the whole column",
)
@xw.arg("green_at", doc="เขียวตั้งแต่ร้อยละนี้ (ปกติ 100) / green from this per cent (default 100)")
@xw.arg("yellow_at", doc="เหลืองตั้งแต่ร้อยละนี้ (ปกติ 50) / yellow from this per cent (default 50)")
@cell_safe
def SSO_BAND(pct, green_at=100, yellow_at=50):
    """แถบสีจากร้อยละ (ปัดครึ่งขึ้นก่อน): green (เขียว), yellow (เหลือง), red (แดง), grey (เทา = ไม่ถึงกำหนด) / Colour band of per cents, rounded half up: green, yellow, red, grey."""
    # แถบสี: green / yellow / red / grey from per cents (rounded half up first).
    values, notes = _numbers(pct)
    rule = BandRule(green_at=float(green_at), yellow_at=float(yellow_at))
    return _out(band(values, rule), notes, words=True)


@xw.func(category=CATEGORY)
@xw.arg(
    "band_codes",
    ndim=2,
    doc="รหัสแถบสี green/yellow/red/grey (ผลของ SSO_BAND) / band codes, as SSO_BAND returns them",
)
@cell_safe
def SSO_BAND_TH(band_codes):
    """ชื่อสีภาษาไทยของรหัสแถบสี: เขียว, เหลือง, แดง, เทา / Thai name of band codes (green, yellow, red, grey)."""
    # ชื่อสีภาษาไทย (เขียว/เหลือง/แดง/เทา) of band codes.
    codes = normalise_text(_column(band_codes)).str.lower()
    return _out([BAND_TH.get(c, "") for c in codes])


@xw.func(category=CATEGORY)
@xw.arg("values", ndim=2, doc="ค่าที่จะเฉลี่ย ทั้งคอลัมน์ / the values to average, the whole column")
@xw.arg("weights", ndim=2, doc="น้ำหนัก แถวเดียวกับค่า / weights, same rows as the values")
@cell_safe
def SSO_WAVG(values, weights):
    """ค่าเฉลี่ยถ่วงน้ำหนักของแถวที่มีค่า; ว่างเมื่อไม่มีค่าเลย / Weighted average over the rows that have a value; blank when none has."""
    # ค่าเฉลี่ยถ่วงน้ำหนัก over the rows where a value is present; blank when none is.
    v, v_notes = _numbers(values)
    w, w_notes = _numbers(weights, len(v))
    bad = next((note for note in _merge(v_notes, w_notes) if note), None)
    if bad:
        return bad
    avg = engine_weighted_average(v, w)
    return None if np.isnan(avg) else avg


@xw.func(category=CATEGORY)
@xw.arg("project_ids", ndim=2, doc="รหัสโครงการ ทั้งคอลัมน์ / project ids, the whole column")
@xw.arg(
    "achievements",
    ndim=2,
    doc="ผลสำเร็จ (ร้อยละ) ของแต่ละตัวชี้วัด / each indicator's achievement per cent",
)
@xw.arg("weights", ndim=2, doc="น้ำหนักของแต่ละตัวชี้วัด / each indicator's weight")
@cell_safe
def SSO_PROJECT_AVG(project_ids, achievements, weights):
    """ค่าเฉลี่ยของงาน/โครงการ: แต่ละแถวได้ค่าเฉลี่ยถ่วงน้ำหนักของโครงการตน (เฉพาะตัวชี้วัดที่ถึงกำหนด) / Each row gets its project's weighted average of due indicators."""
    # Ids as the engine reads them (1 and "1": one project).
    ids = _keys(_cells(project_ids))
    n = len(ids)
    v, v_notes = _numbers(achievements, n)
    w, w_notes = _numbers(weights, n)
    per_row = np.where(ids == "", np.nan, row_weighted_average(ids, v, w))
    return _out(per_row, _merge(v_notes, w_notes))


@xw.func(category=CATEGORY)
@xw.arg("result", ndim=2, doc="ผลการดำเนินงาน ทั้งคอลัมน์ / results, the whole column")
@xw.arg("level_50", ndim=2, doc="ค่าเป้าหมายขั้นต้น (50 คะแนน) / the level scoring 50")
@xw.arg("level_75", ndim=2, doc="ค่าเป้าหมายมาตรฐาน (75 คะแนน) / the level scoring 75")
@xw.arg("level_100", ndim=2, doc="ค่าเป้าหมายขั้นสูง (100 คะแนน) / the level scoring 100")
@xw.arg(
    "direction",
    ndim=2,
    doc="ทิศทาง higher หรือ lower; ว่าง = higher / higher or lower is better; blank = higher",
)
@cell_safe
def SSO_SCORE(result, level_50, level_75, level_100, direction=None):
    """คะแนน ก.พ.ร. 0-100: 50/75/100 ที่ขั้นต้น/มาตรฐาน/ขั้นสูง เส้นตรงระหว่างขั้น, 0 เมื่อต่ำกว่าขั้นต้น / OPDC score 0-100: 50, 75, 100 at the three levels, linear between, 0 below the first."""
    # คะแนน ก.พ.ร.: 50/75/100 at ขั้นต้น/มาตรฐาน/ขั้นสูง, linear between; 0 below ขั้นต้น.
    r, r_notes = _numbers(result)
    n = len(r)
    cols = [_numbers(level, n) for level in (level_50, level_75, level_100)]
    levels = np.column_stack([c[0] for c in cols])
    lower = _words(direction, n, DIRECTION_WORDS, "higher") == "lower"
    score = interpolate_levels(r, levels, (50, 75, 100), lower_is_better=lower)
    score = np.where(np.isnan(levels).any(axis=1) | np.isnan(r), np.nan, score)
    return _out(score, _merge(r_notes, *(c[1] for c in cols)))


@xw.func(category=CATEGORY)
@xw.arg("total", ndim=2, doc="คะแนนรวม ก.พ.ร. (0-100) / the OPDC total score (0-100)")
@cell_safe
def SSO_QUALITY(total):
    """ระดับผลการประเมิน ก.พ.ร. จากคะแนนรวม: ระดับคุณภาพ ≥ 90, มาตรฐานขั้นสูง ≥ 75, มาตรฐานขั้นต้น ≥ 60, ต่ำกว่านั้นต้องปรับปรุง / OPDC quality level of a total score."""
    # ระดับคุณภาพ of OPDC totals: ระดับคุณภาพ ≥ 90, มาตรฐานขั้นสูง ≥ 75, ขั้นต้น ≥ 60.
    values, notes = _numbers(total)
    th, _ = quality_level(values)
    grid = _out(th, notes)
    return grid[0][0] if len(grid) == 1 else grid


@xw.func(category=CATEGORY)
@xw.arg(
    "months",
    ndim=2,
    doc="12 คอลัมน์รายเดือน (เดือนแรกของปี ... เดือนที่ 12) / the 12 month columns, the year's first month first",
)
@xw.arg(
    "aggregation",
    ndim=2,
    doc="การรวมค่า sum, last, average หรือ max; ว่าง = sum / how months combine; blank = sum",
)
@xw.arg("quarter", doc="ไตรมาส 1-4 / the quarter, 1-4")
@xw.arg(
    "pair",
    doc=PAIR_DOC,
)
@cell_safe
def SSO_ROLLUP(months, aggregation, quarter, pair=None):
    """ค่าสะสมถึงสิ้นไตรมาสจาก 12 คอลัมน์รายเดือน (หรือ 24 คอลัมน์แผน/ผล) ตามการรวมค่าของแต่ละแถว; ไตรมาส 4 = รวม / The months rolled up to the quarter's end, per row's aggregation; quarter 4 gives the form's total."""
    grid = _months(months, pair)
    cells = pd.Series([c for row in grid for c in row], dtype=object)
    parsed = parse_numbers(cells)
    values = parsed.values.to_numpy("float64").reshape(-1, 12)
    n = values.shape[0]
    notes = [
        next((f"{p[0]} / {p[1]}" for p in parsed.problems[i * 12 : i * 12 + 12] if p), None)
        for i in range(n)
    ]
    agg = _words(aggregation, n, AGGREGATION_WORDS, "sum")
    try:
        through = months_through(int(float(quarter)))[-1]
    except (TypeError, ValueError) as err:
        raise CallError("ไตรมาสต้องเป็น 1-4 / quarter must be 1-4") from err
    return _out(rollup_months(values, agg, through), notes)


@xw.func(category=CATEGORY)
@xw.arg("quarterly", ndim=2, doc="4 คอลัมน์รายไตรมาส (สะสม) / the 4 quarter columns (cumulative)")
@xw.arg(
    "months",
    ndim=2,
    doc="12 คอลัมน์รายเดือน หรือ 24 คอลัมน์แผน/ผล / the 12 month columns, or the 24 plan/result pairs",
)
@xw.arg(
    "aggregation",
    ndim=2,
    doc="การรวมค่า sum, last, average หรือ max; ว่าง = sum / how months combine; blank = sum",
)
@xw.arg("quarter", doc="ไตรมาส 1-4 / the quarter, 1-4")
@xw.arg(
    "pair",
    doc=PAIR_DOC,
)
@cell_safe
def SSO_PERIOD(quarterly, months, aggregation, quarter, pair=None):
    """ค่าสะสมถึงไตรมาส: ค่าไตรมาสที่พิมพ์ไว้ หรือรวมจากรายเดือนเมื่อว่าง (กติกาเดียวกับ sso-kpi) / Cumulative figure to the quarter: the typed quarter, else the months rolled up."""
    # ``months``: the 12 month columns, or the 24 แผน/ผล pairs with ``pair`` = plan or result;
    # the same rule the headless rebuild uses, so Excel and ``sso-kpi`` agree on what is due.
    q_grid = _grid(quarterly)
    try:
        m_grid = _months(months, pair)
    except CallError:
        m_grid = []
    if not q_grid or len(q_grid[0]) != 4 or len(m_grid) != len(q_grid) or len(m_grid[0]) != 12:
        raise CallError(
            "ต้องเลือก 4 คอลัมน์ไตรมาสและ 12 คอลัมน์เดือน / select 4 quarter and 12 month columns"
        )
    n = len(q_grid)
    q_values, q_notes = _read_array(np.fromiter(itertools.chain.from_iterable(q_grid), object))
    if m_grid.count(_BLANK_MONTHS) == len(m_grid):  # the months nobody types, row by row
        m_values, m_notes = None, None
    else:
        m_values, m_notes = _read_array(np.fromiter(itertools.chain.from_iterable(m_grid), object))
    notes = None
    if q_notes or m_notes:  # a row shows its first unreadable cell, quarters before months
        q_notes, m_notes = q_notes or [None] * (4 * n), m_notes or [None] * (12 * n)
        per_row = ([*q_notes[4 * i : 4 * i + 4], *m_notes[12 * i : 12 * i + 12]] for i in range(n))
        notes = [next((p for p in row if p), None) for row in per_row]
    try:
        q = int(float(quarter))
        months_through(q)
    except (TypeError, ValueError) as err:
        raise CallError("ไตรมาสต้องเป็น 1-4 / quarter must be 1-4") from err
    if (
        m_values is None or np.isnan(m_values).all()
    ):  # typed by quarter: how months add up does not matter
        values = cumulative(q_values.reshape(n, 4), None, "sum", q)
    else:
        agg = _words(aggregation, n, AGGREGATION_WORDS, "sum")
        values = cumulative(q_values.reshape(n, 4), m_values.reshape(n, 12), agg, q)
    return _out(values, notes)
