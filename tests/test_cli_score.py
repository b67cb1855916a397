"""`sso-kpi score` end to end, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ACTION_PLAN, OPDC


def sso(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sso_app.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_score_json_action_plan():
    run = sso("score", ACTION_PLAN, "--quarter", "3", "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["quarter"] == 3 and out["errors"] == []
    assert len(out["kpis"]) == 96 and len(out["projects"]) == 57
    first = out["kpis"][0]
    assert set(first) == {"project_id", "kpi_number", "achievement_pct", "status", "band"}
    ssf010 = next(p for p in out["projects"] if p["project_id"] == "SSF-010")
    assert round(ssf010["average_pct"]) == 1166 and ssf010["band"] == "green"
    s = out["summary"][0]
    assert s["strategy"] == "1" and s["green"] + s["yellow"] + s["red"] == s["evaluated"]
    assert any(k["status"] == "not_due" and k["achievement_pct"] is None for k in out["kpis"])


def test_score_json_opdc():
    out = json.loads(sso("score", OPDC, "--json").stdout)
    card = out["scorecard"]
    assert card["total"] == 91.96 and card["level"] == "ระดับคุณภาพ"
    assert {c["component"]: c["weighted"] for c in card["components"]} == {
        "Performance Base": 62.5, "Potential Base": 29.46}  # fmt: skip


def test_score_text_is_readable():
    run = sso("score", ACTION_PLAN, "-q", "Q3")
    assert run.returncode == 0
    assert "summary per strategy" in run.stdout and "SSF-010" in run.stdout


def test_score_reports_bad_cells_and_exits_1(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "project_id,kpi_number,weight,plan_q1,result_q1\nP1,1,abc,5,5\nP1,2,50,5,x\n",
        encoding="utf-8",
    )
    run = sso("score", bad, "--json")
    assert run.returncode == 1
    errors = json.loads(run.stdout)["errors"]
    assert [(e["row"], e["column"].split()[0]) for e in errors] == [(2, "weight"), (3, "result_q1")]


def test_thai_windows_csv_is_read(tmp_path):
    tis = tmp_path / "tis620.csv"
    tis.write_bytes(
        "รหัสโครงการ,ตัวชี้วัดที่,น้ำหนัก,แผน ไตรมาส 1,ผล ไตรมาส 1\nP1,1,100,4,2\n".encode("cp874")
    )
    out = json.loads(sso("score", tis, "--json").stdout)
    assert out["kpis"][0]["achievement_pct"] == 50.0


def test_refusals_are_two_language_without_traceback(tmp_path):
    run = sso("score", tmp_path / "missing.csv")
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "ไม่พบไฟล์" in run.stderr and "not found" in run.stderr


def test_warnings_and_errors_under_their_own_headings(tmp_path, capsys):
    from sso_app.cli import main

    warned = tmp_path / "warned.csv"
    # no weight anywhere in P1: all weigh the same (a warning, every row used)
    warned.write_text("project_id,kpi_number,weight,plan_q1,result_q1\nP1,1,,5,5\nP1,2,,5,4\n")
    assert main(["score", str(warned)]) == 0
    out = capsys.readouterr().out
    assert "ข้อสังเกต / warnings" in out and "ข้อผิดพลาด" not in out
    bad = tmp_path / "bad.csv"
    bad.write_text("project_id,kpi_number,weight,plan_q1,result_q1\nP1,1,abc,5,5\n")
    assert main(["score", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "ข้อผิดพลาด / errors" in out
