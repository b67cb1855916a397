"""`sso-kpi consolidate`: a folder of unit workbooks, good and bad, into the national book."""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import range_boundaries

from bench.generate import budget_rows, indicators, table_rows, unit_copy
from sso_app.book import layout
from sso_app.book.entry_sheet import kpi_data_rows, resize_table, write_rows
from sso_app.book.layout import NATIONAL_KPI_TABLE
from sso_app.book.libreoffice import pdf_text
from sso_app.book.readers import read_raw
from sso_app.book.summary import band_table
from sso_app.build import build_workbook
from sso_app.cli import main
from sso_app.consolidate import consolidate
from sso_app.files.writing import versions_of
from sso_app.national.intake import expand_inputs
from sso_kpi.consolidation import UnitReport, consolidate_units
from sso_kpi.importing import read_table

HOSTILE = '=HYPERLINK("http://x","y")'
UNITS = {
    "unit_a.xlsx": "สำนักงานประกันสังคมจังหวัดสุโขทัย",
    "unit_b.xlsx": "สำนักงานประกันสังคมจังหวัดตาก",
    "unit_c.xlsx": "สำนักงานประกันสังคมจังหวัดน่าน",  # has typed no results: not reported
}
CENTRAL = "central.xlsm"
CENTRAL_UNIT = "สำนักงานประกันสังคม"  # the builder's demo book


def plan() -> pd.DataFrame:
    # "T-" ids: the generated plan must not collide with the demo book's SSF-001...
    frame = indicators(60, seed=7)
    return frame.assign(project_id="T-" + frame["project_id"].astype(str))


_FORM: list[Path] = []


def the_form() -> Path:
    """The builder's book with its demo rows, built once for every unit book of the tests."""
    if not _FORM:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="sso-form-"))
        build_workbook(folder / layout.BOOK_NAME, demo=True)
        _FORM.append(folder / layout.BOOK_NAME)
    return _FORM[0]


def write_unit_workbook(
    path: Path,
    *,
    unit: str,
    kpis: pd.DataFrame | None = None,
    budget: pd.DataFrame | None = None,
    year_be: int | None = None,
) -> Path:
    """A unit's real SSO_Plan book (the builder's form, every sheet and table) with ``unit``
    typed in its settings (blank: as shipped), ``kpis`` in tbl_kpi and ``budget`` in
    tbl_budget (else the demo's rows), saved as .xlsx or, with its macros, as .xlsm."""
    from openpyxl.utils import get_column_letter

    from sso_app.book.saving import customui_of, save_macro_book

    form = the_form()
    macro = path.suffix.lower() == ".xlsm"
    wb = openpyxl.load_workbook(form, keep_vba=macro)
    ws = wb[layout.SHEET_SETTINGS]
    min_col, min_row, _, max_row = range_boundaries(ws.tables[layout.TABLE_SETTINGS].ref)
    for row in range(min_row + 1, max_row + 1):
        key = ws.cell(row=row, column=min_col).value
        if key == "unit":
            ws.cell(row=row, column=min_col + 1).value = unit or None
        elif key == "year_be" and year_be is not None:
            ws.cell(row=row, column=min_col + 1).value = year_be
    if kpis is not None:
        entry = wb[layout.SHEET_ENTRY]
        first, last = kpi_data_rows(entry)
        for row in entry.iter_rows(
            min_row=first, max_row=last, max_col=len(layout.KPI_TABLE_COLUMNS)
        ):
            for cell in row:
                cell.value = None
        write_rows(entry, kpis.drop(columns=["source_row"], errors="ignore"), first)
        resize_table(entry, first + max(len(kpis), 1) - 1)
    if budget is not None:
        money = wb[layout.SHEET_BUDGET]
        table = money.tables[layout.TABLE_BUDGET]
        c1, header, c2, last = range_boundaries(table.ref)
        for row in money.iter_rows(min_row=header + 1, max_row=last, min_col=c1, max_col=c2):
            for cell in row:
                cell.value = None
        rows = table_rows(budget, list(layout.BUDGET_TABLE_COLUMNS))
        for i, values in enumerate(rows, start=header + 1):
            for j, value in enumerate(values, start=c1):
                money.cell(row=i, column=j).value = value
        end = header + max(len(rows), 1)
        table.ref = f"{get_column_letter(c1)}{header}:{get_column_letter(c2)}{end}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
    if macro:
        save_macro_book(wb, path, customui_of(form))
    else:
        wb.save(path)
    return path


