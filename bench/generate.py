"""Realistic, deterministic action-plan data for benchmarks and tests.

Modelled on the FY2564 Q3 action plan (``sso_app/data/golden/sso_2564_q3_strategy1.csv``): the
names, responsible units and units of count are drawn from it; the shape follows it too:

- strategies → sub-strategies (1.1 … 1.10) → projects of 1–6 indicators, in the golden
  proportions (35 of 57 projects have one indicator, 12 two, 6 three, then 2, 1, 1);
- weights per project summing to 100;
- percentages (ร้อยละ, ระดับ) planned as a level each quarter, counts as a cumulative target;
- some indicators only fall due from Q2–Q4, some are never due (narrative rows);
- results around plan with a long tail (the report prints 1,937%), some due results blank
  (not reported), nothing for Q4 (the report is a Q3 one).

Everything is seeded: the same arguments give the same frame, so timings compare runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sso_app.book.layout import BUDGET_CATEGORIES
from sso_app.files.packaged import DEMO_KPIS
from sso_kpi import schema

GOLDEN = DEMO_KPIS  # the published table the package carries

PLAN_Q = list(schema.PLAN_Q)
RESULT_Q = list(schema.RESULT_Q)
TEXT = [*schema.TEXT_COLUMNS, "direction", "aggregation"]
COLUMNS = [*schema.KPI_COLUMNS, "direction", "aggregation", "cap"]
KPIS_PER_PROJECT = np.array([1, 2, 3, 4, 5, 6])
KPIS_PER_PROJECT_P = np.array([35, 12, 6, 2, 1, 1]) / 57
LEVEL_UNITS = schema.LATEST_VALUE_UNITS  # levels and percentages: monthly figure = latest
FUNDS = (("SSF", "กองทุนประกันสังคม", 0.8), ("WCF", "กองทุนเงินทดแทน", 0.2))
KINDS = schema.KINDS
PROVINCES = (
    "กรุงเทพมหานครพื้นที่ 1", "กรุงเทพมหานครพื้นที่ 2", "กรุงเทพมหานครพื้นที่ 3", "สมุทรปราการ",
    "นนทบุรี", "ปทุมธานี", "พระนครศรีอยุธยา", "อ่างทอง", "ลพบุรี", "สิงห์บุรี", "ชัยนาท",
    "สระบุรี", "ชลบุรี", "ระยอง", "จันทบุรี", "ตราด", "ฉะเชิงเทรา", "ปราจีนบุรี", "นครนายก",
    "สระแก้ว", "นครราชสีมา", "บุรีรัมย์", "สุรินทร์", "ศรีสะเกษ", "อุบลราชธานี", "ยโสธร",
    "ชัยภูมิ", "อำนาจเจริญ", "หนองบัวลำภู", "ขอนแก่น", "อุดรธานี", "เลย", "หนองคาย",
    "มหาสารคาม", "ร้อยเอ็ด", "กาฬสินธุ์", "สกลนคร", "นครพนม", "มุกดาหาร", "เชียงใหม่",
    "ลำพูน", "ลำปาง", "อุตรดิตถ์", "แพร่", "น่าน", "พะเยา", "เชียงราย", "แม่ฮ่องสอน",
    "นครสวรรค์", "อุทัยธานี", "กำแพงเพชร", "ตาก", "สุโขทัย", "พิษณุโลก", "พิจิตร",
    "เพชรบูรณ์", "ราชบุรี", "กาญจนบุรี", "สุพรรณบุรี", "นครปฐม", "สมุทรสาคร", "สมุทรสงคราม",
    "เพชรบุรี", "ประจวบคีรีขันธ์", "นครศรีธรรมราช", "กระบี่", "พังงา", "ภูเก็ต",
    "สุราษฎร์ธานี", "ระนอง", "ชุมพร", "สงขลา", "สตูล", "ตรัง", "พัทลุง", "ปัตตานี", "ยะลา",
    "นราธิวาส", "บึงกาฬ",
)  # fmt: skip


def golden_vocabulary() -> dict[str, list[str]]:
    """Names, units and units of count as the office writes them (from the golden table)."""
    raw = pd.read_csv(GOLDEN, dtype=str, keep_default_na=False)
    return {
        "project_name": sorted(set(raw["project_name"]) - {""}),
        "kpi_name": sorted(set(raw["kpi_name"]) - {""}),
        "unit": sorted(set(raw["unit"]) - {""}),
        "count_unit": raw["count_unit"][raw["count_unit"] != ""].tolist(),  # with frequencies
    }


def _aggregation(count_unit: np.ndarray) -> np.ndarray:
    return np.where(np.isin(count_unit, LEVEL_UNITS), "last", "sum").astype(object)


def indicators(n: int, *, seed: int = 2564, strategies: int = 4) -> pd.DataFrame:
    """A typed action plan of about ``n`` indicators (exactly ``n`` rows).

    Columns: those of the golden table up to ``result_q4`` plus ``direction``,
    ``aggregation``, ``cap`` and ``source_row``, typed as ``read_table`` types them
    (text as object, numbers as float64), so ``evaluate`` takes it as it is.
    """
    rng = np.random.default_rng(seed)
    vocab = golden_vocabulary()

    sizes = rng.choice(KPIS_PER_PROJECT, size=n, p=KPIS_PER_PROJECT_P)
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n) + 1]
    sizes[-1] -= sizes.sum() - n  # trim the last project so there are exactly n rows
    n_projects = len(sizes)
    project = np.repeat(np.arange(n_projects), sizes)
    kpi_number = np.concatenate([np.arange(1, s + 1) for s in sizes]).astype(str)

    fund_pick = rng.choice(len(FUNDS), size=n_projects, p=[f[2] for f in FUNDS])
    strategy = np.sort(rng.integers(1, strategies + 1, size=n_projects))
    sub = rng.integers(1, 11, size=n_projects)
    substrategy = np.char.add(np.char.add(strategy.astype(str), "."), sub.astype(str))
    number_in_fund = pd.Series(fund_pick).groupby(fund_pick).cumcount().to_numpy() + 1
    prefix = np.array([FUNDS[i][0] for i in fund_pick])
    project_id = np.char.add(np.char.add(prefix, "-"), np.char.zfill(number_in_fund.astype(str), 3))
    budget = np.where(
        rng.random(n_projects) < 0.35, np.nan, np.round(10 ** rng.uniform(4.5, 9, n_projects))
    )
    names = np.array(vocab["project_name"], dtype=object)[
        rng.integers(0, len(vocab["project_name"]), n_projects)
    ]
    responsible = np.array(vocab["unit"], dtype=object)[
        rng.integers(0, len(vocab["unit"]), n_projects)
    ]

    count_unit = np.array(vocab["count_unit"], dtype=object)[
        rng.integers(0, len(vocab["count_unit"]), n)
    ]
    level = np.isin(count_unit, LEVEL_UNITS)
    raw_weight = rng.integers(1, 10, size=n).astype(float)
    weight_sum = pd.Series(raw_weight).groupby(project).transform("sum").to_numpy()
    weight = np.round(raw_weight / weight_sum * 100)
    # The last indicator takes the rounding remainder: weights sum to 100 as planners type them.
    last = np.r_[project[1:] != project[:-1], True]
    weight[last] += 100 - pd.Series(weight).groupby(project).transform("sum").to_numpy()[last]

    # Plans: a level each quarter (percentages) or a cumulative share of the year's target.
    target = np.where(level, rng.integers(50, 100, n), np.round(10 ** rng.uniform(0, 6, n)))
    first_due = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.62, 0.13, 0.1, 0.08, 0.07])
    quarters = np.arange(1, 5)
    due = quarters[None, :] >= first_due[:, None]
    share = np.where(level[:, None], 1.0, quarters[None, :] / 4)
    plans = np.where(due, np.round(target[:, None] * share, 2), np.nan)

    # Results: around plan with a long tail; some due results missing; no Q4 yet.
    ratio = rng.lognormal(mean=0.0, sigma=0.3, size=(n, 1)) * rng.normal(1, 0.05, (n, 4))
    tail = rng.random(n) < 0.02
    ratio[tail] *= rng.uniform(3, 20, size=(tail.sum(), 1))
    low = rng.random(n) < 0.08
    ratio[low] *= rng.uniform(0.1, 0.5, size=(low.sum(), 1))
    results = np.round(plans * ratio, 2)
    results[rng.random((n, 4)) < 0.06] = np.nan
    results[:, 3] = np.nan
    direction = np.where(rng.random(n) < 0.03, "lower", "higher").astype(object)

    frame = pd.DataFrame(
        {
            "source_row": np.arange(n) + 2,
            "project_id": project_id[project].astype(object),
            "fund": np.array([FUNDS[i][1] for i in fund_pick], dtype=object)[project],
            "strategy": strategy[project].astype(str).astype(object),
            "substrategy": substrategy[project].astype(object),
            "kind": np.array(KINDS, dtype=object)[rng.integers(0, 3, n_projects)][project],
            "project_number": (np.arange(n_projects) + 1)[project].astype(str).astype(object),
            "project_name": names[project],
            "unit": responsible[project],
            "budget": budget[project],
            "kpi_number": kpi_number.astype(object),
            "kpi_name": np.array(vocab["kpi_name"], dtype=object)[
                rng.integers(0, len(vocab["kpi_name"]), n)
            ],
            "target": target.astype(float),
            "weight": weight,
            "count_unit": count_unit,
        }
    )
    frame[PLAN_Q] = plans
    frame[RESULT_Q] = results
    frame["direction"] = direction
    frame["aggregation"] = _aggregation(count_unit)
    frame["cap"] = np.nan
    return frame


def unit_copy(plan: pd.DataFrame, unit_index: int, *, seed: int = 2564) -> pd.DataFrame:
    """One province's copy of the national plan: same indicators, its own size and results.

    Counts scale with the province (a big province plans more cases); levels stay levels.
    Every 17th unit has typed no results at all (it has not reported).
    """
    rng = np.random.default_rng(seed * 1000 + unit_index)
    out = plan.copy()
    level = out["aggregation"].to_numpy() == "last"
    size = rng.uniform(0.2, 3.0)
    scale = np.where(level, 1.0, size)[:, None]
    out[PLAN_Q] = np.round(out[PLAN_Q].to_numpy() * scale, 2)
    ratio = rng.lognormal(0, 0.25, size=(len(out), 1)) * rng.normal(1, 0.05, (len(out), 4))
    results = np.round(out[PLAN_Q].to_numpy() * ratio, 2)
    results[rng.random(results.shape) < 0.05] = np.nan
    results[:, 3] = np.nan
    if unit_index % 17 == 16:
        results[:] = np.nan
    out[RESULT_Q] = results
    return out


def budget_rows(unit_index: int, *, seed: int = 2564) -> pd.DataFrame:
    """A unit's budget by category (plan, spent so far), unit report 2563 style."""
    rng = np.random.default_rng(seed * 7 + unit_index)
    plan = np.round(10 ** rng.uniform(5, 7.5, len(BUDGET_CATEGORIES)), 2)
    spent = np.round(plan * rng.uniform(0.3, 1.0, len(plan)), 2)
    return pd.DataFrame({"category": list(BUDGET_CATEGORIES), "plan": plan, "spent": spent})


