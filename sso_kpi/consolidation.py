"""Many units' action plans into one national picture (pure pandas, no file formats).

The planning division (กองนโยบายและแผนงาน) collects every unit's SSO_Plan workbook each month
and must answer: where does each strategy stand, which units and projects are red, who has
not reported, how much budget is spent. The adapter (``sso_app.consolidate``) reads the files;
this module only sees each unit's typed KPI frame (``importing.read_table``) and budget table.

Rules, and where they come from:

- **One rule for every unit.** Each unit is scored with the same band rule and cap, so a
  green in one province means what it means in another (the report's page 2 compares
  strategies with one set of thresholds: ≥ 100 / 50–99 / < 50).
- **Per-unit evaluation.** Each unit's own projects are averaged and banded exactly as
  ``evaluation.evaluate`` does for one workbook; rows with an import error are left out.
- **National evaluation: combine first, then score.** When several units report the same
  indicator (project_id + kpi_number), as the provincial offices do for routine work
  ("งานบริการกองทุนประกันสังคม ณ หน่วยบริการ", responsible unit "พื้นที่/ จังหวัด/ สาขา"),
  their cumulative plans and results are combined per the indicator's ``aggregation`` before
  the achievement is computed -- the same rule that adds up months (unit report 2563:
  "1,488 = Σ" for a count, "84.00 = latest" for a percentage):

  ============  =================================================================
  ``sum``       plans and results added up across units (counts: cases, people)
  ``last``      averaged across units (a percentage or a level is not summed)
  ``average``   averaged across units
  ``max``       the largest across units
  ============  =================================================================

  Only the units for which the indicator is due at that quarter (a plan) take part; a due
  unit without a result counts 0 ("due without a result scores 0"), and when no due unit has
  a result the national indicator is not reported either. Because the same units take part
  in plan and result, adding up and averaging give the same achievement (mean r / mean p =
  Σr / Σp); what differs is the national figure shown (a national total of cases, a typical
  unit's percentage) -- and ``max``, which is a different measure.
- **Unit ranking.** By the share of evaluated projects in green (the page-2 measure), then
  by the mean project average with each average capped at 100 -- so one 1,937% indicator
  cannot hide a unit's red projects -- then by name for a stable order. Units with nothing
  evaluated are listed last without a rank.
- **Not reported.** A unit whose due indicators at the quarter all lack results, or that
  sent no usable rows at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api.typing import DataFrameGroupBy

from .errors import Issue
from .evaluation import Evaluation, counted_projects, evaluate
from .importing import Imported, invalid_rows
from .plan_status import withdraw_from
from .rollup import band_summary, disbursement, quarter_to_report, quarter_values
from .schema import PLAN_M, PLAN_Q, RESULT_M, RESULT_Q
from .scoring import GREEN, GREY, NOT_REPORTED, OK, RED, YELLOW, BandRule, natural_key

UNIT_KEY = "reporting_unit"
"""Column naming the unit whose file a row came from (tbl_settings ``unit``).

Not the KPI's own ``unit`` column, which is the responsible unit printed in the plan
("พื้นที่/ จังหวัด/ สาขา", "สบท.") and is the same in every province's copy.
"""

INDICATOR_KEY = ["project_id", "kpi_number"]

# Columns that describe an indicator: identical in every unit's copy of the national plan,
# so the first unit's text is kept.
_DESCRIPTIVE = (
    "fund",
    "strategy",
    "substrategy",
    "kind",
    "project_number",
    "project_name",
    "unit",
    "budget",
    "kpi_name",
    "weight",
    "count_unit",
    "direction",
    "aggregation",
    "cap",
)
_VALUES = (*PLAN_Q, *RESULT_Q)

TOTAL_TH = "รวมทั้งประเทศ"


@dataclass(frozen=True)
class UnitReport:
    """One unit's typed rows: ``kpis`` from ``read_table`` (or an already typed frame)."""

    unit: str
    kpis: Imported | pd.DataFrame
    budget: pd.DataFrame | None = None  # columns category, plan, spent (tbl_budget)


