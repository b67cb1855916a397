"""The other seed reports: the unit's monthly form and the self-assessment."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sso_kpi.importing import read_table
from sso_kpi.opdc import score_card
from sso_kpi.rollup import disbursement, rollup_months
from sso_kpi.values import parse_numbers

from .conftest import DATA, SEEDS

UNIT_REPORT = SEEDS / "unit_monthly_report_2563_sukhothai.txt"
# The rule is the indicator's, not the text's: ร้อยละ and a running head-count take the
# latest month, counts per month take the sum (seed README).
AGGREGATION = {"1": "last", "4": "sum", "5": "sum", "6": "last"}


def unit_report_rows() -> dict[tuple[str, str], list[str]]:
    """{(indicator, แผน|ผล): [12 months…, total]} as printed, found by label not by position,
    so a form whose ผล row comes before its แผน row reads the same."""
    rows: dict[tuple[str, str], list[str]] = {}
    indicator = None
    for line in UNIT_REPORT.read_text(encoding="utf-8").splitlines():
        head = re.match(r"ตัวชี้วัด\s*ที่\s*(\d+)", line)
        if head:
            indicator = head.group(1)
        cells = [c.strip() for c in line.split("\t")]
        for label in ("แผน", "ผล"):
            if indicator and label in cells and len(cells) >= cells.index(label) + 14:
                start = cells.index(label) + 1
                rows[(indicator, label)] = cells[start : start + 13]
    return rows


def test_unit_report_total_column_follows_each_indicators_aggregation():
    rows = unit_report_rows()
    assert {k for k, _ in rows} == set(AGGREGATION)
    for (indicator, label), cells in rows.items():
        parsed = parse_numbers(pd.Series(cells))
        assert parsed.problems.isna().all(), cells  # 29,669. and 0.00 all read
        months, printed_total = parsed.values[:12].to_numpy(), parsed.values[12]
        total = rollup_months([months], [AGGREGATION[indicator]])[0]
        assert total == pytest.approx(printed_total), (indicator, label)


def test_unit_report_values_as_printed():
    rows = unit_report_rows()
    assert parse_numbers(pd.Series(rows[("6", "แผน")])).values.iloc[0] == 29669.0
    assert parse_numbers(pd.Series(rows[("4", "แผน")])).values.iloc[12] == 1488.0


def test_swapped_rows_read_by_label(tmp_path, monkeypatch):
    text = UNIT_REPORT.read_text(encoding="utf-8").splitlines()
    plan = next(i for i, line in enumerate(text) if "\tแผน\t1\t0\t2" in line)
    # put indicator 5's ผล row above its แผน row, keeping the แผน line's leading cells
    text[plan], text[plan + 1] = text[plan + 1], text[plan]
    swapped = tmp_path / "swapped.txt"
    swapped.write_text("\n".join(text), encoding="utf-8")
    monkeypatch.setattr("tests.test_reports.UNIT_REPORT", swapped)
    rows = unit_report_rows()
    assert rows[("5", "แผน")][12] == "12" and rows[("5", "ผล")][12] == "7"


def test_unit_report_budget_disbursement():
    lines = UNIT_REPORT.read_text(encoding="utf-8").splitlines()
    header = next(line for line in lines if line.strip().startswith("งบบุคลากร"))
    categories = header.split("\t")[1:]
    plan_line = next(line for line in lines if line.startswith("แผน\t0.00"))
    spent_line = next(line for line in lines if line.startswith("ผล\t0.00"))
    plan = parse_numbers(pd.Series(plan_line.split("\t")[1:])).values
    spent = parse_numbers(pd.Series(spent_line.split("\t")[1:])).values
    table = disbursement(pd.DataFrame({"category": categories, "plan": plan, "spent": spent}))
    by = table.set_index("category")
    assert by.loc["รวม", "plan"] == pytest.approx(by["plan"].iloc[:-1].sum())
    assert by.loc["งบดำเนินงาน", "pct"] == pytest.approx(3445278.96 / 3834900 * 100)
    assert np.isnan(by.loc["งบบุคลากร", "pct"])  # no plan: no percentage, not 0 or inf


def test_self_assessment_parents_weight_zero_and_narrative():
    raw = pd.read_csv(DATA / "self_assessment_2563.csv", dtype=str, keep_default_na=False)
    imported = read_table(raw)
    assert imported.form == "opdc" and imported.errors == []
    # "มากกว่าเท่ากับ 438,000 (คน)" reads as 438000
    assert imported.frame.loc[0, "level_50"] == 438000
    card = score_card(imported.frame)
    status = dict(zip(card.kpis["kpi_number"], card.kpis["status"], strict=True))
    assert status == {
        "1": "scored", "2": "scored", "3": "parent", "3.1": "scored", "3.2": "scored",
        "4": "scored", "5": "weight_zero", "ถอดบทเรียน": "weight_zero",
    }  # fmt: skip
    score = dict(zip(card.kpis["kpi_number"], card.kpis["score"], strict=True))
    assert score["1"] == 0  # 420,917 is below ขั้นต่ำ 438,000
    assert score["2"] == score["3.1"] == score["4"] == 100
    # children carry the parent's 20: 0×30 + 100×30 + 100×10 + 100×10 + 100×20, over 100
    assert card.total == pytest.approx(70.0)
    assert card.level == "ระดับมาตรฐานขั้นต้น"
