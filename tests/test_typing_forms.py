"""Issue 12: typing into the book the way the office's forms work.

Each numbered case of the issue on the three books a planner meets -- the one the builder
makes, the one ``import`` fills, the one ``rebuild`` rewrites -- read back with openpyxl and
opened with LibreOffice. The unit's data are the unit monthly form 2563 (สุโขทัย,
``tests/data/seeds/unit_monthly_report_2563_sukhothai.txt``): months, a ร้อยละ indicator whose
รวม is the latest value (84.00), counts summed (1,488), a running head-count (32,155), and the
text beside the numbers.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.formula import ArrayFormula

import udfs
from sso_app.book import dynamic_arrays as da
from sso_app.book import entry_sheet, layout
from sso_app.book.instructions_sheet import INSTRUCTIONS
from sso_app.book.libreoffice import XLSX_FILTER, convert, pdf_text
from sso_app.book.monthly_form import WIDTHS, form_widths
from sso_app.book.opening import open_sso_book
from sso_app.book.page_rules import MIN_BODY_PT, PRINTABLE_WIDTH_IN, readable_scale
from sso_app.book.settings import Settings
from sso_app.book.sheets import width_inches
from sso_app.bookimport import import_into
from sso_app.build import build_workbook
from sso_app.consolidate import consolidate
from sso_app.demo import only_sheet_visible
from sso_app.rebuild import rebuild
from tests.test_build import demo_book
from tests.test_printed_book import word_heights

ROOT = Path(__file__).resolve().parents[1]
K, C = entry_sheet.kpi_letters(), entry_sheet.computed_letters()
N_ROWS = 5
CALC_1 = "จำนวนผู้ประกันตนส่งเงินสมทบผ่านระบบอินเทอร์เน็ต × 100 / จำนวนทั้งหมด"
PROBLEM_4 = "นายจ้างบางรายยังไม่ขึ้นทะเบียน ๒๕ ราย"


def unit_form_2563() -> pd.DataFrame:
    """The Sukhothai unit's indicators as its planner would export them, Thai headers."""
    rows = [
        # id, kpi, name, weight, unit, direction, aggregation, plans, results, texts
        ("SKT-1", "1", "ร้อยละของจำนวนผู้ประกันตนส่งเงินสมทบที่นายจ้างส่งผ่านระบบอินเทอร์เน็ต",
         10, "ร้อยละ", "", "", [76, 76, 78, 78] + [84] * 8, [75, 80, 83], CALC_1, "", ""),
        ("SKT-1", "4", "จำนวนผู้ประกันตนมาตรา 33 และมาตรา 39", 20, "คน", "ยิ่งมากยิ่งดี", "",
         [124] * 12, [120, 130, 125], "", "", PROBLEM_4),
        ("SKT-1", "5", "ความสำเร็จในการปิดและส่งงบการเงินกองทุนประกันสังคม", 10, "เดือน", "", "รวม",
         [1, 0, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1], "ทำได้ทันภายในกำหนดครบ n เดือน x 50/๑๐๐",
         "", ""),
        ("SKT-1", "6", "จำนวนผู้ประกันตนตามมาตรา 40", 20, "คน", "", "ค่าล่าสุด",
         [29669, 29898, 30128, 30357, 30586, 30815, 31045, 31274, 31503, 31732, 31962, 32155],
         [29000, 29500, 30000], "", "ผู้ประกันตนเพิ่มขึ้นตามเป้า", ""),
        ("SKT-2", "1", "ระยะเวลาเฉลี่ยในการพิจารณาสิทธิ (วัน)", 100, "วัน", "ยิ่งน้อยยิ่งดี", "ค่าล่าสุด",
         [10] * 12, [9, 8, 8], "", "", ""),
    ]  # fmt: skip
    records = []
    for pid, kpi, name, weight, unit, direction, agg, plans, results, calc, perf, problem in rows:
        record = {
            "รหัสโครงการ": pid,
            "ชื่องาน/โครงการ": "งานบริการกองทุนประกันสังคม ณ หน่วยบริการ",
            "หน่วยงาน": "สุโขทัย",
            "ตัวชี้วัดที่": kpi,
            "ชื่อตัวชี้วัด": name,
            "น้ำหนัก": weight,
            "หน่วยนับ": unit,
            "ทิศทาง": direction,
            "การรวมค่า": agg,
            "สูตรคำนวณ/วิธีการคำนวณ": calc,
            "ผลการดำเนินงาน": perf,
            "ปัญหาและอุปสรรค": problem,
            "แนวทางแก้ไข": "ประชาสัมพันธ์เพิ่ม" if problem else "",
            "หมายเหตุ": "ข้อมูล ณ มี.ค." if kpi == "6" else "",
        }
        record |= {f"แผน เดือน {m + 1}": v for m, v in enumerate(plans)}
        record |= {f"ผล เดือน {m + 1}": v for m, v in enumerate(results)}
        records.append(record)
    return pd.DataFrame(records)


