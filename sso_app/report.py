"""`sso-kpi report`: a printable Thai PDF in the shape of the office's quarterly report.

The FY2564 Q3 action-plan report opens (page 2) with one table: per strategy, how many
projects were evaluated and how many of them are green (ร้อยละ 100 ขึ้นไป), yellow (ร้อยละ
50-99) and red (ต่ำกว่าร้อยละ 50), as counts and shares, under a title naming the year in
พ.ศ. and the cumulative period. This module prints that page from a workbook: the title, the
band table per strategy and per fund with coloured headers and cells, a native bar chart, and
the projects to follow up (red, not reported) -- for a unit's SSO_Plan workbook or for the
national workbook ``sso-kpi consolidate`` writes.

How: an A4-landscape report sheet is built with openpyxl (one Thai font installed everywhere
LibreOffice runs: ``Loma`` from fonts-thai-tlwg) and LibreOffice prints it to PDF. The chart
for slides (``<stem>_bands.png``) is drawn by matplotlib, whose libraqm text layout (3.11+)
places Thai vowel and tone marks correctly (checked by eye: ที่, ปั้น, ญี่ปุ่น, ไม่).
"""

from __future__ import annotations

import contextlib
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book import layout
from sso_app.book.libreoffice import convert
from sso_app.book.opening import NATIONAL, UNIT, open_sso_book
from sso_app.book.settings import Settings
from sso_app.book.sheets import add_bands_chart
from sso_app.files.textsafe import set_text_cell
from sso_app.files.writing import work_folder, write_together
from sso_app.national.workbook import wrapped_lines
from sso_kpi.errors import SsoError
from sso_kpi.evaluation import Evaluation, red_and_missing
from sso_kpi.periods import cumulative_label
from sso_kpi.rollup import with_total
from sso_kpi.scoring import BAND_MEANING_TH, BAND_TH, GREEN, GREY, RED, YELLOW
from sso_kpi.values import round_half_up

FONT = "Loma"  # fonts-thai-tlwg; "TH Sarabun New" is the office's font but rarely installed
PNG_FONTS = ("TH Sarabun New", "Sarabun", "Loma", "Garuda", "Waree", "Tahoma")
TINTS = {GREEN: "E2EFDA", YELLOW: "FFF2CC", RED: "FCE4D6", GREY: "EDEDED"}  # readable cells
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
# Report columns A:I; widths in characters. A project's name spans C:G.
WIDTHS = {"A": 17, "B": 13, "C": 10, "D": 10, "E": 10, "F": 10, "G": 10, "H": 10, "I": 12}
NAME_SPAN = ("C", "G")
CHART_DATA_COL = 12  # L: the chart's numbers, outside the print area
CHART_ROWS = 18
CM_PT = 28.35
DEFAULT_ROW_PT = 15.0
PAGE_HEIGHT_PT = (8.27 - 0.6 - 0.9) * 72  # A4 landscape minus the top and bottom margins


# ---------------------------------------------------------------------------------------------
# What is reported
# ---------------------------------------------------------------------------------------------


@dataclass
class ReportData:
    """A workbook's settings, its evaluation and (national book) units not reported."""

    settings: Settings
    evaluation: Evaluation
    national: bool
    units_not_reported: pd.DataFrame  # unit, file, reason_th (national book only)
    n_units: int = 1
    notes: dict[str, str] = field(default_factory=dict)  # project_id -> what the unit wrote

    @property
    def unit_line(self) -> str:
        unit = self.settings.unit or "-"
        if self.national:
            return f"{unit} รวมจาก {self.n_units} หน่วยงาน"
        return f"หน่วยงาน: {unit}"


