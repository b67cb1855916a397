"""`consolidate` as a planner sees it on a terminal (issue 13, case 5): every unit's file is
SSO_Plan.xlsx, so files are named by their path in the folder given; progress is shown on a
terminal and nothing of it when the output is piped; warnings are not listed as errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.generate import indicators, unit_copy, write_unit_workbook
from sso_app.cli import main
from sso_app.consolidate import consolidate


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    plan = indicators(12, seed=7)
    root = tmp_path / "inbox"
    for i, (region, unit) in enumerate([("north", "ลำปาง"), ("north", "น่าน"), ("east", "ตราด")]):
        kpis = unit_copy(plan, i)
        if unit == "น่าน":  # no weight anywhere in one project: a warning, every row used
            first = kpis["project_id"] == kpis["project_id"].iloc[0]
            kpis.loc[first, "weight"] = np.nan
        path = root / region / unit / "SSO_Plan.xlsx"
        path.parent.mkdir(parents=True)
        write_unit_workbook(path, unit=f"สำนักงานประกันสังคมจังหวัด{unit}", kpis=kpis)
    return root


def test_files_are_named_by_their_folder_and_warnings_by_their_heading(inbox: Path, tmp_path: Path):
    report = consolidate([inbox], tmp_path / "n.xlsx", 3, progress=False)
    labels = {f.label for f in report.files}
    assert labels == {
        "north/ลำปาง/SSO_Plan.xlsx",
        "north/น่าน/SSO_Plan.xlsx",
        "east/ตราด/SSO_Plan.xlsx",
    }
    text = str(report)
    warned = text.index("ไฟล์ที่มีข้อสังเกตเท่านั้น")
    assert "north/น่าน/SSO_Plan.xlsx" in text[warned:]
    assert "ไฟล์ที่มีข้อผิดพลาด" not in text  # no file has an error


def test_progress_on_a_terminal_and_quiet_when_piped(
    inbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    consolidate([inbox], tmp_path / "a.xlsx", 3, progress=True)
    shown = capsys.readouterr().err
    assert "3/3" in shown and "อ่านไฟล์" in shown
    # Under pytest stderr is not a terminal: the command prints the summary only.
    assert main(["consolidate", str(inbox), "-o", str(tmp_path / "b.xlsx")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "3 files read" in captured.out
