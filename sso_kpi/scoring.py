"""Indicator achievement, band colours and project averages, the action plan's way.

Rules recovered from the FY2564 Q3 action-plan report (``shared/golden``):

- An indicator is *due* at quarter Q when its plan for Q has a value. Achievement is the
  cumulative result over the cumulative plan × 100, uncapped (the report prints 1,937%).
- A due indicator without a result scores 0 (status ``not_reported``); one not due is left out.
- Lower-is-better indicators score plan / result × 100.
- A project's average is Σ(weight × unrounded achievement) / Σ(weight of due indicators); a
  project with nothing due is not evaluated (grey).
- Bands come from the project average rounded half up: green ≥ 100, yellow 50–99, red < 50.

Every function takes whole columns (numpy arrays or pandas Series) and returns whole columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .values import rounds_to_at_least

OK, NOT_REPORTED, NOT_DUE, INVALID = "ok", "not_reported", "not_due", "invalid"
STATUSES = (OK, NOT_REPORTED, NOT_DUE, INVALID)
GREEN, YELLOW, RED, GREY = "green", "yellow", "red", "grey"
BANDS = (GREEN, YELLOW, RED, GREY)
BAND_TH = {GREEN: "เขียว", YELLOW: "เหลือง", RED: "แดง", GREY: "เทา"}
BAND_MEANING_TH = {
    GREEN: "ร้อยละ 100 ขึ้นไป",
    YELLOW: "ร้อยละ 50-99",
    RED: "ต่ำกว่าร้อยละ 50",
    GREY: "ไม่ได้ประเมิน / ยังไม่รายงาน",
}


@dataclass(frozen=True)
class BandRule:
    """Band thresholds (per cent of plan, after rounding half up) and fill colours (RGB hex)."""

    green_at: float = 100.0
    yellow_at: float = 50.0
    colours: tuple[tuple[str, str], ...] = (
        (GREEN, "92D050"),
        (YELLOW, "FFFF00"),
        (RED, "FF0000"),
        (GREY, "BFBFBF"),
    )

    def colour(self, band: str) -> str:
        return dict(self.colours)[band]


DEFAULT_BANDS = BandRule()


def _column(x: object, n: int | None = None, dtype: str = "float64") -> np.ndarray:
    arr = np.asarray(x, dtype=dtype if dtype != "object" else object)
    if arr.ndim == 0 and n is not None:
        arr = np.full(n, arr.item(), dtype=arr.dtype)
    return arr.reshape(-1) if arr.ndim > 1 else arr


STATUS_CODES = np.array(STATUSES, dtype=object)  # code i ↔ STATUSES[i]
BAND_CODES = np.array(BANDS, dtype=object)  # code i ↔ BANDS[i]


def achievement_codes(
    plan: np.ndarray, result: np.ndarray, lower: np.ndarray, cap: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`achievement` on typed float columns, with the status as a small integer code
    (``STATUSES[code]``): the engine's inner step, with no text made per row.

    ``lower`` is a boolean column (lower is better); NaN in ``cap`` means no cap.
    """
    not_due = np.isnan(plan)
    not_reported = np.isnan(result)
    if lower.any():
        numerator = np.where(lower, plan, result)
        denominator = np.where(lower, result, plan)
    else:  # nearly every plan: higher is better throughout
        numerator, denominator = result, plan
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = numerator / denominator
        ratio *= 100.0
    # A zero denominator: higher-is-better with a zero plan is met by any result; lower-is-
    # better with a zero result is met whatever the plan. The lower case with plan 0 and a
    # positive result (numerator 0) is a plain 0 already.
    np.copyto(ratio, 100.0, where=denominator == 0)
    capped = np.fmin(ratio, cap, out=ratio)  # fmin: a NaN cap leaves the ratio as it is

    with np.errstate(invalid="ignore"):  # NaN compares false
        invalid = (plan < 0) | (result < 0)
    # The codes by arithmetic on the masks' bytes (numpy stores a bool as one byte, 0 or 1):
    # writing through a random mask costs several times more. A due row is OK 0,
    # NOT_REPORTED 1 or INVALID 3 (a negative plan with no result is invalid, not missing);
    # a row not due is NOT_DUE 2 whatever its result.
    status = not_reported.view(np.int8) | (invalid.view(np.int8) * np.int8(3))
    status *= ~not_due
    status |= not_due.view(np.int8) << 1
    # Due and not reported scores 0; not due or invalid has no achievement.
    pct = np.where(not_due | invalid, np.nan, np.where(not_reported, 0.0, capped))
    return pct, status