def unit_names(n: int) -> list[str]:
    """``n`` distinct provincial office names (สำนักงานประกันสังคมจังหวัด …, then สาขา)."""
    names = [f"สำนักงานประกันสังคมจังหวัด{p}" for p in PROVINCES]
    names += [f"สำนักงานประกันสังคมจังหวัด{p} สาขา {i}" for i in range(2, 20) for p in PROVINCES]
    return names[:n]


def table_rows(frame: pd.DataFrame, columns: list[str]) -> list[list[object]]:
    """Rows for a sheet: NaN → None, numpy scalars → Python ones."""
    values = frame.reindex(columns=columns).astype(object)
    values = values.where(values.notna(), None)
    return values.to_numpy().tolist()


def write_unit_workbook(
    path: Path,
    *,
    unit: str,
    kpis: pd.DataFrame,
    budget: pd.DataFrame | None = None,
    year_be: int = 2564,
    year_kind: str = "calendar",
    schema_version: str | None = "2",  # layout.SCHEMA_VERSION
) -> Path:
    """A minimal SSO workbook (.xlsx): tbl_settings, tbl_kpi and tbl_budget as the layout
    names them, without the builder's VBA and summary sheets. For tests and benchmarks that
    need many unit files quickly; the real form comes from ``sso_app.build``."""
    import openpyxl
    from openpyxl.worksheet.table import Table

    from sso_app.book import layout

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = layout.SHEET_SETTINGS
    ws.append(["key", "value", "description"])
    settings = {"schema_version": schema_version, "unit": unit, "year_be": year_be}
    settings |= {"year_kind": year_kind, "quarter": 3}
    for key, value in settings.items():
        if value is not None:
            ws.append([key, value, key])
    ws.add_table(Table(displayName=layout.TABLE_SETTINGS, ref=f"A1:C{ws.max_row}"))

    entry = wb.create_sheet(layout.SHEET_ENTRY)
    columns = list(layout.KPI_TABLE_COLUMNS)
    top = layout.ENTRY_HEADER_ROW
    entry.cell(row=1, column=1, value=f"แผน-ผล {unit}")
    for j, column in enumerate(columns, start=1):
        entry.cell(row=top, column=j, value=column)
    for i, row in enumerate(table_rows(kpis, columns), start=top + 1):
        for j, value in enumerate(row, start=1):
            if value is not None:
                cell = entry.cell(row=i, column=j, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # a name like "=HYPERLINK(...)" stays text
    last = top + max(len(kpis), 1)
    letter = openpyxl.utils.get_column_letter(len(columns))
    entry.add_table(Table(displayName=layout.TABLE_KPI, ref=f"A{top}:{letter}{last}"))

    if budget is not None:
        money = wb.create_sheet(layout.SHEET_BUDGET)
        money.append(list(layout.BUDGET_TABLE_COLUMNS))
        for row in table_rows(budget, list(layout.BUDGET_TABLE_COLUMNS)):
            money.append(row)
        ref = f"A1:C{max(len(budget), 1) + 1}"
        money.add_table(Table(displayName=layout.TABLE_BUDGET, ref=ref))
    wb.save(path)
    return Path(path)
