r"""`sso-kpi kit -o FOLDER`: everything a Windows office needs, in one folder, for no internet.

What the folder holds::

    install.cmd       makes %LOCALAPPDATA%\sso-kpi\venv with an installed Python (3.11-3.14,
                      through the py launcher, else "python" on the PATH) and installs from
                      wheels\ only (pip --no-index)
    SSO_Plan.xlsm     the book, its config sheet (myaddin.conf) pointing at that interpreter
    SSO_Plan.py       its companion module (the ribbon button imports it)
    wheels\           the project's wheel and win_amd64 wheels of every dependency, for each
                      Python version in kit.json
    kit.json          what the kit was made for (Python versions, interpreter)
    README.txt        the steps, in Thai and English

How the book finds the interpreter (checked in the VBA xlwings 0.37.8 puts in the book):
``RunPython`` and the UDF server (``XLPyCommand``) both read ``GetConfig("INTERPRETER_WIN")``;
``GetConfig`` looks up the book's ``myaddin.conf`` sheet (keys upper-cased), then
``myaddin.conf`` beside the book, then ``%USERPROFILE%\.myaddin\myaddin.conf``, and passes the
value through ``ExpandEnvironmentStrings`` = ``WScript.ExpandEnvironmentStrings``: ``%VAR%``
is expanded on Windows. So the kit writes ``%LOCALAPPDATA%\sso-kpi\venv\Scripts\python.exe``,
the place install.cmd creates, and the same book works for every user of every PC that ran
install.cmd (an absolute ``C:\Users\<name>\...`` would break when the book is e-mailed).
``RunPython`` also checks the file exists ("Could not find Interpreter!" otherwise).

Why not let pip resolve for Windows by itself: ``pip download --platform win_amd64`` picks
Windows wheels but evaluates environment markers for the machine it runs on, so
``pywin32; platform_system == "Windows"`` (xlwings) and ``tzdata; sys_platform == "win32"``
(pandas) would be missing and the install on Windows would fail offline. :func:`windows_gaps`
walks the wheels' own requirements with a Windows marker environment, and the kit downloads
what it finds missing; :func:`check_kit` then has pip resolve the folder with those
requirements named explicitly (``--dry-run --no-index --platform win_amd64``).
"""

from __future__ import annotations

import email.parser
import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from sso_app.book import layout, template
from sso_app.book.opening import open_sso_book, verify_written_book
from sso_app.book.refresh import book_writer, refreshed_workbook
from sso_app.files.packaged import SHIM_NAME, shipped_book_dir, source_checkout
from sso_app.files.writing import WriteTransaction, atomic_write, make_folder, work_folder
from sso_kpi.errors import SsoError

PROJECT = "sso-kpi"
# The versions with win_amd64 wheels of every dependency (xlwings 0.37.8 has cp311-cp314).
SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13", "3.14")
PLATFORM = "win_amd64"
VENV_WIN = r"%LOCALAPPDATA%\sso-kpi\venv"
INTERPRETER_WIN = VENV_WIN + r"\Scripts\python.exe"
WHEELS = "wheels"
MANIFEST = "kit.json"
# The files a wheel is built from (a copy, so no stale build/ folder of the checkout leaks in).
SOURCE_PARTS = ("pyproject.toml", "README.md", "udfs.py", "sso_kpi", "sso_app", "workbook")


# --------------------------------------------------------------------------------------------
# The project's wheel
# --------------------------------------------------------------------------------------------


def _pip(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-12:])
        raise SsoError(
            f"pip ทำงานไม่สำเร็จ: {' '.join(args[:2])}",
            f"pip failed: {' '.join(args)}\n{tail}",
        )
    return done


