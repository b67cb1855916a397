"""Raw cells (as read from a CSV or a sheet) into a typed KPI frame, with every problem listed.

Adapters read the file; this module only sees a DataFrame of raw cells plus where they came
from, so the same checks serve CSV import, the workbook's ``tbl_kpi`` and consolidation.
One bad cell never stops the other rows being checked: all problems come back together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .errors import Issue
from .schema import (
    AGGREGATION_WORDS,
    AGGREGATIONS,
    DIRECTION_WORDS,
    DIRECTIONS,
    KINDS,
    KPI_COLUMNS,
    LEVEL3,
    LEVEL5,
    METHOD_WORDS,
    NOTE_COLUMNS,
    NOTE_TH,
    NUMBER_COLUMNS,
    OPDC_COLUMNS,
    OPDC_NUMBER_COLUMNS,
    OPDC_OPTIONAL,
    OPTIONAL_COLUMNS,
    PLAN_M,
    PLAN_Q,
    RESULT_M,
    RESULT_Q,
    canonical_column,
    default_aggregation,
)
from .values import NO_VALUE, normalise_text, parse_numbers, type_of

Form = Literal["kpi", "opdc"]

# Values a planner sees in messages: the column's Thai name beside its key.
COLUMN_TH = {
    "project_id": "รหัสโครงการ", "fund": "กองทุน", "strategy": "ยุทธศาสตร์",
    "substrategy": "กลยุทธ์", "kind": "ประเภท", "project_number": "ลำดับโครงการ",
    "project_name": "ชื่องาน/โครงการ", "unit": "หน่วยงาน", "budget": "งบประมาณ",
    "kpi_number": "ตัวชี้วัดที่", "kpi_name": "ชื่อตัวชี้วัด", "target": "เป้าหมาย",
    "weight": "น้ำหนัก", "count_unit": "หน่วยนับ", "direction": "ทิศทาง",
    "aggregation": "การรวมค่า", "cap": "เพดาน", "component": "องค์ประกอบ",
    "level_50": "ขั้นต้น (50)", "level_75": "มาตรฐาน (75)", "level_100": "ขั้นสูง (100)",
    "result": "ผลการดำเนินงาน", "method": "วิธีประเมิน",
    **{f"plan_q{q}": f"แผน ไตรมาส {q}" for q in range(1, 5)},
    **{f"result_q{q}": f"ผล ไตรมาส {q}" for q in range(1, 5)},
    **{f"plan_m{m}": f"แผน เดือน {m}" for m in range(1, 13)},
    **{f"result_m{m}": f"ผล เดือน {m}" for m in range(1, 13)},
    **{f"level_{i}": f"ระดับ {i}" for i in range(1, 6)},
    **NOTE_TH,
}  # fmt: skip


@dataclass
class Imported:
    """A typed frame (input order, ``source_row`` = row number in the file) and its problems."""

    form: Form
    frame: pd.DataFrame
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


@dataclass(frozen=True)
class Source:
    """Where raw cells came from, so messages can name the file, sheet, row and column.

    ``first_row`` is the file row of the first data row (2 for a CSV with one header row);
    ``letters`` maps a canonical column to its sheet column letter, where there is a sheet.
    """

    file: str = ""
    sheet: str = ""
    first_row: int = 2
    letters: Mapping[str, str] = field(default_factory=dict)


class _Collector:
    def __init__(self, source: Source, rows: pd.Series) -> None:
        self.source, self.rows, self.issues = source, rows, []

    def column_name(self, column: str) -> str:
        letter = self.source.letters.get(column, "")
        thai = COLUMN_TH.get(column, "")
        name = f"{column} ({thai})" if thai else column
        return f"{letter} {name}" if letter else name

    def add(self, mask, column, values, message_th, message_en, severity="error") -> None:
        mask = np.asarray(mask, dtype=bool)
        for pos in np.flatnonzero(mask):  # one Issue per bad cell: the messages are the output
            value = values.iloc[pos] if values is not None else ""
            self.issues.append(
                Issue(
                    message_th,
                    message_en,
                    file=self.source.file,
                    sheet=self.source.sheet,
                    row=int(self.rows.iloc[pos]),
                    column=self.column_name(column),
                    value="" if _is_blank(value) else str(value),
                    severity=severity,
                )
            )


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def canonical_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Rename headers to canonical keys; the first of two columns with one key wins."""
    renamed = raw.copy()
    renamed.columns = [canonical_column(c) for c in raw.columns]
    return renamed.loc[:, ~renamed.columns.duplicated()]


def detect_form(columns: object) -> Form:
    cols = set(columns)
    return "opdc" if cols & {*LEVEL3, *LEVEL5} or "component" in cols else "kpi"


