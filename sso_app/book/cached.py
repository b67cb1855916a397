"""Cached results for the cells that call SSO_ functions, written into the saved package.

Why: a formula cell keeps the last value its program computed (``<c><f>…</f><v>…</v></c>``).
openpyxl writes formulas without one, so a PC without Python (or without the imported
functions), LibreOffice and every printout showed ``#NAME?`` where the numbers go. openpyxl
cannot write a formula together with its value, so after the save the worksheet XML is
edited here: every ``<f>`` whose text calls ``SSO_`` gets the engine's value -- in every cell
of an array formula's range -- ``t="str"`` for text.

Which value: an array formula's column is named by the table header right above its first
row (``plan_now``, ``achievement``, ``score``, ...; never a column letter), and the value for
each sheet row comes from the engine's evaluation of the same book (:func:`engine_values`),
matched by the row the indicator is on (``source_row``). A single-cell call is matched by its
function (``SSO_QUALITY`` -> the card's level). A column or function this module does not
know keeps no cached value: it is listed by :func:`write_cached_values`, never guessed.

What Excel does with them (see README "Cached values"): Excel shows the cached values as
long as it does not recalculate on open; it recalculates everything when ``<calcPr>`` says
``fullCalcOnLoad="1"`` or when the file's ``calcId`` is older than its own engine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from sso_app.book import layout, template
from sso_app.book.opening import BookData, open_sso_book
from sso_kpi.errors import SsoError
from sso_kpi.opdc import quality_level, score_card
from sso_kpi.rollup import rollup_months
from sso_kpi.schema import PLAN_M, RESULT_M

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SSO_CALL = re.compile(r"\bSSO_[A-Z_]+\s*\(")
_CELL = re.compile(r"([A-Z]+)(\d+)")

# sheet name -> column key (or function name) -> sheet row (0 for a single cell) -> value
Values = dict[str, dict[str, dict[int, object]]]
# No entities, no network: a book's XML is data (as defusedxml elsewhere), and big sheets parse.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def _parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, _PARSER)


def _plain(value: object) -> object:
    """A value as a cell holds it: NaN/None -> None, numpy scalars -> Python."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _by_row(rows: pd.Series, values: pd.Series) -> dict[int, object]:
    return {int(r): _plain(v) for r, v in zip(rows.to_numpy(), values.to_numpy(), strict=True)}


def _year_total(kpis: pd.DataFrame, months: tuple[str, ...]) -> pd.Series:
    """What ``SSO_ROLLUP(months, aggregation, 4, ...)`` gives each row (blank: no month)."""
    if not set(months) <= set(kpis.columns):
        return pd.Series(np.nan, index=kpis.index)
    values = kpis[list(months)].to_numpy("float64", na_value=np.nan)
    totals = rollup_months(values, kpis["aggregation"].to_numpy(object), 12)
    return pd.Series(totals, index=kpis.index)


def engine_values(data: BookData) -> Values:
    """What each SSO_ formula of the book computes, from the engine, by column key."""
    ev = data.evaluation()
    kpis = ev.kpis
    rows = kpis["source_row"]
    projects = ev.projects.set_index("project_id")
    per_project = kpis["project_id"].map(projects["average_pct"])
    project_band = kpis["project_id"].map(projects["band"])
    entry = {
        # รวม of the monthly form: the 12 months rolled up by the indicator's การรวมค่า
        "plan_total": _by_row(rows, _year_total(kpis, PLAN_M)),
        "result_total": _by_row(rows, _year_total(kpis, RESULT_M)),
        "plan_now": _by_row(rows, kpis["plan"]),
        "result_now": _by_row(rows, kpis["result"]),
        "achievement": _by_row(rows, kpis["achievement_pct"]),
        "status": _by_row(rows, kpis["status"]),
        "band": _by_row(rows, kpis["band"]),
        "project_avg": _by_row(rows, per_project),
        "project_band": _by_row(rows, project_band),
    }
    out: Values = {layout.SHEET_ENTRY: entry}
    opdc = data.opdc.frame
    if len(opdc):
        card = score_card(opdc)
        scores = _by_row(opdc["source_row"].reset_index(drop=True), card.kpis["score"])
        level = str(quality_level([card.total])[0][0]) if len(card.kpis) else None
        weighted = _by_row(opdc["source_row"].reset_index(drop=True), card.kpis["weighted"])
        out[layout.SHEET_OPDC] = {
            "score": scores,
            "weighted": {r: ("" if v is None else v) for r, v in weighted.items()},
            "SSO_QUALITY": {0: level},
        }
    return out


