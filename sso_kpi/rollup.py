"""Monthly values into cumulative quarters, and project bands into strategy summaries.

The unit report (2563, สุโขทัย) shows both ways a total is made in its รวม column:

- ``sum`` for counts per month: indicator 5 plan 1,0,2,1,…,1 → 12; result 1×7 → 7.
- ``last`` for a percentage or a running head-count: indicator 1 plan 76 … 84 → 84.00;
  indicator 6 plan 29,669. … 32,155. → 32,155.

``average`` and ``max`` are there for indicators whose rules say so.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .periods import months_through
from .schema import PLAN_M, PLAN_Q, RESULT_M, RESULT_Q
from .scoring import GREEN, GREY, RED, YELLOW, factorize_runs, natural_key


def rollup_months(months: object, aggregation: object, through: int = 12) -> np.ndarray:
    """Roll the first ``through`` months of each row up by that row's aggregation.

    ``months`` is an (n × 12) array with NaN for months without a value; a row whose months
    are all empty rolls up to NaN (no value), never to 0.

    >>> rollup_months([[1, 0, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1], [76, 76, 78] + [84] * 9],
    ...               ["sum", "last"]).tolist()
    [12.0, 84.0]
    >>> rollup_months([[5, np.nan, np.nan] + [np.nan] * 9], ["last"], through=3).tolist()
    [5.0]
    """
    values = np.asarray(months, dtype="float64").reshape(-1, 12)[:, :through]
    n = values.shape[0]
    agg = np.asarray(aggregation, dtype=object).reshape(-1)
    if agg.shape[0] == 1 and n != 1:
        agg = np.full(n, agg[0], dtype=object)
    present = ~np.isnan(values)
    any_present = present.any(axis=1)
    positions = np.where(present, np.arange(values.shape[1]), -1).max(axis=1)
    last = values[np.arange(n), np.clip(positions, 0, None)] if n else np.zeros(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: handled below
        total = np.nansum(values, axis=1)
        mean = np.nanmean(values, axis=1)
        peak = np.nanmax(values, axis=1) if values.shape[1] else np.full(n, np.nan)
    rolled = np.select(
        [agg == "last", agg == "average", agg == "max"], [last, mean, peak], default=total
    )
    return np.where(any_present, rolled, np.nan)


def cumulative(
    quarterly: object, monthly: object | None, aggregation: object, quarter: int
) -> np.ndarray:
    """Cumulative figure to the end of ``quarter``: the typed quarterly value where there is
    one, otherwise the months rolled up by the row's aggregation.

    ``quarterly`` is (n × 4), ``monthly`` (n × 12) or None.
    >>> cumulative([[np.nan] * 4, [3, 6, 9, np.nan]], [[1] * 12, [np.nan] * 12], "sum", 2).tolist()
    [6.0, 6.0]
    """
    typed = np.asarray(quarterly, dtype="float64").reshape(-1, 4)[:, quarter - 1]
    if monthly is None:
        return typed
    rolled = rollup_months(monthly, aggregation, months_through(quarter)[-1])
    return np.where(np.isnan(typed), rolled, typed)


def quarter_values(kpis: pd.DataFrame, quarter: int) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative plan and result to the end of ``quarter`` for every row of a KPI frame."""
    out = []
    for quarterly, monthly in ((PLAN_Q, PLAN_M), (RESULT_Q, RESULT_M)):
        typed = kpis[quarterly[quarter - 1]].to_numpy("float64", na_value=np.nan)
        if monthly[0] not in kpis:  # typed by quarter only: the quarter's column is the figure
            out.append(typed)
            continue
        months = kpis[list(monthly)].to_numpy("float64", na_value=np.nan)
        aggregation = kpis["aggregation"].to_numpy(object)
        rolled = rollup_months(months, aggregation, months_through(quarter)[-1])
        out.append(np.where(np.isnan(typed), rolled, typed))
    return out[0], out[1]


def latest_quarter(kpis: pd.DataFrame) -> int:
    """The last quarter holding any result: the quarter a report is most likely about."""
    for q in (4, 3, 2, 1):
        if kpis[RESULT_Q[q - 1]].notna().any():
            return q
        if RESULT_M[0] in kpis and kpis[list(RESULT_M[3 * q - 3 : 3 * q])].notna().any().any():
            return q
    return 1


