"""Reading numbers the way planners type them, and the importer's messages."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sso_kpi.importing import Source, read_table
from sso_kpi.schema import canonical_column
from sso_kpi.values import parse_numbers

READS = {
    "29,669.": 29669.0, "1 ครั้ง": 1.0, "๒๕": 25.0, "12.78 (ล้านราย)": 12.78, "65.85 %": 65.85,
    "มากกว่าเท่ากับ 438,000 (คน)": 438000.0, "เท่ากับ 1 (ฉบับ)": 1.0, " 1,488 ": 1488.0,
    "0.00": 0.0, ".5": 0.5, "๑,๒๓๔.๕": 1234.5, "3,660,026": 3660026.0,
}  # fmt: skip
EMPTY = ["", "-", "–", "N/A", "n/a", None, np.nan]
BAD = [
    "abc",
    "12/3/2564",
    "2021-03-01",
    "1-2",
    "TRUE",
    "#DIV/0!",
    "#N/A",
    "1e400",
    "12 34",
    "Q3 12",
    "๕๐ ๖๐",
]


@pytest.mark.parametrize(("text", "number"), READS.items())
def test_reads(text, number):
    parsed = parse_numbers(pd.Series([text], dtype=object))
    assert parsed.values.iloc[0] == number and parsed.problems.iloc[0] is None


@pytest.mark.parametrize("text", EMPTY)
def test_no_value(text):
    parsed = parse_numbers(pd.Series([text], dtype=object))
    assert np.isnan(parsed.values.iloc[0]) and parsed.problems.iloc[0] is None


@pytest.mark.parametrize("text", [*BAD, True, dt.date(2021, 3, 1), float("inf"), 1e20])
def test_rejects(text):
    parsed = parse_numbers(pd.Series([text], dtype=object))
    assert np.isnan(parsed.values.iloc[0])
    th, en = parsed.problems.iloc[0]
    assert th and en


@given(st.text(max_size=20))
def test_any_text_gives_a_number_or_a_reason(text):
    parsed = parse_numbers(pd.Series([text], dtype=object))
    value, problem = parsed.values.iloc[0], parsed.problems.iloc[0]
    assert np.isnan(value) or problem is None
    assert not (np.isnan(value) and problem is None) or text.strip().lower() in {
        "", "-", "–", "—", "n/a", "na", "n.a.", "ไม่มี", "none", "nan"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("ผล ไตรมาส 4", "result_q4"),
        ("Plan Q1", "plan_q1"),
        ("แผน เดือน 12", "plan_m12"),
        ("หน่วยนับ", "count_unit"),
        ("ขั้นต้น (50)", "level_50"),
        ("น้ำหนัก (weight)", "weight"),
        ("Project ID", "project_id"),
    ],
)
def test_headers(header, key):
    assert canonical_column(header) == key


def _rows(**overrides):
    base = {"project_id": ["P1", "P1", "P2"], "kpi_number": ["1", "2", "1"],
            "weight": ["50", "50", "100"], "plan_q1": ["10", "10", "5"],
            "result_q1": ["5", "12", "5"]}  # fmt: skip
    base.update(overrides)
    return pd.DataFrame(base)


def test_all_errors_are_listed_with_sheet_row_and_column():
    raw = _rows(weight=["abc", "50", "-5"], result_q1=["#N/A", "12", "TRUE"])
    got = read_table(
        raw,
        Source(
            file="unit.xlsm", sheet="แผน-ผล", first_row=5, letters={"weight": "M", "result_q1": "S"}
        ),
    )
    texts = [i.text() for i in got.errors]
    assert len(got.errors) == 4, texts
    assert any("แถว/row 5" in t and "M weight" in t and "abc" in t for t in texts)
    assert any("แถว/row 7" in t and "ติดลบ" in t and "negative" in t for t in texts)
    assert any("S result_q1" in t and "Excel" in t for t in texts)
    assert all(i.sheet == "แผน-ผล" and i.file == "unit.xlsm" for i in got.errors)


def test_duplicate_ids_and_blank_keys():
    raw = _rows(kpi_number=["1", "1", ""])
    got = read_table(raw)
    messages = [(i.row, i.message_en) for i in got.errors]
    assert (3, "duplicate project_id + kpi_number (already on an earlier row)") in messages
    assert any(row == 4 and "blank" in msg for row, msg in messages)


def test_missing_weight_outcomes():
    # whole project without weights: equal weights, with a warning
    got = read_table(_rows(weight=["", "", "100"]))
    assert got.frame["weight"].tolist() == [1.0, 1.0, 100.0] and not got.errors
    assert any("weigh the same" in w.message_en for w in got.warnings)
    # one missing among others: an error naming the row
    got = read_table(_rows(weight=["50", "", "100"]))
    assert [(i.row, "weight" in i.column) for i in got.errors] == [(3, True)]


def test_weights_not_summing_to_100_warn_and_normalise():
    got = read_table(_rows(weight=["30", "30", "100"]))
    assert not got.errors and any("sum to 60" in w.message_en for w in got.warnings)


def test_empty_rows_are_dropped_and_row_numbers_kept():
    raw = pd.concat([_rows().iloc[:1], pd.DataFrame([{c: "" for c in _rows()}]), _rows().iloc[1:]])
    got = read_table(raw.reset_index(drop=True), Source(first_row=2))
    assert got.frame["source_row"].tolist() == [2, 4, 5]


def test_missing_required_column():
    got = read_table(pd.DataFrame({"project_id": ["P1"], "kpi_number": ["1"], "plan_q1": [1]}))
    assert [(i.code, i.key) for i in got.errors] == [("missing_column", "weight")]
    assert got.errors[0].message_en.startswith("required column weight is missing")
    assert got.refused and not len(got.frame)


def test_words_in_thai():
    got = read_table(_rows(direction=["น้อย", "higher", "sideways"], aggregation=["ล่าสุด", "", ""]))
    assert got.frame["direction"].tolist() == ["lower", "higher", "higher"]
    assert got.frame["aggregation"].tolist() == ["last", "sum", "sum"]
    assert [i.row for i in got.errors] == [4]
