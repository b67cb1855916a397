"""The detail pages: per fund and strategy, every project and indicator as the office prints
them (FY2564 Q3 report, strategy 1 of the Social Security Fund):

    ลำดับที่ | ตัวชี้วัด งาน/โครงการ | หน่วยงาน | งบประมาณ (บาท) | เป้าหมาย | แผน/ผล | น้ำหนัก |
    หน่วยนับ | ไตรมาสที่ 1 … Q (cumulative) | ผลการดำเนินงาน (%) | หมายเหตุ

a กลยุทธ์ row when the sub-strategy changes, a kind row (งานประจำ, โครงการเดิม, โครงการใหม่),
the project's row (number, name, responsible unit(s), budget or "ไม่มีงบประมาณ", remark), a แผน
and a ผล row per indicator with its integer %, then "รวม ร้อยละเฉลี่ยของงาน/โครงการ" in the
band's colour. Each (fund, strategy) is a sheet whose title and header rows repeat on every
page; a project is kept on one page when it fits.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from openpyxl import Workbook

from sso_app.book.report.data import (
    ReportData,
    cumulative_figures,
    detail_order,
    printed_pct,
    project_texts,
    strategy_names,
)
from sso_app.book.report.measure import lines_needed, row_points
from sso_app.book.report.sheet import CENTRE, HEAD_FILL, Cell, ReportSheet
from sso_app.book.sheets import band_tint
from sso_kpi.periods import cumulative_label
from sso_kpi.scoring import GREY, NOT_REPORTED, OK

SIZE = 10
SUB_FILL = "F2F2F2"
KIND_FILL = "FAFAFA"
NO_BUDGET = "ไม่มีงบประมาณ"
AVERAGE_TEXT = "รวม ร้อยละเฉลี่ยของงาน/โครงการ"


def widths(quarter: int) -> list[float]:
    return [8, 38, 11, 12, 10, 5, 6, 8, *([11] * quarter), 9, 14]


def _number(value: object) -> tuple[object, str | None]:
    """A figure as printed: thousands separated, decimals only when it has some; "-" for none."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-", None
    number = float(value)  # type: ignore[arg-type]
    return number, "#,##0" if number.is_integer() else "#,##0.00"


def _sheet_name(fund: str, strategy: str, used: set[str]) -> str:
    short = {"กองทุนประกันสังคม": "ประกันสังคม", "กองทุนเงินทดแทน": "เงินทดแทน"}.get(fund, fund)
    base = re.sub(r"[\[\]:*?/\\]", " ", f"{short} ยศ.{strategy}".strip())[:28] or "รายละเอียด"
    name, i = base, 2
    while name in used:
        name, i = f"{base[:26]} {i}", i + 1
    used.add(name)
    return name


