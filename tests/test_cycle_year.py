"""A whole year of the cycle on generated units: distribute → type results → submit monthly
(one unit late, one editing after submission, one lowering a target, one cancelling an
indicator, one stopping, one never returning its book, one hand-made book) → consolidate →
report; every status and every listed change is checked."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import range_boundaries

from sso_app.book import layout
from sso_app.book.libreoffice import pdf_text
from sso_app.book.refresh import book_writer, load_for_edit
from sso_app.bookimport import import_into
from sso_app.build import build_workbook
from sso_app.cli import main
from sso_app.consolidate import consolidate
from sso_app.distribute import distribute
from sso_app.report import write_report
from sso_app.submit import reopen, submit
from sso_kpi.cycle import due_date
from sso_kpi.errors import SsoError
from sso_kpi.plan_status import CANCELLED

YEAR, KIND = 2564, "calendar"
ONTIME, LATE, EDITS, LOWERS, CANCELS, STOPS, MISSING = (
    "สปส.ชลบุรี",
    "สปส.ระยอง",
    "สปส.ตราด",
    "สปส.จันทบุรี",
    "สปส.นครนายก",
    "สปส.สระแก้ว",
    "สปส.ปราจีนบุรี",
)
UNITS = (ONTIME, LATE, EDITS, LOWERS, CANCELS, STOPS, MISSING)
HANDMADE = "สปส.ลพบุรี"
LATE_MONTHS = (5, 12)


def plan_frame() -> pd.DataFrame:
    """The national plan: the same routine work in every province, monthly plans."""
    rows = []
    for unit in UNITS:
        for project, name in (("SSF-001", "งานบริการผู้ประกันตน"), ("SSF-002", "งานตรวจสถานประกอบการ")):
            for kpi, (target, unit_of_count, monthly) in enumerate(
                ((1200, "ราย", 100), (80, "ร้อยละ", 80)), start=1
            ):
                row = {
                    "project_id": project,
                    "fund": "กองทุนประกันสังคม",
                    "strategy": "1",
                    "substrategy": "1.1",
                    "kind": "งานประจำ",
                    "project_number": project[-1],
                    "project_name": name,
                    "unit": unit,
                    "budget": "100000",
                    "kpi_number": str(kpi),
                    "kpi_name": f"ตัวชี้วัด {kpi} ของ {name}",
                    "target": str(target),
                    "weight": "50",
                    "count_unit": unit_of_count,
                }
                row |= {f"plan_m{m}": str(monthly) for m in range(1, 13)}
                rows.append(row)
    return pd.DataFrame(rows)


def cells_of(ws) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """tbl_kpi's column numbers by key, and each indicator's sheet row."""
    min_col, header, max_col, last = range_boundaries(ws.tables[layout.TABLE_KPI].ref)
    columns = {str(ws.cell(header, c).value): c for c in range(min_col, max_col + 1)}
    rows = {
        (
            str(ws.cell(r, columns["project_id"]).value),
            str(ws.cell(r, columns["kpi_number"]).value),
        ): r
        for r in range(header + 1, last + 1)
    }
    return columns, rows


def type_into(book: Path, values: dict[tuple[str, str], dict[str, object]]) -> None:
    """What a unit does in Excel: type cells and save (no lock, no check: Excel's way)."""
    wb = load_for_edit(book)
    ws = wb[layout.SHEET_ENTRY]
    columns, rows = cells_of(ws)
    for key, cells in values.items():
        for column, value in cells.items():
            ws.cell(rows[key], columns[column]).value = value
    tmp = book.with_name("typing.tmp.xlsm")
    book_writer(wb, book)(tmp)
    os.replace(tmp, book)


def results_of(month: int) -> dict[tuple[str, str], dict[str, object]]:
    return {
        ("SSF-001", "1"): {f"result_m{month}": 100 + month},
        ("SSF-001", "2"): {f"result_m{month}": 85},
        ("SSF-002", "1"): {f"result_m{month}": 60},
        ("SSF-002", "2"): {f"result_m{month}": 81},
    }


def sent_at(month: int, *, late: bool) -> dt.datetime:
    due = due_date(month, YEAR, KIND, 5)
    day = due + dt.timedelta(days=3 if late else -2)
    return dt.datetime.combine(day, dt.time(9, 30))


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("year")
    plan = root / "แผนปฏิบัติการ 2564.csv"
    plan_frame().to_csv(plan, index=False, encoding="utf-8-sig")
    folder = root / "books"
    handed = distribute(plan, folder, year_be=YEAR, year_kind=KIND)
    books = {o.unit: o.book for o in handed.outcomes}
    (folder / books[MISSING].name).unlink()  # never returned

    for month in range(1, 13):
        for unit in (ONTIME, LATE, EDITS, LOWERS, CANCELS, STOPS):
            if unit == STOPS and month == 12:
                continue
            typed = results_of(month)
            if unit == LOWERS and month == 8:  # the unit lowers its own target, quietly
                typed[("SSF-001", "1")] |= {"target": 1000, "plan_m12": 50}
            if unit == CANCELS:
                if month == 7:  # the indicator is cancelled from the third quarter
                    typed[("SSF-002", "2")] = {
                        "plan_status": "ยกเลิกในไตรมาส 3",
                        "status_date": "2021-07-01",
                        "status_reason": "โอนภารกิจให้ส่วนกลาง",
                    }
                elif month > 7:
                    typed.pop(("SSF-002", "2"))
            type_into(books[unit], typed)
            late = unit == LATE and month in LATE_MONTHS
            submit(books[unit], month, now=sent_at(month, late=late))
        if month == 10:  # a correction: reopened with a reason, typed, sent again
            reopen(books[ONTIME], 10, "แก้ผลเดือน ต.ค. ตามหนังสือยืนยัน")
            type_into(books[ONTIME], {("SSF-001", "1"): {"result_m10": 111}})
            submit(books[ONTIME], 10, now=sent_at(10, late=False))
    # After its last submission, a unit changes a sent result (pasted over the guard).
    type_into(books[EDITS], {("SSF-001", "1"): {"result_m3": 90}})

    # A book made by hand (an older way of working): no record, never refused for that.
    handmade = folder / f"{HANDMADE}.xlsm"
    build_workbook(handmade, demo=False)
    wb = openpyxl.load_workbook(handmade, keep_vba=True)
    settings = wb[layout.SHEET_SETTINGS]
    for row in settings.iter_rows(min_row=1):
        if row[0].value == "unit":
            row[1].value = HANDMADE
    tmp = handmade.with_name("tmp.xlsm")
    book_writer(wb, handmade)(tmp)
    os.replace(tmp, handmade)
    rows = plan_frame()
    rows = rows[rows["unit"] == ONTIME].assign(unit=HANDMADE)
    rows["result_m1"] = "100"
    rows.to_csv(root / "handmade.csv", index=False, encoding="utf-8-sig")
    import_into(root / "handmade.csv", handmade)

    national = root / "สรุประดับประเทศ.xlsx"
    report = consolidate([folder], national, None, month=12, workers=1)
    return root, folder, books, report, national


def by_unit(report) -> dict:
    return {c.unit: c for c in report.cycles}


def changes(listed) -> list[tuple]:
    return [(c.project_id, c.kpi_number, c.column, c.before, c.after) for c in listed]


def test_every_unit_has_its_status(year):
    _, _, _, report, _ = year
    units = by_unit(report)
    assert report.month == 12
    assert list(units) == [*UNITS, HANDMADE]  # the manifest's order, then the others
    assert units[ONTIME].labels_th == ["ส่งแล้ว"]
    assert units[LATE].labels_th == ["ส่งช้า"]
    assert units[EDITS].labels_th == ["ส่งแล้ว", "แก้ไขหลังส่ง"]
    assert units[LOWERS].labels_th == ["ส่งแล้ว", "แผนไม่ตรงกับที่อนุมัติ"]
    assert units[CANCELS].labels_th == ["ส่งแล้ว", "แผนไม่ตรงกับที่อนุมัติ"]
    assert units[STOPS].labels_th == ["ยังไม่ส่ง"]
    assert units[MISSING].labels_th == ["ยังไม่ส่ง"]
    assert units[HANDMADE].labels_th == ["ยังไม่ส่ง"]


def test_dates_due_and_who(year):
    _, _, _, report, _ = year
    units = by_unit(report)
    due = due_date(12, YEAR, KIND, 5)
    assert due == dt.date(2022, 1, 5)
    assert units[ONTIME].state.at == sent_at(12, late=False).isoformat(sep=" ")
    assert units[LATE].state.at == sent_at(12, late=True).isoformat(sep=" ")
    assert dt.date.fromisoformat(units[LATE].state.at[:10]) > units[LATE].state.due == due
    assert units[ONTIME].state.who and units[ONTIME].state.tool_version
    assert units[STOPS].state.at == "" and units[MISSING].state.at == ""


def test_every_listed_change(year):
    _, _, _, report, _ = year
    units = by_unit(report)
    assert changes(units[EDITS].changed_after_submission) == [
        ("SSF-001", "1", "result_m3", 103.0, 90.0)
    ]
    assert changes(units[LOWERS].plan_changed) == [
        ("SSF-001", "1", "target", 1200.0, 1000.0),
        ("SSF-001", "1", "plan_m12", 100.0, 50.0),
    ]
    assert changes(units[CANCELS].plan_changed) == [
        ("SSF-002", "2", "plan_status", None, "ยกเลิกในไตรมาส 3")
    ]
    for unit in (ONTIME, LATE, STOPS):
        assert units[unit].changed_after_submission == [] and units[unit].plan_changed == []
    # The lowered target went out with the later submissions: nothing changed after them.
    assert units[LOWERS].changed_after_submission == []


def test_books_without_a_record_are_read_not_refused(year):
    _, _, _, report, _ = year
    units = by_unit(report)
    files = {f.unit: f for f in report.files}
    assert files[HANDMADE].usable  # read and consolidated
    assert any("no submission record" in n for n in units[HANDMADE].notes)
    assert any("not in the distribution manifest" in n for n in units[HANDMADE].notes)
    assert any("no book received" in n for n in units[MISSING].notes)
    assert HANDMADE in report.national.units


def test_a_month_of_the_past_and_a_reopened_month(year, capsys):
    _, folder, _, _, _ = year
    out = folder.parent / "may.xlsx"
    assert main(["consolidate", str(folder), "-o", str(out), "--month", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    units = {u["unit"]: u for u in data["units"]}
    assert data["month"] == 5
    assert units[LATE]["submission"]["state"] == "late"
    assert units[LATE]["statuses"] == ["ส่งช้า"]
    assert units[ONTIME]["submission"]["state"] == "submitted"
    assert units[STOPS]["submission"]["state"] == "submitted"  # it stopped in December
    assert units[EDITS]["changed_after_submission"] == [
        {"project_id": "SSF-001", "kpi_number": "1", "column": "result_m3",
         "before": 103.0, "after": 90.0}
    ]  # fmt: skip
    assert set(units[LOWERS]) >= {"submission", "changed_after_submission", "plan_changed"}


def test_reopen_is_recorded_with_its_reason(year):
    _, _, books, _, _ = year
    records = pd.read_excel(
        books[ONTIME], sheet_name=layout.SHEET_CYCLE, header=2, dtype=str, engine="calamine"
    )
    events = records[records["month"].isin(["10", "10.0"])][["event", "reason"]].fillna("")
    assert events.values.tolist() == [
        ["submit", ""],
        ["reopen", "แก้ผลเดือน ต.ค. ตามหนังสือยืนยัน"],
        ["submit", ""],
    ]


def test_the_cancelled_indicator_leaves_the_average_from_its_quarter(year):
    _, _, _, report, _ = year
    kpis = report.national.by_unit.kpis
    mine = kpis[(kpis["reporting_unit"] == CANCELS) & (kpis["project_id"] == "SSF-002")]
    row = mine[mine["kpi_number"] == "2"].iloc[0]
    assert row["status"] == CANCELLED and row["mark"] == "ยกเลิกในไตรมาส 3"
    projects = report.national.by_unit.projects
    avg = projects[(projects["reporting_unit"] == CANCELS) & (projects["project_id"] == "SSF-002")]
    # Q4: only indicator 1 remains, 60 of 100 a month.
    assert avg["average_pct"].iloc[0] == pytest.approx(60.0)


def test_the_national_workbook_lists_statuses_changes_and_marks(year):
    _, _, _, _, national = year
    units = pd.read_excel(national, sheet_name="การส่งผล", header=None, dtype=str, engine="calamine")
    text = "\n".join(units.fillna("").astype(str).agg(" ".join, axis=1))
    assert "ส่งช้า" in text and "แก้ไขหลังส่ง" in text and "แผนไม่ตรงกับที่อนุมัติ" in text
    assert "ยกเลิกในไตรมาส 3" in text and "โอนภารกิจให้ส่วนกลาง" in text
    assert "result_m3" in text and "plan_m12" in text


def test_the_report_prints_the_attention_page(year):
    root, _, _, _, national = year
    result = write_report(national, root / "รายงาน.pdf", 4)
    text = " ".join(pdf_text(result.pdf).split())
    assert "การส่งผลและการเปลี่ยนแผน" in text
    assert "ส่งช้า" in text and "ยังไม่ส่ง" in text and "ยกเลิกในไตรมาส 3" in text


def test_submitted_cells_are_guarded_with_the_way_to_reopen(year):
    _, _, books, _, _ = year
    ws = openpyxl.load_workbook(books[STOPS])[layout.SHEET_ENTRY]
    columns, _ = cells_of(ws)
    # The sent months' guard (the computed block has its own "do not type here" guard).
    guards = [
        dv for dv in ws.data_validations.dataValidation if "sso-kpi reopen" in (dv.error or "")
    ]
    assert len(guards) == 1 and guards[0].type == "custom"
    guarded = {r.min_col for r in guards[0].sqref.ranges}
    assert columns["result_m11"] in guarded and columns["result_m12"] not in guarded
    assert columns["plan_m11"] in guarded and columns["result_q3"] in guarded
    others = [r.min_col for dv in ws.data_validations.dataValidation if dv is not guards[0]
              for r in dv.sqref.ranges]  # fmt: skip
    assert not guarded & set(others)  # one validation per cell


def test_submit_refuses_twice_and_errors_on_due_indicators(year, tmp_path):
    _, _, books, _, _ = year
    with pytest.raises(SsoError, match="reopen"):
        submit(books[ONTIME], 12)
    # A fresh distribution; an unreadable result on a due indicator stops the submission.
    plan = tmp_path / "plan.csv"
    plan_frame()[lambda f: f["unit"] == ONTIME].to_csv(plan, index=False)
    book = distribute(plan, tmp_path / "b", year_be=YEAR, year_kind=KIND).outcomes[0].book
    type_into(book, {("SSF-001", "1"): {"result_m1": "ประมาณ 100"}})
    before = book.read_bytes()
    sent = submit(book, 1)
    assert sent.errors and "result_m1" in sent.errors[0].column
    assert book.read_bytes() == before  # nothing written
    assert main(["submit", str(book), "--month", "1"]) == 2  # refused: nothing recorded
