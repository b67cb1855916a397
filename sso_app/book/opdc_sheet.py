"""The คะแนน ก.พ.ร. sheet: ``tbl_opdc`` as typed, and the card computed beside it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from sso_app.book import layout
from sso_app.book.natives import (
    SUM,
    Native,
    NotModelled,
    is_number,
    number,
    sum_if_text,
    text_criterion,
)
from sso_app.book.opdc_card import TWO_DECIMALS, write_office_card
from sso_app.book.sheets import (
    BOX_BORDER,
    BOX_FILL,
    BOX_FONT,
    ENGINE_FONT,
    fit_wrapped_rows,
    print_setup,
    sheet_title,
    write_computed_headers,
    write_frame_table,
)
from sso_app.book.summary import ScorecardFrames, card_components, scorecard_frames
from sso_app.files.textsafe import set_text_cell
from sso_kpi.importing import COLUMN_TH, Imported
from sso_kpi.opdc import QUALITY_LEVELS, Scorecard, quality_level, score_card

OPDC_COMPUTED_LABELS = {
    "score": "คะแนน (Excel: SSO_SCORE)",
    "weighted": "คะแนนถ่วงน้ำหนัก",
    "score_engine": "คะแนนจาก sso-kpi (คำนวณล่าสุด)",
}


def opdc_rows(ws: Worksheet) -> tuple[int, int]:
    """(first, last) data row of ``tbl_opdc`` on ``ws``."""
    _, header, _, last = range_boundaries(ws.tables[layout.TABLE_OPDC].ref)
    return header + 1, last


def _level_template() -> str:
    """Nested IF over the rounded total, thresholds from the engine's QUALITY_LEVELS."""
    *steps, (_, last_th, _) = QUALITY_LEVELS
    formula = f'"{last_th}"'
    for floor, th, _ in reversed(steps):
        formula = f'IF(ROUND({{total}},2)>={floor:g},"{th}",{formula})'
    return f"={formula}"


def _weighted(score: object, weight: object, engine: object) -> object:
    if is_number(score):
        return number(score) * number(weight) / 100
    return number(engine) * number(weight) / 100 if is_number(engine) else ""


# L: the weighted score from K (SSO_SCORE, live in Excel), else from M (the engine's value).
WEIGHTED = Native(
    '=IF(ISNUMBER({score}),{score}*{weight}/100,IF(ISNUMBER({engine}),{engine}*{weight}/100,""))',
    _weighted,
)
# The box: each component's weighted sum, and the level of the total (the engine's rule,
# which the nested IF spells out).
COMPONENT_SUM = Native(
    "=SUMIF({components},{criterion},{weighted})",
    lambda components, criterion, weighted: sum_if_text(components, criterion, weighted),
    ranges=("components", "weighted"),
    texts=("criterion",),
)
LEVEL = Native(_level_template(), lambda total: _level(number(total)))


def _quality(total: object) -> str:
    if not is_number(total):  # SSO_QUALITY of text or a blank: not checked
        raise NotModelled(f"SSO_QUALITY of {total!r}")
    return _level(number(total))


def _level(total: float) -> str:
    return str(quality_level([total])[0][0])


# The check beside the box: SSO_QUALITY (the Python function, live in Excel) of the total;
# its value is the UDF's own rule over the total's value.
QUALITY = Native("=SSO_QUALITY({total})", _quality)
NATIVES = (WEIGHTED, COMPONENT_SUM, LEVEL, QUALITY)


