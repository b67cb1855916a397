"""The report's parts other than the detail pages: cover and plan, page 2, the projects to
follow up and, for a national book, the units (ranking, not reported, budget)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from sso_app.book.report.data import (
    ReportData,
    budget_by_fund,
    criteria_lines,
    follow_up,
    funds,
    level_sentences,
    months_span,
    plan_counts,
    strategies,
    strategy_names,
)
from sso_app.book.report.measure import row_points
from sso_app.book.report.sheet import CENTRE, HEAD_FILL, Cell, ReportSheet
from sso_app.book.sheets import add_bands_chart, band_tint
from sso_app.files.textsafe import set_text_cell
from sso_kpi.consolidation import UNIT_KEY
from sso_kpi.periods import cumulative_label
from sso_kpi.rollup import with_total
from sso_kpi.scoring import BAND_MEANING_TH, BAND_TH, GREEN, GREY, RED, YELLOW
from sso_kpi.values import round_half_up

TINTS = {GREEN: "E2EFDA", YELLOW: "FFF2CC", RED: "FCE4D6", GREY: "EDEDED"}  # readable cells
COUNT = "#,##0"
MONEY = "#,##0"
PCT2 = "0.00"
CM_PT = 28.35


def report_title(settings, quarter: int) -> str:  # type: ignore[no-untyped-def]
    """The report's own heading: "รายงานผลการดำเนินงานตามแผนปฏิบัติราชการ ประจำปี พ.ศ. 2564
    ไตรมาสที่ 3 (สะสม ม.ค. – ก.ย.)"; a fiscal year reads "ประจำปีงบประมาณ พ.ศ. …"."""
    year = "ปีงบประมาณ" if settings.year_kind == "fiscal" else "ปี"
    span = cumulative_label(quarter, settings.year_kind)
    return (
        f"รายงานผลการดำเนินงานตามแผนปฏิบัติราชการ ประจำ{year} พ.ศ. {settings.year_be} "
        f"ไตรมาสที่ {quarter} ({span})"
    )


def _dash(n: int) -> object:
    """The report prints a zero count as "-"."""
    return int(n) if n else "-"


def _strategy_label(strategy: str) -> str:
    return "รวม" if strategy == "รวม" else f"ยุทธศาสตร์ที่ {strategy}"


# ---------------------------------------------------------------------------------------------
# Cover and plan
# ---------------------------------------------------------------------------------------------

COVER_WIDTHS = (40, 16, 16, 16, 30, 16)


def _count_table(s: ReportSheet, counts: pd.DataFrame, heading: str) -> None:
    rows = len(counts) + 2
    s.block(row_points(1) * rows + row_points(2))
    s.write([Cell(heading, s.n_cols, bold=True, box=False)])
    head = ["ยุทธศาสตร์", "งานประจำ", "โครงการ", "รวม"]
    s.write([*(Cell(h, bold=True, fill=HEAD_FILL, align=CENTRE) for h in head)])
    for _, r in counts.iterrows():
        total = r["strategy"] == "รวม"
        s.write(
            [
                Cell(_strategy_label(str(r["strategy"])), bold=total),
                *(
                    Cell(_dash(r[c]), bold=total, fmt=COUNT, align=CENTRE)
                    for c in ("routine", "projects", "total")
                ),
            ]
        )
    s.gap()


