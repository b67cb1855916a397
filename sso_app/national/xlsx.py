"""Writing the national workbook with XlsxWriter: a new file, written once, top to bottom.

Why not openpyxl here: openpyxl builds every cell as an object and serialises it again on
save; for a book nobody edits in place that is most of a consolidation's writing time.
XlsxWriter (the writer pandas uses) streams the same parts: tables, number formats,
conditional fills, a native chart. openpyxl stays for the books we modify in place.

Every text goes through ``write_string`` (never a formula, whatever it starts with; a
formula-like text also gets Excel's quote prefix, as ``set_text_cell`` does), so a project
named ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from sso_app.book.sheets import CHART_HEIGHT_CM, CHART_WIDTH_CM, cell_value, display_width

# Characters XML 1.0 cannot hold become U+FFFD (as ``set_text_cell`` does).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FORMULA_LIKE = ("=", "+", "-", "@", "\t", "\r")


class XlsxBook:
    """An XlsxWriter workbook in memory with a cache of its formats; ``save(path)`` writes
    the finished file (the writer a ``write_together`` transaction calls)."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self.xl = xlsxwriter.Workbook(
            self._buffer,
            {
                "in_memory": True,
                "strings_to_formulas": False,  # text is text, wherever it came from
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "nan_inf_to_errors": True,
            },
        )
        self._formats: dict[tuple, object] = {}
        self._data: bytes | None = None
        # (unit, period) in every page header (sso_app.book.page_rules.header_sections)
        self.page_texts: tuple[str, str] = ("", "")
        self._widths: dict[str, int] = {}

    def width(self, text: str) -> int:
        """Columns the widest line of ``text`` takes (``display_width``), each text measured
        once: unit names, project names and band words repeat in every sheet."""
        width = self._widths.get(text)
        if width is None:
            width = max(display_width(line) for line in text.split("\n"))
            self._widths[text] = width
        return width

    def fmt(self, **props: object) -> object:
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.xl.add_format(dict(props))
        return self._formats[key]

    def save(self, path: Path | str) -> None:
        if self._data is None:
            self.xl.close()
            self._data = self._buffer.getvalue()
        Path(path).write_bytes(self._data)


