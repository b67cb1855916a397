"""`sso-kpi demo` (`make demo`): the shipped workbook rebuilt into out/, with a PDF summary.

It shows the whole headless path on the demo data (FY2564 Q3, strategy 1): copy the shipped
``workbook/SSO_Plan.xlsm`` and its ``SSO_Plan.py``, rebuild the copy's summary with the
engine, print the summary sheet to PDF through LibreOffice, and write the whole quarterly
report of the book (``SSO_Plan_report.pdf``, its chart and editable workbook).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sso_app.book import layout
from sso_app.book.cached import print_pdf
from sso_app.book.libreoffice import only_sheet_visible  # noqa: F401  (tests use it from here)
from sso_app.book.opening import open_sso_book, verify_written_book
from sso_app.book.refresh import RebuildReport, book_writer, refreshed_workbook
from sso_app.book.report.output import ReportResult, write_report
from sso_app.files.packaged import SHIM_NAME, shipped_book_dir
from sso_app.files.writing import WriteTransaction, atomic_write, make_folder
from sso_kpi.errors import SsoError

PDF_NAME = "SSO_Plan_summary.pdf"
REPORT_NAME = "SSO_Plan_report.pdf"


@dataclass
class DemoReport:
    book: Path
    shim: Path
    pdf: Path
    rebuild: RebuildReport
    report: ReportResult | None = None

    def __str__(self) -> str:
        return "\n".join(
            [
                str(self.rebuild),
                "",
                "ไฟล์ตัวอย่าง / demo files:",
                f"  สมุดงาน / workbook:        {self.book}",
                f"  โมดูลคู่กัน / companion:     {self.shim}",
                f"  PDF สรุปรายไตรมาส / summary: {self.pdf}",
                *(
                    [
                        f"  รายงานฉบับเต็ม / full report: {self.report.pdf}",
                        f"  แผนภูมิ / chart: {self.report.png}",
                        f"  รายงานแบบแก้ไขได้ / editable report: {self.report.xlsx}",
                    ]
                    if self.report
                    else []
                ),
            ]
        )


def summary_pdf(book: Path, dest: Path) -> Path:
    """PDF of the summary sheet of ``book`` at ``dest`` (LibreOffice, headless), printed as
    the book's page setup says (sso_app.book.printing) with its cached values."""
    return print_pdf(book, dest, sheet=layout.SHEET_SUMMARY)


def run_demo(outdir: Path) -> DemoReport:
    """The shipped book rebuilt into ``outdir`` (a planner's book already there is kept as a
    dated version in ``SSO_Plan.backups/``), its companion module, its summary as PDF and
    the whole quarterly report of it."""
    outdir = Path(outdir)
    folder = shipped_book_dir()  # the wheel's copy, or workbook/ of a checkout
    source = folder / layout.BOOK_NAME
    if not source.is_file():
        raise SsoError(
            f"ไม่พบ {source}: สั่ง sso-kpi build-workbook ก่อน",
            f"{source} is missing: run sso-kpi build-workbook first",
        )
    make_folder(outdir)
    book = outdir / layout.BOOK_NAME
    with WriteTransaction(book, inputs=[source]) as t:
        shipped = open_sso_book(source, whole_form=True)
        wb, report = refreshed_workbook(shipped)
        rows = {layout.TABLE_KPI: shipped.filled_rows(layout.TABLE_KPI)}
        report.backup = t.commit(book_writer(wb, source), verify_written_book(rows))
    report.book = book
    shim = outdir / SHIM_NAME
    atomic_write(shim, lambda tmp: shutil.copyfile(folder / SHIM_NAME, tmp), backup=False)
    try:
        pdf = summary_pdf(book, outdir / PDF_NAME)
    except SsoError as err:
        raise SsoError(
            f"สร้างสรุปในสมุดงาน {book} แล้ว แต่ทำ PDF ไม่ได้: {err.message_th}",
            f"the workbook {book} was rebuilt, but the PDF could not be made: {err.message_en}",
            where=err.where,
        ) from err
    try:
        full = write_report(book, outdir / REPORT_NAME, None, xlsx=True)
    except SsoError as err:
        raise SsoError(
            f"สร้างสรุปในสมุดงาน {book} แล้ว แต่ทำรายงานฉบับเต็มไม่ได้: {err.message_th}",
            f"the workbook {book} was rebuilt, but the full report could not be made: "
            f"{err.message_en}",
            where=err.where,
        ) from err
    return DemoReport(book=book, shim=shim, pdf=pdf, rebuild=report, report=full)
