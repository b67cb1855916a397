"""`sso-kpi demo`: the shipped book rebuilt into a folder, with a PDF of the summary and the
whole quarterly report."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

from sso_app.book import layout
from sso_app.book.libreoffice import pdf_fonts, pdf_text
from sso_app.demo import PDF_NAME, only_sheet_visible, run_demo
from tests.test_build import SHIPPED, check_macro_parts
from tests.test_printed_book import check_values_kept_on_open


def test_run_demo_writes_book_shim_and_summary_pdf(tmp_path: Path) -> None:
    report = run_demo(tmp_path / "out")
    out = tmp_path / "out"
    assert report.book == out / layout.BOOK_NAME and report.book.is_file()
    assert (out / "SSO_Plan.py").read_text(encoding="utf-8").count("def main()") == 1
    assert report.pdf == out / PDF_NAME and report.pdf.stat().st_size > 10_000
    text = pdf_text(report.pdf)
    assert "สรุปผลการดำเนินงานตามแผนปฏิบัติราชการ" in text
    assert "ไตรมาสที่ 3" in text and "SSF-043" in text
    assert "schema_version" not in text  # only the summary sheet is printed
    assert "Performance Base" not in text
    assert any("Loma" in f or "Garuda" in f or "Sarabun" in f for f in pdf_fonts(report.pdf))
    shown = str(report)
    assert str(report.pdf) in shown and str(report.book) in shown
    check_macro_parts(report.book)
    check_values_kept_on_open(report.book)  # Excel shows the cached values on open
    assert SHIPPED.read_bytes() != report.book.read_bytes()  # the copy was rebuilt...
    assert report.rebuild.bands["red"] == 1
    # make demo also writes the whole quarterly report of the demo book
    full = report.report
    assert full is not None and full.pdf == out / "SSO_Plan_report.pdf"
    assert full.png.is_file() and full.xlsx is not None and full.xlsx.is_file()
    whole = "".join(pdf_text(full.pdf).split())
    for part in ("แผนการดำเนินงาน", "เกณฑ์การประเมิน", "ผลที่ได้จากการประเมินผลการดำเนินงาน",
                 "รวมร้อยละเฉลี่ยของงาน/โครงการ", "งาน/โครงการที่ต้องติดตาม"):  # fmt: skip
        assert part in whole, part
    assert str(full.pdf) in shown
    again = run_demo(out)  # a second run replaces the files in place
    assert again.book == report.book and again.pdf.stat().st_size > 10_000


def test_only_the_summary_is_visible_in_the_pdf_copy(tmp_path: Path) -> None:
    copy = tmp_path / "copy.xlsm"
    only_sheet_visible(SHIPPED, copy, layout.SHEET_SUMMARY)
    with zipfile.ZipFile(copy) as zf:
        xml = zf.read("xl/workbook.xml").decode("utf-8")
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    states = {
        sheet.get("name"): sheet.get("state")
        for sheet in ElementTree.fromstring(xml).iterfind("m:sheets/m:sheet", ns)
    }
    assert [name for name, state in states.items() if state == "visible"] == [layout.SHEET_SUMMARY]
    assert len(states) > 1 and set(states.values()) == {"visible", "hidden"}
    assert "_xlnm.Print_Area" in xml and xml.count("_xlnm.Print_Area") == 1