def build_project_wheel(dest: Path, source: Path | None = None) -> Path:
    """Build this project's wheel into ``dest`` from a source checkout; return its path.

    Built from a copy of the files the wheel is made of: setuptools builds in the source
    folder, and its ``build/`` folder would carry modules deleted since into the wheel.
    """
    source = source or source_checkout()
    if source is None:
        raise SsoError(
            "สร้าง wheel ได้จากโฟลเดอร์ซอร์สของโครงการเท่านั้น: ระบุ --wheel",
            "the project's wheel can only be built from its source folder: pass --wheel",
        )
    make_folder(dest)
    with work_folder(dest / "project") as tmp:
        src = tmp / "src"
        src.mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".~sso-*", "*.backups", "~$*")
        for part in SOURCE_PARTS:
            path = source / part
            if path.is_dir():
                shutil.copytree(path, src / part, ignore=ignore)
            elif path.is_file():
                shutil.copy2(path, src / part)
        out = tmp / "wheel"
        _pip("wheel", "--no-deps", "--quiet", "-w", str(out), str(src))
        (built,) = out.glob("*.whl")
        target = dest / built.name
        shutil.copyfile(built, target)
    return target


# --------------------------------------------------------------------------------------------
# Resolving for Windows
# --------------------------------------------------------------------------------------------


def windows_markers(python: str) -> dict[str, str]:
    """The marker environment of CPython ``python`` (\"3.12\") on 64-bit Windows."""
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{python}.0",
        "os_name": "nt",
        "platform_machine": "AMD64",
        "platform_python_implementation": "CPython",
        "platform_release": "10",
        "platform_system": "Windows",
        "platform_version": "10.0.19045",
        "python_full_version": f"{python}.0",
        "python_version": python,
        "sys_platform": "win32",
    }


def target_tags(python: str) -> set[Tag]:
    major, minor = (int(p) for p in python.split("."))
    version = (major, minor)
    return {
        *cpython_tags(version, platforms=[PLATFORM]),
        *compatible_tags(version, interpreter=f"cp{major}{minor}", platforms=[PLATFORM]),
    }


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str
    version: Version
    tags: frozenset[Tag]

    def requirements(self) -> list[Requirement]:
        with zipfile.ZipFile(self.path) as zf:
            meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            message = email.parser.BytesParser().parsebytes(zf.read(meta))
        return [Requirement(r) for r in message.get_all("Requires-Dist") or []]


def wheels_in(folder: Path) -> list[Wheel]:
    found = []
    for path in sorted(Path(folder).glob("*.whl")):
        name, version, _, tags = parse_wheel_filename(path.name)
        found.append(Wheel(path, canonicalize_name(name), version, frozenset(tags)))
    return found


def windows_gaps(folder: Path, python: str, roots: list[Requirement]) -> list[Requirement]:
    """Requirements of ``roots`` (and of everything they pull in, markers evaluated for
    Windows and ``python``) that no wheel in ``folder`` satisfies for win_amd64."""
    tags = target_tags(python)
    env = windows_markers(python)
    usable: dict[str, list[Wheel]] = {}
    for wheel in wheels_in(folder):
        if wheel.tags & tags:
            usable.setdefault(wheel.name, []).append(wheel)
    gaps: list[Requirement] = []
    queue = [(r, "") for r in roots]
    seen: set[tuple[str, str]] = set()
    while queue:
        req, extra = queue.pop()
        if req.marker and not req.marker.evaluate({**env, "extra": extra}):
            continue
        key = (str(req), extra)
        if key in seen:
            continue
        seen.add(key)
        name = canonicalize_name(req.name)
        fits = [w for w in usable.get(name, []) if req.specifier.contains(w.version, True)]
        if not fits:
            gaps.append(req)
            continue
        best = max(fits, key=lambda w: w.version)
        for sub in best.requirements():
            for wanted in ("", *sorted(req.extras)):
                if sub.marker is None or sub.marker.evaluate({**env, "extra": wanted}):
                    queue.append((Requirement(str(sub).split(";")[0]), ""))
                    break
    return gaps


def windows_only_requirements(folder: Path, python: str) -> list[str]:
    """Requirements of the folder's wheels met only because the target is Windows: pip
    running here skips them (it evaluates markers for this machine), so they are named."""
    env = {**windows_markers(python), "extra": ""}
    tags = target_tags(python)
    found: set[str] = set()
    for wheel in wheels_in(folder):
        if not wheel.tags & tags:
            continue
        for req in wheel.requirements():
            if req.marker is None or "extra" in str(req.marker):
                continue
            if req.marker.evaluate(env) and not req.marker.evaluate({"extra": ""}):
                found.add(str(Requirement(str(req).split(";")[0])))
    return sorted(found)


