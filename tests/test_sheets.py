"""sso_app.sheets: tables, band colours and the band chart survive a save as Excel expects."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from sso_app.book.sheets import (
    add_band_formatting,
    add_bands_chart,
    autosize,
    display_width,
    write_frame_table,
)

COLOURS = {"green": "92D050", "yellow": "FFFF00", "red": "#FF0000", "grey": "BFBFBF"}


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "strategy": ["1", "2", "=cmd|' /C calc'!A0"],
            "green": np.array([3, 0, 1], dtype="int64"),
            "yellow": [1.0, np.nan, 2.0],
            "red": [0, 4, 0],
            "band": ["green", "red", "grey"],
        }
    )


def _sheet_xml(path: Path, n: int = 1) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(f"xl/worksheets/sheet{n}.xml").decode("utf-8")


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, str]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ref = write_frame_table(
        ws,
        _frame(),
        name="tbl_test",
        top=5,
        left=2,
        labels_th={"strategy": "ยุทธศาสตร์", "green": "เขียว"},
        number_formats={"yellow": "0.00"},
    )
    add_band_formatting(ws, "F7:F9", COLOURS)
    add_bands_chart(
        ws,
        table_ref=ref,
        categories_col=2,
        first_series_col=3,
        n_series=3,
        anchor="H5",
        title="สรุป",
        colours=["92D050", "FFFF00", "FF0000"],
    )
    autosize(ws)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    return path, ref


def test_table_ref_and_header_below_thai_labels(saved: tuple[Path, str]) -> None:
    path, ref = saved
    assert ref == "B6:F9"
    ws = openpyxl.load_workbook(path)["Sheet"]
    assert ws.tables["tbl_test"].ref == "B6:F9"
    assert ws["B5"].value == "ยุทธศาสตร์"
    assert [c.value for c in ws[6][1:6]] == ["strategy", "green", "yellow", "red", "band"]
    assert ws["C7"].value == 3 and isinstance(ws["C7"].value, int)
    assert ws["D8"].value is None  # NaN -> empty
    assert ws["D7"].number_format == "0.00"


def test_formula_like_text_is_not_a_formula_in_the_xml(saved: tuple[Path, str]) -> None:
    path, _ = saved
    xml = _sheet_xml(path)
    assert "<f>" not in xml and "<f " not in xml
    assert "cmd|" in xml
    ws = openpyxl.load_workbook(path)["Sheet"]
    assert ws["B9"].data_type == "s"
    assert ws["B9"].value.startswith("=cmd")


def test_band_rules_are_formula_rules_with_fills(saved: tuple[Path, str]) -> None:
    path, _ = saved
    ws = openpyxl.load_workbook(path)["Sheet"]
    rules = {
        r.formula[0]: r.dxf.fill.fgColor.rgb
        for cf in ws.conditional_formatting
        if str(cf.sqref) == "F7:F9"
        for r in cf.rules
    }
    assert rules['EXACT(F7,"green")'].endswith("92D050")
    assert rules['EXACT(F7,"red")'].endswith("FF0000")  # "#" stripped
    assert set(rules) == {f'EXACT(F7,"{c}")' for c in COLOURS}


def test_chart_is_saved_as_stacked_bar(saved: tuple[Path, str]) -> None:
    path, _ = saved
    with zipfile.ZipFile(path) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert charts
        xml = zf.read(charts[0]).decode("utf-8")
    assert re.search(r'grouping val="stacked"', xml)
    assert re.search(r'overlap val="100"', xml)
    assert "92D050" in xml and "'Sheet'!C6" in xml and "<strRef><f>'Sheet'!$B$7:$B$9</f>" in xml


def test_empty_frame_still_makes_a_table_with_one_data_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ref = write_frame_table(wb.active, pd.DataFrame(columns=["a", "b"]), name="tbl_e", top=1)
    assert ref == "A1:B2"
    wb.save(tmp_path / "e.xlsx")
    assert openpyxl.load_workbook(tmp_path / "e.xlsx").active.tables["tbl_e"].ref == "A1:B2"


def test_thai_marks_take_no_width() -> None:
    assert display_width("ที่") == 1
    assert display_width("abc") == 3


def test_band_chart_names_its_series_as_asked() -> None:
    from openpyxl import Workbook

    from sso_app.book.sheets import add_bands_chart

    ws = Workbook().active
    for row in (["strategy", "green", "yellow", "red"], ["1", 3, 2, 1], ["2", 1, 0, 4]):
        ws.append(row)
    chart = add_bands_chart(ws, table_ref="A1:D3", categories_col=1, first_series_col=2,
                            n_series=3, anchor="F1", title="t", colours=["00FF00"] * 3,
                            series_titles=["เขียว", "เหลือง", "แดง"])  # fmt: skip
    assert [s.tx.v for s in chart.series] == ["เขียว", "เหลือง", "แดง"]
    assert ws._charts == [chart]
