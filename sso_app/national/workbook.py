"""The national workbook ``sso-kpi consolidate`` writes: one sheet per question the planning
division asks (which files came, where each strategy stands, which units and projects are
red, the trend, who has not reported, budget), written with XlsxWriter (a new file written
once: :mod:`sso_app.national.xlsx`) from the engine's ``National`` result; every text a unit
typed is written as text, never as a formula.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter, range_boundaries

from sso_app.book import layout, summary
from sso_app.book.layout import NATIONAL_KPI_TABLE, NATIONAL_NOTES_TABLE
from sso_app.book.page_rules import (
    DEFAULT_FONT_PT,
    FOOTER_IN,
    HEADER_IN,
    KEY_COLUMN,
    KEY_SHARE,
    MARGIN_BOTTOM_IN,
    MARGIN_IN,
    MARGIN_TOP_IN,
    PAPER_A4,
    PRINTABLE_WIDTH_IN,
    footer_sections,
    header_sections,
    header_string,
    office_scale,
    period_text,
)
from sso_app.book.settings import Settings, settings_rows
from sso_app.book.sheets import band_tint, display_width, width_inches
from sso_app.book.summary import COUNT_FORMAT, MONEY_FORMAT, PCT_FORMAT, band_table, title_lines
from sso_app.files.checks import check_workbook_file
from sso_app.files.writing import atomic_write
from sso_app.national.intake import ERRORS, OK, REFUSED, SKIPPED, STATUS_TEXT, WARNINGS, UnitFile
from sso_app.national.xlsx import XlsxBook, XlsxSheet
from sso_kpi.consolidation import UNIT_KEY, National
from sso_kpi.schema import NOTE_COLUMNS, NOTE_TH
from sso_kpi.scoring import BAND_TH, BANDS, DEFAULT_BANDS, GREEN, RED, YELLOW, natural_key
from sso_kpi.values import round_half_up

"""The combined indicators in a national workbook: how a national book is told from a unit's."""


def file_rows(files: Sequence[UnitFile]) -> pd.DataFrame:
    """ไฟล์ที่รับ: one row per file, whatever became of it."""
    return pd.DataFrame(
        {
            "file": [f.label for f in files],
            "folder": [str(f.path.parent) for f in files],
            "unit": [f.unit for f in files],
            "year_be": [f.year_be for f in files],
            "status": [f.status for f in files],
            "status_th": [STATUS_TEXT[f.status] for f in files],
            "n_rows": [f.n_rows for f in files],
            "n_errors": [f.n_errors for f in files],
            "n_warnings": [f.n_warnings for f in files],
            "messages": [f.messages() for f in files],
        }
    )


def issue_rows(files: Sequence[UnitFile]) -> pd.DataFrame:
    """Every problem of every file, one per row, for filtering by unit or column."""
    records = [
        {
            "file": f.label,
            "unit": f.unit,
            "severity": i.severity,
            "code": i.code,
            "sheet": i.sheet,
            "row": i.row,
            "column": i.column,
            "value": i.value,
            "message_th": i.message_th,
            "message_en": i.message_en,
        }
        for f in files
        for i in f.issues
    ]
    columns = ["file", "unit", "severity", "code", "sheet", "row", "column", "value"]
    return pd.DataFrame(records, columns=[*columns, "message_th", "message_en"])


