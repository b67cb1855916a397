"""One quarter's evaluation of an action plan: indicators → projects → strategies and funds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .importing import Imported, invalid_rows
from .plan_status import CANCELLED, PROJECT_MARK, cancelled_at, cancelled_projects, marks
from .rollup import band_summary, quarter_values
from .scoring import (
    GREY,
    INVALID,
    NOT_REPORTED,
    OK,
    RED,
    STATUSES,
    BandRule,
    achievement,
    band,
    count_table,
    group_weighted_average,
)

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
    """
    invalid = invalid_rows(kpis) if isinstance(kpis, Imported) else np.zeros(len(kpis), bool)
    frame = (kpis.frame if isinstance(kpis, Imported) else kpis).copy()
    plan, result = quarter_values(frame, quarter)
    own_cap = frame["cap"].to_numpy("float64", na_value=np.nan)
    if cap is not None:
        own_cap = np.where(np.isnan(own_cap), cap, own_cap)
    pct, status = achievement(plan, result, frame["direction"].to_numpy(object), own_cap)
    status = np.where(invalid, INVALID, status)
    # Plan changes (plan_status): out of every average from the cancelling quarter on.
    cancelled = cancelled_at(frame, quarter) & ~invalid
    status = np.where(cancelled, CANCELLED, status)
    pct = np.where(invalid | cancelled, np.nan, pct)

    frame["plan"] = plan
    frame["result"] = result
    frame["achievement_pct"] = pct
    frame["status"] = status
    frame["band"] = band(pct, rule)
    frame["mark"] = marks(frame)

    due = np.isin(status, (OK, NOT_REPORTED))
    weights = np.where(due, frame["weight"].to_numpy("float64", na_value=np.nan), np.nan)
    averages = group_weighted_average(frame["project_id"].to_numpy(object), pct, weights)

    # A project's details come from its first row;
    # the budget is the first one typed, as planners often fill it on one row only.
    first = ~frame["project_id"].duplicated().to_numpy()
    projects = frame.loc[first, list(PROJECT_COLUMNS)].set_index("project_id")
    budget = frame.groupby("project_id", sort=False, dropna=False)["budget"].first()
    projects["budget"] = budget.reindex(projects.index).to_numpy("float64")
    projects["average_pct"] = averages.reindex(projects.index).to_numpy("float64")
    projects["band"] = band(projects["average_pct"], rule)
    projects["evaluated"] = projects["band"] != GREY
    per_status = count_table(frame["project_id"], status, STATUSES).reindex(projects.index)
    projects["n_kpis"] = per_status.sum(axis=1).to_numpy()
    projects["n_due"] = (per_status[OK] + per_status[NOT_REPORTED]).to_numpy()
    projects["n_not_reported"] = per_status[NOT_REPORTED].to_numpy()
    projects["n_invalid"] = per_status[INVALID].to_numpy()
    projects["n_cancelled"] = (
        (pd.Series(status == CANCELLED).groupby(frame["project_id"].to_numpy(object)).sum())
        .reindex(projects.index)
        .to_numpy()
    )
    dropped = projects.index.isin(list(cancelled_projects(frame)))
    projects["mark"] = np.where(dropped, PROJECT_MARK, "")
    projects = projects.reset_index()

    counted = counted_projects(projects)
    return Evaluation(
        quarter=quarter,
        kpis=frame,
        projects=projects,
        summary=band_summary(counted, "strategy"),
        summary_by_fund=band_summary(counted, "fund"),
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
