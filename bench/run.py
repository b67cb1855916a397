"""Benchmarks, side by side in one run: ``python bench/run.py [--quick|--tiny] [--json]``.

Every goal is a ratio of two times measured in the same run, each against an honest floor for
the same job on the same data (absolute times on shared machines vary by ×2 from hour to hour):

``engine_over_numpy_floor`` (goal ≤ 2.0)
    ``sso_kpi.evaluation.evaluate`` of 100,000 generated indicators over ``score_floor``: the
    same rules as a minimal numpy program on already-typed float arrays (due, not reported,
    achievement, direction, cap; projects factorised once; weighted averages with
    ``bincount``; bands; counts per strategy). The floor is checked to give exactly the
    engine's averages (bit for bit), bands and counts, every run. The engine also builds the
    frames the commands use (every indicator's status and band, every project's details).
``records_loop_over_engine`` (goal ≥ 3)
    The plainest Python a programmer would write (``score_records``: one loop over
    ``to_dict("records")``, running sums per project) over the engine. The ``iterrows`` loop
    (``score_loop``) stays as the oracle: a second implementation the engine must agree with.
``rebuild_over_openpyxl_roundtrip`` (goal ≤ 1.5)
    ``sso_app.rebuild.rebuild`` of a 5,000-indicator SSO_Plan.xlsm over a bare
    ``openpyxl.load_workbook(keep_vba=True)`` + ``save`` of the same file.
``consolidate_over_calamine_read`` (goal ≤ 2.0)
    ``sso_app.consolidate.consolidate`` of 100 unit workbooks of 200 indicators (safety check
    of every file included) over a bare python-calamine read of every sheet of the same files.
    The same run in one process and its stages (``stage_*``) are timed too.
``udf_block_over_engine`` (goal ≤ 3)
    Every function of the entry sheet's computed block (``SSO_PERIOD`` ×2, ``SSO_ACHIEVEMENT``,
    ``SSO_STATUS``, ``SSO_BAND`` ×2, ``SSO_PROJECT_AVG``) called through ``udfs.py`` with the
    lists of rows xlwings passes (None for a blank cell), over ``evaluate`` of the same 5,000
    rows. The block's achievements and project averages are checked against the engine's.
Cost growth (goal: ≤ 12× per tenfold step; 1,000 books within 1 GB)
    Scoring at 1k, 10k and 100k indicators (time, tracemalloc peak) and consolidation of 10,
    100 and 1,000 books (each in a fresh process: time, and the peak memory of that process
    and its workers together, their proportional set size sampled every 20 ms). The growth
    factor is the time ratio of each tenfold step; ``growth.png`` draws them next to
    ``bench.json``.

Times are the best of a few runs (``time.perf_counter``); peak memory is tracemalloc's peak
of Python allocations in a separate traced run (tracing slows code down, so it is never
timed), plus the process's maximum resident set size at the end. With ``--json`` the last
line of stdout is one JSON object: ``ratios``, ``seconds``, ``peak_mb``, ``growth``,
``goals``, ``met``; ``--out DIR`` also writes it as ``DIR/bench.json`` with ``DIR/growth.png``.

The bench asserts correctness (loop, floor, UDFs and engine agree), never timings.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: `python bench/run.py`
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

GOALS = {
    "engine_over_numpy_floor": ("<=", 2.0),
    "records_loop_over_engine": (">=", 3.0),
    "rebuild_over_openpyxl_roundtrip": ("<=", 1.5),
    "consolidate_over_calamine_read": ("<=", 2.0),
    "udf_block_over_engine": ("<=", 3.0),
    "scoring_growth_per_tenfold": ("<=", 12.0),
    "consolidation_growth_per_tenfold": ("<=", 12.0),
    "consolidation_largest_peak_mb": ("<=", 1024.0),
}


@dataclass(frozen=True)
class Sizes:
    score_rows: int
    rebuild_rows: int
    units: int
    unit_rows: int
    udf_rows: int
    repeat: int  # timed runs of the cheap steps (best of)
    repeat_heavy: int  # of rebuild and consolidate
    trace_heavy: bool  # tracemalloc runs of rebuild and consolidate (slow: ~3× the run)
    score_growth: tuple[int, ...]  # indicators per point, tenfold apart
    book_growth: tuple[int, ...]  # books per point, tenfold apart


SIZES = {
    "full": Sizes(
        100_000, 5_000, 100, 200, 5_000, repeat=9, repeat_heavy=3, trace_heavy=True,
        score_growth=(1_000, 10_000, 100_000), book_growth=(10, 100, 1_000),
    ),
    "quick": Sizes(
        20_000, 5_000, 20, 200, 5_000, repeat=5, repeat_heavy=2, trace_heavy=False,
        score_growth=(1_000, 10_000, 100_000), book_growth=(2, 20),
    ),
    "tiny": Sizes(
        400, 60, 3, 30, 200, repeat=1, repeat_heavy=1, trace_heavy=True,
        score_growth=(100, 1_000), book_growth=(1, 10),
    ),
}  # fmt: skip

# ---------------------------------------------------------------------------------------------
# The naive loop (baseline and oracle)
# ---------------------------------------------------------------------------------------------


def _round_half_up(x: float) -> float:
    return math.floor(round(x, 9) + 0.5)


def band_of(pct: float, green_at: float = 100.0, yellow_at: float = 50.0) -> str:
    """The README's band rule for one number."""
    if math.isnan(pct):
        return "grey"
    rounded = _round_half_up(pct)
    if rounded >= green_at:
        return "green"
    return "yellow" if rounded >= yellow_at else "red"


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def score_loop(frame: pd.DataFrame, quarter: int) -> dict[str, dict]:
    """Achievement, status, project average, band and per-strategy counts, row by row.

    The rules as the README states them, for typed quarterly columns (``plan_qN``,
    ``result_qN``, what the generated data holds). Returns ``averages``, ``bands`` and
    ``summary`` (strategy → band → count).
    """
    sums: dict[str, float] = {}
    weights: dict[str, float] = {}
    strategy_of: dict[str, str] = {}
    for _, row in frame.iterrows():
        project = row["project_id"]
        if project not in sums:
            sums[project] = 0.0
            weights[project] = 0.0
            strategy_of[project] = str(row["strategy"])
        plan = _number(row[f"plan_q{quarter}"])
        result = _number(row[f"result_q{quarter}"])
        if plan is None:
            continue  # not due
        if plan < 0 or (result is not None and result < 0):
            continue  # invalid: never averaged
        if result is None:
            pct = 0.0  # due, not reported
        else:
            if row["direction"] == "lower":
                numerator, denominator = plan, result
            else:
                numerator, denominator = result, plan
            pct = 100.0 if denominator == 0 else numerator / denominator * 100.0
            cap = _number(row["cap"])
            if cap is not None:
                pct = min(pct, cap)
        weight = _number(row["weight"])
        if weight is not None:
            sums[project] += weight * pct
            weights[project] += weight

    averages, bands, summary = {}, {}, {}
    for project, total in sums.items():
        average = total / weights[project] if weights[project] > 0 else math.nan
        averages[project] = average
        bands[project] = band_of(average)
        counts = summary.setdefault(
            strategy_of[project], dict.fromkeys(("green", "yellow", "red", "grey"), 0)
        )
        counts[bands[project]] += 1
    return {"averages": averages, "bands": bands, "summary": summary}


