"""Issue 10: never a silent wrong number. Every column understood or named, keys read as
planners see them, odd files refused by name, one exit-code rule (0 done, 1 rows or files
left out, 2 refused). One test per numbered case of the issue, then the property."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sso_app.book import layout, template
from sso_app.book.opening import open_sso_book
from sso_app.book.readers import read_raw
from sso_app.book.saving import save_macro_book
from sso_app.book.settings import settings_from_rows
from sso_app.bookimport import import_into
from sso_app.cli import main
from sso_app.national.intake import import_many
from sso_app.scorecli import run as score
from sso_kpi.consolidation import UnitReport, consolidate_units
from sso_kpi.errors import CODES, SsoError
from sso_kpi.evaluation import evaluate
from sso_kpi.importing import Source, read_table
from sso_kpi.schema import canonical_column, is_known

from .conftest import ACTION_PLAN, DATA, OPDC, SEEDS, raw_csv
from .test_build import copy_book, demo_book

SELF_ASSESSMENT = DATA / "self_assessment_2563.csv"


def scored(path: Path, *args: str) -> tuple[dict, int]:
    """``sso-kpi score --json`` in this process: the JSON and the exit code."""
    text, code = score(path, None, True) if not args else score(path, int(args[0]), True)
    return json.loads(text), code


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def write(path: Path, frame: pd.DataFrame, **kw) -> Path:
    frame.to_csv(path, index=False, **kw)
    return path


def codes(out: dict) -> list[str]:
    return [p["code"] for p in (*out["errors"], *out["warnings"])]


# -- 1. a result column headed as a planner heads it ------------------------------------------


def test_1_result_header_with_a_thai_word_is_read_and_an_unknown_one_is_named(tmp_path):
    plan = raw_csv(ACTION_PLAN)
    want, _ = scored(ACTION_PLAN)
    assert want["quarter"] == 3
    renamed = write(tmp_path / "q3.csv", plan.rename(columns={"result_q3": "Result Q3 (ผล)"}))
    got, code = scored(renamed)
    assert code == 0 and got["quarter"] == 3  # not quietly quarter 2
    assert got["projects"] == want["projects"]
    typo = write(tmp_path / "typo.csv", plan.rename(columns={"result_q3": "Resullt Q3"}))
    got, code = scored(typo)
    unknown = [w for w in got["warnings"] if w["code"] == "unknown_column"]
    assert [(w["value"], w["key"]) for w in unknown] == [("Resullt Q3", "result_q3")]
    assert "Resullt Q3" in unknown[0]["message_en"] and "result_q3" in unknown[0]["message_en"]


def test_1_import_reads_the_result_column_a_planner_headed(tmp_path):
    plan = raw_csv(ACTION_PLAN).rename(columns={"result_q3": "Result Q3 (ผล)"})
    book = copy_book(demo_book(), tmp_path)
    report = import_into(write(tmp_path / "unit.csv", plan), book, "replace")
    assert not report.errors and report.rows == 96
    typed = open_sso_book(book).data.kpis.frame
    want = read_table(raw_csv(ACTION_PLAN)).frame
    assert typed["result_q3"].notna().sum() == want["result_q3"].notna().sum() > 0


# -- 2. the self-assessment with its printed headers ------------------------------------------

BARE_LEVELS = [
    "ค่าเป้าหมายขั้นต่ำ",
    "ค่าเป้าหมายมาตรฐาน",
    "ค่าเป้าหมายขั้นสูง",
]
PRINTED_LEVELS = [
    ("ค่าเป้าหมายขั้นต่ำ (50.00)", "ค่าเป้าหมายมาตรฐาน (75.00)", "ค่าเป้าหมายขั้นสูง (100.00)"),
    ("ขั้นต้น (50.00)", "มาตรฐาน\n(75.00)", "ขั้นสูง\n(100.00)"),
]


@pytest.mark.parametrize("printed", PRINTED_LEVELS)
def test_2_printed_level_headers_score_as_the_bare_ones(tmp_path, printed):
    bare, code = scored(SELF_ASSESSMENT)
    assert code == 0 and bare["scorecard"]["total"] == 70.0
    raw = raw_csv(SELF_ASSESSMENT)
    levels = BARE_LEVELS
    path = write(
        tmp_path / "printed.csv", raw.rename(columns=dict(zip(levels, printed, strict=True)))
    )
    got, code = scored(path)
    assert code == 0 and got["scorecard"] == bare["scorecard"]


def test_2_a_card_whose_levels_are_not_recognised_is_refused(tmp_path, capsys):
    raw = raw_csv(SELF_ASSESSMENT)
    levels = BARE_LEVELS
    path = write(
        tmp_path / "odd.csv", raw.rename(columns=dict(zip(levels, ["ก", "ข", "ค"], strict=True)))
    )
    got, code = scored(path)
    assert code == 2 and got["refused"] and "scorecard" not in got
    assert "no_level_column" in codes(got)
    code, out, _ = cli(capsys, "score", path)
    assert code == 2 and "ขั้นต้น" in out and "level_50" in out and "0.00" not in out


# -- 3. missing columns and odd files: a refusal, never a traceback ---------------------------


def test_3_an_opdc_card_as_printed_takes_its_numbers_from_the_names(tmp_path):
    want, _ = scored(OPDC)
    raw = raw_csv(OPDC)
    raw["kpi_name"] = "ตัวชี้วัด " + raw["kpi_number"] + " " + raw["kpi_name"]
    printed = raw.drop(columns=["kpi_number"]).rename(columns={"kpi_name": "ประเด็นการประเมิน"})
    got, code = scored(write(tmp_path / "card.csv", printed))
    assert code == 0 and got["scorecard"] == want["scorecard"]
    assert "kpi_number_from_name" in codes(got)


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        (lambda f: f.drop(columns=["kpi_number"]), "kpi_number"),
        (lambda f: f.rename(columns={"weight": "weigth"}), "weight"),
    ],
)
def test_3_a_missing_column_is_refused_by_name(tmp_path, capsys, change, missing):
    path = write(tmp_path / "plan.csv", change(raw_csv(ACTION_PLAN)))
    code, out, err = cli(capsys, "score", path)
    assert code == 2 and "Traceback" not in out + err
    assert f"required column {missing} is missing" in out
    got, code = scored(path)
    assert code == 2 and [(e["code"], e["key"]) for e in got["errors"]] == [
        ("missing_column", missing)
    ]


@pytest.mark.parametrize(
    "how",
    [
        {"sep": ";"},
        {"sep": "\t"},
        {"encoding": "utf-16-le"},  # no BOM
        {"encoding": "utf-16", "sep": "\t"},  # Excel's "Unicode text"
        {"encoding": "utf-8-sig", "sep": ";"},
    ],
)
def test_3_delimiters_and_encodings_are_detected(tmp_path, how):
    want, _ = scored(ACTION_PLAN)
    got, code = scored(write(tmp_path / ACTION_PLAN.name, raw_csv(ACTION_PLAN), **how))
    assert code == 0 and got == want


def test_3_an_empty_file_is_refused_by_name(tmp_path, capsys):
    empty = tmp_path / "ว่าง.csv"
    empty.write_bytes(b"")
    code, _, err = cli(capsys, "score", empty)
    assert code == 2 and "ว่าง.csv" in err and "empty" in err and "Traceback" not in err
    book = copy_book(demo_book(), tmp_path)
    before = book.read_bytes()
    code, _, err = cli(capsys, "import", empty, "--into", book, "--replace")
    assert code == 2 and "ว่าง.csv" in err and book.read_bytes() == before
    with pytest.raises(SsoError) as refused:
        read_raw(empty)
    assert refused.value.code == "empty_file"


# -- 4. numbers typed in key columns -----------------------------------------------------------


def _xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(header)
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


HEADER = ["project_id", "strategy", "kpi_number", "weight", "plan_q1", "result_q1"]


def test_4_an_indicator_typed_as_a_number_and_as_text_is_a_duplicate(tmp_path):
    path = _xlsx(
        tmp_path / "plan.xlsx", HEADER, [["P1", 1, 1, 50, 10, 10], ["P1", 1, "1", 50, 10, 0]]
    )
    got = read_table(*read_raw(path))
    assert got.frame["kpi_number"].tolist() == ["1", "1"]
    assert [(e.code, e.row) for e in got.errors] == [("duplicate_kpi", 3)]


def test_4_a_strategy_typed_as_a_number_is_one_strategy(tmp_path):
    rows = [["P1", 1, 1, 100, 10, 10], ["P2", "1", 1, 100, 10, 2], ["P3", 1.1, "1.1", 100, 10, 10]]
    got = read_table(*read_raw(_xlsx(tmp_path / "plan.xlsx", HEADER, rows)))
    assert not got.issues
    summary = evaluate(got, 1).summary
    assert summary["strategy"].tolist() == ["1", "1.1"]
    assert summary.set_index("strategy").loc["1", "evaluated"] == 2


def _as_numbers(raw: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The same table as Excel stores typed digits: numbers, not text."""
    out = raw.copy().astype(object)
    for column in columns:
        numbers = pd.to_numeric(out[column], errors="coerce")
        out[column] = [
            n if not np.isnan(n) else t for n, t in zip(numbers, out[column], strict=True)
        ]
    return out


