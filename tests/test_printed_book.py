"""The book shows and prints its numbers without Python: cached values, office pages, the card.

Issue 11: every SSO_ formula carries the engine's value (build, import, rebuild); LibreOffice
prints the rebuilt book with the numbers and no ``#NAME?``; every sheet prints on A4
landscape at 8 pt or more with a header and footer; the OPDC card is the office's card 2566.
"""

from __future__ import annotations

import functools
import math
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sso_app import rebuild
from sso_app.book import layout
from sso_app.book.cached import print_pdf
from sso_app.book.libreoffice import convert, pdf_text
from sso_app.book.opening import open_sso_book
from sso_app.book.printing import MIN_BODY_PT
from sso_app.book.sheets import band_tint
from sso_app.bookimport import import_into
from sso_app.demo import summary_pdf
from sso_kpi.evaluation import STATUS_TH
from sso_kpi.opdc import score_card
from sso_kpi.scoring import BAND_TH
from tests.conftest import ACTION_PLAN, raw_csv
from tests.test_build import copy_book, demo_book, empty_book, recalculated

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def sso_cells(book: Path) -> dict[tuple[str, str], str | None]:
    """(sheet part, cell) -> cached value text, for every cell an SSO_ formula fills."""
    from lxml import etree
    from openpyxl.utils import get_column_letter, range_boundaries

    out: dict[tuple[str, str], str | None] = {}
    with zipfile.ZipFile(book) as zf:
        for part in (n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")):
            root = etree.fromstring(zf.read(part))
            values = {
                c.get("r"): (c.find(f"{NS}v").text if c.find(f"{NS}v") is not None else None)
                for c in root.iter(f"{NS}c")
            }
            has_v = {c.get("r") for c in root.iter(f"{NS}c") if c.find(f"{NS}v") is not None}
            for f in root.iter(f"{NS}f"):
                if "SSO_" not in (f.text or ""):
                    continue
                ref = f.get("ref") if f.get("t") == "array" else f.getparent().get("r")
                c1, r1, c2, r2 = range_boundaries(ref)
                for col in range(c1, c2 + 1):
                    for r in range(r1, r2 + 1):
                        cell = f"{get_column_letter(col)}{r}"
                        out[(part, cell)] = values.get(cell) if cell in has_v else "MISSING"
    return out


def check_values_kept_on_open(book: Path, at_least: int = 60) -> None:
    """Every formula cell of every sheet has its value, so Excel is told to keep them."""
    from lxml import etree

    with zipfile.ZipFile(book) as zf:
        calc = etree.fromstring(zf.read("xl/workbook.xml")).find(f"{NS}calcPr")
        assert calc is not None and calc.get("fullCalcOnLoad") is None
        assert calc.get("calcId") == "191029"
        formulas = 0
        for part in (n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")):
            for f in etree.fromstring(zf.read(part)).iter(f"{NS}f"):
                cell, formulas = f.getparent(), formulas + 1
                v = cell.find(f"{NS}v")
                assert v is not None, (part, cell.get("r"))
                # openpyxl writes an empty <v/> for every formula: a value is text or t="str"
                assert v.text or cell.get("t") == "str", (part, cell.get("r"), f.text)
        assert formulas >= at_least


def check_cached(book: Path) -> None:
    check_values_kept_on_open(book)
    cached = sso_cells(book)
    assert len(cached) > 50
    missing = [k for k, v in cached.items() if v == "MISSING"]
    assert not missing, missing[:5]
    # The values are the engine's: achievement per row, OPDC score, quality level.
    opened = open_sso_book(book)
    data = opened.data
    kpis = data.evaluation().kpis
    ws = openpyxl.load_workbook(book, data_only=True)[layout.SHEET_ENTRY]
    header = {ws.cell(row=layout.ENTRY_HEADER_ROW, column=c).value: c for c in range(1, 80)}
    col = header["achievement"]
    checked = 0
    for row, pct in zip(kpis["source_row"], kpis["achievement_pct"], strict=True):
        got = ws.cell(row=int(row), column=col).value
        if pd.isna(pct):
            assert got in (None, ""), row
        else:
            assert got == pytest.approx(float(pct)), row
            checked += 1
    assert checked > 5
    band = header["band"]
    assert {ws.cell(row=int(r), column=band).value for r in kpis["source_row"]} <= set(BAND_TH)
    card = openpyxl.load_workbook(book, data_only=True)[layout.SHEET_OPDC]
    engine = score_card(data.opdc.frame)
    scores = [card.cell(row=int(r), column=11).value for r in data.opdc.frame["source_row"]]
    assert scores == pytest.approx(engine.kpis["score"].tolist())
    assert card["B7"].value == engine.level


def test_build_caches_every_sso_formula() -> None:
    check_cached(demo_book())
    check_values_kept_on_open(empty_book(), at_least=20)  # the blank rows have values too


def test_rebuild_and_import_cache_too(tmp_path: Path) -> None:
    book = copy_book(demo_book(), tmp_path / "rebuilt")
    rebuild.rebuild(book)
    check_cached(book)
    imported = copy_book(demo_book(), tmp_path / "imported")
    source = tmp_path / "unit.csv"
    plan = raw_csv(ACTION_PLAN).drop(columns=["published_pct", "published_avg"]).head(12)
    plan.to_csv(source, index=False, encoding="utf-8-sig")
    assert not import_into(source, imported, "replace").errors
    check_cached(imported)
    assert len(sso_cells(imported)) < len(sso_cells(demo_book()))  # the block shrank


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    book = copy_book(demo_book(), tmp_path_factory.mktemp("printed"))
    rebuild.rebuild(book)
    return book


@pytest.fixture(scope="module")
def printed(rebuilt: Path) -> Path:
    return print_pdf(rebuilt, rebuilt.with_name("book.pdf"))


def test_libreoffice_prints_the_numbers_not_name_errors(rebuilt: Path, printed: Path) -> None:
    text = pdf_text(printed)
    assert "#NAME?" not in text and "#NAME" not in text
    # The achievement block prints: each indicator's achievement, as the engine has it.
    kpis = open_sso_book(rebuilt).data.evaluation().kpis
    figures = {f"{p:.2f}" for p in kpis["achievement_pct"].dropna()}
    found = {f for f in figures if re.search(rf"(?<![\d.]){re.escape(f)}(?![\d])", text)}
    assert len(found) >= 0.9 * len(figures), sorted(figures - found)[:10]
    for th in ("เขียว", "เหลือง", "แดง"):  # not only codes: Thai in the summary
        assert th in text
    # The OPDC score column and its check cell.
    assert "62.50" in text and "89.13" in text and "ระดับคุณภาพ" in text


def test_libreoffice_keeps_a_single_cell_value_but_not_an_array_one(rebuilt: Path) -> None:
    """Why printing goes through a copy with values (sso_app.book.cached.values_copy)."""
    out = convert(rebuilt, "xlsx:Calc MS Excel 2007 XML", rebuilt.parent / "kept", recalc=False)
    card = openpyxl.load_workbook(out, data_only=True)[layout.SHEET_OPDC]
    assert card["B7"].value == "ระดับคุณภาพ"  # SSO_QUALITY: the cached value
    assert card["K11"].value == "#NAME?"  # SSO_SCORE, an array formula: computed again


def word_heights(pdf: Path) -> list[tuple[float, str]]:
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html,
    )
    return [(float(y2) - float(y1), w) for _, y1, _, y2, w in words]


def test_every_page_is_a4_landscape_and_readable(rebuilt: Path, printed: Path) -> None:
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(printed)], capture_output=True, text=True
    ).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    assert sizes and all((round(float(w)), round(float(h))) == (842, 595) for w, h in sizes), set(
        sizes
    )
    heights = word_heights(printed)
    assert heights
    small = [(h, w) for h, w in heights if h < MIN_BODY_PT]
    assert not small, small[:10]


