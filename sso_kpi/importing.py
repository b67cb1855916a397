"""Raw cells (as read from a CSV or a sheet) into a typed KPI frame, with every problem listed.

Adapters read the file; this module only sees a DataFrame of raw cells plus where they came
from, so the same checks serve CSV import, the workbook's ``tbl_kpi`` and consolidation.
One bad cell never stops the other rows being checked: all problems come back together.

Nothing is dropped without a word: every header is a known column, one the tool knowingly
leaves aside (:data:`sso_kpi.schema.IGNORED_COLUMNS`), or a warning naming it and the closest
known column. A table without its required columns is refused (an error with code
``missing_column``, ``no_period_column`` or ``no_level_column``, and no rows): nothing is
scored from it, so no card ever totals 0.00 because nothing was read.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .errors import Issue
from .plan_status import STATUS_CHOICES, parse_status
from .schema import (
    AGGREGATION_WORDS,
    AGGREGATIONS,
    DIRECTION_WORDS,
    DIRECTIONS,
    KEY_COLUMNS,
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
    REQUIRED_COLUMNS,
    RESULT_M,
    RESULT_Q,
    canonical_column,
    closest_column,
    default_aggregation,
    is_ignored,
    is_known,
)
from .values import (
    NO_VALUE,
    PROBLEM_CODES,
    clean_key,
    normalise_text,
    parse_numbers,
    shown_text,
    type_of,
)

Form = Literal["kpi", "opdc"]

# Problems that refuse the whole table: nothing is scored or written from it.
REFUSING = ("missing_column", "no_period_column", "no_level_column")
EXCEL_CELL_LIMIT = 32_767  # characters an Excel cell holds; Excel cuts the rest
PERIOD_COLUMNS = (*PLAN_Q, *RESULT_Q, *PLAN_M, *RESULT_M)

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
    "plan_status": "สถานะแผน", "status_date": "วันที่เปลี่ยนสถานะ", "status_reason": "เหตุผล",
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
    columns: frozenset[str] = frozenset()  # the schema's columns the input had

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def refused(self) -> list[Issue]:
        """The problems that refuse the whole table (a required column missing …)."""
        return [i for i in self.issues if i.code in REFUSING]

    @property
    def rows_left_out(self) -> int:
        """Rows an error keeps out of every average: known from the problems themselves."""
        return int(invalid_rows(self).sum()) if len(self.frame) else 0


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

    def add(self, mask, column, values, message_th, message_en, severity="error", *, code):
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
                    code=code,
                    key=column,
                )
            )

    def table(
        self, code: str, key: str, th: str, en: str, severity: str = "error", **more: object
    ) -> None:
        """A problem of the whole table (a header), named at the header row."""
        first = self.source.first_row
        fields = {
            "file": self.source.file,
            "sheet": self.source.sheet,
            "row": first - 1 if first > 1 else None,
            "column": self.column_name(key) if key else "",
            "severity": severity,
            "code": code,
            "key": key,
        }
        self.issues.append(Issue(th, en, **(fields | more)))  # type: ignore[arg-type]


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
    # Column by column, looking only at the rows nothing has been seen in yet: most rows
    # are told filled by their first column, so the rest of the table is hardly looked at.
    open_rows = np.arange(len(frame))
    for j in range(frame.shape[1]):
        if not len(open_rows):
            break
        cells = frame.iloc[:, j].to_numpy(dtype=object)[open_rows]
        filled = ~(pd.isna(cells) | (cells == ""))
        # A cell of spaces is blank too; only text cells can be, so only they are looked at.
        text = filled & (type_of(cells) == str)  # noqa: E721 - elementwise over an array
        if text.any():
            filled[text] = [not t.isspace() for t in cells[text]]
        open_rows = open_rows[~filled]
    keep = np.ones(len(frame), dtype=bool)
    keep[open_rows] = False
    keep = pd.Series(keep, index=frame.index)
    return frame[keep].reset_index(drop=True), rows[keep].reset_index(drop=True)


def _words(values: pd.Series, words: Mapping[str, str]) -> tuple[pd.Series, pd.Series]:
    text = normalise_text(values).str.lower()
    # Each distinct word looked up once (a column holds a handful of them).
    found = {t: words.get(t, words.get(t.replace(" ", ""))) for t in pd.unique(text.to_numpy())}
    mapped = pd.Series([found[t] for t in text], index=text.index, dtype=object)
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
    collect = _Collector(source, pd.Series([], dtype="int64"))
    header_problems(raw, collect)
    frame, rows = _drop_empty_rows(frame, source)
    collect.rows = rows
    if form == "opdc":
        columns, optional, numbers = OPDC_COLUMNS, OPDC_OPTIONAL, OPDC_NUMBER_COLUMNS
        _numbers_from_names(frame, collect)
    else:
        columns, optional, numbers = KPI_COLUMNS, OPTIONAL_COLUMNS, NUMBER_COLUMNS

    if _refuse_missing(frame, collect, form, raw.columns):
        empty = pd.DataFrame(columns=[*columns, *optional, "source_row", "duplicate"])
        return Imported(form, empty, collect.issues, frozenset(frame.columns))

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
                collect.add(
                    bad & (parsed.problems == problem),
                    column,
                    frame[column],
                    *problem,
                    code=PROBLEM_CODES.get(problem, "not_a_number"),
                )
            out[column] = parsed.values
        elif column in KEY_COLUMNS:
            out[column] = _keys(frame[column], column, collect)
        elif column in NOTE_COLUMNS:  # narrative: kept as typed (๒๕ stays ๒๕), only stripped
            notes = frame[column].astype(object).where(frame[column].notna(), "")
            out[column] = [str(v).strip() for v in notes]
        elif column not in ("direction", "aggregation", "method"):
            out[column] = normalise_text(frame[column]).astype(object)
            _check_length(out[column], column, collect)

    _check_words(out, frame, collect, form)
    _check_numbers(out, frame, collect, form)
    _check_keys(out, frame, collect, form)
    if form == "kpi":
        _fill_weights(out, frame, collect)
        _check_aggregation(out, frame, collect)
    found = frozenset(c for c in frame.columns if c in (*columns, *optional))
    return Imported(form, out, collect.issues, found)


def header_issues(raw: pd.DataFrame, source: Source = Source()) -> list[Issue]:
    """The header problems :func:`read_table` reports for ``raw`` (for a caller that types
    several files' rows in one call and names each file's headers itself)."""
    collect = _Collector(source, pd.Series([], dtype="int64"))
    header_problems(raw, collect)
    return collect.issues


def header_problems(raw: pd.DataFrame, collect: _Collector) -> None:
    """Every header accounted for: a header that is neither a known column nor one knowingly
    left aside is a warning naming the closest known column; of two headers for one column
    the second is named as not used. A blank header over blank cells is nothing."""
    seen: dict[str, object] = {}
    for position, header in enumerate(raw.columns):
        key = canonical_column(header)
        name = str(header).strip()
        if is_known(key):
            if key in seen:
                collect.table(
                    "duplicate_column",
                    key,
                    f"หัวคอลัมน์ '{name}' ซ้ำกับ '{seen[key]}' ใช้คอลัมน์แรกเท่านั้น",
                    f"header '{name}' is the same column as '{seen[key]}': only the first is read",
                    "warning",
                )
            else:
                seen[key] = name
            continue
        if is_ignored(key):
            continue
        if _unnamed(name) and _all_blank(raw.iloc[:, position]):
            continue
        near = closest_column(name)
        th_near = f" ใกล้เคียง {near} ({COLUMN_TH.get(near, near)})" if near else ""
        en_near = f"; the closest known column is {near}" if near else ""
        # ``key`` is the known column it most looks like: what a program would act on.
        collect.table(
            "unknown_column",
            near,
            f"ไม่รู้จักหัวคอลัมน์ '{name}' จึงไม่ได้อ่านคอลัมน์นี้{th_near}",
            f"unknown header '{name}': this column is not read{en_near}",
            "warning",
            column=collect.column_name(key),
            value=name,
        )


def _unnamed(name: str) -> bool:
    """A header nobody typed: blank, pandas' ``Unnamed: 3``, Excel's ``Column3``."""
    return name == "" or name.lower().startswith(("unnamed:", "column")) or name == "None"


def _all_blank(column: pd.Series) -> bool:
    cells = column.to_numpy(object)
    return all(pd.isna(c) or (isinstance(c, str) and not c.strip()) for c in cells)


def _refuse_missing(frame: pd.DataFrame, collect: _Collector, form: Form, headers) -> bool:
    """Refuse a table without what scoring needs, naming what is missing and the headers
    the file has; True when refused."""
    have = set(frame.columns)
    required = ("kpi_number", "weight", "result") if form == "opdc" else REQUIRED_COLUMNS
    found = ", ".join(str(h).strip() for h in headers) or "-"
    before = len(collect.issues)
    for column in (c for c in required if c not in have):
        hint = [str(h).strip() for h in headers if closest_column(str(h)) == column]
        th_hint = f" (หัวคอลัมน์ที่คล้าย: {hint[0]})" if hint else ""
        en_hint = f" (a header that looks like it: {hint[0]})" if hint else ""
        collect.table(
            "missing_column",
            column,
            f"ไม่พบคอลัมน์ {column} ({COLUMN_TH.get(column, '')}){th_hint}; หัวคอลัมน์ในไฟล์: {found}",
            f"required column {column} is missing{en_hint}; the file's headers: {found}",
        )
    if form == "kpi" and not have & set(PERIOD_COLUMNS):
        collect.table(
            "no_period_column",
            "",
            "ไม่พบคอลัมน์แผนหรือผล (เช่น แผน ไตรมาส 1, ผล ไตรมาส 1, plan_q1, result_m1); "
            f"หัวคอลัมน์ในไฟล์: {found}",
            "no plan or result column was recognised (e.g. แผน ไตรมาส 1, ผล ไตรมาส 1, plan_q1, "
            f"result_m1); the file's headers: {found}",
        )
    if form == "opdc" and not have & {*LEVEL3, *LEVEL5}:
        collect.table(
            "no_level_column",
            "",
            "ไม่พบคอลัมน์ค่าเป้าหมาย (ขั้นต้น, มาตรฐาน, ขั้นสูง หรือ level_50, level_75, "
            f"level_100); หัวคอลัมน์ในไฟล์: {found}",
            "no level column was recognised (ขั้นต้น, มาตรฐาน, ขั้นสูง or level_50, level_75, "
            f"level_100); the file's headers: {found}",
        )
    return len(collect.issues) > before


_NUMBER_IN_NAME = re.compile(r"^\s*(?:ตัวชี้วัด(?:ที่)?\s*)?(\d+(?:\.\d+)*)\.?\s+\S")


def _numbers_from_names(frame: pd.DataFrame, collect: _Collector) -> None:
    """An OPDC card as printed has no number column: the number starts the indicator's
    name ("ตัวชี้วัด 3.1 การพัฒนาระบบ…", "1. จำนวนที่เพิ่มขึ้น…"). Taken from there, with a
    warning, when every named row starts with one."""
    if "kpi_number" in frame or "kpi_name" not in frame:
        return
    names = normalise_text(frame["kpi_name"])
    found = names.str.extract(_NUMBER_IN_NAME)[0]
    named = names != ""
    if not named.any() or found[named].isna().any():
        return
    frame["kpi_number"] = found.fillna("")
    collect.table(
        "kpi_number_from_name",
        "kpi_number",
        "ไม่มีคอลัมน์ตัวชี้วัดที่ ใช้เลขที่ขึ้นต้นชื่อตัวชี้วัดแทน",
        "no indicator-number column: the number that starts each indicator's name is used",
        "warning",
    )


def _keys(values: pd.Series, column: str, collect: _Collector) -> pd.Series:
    """A key column as the planner sees it (1.0 → "1"); ids that differ only by invisible
    characters or Unicode forms are one id, and reported when the file spells them both ways."""
    shown = shown_text(values)
    distinct = {t: clean_key(t) for t in pd.unique(shown.to_numpy(object))}
    changed = {t: k for t, k in distinct.items() if t != k}
    if not changed:  # the usual case: every id already in its one spelling
        _check_length(shown, column, collect)
        return shown
    keys = pd.Series([distinct[t] for t in shown], index=values.index, dtype=object)
    spellings: dict[str, list[str]] = {}
    for raw, key in distinct.items():
        spellings.setdefault(key, []).append(raw)
    for key, raws in spellings.items():
        if len(raws) < 2 or key == "":
            continue
        first = shown[keys == key].iloc[0]
        collect.add(
            (keys == key) & (shown != first),
            column,
            pd.Series([repr(t) for t in shown], index=values.index),
            f"ดูเหมือน '{key}' แต่มีอักขระที่มองไม่เห็นหรือสระพิมพ์ต่างแบบ อ่านเป็น '{key}'",
            f"looks like '{key}' but differs by invisible characters or Unicode form; read as "
            f"'{key}'",
            "warning",
            code="near_duplicate_id",
        )
    _check_length(keys, column, collect)
    return keys


def _check_length(text: pd.Series, column: str, collect: _Collector) -> None:
    if max(map(len, text.to_numpy(object)), default=0) <= EXCEL_CELL_LIMIT:
        return
    long = text.str.len() > EXCEL_CELL_LIMIT
    if long.any():
        collect.add(
            long,
            column,
            text.str.len().map(lambda n: f"{n:,} ตัวอักษร/characters"),
            f"ข้อความยาวเกิน {EXCEL_CELL_LIMIT:,} ตัวอักษร Excel เก็บได้เพียงเท่านี้ ส่วนที่เกินจะถูกตัด",
            f"text longer than {EXCEL_CELL_LIMIT:,} characters: an Excel cell keeps only that "
            "many, the rest is cut",
            "warning",
            code="text_cut",
        )


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
                code="not_allowed_word",
            )
        else:
            mapped = pd.Series(None, index=out.index, dtype=object)
        if default is None:  # aggregation: by unit of count when not given
            units = out["count_unit"].to_numpy(object)
            by_unit = {u: default_aggregation(u) for u in pd.unique(units)}
            mapped = mapped.fillna(pd.Series([by_unit[u] for u in units], index=out.index))
        out[column] = mapped.fillna(default).astype(object)
    if form == "kpi" and "plan_status" in frame:
        _, _, bad = parse_status(out["plan_status"])
        collect.add(
            bad,
            "plan_status",
            frame["plan_status"],
            f"สถานะแผนต้องเป็น {' / '.join(STATUS_CHOICES)}",
            "plan status must be ดำเนินการ (active), ยกเลิกในไตรมาส 1-4 or ยกเลิกแผนงาน",
            code="not_allowed_word",
        )
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
            code="unknown_kind",
        )


def _check_numbers(out: pd.DataFrame, frame: pd.DataFrame, collect: _Collector, form: Form) -> None:
    values = [*PLAN_Q, *RESULT_Q, *PLAN_M, *RESULT_M] if form == "kpi" else ["result"]
    for column in ("weight", "budget", "cap", *values):
        if column not in out or column not in frame:
            continue
        negative = out[column] < 0
        collect.add(
            negative, column, frame[column], "ค่าติดลบไม่ได้", "must not be negative", code="negative"
        )
        out.loc[negative, column] = np.nan
    if form == "kpi" and "cap" in frame:
        low = out["cap"] < 100
        collect.add(
            low,
            "cap",
            frame["cap"],
            "เพดานต้องไม่ต่ำกว่า 100",
            "a cap must be at least 100 (per cent of plan)",
            code="cap_below_100",
        )
        out.loc[low, "cap"] = np.nan


def _check_keys(out: pd.DataFrame, frame: pd.DataFrame, collect: _Collector, form: Form) -> None:
    keys = ["kpi_number"] if form == "opdc" else ["project_id", "kpi_number"]
    for key in keys:
        blank = out[key] == ""
        collect.add(blank, key, frame[key], "ต้องกรอก", "must not be blank", code="blank_key")
    filled = (out[keys] != "").all(axis=1)
    duplicated = out[keys].duplicated(keep="first") & filled
    collect.add(
        duplicated,
        keys[-1],
        frame[keys[-1]],
        "ซ้ำกับแถวก่อนหน้า",
        f"duplicate {' + '.join(keys)} (already on an earlier row)",
        code="duplicate_kpi",
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
        code="equal_weights",
    )
    slip = missing & ~project_has_none
    collect.add(
        slip,
        "weight",
        frame["weight"],
        "ไม่ได้กรอกน้ำหนัก",
        "weight is missing while other indicators of the project have one",
        code="weight_missing",
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
                code="weight_sum",
                key="weight",
            )
        )


def _month_totals(plan: np.ndarray) -> dict[str, np.ndarray]:
    """Each aggregation's year total of monthly plans (n × 12; NaN where none)."""
    filled = ~np.isnan(plan)
    any_month = filled.any(axis=1)
    last_pos = 11 - np.argmax(filled[:, ::-1], axis=1)
    with warnings.catch_warnings():  # rows without months: all-NaN, set to NaN below
        warnings.simplefilter("ignore", RuntimeWarning)
        totals = {
            "sum": np.nansum(plan, axis=1),
            "last": plan[np.arange(len(plan)), last_pos],
            "average": np.nanmean(plan, axis=1),
            "max": np.nanmax(plan, axis=1) if plan.size else np.zeros(len(plan)),
        }
    return {k: np.where(any_month, v, np.nan) for k, v in totals.items()}