def test_4_consolidation_combines_number_typed_indicators(tmp_path):
    raw = raw_csv(ACTION_PLAN)
    numbers = _as_numbers(raw, ["kpi_number", "strategy", "project_number"])
    letters = {c: f"C{i}" for i, c in enumerate(raw.columns)}  # one layout: stacked together
    texts, typed = import_many(
        [(raw, Source("a.xlsx", first_row=5, letters=letters)),
         (numbers, Source("b.xlsx", first_row=5, letters=letters))]
    )  # fmt: skip
    assert typed.frame["kpi_number"].tolist() == texts.frame["kpi_number"].tolist()
    both = consolidate_units([UnitReport("a", texts), UnitReport("a2", typed)], 3)
    alone = consolidate_units([UnitReport("a", texts)], 3)
    assert len(both.combined) == len(alone.combined) == len(raw)  # 96, never 192
    assert both.national.summary["strategy"].tolist() == ["1"]


def test_4_the_workbook_keeps_key_columns_as_text(tmp_path):
    wb = openpyxl.load_workbook(demo_book())
    ws = wb[layout.SHEET_ENTRY]
    header = {c.value: c.column_letter for c in ws[layout.ENTRY_HEADER_ROW] if c.value}
    for key in ("project_id", "strategy", "substrategy", "project_number", "kpi_number"):
        assert ws[f"{header[key]}{layout.ENTRY_FIRST_DATA_ROW}"].number_format == "@", key
    assert ws[f"{header['weight']}{layout.ENTRY_FIRST_DATA_ROW}"].number_format != "@"


