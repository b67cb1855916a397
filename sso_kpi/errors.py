"""Messages for planners: every problem names where it is and says it in Thai and English.

A planner reads these in a terminal, in the national workbook's file list, or in a cell, so
each one carries the file, sheet, row and column it is about, and never a traceback.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem found in the input.

    >>> Issue("ไม่ใช่ตัวเลข", "not a number", file="a.csv", row=7, column="weight",
    ...       value="abc").text()
    'a.csv แถว/row 7 คอลัมน์/column weight: ไม่ใช่ตัวเลข / not a number (ค่า/value: abc)'
    """

    message_th: str
    message_en: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    severity: Severity = "error"

    def where(self) -> str:
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"ชีต/sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"แถว/row {self.row}")
        if self.column:
            parts.append(f"คอลัมน์/column {self.column}")
        return " ".join(parts)

    def text(self) -> str:
        where = self.where()
        head = f"{where}: " if where else ""
        tail = f" (ค่า/value: {self.value})" if self.value != "" else ""
        return f"{head}{self.message_th} / {self.message_en}{tail}"

    def to_dict(self) -> dict[str, object]:
        return asdict(self) | {"text": self.text()}


class SsoError(Exception):
    """A refusal the user must act on (bad file, locked book, full disk...).

    Raised by adapters; the CLI prints ``str(err)`` and exits non-zero, never a traceback.
    """

    def __init__(self, message_th: str, message_en: str, *, where: str = "") -> None:
        self.message_th = message_th
        self.message_en = message_en
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{message_th} / {message_en}")