def set_setting(book: Path, key: str, value: object, dest: Path) -> Path:
    """What a planner does in Excel: type a setting and save (openpyxl stands in)."""
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb[layout.SHEET_SETTINGS]
    row = next(r for r in ws.iter_rows() if r[0].value == key)
    row[1].value = value
    wb.save(dest)
    return dest


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("typing")
    built = folder / "built" / layout.BOOK_NAME
    build_workbook(built, demo=False)
    csv = folder / "sukhothai.csv"
    unit_form_2563().to_csv(csv, index=False, encoding="utf-8")
    imported = folder / "imported" / layout.BOOK_NAME
    imported.parent.mkdir()
    shutil.copy(built, imported)
    report = import_into(csv, imported)
    assert not report.errors, [i.text() for i in report.errors]
    rebuilt = folder / "rebuilt" / layout.BOOK_NAME
    rebuilt.parent.mkdir()
    shutil.copy(imported, rebuilt)
    rebuild(rebuilt, 1)
    fiscal = folder / "fiscal" / layout.BOOK_NAME
    fiscal.parent.mkdir()
    set_setting(rebuilt, "year_kind", "ปีงบประมาณ", fiscal)
    rebuild(fiscal, 1)
    return {"built": built, "imported": imported, "rebuilt": rebuilt, "fiscal": fiscal}


def entry(path: Path):
    return openpyxl.load_workbook(path, keep_vba=True)[layout.SHEET_ENTRY]


def label(ws, column: str) -> str:
    return ws[f"{K[column]}{layout.ENTRY_LABEL_ROW}"].value


# -- 1. labels follow the year ------------------------------------------------------------------


def test_1_a_fiscal_book_is_built_with_october_first() -> None:
    ws = openpyxl.Workbook().active
    entry_sheet.write_entry_sheet(ws, pd.DataFrame(columns=list(layout.KPI_TABLE_COLUMNS)),
                                  Settings(year_kind="fiscal"))  # fmt: skip
    assert label(ws, "plan_m1") == "ไตรมาสที่ 1\nต.ค. แผน"
    assert label(ws, "result_m3") == "ไตรมาสที่ 1\nธ.ค. ผล"
    assert label(ws, "plan_m4") == "ไตรมาสที่ 2\nม.ค. แผน"
    assert label(ws, "result_m12") == "ไตรมาสที่ 4\nก.ย. ผล"


def test_1_changing_the_setting_and_rebuilding_relabels(books) -> None:
    for name in ("built", "imported", "rebuilt"):
        assert label(entry(books[name]), "plan_m1") == "ไตรมาสที่ 1\nม.ค. แผน", name
    wb = openpyxl.load_workbook(books["fiscal"])
    ws = wb[layout.SHEET_ENTRY]
    assert label(ws, "plan_m1") == "ไตรมาสที่ 1\nต.ค. แผน"
    assert label(ws, "plan_m4") == "ไตรมาสที่ 2\nม.ค. แผน"
    form = wb[layout.SHEET_MONTHLY]
    months = next(r for r in form.iter_rows(values_only=True) if r[4] in ("ม.ค.", "ต.ค."))
    assert list(months[4:16]) == ["ต.ค.", "พ.ย.", "ธ.ค.", "ม.ค.", "ก.พ.", "มี.ค.",
                                  "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย."]  # fmt: skip
    assert "ปีงบประมาณ" in form["A1"].value
    summary = wb[layout.SHEET_SUMMARY]
    assert any("ต.ค." in str(c.value) for row in summary.iter_rows(max_row=4) for c in row)
    # the typed setting itself is kept as typed
    settings = wb[layout.SHEET_SETTINGS]
    assert next(r[1].value for r in settings.iter_rows() if r[0].value == "year_kind") == (
        "ปีงบประมาณ"
    )


