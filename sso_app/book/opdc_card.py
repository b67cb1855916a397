"""The OPDC card as the office prints it (card 2566), under ``tbl_opdc`` on the card sheet.

The seed's card (``shared/seeds/opdc_evaluation_2566.txt``) groups the indicators under
their component with its weight ("องค์ประกอบที่ 1 การประเมินประสิทธิผลการดำเนินงาน
(Performance Base) (ร้อยละ 70)"), shows each target as "12.74 (ล้านราย)", ends with
"น้ำหนักรวม 100 … คะแนนรวม 91.96" and explains the quality levels. ``tbl_opdc`` is what the
planner types and cannot hold group rows, so this block is written below it, in the same
columns (name in C, weight in D, targets F:H, result I, score K, weighted L), as formulas
over the table's rows: it follows what is typed in Excel, and LibreOffice computes it too.
Everything is shown with two decimals ("0.00"), as the office prints.

The block is rewritten on every rebuild: the rows below the table, columns A to M, are ours.
"""

from __future__ import annotations

import math

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book import layout
from sso_app.book.natives import (
    REF,
    SUM,
    Native,
    fixed2,
    is_empty_text,
    is_number,
    reference,
    text_of,
)
from sso_app.book.sheets import BOX_BORDER, BOX_FILL, display_width
from sso_app.files.textsafe import set_text_cell
from sso_kpi.opdc import QUALITY_LEVELS

GAP_ROWS = 2
LINE_PT = 16.0
TWO_DECIMALS = "0.00"
# The card's own words for the components it knows (as card 2566 names them).
COMPONENT_TH = {
    "Performance Base": "การประเมินประสิทธิผลการดำเนินงาน",
    "Potential Base": "การประเมินศักยภาพในการดำเนินงาน",
}
LEVEL_COLOURS = ("92D050", "00B0F0", "FFFF00", "FF0000")  # the card's legend, best first
_BOLD = Font(bold=True)


def _name_line(number: object, name: object) -> object:
    if is_empty_text(number):
        return reference(name)
    shown = text_of(number)
    return shown + (". " if "." not in shown else " ") + text_of(name)


def _target(value: object, unit: object) -> str:
    if is_empty_text(value):
        return ""
    return fixed2(value) + ("" if is_empty_text(unit) else f"\n({text_of(unit)})")


def _score(score: object, engine: object) -> object:
    if is_number(score):
        return score
    return engine if is_number(engine) else ""


# "1. name" ("1.1 name" when the number has its own dot), the name alone without a number.
NAME_LINE = Native(
    '=IF({number}="",{name},IF(ISERROR(FIND(".",{number})),{number}&". ",{number}&" ")&{name})',
    _name_line,
)
# A target or the result as "12.90" with its unit on a second line: "(ล้านราย)".
TARGET = Native(
    '=IF({value}="","",TEXT({value},"0.00")&IF({unit}="","",CHAR(10)&"("&{unit}&")"))', _target
)
# The score: K (SSO_SCORE) when Excel computed it, else the engine's value in M.
SCORE = Native('=IF(ISNUMBER({score}),{score},IF(ISNUMBER({engine}),{engine},""))', _score)
NATIVES = (NAME_LINE, TARGET, SCORE)


def _letters() -> dict[str, str]:
    return {c: get_column_letter(i + 1) for i, c in enumerate(layout.OPDC_TABLE_COLUMNS)}


def _number(value: object) -> float | None:
    try:
        return float(str(value).replace(",", ""))
    except (TypeError, ValueError):
        return None


def level_ranges() -> list[tuple[str, str]]:
    """(level, its score range in the card's words), best level first.

    >>> level_ranges()[1]
    ('ระดับมาตรฐานขั้นสูง', 'มีคะแนนผลการดำเนินงานอยู่ระหว่าง 75.00 – 89.99 คะแนน')
    """
    out = []
    top = 100.0
    for floor, th, _ in QUALITY_LEVELS:
        if floor == float("-inf"):
            out.append((th, f"มีคะแนนผลการดำเนินงานต่ำกว่า {top + 0.01:.2f} คะแนน"))
        else:
            out.append((th, f"มีคะแนนผลการดำเนินงานอยู่ระหว่าง {floor:.2f} – {top:.2f} คะแนน"))
            top = floor - 0.01
    return out


def _height(ws: Worksheet, col: str, text: str, at_least: int = 1) -> float:
    """Row height (points) for ``text`` wrapped in column ``col``, as fit_wrapped_rows counts."""
    width = ws.column_dimensions[col].width or 8.43
    lines = max(at_least, math.ceil(display_width(text) / max(width * 1.05 - 1, 1)))
    return lines * LINE_PT + 2


def clear_below(ws: Worksheet, last: int) -> None:
    """Empty the rows under the table (columns A to M): the previous card block."""
    last_col = layout.OPDC_COMPUTED_FIRST_COL + len(layout.OPDC_COMPUTED_COLUMNS) - 1
    for row in ws.iter_rows(min_row=last + 1, max_row=max(ws.max_row, last + 1), max_col=last_col):
        for cell in row:
            cell.value = None
            cell.style = "Normal"


