"""The OPDC (ก.พ.ร.) scorecard: three target levels scored 50/75/100 by linear interpolation.

From the FY2566 evaluation (``shared/seeds/opdc_evaluation_2566.txt``):

    1. จำนวนที่เพิ่มขึ้นของแรงงานตามมาตรา 39 และ มาตรา 40  20  12.74  12.82  12.90  12.78  62.50  12.50

12.78 lies halfway between ขั้นต้น 12.74 (50) and มาตรฐาน 12.82 (75): score 62.50, weighted
62.50 × 20 / 100 = 12.50. At or above ขั้นสูง scores 100; below ขั้นต้น scores 0 unless the
setting ``below="extrapolate"`` continues the line down (never below 0).

Subtotals per component (Performance Base 62.50, Potential Base 29.46), total 91.96, and the
quality level from the total at 2 decimals: 90.00–100 ระดับคุณภาพ, 75.00–89.99
ระดับมาตรฐานขั้นสูง, 60.00–74.99 ระดับมาตรฐานขั้นต้น, below 60 ระดับต้องปรับปรุง.

The self-assessment (2563) adds sub-indicators that split their parent's weight (3 → 3.1 and
3.2, 10 each of 20): the parent is listed but not scored. Weight-0 and narrative indicators
(no levels, "คะแนนบรรยาย") are listed, not scored.

The older five-level method scores 1–5 between five level targets; its total is
Σ(weight × score) / Σ(weight).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .schema import LEVEL3, LEVEL5
from .values import round_half_up

Below = Literal["zero", "extrapolate", "floor"]
SCORED, NOT_SCORED, PARENT, NARRATIVE, NOT_REPORTED, INVALID = (
    "scored",
    "weight_zero",
    "parent",
    "narrative",
    "not_reported",
    "invalid",
)

QUALITY_LEVELS = (
    (90.0, "ระดับคุณภาพ", "quality"),
    (75.0, "ระดับมาตรฐานขั้นสูง", "advanced standard"),
    (60.0, "ระดับมาตรฐานขั้นต้น", "basic standard"),
    (-np.inf, "ระดับต้องปรับปรุง", "needs improvement"),
)


def interpolate_levels(
    result: object,
    levels: object,
    scores: tuple[float, ...],
    *,
    lower_is_better: object = False,
    below: Below = "zero",
) -> np.ndarray:
    """Score each row by where its result falls among its own level targets.

    ``levels`` is (n × k), one row of k targets per indicator, ascending for higher-is-better
    and descending for lower-is-better; ``scores`` are the k scores of those targets.
    Above the last level scores ``scores[-1]``. Below the first: 0 (``zero``), the first
    score (``floor``), or the first segment's line continued down to 0 (``extrapolate``).

    >>> interpolate_levels([12.78, 95.65, 472.39], [[12.74, 12.82, 12.90], [80, 90, 100],
    ...                    [400, 406.49, 414.62]], (50, 75, 100)).round(3).tolist()
    [62.5, 89.125, 100.0]
    """
    levels = np.asarray(levels, dtype="float64")
    levels = levels.reshape(-1, len(scores))
    n = levels.shape[0]
    result = np.broadcast_to(np.asarray(result, dtype="float64").reshape(-1), (n,))
    flip = np.broadcast_to(np.asarray(lower_is_better, dtype=bool).reshape(-1), (n,))
    # Lower-is-better: negate both sides so every row reads ascending.
    sign = np.where(flip, -1.0, 1.0)
    x = result * sign
    lv = levels * sign[:, None]
    s = np.asarray(scores, dtype="float64")

    score = np.full(n, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(len(s) - 1, 0, -1):  # k-1 segments, not a loop over rows
            lo, hi = lv[:, i - 1], lv[:, i]
            width = hi - lo
            frac = np.where(width > 0, (x - lo) / width, 1.0)
            inside = np.isnan(score) & (x >= lo)
            score = np.where(inside, s[i - 1] + (s[i] - s[i - 1]) * np.minimum(frac, 1.0), score)
        top = x >= lv[:, -1]
        score = np.where(top, s[-1], score)
        first_width = lv[:, 1] - lv[:, 0]
        slope = np.where(first_width > 0, (s[1] - s[0]) / first_width, 0.0)
        extrapolated = np.maximum(s[0] - slope * (lv[:, 0] - x), 0.0)
    under = np.isnan(score) & ~np.isnan(x)
    below_score = {"zero": 0.0, "floor": s[0]}.get(below)
    fill = extrapolated if below == "extrapolate" else np.full(n, below_score)
    return np.where(under, fill, score)


def quality_level(total: object) -> tuple[np.ndarray, np.ndarray]:
    """Thai and English quality level of totals, judged at 2 decimals (89.995 → ระดับคุณภาพ).

    >>> quality_level([91.96, 89.99, 60, 59.99])[0].tolist()
    ['ระดับคุณภาพ', 'ระดับมาตรฐานขั้นสูง', 'ระดับมาตรฐานขั้นต้น', 'ระดับต้องปรับปรุง']
    """
    rounded = round_half_up(np.asarray(total, dtype="float64").reshape(-1), 2)
    conditions = [rounded >= floor for floor, _, _ in QUALITY_LEVELS]
    th = np.select(conditions, [t for _, t, _ in QUALITY_LEVELS], default="").astype(object)
    en = np.select(conditions, [e for _, _, e in QUALITY_LEVELS], default="").astype(object)
    missing = np.isnan(rounded)
    th[missing], en[missing] = "", ""
    return th, en


@dataclass(frozen=True)
class Scorecard:
    kpis: pd.DataFrame  # input rows plus status, score, weighted
    components: pd.DataFrame  # component, weight, weighted
    total: float
    level: str
    level_en: str


def parent_numbers(numbers: pd.Series) -> pd.Series:
    """True where another row's number extends this one ('3' is the parent of '3.1')."""
    text = numbers.astype(str).str.strip()
    prefixes = {n.rsplit(".", 1)[0] for n in text if "." in n}
    return text.isin(prefixes)


