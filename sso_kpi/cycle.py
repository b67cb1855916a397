"""The yearly cycle as data: what a submission covers, when it is due, what changed since.

Units report "ภายในวันที่ 5 ของทุกเดือน" (the FY2564 report's opening page): month M's
results are due by the deadline day of the month after it. A submission records a snapshot of
the book (the plan, and the results to date); the planning division later compares the book
with that snapshot (แก้ไขหลังส่ง) and its plan with the plan it approved (แผนไม่ตรงกับที่อนุมัติ).
Pure: frames and dates in, frames and lists out; the book layer reads and writes the tables.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .errors import Issue
from .importing import Imported
from .periods import calendar_month, to_common_era
from .plan_status import cancelled_at
from .schema import PLAN_M, PLAN_Q, RESULT_M, RESULT_Q

KEY = ("project_id", "kpi_number")
PLAN_COLUMNS = ("target", "weight", *PLAN_Q, *PLAN_M, "plan_status")
"""What the approved plan fixes per indicator (the planning division's part of a row)."""

# Submission states, as the national workbook prints them.
SUBMITTED, LATE, NOT_SUBMITTED = "submitted", "late", "not_submitted"
STATE_TH = {SUBMITTED: "ส่งแล้ว", LATE: "ส่งช้า", NOT_SUBMITTED: "ยังไม่ส่ง"}
CHANGED_AFTER_TH = "แก้ไขหลังส่ง"
PLAN_CHANGED_TH = "แผนไม่ตรงกับที่อนุมัติ"

# Events in a book's record (tbl_submissions).
DISTRIBUTE, SUBMIT, REOPEN = "distribute", "submit", "reopen"
EVENT_TH = {DISTRIBUTE: "รับแผนที่อนุมัติ", SUBMIT: "ส่งผล", REOPEN: "เปิดแก้ไข"}
RECORD_COLUMNS = ("event", "event_th", "month", "period", "at", "who", "tool_version", "hash",
                  "reason")  # fmt: skip


def result_columns_through(month: int) -> tuple[str, ...]:
    """The result cells a submission of month ``month`` vouches for: the months to date and
    the quarters already complete (a quarter typed as a whole is final at its third month).

    >>> result_columns_through(4)
    ('result_m1', 'result_m2', 'result_m3', 'result_m4', 'result_q1')
    """
    check_month(month)
    return (*RESULT_M[:month], *RESULT_Q[: month // 3])


def snapshot_columns(month: int) -> tuple[str, ...]:
    """Everything a submission of ``month`` records: the plan and the results to date."""
    return (*PLAN_COLUMNS, *result_columns_through(month))


def guarded_columns(month: int) -> tuple[str, ...]:
    """The cells of submitted months guarded against typing (plan and result alike)."""
    return (*PLAN_M[:month], *PLAN_Q[: month // 3], *result_columns_through(month))


def check_month(month: int) -> int:
    if not 1 <= int(month) <= 12:
        raise ValueError(f"month {month} is not 1-12 (the year's months, 1 = its first)")
    return int(month)


def due_date(month: int, year_be: int, year_kind: str, deadline_day: int = 5) -> dt.date:
    """The last day to send month ``month`` (the year's ``month``-th): the deadline day of the
    next calendar month.

    >>> due_date(1, 2564, "calendar"), due_date(3, 2565, "fiscal"), due_date(12, 2564, "calendar")
    (datetime.date(2021, 2, 5), datetime.date(2022, 1, 5), datetime.date(2022, 1, 5))
    """
    month = check_month(month)
    year = to_common_era(year_be)
    if year_kind == "fiscal" and month <= 3:  # FY2565's ต.ค.–ธ.ค. fall in 2564 (2021)
        year -= 1
    cal = calendar_month(month, year_kind)  # type: ignore[arg-type]
    nxt_year, nxt = (year + 1, 1) if cal == 12 else (year, cal + 1)
    last = calendar.monthrange(nxt_year, nxt)[1]
    return dt.date(nxt_year, nxt, min(max(1, int(deadline_day)), last))


# ---------------------------------------------------------------------------------------------
# Cell values and changes
# ---------------------------------------------------------------------------------------------


def _plain(value: object) -> object:
    """A cell's value as compared and hashed: numbers as floats (rounded to 9 places), text
    stripped, blanks as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if math.isnan(value) else round(float(value), 9)
    text = str(value).strip()
    return text or None


def keyed(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[tuple[str, str], dict]:
    """``{(project_id, kpi_number): {column: value}}`` of ``frame`` (columns it lacks: None)."""
    out: dict[tuple[str, str], dict] = {}
    present = [c for c in columns if c in frame]
    for row in frame.to_dict("records"):
        key = (str(_plain(row.get(KEY[0])) or ""), str(_plain(row.get(KEY[1])) or ""))
        if key == ("", ""):
            continue
        values = dict.fromkeys(columns)
        values |= {c: _plain(row[c]) for c in present}
        out.setdefault(key, values)
    return out


def frame_hash(frame: pd.DataFrame, columns: tuple[str, ...]) -> str:
    """A short fingerprint of ``columns`` of every indicator, independent of row order."""
    data = sorted(([*k, *v.values()] for k, v in keyed(frame, columns).items()), key=str)
    text = json.dumps([list(columns), data], ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Change:
    """One cell that differs: indicator, column, the value before and after."""

    project_id: str
    kpi_number: str
    column: str
    before: object
    after: object

    def as_dict(self) -> dict:
        return asdict(self)


ADDED, REMOVED = "(เพิ่มตัวชี้วัด / indicator added)", "(ตัดตัวชี้วัด / indicator removed)"


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def changes(before: pd.DataFrame, after: pd.DataFrame, columns: tuple[str, ...]) -> list[Change]:
    """Every cell of ``columns`` that differs between two tables of indicators, in the order
    of ``before``; an indicator only in one of them is one change (added or removed).

    >>> a = pd.DataFrame({"project_id": ["P"], "kpi_number": ["1"], "target": [10.0]})
    >>> b = pd.DataFrame({"project_id": ["P"], "kpi_number": ["1"], "target": [8.0]})
    >>> [(c.column, c.before, c.after) for c in changes(a, b, ("target",))]
    [('target', 10.0, 8.0)]
    """
    old, new = keyed(before, columns), keyed(after, columns)
    out: list[Change] = []
    for key, values in old.items():
        if key not in new:
            out.append(Change(*key, REMOVED, None, None))
            continue
        out += [
            Change(*key, c, values[c], new[key][c])
            for c in columns
            if not _same(values[c], new[key][c])
        ]
    out += [Change(*key, ADDED, None, None) for key in new if key not in old]
    return out


# ---------------------------------------------------------------------------------------------
# A book's record of events
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthState:
    """Where one month stands in one book."""

    month: int
    state: str  # SUBMITTED, LATE, NOT_SUBMITTED
    due: dt.date
    at: str = ""  # when it was sent (ISO date and time)
    who: str = ""
    tool_version: str = ""
    reopened: str = ""  # the reason, when the month was reopened and not sent again

    @property
    def state_th(self) -> str:
        return STATE_TH[self.state]


def read_records(records: pd.DataFrame) -> pd.DataFrame:
    """The record table typed: ``month`` as an int (0 when unreadable), text stripped; rows
    with an unknown event dropped. A record typed by hand is read, never refused."""
    out = records.reindex(columns=list(RECORD_COLUMNS)).copy()
    out["event"] = out["event"].map(lambda v: str(v or "").strip().lower())
    out = out[out["event"].isin((DISTRIBUTE, SUBMIT, REOPEN))].copy()
    out["month"] = pd.to_numeric(out["month"], errors="coerce").fillna(0).astype(int)
    for c in ("at", "who", "tool_version", "hash", "reason", "period"):
        out[c] = out[c].map(lambda v: "" if _plain(v) is None else str(_plain(v)))
    return out.reset_index(drop=True)


def _when(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def month_state(records: pd.DataFrame, month: int, due: dt.date) -> MonthState:
    """Month ``month`` in a book's records: its last submit or reopen decides. A submission
    dated after ``due`` is late; one without a readable date counts as not submitted."""
    rows = read_records(records)
    rows = rows[(rows["month"] == month) & rows["event"].isin((SUBMIT, REOPEN))]
    if not len(rows):
        return MonthState(month, NOT_SUBMITTED, due)
    last = rows.iloc[-1]
    if last["event"] == REOPEN:
        return MonthState(month, NOT_SUBMITTED, due, reopened=last["reason"] or "-")
    when = _when(last["at"])
    if when is None:
        return MonthState(month, NOT_SUBMITTED, due)
    state = LATE if when.date() > due else SUBMITTED
    return MonthState(month, state, due, last["at"], last["who"], last["tool_version"])


def submitted_months(records: pd.DataFrame) -> list[int]:
    """Months whose last event is a submission (the months guarded in the book)."""
    rows = read_records(records)
    rows = rows[rows["event"].isin((SUBMIT, REOPEN)) & rows["month"].between(1, 12)]
    last = rows.groupby("month", sort=True)["event"].last()
    return [int(m) for m, e in last.items() if e == SUBMIT]


def last_submission(records: pd.DataFrame) -> pd.Series | None:
    """The latest submit event, if it is the latest submit-or-reopen (the snapshot in the book
    is of that submission; after a reopen, changes are expected and not flagged)."""
    rows = read_records(records)
    rows = rows[rows["event"].isin((SUBMIT, REOPEN))]
    if not len(rows) or rows.iloc[-1]["event"] != SUBMIT:
        return None
    return rows.iloc[-1]


# ---------------------------------------------------------------------------------------------
# One unit, as the planning division sees it
# ---------------------------------------------------------------------------------------------


@dataclass
class UnitCycle:
    """A unit's standing for one month: sent or not (and when), what changed after it was
    sent, where its plan differs from the approved one, and notes on how that was read."""

    unit: str
    state: MonthState
    changed_after_submission: list[Change]
    plan_changed: list[Change]
    notes: list[str]
    file: str = ""

    @property
    def labels_th(self) -> list[str]:
        """The statuses printed for the unit: ส่งแล้ว / ส่งช้า / ยังไม่ส่ง, then แก้ไขหลังส่ง and
        แผนไม่ตรงกับที่อนุมัติ when they apply."""
        out = [self.state.state_th]
        if self.changed_after_submission:
            out.append(CHANGED_AFTER_TH)
        if self.plan_changed:
            out.append(PLAN_CHANGED_TH)
        return out

    def as_json(self) -> dict:
        s = self.state
        return {
            "unit": self.unit,
            "file": self.file,
            "statuses": self.labels_th,
            "submission": {
                "month": s.month,
                "state": s.state,
                "state_th": s.state_th,
                "submitted_at": s.at or None,
                "due": s.due.isoformat(),
                "who": s.who or None,
                "tool_version": s.tool_version or None,
                "reopened_reason": s.reopened or None,
            },
            "changed_after_submission": [c.as_dict() for c in self.changed_after_submission],
            "plan_changed": [c.as_dict() for c in self.plan_changed],
            "notes": self.notes,
        }


def unit_cycle(
    unit: str,
    *,
    month: int,
    due: dt.date,
    current: pd.DataFrame | None,
    records: pd.DataFrame | None,
    snapshot: pd.DataFrame | None,
    approved: pd.DataFrame | None,
    approved_hash: str = "",
    book_approved: pd.DataFrame | None = None,
) -> UnitCycle:
    """Where ``unit`` stands at ``month``.

    ``current``: the book's typed indicators (None: no book came in); ``records`` and
    ``snapshot``: its cycle tables (None: a book without them, made by hand or by an older
    version: read as not submitted, never refused); ``approved``: the approved plan (the
    manifest's, else the book's own); ``approved_hash``: the manifest's fingerprint of it,
    checked against ``book_approved``, the copy in the book.
    A snapshot whose fingerprint is not the one recorded at submission was edited by hand:
    the month reads as not submitted.
    """
    notes: list[str] = []
    if current is None:
        return UnitCycle(unit, MonthState(month, NOT_SUBMITTED, due), [], [],
                         ["ไม่ได้รับไฟล์ / no book received"])  # fmt: skip
    if records is None:
        notes.append(
            "ไม่มีบันทึกการส่งในไฟล์ (สร้างเองหรือจากรุ่นเก่า) ถือว่ายังไม่ส่ง / "
            "no submission record in the book (made by hand or by an older version): "
            "read as not submitted"
        )
        state = MonthState(month, NOT_SUBMITTED, due)
    else:
        state = month_state(records, month, due)
    changed: list[Change] = []
    last = last_submission(records) if records is not None else None
    if last is not None and snapshot is not None:
        columns = snapshot_columns(int(last["month"]))
        if frame_hash(snapshot, columns) != last["hash"]:
            notes.append(
                "ภาพถ่ายข้อมูลที่ส่งถูกแก้ไขด้วยมือ ถือว่ายังไม่ส่ง / the submitted snapshot was "
                "edited by hand: read as not submitted"
            )
            state = MonthState(month, NOT_SUBMITTED, due)
        else:
            changed = changes(snapshot, current, columns)
    if state.reopened:
        notes.append(f"เปิดแก้ไขแล้ว เหตุผล / reopened, reason: {state.reopened}")
    plan: list[Change] = []
    if approved is None or not len(approved):
        notes.append("ไม่มีแผนที่อนุมัติให้เทียบ / no approved plan to compare with")
    else:
        copy = book_approved if book_approved is not None and len(book_approved) else None
        if approved_hash and copy is not None and frame_hash(copy, PLAN_COLUMNS) != approved_hash:
            notes.append(
                "แผนที่อนุมัติในไฟล์ไม่ตรงกับบัญชีการแจกแผน (ใช้ของบัญชี) / the approved plan "
                "in the book differs from the manifest's (the manifest's is used)"
            )
        plan = changes(approved, current, PLAN_COLUMNS)
    return UnitCycle(unit, state, changed, plan, notes)


def blocking_errors(imported: Imported, month: int) -> list[Issue]:
    """The errors that stop a submission of ``month``: those on an indicator due by then (a
    plan through that month or its quarter), or in a plan or result cell of the period, or
    not on any indicator (a missing column). Errors on a cancelled indicator, or one not due
    yet, wait for their month."""
    frame = imported.frame
    quarter = (check_month(month) + 2) // 3
    period = [*PLAN_M[:month], *PLAN_Q[:quarter]]
    present = [c for c in period if c in frame]
    gone = cancelled_at(frame, quarter) if len(frame) else np.zeros(0, bool)
    due = frame[present].notna().any(axis=1).to_numpy() if present else np.zeros(len(frame), bool)
    rows = frame["source_row"].to_numpy()
    due_rows, gone_rows = set(rows[due & ~gone].tolist()), set(rows[gone].tolist())
    cells = {*period, *RESULT_M[:month], *RESULT_Q[:quarter]}
    out = []
    for issue in imported.errors:
        if issue.row in gone_rows:
            continue
        words = set(str(issue.column or "").replace("(", " ").replace(")", " ").split())
        if issue.row in due_rows or words & cells or issue.row not in set(rows.tolist()):
            out.append(issue)
    return out
