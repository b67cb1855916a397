"""Months, quarters and years the way the office labels them.

Two kinds of year are in use:

- ``calendar``: the action plan (แผนปฏิบัติราชการ) runs ม.ค.–ธ.ค.; its Q1 is ม.ค.–มี.ค.
  (unit report 2563: "ไตรมาสที่ 1 ม.ค. ก.พ. มี.ค.").
- ``fiscal``: OPDC and policy reports run ต.ค.–ก.ย.; Q1 is ต.ค.–ธ.ค.
  (policy report 2565 Q1: "1 ตุลาคม – 31 ธันวาคม 2564").

Monthly columns ``m1``…``m12`` are in the year's own order: m1 is ม.ค. in a calendar year and
ต.ค. in a fiscal year. Years are shown in the Buddhist era (พ.ศ. = ค.ศ. + 543).
"""

from __future__ import annotations

from typing import Literal

YearKind = Literal["calendar", "fiscal"]
YEAR_KINDS: tuple[YearKind, ...] = ("calendar", "fiscal")
YEAR_KIND_TH: dict[str, str] = {"calendar": "ปีปฏิทิน", "fiscal": "ปีงบประมาณ"}
# Words read as a year kind: the codes, the dropdown's Thai words and their short forms.
YEAR_KIND_WORDS: dict[str, YearKind] = {
    "calendar": "calendar", "ปีปฏิทิน": "calendar", "ปฏิทิน": "calendar",
    "fiscal": "fiscal", "ปีงบประมาณ": "fiscal", "งบประมาณ": "fiscal", "ปีงบ": "fiscal",
}  # fmt: skip

BE_OFFSET = 543

THAI_MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
THAI_MONTHS_LONG = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
THAI_QUARTER = "ไตรมาสที่"


def to_buddhist(year_ce: int) -> int:
    """Buddhist-era year (พ.ศ.) of a common-era year.

    >>> to_buddhist(2021)
    2564
    """
    return year_ce + BE_OFFSET


def to_common_era(year: int) -> int:
    """A year typed either way; anything past 2400 is taken as พ.ศ.

    >>> to_common_era(2564), to_common_era(2021)
    (2021, 2021)
    """
    return year - BE_OFFSET if year > 2400 else year


def calendar_month(position: int, kind: YearKind) -> int:
    """Calendar month (1 = January) of the year's ``position``-th month (1-based).

    >>> calendar_month(1, "fiscal"), calendar_month(4, "fiscal"), calendar_month(1, "calendar")
    (10, 1, 1)
    """
    if not 1 <= position <= 12:
        raise ValueError(f"month position {position} is not 1-12")
    return position if kind == "calendar" else (position + 8) % 12 + 1


def year_kind_of(word: object) -> YearKind | None:
    """The year kind a settings cell names, in English or Thai; None when it names none.

    >>> year_kind_of("ปีงบประมาณ"), year_kind_of(" Calendar "), year_kind_of("x")
    ('fiscal', 'calendar', None)
    """
    return YEAR_KIND_WORDS.get("".join(str(word).split()).lower())


def quarter_month_labels(kind: YearKind) -> list[tuple[str, list[str]]]:
    """(quarter label, its three month labels) in the year's order, as the unit form heads
    its months ("ไตรมาสที่ 1 ม.ค. ก.พ. มี.ค." in a calendar year).

    >>> quarter_month_labels("fiscal")[0]
    ('ไตรมาสที่ 1', ['ต.ค.', 'พ.ย.', 'ธ.ค.'])
    """
    months = month_labels(kind)
    return [(f"{THAI_QUARTER} {q}", months[3 * q - 3 : 3 * q]) for q in (1, 2, 3, 4)]


def month_labels(kind: YearKind) -> list[str]:
    """Short Thai month names in the year's order.

    >>> month_labels("fiscal")[:3]
    ['ต.ค.', 'พ.ย.', 'ธ.ค.']
    """
    return [THAI_MONTHS_SHORT[calendar_month(p, kind) - 1] for p in range(1, 13)]


def quarter_months(quarter: int) -> range:
    """Month positions (1-based) in quarter ``quarter`` of the year."""
    check_quarter(quarter)
    return range(3 * quarter - 2, 3 * quarter + 1)


def months_through(quarter: int) -> range:
    """Month positions from the year's start to the end of ``quarter`` (cumulative figures)."""
    check_quarter(quarter)
    return range(1, 3 * quarter + 1)


def check_quarter(quarter: int) -> int:
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter must be 1-4, got {quarter!r}")
    return quarter


def quarter_label(quarter: int, kind: YearKind, year_be: int | None = None) -> str:
    """Thai label for a quarter, with its months and, given one, the year in พ.ศ.

    A fiscal year's first quarter falls in the previous calendar year:
    >>> quarter_label(1, "fiscal", 2565)
    'ไตรมาสที่ 1 (ต.ค. 2564 – ธ.ค. 2564)'
    >>> quarter_label(3, "calendar", 2564)
    'ไตรมาสที่ 3 (ก.ค. 2564 – ก.ย. 2564)'
    """
    months = quarter_months(quarter)
    first, last = (calendar_month(p, kind) for p in (months[0], months[-1]))
    if year_be is None:
        span = f"{THAI_MONTHS_SHORT[first - 1]} – {THAI_MONTHS_SHORT[last - 1]}"
    else:
        lead = 1 if kind == "fiscal" and quarter == 1 else 0
        span = (
            f"{THAI_MONTHS_SHORT[first - 1]} {year_be - lead} – "
            f"{THAI_MONTHS_SHORT[last - 1]} {year_be - lead}"
        )
    return f"{THAI_QUARTER} {quarter} ({span})"


def cumulative_label(quarter: int, kind: YearKind, year_be: int | None = None) -> str:
    """'สะสม ม.ค. – ก.ย. 2564': the span a cumulative quarter figure covers."""
    months = months_through(quarter)
    first, last = (calendar_month(p, kind) for p in (months[0], months[-1]))
    text = f"สะสม {THAI_MONTHS_SHORT[first - 1]} – {THAI_MONTHS_SHORT[last - 1]}"
    if year_be is None:
        return text
    year_word = "ปีงบประมาณ" if kind == "fiscal" else "ปี"
    return f"{text} {year_word} พ.ศ. {year_be}"
