"""`sso-kpi print`: a unit's book printed to PDF the way the office hands it in, without Excel.

Why a command: LibreOffice (the office's PCs without Excel, and our headless print) never
uses the stored results of array formulas and cannot run the SSO_ functions, so opening the
book there shows ``#NAME?`` in the computed block (README "Cached values and printing").
This prints a copy in which each SSO_ cell holds the engine's value for the cells as typed
now -- also when the book was last saved by an Excel without Python, whose stored values are
errors -- with every sheet's office page set-up (A4 landscape, 8 pt or more, page x of y).
The book itself is not changed; the summary and the OPDC card print as of the last rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sso_app.book.cached import engine_values, print_pdf
from sso_app.book.opening import open_sso_book
from sso_app.files.writing import refuse_output_among_inputs
from sso_kpi.errors import SsoError


@dataclass
class Printed:
    book: Path
    pdf: Path
    sheet: str | None

    def __str__(self) -> str:
        what = f"ชีต {self.sheet} / sheet {self.sheet}" if self.sheet else "ทุกชีต / every sheet"
        return f"พิมพ์แล้ว / printed ({what}): {self.book} -> {self.pdf}"


def print_book(book: Path, output: Path | None = None, sheet: str | None = None) -> Printed:
    """Print ``book`` (every visible sheet, or ``sheet``) to ``output`` (``<book>.pdf``)."""
    book = Path(book)
    pdf = Path(output) if output is not None else book.with_suffix(".pdf")
    refuse_output_among_inputs(pdf, [book])
    opened = open_sso_book(book)
    sheets = opened.workbook.sheet_names
    if sheet is not None and sheet not in sheets:
        names = ", ".join(sheets)
        raise SsoError(
            f"ไม่มีชีตชื่อ {sheet} ในสมุดงาน (มี: {names})",
            f"the workbook has no sheet named {sheet} (it has: {names})",
            where=str(book),
        )
    print_pdf(book, pdf, sheet=sheet, values=engine_values(opened.data))
    return Printed(book, pdf, sheet)
