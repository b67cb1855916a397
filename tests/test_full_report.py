"""The whole quarterly report (issue 13): cover and plan, page 2 with its sentences, the
detail pages, the projects to follow up and, nationally, the units; checked against the
figures the office published (tests/data/golden/) and against the printed page itself."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from bench.generate import budget_rows, indicators, unit_copy, unit_names, write_unit_workbook
from sso_app.book.libreoffice import pdf_fonts, pdf_text
from sso_app.book.report.chart import bands_png
from sso_app.book.report.detail import AVERAGE_TEXT
from sso_app.bookimport import import_into
from sso_app.build import build_workbook
from sso_app.consolidate import consolidate
from sso_app.report import write_report
from sso_kpi.scoring import band
from sso_kpi.values import round_half_up

from .conftest import GOLDEN

GOLDEN_CSV = GOLDEN / "sso_2564_q3_strategy1.csv"


def squeezed(text: str) -> str:
    return "".join(text.split())


def word_boxes(
    pdf: Path,
) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    """Per page: width, height and every word's box (pdftotext -bbox)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        words = [
            (float(a), float(b), float(c), float(d), w)
            for a, b, c, d, w in re.findall(
                r'xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)<',
                page.group(3),
            )
        ]
        pages.append((float(page.group(1)), float(page.group(2)), words))
    return pages


def assert_nothing_cut(pdf: Path, names: set[str]) -> None:
    """A4 landscape; every word inside its page; no #### for a number too wide; Thai marks
    drawn (no replacement or dotted-circle glyphs); every name printed whole (a row too
    short for its wrapped text loses lines, which then are missing here)."""
    pages = word_boxes(pdf)
    assert pages
    for width, height, words in pages:
        assert (round(width), round(height)) == (842, 595)  # A4 landscape, points
        outside = [w for w in words if w[0] < 0 or w[1] < 0 or w[2] > width or w[3] > height]
        assert outside == []
    text = pdf_text(pdf)
    flat = squeezed(text)
    assert "###" not in flat
    assert "\ufffd" not in text and "\u25cc" not in text
    missing = [n for n in names if squeezed(n) not in flat]
    assert missing == []


