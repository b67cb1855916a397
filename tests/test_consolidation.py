"""sso_kpi.consolidation: many units' frames into the national picture (small frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sso_kpi.consolidation import (
    UNIT_KEY,
    UnitReport,
    combine_units,
    consolidate_units,
    cumulative_quarters,
    disbursement_by_unit,
    disbursement_totals,
    evaluate_each_unit,
    stack_budgets,
    stack_units,
    unit_ranking,
    units_not_reported,
)
from sso_kpi.evaluation import evaluate
from sso_kpi.importing import Source, read_table


def kpis(rows: list[dict]) -> pd.DataFrame:
    """A typed KPI frame from a few dicts (missing columns as read_table leaves them)."""
    frame = pd.DataFrame(rows)
    defaults = {
        "fund": "กองทุนประกันสังคม",
        "strategy": "1",
        "substrategy": "1.1",
        "kind": "งานประจำ",
        "project_number": "1",
        "project_name": "งานบริการ",
        "unit": "พื้นที่/ จังหวัด/ สาขา",
        "budget": np.nan,
        "kpi_name": "ตัวชี้วัด",
        "target": np.nan,
        "weight": 50.0,
        "count_unit": "ครั้ง",
        "direction": "higher",
        "aggregation": "sum",
        "cap": np.nan,
    }
    for column, value in defaults.items():
        frame[column] = frame[column].fillna(value) if column in frame else value
    for q in range(1, 5):
        for what in ("plan", "result"):
            if f"{what}_q{q}" not in frame:
                frame[f"{what}_q{q}"] = np.nan
    frame["source_row"] = np.arange(len(frame)) + 2
    return frame


# Unit A and unit B report the same routine project P (two indicators: a count summed, a
# percentage averaged), and each has one project of its own.
UNIT_A = kpis(
    [
        {"project_id": "P", "kpi_number": "1", "plan_q1": 10.0, "result_q1": 5.0},
        {"project_id": "P", "kpi_number": "2", "count_unit": "ร้อยละ", "aggregation": "last",
         "plan_q1": 80.0, "result_q1": 90.0},
        {"project_id": "A1", "kpi_number": "1", "weight": 100.0, "plan_q1": 4.0, "result_q1": 4.0},
    ]
)  # fmt: skip
UNIT_B = kpis(
    [
        {"project_id": "P", "kpi_number": "1", "plan_q1": 30.0, "result_q1": 35.0},
        {"project_id": "P", "kpi_number": "2", "count_unit": "ร้อยละ", "aggregation": "last",
         "plan_q1": 60.0, "result_q1": 30.0},
        {"project_id": "B1", "kpi_number": "1", "weight": 100.0, "plan_q1": 10.0, "result_q1": 1.0},
    ]
)  # fmt: skip


def both() -> list[UnitReport]:
    return [UnitReport("A", UNIT_A), UnitReport("B", UNIT_B)]


def combined_row(frame: pd.DataFrame, project: str, kpi: str) -> pd.Series:
    return frame[(frame["project_id"] == project) & (frame["kpi_number"] == kpi)].iloc[0]


def test_sum_adds_units_and_a_percentage_is_averaged_not_summed():
    combined, warnings = combine_units(stack_units(both()))
    count = combined_row(combined, "P", "1")
    assert (count["plan_q1"], count["result_q1"], count["n_units"]) == (40.0, 40.0, 2)
    pct = combined_row(combined, "P", "2")
    assert (pct["plan_q1"], pct["result_q1"]) == (70.0, 60.0)  # not 140 / 120
    assert warnings == []

    ev = evaluate(combined, 1)
    k = ev.kpis.set_index(["project_id", "kpi_number"])["achievement_pct"]
    assert k[("P", "1")] == pytest.approx(100.0)  # 40 / 40
    assert k[("P", "2")] == pytest.approx(60 / 70 * 100)
    p = ev.projects.set_index("project_id")["average_pct"]
    assert p["P"] == pytest.approx((100.0 * 50 + 60 / 70 * 100 * 50) / 100)
    # Each unit's own project passes through unchanged.
    assert p["A1"] == pytest.approx(100.0) and p["B1"] == pytest.approx(10.0)


def test_max_takes_the_largest_and_average_matches_last():
    a = UNIT_A.assign(aggregation=["max", "average", "sum"])
    b = UNIT_B.assign(aggregation=["max", "average", "sum"])
    combined, _ = combine_units(stack_units([UnitReport("A", a), UnitReport("B", b)]))
    count = combined_row(combined, "P", "1")
    assert (count["plan_q1"], count["result_q1"]) == (30.0, 35.0)
    pct = combined_row(combined, "P", "2")
    assert (pct["plan_q1"], pct["result_q1"]) == (70.0, 60.0)


def test_a_due_unit_without_a_result_counts_zero_and_nobody_reporting_is_not_reported():
    b = UNIT_B.copy()
    b.loc[1, "result_q1"] = np.nan  # B has not typed its percentage
    combined, _ = combine_units(stack_units([UnitReport("A", UNIT_A), UnitReport("B", b)]))
    assert combined_row(combined, "P", "2")["result_q1"] == 45.0  # (90 + 0) / 2

    a, b = UNIT_A.copy(), UNIT_B.copy()
    a.loc[0, "result_q1"] = b.loc[0, "result_q1"] = np.nan
    combined, _ = combine_units(stack_units([UnitReport("A", a), UnitReport("B", b)]))
    assert np.isnan(combined_row(combined, "P", "1")["result_q1"])
    status = evaluate(combined, 1).kpis.set_index(["project_id", "kpi_number"])["status"]
    assert status[("P", "1")] == "not_reported"


def test_only_units_for_which_it_is_due_take_part():
    b = UNIT_B.copy()
    b.loc[0, "plan_q1"] = np.nan  # not due in B: B's 35 must not count
    combined, _ = combine_units(stack_units([UnitReport("A", UNIT_A), UnitReport("B", b)]))
    row = combined_row(combined, "P", "1")
    assert (row["plan_q1"], row["result_q1"]) == (10.0, 5.0)


def test_months_roll_up_per_unit_before_units_are_combined():
    """A percentage's latest month is each unit's own: A's last is March, B's February."""
    months = {f"{w}_m{m}": np.nan for w in ("plan", "result") for m in range(1, 13)}
    a = kpis([{"project_id": "P", "kpi_number": "1", "aggregation": "last", **months}])
    b = a.copy()
    a.loc[0, ["plan_m1", "plan_m2", "plan_m3", "result_m1", "result_m3"]] = [70, 75, 80, 60, 90]
    b.loc[0, ["plan_m1", "plan_m2", "result_m1", "result_m2"]] = [50, 60, 40, 66]
    assert cumulative_quarters(a)["result_q1"].tolist() == [90.0]
    combined, _ = combine_units(stack_units([UnitReport("A", a), UnitReport("B", b)]))
    assert combined.loc[0, ["plan_q1", "result_q1"]].tolist() == [70.0, 78.0]


def test_each_unit_is_scored_on_its_own_rows():
    by_unit = evaluate_each_unit(stack_units(both()), 1)
    for name, frame in (("A", UNIT_A), ("B", UNIT_B)):
        alone = evaluate(frame, 1).projects.set_index("project_id")
        mine = by_unit.projects[by_unit.projects[UNIT_KEY] == name].set_index("project_id")
        pd.testing.assert_series_equal(mine["average_pct"], alone["average_pct"], check_names=False)
        assert (mine["band"] == alone["band"]).all()
    assert set(by_unit.summary[UNIT_KEY]) == {"A", "B"}


def test_ranking_by_green_share_then_capped_mean_with_ties_sharing_a_rank():
    def project(unit_pct: float, pid: str) -> dict:
        return {"project_id": pid, "kpi_number": "1", "weight": 100.0, "plan_q1": 100.0,
                "result_q1": unit_pct}  # fmt: skip

    reports = [
        UnitReport("low", kpis([project(100, "X"), project(40, "Y")])),  # 50% green, mean 70
        UnitReport("high", kpis([project(100, "X"), project(90, "Y")])),  # 50% green, mean 95
        UnitReport("same", kpis([project(100, "X"), project(90, "Y")])),  # tie with "high"
        UnitReport("best", kpis([project(2000, "X"), project(100, "Y")])),  # 100% green
        UnitReport("outlier", kpis([project(2000, "X"), project(10, "Y")])),  # mean 1005 raw
        UnitReport("empty", kpis([]).iloc[0:0]),
    ]
    by_unit = evaluate_each_unit(stack_units(reports), 1)
    ranking = unit_ranking(by_unit.projects, [r.unit for r in reports])
    order = ranking[UNIT_KEY].tolist()
    assert order == ["best", "high", "same", "low", "outlier", "empty"]
    assert ranking["rank"].tolist()[:5] == [1, 2, 2, 4, 5]
    assert pd.isna(ranking["rank"].iloc[5])
    outlier = ranking.set_index(UNIT_KEY).loc["outlier"]
    assert outlier["mean_pct"] == pytest.approx(1005.0)  # shown, but it does not buy a rank
    assert outlier["mean_capped_pct"] == pytest.approx(55.0)


def test_units_not_reported():
    silent = UNIT_B.assign(result_q1=np.nan)
    reports = [UnitReport("A", UNIT_A), UnitReport("B", silent), UnitReport("C", UNIT_A.iloc[:0])]
    national = consolidate_units(reports, 1)
    listed = national.not_reported.set_index(UNIT_KEY)
    assert list(listed.index) == ["B", "C"]
    assert listed.loc["B", "n_due"] == 3 and listed.loc["B", "n_reported"] == 0
    assert "ไม่มี" in listed.loc["C", "reason_th"]
    silent_projects = national.projects_not_reported
    assert set(silent_projects[UNIT_KEY]) == {"B"}
    assert set(silent_projects["project_id"]) == {"P", "B1"}
    # A unit with nothing due yet is not late.
    nothing_due = UNIT_A.assign(plan_q1=np.nan)
    by_unit = evaluate_each_unit(stack_units([UnitReport("D", nothing_due)]), 1)
    assert units_not_reported(by_unit.kpis, ["D"]).empty


def test_rows_with_import_errors_are_left_out():
    raw = pd.DataFrame(
        {
            "project_id": ["P", "P"],
            "kpi_number": ["1", "2"],
            "weight": ["50", "50"],
            "plan_q1": ["10", "abc"],
            "result_q1": ["10", "5"],
        }
    )
    imported = read_table(raw, Source(file="a.xlsx"))
    assert len(imported.errors) == 1
    national = consolidate_units([UnitReport("A", imported)], 1)
    assert national.kpis["kpi_number"].tolist() == ["1"]
    assert national.national.projects["average_pct"].tolist() == [100.0]


def test_trend_is_the_evaluation_at_each_quarter():
    a = UNIT_A.assign(plan_q2=[20.0, 80.0, 8.0], result_q2=[30.0, 40.0, np.nan])
    national = consolidate_units([UnitReport("A", a)], 2)
    trend = national.trend.set_index("project_id")
    for q in (1, 2):
        expected = evaluate(national.combined, q).projects.set_index("project_id")
        pd.testing.assert_series_equal(
            trend[f"q{q}_pct"], expected["average_pct"], check_names=False
        )
    assert trend.loc["A1", "q2_band"] == "red"  # due, not reported: 0
    assert trend.loc["A1", "change_pct"] == pytest.approx(-100.0)


def test_latest_quarter_with_results_is_the_default():
    a = UNIT_A.assign(plan_q2=[20.0, 80.0, 8.0])
    b = UNIT_B.assign(plan_q2=[20.0, 80.0, 8.0], result_q2=[1.0, np.nan, np.nan])
    assert consolidate_units([UnitReport("A", a), UnitReport("B", b)]).quarter == 2
    assert consolidate_units([UnitReport("A", UNIT_A)]).quarter == 1


def test_units_disagreeing_on_an_indicators_rule_are_warned_about():
    b = UNIT_B.assign(aggregation=["average", "last", "sum"])
    _, warnings = combine_units(stack_units([UnitReport("A", UNIT_A), UnitReport("B", b)]))
    assert len(warnings) == 1
    assert "P" in warnings[0].column and "aggregation" in warnings[0].message_en
    assert "A: sum" in warnings[0].message_en


def test_budget_per_unit_and_national_total():
    money = pd.DataFrame(
        {"category": ["งบดำเนินงาน", "งบลงทุน"], "plan": [3834900.0, 0.0], "spent": [3445278.96, 0]}
    )
    reports = [
        UnitReport("A", UNIT_A, money),
        UnitReport("B", UNIT_B, money),
        UnitReport("C", UNIT_B),
    ]
    detail = disbursement_by_unit(stack_budgets(reports))
    assert len(detail) == 4
    assert detail["pct"].round(2).tolist()[0] == 89.84  # unit report 2563
    assert np.isnan(detail["pct"].iloc[1])  # no plan: no per cent
    totals = disbursement_totals(detail)
    assert totals[UNIT_KEY].tolist() == ["A", "B", "รวมทั้งประเทศ"]
    assert totals["plan"].tolist()[-1] == 2 * 3834900.0
    assert totals["pct"].round(2).tolist()[-1] == 89.84


def test_unit_names_must_be_unique():
    with pytest.raises(ValueError, match="unique"):
        consolidate_units([UnitReport("A", UNIT_A), UnitReport("A", UNIT_B)])


def test_no_rows_at_all():
    national = consolidate_units([UnitReport("A", UNIT_A.iloc[:0])], 1)
    assert national.national.projects.empty
    assert national.not_reported[UNIT_KEY].tolist() == ["A"]


def test_the_consolidation_engine_is_pure():
    import subprocess
    import sys

    code = (
        "import sys, sso_kpi.consolidation;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl','xlwings',"
        "'python_calamine','sso_app')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