def test_1_libreoffice_prints_the_fiscal_labels(books, tmp_path: Path) -> None:
    copy = tmp_path / "fiscal_entry.xlsm"
    only_sheet_visible(books["fiscal"], copy, layout.SHEET_MONTHLY)
    text = pdf_text(convert(copy, "pdf", tmp_path / "pdf"))
    assert re.search(r"ต\.ค\.\s+พ\.ย\.\s+ธ\.ค\.\s+ม\.ค\.", text)


# -- 2. computed cells guarded, inputs obvious -----------------------------------------------------


def _guard(ws):
    (rule,) = [dv for dv in ws.data_validations.dataValidation if dv.type == "custom"]
    return rule


@pytest.mark.parametrize("name", ["built", "imported", "rebuilt"])
def test_2_typing_into_the_computed_block_is_refused(books, name: str) -> None:
    ws = entry(books[name])
    first, last = entry_sheet.kpi_data_rows(ws)
    rule = _guard(ws)
    assert rule.formula1 == "FALSE" and rule.errorStyle == "stop" and rule.showErrorMessage
    assert "ห้ามพิมพ์ทับ" in rule.error
    a, b = C["plan_total"], C["project_band"]
    assert str(rule.sqref) == f"{a}{first}:{b}{last + entry_sheet.GUARDED_SPARE_ROWS}"
    for r in range(first, last + 1):  # every computed cell grey, typed cells not
        assert ws[f"{C['achievement']}{r}"].fill.fgColor.rgb.endswith("EDEDED")
        assert not ws[f"{K['result_q1']}{r}"].fill.fgColor.rgb.endswith("EDEDED")
    legend = [ws.cell(row=1, column=c) for c in range(1, ws.max_column + 1)]
    legend = {c.value: c.fill.fgColor.rgb for c in legend if c.value and "/" in str(c.value)}
    assert any("คำนวณ" in k and v.endswith("EDEDED") for k, v in legend.items())
    assert any(k.startswith("กรอก") for k in legend)
    assert not ws.protection.sheet  # the table must stay free to grow


@pytest.mark.parametrize("name", ["built", "rebuilt"])
def test_2_rebuilt_only_sheets_are_protected_without_a_password(books, name: str) -> None:
    wb = openpyxl.load_workbook(books[name])
    for sheet in layout.PROTECTED_SHEETS:
        protection = wb[sheet].protection
        assert protection.sheet and not protection.password, sheet
    for sheet in (layout.SHEET_ENTRY, layout.SHEET_SETTINGS, layout.SHEET_BUDGET):
        assert not wb[sheet].protection.sheet, sheet


def test_2_libreoffice_keeps_the_guard_and_the_protection(books, tmp_path: Path) -> None:
    out = convert(books["rebuilt"], XLSX_FILTER, tmp_path)
    wb = openpyxl.load_workbook(out)
    rule = _guard(wb[layout.SHEET_ENTRY])
    assert rule.formula1 in ("FALSE", "0") and "ห้ามพิมพ์ทับ" in rule.error
    assert all(wb[s].protection.sheet for s in layout.PROTECTED_SHEETS)


