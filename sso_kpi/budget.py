"""The budget table (งบประมาณ): แผน and ผลการเบิกจ่าย per หมวดงบ, typed by one rule.

Every reader of a budget (a unit's book, consolidation, the live rebuild) goes through
:func:`read_budget`: a cell that is not a number, or a negative amount, is an error naming
its cell, and that row is left out, like a KPI row; a row with nothing typed is dropped.

>>> raw = pd.DataFrame({"category": ["งบดำเนินงาน", "งบลงทุน", ""],
...                     "plan": ["3,834,900.00", "-5", None], "spent": [3445278.96, 0, None]})
>>> frame, issues = read_budget(raw, Source("a.xlsm", "งบประมาณ", 5, {"plan": "B"}))
>>> frame[["category", "plan"]].values.tolist()
[['งบดำเนินงาน', 3834900.0]]
>>> issues[0].row, issues[0].column, issues[0].message_en
(6, 'B plan (แผน (บาท))', 'must not be negative')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import Issue
from .importing import Source
from .values import PROBLEM_CODES, normalise_text, parse_numbers

BUDGET_COLUMNS = ("category", "plan", "spent")


def read_budget(raw: pd.DataFrame, source: Source) -> tuple[pd.DataFrame, list[Issue]]:
    """tbl_budget (category, plan, spent) typed; a cell that is not a number is an error and
    its row is left out, like a KPI row."""
    frame = raw.reindex(columns=list(BUDGET_COLUMNS)).reset_index(drop=True)
    rows = np.arange(len(frame)) + source.first_row
    issues: list[Issue] = []
    out = pd.DataFrame({"category": normalise_text(frame["category"]).astype(object)})
    bad_row = np.zeros(len(frame), bool)
    for column, th in (("plan", "แผน (บาท)"), ("spent", "ผลการเบิกจ่าย (บาท)")):
        parsed = parse_numbers(frame[column])
        out[column] = parsed.values.to_numpy()
        negative = (parsed.values < 0).to_numpy()
        problems = [
            p if p is not None or not neg else ("ค่าติดลบไม่ได้", "must not be negative")
            for p, neg in zip(parsed.problems, negative, strict=True)
        ]
        letter = source.letters.get(column, "")
        for pos in [k for k, p in enumerate(problems) if p is not None]:
            message_th, message_en = problems[pos]
            issues.append(
                Issue(
                    message_th,
                    message_en,
                    file=source.file,
                    sheet=source.sheet,
                    row=int(rows[pos]),
                    column=f"{letter} {column} ({th})" if letter else f"{column} ({th})",
                    value=str(frame[column].iloc[pos]),
                    code=PROBLEM_CODES.get(problems[pos], "negative"),
                    key=column,
                )
            )
            bad_row[pos] = True
    blank = ((out["category"] == "") & out["plan"].isna() & out["spent"].isna()).to_numpy()
    out["_row"] = np.arange(len(out))  # which input row: lets a stacked read be split
    return out[~bad_row & ~blank].reset_index(drop=True), issues
