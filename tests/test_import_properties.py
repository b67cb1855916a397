"""The importer on anything a planner's sheet can hold (hypothesis): a message, never a
traceback, never a silently wrong score."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import udfs
from sso_kpi.evaluation import evaluate
from sso_kpi.importing import Source, read_table
from sso_kpi.values import parse_numbers

NUMBER_COLUMNS = ["weight", "plan_q1", "result_q1", "plan_q2", "result_q2"]

cells = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=10),
    st.sampled_from(["-", "N/A", "#N/A", "#DIV/0!", "๒๕", "1,000.", "85%", "1 ครั้ง", "TRUE",
                     "=1+1", "-5", "1e30", "12/3/2564"]),
    st.booleans(),
    st.integers(-(10**18), 10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)),
)  # fmt: skip
ids = st.sampled_from(["P1", "P2", "P3", "", None, "=cmd"])
rows = st.fixed_dictionaries(
    {
        "project_id": ids,
        "kpi_number": st.sampled_from(["1", "2", "1.1", "", "๓"]),
        **{c: cells for c in NUMBER_COLUMNS},
    }
)


@settings(max_examples=100, deadline=None)
@given(st.lists(rows, min_size=1, max_size=12))
def test_every_bad_cell_is_named_and_never_scored(records):
    raw = pd.DataFrame(records, dtype=object)
    got = read_table(raw, Source(file="unit.xlsm", sheet="แผน-ผล", first_row=5))
    assert all(i.file == "unit.xlsm" and i.sheet == "แผน-ผล" for i in got.issues)
    assert all(5 <= i.row < 5 + len(records) for i in got.issues)
    named = {(i.row, i.column.split()[0]) for i in got.errors}
    for column in NUMBER_COLUMNS:
        parsed = parse_numbers(raw[column])
        for pos, problem in enumerate(parsed.problems):
            if problem is not None:  # an unreadable cell is an error at its own row/column
                assert (5 + pos, column) in named
    # kept rows keep their sheet row; blank rows are dropped, never renumbered
    assert got.frame["source_row"].is_monotonic_increasing
    ev = evaluate(got, 2)
    invalid = ev.kpis["status"] == "invalid"
    error_rows = {i.row for i in got.errors}
    assert set(ev.kpis.loc[invalid, "source_row"]) == error_rows & set(ev.kpis["source_row"])
    assert ev.kpis.loc[invalid, "achievement_pct"].isna().all()
    scored = ev.kpis["achievement_pct"].dropna()
    assert (scored >= 0).all() and np.isfinite(scored).all()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(cells, cells, cells), min_size=1, max_size=10))
def test_udfs_on_the_same_cells_answer_in_every_row(triples):
    plan, result, weight = ([[v] for v in column] for column in zip(*triples, strict=True))
    for out in (
        udfs.SSO_ACHIEVEMENT(plan, result),
        udfs.SSO_PROJECT_AVG([["P"]] * len(plan), plan, weight),
        udfs.SSO_SCORE(result, plan, plan, plan),
    ):
        assert isinstance(out, list) and len(out) == len(triples)
        assert all(isinstance(v, float | str) or v is None for (v,) in out)