# -- 3. comfortable typing ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["built", "imported", "rebuilt"])
def test_3_ids_and_names_stay_formats_and_wrapping(books, name: str) -> None:
    ws = entry(books[name])
    assert ws.freeze_panes == "E5"  # project_id, project_name, kpi_number, kpi_name
    assert layout.KPI_TABLE_COLUMNS[:4] == layout.KPI_FROZEN_COLUMNS
    frozen = sum(ws.column_dimensions[K[c]].width for c in layout.KPI_FROZEN_COLUMNS)
    assert frozen <= 90  # characters: the ผล columns have room beside them
    assert ws.column_dimensions[K["kpi_name"]].width <= 40
    assert ws[f"{K['kpi_name']}5"].alignment.wrap_text
    assert ws[f"{K['project_name']}5"].alignment.wrap_text
    if name == "built":
        return
    # row 5: ร้อยละ (two decimals), row 6: คน (thousands separators), row 9: days
    assert ws[f"{K['plan_m1']}5"].number_format == "#,##0.00"
    assert ws[f"{K['plan_m1']}6"].number_format == "#,##0"
    assert ws[f"{K['result_m1']}8"].number_format == "#,##0"
    assert ws[f"{C['plan_total']}8"].number_format == "#,##0"
    assert ws[f"{C['achievement']}6"].number_format == "#,##0.00"
    assert ws[f"{K['budget']}6"].number_format == "#,##0.00"


# -- 4. Thai dropdowns -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["built", "imported", "rebuilt"])
def test_4_dropdowns_offer_thai_words(books, name: str) -> None:
    ws = entry(books[name])
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert '"ยิ่งมากยิ่งดี,ยิ่งน้อยยิ่งดี"' in lists
    assert '"รวม,ค่าล่าสุด,ค่าเฉลี่ย,ค่าสูงสุด"' in lists
    settings = openpyxl.load_workbook(books[name])[layout.SHEET_SETTINGS]
    assert '"ปีปฏิทิน,ปีงบประมาณ"' in {dv.formula1 for dv in settings.data_validations.dataValidation}
    # Thai headers shown to planners; the keys stay in the table's header row, small and grey
    assert label(ws, "direction").startswith("ทิศทาง")
    assert ws[f"{K['direction']}{layout.ENTRY_HEADER_ROW}"].value == "direction"
    assert ws[f"{K['direction']}{layout.ENTRY_HEADER_ROW}"].font.sz <= 8


def test_4_thai_words_are_written_and_read_back(books) -> None:
    ws = entry(books["imported"])
    agg, direction = K["aggregation"], K["direction"]
    assert [ws[f"{agg}{r}"].value for r in range(5, 10)] == [
        "ค่าล่าสุด", "รวม", "รวม", "ค่าล่าสุด", "ค่าล่าสุด"]  # fmt: skip
    assert ws[f"{direction}9"].value == "ยิ่งน้อยยิ่งดี"
    data = open_sso_book(books["rebuilt"]).data
    frame = data.kpis.frame
    assert frame["direction"].tolist()[-1] == "lower" and not data.kpis.errors
    kpis = data.evaluation(1).kpis
    assert kpis["achievement_pct"].iloc[-1] == pytest.approx(10 / 8 * 100)  # plan ÷ result
    # the English words still read, typed by hand
    path = set_setting(
        books["rebuilt"], "year_kind", "fiscal", books["rebuilt"].with_name("e.xlsm")
    )
    assert open_sso_book(path).data.settings.year_kind == "fiscal"


# -- 5. text beside the numbers -------------------------------------------------------------------


def test_5_text_columns_imported_kept_and_read(books) -> None:
    for name in ("imported", "rebuilt", "fiscal"):
        ws = entry(books[name])
        assert ws[f"{K['calculation']}5"].value == CALC_1, name
        assert ws[f"{K['obstacles']}6"].value == PROBLEM_4, name  # ๒๕ kept as typed
        assert ws[f"{K['remarks']}8"].value == "ข้อมูล ณ มี.ค.", name
        assert ws[f"{K['performance']}5"].value is None, name
    frame = open_sso_book(books["rebuilt"]).data.kpis.frame
    assert frame.loc[3, "performance"] == "ผู้ประกันตนเพิ่มขึ้นตามเป้า"
    assert frame.loc[1, "remedies"] == "ประชาสัมพันธ์เพิ่ม"


