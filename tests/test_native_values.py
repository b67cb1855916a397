"""Every native formula the writer makes carries its value; Excel keeps the values on open.

Issue 11: a formula cell without a cached value forces ``fullCalcOnLoad`` (Excel recalculates
everything on open, and on a PC without Python every SSO_ cell shows ``#NAME?``). The values
of the native formulas come from the rules in :mod:`sso_app.book.natives`; LibreOffice,
recalculating a copy from scratch, is the second opinion on each of them.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sso_app import rebuild
from sso_app.book import layout
from sso_app.book.budget_sheet import PERCENT
from sso_app.book.cached import EXCEL_CALC_ID, NS, calculation_on_open, values_copy
from sso_app.book.libreoffice import XLSX_FILTER, convert
from sso_app.book.natives import (
    SUM,
    NotModelled,
    fixed2,
    number,
    sum_if_text,
    text_criterion,
    text_of,
)
from sso_app.book.opdc_card import NAME_LINE, TARGET
from sso_app.book.opdc_sheet import COMPONENT_SUM, LEVEL
from sso_app.book.saving import customui_of, save_macro_book
from tests.test_build import copy_book, demo_book

# -- the rules ---------------------------------------------------------------------------------


def test_a_native_is_recognised_by_its_text_wherever_it_moved() -> None:
    formula = PERCENT.formula(plan="B5", spent="C5")
    assert formula == '=IF(B5>0,C5/B5*100,"")'
    assert PERCENT.match('IF(B12>0,C12/B12*100,"")') == {"plan": "B12", "spent": "C12"}
    assert PERCENT.match('IF(B5>=0,C5/B5*100,"")') is None  # changed by hand: not ours
    assert SUM.match("SUM($L$11:$L$16)") == {"cells": "$L$11:$L$16"}
    assert SUM.match("SUM(L11:L16)+1") is None
    # A name used twice must be the same cell both times.
    level = LEVEL.formula(total="C5")
    assert LEVEL.match(level[1:]) == {"total": "C5"}
    assert LEVEL.match(level[1:].replace("C5", "C6", 1)) is None
    # Text literals: quoted and unquoted the Excel way.
    sumif = COMPONENT_SUM.formula(components="A1:A3", criterion='say "hi"', weighted="L1:L3")
    assert sumif == '=SUMIF(A1:A3,"say ""hi""",L1:L3)'
    assert COMPONENT_SUM.match(sumif)["criterion"] == 'say "hi"'  # type: ignore[index]


def value_of(native, formula: str, cells: dict[str, object]) -> object:  # type: ignore[no-untyped-def]
    return native.value(native.match(formula), lambda ref: cells.get(ref))


def test_the_rules_give_what_excel_shows() -> None:
    name = NAME_LINE.formula(number="B1", name="C1")
    assert value_of(NAME_LINE, name, {"B1": "4.1", "C1": "x"}) == "4.1 x"
    assert value_of(NAME_LINE, name, {"B1": 2.0, "C1": "x"}) == "2. x"
    assert value_of(NAME_LINE, name, {"B1": 2.5, "C1": "x"}) == "2.5 x"
    assert value_of(NAME_LINE, name, {"C1": "x"}) == "x"
    assert value_of(NAME_LINE, name, {}) == 0.0  # =IF(TRUE,C1) of an empty C1 is 0
    target = TARGET.formula(value="F1", unit="E1")
    assert value_of(TARGET, target, {"F1": 12.9, "E1": "ล้านราย"}) == "12.90\n(ล้านราย)"
    assert value_of(TARGET, target, {"F1": 0.0}) == "0.00"
    assert value_of(TARGET, target, {"E1": "ราย"}) == ""
    pct = PERCENT.formula(plan="B1", spent="C1")
    assert value_of(PERCENT, pct, {"B1": 0, "C1": 5.0}) == ""
    assert value_of(PERCENT, pct, {"B1": 200.0, "C1": 50.0}) == 25.0
    assert fixed2(2.675) == "2.68" and fixed2(-1.005) == "-1.01" and fixed2(None) == "0.00"
    assert text_of(100.0) == "100" and text_of(0.1 + 0.2) == "0.3"
    assert sum_if_text(["Potential Base", "potential base", None], "Potential Base", [1, 2, 4]) == 3
    assert sum_if_text(["*", "a"], text_criterion("*"), [1.0, 2.0]) == 1.0  # the text "*"


