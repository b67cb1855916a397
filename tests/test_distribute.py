"""`sso-kpi distribute`: one book per unit, a manifest, and a re-run after a plan change that
touches only the books whose part changed, keeps what the units typed and says what changed."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sso_app.book import layout
from sso_app.book.opening import open_sso_book
from sso_app.build import build_workbook
from sso_app.cli import main
from sso_app.consolidate import consolidate
from sso_app.distribute import NEW, UNCHANGED, UPDATED, book_name, distribute
from sso_app.national.manifest import manifest_path, read_manifest
from sso_kpi.errors import SsoError
from tests.test_cycle_year import plan_frame, type_into

A, B, C = "สปส.ชลบุรี", "สปส.ระยอง", "สปส.ตราด"


def plan(units=(A, B)) -> pd.DataFrame:
    frame = plan_frame()
    first = frame["unit"].iloc[0]
    one = frame[frame["unit"] == first]
    return pd.concat([one.assign(unit=u) for u in units], ignore_index=True)


def test_one_book_per_unit_with_its_rows_settings_and_manifest(tmp_path):
    src = tmp_path / "plan.csv"
    plan().to_csv(src, index=False)
    done = distribute(src, tmp_path / "out", year_be=2565, year_kind="fiscal", deadline_day=7)
    assert [(o.unit, o.what, o.indicators) for o in done.outcomes] == [(A, NEW, 4), (B, NEW, 4)]
    book = open_sso_book(done.outcomes[0].book)
    s = book.settings
    assert (s.unit, s.year_be, s.year_kind, s.deadline_day) == (A, 2565, "fiscal", 7)
    kpis = book.data.kpis.frame
    assert len(kpis) == 4 and kpis[[f"result_m{m}" for m in range(1, 13)]].isna().all().all()
    assert book.has_table(layout.TABLE_APPROVED_PLAN) and book.has_table(layout.TABLE_SUBMISSIONS)
    manifest = read_manifest(manifest_path(tmp_path / "out"))
    assert list(manifest.units) == [A, B] and manifest.units[A].file == book_name(A)
    raw = json.loads(manifest_path(tmp_path / "out").read_text(encoding="utf-8"))
    assert raw["units"][0]["indicators"] == [["SSF-001", "1"], ["SSF-001", "2"],
                                             ["SSF-002", "1"], ["SSF-002", "2"]]  # fmt: skip


def test_a_rerun_updates_only_what_changed_and_keeps_the_units_results(tmp_path):
    src, out = tmp_path / "plan.csv", tmp_path / "out"
    plan().to_csv(src, index=False)
    first = {
        o.unit: o.book for o in distribute(src, out, year_be=2564, year_kind="calendar").outcomes
    }
    type_into(first[A], {("SSF-001", "1"): {"result_m1": 97}})
    untouched = first[B].stat().st_mtime_ns, first[B].read_bytes()

    changed = plan((A, B, C))
    row = (
        (changed["unit"] == A)
        & (changed["project_id"] == "SSF-001")
        & (changed["kpi_number"] == "1")
    )
    changed.loc[row, "target"] = "900"
    cancel = (changed["unit"] == A) & (changed["project_id"] == "SSF-002")
    changed.loc[cancel & (changed["kpi_number"] == "2"), "plan_status"] = "ยกเลิกในไตรมาส 2"
    changed.to_csv(src, index=False)
    again = distribute(src, out, year_be=2564, year_kind="calendar")
    outcomes = {o.unit: o for o in again.outcomes}
    assert {u: o.what for u, o in outcomes.items()} == {A: UPDATED, B: UNCHANGED, C: NEW}
    assert [
        (c.project_id, c.kpi_number, c.column, c.before, c.after) for c in outcomes[A].changes
    ] == [
        ("SSF-001", "1", "target", 1200.0, 900.0),
        ("SSF-002", "2", "plan_status", None, "ยกเลิกในไตรมาส 2"),
    ]
    text = str(again)
    assert "ปรับแผน / plan updated" in text and "target: 1200.0 → 900.0" in text
    assert (first[B].stat().st_mtime_ns, first[B].read_bytes()) == untouched
    book = open_sso_book(first[A]).data.kpis.frame.set_index(["project_id", "kpi_number"])
    assert book.loc[("SSF-001", "1"), "result_m1"] == 97  # the unit's result kept
    assert book.loc[("SSF-001", "1"), "target"] == 900
    assert list((out / f"{first[A].stem}.backups").iterdir())  # the old book kept
    # The book now holds the new approved plan: nothing differs from it.
    report = consolidate([out], tmp_path / "n.xlsx", None, workers=1)
    cycles = {c.unit: c for c in report.cycles}
    assert cycles[A].plan_changed == [] and cycles[C].labels_th == ["ยังไม่ส่ง"]

    changed[changed["unit"] != B].to_csv(src, index=False)
    dropped = distribute(src, out, year_be=2564, year_kind="calendar")
    assert dropped.dropped == [B] and first[B].exists()


def test_errors_in_the_plan_write_nothing(tmp_path, capsys):
    bad = plan()
    bad.loc[0, "plan_m1"] = "ร้อย"
    bad.loc[1, "kpi_number"] = "1"  # a duplicate within one unit
    src = tmp_path / "plan.csv"
    bad.to_csv(src, index=False)
    code = main(["distribute", str(src), "-o", str(tmp_path / "out"), "--year", "2564",
                 "--year-kind", "calendar"])  # fmt: skip
    assert code == 1
    text = capsys.readouterr().out
    assert "plan_m1" in text and "duplicate" in text
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_csv_plan_needs_its_year(tmp_path):
    src = tmp_path / "plan.csv"
    plan().to_csv(src, index=False)
    with pytest.raises(SsoError, match="--year"):
        distribute(src, tmp_path / "out")


def test_by_another_column_and_a_plan_book_gives_its_year(tmp_path):
    src = tmp_path / "plan.csv"
    frame = plan((A, B))
    frame["สำนักงาน"] = frame["unit"].map({A: "เขต 1", B: "เขต 2"})
    frame.loc[frame.index[-1], "สำนักงาน"] = "เขต 3"
    frame.to_csv(src, index=False)
    done = distribute(src, tmp_path / "out", by="สำนักงาน", year_be=2564, year_kind="calendar")
    got = [(o.unit, o.indicators) for o in done.outcomes]
    assert got == [("เขต 1", 4), ("เขต 2", 3), ("เขต 3", 1)]

    demo = tmp_path / "demo.xlsm"
    build_workbook(demo, demo=True)
    handed = distribute(demo, tmp_path / "demo_out")
    assert len(handed.outcomes) == 18  # the FY2564 strategy-1 plan's responsible units
    settings = open_sso_book(handed.outcomes[0].book).settings
    assert (settings.year_be, settings.year_kind) == (2564, "calendar")