# -- 5. ids that look the same -----------------------------------------------------------------


def test_5_invisible_characters_and_two_spellings_of_sara_am_are_one_id(tmp_path):
    raw = pd.DataFrame(
        {
            "project_id": ["งานประจำ1", "งานประจ\u0e4d\u0e32" + "1", "SSF-001", "SSF\u200b-001"],
            "kpi_number": ["1", "2", "1", "2"],
            "weight": ["50"] * 4,
            "plan_q1": ["10"] * 4,
            "result_q1": ["10", "5", "10", "5"],
        }
    )
    got = read_table(raw, Source("plan.csv"))
    assert got.frame["project_id"].nunique() == 2
    assert len(evaluate(got, 1).projects) == 2
    near = [i for i in got.warnings if i.code == "near_duplicate_id"]
    assert [(i.row, i.key) for i in near] == [(3, "project_id"), (5, "project_id")]
    assert not got.errors


# -- 6. signs, years, caps ---------------------------------------------------------------------


def test_6_a_trailing_minus_is_refused_as_text():
    raw = pd.DataFrame({"project_id": ["P1", "P1"], "kpi_number": ["1", "2"],
                        "weight": ["50", "50"], "plan_q1": ["100-", "100"],
                        "result_q1": ["5", "-"]})  # fmt: skip
    got = read_table(raw, Source("plan.csv"))
    assert [(e.code, e.key, e.row) for e in got.errors] == [("trailing_minus", "plan_q1", 2)]
    assert np.isnan(got.frame["plan_q1"].iloc[0])