def score_records(records: list[dict], quarter: int) -> dict[str, float]:
    """The same averages over plain dicts (``to_dict("records")``): the fastest a plain
    Python loop gets. Timed beside the naive loop for honesty; not the goal's baseline."""
    sums: dict[str, float] = {}
    weights: dict[str, float] = {}
    plan_key, result_key = f"plan_q{quarter}", f"result_q{quarter}"
    for row in records:
        project = row["project_id"]
        if project not in sums:
            sums[project] = weights[project] = 0.0
        plan, result = row[plan_key], row[result_key]
        if plan != plan or plan < 0 or result < 0:  # NaN plan: not due; negative: invalid
            continue
        if result != result:
            pct = 0.0
        else:
            lower = row["direction"] == "lower"
            numerator, denominator = (plan, result) if lower else (result, plan)
            pct = 100.0 if denominator == 0 else numerator / denominator * 100.0
            if row["cap"] == row["cap"]:
                pct = min(pct, row["cap"])
        if row["weight"] == row["weight"]:
            sums[project] += row["weight"] * pct
            weights[project] += row["weight"]
    return {p: sums[p] / weights[p] if weights[p] > 0 else math.nan for p in sums}


@dataclass(frozen=True)
class FloorInput:
    """What the floor starts from: one quarter's columns as already-typed arrays."""

    plan: np.ndarray
    result: np.ndarray
    weight: np.ndarray
    cap: np.ndarray
    direction: np.ndarray  # object: "higher" / "lower"
    project_id: np.ndarray  # object
    strategy: np.ndarray  # object


def floor_input(frame: pd.DataFrame, quarter: int) -> FloorInput:
    def number(column: str) -> np.ndarray:
        return frame[column].to_numpy("float64", na_value=np.nan)

    return FloorInput(
        plan=number(f"plan_q{quarter}"),
        result=number(f"result_q{quarter}"),
        weight=number("weight"),
        cap=number("cap"),
        direction=frame["direction"].to_numpy(object),
        project_id=frame["project_id"].to_numpy(object),
        strategy=frame["strategy"].to_numpy(object),
    )