@pytest.mark.parametrize(
    "call",
    [
        lambda: number("12.5"),  # text in arithmetic: Excel and LibreOffice differ
        lambda: fixed2("12.9"),
        lambda: fixed2(1e20),  # shown in exponent form
        lambda: text_of(True),
        lambda: sum_if_text(["a"], "a*", [1.0]),  # wildcard
        lambda: sum_if_text(["5"], "5", [1.0]),  # a number criterion matches numbers too
        lambda: sum_if_text(["a"], ">a", [1.0]),
    ],
)
def test_what_the_rules_do_not_model_is_refused(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotModelled):
        call()


# -- the saved books ---------------------------------------------------------------------------


def calc_pr(book: Path) -> dict[str, str]:
    with zipfile.ZipFile(book) as zf:
        tag = re.search(rb"<calcPr\b[^>]*/?>", zf.read("xl/workbook.xml"))
    assert tag is not None
    return dict(re.findall(r'(\w+)="([^"]*)"', tag.group(0).decode()))


def test_calculation_on_open_is_set_not_assumed() -> None:
    ns = NS.encode()
    excel = b'<workbook xmlns="' + ns + b'"><sheets/><calcPr calcId="191029"/></workbook>'
    assert b'fullCalcOnLoad="1"' in calculation_on_open(excel, full=True)
    bare = b'<workbook xmlns="' + ns + b'"><sheets/><definedNames/></workbook>'
    kept = calculation_on_open(bare, full=False)
    assert re.search(rb'<definedNames/><calcPr calcId="' + EXCEL_CALC_ID.encode(), kept)


def test_a_formula_of_the_planner_keeps_the_full_calculation(tmp_path: Path) -> None:
    """A formula no rule knows has no value after openpyxl's save: Excel must compute it."""
    book = copy_book(demo_book(), tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb[layout.SHEET_BUDGET]["G5"] = "=B6*2"
    save_macro_book(wb, book, customui_of(book))
    assert calc_pr(book).get("fullCalcOnLoad") == "1"
    rebuild.rebuild(book)  # and it stays so on every later save
    assert calc_pr(book).get("fullCalcOnLoad") == "1"
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb[layout.SHEET_BUDGET]["G5"] = None
    save_macro_book(wb, book, customui_of(book))
    assert "fullCalcOnLoad" not in calc_pr(book)
    assert calc_pr(book)["calcId"] == EXCEL_CALC_ID


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo book with the cases the card's rules branch on, rebuilt."""
    book = copy_book(demo_book(), tmp_path_factory.mktemp("varied"))
    wb = openpyxl.load_workbook(book, keep_vba=True)
    card = wb[layout.SHEET_OPDC]
    card["B11"] = 2  # a number without a dot: "2. name"
    card["B12"] = None  # no number: the name alone
    card["B14"] = 4.5  # a number with its own dot: "4.5 name"
    card["E15"] = None  # no unit: the target alone
    card["H13"] = None  # a blank target (and so no score)
    card["A16"] = "potential base"  # SUMIF ignores case, a component of its own on the card
    budget = wb[layout.SHEET_BUDGET]
    budget["C7"] = None
    save_macro_book(wb, book, customui_of(book))
    rebuild.rebuild(book)
    return book


def test_libreoffice_computes_every_native_formula_to_its_cached_value(varied: Path) -> None:
    """The second opinion: LibreOffice recalculates a copy in which the SSO_ cells hold their
    cached values (they are the engine's; LibreOffice cannot run them) and every native
    formula comes out as we cached it -- numbers within 1e-9, text exactly."""
    assert "fullCalcOnLoad" not in calc_pr(varied)
    copy = varied.with_name("values.xlsm")
    values_copy(varied, copy)
    lo = openpyxl.load_workbook(convert(copy, XLSX_FILTER, varied.parent / "lo"), data_only=True)
    formulas = openpyxl.load_workbook(varied)
    ours = openpyxl.load_workbook(varied, data_only=True)
    compared, differ = 0, []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                    continue
                if "SSO_" in cell.value:
                    continue
                mine = ours[ws.title][cell.coordinate].value
                theirs = lo[ws.title][cell.coordinate].value
                compared += 1
                if isinstance(mine, float | int) and isinstance(theirs, float | int):
                    same = abs(mine - theirs) <= 1e-9
                else:  # an empty text result reads back as None from either file
                    same = (mine if mine != "" else None) == (theirs if theirs != "" else None)
                if not same:
                    differ.append((ws.title, cell.coordinate, mine, theirs, cell.value))
    assert compared >= 65
    assert not differ, differ[:5]
    # The cases above were reached.
    shown = {ours[layout.SHEET_OPDC].cell(row=r, column=3).value for r in range(18, 40)}
    assert any(str(t).startswith("2. ") for t in shown)
    assert any(str(t).startswith("4.5 ") for t in shown)