def write_card(
    ws: Worksheet,
    card: ScorecardFrames,
    engine_scores: pd.Series,
    components: Sequence[str],
) -> None:
    """Write the card's computed parts: header box, quality check and columns K:M.

    ``engine_scores`` maps a sheet row to the engine's score (rows not scored are absent).
    Score (K) is one ``SSO_SCORE`` array formula over the table's rows, live in Excel; M holds
    the engine's score as a value, and the weighted column (L) uses K when Excel computed it,
    else M -- so LibreOffice, a PDF and a book whose UDFs are not imported yet still show the
    engine's numbers, while Excel stays live. Subtotals, total and level are native formulas.
    """
    first, last = opdc_rows(ws)
    col = layout.OPDC_COMPUTED_FIRST_COL
    k, lw, m = (get_column_letter(col + i) for i in range(3))
    letter = {c: get_column_letter(i + 1) for i, c in enumerate(layout.OPDC_TABLE_COLUMNS)}

    # Clear what an earlier card wrote: the box rows (left of the computed columns) and the
    # computed columns; nothing else on the sheet is ours.
    for row in ws.iter_rows(
        min_row=layout.OPDC_BOX_ROW, max_row=layout.OPDC_BOX_ROW + 3, max_col=col - 1
    ):
        for cell in row:
            cell.value = None
            cell.style = "Normal"
    for row in ws.iter_rows(
        min_row=layout.OPDC_LABEL_ROW, max_row=max(ws.max_row, last), min_col=col, max_col=col + 2
    ):
        for cell in row:
            cell.value = None
            cell.style = "Normal"

    write_computed_headers(
        ws,
        label_row=layout.OPDC_LABEL_ROW,
        header_row=layout.OPDC_HEADER_ROW,
        first_col=col,
        labels_th={n: OPDC_COMPUTED_LABELS[n] for n in layout.OPDC_COMPUTED_COLUMNS},
    )

    def rng(c: str) -> str:
        return f"${c}${first}:${c}${last}"

    ws[f"{k}{first}"] = ArrayFormula(
        f"{k}{first}:{k}{last}",
        f"=SSO_SCORE({rng(letter['result'])},{rng(letter['level_50'])},"
        f"{rng(letter['level_75'])},{rng(letter['level_100'])})",
    )
    weight = letter["weight"]
    for r in range(first, last + 1):
        ws[f"{lw}{r}"] = WEIGHTED.formula(score=f"{k}{r}", weight=f"{weight}{r}", engine=f"{m}{r}")
        score = engine_scores.get(r, np.nan)
        ws[f"{m}{r}"] = None if pd.isna(score) else float(score)
        for c in (k, lw, m):
            ws[f"{c}{r}"].number_format = "0.00"
        ws[f"{m}{r}"].font = ENGINE_FONT

    # The header box, as the seed card: one column per component, total, level.
    box = layout.OPDC_BOX_ROW
    comp_range, weighted_range = rng(letter["component"]), rng(lw)
    heads = [*components, "คะแนนรวม", "สรุปผลการประเมิน"]
    total_cell = f"{get_column_letter(len(components) + 1)}{box + 1}"
    for j, head in enumerate(heads, start=1):
        top = ws.cell(row=box, column=j)
        set_text_cell(top, head)
        value = ws.cell(row=box + 1, column=j)
        unit = ws.cell(row=box + 2, column=j)
        if j <= len(components):
            value.value = COMPONENT_SUM.formula(
                components=comp_range, criterion=text_criterion(head), weighted=weighted_range
            )
        elif j == len(components) + 1:
            value.value = SUM.formula(cells=weighted_range)
        else:
            value.value = LEVEL.formula(total=total_cell)
        if j <= len(components) + 1:
            value.number_format = "0.00"
            set_text_cell(unit, "คะแนน")
        for cell in (top, value, unit):
            cell.border = BOX_BORDER
            cell.fill = BOX_FILL
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        top.font = Font(bold=True)
        value.font = BOX_FONT

    # Room for the wrapped component names and the 14 pt figures in the narrow columns.
    ws.row_dimensions[box].height = 32
    ws.row_dimensions[box + 1].height = 36
    check = box + 3
    set_text_cell(ws.cell(row=check, column=1), "ตรวจทาน / check:")
    ws.cell(row=check, column=2).value = QUALITY.formula(total=total_cell)
    set_text_cell(ws.cell(row=check, column=3), "sso-kpi:")
    set_text_cell(
        ws.cell(row=check, column=4), f"{card.total:.2f} {card.level} ({card.level_en})".strip()
    )
    for j in range(1, 5):
        ws.cell(row=check, column=j).font = ENGINE_FONT

    level_cell = f"{get_column_letter(len(components) + 2)}{box + 1}"
    end = write_office_card(ws, first, last, level_cell)
    # The English keys (the table's header row) stay for formulas and readers, unprinted.
    ws.row_dimensions[layout.OPDC_HEADER_ROW].hidden = True
    ws.print_area = f"A1:{m}{end}"
    ws.print_title_rows = f"{layout.OPDC_LABEL_ROW}:{layout.OPDC_HEADER_ROW}"