def cover_sheet(wb: Workbook, data: ReportData) -> ReportSheet:
    """The opening pages: title with the cumulative months, unit, strategies with their
    names, the counts per strategy for the year and for the quarter (both funds, then each
    fund), the budget per fund and the three evaluation levels with their colours."""
    s = ReportSheet(wb, "แผนและเกณฑ์", COVER_WIDTHS)
    ev, settings = data.evaluation, data.settings
    year = "ปีงบประมาณ" if settings.year_kind == "fiscal" else "ปี"
    q = ev.quarter
    span = months_span(q, data)
    s.placed(s.line(
        f"รายงานการดำเนินงานตามแผนปฏิบัติการสำนักงานประกันสังคม {year} {settings.year_be}",
        size=16, bold=True, centre=True,
    ))  # fmt: skip
    s.placed(s.line(f"ไตรมาส {q} ({span})", size=14, bold=True, centre=True))
    s.placed(s.line(data.unit_line, size=12, centre=True))
    s.gap()
    projects = ev.projects
    every = strategies(projects)
    names = strategy_names(data)
    s.placed(s.line("ประเด็นยุทธศาสตร์ ประกอบด้วย", bold=True))
    for strategy in every:
        s.write([Cell(f"ยุทธศาสตร์ที่ {strategy} {names.get(strategy, '')}".strip(), s.n_cols,
                      box=False)])  # fmt: skip
    s.gap()

    fund_list = funds(projects)
    n_funds = f"{len(fund_list)} กองทุน" if len(fund_list) > 1 else (fund_list or [""])[0]
    _count_table(s, plan_counts(projects, every),
                 f"แผนการดำเนินงาน ประจำ{year} {settings.year_be} (รวมทั้งปี) {n_funds}")  # fmt: skip
    if len(fund_list) > 1:
        s.write([Cell(f"แผนการดำเนินงาน ประจำ{year} {settings.year_be} แยกรายกองทุน", s.n_cols,
                      bold=True, box=False)])  # fmt: skip
        for fund in fund_list:
            _count_table(s, plan_counts(projects[projects["fund"] == fund], every), fund)
    due = projects[projects["evaluated"]]
    counts = plan_counts(due, every)
    total = counts.iloc[-1]
    s.block(row_points(2) * 2 + row_points(1) * (len(counts) + 2))
    s.write([Cell(f"แผนการดำเนินงาน ไตรมาส {q} ({span}) {n_funds}", s.n_cols, bold=True,
                  box=False)])  # fmt: skip
    s.write([Cell(
        f"มีการติดตามรายงานผลการปฏิบัติราชการ ไตรมาส {q} ({span}) ประกอบด้วย "
        f"{int(total['routine']):,} งาน {int(total['projects']):,} โครงการ "
        f"รวมทั้งสิ้น {int(total['total']):,} งาน/โครงการ", s.n_cols, box=False,
    )])  # fmt: skip
    _count_table(s, counts, f"งาน/โครงการที่ถึงกำหนดประเมินในไตรมาส {q}")
    if len(fund_list) > 1:
        for fund in fund_list:
            _count_table(s, plan_counts(due[due["fund"] == fund], every),
                         f"{fund} (ไตรมาส {q})")  # fmt: skip

    budget = budget_by_fund(projects)
    s.block(row_points(1) * (len(budget) + 3))
    s.write([Cell("งบประมาณตามแผน (บาท) แยกรายกองทุน", s.n_cols, bold=True, box=False)])
    s.write([Cell("กองทุน", bold=True, fill=HEAD_FILL, align=CENTRE),
             Cell("งบประมาณ (บาท)", bold=True, fill=HEAD_FILL, align=CENTRE)])  # fmt: skip
    for _, r in budget.iterrows():
        value = None if pd.isna(r["budget"]) else float(r["budget"])
        s.write([Cell(r["fund"], bold=r["fund"] == "รวม"),
                 Cell(value, fmt=MONEY, bold=r["fund"] == "รวม")])  # fmt: skip
    if not data.national and len(data.budget):
        _disbursement(s, data.budget)
    s.gap()

    s.block(row_points(1) * 5)
    s.write([Cell("เกณฑ์การประเมิน", s.n_cols, bold=True, box=False)])
    s.write([Cell("ประเมินจากตัวชี้วัดของงาน/โครงการ 3 ระดับ ได้แก่", s.n_cols, box=False)])
    for i, (band, level, meaning) in enumerate(criteria_lines(settings), start=1):
        s.write([Cell(f"{i}. {level}", fill=band_tint(settings.colours[band]), bold=True),
                 Cell(meaning, s.n_cols - 1)])  # fmt: skip
    s.finish()
    return s


