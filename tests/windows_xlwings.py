"""xlwings' real UDF machinery (``xlwings.udfs``) run on Linux, for the tests.

``xlwings.udfs`` imports pywin32 (``pythoncom``, ``pywintypes``, ``win32com.client``); with
stand-in modules in ``sys.modules`` it imports here, and its decorators ``xlfunc``/``xlarg``
are the real ones (``xlwings.func``/``arg`` are no-ops off Windows). ``udfs`` is then imported
afresh through them, so each SSO_ function carries the ``__xlfunc__`` xlwings reads, and
``import_udfs`` writes the same VBA module and makes the same ``MacroOptions`` calls it makes
in Excel (see shared/notes/excel-integration.md). Everything is undone after the test.
"""

from __future__ import annotations

import importlib
import sys
import types

import pytest
import xlwings

from .fake_xlwings import ComError

WINDOWS_ONLY = ("pythoncom", "pywintypes", "win32com", "win32com.client")


class _Stub(types.ModuleType):
    """A Windows-only module: any attribute is a do-nothing callable."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: None


def real_xlwings_udfs(monkeypatch: pytest.MonkeyPatch) -> tuple[types.ModuleType, object]:
    """(``xlwings.udfs``, ``udfs`` decorated by it); the caller's monkeypatch undoes both."""
    for name in WINDOWS_ONLY:
        monkeypatch.setitem(sys.modules, name, _Stub(name))
    sys.modules["pywintypes"].com_error = ComError
    monkeypatch.delitem(sys.modules, "xlwings.udfs", raising=False)
    real = importlib.import_module("xlwings.udfs")
    monkeypatch.setattr(xlwings, "udfs", real, raising=False)
    monkeypatch.setattr(xlwings, "func", real.xlfunc)
    monkeypatch.setattr(xlwings, "arg", real.xlarg)
    monkeypatch.setattr(xlwings, "ret", real.xlret)
    monkeypatch.delitem(sys.modules, "udfs", raising=False)
    module = importlib.import_module("udfs")
    # What get_udf_module keeps after a first import (it would Dispatch the workbook first).
    real.udf_modules["udfs"] = {"module": module, "filetime": None}
    return real, module
