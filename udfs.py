"""Excel functions (xlwings UDFs) for SSO_Plan.xlsm: one formula scores a whole column.

Each function takes whole columns (2-D ranges, as xlwings passes them with ``ndim=2``) and
returns a column of the same shape, because xlwings pays milliseconds per call: a formula per
cell would freeze a workbook of thousands of indicators. None is volatile. Every number comes
from the ``sso_kpi`` engine; nothing here re-implements a rule.

A cell that cannot be read gets a short message in Thai and English instead of a number; a
call that cannot work at all (columns of different lengths) returns one message. Neither is
ever a Python traceback.

Import them in Excel with the xlwings add-in's "Import Functions" (or the ``ImportPythonUDFs``
macro); the workbook's ``_xlwings.conf`` sheet names this module under "UDF Modules".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import xlwings as xw

from sso_kpi.opdc import interpolate_levels, quality_level
from sso_kpi.periods import months_through
from sso_kpi.rollup import cumulative, rollup_months
from sso_kpi.schema import AGGREGATION_WORDS, DIRECTION_WORDS
from sso_kpi.scoring import BAND_TH, BandRule, achievement, band, group_weighted_average
from sso_kpi.scoring import weighted_average as engine_weighted_average
from sso_kpi.values import normalise_text, parse_numbers

Grid = list[list[object]]
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
    return [list(row) for row in value]


def _column(value: object, n: int | None = None) -> pd.Series:
    """Flatten a range column-wise to one Series; a single cell broadcasts to ``n`` rows."""
    cells = [c for row in _grid(value) for c in row]
    if n is not None and len(cells) == 1 and n != 1:
        cells = cells * n
    if n is not None and len(cells) != n:
        raise CallError(SHAPE_ERROR)
    return pd.Series(cells, dtype=object)


def _numbers(value: object, n: int | None = None) -> tuple[np.ndarray, list[str | None]]:
    parsed = parse_numbers(_column(value, n))
    notes = [None if p is None else f"{p[0]} / {p[1]}" for p in parsed.problems]
    return parsed.values.to_numpy("float64"), notes


def _words(value: object, n: int, words: dict[str, str], default: str) -> np.ndarray:
    if value is None:
        return np.full(n, default, dtype=object)
    text = normalise_text(_column(value, n)).str.lower()
    return text.map(lambda t: words.get(t, default)).to_numpy(object)


def _out(values: Sequence[object], notes: Sequence[str | None] = ()) -> Grid:
    """One column back to Excel: NaN as an empty cell, a problem note where there is one."""
    rows = []
    for i, v in enumerate(values):
        note = notes[i] if i < len(notes) else None
        if note:
            rows.append([note])
        elif isinstance(v, float) and np.isnan(v):
            rows.append([None])
        else:
            rows.append([v.item() if isinstance(v, np.generic) else v])
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


@xw.func
@xw.arg("plan", ndim=2)
@xw.arg("result", ndim=2)
@xw.arg("direction", ndim=2)
@xw.arg("cap", ndim=2)
@cell_safe
def SSO_ACHIEVEMENT(plan, result, direction=None, cap=None, default_cap=None):
    """ผลสำเร็จ (ร้อยละของแผน): cumulative result ÷ plan × 100 per row; blank when not due.

    ``cap`` is each row's own cap (เพดาน); ``default_cap`` the workbook's, for rows without one.
    """
    p, p_notes = _numbers(plan)
    n = len(p)
    r, r_notes = _numbers(result, n)
    d = _words(direction, n, DIRECTION_WORDS, "higher")
    c = np.full(n, np.nan) if cap is None else _numbers(cap, n)[0]
    if default_cap not in (None, ""):
        c = np.where(np.isnan(c), _numbers(default_cap, 1)[0][0], c)
    pct, _ = achievement(p, r, d, c)
    return _out(pct, _merge(p_notes, r_notes))


@xw.func
@xw.arg("plan", ndim=2)
@xw.arg("result", ndim=2)
@xw.arg("direction", ndim=2)
@cell_safe
def SSO_STATUS(plan, result, direction=None):
    """สถานะ: ok / not_reported (ยังไม่รายงาน) / not_due (ยังไม่ถึงกำหนด) / invalid."""
    p, p_notes = _numbers(plan)
    r, r_notes = _numbers(result, len(p))
    _, status = achievement(p, r, _words(direction, len(p), DIRECTION_WORDS, "higher"))
    return _out(status, _merge(p_notes, r_notes))


@xw.func
@xw.arg("pct", ndim=2)
@cell_safe
def SSO_BAND(pct, green_at=100, yellow_at=50):
    """แถบสี: green / yellow / red / grey from per cents (rounded half up first)."""
    values, notes = _numbers(pct)
    rule = BandRule(green_at=float(green_at), yellow_at=float(yellow_at))
    return _out(band(values, rule), notes)


@xw.func
@xw.arg("band_codes", ndim=2)
@cell_safe
def SSO_BAND_TH(band_codes):
    """ชื่อสีภาษาไทย (เขียว/เหลือง/แดง/เทา) of band codes."""
    codes = normalise_text(_column(band_codes)).str.lower()
    return _out([BAND_TH.get(c, "") for c in codes])


@xw.func
@xw.arg("values", ndim=2)
@xw.arg("weights", ndim=2)
@cell_safe
def SSO_WAVG(values, weights):
    """ค่าเฉลี่ยถ่วงน้ำหนัก over the rows where a value is present; blank when none is."""
    v, v_notes = _numbers(values)
    w, w_notes = _numbers(weights, len(v))
    bad = next((note for note in _merge(v_notes, w_notes) if note), None)
    if bad:
        return bad
    avg = engine_weighted_average(v, w)
    return None if np.isnan(avg) else avg


@xw.func
@xw.arg("project_ids", ndim=2)
@xw.arg("achievements", ndim=2)
@xw.arg("weights", ndim=2)
@cell_safe
def SSO_PROJECT_AVG(project_ids, achievements, weights):
    """ค่าเฉลี่ยของงาน/โครงการ: each row gets its project's weighted average (due rows only)."""
    ids = normalise_text(_column(project_ids)).to_numpy(object)
    n = len(ids)
    v, v_notes = _numbers(achievements, n)
    w, w_notes = _numbers(weights, n)
    averages = group_weighted_average(ids, v, w)
    per_row = np.where(ids == "", np.nan, pd.Series(ids).map(averages).to_numpy("float64"))
    return _out(per_row, _merge(v_notes, w_notes))