def test_5_consolidate_carries_the_text_into_the_national_book(books, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for unit in ("สุโขทัย", "ตาก"):
        set_setting(books["rebuilt"], "unit", f"สำนักงานประกันสังคมจังหวัด{unit}",
                    inbox / f"{unit}.xlsm")  # fmt: skip
    report = consolidate([inbox], tmp_path / "national.xlsx", 1)
    ws = openpyxl.load_workbook(report.output)["ตัวชี้วัดรวม"]
    rows = list(ws[ws.tables[layout.NATIONAL_NOTES_TABLE].ref])
    header = [c.value for c in rows[0]]
    body = [dict(zip(header, [c.value for c in r], strict=True)) for r in rows[1:]]
    assert {"calculation", "obstacles", "remarks"} <= set(header)
    assert len(body) == 2 * 4  # four indicators have text, in each of the two units
    assert any(r["obstacles"] == PROBLEM_4 for r in body)


# -- 6. the monthly form ------------------------------------------------------------------------


def test_6_months_are_plan_result_pairs_by_quarter(books) -> None:
    columns = list(layout.KPI_TABLE_COLUMNS)
    for m in range(1, 13):
        assert columns.index(f"result_m{m}") == columns.index(f"plan_m{m}") + 1
    ws = entry(books["imported"])
    fills = {ws[f"{K[f'plan_m{m}']}3"].fill.fgColor.rgb for m in (1, 2, 3)}
    assert len(fills) == 1 and fills != {ws[f"{K['plan_m4']}3"].fill.fgColor.rgb}
    # the รวม formulas hand the UDF the 24 pair cells: the unit form's totals come back
    pairs = [[ws[f"{K[c]}{r}"].value for c in layout.MONTH_PAIRS] for r in range(5, 10)]
    aggregation = [[ws[f"{K['aggregation']}{r}"].value] for r in range(5, 10)]
    plan = udfs.SSO_ROLLUP(pairs, aggregation, 4, "plan")
    result = udfs.SSO_ROLLUP(pairs, aggregation, 4, "result")
    assert [p[0] for p in plan] == [84, 1488, 12, 32155, 10]
    assert [r[0] for r in result] == [83, 375, 3, 30000, 8]
    cumulative = udfs.SSO_PERIOD([[None] * 4] * 5, pairs, aggregation, 1, "result")
    assert [c[0] for c in cumulative] == [83, 375, 3, 30000, 8]


def _thai(text: str) -> str:
    """pdftotext puts a space after some Thai vowel and tone marks (ปั ญหา, หน่ วยวัด)."""
    return re.sub(r"(?<=[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]) (?=[\u0e01-\u0e2e])", "", text)


def _form_rows(path: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[layout.SHEET_MONTHLY].iter_rows(values_only=True))


def test_6_the_monthly_form_has_the_unit_form_layout(books) -> None:
    rows = _form_rows(books["rebuilt"])
    heads = [i for i, r in enumerate(rows) if str(r[0]).startswith("ตัวชี้วัดที่")]
    assert len(heads) == N_ROWS
    i = heads[1]  # indicator 4: 124 a month, รวม 1,488
    assert rows[i][:5] == ("ตัวชี้วัดที่ 4", "น้ำหนัก (ร้อยละ)", "หน่วยวัด", "แผน/ผล", "เป้าหมาย")
    assert rows[i][16] == "รวม"
    # each quarter over the middle of its three months
    assert [rows[i + 1][c] for c in (5, 8, 11, 14)] == [f"ไตรมาสที่ {q}" for q in (1, 2, 3, 4)]
    assert rows[i + 2][4:16] == ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                                 "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")  # fmt: skip
    plan, result = rows[i + 3], rows[i + 4]
    assert plan[0].startswith("ชื่อตัวชี้วัด : จำนวนผู้ประกันตนมาตรา 33")
    assert plan[1:4] == (20, "คน", "แผน") and result[3] == "ผล"  # แผน above ผล
    assert plan[4:16] == (124,) * 12 and plan[16] == 1488
    assert result[4:7] == (120, 130, 125) and result[16] == 375
    totals = [rows[h + 3][16] for h in heads]
    assert totals == [84, 1488, 12, 32155, 10]  # ร้อยละ and head-counts: the latest
    texts = [str(r[0]) for r in rows if r[0]]
    assert f"สูตรคำนวณ/วิธีการคำนวณ : {CALC_1}" in texts
    assert any(t.startswith("ปัญหาและอุปสรรค : ตัวชี้วัดที่ 4: " + PROBLEM_4) for t in texts)
    assert "หมายเหตุ : ข้อมูล ณ มี.ค." in texts
    assert any(t.startswith("ผลการดำเนินงานตามแผนของงาน/โครงการ :") for t in texts)
    assert any(t.startswith("แนวทางการแก้ไขปัญหา :") for t in texts)
    ws = openpyxl.load_workbook(books["rebuilt"])[layout.SHEET_MONTHLY]
    q1 = [ws.cell(row=i + 2, column=c).border for c in (5, 6, 7)]  # one box over 3 months
    assert q1[0].left.style and not q1[0].right and not q1[1].left and not q1[1].right
    assert q1[2].right.style and all(b.top.style and b.bottom.style for b in q1)
    name = [ws.cell(row=r, column=1).border for r in (i + 4, i + 5)]  # over แผน and ผล
    assert name[0].top.style and not name[0].bottom and not name[1].top and name[1].bottom.style
    assert ws.cell(row=i + 1, column=5).alignment.horizontal == "centerContinuous"
    assert ws[f"Q{i + 4}"].number_format == "#,##0"
    assert ws[f"Q{heads[0] + 4}"].number_format == "#,##0.00"  # ร้อยละ: 84.00