def achievement(
    plan: object,
    result: object,
    direction: object = "higher",
    cap: object = np.nan,
) -> tuple[np.ndarray, np.ndarray]:
    """Achievement per cent and status for whole columns of cumulative plan and result.

    Returns ``(pct, status)``; ``pct`` is NaN where the indicator is not due or invalid.

    >>> pct, status = achievement([7650, 2, 9, np.nan, 5], [148184, 3, np.nan, 4, 0],
    ...                           ["higher", "higher", "higher", "higher", "lower"])
    >>> np.round(pct, 1).tolist(), status.tolist()
    ([1937.0, 150.0, 0.0, nan, 100.0], ['ok', 'ok', 'not_reported', 'not_due', 'ok'])

    SSF-010 KPI 1: 148,184 / 7,650 = 1,937% as printed. Where the ratio cannot be formed (a
    plan of 0, or a lower-is-better result of 0) a met plan scores 100.
    """
    plan = _column(plan)
    n = plan.shape[0]
    result = _column(result, n)
    direction = _column(direction, n, "object")
    cap = _column(cap, n)
    pct, codes = achievement_codes(plan, result, direction == "lower", cap)
    return pct, STATUS_CODES[codes]


def band_codes(pct: np.ndarray, rule: BandRule | None = None) -> np.ndarray:
    """:func:`band` as integer codes (``BANDS[code]``), for typed float columns."""
    rule = rule or DEFAULT_BANDS
    yellow, green = rounds_to_at_least(pct, rule.yellow_at, rule.green_at)
    yellow &= ~green  # green wins where both are reached
    # By arithmetic on the masks' bytes (a bool is one byte, 0 or 1), as writing through a
    # random mask costs several times more: RED 2, less 1 if yellow, less 2 if green; NaN
    # reaches nothing and is GREY 3.
    codes = np.subtract(2, yellow, dtype=np.int8)
    codes -= green.view(np.int8) << 1
    codes += np.isnan(pct)
    return codes


def band(pct: object, rule: BandRule | None = None) -> np.ndarray:
    """Band code for per cents, rounded half up first (99.5 is green); NaN is grey.

    >>> band([99.5, 99.4, 50, 49.6, 49.4, np.nan]).tolist()
    ['green', 'yellow', 'yellow', 'yellow', 'red', 'grey']
    """
    return BAND_CODES[band_codes(_column(pct), rule)]


def weighted_average(values: object, weights: object) -> float:
    """Σ(w × v) / Σ(w) over the pairs where both are present; NaN when none is.

    >>> weighted_average([100, 56, np.nan], [50, 50, 20])
    78.0
    """
    values, weights = _column(values), _column(weights)
    present = ~np.isnan(values) & ~np.isnan(weights)
    total = weights[present].sum()
    return float((values[present] * weights[present]).sum() / total) if total > 0 else np.nan


