"""The quarterly action-plan report, whole, as the office publishes it (``sso-kpi report``
and ``sso-kpi demo`` write it through :func:`write_report`).

From a unit's SSO_Plan workbook or the national workbook ``sso-kpi consolidate`` writes, in
the order of the FY2564 Q3 report: cover and plan, page 2, the detail pages per fund and
strategy, the projects to follow up, and (national book) the units' ranking, the units not
reported and the budget per unit. The parts are sheets of one workbook
(:mod:`sso_app.book.report`) that LibreOffice prints to an A4-landscape PDF in the Loma font;
``--xlsx`` keeps that workbook for the office to edit before publishing; the page-2 chart is
also written as ``<stem>_bands.png`` for slides. PDF, PNG (and xlsx) are written together.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from sso_app.book.libreoffice import convert
from sso_app.book.report.chart import PNG_FONTS, bands_png, thai_font
from sso_app.book.report.data import ReportData, read_report_data
from sso_app.book.report.detail import detail_sheets
from sso_app.book.report.pages import (
    band_rows,
    budget_sheet,
    cover_sheet,
    cycle_sheet,
    follow_up,
    follow_up_sheet,
    not_reported_sheet,
    page2_sheet,
    ranking_sheet,
    report_title,
)
from sso_app.files.writing import work_folder, write_together
from sso_kpi.errors import Issue, SsoError

__all__ = ["PNG_FONTS", "report_title", "report_workbook", "thai_font", "write_report"]


def report_workbook(data: ReportData) -> tuple[Workbook, list[str]]:
    """The report as a workbook of print-ready sheets, and the sections it holds."""
    wb = Workbook()
    wb.remove(wb.active)
    strategies = band_rows(data.evaluation.summary, "ยุทธศาสตร์ที่")
    sections = ["ปกและแผน / cover and plan", "สรุปผลการประเมิน (หน้า 2) / page 2"]
    cover_sheet(wb, data)
    page2_sheet(wb, data, strategies)
    details = detail_sheets(wb, data)
    sections.append(f"รายละเอียดรายโครงการ / detail pages ({len(details)} sheets)")
    follow_up_sheet(wb, data)
    sections.append("งาน/โครงการที่ต้องติดตาม / projects to follow up")
    if len(data.attention):
        cycle_sheet(wb, data)
        sections.append("การส่งผลและการเปลี่ยนแผน / submissions and plan changes")
    if data.national:
        ranking_sheet(wb, data)
        not_reported_sheet(wb, data)
        budget_sheet(wb, data)
        sections += [
            "อันดับหน่วยงาน / unit ranking",
            "หน่วยงานที่ยังไม่รายงาน / units not reported",
            "งบประมาณรายหน่วยงาน / budget per unit",
        ]
    wb.active = 0
    return wb, sections


@dataclass
class ReportResult:
    pdf: Path
    png: Path
    quarter: int
    title: str
    unit_line: str
    n_red: int
    n_not_reported: int
    xlsx: Path | None = None
    sections: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)  # rows left out (listed; exit code 1)

    def __str__(self) -> str:
        lines = [
            self.title,
            self.unit_line,
            f"แดง / red: {self.n_red} งาน/โครงการ, ยังไม่รายงาน / not reported: "
            f"{self.n_not_reported}",
            "ส่วนของรายงาน / sections: " + "; ".join(self.sections),
            f"PDF: {self.pdf}",
            f"แผนภูมิสำหรับสไลด์ / chart for slides: {self.png}",
        ]
        if self.xlsx is not None:
            lines.append(f"สมุดงานสำหรับแก้ไข / editable workbook: {self.xlsx}")
        if self.errors:
            lines.append(
                f"แถวที่ไม่นำมาคำนวณ {len(self.errors)} รายการ / {len(self.errors)} rows left out:"
            )
            lines += [f"  - {i.text()}" for i in self.errors[:50]]
        return "\n".join(lines)


def _check_pdf(path: Path) -> None:
    with Path(path).open("rb") as f:
        if f.read(5) != b"%PDF-":
            raise SsoError("ไฟล์ PDF ไม่สมบูรณ์", "the PDF came out damaged", where=str(path))


def write_report(
    book: Path, output: Path, quarter: int | None, *, xlsx: bool = False
) -> ReportResult:
    """Write ``output`` (.pdf; the suffix is added if missing), ``<stem>_bands.png`` and,
    with ``xlsx``, ``<stem>_report.xlsx`` beside it, from ``book`` (a unit's or a national
    book)."""
    output = Path(output)
    if output.suffix.lower() != ".pdf":
        output = output.with_name(output.name + ".pdf")
    png = output.with_name(f"{output.stem}_bands.png")
    editable = output.with_name(f"{output.stem}_report.xlsx") if xlsx else None
    data = read_report_data(book, quarter)
    ev = data.evaluation
    title = report_title(data.settings, ev.quarter)
    strategies = band_rows(ev.summary, "ยุทธศาสตร์ที่")
    chart_title = f"{title}\n{data.unit_line}"
    wb, sections = report_workbook(data)
    with work_folder(output) as tmp:
        sheet = tmp / "report.xlsx"
        wb.save(sheet)
        pdf = convert(sheet, "pdf", tmp / "pdf")
        # One report: every part replaced, or none.
        parts = [
            (output, lambda t: shutil.copyfile(pdf, t), _check_pdf),
            (png, lambda t: bands_png(strategies, chart_title, t, data.settings.colours), None),
        ]
        if editable is not None:
            parts.append((editable, lambda t: shutil.copyfile(sheet, t), None))
        write_together(parts, inputs=[book])
    red, missing = follow_up(data)
    return ReportResult(
        output,
        png,
        ev.quarter,
        title,
        data.unit_line,
        len(red),
        len(missing),
        editable,
        sections,
        data.errors,
    )