def _disbursement(s: ReportSheet, budget: pd.DataFrame) -> None:
    """A unit's budget: plan and spent per category (tbl_budget), % by the engine's rule."""
    from sso_kpi.rollup import disbursement

    rows = budget[["category", "plan", "spent"]].copy()
    for column in ("plan", "spent"):
        rows[column] = pd.to_numeric(rows[column], errors="coerce")
    total = pd.DataFrame(
        [{"category": "รวม", "plan": rows["plan"].sum(), "spent": rows["spent"].sum()}]
    )
    table = disbursement(pd.concat([rows, total], ignore_index=True))
    s.gap()
    s.block(row_points(1) * (len(table) + 2))
    s.write([Cell("ผลการเบิกจ่ายงบประมาณ (บาท)", s.n_cols, bold=True, box=False)])
    heads = ["หมวดงบประมาณ", "แผน", "เบิกจ่าย", "ร้อยละ"]
    s.write([Cell(h, bold=True, fill=HEAD_FILL, align=CENTRE) for h in heads])
    for _, r in table.iterrows():
        bold = r["category"] == "รวม"
        pct = r["pct"]
        s.write([
            Cell(str(r["category"]), bold=bold),
            Cell(None if pd.isna(r["plan"]) else float(r["plan"]), fmt="#,##0.00", bold=bold),
            Cell(None if pd.isna(r["spent"]) else float(r["spent"]), fmt="#,##0.00", bold=bold),
            Cell(None if pd.isna(pct) else float(round_half_up(pct, 2)), fmt=PCT2, bold=bold),
        ])  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Page 2
# ---------------------------------------------------------------------------------------------

PAGE2_WIDTHS = (19, 14, 10, 10, 10, 10, 10, 10, 12)
CHART_DATA_COL = 12  # L: the chart's numbers, outside the print area


def band_rows(summary: pd.DataFrame, label: str) -> pd.DataFrame:
    """The page-2 rows: label, evaluated, then count and per cent per band, not evaluated;
    a total row; per cents rounded half up to 2 decimals as printed."""
    key = summary.columns[0]
    table = with_total(summary, "รวม")
    out = pd.DataFrame({"label": table[key].astype(str)})
    if label:
        out["label"] = np.where(out["label"] == "รวม", "รวม", label + " " + out["label"])
    out["evaluated"] = table["evaluated"].astype(int).to_numpy()
    for band in (GREEN, YELLOW, RED):
        out[band] = table[band].astype(int).to_numpy()
        out[f"{band}_pct"] = round_half_up(table[f"{band}_pct"].to_numpy("float64"), 2)
    out["not_evaluated"] = table["not_evaluated"].astype(int).to_numpy()
    return out