def score_floor(x: FloorInput) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The scoring rules as the least numpy can do: ``(averages, band codes, strategies,
    counts)``, projects in first-seen order, band codes green/yellow/red/grey = 0..3, counts
    (strategy × band). No frame is built, no text per row, nothing checked: a floor."""
    due = ~np.isnan(x.plan)
    with np.errstate(invalid="ignore"):
        invalid = (x.plan < 0) | (x.result < 0)
    lower = x.direction == "lower"
    numerator = np.where(lower, x.plan, x.result)
    denominator = np.where(lower, x.result, x.plan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pct = numerator / denominator * 100.0
    pct[denominator == 0] = 100.0  # the ratio cannot be formed: a met plan scores 100
    pct = np.fmin(pct, x.cap)  # a NaN cap is no cap
    pct[np.isnan(x.result)] = 0.0  # due, not reported: 0 (rows not due are left out below)
    use = due & ~invalid & ~np.isnan(x.weight)
    codes, uniques = pd.factorize(x.project_id)
    n = len(uniques)
    total = np.bincount(codes[use], weights=(x.weight * pct)[use], minlength=n)
    weights = np.bincount(codes[use], weights=x.weight[use], minlength=n)
    average = np.full(n, np.nan)
    np.divide(total, weights, out=average, where=weights > 0)
    rounded = np.floor(np.round(average, 9) + 0.5)  # half up
    band = np.where(rounded >= 100, 0, np.where(rounded >= 50, 1, 2))
    band[np.isnan(average)] = 3
    first = np.ones(len(codes), dtype=bool)  # a project's first row: where the codes grow
    first[1:] = codes[1:] > np.maximum.accumulate(codes)[:-1]
    strategy_codes, strategies = pd.factorize(x.strategy[first])
    counts = np.bincount(strategy_codes * 4 + band, minlength=len(strategies) * 4)
    return average, band, np.asarray(strategies, dtype=object), counts.reshape(-1, 4)


def floor_agrees(floor: tuple, ev: object) -> None:
    """The floor and the engine give the same averages bit for bit, the same bands and the
    same counts per strategy; AssertionError otherwise."""
    average, band, strategies, counts = floor
    engine = ev.projects  # type: ignore[attr-defined]
    assert np.array_equal(average, engine["average_pct"].to_numpy(), equal_nan=True), (
        "floor and engine averages differ"
    )
    codes = {"green": 0, "yellow": 1, "red": 2, "grey": 3}
    assert (engine["band"].map(codes).to_numpy() == band).all(), "floor and engine bands differ"
    mine = {str(s): tuple(int(c) for c in row) for s, row in zip(strategies, counts, strict=True)}
    summary = ev.summary  # type: ignore[attr-defined]
    theirs = {
        str(r.strategy): (int(r.green), int(r.yellow), int(r.red), int(r.not_evaluated))
        for r in summary.itertuples()
    }
    assert mine == theirs, f"counts per strategy differ: {mine} != {theirs}"


def agreement(loop: dict[str, dict], projects: pd.DataFrame) -> float:
    """Largest difference between the loop's and the engine's project averages (NaN = NaN);
    raises AssertionError when they disagree on a band or on which projects are evaluated."""
    engine = projects.set_index("project_id")
    mine = pd.Series(loop["averages"], dtype="float64").reindex(engine.index)
    assert mine.isna().equals(engine["average_pct"].isna()), "evaluated projects differ"
    both = mine.notna()
    worst = float((mine[both] - engine.loc[both, "average_pct"]).abs().max() or 0.0)
    assert worst < 1e-9, f"project averages differ by {worst}"
    bands = pd.Series(loop["bands"]).reindex(engine.index)
    assert (bands == engine["band"]).all(), "bands differ"
    return worst


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def best_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def interleaved(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Best time of each, the runs taking turns: a burst of load from other processes on a
    shared machine then falls on both sides of a ratio alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            times[name].append(best_time(fn, 1))
    return {name: min(t) for name, t in times.items()}


def peak_mb(fn: Callable[[], object]) -> float:
    """tracemalloc's peak of Python allocations during one (untimed) run, in MB."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def maxrss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if platform.system() == "Darwin" else rss / 1024


class Results:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak: dict[str, float] = {}
        self.notes: list[str] = []

    def add(self, name: str, seconds: float, peak: float | None = None) -> None:
        self.seconds[name] = seconds
        if peak is not None:
            self.peak[name] = peak
        extra = f", peak {peak:,.1f} MB" if peak is not None else ""
        print(f"  {name:<34} {seconds:9.3f} s{extra}", flush=True)


# ---------------------------------------------------------------------------------------------
# 1. Scoring
# ---------------------------------------------------------------------------------------------


