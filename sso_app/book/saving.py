"""TODO"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from sso_app.book import template
from sso_app.files.checks import check_workbook_file
from sso_app.files.writing import lock_file_for
from sso_kpi.errors import SsoError


def customui_of(path: Path) -> str:
    """The ribbon XML already in the book (kept as is), or ours if it has none."""
    with zipfile.ZipFile(path) as zf:
        if template.CUSTOMUI_PART in zf.namelist():
            return zf.read(template.CUSTOMUI_PART).decode("utf-8")
    return template.ribbon_xml()


def save_macro_book(wb: Workbook, dest: Path, customui_xml: str) -> None:
    """openpyxl save + the ribbon relationship openpyxl drops (see template.ensure_ribbon)."""
    with tempfile.TemporaryDirectory(prefix="sso-save-") as tmp:
        saved = Path(tmp) / "saved.xlsm"
        wb.save(saved)
        template.ensure_ribbon(saved, dest, customui_xml)


def verify_macro_book(path: Path) -> None:
    check_workbook_file(path, expect_macro=True)


def refuse_if_open(book: Path) -> None:
    lock = lock_file_for(book)
    if lock is not None:
        raise SsoError(
            f"ไฟล์เปิดอยู่ใน Excel: ปิดไฟล์ก่อนแล้วลองใหม่ (ถ้าไม่ได้เปิดอยู่ ให้ลบไฟล์ {lock.name})",
            f"the workbook is open in Excel: close it and try again (if it is not open, "
            f"delete the lock file {lock.name})",
            where=str(book),
        )
