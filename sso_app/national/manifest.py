"""The manifest of a distribution (``แผนที่แจก.json`` in the folder of books): what the
planning division sent to whom -- per unit its book, its indicators, the approved plan and a
fingerprint of it. ``distribute`` writes it; ``consolidate`` reads it to tell who has not sent
anything and whose plan differs from the one approved."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sso_app.files.writing import atomic_write
from sso_kpi.cycle import KEY, PLAN_COLUMNS, frame_hash, keyed
from sso_kpi.errors import SsoError

MANIFEST_NAME = "แผนที่แจก.json"
FORMAT = 1


@dataclass
class UnitEntry:
    unit: str
    file: str  # the book's name in the folder
    approved: pd.DataFrame  # KEY + PLAN_COLUMNS, one row per indicator
    plan_hash: str = ""

    def __post_init__(self) -> None:
        self.plan_hash = self.plan_hash or frame_hash(self.approved, PLAN_COLUMNS)

    @property
    def indicators(self) -> list[list[str]]:
        return [list(k) for k in keyed(self.approved, PLAN_COLUMNS)]


@dataclass
class Manifest:
    year_be: int
    year_kind: str
    deadline_day: int
    plan_file: str = ""
    made_at: str = ""
    units: dict[str, UnitEntry] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "format": FORMAT,
            "year_be": self.year_be,
            "year_kind": self.year_kind,
            "deadline_day": self.deadline_day,
            "plan_file": self.plan_file,
            "made_at": self.made_at or dt.datetime.now().replace(microsecond=0).isoformat(),
            "units": [
                {
                    "unit": e.unit,
                    "file": e.file,
                    "indicators": e.indicators,
                    "plan_hash": e.plan_hash,
                    "approved": [
                        {KEY[0]: k[0], KEY[1]: k[1], **v}
                        for k, v in keyed(e.approved, PLAN_COLUMNS).items()
                    ],
                }
                for e in self.units.values()
            ],
        }


def manifest_path(folder: Path) -> Path:
    return Path(folder) / MANIFEST_NAME


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    path = manifest_path(folder)
    text = json.dumps(manifest.as_json(), ensure_ascii=False, indent=1)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), backup=True)
    return path


def read_manifest(path: Path) -> Manifest:
    """A manifest written by ``distribute``; anything else is refused with a message."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        units = {}
        for u in data["units"]:
            approved = pd.DataFrame(u["approved"], columns=[*KEY, *PLAN_COLUMNS], dtype=object)
            units[str(u["unit"])] = UnitEntry(str(u["unit"]), str(u["file"]), approved)
            units[str(u["unit"])].plan_hash = str(u.get("plan_hash", ""))
        return Manifest(
            int(data["year_be"]),
            str(data["year_kind"]),
            int(data.get("deadline_day", 5)),
            str(data.get("plan_file", "")),
            str(data.get("made_at", "")),
            units,
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise SsoError(
            "อ่านบัญชีการแจกแผนไม่ได้ (สร้างใหม่ด้วย sso-kpi distribute)",
            f"cannot read the distribution manifest ({type(err).__name__}: {err}); "
            "make it again with sso-kpi distribute",
            where=str(path),
        ) from err


def find_manifest(inputs: list[Path]) -> Path | None:
    """The manifest in the first folder given that holds one."""
    for item in inputs:
        item = Path(item)
        if item.is_dir() and manifest_path(item).is_file():
            return manifest_path(item)
    return None
