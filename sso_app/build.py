"""`sso-kpi build-workbook`: write SSO_Plan.xlsm from source, reproducibly.

The book is generated, never edited by hand: the sheets, tables, validations, formulas and the
ribbon all come from this file and :mod:`sso_app.layout`, so a change is a code review and
``workbook/SSO_Plan.xlsm`` is rebuilt (a test fails when the shipped book is out of date).
Building twice gives identical bytes: fixed document timestamps and zip member dates.

Sheets (names from ``layout``): คำแนะนำ (instructions), ตั้งค่า (tbl_settings + cfg_* names),
แผน-ผล (tbl_kpi, the computed block right of it), แบบรายงานรายเดือน (the unit monthly form,
printable), งบประมาณ (tbl_budget), สรุปรายไตรมาส (the
summary, written by the rebuild's own code), คะแนน ก.พ.ร. (the OPDC card), and xlwings' hidden
config sheet.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.workbook.workbook import Workbook

from sso_app.book import layout, template
from sso_app.book.new_book import budget_frame as new_budget_frame
from sso_app.book.new_book import empty_imported, populate_book
from sso_app.book.saving import save_macro_book, verify_macro_book
from sso_app.book.settings import Settings
from sso_app.files.packaged import DEMO_KPIS, DEMO_OPDC  # package data, see pyproject
from sso_app.files.writing import atomic_write, make_folder, work_folder
from sso_kpi.errors import SsoError
from sso_kpi.importing import Imported, Source, read_table

# Reproducible builds: the same source gives the same bytes.
BUILD_TIME = dt.datetime(2021, 10, 1, 0, 0, 0)  # FY2565 starts: a date inside the demo data
ZIP_TIME = (2021, 10, 1, 0, 0, 0)
CREATOR = "sso-kpi (สำนักงานประกันสังคม)"

DEMO_SETTINGS = Settings(unit="สำนักงานประกันสังคม", year_be=2564, year_kind="calendar", quarter=3)
DEMO_BUDGET = {  # unit report 2563 (สุโขทัย): plan and spend per budget category
    "งบบุคลากร": (0.0, 0.0),
    "งบดำเนินงาน": (3834900.00, 3445278.96),
    "งบลงทุน": (110000.00, 87290.00),
    "งบเงินอุดหนุน": (0.0, 0.0),
    "งบรายจ่ายอื่น": (0.0, 0.0),
}


# --------------------------------------------------------------------------------------------
# Demo data
# --------------------------------------------------------------------------------------------


def _raw_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def demo_kpis() -> Imported:
    """The FY2564 Q3 strategy-1 action plan, typed by the engine's own import.

    Through ``read_table`` so every row carries the resolved direction and aggregation the
    engine would use (a planner sees the rule, not a hidden default).
    """
    return read_table(_raw_csv(DEMO_KPIS), Source(file=DEMO_KPIS.name), form="kpi")


def demo_opdc() -> Imported:
    return read_table(_raw_csv(DEMO_OPDC), Source(file=DEMO_OPDC.name), form="opdc")


def budget_frame(demo: bool) -> pd.DataFrame:
    return new_budget_frame(DEMO_BUDGET if demo else None)


# --------------------------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# The book
# --------------------------------------------------------------------------------------------


@dataclass
class BuildReport:
    path: Path
    demo: bool
    kpi_rows: int
    opdc_rows: int
    shim: Path | None

    def __str__(self) -> str:
        what = (
            f"ข้อมูลตัวอย่าง {self.kpi_rows} ตัวชี้วัด, ก.พ.ร. {self.opdc_rows} ตัวชี้วัด / "
            f"demo data: {self.kpi_rows} indicators, {self.opdc_rows} OPDC indicators"
            if self.demo
            else "ไม่มีข้อมูล (แบบฟอร์มเปล่า) / empty form"
        )
        lines = [f"สร้างสมุดงานแล้ว / workbook written: {self.path}", what]
        if self.shim:
            lines.append(f"ไฟล์ Python คู่กัน / companion module: {self.shim}")
        if self.path.name != layout.BOOK_NAME:
            lines.append(
                f"หมายเหตุ: ปุ่มบนริบบอนจะสั่ง import {self.path.stem} ต้องมี {self.path.stem}.py "
                f"อยู่ข้างไฟล์ / note: the ribbon button runs import {self.path.stem}: keep "
                f"{self.path.stem}.py next to the book"
            )
        return "\n".join(lines)


SHIM = '''"""Companion of SSO_Plan.xlsm: the ribbon button imports it and runs ``main()``.

