"""LibreOffice recalculates our native formulas and prints Thai; poppler reads the PDF back.

These tests need LibreOffice, fonts-thai-tlwg and poppler-utils (the project setup installs
them). They are not skipped when missing: they fail, saying what to install.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sso_app.book import libreoffice as lo
from sso_app.book.template import base_workbook, write_xlwings_conf
from sso_kpi.errors import SsoError

THAI_TITLE = "สำนักงานประกันสังคม"
THAI_FONTS = {
    "Garuda", "Kinnari", "Laksaman", "Loma", "Norasi", "Purisa", "Sawasdee", "TlwgMono",
    "TlwgTypewriter", "TlwgTypist", "TlwgTypo", "Umpush", "Waree",
}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def tools_installed() -> None:
    missing = [t for t in ("pdftotext", "pdftoppm", "pdffonts") if shutil.which(t) is None]
    assert not missing, f"missing {missing}: {lo.INSTALL_HINT}"
    lo.soffice()  # raises SsoError with the install hint


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lo")
    base = folder / "base.xlsm"
    base_workbook(base)
    wb = openpyxl.load_workbook(base, keep_vba=True)
    ws = wb.create_sheet("แผนงาน", 0)
    ws.append(["เป้าหมาย", "ผลงาน", "ร้อยละ"])
    ws.append([80, 90, "=B2/A2*100"])
    ws["A4"] = THAI_TITLE
    write_xlwings_conf(wb, {"UDF Modules": "udfs"})
    path = folder / "SSO_Plan.xlsm"
    wb.save(path)
    return path


def test_formula_is_recalculated(book: Path) -> None:
    rows = lo.recalculated_values(book, "แผนงาน")
    assert rows[0] == ["เป้าหมาย", "ผลงาน", "ร้อยละ"]
    assert rows[1][:2] == [80, 90]
    assert rows[1][2] == pytest.approx(112.5)
    assert rows[3][0] == THAI_TITLE


def test_stale_cached_value_is_recalculated(tmp_path: Path) -> None:
    """A formula that already has a cached value (an Excel-saved book) is recomputed too."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws.append([160, 90, "=B1/A1*100"])
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(stale, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"(<f>B1/A1\*100</f>)(<v ?/>|<v></v>)?", rb"\1<v>999</v>", data)
                assert b"<v>999</v>" in data
            zout.writestr(info, data)
    assert openpyxl.load_workbook(stale, data_only=True)["S"]["C1"].value == 999
    assert lo.recalculated_values(stale, "S")[0][2] == pytest.approx(56.25)


def test_unknown_sheet_is_an_sso_error(book: Path) -> None:
    with pytest.raises(SsoError, match="no sheet"):
        lo.recalculated_values(book, "ไม่มี")


def test_pdf_has_thai_text_font_and_number(book: Path, tmp_path: Path) -> None:
    pdf = lo.convert(book, "pdf", tmp_path)
    assert pdf == tmp_path / "SSO_Plan.pdf" and pdf.stat().st_size > 0
    text = lo.pdf_text(pdf)
    assert THAI_TITLE in text
    assert "เป้าหมาย" in text
    assert "112.5" in text
    assert "UDF Modules" not in text  # the hidden config sheet is not printed
    fonts = set(lo.pdf_fonts(pdf))
    assert fonts & THAI_FONTS, f"no Thai font embedded, got {sorted(fonts)}"
    pages = lo.pdf_pages_png(pdf, tmp_path / "png", dpi=30)
    assert pages and all(p.suffix == ".png" and p.stat().st_size > 0 for p in pages)
    assert pages == lo.pdf_pages_png(pdf, tmp_path / "png", dpi=30)  # re-run: same list


def test_unreadable_input_is_an_sso_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"this is not a spreadsheet")
    with pytest.raises(SsoError) as err:
        lo.convert(bad, "pdf", tmp_path / "out", timeout=120)
    assert "LibreOffice" in str(err.value)


def test_timeout_kills_and_reports(book: Path, tmp_path: Path) -> None:
    with pytest.raises(SsoError, match="longer than"):
        lo.convert(book, "pdf", tmp_path, timeout=0.01)


def test_missing_soffice_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lo.shutil, "which", lambda name: None)
    monkeypatch.setattr(lo, "_CANDIDATES", ())
    with pytest.raises(SsoError) as err:
        lo.soffice()
    assert "libreoffice-calc-nogui fonts-thai-tlwg" in str(err.value)
    assert "ติดตั้ง" in err.value.message_th
