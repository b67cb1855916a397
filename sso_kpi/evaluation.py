"""One quarter's evaluation of an action plan: indicators → projects → strategies and funds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .importing import Imported, invalid_rows
from .plan_status import CANCELLED, PROJECT_MARK, cancelled_at, cancelled_projects, marks
from .rollup import band_summary, quarter_values
from .scoring import (
    BAND_CODES,
    BANDS,
    GREY,
    INVALID,
    NOT_DUE,
    NOT_REPORTED,
    OK,
    RED,
    STATUSES,
    BandRule,
    achievement_codes,
    band_codes,
)

OK_CODE, NOT_REPORTED_CODE, INVALID_CODE = (STATUSES.index(s) for s in (OK, NOT_REPORTED, INVALID))
# A cancelled indicator (ยกเลิกในไตรมาส N) is a status of an evaluation, not of a score.
STATUS_TEXT = np.array([*STATUSES, CANCELLED], dtype=object)
CANCELLED_CODE = len(STATUSES)
# An indicator's status as a planner reads it (the codes stay what formulas and readers use).
STATUS_TH = {
    OK: "รายงานแล้ว",
    NOT_REPORTED: "ยังไม่รายงาน",
    NOT_DUE: "ยังไม่ถึงกำหนด",
    INVALID: "ข้อมูลไม่ถูกต้อง",
    CANCELLED: "ยกเลิก",
}
GREY_CODE = BANDS.index(GREY)

PROJECT_COLUMNS = (
    "project_id",
    "fund",
    "strategy",
    "substrategy",
    "kind",
    "project_number",
    "project_name",
    "unit",
    "budget",
)


@dataclass(frozen=True)
class Evaluation:
    quarter: int
    kpis: pd.DataFrame  # input rows + plan, result, achievement_pct, status, band
    projects: pd.DataFrame  # one row per project: average_pct, band, evaluated, counts
    summary: pd.DataFrame  # per strategy: evaluated, green, yellow, red, not_evaluated, *_pct
    summary_by_fund: pd.DataFrame  # the same per fund

    def projects_in(self, band_code: str) -> pd.DataFrame:
        return self.projects[self.projects["band"] == band_code]

    def not_reported(self) -> pd.DataFrame:
        """Projects with something due and no result at all: the first calls to make."""
        p = self.projects
        return p[p["evaluated"] & (p["n_not_reported"] == p["n_due"])]


def _cancelled(source: pd.DataFrame, quarter: int, invalid: np.ndarray | None):
    """Rows cancelled at ``quarter``, or None when the plan marks nothing (most plans: the
    marks are not parsed at all then)."""
    if "plan_status" not in source.columns:
        return None
    typed = source["plan_status"].to_numpy(object)
    # Imported plans hold "" where nothing is marked (nearly every cell): counted in C, then
    # only the distinct values, a handful, are looked at.
    if typed.tolist().count("") == len(typed):
        return None
    if not any(isinstance(v, str) and v.strip() for v in pd.unique(typed)):
        return None
    cancelled = cancelled_at(source, quarter)
    return cancelled & ~invalid if invalid is not None else cancelled


def _text(values: np.ndarray, index: pd.Index) -> pd.Series:
    """A column of codes as text, kept as Python strings (no per-row string-type check)."""
    return pd.Series(values, index=index, dtype=object, copy=False)


def _blank(index: pd.Index) -> pd.Series:
    """A text column of "" (no mark on any row)."""
    return pd.Series("", index=index, dtype="str")


def evaluate(
    kpis: pd.DataFrame | Imported,
    quarter: int,
    *,
    rule: BandRule | None = None,
    cap: float | None = None,
) -> Evaluation:
    """Score every indicator at ``quarter`` (cumulative), average per project, count bands.

    ``cap`` is the workbook-wide cap; an indicator's own ``cap`` column wins over it.
    Rows with an import error are status ``invalid`` and never averaged.

    The frame is taken as typed (``read_table`` typed and checked it once; nothing is parsed
    again here). Statuses and bands are small integer codes until the frames are made, and
    projects are factorised once: every per-project figure is one ``bincount`` over them.
    """
    if isinstance(kpis, Imported):
        source, invalid = kpis.frame, invalid_rows(kpis)
    else:
        source, invalid = kpis, None
    plan, result = quarter_values(source, quarter)
    own_cap = source["cap"].to_numpy("float64", na_value=np.nan)
    if cap is not None:
        own_cap = np.where(np.isnan(own_cap), cap, own_cap)
    lower = source["direction"].to_numpy(object) == "lower"
    pct, status = achievement_codes(plan, result, lower, own_cap)
    if invalid is not None and invalid.any():
        status[invalid] = INVALID_CODE
        pct[invalid] = np.nan
    # Plan changes (plan_status): out of every average from the cancelling quarter on.
    cancelled = _cancelled(source, quarter, invalid)
    if cancelled is not None:
        status[cancelled] = CANCELLED_CODE
        pct[cancelled] = np.nan
    kpi_band = band_codes(pct, rule)

    # Copy-on-write (pandas ≥ 3): the new columns never reach the caller's frame.
    frame = source.copy(deep=False)
    frame["plan"] = plan
    frame["result"] = result
    frame["achievement_pct"] = pct
    frame["status"] = _text(STATUS_TEXT[status], frame.index)
    frame["band"] = _text(BAND_CODES[kpi_band], frame.index)
    frame["mark"] = marks(source) if cancelled is not None else _blank(frame.index)

    ids = source["project_id"].to_numpy(object)
    codes, uniques = pd.factorize(ids)
    if len(codes) and codes.min() < 0:  # rows without an id: together a project of their own,
        codes, uniques = pd.factorize(ids, use_na_sentinel=False)  # numbered where first seen
    n, n_projects = len(codes), len(uniques)
    # Codes are numbered in first-seen order, so a project's first row is where the running
    # maximum of the codes goes up: its details come from that row.
    first = np.ones(n, dtype=bool)
    first[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    first_rows = np.flatnonzero(first)

    due = status <= NOT_REPORTED_CODE
    weight = source["weight"].to_numpy("float64", na_value=np.nan)
    use = due & ~np.isnan(weight) & ~np.isnan(pct)
    # Rows left out add 0.0, which changes no sum (bincount adds in row order from +0.0):
    # cheaper than taking the rows that count out of every column.
    weighted = np.bincount(codes, weights=np.where(use, weight * pct, 0.0), minlength=n_projects)
    total = np.bincount(codes, weights=np.where(use, weight, 0.0), minlength=n_projects)
    average = np.full(n_projects, np.nan)
    np.divide(weighted, total, out=average, where=total > 0)
    project_band = band_codes(average, rule)

    # The budget is the first one typed, as planners often fill it on one row only. Most
    # projects type it on their first row; only the rest are looked for further down.
    budget = source["budget"].to_numpy("float64", na_value=np.nan)
    project_budget = budget[first_rows]
    missing = np.isnan(project_budget)
    if missing.any():
        later = np.flatnonzero(missing[codes] & ~np.isnan(budget))
        first_typed = np.full(n_projects, n, dtype=np.intp)
        np.minimum.at(first_typed, codes[later], later)
        found = first_typed < n
        project_budget[found] = budget[first_typed[found]]

    per_status = np.bincount(
        codes * len(STATUS_TEXT) + status, minlength=n_projects * len(STATUS_TEXT)
    ).reshape(n_projects, len(STATUS_TEXT))
    # Each detail column taken once from the project's first row, keeping its dtype; the
    # frame is made from the columns in one step (inserting them one by one copies blocks).
    columns: dict[str, object] = {
        name: source[name].array.take(first_rows) if name != "budget" else project_budget
        for name in PROJECT_COLUMNS
    }
    columns["average_pct"] = average
    columns["band"] = _text(BAND_CODES[project_band], pd.RangeIndex(n_projects))
    columns["evaluated"] = project_band != GREY_CODE
    columns["n_kpis"] = np.bincount(codes, minlength=n_projects)
    columns["n_due"] = per_status[:, OK_CODE] + per_status[:, NOT_REPORTED_CODE]
    columns["n_not_reported"] = per_status[:, NOT_REPORTED_CODE]
    columns["n_invalid"] = per_status[:, INVALID_CODE]
    columns["n_cancelled"] = per_status[:, CANCELLED_CODE]
    if cancelled is None:  # nothing marked: no project is left out of page 2's counts
        columns["mark"] = _blank(pd.RangeIndex(n_projects))
        projects = pd.DataFrame(columns, copy=False)
        counted, counted_bands = projects, project_band
    else:
        projects = pd.DataFrame(columns, copy=False)
        dropped = list(cancelled_projects(source))
        projects["mark"] = np.where(projects["project_id"].isin(dropped), PROJECT_MARK, "")
        counting = (projects["mark"] != PROJECT_MARK).to_numpy()  # page 2 leaves out ยกเลิกแผนงาน
        counted, counted_bands = projects[counting], project_band[counting]
    return Evaluation(
        quarter=quarter,
        kpis=frame,
        projects=projects,
        summary=band_summary(counted, "strategy", band_codes=counted_bands),
        summary_by_fund=band_summary(counted, "fund", band_codes=counted_bands),
    )


def counted_projects(projects: pd.DataFrame) -> pd.DataFrame:
    """The projects page 2 counts: all but those cancelled (ยกเลิกแผนงาน)."""
    if "mark" not in projects:
        return projects
    return projects[projects["mark"] != PROJECT_MARK]


def red_and_missing(evaluation: Evaluation) -> pd.DataFrame:
    """The projects a summary lists by name: red ones and those that reported nothing."""
    p = evaluation.projects
    missing = p["project_id"].isin(evaluation.not_reported()["project_id"])
    out = p[(p["band"] == RED) | missing].copy()
    out["reason"] = np.where(missing[out.index], "ยังไม่รายงานผล / not reported", "ต่ำกว่าร้อยละ 50")
    return out
