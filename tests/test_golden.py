"""The published figures are the proof the rules are right (shared/golden, vendored)."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sso_kpi.evaluation import evaluate
from sso_kpi.importing import Source, read_table
from sso_kpi.opdc import score_card
from sso_kpi.scoring import band
from sso_kpi.values import round_half_up

from .conftest import GOLDEN

SHARED = Path(__file__).resolve().parents[2] / "shared" / "golden"


def test_vendored_golden_is_the_published_copy():
    if not SHARED.is_dir():  # a user's clone has no shared/ beside it; CI has
        pytest.skip("shared/golden is not beside this clone")
    for name in ("sso_2564_q3_strategy1.csv", "opdc_2566.csv"):
        assert filecmp.cmp(GOLDEN / name, SHARED / name, shallow=False), name


def test_action_plan_reads_without_errors(action_plan):
    assert len(action_plan.frame) == 96
    assert action_plan.frame["project_id"].nunique() == 57
    assert action_plan.errors == []


def test_every_printed_indicator_percentage(action_plan, action_plan_raw):
    ev = evaluate(action_plan, 3)
    published = pd.to_numeric(action_plan_raw["published_pct"], errors="coerce")
    has_q3 = ev.kpis["plan_q3"].notna() & ev.kpis["result_q3"].notna()
    checked = published.notna() & has_q3
    assert checked.sum() == 75
    diff = (ev.kpis.loc[checked, "achievement_pct"] - published[checked]).abs()
    assert diff.max() <= 1.0, ev.kpis.loc[checked & (diff > 1), ["project_id", "kpi_number"]]
    # Printed integers are the unrounded figure rounded half up, except report typos.
    assert (
        round_half_up(ev.kpis.loc[checked, "achievement_pct"]) == published[checked]
    ).mean() > 0.95


def test_the_famous_figures(action_plan):
    ev = evaluate(action_plan, 3).kpis.set_index(["project_id", "kpi_number"])
    # 1,937%: uncapped, as printed (SSF-010 KPI 1: 148,184 of 7,650).
    assert ev.loc[("SSF-010", "1"), "achievement_pct"] == pytest.approx(148184 / 7650 * 100)
    # 282% computed from the report's own typo 10,449,333 (SSF-001 KPI 3).
    assert round_half_up(ev.loc[("SSF-001", "3"), "achievement_pct"]) == 282


def test_every_printed_project_average(action_plan, action_plan_raw):
    ev = evaluate(action_plan, 3)
    published = (
        action_plan_raw.assign(avg=pd.to_numeric(action_plan_raw["published_avg"], errors="coerce"))
        .groupby("project_id", sort=False)["avg"]
        .first()
        .dropna()
    )
    assert len(published) == 39
    got = ev.projects.set_index("project_id")["average_pct"]
    assert (got[published.index] - published).abs().max() <= 1.0
    # and the band the report would colour from them
    assert (band(got[published.index]) == band(published)).all()


def test_no_figure_means_not_due(action_plan, action_plan_raw):
    ev = evaluate(action_plan, 3)
    no_figure = action_plan_raw["published_pct"] == ""
    assert set(ev.kpis.loc[no_figure, "status"]) == {"not_due"}
    assert (ev.kpis.loc[~no_figure, "status"] == "ok").all()
    # projects where nothing is due are grey and not evaluated
    grey = ev.projects[~ev.projects["evaluated"]]
    assert set(grey["project_id"]) >= {"SSF-002", "SSF-006", "SSF-012", "SSF-057"}
    assert grey["average_pct"].isna().all()


def test_a_result_missing_for_a_due_quarter_is_not_reported(action_plan):
    # SSF-037 KPI 3 has a Q1 plan of 1 and no Q1 result.
    q1 = evaluate(action_plan, 1).kpis.set_index(["project_id", "kpi_number"])
    row = q1.loc[("SSF-037", "3")]
    assert row["status"] == "not_reported" and row["achievement_pct"] == 0


def test_summary_counts_add_up(action_plan):
    ev = evaluate(action_plan, 3)
    s = ev.summary.iloc[0]
    projects = ev.projects
    assert s["evaluated"] == projects["evaluated"].sum()
    for colour in ("green", "yellow", "red"):
        assert s[colour] == (projects["band"] == colour).sum()
        assert s[f"{colour}_pct"] == pytest.approx(s[colour] / s["evaluated"] * 100)
    assert s["green"] + s["yellow"] + s["red"] == s["evaluated"]
    assert ev.summary_by_fund["evaluated"].sum() == s["evaluated"]


def test_opdc_card_reproduces_the_evaluation(opdc_raw):
    imported = read_table(opdc_raw, Source(file="opdc_2566.csv"))
    assert imported.form == "opdc" and imported.errors == []
    card = score_card(imported.frame)
    assert (round_half_up(card.kpis["score"], 2) == opdc_raw["published_score"].astype(float)).all()
    assert (
        round_half_up(card.kpis["weighted"], 2) == opdc_raw["published_weighted"].astype(float)
    ).all()
    components = card.components.set_index("component")["weighted"]
    assert round_half_up(components["Performance Base"], 2) == 62.50
    assert round_half_up(components["Potential Base"], 2) == 29.46
    assert round_half_up(card.total, 2) == 91.96
    assert card.level == "ระดับคุณภาพ"


def test_opdc_below_basic_scores_zero_or_extrapolates(opdc_raw):
    frame = read_table(opdc_raw).frame.copy()
    frame.loc[0, "result"] = 12.70  # below ขั้นต้น 12.74, segment width 0.08 per 25 points
    assert score_card(frame).kpis.loc[0, "score"] == 0
    extrapolated = score_card(frame, below="extrapolate").kpis.loc[0, "score"]
    assert extrapolated == pytest.approx(50 - 25 * 0.04 / 0.08)
    assert not np.isnan(extrapolated)
