"""`sso-kpi rebuild`: recompute the quarterly summary and the OPDC card of a closed workbook.

Why a headless rebuild exists: the ribbon button needs Excel on Windows with Python set up;
central staff and planners on LibreOffice need the same summary from a closed file. Both write
the frames of :mod:`sso_app.summary`, so the numbers are the engine's either way.

What it may touch (and the tests check every other cell): only the sheets in
``layout.REBUILT_SHEETS`` -- the summary sheet, recreated whole (openpyxl drops charts on
load, so the chart is drawn again each time), and on the OPDC sheet only the card box and the
computed columns beside ``tbl_opdc``. The planner's typed cells are never written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd

from sso_app.book import layout
from sso_app.book.opdc_sheet import engine_score_by_row, write_card
from sso_app.book.opening import evaluation_of, read_book
from sso_app.book.saving import customui_of, refuse_if_open, save_macro_book, verify_macro_book
from sso_app.book.summary import band_counts, card_components, scorecard_frames, summary_frames
from sso_app.book.summary_sheet import write_summary_sheet
from sso_app.files.writing import atomic_write
from sso_kpi.errors import Issue, SsoError
from sso_kpi.opdc import score_card
from sso_kpi.scoring import BAND_TH

# --------------------------------------------------------------------------------------------
# The summary sheet (also written by the builder)
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# The OPDC card (also written by the builder)
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Reading a closed book
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


@dataclass
class RebuildReport:
    book: Path
    quarter: int
    projects: int
    evaluated: int
    bands: dict[str, int]
    backup: Path | None
    errors: list[Issue]
    warnings: list[Issue]
    opdc_total: float | None
    opdc_level: str

    def __str__(self) -> str:
        b = self.bands
        lines = [
            f"สร้างสรุปรายไตรมาสแล้ว / summary rebuilt: {self.book}",
            f"ไตรมาส / quarter: {self.quarter}",
            f"งาน/โครงการ / projects: {self.projects} (ประเมิน / evaluated: {self.evaluated})",
            "แถบสี / bands: " + ", ".join(f"{BAND_TH[k]} {k} {b.get(k, 0)}" for k in BAND_TH),
        ]
        if self.opdc_total is not None:
            lines.append(f"คะแนน ก.พ.ร. / OPDC total: {self.opdc_total:.2f} {self.opdc_level}")
        if self.backup:
            lines.append(f"สำรองไฟล์เดิมไว้ที่ / backup of the previous file: {self.backup}")
        if self.errors:
            lines.append(
                f"ข้อผิดพลาด {len(self.errors)} รายการ (แถวเหล่านี้ไม่ถูกนำมาคำนวณ) / "
                f"{len(self.errors)} errors (those rows are left out):"
            )
            lines += [f"  - {i.text()}" for i in self.errors[:50]]
        if self.warnings:
            lines.append(f"คำเตือน / warnings: {len(self.warnings)}")
            lines += [f"  - {i.text()}" for i in self.warnings[:20]]
        return "\n".join(lines)


def rebuild(book: Path, quarter: int | None = None) -> RebuildReport:
    """Rebuild the summary sheet and the OPDC card of the closed workbook ``book`` in place.

    Refuses an open book (Excel lock file) and a file that is not an SSO workbook. Values come
    from the engine; the file is replaced atomically with one backup kept, the VBA byte for
    byte and the ribbon wired again.
    """
    book = Path(book)
    if not book.is_file():
        raise SsoError("ไม่พบไฟล์", "file not found", where=str(book))
    refuse_if_open(book)
    data = read_book(book)
    ev = evaluation_of(data, quarter)
    frames = summary_frames(ev, data.budget, data.settings)
    engine_card = score_card(data.opdc.frame)
    card = scorecard_frames(engine_card)

    customui = customui_of(book)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    write_summary_sheet(wb, frames)
    write_card(
        wb[layout.SHEET_OPDC],
        card,
        engine_score_by_row(engine_card, data.opdc.frame["source_row"].to_numpy()),
        card_components(data.opdc.frame.get("component", pd.Series(dtype=object))),
    )
    backup = atomic_write(
        book,
        lambda tmp: save_macro_book(wb, tmp, customui),
        backup=True,
        verify=verify_macro_book,
    )
    projects = ev.projects
    return RebuildReport(
        book=book,
        quarter=ev.quarter,
        projects=len(projects),
        evaluated=int(projects["evaluated"].sum()) if len(projects) else 0,
        bands=band_counts(ev),
        backup=backup,
        errors=[*data.kpis.errors, *data.opdc.errors, *data.issues],
        warnings=[*data.kpis.warnings, *data.opdc.warnings],
        opdc_total=card.total if len(card.kpis) else None,
        opdc_level=card.level,
    )