def bench_score(sizes: Sizes, results: Results, trace: bool) -> None:
    from sso_kpi.evaluation import evaluate

    frame = generate.indicators(sizes.score_rows)
    print(f"scoring: {len(frame):,} indicators, {frame['project_id'].nunique():,} projects")
    ev = evaluate(frame, 3)  # warm-up, and the engine's answer
    loop = score_loop(frame, 3)
    worst = agreement(loop, ev.projects)  # the correctness guards: not timings
    records = frame.to_dict("records")
    fast = pd.Series(score_records(records, 3)).reindex(ev.projects["project_id"])
    assert np.allclose(fast.to_numpy(), ev.projects["average_pct"].to_numpy(), equal_nan=True)
    typed = floor_input(frame, 3)
    floor_agrees(score_floor(typed), ev)
    results.notes.append(f"loop and engine agree: largest average difference {worst:.1e}")
    results.notes.append("numpy floor and engine agree exactly (averages, bands, counts)")

    # Tracing the row loop costs ~5× its run time: only where that stays short.
    trace_loop = trace and len(frame) <= 20_000
    results.add(
        "score_loop",
        best_time(lambda: score_loop(frame, 3), 1),
        peak_mb(lambda: score_loop(frame, 3)) if trace_loop else None,
    )
    best = interleaved(
        {
            "score_records_loop": lambda: score_records(records, 3),
            "numpy_floor": lambda: score_floor(typed),
            "engine": lambda: evaluate(frame, 3),
        },
        sizes.repeat,
    )
    results.add("score_records_loop", best["score_records_loop"])
    results.add("numpy_floor", best["numpy_floor"], peak_mb(lambda: score_floor(typed)))
    results.add("engine", best["engine"], peak_mb(lambda: evaluate(frame, 3)))


# ---------------------------------------------------------------------------------------------
# 1b. The Excel functions
# ---------------------------------------------------------------------------------------------


def excel_ranges(frame: pd.DataFrame) -> dict[str, list[list[object]]]:
    """tbl_kpi's columns as xlwings passes ranges with ``ndim=2``: lists of rows, None for a
    blank cell (the months left blank, as in a book typed by quarter)."""

    def rows(columns: list[str]) -> list[list[object]]:
        return generate.table_rows(frame, columns)

    return {
        "plan_q": rows(list(generate.PLAN_Q)),
        "result_q": rows(list(generate.RESULT_Q)),
        "months": [[None] * 12 for _ in range(len(frame))],
        "aggregation": rows(["aggregation"]),
        "direction": rows(["direction"]),
        "cap": rows(["cap"]),
        "project_id": rows(["project_id"]),
        "weight": rows(["weight"]),
    }


def udf_block(r: dict[str, list[list[object]]], quarter: float = 3.0) -> dict[str, object]:
    """The computed block of the entry sheet, formula by formula (``entry_sheet``)."""
    import udfs

    plan = udfs.SSO_PERIOD(r["plan_q"], r["months"], r["aggregation"], quarter)
    result = udfs.SSO_PERIOD(r["result_q"], r["months"], r["aggregation"], quarter)
    achievement = udfs.SSO_ACHIEVEMENT(plan, result, r["direction"], r["cap"], None)
    average = udfs.SSO_PROJECT_AVG(r["project_id"], achievement, r["weight"])
    return {
        "plan": plan,
        "result": result,
        "achievement": achievement,
        "status": udfs.SSO_STATUS(plan, result, r["direction"]),
        "band": udfs.SSO_BAND(achievement, 100.0, 50.0),
        "project_avg": average,
        "project_band": udfs.SSO_BAND(average, 100.0, 50.0),
    }


def bench_udfs(sizes: Sizes, results: Results) -> None:
    from sso_kpi.evaluation import evaluate

    frame = generate.indicators(sizes.udf_rows, seed=2021)
    ranges = excel_ranges(frame)
    print(f"udfs: the computed block over {len(frame):,} rows")
    block, ev = udf_block(ranges), evaluate(frame, 3)

    def column(grid: object) -> np.ndarray:
        return np.array([np.nan if row[0] is None else row[0] for row in grid], dtype=float)

    engine_pct = ev.kpis["achievement_pct"].to_numpy()
    assert np.allclose(column(block["achievement"]), engine_pct, equal_nan=True)
    per_row = ev.kpis["project_id"].map(ev.projects.set_index("project_id")["average_pct"])
    assert np.allclose(column(block["project_avg"]), per_row.to_numpy(float), equal_nan=True)
    assert [row[0] for row in block["band"]] == ev.kpis["band"].tolist()
    results.notes.append("UDF block and engine agree (achievements, bands, project averages)")
    best = interleaved(
        {"udf_block": lambda: udf_block(ranges), "engine_udf_rows": lambda: evaluate(frame, 3)},
        sizes.repeat,
    )
    results.add("udf_block", best["udf_block"])
    results.add("engine_udf_rows", best["engine_udf_rows"])


# ---------------------------------------------------------------------------------------------
# 2. Rebuild
# ---------------------------------------------------------------------------------------------


def raw_csv(frame: pd.DataFrame, path: Path) -> Path:
    """The generated plan as a planner's CSV (golden columns), for ``sso-kpi import``."""
    columns = [c for c in generate.COLUMNS if c != "cap"]
    frame[columns].to_csv(path, index=False, encoding="utf-8-sig")
    return path


