"""The engine stays a pure library: no Excel library behind it."""

from __future__ import annotations

import subprocess
import sys


def test_engine_imports_neither_openpyxl_nor_xlwings():
    code = (
        "import sys, sso_kpi.evaluation, sso_kpi.opdc, sso_kpi.importing, sso_kpi.periods;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl','xlwings',"
        "'python_calamine')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