def test_page_setup_header_footer_and_print_areas(rebuilt: Path) -> None:
    wb = openpyxl.load_workbook(rebuilt)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, ws.title
        assert ws.page_setup.scale * 11 / 100 >= MIN_BODY_PT, ws.title
        assert "สำนักงานประกันสังคม" in ws.oddHeader.left.text, ws.title
        assert "ไตรมาสที่" in ws.oddHeader.right.text, ws.title
        assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text
        assert "&D" in ws.oddFooter.left.text
    entry = wb[layout.SHEET_ENTRY]
    assert entry.print_title_rows
    last = entry.print_area.split(":")[-1]
    col = re.match(r"\$?([A-Z]+)", last).group(1)  # type: ignore[union-attr]
    from openpyxl.utils import column_index_from_string

    computed_last = layout.KPI_COMPUTED_FIRST_COL + len(layout.KPI_COMPUTED_COLUMNS) - 1
    assert column_index_from_string(col) >= computed_last
    assert wb[layout.SHEET_OPDC].print_title_rows


def test_demo_summary_pdf_is_for_planners(rebuilt: Path, tmp_path: Path) -> None:
    pdf = summary_pdf(rebuilt, tmp_path / "summary.pdf")
    text = pdf_text(pdf)
    for key in ("green_pct", "band_th", "average_pct", "n_due", "project_id"):
        assert key not in text
    assert not re.search(r"\b(green|yellow|red|grey)\b", text)
    assert "SSF-043" in text and "แดง" in text
    small = [(h, w) for h, w in word_heights(pdf) if h < MIN_BODY_PT]
    assert not small, small[:10]
    # Band colours are printed: the page has the green, yellow and red fills.
    from sso_app.book.libreoffice import pdf_pages_png

    pages = pdf_pages_png(pdf, tmp_path / "png", dpi=40)
    from PIL import Image

    colours = set()
    for page in pages:
        colours |= {c for _, c in Image.open(page).convert("RGB").getcolors(1 << 20) or []}
    settings = open_sso_book(rebuilt).settings
    for band in ("green", "yellow", "red"):
        hexa = settings.colours[band][-6:]
        rgb = tuple(int(hexa[i : i + 2], 16) for i in (0, 2, 4))
        assert any(all(abs(a - b) <= 8 for a, b in zip(c, rgb, strict=True)) for c in colours)


