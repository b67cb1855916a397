"""`sso-kpi report`: the printable Thai PDF (page 2 of the office's report) and the PNG chart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.generate import indicators, write_unit_workbook
from sso_app.book.libreoffice import pdf_fonts, pdf_pages_png, pdf_text
from sso_app.book.settings import Settings
from sso_app.build import build_workbook
from sso_app.cli import main
from sso_app.consolidate import consolidate
from sso_app.report import report_title, write_report
from sso_kpi.errors import SsoError

THAI_FONTS = {
    "Loma",
    "Garuda",
    "Norasi",
    "Kinnari",
    "Waree",
    "Umpush",
    "Sawasdee",
    "Laksaman",
    "Purisa",
    "TlwgTypo",
    "THSarabunNew",
}
TITLE = "รายงานผลการดำเนินงานตามแผนปฏิบัติราชการ ประจำปี พ.ศ. 2564 ไตรมาสที่ 3 (สะสม ม.ค. – ก.ย.)"


@pytest.fixture(scope="module")
def unit_report(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("report")
    book = folder / "SSO_Plan.xlsm"
    build_workbook(book, demo=True)  # the FY2564 Q3 strategy-1 plan: SSF-043 is red
    result = write_report(book, folder / "รายงาน.pdf", None)
    return result, folder


def one_line(text: str) -> str:
    """PDF text with wrapped lines joined by a space, as they read."""
    return " ".join(text.split())


def _font_family(name: str) -> str:
    return name.split("-")[0].replace(" ", "")


def test_the_pdf_has_the_thai_title_strategies_and_the_red_project(unit_report):
    result, _ = unit_report
    assert result.pdf.is_file() and result.pdf.read_bytes().startswith(b"%PDF-")
    text = one_line(pdf_text(result.pdf))
    assert TITLE in text
    assert "พ.ศ. 2564" in text
    assert "หน่วยงาน: สำนักงานประกันสังคม" in text
    assert "ยุทธศาสตร์ที่ 1" in text
    assert "SSF-043" in text  # the report's one red project (41.67)
    assert "41.67" in text
    for label in ("เขียว", "เหลือง", "แดง", "ไม่ได้ประเมิน", "โครงการที่ประเมิน"):
        assert label in text, label
    # page 2 of the published report: 43 evaluated, 27 / 15 / 1, 62.79 % green
    assert "62.79" in text and "34.88" in text and "2.33" in text
    assert result.n_red == 1 and result.n_not_reported == 0


def test_the_pdf_uses_a_thai_font(unit_report):
    result, _ = unit_report
    fonts = {_font_family(f) for f in pdf_fonts(result.pdf)}
    assert fonts & THAI_FONTS, fonts


def test_the_png_chart_is_a_valid_png(unit_report):
    result, folder = unit_report
    assert result.png == folder / "รายงาน_bands.png"
    data = result.png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    from matplotlib import image

    pixels = image.imread(result.png)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 800
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 10  # not blank


def test_the_pages_render(unit_report, tmp_path: Path):
    result, _ = unit_report
    pages = pdf_pages_png(result.pdf, tmp_path, dpi=30)
    # the whole report of 57 projects: cover, page 2, detail pages, follow-up
    assert 4 <= len(pages) <= 40
    assert all(page.stat().st_size > 1_000 for page in pages)


def test_a_fiscal_year_book_and_a_project_that_reported_nothing(tmp_path: Path):
    frame = indicators(40, seed=3)
    frame.loc[frame["project_id"] == frame["project_id"].iloc[0], "result_q1"] = np.nan
    frame.loc[frame["project_id"] == frame["project_id"].iloc[0], "plan_q1"] = 5.0
    book = write_unit_workbook(
        tmp_path / "unit.xlsx",
        unit="สำนักงานประกันสังคมจังหวัดตาก",
        kpis=frame,
        year_be=2565,
        year_kind="fiscal",
    )
    result = write_report(book, tmp_path / "q1", 1)
    assert result.pdf == tmp_path / "q1.pdf"
    text = one_line(pdf_text(result.pdf))
    assert (
        "รายงานผลการดำเนินงานตามแผนปฏิบัติราชการ ประจำปีงบประมาณ พ.ศ. 2565 ไตรมาสที่ 1 "
        "(สะสม ต.ค. – ธ.ค.)" in text
    )
    assert "ยังไม่รายงานผล" in text
    assert frame["project_id"].iloc[0] in text
    assert result.n_not_reported >= 1


def test_a_national_book(tmp_path: Path):
    plan = indicators(40, seed=5)
    silent = plan.assign(**{f"result_q{q}": np.nan for q in range(1, 5)})
    write_unit_workbook(tmp_path / "a.xlsx", unit="สำนักงานประกันสังคมจังหวัดน่าน", kpis=plan)
    write_unit_workbook(tmp_path / "b.xlsx", unit="สำนักงานประกันสังคมจังหวัดแพร่", kpis=silent)
    national = tmp_path / "national.xlsx"
    consolidate([tmp_path], national, 3)
    result = write_report(national, tmp_path / "national.pdf", None)
    text = one_line(pdf_text(result.pdf))
    assert TITLE in text
    assert "รวมจาก 2 หน่วยงาน" in text
    assert "สำนักงานประกันสังคมจังหวัดแพร่" in text  # listed as not reported


def test_refusals_and_the_command(tmp_path: Path, unit_report, capsys: pytest.CaptureFixture):
    import openpyxl

    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    with pytest.raises(SsoError, match="tbl_settings"):
        write_report(other, tmp_path / "x.pdf", None)
    assert main(["report", str(other), "-o", str(tmp_path / "x.pdf")]) == 2
    assert "SSO_Plan" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
    _, folder = unit_report
    assert (
        main(["report", str(folder / "SSO_Plan.xlsm"), "-o", str(tmp_path / "r"), "-q", "2"]) == 0
    )
    printed = capsys.readouterr().out
    assert "ไตรมาสที่ 2" in printed and (tmp_path / "r.pdf").is_file()
    assert (tmp_path / "r_bands.png").is_file()


def test_title_wording():
    assert report_title(Settings(year_be=2564), 3) == TITLE
    assert "ประจำปีงบประมาณ พ.ศ. 2566 ไตรมาสที่ 4 (สะสม ต.ค. – ก.ย.)" in report_title(
        Settings(year_be=2566, year_kind="fiscal"), 4
    )


def test_a_thai_font_installed_after_matplotlib_cached_its_list_is_found(
    monkeypatch: pytest.MonkeyPatch,
):
    """matplotlib reads its font cache, not the disk: a cache made before fonts-thai-tlwg
    was installed lists no Thai font, and the chart must still find one."""
    from matplotlib import font_manager

    from sso_app.report import PNG_FONTS, thai_font

    without_thai = [f for f in font_manager.fontManager.ttflist if f.name not in PNG_FONTS]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", without_thai)
    assert thai_font() in PNG_FONTS