def score_card(rows: pd.DataFrame, *, below: Below = "zero") -> Scorecard:
    """Score an OPDC form (columns of ``shared/golden/opdc_2566.csv``).

    A row with ``method == "five_level"`` is scored 1–5 on ``level_1``…``level_5`` and enters
    the total as weight × score / 5 × 100 / 100, so both methods can share one card; a card
    made only of five-level rows uses the old total Σ(w × score) / Σ(w) instead.
    """
    kpis = rows.copy()
    n = len(kpis)
    method = (kpis["method"] if "method" in kpis else pd.Series("opdc3", index=kpis.index)).fillna(
        "opdc3"
    )
    lower = (kpis.get("direction", pd.Series("higher", index=kpis.index)) == "lower").to_numpy()
    weight = kpis["weight"].to_numpy("float64", na_value=np.nan)
    result = kpis["result"].to_numpy("float64", na_value=np.nan)
    five = (method == "five_level").to_numpy()

    three_levels = kpis.reindex(columns=list(LEVEL3)).to_numpy("float64", na_value=np.nan)
    five_levels = kpis.reindex(columns=list(LEVEL5)).to_numpy("float64", na_value=np.nan)
    score3 = interpolate_levels(
        result, three_levels, (50, 75, 100), lower_is_better=lower, below=below
    )
    five_below: Below = "floor" if below == "zero" else below
    score5 = interpolate_levels(
        result, five_levels, (1, 2, 3, 4, 5), lower_is_better=lower, below=five_below
    )
    has_levels = np.where(
        five, ~np.isnan(five_levels).any(axis=1), ~np.isnan(three_levels).any(axis=1)
    )
    parent = parent_numbers(kpis["kpi_number"]).to_numpy()
    status = np.select(
        [parent, np.nan_to_num(weight) == 0, ~has_levels, np.isnan(result)],
        [PARENT, NOT_SCORED, NARRATIVE, NOT_REPORTED],
        default=SCORED,
    ).astype(object)
    scored = status == SCORED
    score = np.where(scored, np.where(five, score5, score3), np.nan)
    # A due indicator without a result scores 0, as in the action plan.
    score = np.where(status == NOT_REPORTED, 0.0, score)
    counts = scored | (status == NOT_REPORTED)
    as_percent = np.where(five, score / 5 * 100, score)
    weighted = np.where(counts, as_percent * weight / 100, np.nan)
    kpis["status"] = status
    kpis["score"] = score
    kpis["weighted"] = weighted

    if "component" not in kpis:
        kpis["component"] = ""
    components = (
        kpis.assign(_w=np.where(counts, weight, np.nan))
        .groupby("component", sort=False, dropna=False)
        .agg(weight=("_w", "sum"), weighted=("weighted", "sum"))
        .reset_index()
    )
    if n and five[counts].all() and counts.any():
        total = float(np.nansum(weight[counts] * score[counts]) / np.nansum(weight[counts]))
        level, level_en = "", ""
    else:
        total = float(np.nansum(weighted))
        th, en = quality_level([total])
        level, level_en = str(th[0]), str(en[0])
    return Scorecard(kpis=kpis, components=components, total=total, level=level, level_en=level_en)
