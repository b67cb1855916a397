"""The benchmark runs and its naive loop is a second implementation of the rules (an oracle).

No timing is asserted anywhere: a shared CI machine makes timings noise. The bench itself
prints them; here it runs in its tiny mode only to prove it runs and reports.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench import generate
from bench.run import (
    GOALS,
    agreement,
    excel_ranges,
    floor_agrees,
    floor_input,
    growth_factors,
    score_floor,
    score_loop,
    score_records,
    udf_block,
)
from sso_kpi.evaluation import evaluate

ROOT = Path(__file__).resolve().parents[1]


def test_the_bench_runs_and_ends_with_one_json_line(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--tiny",
            "--json",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    report = json.loads(last)
    assert set(GOALS) <= set(report["ratios"])
    assert all(v > 0 for v in report["ratios"].values())
    assert {
        "score_loop",
        "score_records_loop",
        "numpy_floor",
        "engine",
        "udf_block",
        "engine_udf_rows",
        "rebuild",
        "openpyxl_roundtrip",
        "consolidate",
        "calamine_read_all",
    } <= set(report["seconds"])
    assert report["peak_mb"]["max_rss"] > 0
    assert set(report["met"]) == set(GOALS) and set(report["goals"]) == set(GOALS)
    assert "loop and engine agree" in done.stdout
    assert "numpy floor and engine agree exactly" in done.stdout
    for kind in ("scoring", "consolidation"):
        points = report["growth"][kind]
        assert len(points) >= 2 and all(p["seconds"] > 0 and p["peak_mb"] > 0 for p in points)
    assert json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))["ratios"]
    assert (tmp_path / "growth.png").read_bytes().startswith(b"\x89PNG")


def test_the_floor_gives_the_engine_s_answer_and_would_catch_a_wrong_one():
    frame = generate.indicators(3_000, seed=5)
    frame.loc[frame.index[::41], "cap"] = 120.0
    frame.loc[frame.index[::59], "plan_q2"] = 0.0
    frame.loc[frame.index[::67], "result_q2"] = 0.0
    ev = evaluate(frame, 2)
    floor = score_floor(floor_input(frame, 2))
    floor_agrees(floor, ev)
    average, bands, strategies, counts = floor
    with pytest.raises(AssertionError):
        floor_agrees((np.nextafter(average, np.inf), bands, strategies, counts), ev)
    with pytest.raises(AssertionError):
        floor_agrees((average, bands, strategies, counts + np.eye(len(counts), 4, dtype=int)), ev)


def test_the_udf_block_gives_the_engine_s_achievements():
    frame = generate.indicators(500, seed=6)
    block = udf_block(excel_ranges(frame))
    ev = evaluate(frame, 3)
    got = [np.nan if row[0] is None else row[0] for row in block["achievement"]]
    assert np.allclose(got, ev.kpis["achievement_pct"], equal_nan=True)
    assert [row[0] for row in block["status"]] == ev.kpis["status"].tolist()


def test_growth_factor_is_per_tenfold():
    points = [{"size": 10, "seconds": 1.0}, {"size": 100, "seconds": 10.0}]
    assert growth_factors(points) == pytest.approx([10.0])
    points.append({"size": 10_000, "seconds": 1000.0})  # two tenfold steps at once
    assert growth_factors(points) == pytest.approx([10.0, 10.0])


@pytest.mark.parametrize(("seed", "quarter"), [(1, 1), (2, 2), (3, 3), (4, 4)])
def test_the_naive_loop_and_the_engine_agree(seed: int, quarter: int):
    frame = generate.indicators(2_000, seed=seed)
    frame.loc[frame.index[::37], "cap"] = 150.0  # some capped indicators
    frame.loc[frame.index[::53], "plan_q1"] = 0.0  # a zero plan: met means 100
    ev = evaluate(frame, quarter)
    loop = score_loop(frame, quarter)
    assert agreement(loop, ev.projects) < 1e-9
    summary = ev.summary.set_index("strategy")
    for strategy, counts in loop["summary"].items():
        for band in ("green", "yellow", "red"):
            assert summary.loc[strategy, band] == counts[band]
        assert summary.loc[strategy, "not_evaluated"] == counts["grey"]
    fast = pd.Series(score_records(frame.to_dict("records"), quarter))
    engine = ev.projects.set_index("project_id")["average_pct"]
    assert np.allclose(fast.reindex(engine.index), engine, equal_nan=True)


def test_the_oracle_would_catch_a_wrong_engine():
    frame = generate.indicators(300, seed=9)
    ev = evaluate(frame, 3)
    loop = score_loop(frame, 3)
    wrong = ev.projects.assign(average_pct=ev.projects["average_pct"] * 1.01)
    with pytest.raises(AssertionError):
        agreement(loop, wrong)


def test_generated_plans_look_like_the_golden_one():
    a = generate.indicators(5_000, seed=11)
    pd.testing.assert_frame_equal(a, generate.indicators(5_000, seed=11))  # deterministic
    assert len(a) == 5_000
    per_project = a.groupby("project_id").size()
    assert per_project.max() <= 6 and (per_project == 1).mean() > 0.4
    assert np.allclose(a.groupby("project_id")["weight"].sum(), 100)
    assert a["result_q4"].isna().all()  # a Q3 report
    due = a["plan_q3"].notna()
    missing = due & a["result_q3"].isna()
    assert 0.01 < missing.sum() / due.sum() < 0.2  # some not reported
    assert set(a["aggregation"]) == {"sum", "last"}
    assert (a["direction"] == "lower").any()
    golden = generate.golden_vocabulary()
    assert set(a["project_name"]) <= set(golden["project_name"])
    units = generate.unit_names(100)
    assert len(set(units)) == 100
