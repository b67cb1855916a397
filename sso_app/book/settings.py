"""The book's settings (``tbl_settings``), typed and checked by one rule for every reader."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields

from sso_app.book import layout
from sso_kpi.errors import SsoError
from sso_kpi.periods import YEAR_KIND_TH, YearKind, to_buddhist, year_kind_of
from sso_kpi.scoring import GREEN, GREY, RED, YELLOW, BandRule

_HEX = re.compile(r"^#?[0-9A-Fa-f]{6}$")


_DEFAULTS = {s.key: s.default for s in layout.SETTINGS}
# A plan year a planner can mean: 0 would print พ.ศ. 543, 25640 is a slip.
YEAR_BE_RANGE = (2500, 2700)


@dataclass(frozen=True)
class Settings:
    """The typed values of ``tbl_settings`` (defaults: :data:`layout.SETTINGS`)."""

    schema_version: str = str(_DEFAULTS["schema_version"])
    unit: str = str(_DEFAULTS["unit"])
    year_be: int = int(_DEFAULTS["year_be"])  # type: ignore[arg-type]
    year_kind: YearKind = _DEFAULTS["year_kind"]  # type: ignore[assignment]
    quarter: int = int(_DEFAULTS["quarter"])  # type: ignore[arg-type]
    green_at: float = float(_DEFAULTS["green_at"])  # type: ignore[arg-type]
    yellow_at: float = float(_DEFAULTS["yellow_at"])  # type: ignore[arg-type]
    cap: float | None = None
    colour_green: str = str(_DEFAULTS["colour_green"])
    colour_yellow: str = str(_DEFAULTS["colour_yellow"])
    colour_red: str = str(_DEFAULTS["colour_red"])
    colour_grey: str = str(_DEFAULTS["colour_grey"])
    deadline_day: int = int(_DEFAULTS["deadline_day"])  # type: ignore[arg-type]
    reporter: str = ""

    @property
    def colours(self) -> dict[str, str]:
        """Band code → fill colour (RGB hex, no #)."""
        return {
            GREEN: self.colour_green,
            YELLOW: self.colour_yellow,
            RED: self.colour_red,
            GREY: self.colour_grey,
        }

    @property
    def rule(self) -> BandRule:
        return BandRule(
            green_at=self.green_at,
            yellow_at=self.yellow_at,
            colours=tuple(self.colours.items()),
        )


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _number(key: str, value: object) -> float:
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number):  # nan, inf: never a setting
        raise _bad_setting(key, value, "ต้องเป็นตัวเลข", "must be a number")
    return number


def _bad_setting(key: str, value: object, th: str, en: str) -> SsoError:
    label = next((s.label_th for s in layout.SETTINGS if s.key == key), key)
    return SsoError(
        f"ค่าตั้งค่า {key} ({label}) = {value!r}: {th}",
        f"setting {key} = {value!r}: {en}",
        where=f"{layout.SHEET_SETTINGS} / {layout.TABLE_SETTINGS}",
    )


def _setting_value(key: str, value: object) -> object:
    """One typed setting, checked; blank means the default (cap: no cap)."""
    if key == "cap":
        if is_blank(value):
            return None
        cap = _number(key, value)
        if cap < 100:
            raise _bad_setting(key, value, "เพดานต้องไม่ต่ำกว่า 100", "a cap must be at least 100")
        return cap
    if is_blank(value):
        return _DEFAULTS[key] if key not in ("unit", "schema_version", "reporter") else ""
    if key == "deadline_day":
        day = _number(key, value)
        if not (day.is_integer() and 1 <= day <= 31):
            raise _bad_setting(key, value, "ต้องเป็นวันที่ 1-31", "must be a day 1-31")
        return int(day)
    if key in ("unit", "schema_version", "reporter"):
        text = str(value).strip()
        return text[:-2] if key == "schema_version" and text.endswith(".0") else text
    if key == "year_be":
        year = int(_number(key, value))
        year = to_buddhist(year) if year < 2400 else year  # 2021 typed: read as พ.ศ. 2564
        if not YEAR_BE_RANGE[0] <= year <= YEAR_BE_RANGE[1]:
            raise _bad_setting(
                key,
                value,
                f"ปี พ.ศ. ต้องอยู่ระหว่าง {YEAR_BE_RANGE[0]}-{YEAR_BE_RANGE[1]}",
                f"the Buddhist-era year must be {YEAR_BE_RANGE[0]}-{YEAR_BE_RANGE[1]} "
                f"(พ.ศ. = A.D. + 543)",
            )
        return year
    if key == "year_kind":
        kind = year_kind_of(value)  # the dropdown's ปีปฏิทิน/ปีงบประมาณ, or the English codes
        if kind is None:
            raise _bad_setting(
                key,
                value,
                "ต้องเป็น ปีปฏิทิน หรือ ปีงบประมาณ",
                "use ปีปฏิทิน (calendar) or ปีงบประมาณ (fiscal)",
            )
        return kind
    if key == "quarter":
        q = _number(key, value)
        if q not in (1, 2, 3, 4):
            raise _bad_setting(key, value, "ไตรมาสต้องเป็น 1-4", "quarter must be 1-4")
        return int(q)
    if key in ("green_at", "yellow_at"):
        return _number(key, value)
    if key.startswith("colour_"):
        # Excel turns a colour typed as digits (920050) into a number: read it back as hex.
        number = isinstance(value, int | float) and float(value).is_integer()
        text = f"{int(value):06d}" if number else str(value).strip()  # type: ignore[arg-type]
        if not _HEX.match(text):
            raise _bad_setting(
                key, value, "สีต้องเป็นรหัส RGB 6 หลัก เช่น 92D050", "use a 6-digit RGB hex like 92D050"
            )
        return text.lstrip("#").upper()
    return value


def settings_from_rows(rows: Sequence[Sequence[object]]) -> Settings:
    """Settings from ``tbl_settings`` rows ``[key, value, ...]``; other rows (a header) ignored.

    Why checked here: a planner types these cells; a quarter of 5 or a colour of "green" must
    be refused with a message naming the setting, not crash the rebuild half-way.
    """
    known = {f.name for f in fields(Settings)}
    values: dict[str, object] = {}
    for row in rows:
        if not row:
            continue
        key = str(row[0]).strip()
        if key in known and key not in values:
            values[key] = _setting_value(key, row[1] if len(row) > 1 else None)
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.yellow_at > settings.green_at:
        raise _bad_setting(
            "yellow_at",
            settings.yellow_at,
            "เกณฑ์สีเหลืองต้องไม่สูงกว่าเกณฑ์สีเขียว",
            "the yellow threshold must not be above the green one",
        )
    return settings


def settings_rows(settings: Settings | None = None) -> list[list[object]]:
    """``[key, value, description]`` rows for ``tbl_settings``, in :data:`layout.SETTINGS` order."""
    settings = settings or Settings()
    shown = {"year_kind": YEAR_KIND_TH[settings.year_kind]}  # planners pick Thai words
    return [
        [s.key, shown.get(s.key, getattr(settings, s.key)), f"{s.label_th} / {s.label_en}"]
        for s in layout.SETTINGS
    ]