def write_office_card(ws: Worksheet, first: int, last: int, level_cell: str) -> int:
    """Write the office's card under tbl_opdc (rows ``first``..``last``); return its last row.

    ``level_cell`` is the box cell whose formula gives the quality level (the summary line).
    """
    clear_below(ws, last)
    t = _letters()
    score, weighted, engine = (
        get_column_letter(layout.OPDC_COMPUTED_FIRST_COL + i) for i in range(3)
    )
    name, weight = t["kpi_name"], t["weight"]
    levels = [t["level_50"], t["level_75"], t["level_100"]]
    result = t["result"]
    row = last + 1 + GAP_ROWS

    def put(r: int, col: str, value: object, *, fmt: str | None = None, bold=False) -> None:
        cell = ws[f"{col}{r}"]
        if isinstance(value, str) and not value.startswith("="):
            set_text_cell(cell, value)
        else:
            cell.value = value
        if fmt:
            cell.number_format = fmt
        cell.border = BOX_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = _BOLD

    columns = [name, weight, *levels, result, score, weighted]
    # The card starts a page of its own, as the office's card is one.
    ws.row_breaks = RowBreak()
    ws.row_breaks.append(Break(id=row - 1))
    set_text_cell(ws[f"A{row}"], "บัตรคะแนนตามแบบที่สำนักงาน ก.พ.ร. พิมพ์ / the card as printed")
    ws[f"A{row}"].font = Font(bold=True, size=12, color="1F3864")
    row += 1
    heads = {
        name: "ประเด็นการประเมิน",
        weight: "น้ำหนัก",
        levels[0]: "เป้าหมาย ขั้นต้น (50)",
        levels[1]: "เป้าหมาย มาตรฐาน (75)",
        levels[2]: "เป้าหมาย ขั้นสูง (100)",
        result: "ผลการดำเนินงาน",
        score: "คะแนน",
        weighted: "คะแนนถ่วงน้ำหนัก",
    }
    for col in columns:
        put(row, col, heads[col], bold=True)
        ws[f"{col}{row}"].fill = BOX_FILL
        ws[f"{col}{row}"].alignment = Alignment(
            horizontal="center", vertical="center", wrap_text=True
        )
    header_row = row
    row += 1

    # Components in first-seen order, each with the sum of its indicators' weights.
    groups: dict[str, list[int]] = {}
    for r in range(first, last + 1):
        if all(ws[f"{c}{r}"].value in (None, "") for c in (t["component"], name, weight)):
            continue
        comp = ws[f"{t['component']}{r}"].value
        groups.setdefault("" if comp is None else str(comp).strip(), []).append(r)
    data_rows: list[int] = []
    for i, (comp, rows) in enumerate(groups.items(), start=1):
        total = sum(_number(ws[f"{weight}{r}"].value) or 0.0 for r in rows)
        words = COMPONENT_TH.get(comp)
        label = f"องค์ประกอบที่ {i} " + (f"{words} ({comp})" if words else comp)
        label = f"{label} (ร้อยละ {total:g})"
        put(row, name, label, bold=True)
        ws.row_dimensions[row].height = _height(ws, name, label)
        for col in columns[1:]:
            put(row, col, None)
        row += 1
        for r in rows:
            number = f"{t['kpi_number']}{r}"
            unit = f"{t['count_unit']}{r}"
            put(row, name, NAME_LINE.formula(number=number, name=f"{name}{r}"))
            put(row, weight, REF.formula(cell=f"{weight}{r}"), fmt=TWO_DECIMALS)
            for col in (*levels, result):
                put(row, col, TARGET.formula(value=f"{col}{r}", unit=unit))
                ws[f"{col}{row}"].alignment = Alignment(horizontal="right", vertical="top")
            put(
                row,
                score,
                SCORE.formula(score=f"{score}{r}", engine=f"{engine}{r}"),
                fmt=TWO_DECIMALS,
            )
            put(row, weighted, REF.formula(cell=f"{weighted}{r}"), fmt=TWO_DECIMALS)
            text = f"{ws[number].value or ''} {ws[f'{name}{r}'].value or ''}"
            ws.row_dimensions[row].height = _height(ws, name, text, at_least=2)
            data_rows.append(row)
            row += 1

    # Footer: น้ำหนักรวม under the weights, คะแนนรวม under the weighted scores.

    def column_sum(col: str) -> str:
        return SUM.formula(cells=f"{col}{data_rows[0]}:{col}{data_rows[-1]}")

    for col in columns:
        put(row, col, None, bold=True)
    put(row, name, "น้ำหนักรวม", bold=True)
    put(row, score, "คะแนนรวม", bold=True)
    if data_rows:
        put(row, weight, column_sum(weight), fmt=TWO_DECIMALS, bold=True)
        put(row, weighted, column_sum(weighted), fmt=TWO_DECIMALS, bold=True)
    row += 1
    for col in columns:
        put(row, col, None, bold=True)
    put(row, name, "สรุปผลการประเมิน", bold=True)
    put(row, weighted, REF.formula(cell=level_cell), bold=True)
    row += 2

    set_text_cell(ws[f"{name}{row}"], "คำอธิบาย : เกณฑ์การประเมิน")
    ws[f"{name}{row}"].font = _BOLD
    for (level, text), colour in zip(level_ranges(), LEVEL_COLOURS, strict=True):
        row += 1
        ws[f"{t['kpi_number']}{row}"].fill = PatternFill("solid", start_color=colour)
        set_text_cell(ws[f"{name}{row}"], f"หมายถึง {level} - {text}")  # spills right
    ws.row_dimensions[header_row].height = 32
    return row