def sso_book(path: Path, frame: pd.DataFrame, *, unit: str = "") -> Path:
    """A real SSO_Plan.xlsm (the builder's form) holding ``frame``, imported as a planner
    would (``sso-kpi import --replace``), and the unit's name in its settings."""
    from sso_app.bookimport import import_into
    from sso_app.build import build_workbook
    from sso_app.files.writing import backups_folder_for

    build_workbook(path, demo=False)
    path.with_suffix(".py").unlink(missing_ok=True)  # the builder's companion module
    if unit:
        set_unit(path, unit)
    csv = raw_csv(frame, path.with_suffix(".csv"))
    import_into(csv, path, "replace")
    csv.unlink()
    shutil.rmtree(backups_folder_for(path), ignore_errors=True)  # the empty book's version
    return path


def set_unit(book: Path, unit: str) -> None:
    """Type the unit's name into tbl_settings (openpyxl, VBA and ribbon kept)."""
    import openpyxl
    from openpyxl.utils import range_boundaries

    from sso_app.book import layout
    from sso_app.book.saving import customui_of, save_macro_book

    customui = customui_of(book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb[layout.SHEET_SETTINGS]
    min_col, min_row, _, max_row = range_boundaries(ws.tables[layout.TABLE_SETTINGS].ref)
    for row in range(min_row + 1, max_row + 1):
        if ws.cell(row=row, column=min_col).value == "unit":
            ws.cell(row=row, column=min_col + 1).value = unit
    tmp = book.with_name(book.stem + ".tmp.xlsm")
    save_macro_book(wb, tmp, customui)
    os.replace(tmp, book)


def bench_rebuild(sizes: Sizes, results: Results, work: Path, trace: bool) -> None:
    import openpyxl

    from sso_app.rebuild import rebuild

    trace = trace and sizes.trace_heavy
    start = time.perf_counter()
    frame = generate.indicators(sizes.rebuild_rows, seed=2021)
    book = sso_book(work / "SSO_Plan.xlsm", frame, unit="สำนักงานประกันสังคมจังหวัดสุโขทัย")
    copy = work / "roundtrip.xlsm"
    # Both sides time the same book: one already rebuilt, as a planner's book is after the
    # first press of the button (a fresh import has no monthly form and no summary yet, so
    # the round trip would otherwise time a smaller book on its first turn than later).
    rebuild(book, 3)
    made = time.perf_counter() - start
    print(
        f"rebuild: {len(frame):,} indicators, {book.stat().st_size / 1024:,.0f} KB "
        f"(built, imported and rebuilt once in {made:,.0f} s)"
    )

    def roundtrip() -> None:
        wb = openpyxl.load_workbook(book, keep_vba=True)
        wb.save(copy)

    pair = interleaved(
        {"openpyxl_roundtrip": roundtrip, "rebuild": lambda: rebuild(book, 3)},
        sizes.repeat_heavy,
    )
    results.add(
        "openpyxl_roundtrip", pair["openpyxl_roundtrip"], peak_mb(roundtrip) if trace else None
    )
    results.add("rebuild", pair["rebuild"], peak_mb(lambda: rebuild(book, 3)) if trace else None)


# ---------------------------------------------------------------------------------------------
# 3. Consolidation
# ---------------------------------------------------------------------------------------------


def unit_books(folder: Path, sizes: Sizes) -> list[Path]:
    """``sizes.units`` real unit workbooks: one built and imported, the rest copies of it
    with each unit's own name and figures written into tbl_kpi (openpyxl, VBA kept)."""
    import openpyxl
    from openpyxl.utils import range_boundaries

    from sso_app.book import layout
    from sso_app.book.saving import customui_of, save_macro_book

    folder.mkdir(parents=True, exist_ok=True)
    plan = generate.indicators(sizes.unit_rows, seed=2564)
    names = generate.unit_names(sizes.units)
    base = sso_book(folder / "unit_000.xlsm", generate.unit_copy(plan, 0), unit=names[0])
    customui = customui_of(base)
    paths = [base]
    columns = list(layout.KPI_TABLE_COLUMNS)
    for i in range(1, sizes.units):
        wb = openpyxl.load_workbook(base, keep_vba=True)
        ws = wb[layout.SHEET_SETTINGS]
        min_col, min_row, _, max_row = range_boundaries(ws.tables[layout.TABLE_SETTINGS].ref)
        for row in range(min_row + 1, max_row + 1):
            if ws.cell(row=row, column=min_col).value == "unit":
                ws.cell(row=row, column=min_col + 1).value = names[i]
        entry = wb[layout.SHEET_ENTRY]
        min_col, min_row, _, _ = range_boundaries(entry.tables[layout.TABLE_KPI].ref)
        copy = generate.unit_copy(plan, i)
        for name in (*generate.PLAN_Q, *generate.RESULT_Q):
            j = min_col + columns.index(name)
            for r, value in enumerate(copy[name].to_numpy(), start=min_row + 1):
                entry.cell(row=r, column=j).value = None if np.isnan(value) else float(value)
        budget = wb[layout.SHEET_BUDGET]
        min_col, min_row, _, max_row = range_boundaries(budget.tables[layout.TABLE_BUDGET].ref)
        money = generate.budget_rows(i)
        for k, r in enumerate(range(min_row + 1, min(max_row, min_row + len(money)) + 1)):
            budget.cell(row=r, column=min_col + 1).value = float(money["plan"].iloc[k])
            budget.cell(row=r, column=min_col + 2).value = float(money["spent"].iloc[k])
        path = folder / f"unit_{i:03d}.xlsm"
        save_macro_book(wb, path, customui)
        paths.append(path)
    return paths


def calamine_read_all(paths: list[Path]) -> int:
    """The bare read: every sheet of every file with python-calamine."""
    import python_calamine as calamine

    cells = 0
    for path in paths:
        book = calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += sum(len(r) for r in book.get_sheet_by_name(name).to_python())
    return cells


def bench_consolidate(sizes: Sizes, results: Results, work: Path, trace: bool) -> None:
    from sso_app.consolidate import consolidate
    from sso_app.national.intake import default_workers

    trace = trace and sizes.trace_heavy
    start = time.perf_counter()
    paths = unit_books(work / "units", sizes)
    made = time.perf_counter() - start
    size = sum(p.stat().st_size for p in paths) / 2**20
    print(
        f"consolidate: {len(paths)} unit workbooks × {sizes.unit_rows} indicators, "
        f"{size:,.1f} MB (made in {made:,.0f} s)"
    )
    output = work / "national.xlsx"
    report = consolidate([work / "units"], output, None)
    assert report.count("ok", "warnings") == len(paths), str(report)
    pair = interleaved(
        {
            "calamine_read_all": lambda: calamine_read_all(paths),
            "consolidate": lambda: consolidate([work / "units"], output, None),
        },
        sizes.repeat_heavy,
    )
    results.add(
        "calamine_read_all",
        pair["calamine_read_all"],
        peak_mb(lambda: calamine_read_all(paths)) if trace else None,
    )
    workers = default_workers(len(paths))
    results.add(
        "consolidate",
        pair["consolidate"],
        # One process when traced: tracemalloc does not see into worker processes.
        peak_mb(lambda: consolidate([work / "units"], output, None, workers=1)) if trace else None,
    )
    results.notes.append(f"consolidate read its files over {workers} process(es)")
    results.add(
        "consolidate_one_process",
        best_time(
            lambda: consolidate([work / "units"], output, None, workers=1), sizes.repeat_heavy
        ),
    )
    consolidate_stages(paths, work / "stages.xlsx", results)


def consolidate_stages(paths: list[Path], output: Path, results: Results) -> None:
    """Where one process's consolidation time goes, stage by stage (best of two)."""
    from sso_app.consolidate import write_projects_csv
    from sso_app.files.checks import check_workbook_file
    from sso_app.national import intake as c
    from sso_app.national.workbook import write_national_workbook
    from sso_kpi.consolidation import UnitReport, consolidate_units

    def stage(name: str, fn: Callable[[], object]) -> object:
        times, value = [], None
        for _ in range(2):
            start = time.perf_counter()
            value = fn()
            times.append(time.perf_counter() - start)
        results.add(f"stage_{name}", min(times))
        return value

    stage("safety_check", lambda: [check_workbook_file(p) for p in paths])
    stage("check_and_read", lambda: c.open_unit_files(paths, workers=1))

    def typed() -> tuple[list, int, str]:
        files = c.open_unit_files(paths, workers=1)
        year = c.keep_one_year(files)
        c.keep_newest_per_unit(files)
        start = time.perf_counter()
        c.import_kpis(files)
        c.import_budgets(files)
        typing.append(time.perf_counter() - start)
        return files, *year

    typing: list[float] = []
    files, year_be, year_kind = typed()
    typed()
    results.add("stage_typing", min(typing))
    reports = [UnitReport(f.unit, f.imported, f.budget) for f in files if f.usable]
    national = stage("scoring", lambda: consolidate_units(reports, None))
    stage(
        "national_workbook",
        lambda: write_national_workbook(
            output, national, files, year_be=year_be, year_kind=year_kind
        ),
    )
    stage("csv", lambda: write_projects_csv(output.with_suffix(".csv"), national))


# ---------------------------------------------------------------------------------------------
# 4. How cost grows
# ---------------------------------------------------------------------------------------------


def growth_factors(points: list[dict]) -> list[float]:
    """Time ratio of each step to the one before, per tenfold of the size."""
    out = []
    for before, after in itertools.pairwise(points):
        steps = math.log10(after["size"] / before["size"])
        out.append((after["seconds"] / before["seconds"]) ** (1 / steps))
    return out


def bench_score_growth(sizes: Sizes, results: Results) -> list[dict]:
    from sso_kpi.evaluation import evaluate

    points = []
    for n in sizes.score_growth:
        frame = generate.indicators(n, seed=7)
        evaluate(frame, 3)
        seconds = best_time(lambda frame=frame: evaluate(frame, 3), sizes.repeat)
        peak = peak_mb(lambda frame=frame: evaluate(frame, 3))
        points.append({"size": n, "seconds": seconds, "peak_mb": peak})
        results.add(f"growth_score_{n}", seconds, peak)
    return points


def renamed_copy(source: Path, target: Path, old: str, new: str) -> Path:
    """A copy of a unit's book under another unit's name, made by replacing the name's cell
    text in the sheets' XML (as UTF-8 or as the character references openpyxl writes): a
    thousand books in seconds, not the minutes openpyxl would take."""
    import zipfile

    forms = [
        (f">{old}<".encode(), f">{new}<".encode()),
        (
            b">" + old.encode("ascii", "xmlcharrefreplace") + b"<",
            b">" + new.encode("ascii", "xmlcharrefreplace") + b"<",
        ),
    ]
    replaced = 0
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/") or info.filename.endswith("Strings.xml"):
                for before, after in forms:
                    replaced += data.count(before)
                    data = data.replace(before, after)
            zout.writestr(info, data, compress_type=info.compress_type)
    assert replaced, f"{old} not found in {source.name}"
    return target


def growth_books(paths: list[Path], folder: Path, count: int) -> Path:
    """``count`` unit books in ``folder``: the bench's unit books, then renamed copies of them
    (each unit's figures, another unit's name) up to ``count``."""
    folder.mkdir(parents=True, exist_ok=True)
    names = generate.unit_names(max(count, len(paths)))
    for i in range(count):
        source = paths[i % len(paths)]
        target = folder / f"unit_{i:04d}.xlsm"
        if i < len(paths):
            shutil.copyfile(source, target)
        else:
            renamed_copy(source, target, names[i % len(paths)], names[i])
    return folder


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and all its descendants, in MB (Linux): memory
    shared by forked workers is counted once, split between them."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError, StopIteration):
            continue  # a worker that just ended
    return total / 1024


class PeakMemory:
    """The largest ``tree_pss_mb`` of this process seen while in the ``with`` block, sampled
    every 20 ms by a thread (None where /proc cannot tell)."""

    def __enter__(self) -> PeakMemory:
        import threading

        self.peak: float | None = None
        self._stop = threading.Event()
        if Path(f"/proc/{os.getpid()}/smaps_rollup").exists():
            self.peak = 0.0
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()
        return self

    def _watch(self) -> None:
        while True:
            self.peak = max(self.peak or 0.0, tree_pss_mb(os.getpid()))
            if self._stop.wait(0.02):
                return

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.peak is not None:
            self._thread.join()


def _consolidation_point(folder: str, output: str) -> None:
    """Run in a fresh process by :func:`bench_book_growth`: one consolidation, timed, and the
    peak memory of this process and its workers together, as one JSON line."""
    from sso_app.consolidate import consolidate

    with PeakMemory() as memory:
        start = time.perf_counter()
        report = consolidate([Path(folder)], Path(output), None)
        seconds = time.perf_counter() - start
    files = sum(1 for _ in Path(folder).glob("*.xlsm"))
    assert report.count("ok", "warnings") == files, str(report)
    if memory.peak is None:  # no /proc: the high-water marks, parent plus its largest child
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        memory.peak = maxrss_mb() + (
            child / 2**20 if platform.system() == "Darwin" else child / 1024
        )
    print(json.dumps({"seconds": seconds, "peak_mb": memory.peak}))


def bench_book_growth(sizes: Sizes, results: Results, work: Path) -> list[dict]:
    paths = sorted((work / "units").glob("*.xlsm"))
    points = []
    for count in sizes.book_growth:
        folder = growth_books(paths, work / f"growth_{count}", count)
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]); from bench.run import "
            "_consolidation_point as p; p(sys.argv[2], sys.argv[3])"
        )
        output = work / f"growth_{count}.xlsx"
        done = subprocess.run(
            [sys.executable, "-c", code, str(ROOT), str(folder), str(output)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        point = json.loads(done.stdout.strip().splitlines()[-1])
        points.append({"size": count, "seconds": point["seconds"], "peak_mb": point["peak_mb"]})
        results.add(f"growth_consolidate_{count}", point["seconds"], point["peak_mb"])
        shutil.rmtree(folder, ignore_errors=True)
    return points


def draw_growth(growth: dict[str, list[dict]], path: Path, title: str) -> Path:
    """Time and peak memory against size, log-log, with the linear slope for reference."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {"scoring": "indicators scored", "consolidation": "books consolidated"}
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), constrained_layout=True)
    for col, (name, points) in enumerate(growth.items()):
        x = [p["size"] for p in points]
        for row, (key, unit) in enumerate((("seconds", "s"), ("peak_mb", "MB"))):
            ax = axes[row][col]
            y = [p[key] for p in points]
            ax.loglog(x, y, "o-", label="measured")
            ax.loglog(x, [y[0] * v / x[0] for v in x], ":", color="grey", label="linear")
            for v, w in zip(x, y, strict=True):
                ax.annotate(f"{w:,.3g} {unit}", (v, w), textcoords="offset points", xytext=(4, 6))
            ax.set_xlabel(labels.get(name, name))
            ax.set_ylabel("time (s)" if key == "seconds" else "peak memory (MB)")
            ax.legend(loc="upper left")
    fig.suptitle(title)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def ratios(seconds: dict[str, float]) -> dict[str, float]:
    return {
        "engine_over_numpy_floor": seconds["engine"] / seconds["numpy_floor"],
        "records_loop_over_engine": seconds["score_records_loop"] / seconds["engine"],
        "iterrows_loop_over_engine": seconds["score_loop"] / seconds["engine"],
        "rebuild_over_openpyxl_roundtrip": seconds["rebuild"] / seconds["openpyxl_roundtrip"],
        "consolidate_over_calamine_read": seconds["consolidate"] / seconds["calamine_read_all"],
        "consolidate_one_process_over_calamine_read": seconds["consolidate_one_process"]
        / seconds["calamine_read_all"],
        "udf_block_over_engine": seconds["udf_block"] / seconds["engine_udf_rows"],
    }


def met(name: str, value: float) -> bool:
    op, goal = GOALS[name]
    return value >= goal if op == ">=" else value <= goal


def machine() -> str:
    """The machine a run was measured on, and how busy it was (load average at the start)."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    return f"{os.cpu_count()} CPUs ({model}), {platform.system()}{load}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer rows and files (< 3 min)")
    mode.add_argument("--tiny", action="store_true", help="a few rows: proves it runs (tests)")
    p.add_argument("--json", action="store_true", help="last line: one JSON object")
    p.add_argument("--no-trace", action="store_true", help="skip the tracemalloc runs")
    p.add_argument(
        "--out", type=Path, help="write bench.json and growth.png here (full run: bench/results)"
    )
    args = p.parse_args(argv)
    name = (
        "tiny"
        if args.tiny or os.environ.get("SSO_BENCH_TINY")
        else ("quick" if args.quick else "full")
    )
    out = args.out or (ROOT / "bench" / "results" if name == "full" else None)
    sizes = SIZES[name]
    trace = not args.no_trace
    where = machine()
    print(
        f"sso-kpi bench ({name}): Python {platform.python_version()}, pandas "
        f"{pd.__version__}, {where}"
    )

    results = Results()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sso-bench-") as tmp:
        work = Path(tmp)
        bench_score(sizes, results, trace)
        bench_udfs(sizes, results)
        (work / "rebuild").mkdir()
        bench_rebuild(sizes, results, work / "rebuild", trace)
        bench_consolidate(sizes, results, work, trace)
        print("growth:")
        growth = {
            "scoring": bench_score_growth(sizes, results),
            "consolidation": bench_book_growth(sizes, results, work),
        }
        shutil.rmtree(work, ignore_errors=True)

    r = ratios(results.seconds)
    r["scoring_growth_per_tenfold"] = max(growth_factors(growth["scoring"]))
    r["consolidation_growth_per_tenfold"] = max(growth_factors(growth["consolidation"]))
    r["consolidation_largest_peak_mb"] = growth["consolidation"][-1]["peak_mb"]
    print("ratios:")
    for key, value in r.items():
        goal = GOALS.get(key)
        verdict = (
            ""
            if goal is None
            else f"  goal {goal[0]} {goal[1]:g}: " + ("met" if met(key, value) else "MISSED")
        )
        print(f"  {key:<44} {value:8.2f}{verdict}")
    for kind, points in growth.items():
        steps = ", ".join(f"{f:.1f}×" for f in growth_factors(points))
        print(f"  {kind} growth per tenfold: {steps}")
    for note in results.notes:
        print(f"  {note}")
    total = time.perf_counter() - started
    print(f"max RSS {maxrss_mb():,.0f} MB; total {total:,.1f} s")
    report = {
        "mode": name,
        "machine": where,
        "ratios": {k: round(v, 3) for k, v in r.items()},
        "seconds": {k: round(v, 4) for k, v in results.seconds.items()},
        "peak_mb": {k: round(v, 1) for k, v in results.peak.items()}
        | {"max_rss": round(maxrss_mb(), 1)},
        "growth": {
            kind: [{k: round(v, 4) for k, v in point.items()} for point in points]
            for kind, points in growth.items()
        },
        "goals": {k: f"{op} {g:g}" for k, (op, g) in GOALS.items()},
        "met": {k: met(k, r[k]) for k in GOALS},
        "total_seconds": round(total, 1),
    }
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report, ensure_ascii=False, indent=1)
        (out / "bench.json").write_text(text + "\n", encoding="utf-8")
        draw_growth(growth, out / "growth.png", f"sso-kpi bench ({name}), {where}")
        print(f"wrote {out / 'bench.json'} and {out / 'growth.png'}")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
