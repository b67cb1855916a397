"""`sso-kpi restore BOOK`: go back to a kept version of a book.

Every write keeps the book it replaces in ``<stem>.backups/`` (dated, the newest
``KEEP_VERSIONS``). ``restore`` lists them; it puts one back (the newest, or the one named by
its number in the list), after checking it like any book that arrives from outside, and keeps
the book it replaces as a version too, so a restore can itself be undone.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sso_app.book.opening import open_sso_book
from sso_app.files.writing import WriteTransaction, backups_folder_for, versions_of
from sso_kpi.errors import SsoError


@dataclass
class RestoreReport:
    book: Path
    versions: list[Path]
    restored: Path | None = None
    kept: Path | None = None
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"ฉบับที่เก็บไว้ของ / kept versions of {self.book} ({backups_folder_for(self.book)}):"]
        for n, version in enumerate(self.versions, 1):
            mark = "  <- คืนฉบับนี้ / restored" if version == self.restored else ""
            lines.append(f"  {n}. {version.name}{mark}")
        if self.restored is not None:
            lines.append(f"คืนไฟล์แล้ว / restored: {self.restored.name} -> {self.book}")
        if self.kept is not None:
            lines.append(f"เก็บไฟล์ก่อนคืนไว้ที่ / the replaced book was kept as: {self.kept}")
        return "\n".join(lines)


def restore(book: Path, version: int | None = 1, *, list_only: bool = False) -> RestoreReport:
    """Put kept version number ``version`` (1 = newest) of ``book`` back in its place."""
    book = Path(book)
    versions = versions_of(book)
    report = RestoreReport(book, versions)
    if list_only:
        return report
    if not versions:
        raise SsoError(
            f"ไม่มีฉบับที่เก็บไว้ใน {backups_folder_for(book).name} ให้กู้คืน",
            f"there is no kept version in {backups_folder_for(book).name} to restore",
            where=str(book),
        )
    if version is None or not 1 <= version <= len(versions):
        raise SsoError(
            f"ไม่มีฉบับที่ {version}: เลือก 1-{len(versions)}",
            f"there is no version {version}: choose 1-{len(versions)}",
            where=str(book),
        )
    chosen = versions[version - 1]
    with WriteTransaction(book, inputs=[chosen]) as t:
        open_sso_book(chosen)  # checked like any input: damaged, renamed, not a book...
        report.kept = t.commit(
            lambda tmp: shutil.copyfile(chosen, tmp), lambda tmp: open_sso_book(tmp)
        )
    report.restored = chosen
    report.versions = versions_of(book)
    return report
