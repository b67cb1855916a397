"""How tall a wrapped cell must be: LibreOffice keeps the row height a file gives it and
never grows a row for wrapped text on import, so a row too short cuts the text off.

Text is measured with the report font's own advance widths (Pillow reads the TrueType file
matplotlib or fontconfig finds), so a line of Thai is as long as LibreOffice draws it; Thai
vowel and tone marks advance by nothing. Without the font file, characters are counted
(``display_width``) at a generous width.
"""

from __future__ import annotations

import functools
import math
import shutil
import subprocess

from sso_app.book.sheets import display_width

LINE_FACTOR = 1.45  # line height ÷ font size in LibreOffice's rendering of Loma
SAFETY = 0.93  # LibreOffice breaks Thai at words, not characters: lines end earlier


def _font_file(name: str, bold: bool) -> str | None:
    """The TrueType file of ``name``: matplotlib's font list (any OS), else fontconfig."""
    try:
        from matplotlib import font_manager

        props = font_manager.FontProperties(family=name, weight="bold" if bold else "normal")
        return font_manager.findfont(props, fallback_to_default=False)
    except Exception:  # not in matplotlib's cached list (installed after it was made)
        pass
    fc = shutil.which("fc-match")
    if fc is None:
        return None
    found = subprocess.run(
        [fc, "-f", "%{file}", f"{name}{':bold' if bold else ''}"],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    ).stdout.strip()
    return found if name.lower() in found.lower() else None


@functools.lru_cache(maxsize=4)
def _font(name: str, bold: bool, size: int):  # type: ignore[no-untyped-def]
    try:
        from PIL import ImageFont

        found = _font_file(name, bold)
        return ImageFont.truetype(found, size * 10) if found else None
    except Exception:  # no Pillow, a font it cannot read: count characters instead
        return None


@functools.lru_cache(maxsize=65536)
def text_points(text: str, size: float = 11, *, bold: bool = False, font: str = "Loma") -> float:
    """Width of one line of ``text`` in points at ``size``."""
    face = _font(font, bold, 10)
    if face is None:
        return display_width(text) * size * 0.7  # wider than any Thai or Latin letter of Loma
    return float(face.getlength(text)) / 100 * size


def column_points(width: float) -> float:
    """A column ``width`` characters wide, in points as LibreOffice prints it (measured with
    ``pdftotext -bbox``: 50 characters print 350 points wide unscaled)."""
    return width * 7.1


def lines_needed(text: object, width_chars: float, size: float = 11, *, bold: bool = False) -> int:
    """Lines ``text`` takes wrapped in a column (or merged span) ``width_chars`` wide."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text) == "":
        return 1
    room = max(column_points(width_chars) - 6, 10) * SAFETY
    total = 0
    for part in str(text).split("\n"):
        total += max(1, math.ceil(text_points(part, size, bold=bold) / room))
    return total


def row_points(lines: int, size: float = 11) -> float:
    """Height in points of a row of ``lines`` lines of ``size``-point text."""
    return round(lines * size * LINE_FACTOR + 4, 1)
