"""LibreOffice (headless) and poppler as stand-ins for Excel where there is no Excel.

What they are for: checking that the formulas we write compute what we expect, and that the
book prints (PDF) with Thai glyphs. LibreOffice cannot run VBA or xlwings UDFs: a cell calling
a Python UDF reads back as an error (``#NAME?``); native formulas are what it checks.

Facts checked on LibreOffice 7.4 (Debian ``libreoffice-calc-nogui``):

- A formula openpyxl wrote has no cached value and LibreOffice computes it on load by default
  (``=B2/A2*100`` with A2=80, B2=90 gives 112.5).
- A formula that *has* a cached value, in a file whose ``docProps/app.xml`` says
  "Microsoft Excel" (openpyxl writes that too), is NOT recalculated by default: the stale
  value is exported. The setting is Tools > Options > Calc > Formula > "Recalculation on file
  load", registry key ``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode``
  (0 always, 1 never, 2 ask). Every run here uses a private profile whose
  ``registrymodifications.xcu`` sets it (and ``ODFRecalcMode``) to 0, so values are always
  recomputed.
- LibreOffice does not read ``<calcPr fullCalcOnLoad>`` or ``calcId`` (oox
  ``WorkbookSettings::importCalcPr``): only the setting above decides; its default is 1
  (never) for OOXML. It never uses the cached result of an **array** formula: the import
  leaves the range blank and computes it (``SheetDataContext`` "do not set result as cell
  value"), so an SSO_ array formula shows ``#NAME?`` even under "never recalculate".
- A private profile (``-env:UserInstallation=file://...``) per run also lets runs go in
  parallel and as root: two soffice processes sharing a profile hand the job to each other
  or block on its lock.
- ``soffice --convert-to`` exits 0 even when it could not load the input, so success is
  "the output file exists".
- ``pdftotext -layout`` splits Thai words after combining marks ("เป้ าหมาย"); ``-raw``
  keeps them whole, so :func:`pdf_text` uses raw order unless asked for the layout.
- With ``fonts-thai-tlwg`` installed, Thai in a Calibri-styled openpyxl book is drawn with
  the fallback font Loma (``pdffonts`` lists ``Loma``); without it Thai comes out as boxes.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from sso_kpi.errors import SsoError

INSTALL_HINT = "apt-get install libreoffice-calc-nogui fonts-thai-tlwg poppler-utils"

_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)

_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""
"""Private-profile settings: recalculate OOXML and ODF formulas on every load (0 = always)."""
_KEEP_XCU = _RECALC_XCU.replace("<value>0</value>", "<value>1</value>")
"""Private-profile settings: never recalculate on load (1), so cached values are shown --
how a PC without Python sees the SSO_ functions' results (see sso_app.book.cached)."""

XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"