def _drop_empty_rows(frame: pd.DataFrame, source: Source) -> tuple[pd.DataFrame, pd.Series]:
    rows = pd.Series(np.arange(len(frame)) + source.first_row, index=frame.index)
    cells = frame.to_numpy(dtype=object)
    blank = pd.isna(cells) | (cells == "")
    # A cell of spaces is blank too; only text cells can be, so only they are looked at.
    text = ~blank & (type_of(cells) == str)  # noqa: E721 - elementwise over an array
    if text.any():
        blank[text] = [t.isspace() for t in cells[text]]  # non-empty: blank iff all space
    keep = pd.Series(~blank.all(axis=1) if cells.shape[1] else False, index=frame.index)
    return frame[keep].reset_index(drop=True), rows[keep].reset_index(drop=True)


def _words(values: pd.Series, words: Mapping[str, str]) -> tuple[pd.Series, pd.Series]:
    text = normalise_text(values).str.lower()
    mapped = text.map(lambda t: words.get(t, words.get(t.replace(" ", ""))))
    return mapped, (text != "") & mapped.isna()


def read_table(
    raw: pd.DataFrame, source: Source = Source(), *, form: Form | None = None
) -> Imported:
    """Check and type a table of raw cells (any headers the schema knows, Thai or English).

    >>> raw = pd.DataFrame({"รหัสโครงการ": ["P1", "P1"], "ตัวชี้วัดที่": ["1", "2"],
    ...     "น้ำหนัก": ["๕๐", "50"], "แผน ไตรมาส 1": ["1 ครั้ง", "abc"]})
    >>> got = read_table(raw, Source(file="plan.csv"))
    >>> got.frame["weight"].tolist(), got.frame["plan_q1"].tolist()
    ([50.0, 50.0], [1.0, nan])
    >>> print(got.errors[0].text())
    plan.csv แถว/row 3 คอลัมน์/column plan_q1 (แผน ไตรมาส 1): ไม่ใช่ตัวเลข / not a number (ค่า/value: abc)
    """
    frame = canonical_frame(raw)
    form = form or detect_form(frame.columns)
    if form == "kpi" and "result" in frame and "performance" not in frame:
        # "ผลการดำเนินงาน" is the OPDC form's result figure but an indicator's narrative
        # on the action-plan and unit forms (numbers there are ผล ไตรมาส / ผล เดือน).
        frame = frame.rename(columns={"result": "performance"})
    frame, rows = _drop_empty_rows(frame, source)
    collect = _Collector(source, rows)
    if form == "opdc":
        columns, optional, numbers = OPDC_COLUMNS, OPDC_OPTIONAL, OPDC_NUMBER_COLUMNS
        required = ("kpi_number", "weight")
    else:
        columns, optional, numbers = KPI_COLUMNS, OPTIONAL_COLUMNS, NUMBER_COLUMNS
        required = ("project_id", "kpi_number", "weight")

    missing = [c for c in required if c not in frame.columns]
    for column in missing:
        collect.issues.append(
            Issue(
                f"ไม่พบคอลัมน์ {column} ({COLUMN_TH.get(column, '')})",
                f"required column {column} is missing",
                file=source.file,
                sheet=source.sheet,
                row=source.first_row - 1,
                column=column,
            )
        )
    if missing:
        return Imported(form, pd.DataFrame(columns=[*columns, "source_row"]), collect.issues)

    out = pd.DataFrame(index=frame.index)
    out["source_row"] = rows
    for column in (*columns, *optional):
        if column not in frame:
            if column in numbers:
                out[column] = np.nan
            elif column not in optional:
                out[column] = ""
            continue
        if column in numbers:
            parsed = parse_numbers(frame[column])
            bad = parsed.problems.notna()
            for problem in parsed.problems[bad].unique():
                collect.add(bad & (parsed.problems == problem), column, frame[column], *problem)
            out[column] = parsed.values
        elif column in NOTE_COLUMNS:  # narrative: kept as typed (๒๕ stays ๒๕), only stripped
            notes = frame[column].astype(object).where(frame[column].notna(), "")
            out[column] = [str(v).strip() for v in notes]
        elif column not in ("direction", "aggregation", "method"):
            out[column] = normalise_text(frame[column]).astype(object)

    _check_words(out, frame, collect, form)
    _check_numbers(out, frame, collect, form)
    _check_keys(out, frame, collect, form)
    if form == "kpi":
        _fill_weights(out, frame, collect)
    return Imported(form, out, collect.issues)