def _platform_args(python: str) -> list[str]:
    return ["--only-binary=:all:", "--platform", PLATFORM, "--python-version", python]


def download_for_windows(folder: Path, python: str, project_wheel: Path) -> None:
    """win_amd64 wheels of everything ``project_wheel`` needs on Windows with ``python``."""
    _pip("download", "--quiet", *_platform_args(python), "-d", str(folder), str(project_wheel))
    roots = [Requirement(PROJECT)]
    for _ in range(5):  # Windows-only requirements may pull in more of their own
        gaps = windows_gaps(folder, python, roots)
        if not gaps:
            return
        _pip("download", "--quiet", *_platform_args(python), "-d", str(folder),
             *(str(g) for g in gaps))  # fmt: skip
    raise SsoError(
        f"หา wheel สำหรับ Windows ไม่ครบ (Python {python})",
        f"could not gather every Windows wheel for Python {python}: "
        + ", ".join(str(g) for g in windows_gaps(folder, python, roots)),
    )


# --------------------------------------------------------------------------------------------
# Checking a kit
# --------------------------------------------------------------------------------------------


@dataclass
class KitCheck:
    python: str
    installs: list[str] = field(default_factory=list)  # "name==version" pip would install
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_kit(folder: Path, python: str) -> KitCheck:
    """Would ``pip install --no-index --find-links wheels sso-kpi`` work on Windows with
    ``python``? Our marker walk first, then pip's own resolver over the folder alone."""
    wheels = Path(folder) / WHEELS
    result = KitCheck(python)
    roots = [Requirement(PROJECT)]
    result.problems += [f"missing: {g}" for g in windows_gaps(wheels, python, roots)]
    extra = windows_only_requirements(wheels, python)
    with work_folder(Path(folder) / "check") as tmp:
        report = tmp / "report.json"
        # --isolated: no pip.conf or PIP_* variables (a PIP_FIND_LINKS would add a folder).
        cmd = ["--isolated", "install", "--dry-run", "--ignore-installed", "--no-index", "--quiet",
               "--find-links", str(wheels), *_platform_args(python),
               "--target", str(tmp / "target"), "--report", str(report),
               PROJECT, *extra]  # fmt: skip
        try:
            _pip(*cmd)
        except SsoError as err:
            result.problems.append(f"pip: {err.message_en}")
            return result
        data = json.loads(report.read_text(encoding="utf-8"))
    for item in data.get("install", []):
        meta = item.get("metadata", {})
        result.installs.append(f"{meta.get('name')}=={meta.get('version')}")
        url = item.get("download_info", {}).get("url", "")
        if not url.startswith(wheels.resolve().as_uri()):
            result.problems.append(f"{meta.get('name')} comes from outside the kit: {url}")
    names = {canonicalize_name(i.split("==")[0]) for i in result.installs}
    for wanted in [PROJECT, *(Requirement(e).name for e in extra)]:
        if canonicalize_name(wanted) not in names:
            result.problems.append(f"pip would not install {wanted}")
    return result


# --------------------------------------------------------------------------------------------
# install.cmd, the book, the kit
# --------------------------------------------------------------------------------------------