@xw.func
@xw.arg("result", ndim=2)
@xw.arg("level_50", ndim=2)
@xw.arg("level_75", ndim=2)
@xw.arg("level_100", ndim=2)
@xw.arg("direction", ndim=2)
@cell_safe
def SSO_SCORE(result, level_50, level_75, level_100, direction=None):
    """คะแนน ก.พ.ร.: 50/75/100 at ขั้นต้น/มาตรฐาน/ขั้นสูง, linear between; 0 below ขั้นต้น."""
    r, r_notes = _numbers(result)
    n = len(r)
    cols = [_numbers(level, n) for level in (level_50, level_75, level_100)]
    levels = np.column_stack([c[0] for c in cols])
    lower = _words(direction, n, DIRECTION_WORDS, "higher") == "lower"
    score = interpolate_levels(r, levels, (50, 75, 100), lower_is_better=lower)
    score = np.where(np.isnan(levels).any(axis=1) | np.isnan(r), np.nan, score)
    return _out(score, _merge(r_notes, *(c[1] for c in cols)))


@xw.func
@xw.arg("total", ndim=2)
@cell_safe
def SSO_QUALITY(total):
    """ระดับคุณภาพ of OPDC totals: ระดับคุณภาพ ≥ 90, มาตรฐานขั้นสูง ≥ 75, ขั้นต้น ≥ 60."""
    values, notes = _numbers(total)
    th, _ = quality_level(values)
    grid = _out(th, notes)
    return grid[0][0] if len(grid) == 1 else grid


@xw.func
@xw.arg("months", ndim=2)
@xw.arg("aggregation", ndim=2)
@cell_safe
def SSO_ROLLUP(months, aggregation, quarter, pair=None):
    """ค่าสะสมถึงสิ้นไตรมาส from 12 monthly columns (or 24 แผน/ผล pairs and ``pair``):
    sum / last / average / max per row; quarter 4 gives the form's รวม."""
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


@xw.func
@xw.arg("quarterly", ndim=2)
@xw.arg("months", ndim=2)
@xw.arg("aggregation", ndim=2)
@cell_safe
def SSO_PERIOD(quarterly, months, aggregation, quarter, pair=None):
    """ค่าสะสมถึงไตรมาส: the typed quarterly figure, or the months rolled up where it is blank.

    ``quarterly`` is the 4 quarter columns, ``months`` the 12 month columns (or the 24 แผน/ผล
    pairs with ``pair`` = "plan" or "result"): the same rule the headless rebuild uses, so
    Excel and ``sso-kpi`` agree on which plan is due.
    """
    q_grid = _grid(quarterly)
    try:
        m_grid = _months(months, pair)
    except CallError:
        m_grid = []
    if not q_grid or len(q_grid[0]) != 4 or len(m_grid) != len(q_grid) or len(m_grid[0]) != 12:
        raise CallError(
            "ต้องเลือก 4 คอลัมน์ไตรมาสและ 12 คอลัมน์เดือน / select 4 quarter and 12 month columns"
        )
    q_parsed = parse_numbers(pd.Series([c for row in q_grid for c in row], dtype=object))
    m_parsed = parse_numbers(pd.Series([c for row in m_grid for c in row], dtype=object))
    n = len(q_grid)
    notes = [
        next(
            (
                f"{p[0]} / {p[1]}"
                for p in [
                    *q_parsed.problems[4 * i : 4 * i + 4],
                    *m_parsed.problems[12 * i : 12 * i + 12],
                ]
                if p
            ),
            None,
        )
        for i in range(n)
    ]
    try:
        q = int(float(quarter))
        months_through(q)
    except (TypeError, ValueError) as err:
        raise CallError("ไตรมาสต้องเป็น 1-4 / quarter must be 1-4") from err
    agg = _words(aggregation, n, AGGREGATION_WORDS, "sum")
    values = cumulative(
        q_parsed.values.to_numpy("float64").reshape(n, 4),
        m_parsed.values.to_numpy("float64").reshape(n, 12),
        agg,
        q,
    )
    return _out(values, notes)
