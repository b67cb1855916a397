"""`sso-kpi score`: score a KPI file (action plan or OPDC form) and print tables or JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sso_app.book.readers import read_raw
from sso_kpi.errors import Issue
from sso_kpi.evaluation import Evaluation, evaluate
from sso_kpi.importing import Imported, read_table
from sso_kpi.opdc import Scorecard, score_card
from sso_kpi.rollup import quarter_to_report, with_total
from sso_kpi.schema import LEVEL3, LEVEL5, RESULT_M, RESULT_Q
from sso_kpi.values import round_half_up


def load(path: Path) -> Imported:
    raw, source = read_raw(path)
    return read_table(raw, source)


def _clean(value: object) -> object:
    """JSON-safe scalars: NaN becomes null, numpy types become Python ones."""
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, object]]:
    return [
        {c: _clean(v) for c, v in zip(columns, row, strict=True)}
        for row in frame[columns].itertuples(index=False)
    ]


def evaluation_json(ev: Evaluation) -> dict[str, object]:
    counts = ["evaluated", "green", "yellow", "red", "not_evaluated"]
    pcts = ["green_pct", "yellow_pct", "red_pct"]
    return {
        "quarter": ev.quarter,
        "kpis": _records(
            ev.kpis, ["project_id", "kpi_number", "achievement_pct", "status", "band"]
        ),
        "projects": _records(
            ev.projects,
            [
                "project_id",
                "fund",
                "strategy",
                "project_number",
                "average_pct",
                "band",
                "evaluated",
            ],
        ),
        "summary": _records(ev.summary, ["strategy", *counts, *pcts]),
        "summary_by_fund": _records(ev.summary_by_fund, ["fund", *counts, *pcts]),
    }


def scorecard_json(card: Scorecard) -> dict[str, object]:
    kpis = card.kpis.assign(
        score=round_half_up(card.kpis["score"], 2), weighted=round_half_up(card.kpis["weighted"], 2)
    )
    components = card.components.assign(weighted=round_half_up(card.components["weighted"], 2))
    return {
        "kpis": _records(
            kpis, ["component", "kpi_number", "weight", "status", "score", "weighted"]
        ),
        "components": _records(components, ["component", "weight", "weighted"]),
        "total": _clean(float(round_half_up(card.total, 2))),
        "level": card.level,
        "level_en": card.level_en,
    }


def _pct(x: object) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.0f}%"


def evaluation_text(ev: Evaluation) -> str:
    projects = ev.projects.assign(average=ev.projects["average_pct"].map(_pct))
    summary = with_total(ev.summary)
    for band in ("green", "yellow", "red"):
        summary[f"{band}_pct"] = summary[f"{band}_pct"].map(
            lambda x: "" if pd.isna(x) else f"{x:.2f}"
        )
    return "\n\n".join(
        [
            f"ผลการประเมิน ไตรมาส {ev.quarter} (สะสม) / evaluation at quarter {ev.quarter}",
            "สรุปตามยุทธศาสตร์ / summary per strategy\n" + summary.to_string(index=False),
            "งาน/โครงการ / projects\n"
            + projects[
                ["project_id", "strategy", "average", "band", "n_due", "n_not_reported"]
            ].to_string(index=False),
        ]
    )


def scorecard_text(card: Scorecard) -> str:
    kpis = card.kpis.assign(
        score=[
            f"{v:.2f}" if not math.isnan(v) else "" for v in round_half_up(card.kpis["score"], 2)
        ],
        weighted=[
            f"{v:.2f}" if not math.isnan(v) else "" for v in round_half_up(card.kpis["weighted"], 2)
        ],
    )
    lines = [
        kpis[
            ["component", "kpi_number", "weight", "result", "score", "weighted", "status"]
        ].to_string(index=False)
    ]
    for row in card.components.itertuples():
        lines.append(f"{row.component}: {float(round_half_up(row.weighted, 2)):.2f}")
    lines.append(f"คะแนนรวม / total: {float(round_half_up(card.total, 2)):.2f}  {card.level}")
    return "\n".join(lines)


def _refusal(imported: Imported, file: str) -> list[Issue]:
    """Why nothing can be scored: a required column missing, or nothing to score from.

    A plan with no result column, or a card whose rows carry no levels, would score red or
    0.00 from nothing read: refused instead, naming what is expected.
    """
    if imported.refused:
        return imported.refused
    frame = imported.frame
    results = any(c in imported.columns for c in (*RESULT_Q, *RESULT_M))
    if imported.form == "kpi" and len(frame) and not results:
        return [_whole_file("no_result_column",
            "ไม่พบคอลัมน์ผล (เช่น ผล ไตรมาส 1, result_q1, result_m1) จึงคำนวณไม่ได้",
            "no result column was recognised (e.g. ผล ไตรมาส 1, result_q1, result_m1): "
            "nothing to score", file)]  # fmt: skip
    if imported.form == "opdc" and len(frame):
        levels = frame.reindex(columns=[*LEVEL3, *LEVEL5]).to_numpy("float64", na_value=np.nan)
        if np.isnan(levels).all():
            return [_whole_file("no_level_column",
                "ไม่มีตัวชี้วัดใดมีค่าเป้าหมายขั้นต้น/มาตรฐาน/ขั้นสูง จึงคำนวณคะแนนไม่ได้",
                "no indicator has its levels (ขั้นต้น, มาตรฐาน, ขั้นสูง): nothing to score",
                file)]  # fmt: skip
    return []


def _whole_file(code: str, th: str, en: str, file: str) -> Issue:
    return Issue(th, en, file=file, code=code)


def run(
    path: Path, quarter: int | None, as_json: bool, cap: float | None = None
) -> tuple[str, int]:
    """The text to print and the exit code: 0 scored, 1 scored with rows left out (listed),
    2 refused (nothing scored)."""
    imported = load(path)
    out: dict[str, object] = {}
    text: list[str] = []
    refused = _refusal(imported, Path(path).name)
    if refused:
        problems = [*refused, *(i for i in imported.issues if i not in refused)]
        out = {
            "refused": True,
            "errors": [i.to_dict() for i in problems if i.severity == "error"],
            "warnings": [i.to_dict() for i in problems if i.severity == "warning"],
        }
        if as_json:
            return json.dumps(out, ensure_ascii=False, indent=1), 2
        return (
            "ไม่ได้คำนวณ / not scored: " + str(path) + "\n" + "\n".join(i.text() for i in problems),
            2,
        )
    if imported.form == "opdc":
        card = score_card(imported.frame[~imported.frame["duplicate"]])
        out["scorecard"] = scorecard_json(card)
        text.append(scorecard_text(card))
    else:
        q = quarter_to_report(imported.frame, quarter)
        ev = evaluate(imported, q, cap=cap)
        out.update(evaluation_json(ev))
        text.append(evaluation_text(ev))
    out["errors"] = [i.to_dict() for i in imported.errors]
    out["warnings"] = [i.to_dict() for i in imported.warnings]
    # Each under its own heading: a warning (every row used) is never shown as an error.
    if imported.errors:
        head = "ข้อผิดพลาด / errors"
        if imported.rows_left_out:
            head += f" (แถวที่ไม่นำมาคำนวณ / rows left out: {imported.rows_left_out})"
        text.append(head + "\n" + "\n".join(i.text() for i in imported.errors))
    if imported.warnings:
        text.append("ข้อสังเกต / warnings\n" + "\n".join(i.text() for i in imported.warnings))
    code = 1 if imported.errors else 0
    if as_json:
        return json.dumps(out, ensure_ascii=False, indent=1), code
    return "\n\n".join(text), code