def install_cmd(pythons: tuple[str, ...]) -> str:
    """The Windows batch file (ASCII, CRLF): venv in %LOCALAPPDATA%, offline install."""
    newest_first = " ".join(sorted(pythons, key=lambda v: tuple(map(int, v.split("."))),
                                   reverse=True))  # fmt: skip
    allowed = ", ".join(f"({v.replace('.', ',')})" for v in pythons)
    lines = rf"""@echo off
rem SSO KPI offline install, made by "sso-kpi kit". Needs no internet.
rem Makes %LOCALAPPDATA%\sso-kpi\venv with an installed Python and installs sso-kpi and its
rem dependencies from the wheels folder beside this file only (pip --no-index). The book's
rem config sheet (myaddin.conf) names {INTERPRETER_WIN}.
setlocal EnableExtensions
set "KIT=%~dp0"
set "VENV={VENV_WIN}"
set "PY="
for %%V in ({newest_first}) do call :try_py %%V
if not defined PY call :try_python
if not defined PY goto :no_python
echo Using %PY%
rem No parenthesised blocks around paths: a "(" or ")" in a user's folder name would end them.
if not exist "%VENV%\Scripts\python.exe" goto :make_venv
echo Removing the old environment %VENV%
rmdir /s /q "%VENV%"
if exist "%VENV%\Scripts\python.exe" goto :in_use
:make_venv
%PY% -m venv "%VENV%"
if errorlevel 1 goto :failed
"%VENV%\Scripts\python.exe" -m pip install --no-index --find-links "%KIT%{WHEELS}" {PROJECT}
if errorlevel 1 goto :failed
"%VENV%\Scripts\python.exe" -c "import udfs, sso_app.live; print('sso-kpi is ready')"
if errorlevel 1 goto :failed
echo.
echo Installed. Open SSO_Plan.xlsm (keep SSO_Plan.py beside it), enable macros, and click
echo SSO KPI - Rebuild quarterly summary. The book runs %VENV%\Scripts\python.exe
pause
exit /b 0

:try_py
if defined PY exit /b 0
py -%1 -c "import sys" >nul 2>nul
if not errorlevel 1 set "PY=py -%1"
exit /b 0

:try_python
python -c "import sys; sys.exit(0 if sys.version_info[:2] in [{allowed}] else 1)" >nul 2>nul
if not errorlevel 1 set "PY=python"
exit /b 0

:no_python
echo No Python {" / ".join(pythons)} found. Install one from python.org (tick "Add python.exe
echo to PATH" or keep the py launcher), then run install.cmd again.
pause
exit /b 1

:in_use
echo %VENV% is in use: close Excel (its Python keeps files open), then run install.cmd again.
pause
exit /b 1

:failed
echo The installation failed: see the messages above.
pause
exit /b 1
"""
    return lines.replace("\r\n", "\n").replace("\n", "\r\n")


README_TXT = """ชุดติดตั้งแบบออฟไลน์ SSO KPI / SSO KPI offline kit
=================================================

1. ติดตั้ง Python {versions} จาก python.org (ตัวติดตั้งมีคำสั่ง py มาด้วย)
   Install Python {versions} from python.org (its installer brings the py launcher).
2. ดับเบิลคลิก install.cmd (ไม่ต้องใช้อินเทอร์เน็ต): สร้าง {venv}
   และติดตั้งจากโฟลเดอร์ wheels เท่านั้น
   Double-click install.cmd (no internet needed): it makes {venv}
   and installs from the wheels folder only.
3. คัดลอก SSO_Plan.xlsm และ SSO_Plan.py ไปไว้ด้วยกัน (ชื่อเดิม) เปิด SSO_Plan.xlsm เปิดใช้แมโคร
   แล้วกด แท็บ SSO KPI > สร้างสรุปรายไตรมาส: ครั้งแรกจะนำเข้าฟังก์ชัน SSO_ ให้เอง ถ้า Excel ไม่อนุญาต
   ให้ติ๊ก File > Options > Trust Center > Trust Center Settings > Macro Settings >
   "Trust access to the VBA project object model" แล้วกดอีกครั้ง
   Keep SSO_Plan.xlsm and SSO_Plan.py together (same names), open the book, enable macros,
   click SSO KPI > Rebuild quarterly summary: the first click imports the SSO_ functions.
   If Excel refuses, tick "Trust access to the VBA project object model" (File > Options >
   Trust Center > Trust Center Settings > Macro Settings) and click again.

แผ่นงาน myaddin.conf (ซ่อน) ของสมุดงานระบุ Interpreter_Win = {interpreter}
The book's hidden myaddin.conf sheet names Interpreter_Win = {interpreter}
(xlwings expands %LOCALAPPDATA% for each user).
"""