def read_report_data(book: Path, quarter: int | None) -> ReportData:
    """Read a unit SSO workbook (its tbl_kpi) or a national workbook (its combined
    indicators) through :func:`open_sso_book` and evaluate it at the quarter the one rule
    picks (asked, else the book's ไตรมาสปัจจุบัน)."""
    opened = open_sso_book(Path(book), kinds=(UNIT, NATIONAL))
    national = opened.kind == NATIONAL
    evaluation = opened.evaluation(quarter)
    missing = pd.DataFrame(columns=["unit", "file", "reason_th"])
    n_units = 1
    if national:
        if opened.has_table("tbl_not_reported"):
            frame = opened.table("tbl_not_reported").frame()
            missing = frame.reindex(columns=["unit", "file", "reason_th"]).fillna("")
            missing = missing[(missing["unit"] != "") | (missing["file"] != "")]
        if opened.has_table("tbl_units"):
            units = opened.table("tbl_units").frame()
            named = units.get("reporting_unit", pd.Series(dtype=object)).astype(str)
            n_units = int((named.str.strip() != "").sum())
    if national:
        typed = (
            opened.table(layout.NATIONAL_NOTES_TABLE).frame()
            if opened.has_table(layout.NATIONAL_NOTES_TABLE)
            else pd.DataFrame()
        )
    else:
        typed = opened.data.kpis.frame
    return ReportData(
        opened.settings,
        evaluation,
        national,
        missing.reset_index(drop=True),
        n_units,
        project_notes(typed),
    )


def project_notes(frame: pd.DataFrame) -> dict[str, str]:
    """project_id -> the ปัญหาอุปสรรค and แนวทางแก้ไข its indicators carry, one line each
    (a national book's lines name the unit): printed under a red project.

    >>> project_notes(pd.DataFrame({"project_id": ["P1"], "kpi_number": ["2"],
    ...     "obstacles": ["ขาดบุคลากร"], "remedies": [""]}))
    {'P1': 'ตัวชี้วัดที่ 2: ปัญหาอุปสรรค ขาดบุคลากร'}
    """
    if frame.empty or "project_id" not in frame:
        return {}
    notes: dict[str, list[str]] = {}
    for _, row in frame.iterrows():
        said = [
            f"{label} {str(row.get(key)).strip()}"
            for key, label in (("obstacles", "ปัญหาอุปสรรค"), ("remedies", "แนวทางแก้ไข"))
            if isinstance(row.get(key), str) and row.get(key).strip()
        ]
        if said:
            unit = row.get("reporting_unit")
            who = f"{unit} " if isinstance(unit, str) and unit else ""
            line = f"{who}ตัวชี้วัดที่ {row.get('kpi_number')}: " + "; ".join(said)
            notes.setdefault(str(row["project_id"]), []).append(line)
    return {k: "\n".join(v) for k, v in notes.items()}


def report_title(settings: Settings, quarter: int) -> str:
    """The report's own heading: "รายงานผลการดำเนินงานตามแผนปฏิบัติราชการ ประจำปี พ.ศ. 2564
    ไตรมาสที่ 3 (สะสม ม.ค. – ก.ย.)"; a fiscal year reads "ประจำปีงบประมาณ พ.ศ. …".

    >>> report_title(Settings(year_be=2565, year_kind="fiscal"), 1)
    'รายงานผลการดำเนินงานตามแผนปฏิบัติราชการ ประจำปีงบประมาณ พ.ศ. 2565 ไตรมาสที่ 1 (สะสม ต.ค. – ธ.ค.)'
    """
    year = "ปีงบประมาณ" if settings.year_kind == "fiscal" else "ปี"
    span = cumulative_label(quarter, settings.year_kind)
    return (
        f"รายงานผลการดำเนินงานตามแผนปฏิบัติราชการ ประจำ{year} พ.ศ. {settings.year_be} "
        f"ไตรมาสที่ {quarter} ({span})"
    )


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


# ---------------------------------------------------------------------------------------------
# The report sheet
# ---------------------------------------------------------------------------------------------


def _font(size: int = 11, bold: bool = False, color: str = "000000") -> Font:
    return Font(name=FONT, size=size, bold=bold, color=color)