@pytest.mark.parametrize(
    ("figure", "one_page"),
    [("", True), ("32,155", True), ("999,999", True), ("999.99", True),
     ("9,999.99", False), ("1,234,567", False), ("12,992,890", False)],
)  # fmt: skip
def test_6_the_form_is_one_page_wide_when_its_figures_allow(figure: str, one_page: bool):
    """A4 landscape at 8 pt holds about 131 characters of columns: 13 figures of 8 or more
    characters leave the names too little, and the form keeps two pages across."""
    widths = form_widths([figure] if figure else [], [figure] if figure else [])
    room = PRINTABLE_WIDTH_IN * 100 / readable_scale(11.0)  # inches at the smallest scale
    fits = sum(width_inches(w) for w in widths.values()) <= room
    assert fits == one_page
    assert widths["A"] >= 18 if one_page else widths["A"] == WIDTHS["A"]


@pytest.mark.parametrize("name", ["demo", "rebuilt"])
def test_6_the_monthly_form_prints_on_a4(books, tmp_path: Path, name: str) -> None:
    book = demo_book() if name == "demo" else books[name]
    ws = openpyxl.load_workbook(book)[layout.SHEET_MONTHLY]
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.orientation == "landscape"
    copy = tmp_path / "form.xlsm"
    only_sheet_visible(book, copy, layout.SHEET_MONTHLY)
    pdf = convert(copy, "pdf", tmp_path / "pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+ pts \(A4\)", info.stdout)
    text = _thai(pdf_text(pdf, layout=True))
    for words in ("ไตรมาสที่ 1", "หน่วยวัด", "สูตรคำนวณ/วิธีการคำนวณ", "ปัญหาและอุปสรรค"):
        assert words in text, words
    if name == "rebuilt":
        # Figures of up to 7 characters: the 12 months and รวม fit one page's width at 8 pt
        # or more on paper (issue 11), the name column narrower; each งาน/โครงการ a page.
        assert re.search(r"แผน(\s+124){12}\s+1,488", text)
        assert "32,155" in text and "84.00" in text
        pages = int(re.search(r"Pages:\s+(\d+)", info.stdout)[1])
        assert pages == len(re.findall(r"ชื่องาน/โครงการ :", text)) >= 1
        assert ws.column_dimensions["A"].width < WIDTHS["A"]
        small = [(h, w) for h, w in word_heights(pdf) if h < MIN_BODY_PT]
        assert not small, small[:10]
    # nothing cut off at the right edge: รวม, the last column, is printed on the page
    assert "รวม" in text


# -- 7. rows added in Excel are computed ----------------------------------------------------------


