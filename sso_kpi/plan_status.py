"""Plan changes as data: an indicator cancelled from a quarter, a whole project cancelled.

The office's reports mark both on the detail pages: "ยกเลิกในไตรมาส 3" beside an indicator
that stopped in the third quarter and "ยกเลิกแผนงาน" on a project dropped from the plan (the
FY2564 report's opening page: "ปรับแผนและยกเลิกโครงการ จำนวน 15,915,400 บาท"). The rules:

- an indicator **ยกเลิกในไตรมาส N** is scored as before up to quarter N-1; from quarter N on
  it leaves its project's average (its weight too: the others are averaged among themselves)
  and is listed with its mark, never as "not reported";
- a project **ยกเลิกแผนงาน** (the mark on any of its rows) leaves the counts of page 2
  (evaluated, green, yellow, red, not evaluated) at every quarter and is listed with its mark;
- blank, ``ดำเนินการ`` or ``active``: the indicator runs as planned.

>>> kinds, quarters, bad = parse_status(["", "ยกเลิกในไตรมาส ๓", "ยกเลิกแผนงาน", "cancel?"])
>>> kinds.tolist(), quarters.tolist()[:2], bad.tolist()
(['active', 'cancelled_from', 'project_cancelled', 'active'], [0, 3], [False, False, False, True])
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .schema import STATUS_COLUMNS

__all__ = ["STATUS_CHOICES", "STATUS_COLUMNS", "cancelled_at", "marks", "parse_status"]

ACTIVE, CANCELLED_FROM, PROJECT_CANCELLED = "active", "cancelled_from", "project_cancelled"
CANCELLED = "cancelled"  # an indicator's status in an evaluation once it is cancelled

ACTIVE_TH = "ดำเนินการ"
PROJECT_MARK = "ยกเลิกแผนงาน"


def quarter_mark(quarter: int) -> str:
    """The office's mark for an indicator cancelled in ``quarter``: ``ยกเลิกในไตรมาส 3``."""
    return f"ยกเลิกในไตรมาส {int(quarter)}"


# The dropdown a planner picks from (tbl_kpi's plan_status column).
STATUS_CHOICES = (ACTIVE_TH, *(quarter_mark(q) for q in (1, 2, 3, 4)), PROJECT_MARK)

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_QUARTER = re.compile(r"^(?:ยกเลิก(?:ใน)?ไตรมาส(?:ที่)?|cancelled?(?:in)?q(?:uarter)?)([1-4])$")
_ACTIVE_WORDS = {"", "ดำเนินการ", "ปกติ", "active", "-"}
_PROJECT_WORDS = {"ยกเลิกแผนงาน", "ยกเลิกโครงการ", "ยกเลิกงาน/โครงการ", "projectcancelled",
                  "cancelledproject", "cancelproject"}  # fmt: skip


def _word(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return "".join(str(value).translate(_THAI_DIGITS).lower().split())


def parse_status(values: Iterable[object]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kind, quarter, unreadable) per value; an unreadable word reads as active (and is an
    error of the import, naming the cell). Each distinct value is read once: a column holds
    a few words (most cells blank) however many rows it has."""
    if isinstance(values, pd.Series | pd.Index):
        cells = values.to_numpy(dtype=object)
    else:
        cells = np.array(list(values), dtype=object).reshape(-1)
    codes, uniques = pd.factorize(cells)  # a missing cell (-1) is a blank one: active
    words = [_word(v) for v in uniques]
    kinds = np.full(len(words) + 1, ACTIVE, dtype=object)  # the last: missing cells
    quarters = np.zeros(len(words) + 1, dtype="int64")
    bad = np.zeros(len(words) + 1, dtype=bool)
    for i, w in enumerate(words):
        if w in _ACTIVE_WORDS:
            continue
        if w in _PROJECT_WORDS:
            kinds[i] = PROJECT_CANCELLED
        elif m := _QUARTER.match(w):
            kinds[i], quarters[i] = CANCELLED_FROM, int(m.group(1))
        else:
            bad[i] = True
    return kinds[codes], quarters[codes], bad[codes]


def status_column(frame: pd.DataFrame) -> pd.Series:
    """The frame's ``plan_status`` (all blank when the book or file has none)."""
    if "plan_status" in frame:
        return frame["plan_status"]
    return pd.Series("", index=frame.index, dtype=object)


def cancelled_projects(frame: pd.DataFrame) -> set[str]:
    """Projects marked ยกเลิกแผนงาน on any of their rows."""
    kinds, _, _ = parse_status(status_column(frame))
    return set(frame["project_id"].to_numpy(object)[kinds == PROJECT_CANCELLED].tolist())


def cancelled_at(frame: pd.DataFrame, quarter: int) -> np.ndarray:
    """Rows out of every average at ``quarter``: an indicator cancelled in that quarter or
    before, and every indicator of a cancelled project.

    >>> f = pd.DataFrame({"project_id": ["P", "P", "Q"], "kpi_number": ["1", "2", "1"],
    ...     "plan_status": ["ยกเลิกในไตรมาส 3", "", "ยกเลิกแผนงาน"]})
    >>> cancelled_at(f, 2).tolist(), cancelled_at(f, 3).tolist()
    ([False, False, True], [True, False, True])
    """
    kinds, quarters, _ = parse_status(status_column(frame))
    gone = (kinds == CANCELLED_FROM) & (quarters <= quarter)
    dropped = cancelled_projects(frame)
    if dropped:
        gone |= frame["project_id"].isin(dropped).to_numpy()
    return gone


def marks(frame: pd.DataFrame) -> np.ndarray:
    """The mark each row prints (``ยกเลิกในไตรมาส 3``, ``ยกเลิกแผนงาน``), "" for the rest."""
    kinds, quarters, _ = parse_status(status_column(frame))
    out = np.full(len(kinds), "", dtype=object)
    out[kinds == PROJECT_CANCELLED] = PROJECT_MARK
    cancelled = kinds == CANCELLED_FROM
    out[cancelled] = [quarter_mark(q) for q in quarters[cancelled]]
    return out


def withdraw_from(frame: pd.DataFrame, plan_q: list[str], result_q: list[str]) -> pd.DataFrame:
    """Cumulative quarters of cancelled rows blanked from their cancelling quarter on (a
    cancelled project's at every quarter): what a national combination may add up."""
    out = frame.copy()
    kinds, quarters, _ = parse_status(status_column(frame))
    if (kinds == ACTIVE).all():  # nothing cancelled (most plans): nothing to blank
        return out
    ids = frame["project_id"].to_numpy(object)
    dropped = frame["project_id"].isin(set(ids[kinds == PROJECT_CANCELLED].tolist())).to_numpy()
    for q, (p, r) in enumerate(zip(plan_q, result_q, strict=True), start=1):
        gone = ((kinds == CANCELLED_FROM) & (quarters <= q)) | dropped
        out.loc[gone, [p, r]] = np.nan
    return out