# ---------------------------------------------------------------------------------------------
# The golden book: every printed figure against the published one
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def golden_report(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("golden_report")
    book = folder / "SSO_Plan.xlsm"
    build_workbook(book, demo=False)
    report = import_into(GOLDEN_CSV, book)
    assert report.errors == []
    result = write_report(book, folder / "รายงาน.pdf", 3, xlsx=True)
    raw = pd.read_csv(GOLDEN_CSV, dtype=str, keep_default_na=False)
    return result, openpyxl.load_workbook(result.xlsx), raw


def printed_details(wb: openpyxl.Workbook) -> tuple[dict, dict]:
    """Walk the detail sheets as a reader does: project row, ตัวชี้วัดที่ n, its ผล row with the
    integer %, the project's "รวม ร้อยละเฉลี่ยของงาน/โครงการ" row."""
    kpi_pct: dict[tuple[str, str], float] = {}
    averages: dict[str, float] = {}
    for ws in wb.worksheets:
        heads = [c.value for c in ws[3]]
        if "แผน/ผล" not in heads:
            continue
        pct_col = heads.index("ผลการดำเนินงาน (%)")
        project = kpi = None
        for row in ws.iter_rows(min_row=5, values_only=True):
            first = str(row[0] or "")
            if re.fullmatch(r"\d+\.", first):
                project, kpi = first[:-1], None
            elif first.startswith("ตัวชี้วัดที่"):
                kpi = first.split()[-1]
            elif row[5] == "ผล" and row[pct_col] is not None:
                kpi_pct[(project, kpi)] = row[pct_col]
            elif row[1] == AVERAGE_TEXT and row[pct_col] is not None:
                averages[project] = row[pct_col]
    return kpi_pct, averages


def test_every_printed_indicator_percentage_is_the_published_one(golden_report):
    result, wb, raw = golden_report
    kpi_pct, _ = printed_details(wb)
    published = raw[raw["published_pct"] != ""]
    keys = list(zip(published["project_number"], published["kpi_number"], strict=True))
    got = np.array([kpi_pct[k] for k in keys], dtype=float)
    want = published["published_pct"].astype(float).to_numpy()
    assert len(keys) == 75
    assert np.abs(got - want).max() <= 1  # integers as the report prints them
    assert (got == want).mean() > 0.95  # the rest: the report's own rounding slips
    assert (got == np.round(got)).all()
    text = squeezed(pdf_text(result.pdf))
    assert "1,937" in text and "282" in text  # uncapped, and the report's typo kept


def test_every_printed_project_average_is_the_published_one(golden_report):
    _, wb, raw = golden_report
    _, averages = printed_details(wb)
    published = raw[raw["published_avg"] != ""].groupby("project_number")["published_avg"].first()
    assert len(published) == 39
    got = np.array([averages[p] for p in published.index], dtype=float)
    want = published.astype(float).to_numpy()
    assert np.abs(got - want).max() <= 1
    assert (band(got) == band(want)).all()


def test_page_two_counts_are_those_of_the_published_figures(golden_report):
    result, wb, raw = golden_report
    # Each project's band from the published figures: its printed average, else the
    # weighted mean of its printed indicator percentages (four projects print none).
    pct = pd.to_numeric(raw["published_pct"], errors="coerce")
    weight = pd.to_numeric(raw["weight"], errors="coerce").where(pct.notna())
    mean = (pct * weight).groupby(raw["project_id"]).sum() / weight.groupby(raw["project_id"]).sum()
    avg = pd.to_numeric(raw["published_avg"], errors="coerce").groupby(raw["project_id"]).first()
    figure = avg.fillna(mean).dropna()
    bands = pd.Series(band(figure))
    want = [len(figure), *(int((bands == b).sum()) for b in ("green", "yellow", "red"))]
    page2 = wb["สรุปผลการประเมิน"]
    row = next(r for r in page2.iter_rows(values_only=True) if r[0] == "ยุทธศาสตร์ที่ 1")
    assert [row[1], row[2], row[4], row[6]] == want
    shares = [round_half_up(n / want[0] * 100, 2) for n in want[1:]]
    assert [row[3], row[5], row[7]] == pytest.approx(shares)
    text = squeezed(pdf_text(result.pdf))
    green = f"มีจำนวน{want[1]}งาน/โครงการคิดเป็นร้อยละ{shares[0]:.2f}ของจำนวนงาน/โครงการทั้งหมด"
    assert green in text
    assert "ระดับดี(สีเขียว)" in text and "ระดับต่ำ(สีแดง)" in text


def test_cover_counts_the_plan_per_strategy_and_fund(golden_report):
    result, wb, raw = golden_report
    cover = wb["แผนและเกณฑ์"]
    rows = [r for r in cover.iter_rows(values_only=True) if r[0] == "ยุทธศาสตร์ที่ 1"]
    projects = raw.drop_duplicates("project_id")
    routine = int((projects["kind"] == "งานประจำ").sum())
    # The year: all 57 of the Social Security Fund's strategy-1 projects (the report's
    # table prints 57 too, though split 15 + 42: it counts one งานประจำ as a project).
    assert (rows[0][1], rows[0][2], rows[0][3]) == (routine, 57 - routine, 57)
    # Due at Q3: the projects page 2 evaluates.
    page2 = wb["สรุปผลการประเมิน"].iter_rows(values_only=True)
    evaluated = next(r for r in page2 if r[0] == "ยุทธศาสตร์ที่ 1")[1]
    assert len(rows) == 2 and rows[-1][3] == evaluated
    text = squeezed(pdf_text(result.pdf))
    assert squeezed("ไตรมาส 3 (มกราคม – กันยายน 2564)") in text
    assert squeezed("สร้างความครอบคลุมการดูแลบริการและสิทธิประโยชน์ของวัยแรงงานทุกกลุ่มและทุกคน") in text
    assert "เกณฑ์การประเมิน" in text and "1,467,943,776" in text  # Σ project budgets


def test_detail_pages_repeat_their_header_and_print_every_name_whole(golden_report):
    result, wb, raw = golden_report
    detail = wb["ประกันสังคม ยศ.1"]
    assert detail.print_title_rows == "$1:$4"
    assert len(detail.row_breaks.brk) >= 5  # many pages, each starting on a whole project
    names = set(raw["project_name"]) | set(raw["kpi_name"])
    assert_nothing_cut(result.pdf, names)
    pages = pdf_text(result.pdf).split("\f")
    with_header = [p for p in pages if "ตัวชี้วัดที่" in p]
    assert len(with_header) >= 5
    assert all("ผลการดำเนิน" in p and "หน่วยนับ" in p for p in with_header)


# ---------------------------------------------------------------------------------------------
# A national book of 100 units
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def national_report(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("national_report")
    inbox = folder / "inbox"
    plan = indicators(60, seed=2564)
    names = unit_names(100)
    for i, name in enumerate(names):
        path = inbox / f"unit{i:03d}" / "SSO_Plan.xlsx"
        path.parent.mkdir(parents=True)
        write_unit_workbook(path, unit=name, kpis=unit_copy(plan, i), budget=budget_rows(i))
    national = folder / "สรุประดับประเทศ.xlsx"
    consolidate([inbox], national, 3)
    result = write_report(national, folder / "รายงานประเทศ.pdf", None, xlsx=True)
    return result, plan, names, national


def test_a_national_report_of_100_units_prints_on_a4_with_nothing_cut(national_report):
    result, plan, names, _ = national_report
    assert result.unit_line.endswith("รวมจาก 100 หน่วยงาน")
    assert any(f.endswith("Loma") or "Loma" in f for f in pdf_fonts(result.pdf))
    printed = set(plan["project_name"]) | set(plan["kpi_name"]) | set(names)
    assert_nothing_cut(result.pdf, printed)
    text = squeezed(pdf_text(result.pdf))
    for section in ("สรุปการประเมินผลการดำเนินงาน", "งาน/โครงการที่ต้องติดตาม", "ผลรายหน่วยงาน",
                    "หน่วยงานที่ยังไม่รายงานผล", "การเบิกจ่ายงบประมาณรายหน่วยงาน"):  # fmt: skip
        assert squeezed(section) in text, section
    assert "100หน่วยงาน" in text  # combined projects are the units' together
    # page 2's band table is never split from its header
    marker = "1.สรุปผลการดำเนินงานตามประเด็นยุทธศาสตร์"
    flat = next(f for p in pdf_text(result.pdf).split("\f") if marker in (f := squeezed(p)))
    assert "จำนวนงาน/โครงการที่ประเมิน" in flat
    assert all(f"ยุทธศาสตร์ที่{s}" in flat for s in sorted(set(plan["strategy"].astype(str))))


def test_a_combined_project_names_its_units_not_the_first_file(national_report):
    result, _, names, national = national_report
    wb = openpyxl.load_workbook(national, read_only=True)
    rows = list(wb["ตัวชี้วัดรวม"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and "reporting_units" in r)
    columns = list(rows[header])
    data = []
    for r in rows[header + 1 :]:  # the table ends at its first blank row (notes follow)
        if not r or r[0] is None:
            break
        data.append(r)
    units = {r[columns.index("unit")] for r in data}
    assert units == {"100 หน่วยงาน"}
    listed = data[0][columns.index("reporting_units")].split("; ")
    assert listed == names
    # the year's target combined as the plans are: summed for counts, averaged for levels
    national_plan = national_report[1].set_index(["project_id", "kpi_number"])
    checked = 0
    for r in data[:20]:
        key = (r[columns.index("project_id")], str(r[columns.index("kpi_number")]))
        typed = national_plan.loc[key, "target"]
        if pd.isna(typed):
            continue
        factor = 100 if r[columns.index("aggregation")] == "sum" else 1
        assert r[columns.index("target")] == pytest.approx(typed * factor)
        checked += 1
    assert checked >= 10
    report = openpyxl.load_workbook(result.xlsx)
    printed_units = {
        r[2]
        for ws in report.worksheets
        if "ยศ." in ws.title
        for r in ws.iter_rows(values_only=True)
    }
    assert "100 หน่วยงาน" in printed_units and names[0] not in printed_units


def test_the_slide_chart_of_one_strategy_has_slide_proportions(tmp_path: Path):
    rows = pd.DataFrame(
        {"label": ["ยุทธศาสตร์ที่ 1", "รวม"], "green": [27, 27], "yellow": [15, 15], "red": [1, 1]}
    )
    png = tmp_path / "one.png"
    colours = {"green": "92D050", "yellow": "FFFF00", "red": "FF0000"}
    bands_png(rows, "ไตรมาสที่ 3", png, colours)
    from matplotlib import image

    height, width = image.imread(png).shape[:2]
    assert width / height <= 16 / 9 + 0.01  # not a 1500 × 292 strip


def test_problems_solutions_and_remarks_are_printed_where_the_book_has_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from sso_app.book import layout

    plan = indicators(20, seed=11)
    red = plan["project_id"].iloc[0]
    rows = plan["project_id"] == red
    plan.loc[rows, ["plan_q3", "result_q3", "direction"]] = [100.0, 10.0, "higher"]  # red
    plan.loc[rows, ["result_q1", "result_q2"]] = np.nan
    plan.loc[rows, ["plan_q1", "plan_q2"]] = np.nan
    texts = ["remarks", "obstacles", "remedies"]  # หมายเหตุ, ปัญหาอุปสรรค, แนวทางแก้ไข (issue 12)
    plan[texts] = ""
    first = plan.index[rows][0]
    plan.loc[first, texts] = [
        "ยช.4 แผนแม่บทฯ 17 (โครงการต่อเนื่อง)",
        "สถานการณ์โควิดทำให้จัดกิจกรรมไม่ได้",
        "ปรับเป็นการประชุมออนไลน์ในไตรมาสที่ 4",
    ]
    assert set(texts) <= set(layout.KPI_TABLE_COLUMNS)  # the form has the columns
    book = write_unit_workbook(tmp_path / "unit.xlsx", unit="สำนักงานประกันสังคมจังหวัดตาก", kpis=plan)
    result = write_report(book, tmp_path / "r.pdf", 3, xlsx=True)
    assert result.n_red >= 1
    follow = openpyxl.load_workbook(result.xlsx)["ติดตาม"]
    listed = {r[0]: r for r in follow.iter_rows(values_only=True) if r[0] == red}
    assert listed[red][5] == "สถานการณ์โควิดทำให้จัดกิจกรรมไม่ได้"
    assert listed[red][6] == "ปรับเป็นการประชุมออนไลน์ในไตรมาสที่ 4"
    text = squeezed(pdf_text(result.pdf))
    for typed in plan.loc[first, texts]:
        assert squeezed(typed) in text


def test_the_cover_names_the_cumulative_months_of_either_year():
    from sso_app.book.report.data import ReportData, months_span
    from sso_app.book.settings import Settings

    def span(quarter: int, **settings: object) -> str:
        data = ReportData(Settings(**settings), None, False, pd.DataFrame())  # type: ignore[arg-type]
        return months_span(quarter, data)

    assert span(3, year_be=2564) == "มกราคม – กันยายน 2564"  # the report's own heading
    assert span(1, year_be=2565, year_kind="fiscal") == "ตุลาคม 2564 – ธันวาคม 2564"
    assert span(3, year_be=2565, year_kind="fiscal") == "ตุลาคม 2564 – มิถุนายน 2565"


def test_wrapped_thai_is_measured_with_the_fonts_widths(monkeypatch: pytest.MonkeyPatch):
    from sso_app.book.report import measure

    assert measure.text_points("ที่") == pytest.approx(measure.text_points("ท"))  # marks: no width
    name = "โครงการจ้างวิเคราะห์การจัดกลุ่มวินิจฉัยโรคร่วมและน้ำหนักสัมพัทธ์ของผู้ป่วยใน"
    assert measure.lines_needed(name, 80) == 1
    assert measure.lines_needed(name, 20) > measure.lines_needed(name, 40) > 1
    assert measure.lines_needed("ก\nข", 80) == 2
    measured = measure.text_points(name, 10)
    measure.text_points.cache_clear()
    monkeypatch.setattr(measure, "_font", lambda *a: None)  # no font file: count characters
    try:
        assert measure.text_points(name, 10) >= measured  # never shorter than it prints
    finally:
        measure.text_points.cache_clear()
