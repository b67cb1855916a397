"""What the quarterly summary sheet and the OPDC card show, as plain pandas frames.

Pure pandas on purpose: the headless rebuild (openpyxl, :mod:`sso_app.rebuild`) and the
in-Excel rebuild (xlwings, ``sso_app.live``) both lay out exactly these frames, so the two
buttons can never disagree. Every number comes from the engine (:mod:`sso_kpi`); this module
only selects, renames, rounds for display and decides where each table goes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sso_app.book import layout
from sso_app.book.settings import Settings, is_blank
from sso_kpi.evaluation import Evaluation, red_and_missing
from sso_kpi.opdc import Scorecard
from sso_kpi.periods import cumulative_label, quarter_label
from sso_kpi.rollup import disbursement, with_total
from sso_kpi.scoring import BAND_TH, BANDS
from sso_kpi.values import round_half_up

TOTAL_LABEL = "รวม"

# --------------------------------------------------------------------------------------------
# Settings (tbl_settings)
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# The summary sheet
# --------------------------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    "evaluated",
    "green",
    "yellow",
    "red",
    "green_pct",
    "yellow_pct",
    "red_pct",
)
# The attention list shares the project table's first columns, so the two line up on the sheet.
_PROJECT_HEAD = ("project_id", "strategy", "substrategy", "project_number", "project_name", "unit")
PROJECT_COLUMNS = (*_PROJECT_HEAD, "average_pct", "band", "band_th", "n_due", "n_not_reported")
ATTENTION_COLUMNS = (*_PROJECT_HEAD, "average_pct", "band_th", "reason")
DISBURSEMENT_COLUMNS = ("category", "plan", "spent", "pct")

LABELS_TH: dict[str, str] = {
    "strategy": "ยุทธศาสตร์",
    "fund": "กองทุน",
    "evaluated": "จำนวนที่ประเมิน",
    "green": "เขียว",
    "yellow": "เหลือง",
    "red": "แดง",
    "green_pct": "เขียว (ร้อยละ)",
    "yellow_pct": "เหลือง (ร้อยละ)",
    "red_pct": "แดง (ร้อยละ)",
    "project_id": "รหัสโครงการ",
    "substrategy": "กลยุทธ์",
    "project_number": "โครงการที่",
    "project_name": "ชื่องาน/โครงการ",
    "unit": "หน่วยงาน",
    "average_pct": "ค่าเฉลี่ยผลสำเร็จ (ร้อยละ)",
    "band": "แถบสี (รหัส)",
    "band_th": "แถบสี",
    "n_due": "ตัวชี้วัดที่ถึงกำหนด",
    "n_not_reported": "ยังไม่รายงาน",
    "reason": "เหตุผล",
    "category": "หมวดงบประมาณ",
    "plan": "แผน (บาท)",
    "spent": "ผลการเบิกจ่าย (บาท)",
    "pct": "ร้อยละการเบิกจ่าย",
}

PCT_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
MONEY_FORMAT = "#,##0.00"
NUMBER_FORMATS: dict[str, dict[str, str]] = {
    layout.TABLE_SUMMARY: {
        **{c: COUNT_FORMAT for c in ("evaluated", "green", "yellow", "red")},
        **{c: PCT_FORMAT for c in ("green_pct", "yellow_pct", "red_pct")},
    },
    layout.TABLE_PROJECTS: {"average_pct": PCT_FORMAT, "n_due": COUNT_FORMAT},
    layout.TABLE_ATTENTION: {"average_pct": PCT_FORMAT},
    layout.TABLE_DISBURSEMENT: {"plan": MONEY_FORMAT, "spent": MONEY_FORMAT, "pct": PCT_FORMAT},
}
NUMBER_FORMATS[layout.TABLE_FUNDS] = NUMBER_FORMATS[layout.TABLE_SUMMARY]

HEADINGS = {  # Thai only: the sheet is printed and handed in
    layout.TABLE_SUMMARY: "1. สรุปผลตามประเด็นยุทธศาสตร์",
    layout.TABLE_FUNDS: "2. สรุปผลตามกองทุน",
    layout.TABLE_ATTENTION: "3. งาน/โครงการที่ต้องติดตาม (สีแดง หรือยังไม่รายงานผล)",
    layout.TABLE_DISBURSEMENT: "4. ผลการเบิกจ่ายงบประมาณ",
    layout.TABLE_PROJECTS: "5. ผลรายงาน/โครงการ",
}
# Columns holding band codes, coloured by conditional formatting.
BAND_CODE_COLUMNS = {layout.TABLE_PROJECTS: ("band",)}

TITLE_ROW = 1
FIRST_BLOCK_ROW = 6  # title lines in rows 1-3, blank rows
GAP_ROWS = 2
CHART_ROWS = 16  # rows the band chart covers (~8 cm at the default row height)


@dataclass(frozen=True)
class SummaryFrames:
    """Everything the summary sheet shows, and where.

    ``anchors[name] = (row, col)`` is the top-left of a block: its heading line at ``row``,
    the Thai label row at ``row + 1``, the table header at ``row + 2``, data below (1-based,
    as Excel counts). ``chart_anchor`` is the top-left cell of the band chart, under
    ``tbl_summary``.
    """

    quarter: int
    title_lines: list[str]
    tables: dict[str, pd.DataFrame]
    headings: dict[str, str]
    labels_th: dict[str, dict[str, str]]
    number_formats: dict[str, dict[str, str]]
    band_columns: dict[str, tuple[str, ...]]
    anchors: dict[str, tuple[int, int]]
    chart_anchor: tuple[int, int]
    colours: dict[str, str] = field(default_factory=dict)

    def header_row(self, name: str) -> int:
        return self.anchors[name][0] + 2

    def last_row(self, name: str) -> int:
        """Last row of the table (at least one data row, as Excel tables need)."""
        return self.header_row(name) + max(len(self.tables[name]), 1)


def title_lines(settings: Settings, quarter: int) -> list[str]:
    """The sheet's heading, in Thai: office, unit, quarter with its months in พ.ศ.,
    cumulative span."""
    unit = f" {settings.unit}" if settings.unit else ""
    year_word = "ปีงบประมาณ" if settings.year_kind == "fiscal" else "ปี"
    return [
        f"สรุปผลการดำเนินงานตามแผนปฏิบัติราชการ{unit}",
        f"{year_word} พ.ศ. {settings.year_be} "
        f"{quarter_label(quarter, settings.year_kind, settings.year_be)}",
        f"ผลสะสม: {cumulative_label(quarter, settings.year_kind, settings.year_be)}",
    ]


def _rounded(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        out[column] = round_half_up(out[column].to_numpy("float64", na_value=np.nan), 2)
    return out


def band_table(summary: pd.DataFrame) -> pd.DataFrame:
    """An engine band summary with its total row, as shown: counts as ints, % at 2 decimals."""
    key = summary.columns[0]
    table = with_total(summary, TOTAL_LABEL)[[key, *SUMMARY_COLUMNS]]
    table[key] = table[key].astype(object)
    for column in ("evaluated", "green", "yellow", "red"):
        table[column] = table[column].astype("int64")
    return _rounded(table, ("green_pct", "yellow_pct", "red_pct")).reset_index(drop=True)


def project_table(ev: Evaluation) -> pd.DataFrame:
    projects = ev.projects.copy()
    projects["band_th"] = projects["band"].map(BAND_TH).astype(object)
    table = projects[list(PROJECT_COLUMNS)].astype({"project_id": object, "band": object})
    return _rounded(table, ("average_pct",)).reset_index(drop=True)


def attention_table(ev: Evaluation) -> pd.DataFrame:
    listed = red_and_missing(ev)
    listed["band_th"] = listed["band"].map(BAND_TH).astype(object)
    table = listed[list(ATTENTION_COLUMNS)].astype({"project_id": object, "reason": object})
    return _rounded(table, ("average_pct",)).reset_index(drop=True)


def disbursement_table(budget: pd.DataFrame) -> pd.DataFrame:
    """Plan vs spend per category and a total row; the per cents come from the engine."""
    rows = budget[["category", "plan", "spent"]].copy()
    rows["category"] = rows["category"].astype(object)
    for column in ("plan", "spent"):
        rows[column] = pd.to_numeric(rows[column], errors="coerce").astype("float64")
    total = pd.DataFrame(
        [{"category": TOTAL_LABEL, "plan": rows["plan"].sum(), "spent": rows["spent"].sum()}]
    )
    table = disbursement(pd.concat([rows, total], ignore_index=True))
    table["category"] = table["category"].astype(object)
    return _rounded(table, ("pct",))[list(DISBURSEMENT_COLUMNS)]


BLOCK_ORDER = (
    layout.TABLE_SUMMARY,
    layout.TABLE_FUNDS,
    layout.TABLE_ATTENTION,
    layout.TABLE_DISBURSEMENT,
    layout.TABLE_PROJECTS,
)


def block_anchors(
    tables: Mapping[str, pd.DataFrame],
) -> tuple[dict[str, tuple[int, int]], tuple[int, int]]:
    """Stack the blocks in :data:`BLOCK_ORDER` down column A, gaps between; the chart right
    under the first, so the sheet is no wider than its widest table and prints one page
    wide at a readable size. The block after ``tbl_summary`` starts below the chart."""
    anchors: dict[str, tuple[int, int]] = {}
    row = FIRST_BLOCK_ROW
    chart = (0, 1)
    for name in BLOCK_ORDER:
        anchors[name] = (row, 1)
        end = row + 2 + max(len(tables[name]), 1)  # heading, labels, header, data rows
        if name == layout.TABLE_SUMMARY:
            chart = (end + 2, 1)
            end = chart[0] + CHART_ROWS
        row = end + 1 + GAP_ROWS
    return anchors, chart


def summary_frames(ev: Evaluation, budget: pd.DataFrame, settings: Settings) -> SummaryFrames:
    """The summary sheet of one evaluation: title lines, tables and their anchors."""
    tables = {
        layout.TABLE_SUMMARY: band_table(ev.summary),
        layout.TABLE_FUNDS: band_table(ev.summary_by_fund),
        layout.TABLE_ATTENTION: attention_table(ev),
        layout.TABLE_DISBURSEMENT: disbursement_table(budget),
        layout.TABLE_PROJECTS: project_table(ev),
    }
    anchors, chart = block_anchors(tables)
    labels = {name: {c: LABELS_TH.get(c, c) for c in t.columns} for name, t in tables.items()}
    return SummaryFrames(
        quarter=ev.quarter,
        title_lines=title_lines(settings, ev.quarter),
        tables=tables,
        headings=dict(HEADINGS),
        labels_th=labels,
        number_formats={k: dict(v) for k, v in NUMBER_FORMATS.items()},
        band_columns=dict(BAND_CODE_COLUMNS),
        anchors=anchors,
        chart_anchor=chart,
        colours=settings.colours,
    )


def band_counts(ev: Evaluation) -> dict[str, int]:
    """Projects per band (grey = not evaluated), for reports."""
    counts = ev.projects["band"].value_counts()
    return {b: int(counts.get(b, 0)) for b in BANDS}


# --------------------------------------------------------------------------------------------
# The OPDC card
# --------------------------------------------------------------------------------------------

OPDC_COMPONENTS = ("Performance Base", "Potential Base")  # the card's box when none is typed


@dataclass(frozen=True)
class ScorecardFrames:
    """The card's values: per indicator, per component (the header box) and the total."""

    kpis: pd.DataFrame  # kpi_number, status, score, weighted (2 decimals)
    components: pd.DataFrame  # component, weight, weighted (2 decimals)
    total: float
    level: str
    level_en: str


def scorecard_frames(card: Scorecard) -> ScorecardFrames:
    kpis = card.kpis[["component", "kpi_number", "weight", "status", "score", "weighted"]]
    components = card.components[["component", "weight", "weighted"]]
    return ScorecardFrames(
        kpis=_rounded(kpis.astype({"status": object}), ("score", "weighted")),
        components=_rounded(components, ("weighted",)),
        total=float(round_half_up(np.array([card.total]), 2)[0]),
        level=card.level,
        level_en=card.level_en,
    )


def card_components(components: Sequence[object]) -> list[str]:
    """Component names for the card's header box, in first-seen order; the seed's two if none."""
    seen: list[str] = []
    for c in components:
        text = "" if is_blank(c) else str(c).strip()
        if text and text not in seen:
            seen.append(text)
    return seen or list(OPDC_COMPONENTS)