def engine_score_by_row(card: Scorecard, rows: Sequence[int]) -> pd.Series:
    """The engine's unrounded scores keyed by the sheet row each indicator is on.

    Unrounded, so the native subtotals over them equal the engine's (29.45625, shown 29.46).
    ``rows`` is the sheet row of each scored row, in order: ``source_row`` when read from the
    book (empty rows were dropped on import), consecutive rows when the builder wrote them.
    """
    index = np.asarray(rows, dtype="int64").reshape(-1)
    return pd.Series(card.kpis["score"].to_numpy("float64"), index=index)


OPDC_LABELS_TH = {c: COLUMN_TH.get(c, c) for c in layout.OPDC_TABLE_COLUMNS} | {
    "kpi_name": "ประเด็นการประเมิน",
    "component": "องค์ประกอบ",
}


OPDC_WIDTHS = {"A": 13, "B": 9, "C": 27, "D": 8, "E": 8, "F": 9, "G": 9, "H": 9, "I": 9, "J": 2}
OPDC_WIDTHS |= {"K": 10, "L": 10, "M": 10}


def opdc_table_frame(imported: Imported) -> pd.DataFrame:
    frame = imported.frame.reindex(columns=list(layout.OPDC_TABLE_COLUMNS))
    for column in ("component", "kpi_number", "kpi_name", "count_unit"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.reset_index(drop=True)


def write_opdc_sheet(ws: Worksheet, imported: Imported, year_be: int | None, unit: str) -> None:
    """The OPDC card as the seed prints it: header box on top, tbl_opdc, computed columns."""
    sheet_title(ws, "รายงานการประเมินส่วนราชการตามมาตรการปรับปรุงประสิทธิภาพในการปฏิบัติราชการ")
    year = f"ประจำปีงบประมาณ พ.ศ. {year_be}" if year_be else "ประจำปีงบประมาณ พ.ศ. ...."
    set_text_cell(ws["A2"], f"{year} {unit}".strip())
    ws["A2"].font = Font(bold=True, size=12)
    frame = opdc_table_frame(imported)
    write_frame_table(
        ws,
        frame,
        name=layout.TABLE_OPDC,
        top=layout.OPDC_LABEL_ROW,
        labels_th=OPDC_LABELS_TH,
        number_formats=dict.fromkeys(
            ("weight", "level_50", "level_75", "level_100", "result"), TWO_DECIMALS
        ),
    )
    # Narrow enough for the card to print one A4 page wide at a readable size (the card's
    # targets wrap their unit onto a second line); set first, the card's rows fit to them.
    for letter, width in OPDC_WIDTHS.items():
        ws.column_dimensions[letter].width = width
    engine_card = score_card(imported.frame)
    card = scorecard_frames(engine_card)
    first = layout.OPDC_HEADER_ROW + 1
    write_card(
        ws,
        card,
        engine_score_by_row(engine_card, range(first, first + len(card.kpis))),
        card_components(imported.frame.get("component", pd.Series(dtype=object))),
    )
    for r in range(layout.OPDC_HEADER_ROW + 1, opdc_rows(ws)[1] + 1):
        ws[f"C{r}"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[layout.OPDC_LABEL_ROW].height = 30
    fit_wrapped_rows(ws, min_row=layout.OPDC_LABEL_ROW, max_row=opdc_rows(ws)[1])
    last = layout.OPDC_COMPUTED_FIRST_COL + len(layout.OPDC_COMPUTED_COLUMNS) - 1
    print_setup(ws, landscape=True, last_col=last)
