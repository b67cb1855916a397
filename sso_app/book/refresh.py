"""The computed sheets of a book rebuilt from the engine: the summary, the OPDC card, the
monthly form, and on the entry sheet the month labels and the computed block.

Shared by ``sso-kpi rebuild`` and ``sso-kpi demo`` (and the same frames as the ribbon's
rebuild in :mod:`sso_app.live`). What it may touch (and the tests check every other cell):
only the sheets in ``layout.REBUILT_SHEETS`` -- the summary sheet, recreated whole (openpyxl
drops charts on load, so the chart is drawn again each time), and on the OPDC sheet only the
card box and the computed columns beside ``tbl_opdc``; the monthly form, recreated whole; on
the entry sheet the Thai label row (month names follow the year kind of the settings) and the
computed block, refitted to the table's rows with the validations and formats that follow
them. The planner's typed cells are never written. The summary and the monthly form are
protected without a password: they are recreated, so protected again, on every rebuild.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.workbook.workbook import Workbook

from sso_app.book import layout, template
from sso_app.book.cached import Values
from sso_app.book.entry_sheet import fit_kpi_block
from sso_app.book.monthly_form import write_monthly_form_sheet
from sso_app.book.opdc_sheet import engine_score_by_row, write_card
from sso_app.book.opening import SsoBook
from sso_app.book.saving import customui_of, save_macro_book
from sso_app.book.summary import band_counts, card_components, scorecard_frames, summary_frames
from sso_app.book.summary_sheet import write_summary_sheet
from sso_kpi.errors import Issue, SsoError
from sso_kpi.opdc import score_card
from sso_kpi.scoring import BAND_TH


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


def load_for_edit(path: Path, recreated: Collection[str] = ()) -> Workbook:
    """openpyxl's copy of a checked book, VBA kept; a failure is a message, not a traceback.

    ``recreated``: sheets the caller will remove and write anew. Their cells are not read
    (each is given to openpyxl as an empty sheet): the monthly form of a 5,000-indicator
    book is some 450,000 cells, about half of what loading the book would cost.
    """
    try:
        if not recreated:
            return openpyxl.load_workbook(path, keep_vba=True)
        package = template.Package(Path(path))
        for part, name in template.sheet_parts(package).items():
            if name in recreated and part in package:
                package[part] = template.EMPTY_SHEET_XML
        return openpyxl.load_workbook(io.BytesIO(package.stored()), keep_vba=True)
    except Exception as err:  # the pre-flight passed, so this is a file no check foresaw
        raise SsoError(
            f"เปิดสมุดงานเพื่อแก้ไขไม่ได้ ({type(err).__name__}) ไฟล์อาจเสีย (ไฟล์ไม่ถูกแก้ไข)",
            f"cannot open the workbook for editing ({type(err).__name__}: {err}); it may be "
            "damaged (nothing was written)",
            where=str(path),
        ) from err


def book_writer(
    wb: Workbook, original: Path, values: Values | None = None
) -> Callable[[Path], None]:
    """Save ``wb`` as a macro book with ``original``'s ribbon, for a write transaction;
    refused if the save would drop something of ``original`` openpyxl cannot carry.
    ``values``: the cached values, when the caller computed them from the same book."""
    customui = customui_of(original)
    return lambda tmp: save_macro_book(wb, tmp, customui, original=original, values=values)


def refreshed_workbook(book: SsoBook, quarter: int | None = None) -> tuple[Workbook, RebuildReport]:
    """The book opened for editing with its summary sheet and OPDC card rebuilt, and what
    was found (errors and warnings as data). Nothing is saved here."""
    data = book.data
    ev = data.evaluation(quarter)
    frames = summary_frames(ev, data.budget, data.settings)
    engine_card = score_card(data.opdc.frame)
    card = scorecard_frames(engine_card)
    wb = load_for_edit(book.path, layout.RECREATED_SHEETS)
    fit_kpi_block(wb[layout.SHEET_ENTRY], data.settings)  # relabels the months, refits rows
    write_monthly_form_sheet(wb, data.kpis.frame, data.settings)
    write_summary_sheet(wb, frames)
    write_card(
        wb[layout.SHEET_OPDC],
        card,
        engine_score_by_row(engine_card, data.opdc.frame["source_row"].to_numpy()),
        card_components(data.opdc.frame.get("component", pd.Series(dtype=object))),
    )
    projects = ev.projects
    report = RebuildReport(
        book=book.path,
        quarter=ev.quarter,
        projects=len(projects),
        evaluated=int(projects["evaluated"].sum()) if len(projects) else 0,
        bands=band_counts(ev),
        backup=None,
        errors=[
            *data.kpis.errors,
            *data.opdc.errors,
            *(i for i in data.issues if i.severity == "error"),
        ],
        warnings=[
            *data.kpis.warnings,
            *data.opdc.warnings,
            *(i for i in data.issues if i.severity == "warning"),
        ],
        opdc_total=card.total if len(card.kpis) else None,
        opdc_level=card.level,
    )
    return wb, report