def soffice() -> str:
    """Path of the LibreOffice binary (``soffice`` or ``libreoffice``), or an SsoError."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    raise SsoError(
        f"ไม่พบโปรแกรม LibreOffice (soffice) ซึ่งใช้คำนวณสูตรและสร้าง PDF: ติดตั้งด้วย {INSTALL_HINT}",
        f"LibreOffice (soffice) is needed to recalculate formulas and export PDF; "
        f"install it: {INSTALL_HINT}",
    )


def convert(
    path: Path, to: str, outdir: Path, *, timeout: float = 180, recalc: bool = True
) -> Path:
    """Convert ``path`` with headless LibreOffice; return the file it produced in ``outdir``.

    ``to`` is what ``--convert-to`` takes: an extension (``pdf``, ``xlsx``) optionally with a
    filter (``xlsx:Calc MS Excel 2007 XML``). The output is ``outdir/<stem>.<ext>``; an older
    file of that name is replaced. Formulas are recalculated on load (see the module notes);
    ``recalc=False`` keeps the cached values instead, as a PC without Python shows them
    (LibreOffice still computes a formula that has no cached value).
    Raises SsoError with LibreOffice's messages if nothing was produced or it timed out (the
    whole process group is killed).
    """
    path = Path(path).resolve()
    outdir = Path(outdir).resolve()
    if not path.is_file():
        raise SsoError("ไม่พบไฟล์", "file not found", where=str(path))
    ext = to.split(":", 1)[0].strip().lower()
    if not ext:
        raise ValueError(f"bad --convert-to target: {to!r}")
    out = outdir / f"{path.stem}.{ext}"
    if out == path:
        raise ValueError(f"converting {path.name} to {ext} in its own folder would overwrite it")
    outdir.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)

    with tempfile.TemporaryDirectory(prefix="sso-lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(
            _RECALC_XCU if recalc else _KEEP_XCU, encoding="utf-8"
        )
        cmd = [
            soffice(),
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            str(path),
        ]
        stdout, stderr, timed_out = _run(cmd, timeout)

    if timed_out:
        raise SsoError(
            f"LibreOffice ทำงานเกิน {timeout:g} วินาทีจึงถูกหยุด",
            f"LibreOffice took longer than {timeout:g} s and was stopped",
            where=str(path),
        )
    if not out.is_file():
        detail = (stderr + "\n" + stdout).strip() or "(no output)"
        raise SsoError(
            f"LibreOffice แปลงไฟล์เป็น {ext} ไม่สำเร็จ: {detail}",
            f"LibreOffice could not convert the file to {ext}: {detail}",
            where=str(path),
        )
    return out


def only_sheet_visible(src: Path, dst: Path, sheet: str) -> None:
    """Copy the package with every sheet but ``sheet`` hidden (zip level, nothing else changes).

    Why not openpyxl: it drops charts on load, and the summary's chart must be in the PDF.
    LibreOffice skips hidden sheets when printing -- except those with a print area (seen
    with LibreOffice 7.4), so the other sheets' print areas are dropped from the copy.
    """
    name = escape(sheet, {'"': "&quot;"})
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                tags = re.findall(r"<sheet\b[^>]*?/>", text)
                index = next(i for i, t in enumerate(tags) if f'name="{name}"' in t)
                for tag in tags:
                    bare = re.sub(r'\s+state="[^"]*"', "", tag)
                    state = "visible" if f'name="{name}"' in tag else "hidden"
                    text = text.replace(tag, bare.replace("<sheet ", f'<sheet state="{state}" ', 1))
                # LibreOffice prints a hidden sheet that has a print area: drop the others'.
                text = re.sub(
                    r'<definedName\b[^>]*name="_xlnm\.Print_(?:Area|Titles)"[^>]*'
                    rf'localSheetId="(?!{index}")\d+"[^>]*>[^<]*</definedName>',
                    "",
                    text,
                )
                text = re.sub(r'activeTab="\d+"', f'activeTab="{index}"', text)
                text = re.sub(r'firstSheet="\d+"', f'firstSheet="{index}"', text)
                data = text.encode("utf-8")
            zout.writestr(info, data)


def _run(cmd: list[str], timeout: float) -> tuple[str, str, bool]:
    """Run ``cmd`` in its own process group; kill the group on timeout."""
    posix = os.name == "posix"
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=posix,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        if posix:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()
        out, err = proc.communicate()
        timed_out = True
    return (
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        timed_out,
    )


def recalculated_values(path: Path, sheet: str, *, timeout: float = 180) -> list[list[object]]:
    """Values of ``sheet`` after LibreOffice recalculated the whole workbook ``path``.

    Rows as lists from A1 to the sheet's last used cell: ``rows[r - 1][c - 1]`` is the cell
    at row r, column c (so C2 is ``rows[1][2]``). Empty cells are None; errors read as
    strings like ``"#DIV/0!"``; a Python UDF reads as ``"#NAME?"`` (LibreOffice cannot run it).
    """
    import openpyxl

    with tempfile.TemporaryDirectory(prefix="sso-lo-recalc-") as tmp:
        xlsx = convert(path, XLSX_FILTER, Path(tmp), timeout=timeout)
        wb = openpyxl.load_workbook(xlsx, data_only=True)
    if sheet not in wb.sheetnames:
        raise SsoError(
            f"ไม่พบชีต {sheet} (มี: {', '.join(wb.sheetnames)})",
            f"no sheet {sheet} (found: {', '.join(wb.sheetnames)})",
            where=str(path),
        )
    ws = wb[sheet]
    return [list(row) for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)]


def pdf_text(pdf: Path, *, layout: bool = False) -> str:
    """Text of ``pdf`` via ``pdftotext`` (UTF-8).

    Raw content order by default, which keeps Thai words whole; ``layout=True`` keeps the
    columns but inserts spaces after Thai combining marks.
    """
    mode = "-layout" if layout else "-raw"
    result = _poppler(["pdftotext", "-enc", "UTF-8", mode, str(pdf), "-"], pdf)
    return result.stdout.decode("utf-8", "replace")


def pdf_fonts(pdf: Path) -> list[str]:
    """Fonts ``pdffonts`` lists for ``pdf``, minus the subset tag (``BAAAAA+Loma`` -> ``Loma``)."""
    result = _poppler(["pdffonts", str(pdf)], pdf)
    lines = result.stdout.decode("utf-8", "replace").splitlines()[2:]  # two header lines
    names = []
    for line in lines:
        if line.strip():
            names.append(re.sub(r"^[A-Z]{6}\+", "", line.split()[0]))
    return names


def pdf_pages_png(pdf: Path, outdir: Path, dpi: int = 60) -> list[Path]:
    """Render every page of ``pdf`` to ``outdir/<stem>-<n>.png`` via ``pdftoppm``; in page order.

    Older ``<stem>-*.png`` files in ``outdir`` are removed first so the list is this PDF's.
    """
    pdf = Path(pdf)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    pattern = re.compile(re.escape(pdf.stem) + r"-(\d+)\.png")
    for old in outdir.iterdir():
        if pattern.fullmatch(old.name):
            old.unlink()
    _poppler(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(outdir / pdf.stem)], pdf)
    numbered = []
    for page in outdir.iterdir():
        match = pattern.fullmatch(page.name)
        if match:
            numbered.append((int(match.group(1)), page))
    return [page for _, page in sorted(numbered)]


def _poppler(cmd: list[str], pdf: Path) -> subprocess.CompletedProcess[bytes]:
    tool = shutil.which(cmd[0])
    if tool is None:
        raise SsoError(
            f"ไม่พบโปรแกรม {cmd[0]}: ติดตั้งด้วย apt-get install poppler-utils",
            f"{cmd[0]} is missing: apt-get install poppler-utils",
        )
    result = subprocess.run([tool, *cmd[1:]], capture_output=True, timeout=120, check=False)
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()
        raise SsoError(
            f"{cmd[0]} อ่านไฟล์ PDF ไม่ได้: {detail}",
            f"{cmd[0]} could not read the PDF: {detail}",
            where=str(pdf),
        )
    return result