def unit_frames() -> dict[str, pd.DataFrame]:
    base = plan()
    frames = {name: unit_copy(base, i) for i, name in enumerate(UNITS)}
    for name in ("unit_a.xlsx", "unit_c.xlsx"):  # a's is the national name; c's is red
        frames[name].loc[0, "project_name"] = HOSTILE
    c = frames["unit_c.xlsx"]
    c[[f"result_q{q}" for q in range(1, 5)]] = np.nan
    return frames


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inbox")
    build_workbook(folder / CENTRAL, demo=True)
    (folder / "central.py").unlink(missing_ok=True)
    for i, (name, frame) in enumerate(unit_frames().items()):
        write_unit_workbook(folder / name, unit=UNITS[name], kpis=frame, budget=budget_rows(i))
    good = (folder / "unit_a.xlsx").read_bytes()
    (folder / "damaged.xlsx").write_bytes(good[: len(good) // 2])
    wb = openpyxl.Workbook()
    wb.active["A1"] = "รายชื่อผู้เข้าประชุม"
    wb.save(folder / "other.xlsx")
    write_unit_workbook(folder / "old_year.xlsx", unit="สำนักงานประกันสังคมจังหวัดแพร่",
                        kpis=plan(), year_be=2563)  # fmt: skip
    (folder / "~$unit_a.xlsx").write_bytes(b"\x00lock")  # Excel's lock file: never read
    (folder / "unit_a.backup.xlsx").write_bytes(good)  # our backup: never read
    return folder


@pytest.fixture(scope="module")
def national(inbox: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("out") / "national.xlsx"
    report = consolidate([inbox], out, None)
    return report, out


def tables(path: Path) -> dict[str, pd.DataFrame]:
    """Every Excel table of a workbook as a frame (header row = the table's first row)."""
    wb = openpyxl.load_workbook(path)
    found = {}
    for ws in wb.worksheets:
        for name, ref in ws.tables.items():  # openpyxl: (name, ref) pairs
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            rows = [
                [c.value for c in row]
                for row in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col,
                                        max_col=max_col)
            ]  # fmt: skip
            found[name] = pd.DataFrame(rows[1:], columns=rows[0])
    return found


def test_folder_expansion_skips_lock_files_and_backups(inbox: Path):
    names = sorted(p.name for p in expand_inputs([inbox]))
    assert names == sorted(["central.xlsm", "damaged.xlsx", "old_year.xlsx", "other.xlsx", *UNITS])


def test_every_file_is_listed_with_its_status(national):
    report, out = national
    files = tables(out)["tbl_files"].set_index("file")
    assert set(files.index) == {CENTRAL, *UNITS, "damaged.xlsx", "other.xlsx", "old_year.xlsx"}
    assert files.loc["damaged.xlsx", "status"] == "refused"
    assert "เสียหาย" in files.loc["damaged.xlsx", "messages"]
    assert files.loc["other.xlsx", "status"] == "refused"
    assert "not an SSO planning workbook" in files.loc["other.xlsx", "messages"]  # open_sso_book
    assert files.loc["old_year.xlsx", "status"] == "refused"
    assert "2563" in files.loc["old_year.xlsx", "messages"]
    assert files.loc[CENTRAL, "status"] == "warnings"  # SSF-037's weights sum to 130
    assert files.loc[CENTRAL, "unit"] == CENTRAL_UNIT
    for name in UNITS:
        assert files.loc[name, "status"] in ("ok", "warnings"), files.loc[name, "messages"]
        assert files.loc[name, "unit"] == UNITS[name]
    text = str(report)
    assert "อ่านได้ 4 ไฟล์" in text and "4 files read" in text and "3 refused" in text
    assert str(out) in text


def test_the_national_summary_is_the_engines_evaluation_of_the_combined_units(national, inbox):
    _, out = national
    reports = []
    for name, unit in {CENTRAL: CENTRAL_UNIT, **UNITS}.items():
        raw, source = read_raw(inbox / name, table="tbl_kpi")  # the readers' own path
        reports.append(UnitReport(unit, read_table(raw, source, form="kpi")))
    expected = consolidate_units(reports)
    assert expected.quarter == 3
    got = tables(out)
    summary = got["tbl_nat_summary"]
    want = band_table(expected.national.summary)
    assert summary["strategy"].astype(str).tolist() == want["strategy"].astype(str).tolist()
    for column in ("evaluated", "green", "yellow", "red"):
        assert summary[column].tolist() == want[column].tolist(), column
    assert summary["green_pct"].tolist() == pytest.approx(want["green_pct"].tolist())
    fund = got["tbl_nat_fund"]
    assert (
        fund["evaluated"].tolist()
        == band_table(expected.national.summary_by_fund)["evaluated"].tolist()
    )
    # The projects behind the colours add up to the summary's counts.
    projects = got["tbl_nat_projects"]
    total = summary.iloc[-1]
    assert (projects["band"] == "green").sum() == total["green"]
    assert (projects["band"] == "red").sum() == total["red"]


def test_units_reporting_the_same_indicator_are_summed_or_averaged(national):
    _, out = national
    combined = tables(out)[NATIONAL_KPI_TABLE].set_index(["project_id", "kpi_number"])
    frames = unit_frames()
    first = next(iter(frames.values()))
    checked = set()
    for i in range(len(first)):
        aggregation = first["aggregation"].iloc[i]
        plans = np.array([f["plan_q3"].iloc[i] for f in frames.values()])
        results = np.array([f["result_q3"].iloc[i] for f in frames.values()])
        if np.isnan(plans).any() or aggregation in checked:
            continue
        results = np.nan_to_num(results)  # unit_c (due, no result) counts 0
        combine = np.sum if aggregation == "sum" else np.mean
        row = combined.loc[(first["project_id"].iloc[i], first["kpi_number"].iloc[i])]
        assert row["plan_q3"] == pytest.approx(combine(plans)), aggregation
        assert row["result_q3"] == pytest.approx(combine(results)), aggregation
        assert row["n_units"] == 3
        checked.add(aggregation)
    assert checked == {"sum", "last"}


def test_text_from_a_units_file_stays_text(national):
    report, out = national
    got = tables(out)
    for table in ("tbl_nat_projects", "tbl_unit_red", NATIONAL_KPI_TABLE, "tbl_trend"):
        assert HOSTILE in got[table]["project_name"].tolist(), table
    with zipfile.ZipFile(out) as zf:
        # In the sheets (inline) or the shared strings: as text, never inside a formula.
        parts = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        parts += [n for n in zf.namelist() if n == "xl/sharedStrings.xml"]
        xml = "".join(zf.read(n).decode("utf-8") for n in parts)
    assert "HYPERLINK" in xml  # it is there, as text
    assert not re.search(r"<f>[^<]*HYPERLINK", xml)
    csv = report.csv.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv  # csv_safe: a leading apostrophe


def test_units_and_files_not_reported_are_listed(national):
    _, out = national
    missing = tables(out)["tbl_not_reported"]
    assert UNITS["unit_c.xlsx"] in missing["unit"].tolist()
    assert {"damaged.xlsx", "other.xlsx", "old_year.xlsx"} <= set(missing["file"])
    assert UNITS["unit_a.xlsx"] not in missing["unit"].tolist()
    silent = tables(out)["tbl_projects_not_reported"]
    assert set(silent["reporting_unit"]) >= {UNITS["unit_c.xlsx"]}


def test_ranking_budget_and_trend_sheets(national):
    _, out = national
    got = tables(out)
    ranking = got["tbl_units"]
    assert set(ranking["reporting_unit"]) == {CENTRAL_UNIT, *UNITS.values()}
    assert ranking["rank"].iloc[0] == 1
    assert ranking.iloc[-1]["reporting_unit"] == UNITS["unit_c.xlsx"]  # all red: last
    budget = got["tbl_budget_units"]
    assert budget["reporting_unit"].iloc[-1] == "รวมทั้งประเทศ"
    demo = budget.set_index("reporting_unit").loc[CENTRAL_UNIT]
    assert demo["plan"] == pytest.approx(3834900.0 + 110000.0)
    trend = got["tbl_trend"]
    assert {"q1_pct", "q2_pct", "q3_pct", "q3_band"} <= set(trend.columns)
    assert "q4_pct" not in trend.columns
    wb = openpyxl.load_workbook(out)
    assert wb.active.title == "สรุปตามยุทธศาสตร์"
    assert wb.sheetnames[:7] == [
        "ไฟล์ที่รับ", "สรุปตามยุทธศาสตร์", "หน่วยงาน", "โครงการตามสี", "แนวโน้ม", "ยังไม่รายงาน",
        "งบประมาณ",
    ]  # fmt: skip
    with zipfile.ZipFile(out) as zf:
        assert sum(n.startswith("xl/charts/chart") for n in zf.namelist()) == 2


def test_the_national_workbook_prints_as_an_office_document(national, tmp_path: Path):
    """Issue 11 for the national book (XlsxWriter): A4 landscape, text at 8 pt or more, the
    last table's header rows on each page, charts not cut across pages, the page header and
    footer of the unit books (sso_app.book.page_rules)."""
    from sso_app.book.cached import print_pdf
    from sso_app.book.page_rules import MIN_BODY_PT, PAPER_A4
    from tests.test_printed_book import text_on_fills, word_heights

    _, out = national
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert int(ws.page_setup.paperSize) == PAPER_A4, ws.title
        assert (ws.page_setup.scale or 100) * 11 / 100 >= MIN_BODY_PT, ws.title
        assert ws.print_title_rows and ws.print_area, ws.title
        assert "ภาพรวมทั้งประเทศ" in ws.oddHeader.left.text and "&A" in ws.oddHeader.center.text
        assert "ไตรมาสที่ 3" in ws.oddHeader.right.text, ws.title
        assert ws.oddFooter.right.text == "หน้า &P จาก &N" and "&D" in ws.oddFooter.left.text
    low = [(where, rgb, round(c, 1)) for where, rgb, c in text_on_fills(wb) if c < 7]
    assert not low, low[:5]  # the band labels on their tints, in black
    units = wb["หน่วยงาน"]
    chart_col = units._charts[0].anchor._from.col  # 0-based: the chart starts a page across
    assert [b.id for b in units.col_breaks.brk] == [chart_col]
    pdf = print_pdf(out, tmp_path / "national.pdf")
    text = pdf_text(pdf)
    assert "สรุปผลตามประเด็นยุทธศาสตร์" in text
    assert "พ.ศ. 2564" in text
    pages = int(re.search(r"จาก (\d+)", text)[1])  # type: ignore[index]
    assert f"หน้า {pages} จาก {pages}" in text and "พิมพ์เมื่อ" in text
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    sizes = set(re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info))
    assert {(round(float(w)), round(float(h))) for w, h in sizes} == {(842, 595)}
    small = [(h, w) for h, w in word_heights(pdf) if h < MIN_BODY_PT]
    assert not small, small[:10]


def test_the_command(inbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "สรุประดับประเทศ.xlsx"
    assert main(["consolidate", str(inbox / "unit_a.xlsx"), str(inbox / "unit_b.xlsx"),
                 "-o", str(out), "--quarter", "2"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "ไตรมาสที่ 2" in printed and "2 files read" in printed
    assert tables(out)["tbl_settings"].set_index("key").loc["quarter", "value"] == 2
    # Run again: the previous national book is backed up, never read in as a unit.
    assert main(["consolidate", str(tmp_path), str(inbox / "unit_a.xlsx"), "-o", str(out)]) == 0
    assert "1 files read" in capsys.readouterr().out
    assert len(versions_of(out)) == 1  # the previous national book, kept


def test_refusals(inbox: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["consolidate", str(inbox), "-o", str(tmp_path / "out.xlsm")]) == 2
    assert ".xlsx" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["consolidate", str(empty), "-o", str(tmp_path / "out.xlsx")]) == 2
    assert "ไม่พบไฟล์" in capsys.readouterr().err
    bad = [str(inbox / "damaged.xlsx"), str(inbox / "other.xlsx")]
    assert main(["consolidate", *bad, "-o", str(tmp_path / "out.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "no file could be read" in err and "damaged.xlsx" in err
    assert not (tmp_path / "out.xlsx").exists()


def test_a_units_newer_file_wins(inbox: Path, tmp_path: Path):
    frames = unit_frames()
    old, new = tmp_path / "a_old.xlsx", tmp_path / "a_new.xlsx"
    unit = UNITS["unit_a.xlsx"]
    write_unit_workbook(old, unit=unit, kpis=frames["unit_a.xlsx"])
    write_unit_workbook(new, unit=unit, kpis=frames["unit_b.xlsx"])
    os.utime(old, (1_600_000_000, 1_600_000_000))
    report = consolidate([old, new], tmp_path / "n.xlsx", 3)
    status = {f.path.name: f.status for f in report.files}
    assert status == {"a_old.xlsx": "skipped", "a_new.xlsx": report.files[1].status}
    assert report.files[1].status in ("ok", "warnings")
    assert "a_new.xlsx" in report.files[0].refusal


def messy_raw(seed: int) -> pd.DataFrame:
    """A unit's raw tbl_kpi with every kind of problem the import reports."""
    frame = plan().astype(object)
    frame = frame.where(frame.notna(), "")
    frame.loc[1, "plan_q1"] = "abc"  # not a number
    frame.loc[2, "result_q2"] = "#DIV/0!"
    frame.loc[3, "kpi_number"] = frame.loc[2, "kpi_number"]  # a duplicate, maybe
    frame.loc[3, "project_id"] = frame.loc[2, "project_id"]
    frame.loc[4, "project_id"] = "  "  # blank key
    frame.loc[5, "weight"] = -5 if seed else ""  # negative, or a slip
    frame.loc[6, "direction"] = "sideways"
    frame.loc[7, "plan_q3"] = f"{seed + 1} ครั้ง"
    return frame.drop(columns=["source_row"])


def assert_same_files(got, expected) -> None:
    """Two reads of the same paths: the same statuses, settings and raw tables."""
    assert [(f.path, f.status, f.unit, f.refusal, f.issues) for f in got] == [
        (f.path, f.status, f.unit, f.refusal, f.issues) for f in expected
    ]
    for a, b in zip(got, expected, strict=True):
        for x, y in ((a.raw_kpis, b.raw_kpis), (a.raw_budget, b.raw_budget)):
            assert (x is None) == (y is None)
            if x is not None:
                pd.testing.assert_frame_equal(x[0], y[0])
                assert x[1] == y[1]


def test_files_read_in_worker_processes_equal_files_read_here(inbox: Path):
    from sso_app.national.intake import open_unit_files

    paths = expand_inputs([inbox])
    assert len(paths) >= 6  # good, damaged, other, old year: every kind of outcome
    alone = open_unit_files(paths, workers=1)
    ticks: list[int] = []
    assert_same_files(open_unit_files(paths, workers=2, progress=ticks.append), alone)
    assert {f.status for f in alone} >= {"refused", "ok"}
    assert sum(ticks) == len(paths) and all(n > 0 for n in ticks)  # every file counted once


def test_a_worker_that_dies_leaves_the_files_to_this_process(
    inbox: Path, monkeypatch: pytest.MonkeyPatch
):
    """The OS killing a worker (out of memory) must not cost the run: the files are read
    again in the main process."""
    from sso_app.national import intake as module

    main_pid = os.getpid()
    real = module._open_unit_file

    def dies_in_a_worker(result):
        if os.getpid() != main_pid:
            os._exit(9)
        return real(result)

    monkeypatch.setattr(module, "_open_unit_file", dies_in_a_worker)
    paths = expand_inputs([inbox])
    got = module.open_unit_files(paths, workers=2)
    assert [f.path for f in got] == paths
    assert_same_files(got, module.open_unit_files(paths, workers=1))


def test_typing_many_files_at_once_equals_one_file_at_a_time():
    from sso_app.national.intake import import_many
    from sso_kpi.importing import Source

    raws = [
        (messy_raw(i), Source(f"u{i}.xlsx", "แผน-ผล", 5 + i, {"weight": "M", "plan_q1": "O"}))
        for i in range(3)
    ]
    raws.append((messy_raw(3).drop(columns=["weight"]), Source("no_weight.xlsx", "s", 2)))
    raws.append((messy_raw(4).iloc[:0], Source("empty.xlsx", "s", 2)))
    together = import_many(raws)
    for (raw, source), got in zip(raws, together, strict=True):
        alone = read_table(raw, source, form="kpi")
        pd.testing.assert_frame_equal(got.frame, alone.frame, check_dtype=False)
        assert sorted(got.issues, key=repr) == sorted(alone.issues, key=repr), source.file
    assert any("M weight" in i.column for i in together[1].issues)
    assert together[0].errors and together[3].errors[0].message_en.startswith("required column")


def test_merged_project_cells_are_filled_as_the_readers_do(tmp_path: Path):
    """Excel refuses merges inside a table, other tools do not: a merged project id still
    belongs to every row it covers."""
    from sso_app.national.intake import read_unit_file

    frame = plan()
    first = frame["project_id"] == frame["project_id"].iloc[0]
    assert first.sum() >= 1
    frame = pd.concat([frame.iloc[:1], frame.iloc[:1].assign(kpi_number="99")]).reset_index(
        drop=True
    )
    book = write_unit_workbook(tmp_path / "merged.xlsx", unit="หน่วยทดสอบ", kpis=frame)
    wb = openpyxl.load_workbook(book)
    ws = wb["แผน-ผล"]
    first, _ = kpi_data_rows(ws)
    ws[f"A{first + 1}"] = None
    ws.merge_cells(f"A{first}:A{first + 1}")  # project id typed once over its two indicators
    wb.save(book)
    got = read_unit_file(book)
    assert got.status in ("ok", "warnings"), got.messages()
    assert got.imported.frame["project_id"].tolist() == [frame["project_id"].iloc[0]] * 2