class _Page:
    """The report sheet, written top to bottom."""

    def __init__(self, ws: Worksheet, colours: dict[str, str]):
        self.ws, self.colours, self.row = ws, colours, 1
        for letter, width in WIDTHS.items():
            ws.column_dimensions[letter].width = width

    def line(self, text: str, *, size: int = 11, bold: bool = False, merge: bool = True) -> None:
        cell = self.ws.cell(row=self.row, column=1)
        set_text_cell(cell, text)
        cell.font = _font(size, bold)
        cell.alignment = Alignment(
            horizontal="center" if merge else "left", vertical="center", wrap_text=merge
        )
        lines = 1
        if merge:
            self.ws.merge_cells(
                start_row=self.row, start_column=1, end_row=self.row, end_column=len(WIDTHS)
            )
            # A wrapped title needs the row to grow: LibreOffice keeps the height it is given.
            lines = _lines(text, sum(WIDTHS.values()) * 11 / size / (1.15 if bold else 1.0))
        self.ws.row_dimensions[self.row].height = size * 1.6 * lines + size * 0.5
        self.row += 1

    def cell(
        self,
        row: int,
        col: int,
        value: object,
        *,
        fill: str | None = None,
        bold: bool = False,
        fmt: str | None = None,
        align: Alignment = CENTRE,
    ) -> None:
        c = self.ws.cell(row=row, column=col)
        set_text_cell(c, value)
        c.font = _font(11, bold)
        c.border = BOX
        c.alignment = align
        if fill:
            c.fill = PatternFill("solid", start_color=fill, end_color=fill)
        if fmt:
            c.number_format = fmt

    def merged(self, row: int, first: int, last: int, value: object, **style: object) -> None:
        for col in range(first, last + 1):
            self.cell(row, col, value if col == first else None, **style)  # type: ignore[arg-type]
        if last > first:
            self.ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)

    def band_table(self, rows: pd.DataFrame, heading: str) -> tuple[int, int]:
        """The page-2 table with its two header rows; returns (first, last) data row."""
        c = self.colours
        top = self.row
        self.merged(top, 1, 1, heading, bold=True, fill="DDEBF7")
        self.merged(top + 1, 1, 1, None, fill="DDEBF7")
        self.ws.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)
        self.merged(top, 2, 2, "จำนวนงาน/โครงการที่ประเมิน", bold=True, fill="DDEBF7")
        self.merged(top + 1, 2, 2, None, fill="DDEBF7")
        self.ws.merge_cells(start_row=top, start_column=2, end_row=top + 1, end_column=2)
        for i, band in enumerate((GREEN, YELLOW, RED)):
            col = 3 + 2 * i
            head = f"{BAND_TH[band]} ({BAND_MEANING_TH[band]})"
            self.merged(top, col, col + 1, head, bold=True, fill=c[band])
            self.cell(top + 1, col, "จำนวน", bold=True, fill=c[band])
            self.cell(top + 1, col + 1, "ร้อยละ", bold=True, fill=c[band])
        self.merged(top, 9, 9, "ไม่ได้ประเมิน", bold=True, fill=c[GREY])
        self.merged(top + 1, 9, 9, None, fill=c[GREY])
        self.ws.merge_cells(start_row=top, start_column=9, end_row=top + 1, end_column=9)
        self.ws.row_dimensions[top].height = 36
        self.ws.row_dimensions[top + 1].height = 18
        row = top + 2
        for _, r in rows.iterrows():
            total = r["label"] == "รวม"
            self.cell(row, 1, r["label"], bold=total, align=LEFT)
            self.cell(row, 2, int(r["evaluated"]), bold=total, fmt="#,##0")
            for i, band in enumerate((GREEN, YELLOW, RED)):
                col = 3 + 2 * i
                self.cell(row, col, int(r[band]), fill=TINTS[band], bold=total, fmt="#,##0")
                pct = None if math.isnan(r[f"{band}_pct"]) else float(r[f"{band}_pct"])
                self.cell(row, col + 1, pct, fill=TINTS[band], bold=total, fmt="0.00")
            self.cell(row, 9, int(r["not_evaluated"]), fill=TINTS[GREY], bold=total, fmt="#,##0")
            row += 1
        self.row = row + 1
        return top + 2, row - 1

    def chart(self, rows: pd.DataFrame, title: str) -> None:
        """Native stacked bars (green, yellow, red per strategy) under the tables; their
        numbers sit right of the print area, where the chart reads them."""
        data = rows[rows["label"] != "รวม"]
        left, top = CHART_DATA_COL, self.row
        for j, head in enumerate(["ยุทธศาสตร์", *(BAND_TH[b] for b in (GREEN, YELLOW, RED))]):
            set_text_cell(self.ws.cell(row=top, column=left + j), head)
        for i, (_, r) in enumerate(data.iterrows(), start=1):
            set_text_cell(self.ws.cell(row=top + i, column=left), r["label"])
            for j, band in enumerate((GREEN, YELLOW, RED), start=1):
                self.ws.cell(row=top + i, column=left + j).value = int(r[band])
        last = top + max(len(data), 1)
        height_cm = max(6.0, min(CHART_ROWS * 0.5, 2.0 + 1.1 * len(data)))
        if self.height_pt(top) + height_cm * CM_PT > PAGE_HEIGHT_PT:
            self.ws.row_breaks.append(Break(id=top - 1))  # the chart starts a new page
        ref = f"{get_column_letter(left)}{top}:{get_column_letter(left + 3)}{last}"
        chart = add_bands_chart(
            self.ws,
            table_ref=ref,
            categories_col=left,
            first_series_col=left + 1,
            n_series=3,
            anchor=f"A{top}",
            title=title,
            colours=[self.colours[b] for b in (GREEN, YELLOW, RED)],
        )
        chart.width = sum(WIDTHS.values()) * 0.19  # cm: the table's width
        chart.height = height_cm
        self.row = top + math.ceil(height_cm * CM_PT / DEFAULT_ROW_PT) + 1

    def height_pt(self, row: int) -> float:
        """Height of rows 1 … ``row - 1`` in points (for deciding page breaks)."""
        heights = (self.ws.row_dimensions[r].height for r in range(1, row))
        return sum(h or DEFAULT_ROW_PT for h in heights)

    def project_list(
        self,
        projects: pd.DataFrame,
        heading: str,
        empty: str,
        notes: dict[str, str] | None = None,
    ) -> None:
        """Projects to follow up: id, strategy, name (wrapped over C:G), unit, average; under
        a project, what its unit wrote as ปัญหาอุปสรรค / แนวทางแก้ไข (``notes``)."""
        self.line(heading, size=12, bold=True, merge=False)
        if projects.empty:
            self.line(empty, merge=False)
            self.row += 1
            return
        heads = ["รหัสโครงการ", "ยุทธศาสตร์/กลยุทธ์", "ชื่องาน/โครงการ", "หน่วยงาน", "ค่าเฉลี่ย (ร้อยละ)"]
        spans = [(1, 1), (2, 2), (3, 7), (8, 8), (9, 9)]
        for head, (a, b) in zip(heads, spans, strict=True):
            self.merged(self.row, a, b, head, bold=True, fill="DDEBF7")
        self.ws.row_dimensions[self.row].height = 32
        self.row += 1
        name_width = sum(WIDTHS[get_column_letter(c)] for c in range(3, 8))
        for _, p in projects.iterrows():
            strategy = "/".join(str(v) for v in (p["strategy"], p["substrategy"]) if v)
            average = None if pd.isna(p["average_pct"]) else float(p["average_pct"])
            values = [p["project_id"], strategy, p["project_name"], p["unit"], average]
            for value, (a, b) in zip(values, spans, strict=True):
                style = {"align": LEFT} if a in (3, 8) else {}
                if a == 9:
                    style = {"fmt": "0.00", "fill": TINTS[p["band"]]}
                self.merged(self.row, a, b, value, **style)
            lines = max(_lines(p["project_name"], name_width), _lines(p["unit"], WIDTHS["H"]), 1)
            self.ws.row_dimensions[self.row].height = 16 * lines
            self.row += 1
            said = (notes or {}).get(str(p["project_id"]))
            if said:
                self.merged(self.row, 2, 9, said, align=LEFT)
                width = sum(WIDTHS[get_column_letter(c)] for c in range(2, 10))
                self.ws.row_dimensions[self.row].height = 16 * max(_lines(said, width), 1)
                self.row += 1
        self.row += 1

    def units_list(self, units: pd.DataFrame) -> None:
        """National book: units that have not reported and files that could not be used."""
        self.line("5. หน่วยงานที่ยังไม่รายงานผล และไฟล์ที่ใช้ไม่ได้", size=12, bold=True, merge=False)
        if units.empty:
            self.line("ทุกหน่วยงานรายงานผลแล้ว", merge=False)
            return
        for head, (a, b) in zip(["หน่วยงาน", "ไฟล์", "เหตุผล"], [(1, 3), (4, 5), (6, 9)], strict=True):
            self.merged(self.row, a, b, head, bold=True, fill="DDEBF7")
        self.row += 1
        for _, u in units.iterrows():
            for value, (a, b) in zip(
                [u["unit"], u["file"], u["reason_th"]], [(1, 3), (4, 5), (6, 9)], strict=True
            ):
                self.merged(self.row, a, b, value, align=LEFT)
            width = sum(WIDTHS[get_column_letter(c)] for c in range(6, 10))
            self.ws.row_dimensions[self.row].height = 16 * max(_lines(u["reason_th"], width), 1)
            self.row += 1


