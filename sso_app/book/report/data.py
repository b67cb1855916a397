"""What the report prints, as frames: read once from a unit's book or a national one.

Every figure is the engine's (``SsoBook.evaluation``: achievement, project average, band,
per-strategy counts); this module only selects, counts and rounds the way the report does:
integer per cents in the detail pages, two decimals on page 2 ("คิดเป็นร้อยละ 67.88").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sso_app.book import layout
from sso_app.book.opening import NATIONAL, UNIT, SsoBook, open_sso_book
from sso_app.book.settings import Settings
from sso_kpi.consolidation import UNIT_KEY
from sso_kpi.errors import Issue
from sso_kpi.evaluation import Evaluation, red_and_missing
from sso_kpi.importing import canonical_frame
from sso_kpi.periods import THAI_MONTHS_LONG, calendar_month, months_through
from sso_kpi.rollup import quarter_values
from sso_kpi.scoring import GREEN, RED, YELLOW, natural_key
from sso_kpi.values import round_half_up

ROUTINE = "งานประจำ"  # the report counts งานประจำ apart from โครงการ (เดิม and ใหม่)
KIND_ORDER = {"งานประจำ": 0, "โครงการเดิม": 1, "โครงการใหม่": 2}

# The strategies of the office's 3-year action plan (พ.ศ. 2563 – 2565), as the FY2564 report
# names them; a book may name its own in a ``strategy_name`` column.
STRATEGY_NAMES = {
    (2563, 2565): {
        "1": "สร้างความครอบคลุมการดูแลบริการและสิทธิประโยชน์ของวัยแรงงานทุกกลุ่มและทุกคน",
        "2": "พัฒนานวัตกรรมทำให้บริการและการเข้าถึงกลุ่มแรงงานที่มีความต้องการเฉพาะ",
        "3": "ออกแบบและพัฒนาบริการ พร้อมกับสิทธิประโยชน์ เพื่อเตรียมความพร้อมและยกระดับคุณภาพชีวิตของกลุ่มผู้สูงอายุ",
        "4": "เชื่อมโยงสังคมแรงงาน ด้วยเครือข่ายดิจิทัล และเครือข่ายการสื่อสาร "
        "เพื่อสร้างการเข้าถึงและให้บริการเชิงรุกแก่ทุกคน",
        "5": "ปฏิรูปองค์กรให้ก้าวทันต่อการเปลี่ยนแปลง เพื่อให้บริการได้เต็มศักยภาพ",
    }
}

# Text columns a book may carry beside the numbers (issue 12 adds them to tbl_kpi); each is
# read when present under any of these headers, never required.
TEXT_FIELDS = {
    "remark": ("remark", "remarks", "note", "หมายเหตุ"),
    "problems": ("problems", "obstacles", "problem", "ปัญหาอุปสรรค", "ปัญหา/อุปสรรค", "ปัญหา"),
    "solutions": (
        "solutions",
        "remedies",
        "solution",
        "แนวทางแก้ไข",
        "แนวทางการแก้ไข",
        "แนวทางแก้ไขปัญหา",
    ),
    "strategy_name": ("strategy_name", "ชื่อยุทธศาสตร์"),
    "substrategy_name": ("substrategy_name", "ชื่อกลยุทธ์"),
    "reporting_units": ("reporting_units",),
}


@dataclass
class ReportData:
    """A book's settings, its evaluation, the texts beside its numbers and, for a national
    book, the units' tables the consolidation wrote."""

    settings: Settings
    evaluation: Evaluation
    national: bool
    texts: pd.DataFrame  # TEXT_FIELDS columns, indexed like evaluation.kpis
    n_units: int = 1
    units_not_reported: pd.DataFrame = field(default_factory=pd.DataFrame)
    ranking: pd.DataFrame = field(default_factory=pd.DataFrame)
    budget: pd.DataFrame = field(default_factory=pd.DataFrame)  # category, plan, spent
    budget_units: pd.DataFrame = field(default_factory=pd.DataFrame)  # national, per unit
    budget_detail: pd.DataFrame = field(default_factory=pd.DataFrame)  # per unit, category
    errors: list[Issue] = field(default_factory=list)  # rows left out of the report
    attention: pd.DataFrame = field(default_factory=pd.DataFrame)  # the yearly cycle's

    @property
    def quarter(self) -> int:
        return self.evaluation.quarter

    @property
    def unit_line(self) -> str:
        unit = self.settings.unit or "-"
        if self.national:
            return f"{unit} รวมจาก {self.n_units} หน่วยงาน"
        return f"หน่วยงาน: {unit}"