# --------------------------------------------------------------------------------------------
# The package
# --------------------------------------------------------------------------------------------


def _set_value(cell: etree._Element, value: object) -> None:
    """Replace ``cell``'s cached value (its ``<f>`` is kept, ``<v>`` goes after it)."""
    for old in cell.findall(f"{{{NS}}}v") + cell.findall(f"{{{NS}}}is"):
        cell.remove(old)
    cell.attrib.pop("t", None)
    v = etree.SubElement(cell, f"{{{NS}}}v")
    if isinstance(value, bool):
        cell.set("t", "b")
        v.text = "1" if value else "0"
    elif isinstance(value, int | float):
        v.text = repr(float(value)) if isinstance(value, float) else str(value)
    else:  # text, and an empty result (Excel shows an array formula's "" as blank)
        cell.set("t", "str")
        v.text = "" if value is None else str(value)


class _Cells:
    """The ``<c>`` elements of a sheet by reference, created in order when missing.

    Each row's cells are indexed once, when first asked for: an array formula's column is
    thousands of lookups, and scanning a row of fifty cells for each was most of a save."""

    def __init__(self, data: etree._Element) -> None:
        self.data = data
        self.rows = {int(r.get("r", "0")): r for r in data.findall(f"{{{NS}}}row")}
        self.by_row: dict[int, dict[int, etree._Element]] = {}

    def _row(self, r: int) -> dict[int, etree._Element]:
        cells = self.by_row.get(r)
        if cells is None:
            row = self.rows.get(r)
            if row is None:
                row = etree.Element(f"{{{NS}}}row", r=str(r))
                later = [n for n in self.rows if n > r]
                if later:
                    self.rows[min(later)].addprevious(row)
                else:
                    self.data.append(row)
                self.rows[r] = row
            cells = {}
            for c in row:
                m = _CELL.fullmatch(c.get("r", ""))
                if m:
                    cells[column_index_from_string(m.group(1))] = c
            self.by_row[r] = cells
        return cells

    def get(self, ref: str) -> etree._Element:
        letters, number = _CELL.fullmatch(ref).groups()  # type: ignore[union-attr]
        r, col = int(number), column_index_from_string(letters)
        cells = self._row(r)
        found = cells.get(col)
        if found is not None:
            return found
        new = etree.Element(f"{{{NS}}}c", r=ref)
        after = [c for c in cells if c > col]
        if after:
            cells[min(after)].addprevious(new)
        else:
            self.rows[r].append(new)
        cells[col] = new
        return new


def _fill_sheet(
    xml: bytes, known: Mapping[str, Mapping[int, object]], shared: list[str]
) -> tuple[bytes, list[str]]:
    """The sheet XML with cached values in its SSO_ formula cells; the cells left without."""
    root = _parse(xml)
    data = root.find(f"{{{NS}}}sheetData")
    if data is None:
        return xml, []
    cells = _Cells(data)
    missing: list[str] = []
    header_cells = {c.get("r"): c for row in cells.rows.values() for c in row}
    strings: dict[str, str] = {}

    def header(col: int, row: int) -> str:
        ref = f"{get_column_letter(col)}{row}"
        if ref not in strings:
            strings[ref] = _text_of(header_cells.get(ref), shared)
        return strings[ref]

    header_rows: set[int] = set()
    plain: list[etree._Element] = []
    for formula in list(root.iter(f"{{{NS}}}f")):
        text = formula.text or ""
        cell = formula.getparent()
        ref = cell.get("r", "")
        if not _SSO_CALL.search(text):
            plain.append(cell)
            continue
        if formula.get("t") == "array" and formula.get("ref"):
            c1, r1, c2, r2 = range_boundaries(formula.get("ref"))
            header_rows.add(r1 - 1)
            for col in range(c1, c2 + 1):
                key = header(col, r1 - 1)
                column = known.get(key)
                if column is None:
                    missing.append(f"{get_column_letter(col)}{r1}:{get_column_letter(col)}{r2}")
                    continue
                letter = get_column_letter(col)
                for r in range(r1, r2 + 1):
                    _set_value(cells.get(f"{letter}{r}"), column.get(r))
        else:
            name = _SSO_CALL.search(text).group(0).rstrip("( ")  # type: ignore[union-attr]
            single = known.get(name)
            if single is None:
                missing.append(ref)
                continue
            _set_value(cell, single.get(0))
    # Native formulas in the rows of an SSO_ table whose column the engine also knows (the
    # OPDC card's weighted score reads the SSO_SCORE column): cached too, because
    # LibreOffice recomputes a formula without a value and, with it, the SSO_ cells it reads.
    for cell in plain:
        letters, number = _CELL.fullmatch(cell.get("r", "")).groups()  # type: ignore[union-attr]
        col = column_index_from_string(letters)
        for h in header_rows:
            column = known.get(header(col, h))
            if column is not None and int(number) in column:
                _set_value(cell, column[int(number)])
                break
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), missing


