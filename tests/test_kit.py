r"""The offline kit for Windows offices (`sso-kpi kit`): does the folder alone install?

One kit is made per test session for the oldest and the newest supported Python (pip's own
cache keeps the downloads between runs; `make kit` gathers every version). What is checked:
pip's resolver, given nothing but the kit's folder (``--no-index``) and told the target is
win_amd64, installs sso-kpi with every dependency -- including the Windows-only ones pip
would skip on Linux (pywin32 for xlwings, tzdata for pandas) -- and a kit missing a wheel is
caught. install.cmd itself can only run on Windows: README's manual checklist.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import openpyxl
import pytest
from packaging.requirements import Requirement

from sso_app import kit
from sso_app.book import layout, template
from sso_app.book.opening import open_sso_book

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = (kit.SUPPORTED_PYTHONS[0], kit.SUPPORTED_PYTHONS[-1])


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kit") / "SSO_KPI_kit"
    return folder, kit.make_kit(folder, PYTHONS)


def test_every_requirement_resolves_for_windows_from_the_folder_alone(made):
    folder, report = made
    assert [c.python for c in report.checks] == list(PYTHONS)
    for check in report.checks:
        assert check.ok, check.problems
        names = {i.split("==")[0].lower().replace("_", "-") for i in check.installs}
        # the project, its declared dependencies and the Windows-only ones
        assert {"sso-kpi", "xlwings", "pandas", "openpyxl", "pywin32", "tzdata"} <= names
        assert any(i.lower() == "xlwings==0.37.8" for i in check.installs)
    wheels = list((folder / kit.WHEELS).glob("*.whl"))
    assert all(w.name.endswith(("-none-any.whl", "-win_amd64.whl")) for w in wheels)
    for python in PYTHONS:
        tag = "cp" + python.replace(".", "")
        assert any(f"-{tag}-win_amd64" in w.name for w in wheels if w.name.startswith("numpy"))


def test_a_missing_windows_wheel_is_caught(made, tmp_path):
    folder, _ = made
    broken = tmp_path / "broken"
    shutil.copytree(folder / kit.WHEELS, broken / kit.WHEELS)
    for wheel in (broken / kit.WHEELS).glob("pywin32-*.whl"):
        wheel.unlink()
    gaps = kit.windows_gaps(broken / kit.WHEELS, PYTHONS[0], [Requirement(kit.PROJECT)])
    assert [g.name for g in gaps] == ["pywin32"]
    check = kit.check_kit(broken, PYTHONS[0])
    assert not check.ok and any("pywin32" in p for p in check.problems)


def test_windows_only_requirements_are_named_for_pip(made):
    folder, _ = made
    extra = kit.windows_only_requirements(folder / kit.WHEELS, PYTHONS[0])
    assert {Requirement(e).name.lower() for e in extra} >= {"pywin32", "tzdata"}


def test_the_book_names_the_interpreter_install_cmd_makes(made):
    folder, _ = made
    book = folder / layout.BOOK_NAME
    assert (folder / "SSO_Plan.py").read_text(encoding="utf-8").count("sso_app.live") == 1
    open_sso_book(book, whole_form=True)  # passes every check a planner's book does
    conf = template.read_xlwings_conf(openpyxl.load_workbook(book, keep_vba=True))
    assert conf == {"UDF Modules": "udfs", "Interpreter_Win": kit.INTERPRETER_WIN}
    cmd = (folder / "install.cmd").read_bytes()
    text = cmd.decode("ascii")  # cmd.exe reads the OEM code page: ASCII only
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    venv = kit.INTERPRETER_WIN.removesuffix(r"\Scripts\python.exe")
    assert f'set "VENV={venv}"' in text
    assert '-m pip install --no-index --find-links "%KIT%wheels" sso-kpi' in text
    for python in PYTHONS:  # tries exactly the versions the kit has wheels for
        assert python in text
    for other in set(kit.SUPPORTED_PYTHONS) - set(PYTHONS):
        assert other not in text


def test_supported_pythons_are_the_ones_pyproject_declares():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [c.rsplit(" :: ", 1)[1] for c in meta["classifiers"] if c.count("::") == 2
                and c.startswith("Programming Language :: Python :: 3.")]  # fmt: skip
    assert tuple(declared) == kit.SUPPORTED_PYTHONS
    assert meta["requires-python"] == f">={kit.SUPPORTED_PYTHONS[0]}"


def test_install_cmd_lists_every_supported_python_by_default():
    text = kit.install_cmd(kit.SUPPORTED_PYTHONS)
    # no parenthesised blocks: a "(" or ")" in a user's folder name would break them
    assert not any(line.rstrip().endswith("(") for line in text.splitlines())
    loop = next(line for line in text.splitlines() if line.startswith("for %%V in"))
    assert loop.split("(")[1].split(")")[0].split() == sorted(
        kit.SUPPORTED_PYTHONS, key=lambda v: tuple(map(int, v.split("."))), reverse=True
    )


def test_unsupported_python_is_refused(tmp_path):
    from sso_kpi.errors import SsoError

    with pytest.raises(SsoError, match="supported Python"):
        kit.make_kit(tmp_path / "k", ("3.9",))
    assert not (tmp_path / "k").exists()


def test_the_command_refuses_in_two_languages(tmp_path, capsys):
    from sso_app.cli import main

    assert main(["kit", "-o", str(tmp_path / "k"), "--python", "3.10"]) == 2
    err = capsys.readouterr().err
    assert "รุ่น Python ที่รองรับ" in err and "supported Python versions" in err