def test_opdc_card_as_the_office_prints_it(rebuilt: Path) -> None:
    card = recalculated(rebuilt, layout.SHEET_OPDC)
    rows = {
        str(card.cell(row=r, column=3).value): r
        for r in range(1, card.max_row + 1)
        if card.cell(row=r, column=3).value is not None
    }
    group1 = next(t for t in rows if t.startswith("องค์ประกอบที่ 1"))
    group2 = next(t for t in rows if t.startswith("องค์ประกอบที่ 2"))
    assert "(Performance Base)" in group1 and "(ร้อยละ 70)" in group1
    assert "(Potential Base)" in group2 and "(ร้อยละ 30)" in group2
    first = rows[group1] + 1
    assert str(card.cell(row=first, column=3).value).startswith("1. จำนวนที่เพิ่มขึ้น")
    assert card.cell(row=first, column=8).value == "12.90\n(ล้านราย)"  # not 12.9
    footer = rows["น้ำหนักรวม"]
    assert card.cell(row=footer, column=4).value == pytest.approx(100)
    assert card.cell(row=footer, column=11).value == "คะแนนรวม"
    assert round(card.cell(row=footer, column=12).value, 2) == 91.96
    assert card.cell(row=rows["สรุปผลการประเมิน"], column=12).value == "ระดับคุณภาพ"
    legend = [t for t in rows if t.startswith("หมายถึง")]
    assert len(legend) == 4 and "90.00 – 100.00" in legend[0] and "75.00 – 89.99" in legend[1]
    # Two decimals throughout: every number on the card is shown "0.00".
    wb = openpyxl.load_workbook(rebuilt)[layout.SHEET_OPDC]
    for r in range(layout.OPDC_HEADER_ROW + 1, wb.max_row + 1):
        for c in range(1, 14):
            cell = wb.cell(row=r, column=c)
            if isinstance(cell.value, float | int) and not isinstance(cell.value, bool):
                assert cell.number_format == "0.00", cell.coordinate
    assert not math.isnan(card.cell(row=footer, column=12).value)


