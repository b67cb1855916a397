"""A stand-in for the few xlwings objects sso_app.live uses, backed by an openpyxl workbook.

No Excel here, so the in-Excel rebuild runs against this: same calls (``book.sheets[...]``,
``sheet.tables``, ``range.value``, ``formula_array`` ...), cells kept by openpyxl, and what a
real Excel would do with them (recalculate, draw the chart) recorded, not simulated.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.table import Table


class FakeRange:
    def __init__(self, sheet: FakeSheet, r1: int, c1: int, r2: int, c2: int, ndim: int = 0):
        self.sheet, self.r1, self.c1, self.r2, self.c2, self.ndim = sheet, r1, c1, r2, c2, ndim
        self.row, self.column = r1, c1
        self.left, self.top = c1 * 50.0, r1 * 15.0

    @property
    def _ws(self):
        return self.sheet.ws

    def options(self, ndim: int = 0, **_: object) -> FakeRange:
        return FakeRange(self.sheet, self.r1, self.c1, self.r2, self.c2, ndim)

    def offset(self, rows: int, cols: int) -> FakeRange:
        return FakeRange(self.sheet, self.r1 + rows, self.c1 + cols, self.r2 + rows, self.c2 + cols)

    def resize(self, rows: int, cols: int) -> FakeRange:
        return FakeRange(self.sheet, self.r1, self.c1, self.r1 + rows - 1, self.c1 + cols - 1)

    @property
    def value(self):
        grid = [
            [self._ws.cell(r, c).value for c in range(self.c1, self.c2 + 1)]
            for r in range(self.r1, self.r2 + 1)
        ]
        if self.ndim == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        return grid[0] if len(grid) == 1 else grid

    @value.setter
    def value(self, data) -> None:
        grid = data if isinstance(data, list) and data and isinstance(data[0], list) else None
        if grid is None:
            grid = [data] if isinstance(data, list) else [[data]]
        for i, row in enumerate(grid):
            for j, v in enumerate(row):
                assert not (isinstance(v, str) and v.startswith("=")), f"live formula: {v}"
                self._ws.cell(self.r1 + i, self.c1 + j).value = v

    def clear_contents(self) -> None:
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                self._ws.cell(r, c).value = None

    @property
    def formula_array(self):
        return self._ws.cell(self.r1, self.c1).value

    @formula_array.setter
    def formula_array(self, formula: str) -> None:
        ref = f"{get_column_letter(self.c1)}{self.r1}:{get_column_letter(self.c2)}{self.r2}"
        self._ws.cell(self.r1, self.c1).value = ArrayFormula(ref, formula)

    @property
    def formula2(self):
        return self._ws.cell(self.r1, self.c1).value

    @formula2.setter
    def formula2(self, formula: str) -> None:
        """Excel 365: one formula that spills; recorded as an array over the rows the table
        has now (what Excel would save), and as dynamic on the sheet."""
        if not self.sheet.book.app.dynamic_arrays:
            raise AttributeError("Formula2")  # Excel 2016/2019: no dynamic arrays
        first, letter = self.r1, get_column_letter(self.c1)
        table = next(iter(self.sheet.ws.tables.values()))
        last = range_boundaries(table.ref)[3]
        self._ws.cell(first, self.c1).value = ArrayFormula(
            f"{letter}{first}:{letter}{last}", formula
        )
        self.sheet.dynamic.add(f"{letter}{first}")

    def merge(self) -> None:
        self._ws.merge_cells(self.address())

    @property
    def column_width(self):
        return self._ws.column_dimensions[get_column_letter(self.c1)].width

    @column_width.setter
    def column_width(self, width: float) -> None:
        self._ws.column_dimensions[get_column_letter(self.c1)].width = width

    @property
    def number_format(self):
        return self._ws.cell(self.r1, self.c1).number_format

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        for r in range(self.r1, self.r2 + 1):
            for c in range(self.c1, self.c2 + 1):
                self._ws.cell(r, c).number_format = fmt

    @property
    def color(self):
        return self.sheet.colours.get((self.r1, self.c1))

    @color.setter
    def color(self, hex_colour: str) -> None:
        self.sheet.colours[(self.r1, self.c1)] = hex_colour

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self.sheet, self.r2, self.c2, self.r2, self.c2)

    def address(self) -> str:
        return f"{get_column_letter(self.c1)}{self.r1}:{get_column_letter(self.c2)}{self.r2}"


class FakeTable:
    def __init__(self, sheet: FakeSheet, table: Table):
        self.sheet, self._table, self.name = sheet, table, table.displayName

    def _bounds(self):
        return range_boundaries(self._table.ref)

    @property
    def header_row_range(self) -> FakeRange:
        c1, r1, c2, _ = self._bounds()
        return FakeRange(self.sheet, r1, c1, r1, c2)

    @property
    def data_body_range(self) -> FakeRange | None:
        c1, r1, c2, r2 = self._bounds()
        return FakeRange(self.sheet, r1 + 1, c1, r2, c2) if r2 > r1 else None


class FakeTables:
    def __init__(self, sheet: FakeSheet):
        self.sheet = sheet

    def __iter__(self):
        return iter([FakeTable(self.sheet, t) for t in self.sheet.ws.tables.values()])

    def __getitem__(self, name: str) -> FakeTable:
        return FakeTable(self.sheet, self.sheet.ws.tables[name])

    def add(self, source: FakeRange, name: str) -> FakeTable:
        table = Table(displayName=name, ref=source.address())
        self.sheet.ws.add_table(table)
        return FakeTable(self.sheet, table)


class FakeChart:
    def __init__(self, left, top, width, height):
        self.box, self.source, self.chart_type = (left, top, width, height), None, None

    def set_source_data(self, source: FakeRange) -> None:
        self.source = source


class FakeCharts(list):
    def add(self, left, top, width, height) -> FakeChart:
        self.append(FakeChart(left, top, width, height))
        return self[-1]


class FakeSheetApi:
    """The two protection calls of Excel's Worksheet object, on openpyxl's protection."""

    def __init__(self, sheet: FakeSheet):
        self.sheet = sheet

    def Protect(self, **options) -> None:
        self.sheet.ws.protection.sheet = True
        self.sheet.protect_calls.append(options)

    def Unprotect(self) -> None:
        self.sheet.ws.protection.sheet = False
        self.sheet.unprotected = True


class FakeSheet:
    def __init__(self, book: FakeBook, ws):
        self.book, self.ws = book, ws
        self.tables, self.charts, self.colours = FakeTables(self), FakeCharts(), {}
        self.api, self.dynamic, self.protect_calls, self.unprotected = (
            FakeSheetApi(self),
            set(),
            [],
            False,
        )

    @property
    def name(self) -> str:
        return self.ws.title

    @name.setter
    def name(self, value: str) -> None:
        self.ws.title = value

    def range(self, first, second=None) -> FakeRange:
        if isinstance(first, tuple):
            r2, c2 = second if second else first
            return FakeRange(self, first[0], first[1], r2, c2)
        areas = [range_boundaries(a) for a in first.replace("$", "").split(",")]
        c1, r1, c2, r2 = areas[0]
        rng = FakeRange(self, r1, c1, r2 or r1, c2 or c1)
        rng.areas = areas
        return rng

    @property
    def used_range(self) -> FakeRange:
        return FakeRange(self, 1, 1, self.ws.max_row, self.ws.max_column)

    def delete(self) -> None:
        self.book.wb.remove(self.ws)
        self.book._sheets.pop(id(self.ws))

    def autofit(self) -> None:
        self.autofitted = True


class FakeSheets:
    def __init__(self, book: FakeBook):
        self.book = book

    def __iter__(self):
        return iter([self.book._sheet(ws) for ws in self.book.wb.worksheets])

    def __getitem__(self, name: str) -> FakeSheet:
        return self.book._sheet(self.book.wb[name])

    def add(self, after: FakeSheet) -> FakeSheet:
        index = self.book.wb.worksheets.index(after.ws) + 1
        return self.book._sheet(self.book.wb.create_sheet(f"Sheet{index}", index))


class ComError(Exception):
    """What pywin32 raises for a refused COM call (pywintypes.com_error)."""


class FakeComponent:
    def __init__(self, name: str, code: str = ""):
        self.Name, self.code = name, code


class FakeVBComponents:
    """``Workbook.VBProject.VBComponents``: the modules of the book's VBA project."""

    def __init__(self, names: list[str]):
        self.items = [FakeComponent(n) for n in names]

    def __iter__(self):
        return iter(list(self.items))

    def __call__(self, name: str) -> FakeComponent:
        for item in self.items:
            if item.Name == name:
                return item
        raise ComError(f"Subscript out of range: {name}")

    def Remove(self, component: FakeComponent) -> None:
        self.items.remove(component)

    def Import(self, path: str) -> None:
        code = Path(path).read_text(encoding="utf-8")
        name = code.split('Attribute VB_Name = "', 1)[1].split('"', 1)[0]
        self.items.append(FakeComponent(name, code))