def _band_table(s: ReportSheet, rows: pd.DataFrame, heading: str, colours: dict) -> None:
    tint = {b: band_tint(c) for b, c in colours.items()}  # labels on the band's tint
    s.block(row_points(2) + row_points(1) * (len(rows) + 1))
    first = [Cell(heading, bold=True, fill=HEAD_FILL, align=CENTRE),
             Cell("จำนวนงาน/โครงการที่ประเมิน", bold=True, fill=HEAD_FILL, align=CENTRE)]  # fmt: skip
    bands = [Cell(f"{BAND_TH[b]} ({BAND_MEANING_TH[b]})", 2, bold=True, fill=tint[b],
                  align=CENTRE) for b in (GREEN, YELLOW, RED)]  # fmt: skip
    top = s.row
    s.write([*first, *bands, Cell("ไม่ได้ประเมิน", bold=True, fill=tint[GREY], align=CENTRE)])
    second = [Cell(None, fill=HEAD_FILL), Cell(None, fill=HEAD_FILL)]
    for b in (GREEN, YELLOW, RED):
        second += [Cell("จำนวน", bold=True, fill=tint[b], align=CENTRE),
                   Cell("ร้อยละ", bold=True, fill=tint[b], align=CENTRE)]  # fmt: skip
    s.write([*second, Cell(None, fill=tint[GREY])])
    for col in (1, 2, 9):
        s.ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
    for _, r in rows.iterrows():
        total = r["label"] == "รวม"
        cells = [Cell(r["label"], bold=total), Cell(int(r["evaluated"]), bold=total, fmt=COUNT)]
        for band in (GREEN, YELLOW, RED):
            pct = r[f"{band}_pct"]
            cells += [
                Cell(int(r[band]), fill=TINTS[band], bold=total, fmt=COUNT),
                Cell(None if math.isnan(pct) else float(pct), fill=TINTS[band], bold=total,
                     fmt=PCT2),
            ]  # fmt: skip
        cells.append(Cell(int(r["not_evaluated"]), fill=TINTS[GREY], bold=total, fmt=COUNT))
        s.write(cells)
    s.gap()


def page2_sheet(wb: Workbook, data: ReportData, strategy_rows: pd.DataFrame) -> ReportSheet:
    """Page 2: the band table per strategy and per fund, the sentence per level, the chart."""
    ev, settings = data.evaluation, data.settings
    colours = settings.colours
    s = ReportSheet(wb, "สรุปผลการประเมิน", PAGE2_WIDTHS)
    q = ev.quarter
    year = "ปีงบประมาณ" if settings.year_kind == "fiscal" else "ปี"
    s.placed(s.line(report_title(settings, q), size=15, bold=True, centre=True))
    heading = (
        f"สรุปการประเมินผลการดำเนินงานตามแผนปฏิบัติการ ประจำ{year} {settings.year_be} "
        f"ไตรมาส {q} ({months_span(q, data)})"
    )
    s.placed(s.line(heading, size=12, bold=True, centre=True))
    projects = ev.projects
    evaluated = int(projects["evaluated"].sum()) if len(projects) else 0
    s.placed(s.line(data.unit_line, size=12, bold=True, centre=True))
    s.placed(s.line(
        f"ผล{cumulative_label(q, settings.year_kind, settings.year_be)}: "
        f"แผนการดำเนินงานทั้งสิ้น {evaluated:,} งาน/โครงการ "
        f"(ประเมิน {evaluated:,} จาก {len(projects):,} งาน/โครงการในแผน)", centre=True,
    ))  # fmt: skip
    s.gap()
    s.placed(s.line("1. สรุปผลการดำเนินงานตามประเด็นยุทธศาสตร์", size=12, bold=True))
    _band_table(s, strategy_rows, "ประเด็นยุทธศาสตร์", colours)
    s.placed(s.line("2. สรุปผลตามกองทุน", size=12, bold=True))
    _band_table(s, band_rows(ev.summary_by_fund, ""), "กองทุน", colours)
    s.block(row_points(1) * 4)
    s.placed(s.line("ผลที่ได้จากการประเมินผลการดำเนินงาน", size=12, bold=True))
    for band, sentence in level_sentences(ev, settings):
        label = Cell(BAND_TH[band], fill=band_tint(colours[band]), bold=True, align=CENTRE)
        s.write([label, Cell(sentence, s.n_cols - 1, box=False)])
    s.gap()
    _chart(s, strategy_rows, f"จำนวนงาน/โครงการตามแถบสี ไตรมาสที่ {q}", colours)
    s.finish()
    return s