def not_reported_rows(national: National, files: Sequence[UnitFile]) -> pd.DataFrame:
    """ยังไม่รายงาน: units without results at the quarter, then files that could not be used."""
    file_of = {f.unit: f.label for f in files if f.usable}
    units = national.not_reported
    silent = pd.DataFrame(
        {
            "unit": units[UNIT_KEY].astype(object),
            "file": units[UNIT_KEY].map(file_of).astype(object),
            "reason_th": units["reason_th"].astype(object),
            "reason_en": units["reason_en"].astype(object),
            "n_due": units["n_due"],
        }
    )
    unread = [f for f in files if f.status == REFUSED]
    refused = pd.DataFrame(
        {
            "unit": [f.unit for f in unread],
            "file": [f.label for f in unread],
            "reason_th": ["ไฟล์ใช้ไม่ได้: " + f.refusal_th for f in unread],
            "reason_en": ["file not usable: " + f.refusal_en for f in unread],
            "n_due": [np.nan] * len(unread),
        }
    )
    return pd.concat([silent, refused], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# The national workbook
# ---------------------------------------------------------------------------------------------

SHEET_FILES = "ไฟล์ที่รับ"
SHEET_SUMMARY = "สรุปตามยุทธศาสตร์"
SHEET_UNITS = "หน่วยงาน"
SHEET_BANDS = "โครงการตามสี"
SHEET_TREND = "แนวโน้ม"
SHEET_MISSING = "ยังไม่รายงาน"
SHEET_BUDGET = "งบประมาณ"
SHEET_KPIS = "ตัวชี้วัดรวม"
NATIONAL_UNIT = "สำนักงานประกันสังคม (ภาพรวมทั้งประเทศ)"

LABELS_TH = {
    **summary.LABELS_TH,
    "file": "ไฟล์",
    "folder": "โฟลเดอร์",
    "year_be": "ปี พ.ศ.",
    "status": "สถานะ (รหัส)",
    "status_th": "สถานะ",
    "n_rows": "จำนวนแถว",
    "n_errors": "ข้อผิดพลาด",
    "n_warnings": "ข้อสังเกต",
    "messages": "รายละเอียด",
    "severity": "ระดับ",
    "code": "รหัสปัญหา",
    "sheet": "ชีต",
    "row": "แถว",
    "column": "คอลัมน์",
    "value": "ค่าที่กรอก",
    "message_th": "ปัญหา",
    "message_en": "problem (English)",
    "rank": "อันดับ",
    UNIT_KEY: "หน่วยงานที่รายงาน",
    "n_projects": "จำนวนงาน/โครงการ",
    "not_evaluated": "ไม่ได้ประเมิน",
    "mean_capped_pct": "ค่าเฉลี่ย (ไม่เกิน 100 ต่อโครงการ)",
    "mean_pct": "ค่าเฉลี่ยผลสำเร็จ",
    "n_units": "จำนวนหน่วยงานที่รายงาน",
    "reporting_units": "หน่วยงานที่รายงาน (รายชื่อ)",
    "n_kpis": "จำนวนตัวชี้วัด",
    "change_pct": "เปลี่ยนจากไตรมาสก่อน",
    "trend": "แนวโน้ม",
    "reason_th": "เหตุผล",
    "reason_en": "reason (English)",
    "kpi_number": "ตัวชี้วัดที่",
    "kpi_name": "ชื่อตัวชี้วัด",
    "weight": "น้ำหนัก",
    "count_unit": "หน่วยนับ",
    "aggregation": "การรวมค่า",
    "direction": "ทิศทาง",
    "achievement_pct": "ผลสำเร็จ (ร้อยละ)",
    "kpi_status": "สถานะตัวชี้วัด",
    "fund": "กองทุน",
    "kind": "ประเภท",
    "plan": "แผน",
    "result": "ผล",
    **NOTE_TH,
    **{f"plan_q{q}": f"แผนสะสม ไตรมาส {q}" for q in range(1, 5)},
    **{f"result_q{q}": f"ผลสะสม ไตรมาส {q}" for q in range(1, 5)},
    **{f"q{q}_pct": f"ไตรมาส {q} (ร้อยละ)" for q in range(1, 5)},
    **{f"q{q}_band": f"ไตรมาส {q} แถบสี" for q in range(1, 5)},
}
PCT_COLUMNS = (
    "green_pct",
    "yellow_pct",
    "red_pct",
    "mean_capped_pct",
    "mean_pct",
    "average_pct",
    "change_pct",
    "achievement_pct",
    "pct",
    *(f"q{q}_pct" for q in range(1, 5)),
)
LONG_TEXT = {  # column → width: names and messages wrap instead of widening the sheet
    "messages": 80,
    "message_th": 45,
    "message_en": 45,
    "folder": 25,
    "project_name": 45,
    "kpi_name": 40,
    "reason_th": 40,
    "reason_en": 40,
    UNIT_KEY: 30,
    "reporting_units": 60,
    **dict.fromkeys(NOTE_COLUMNS, 40),
}
ROW_PT = 15.0  # one line of 11-point text


def wrapped_lines(text: object, width: float) -> int:
    """Lines a text takes wrapped in a column ``width`` characters wide (Thai vowel and
    tone marks take no width); 1 for a blank cell."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return 1
    return _wrapped_lines(str(text), width)


@functools.lru_cache(maxsize=1024)
def _wrapped_lines(text: str, width: float) -> int:
    # Cached: the same names (units, projects, the units reporting an indicator) fill
    # thousands of rows of a national book.
    return sum(
        max(1, -(-display_width(part) // max(int(width * 0.95), 1))) for part in text.split("\n")
    )


STATUS_COLOURS = {
    OK: "C6EFCE",
    WARNINGS: "FFEB9C",
    ERRORS: "F8CBAD",
    REFUSED: "FF9999",
    SKIPPED: "D9D9D9",
}


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    """Per cents rounded half up to 2 decimals as the reports print; text columns as object
    (pandas' string dtype is not something openpyxl knows)."""
    out = frame.copy()
    for column in out.columns:
        if column in PCT_COLUMNS:
            out[column] = round_half_up(out[column].to_numpy("float64", na_value=np.nan), 2)
        elif not pd.api.types.is_numeric_dtype(out[column]) or out[column].dtype == bool:
            out[column] = out[column].astype(object)
    return out


def _formats(frame: pd.DataFrame) -> dict[str, str]:
    formats = {}
    for column in frame.columns:
        if column in PCT_COLUMNS:
            formats[column] = PCT_FORMAT
        elif column in ("plan", "spent", "budget") or column.startswith(("plan_q", "result_q")):
            formats[column] = MONEY_FORMAT if column in ("plan", "spent", "budget") else "#,##0.##"
        elif pd.api.types.is_integer_dtype(frame[column]):
            formats[column] = COUNT_FORMAT
    return formats


class NationalSheet:
    """A planner-facing sheet filled top to bottom: title lines, then headed tables
    (XlsxWriter: :mod:`sso_app.national.xlsx`)."""

    def __init__(self, wb: XlsxBook, title: str, lines: Sequence[str], colours: dict[str, str]):
        self.xs = XlsxSheet(wb, title)
        self.book = wb
        self.colours = colours
        self.xs.no_width_rows.update(range(1, len(lines) + 1))  # titles spill over: no width
        self.widths: dict[int, float] = {}
        for i, line in enumerate(lines, start=1):
            self.xs.write(i, 1, line, wb.fmt(bold=True, font_size=14 if i == 1 else 12))
        self.row = len(lines) + 2
        self.last_row = len(lines)  # of the tables and charts written so far
        self.last_col = 1
        self.repeated: tuple[int, int] | None = None  # label and header rows of the last table
        self.key_col: int | None = None  # the kpi_name column, repeated on pages across
        self.chart_cols: list[int] = []  # where the charts beside the tables start

    def table(
        self,
        frame: pd.DataFrame,
        name: str,
        heading: str,
        *,
        band_columns: Sequence[str] = (),
        min_rows: int = 0,
        labels: Mapping[str, str] | None = None,
    ) -> str:
        """Write a heading and ``frame`` as table ``name``; return its ref. The next block
        starts two rows below it (or below ``min_rows`` rows, to clear a chart)."""
        self.xs.no_width_rows.add(self.row)
        self.xs.write(self.row, 1, heading, self.book.fmt(bold=True, font_size=12))
        shown = _display(frame)
        top = self.row + 1
        columns = list(shown.columns)
        long = [c for c in columns if c in LONG_TEXT]
        fills = {  # the report's coloured header cells, on the band's tint (they hold text)
            c: band_tint(self.colours[c.removesuffix("_pct")])
            for c in columns
            if c in (GREEN, YELLOW, RED, "green_pct", "yellow_pct", "red_pct")
        }
        ref = self.xs.table(
            shown,
            name=name,
            top=top,
            labels_th={c: (labels or LABELS_TH).get(c, LABELS_TH.get(c, c)) for c in columns},
            label_fills=fills,
            number_formats=_formats(shown),
            wrap_columns=long,
        )
        _, header, _, last = range_boundaries(ref)
        for column in band_columns:
            letter = get_column_letter(columns.index(column) + 1)
            for code in BANDS:
                self.xs.fill_rule(f"{letter}{header + 1}:{letter}{last}", code, self.colours[code])
        lines = np.ones(len(shown), dtype=int)
        for column in long:
            self.widths[columns.index(column) + 1] = LONG_TEXT[column]
            needed = [wrapped_lines(v, LONG_TEXT[column]) for v in shown[column].tolist()]
            lines = np.maximum(lines, needed) if len(shown) else lines
        for i in np.flatnonzero(lines > 1):  # rows do not grow by themselves in LibreOffice
            self.xs.ws.set_row(header + int(i), ROW_PT * min(lines[i], 27))
        self.row = max(last, top + min_rows) + 3
        self.last_row = max(self.last_row, last, top + min_rows)
        self.last_col = max(self.last_col, len(columns))
        self.repeated = (top, header)
        if KEY_COLUMN in columns and self.key_col is None:
            self.key_col = columns.index(KEY_COLUMN) + 1
        return ref

    def finish(self) -> None:
        """Column widths from the contents (titles and headings left out), long texts wrap;
        then the office page (:meth:`page`)."""
        self.page(self.xs.finish(self.widths, maximum=40))

    def page(self, widths: Mapping[int, float]) -> None:
        """The office page of the book's sheets (:mod:`sso_app.book.page_rules`), through
        XlsxWriter: A4 landscape; a scale that prints the tables and charts one page wide but
        never below 8 pt text (wider: more pages across, then down, the kpi_name columns
        repeated); the last table's label and header rows on each page after its first; the
        unit, the sheet, the period, the print date and "หน้า x จาก y"."""
        ws = self.xs.ws
        ws.set_landscape()
        ws.set_paper(PAPER_A4)
        ws.set_margins(left=MARGIN_IN, right=MARGIN_IN, top=MARGIN_TOP_IN, bottom=MARGIN_BOTTOM_IN)
        unit, period = self.book.page_texts
        ws.set_header(header_string(header_sections(unit, period)), {"margin": HEADER_IN})
        ws.set_footer(header_string(footer_sections()), {"margin": FOOTER_IN})
        ws.print_across()
        inches = [width_inches(widths.get(c)) for c in range(1, self.last_col + 1)]
        scale, fits = office_scale(sum(inches), DEFAULT_FONT_PT)
        ws.set_print_scale(scale)
        ws.print_area(0, 0, max(self.last_row, 1) - 1, self.last_col - 1)
        if self.chart_cols and not fits:  # a chart starts a page across: not cut in two
            ws.set_v_pagebreaks(sorted({c - 1 for c in self.chart_cols}))  # after column c - 1
        if self.repeated is not None:  # the last table's: the pages after it are its own
            ws.repeat_rows(self.repeated[0] - 1, self.repeated[1] - 1)
        room = PRINTABLE_WIDTH_IN * 100 / scale * KEY_SHARE
        if not fits and self.key_col is not None and sum(inches[: self.key_col]) <= room:
            ws.repeat_columns(0, self.key_col - 1)

    def chart(
        self,
        ref: str,
        *,
        categories_col: int,
        first_series_col: int,
        anchor: str,
        title: str,
        skip_last_rows: int = 0,
    ) -> None:
        """The stacked band chart (green, yellow, red) with the Thai band names as series;
        the print area reaches the column its right edge falls in."""
        cols, rows = self.xs.bands_chart(
            table_ref=ref,
            categories_col=categories_col,
            first_series_col=first_series_col,
            anchor=anchor,
            title=title,
            colours=[self.colours[b] for b in (GREEN, YELLOW, RED)],
            series_titles=[BAND_TH[b] for b in (GREEN, YELLOW, RED)],
            skip_last_rows=skip_last_rows,
        )
        col, row, _, _ = range_boundaries(anchor)
        self.chart_cols.append(col)
        self.last_col = max(self.last_col, col + cols - 1)
        self.last_row = max(self.last_row, row + rows - 1)


def national_title(year_be: int, year_kind: str, quarter: int, n_units: int) -> list[str]:
    """The national heading, worded like the unit summary (พ.ศ. year, quarter, cumulative)."""
    settings = Settings(unit=NATIONAL_UNIT, year_be=year_be, year_kind=year_kind)  # type: ignore[arg-type]
    lines = title_lines(settings, quarter)
    return [*lines[:3], f"รวมจาก {n_units} หน่วยงาน / from {n_units} units"]


def _trend_table(trend: pd.DataFrame) -> pd.DataFrame:
    out = trend.copy()
    change = out["change_pct"]
    out["trend"] = np.select(
        [change > 0.005, change < -0.005, change.notna()],
        ["ดีขึ้น / up", "ลดลง / down", "เท่าเดิม / same"],
        default="",
    )
    return out


def _projects_by_band(national: National) -> pd.DataFrame:
    """The national projects in page-2 order (green, yellow, red, then not evaluated)."""
    p = national.national.projects.copy()
    p["band_th"] = p["band"].map(BAND_TH)
    p["_order"] = p["band"].map({b: i for i, b in enumerate(BANDS)})
    p["_key"] = p["project_id"].map(natural_key)
    p = p.sort_values(["_order", "_key"], kind="stable")
    columns = [
        "band_th",
        "band",
        "strategy",
        "substrategy",
        "project_id",
        "project_name",
        "unit",
        "average_pct",
        "n_due",
        "n_not_reported",
    ]
    n_units = national.combined.groupby("project_id", sort=False)["n_units"].max()
    out = p[columns].reset_index(drop=True)
    out["n_units"] = out["project_id"].map(n_units).astype("int64")
    out["unit"] = combined_unit_text(out["unit"], out["n_units"]).to_numpy()
    return out


# ---------------------------------------------------------------------------------------------
# Combined projects: named by how many units report them, the units listed
# ---------------------------------------------------------------------------------------------


def reporting_units(national: National) -> pd.DataFrame:
    """Per indicator (project_id, kpi_number): the units that reported it, in input order,
    as ``n_units`` and ``reporting_units`` ("สปจ.น่าน; สปจ.แพร่")."""
    k = national.kpis
    if k.empty:
        return pd.DataFrame(columns=["project_id", "kpi_number", "n_units", "reporting_units"])
    by_indicator = k.groupby(["project_id", "kpi_number"], sort=False)
    grouped = by_indicator[UNIT_KEY]
    # One pass over the rows (a Python function per group was most of this sheet's time).
    units: list[dict[str, None]] = [{} for _ in range(grouped.ngroups)]
    for group, unit in zip(by_indicator.ngroup().tolist(), k[UNIT_KEY].tolist(), strict=True):
        if group == group:  # NaN: a row without an indicator key, in no group
            units[int(group)][str(unit)] = None
    out = grouped.size().rename("reporting_units").reset_index()
    out["reporting_units"] = ["; ".join(listed) for listed in units]
    out["n_units"] = grouped.nunique().to_numpy()
    return out


def combined_unit_text(unit: pd.Series, n_units: pd.Series) -> pd.Series:
    """A project several units report is theirs together: "21 หน่วยงาน", not the first file's
    unit; one unit's project keeps the responsible unit it typed."""
    many = n_units.fillna(1).astype("int64") > 1
    named = n_units.fillna(1).astype("int64").map(lambda n: f"{n} หน่วยงาน")
    return unit.astype(object).where(~many, named)


def _national_kpis(national: National) -> pd.DataFrame:
    """The combined indicators with the national achievement: the evidence behind page 2,
    and what ``sso-kpi report`` reads from a national workbook. A combined indicator's
    ``unit`` is "N หน่วยงาน", its units listed in ``reporting_units``."""
    k = national.national.kpis
    columns = [c for c in national.combined.columns if c not in ("source_row",)]
    out = national.combined[columns].copy()
    units = reporting_units(national)
    listed = out[["project_id", "kpi_number"]].merge(
        units, how="left", on=["project_id", "kpi_number"]
    )
    out["unit"] = combined_unit_text(out["unit"], out["n_units"]).to_numpy()
    out["reporting_units"] = listed["reporting_units"].fillna("").to_numpy()
    out["achievement_pct"] = k["achievement_pct"].to_numpy()
    out["kpi_status"] = k["status"].to_numpy()
    out["band"] = k["band"].to_numpy()
    return out


def write_national_workbook(
    output: Path,
    national: National,
    files: Sequence[UnitFile],
    *,
    year_be: int,
    year_kind: str,
    inputs: Iterable[Path] = (),
) -> None:
    """Build the national workbook in memory and save it through ``atomic_write`` (never
    over one of ``inputs``). ``sso-kpi consolidate`` saves it with its CSV together."""
    wb = national_workbook(national, files, year_be=year_be, year_kind=year_kind)
    atomic_write(output, wb.save, verify=check_workbook_file, inputs=inputs)


def national_workbook(
    national: National, files: Sequence[UnitFile], *, year_be: int, year_kind: str
) -> XlsxBook:
    """The national workbook: one sheet per question the planning division asks."""
    colours = dict(DEFAULT_BANDS.colours)
    title = national_title(year_be, year_kind, national.quarter, len(national.units))
    wb = XlsxBook()
    wb.page_texts = (NATIONAL_UNIT, period_text(year_be, national.quarter))
    sheets = [
        files_sheet(wb, files, title, colours),
        summary_sheet(wb, national, title, colours),
        units_sheet(wb, national, title, colours),
        bands_sheet(wb, national, title, colours),
        trend_sheet(wb, national, title, colours),
        missing_sheet(wb, national, files, title, colours),
        budget_sheet(wb, national, title, colours),
        kpis_sheet(wb, national, title, colours),
        settings_sheet(wb, national.quarter, year_be, year_kind, colours),
    ]
    for sheet in sheets:
        sheet.finish()
        if sheet.xs.title == SHEET_SUMMARY:
            sheet.xs.ws.activate()
    return wb


def files_sheet(
    wb: XlsxBook, files: Sequence[UnitFile], title: list[str], colours: dict
) -> NationalSheet:
    """ไฟล์ที่รับ: every file with its status, then every problem, one per row."""
    s = NationalSheet(
        wb, SHEET_FILES, [f"ไฟล์ที่รับ / files received ({len(files)})", title[1]], colours
    )
    frame = file_rows(files)
    ref = s.table(frame, "tbl_files", "1. ไฟล์ทั้งหมดและสถานะ / every file and its status")
    _status_colours(s, ref, column=list(frame.columns).index("status") + 1)
    s.table(issue_rows(files), "tbl_issues", "2. ปัญหาทั้งหมด / every problem found")
    return s


def summary_sheet(
    wb: XlsxBook, national: National, title: list[str], colours: dict
) -> NationalSheet:
    """สรุปตามยุทธศาสตร์: the report's page 2 (per strategy, per fund) and the band chart."""
    s = NationalSheet(wb, SHEET_SUMMARY, title, colours)
    summary = band_table(national.national.summary)
    top = s.row
    ref = s.table(
        summary, "tbl_nat_summary", "1. สรุปผลตามประเด็นยุทธศาสตร์ / by strategy", min_rows=20
    )
    s.chart(
        ref,
        categories_col=1,
        first_series_col=list(summary.columns).index(GREEN) + 1,
        skip_last_rows=1,
        anchor=f"{get_column_letter(len(summary.columns) + 2)}{top}",
        title=f"จำนวนงาน/โครงการตามแถบสี รายยุทธศาสตร์ ไตรมาสที่ {national.quarter}",
    )
    fund = band_table(national.national.summary_by_fund)
    s.table(fund, "tbl_nat_fund", "2. สรุปผลตามกองทุน / by fund")
    return s


def units_sheet(wb: XlsxBook, national: National, title: list[str], colours: dict) -> NationalSheet:
    """หน่วยงาน: every unit ranked, with its band counts and a chart."""
    s = NationalSheet(
        wb, SHEET_UNITS, [f"ผลรายหน่วยงาน / by unit: {title[1]}", RANKING_RULE], colours
    )
    top = s.row
    ranking = national.ranking
    ref = s.table(ranking, "tbl_units", "อันดับหน่วยงาน / unit ranking", min_rows=20)
    s.chart(
        ref,
        categories_col=list(ranking.columns).index(UNIT_KEY) + 1,
        first_series_col=list(ranking.columns).index(GREEN) + 1,
        anchor=f"{get_column_letter(len(ranking.columns) + 2)}{top}",
        title="จำนวนงาน/โครงการตามแถบสี รายหน่วยงาน",
    )
    return s


def bands_sheet(wb: XlsxBook, national: National, title: list[str], colours: dict) -> NationalSheet:
    """โครงการตามสี: the national projects behind each count of page 2, then each unit's red
    projects (every unit's every project is in ``<stem>_projects.csv``: 100 units × 100+
    projects is a table for filtering, not for a sheet that must open fast)."""
    s = NationalSheet(
        wb, SHEET_BANDS, [f"งาน/โครงการตามแถบสี (ภาพรวม) / by colour: {title[1]}"], colours
    )
    s.table(
        _projects_by_band(national),
        "tbl_nat_projects",
        "1. งาน/โครงการเบื้องหลังจำนวนในแต่ละสี / the projects behind each count",
        band_columns=["band"],
    )
    s.table(
        red_by_unit(national),
        "tbl_unit_red",
        "2. งาน/โครงการสีแดงรายหน่วยงาน / each unit's red projects",
        band_columns=["band"],
    )
    return s


def red_by_unit(national: National) -> pd.DataFrame:
    """Each unit's red projects, the silent ones (nothing reported) marked as such."""
    p = national.by_unit.projects
    red = p[p["band"] == RED].copy()
    silent = red["n_not_reported"] == red["n_due"]
    red["reason"] = np.where(silent, "ยังไม่รายงานผล / not reported", "ต่ำกว่าร้อยละ 50 / below 50%")
    red["band_th"] = BAND_TH[RED]
    columns = [
        UNIT_KEY,
        "strategy",
        "project_id",
        "project_name",
        "average_pct",
        "band_th",
        "band",
        "reason",
        "n_due",
        "n_not_reported",
    ]
    return red[columns].reset_index(drop=True)


def trend_sheet(wb: XlsxBook, national: National, title: list[str], colours: dict) -> NationalSheet:
    """แนวโน้ม: each national project's cumulative average at Q1 … Q."""
    q = national.quarter
    s = NationalSheet(wb, SHEET_TREND, [f"แนวโน้มรายไตรมาส (ผลสะสม) / trend: {title[1]}"], colours)
    s.table(
        _trend_table(national.trend),
        "tbl_trend",
        f"ค่าเฉลี่ยผลสำเร็จรายโครงการ ไตรมาส 1 – {q} / project average, Q1 – Q{q}",
        band_columns=[f"q{i}_band" for i in range(1, q + 1)],
    )
    return s


def missing_sheet(
    wb: XlsxBook, national: National, files: Sequence[UnitFile], title: list[str], colours: dict
) -> NationalSheet:
    """ยังไม่รายงาน: units without results and unusable files, then silent projects."""
    s = NationalSheet(wb, SHEET_MISSING, [f"ยังไม่รายงาน / not reported: {title[1]}"], colours)
    s.table(
        not_reported_rows(national, files),
        "tbl_not_reported",
        "1. หน่วยงานที่ยังไม่รายงานผล และไฟล์ที่ใช้ไม่ได้ / units not reported, unusable files",
    )
    s.table(
        national.projects_not_reported,
        "tbl_projects_not_reported",
        "2. งาน/โครงการที่ถึงกำหนดแต่ยังไม่มีผลเลย / projects due with no result",
    )
    return s


def budget_sheet(
    wb: XlsxBook, national: National, title: list[str], colours: dict
) -> NationalSheet:
    """งบประมาณ: disbursement per unit (and the national total), then per category."""
    s = NationalSheet(wb, SHEET_BUDGET, [f"การเบิกจ่ายงบประมาณ / disbursement: {title[1]}"], colours)
    s.table(national.budget_totals, "tbl_budget_units", "1. รายหน่วยงาน / per unit")
    s.table(national.budget, "tbl_budget_detail", "2. รายหมวดงบประมาณ / per category")
    return s


def kpis_sheet(wb: XlsxBook, national: National, title: list[str], colours: dict) -> NationalSheet:
    """ตัวชี้วัดรวม: the combined indicators the national page 2 is computed from."""
    lines = [f"ตัวชี้วัดรวมระดับประเทศ (ผลสะสม) / combined: {title[1]}", COMBINE_RULE]
    s = NationalSheet(wb, SHEET_KPIS, lines, colours)
    s.table(
        _national_kpis(national), NATIONAL_KPI_TABLE, "ตัวชี้วัดที่รวมจากทุกหน่วยงาน", band_columns=["band"]
    )
    s.table(
        unit_notes(national),
        NATIONAL_NOTES_TABLE,
        "ข้อความจากหน่วยงาน: สูตรคำนวณ ผลการดำเนินงาน ปัญหาอุปสรรค แนวทางแก้ไข หมายเหตุ / "
        "what the units wrote beside their figures",
    )
    return s


def unit_notes(national: National) -> pd.DataFrame:
    """Each unit's text beside its numbers (tbl_kpi's note columns), one row per indicator
    that has any: the narrative is the unit's own, so it is listed per unit, not combined."""
    columns = [UNIT_KEY, "project_id", "kpi_number", "kpi_name", *NOTE_COLUMNS]
    rows = national.kpis.reindex(columns=columns)
    notes = rows[list(NOTE_COLUMNS)].astype(object).where(rows[list(NOTE_COLUMNS)].notna(), "")
    has_text = np.zeros(len(notes), dtype=bool)
    for column in NOTE_COLUMNS:  # each distinct text looked at once
        codes, texts = pd.factorize(notes[column].to_numpy(object))
        filled = np.array([str(t).strip() != "" for t in texts], dtype=bool)
        has_text |= filled[codes] if len(texts) else False
    out = rows.loc[has_text].copy()
    out[list(NOTE_COLUMNS)] = notes.loc[has_text]
    return out.reset_index(drop=True)


def settings_sheet(
    wb: XlsxBook, quarter: int, year_be: int, year_kind: str, colours: dict
) -> NationalSheet:
    """ตั้งค่า: tbl_settings as in a unit's book, so readers find the year and quarter."""
    s = NationalSheet(wb, layout.SHEET_SETTINGS, ["ตั้งค่า / settings"], colours)
    settings = Settings(unit=NATIONAL_UNIT, year_be=year_be, year_kind=year_kind, quarter=quarter)  # type: ignore[arg-type]
    rows = pd.DataFrame(settings_rows(settings), columns=["key", "value", "description"])
    rows["value"] = rows["value"].map(lambda v: "" if v is None else v).astype(object)
    s.table(rows, layout.TABLE_SETTINGS, "ค่าที่ใช้ในการรวมผล / used for this summary")
    return s


RANKING_RULE = (
    "เรียงตามสัดส่วนงาน/โครงการสีเขียว แล้วตามค่าเฉลี่ยผลสำเร็จ (คิดไม่เกิน 100 ต่อโครงการ) / "
    "ranked by share of green projects, then by mean average (each capped at 100)"
)
COMBINE_RULE = (
    "รวมค่าก่อนคำนวณ: sum = รวมทุกหน่วยงาน, last/average = เฉลี่ย, max = ค่าสูงสุด / "
    "units combined before scoring: sum adds up, last/average averages, max takes the largest"
)


def _status_colours(s: NationalSheet, ref: str, column: int) -> None:
    """Fill the status column by status code, the way bands are filled (formula rules)."""
    _, header, _, last = range_boundaries(ref)
    letter = get_column_letter(column)
    for code, colour in STATUS_COLOURS.items():
        s.xs.fill_rule(f"{letter}{header + 1}:{letter}{last}", code, colour)