def _text_of(cell: etree._Element | None, shared: list[str]) -> str:
    """The text a header cell shows (shared, inline or plain)."""
    if cell is None:
        return ""
    if cell.get("t") == "s":
        v = cell.find(f"{{{NS}}}v")
        try:
            return shared[int(v.text)] if v is not None and v.text else ""
        except (ValueError, IndexError):
            return ""
    if cell.get("t") == "inlineStr":
        inline = cell.find(f"{{{NS}}}is")
        return "".join(inline.itertext()) if inline is not None else ""
    v = cell.find(f"{{{NS}}}v")
    return v.text if v is not None and v.text else ""


def _shared_strings(package: template.Package) -> list[str]:
    if "xl/sharedStrings.xml" not in package:
        return []
    root = _parse(package["xl/sharedStrings.xml"])
    return ["".join(si.itertext()) for si in root.findall(f"{{{NS}}}si")]


def fill_package(package: template.Package, values: Values) -> list[str]:
    """Write ``values`` into the SSO_ formula cells of ``package``.

    Returns the formula ranges/cells (``sheet!ref``) no value is known for.
    """
    parts = template.sheet_parts(package)
    shared = _shared_strings(package)
    missing: list[str] = []
    for part, name in parts.items():
        if part in package and b"SSO_" in package[part]:
            package[part], left = _fill_sheet(package[part], values.get(name, {}), shared)
            missing += [f"{name}!{ref}" for ref in left]
    return missing


def has_sso_formulas(package: template.Package) -> bool:
    return any(b"SSO_" in package[p] for p in template.sheet_parts(package) if p in package)


def write_cached_values(path: Path) -> list[str]:
    """Cache the engine's values in every SSO_ formula cell of the book at ``path``.

    A book that is not a unit's book (a national summary) or that has no SSO_ formula is
    left as it is. Returns the formula cells left without a value (see :func:`fill_package`).
    """
    package = template.Package(Path(path))
    if not has_sso_formulas(package):
        return []
    try:
        book = open_sso_book(path)
        values = engine_values(book.data)
    except SsoError:
        return []  # not a unit's book: its own writer owns its cells
    missing = fill_package(package, values)
    package.write(Path(path))
    return missing


def values_copy(src: Path, dst: Path) -> None:
    """Copy the package with each SSO_ formula replaced by its cached value (for printing).

    LibreOffice (7.4) keeps the cached value of a single-cell formula when it is told not to
    recalculate on load, but computes every array formula again -- and an SSO_ function it
    cannot run gives ``#NAME?``. A print made by LibreOffice therefore reads this copy, where
    those cells hold the engine's values as plain values; native formulas stay formulas.
    """
    package = template.Package(Path(src))
    for part in template.sheet_parts(package):
        if part in package and b"SSO_" in package[part]:
            root = _parse(package[part])
            for formula in list(root.iter(f"{{{NS}}}f")):
                if _SSO_CALL.search(formula.text or ""):
                    formula.getparent().remove(formula)
            package[part] = etree.tostring(
                root, xml_declaration=True, encoding="UTF-8", standalone=True
            )
    package.write(Path(dst))


def print_pdf(book: Path, dest: Path, *, sheet: str | None = None) -> Path:
    """The book at ``book`` printed to ``dest`` by LibreOffice as a PC without Python shows
    it: the cached values (:func:`values_copy`), nothing recalculated that has a value.
    ``sheet``: only that sheet (see :func:`sso_app.book.libreoffice.only_sheet_visible`).
    """
    import shutil

    from sso_app.book.libreoffice import convert, only_sheet_visible
    from sso_app.files.writing import atomic_write, work_folder

    with work_folder(dest) as tmp:
        copy = tmp / f"{Path(dest).stem}.xlsm"
        values_copy(book, copy)
        if sheet is not None:
            one = tmp / f"{Path(dest).stem}-sheet.xlsm"
            only_sheet_visible(copy, one, sheet)
            copy.unlink()
            copy = one.rename(copy)
        pdf = convert(copy, "pdf", tmp / "pdf", recalc=False)
        atomic_write(dest, lambda out: shutil.copyfile(pdf, out), backup=False)
    return Path(dest)