def _table(opened: SsoBook, name: str) -> pd.DataFrame:
    if not opened.has_table(name):
        return pd.DataFrame()
    frame = opened.table(name).frame()
    keep = frame.apply(lambda r: any(v not in (None, "") for v in r), axis=1)
    return frame[keep].reset_index(drop=True) if len(frame) else frame


def _texts(opened: SsoBook, index: pd.Index) -> pd.DataFrame:
    """The text columns of the indicator table, lined up with the typed rows (the engine's
    reader keeps the raw frame's index)."""
    name = layout.TABLE_KPI if opened.kind == UNIT else layout.NATIONAL_KPI_TABLE
    raw = canonical_frame(opened.table(name).frame())
    raw.columns = [str(c) for c in raw.columns]
    out = pd.DataFrame(index=index)
    for key, headers in TEXT_FIELDS.items():
        found = next((h for h in headers if h in raw.columns), None)
        values = raw[found].reindex(index) if found else pd.Series("", index=index)
        out[key] = values.map(lambda v: "" if v is None or v != v else str(v).strip())
    return out


def read_report_data(book: Path, quarter: int | None) -> ReportData:
    """Open ``book`` (a unit's SSO_Plan book or a national one) through ``open_sso_book``
    and evaluate it at the quarter the one rule picks."""
    opened = open_sso_book(Path(book), kinds=(UNIT, NATIONAL))
    evaluation = opened.evaluation(quarter)
    texts = _texts(opened, evaluation.kpis.index)
    data = ReportData(opened.settings, evaluation, opened.kind == NATIONAL, texts)
    data.errors = list(opened.kpis().errors)
    data.attention = cycle_attention(opened, evaluation)
    if not data.national:
        data.budget = opened.data.budget
        return data
    missing = _table(opened, "tbl_not_reported")
    if len(missing):
        missing = missing.reindex(columns=["unit", "file", "reason_th"]).fillna("")
    data.units_not_reported = missing
    data.ranking = _table(opened, "tbl_units")
    if len(data.ranking):
        data.n_units = int(data.ranking[UNIT_KEY].astype(str).str.strip().ne("").sum())
    data.budget_units = _table(opened, "tbl_budget_units")
    data.budget_detail = _table(opened, "tbl_budget_detail")
    return data


def cycle_attention(opened: SsoBook, evaluation: Evaluation) -> pd.DataFrame:
    """Rows of the yearly cycle's attention page (who, status, detail): a national book's
    units not plainly ส่งแล้ว (its การส่งผล sheet), then every indicator or project carrying
    a cancellation mark (ยกเลิกในไตรมาส N, ยกเลิกแผนงาน)."""
    rows: list[dict] = []
    if opened.has_table(layout.TABLE_CYCLE_UNITS):
        units = opened.table(layout.TABLE_CYCLE_UNITS).frame().fillna("")
        for _, u in units.iterrows():
            if str(u.get("statuses", "")).strip() not in ("", "ส่งแล้ว"):
                detail = [f"ส่งเมื่อ {u['submitted_at']}" if u.get("submitted_at") else ""]
                counts = (("n_changed_after", "แก้ไขหลังส่ง"), ("n_plan_changed", "แผนไม่ตรง"))
                detail += [
                    f"{th} {u[k]} ช่อง"
                    for k, th in counts
                    if str(u.get(k, "0")) not in ("", "0", "0.0")
                ]
                rows.append({"who": u.get("reporting_unit", ""), "status": u["statuses"],
                             "detail": ", ".join(d for d in detail if d)})  # fmt: skip
    kpis = evaluation.kpis
    if opened.has_table(layout.TABLE_CANCELLED):
        kpis = opened.table(layout.TABLE_CANCELLED).frame().fillna("")
    if "mark" in kpis:
        for _, k in kpis[kpis["mark"].astype(str) != ""].iterrows():
            unit = f"{k['reporting_unit']}: " if k.get("reporting_unit") else ""
            reason = k.get("status_reason", "")
            rows.append(
                {
                    "who": f"{unit}{k['project_id']} ตัวชี้วัดที่ {k['kpi_number']}",
                    "status": k["mark"],
                    "detail": "" if pd.isna(reason) else str(reason),
                }
            )
    return pd.DataFrame(rows, columns=["who", "status", "detail"])