def kit_book(folder: Path) -> Path:
    """The shipped book, its summary rebuilt, its config sheet naming the kit's Python."""
    source_dir = shipped_book_dir()
    source = source_dir / layout.BOOK_NAME
    if not source.is_file():
        raise SsoError(
            f"ไม่พบ {source}: สั่ง sso-kpi build-workbook ก่อน",
            f"{source} is missing: run sso-kpi build-workbook first",
        )
    book = folder / layout.BOOK_NAME
    # A kit is a build output: a book already in the folder is replaced, not kept as a version.
    with WriteTransaction(book, backup=False, inputs=[source]) as t:
        shipped = open_sso_book(source, whole_form=True)
        wb, _ = refreshed_workbook(shipped)
        conf = template.read_xlwings_conf(wb)
        template.write_xlwings_conf(
            wb, template.with_conf_key(conf, "Interpreter_Win", INTERPRETER_WIN)
        )
        rows = {layout.TABLE_KPI: shipped.filled_rows(layout.TABLE_KPI)}
        t.commit(book_writer(wb, source), verify_written_book(rows))
    shim = folder / SHIM_NAME
    atomic_write(shim, lambda tmp: shutil.copyfile(source_dir / SHIM_NAME, tmp), backup=False)
    return book


def _write_text(path: Path, text: str, encoding: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(text.encode(encoding)), backup=False)


@dataclass
class KitReport:
    folder: Path
    pythons: tuple[str, ...]
    wheels: int
    checks: list[KitCheck]

    def __str__(self) -> str:
        lines = [
            f"ชุดติดตั้งออฟไลน์ / offline kit: {self.folder}",
            f"  Python {', '.join(self.pythons)} (win_amd64), {self.wheels} wheels",
            f"  Interpreter_Win = {INTERPRETER_WIN}",
        ]
        for check in self.checks:
            state = "ครบ / resolves" if check.ok else "ไม่ครบ / DOES NOT resolve"
            lines.append(f"  Python {check.python}: {state} ({len(check.installs)} packages)")
            lines += [f"    {p}" for p in check.problems]
        return "\n".join(lines)


def make_kit(
    folder: Path,
    pythons: tuple[str, ...] = SUPPORTED_PYTHONS,
    project_wheel: Path | None = None,
) -> KitReport:
    """Gather the kit into ``folder`` (wheels already there are reused) and check it."""
    unknown = [p for p in pythons if p not in SUPPORTED_PYTHONS]
    if unknown or not pythons:
        raise SsoError(
            f"รุ่น Python ที่รองรับ: {', '.join(SUPPORTED_PYTHONS)}",
            f"supported Python versions: {', '.join(SUPPORTED_PYTHONS)} (not {unknown})",
        )
    folder = make_folder(Path(folder))
    wheels = make_folder(folder / WHEELS)
    for old in wheels.glob("sso_kpi-*.whl"):  # the project's wheel is always this build's
        old.unlink()
    if project_wheel is None:
        project_wheel = build_project_wheel(wheels)
    else:
        project_wheel = Path(shutil.copy2(project_wheel, wheels / Path(project_wheel).name))
    for python in pythons:
        download_for_windows(wheels, python, project_wheel)
    kit_book(folder)
    text = install_cmd(pythons)
    _write_text(folder / "install.cmd", text, "ascii")
    readme = README_TXT.format(
        versions=" / ".join(pythons), venv=VENV_WIN, interpreter=INTERPRETER_WIN
    )
    _write_text(folder / "README.txt", readme, "utf-8-sig")  # a BOM: Notepad shows the Thai
    manifest = {
        "pythons": list(pythons),
        "platform": PLATFORM,
        "interpreter_win": INTERPRETER_WIN,
        "project_wheel": project_wheel.name,
    }
    _write_text(folder / MANIFEST, json.dumps(manifest, indent=2), "utf-8")
    checks = [check_kit(folder, python) for python in pythons]
    return KitReport(folder, tuple(pythons), len(list(wheels.glob("*.whl"))), checks)
