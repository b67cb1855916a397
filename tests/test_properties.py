"""Properties of the scoring rules (hypothesis), beyond the published examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sso_kpi.opdc import interpolate_levels, quality_level
from sso_kpi.rollup import rollup_months
from sso_kpi.scoring import achievement, band, group_weighted_average, weighted_average
from sso_kpi.values import round_half_up

positive = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False)
maybe = st.one_of(st.just(np.nan), st.floats(min_value=0, max_value=1e9))


@given(positive, positive)
def test_achievement_is_the_ratio_and_lower_is_its_inverse(plan, result):
    higher, _ = achievement([plan], [result], ["higher"])
    lower, _ = achievement([plan], [result], ["lower"])
    assert higher[0] == pytest.approx(result / plan * 100)
    assert higher[0] * lower[0] == pytest.approx(10_000)


@given(positive, positive, positive)
def test_achievement_grows_with_result(plan, a, b):
    pct, _ = achievement([plan, plan], [min(a, b), max(a, b)])
    assert pct[0] <= pct[1]


@given(positive, positive, st.floats(min_value=100, max_value=1000))
def test_cap_bounds_and_never_raises(plan, result, cap):
    capped, _ = achievement([plan], [result], cap=[cap])
    free, _ = achievement([plan], [result])
    assert capped[0] <= cap and capped[0] == min(free[0], cap)


@given(arrays(float, 20, elements=maybe), arrays(float, 20, elements=maybe))
def test_status_partitions_rows(plan, result):
    pct, status = achievement(plan, result)
    assert set(status) <= {"ok", "not_reported", "not_due"}
    assert np.array_equal(status == "not_due", np.isnan(plan))
    assert (pct[status == "not_reported"] == 0).all()
    assert np.isnan(pct[status == "not_due"]).all()
    assert not np.isnan(pct[status == "ok"]).any()


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_band_thresholds(pct):
    b = band([pct])[0]
    r = round_half_up(pct)
    assert b == ("green" if r >= 100 else "yellow" if r >= 50 else "red")


@given(
    arrays(float, 8, elements=st.floats(min_value=0, max_value=1e4)),
    arrays(float, 8, elements=st.floats(min_value=0.1, max_value=100)),
)
def test_weighted_average_is_between_min_and_max(values, weights):
    avg = weighted_average(values, weights)
    assert values.min() - 1e-9 <= avg <= values.max() + 1e-9
    # scaling every weight (weights that do not sum to 100) changes nothing
    assert weighted_average(values, weights * 7.3) == pytest.approx(avg)


@given(
    st.lists(
        st.tuples(st.sampled_from("ABC"), st.floats(0, 1e4), st.floats(0.1, 100)),
        min_size=1,
        max_size=30,
    )
)
def test_group_average_equals_per_group_average(rows):
    keys, values, weights = (np.array(x) for x in zip(*rows, strict=True))
    grouped = group_weighted_average(keys, values, weights)
    for key in set(keys):
        mine = keys == key
        assert grouped[key] == pytest.approx(weighted_average(values[mine], weights[mine]))


levels = st.tuples(st.floats(0, 1e4), st.floats(0.01, 1e3), st.floats(0.01, 1e3)).map(
    lambda t: (t[0], t[0] + t[1], t[0] + t[1] + t[2])
)


@given(levels, st.floats(-1e4, 3e4))
def test_opdc_score_is_monotone_bounded_and_hits_the_levels(lv, result):
    s = interpolate_levels([result, *lv], [lv] * 4, (50, 75, 100))
    assert 0 <= s[0] <= 100
    assert s[1:].tolist() == pytest.approx([50, 75, 100])
    more = interpolate_levels([result + 1], [lv], (50, 75, 100))[0]
    assert more >= s[0]


@given(levels, st.floats(0, 3e4))
def test_lower_is_better_mirrors_higher(lv, result):
    up = interpolate_levels([result], [lv], (50, 75, 100))
    mirrored = [-x for x in lv][::-1]  # descending targets for a lower-is-better indicator
    down = interpolate_levels([-result], [mirrored[::-1]], (50, 75, 100), lower_is_better=True)
    assert down[0] == pytest.approx(up[0])


@given(st.floats(0, 100))
def test_quality_level_is_monotone(total):
    order = ["ระดับต้องปรับปรุง", "ระดับมาตรฐานขั้นต้น", "ระดับมาตรฐานขั้นสูง", "ระดับคุณภาพ"]
    a, b = quality_level([total, min(total + 5, 100)])[0]
    assert order.index(a) <= order.index(b)


@given(
    arrays(float, (5, 12), elements=st.one_of(st.just(np.nan), st.floats(0, 1e6))),
    st.integers(1, 12),
)
def test_rollup_matches_its_definition(months, through):
    for agg in ("sum", "last", "average", "max"):
        got = rollup_months(months, [agg], through)
        for row, value in zip(months[:, :through], got, strict=True):
            present = row[~np.isnan(row)]
            if present.size == 0:
                assert np.isnan(value)
                continue
            expect = {
                "sum": present.sum(),
                "last": present[-1],
                "average": present.mean(),
                "max": present.max(),
            }[agg]
            assert value == pytest.approx(expect)


near_halves = st.one_of(
    st.floats(-1e6, 1e6), st.integers(-300, 300).map(lambda k: k / 2), st.just(np.nan)
)
thresholds = st.one_of(st.floats(-500, 500), st.integers(-300, 300).map(lambda k: k / 2))


@given(st.lists(near_halves, max_size=20), thresholds, thresholds)
def test_bands_are_the_rounded_thresholds_spelled_out(values, green_at, yellow_at):
    """Band codes made by arithmetic on masks are the rule written out row by row: round half
    up, green from green_at, else yellow from yellow_at, else red; NaN grey."""
    from sso_kpi.scoring import BANDS, BandRule, band_codes

    pct = np.array(values, dtype=float)
    got = band_codes(pct, BandRule(green_at=green_at, yellow_at=yellow_at))
    for p, code in zip(pct, got, strict=True):
        rounded = round_half_up(p)
        want = (
            "grey"
            if np.isnan(p)
            else "green"
            if rounded >= green_at
            else "yellow"
            if rounded >= yellow_at
            else "red"
        )
        assert BANDS[code] == want


@given(st.floats(-1e6, 1e6, allow_nan=False), st.integers(0, 3))
def test_round_half_up_is_within_half_a_step(x, digits):
    assume(abs(x) < 1e6)
    r = round_half_up(x, digits)
    assert abs(r - x) <= 0.5 * 10**-digits + 1e-9


CELLS = ["ก", "กองทุนประกันสังคม", "1", "", None, np.nan, 1, 1.0, "SSF-001"]
cells = st.sampled_from(CELLS)


@given(st.lists(cells, max_size=40), st.booleans())
def test_factorize_runs_is_factorize(values, sort):
    """Hashing only where the value changes gives pd.factorize's codes and uniques."""
    from sso_kpi.scoring import factorize_runs

    arr = np.array(values, dtype=object).reshape(-1)
    if sort:  # runs, as plans list projects fund by fund
        arr = arr[np.argsort([str(v) for v in arr], kind="stable")]
    codes, uniques = factorize_runs(arr)
    want_codes, want_uniques = pd.factorize(arr)
    assert codes.tolist() == want_codes.tolist()
    assert [str(u) for u in uniques] == [str(u) for u in want_uniques]


