"""`sso-kpi rebuild`: recompute the quarterly summary and the OPDC card of a closed workbook.

Why a headless rebuild exists: the ribbon button needs Excel on Windows with Python set up;
central staff and planners on LibreOffice need the same summary from a closed file. Both write
the frames of :mod:`sso_app.book.summary`, so the numbers are the engine's either way.
"""

from __future__ import annotations

from pathlib import Path

from sso_app.book import layout
from sso_app.book.cached import engine_values
from sso_app.book.opening import open_sso_book, verify_written_book
from sso_app.book.refresh import RebuildReport, book_writer, refreshed_workbook
from sso_app.files.writing import WriteTransaction


def rebuild(book: Path, quarter: int | None = None) -> RebuildReport:
    """Rebuild the summary sheet and the OPDC card of the closed workbook ``book`` in place,
    in one write transaction (locked from read to swap, the old book kept as a version)."""
    with WriteTransaction(book) as t:
        opened = open_sso_book(t.target, whole_form=True)
        wb, report = refreshed_workbook(opened, quarter)
        rows = {layout.TABLE_KPI: opened.filled_rows(layout.TABLE_KPI)}
        # The typed cells are not changed by a rebuild: the book's own data gives the values
        # its SSO_ formulas cache (read once, not again from the saved copy).
        values = engine_values(opened.data)
        report.backup = t.commit(book_writer(wb, t.target, values), verify_written_book(rows))
    report.book = Path(book)
    return report