# ---------------------------------------------------------------------------------------------
# Cover: strategies, counts, budget
# ---------------------------------------------------------------------------------------------


def strategy_names(data: ReportData) -> dict[str, str]:
    """Strategy number → name: the book's own ``strategy_name`` column, else the plan's."""
    names: dict[str, str] = {}
    for (first, last), known in STRATEGY_NAMES.items():
        if first <= data.settings.year_be <= last:
            names.update(known)
    kpis = data.evaluation.kpis
    own = data.texts["strategy_name"]
    for strategy, name in zip(kpis["strategy"].astype(str), own, strict=True):
        if name:
            names[strategy] = name
    return names


def strategies(projects: pd.DataFrame) -> list[str]:
    return sorted({str(s) for s in projects["strategy"]}, key=natural_key)


def plan_counts(projects: pd.DataFrame, every: list[str]) -> pd.DataFrame:
    """Per strategy: งานประจำ, โครงการ (เดิม and ใหม่), รวม, and a total row: the report's
    "แผนการดำเนินงาน" tables (218 = 49 + 169 for the year, 165 = 44 + 121 due at Q3)."""
    routine = projects["kind"].astype(str).str.strip() == ROUTINE
    key = projects["strategy"].astype(str)
    out = pd.DataFrame({"strategy": every})
    out["routine"] = out["strategy"].map(routine.groupby(key).sum()).fillna(0).astype(int)
    out["projects"] = out["strategy"].map((~routine).groupby(key).sum()).fillna(0).astype(int)
    out["total"] = out["routine"] + out["projects"]
    total = pd.DataFrame(
        [{"strategy": "รวม", **{c: int(out[c].sum()) for c in ("routine", "projects", "total")}}]
    )
    return pd.concat([out, total], ignore_index=True)


def funds(projects: pd.DataFrame) -> list[str]:
    from sso_kpi.schema import FUNDS

    present = [str(f) for f in dict.fromkeys(projects["fund"].astype(str)) if str(f).strip()]
    return sorted(present, key=lambda f: (FUNDS.index(f) if f in FUNDS else len(FUNDS), f))


def budget_by_fund(projects: pd.DataFrame) -> pd.DataFrame:
    """Σ of the projects' budgets per fund (each project's budget counted once)."""
    budget = pd.to_numeric(projects["budget"], errors="coerce")
    per = budget.groupby(projects["fund"].astype(str)).sum(min_count=1)
    order = funds(projects)
    out = pd.DataFrame({"fund": order, "budget": [per.get(f, np.nan) for f in order]})
    return pd.concat(
        [out, pd.DataFrame([{"fund": "รวม", "budget": out["budget"].sum(min_count=1)}])],
        ignore_index=True,
    )


def months_span(quarter: int, data: ReportData) -> str:
    """'มกราคม – กันยายน 2564': the months a cumulative quarter covers, as the title prints
    them (a fiscal year's months run over two calendar years)."""
    s = data.settings
    months = months_through(quarter)
    first, last = (calendar_month(p, s.year_kind) for p in (months[0], months[-1]))
    if s.year_kind == "fiscal":
        end_year = s.year_be if last <= 9 else s.year_be - 1
        start = f"{THAI_MONTHS_LONG[first - 1]} {s.year_be - 1}"
        return f"{start} – {THAI_MONTHS_LONG[last - 1]} {end_year}"
    return f"{THAI_MONTHS_LONG[first - 1]} – {THAI_MONTHS_LONG[last - 1]} {s.year_be}"


# ---------------------------------------------------------------------------------------------
# Page 2: the sentence per level
# ---------------------------------------------------------------------------------------------

LEVELS = (
    (GREEN, "ระดับดี (สีเขียว)", "ดำเนินการตั้งแต่ ร้อยละ {g:g} ขึ้นไปของเป้าหมาย"),
    (YELLOW, "ระดับปานกลาง (สีเหลือง)", "ดำเนินการได้ ร้อยละ {y:g}-{g1:g}% ของเป้าหมาย"),
    (RED, "ระดับต่ำ (สีแดง)", "ดำเนินการได้ต่ำกว่า {y:g}% ของเป้าหมาย"),
)