@pytest.mark.parametrize("name", ["built", "imported", "rebuilt", "fiscal"])
def test_7_the_computed_block_is_saved_as_dynamic_arrays(books, name: str) -> None:
    with zipfile.ZipFile(books[name]) as zf:
        names = zf.namelist()
        assert zf.read(da.METADATA_PART) == da.METADATA_XML
        sheets = {n: zf.read(n) for n in names if n.startswith("xl/worksheets/sheet")}
        types, rels = zf.read("[Content_Types].xml"), zf.read("xl/_rels/workbook.xml.rels")
    assert da.METADATA_TYPE.encode() in types and da.METADATA_REL.encode() in rels
    cells = rb'<c r="([A-Z]+\d+)"[^>]*cm="1"'
    marked = sorted(m.decode() for xml in sheets.values() for m in re.findall(cells, xml))
    assert marked == sorted(f"{c}5" for c in C.values())
    ws = entry(books[name])
    first, last = entry_sheet.kpi_data_rows(ws)
    for letter in C.values():
        formula = ws[f"{letter}{first}"].value
        assert (
            isinstance(formula, ArrayFormula) and formula.ref == f"{letter}{first}:{letter}{last}"
        )
        assert not re.search(r"\$?[A-Z]+\$?\d", formula.text.split("(", 1)[1].replace("cfg_", ""))


def test_7_libreoffice_opens_the_dynamic_array_book(books, tmp_path: Path) -> None:
    out = convert(books["rebuilt"], XLSX_FILTER, tmp_path)
    ws = openpyxl.load_workbook(out)[layout.SHEET_ENTRY]
    formula = ws[f"{C['plan_now']}5"].value
    assert isinstance(formula, ArrayFormula)
    assert "tbl_kpi[[plan_q1]:[plan_q4]]" in formula.text.replace("$", "").lower().replace(
        "sso_period", "SSO_PERIOD"
    )


def test_7_a_saved_book_with_excels_dynamic_metadata_is_not_refused(books, tmp_path) -> None:
    """Excel re-saves the book with its own metadata part: the rebuild rewrites it, it does
    not refuse to save as it would for cell metadata it cannot carry (pictures in cells)."""
    assert da.only_dynamic_arrays(da.METADATA_XML)
    rich = da.METADATA_XML.replace(b'name="XLDAPR" minSupportedVersion', b'name="XLRICHVALUE" x')
    assert not da.only_dynamic_arrays(rich)
    again = tmp_path / layout.BOOK_NAME
    shutil.copy(books["rebuilt"], again)
    rebuild(again, 1)  # our metadata part in the original: no refusal
    with zipfile.ZipFile(again) as zf:
        assert zf.read(da.METADATA_PART) == da.METADATA_XML


def test_7_instructions_and_readme_say_the_same() -> None:
    instructions = " ".join(text for _, text in INSTRUCTIONS)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Excel 365" in instructions and "Excel 365 computes a new row at once" in readme
    assert "กดปุ่ม สร้างสรุปรายไตรมาส เพื่อขยายสูตร" in instructions
    assert "press\nthe button (or run `sso-kpi rebuild`) to refit them" in readme
    assert "re-import" not in instructions.replace("no re-import", "")
    assert "ไม่ต้องนำเข้าใหม่" in instructions


def test_empty_pair_argument_is_a_message_not_a_traceback() -> None:
    pairs = np.full((2, 24), None, dtype=object).tolist()
    assert "plan" in udfs.SSO_ROLLUP(pairs, [["sum"]] * 2, 4)
    assert udfs.SSO_ROLLUP(pairs, [["sum"]] * 2, 4, "ผล") == [[None], [None]]


def test_5_the_report_prints_what_a_red_project_wrote(books, tmp_path: Path) -> None:
    from sso_app.report import write_report

    book = tmp_path / layout.BOOK_NAME
    wb = openpyxl.load_workbook(books["rebuilt"], keep_vba=True)
    ws = wb[layout.SHEET_ENTRY]
    for r in range(5, 9):  # SKT-1 reports almost nothing: red
        for m in (1, 2, 3):
            ws[f"{K[f'result_m{m}']}{r}"] = 0.01
    wb.save(book)
    pdf = tmp_path / "report.pdf"
    result = write_report(book, pdf, 1)
    assert result.n_red == 1
    text = _thai(pdf_text(pdf)).replace("\n", " ")
    # The follow-up page lists the red project with what its indicators wrote.
    assert "นายจ้างบางรายยังไม่ขึ้นทะเบียน" in text
    assert "ประชาสัมพันธ์เพิ่ม" in text
