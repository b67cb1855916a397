"""The KPI import schema: canonical column names, Thai aliases and allowed words.

Canonical names are the header of ``shared/golden/sso_2564_q3_strategy1.csv`` (action plan)
and ``shared/golden/opdc_2566.csv`` (OPDC scorecard). Planners may head their columns in Thai
(แผน, ผล, น้ำหนัก …); :func:`canonical_column` maps both to the same key.
"""

from __future__ import annotations

import difflib
import functools
import re

from .values import clean_key

QUARTERS = (1, 2, 3, 4)
MONTHS = tuple(range(1, 13))

PLAN_Q = tuple(f"plan_q{q}" for q in QUARTERS)
RESULT_Q = tuple(f"result_q{q}" for q in QUARTERS)
PLAN_M = tuple(f"plan_m{m}" for m in MONTHS)
RESULT_M = tuple(f"result_m{m}" for m in MONTHS)

# The action-plan schema, in the golden table's order.
TEXT_COLUMNS = (
    "project_id",
    "fund",
    "strategy",
    "substrategy",
    "kind",
    "project_number",
    "project_name",
    "unit",
    "kpi_number",
    "kpi_name",
    "count_unit",
)
KPI_COLUMNS = (
    "project_id",
    "fund",
    "strategy",
    "substrategy",
    "kind",
    "project_number",
    "project_name",
    "unit",
    "budget",
    "kpi_number",
    "kpi_name",
    "target",
    "weight",
    "count_unit",
    *PLAN_Q,
    *RESULT_Q,
)
# Plan changes (sso_kpi.plan_status): ยกเลิกในไตรมาส N / ยกเลิกแผนงาน, when and why.
STATUS_COLUMNS = ("plan_status", "status_date", "status_reason")
# Text beside the numbers, as on every office form (unit monthly form 2563: "สูตรคำนวณ/วิธีการ
# คำนวณ :", "ผลการดำเนินงานตามแผนของงาน/โครงการ :", "ปัญหาและอุปสรรค :", "แนวทางการแก้ไขปัญหา :";
# the action-plan report's หมายเหตุ column). Kept as typed: never parsed, never scored.
NOTE_COLUMNS = ("calculation", "performance", "obstacles", "remedies", "remarks")
NOTE_TH = {
    "calculation": "สูตรคำนวณ/วิธีการคำนวณ",
    "performance": "ผลการดำเนินงาน",
    "obstacles": "ปัญหาอุปสรรค",
    "remedies": "แนวทางแก้ไข",
    "remarks": "หมายเหตุ",
}
OPTIONAL_COLUMNS = ("direction", "aggregation", "cap", *PLAN_M, *RESULT_M, *STATUS_COLUMNS,
                    *NOTE_COLUMNS)  # fmt: skip
NUMBER_COLUMNS = ("budget", "target", "weight", "cap", *PLAN_Q, *RESULT_Q, *PLAN_M, *RESULT_M)
REQUIRED_COLUMNS = ("project_id", "kpi_number", "weight")
# Read as the planner sees them (1 typed in Excel is "1", not "1.0"); the workbook formats
# them as Text so Excel keeps a typed 1.10.
KEY_COLUMNS = (
    "project_id", "fund", "strategy", "substrategy", "kind", "project_number", "kpi_number",
    "component",
)  # fmt: skip

# The OPDC scorecard form (three levels) and the older five-level form.
LEVEL3 = ("level_50", "level_75", "level_100")
LEVEL5 = tuple(f"level_{i}" for i in range(1, 6))
OPDC_COLUMNS = (
    "component",
    "kpi_number",
    "kpi_name",
    "weight",
    "count_unit",
    *LEVEL3,
    "result",
)
OPDC_OPTIONAL = ("direction", "method", *LEVEL5)
OPDC_NUMBER_COLUMNS = ("weight", *LEVEL3, *LEVEL5, "result")

KINDS = ("งานประจำ", "โครงการเดิม", "โครงการใหม่")
FUNDS = ("กองทุนประกันสังคม", "กองทุนเงินทดแทน")
DIRECTIONS = ("higher", "lower")
AGGREGATIONS = ("sum", "last", "average", "max")
METHODS = ("opdc3", "five_level")

# The words a planner picks from the book's dropdowns (the English codes are read as well).
DIRECTION_TH = {"higher": "ยิ่งมากยิ่งดี", "lower": "ยิ่งน้อยยิ่งดี"}
AGGREGATION_TH = {"sum": "รวม", "last": "ค่าล่าสุด", "average": "ค่าเฉลี่ย", "max": "ค่าสูงสุด"}

# Thai words accepted for the English codes (a planner's dropdown may be in Thai).
DIRECTION_WORDS = {
    "higher": "higher", "มาก": "higher", "มากดี": "higher", "ยิ่งมากยิ่งดี": "higher", "up": "higher",
    "lower": "lower", "น้อย": "lower", "น้อยดี": "lower", "ยิ่งน้อยยิ่งดี": "lower", "down": "lower",
}  # fmt: skip
AGGREGATION_WORDS = {
    "sum": "sum", "รวม": "sum", "ผลรวม": "sum",
    "last": "last", "ล่าสุด": "last", "ค่าล่าสุด": "last",
    "average": "average", "mean": "average", "เฉลี่ย": "average", "ค่าเฉลี่ย": "average",
    "max": "max", "สูงสุด": "max", "ค่าสูงสุด": "max",
}  # fmt: skip
METHOD_WORDS = {"opdc3": "opdc3", "3": "opdc3", "five_level": "five_level", "5": "five_level"}