@pytest.mark.parametrize("bad", ["-5", "0", "nan", "inf", "99.9", "abc"])
def test_6_a_cap_under_100_is_refused(capsys, bad):
    with pytest.raises(SystemExit) as exited:
        main(["score", str(ACTION_PLAN), f"--cap={bad}"])
    assert exited.value.code == 2 and "100" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["5", "0", "x", "q9"])
def test_6_a_quarter_outside_1_to_4_is_refused(capsys, bad):
    with pytest.raises(SystemExit) as exited:
        main(["score", str(ACTION_PLAN), "--quarter", bad])
    assert exited.value.code == 2 and "1-4" in capsys.readouterr().err


@pytest.mark.parametrize("year", [0, 543, 2499, 2701, 25640, "nan", "inf"])
def test_6_the_books_year_must_be_a_plan_year(year):
    with pytest.raises(SsoError) as err:
        settings_from_rows([["year_be", year]])
    assert "year_be" in err.value.message_en and "year_be" in err.value.message_th
    if isinstance(year, int):
        assert "2500-2700" in err.value.message_en


def test_6_plan_years_are_read():
    assert settings_from_rows([["year_be", 2564]]).year_be == 2564
    assert settings_from_rows([["year_be", 2021]]).year_be == 2564  # typed in common era


# -- 7. one exit-code rule ---------------------------------------------------------------------