class FakeProject:
    def __init__(self, names: list[str]):
        self.VBComponents = FakeVBComponents(names)


class FakeExcel:
    """``Application`` of Excel over COM: what xlwings' import_udfs and live call."""

    Version = "16.0"

    def __init__(self):
        self.macro_options: list[tuple[str, dict]] = []
        self.full_calculations = 0

    def MacroOptions(self, macro: str, **options: object) -> None:
        self.macro_options.append((macro, options))

    def CalculateFull(self) -> None:
        self.full_calculations += 1


class FakeComWorkbook:
    """``book.api``: the COM workbook. ``trusted=False`` is Excel without "Trust access to the
    VBA project object model": every VBProject access raises."""

    def __init__(self, name: str, excel: FakeExcel, modules: list[str]):
        self.Name, self.Application, self.trusted = name, excel, True
        self._project = FakeProject(modules)

    @property
    def VBProject(self) -> FakeProject:
        if not self.trusted:
            raise ComError("Programmatic access to Visual Basic Project is not trusted")
        return self._project


class FakeApp:
    def __init__(self):
        self.screen_updating, self.alerts = True, []
        self.api = FakeExcel()
        self.dynamic_arrays = True  # Excel 365; False plays Excel 2016/2019

    def alert(self, prompt: str, title: str = "") -> None:
        self.alerts.append((title, prompt))


# The VBA modules of SSO_Plan.xlsm as built (tests/test_template.py reads them with oletools).
BUILT_MODULES = ["ThisWorkbook", "Sheet2", "Dictionary", "xlwings", "RibbonMyAddin"]


class FakeBook:
    def __init__(self, wb, name: str, modules: list[str] | None = None):
        self.wb, self.name, self.app, self._sheets = wb, name, FakeApp(), {}
        self.sheets = FakeSheets(self)
        self.api = FakeComWorkbook(name, self.app.api, list(modules or BUILT_MODULES))

    def _sheet(self, ws) -> FakeSheet:
        return self._sheets.setdefault(id(ws), FakeSheet(self, ws))