def _lines(text: object, width: float) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide (Thai-aware)."""
    return wrapped_lines(text, width)


def report_workbook(data: ReportData) -> Workbook:
    """The report as one A4-landscape sheet, fitted to the page width."""
    ev, settings = data.evaluation, data.settings
    colours = settings.colours
    wb = Workbook()
    ws = wb.active
    ws.title = "รายงาน"
    page = _Page(ws, colours)
    title = report_title(settings, ev.quarter)
    page.line(title, size=16, bold=True)
    page.line(data.unit_line, size=14, bold=True)
    projects = ev.projects
    evaluated = int(projects["evaluated"].sum()) if len(projects) else 0
    page.line(
        f"ผล{cumulative_label(ev.quarter, settings.year_kind, settings.year_be)}: "
        f"ประเมิน {evaluated:,} จาก {len(projects):,} งาน/โครงการ",
        size=11,
    )
    page.row += 1

    page.line("1. สรุปผลการดำเนินงานตามประเด็นยุทธศาสตร์", size=12, bold=True, merge=False)
    strategies = band_rows(ev.summary, "ยุทธศาสตร์ที่")
    page.band_table(strategies, "ประเด็นยุทธศาสตร์")
    page.line("2. สรุปผลตามกองทุน", size=12, bold=True, merge=False)
    page.band_table(band_rows(ev.summary_by_fund, ""), "กองทุน")
    page.chart(strategies, f"จำนวนงาน/โครงการตามแถบสี ไตรมาสที่ {ev.quarter}")

    listed = red_and_missing(ev)
    missing = listed["reason"].str.startswith("ยังไม่รายงาน")
    page.project_list(
        listed[~missing],
        "3. งาน/โครงการที่มีผลต่ำกว่าร้อยละ 50 (สีแดง)",
        "ไม่มีงาน/โครงการสีแดง",
        data.notes,
    )
    page.project_list(
        listed[missing],
        "4. งาน/โครงการที่ถึงกำหนดแต่ยังไม่รายงานผล",
        "ทุกงาน/โครงการที่ถึงกำหนดรายงานผลแล้ว",
    )
    if data.national:
        page.units_list(data.units_not_reported)

    ws.print_area = f"A1:{get_column_letter(len(WIDTHS))}{page.row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.9
    ws.page_margins.header, ws.page_margins.footer = 0.3, 0.35
    ws.oddFooter.center.text = "หน้า &P / &N"
    ws.oddFooter.center.font = FONT
    ws.oddFooter.right.text = "sso-kpi"
    ws.sheet_view.showGridLines = False
    return wb


# ---------------------------------------------------------------------------------------------
# The chart for slides
# ---------------------------------------------------------------------------------------------


def thai_font() -> str:
    """A Thai-capable font matplotlib can find, the office's own first."""
    from matplotlib import font_manager

    for attempt in range(2):
        installed = {f.name for f in font_manager.fontManager.ttflist}
        for name in PNG_FONTS:
            if name in installed:
                return name
        if attempt == 0:
            # matplotlib caches its font list once: fonts installed after that (apt-get
            # install fonts-thai-tlwg on a machine that already drew a chart) are unseen.
            for path in font_manager.findSystemFonts():
                with contextlib.suppress(Exception):  # a font file it cannot parse
                    font_manager.fontManager.addfont(path)
    raise SsoError(
        "ไม่พบฟอนต์ภาษาไทย: ติดตั้งด้วย apt-get install fonts-thai-tlwg",
        "no Thai font found for the chart: apt-get install fonts-thai-tlwg",
    )


