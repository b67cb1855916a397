"""The built workbook: sheets, tables, validations, formulas, VBA/ribbon, reproducibility, LO.

Books are built once per test session (see ``demo_book``/``empty_book``) and converted by
LibreOffice once each (``lo_xlsx``/``lo_pdf``): other test modules import these helpers.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

import udfs
from sso_app import build
from sso_app.book import entry_sheet, layout, template
from sso_app.book.libreoffice import XLSX_FILTER, convert, pdf_text
from sso_app.book.sheets import band_tint
from sso_kpi.schema import AGGREGATION_TH, AGGREGATIONS, DIRECTION_TH, DIRECTIONS

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "workbook" / layout.BOOK_NAME
NATIVE_FUNCTIONS = {"IF", "SUM", "SUMIF", "ROUND", "ISNUMBER", "ISERROR", "FIND", "CHAR", "TEXT"}

_TMP = Path(tempfile.mkdtemp(prefix="sso-test-books-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)

LAST = get_column_letter(len(layout.KPI_TABLE_COLUMNS))  # tbl_kpi's last column


@functools.cache
def demo_book() -> Path:
    """A freshly built demo book (read-only for tests: copy it before changing it)."""
    path = _TMP / "demo" / layout.BOOK_NAME
    build.build_workbook(path, demo=True)
    return path


@functools.cache
def empty_book() -> Path:
    path = _TMP / "empty" / layout.BOOK_NAME
    build.build_workbook(path, demo=False)
    return path


def copy_book(src: Path, folder: Path, name: str = layout.BOOK_NAME) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / name
    shutil.copyfile(src, dest)
    return dest


@functools.cache
def lo_xlsx(path: Path) -> Path:
    """The book after LibreOffice loaded, recalculated and saved it (one conversion per book)."""
    out = _TMP / "lo" / hashlib.sha1(str(path).encode()).hexdigest()[:10]
    return convert(path, XLSX_FILTER, out)


@functools.cache
def lo_pdf(path: Path) -> Path:
    out = _TMP / "pdf" / hashlib.sha1(str(path).encode()).hexdigest()[:10]
    return convert(path, "pdf", out)


def recalculated(path: Path, sheet: str) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(lo_xlsx(path), data_only=True)[sheet]


def zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def check_macro_parts(path: Path) -> None:
    """VBA modules, the ribbon callback and the customUI relationship, as Excel needs them."""
    vba = template.check_vba(path)
    assert "xlwings" in vba
    assert "Sub RunMain(control As IRibbonControl)" in vba["RibbonMyAddin"]
    assert "RunPython" in vba["RibbonMyAddin"]
    members = zip_members(path)
    ui = ET.fromstring(members[template.CUSTOMUI_PART])
    actions = {b.get("onAction") for b in ui.iter(f"{{{template.CUSTOMUI_NS}}}button")}
    assert actions == {template.RIBBON_CALLBACK}
    assert template.RIBBON_CALLBACK.endswith("RunMain")
    rels = ET.fromstring(members[template.ROOT_RELS])
    ui_rels = [
        r
        for r in rels.iter(f"{{{template.REL_NS}}}Relationship")
        if r.get("Type") == template.EXTENSIBILITY_REL
    ]
    assert [r.get("Target") for r in ui_rels] == [template.CUSTOMUI_PART]


@functools.cache
def shipped_vba() -> bytes:
    with zipfile.ZipFile(template.xlwings_template()) as zf:
        return zf.read(template.VBA_PART)


@pytest.fixture(scope="module")
def wb() -> openpyxl.Workbook:
    return openpyxl.load_workbook(demo_book(), keep_vba=True)


# -- structure --------------------------------------------------------------------------------


def test_sheets_in_order_with_thai_names_and_hidden_config(wb: openpyxl.Workbook) -> None:
    assert wb.sheetnames == [
        layout.SHEET_INSTRUCTIONS,
        layout.SHEET_SETTINGS,
        layout.SHEET_ENTRY,
        layout.SHEET_MONTHLY,
        layout.SHEET_BUDGET,
        layout.SHEET_SUMMARY,
        layout.SHEET_OPDC,
        template.XLWINGS_CONF_SHEET,
    ]
    assert [ws.sheet_state for ws in wb.worksheets][-1] == "hidden"
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets[:-1])
    assert wb.active.title == layout.SHEET_INSTRUCTIONS
    assert sum(ws.sheet_view.tabSelected for ws in wb.worksheets) == 1


def test_tables_and_their_refs(wb: openpyxl.Workbook) -> None:
    tables = {name: ref for ws in wb.worksheets for name, ref in ws.tables.items()}
    assert tables[layout.TABLE_SETTINGS] == f"A3:C{3 + len(layout.SETTINGS)}"
    last = get_column_letter(len(layout.KPI_TABLE_COLUMNS))
    assert tables[layout.TABLE_KPI] == f"A4:{last}100"  # 96 indicators under header row 4
    assert tables[layout.TABLE_BUDGET] == "A4:C9"
    assert tables[layout.TABLE_OPDC] == "A10:I16"
    for name in (
        layout.TABLE_SUMMARY,
        layout.TABLE_FUNDS,
        layout.TABLE_PROJECTS,
        layout.TABLE_ATTENTION,
        layout.TABLE_DISBURSEMENT,
    ):
        assert name in wb[layout.SHEET_SUMMARY].tables
    projects = wb[layout.SHEET_SUMMARY].tables[layout.TABLE_PROJECTS].ref
    _, top, _, bottom = range_boundaries(projects)
    assert bottom - top == 57  # one row per project


def test_kpi_header_is_the_layout_with_thai_labels_above(wb: openpyxl.Workbook) -> None:
    ws = wb[layout.SHEET_ENTRY]
    header = [c.value for c in ws[layout.ENTRY_HEADER_ROW]][: len(layout.KPI_TABLE_COLUMNS)]
    assert header == list(layout.KPI_TABLE_COLUMNS)
    k = entry_sheet.kpi_letters()
    assert ws["A3"].value == "รหัสโครงการ"
    assert ws[f"{k['plan_m1']}3"].value == "ไตรมาสที่ 1\nม.ค. แผน"  # a calendar year
    assert ws[f"{k['result_m1']}3"].value == "ไตรมาสที่ 1\nม.ค. ผล"  # its result beside it
    assert ws[f"{k['plan_m12']}3"].value == "ไตรมาสที่ 4\nธ.ค. แผน"
    assert ws[f"{k['calculation']}3"].value == "สูตรคำนวณ/วิธีการคำนวณ"
    assert ws.freeze_panes == "E5"  # ids and names stay: project_id..kpi_name
    last = entry_sheet.computed_letters()["project_band"]
    assert ws.print_area == f"'แผน-ผล'!$A$1:${last}$100"  # the computed block prints too
    assert ws.page_setup.orientation == "landscape"


def test_text_stays_text_and_numbers_numbers(wb: openpyxl.Workbook) -> None:
    ws = wb[layout.SHEET_ENTRY]
    col = {c: i + 1 for i, c in enumerate(layout.KPI_TABLE_COLUMNS)}
    subs = [ws.cell(row=r, column=col["substrategy"]) for r in range(5, 101)]
    assert "1.10" in [c.value for c in subs]
    assert all(c.data_type == "s" for c in subs)
    assert ws.cell(row=5, column=col["strategy"]).value == "1"
    assert ws.cell(row=5, column=col["kpi_number"]).value == "1"
    assert ws.cell(row=5, column=col["plan_q1"]).value == 3
    assert isinstance(ws.cell(row=6, column=col["result_q3"]).value, float | int)
    directions = {ws.cell(row=r, column=col["direction"]).value for r in range(5, 101)}
    aggregations = {ws.cell(row=r, column=col["aggregation"]).value for r in range(5, 101)}
    # Thai words, the dropdowns' (the engine reads them as the codes)
    assert directions <= set(DIRECTION_TH.values()) and None not in directions
    assert aggregations <= set(AGGREGATION_TH.values()) and aggregations >= {"รวม", "ค่าล่าสุด"}
    assert set(DIRECTION_TH) == set(DIRECTIONS) and set(AGGREGATION_TH) == set(AGGREGATIONS)


def test_data_validations(wb: openpyxl.Workbook) -> None:
    ws = wb[layout.SHEET_ENTRY]
    k, c = entry_sheet.kpi_letters(), entry_sheet.computed_letters()
    by_formula = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert by_formula['"ยิ่งมากยิ่งดี,ยิ่งน้อยยิ่งดี"'] == f"{k['direction']}5:{k['direction']}100"
    assert by_formula['"รวม,ค่าล่าสุด,ค่าเฉลี่ย,ค่าสูงสุด"'] == f"{k['aggregation']}5:{k['aggregation']}100"
    assert by_formula['"งานประจำ,โครงการเดิม,โครงการใหม่"'] == f"{k['kind']}5:{k['kind']}100"
    numbers = by_formula["0"].split()
    wanted = ("weight", "budget", "plan_q1", "plan_m1", "result_m1", "result_m12")
    assert {f"{k[n]}5:{k[n]}100" for n in wanted} <= set(numbers)
    assert by_formula["100"] == f"{k['cap']}5:{k['cap']}100"  # cap
    # Case 2: typing into the computed block is refused (no sheet protection: the table grows)
    guard = next(dv for dv in ws.data_validations.dataValidation if dv.type == "custom")
    assert guard.formula1 == "FALSE" and guard.errorStyle == "stop" and guard.showErrorMessage
    assert "ห้ามพิมพ์ทับ" in guard.error
    assert str(guard.sqref) == f"{c['plan_total']}5:{c['project_band']}1100"  # spare rows too
    settings = wb[layout.SHEET_SETTINGS]
    rules = {str(dv.sqref): dv for dv in settings.data_validations.dataValidation}
    kind_row = 4 + layout.SETTING_KEYS.index("year_kind")
    quarter_row = 4 + layout.SETTING_KEYS.index("quarter")
    assert rules[f"B{kind_row}"].formula1 == '"ปีปฏิทิน,ปีงบประมาณ"'
    assert settings[f"B{kind_row}"].value == "ปีปฏิทิน"
    q = rules[f"B{quarter_row}"]
    assert (q.type, q.formula1, q.formula2) == ("whole", "1", "4")


def test_defined_names_point_at_setting_values(wb: openpyxl.Workbook) -> None:
    ws = wb[layout.SHEET_SETTINGS]
    for setting in layout.SETTINGS:
        name = wb.defined_names[layout.defined_name(setting.key)]
        (sheet, ref), *_ = name.destinations
        assert sheet == layout.SHEET_SETTINGS
        row = int(ref.split("$")[-1])
        assert ws.cell(row=row, column=1).value == setting.key
    quarter = wb.defined_names["cfg_quarter"]
    (_, ref), *_ = quarter.destinations
    assert ws[ref.replace("$", "")].value == 3
    assert ws["B4"].value == layout.SCHEMA_VERSION and ws["B4"].data_type == "s"


def test_band_colours_by_conditional_formatting(wb: openpyxl.Workbook) -> None:
    ws = wb[layout.SHEET_ENTRY]
    rules = {
        (str(cf.sqref), r.formula[0]): r.dxf.fill.fgColor.rgb
        for cf in ws.conditional_formatting
        for r in cf.rules
        if r.dxf.fill is not None  # the status column: words, no colour
    }
    band, project = (entry_sheet.computed_letters()[n] for n in ("band", "project_band"))
    # the band's word on its tint (the code stays in the cell, shown as the Thai word)
    assert rules[(f"{band}5:{band}100", f'EXACT({band}5,"green")')].endswith(band_tint("92D050"))
    assert rules[(f"{project}5:{project}100", f'EXACT({project}5,"red")')].endswith(
        band_tint("FF0000")
    )
    shown = {
        r.formula[0]: r.dxf.numFmt.formatCode
        for cf in ws.conditional_formatting
        for r in cf.rules
        if r.dxf.numFmt is not None
    }
    assert shown[f'EXACT({band}5,"red")'] == ';;;"แดง"'
    status = entry_sheet.computed_letters()["status"]
    assert shown[f'EXACT({status}5,"not_due")'] == ';;;"ยังไม่ถึงกำหนด"'
    summary = wb[layout.SHEET_SUMMARY]
    assert any("EXACT" in r.formula[0] for cf in summary.conditional_formatting for r in cf.rules)


# -- formulas ---------------------------------------------------------------------------------


def _formulas(wb: openpyxl.Workbook) -> list[str]:
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, ArrayFormula):
                    out.append(cell.value.text)
                elif cell.data_type == "f":
                    out.append(str(cell.value))
    return out


def test_every_function_called_is_native_or_a_udf(wb: openpyxl.Workbook) -> None:
    called = {name for f in _formulas(wb) for name in re.findall(r"([A-Z_][A-Z0-9_.]*)\(", f)}
    udf_names = called - NATIVE_FUNCTIONS
    assert udf_names == {
        "SSO_PERIOD",
        "SSO_ROLLUP",
        "SSO_ACHIEVEMENT",
        "SSO_STATUS",
        "SSO_BAND",
        "SSO_PROJECT_AVG",
        "SSO_SCORE",
        "SSO_QUALITY",
    }
    for name in udf_names:
        assert callable(getattr(udfs, name)), name


def _columns_of(ref: str) -> list[str]:
    """tbl_kpi columns a structured reference covers: tbl_kpi[x] or tbl_kpi[[a]:[b]]."""
    names = re.findall(r"\[?\[?(\w+)\]", ref.removeprefix(layout.TABLE_KPI))
    cols = list(layout.KPI_TABLE_COLUMNS)
    return cols[cols.index(names[0]) : cols.index(names[-1]) + 1]


def test_computed_block_is_one_array_formula_per_column(wb: openpyxl.Workbook) -> None:
    """Case 7: each formula reads whole table columns (structured references) or the kpi_
    names sized by the table, so it never names a row: Excel 365 spills it over new rows."""
    ws = wb[layout.SHEET_ENTRY]
    first = layout.KPI_COMPUTED_FIRST_COL
    assert first == len(layout.KPI_TABLE_COLUMNS) + 2  # one blank column after the table
    assert ws.cell(row=layout.ENTRY_HEADER_ROW, column=first - 1).value is None
    calls = {}
    for i, name in enumerate(layout.KPI_COMPUTED_COLUMNS):
        cell = ws.cell(row=5, column=first + i)
        assert ws.cell(row=layout.ENTRY_HEADER_ROW, column=first + i).value == name
        assert isinstance(cell.value, ArrayFormula), name
        assert cell.value.ref == f"{cell.column_letter}5:{cell.column_letter}100"
        # The rest belongs to the array: no formula of its own, only the cached value.
        rest = ws.cell(row=6, column=first + i).value
        assert not isinstance(rest, ArrayFormula) and not str(rest).startswith("="), name
        assert ws.cell(row=6, column=first + i).fill.fgColor.rgb.endswith("EDEDED")  # grey
        func, args = re.fullmatch(r"=(\w+)\((.*)\)", cell.value.text).groups()
        calls[name] = (func, args.split(","))
        assert "$" not in args  # no row named anywhere
    func, args = calls["plan_now"]
    assert func == "SSO_PERIOD"
    assert _columns_of(args[0]) == ["plan_q1", "plan_q2", "plan_q3", "plan_q4"]
    assert _columns_of(args[1]) == list(layout.MONTH_PAIRS)  # 24 แผน/ผล pairs
    assert _columns_of(args[2]) == ["aggregation"] and args[3:] == ["cfg_quarter", '"plan"']
    func, args = calls["result_now"]
    assert _columns_of(args[0])[0] == "result_q1" and args[4] == '"result"'
    assert calls["plan_total"] == ("SSO_ROLLUP", [args[1], args[2], "4", '"plan"'])
    assert calls["result_total"] == ("SSO_ROLLUP", [args[1], args[2], "4", '"result"'])
    func, args = calls["achievement"]
    assert func == "SSO_ACHIEVEMENT"
    assert args[:2] == ["kpi_plan_now", "kpi_result_now"]
    assert [_columns_of(a) for a in args[2:4]] == [["direction"], ["cap"]]
    assert args[4] == "cfg_cap"
    assert calls["status"][0] == "SSO_STATUS"
    assert calls["band"] == ("SSO_BAND", ["kpi_achievement", "cfg_green_at", "cfg_yellow_at"])
    func, args = calls["project_avg"]
    assert func == "SSO_PROJECT_AVG"
    assert args == ["tbl_kpi[project_id]", "kpi_achievement", "tbl_kpi[weight]"]
    assert calls["project_band"][1][0] == "kpi_project_avg"
    # each kpi_ name: its computed column from row 5 down as many rows as tbl_kpi has
    letters = entry_sheet.computed_letters()
    for name, letter in letters.items():
        text = wb.defined_names[layout.computed_name(name)].attr_text
        assert text == (f"'แผน-ผล'!${letter}$5:INDEX('แผน-ผล'!${letter}:${letter},ROWS(tbl_kpi)+4)")


def test_computed_cells_are_marked_as_dynamic_arrays() -> None:
    """Case 7: what Excel 365 writes for a spilling formula -- cm="1" on the cell, pointing at
    the XLDAPR cell metadata of xl/metadata.xml (content type and relationship wired)."""
    from sso_app.book import dynamic_arrays as da

    members = zip_members(demo_book())
    sheets = {n: d for n, d in members.items() if n.startswith("xl/worksheets/sheet")}
    marked = {n: re.findall(rb'<c r="([A-Z]+5)"[^>]*cm="1"', d) for n, d in sheets.items()}
    cells = [c.decode() for found in marked.values() for c in found]
    assert sorted(cells) == sorted(f"{c}5" for c in entry_sheet.computed_letters().values())
    assert members[da.METADATA_PART] == da.METADATA_XML
    assert b"sheetMetadata+xml" in members["[Content_Types].xml"]
    rels = members["xl/_rels/workbook.xml.rels"]
    assert da.METADATA_REL.encode() in rels and b'Target="metadata.xml"' in rels
    meta = ET.fromstring(members[da.METADATA_PART])
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    # ECMA-376 CT_Metadata is a sequence: metadataTypes, metadataStrings, mdxMetadata,
    # futureMetadata*, cellMetadata, valueMetadata, extLst
    order = ["metadataTypes", "metadataStrings", "mdxMetadata", "futureMetadata",
             "cellMetadata", "valueMetadata", "extLst"]  # fmt: skip
    children = [child.tag.split("}")[1] for child in meta]
    assert children == sorted(children, key=order.index) and children[0] == "metadataTypes"
    assert meta.find("m:cellMetadata", ns).get("count") == "1"
    (kind,) = meta.findall("m:metadataTypes/m:metadataType", ns)
    assert kind.get("name") == "XLDAPR" and kind.get("cellMeta") == "1"
    (rc,) = meta.findall("m:cellMetadata/m:bk/m:rc", ns)
    assert (rc.get("t"), rc.get("v")) == ("1", "0")  # type 1 (XLDAPR), future block 0
    dyn = meta.find(".//{http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray}"
                    "dynamicArrayProperties")  # fmt: skip
    assert dyn.get("fDynamic") == "1"
    # the OPDC card's legacy array formula is left a legacy one
    assert not re.search(rb'<c r="K11"[^>]*cm=', b"".join(sheets.values()))


def test_udf_signatures_accept_the_arguments_written(wb: openpyxl.Workbook) -> None:
    """Call each UDF in Python with arrays shaped like the ranges of its formula."""
    import numpy as np

    n = 3
    q = np.array([[1, 2, 3, np.nan]] * n, dtype=object)
    m = np.full((n, 12), None, dtype=object)
    agg = [["sum"]] * n
    plan = udfs.SSO_PERIOD(q, m, agg, 3)
    assert plan == [[3]] * n
    pct = udfs.SSO_ACHIEVEMENT(plan, [[6]] * n, [["higher"]] * n, [[None]] * n, None)
    assert pct == [[200.0]] * n
    assert udfs.SSO_BAND(pct, 100, 50) == [["green"]] * n
    assert udfs.SSO_PROJECT_AVG([["P"]] * n, pct, [[1]] * n) == [[200.0]] * n


def test_opdc_card_formulas_are_native_except_score_and_quality(wb: openpyxl.Workbook) -> None:
    ws = wb[layout.SHEET_OPDC]
    assert [ws.cell(row=4, column=c).value for c in range(1, 5)] == [
        "Performance Base",
        "Potential Base",
        "คะแนนรวม",
        "สรุปผลการประเมิน",
    ]
    assert ws["A5"].value == '=SUMIF($A$11:$A$16,"Performance Base",$L$11:$L$16)'
    assert ws["C5"].value == "=SUM($L$11:$L$16)"
    assert ws["D5"].value.startswith('=IF(ROUND(C5,2)>=90,"ระดับคุณภาพ"')
    assert ws["B7"].value == "=SSO_QUALITY(C5)"
    score = ws["K11"].value
    assert isinstance(score, ArrayFormula) and score.ref == "K11:K16"
    assert score.text == "=SSO_SCORE($I$11:$I$16,$F$11:$F$16,$G$11:$G$16,$H$11:$H$16)"
    assert ws["L11"].value.startswith("=IF(ISNUMBER(K11),K11*D11/100")
    assert ws["M11"].value == pytest.approx(62.5)  # the engine's score: the card's fallback
    assert ws["M14"].value == pytest.approx(89.125)  # unrounded: subtotals add up exactly
    assert ws["B11"].value == "1" and ws["B14"].value == "4.1"


def test_budget_pct_is_a_native_formula_beside_the_table(wb: openpyxl.Workbook) -> None:
    ws = wb[layout.SHEET_BUDGET]
    assert [ws.cell(row=r, column=1).value for r in range(5, 10)] == list(layout.BUDGET_CATEGORIES)
    assert ws["B6"].value == 3834900 and ws["C6"].value == 3445278.96
    assert ws["E6"].value == '=IF(B6>0,C6/B6*100,"")'
    assert ws["D4"].value is None  # one blank column between table and formula


def test_xlwings_config_sheet(wb: openpyxl.Workbook) -> None:
    conf = wb[template.XLWINGS_CONF_SHEET]
    assert conf["A1"].value == "UDF Modules" and conf["B1"].value == "udfs"
    assert conf["A2"].value is None  # no interpreter pinned
    assert conf.sheet_properties.codeName == "Sheet2"
    assert wb.code_name == "ThisWorkbook"


# -- VBA, ribbon, reproducibility -------------------------------------------------------------


def test_vba_and_ribbon() -> None:
    check_macro_parts(demo_book())
    assert zip_members(demo_book())[template.VBA_PART] == shipped_vba()


def test_build_is_reproducible(tmp_path: Path) -> None:
    again = tmp_path / layout.BOOK_NAME
    build.build_workbook(again, demo=True)
    assert again.read_bytes() == demo_book().read_bytes()


def test_shipped_workbook_is_up_to_date() -> None:
    """A source change without `sso-kpi build-workbook` fails here."""
    fresh, shipped = zip_members(demo_book()), zip_members(SHIPPED)
    assert sorted(fresh) == sorted(shipped)
    stale = [name for name in fresh if fresh[name] != shipped[name]]
    assert not stale, f"run `sso-kpi build-workbook`: {stale} differ"
    # byte for byte, too: member order and dates are fixed, whatever the process's hashing
    assert demo_book().read_bytes() == SHIPPED.read_bytes()
    assert (SHIPPED.parent / "SSO_Plan.py").read_text(encoding="utf-8") == build.SHIM


def test_build_refuses_a_non_xlsm_name(tmp_path: Path) -> None:
    from sso_kpi.errors import SsoError

    with pytest.raises(SsoError, match="xlsm"):
        build.build_workbook(tmp_path / "plan.xlsx")


def test_empty_book_has_one_blank_row_per_typed_table() -> None:
    wb = openpyxl.load_workbook(empty_book(), keep_vba=True)
    last = get_column_letter(len(layout.KPI_TABLE_COLUMNS))
    assert wb[layout.SHEET_ENTRY].tables[layout.TABLE_KPI].ref == f"A4:{last}5"
    assert wb[layout.SHEET_OPDC].tables[layout.TABLE_OPDC].ref == "A10:I11"
    assert wb[layout.SHEET_ENTRY]["A5"].value is None
    first = entry_sheet.computed_letters()["plan_total"]
    assert wb[layout.SHEET_ENTRY][f"{first}5"].value.ref == f"{first}5:{first}5"  # Excel 365
    # spills it over rows typed later (the cell is a dynamic array); older Excel: the button
    summary = wb[layout.SHEET_SUMMARY]
    ref = summary.tables[layout.TABLE_SUMMARY].ref
    bottom = range_boundaries(ref)[3]
    assert summary.cell(row=bottom, column=1).value == "รวม"
    assert summary.cell(row=bottom, column=2).value == 0
    check_macro_parts(empty_book())


# -- LibreOffice ------------------------------------------------------------------------------


def test_libreoffice_computes_the_native_formulas() -> None:
    budget = recalculated(demo_book(), layout.SHEET_BUDGET)
    assert budget["E6"].value == pytest.approx(3445278.96 / 3834900 * 100)
    assert round(budget["E6"].value, 2) == 89.84
    assert budget["E5"].value in (None, "")  # plan 0: no per cent
    assert budget["B11"].value == pytest.approx(3944900)
    card = recalculated(demo_book(), layout.SHEET_OPDC)
    # LibreOffice cannot run the Python UDF: the score cells are #NAME?, and the weighted
    # column falls back to the engine's scores, so the card still adds up as published.
    assert card["K11"].value == "#NAME?"
    assert card["A5"].value == pytest.approx(62.50)
    assert card["B5"].value == pytest.approx(29.45625)
    assert round(card["C5"].value, 2) == 91.96
    assert card["D5"].value == "ระดับคุณภาพ"


def test_libreoffice_prints_the_book_with_thai_text() -> None:
    text = pdf_text(lo_pdf(demo_book()))
    assert "สรุปผลการดำเนินงานตามแผนปฏิบัติราชการ" in text
    assert re.search(r"^รวม 43 27 15 1 62\.79 34\.88 2\.33$", text, re.M)
    assert "ระดับคุณภาพ" in text


def test_column_letters_helper_matches_layout() -> None:
    letters = entry_sheet.kpi_letters()
    assert column_index_from_string(letters["project_id"]) == 1
    assert [letters[c] for c in ("plan_m1", "result_m1", "plan_m2")] == ["Z", "AA", "AB"]
    assert letters["result_m12"] == "AW"  # months as แผน/ผล pairs, then the text columns
    first = column_index_from_string(entry_sheet.computed_letters()["plan_total"])
    assert first == len(layout.KPI_TABLE_COLUMNS) + 2  # one blank column after the table