def _chart(s: ReportSheet, rows: pd.DataFrame, title: str, colours: dict) -> None:
    """Native stacked bars (green, yellow, red per strategy) under the tables; their numbers
    sit right of the print area, where the chart reads them."""
    data = rows[rows["label"] != "รวม"]
    left, top = CHART_DATA_COL, s.row
    for j, head in enumerate(["ยุทธศาสตร์", *(BAND_TH[b] for b in (GREEN, YELLOW, RED))]):
        set_text_cell(s.ws.cell(row=top, column=left + j), head)
    for i, (_, r) in enumerate(data.iterrows(), start=1):
        set_text_cell(s.ws.cell(row=top + i, column=left), r["label"])
        for j, band in enumerate((GREEN, YELLOW, RED), start=1):
            s.ws.cell(row=top + i, column=left + j).value = int(r[band])
    last = top + max(len(data), 1)
    height_cm = max(7.0, min(10.0, 3.0 + 1.1 * len(data)))
    height_pt = height_cm * CM_PT
    if s.used_pt + height_pt > s.page_pt:
        s.ws.row_breaks.append(Break(id=top - 1))  # the chart starts a new page
        s.used_pt = s.repeat_pt
    ref = f"{get_column_letter(left)}{top}:{get_column_letter(left + 3)}{last}"
    chart = add_bands_chart(
        s.ws,
        table_ref=ref,
        categories_col=left,
        first_series_col=left + 1,
        n_series=3,
        anchor=f"A{top}",
        title=title,
        colours=[colours[b] for b in (GREEN, YELLOW, RED)],
        series_titles=[BAND_TH[b] for b in (GREEN, YELLOW, RED)],
    )
    chart.width = sum(s.widths) * 0.2  # cm: about the table's width
    chart.height = height_cm
    n_rows = math.ceil(height_pt / 15.0) + 1
    for r in range(top, top + n_rows):
        s.ws.row_dimensions[r].height = 15.0
    s.row = top + n_rows
    s.used_pt += n_rows * 15.0


# ---------------------------------------------------------------------------------------------
# Projects to follow up
# ---------------------------------------------------------------------------------------------

FOLLOW_WIDTHS = (11, 10, 40, 18, 13, 27, 27)


def _project_rows(s: ReportSheet, projects: pd.DataFrame, empty: str) -> None:
    if projects.empty:
        s.write([Cell(empty, s.n_cols, box=False)])
        return
    for _, p in projects.iterrows():
        strategy = "/".join(str(v) for v in (p["strategy"], p["substrategy"]) if str(v))
        average = None if pd.isna(p["average_pct"]) else float(round_half_up(p["average_pct"], 2))
        s.write([
            Cell(str(p["project_id"])),
            Cell(strategy, align=CENTRE),
            Cell(str(p["project_name"])),
            Cell(str(p["unit"])),
            Cell(average, fmt=PCT2, fill=TINTS.get(p["band"])),
            Cell(p.get("problems", "") or "-"),
            Cell(p.get("solutions", "") or "-"),
        ])  # fmt: skip


def follow_up_sheet(wb: Workbook, data: ReportData) -> ReportSheet:
    """Red projects, then projects due with no result, with their problems and solutions."""
    s = ReportSheet(wb, "ติดตาม", FOLLOW_WIDTHS)
    red, missing = follow_up(data)
    s.placed(s.line(f"งาน/โครงการที่ต้องติดตาม ไตรมาสที่ {data.quarter}: {data.unit_line}",
                    size=13, bold=True))  # fmt: skip
    heads = ["รหัสโครงการ", "ยุทธศาสตร์/ กลยุทธ์", "ชื่องาน/โครงการ", "หน่วยงาน",
             "ค่าเฉลี่ย (ร้อยละ)", "ปัญหาอุปสรรค", "แนวทางแก้ไข"]  # fmt: skip
    first = s.row
    s.placed(s.row_of([Cell(h, bold=True, fill=HEAD_FILL, align=CENTRE) for h in heads]))
    s.repeat_from(first)
    s.placed(s.line(f"1. งาน/โครงการที่มีผลต่ำกว่าร้อยละ {data.settings.yellow_at:g} (สีแดง): "
                    f"{len(red):,} งาน/โครงการ", size=12, bold=True))  # fmt: skip
    _project_rows(s, red, "ไม่มีงาน/โครงการสีแดง")
    s.gap()
    s.block(row_points(1) * 3)
    s.write([Cell(f"2. งาน/โครงการที่ถึงกำหนดแต่ยังไม่รายงานผล: {len(missing):,} งาน/โครงการ",
                  s.n_cols, size=12, bold=True, box=False)])  # fmt: skip
    _project_rows(s, missing, "ทุกงาน/โครงการที่ถึงกำหนดรายงานผลแล้ว")
    s.finish()
    return s