def _book_with_a_bad_weight(tmp_path: Path) -> Path:
    book = copy_book(demo_book(), tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb[layout.SHEET_ENTRY]
    header = {c.value: c.column_letter for c in ws[layout.ENTRY_HEADER_ROW] if c.value}
    ws[f"{header['weight']}{layout.ENTRY_FIRST_DATA_ROW}"] = "abc"
    save_macro_book(wb, book.with_name("x.xlsm"), template.ribbon_xml())
    shutil.move(book.with_name("x.xlsm"), book)
    return book


def test_7_rebuild_says_rows_were_left_out(tmp_path, capsys):
    good = copy_book(demo_book(), tmp_path / "good")
    assert cli(capsys, "rebuild", good)[0] == 0
    code, out, _ = cli(capsys, "rebuild", _book_with_a_bad_weight(tmp_path))
    assert code == 1 and "left out" in out and "abc" in out


def test_7_consolidate_says_files_were_left_out(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = copy_book(demo_book(), inbox)
    code, out, _ = cli(capsys, "consolidate", inbox, "-o", tmp_path / "n1.xlsx")
    assert code == 0
    (inbox / "damaged.xlsm").write_bytes(good.read_bytes()[:5000])
    code, out, _ = cli(capsys, "consolidate", inbox, "-o", tmp_path / "n2.xlsx")
    assert code == 1 and "damaged.xlsm" in out and (tmp_path / "n2.xlsx").exists()
    wb = openpyxl.load_workbook(tmp_path / "n2.xlsx")
    ws, ref = next(
        (w, w.tables["tbl_issues"].ref) for w in wb.worksheets if "tbl_issues" in w.tables
    )
    rows = [[c.value for c in row] for row in ws[ref]]
    codes_found = {dict(zip(rows[0], r, strict=True))["code"] for r in rows[1:]}
    assert "weight_sum" in codes_found  # problems as data in the national book too


def test_7_score_and_import(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("project_id,kpi_number,weight,plan_q1,result_q1\nP1,1,abc,5,5\n", "utf-8")
    code, out, _ = cli(capsys, "score", bad)
    assert code == 1 and "rows left out: 1" in out and "abc" in out  # scored, row listed
    book = copy_book(demo_book(), tmp_path)
    before = book.read_bytes()
    code, out, _ = cli(capsys, "import", bad, "--into", book, "--replace")
    assert code == 2 and "nothing imported" in out and book.read_bytes() == before


def test_7_every_code_is_documented():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "Exit codes" in readme
    for command in ("score", "import", "rebuild", "consolidate", "report", "demo", "restore",
                    "build-workbook"):  # fmt: skip
        assert re.search(rf"`{re.escape(command)}`", readme), command
    for code in CODES:
        assert f"`{code}`" in readme, code


# -- 8. text Excel would cut -------------------------------------------------------------------


def test_8_text_over_an_excel_cell_is_a_warning():
    raw = pd.DataFrame({"project_id": ["P1"], "kpi_number": ["1"], "weight": ["100"],
                        "project_name": ["ก" * 40_000], "plan_q1": ["1"]})  # fmt: skip
    got = read_table(raw, Source("plan.csv"))
    assert [(w.code, w.key, w.row) for w in got.warnings] == [("text_cut", "project_name", 2)]
    assert "40,000" in got.warnings[0].value


# -- 9. a running head-count summed month by month ---------------------------------------------


def _indicator_6() -> list[float]:
    """The unit report 2563's indicator 6 (จำนวนผู้ประกันตนตามมาตรา 40, คน) plan line."""
    text = (SEEDS / "unit_monthly_report_2563_sukhothai.txt").read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if "มาตรา 40" in x and "\tแผน\t" in x)
    cells = line.split("\tแผน\t")[1].split("\t")
    return [float(c.replace(",", "").rstrip(".")) for c in cells[:13]]


def test_9_a_plan_twelve_times_its_target_is_named():
    *months, total = _indicator_6()
    assert total == 32155 and sum(months) == 371124
    raw = pd.DataFrame(
        {"project_id": ["P1"], "kpi_number": ["6"], "weight": ["100"], "count_unit": ["คน"],
         "target": [total]} | {f"plan_m{m}": [v] for m, v in enumerate(months, start=1)}
    )  # fmt: skip
    got = read_table(raw, Source("unit.csv"))
    assert got.frame["aggregation"].tolist() == ["sum"]  # คน: counted per month by default
    [warning] = [w for w in got.warnings if w.code == "aggregation_mismatch"]
    assert warning.key == "aggregation" and "371,124" in warning.message_en
    assert "set aggregation to last" in warning.message_en
    said = read_table(raw.assign(aggregation="last"), Source("unit.csv"))
    assert not said.issues


# -- the property ------------------------------------------------------------------------------

HEADERS = {
    "project_id": ["project_id", "รหัสโครงการ", "รหัสโครงการ (project_id)", "Project ID"],
    "strategy": ["strategy", "ยุทธศาสตร์", "ประเด็นยุทธศาสตร์ :"],
    "kpi_number": ["kpi_number", "ตัวชี้วัดที่", "ตัวชี้วัดที่\n(ลำดับ)", "KPI No."],
    "weight": ["weight", "น้ำหนัก", "น้ำหนัก (ร้อยละ)", "Weight"],
    "count_unit": ["count_unit", "หน่วยนับ", "หน่วย วัด"],
    "plan_q1": ["plan_q1", "แผน ไตรมาส 1", "Plan Q1", "แผนไตรมาสที่ ๑"],
    "result_q1": ["result_q1", "ผล ไตรมาส 1", "Result Q1 (ผล)", "ผลไตรมาสที่ 1"],
    "plan_q2": ["plan_q2", "แผน ไตรมาส 2", "Plan Q2 (แผน)"],
    "result_q2": ["result_q2", "ผล ไตรมาส 2", "Result Q2"],
}
KEYS = {"project_id", "strategy", "kpi_number"}
DATA_ROWS = {
    "project_id": [1, 1, 2, 2, 3],
    "strategy": [1, 1, 2, 2, 1.1],
    "kpi_number": [1, 2, 1, 2, 1],
    "weight": [50, 50, 30, 70, 100],
    "count_unit": ["คน", "ร้อยละ", "ครั้ง", "คน", "แห่ง"],
    "plan_q1": [10, 5, 4, 8, 1],
    "result_q1": [12, 2, 4, 1, 1],
    "plan_q2": [20, 10, 8, 16, 2],
    "result_q2": [18, 9, 1, 16, None],
}
NOISE = st.text(alphabet="กขคผลแนabcxyz_ (1)", min_size=1, max_size=10).filter(
    lambda h: h.strip() and not is_known(canonical_column(h))
)


@st.composite
def tables(draw):
    optional = [c for c in HEADERS if c not in ("project_id", "kpi_number", "weight")]
    chosen = ["project_id", "kpi_number", "weight", "result_q1"]
    chosen += draw(st.lists(st.sampled_from(optional), unique=True))
    chosen = list(dict.fromkeys(chosen))
    headers = {c: draw(st.sampled_from(HEADERS[c])) for c in chosen}
    noise = draw(st.lists(NOISE, max_size=3, unique=True))
    assume(len({*headers.values(), *noise}) == len(headers) + len(noise))
    order = draw(st.permutations([*chosen, *noise]))
    as_numbers = draw(st.booleans())
    frame = {}
    for column in order:
        if column in headers:
            values = DATA_ROWS[column]
            if column in KEYS and not as_numbers:
                values = [str(v) for v in values]
            frame[headers[column]] = pd.Series(values, dtype=object)
        else:
            frame[column] = pd.Series([draw(st.sampled_from(["", "x", 7]))] * 5, dtype=object)
    return pd.DataFrame(frame), headers, noise


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_known_column_dropped_without_a_problem_and_numbers_or_text_score_alike(drawn):
    raw, headers, noise = drawn
    got = read_table(raw, Source("plan.xlsx"))  # no exception escapes
    named = {i.key for i in got.issues}
    for column in headers:
        assert column in got.columns or column in named, column
    for header in noise:
        said = [i for i in got.issues if i.code == "unknown_column" and i.value == header.strip()]
        assert said or header.strip() == "", header
    text = raw.copy()
    for column, header in headers.items():
        if column in KEYS:
            text[header] = [str(v) for v in DATA_ROWS[column]]
    again = read_table(text, Source("plan.xlsx"))
    assert got.frame["project_id"].tolist() == again.frame["project_id"].tolist()
    one, two = evaluate(got, 2), evaluate(again, 2)
    pd.testing.assert_frame_equal(one.projects, two.projects)
    pd.testing.assert_frame_equal(one.summary, two.summary)


def test_json_refusal_of_an_unreadable_file_is_one_object(tmp_path, capsys):
    """`--json` promises one object on stdout: a refused file (empty, missing) gives one too."""
    import json

    from sso_app.cli import main

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for path, code in ((empty, "empty_file"), (tmp_path / "missing.csv", "refused")):
        assert main(["score", str(path), "--json"]) == 2
        out = json.loads(capsys.readouterr().out)
        assert out["refused"] is True and out["errors"][0]["code"] == code
        assert str(path) in out["errors"][0]["file"]
