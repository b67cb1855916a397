"""Messages for planners: every problem names where it is and says it in Thai and English.

A planner reads these in a terminal, in the national workbook's file list, or in a cell, so
each one carries the file, sheet, row and column it is about, and never a traceback.

Problems are data: each has a stable ``code`` (``not_a_number``, ``missing_column``,
``duplicate_kpi`` …, listed in :data:`CODES`) and the canonical ``key`` of its column
(``weight``), so a program (``--json``, the national workbook, the exit code) reads what went
wrong without parsing the Thai or English sentence, which is made only where it is shown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]

# Every code a problem may carry, and what it means (README, "Problems as data").
CODES = {
    # refusals of a whole table: nothing is scored or written
    "missing_column": "a required column is not in the file",
    "no_period_column": "no plan or result column (แผน/ผล ไตรมาส, เดือน) was recognised",
    "no_level_column": "an OPDC form without its level columns (ขั้นต้น, มาตรฐาน, ขั้นสูง)",
    # headers
    "unknown_column": "a header the tool does not know (the closest known column is named)",
    "duplicate_column": "two headers for one column: the first is used",
    # cells
    "not_a_number": "text where a number belongs",
    "trailing_minus": "a minus sign after the number (100-): read as text, not as -100",
    "not_boolean": "TRUE/FALSE where a number belongs",
    "not_a_date": "a date where a number belongs",
    "excel_error": "an Excel error value (#N/A, #DIV/0! …)",
    "too_big": "a number too large to be a KPI value",
    "not_finite": "an infinite number",
    "negative": "a negative value",
    "cap_below_100": "a cap under 100 per cent",
    "not_allowed_word": "a word not in the column's list (direction, aggregation, method, status)",
    "unknown_kind": "a kind outside งานประจำ / โครงการเดิม / โครงการใหม่",
    "blank_key": "a blank project id or indicator number",
    "duplicate_kpi": "an indicator already on an earlier row",
    "near_duplicate_id": "ids that differ only by invisible characters or Unicode forms",
    "weight_missing": "one blank weight among a project's weights",
    "equal_weights": "a project without weights: its indicators weigh the same",
    "weight_sum": "a project's weights do not sum to 100",
    "text_cut": "text longer than an Excel cell holds (32,767 characters)",
    "aggregation_mismatch": "the plan's year total by its aggregation is far from its target",
    "kpi_number_from_name": "indicator numbers read from the start of the indicator's name",
    "already_in_book": "the workbook already holds this indicator",
    "units_disagree": "units combine one indicator with different weights or aggregations",
    "no_result_column": "a plan to score without any result column",
    "unit_from_place": "no unit name in the settings: the folder or file name is used",
    # refusals of a whole file (``SsoError.code``)
    "empty_file": "an empty file",
    "refused": "any other refusal: a file missing, locked, damaged, not an SSO book …",
}


@dataclass(frozen=True)
class Issue:
    """One problem found in the input.

    >>> issue = Issue("ไม่ใช่ตัวเลข", "not a number", file="a.csv", row=7, column="weight",
    ...       value="abc", code="not_a_number", key="weight")
    >>> issue.text()
    'a.csv แถว/row 7 คอลัมน์/column weight: ไม่ใช่ตัวเลข / not a number (ค่า/value: abc)'
    >>> issue.code, issue.key
    ('not_a_number', 'weight')
    """

    message_th: str
    message_en: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    severity: Severity = "error"
    code: str = ""  # stable, one of CODES
    key: str = ""  # the column's canonical key (``column`` is how it is shown)

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

    def __init__(
        self, message_th: str, message_en: str, *, where: str = "", code: str = "refused"
    ) -> None:
        self.message_th = message_th
        self.message_en = message_en
        self.where = where
        self.code = code
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{message_th} / {message_en}")
