"""Plan changes as data (ยกเลิกในไตรมาส N, ยกเลิกแผนงาน), on the FY2564 strategy-1 plan, and
the cycle's rules that need no book: due dates, snapshots edited by hand, reopened months."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import udfs
from sso_kpi.cycle import (
    LATE,
    NOT_SUBMITTED,
    SUBMITTED,
    due_date,
    frame_hash,
    snapshot_columns,
    unit_cycle,
)
from sso_kpi.evaluation import evaluate
from sso_kpi.importing import Source, read_table
from sso_kpi.plan_status import CANCELLED, PROJECT_MARK, quarter_mark

# SSF-001 "งานบริการกองทุนประกันสังคม ณ หน่วยบริการ": 6 indicators, printed average 138 at Q3.
PROJECT = "SSF-001"


def marked(raw: pd.DataFrame, marks: dict[tuple[str, str], str]):
    raw = raw.copy()
    raw["plan_status"] = ""
    for (project, kpi), mark in marks.items():
        raw.loc[(raw["project_id"] == project) & (raw["kpi_number"] == kpi), "plan_status"] = mark
    return read_table(raw, Source(file="plan.csv"))


def project_avg(ev, project: str = PROJECT) -> float:
    return float(ev.projects.set_index("project_id").loc[project, "average_pct"])


@pytest.mark.parametrize("cancelled_in", [2, 3])
def test_a_cancelled_indicator_leaves_the_average_from_its_quarter_on(
    action_plan_raw, cancelled_in
):
    """Indicator 3 (282% at Q3, "10,449,333" of 3,710,039) marked ยกเลิกในไตรมาส N."""
    plain = evaluate(read_table(action_plan_raw, Source(file="plan.csv")), 3)
    ev3 = evaluate(marked(action_plan_raw, {(PROJECT, "3"): quarter_mark(cancelled_in)}), 3)
    kpis = plain.kpis[plain.kpis["project_id"] == PROJECT]
    others = kpis[kpis["kpi_number"] != "3"]
    expected = float(np.average(others["achievement_pct"], weights=others["weight"]))
    assert project_avg(ev3) == pytest.approx(expected)
    assert project_avg(ev3) < project_avg(plain)  # the 282% indicator no longer lifts it
    row = ev3.kpis[(ev3.kpis["project_id"] == PROJECT) & (ev3.kpis["kpi_number"] == "3")]
    assert row["status"].item() == CANCELLED and row["mark"].item() == quarter_mark(cancelled_in)
    assert ev3.projects.set_index("project_id").loc[PROJECT, "n_cancelled"] == 1
    # Before its quarter it counts as before.
    before = evaluate(marked(action_plan_raw, {(PROJECT, "3"): quarter_mark(cancelled_in)}), 1)
    plain1 = evaluate(read_table(action_plan_raw, Source(file="plan.csv")), 1)
    if cancelled_in > 1:
        assert project_avg(before) == pytest.approx(project_avg(plain1))


@pytest.mark.parametrize("quarter", [1, 2, 3])
def test_a_cancelled_project_leaves_the_counts_at_every_quarter(action_plan_raw, quarter):
    plain = evaluate(read_table(action_plan_raw, Source(file="plan.csv")), quarter)
    ev = evaluate(marked(action_plan_raw, {(PROJECT, "1"): PROJECT_MARK}), quarter)
    was = plain.summary.set_index("strategy").loc["1"]
    now = ev.summary.set_index("strategy").loc["1"]
    band = plain.projects.set_index("project_id").loc[PROJECT, "band"]
    assert now[band] == was[band] - 1  # out of its band's count
    assert now["evaluated"] + now["not_evaluated"] == was["evaluated"] + was["not_evaluated"] - 1
    project = ev.projects.set_index("project_id").loc[PROJECT]
    assert project["mark"] == PROJECT_MARK and not project["evaluated"]
    assert (ev.kpis.loc[ev.kpis["project_id"] == PROJECT, "status"] == CANCELLED).all()
    assert PROJECT not in set(ev.not_reported()["project_id"])


def test_marks_are_read_as_planners_type_them_and_others_are_errors(action_plan_raw):
    imported = marked(
        action_plan_raw,
        {(PROJECT, "1"): "ยกเลิกในไตรมาสที่ ๓", (PROJECT, "2"): "ดำเนินการ", ("SSF-002", "1"): "พัก"},
    )
    errors = [i for i in imported.errors if "plan_status" in i.column]
    assert len(errors) == 1 and errors[0].value == "พัก" and "ยกเลิกแผนงาน" in errors[0].message_th
    ev = evaluate(imported, 3)
    row = ev.kpis[(ev.kpis["project_id"] == PROJECT) & (ev.kpis["kpi_number"] == "1")]
    assert row["mark"].item() == "ยกเลิกในไตรมาส 3"


# -- the cycle's rules ------------------------------------------------------------------------


def test_due_dates_calendar_fiscal_and_deadline_day():
    assert due_date(1, 2564, "calendar") == dt.date(2021, 2, 5)
    assert due_date(12, 2564, "calendar") == dt.date(2022, 1, 5)
    assert due_date(1, 2565, "fiscal") == dt.date(2021, 11, 5)  # ต.ค. 2564 → 5 พ.ย.
    assert due_date(4, 2565, "fiscal") == dt.date(2022, 2, 5)  # ม.ค. 2565
    assert due_date(1, 2564, "calendar", 31) == dt.date(2021, 2, 28)  # no 31 February


def _book(month_sent: int, *, at: str, reopen: str = ""):
    current = pd.DataFrame(
        {"project_id": ["P"], "kpi_number": ["1"], "target": [10.0], "weight": [100.0],
         "plan_m1": [5.0], "result_m1": [4.0]}
    )  # fmt: skip
    columns = snapshot_columns(month_sent)
    snapshot = current.copy()
    events = [
        {"event": "submit", "month": month_sent, "at": at, "hash": frame_hash(snapshot, columns)}
    ]
    if reopen:
        events.append({"event": "reopen", "month": month_sent, "at": at, "reason": reopen})
    return current, pd.DataFrame(events), snapshot


def test_sent_late_and_changed_after():
    current, records, snapshot = _book(1, at="2021-02-08 10:00:00")
    due = due_date(1, 2564, "calendar")
    later = current.assign(result_m1=[3.0])
    got = unit_cycle("U", month=1, due=due, current=later, records=records, snapshot=snapshot,
                     approved=current)  # fmt: skip
    assert got.state.state == LATE and got.labels_th == ["ส่งช้า", "แก้ไขหลังส่ง"]
    assert [(c.column, c.before, c.after) for c in got.changed_after_submission] == [
        ("result_m1", 4.0, 3.0)
    ]
    on_time = unit_cycle("U", month=1, due=dt.date(2021, 2, 10), current=current,
                         records=records, snapshot=snapshot, approved=current)  # fmt: skip
    assert on_time.state.state == SUBMITTED and on_time.labels_th == ["ส่งแล้ว"]


def test_a_snapshot_edited_by_hand_reads_as_not_submitted():
    current, records, snapshot = _book(1, at="2021-02-03 10:00:00")
    snapshot = snapshot.assign(result_m1=[9.0])  # someone "fixed" the record
    got = unit_cycle("U", month=1, due=dt.date(2021, 2, 5), current=current, records=records,
                     snapshot=snapshot, approved=None)  # fmt: skip
    assert got.state.state == NOT_SUBMITTED
    assert any("edited by hand" in n for n in got.notes)


def test_a_reopened_month_is_not_submitted_and_changes_are_expected():
    current, records, snapshot = _book(1, at="2021-02-03 10:00:00", reopen="แก้ผล")
    got = unit_cycle("U", month=1, due=dt.date(2021, 2, 5), current=current.assign(result_m1=[1.0]),
                     records=records, snapshot=snapshot, approved=None)  # fmt: skip
    assert got.state.state == NOT_SUBMITTED and got.state.reopened == "แก้ผล"
    assert got.changed_after_submission == []


def test_a_record_with_unreadable_rows_is_read_not_refused():
    current, _, snapshot = _book(1, at="x")
    records = pd.DataFrame({"event": ["submit", "???"], "month": ["1", "abc"], "at": ["x", None]})
    got = unit_cycle("U", month=1, due=dt.date(2021, 2, 5), current=current, records=records,
                     snapshot=snapshot, approved=None)  # fmt: skip
    assert got.state.state == NOT_SUBMITTED


def test_the_books_excel_functions_leave_cancelled_rows_out_as_the_engine_does(action_plan_raw):
    """The grey block: SSO_ACHIEVEMENT and SSO_STATUS take plan_status, the project ids and
    the quarter; SSO_PROJECT_AVG then averages what the engine averages."""

    def col(values):
        return [[None if pd.isna(v) else v] for v in values]

    imported = marked(
        action_plan_raw, {(PROJECT, "3"): quarter_mark(3), ("SSF-002", "1"): PROJECT_MARK}
    )
    k = imported.frame
    for quarter in (2, 3):
        ev = evaluate(imported, quarter)
        plan, result = col(ev.kpis["plan"]), col(ev.kpis["result"])
        args = (col(k["plan_status"]), col(k["project_id"]), quarter)
        pct = udfs.SSO_ACHIEVEMENT(plan, result, col(k["direction"]), None, None, *args)
        got = [row[0] for row in pct]
        want = ev.kpis["achievement_pct"].tolist()
        assert [None if pd.isna(v) else pytest.approx(v) for v in want] == got
        status = [r[0] for r in udfs.SSO_STATUS(plan, result, col(k["direction"]), *args)]
        assert status == ev.kpis["status"].tolist()
        avg = udfs.SSO_PROJECT_AVG(col(k["project_id"]), pct, col(k["weight"]))
        by_project = dict(zip(k["project_id"], (r[0] for r in avg), strict=True))
        want_avg = ev.projects.set_index("project_id")["average_pct"]
        assert by_project[PROJECT] == pytest.approx(want_avg[PROJECT])
        assert by_project["SSF-002"] is None and pd.isna(want_avg["SSF-002"])


def test_rows_without_a_project_id_before_the_others_are_one_project():
    """Rows with no id are one project of their own, wherever they come (they used to have
    to come last)."""
    import numpy as np
    import pandas as pd

    from sso_kpi.evaluation import evaluate

    frame = pd.DataFrame(
        {
            "project_id": [None, "P1", None, "P2"],
            "fund": ["F"] * 4, "strategy": ["1"] * 4, "substrategy": [""] * 4,
            "kind": [""] * 4, "project_number": [""] * 4, "project_name": ["a", "b", "c", "d"],
            "unit": [""] * 4, "budget": [np.nan] * 4, "weight": [50.0, 100.0, 50.0, 100.0],
            "plan_q1": [10.0, 10.0, 10.0, 10.0], "result_q1": [10.0, 5.0, 0.0, 20.0],
            "plan_q2": np.nan, "plan_q3": np.nan, "plan_q4": np.nan,
            "result_q2": np.nan, "result_q3": np.nan, "result_q4": np.nan,
            "direction": ["higher"] * 4, "aggregation": ["sum"] * 4, "cap": np.nan,
        }
    )  # fmt: skip
    ev = evaluate(frame, 1)
    p = ev.projects
    assert p["project_id"].isna().tolist() == [True, False, False]
    assert p["n_kpis"].tolist() == [2, 1, 1]
    assert p["average_pct"].tolist() == [50.0, 50.0, 200.0]
