"""The office page, as rules both book writers follow: openpyxl (:mod:`sso_app.book.printing`)
and XlsxWriter (the national book, :mod:`sso_app.national.workbook`).

No Excel library here, only the numbers and texts: A4 landscape, body text at least
:data:`MIN_BODY_PT` on paper, the margins, and the header and footer (unit, sheet, period,
print date, "หน้า x จาก y") in Excel's header codes.
"""

from __future__ import annotations

import math

PAPER_A4 = 9  # Excel's paperSize code
MIN_BODY_PT = 8.0
DEFAULT_FONT_PT = 11.0  # the Normal style of openpyxl's and XlsxWriter's books: Calibri 11
MARGIN_IN = 0.3  # left and right
MARGIN_TOP_IN = MARGIN_BOTTOM_IN = 0.75
HEADER_IN = FOOTER_IN = 0.3
A4_LANDSCAPE_WIDTH_IN = 11.69
# What a page's width holds: the margins and a little slack for the printer's rounding.
PRINTABLE_WIDTH_IN = A4_LANDSCAPE_WIDTH_IN - 2 * MARGIN_IN - 0.3
HEADER_FOOTER_PT = 9
FOOTER_LEFT = "พิมพ์เมื่อ &D &T"
FOOTER_RIGHT = "หน้า &P จาก &N"
SHEET_NAME = "&A"
KEY_COLUMN = "kpi_name"  # on a sheet with this header, columns up to it repeat on each page
KEY_SHARE = 0.4  # columns repeated on each page across take at most this share of a page


def readable_scale(smallest_pt: float) -> int:
    """The smallest scale (per cent) at which ``smallest_pt`` text prints at 8 pt or more.

    >>> readable_scale(11.0), readable_scale(8.0), readable_scale(14.0)
    (73, 100, 58)
    """
    return math.ceil(MIN_BODY_PT / smallest_pt * 100)


def office_scale(content_in: float, smallest_pt: float = DEFAULT_FONT_PT) -> tuple[int, bool]:
    """(scale, fits): the scale that prints ``content_in`` inches of columns one page wide,
    but never below :func:`readable_scale` (then the sheet prints on more pages across and
    ``fits`` is False); never above 100.

    >>> office_scale(5.0), office_scale(12.0), office_scale(40.0)
    ((100, True), (89, True), (73, False))
    """
    fit = PRINTABLE_WIDTH_IN / max(content_in, 0.1) * 100
    readable = readable_scale(smallest_pt)
    return int(max(readable, min(100, fit))), fit >= readable


def period_text(year_be: object, quarter: object) -> str:
    """The period as the page header prints it: "ปีงบประมาณ พ.ศ. 2564 ไตรมาสที่ 3"."""
    period = []
    if year_be not in (None, ""):
        period.append(f"ปีงบประมาณ พ.ศ. {_whole(year_be)}")
    if quarter not in (None, ""):
        period.append(f"ไตรมาสที่ {_whole(quarter)}")
    return " ".join(period)


def _whole(value: object) -> str:
    try:
        number = float(str(value))
    except ValueError:
        return str(value)
    return str(int(number)) if number.is_integer() else str(value)


def code_text(text: str) -> str:
    """Text for a header section: ``&`` starts a code there, so a literal one is doubled."""
    return text.replace("&", "&&")


def header_sections(unit: str, period: str) -> tuple[str, str, str]:
    """(left, centre, right) of the page header: the unit, the sheet's name, the period."""
    return code_text(unit), SHEET_NAME, code_text(period)


def footer_sections() -> tuple[str, str, str]:
    """(left, centre, right) of the page footer: the print date and time, "หน้า x จาก y"."""
    return FOOTER_LEFT, "", FOOTER_RIGHT


def header_string(sections: tuple[str, str, str]) -> str:
    """One header/footer string in Excel's codes (what XlsxWriter's ``set_header`` takes),
    each section in :data:`HEADER_FOOTER_PT` points, as openpyxl writes its parts.

    >>> header_string(("a", "", "หน้า &P"))
    '&L&9 a&R&9 หน้า &P'
    """
    return "".join(
        f"&{code}&{HEADER_FOOTER_PT} {text}"
        for code, text in zip("LCR", sections, strict=True)
        if text
    )
