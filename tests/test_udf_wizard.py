"""Functions that explain themselves: what Excel's function wizard will show for each SSO_.

xlwings' own ``import_udfs`` runs here (tests/windows_xlwings.py) against a stand-in COM
workbook: the VBA module it writes is read back, and the ``Application.MacroOptions`` calls it
makes (category, description, argument descriptions) are recorded. Without our metadata the
wizard shows the category "xlwings" and "Positional argument 1…n".
"""

from __future__ import annotations

import inspect
import re

import pytest

from .fake_xlwings import FakeComWorkbook, FakeExcel
from .windows_xlwings import real_xlwings_udfs

THAI = re.compile(r"[\u0e00-\u0e7f]")
LATIN = re.compile(r"[A-Za-z]{3,}")
EXCEL_TEXT_LIMIT = 255  # MacroOptions keeps 255 characters of each text


@pytest.fixture
def imported(monkeypatch):
    real, module = real_xlwings_udfs(monkeypatch)
    excel = FakeExcel()
    workbook = FakeComWorkbook("SSO_Plan.xlsm", excel, ["ThisWorkbook", "xlwings"])
    real.import_udfs("udfs", workbook)
    (vba,) = [c.code for c in workbook.VBProject.VBComponents if c.Name == "xlwings_udfs"]
    return module, vba, dict(excel.macro_options)


def _functions(module):
    return {n: getattr(module, n) for n in dir(module) if n.startswith("SSO_")}


def test_every_function_is_wrapped_in_vba_with_its_arguments(imported):
    module, vba, _ = imported
    functions = _functions(module)
    assert len(functions) >= 10
    for name, func in functions.items():
        params = inspect.signature(func).parameters.values()
        args = ", ".join(
            ("Optional " if p.default is not inspect.Parameter.empty else "") + p.name
            for p in params
        )
        assert f"Function {name}({args})" in vba, name
        assert f'{name} = XLPy.CallUDF("udfs", "{name}", ' in vba
    assert "Application.Volatile" not in vba  # none is volatile


def test_wizard_shows_category_and_thai_english_descriptions(imported):
    module, _, options = imported
    for name, func in _functions(module).items():
        opts = options[f"'SSO_Plan.xlsm'!{name}"]
        assert opts["Category"] == "SSO KPI"
        description = opts["Description"]
        assert description == func.__doc__.strip() and len(description) <= EXCEL_TEXT_LIMIT
        assert THAI.search(description) and LATIN.search(description), name
        params = list(inspect.signature(func).parameters)
        docs = opts["ArgumentDescriptions"]
        assert len(docs) == len(params), name
        for param, doc in zip(params, docs, strict=True):
            assert not doc.startswith("Positional argument"), (name, param)
            assert len(doc) <= EXCEL_TEXT_LIMIT and " / " in doc, (name, param)
            assert THAI.search(doc) and LATIN.search(doc), (name, param)


def test_column_arguments_still_arrive_as_2d(imported):
    module, _, _ = imported
    for name, func in _functions(module).items():
        xlargs = {a["name"]: a for a in func.__xlfunc__["args"]}
        ndim = {n for n, a in xlargs.items() if a["options"].get("ndim") == 2}
        assert ndim, name  # every function takes at least one whole column
        for scalar in {"quarter", "green_at", "yellow_at", "default_cap"} & set(xlargs):
            assert scalar not in ndim, (name, scalar)