class XlsxSheet:
    """One worksheet filled top to bottom; rows and columns are 1-based as in Excel (and as
    the openpyxl writers count them), refs are A1 ranges."""

    SAMPLE_ROWS = 500  # widths are measured on the first rows only, as ``autosize`` does

    def __init__(self, book: XlsxBook, title: str) -> None:
        self.book = book
        self.ws = book.xl.add_worksheet(title)
        self.title = title
        self._longest: dict[int, int] = {}
        self.no_width_rows: set[int] = set()

    # -- cells -------------------------------------------------------------------------------

    def write(self, row: int, col: int, value: object, fmt: object = None) -> None:
        value = cell_value(value)
        r, c = row - 1, col - 1
        if value is None:
            if fmt is not None:
                self.ws.write_blank(r, c, None, fmt)
            return
        if isinstance(value, str):
            text = _NOT_XML.sub("\ufffd", value)
            if text.startswith(_FORMULA_LIKE):
                props = dict(self._props_of(fmt))
                fmt = self.book.fmt(**props, quote_prefix=True)
            self.ws.write_string(r, c, text, fmt)
            self._measure(row, col, text)
        elif isinstance(value, bool):
            self.ws.write_boolean(r, c, value, fmt)
            self._measure(row, col, str(value))
        elif isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                return
            self.ws.write_number(r, c, value, fmt)
            self._measure(row, col, f"{value:,.2f}" if isinstance(value, float) else str(value))
        else:  # dates and the like: XlsxWriter knows them
            self.ws.write(r, c, value, fmt)
            self._measure(row, col, str(value))

    def _props_of(self, fmt: object) -> tuple:
        for key, cached in self.book._formats.items():
            if cached is fmt:
                return key
        return ()

    def _measure(self, row: int, col: int, text: str) -> None:
        if row > self.SAMPLE_ROWS or row in self.no_width_rows:
            return
        width = self.book.width(text)
        if width > self._longest.get(col, 0):
            self._longest[col] = width

    # -- blocks ------------------------------------------------------------------------------

    def table(
        self,
        frame: pd.DataFrame,
        *,
        name: str,
        top: int,
        labels_th: Mapping[str, str],
        label_fills: Mapping[str, str],
        number_formats: Mapping[str, str],
        wrap_columns: Sequence[str] = (),
    ) -> str:
        """A row of Thai labels at ``top``, then ``frame`` as the Excel table ``name`` (its
        header at ``top + 1``); returns the table's ref. An empty frame gets one blank row."""
        columns = [str(c) for c in frame.columns]
        for j, column in enumerate(columns, start=1):
            label = labels_th.get(column)
            if label:
                props = {"bold": True, "font_color": "#1F3864", "text_wrap": True}
                props["valign"] = "vcenter"
                if column in label_fills:  # a band's tint: black reads on it, dark blue less
                    props |= {"bg_color": f"#{label_fills[column]}", "pattern": 1}
                    props["font_color"] = "#000000"
                self.write(top, j, label, self.book.fmt(**props))
        header = top + 1
        n_rows = max(len(frame), 1)
        last = header + n_rows
        self.ws.add_table(
            header - 1,
            0,
            last - 1,
            len(columns) - 1,
            {
                "name": name,
                "style": "Table Style Medium 2",
                "columns": [{"header": c} for c in columns],
                "autofilter": True,
            },
        )
        for j, column in enumerate(columns, start=1):
            self._measure(header, j, column)
        formats = {}
        for column in columns:
            props: dict[str, object] = {}
            if column in number_formats:
                props["num_format"] = number_formats[column]
            if column in wrap_columns:
                props |= {"text_wrap": True, "valign": "top"}
            formats[column] = self.book.fmt(**props) if props else None
        if len(frame):
            values = frame.to_numpy(dtype=object, na_value=None)
            self._rows(values.tolist(), header + 1, [formats[c] for c in columns])
        return f"A{header}:{xl_col_to_name(len(columns) - 1)}{last}"

    def _rows(self, rows: list[list[object]], first: int, formats: list[object]) -> None:
        """``write`` of every cell of ``rows`` (the first at row ``first``, column 1), with
        the common cells -- text, float, int, blank -- taken on a short path: a national
        book has ~30,000 cells. Anything else goes through ``write``; the cells and widths
        come out as ``write`` makes them."""
        ws, width, longest = self.ws, self.book.width, self._longest
        for i, row in enumerate(rows, start=first):
            measured = i <= self.SAMPLE_ROWS and i not in self.no_width_rows
            for j, value in enumerate(row):
                kind = type(value)
                fmt = formats[j]
                if kind is str:
                    text = _NOT_XML.sub("\ufffd", value)
                    if text.startswith(_FORMULA_LIKE):
                        self.write(i, j + 1, value, fmt)
                        continue
                    ws.write_string(i - 1, j, text, fmt)
                    n = width(text) if measured else 0
                elif kind is float:
                    if value != value:  # NaN: a blank cell, as ``cell_value`` makes it
                        if fmt is not None:
                            ws.write_blank(i - 1, j, None, fmt)
                        continue
                    if not math.isfinite(value):
                        continue
                    ws.write_number(i - 1, j, value, fmt)
                    n = len(f"{value:,.2f}") if measured else 0
                elif kind is int:
                    ws.write_number(i - 1, j, value, fmt)
                    n = len(str(value)) if measured else 0
                elif value is None:
                    if fmt is not None:
                        ws.write_blank(i - 1, j, None, fmt)
                    continue
                else:  # numpy scalars, bools, dates...: the general path
                    self.write(i, j + 1, value, fmt)
                    continue
                if n > longest.get(j + 1, 0):
                    longest[j + 1] = n

    def fill_rule(self, ref: str, code: str, colour: str) -> None:
        """Fill cells of ``ref`` whose text is exactly ``code`` (a formula rule, relative to
        the range's top-left cell, as ``add_band_formatting`` writes it)."""
        top_left = ref.split(":")[0]
        self.ws.conditional_format(
            ref,
            {
                "type": "formula",
                "criteria": f'=EXACT({top_left},"{code}")',
                "format": self.book.fmt(bg_color=f"#{colour}", pattern=1),
            },
        )

    def bands_chart(
        self,
        *,
        table_ref: str,
        categories_col: int,
        first_series_col: int,
        anchor: str,
        title: str,
        colours: Sequence[str],
        series_titles: Sequence[str],
        skip_last_rows: int = 0,
    ) -> tuple[int, int]:
        """The stacked bar chart of band counts per category (as ``add_bands_chart``);
        returns how many (columns, rows) of default size it covers (its size in Excel)."""
        first, last_cell = table_ref.split(":")
        min_row = int(re.sub(r"\D", "", first))
        max_row = int(re.sub(r"\D", "", last_cell))
        last = max(max_row - skip_last_rows, min_row + 1)
        chart = self.book.xl.add_chart({"type": "bar", "subtype": "stacked"})
        cat = categories_col - 1
        for k, (colour, name) in enumerate(zip(colours, series_titles, strict=False)):
            col = first_series_col - 1 + k
            chart.add_series(
                {
                    "name": name,
                    "categories": [self.title, min_row, cat, last - 1, cat],
                    "values": [self.title, min_row, col, last - 1, col],
                    "fill": {"color": f"#{colour}"},
                    "border": {"color": f"#{colour}"},
                    "gap": 60,
                    "overlap": 100,
                }
            )
        chart.set_title({"name": title})
        chart.set_legend({"position": "bottom"})
        # A bar chart's axes are swapped: XlsxWriter's y axis holds the categories.
        chart.set_x_axis({"major_gridlines": {"visible": False}})
        chart.set_y_axis({"reverse": True})  # first category on top, like the table
        height_cm = max(CHART_HEIGHT_CM, 1.2 * (last - min_row) + 3)
        chart.set_size({"width": _px(CHART_WIDTH_CM), "height": _px(height_cm)})
        self.ws.insert_chart(anchor, chart)
        # Excel's default column is 64 pixels wide, its default row 20 pixels high.
        return math.ceil(_px(CHART_WIDTH_CM) / 64), math.ceil(_px(height_cm) / 20)

    def finish(self, widths: Mapping[int, float], *, maximum: float = 40.0) -> dict[int, float]:
        """Column widths from the texts written (Thai-aware, as ``autosize``); ``widths``
        (column → width) win. Returns every width set (column → characters)."""
        out = {
            col: min(maximum, max(6.0, width * 1.15 + 2))
            for col, width in self._longest.items()
            if col not in widths
        }
        out |= widths
        for col, width in out.items():
            self.ws.set_column(col - 1, col - 1, width)
        return out

    def cell(self, row: int, col: int) -> str:
        return xl_rowcol_to_cell(row - 1, col - 1)


def _px(cm: float) -> int:
    return round(cm / 2.54 * 96)
