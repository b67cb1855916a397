"""The engine stays a pure library: no Excel library behind it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import sso_kpi


def test_engine_imports_neither_openpyxl_nor_xlwings():
    modules = [f"sso_kpi.{m.name}" for m in pkgutil.iter_modules(sso_kpi.__path__)]
    assert "sso_kpi.consolidation" in modules and len(modules) >= 9
    code = (
        f"import sys, importlib; [importlib.import_module(m) for m in {modules!r}];"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'xlwings', "
        "'python_calamine', 'sso_app')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