@dataclass(frozen=True)
class National:
    """Everything the national workbook shows, for one quarter."""

    quarter: int
    units: list[str]  # every unit that sent a readable file, in input order
    kpis: pd.DataFrame  # the units' valid rows stacked, with reporting_unit
    combined: pd.DataFrame  # one row per indicator: cumulative plan_q*/result_q*, n_units
    national: Evaluation  # evaluate(combined, quarter)
    by_unit: Evaluation  # each unit's own projects; .summary is per unit
    ranking: pd.DataFrame
    trend: pd.DataFrame
    not_reported: pd.DataFrame  # units
    projects_not_reported: pd.DataFrame  # per unit: projects with results due and none given
    budget: pd.DataFrame  # per unit and category
    budget_totals: pd.DataFrame  # per unit, plus the national total
    warnings: list[Issue] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Stacking
# ---------------------------------------------------------------------------------------------


def valid_rows(kpis: Imported | pd.DataFrame) -> pd.DataFrame:
    """The rows that can be scored: rows with an import error are left out (they are listed
    with the file, never averaged)."""
    if isinstance(kpis, Imported):
        invalid = invalid_rows(kpis)
        return kpis.frame.loc[~invalid] if invalid.any() else kpis.frame
    return kpis


def _stack(units: Sequence[str], frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """``frames`` one under the other, ``reporting_unit`` first (one concat, one column)."""
    stacked = pd.concat(frames, ignore_index=True)
    stacked.insert(
        0, UNIT_KEY, np.repeat(np.asarray(units, dtype=object), [len(f) for f in frames])
    )
    return stacked


def stack_units(reports: Sequence[UnitReport]) -> pd.DataFrame:
    """Every unit's valid rows in one frame, ``reporting_unit`` first, input order kept."""
    pairs = [(r.unit, valid_rows(r.kpis)) for r in reports]
    pairs = [(unit, f) for unit, f in pairs if len(f)]
    if not pairs:
        return pd.DataFrame(columns=[UNIT_KEY, *INDICATOR_KEY, *_DESCRIPTIVE, *_VALUES])
    return _stack(*zip(*pairs, strict=True))


def stack_budgets(reports: Sequence[UnitReport]) -> pd.DataFrame:
    """Every unit's budget rows (category, plan, spent) with ``reporting_unit``."""
    pairs = [
        (r.unit, r.budget[["category", "plan", "spent"]])
        for r in reports
        if r.budget is not None and len(r.budget)
    ]
    if not pairs:
        return pd.DataFrame(columns=[UNIT_KEY, "category", "plan", "spent"])
    return _stack(*zip(*pairs, strict=True))


# ---------------------------------------------------------------------------------------------
# Per-unit evaluation and ranking
# ---------------------------------------------------------------------------------------------


def evaluate_each_unit(
    stacked: pd.DataFrame, quarter: int, *, rule: BandRule | None = None, cap: float | None = None
) -> Evaluation:
    """Each unit's projects scored on that unit's rows alone, in one vectorised pass.

    The engine averages by ``project_id``; a temporary key per (unit, project) lets one
    ``evaluate`` call score every unit. ``projects`` and ``kpis`` carry ``reporting_unit``;
    ``summary`` is the band count per unit and ``summary_by_fund`` per fund.
    """
    frame = stacked.copy(deep=False)  # copy-on-write: the new ids never reach ``stacked``
    keys = frame.groupby([UNIT_KEY, "project_id"], sort=False).ngroup().astype(str).to_numpy()
    # Each key's unit and project as its first row has them, found by position (a frame
    # indexed by the keys and ``.loc`` took as long as the evaluation itself).
    codes, uniques = pd.factorize(keys)
    first_row = np.full(len(uniques), len(keys), dtype=np.intp)
    np.minimum.at(first_row, codes, np.arange(len(keys)))
    unit_of = stacked[UNIT_KEY].to_numpy()[first_row]
    project_of = stacked["project_id"].to_numpy()[first_row]
    position = pd.Index(uniques)
    frame["project_id"] = keys
    ev = evaluate(frame, quarter, rule=rule, cap=cap)

    def restore(table: pd.DataFrame) -> pd.DataFrame:
        at = position.get_indexer(table["project_id"].to_numpy())
        out = table.copy(deep=False)  # a frame of the evaluation's own: nothing to protect
        out["project_id"] = project_of[at]
        out[UNIT_KEY] = unit_of[at]
        return out[[UNIT_KEY, *[c for c in out.columns if c != UNIT_KEY]]]

    projects = restore(ev.projects)
    return Evaluation(
        quarter=quarter,
        kpis=restore(ev.kpis),
        projects=projects,
        summary=band_summary(counted_projects(projects), UNIT_KEY),
        summary_by_fund=band_summary(counted_projects(projects), "fund"),
    )


def count_table(keys: pd.Series, codes: pd.Series, columns: Sequence[str]) -> pd.DataFrame:
    """Rows per (key, code) as a key × code table of ints.

    ``pd.crosstab`` does the same through pandas' per-group Python path: with 100 units ×
    100 projects it was most of the time spent here.
    """
    table = keys.groupby([keys.to_numpy(object), codes.to_numpy(object)]).size()
    return table.unstack(fill_value=0).reindex(columns=list(columns), fill_value=0)


def unit_ranking(unit_projects: pd.DataFrame, units: Iterable[str] = ()) -> pd.DataFrame:
    """One row per unit: band counts and shares, mean averages, and the rank.

    Rank: green share of evaluated projects (high first), then the mean project average
    with each average capped at 100 (high first); equal on both → equal rank (1, 2, 2, 4).
    ``mean_pct`` (uncapped) is shown for information only. Units in ``units`` with no
    project at all get zero counts and no rank.
    """
    p = unit_projects
    # Each project's unit looked at once per unit (iterating a text column is per element).
    every = list(dict.fromkeys([*units, *pd.unique(p[UNIT_KEY].to_numpy(object))]))
    counts = count_table(p[UNIT_KEY], p["band"], [GREEN, YELLOW, RED, GREY]).reindex(
        every, fill_value=0
    )
    counts = counts.rename(columns={GREY: "not_evaluated"})
    out = pd.DataFrame({UNIT_KEY: every})
    out["n_projects"] = counts[[GREEN, YELLOW, RED, "not_evaluated"]].sum(axis=1).to_numpy()
    out["evaluated"] = counts[[GREEN, YELLOW, RED]].sum(axis=1).to_numpy()
    for b in (GREEN, YELLOW, RED, "not_evaluated"):
        out[b] = counts[b].to_numpy()
    evaluated = out["evaluated"].where(out["evaluated"] > 0)
    for b in (GREEN, YELLOW, RED):
        out[f"{b}_pct"] = out[b] / evaluated * 100
    capped = p["average_pct"].clip(upper=100).groupby(p[UNIT_KEY]).mean()
    out["mean_capped_pct"] = out[UNIT_KEY].map(capped).astype("float64")
    out["mean_pct"] = out[UNIT_KEY].map(p.groupby(UNIT_KEY)["average_pct"].mean())
    out["mean_pct"] = out["mean_pct"].astype("float64")

    ranked = out[out["evaluated"] > 0].sort_values(
        ["green_pct", "mean_capped_pct", UNIT_KEY],
        ascending=[False, False, True],
        key=lambda s: s.map(natural_key) if s.name == UNIT_KEY else s,
    )
    ties = ranked.groupby(["green_pct", "mean_capped_pct"], sort=False).ngroup().to_numpy()
    position = pd.Series(np.arange(1, len(ranked) + 1), index=ranked.index)
    out["rank"] = position.groupby(ties).transform("min").astype("Int64")
    unranked = out[out["evaluated"] == 0].sort_values(UNIT_KEY, key=lambda s: s.map(natural_key))
    out = pd.concat([out.loc[ranked.index], unranked])
    return out[
        [
            "rank",
            UNIT_KEY,
            "n_projects",
            "evaluated",
            GREEN,
            YELLOW,
            RED,
            "not_evaluated",
            "green_pct",
            "yellow_pct",
            "red_pct",
            "mean_capped_pct",
            "mean_pct",
        ]
    ].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# National combination
# ---------------------------------------------------------------------------------------------


def cumulative_quarters(kpis: pd.DataFrame) -> pd.DataFrame:
    """The frame with ``plan_q1..4``/``result_q1..4`` replaced by each quarter's cumulative
    figure (typed quarter, or months rolled up by the row's aggregation) and months dropped.

    Units are combined on cumulative figures: a percentage's "latest month" is the unit's own
    latest month, which is only known before the units are mixed.
    """
    out = kpis.drop(columns=[c for c in (*PLAN_M, *RESULT_M) if c in kpis.columns])
    for q in (1, 2, 3, 4):
        plan, result = quarter_values(kpis, q)
        out[PLAN_Q[q - 1]] = plan
        out[RESULT_Q[q - 1]] = result
    return out


def combine_units(stacked: pd.DataFrame) -> tuple[pd.DataFrame, list[Issue]]:
    """One row per indicator (project_id + kpi_number) with the units' figures combined.

    See the module notes for the rule. Returns the combined frame (KPI columns, cumulative
    ``plan_q*``/``result_q*``, the year's ``target`` combined like the plans, ``n_units``)
    and warnings for indicators whose units disagree on the aggregation or the weight (the
    first unit's is used).

    >>> two = pd.DataFrame({"reporting_unit": ["A", "B"], "project_id": ["P", "P"],
    ...     "kpi_number": ["1", "1"], "aggregation": ["sum", "sum"], "weight": [1.0, 1.0],
    ...     "plan_q1": [10.0, 30.0], "result_q1": [5.0, 35.0]})
    >>> frame, _ = combine_units(two)
    >>> frame["plan_q1"].tolist(), frame["result_q1"].tolist(), frame["n_units"].tolist()
    ([40.0], [40.0], [2])
    """
    cum = cumulative_quarters(_complete(stacked))
    plans = cum[list(PLAN_Q)].to_numpy("float64", na_value=np.nan)
    results = cum[list(RESULT_Q)].to_numpy("float64", na_value=np.nan)
    due = ~np.isnan(plans)
    # Only due units take part; a due unit without a result counts 0 ...
    taking_part = np.where(due, np.nan_to_num(results, nan=0.0), np.nan)
    # ... unless no due unit reported at all (then the nation has not reported either).
    reported = (due & ~np.isnan(results)).astype("int64")

    by_indicator = cum.groupby(INDICATOR_KEY, sort=False)
    # The two key columns factorised once for every figure below: each row's indicator
    # numbered in first-seen order, the order grouping by the keys gives (a row without a
    # key is NaN here, left out as there).
    indicator = by_indicator.ngroup().to_numpy()
    values = pd.DataFrame(np.hstack([plans, taking_part]), columns=list(_VALUES), index=cum.index)
    grouped = values.groupby(indicator, sort=False)
    sums = grouped.sum(min_count=1)
    means = grouped.mean()
    peaks = grouped.max()
    any_reported = (
        pd.DataFrame(reported, index=cum.index).groupby(indicator, sort=False).sum().to_numpy() > 0
    )

    first = by_indicator[list(_DESCRIPTIVE)].first()
    aggregation = first["aggregation"].to_numpy(object)[:, None]
    combined = np.select(
        [aggregation == "sum", np.isin(aggregation, ("last", "average")), aggregation == "max"],
        [sums.to_numpy(), means.to_numpy(), peaks.to_numpy()],
        default=sums.to_numpy(),
    )
    combined[:, 4:] = np.where(any_reported, combined[:, 4:], np.nan)

    out = first.reset_index()
    out[list(_VALUES)] = combined
    if "target" in cum.columns:  # the year's target, combined by the same rule as the plans
        target = pd.to_numeric(cum["target"], errors="coerce").groupby(indicator, sort=False)
        out["target"] = np.select(
            [aggregation[:, 0] == "sum", np.isin(aggregation[:, 0], ("last", "average"))],
            [target.sum(min_count=1).to_numpy(), target.mean().to_numpy()],
            default=target.max().to_numpy(),
        )
    out["n_units"] = by_indicator[UNIT_KEY].nunique().to_numpy()
    out["source_row"] = np.arange(len(out)) + 1
    return out, _disagreements(cum, by_indicator)


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill in optional columns an already-typed frame may lack (tests, hand-made frames)."""
    out = frame.copy(deep=False)  # copy-on-write: the columns added never reach ``frame``
    for column in _DESCRIPTIVE:
        if column not in out:
            if column in ("budget", "weight", "cap"):
                out[column] = np.nan
            elif column == "direction":
                out[column] = "higher"
            elif column == "aggregation":
                out[column] = "sum"
            else:
                out[column] = ""
    for column in _VALUES:
        if column not in out:
            out[column] = np.nan
    return out


def _disagreements(cum: pd.DataFrame, grouped: DataFrameGroupBy) -> list[Issue]:
    """``grouped``: ``cum`` grouped by indicator (``INDICATOR_KEY``, input order)."""
    issues = []
    for column, th, en in (
        ("aggregation", "วิธีรวมค่า", "aggregation"),
        ("weight", "น้ำหนัก", "weight"),
    ):
        spread = grouped[column].nunique()
        for (project, kpi), _ in spread[spread > 1].items():
            rows = cum[(cum["project_id"] == project) & (cum["kpi_number"] == kpi)]
            seen = ", ".join(f"{u}: {v}" for u, v in zip(rows[UNIT_KEY], rows[column], strict=True))
            issues.append(
                Issue(
                    f"หน่วยงานกำหนด{th}ของตัวชี้วัดนี้ไม่ตรงกัน ใช้ค่าของหน่วยงานแรก ({seen})",
                    f"units disagree on this indicator's {en}; the first unit's is used ({seen})",
                    column=f"{project} ตัวชี้วัด/KPI {kpi}",
                    severity="warning",
                    code="units_disagree",
                    key=column,
                )
            )
    return issues


# ---------------------------------------------------------------------------------------------
# Trend, not reported, budget
# ---------------------------------------------------------------------------------------------


def quarter_trend(
    kpis: pd.DataFrame, quarter: int, *, rule: BandRule | None = None, cap: float | None = None
) -> pd.DataFrame:
    """Per project, the cumulative project average and band at Q1 … ``quarter``.

    Each quarter is the full evaluation at that quarter (the report's cumulative figures:
    ไตรมาสที่ 3 = สะสม ม.ค. – ก.ย.), so a project can move between bands as plans fall due.
    ``change_pct`` is the last quarter's average minus the one before (NaN at Q1).
    """
    base = None
    for q in range(1, quarter + 1):
        p = evaluate(kpis, q, rule=rule, cap=cap).projects
        if base is None:
            base = p[["project_id", "strategy", "substrategy", "project_name"]].copy()
        base[f"q{q}_pct"] = p["average_pct"].to_numpy()
        base[f"q{q}_band"] = p["band"].to_numpy()
    assert base is not None
    base["change_pct"] = (
        base[f"q{quarter}_pct"] - base[f"q{quarter - 1}_pct"] if quarter > 1 else np.nan
    )
    return base


def units_not_reported(unit_kpis: pd.DataFrame, units: Iterable[str]) -> pd.DataFrame:
    """Units that have not reported at the quarter: every due indicator lacks a result, or
    no usable row at all. Columns: reporting_unit, n_rows, n_due, n_reported, reason_th/_en.
    """
    status = unit_kpis["status"]
    per_unit = pd.DataFrame(
        {
            "n_rows": unit_kpis.groupby(UNIT_KEY).size(),
            "n_due": status.isin([OK, NOT_REPORTED]).groupby(unit_kpis[UNIT_KEY]).sum(),
            "n_reported": (status == OK).groupby(unit_kpis[UNIT_KEY]).sum(),
        }
    )
    every = list(dict.fromkeys([*units, *per_unit.index]))
    per_unit = per_unit.reindex(every, fill_value=0).astype("int64")
    per_unit.index.name = UNIT_KEY
    per_unit = per_unit.reset_index()
    no_rows = per_unit["n_rows"] == 0
    silent = (per_unit["n_due"] > 0) & (per_unit["n_reported"] == 0)
    out = per_unit[no_rows | silent].copy()
    out["reason_th"] = np.where(
        no_rows[out.index],
        "ไม่มีข้อมูลตัวชี้วัดที่ใช้ได้ในไฟล์",
        "ตัวชี้วัดที่ถึงกำหนดยังไม่มีผลการดำเนินงานเลย",
    )
    out["reason_en"] = np.where(
        no_rows[out.index],
        "no usable indicator rows in the file",
        "no result for any indicator due at this quarter",
    )
    return out.reset_index(drop=True)


def projects_not_reported(unit_projects: pd.DataFrame) -> pd.DataFrame:
    """Per unit, the projects with something due and no result at all (the calls to make)."""
    p = unit_projects
    silent = p["evaluated"] & (p["n_not_reported"] == p["n_due"])
    return p.loc[silent, [UNIT_KEY, "project_id", "strategy", "project_name", "n_due"]]


def disbursement_by_unit(budgets: pd.DataFrame) -> pd.DataFrame:
    """Per unit and budget category: plan, spent and the disbursement per cent
    (unit report 2563: งบดำเนินงาน 3,445,278.96 of 3,834,900.00 → 89.84%)."""
    if budgets.empty:
        return pd.DataFrame(columns=[UNIT_KEY, "category", "plan", "spent", "pct"])
    out = disbursement(budgets)
    out.insert(0, UNIT_KEY, budgets[UNIT_KEY].to_numpy())
    return out


def disbursement_totals(by_unit: pd.DataFrame, total_label: str = TOTAL_TH) -> pd.DataFrame:
    """One row per unit (all categories added up) and a national total row last."""
    sums = by_unit.groupby(UNIT_KEY, sort=False)[["plan", "spent"]].sum(min_count=1)
    sums = sums.reset_index()
    if len(sums):
        total = pd.DataFrame(
            {
                UNIT_KEY: [total_label],
                "plan": [sums["plan"].sum(min_count=1)],
                "spent": [sums["spent"].sum(min_count=1)],
            }
        )
        sums = pd.concat([sums, total], ignore_index=True)
    sums["pct"] = sums["spent"] / sums["plan"].where(sums["plan"] > 0) * 100
    return sums


# ---------------------------------------------------------------------------------------------
# Everything
# ---------------------------------------------------------------------------------------------


def latest_quarter_of(stacked: pd.DataFrame) -> int:
    """The latest quarter with a result in any unit: the quarter a national report is about."""
    return quarter_to_report(_complete(stacked)) if len(stacked) else 1


def consolidate_units(
    reports: Sequence[UnitReport],
    quarter: int | None = None,
    *,
    rule: BandRule | None = None,
    cap: float | None = None,
) -> National:
    """The national picture of ``reports`` at ``quarter`` (default: latest with results)."""
    units = [r.unit for r in reports]
    if len(set(units)) != len(units):
        raise ValueError(f"unit names must be unique: {units}")
    stacked = _complete(stack_units(reports))
    quarter = quarter or latest_quarter_of(stacked)  # quarter_to_report, units combined
    by_unit = evaluate_each_unit(stacked, quarter, rule=rule, cap=cap)
    # A unit's cancelled indicator takes no part from its cancelling quarter on.
    withdrawn = withdraw_from(cumulative_quarters(stacked), list(PLAN_Q), list(RESULT_Q))
    combined, warnings = combine_units(withdrawn)
    national = evaluate(combined, quarter, rule=rule, cap=cap)
    budget = disbursement_by_unit(stack_budgets(reports))
    return National(
        quarter=quarter,
        units=units,
        kpis=stacked,
        combined=combined,
        national=national,
        by_unit=by_unit,
        ranking=unit_ranking(by_unit.projects, units),
        trend=quarter_trend(combined, quarter, rule=rule, cap=cap),
        not_reported=units_not_reported(by_unit.kpis, units),
        projects_not_reported=projects_not_reported(by_unit.projects),
        budget=budget,
        budget_totals=disbursement_totals(budget),
        warnings=warnings,
    )