def _check_aggregation(out: pd.DataFrame, frame: pd.DataFrame, collect: _Collector) -> None:
    """A plan whose year total by its aggregation is far from the indicator's target while
    another aggregation matches it: a running head-count summed month by month.

    The unit report 2563's indicator 6 (คน) plans a head-count each month; its year total is
    the latest month, 32,155 (its เป้าหมาย). Summed, the months make 371,124: 11.5 times the
    target, which is what a planner must be told.
    """
    if not any(c in frame for c in PLAN_M) or not len(out):
        return
    plan = out[list(PLAN_M)].to_numpy("float64", na_value=np.nan)
    target = out["target"].to_numpy("float64", na_value=np.nan)
    totals = _month_totals(plan)
    chosen = out["aggregation"].to_numpy(object)
    own = np.select([chosen == k for k in totals], list(totals.values()), default=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        far = np.abs(own - target) > 0.1 * np.abs(target)
        for pos in np.flatnonzero(far & (target > 0)):
            match = next(
                (k for k, v in totals.items() if abs(v[pos] - target[pos]) <= 0.01 * target[pos]),
                None,
            )
            if match is None or match == chosen[pos]:
                continue
            mine, goal, other = own[pos], target[pos], totals[match][pos]
            collect.add(
                np.arange(len(out)) == pos,
                "aggregation",
                pd.Series([chosen[pos]] * len(out)),
                f"ผลรวมแผนทั้งปีแบบ {chosen[pos]} ได้ {mine:,.6g} "
                f"ห่างจากเป้าหมาย {goal:,.6g} ({mine / goal:.1f} เท่า) "
                f"แต่แบบ {match} ได้ {other:,.6g}: ควรกรอกการรวมค่าเป็น {match}",
                f"the plan's year total by {chosen[pos]} is {mine:,.6g}, {mine / goal:.1f} times "
                f"its target {goal:,.6g}, while {match} gives {other:,.6g}: set aggregation to "
                f"{match}",
                "warning",
                code="aggregation_mismatch",
            )


def invalid_rows(imported: Imported) -> np.ndarray:
    """Rows that carry an error: they are listed and left out of every average."""
    bad_rows = {i.row for i in imported.errors}
    return imported.frame["source_row"].isin(bad_rows).to_numpy()
