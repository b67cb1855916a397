"""The Excel functions, called as Python functions on the 2-D lists xlwings passes them.

xlwings' decorators leave plain functions on Linux (shared/notes/excel-integration.md), so
these tests pass exactly what the ``ndim=2`` converter would: lists of rows, None for blanks.
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import udfs
from sso_kpi.evaluation import evaluate
from sso_kpi.schema import PLAN_M, PLAN_Q, RESULT_M, RESULT_Q

UDF_NAMES = sorted(n for n in dir(udfs) if n.startswith("SSO_"))


def col(*values):
    return [[v] for v in values]


def flat(grid):
    return [row[0] for row in grid]


def test_the_issue_names_are_all_there():
    required = {"SSO_ACHIEVEMENT", "SSO_SCORE", "SSO_WAVG", "SSO_PROJECT_AVG", "SSO_BAND",
                "SSO_QUALITY", "SSO_ROLLUP"}  # fmt: skip
    assert required <= set(UDF_NAMES)


@pytest.mark.parametrize("name", UDF_NAMES)
def test_names_are_safe_for_vba_import(name):
    # xlwings issues 563/384: no leading underscore, nothing that reads as a cell address
    assert not name.startswith("_")
    assert not re.fullmatch(r"[A-Z]{1,3}[0-9]+", name)
    assert not re.fullmatch(r"R[0-9]*C[0-9]*", name)


@pytest.mark.parametrize("name", UDF_NAMES)
def test_never_volatile_and_documented(name):
    func = getattr(udfs, name)
    assert inspect.getdoc(func)
    options = getattr(func, "__xlfunc__", {})
    assert not options.get("volatile", False)


def test_achievement_whole_column():
    got = udfs.SSO_ACHIEVEMENT(col(7650, 2, 9, None, 5), col(148184, 3, None, 4, 0),
                               col("higher", "higher", "higher", "higher", "lower"))  # fmt: skip
    assert got[0][0] == pytest.approx(148184 / 7650 * 100)
    assert flat(got)[1:] == [150.0, 0.0, None, 100.0]


def test_achievement_reads_typed_text_and_caps():
    got = udfs.SSO_ACHIEVEMENT(col("1 ครั้ง", "๒"), col("2", "8"), None, col(None, 150), 120)
    assert flat(got) == [120.0, 150.0]  # workbook cap where the row has none


def test_bad_cells_get_a_message_in_their_own_row():
    got = flat(udfs.SSO_ACHIEVEMENT(col(10, "abc", 10), col(5, 5, "#N/A")))
    assert got[0] == 50.0
    assert "not a number" in got[1] and "ไม่ใช่ตัวเลข" in got[1]
    assert "Excel" in got[2]


def test_ranges_of_different_sizes_give_one_message():
    got = udfs.SSO_ACHIEVEMENT(col(1, 2, 3), col(1, 2))
    assert isinstance(got, str) and "ranges differ" in got


def test_status_and_band():
    assert flat(udfs.SSO_STATUS(col(5, 5, None), col(5, None, 1))) == [
        "ok", "not_reported", "not_due"]  # fmt: skip
    assert flat(udfs.SSO_BAND(col(99.5, 60, 10, None))) == ["green", "yellow", "red", "grey"]
    assert flat(udfs.SSO_BAND(col(90), 80, 40)) == ["green"]
    assert flat(udfs.SSO_BAND_TH(col("green", "red", ""))) == ["เขียว", "แดง", ""]


def test_weighted_average_over_present_values():
    assert udfs.SSO_WAVG(col(100, 56, None), col(50, 50, 20)) == 78.0
    assert udfs.SSO_WAVG(col(None), col(1)) is None
    assert "not a number" in udfs.SSO_WAVG(col("x"), col(1))


def test_project_average_per_row_matches_the_engine(action_plan):
    ev = evaluate(action_plan, 3)
    k = ev.kpis
    pct = [[None if np.isnan(v) else v] for v in k["achievement_pct"]]
    got = flat(udfs.SSO_PROJECT_AVG(col(*k["project_id"]), pct, col(*k["weight"])))
    expected = k["project_id"].map(ev.projects.set_index("project_id")["average_pct"])
    for g, e in zip(got, expected, strict=True):
        assert (g is None and np.isnan(e)) or g == pytest.approx(e)


def test_period_and_achievement_reproduce_the_engine_on_the_golden_table(action_plan):
    f = action_plan.frame
    agg = col(*f["aggregation"])

    def rows(columns):
        return [[None if pd.isna(v) else v for v in r] for r in f[list(columns)].to_numpy()]

    for q in (1, 2, 3):
        plan = udfs.SSO_PERIOD(rows(PLAN_Q), rows(PLAN_M), agg, q)
        result = udfs.SSO_PERIOD(rows(RESULT_Q), rows(RESULT_M), agg, q)
        pct = flat(udfs.SSO_ACHIEVEMENT(plan, result, col(*f["direction"])))
        engine = evaluate(action_plan, q).kpis["achievement_pct"]
        for g, e in zip(pct, engine, strict=True):
            assert (g is None and np.isnan(e)) or g == pytest.approx(e)


def test_opdc_score_and_quality(opdc_raw):
    o = opdc_raw
    got = flat(udfs.SSO_SCORE(col(*o["result"]), col(*o["level_50"]), col(*o["level_75"]),
                              col(*o["level_100"])))  # fmt: skip
    assert [round(g, 2) for g in got] == pytest.approx(o["published_score"].astype(float).tolist())
    assert udfs.SSO_QUALITY(91.96) == "ระดับคุณภาพ"
    assert flat(udfs.SSO_QUALITY(col(70, 50))) == ["ระดับมาตรฐานขั้นต้น", "ระดับต้องปรับปรุง"]
    lower = udfs.SSO_SCORE(col(3), col(5), col(4), col(3), col("lower"))
    assert flat(lower) == [100.0]
    assert flat(udfs.SSO_SCORE(col(5), col(None), col(4), col(3))) == [None]


def test_rollup_and_its_bad_input():
    months = [[1, 0, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1], [76, 76, 78] + [84] * 9]
    assert flat(udfs.SSO_ROLLUP(months, col("sum", "ล่าสุด"), 4)) == [12.0, 84.0]
    assert flat(udfs.SSO_ROLLUP(months, col("sum", "last"), 1)) == [3.0, 78.0]
    assert "12" in udfs.SSO_ROLLUP([[1, 2, 3]], col("sum"), 1)
    assert "1-4" in udfs.SSO_ROLLUP(months, col("sum", "sum"), "five")
    assert "1-4" in udfs.SSO_PERIOD([[1, 2, 3, 4]], [[None] * 12], col("sum"), 9)


cell = st.one_of(
    st.none(), st.text(max_size=12), st.booleans(), st.floats(allow_nan=True),
    st.integers(-(10**20), 10**20), st.sampled_from(["#N/A", "#DIV/0!", "๒๕", "1,000.", "-"]),
)  # fmt: skip


@given(st.lists(st.tuples(cell, cell), min_size=1, max_size=15))
def test_any_input_gives_numbers_blanks_or_messages_never_a_traceback(pairs):
    plan, result = (col(*x) for x in zip(*pairs, strict=True))
    for out in (
        udfs.SSO_ACHIEVEMENT(plan, result),
        udfs.SSO_BAND(plan),
        udfs.SSO_STATUS(plan, result),
    ):
        assert isinstance(out, list) and len(out) == len(pairs)
        for (v,) in out:
            assert v is None or isinstance(v, float | str)
            assert not (isinstance(v, str) and "Traceback" in v)
            assert not (isinstance(v, float) and np.isnan(v))
