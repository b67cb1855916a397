"""Text stays text: a unit's ``=HYPERLINK(...)`` never becomes a live formula in a sheet or CSV."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell


# OWASP "CSV injection": a cell starting with one of these may be run as a formula by Excel
# or LibreOffice (typing "-2+3" or "@cmd" makes a formula; tab/CR confuse CSV import).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# Characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF):
# openpyxl raises on some at assignment and writes others into a file nobody can open.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS)


def text_safe_for_sheet(value: object) -> object:
    """A value to hand to a writer that cannot mark a cell as text.

    For writers that go through Excel's own input parsing (xlwings ``Range.value``) or that
    guess the type (``DataFrame.to_excel``): a formula-like string gets a leading apostrophe
    -- Excel then stores the rest as text, while openpyxl/pandas store the apostrophe
    literally (visible, but inert). Everything else is returned unchanged. With openpyxl,
    prefer ``set_text_cell``, which keeps the exact text.
    """
    return f"'{value}" if _is_formula_like(value) else value


def csv_safe(value: object) -> object:
    """OWASP CSV-injection defence: prefix a formula-like string with ``'``.

    Strings starting with ``= + - @``, tab or CR get the prefix -- including a lone ``"-"``
    (reports use it for "no value"); it shows as ``'-`` in a text editor but cannot be
    evaluated. Numbers, dates, None and other non-strings are returned unchanged, so numeric
    columns stay numeric (a negative number is an int/float here, not a string).
    """
    return f"'{value}" if _is_formula_like(value) else value


def set_text_cell(cell: Cell, value: object) -> None:
    """Write ``value`` into an openpyxl cell; a string always stays plain text.

    openpyxl turns any str starting with "=" into a formula (and "#N/A" into an error) on
    ``cell.value = ...``; forcing ``data_type = "s"`` afterwards makes it write the text as an
    inline string (``t="inlineStr"``, no ``<f>``). Formula-like strings also get the
    ``quotePrefix`` style, so Excel keeps them as text even after someone edits the cell.
    Characters XML cannot hold become U+FFFD instead of failing the save. Non-strings are
    assigned as they are (numbers stay numbers).

    Never copy such a cell with ``other.value = cell.value``: that re-runs openpyxl's guess.
    """
    if not isinstance(value, str):
        cell.value = value
        return
    text = _NOT_XML.sub("\ufffd", value)
    cell.value = text
    cell.data_type = "s"
    if _is_formula_like(text):
        cell.quotePrefix = True