Keep this file next to the workbook, under the workbook's name. The work is done by the
installed ``sso-kpi`` package (``pip install`` the project), so this file never changes.
"""


def main() -> None:
    """Rebuild the quarterly summary of the calling workbook (runs inside Excel via xlwings)."""
    from sso_app.live import main as run

    run()
'''


def populate(wb: Workbook, *, demo: bool) -> tuple[int, int]:
    """Add every planner sheet to the base workbook; return (kpi rows, opdc rows)."""
    settings = DEMO_SETTINGS if demo else Settings()
    kpis = demo_kpis() if demo else empty_imported("kpi")
    opdc = demo_opdc() if demo else empty_imported("opdc")
    populate_book(
        wb, settings, kpis, opdc=opdc, budget=budget_frame(demo), opdc_year=2566 if demo else None
    )
    return len(kpis.frame), len(opdc.frame)


def _fixed_properties(wb: Workbook) -> None:
    props = wb.properties
    props.creator = CREATOR
    props.lastModifiedBy = CREATOR
    props.created = BUILD_TIME
    props.modified = BUILD_TIME
    props.title = "SSO KPI planning workbook (แผน-ผลตัวชี้วัด สำนักงานประกันสังคม)"


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def reproducible_copy(src: Path, dst: Path) -> None:
    """Copy the package with fixed member dates and the fixed modified time openpyxl overrides.

    openpyxl stamps ``dcterms:modified`` with the clock on every save and zip members with the
    current time, and copies the kept VBA members in ``set`` order (which changes with each
    process's string hashing); each would make builds differ, so all three are fixed here.
    """
    stamp = BUILD_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in sorted(zin.infolist(), key=lambda i: (i.filename != "[Content_Types].xml",
                                                          i.filename)):  # fmt: skip
            data = zin.read(info)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            out = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = 0o600 << 16
            zout.writestr(out, data)


def build_workbook(dest: Path, *, demo: bool = True) -> BuildReport:
    """Write the planning workbook ``dest`` (.xlsm), with the demo data unless ``demo=False``."""
    dest = Path(dest)
    if dest.suffix.lower() != ".xlsm":
        raise SsoError(
            "ชื่อไฟล์ต้องลงท้ายด้วย .xlsm (สมุดงานที่มีแมโคร)",
            "the file name must end in .xlsm (a macro-enabled workbook)",
            where=str(dest),
        )
    make_folder(dest.parent)
    with work_folder(dest) as tmp:
        base = tmp / layout.BOOK_NAME
        template.base_workbook(base, template.ribbon_xml())
        wb = openpyxl.load_workbook(base, keep_vba=True)
        kpi_rows, opdc_rows = populate(wb, demo=demo)
        _fixed_properties(wb)
        ribboned = tmp / "ribboned.xlsm"
        save_macro_book(wb, ribboned, template.ribbon_xml())
        atomic_write(
            dest,
            lambda out: reproducible_copy(ribboned, out),
            backup=True,  # a book already there (a planner's?) is kept as a version
            verify=verify_macro_book,
        )
    shim = dest.with_suffix(".py")
    if not shim.exists():
        text = SHIM.replace("SSO_Plan", dest.stem)
        atomic_write(shim, lambda tmp: tmp.write_text(text, encoding="utf-8"), backup=False)
    return BuildReport(dest, demo, kpi_rows, opdc_rows, shim)
