"""Benchmarks, side by side in one run: ``python bench/run.py [--quick|--tiny] [--json]``.

Three ratios, each against the cheapest honest baseline for the same job on the same data:

``score_loop_over_vectorised`` (goal ≥ 20)
    The scoring rules as a naive per-row loop (``score_loop``: ``for _, row in
    frame.iterrows(): …``, running sums per project in dicts, as a first implementation or a
    VBA macro would do it) over ``sso_kpi.evaluation.evaluate`` on the same 100,000 generated
    indicators. Both must give the same project averages (checked here, every run). The
    same loop over plain dicts (``score_records``) is timed too, so the ratio is not oversold.
``rebuild_over_openpyxl_roundtrip`` (goal ≤ 2.5)
    ``sso_app.rebuild.rebuild`` of a 5,000-indicator SSO_Plan.xlsm over a bare
    ``openpyxl.load_workbook(keep_vba=True)`` + ``save`` of the same file: what the rebuild
    costs beyond the openpyxl round trip it cannot avoid.
``consolidate_over_calamine_read`` (goal ≤ 2.0)
    ``sso_app.consolidate.consolidate`` of 100 unit workbooks of 200 indicators over a bare
    python-calamine read of every sheet of the same files: what checking, scoring and
    writing the national workbook cost beyond reading. The files are read over one worker
    process per core (``default_workers``), as the command does; the same run in one
    process is timed too (``consolidate_one_process``), and that run stage by stage
    (``stage_*``: safety check, check and read, typing, scoring, national workbook, CSV).

Times are the best of a few runs (``time.perf_counter``); peak memory is tracemalloc's peak
of Python allocations in a separate traced run (tracing slows code down, so it is never
timed), plus the process's maximum resident set size at the end. With ``--json`` the last
line of stdout is one JSON object: ``ratios``, ``seconds``, ``peak_mb``, ``goals``, ``met``.

The bench asserts correctness (the loop and the engine agree), never timings.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import shutil
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
    "score_loop_over_vectorised": (">=", 20.0),
    "rebuild_over_openpyxl_roundtrip": ("<=", 2.5),
    "consolidate_over_calamine_read": ("<=", 2.0),
}


@dataclass(frozen=True)
class Sizes:
    score_rows: int
    rebuild_rows: int
    units: int
    unit_rows: int
    repeat: int  # timed runs of the cheap steps (best of)
    repeat_heavy: int  # of rebuild and consolidate
    trace_heavy: bool  # tracemalloc runs of rebuild and consolidate (slow: ~3× the run)


SIZES = {
    "full": Sizes(100_000, 5_000, 100, 200, repeat=3, repeat_heavy=2, trace_heavy=True),
    "quick": Sizes(20_000, 5_000, 20, 200, repeat=3, repeat_heavy=1, trace_heavy=False),
    "tiny": Sizes(400, 60, 3, 30, repeat=1, repeat_heavy=1, trace_heavy=True),
}

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
    worst = agreement(loop, ev.projects)  # the correctness guard: not a timing
    records = frame.to_dict("records")
    fast = pd.Series(score_records(records, 3)).reindex(ev.projects["project_id"])
    assert np.allclose(fast.to_numpy(), ev.projects["average_pct"].to_numpy(), equal_nan=True)
    results.notes.append(f"loop and engine agree: largest average difference {worst:.1e}")

    # Tracing the row loop costs ~5× its run time: only where that stays short.
    trace_loop = trace and len(frame) <= 20_000
    results.add(
        "score_loop",
        best_time(lambda: score_loop(frame, 3), 1),
        peak_mb(lambda: score_loop(frame, 3)) if trace_loop else None,
    )
    results.add("score_records_loop", best_time(lambda: score_records(records, 3), sizes.repeat))
    results.add(
        "score_vectorised",
        best_time(lambda: evaluate(frame, 3), sizes.repeat),
        peak_mb(lambda: evaluate(frame, 3)) if trace else None,
    )


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
    made = time.perf_counter() - start
    print(
        f"rebuild: {len(frame):,} indicators, {book.stat().st_size / 1024:,.0f} KB "
        f"(built and imported in {made:,.0f} s)"
    )

    def roundtrip() -> None:
        wb = openpyxl.load_workbook(book, keep_vba=True)
        wb.save(copy)

    results.add(
        "openpyxl_roundtrip",
        best_time(roundtrip, sizes.repeat_heavy),
        peak_mb(roundtrip) if trace else None,
    )
    results.add(
        "rebuild",
        best_time(lambda: rebuild(book, 3), sizes.repeat_heavy),
        peak_mb(lambda: rebuild(book, 3)) if trace else None,
    )


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
    results.add(
        "calamine_read_all",
        best_time(lambda: calamine_read_all(paths), max(sizes.repeat_heavy, 2)),
        peak_mb(lambda: calamine_read_all(paths)) if trace else None,
    )
    workers = default_workers(len(paths))
    results.add(
        "consolidate",
        best_time(lambda: consolidate([work / "units"], output, None), sizes.repeat_heavy),
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
# Main
# ---------------------------------------------------------------------------------------------


def ratios(seconds: dict[str, float]) -> dict[str, float]:
    return {
        "score_loop_over_vectorised": seconds["score_loop"] / seconds["score_vectorised"],
        "score_records_loop_over_vectorised": seconds["score_records_loop"]
        / seconds["score_vectorised"],
        "rebuild_over_openpyxl_roundtrip": seconds["rebuild"] / seconds["openpyxl_roundtrip"],
        "consolidate_over_calamine_read": seconds["consolidate"] / seconds["calamine_read_all"],
        "consolidate_one_process_over_calamine_read": seconds["consolidate_one_process"]
        / seconds["calamine_read_all"],
    }


def met(name: str, value: float) -> bool:
    op, goal = GOALS[name]
    return value >= goal if op == ">=" else value <= goal


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer rows and files (< 2 min)")
    mode.add_argument("--tiny", action="store_true", help="a few rows: proves it runs (tests)")
    p.add_argument("--json", action="store_true", help="last line: one JSON object")
    p.add_argument("--no-trace", action="store_true", help="skip the tracemalloc runs")
    args = p.parse_args(argv)
    name = (
        "tiny"
        if args.tiny or os.environ.get("SSO_BENCH_TINY")
        else ("quick" if args.quick else "full")
    )
    sizes = SIZES[name]
    trace = not args.no_trace
    print(
        f"sso-kpi bench ({name}): Python {platform.python_version()}, pandas "
        f"{pd.__version__}, {os.cpu_count()} CPUs"
    )

    results = Results()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sso-bench-") as tmp:
        work = Path(tmp)
        bench_score(sizes, results, trace)
        (work / "rebuild").mkdir()
        bench_rebuild(sizes, results, work / "rebuild", trace)
        bench_consolidate(sizes, results, work, trace)
        shutil.rmtree(work, ignore_errors=True)

    r = ratios(results.seconds)
    print("ratios:")
    for key, value in r.items():
        goal = GOALS.get(key)
        verdict = (
            ""
            if goal is None
            else f"  goal {goal[0]} {goal[1]:g}: " + ("met" if met(key, value) else "MISSED")
        )
        print(f"  {key:<44} {value:8.2f}{verdict}")
    for note in results.notes:
        print(f"  {note}")
    total = time.perf_counter() - started
    print(f"max RSS {maxrss_mb():,.0f} MB; total {total:,.1f} s")
    if args.json:
        print(
            json.dumps(
                {
                    "mode": name,
                    "ratios": {k: round(v, 3) for k, v in r.items()},
                    "seconds": {k: round(v, 4) for k, v in results.seconds.items()},
                    "peak_mb": {k: round(v, 1) for k, v in results.peak.items()}
                    | {"max_rss": round(maxrss_mb(), 1)},
                    "goals": {k: f"{op} {g:g}" for k, (op, g) in GOALS.items()},
                    "met": {k: met(k, r[k]) for k in GOALS},
                    "total_seconds": round(total, 1),
                },
                ensure_ascii=False,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