@given(
    st.lists(st.sampled_from([*CELLS, pd.NA, "ข"]), min_size=1, max_size=5).flatmap(
        lambda few: st.lists(st.sampled_from(few), max_size=200)
    )
)
def test_factorize_few_is_factorize(values):
    """Comparing each value with the rows left (a few distinct values, some missing, one
    rare enough to hand the rest to hashing) gives pd.factorize's codes and uniques."""
    from sso_kpi.scoring import factorize_few

    arr = np.array([*values, None], dtype=object)[:-1]  # an object column, whatever the cells
    codes, uniques = factorize_few(arr)
    want_codes, want_uniques = pd.factorize(arr)
    assert codes.tolist() == want_codes.tolist()
    assert [str(u) for u in uniques] == [str(u) for u in want_uniques]


@given(st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3", None]), maybe, maybe), max_size=30))
def test_row_average_is_the_group_average_on_each_row(rows):
    from sso_kpi.scoring import row_weighted_average

    keys = [r[0] for r in rows]
    values, weights = [r[1] for r in rows], [r[2] for r in rows]
    per_row = row_weighted_average(keys, values, weights)
    keyed = [r for r in rows if r[0] is not None]
    grouped = group_weighted_average(
        [r[0] for r in keyed], [r[1] for r in keyed], [r[2] for r in keyed]
    )
    for key, got in zip(keys, per_row, strict=True):
        want = np.nan if key is None else grouped[key]
        assert (np.isnan(got) and np.isnan(want)) or got == want