def criteria_lines(settings: Settings) -> list[tuple[str, str, str]]:
    """(band, level, meaning) for the three levels, with the book's thresholds."""
    g, y = settings.green_at, settings.yellow_at
    return [(b, level, text.format(g=g, y=y, g1=g - 1)) for b, level, text in LEVELS]


def level_sentences(evaluation: Evaluation, settings: Settings) -> list[tuple[str, str]]:
    """(band, sentence) per level, as page 2 prints them:

    "1. ระดับดี (สีเขียว) ● ดำเนินการตั้งแต่ ร้อยละ 100 ขึ้นไปของเป้าหมาย มีจำนวน 112 งาน/โครงการ
    คิดเป็นร้อยละ 67.88 ของจำนวนงาน/โครงการทั้งหมด" (the share of the projects evaluated).
    """
    p = evaluation.projects
    evaluated = int(p["evaluated"].sum())
    out = []
    for i, (band, level, meaning) in enumerate(criteria_lines(settings), start=1):
        n = int((p["band"] == band).sum())
        pct = float(round_half_up(n / evaluated * 100, 2)) if evaluated else 0.0
        out.append(
            (
                band,
                f"{i}. {level} ● {meaning} มีจำนวน {n:,} งาน/โครงการ คิดเป็นร้อยละ {pct:.2f} "
                "ของจำนวนงาน/โครงการทั้งหมด",
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# Detail pages
# ---------------------------------------------------------------------------------------------


def cumulative_figures(evaluation: Evaluation) -> tuple[np.ndarray, np.ndarray]:
    """Every indicator's cumulative plan and result at quarters 1 … Q (n × Q arrays), by the
    engine's one rule (typed quarter, else the months rolled up)."""
    kpis = evaluation.kpis
    plans, results = [], []
    for q in range(1, evaluation.quarter + 1):
        plan, result = quarter_values(kpis, q)
        plans.append(plan)
        results.append(result)
    return np.column_stack(plans), np.column_stack(results)


def printed_pct(values: object) -> np.ndarray:
    """The detail pages' integer per cent (half up): 1,937 for 1,936.99…"""
    return round_half_up(np.asarray(values, dtype="float64"), 0)


def detail_order(evaluation: Evaluation) -> pd.DataFrame:
    """The indicators in the report's order: fund, strategy, sub-strategy, kind, project,
    indicator; with each row's project fields."""
    k = evaluation.kpis.copy()
    fund_order = {f: i for i, f in enumerate(funds(evaluation.projects))}
    k["_fund"] = k["fund"].astype(str).map(fund_order).fillna(len(fund_order))
    k["_strategy"] = k["strategy"].astype(str).map(natural_key)
    k["_sub"] = k["substrategy"].astype(str).map(natural_key)
    k["_kind"] = k["kind"].astype(str).map(KIND_ORDER).fillna(3)
    first_row = k.groupby("project_id", sort=False).cumcount() == 0
    position = pd.Series(np.arange(len(k)), index=k.index)
    k["_project"] = k["project_id"].map(position[first_row].groupby(k["project_id"]).first())
    k["_kpi"] = k["kpi_number"].astype(str).map(natural_key)
    order = ["_fund", "_strategy", "_sub", "_kind", "_project", "_kpi"]
    return k.sort_values(order, kind="stable")


def follow_up(data: ReportData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Red projects and projects due with nothing reported, with their problems and
    solutions where the book has them (the first typed for the project)."""
    listed = red_and_missing(data.evaluation)
    texts = data.texts.assign(project_id=data.evaluation.kpis["project_id"])
    for column in ("problems", "solutions", "remark"):
        typed = texts[texts[column] != ""].groupby("project_id")[column].first()
        listed[column] = listed["project_id"].map(typed).astype(object).fillna("")
    missing = listed["reason"].str.startswith("ยังไม่รายงาน")
    return listed[~missing].reset_index(drop=True), listed[missing].reset_index(drop=True)


def project_texts(data: ReportData) -> pd.DataFrame:
    """Per project: the first remark typed on any of its rows, and the units list."""
    texts = data.texts.assign(project_id=data.evaluation.kpis["project_id"])
    out = {}
    for column in ("remark", "reporting_units", "substrategy_name"):
        typed = texts[texts[column] != ""].groupby("project_id")[column].first()
        out[column] = typed
    return pd.DataFrame(out)
