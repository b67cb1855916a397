"""Installed as the README says: a plain (not editable) install of the wheel does everything.

A Windows office runs ``pip install`` of the project: only the declared packages and their
package data arrive, so nothing may be read from ``tests/`` or the checkout's folders. The
wheel is built from the sources (the kit's own builder), installed into a fresh virtual
environment (dependencies through pip, its cache reused between runs), and ``sso-kpi demo``
and ``sso-kpi build-workbook`` run from another folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from sso_app import kit
from sso_app.book import layout
from sso_app.book.opening import open_sso_book
from sso_app.files import packaged

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return kit.build_project_wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_carries_every_module_and_the_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {
        p.relative_to(ROOT).as_posix()
        for package in ("sso_kpi", "sso_app")
        for p in (ROOT / package).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert sources <= names, sources - names  # every subpackage (book/, files/, national/)
    assert "udfs.py" in names
    for data in packaged.GOLDEN.glob("*.csv"):
        assert f"sso_app/data/golden/{data.name}" in names
    assert {"sso_app/workbook/SSO_Plan.xlsm", "sso_app/workbook/SSO_Plan.py"} <= names
    shipped = (ROOT / "workbook" / layout.BOOK_NAME).read_bytes()
    assert zipfile.ZipFile(wheel).read("sso_app/workbook/SSO_Plan.xlsm") == shipped
    assert not any(n.startswith(("tests/", "workbook/", "bench/")) for n in names)


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_installed_wheel_runs_demo_and_build_workbook_from_another_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    # This pip installs into the new environment (--python); no bytecode: a third faster.
    install = ["install", "--quiet", "--no-compile", str(wheel)]
    _run([sys.executable, "-m", "pip", "--python", str(python), *install], tmp_path)
    elsewhere = tmp_path / "somewhere else"
    elsewhere.mkdir()
    where = _run([str(python), "-c", "import sso_app, udfs; print(sso_app.__file__)"], elsewhere)
    assert Path(where.stdout.strip()).is_relative_to(venv)  # not this checkout's code

    script = venv / "bin" / "sso-kpi"
    demo = _run([str(script), "demo", "-o", "out"], elsewhere)
    assert "summary rebuilt" in demo.stdout or "สร้าง" in demo.stdout
    out = elsewhere / "out"
    assert (out / layout.BOOK_NAME).is_file() and (out / "SSO_Plan.py").is_file()
    assert (out / "SSO_Plan_summary.pdf").read_bytes().startswith(b"%PDF")

    _run([str(script), "build-workbook", "-o", "mine/SSO_Plan.xlsm"], elsewhere)
    built = open_sso_book(elsewhere / "mine" / layout.BOOK_NAME, whole_form=True).data
    shipped = open_sso_book(ROOT / "workbook" / layout.BOOK_NAME, whole_form=True).data
    assert len(built.kpis.frame) == len(shipped.kpis.frame) > 0
    pd.testing.assert_frame_equal(built.kpis.frame, shipped.kpis.frame)
    pd.testing.assert_frame_equal(built.opdc.frame, shipped.opdc.frame)