class DetailWriter:
    """Writes the detail sheets of one report."""

    def __init__(self, wb: Workbook, data: ReportData):
        self.wb, self.data = wb, data
        self.q = data.quarter
        self.ev = data.evaluation
        self.names = strategy_names(data)
        self.plans, self.results = cumulative_figures(self.ev)
        self.row_of = {index: i for i, index in enumerate(self.ev.kpis.index)}
        self.projects = self.ev.projects.set_index("project_id")
        self.texts = project_texts(data)
        self.pct_col = 9 + self.q
        self.used: set[str] = set()
        self.sheets: list[ReportSheet] = []

    def write(self) -> list[ReportSheet]:
        ordered = detail_order(self.ev)
        for (fund, strategy), rows in ordered.groupby(
            [ordered["fund"].astype(str), ordered["strategy"].astype(str)], sort=False
        ):
            self.sheets.append(self._sheet(fund, strategy, rows))
        return self.sheets

    # -- one sheet ------------------------------------------------------------------------

    def _header(self, s: ReportSheet, fund: str, strategy: str) -> None:
        settings = self.data.settings
        year = "ปีงบประมาณ" if settings.year_kind == "fiscal" else "ปี"
        first = s.row
        title = f"แผนปฏิบัติการสำนักงานประกันสังคม ประจำ{year} {settings.year_be}"
        s.line(f"{fund}  {title}" if fund else title, size=12, bold=True)
        s.line(f"ยุทธศาสตร์ที่ {strategy} {self.names.get(strategy, '')}".strip(), size=12, bold=True)
        heads = ["ลำดับที่", "ตัวชี้วัด งาน/โครงการ", "หน่วยงาน", "งบประมาณ (บาท)", "เป้าหมาย",
                 "แผน/ผล", "น้ำหนัก", "หน่วยนับ"]  # fmt: skip
        quarters = [f"ไตรมาสที่ {q}" for q in range(1, self.q + 1)]
        tail = ["ผลการดำเนินงาน (%)", "หมายเหตุ"]
        top = s.row
        s.row_of(
            [Cell(h, bold=True, fill=HEAD_FILL, align=CENTRE) for h in [*heads, *quarters, *tail]]
        )
        spans = [
            cumulative_label(q, settings.year_kind).removeprefix("สะสม ")
            for q in range(1, self.q + 1)
        ]
        s.row_of([
            *(Cell(None, fill=HEAD_FILL) for _ in heads),
            *(Cell(f"สะสม {t}", fill=HEAD_FILL, align=CENTRE, size=9) for t in spans),
            *(Cell(None, fill=HEAD_FILL) for _ in tail),
        ])  # fmt: skip
        for col in [*range(1, len(heads) + 1), self.pct_col, self.pct_col + 1]:
            s.ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
        s.repeat_from(first)
        s.used_pt = s.repeat_pt

    def _sheet(self, fund: str, strategy: str, rows: pd.DataFrame) -> ReportSheet:
        s = ReportSheet(self.wb, _sheet_name(fund, strategy, self.used), widths(self.q), size=SIZE)
        self._header(s, fund, strategy)
        sub = kind = None
        for project_id, kpis in rows.groupby("project_id", sort=False):
            p = self.projects.loc[project_id]
            headings = []  # printed above the project, kept on its page
            if str(p["substrategy"]) != sub:
                sub, kind = str(p["substrategy"]), None
                if sub:
                    name = (
                        self.texts["substrategy_name"].get(project_id, "")
                        if len(self.texts)
                        else ""
                    )
                    headings.append(
                        Cell(f"กลยุทธ์ {sub} {name}".strip(), s.n_cols, bold=True, fill=SUB_FILL)
                    )
            if str(p["kind"]) != kind:
                kind = str(p["kind"])
                if kind:
                    headings.append(Cell(kind, s.n_cols, bold=True, fill=KIND_FILL))
            self._project(s, project_id, p, kpis, headings)
        s.finish()
        return s

    def _project(
        self,
        s: ReportSheet,
        project_id: object,
        p: pd.Series,
        kpis: pd.DataFrame,
        headings: list[Cell],
    ) -> None:
        n = s.n_cols
        remark = self.texts["remark"].get(project_id, "") if len(self.texts) else ""
        budget = p["budget"]
        budget_cell = (Cell(NO_BUDGET, align=CENTRE) if pd.isna(budget)
                       else Cell(float(budget), fmt="#,##0"))  # fmt: skip
        number = str(p["project_number"] or "").strip()
        head = [
            Cell(f"{number}." if number else str(project_id), align=CENTRE, bold=True),
            Cell(str(p["project_name"]), bold=True),
            Cell(str(p["unit"])),
            budget_cell,
            *(Cell(None) for _ in range(4 + self.q + 1)),
            Cell(remark),
        ]
        # Keep the project together: its row, two per indicator, the average.
        width = sum(s.widths[1:2])
        estimate = row_points(lines_needed(p["project_name"], width, SIZE, bold=True), SIZE)
        estimate += sum(
            row_points(lines_needed(name, width, SIZE), SIZE) + row_points(1, SIZE)
            for name in kpis["kpi_name"]
        )
        for heading in headings:
            estimate += row_points(
                lines_needed(heading.value, s.span_width(1, s.n_cols), SIZE, bold=True), SIZE
            )
        s.block(estimate + row_points(1, SIZE))
        for heading in headings:
            s.write([heading])
        s.write(head)
        for index, k in kpis.iterrows():
            i = self.row_of[index]
            target, target_fmt = _number(k["target"])
            weight, weight_fmt = _number(k["weight"])
            plan = [_number(v) for v in self.plans[i]]
            result = [_number(v) for v in self.results[i]]
            status = k["status"]
            pct = None
            if status in (OK, NOT_REPORTED) and not np.isnan(k["achievement_pct"]):
                pct = float(printed_pct(k["achievement_pct"]))
            kpi_number = str(k["kpi_number"]).strip()
            s.write([
                Cell(f"ตัวชี้วัดที่ {kpi_number}", align=CENTRE),
                Cell(str(k["kpi_name"])),
                Cell(None), Cell(None),
                Cell(target, fmt=target_fmt, align=CENTRE if target == "-" else None),
                Cell("แผน", align=CENTRE),
                Cell(weight, fmt=weight_fmt, align=CENTRE if weight == "-" else None),
                Cell(str(k["count_unit"] or ""), align=CENTRE),
                *(Cell(v, fmt=f, align=CENTRE if v == "-" else None) for v, f in plan),
                Cell(None), Cell(None),
            ])  # fmt: skip
            s.write([
                *(Cell(None) for _ in range(5)),
                Cell("ผล", align=CENTRE),
                Cell(None), Cell(None),
                *(Cell(v if v != "-" else None, fmt=f) for v, f in result),
                Cell(pct, fmt="#,##0", align=CENTRE),
                Cell(None),
            ])  # fmt: skip
        average = p["average_pct"]
        band = str(p["band"])
        value = None if pd.isna(average) else float(printed_pct(average))
        colour = None if band == GREY else self.data.settings.colours.get(band)
        fill = band_tint(colour) if colour else None  # the figure on the band's tint
        s.write([
            Cell(None),
            Cell(AVERAGE_TEXT, self.pct_col - 2, bold=True),
            Cell(value, fmt="#,##0", bold=True, fill=fill, align=CENTRE),
            Cell(None),
        ])  # fmt: skip
        assert n == s.n_cols


def detail_sheets(wb: Workbook, data: ReportData) -> list[ReportSheet]:
    return DetailWriter(wb, data).write()