def _as_excel_without_python_saves(book: Path, dest: Path) -> Path:
    """``book`` as an Excel without the functions saves it: ``#NAME?`` stored in every cell
    an SSO_ formula fills (what LibreOffice, a previewer and our reader then find)."""
    from lxml import etree

    filled = sso_cells(book)
    with zipfile.ZipFile(book) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/worksheets/sheet") and b"SSO_" in data:
                root = etree.fromstring(data)
                for cell in root.iter(f"{NS}c"):
                    if (info.filename, cell.get("r")) in filled and cell.find(f"{NS}v") is not None:
                        cell.set("t", "e")
                        cell.find(f"{NS}v").text = "#NAME?"
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            zout.writestr(info, data)
    return dest


def test_print_command_prints_the_engine_figures_whatever_excel_stored(
    rebuilt: Path, tmp_path: Path
) -> None:
    """`sso-kpi print`: the figures for the cells as typed, even from a book whose stored
    results are Excel's ``#NAME?`` (saved on a PC without Python); the book is not changed."""
    from sso_app.cli import main

    book = _as_excel_without_python_saves(rebuilt, tmp_path / "from_excel.xlsm")
    assert "#NAME?" in pdf_text(print_pdf(book, tmp_path / "as_stored.pdf", sheet="แผน-ผล"))
    before = book.read_bytes()
    pdf = tmp_path / "printed.pdf"
    assert main(["print", str(book), "-o", str(pdf), "--sheet", layout.SHEET_ENTRY]) == 0
    text = pdf_text(pdf)
    assert "#NAME" not in text
    kpis = open_sso_book(rebuilt).data.evaluation().kpis
    figures = {f"{p:.2f}" for p in kpis["achievement_pct"].dropna()}
    found = {f for f in figures if re.search(rf"(?<![\d.]){re.escape(f)}(?![\d])", text)}
    assert len(found) >= 0.9 * len(figures), sorted(figures - found)[:10]
    assert book.read_bytes() == before
    # A sheet the book does not have is refused (exit 2), naming the sheets it has.
    assert main(["print", str(book), "-o", str(pdf), "--sheet", "ไม่มี"]) == 2


# -- a planner's print: Thai words, repeated headers, readable band cells ---------------------

KEYS = ("project_id", "kpi_name", "plan_q1", "plan_now", "result_now", "achievement", "band")
CODES = re.compile(r"\b(ok|not_due|not_reported|invalid|cancelled|green|yellow|red)\b")


def sheet_pages(pdf: Path, sheet: str) -> list[str]:
    """The raw text of each page of ``pdf`` printed from ``sheet``: its page header reads
    "<unit> <sheet> <period>" before the footer's "พิมพ์เมื่อ" (spaces and hyphens aside:
    pdftotext splits "แผน-ผล")."""
    squeeze = functools.partial(re.sub, r"[\s-]", "")
    pages = pdf_text(pdf).split("\f")
    return [p for p in pages if squeeze(sheet) in squeeze(p.split("พิมพ์เมื่อ", 1)[0])]


def test_the_entry_sheet_prints_thai_words_not_keys_or_codes(rebuilt: Path, printed: Path):
    pages = sheet_pages(printed, layout.SHEET_ENTRY)
    assert len(pages) >= 10
    text = "\n".join(pages)
    assert not [k for k in KEYS if re.search(rf"\b{k}\b", text)]
    assert not CODES.findall(text), sorted(set(CODES.findall(text)))
    # the status and band columns in Thai, each word as the engine's code says
    for word in ("รายงานแล้ว", "ยังไม่ถึงกำหนด", "เขียว", "เหลือง", "เทา"):
        assert word in text, word
    # ... while the cells keep the keys and codes the formulas and readers use
    ws = openpyxl.load_workbook(rebuilt, data_only=True)[layout.SHEET_ENTRY]
    header = {c.value: c.column for c in ws[layout.ENTRY_HEADER_ROW] if c.value}
    assert {"project_id", "plan_now", "status", "band"} <= set(header)
    assert ws.cell(row=layout.ENTRY_HEADER_ROW, column=1).number_format == ";;;"
    first, last = layout.ENTRY_FIRST_DATA_ROW, layout.ENTRY_FIRST_DATA_ROW + 20
    statuses = {ws.cell(row=r, column=header["status"]).value for r in range(first, last)}
    assert {"ok", "not_due"} <= statuses <= set(STATUS_TH)


