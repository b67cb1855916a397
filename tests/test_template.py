"""The base workbook: xlwings' Excel-made VBA, our ribbon, and the traps around them."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from sso_app.book import template
from sso_app.book.template import (
    CUSTOMUI_NS,
    EXTENSIBILITY_REL,
    REL_NS,
    XLWINGS_CONF_SHEET,
    base_workbook,
    check_vba,
    ensure_ribbon,
    ribbon_xml,
    vba_module_kinds,
    write_xlwings_conf,
)

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
THAI_LABEL = "สร้างสรุปรายไตรมาส"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("base") / "SSO_Plan.xlsm"
    base_workbook(path)
    return path


@pytest.fixture(scope="module")
def vba(base: Path) -> dict[str, str]:
    return check_vba(base)


def read(path: Path, member: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(member)


def ui_rels(path: Path) -> list[ET.Element]:
    root = ET.fromstring(read(path, "_rels/.rels"))
    return [r for r in root.iter(f"{{{REL_NS}}}Relationship") if r.get("Type") == EXTENSIBILITY_REL]


def main_content_type(path: Path) -> str:
    root = ET.fromstring(read(path, "[Content_Types].xml"))
    for override in root.iter(f"{{{CT_NS}}}Override"):
        if override.get("PartName") == "/xl/workbook.xml":
            return override.get("ContentType", "")
    return ""


def resave(src: Path, dst: Path, build=None) -> None:
    wb = openpyxl.load_workbook(src, keep_vba=True)
    if build:
        build(wb)
    wb.save(dst)


def test_vba_is_byte_identical_to_xlwings_template(base: Path) -> None:
    shipped = read(template.xlwings_template(), "xl/vbaProject.bin")
    assert read(base, "xl/vbaProject.bin") == shipped


def test_is_a_macro_enabled_workbook_not_an_addin(base: Path) -> None:
    assert main_content_type(base) == "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    assert b"addin" not in read(base, "[Content_Types].xml")
    workbook_xml = read(base, "xl/workbook.xml").decode()
    assert 'visibility="hidden"' not in workbook_xml  # the add-in's window was hidden
    with zipfile.ZipFile(base) as zf:
        assert zf.namelist()[0] == "[Content_Types].xml"


def test_openpyxl_loads_it_with_vba(base: Path) -> None:
    wb = openpyxl.load_workbook(base, keep_vba=True)
    assert wb.vba_archive is not None
    assert wb.code_name == "ThisWorkbook"
    assert wb.sheetnames == ["_" + XLWINGS_CONF_SHEET]
    assert wb.worksheets[0].sheet_properties.codeName == "Sheet2"
    assert wb.views[0].visibility == "visible"


def test_vba_has_runpython_and_ribbon_callback(vba: dict[str, str]) -> None:
    assert "Function RunPython" in vba["xlwings"]
    assert "Sub ImportPythonUDFs" in vba["xlwings"]
    run_main = re.search(
        r"Sub RunMain\(control As IRibbonControl\)(.*?)End Sub", vba["RibbonMyAddin"], re.S
    )
    assert run_main, vba["RibbonMyAddin"]
    assert "RunPython" in run_main.group(1)
    assert '".main()"' in run_main.group(1)  # import <book name>; <book name>.main()


def test_document_modules_match_codenames(base: Path) -> None:
    kinds = vba_module_kinds(base)
    assert kinds == {
        "ThisWorkbook": "Document",
        "Dictionary": "Class",
        "RibbonMyAddin": "Module",
        "Sheet2": "Document",
        "xlwings": "Module",
    }
    wb = openpyxl.load_workbook(base, keep_vba=True)
    code_names = {wb.code_name} | {ws.sheet_properties.codeName for ws in wb.worksheets}
    assert code_names == {m for m, k in kinds.items() if k == "Document"}


def test_conf_sheet_name_comes_from_the_vba(vba: dict[str, str]) -> None:
    project = re.search(r'Public Const PROJECT_NAME As String = "([^"]+)"', vba["xlwings"])
    assert project
    assert f"{project.group(1)}.conf" == XLWINGS_CONF_SHEET
    assert 'wb.Sheets(PROJECT_NAME & ".conf")' in vba["xlwings"]
    for key in template.XLWINGS_CONF_KEYS:
        assert f'GetConfig("{key.upper()}"' in vba["xlwings"], key


def test_openpyxl_save_drops_ribbon_and_ensure_ribbon_restores_it(
    base: Path, tmp_path: Path, vba: dict[str, str]
) -> None:
    assert len(ui_rels(base)) == 1
    saved = tmp_path / "saved.xlsm"
    resave(base, saved)
    # The trap: customUI.xml survives an openpyxl save, its relationship does not.
    assert "customUI/customUI.xml" in zipfile.ZipFile(saved).namelist()
    assert ui_rels(saved) == []

    final = tmp_path / "final.xlsm"
    ensure_ribbon(saved, final, ribbon_xml())
    rels = ui_rels(final)
    assert [r.get("Target") for r in rels] == ["customUI/customUI.xml"]
    ids = [r.get("Id") for r in ET.fromstring(read(final, "_rels/.rels"))]
    assert len(ids) == len(set(ids)) == 4
    assert read(final, "xl/vbaProject.bin") == read(base, "xl/vbaProject.bin")
    assert zipfile.ZipFile(final).namelist()[0] == "[Content_Types].xml"
    openpyxl.load_workbook(final, keep_vba=True)  # still a workbook

    ui = ET.fromstring(read(final, "customUI/customUI.xml"))
    assert ui.tag == f"{{{CUSTOMUI_NS}}}customUI"
    buttons = list(ui.iter(f"{{{CUSTOMUI_NS}}}button"))
    assert [b.get("id") for b in buttons] == ["btnRebuild"]
    button = buttons[0]
    assert button.get("label") == THAI_LABEL
    assert button.get("screentip") == "Rebuild quarterly summary"
    module, sub = button.get("onAction", "").split(".")
    assert re.search(rf"^\s*(Public\s+)?Sub {sub}\(\w+ As IRibbonControl\)", vba[module], re.M)


def test_ensure_ribbon_is_idempotent_and_keeps_members(base: Path, tmp_path: Path) -> None:
    once, twice = tmp_path / "once.xlsm", tmp_path / "twice.xlsm"
    ensure_ribbon(base, once, ribbon_xml("ทดสอบ"))
    ensure_ribbon(once, twice, ribbon_xml("ทดสอบ"))
    assert len(ui_rels(twice)) == 1
    assert zipfile.ZipFile(twice).namelist() == zipfile.ZipFile(base).namelist()
    assert read(twice, "_rels/.rels") == read(once, "_rels/.rels")
    assert "ทดสอบ" in read(twice, "customUI/customUI.xml").decode("utf-8")


def test_ensure_ribbon_collapses_duplicates_and_adds_missing_part(tmp_path: Path) -> None:
    src = tmp_path / "src.xlsx"
    rels = (
        f'<Relationships xmlns="{REL_NS}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{EXTENSIBILITY_REL}" Target="/customUI/old.xml"/>'
        f'<Relationship Id="rId5" Type="{EXTENSIBILITY_REL}" Target="customUI/customUI.xml"/>'
        "</Relationships>"
    )
    with zipfile.ZipFile(src, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("_rels/.rels", rels)
        zf.writestr("[Content_Types].xml", f'<Types xmlns="{CT_NS}"/>')
    dst = tmp_path / "dst.xlsx"
    ensure_ribbon(src, dst, ribbon_xml())
    (rel,) = ui_rels(dst)
    assert (rel.get("Id"), rel.get("Target")) == ("rId5", "customUI/customUI.xml")
    names = zipfile.ZipFile(dst).namelist()
    assert names[0] == "[Content_Types].xml"
    assert "customUI/customUI.xml" in names
    types = ET.fromstring(read(dst, "[Content_Types].xml"))
    assert any(o.get("PartName") == "/customUI/customUI.xml" for o in types)


def test_ribbon_xml_is_utf8_and_escaped() -> None:
    xml = ribbon_xml('A & "B" <ค>')
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"')
    root = ET.fromstring(xml.encode("utf-8"))
    (button,) = root.iter(f"{{{CUSTOMUI_NS}}}button")
    assert button.get("label") == 'A & "B" <ค>'
    tab = next(root.iter(f"{{{CUSTOMUI_NS}}}tab"))
    assert tab.get("label") == "SSO KPI"
    assert button.get("size") == "large" and button.get("imageMso")


def test_ensure_ribbon_refuses_non_customui(base: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        ensure_ribbon(base, tmp_path / "x.xlsm", "<ribbon/>")


def test_write_xlwings_conf(base: Path, tmp_path: Path) -> None:
    def build(wb: openpyxl.Workbook) -> None:
        plan = wb.create_sheet("แผนงาน")
        plan["A1"] = "ตัวชี้วัด"
        write_xlwings_conf(
            wb, {"UDF Modules": "udfs", "Interpreter_Win": "", "Show Console": False}
        )

    saved = tmp_path / "saved.xlsm"
    resave(base, saved, build)
    final = tmp_path / "final.xlsm"
    ensure_ribbon(saved, final, ribbon_xml())

    wb = openpyxl.load_workbook(final, keep_vba=True)
    assert wb.sheetnames == ["แผนงาน", XLWINGS_CONF_SHEET]  # template sheet replaced
    conf = wb[XLWINGS_CONF_SHEET]
    assert conf.sheet_state == "hidden"
    assert conf.sheet_properties.codeName == "Sheet2"  # still bound to the VBA's module
    assert conf["A1"].value == "UDF Modules" and conf["B1"].value == "udfs"
    assert conf["A2"].value == "Interpreter_Win"
    assert conf["A3"].value == "Show Console" and conf["B3"].value is False
    assert conf["A4"].value is None  # the VBA reads A1 down to the first blank
    assert wb.active.title == "แผนงาน"
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets] == [True, False]
    assert len(ui_rels(final)) == 1


def test_write_xlwings_conf_refuses_bad_input(base: Path) -> None:
    wb = openpyxl.load_workbook(base, keep_vba=True)
    with pytest.raises(ValueError, match="duplicate"):
        write_xlwings_conf(wb, {"UDF Modules": "a", "udf modules": "b"})
    with pytest.raises(ValueError, match="visible"):  # it would be the only sheet, hidden
        write_xlwings_conf(wb, {"UDF Modules": "udfs"})


def test_conf_value_is_never_a_formula(base: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(base, keep_vba=True)
    wb.create_sheet("Plan")
    write_xlwings_conf(wb, {"PYTHONPATH": "=HYPERLINK(1)"})
    wb.save(tmp_path / "f.xlsm")
    back = openpyxl.load_workbook(tmp_path / "f.xlsm")
    assert back[XLWINGS_CONF_SHEET]["B1"].data_type == "s"


def test_base_workbook_wants_xlsm(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        base_workbook(tmp_path / "book.xlsx")