def factorize_runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of an object column (codes in first-seen order, -1 for a missing
    value), hashing only the rows whose value differs from the row above.

    Plans list projects fund by fund and strategy by strategy, so most rows repeat the one
    above: comparing neighbours is a fraction of hashing a long Thai name on every row, and
    equal neighbours get the code of the first of their run, as factorize would give them.
    >>> codes, uniques = factorize_runs(np.array(["ก", "ก", "ข", "ก", None, None], dtype=object))
    >>> codes.tolist(), uniques.tolist()
    ([0, 0, 1, 0, -1, -1], ['ก', 'ข'])
    """
    n = len(values)
    if n < 2:
        return pd.factorize(values)
    change = np.empty(n, dtype=bool)
    change[0] = True
    try:
        np.not_equal(values[1:], values[:-1], out=change[1:])
    except (TypeError, ValueError):  # a value that cannot say whether it equals (pd.NA)
        return pd.factorize(values)
    heads = np.flatnonzero(change)
    head_codes, uniques = factorize_few(values[heads])
    return np.repeat(head_codes, np.diff(heads, append=n)), uniques


def factorize_few(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of an object column holding a few distinct values (funds,
    strategies): each value in turn is compared with all the rows not yet coded, in one
    pass, where factorize would hash every row (a Thai fund name is ~50 bytes to hash).

    The first row not yet coded holds the next value in first-seen order. Once a value
    proves rare (under an eighth of the rows left), the rest is hashed as factorize would.
    >>> codes, uniques = factorize_few(np.array(["ข", "ก", None, "ข", 1, 1.0], dtype=object))
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, -1, 0, 2, 2], ['ข', 'ก', 1])
    """
    codes = np.full(len(values), -1, dtype=np.intp)
    left = np.arange(len(values))
    uniques: list[object] = []
    value = np.empty((), dtype=object)  # 0-d: a cell compared as one object, never as a list
    try:
        while len(left):
            value[()] = values[left[0]]
            if pd.isna(value[()]):  # missing values equal nothing: all of them -1, once
                left = left[~pd.isna(values[left])]
                continue
            same = np.equal(values[left], value)
            if same.dtype != bool:
                raise TypeError("not a comparison")
            codes[left[same]] = len(uniques)
            uniques.append(value[()])
            rare = np.count_nonzero(same) * 8 < len(left)
            left = left[~same]
            if rare:
                break
    except (TypeError, ValueError):  # a value that cannot say whether it equals (pd.NA)
        return pd.factorize(values)
    if len(left):
        rest_codes, rest = pd.factorize(values[left])
        codes[left] = np.where(rest_codes >= 0, rest_codes + len(uniques), -1)
        uniques.extend(rest)
    out = np.empty(len(uniques), dtype=object)
    out[:] = uniques
    return codes, out


def _weighted_by_codes(codes: np.ndarray, n: int, v: np.ndarray, w: np.ndarray) -> np.ndarray:
    present = ~np.isnan(v) & ~np.isnan(w) & (codes >= 0)
    weighted = np.bincount(codes[present], weights=(w * v)[present], minlength=n)
    total = np.bincount(codes[present], weights=w[present], minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, weighted / total, np.nan)


def group_weighted_average(keys: object, values: object, weights: object) -> pd.Series:
    """Weighted average of ``values`` per key (over present pairs), in first-seen key order.

    >>> group_weighted_average(["P1", "P1", "P2"], [100, 56, np.nan], [50, 50, 20]).to_dict()
    {'P1': 78.0, 'P2': nan}
    """
    codes, uniques = pd.factorize(_column(keys, dtype="object"), sort=False)
    average = _weighted_by_codes(codes, len(uniques), _column(values), _column(weights))
    return pd.Series(average, index=pd.Index(uniques, dtype=object))


def row_weighted_average(keys: object, values: object, weights: object) -> np.ndarray:
    """:func:`group_weighted_average` given back on every row: each row its key's average
    (NaN for a row without a key). What a column of project averages shows.

    >>> row_weighted_average(["P1", "P2", "P1", None], [100, 7, 56, 1], [50, 20, 50, 1]).tolist()
    [78.0, 7.0, 78.0, nan]
    """
    codes, uniques = pd.factorize(_column(keys, dtype="object"), sort=False)
    average = _weighted_by_codes(codes, len(uniques), _column(values), _column(weights))
    per_row = np.full(len(codes), np.nan)
    known = codes >= 0
    per_row[known] = average[codes[known]]
    return per_row


def count_table(keys: object, codes: object, columns: Sequence[str]) -> pd.DataFrame:
    """Rows per (key, code): keys in first-seen order, one column per code in ``columns``.

    One ``bincount`` over factorized keys; ``pd.crosstab`` would build a Series per key.
    >>> count_table(["P1", "P2", "P1"], ["ok", "ok", "not_due"], ["ok", "not_due"]).to_dict()
    {'ok': {'P1': 1, 'P2': 1}, 'not_due': {'P1': 1, 'P2': 0}}
    """
    key_codes, uniques = pd.factorize(_column(keys, dtype="object"), sort=False)
    code_index = pd.Index(list(columns), dtype=object).get_indexer(_column(codes, dtype="object"))
    known = (code_index >= 0) & (key_codes >= 0)
    width = len(columns)
    flat = np.bincount(key_codes[known] * width + code_index[known], minlength=len(uniques) * width)
    return pd.DataFrame(flat.reshape(len(uniques), width), index=pd.Index(uniques, dtype=object),
                        columns=list(columns))  # fmt: skip


def natural_key(text: object) -> tuple:
    """Sort '1.2' before '1.10' and '2' before '10', as the reports number things."""
    parts = str(text).replace("-", ".").split(".")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)