# Units whose monthly figure is a level, not a count: the total is the latest value
# (unit report 2563: indicator 1 "ร้อยละ" plan 76 … 84, total column 84.00).
LATEST_VALUE_UNITS = ("ร้อยละ", "ระดับ", "คะแนน", "%")

# Thai headers (and a few English variants) → canonical key.
_ALIASES = {
    "รหัสโครงการ": "project_id", "รหัส": "project_id", "project": "project_id",
    "กองทุน": "fund",
    "ยุทธศาสตร์": "strategy", "ประเด็นยุทธศาสตร์": "strategy",
    "กลยุทธ์": "substrategy",
    "ประเภท": "kind", "ประเภทงาน": "kind",
    "ลำดับโครงการ": "project_number", "โครงการที่": "project_number", "ลำดับ": "project_number",
    "ชื่องาน/โครงการ": "project_name", "ชื่อโครงการ": "project_name", "งาน/โครงการ": "project_name",
    "หน่วยงาน": "unit", "หน่วยงานที่รับผิดชอบ": "unit", "หน่วยงานรับผิดชอบ": "unit",
    "งบประมาณ": "budget",
    "ตัวชี้วัดที่": "kpi_number", "ลำดับตัวชี้วัด": "kpi_number", "kpi": "kpi_number",
    "ชื่อตัวชี้วัด": "kpi_name", "ตัวชี้วัด": "kpi_name", "ประเด็นการประเมิน": "kpi_name",
    "องค์ประกอบ/ตัวชี้วัด": "kpi_name",
    "เป้าหมาย": "target", "ค่าเป้าหมาย": "target", "เป้าหมายทั้งปี": "target",
    "น้ำหนัก": "weight", "น้ำหนัก(ร้อยละ)": "weight",
    "หน่วยนับ": "count_unit", "หน่วยวัด": "count_unit", "หน่วย": "count_unit",
    "ทิศทาง": "direction", "การรวมค่า": "aggregation", "วิธีรวม": "aggregation",
    "การรวมค่ารายเดือน": "aggregation",
    "เพดาน": "cap", "เพดานคะแนน": "cap",
    "องค์ประกอบ": "component", "องค์ประกอบที่": "component",
    "ขั้นต้น": "level_50", "ขั้นต่ำ": "level_50", "ขั้นต้น(50)": "level_50",
    "ค่าเป้าหมายขั้นต่ำ": "level_50", "ค่าเป้าหมายขั้นต้น": "level_50",
    "เป้าหมายขั้นต่ำ": "level_50", "เป้าหมายขั้นต้น": "level_50",
    "มาตรฐาน": "level_75", "มาตรฐาน(75)": "level_75", "ค่าเป้าหมายมาตรฐาน": "level_75",
    "เป้าหมายมาตรฐาน": "level_75",
    "ขั้นสูง": "level_100", "ขั้นสูง(100)": "level_100", "ค่าเป้าหมายขั้นสูง": "level_100",
    "เป้าหมายขั้นสูง": "level_100",
    "ผลการดำเนินงาน": "result", "ผล": "result",
    "วิธีประเมิน": "method",
    # English as planners write it
    "indicator": "kpi_name", "indicatorname": "kpi_name", "kpiname": "kpi_name",
    "indicatorno": "kpi_number", "indicatornumber": "kpi_number", "kpino": "kpi_number",
    "kpino.": "kpi_number", "projectid": "project_id", "unitofcount": "count_unit",
    "level50": "level_50", "level75": "level_75", "level100": "level_100",
    "สถานะแผน": "plan_status", "สถานะตัวชี้วัด": "plan_status",
    "วันที่เปลี่ยนสถานะ": "status_date", "วันที่ยกเลิก": "status_date",
    "เหตุผล": "status_reason", "เหตุผลที่ยกเลิก": "status_reason",
    "สูตรคำนวณ": "calculation", "วิธีการคำนวณ": "calculation", "วิธีคำนวณ": "calculation",
    "สูตรคำนวณ/วิธีการคำนวณ": "calculation", "สูตรการคำนวณ": "calculation",
    "ผลการดำเนินงานตามแผนของงาน/โครงการ": "performance", "ผลการดำเนินงาน(บรรยาย)": "performance",
    "ปัญหาอุปสรรค": "obstacles", "ปัญหาและอุปสรรค": "obstacles", "ปัญหา/อุปสรรค": "obstacles",
    "แนวทางแก้ไข": "remedies", "แนวทางการแก้ไข": "remedies", "แนวทางการแก้ไขปัญหา": "remedies",
    "แนวทางแก้ไขปัญหา": "remedies",
    "หมายเหตุ": "remarks", "note": "remarks", "notes": "remarks", "remark": "remarks",
    "comment": "remarks", "comments": "remarks",
}  # fmt: skip