def quarter_to_report(
    kpis: pd.DataFrame, asked: int | None = None, current: int | None = None
) -> int:
    """The one rule for the quarter every command reports: the quarter asked for
    (``--quarter``); else the book's ไตรมาสปัจจุบัน setting (``current``); else, for a file
    without settings (a CSV, a national run), the latest quarter holding a result.

    >>> frame = pd.DataFrame({c: [None] for c in RESULT_Q} | {RESULT_Q[1]: [5.0]})
    >>> [quarter_to_report(frame), quarter_to_report(frame, current=3)]
    [2, 3]
    >>> quarter_to_report(frame, asked=1, current=3)
    1
    """
    if asked:
        return int(asked)
    if current:
        return int(current)
    return latest_quarter(kpis) if len(kpis) else 1


def band_summary(
    projects: pd.DataFrame, by: str = "strategy", *, band_codes: np.ndarray | None = None
) -> pd.DataFrame:
    """Count evaluated projects per band for each value of ``by`` (the report's page 2).

    Percentages are of the evaluated projects and unrounded; NaN where none was evaluated.
    ``band_codes`` (``BANDS[code]`` per project) spares reading the band text again.
    """
    bands = [GREEN, YELLOW, RED, GREY]
    if band_codes is None:
        band_codes = pd.Index(bands, dtype=object).get_indexer(projects["band"].to_numpy(object))
    keys, uniques = factorize_runs(projects[by].to_numpy(object))
    # Keys are compared as text (a strategy typed 1 and one typed "1" are one strategy):
    # only the distinct keys are turned into text, then grouped once more. A project with
    # no key is counted under none.
    groups, labels = pd.factorize(np.array([str(u) for u in uniques], dtype=object))
    if len(groups) and not np.array_equal(groups, np.arange(len(groups))):  # merged as text
        keys = np.where(keys >= 0, groups[np.maximum(keys, 0)], -1)
    width = len(bands)
    if len(keys) and min(keys.min(), band_codes.min()) < 0:  # some project is not counted
        known = (band_codes >= 0) & (keys >= 0)
        keys, band_codes = keys[known], band_codes[known]
    flat = np.bincount(keys * width + band_codes, minlength=len(labels) * width)
    counts = flat.reshape(len(labels), width)  # green, yellow, red, grey per key
    evaluated = counts[:, :3].sum(axis=1)
    share = np.where(evaluated > 0, evaluated, np.nan)
    order = sorted(range(len(labels)), key=lambda i: natural_key(labels[i]))
    columns = {by: np.asarray(labels, dtype=object)[order], "evaluated": evaluated[order]}
    columns |= {band: counts[order, j] for j, band in enumerate((GREEN, YELLOW, RED))}
    columns["not_evaluated"] = counts[order, 3]
    for j, band in enumerate((GREEN, YELLOW, RED)):
        columns[f"{band}_pct"] = counts[order, j] / share[order] * 100
    return pd.DataFrame(columns)


def with_total(summary: pd.DataFrame, label: str = "รวม") -> pd.DataFrame:
    """The summary with a total row (counts summed, percentages recomputed)."""
    key = summary.columns[0]
    counts = ["evaluated", GREEN, YELLOW, RED, "not_evaluated"]
    total = {key: label, **{c: int(summary[c].sum()) for c in counts}}
    for band in (GREEN, YELLOW, RED):
        total[f"{band}_pct"] = (
            total[band] / total["evaluated"] * 100 if total["evaluated"] else np.nan
        )
    return pd.concat([summary, pd.DataFrame([total])], ignore_index=True)


def disbursement(budget: pd.DataFrame) -> pd.DataFrame:
    """Budget plan vs spend per category with the disbursement per cent.

    Unit report 2563: งบดำเนินงาน plan 3,834,900.00 spent 3,445,278.96 → 89.84%.
    >>> disbursement(pd.DataFrame({"category": ["งบดำเนินงาน"], "plan": [3834900.0],
    ...     "spent": [3445278.96]}))["pct"].round(2).tolist()
    [89.84]
    """
    out = budget[["category", "plan", "spent"]].copy()
    out["pct"] = out["spent"] / out["plan"].where(out["plan"] > 0) * 100
    return out