def bands_png(rows: pd.DataFrame, title: str, path: Path, colours: dict[str, str]) -> None:
    """Horizontal stacked bars per strategy, counts in the bars, Thai labels (matplotlib)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data = rows[rows["label"] != "รวม"].iloc[::-1]  # first strategy on top
    font = thai_font()
    fig = Figure(figsize=(10, 1.4 + 0.55 * max(len(data), 1)), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    left = np.zeros(len(data))
    for band in (GREEN, YELLOW, RED):
        values = data[band].to_numpy(float)
        bars = ax.barh(
            data["label"],
            values,
            left=left,
            color=f"#{colours[band]}",
            edgecolor="white",
            label=f"{BAND_TH[band]} ({BAND_MEANING_TH[band]})",
        )
        for bar, value in zip(bars, values, strict=True):
            if value:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    f"{int(value)}",
                    ha="center",
                    va="center",
                    fontsize=10,
                    fontfamily=font,
                )
        left += values
    ax.set_title(title, fontfamily=font, fontsize=13)
    ax.set_xlabel("จำนวนงาน/โครงการ", fontfamily=font)
    for label in ax.get_yticklabels():
        label.set_fontfamily(font)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(prop={"family": font, "size": 10}, loc="lower center", ncol=3, frameon=False)
    legend_share = 0.5 / fig.get_figheight()  # half an inch for the legend under the axis
    fig.tight_layout(rect=(0, legend_share, 1, 1))
    fig.savefig(path, format="png")


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


@dataclass
class ReportResult:
    pdf: Path
    png: Path
    quarter: int
    title: str
    unit_line: str
    n_red: int
    n_not_reported: int

    def __str__(self) -> str:
        return "\n".join(
            [
                self.title,
                self.unit_line,
                f"แดง / red: {self.n_red} งาน/โครงการ, ยังไม่รายงาน / not reported: "
                f"{self.n_not_reported}",
                f"PDF: {self.pdf}",
                f"แผนภูมิสำหรับสไลด์ / chart for slides: {self.png}",
            ]
        )


def _check_pdf(path: Path) -> None:
    with Path(path).open("rb") as f:
        if f.read(5) != b"%PDF-":
            raise SsoError("ไฟล์ PDF ไม่สมบูรณ์", "the PDF came out damaged", where=str(path))


def write_report(book: Path, output: Path, quarter: int | None) -> ReportResult:
    """Write ``output`` (.pdf; the suffix is added if missing) and ``<stem>_bands.png``
    beside it, from the workbook ``book`` (a unit SSO_Plan book or a national one)."""
    output = Path(output)
    if output.suffix.lower() != ".pdf":
        output = output.with_name(output.name + ".pdf")
    png = output.with_name(f"{output.stem}_bands.png")
    data = read_report_data(book, quarter)
    ev = data.evaluation
    title = report_title(data.settings, ev.quarter)
    strategies = band_rows(ev.summary, "ยุทธศาสตร์ที่")
    chart_title = f"{title}\n{data.unit_line}"
    with work_folder(output) as tmp:
        sheet = tmp / "report.xlsx"
        report_workbook(data).save(sheet)
        pdf = convert(sheet, "pdf", tmp / "pdf")
        # The PDF and its chart are one report: both replaced, or neither.
        write_together(
            [
                (output, lambda t: shutil.copyfile(pdf, t), _check_pdf),
                (png, lambda t: bands_png(strategies, chart_title, t, data.settings.colours), None),
            ],
            inputs=[book],
        )
    listed = red_and_missing(ev)
    missing = int(listed["reason"].str.startswith("ยังไม่รายงาน").sum())
    return ReportResult(
        output, png, ev.quarter, title, data.unit_line, len(listed) - missing, missing
    )