# Headers the tool knowingly leaves aside: published figures beside the golden tables,
# explanations printed in the office's forms (remarks and formulas are NOTE_COLUMNS), the
# year total of a monthly form (recomputed from the months by the indicator's aggregation), a
# running number.
IGNORED_COLUMNS = frozenset({
    "published_pct", "published_avg", "published_score", "published_weighted", "duplicate",
    "คำอธิบาย", "แทนค่าการคำนวณ",
    "รวม", "total", "ที่", "no", "no.", "#", "ลำดับที่",
})  # fmt: skip

_PERIOD = re.compile(
    r"^(?P<what>แผน|ผล|plan|result)[\s_/-]*"
    r"(?:(?P<q>ไตรมาส(?:ที่)?|q)[\s_]*(?P<qn>[1-4])|(?:เดือน(?:ที่)?|m)[\s_]*(?P<mn>1[0-2]|[1-9]))$"
)
_ENGLISH_KEY = re.compile(r"\(([a-z][a-z0-9_]*)\)\s*$")
# What a printed form adds after a header: "(50.00)", "(ผล)", "(ร้อยละ)", a colon, a star.
_SUFFIX = re.compile(r"\s*(?:\([^()]*\)|:|\*)\s*$")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_KNOWN = {
    *KPI_COLUMNS, *OPTIONAL_COLUMNS, *OPDC_COLUMNS, *OPDC_OPTIONAL, "source_row",
}  # fmt: skip


@functools.lru_cache(maxsize=4096)  # pure; a consolidation asks for each header 100 times
def canonical_column(header: object) -> str:
    """Canonical key for a header, or the cleaned header when it is not one of ours.

    Headers as the office prints them are read too: a level's score after it
    (``ค่าเป้าหมายขั้นต่ำ (50.00)``), a Thai word after an English one (``Result Q3 (ผล)``),
    line breaks inside a cell.

    >>> canonical_column("แผน ไตรมาส 3"), canonical_column("Result Q2"), canonical_column("น้ำหนัก")
    ('plan_q3', 'result_q2', 'weight')
    >>> canonical_column("แผนไตรมาสที่ ๑"), canonical_column("ชื่อตัวชี้วัด (kpi_name)")
    ('plan_q1', 'kpi_name')
    >>> canonical_column("ค่าเป้าหมายขั้นต่ำ (50.00)"), canonical_column("Result Q3 (ผล)")
    ('level_50', 'result_q3')
    """
    text = "" if header is None else clean_key(str(header))
    english = _ENGLISH_KEY.search(text)
    if english and english.group(1) in _KNOWN:
        return english.group(1)
    key = " ".join(text.translate(_THAI_DIGITS).split()).lower()
    found = _lookup(key)
    stripped = key
    while found is None and _SUFFIX.search(stripped):
        stripped = _SUFFIX.sub("", stripped)
        found = _lookup(stripped)
    return found or key


def _lookup(key: str) -> str | None:
    squeezed = key.replace(" ", "")
    if squeezed in _ALIASES:
        return _ALIASES[squeezed]
    period = _PERIOD.match(key)
    if period:
        what = "plan" if period["what"] in ("แผน", "plan") else "result"
        return f"{what}_q{period['qn']}" if period["qn"] else f"{what}_m{period['mn']}"
    snake = re.sub(r"[\s\-]+", "_", key)
    return snake if snake in _KNOWN else None


def is_known(key: str) -> bool:
    """A canonical key the schema reads."""
    return key in _KNOWN


def is_ignored(key: str) -> bool:
    """A header the tool knowingly leaves aside (:data:`IGNORED_COLUMNS`)."""
    return key in IGNORED_COLUMNS or _SUFFIX.sub("", key).replace(" ", "") in IGNORED_COLUMNS


def closest_column(header: str) -> str:
    """The known column a header most looks like, for the warning that names it ('' if none).

    >>> closest_column("wieght"), closest_column("reslt_q3")
    ('weight', 'result_q3')
    """
    key = " ".join(str(header).translate(_THAI_DIGITS).split()).lower()
    names = {**{k: k for k in _KNOWN}, **_ALIASES}
    candidates = [key, re.sub(r"[\s\-]+", "_", key), key.replace(" ", "")]
    best, score = "", 0.0
    for candidate in candidates:
        for match in difflib.get_close_matches(candidate, list(names), n=1, cutoff=0.6):
            ratio = difflib.SequenceMatcher(None, candidate, match).ratio()
            if ratio > score:
                best, score = names[match], ratio
    return best


def default_aggregation(count_unit: str) -> str:
    """How months add up when the row does not say: levels take the latest, counts the sum.

    A running head-count (unit report 2563, indicator 6 "คน", total 32,155 = ธ.ค.) must say
    ``last`` explicitly, since other "คน" indicators are counts per month (indicator 4: 1,488).
    """
    unit = (count_unit or "").strip()
    return "last" if any(unit.startswith(u) for u in LATEST_VALUE_UNITS) else "sum"