def test_the_summary_prints_thai_and_repeats_the_project_header(printed: Path) -> None:
    pages = sheet_pages(printed, layout.SHEET_SUMMARY)
    text = "\n".join(pages)
    assert "Quarterly" not in text and "cumulative" not in text
    assert not re.search(r"/ (by|to follow|budget|every|projects)", text)
    start = next(i for i, p in enumerate(pages) if "5. ผลรายงาน/โครงการ" in p)
    later = pages[start + 1 :]
    assert len(later) >= 2
    for page in later:  # the table's Thai labels head each of its pages
        assert "รหัสโครงการ" in page and "ชื่องาน/โครงการ" in page and "แถบสี" in page


def luminance(rgb: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(rgb[-6:][i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two RGB colours (21 black on white; 7 is "enhanced")."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_on_fills(wb: openpyxl.Workbook) -> list[tuple[str, str, float]]:
    """(where, fill, contrast) of every cell whose text is shown on a solid fill, and of every
    conditional fill that shows a word (a Thai word matched, or a word shown for a code)."""
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                fill = cell.fill
                if cell.value in (None, "") or cell.number_format == ";;;":
                    continue
                if fill is None or fill.fill_type != "solid" or not fill.fgColor.rgb:
                    continue
                text = cell.font.color.rgb if cell.font and cell.font.color else None
                text = text if isinstance(text, str) else "FF000000"
                rgb = str(fill.fgColor.rgb)
                found.append((f"{ws.title}!{cell.coordinate}", rgb, contrast(rgb, text)))
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                dxf = rule.dxf
                if dxf is None or dxf.fill is None or not dxf.fill.fgColor.rgb:
                    continue
                word = re.search(r'"([^"]*)"', rule.formula[0]).group(1)  # type: ignore[union-attr]
                if dxf.numFmt is not None or not re.fullmatch(r"[a-z_]+", word):
                    rgb = str(dxf.fill.fgColor.rgb)
                    found.append((f"{ws.title}!{cf.sqref} {word}", rgb, contrast(rgb, "000000")))
    return found


def test_band_colours_under_text_are_readable(rebuilt: Path) -> None:
    """Dark text on a full red reads badly (5.3:1): text sits on a band's tint (7:1 or more),
    the full colours are for what holds no text (the chart, the summary's colour column)."""
    wb = openpyxl.load_workbook(rebuilt)
    found = text_on_fills(wb)
    red = band_tint(open_sso_book(rebuilt).settings.colours["red"])
    assert any(rgb.endswith(red) for _, rgb, _ in found)  # the labels and words are there
    low = [(where, rgb, round(c, 1)) for where, rgb, c in found if c < 7]
    assert not low, low[:10]


def test_the_report_puts_band_words_on_readable_colours(rebuilt: Path) -> None:
    from sso_app.book.report.data import read_report_data
    from sso_app.book.report.output import report_workbook

    wb, _ = report_workbook(read_report_data(rebuilt, None))
    found = text_on_fills(wb)
    red = band_tint(open_sso_book(rebuilt).settings.colours["red"])
    criteria = [w for w, rgb, _ in found if rgb.endswith(red)]
    assert criteria  # ระดับต่ำ (สีแดง), the red headers
    low = [(where, rgb, round(c, 1)) for where, rgb, c in found if c < 7]
    assert not low, low[:10]