CYCLE_WIDTHS = (44, 30, 72)


def cycle_sheet(wb: Workbook, data: ReportData) -> ReportSheet:
    """The yearly cycle's attention page: units late, not sent, edited after sending or off
    the approved plan, and the indicators and projects cancelled, with their marks."""
    s = ReportSheet(wb, "การส่งผล", CYCLE_WIDTHS)
    s.placed(s.line(f"การส่งผลและการเปลี่ยนแผน ไตรมาสที่ {data.quarter}: {data.unit_line}",
                    size=13, bold=True))  # fmt: skip
    heads = ["หน่วยงาน / ตัวชี้วัด", "สถานะ", "รายละเอียด"]
    first = s.row
    s.placed(s.row_of([Cell(h, bold=True, fill=HEAD_FILL, align=CENTRE) for h in heads]))
    s.repeat_from(first)
    for _, r in data.attention.iterrows():
        s.write([Cell(r["who"]), Cell(r["status"]), Cell(r["detail"] or "-")])
    s.finish()
    return s


# ---------------------------------------------------------------------------------------------
# National book: units
# ---------------------------------------------------------------------------------------------

RANK_WIDTHS = (8, 44, 11, 11, 9, 9, 9, 11, 11, 13)


def _num(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def ranking_sheet(wb: Workbook, data: ReportData) -> ReportSheet:
    """The unit ranking (tbl_units): rank, unit, projects, evaluated, bands, % green, mean."""
    s = ReportSheet(wb, "อันดับหน่วยงาน", RANK_WIDTHS)
    colours = {b: band_tint(c) for b, c in data.settings.colours.items()}  # labels: the tints
    s.placed(s.line(f"ผลรายหน่วยงาน ไตรมาสที่ {data.quarter}: {data.unit_line}", size=13, bold=True))
    s.placed(s.line("เรียงตามสัดส่วนงาน/โครงการสีเขียว แล้วตามค่าเฉลี่ยผลสำเร็จ "
                    "(คิดไม่เกินร้อยละ 100 ต่อโครงการ)"))  # fmt: skip
    heads = [("อันดับ", HEAD_FILL), ("หน่วยงาน", HEAD_FILL), ("งาน/โครงการ", HEAD_FILL),
             ("ที่ประเมิน", HEAD_FILL), (BAND_TH[GREEN], colours[GREEN]),
             (BAND_TH[YELLOW], colours[YELLOW]), (BAND_TH[RED], colours[RED]),
             ("ไม่ได้ประเมิน", colours[GREY]), ("ร้อยละสีเขียว", HEAD_FILL),
             ("ค่าเฉลี่ย (ไม่เกิน 100)", HEAD_FILL)]  # fmt: skip
    first = s.row
    s.placed(s.row_of([Cell(h, bold=True, fill=f, align=CENTRE) for h, f in heads]))
    s.repeat_from(first)
    for _, r in data.ranking.iterrows():
        rank = _num(r.get("rank"))
        cells = [Cell(int(rank) if rank is not None else "-", align=CENTRE),
                 Cell(str(r.get(UNIT_KEY, "")))]  # fmt: skip
        for column in ("n_projects", "evaluated", GREEN, YELLOW, RED, "not_evaluated"):
            value = _num(r.get(column))
            cells.append(Cell(int(value) if value is not None else None, fmt=COUNT))
        for column in ("green_pct", "mean_capped_pct"):
            value = _num(r.get(column))
            cells.append(Cell(None if value is None else float(round_half_up(value, 2)), fmt=PCT2))
        s.write(cells)
    s.finish()
    return s


UNITS_WIDTHS = (44, 40, 60)


def not_reported_sheet(wb: Workbook, data: ReportData) -> ReportSheet:
    """Units that have not reported and files that could not be used (tbl_not_reported)."""
    s = ReportSheet(wb, "หน่วยงานยังไม่รายงาน", UNITS_WIDTHS)
    s.placed(s.line(f"หน่วยงานที่ยังไม่รายงานผล และไฟล์ที่ใช้ไม่ได้ ไตรมาสที่ {data.quarter}",
                    size=13, bold=True))  # fmt: skip
    first = s.row
    heads = ["หน่วยงาน", "ไฟล์", "เหตุผล"]
    s.placed(s.row_of([Cell(h, bold=True, fill=HEAD_FILL, align=CENTRE) for h in heads]))
    s.repeat_from(first)
    units = data.units_not_reported
    if units.empty:
        s.write([Cell("ทุกหน่วยงานรายงานผลแล้ว", s.n_cols, box=False)])
    for _, u in units.iterrows():
        s.write([Cell(str(u["unit"])), Cell(str(u["file"])), Cell(str(u["reason_th"]))])
    s.finish()
    return s


def budget_sheet(wb: Workbook, data: ReportData) -> ReportSheet:
    """Budget spent per unit: each category's disbursement %, then the unit's plan, spent
    and % (tbl_budget_detail and tbl_budget_units), the national total last."""
    detail, totals = data.budget_detail, data.budget_units
    categories = list(
        dict.fromkeys(str(c) for c in detail.get("category", pd.Series(dtype=object)))
    )
    widths = (40, *([12] * len(categories)), 16, 16, 10)
    s = ReportSheet(wb, "งบประมาณรายหน่วยงาน", widths, size=10)
    s.placed(s.line(f"การเบิกจ่ายงบประมาณรายหน่วยงานและหมวดงบ ไตรมาสที่ {data.quarter}",
                    size=13, bold=True))  # fmt: skip
    first = s.row
    heads = ["หน่วยงาน", *(f"{c} (ร้อยละ)" for c in categories), "แผน (บาท)", "เบิกจ่าย (บาท)",
             "ร้อยละ"]  # fmt: skip
    s.placed(s.row_of([Cell(h, bold=True, fill=HEAD_FILL, align=CENTRE) for h in heads]))
    s.repeat_from(first)
    pct = {}
    if len(detail):
        for _, r in detail.iterrows():
            pct[(str(r[UNIT_KEY]), str(r["category"]))] = _num(r.get("pct"))
    for _, r in totals.iterrows():
        unit = str(r.get(UNIT_KEY, ""))
        bold = unit == "รวมทั้งประเทศ"
        cells = [Cell(unit, bold=bold)]
        for c in categories:
            value = pct.get((unit, c))
            cells.append(Cell(None if value is None else float(round_half_up(value, 2)), fmt=PCT2))
        for column, fmt in (("plan", MONEY), ("spent", MONEY), ("pct", PCT2)):
            value = _num(r.get(column))
            if value is not None and column == "pct":
                value = float(round_half_up(value, 2))
            cells.append(Cell(value, fmt=fmt, bold=bold))
        s.write(cells)
    if totals.empty:
        s.write([Cell("ไม่มีข้อมูลงบประมาณ", s.n_cols, box=False)])
    s.finish()
    return s


__all__ = [
    "band_rows",
    "budget_sheet",
    "cover_sheet",
    "cycle_sheet",
    "follow_up_sheet",
    "not_reported_sheet",
    "page2_sheet",
    "ranking_sheet",
    "report_title",
]