def _check_words(out: pd.DataFrame, frame: pd.DataFrame, collect: _Collector, form: Form) -> None:
    spec = [("direction", DIRECTION_WORDS, DIRECTIONS, "higher")]
    if form == "kpi":
        spec.append(("aggregation", AGGREGATION_WORDS, AGGREGATIONS, None))
    else:
        spec.append(("method", METHOD_WORDS, ("opdc3", "five_level"), "opdc3"))
    for column, words, allowed, default in spec:
        if column in frame:
            mapped, bad = _words(frame[column], words)
            collect.add(
                bad,
                column,
                frame[column],
                f"ต้องเป็นหนึ่งใน {', '.join(allowed)}",
                f"must be one of {', '.join(allowed)}",
            )
        else:
            mapped = pd.Series(None, index=out.index, dtype=object)
        if default is None:  # aggregation: by unit of count when not given
            mapped = mapped.fillna(out["count_unit"].map(default_aggregation))
        out[column] = mapped.fillna(default).astype(object)
    if form == "kpi" and "kind" in frame:
        text = out["kind"]
        bad = (text != "") & ~text.isin(KINDS)
        collect.add(
            bad,
            "kind",
            frame["kind"],
            f"ประเภทควรเป็น {' / '.join(KINDS)}",
            f"kind should be one of {' / '.join(KINDS)}",
            "warning",
        )


def _check_numbers(out: pd.DataFrame, frame: pd.DataFrame, collect: _Collector, form: Form) -> None:
    values = [*PLAN_Q, *RESULT_Q, *PLAN_M, *RESULT_M] if form == "kpi" else ["result"]
    for column in ("weight", "budget", "cap", *values):
        if column not in out or column not in frame:
            continue
        negative = out[column] < 0
        collect.add(negative, column, frame[column], "ค่าติดลบไม่ได้", "must not be negative")
        out.loc[negative, column] = np.nan
    if form == "kpi" and "cap" in frame:
        low = out["cap"] < 100
        collect.add(
            low,
            "cap",
            frame["cap"],
            "เพดานต้องไม่ต่ำกว่า 100",
            "a cap must be at least 100 (per cent of plan)",
        )
        out.loc[low, "cap"] = np.nan


def _check_keys(out: pd.DataFrame, frame: pd.DataFrame, collect: _Collector, form: Form) -> None:
    keys = ["kpi_number"] if form == "opdc" else ["project_id", "kpi_number"]
    for key in keys:
        blank = out[key] == ""
        collect.add(blank, key, frame[key], "ต้องกรอก", "must not be blank")
    filled = (out[keys] != "").all(axis=1)
    duplicated = out[keys].duplicated(keep="first") & filled
    collect.add(
        duplicated,
        keys[-1],
        frame[keys[-1]],
        "ซ้ำกับแถวก่อนหน้า",
        f"duplicate {' + '.join(keys)} (already on an earlier row)",
    )
    out["duplicate"] = duplicated.to_numpy()


def _fill_weights(out: pd.DataFrame, frame: pd.DataFrame, collect: _Collector) -> None:
    """A missing weight: equal weights if the whole project has none, else an error.

    A project with no weights at all is common in unit forms (every indicator counts the
    same); one blank weight among others is a slip the planner must fix.
    """
    # Only a blank cell is "missing": an unreadable or negative weight has its own error.
    missing = normalise_text(frame["weight"]).str.lower().isin(NO_VALUE)
    project_has_none = missing.groupby(out["project_id"]).transform("all")
    equal = missing & project_has_none
    out.loc[equal, "weight"] = 1.0
    collect.add(
        equal,
        "weight",
        frame["weight"],
        "ไม่มีน้ำหนักทั้งโครงการ ให้น้ำหนักเท่ากัน",
        "no weights in this project: indicators weigh the same",
        "warning",
    )
    slip = missing & ~project_has_none
    collect.add(
        slip,
        "weight",
        frame["weight"],
        "ไม่ได้กรอกน้ำหนัก",
        "weight is missing while other indicators of the project have one",
    )
    sums = out.groupby("project_id", sort=False)["weight"].transform("sum")
    first = ~out["project_id"].duplicated()
    off = first & ~np.isclose(sums, 100) & ~project_has_none & (out["project_id"] != "")
    for pos in np.flatnonzero(off.to_numpy()):
        collect.issues.append(
            Issue(
                f"น้ำหนักรวมของโครงการเป็น {sums.iloc[pos]:g} ไม่ใช่ 100 (คิดตามสัดส่วน)",
                f"weights of project {out['project_id'].iloc[pos]} sum to "
                f"{sums.iloc[pos]:g}, not 100 (the average is normalised)",
                file=collect.source.file,
                sheet=collect.source.sheet,
                row=int(collect.rows.iloc[pos]),
                column=collect.column_name("weight"),
                severity="warning",
            )
        )


def invalid_rows(imported: Imported) -> np.ndarray:
    """Rows that carry an error: they are listed and left out of every average."""
    bad_rows = {i.row for i in imported.errors}
    return imported.frame["source_row"].isin(bad_rows).to_numpy()
