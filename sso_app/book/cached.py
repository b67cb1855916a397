"""Cached results for every formula cell, written into the saved package; and whether Excel
keeps them on open.

Why: a formula cell keeps the last value its program computed (``<c><f>…</f><v>…</v></c>``).
openpyxl writes formulas without one (and drops the values of a book it loads), so a PC
without Python (or without the imported functions), LibreOffice and every printout showed
``#NAME?`` where the numbers go. openpyxl cannot write a formula together with its value, so
after the save the worksheet XML is edited here (:func:`write_cached_values`, called by every
save of a unit's book: build, import, rebuild, demo):

- A cell of an SSO_ array formula gets the engine's value, ``t="str"`` for text. Its column
  is named by the table header right above the formula's first row (``plan_now``,
  ``achievement``, ``score``, ...; never a column letter), and the value for each sheet row
  comes from the engine's evaluation of the same book (:func:`engine_values`), matched by the
  row the indicator is on (``source_row``).
- Any other formula gets the value of the :class:`~sso_app.book.natives.Native` whose text
  it is (:data:`NATIVES`, defined by the modules that write them: the budget's per cent, the
  OPDC box and check, the printed card), computed over the sheet's cells once the cells it
  reads have values. ``SSO_QUALITY`` is one of them: the UDF's rule over the total it reads.
- A formula none of these knows (the planner's own), or whose inputs a rule does not model,
  keeps no value: it is listed, never guessed.

Then one decision (:func:`calculation_on_open`): when no formula is left without a value,
``<calcPr>`` loses openpyxl's ``fullCalcOnLoad="1"`` and gets ``calcId="191029"`` (Excel
2019/365), so Excel opens the book showing the cached values and recalculates only what
changes; otherwise ``fullCalcOnLoad="1"`` is set and Excel computes everything on open
(README "Cached values and printing").
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

from sso_app.book import budget_sheet, layout, opdc_card, opdc_sheet, template
from sso_app.book.natives import REF, SUM, CellError, Native, NotModelled, cells_of
from sso_app.book.opening import BookData, open_sso_book
from sso_kpi.errors import SsoError
from sso_kpi.opdc import score_card
from sso_kpi.rollup import rollup_months
from sso_kpi.schema import PLAN_M, RESULT_M

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SSO_CALL = re.compile(r"\bSSO_[A-Z_]+\s*\(")
_CELL = re.compile(r"([A-Z]+)(\d+)")

# Every kind of native formula the book writer makes, from the modules that write them.
NATIVES: tuple[Native, ...] = (
    SUM,
    REF,
    *budget_sheet.NATIVES,
    *opdc_sheet.NATIVES,
    *opdc_card.NATIVES,
)

# sheet name -> column key (the header above an SSO_ array formula) -> sheet row -> value
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
    """What each SSO_ array formula of the book computes, from the engine, by column key."""
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
    # A row the engine has no score for (a blank row of the table) gets "": SSO_SCORE's blank.
    # SSO_QUALITY is not here: its value follows the box total it reads (opdc_sheet.QUALITY).
    opdc = data.opdc.frame
    scores: dict[int, object] = {}
    if len(opdc):
        card = score_card(opdc)
        scores = _by_row(opdc["source_row"].reset_index(drop=True), card.kpis["score"])
    return {layout.SHEET_ENTRY: entry, layout.SHEET_OPDC: {"score": scores}}


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

    def _row(self, r: int, *, create: bool = True) -> dict[int, etree._Element]:
        cells = self.by_row.get(r)
        if cells is None:
            row = self.rows.get(r)
            if row is None:
                if not create:
                    return {}
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

    def find(self, ref: str) -> etree._Element | None:
        """The cell ``ref`` if the sheet has it (nothing is created)."""
        letters, number = _CELL.fullmatch(ref).groups()  # type: ignore[union-attr]
        return self._row(int(number), create=False).get(column_index_from_string(letters))

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


class _Pending(Exception):
    """A cell a native formula reads has no value yet."""


def _fill_sheet(
    xml: bytes, known: Mapping[str, Mapping[int, object]], shared: list[str]
) -> tuple[bytes, list[str]]:
    """The sheet XML with a cached value in each formula cell; the cells left without one.

    SSO_ formulas get the engine's values (``known``); native formulas the value of their
    :class:`~sso_app.book.natives.Native`, computed over the sheet's cells once the cells
    they read have values (the card reads the box, the box the weighted column, that the
    SSO_SCORE column). Everything else is left without a value and listed.
    """
    root = _parse(xml)
    data = root.find(f"{{{NS}}}sheetData")
    if data is None:
        return xml, []
    cells = _Cells(data)
    missing: list[str] = []
    strings: dict[str, str] = {}
    valued: dict[str, object] = {}  # formula cells given a value here, as a cell reads them
    unvalued: set[str] = set()  # formula cells without one (yet)
    natives: list[tuple[etree._Element, Native, dict[str, str]]] = []

    def header(col: int, row: int) -> str:
        ref = f"{get_column_letter(col)}{row}"
        if ref not in strings:
            strings[ref] = _text_of(cells.find(ref), shared)
        return strings[ref]

    def put(ref: str, value: object) -> None:
        _set_value(cells.get(ref), value)
        valued[ref] = "" if value is None else value  # None is cached as empty text

    for formula in list(root.iter(f"{{{NS}}}f")):
        text = formula.text or ""
        ref = formula.getparent().get("r", "")
        array = formula.get("t") == "array"
        area = formula.get("ref", ref) if array else ref
        if array and _SSO_CALL.search(text):
            c1, r1, c2, r2 = range_boundaries(area)
            for col in range(c1, c2 + 1):
                column = known.get(header(col, r1 - 1))
                refs = [f"{get_column_letter(col)}{r}" for r in range(r1, r2 + 1)]
                if column is None:
                    missing.append(f"{refs[0]}:{refs[-1]}")
                    unvalued.update(refs)
                    continue
                for r, cell_ref in zip(range(r1, r2 + 1), refs, strict=True):
                    put(cell_ref, column.get(r))
            continue
        found = None
        if formula.get("t", "normal") == "normal":
            found = next(((n, p) for n in NATIVES if (p := n.match(text)) is not None), None)
        if found is not None:
            natives.append((formula.getparent(), *found))
            unvalued.add(ref)
        else:  # not one of ours (or an array/shared/data-table formula)
            missing.append(area)
            unvalued.update(cells_of(area) if ":" in area else [area])

    def read(ref: str) -> object:
        if ref in valued:
            return valued[ref]
        if ref in unvalued:
            raise _Pending(ref)
        return _cell_value(cells.find(ref), shared)

    progress = True
    while natives and progress:
        progress = False
        for item in list(natives):
            cell, native, parts = item
            ref = cell.get("r", "")
            try:
                value = native.value(parts, read)
            except _Pending:
                continue
            except NotModelled:
                value = None  # left without a value, listed below
            natives.remove(item)
            progress = True
            if value is None:
                missing.append(ref)
                continue
            _set_value(cell, value)
            valued[ref] = value
            unvalued.discard(ref)
    missing += [cell.get("r", "") for cell, _, _ in natives]  # reads a cell without a value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), missing


def _cell_value(cell: etree._Element | None, shared: list[str]) -> object:
    """What a cell without a formula holds, as a native formula reads it."""
    if cell is None:
        return None
    kind = cell.get("t", "n")
    if kind in ("s", "inlineStr"):
        return _text_of(cell, shared)
    v = cell.find(f"{{{NS}}}v")
    text = v.text if v is not None else None
    if kind == "str":
        return text or ""
    if not text:
        return None
    if kind == "b":
        return text.strip() == "1"
    if kind == "n":
        try:
            return float(text)
        except ValueError:
            return CellError(text)
    return CellError(f"{kind}:{text}")  # an error, or an ISO date (t="d"): not modelled


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
    """Write cached values into every formula cell of ``package``: ``values`` in the SSO_
    cells, each native formula's own value (:mod:`natives`).

    Then one decision (:func:`calculation_on_open`): with no formula left without a value,
    Excel is told to keep the values on open; otherwise to recalculate everything.
    Returns the formula ranges/cells (``sheet!ref``) left without a value.
    """
    parts = template.sheet_parts(package)
    shared = _shared_strings(package)
    missing: list[str] = []
    for part, name in parts.items():
        if part in package and b"<f" in package[part]:
            package[part], left = _fill_sheet(package[part], values.get(name, {}), shared)
            missing += [f"{name}!{ref}" for ref in left]
    workbook = "xl/workbook.xml"
    package[workbook] = calculation_on_open(package[workbook], full=bool(missing))
    return missing


def has_sso_formulas(package: template.Package) -> bool:
    return any(b"SSO_" in package[p] for p in template.sheet_parts(package) if p in package)


# What Excel 2019 and 365 write (Excel 2016 wrote 171027). A file whose calcId is lower than
# the engine of the Excel opening it is recalculated in full on open; openpyxl writes 124519.
EXCEL_CALC_ID = "191029"
# With a calcId of 179016 or more, Excel also recalculates on open when a feature of its
# engine is missing from the workbook's calcFeatures list (MS-XLSX 2.4.82), so the calcId
# goes with the list Excel 365 writes beside it.
CALC_FEATURES = tuple(
    f"microsoft.com:{name}"
    for name in ("RD", "Single", "FV", "CNMTM", "LET_WF", "LAMBDA_WF", "ARRAYTEXT_WF")
)
_CALC_FEATURES_EXT = "{B58B0392-4F1F-4190-BB64-5DF3571DCE5F}"
_XCALCF = "http://schemas.microsoft.com/office/spreadsheetml/2018/calcfeatures"
_CALC_PR_AFTER = ("definedNames", "externalReferences", "functionGroups", "sheets")


def calculation_on_open(workbook_xml: bytes, *, full: bool) -> bytes:
    """``xl/workbook.xml`` with ``<calcPr>`` set for opening in Excel.

    ``full``: some formula has no cached value, so Excel must calculate everything on open
    (``fullCalcOnLoad="1"``; set, not assumed: openpyxl writes back whatever ``calcPr`` the
    book had, and a book last saved by Excel has none). Otherwise Excel keeps the cached
    values: no ``fullCalcOnLoad``, ``calcId`` and the calculation features of Excel 365.

    >>> xml = b'<workbook xmlns="%s"><sheets/><calcPr calcId="124519" fullCalcOnLoad="1"/>'
    >>> out = calculation_on_open(xml.replace(b"%s", NS.encode()) + b"</workbook>", full=False)
    >>> re.search(rb"<calcPr[^>]*>", out).group(0), out.count(b"<xcalcf:feature ")
    (b'<calcPr calcId="191029"/>', 7)
    """
    root = _parse(workbook_xml)
    calc = root.find(f"{{{NS}}}calcPr")
    if calc is None:
        calc = etree.Element(f"{{{NS}}}calcPr")
        found = (root.find(f"{{{NS}}}{tag}") for tag in _CALC_PR_AFTER)
        anchor = next((a for a in found if a is not None), None)
        if anchor is not None:
            anchor.addnext(calc)
        else:
            root.append(calc)
    if full:
        calc.set("fullCalcOnLoad", "1")
    else:
        calc.attrib.pop("fullCalcOnLoad", None)
        calc.set("calcId", EXCEL_CALC_ID)
        extensions = root.find(f"{{{NS}}}extLst")
        if extensions is None:  # the workbook's last child
            extensions = etree.SubElement(root, f"{{{NS}}}extLst")
        for old in extensions.findall(f"{{{NS}}}ext[@uri='{_CALC_FEATURES_EXT}']"):
            extensions.remove(old)
        ext = etree.SubElement(
            extensions, f"{{{NS}}}ext", uri=_CALC_FEATURES_EXT, nsmap={"xcalcf": _XCALCF}
        )
        features = etree.SubElement(ext, f"{{{_XCALCF}}}calcFeatures")
        for name in CALC_FEATURES:
            etree.SubElement(features, f"{{{_XCALCF}}}feature", name=name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def write_cached_values(path: Path) -> list[str]:
    """Cache a value in every formula cell of the book at ``path`` and set Excel's
    calculation on open accordingly (see :func:`fill_package`).

    The SSO_ cells get the engine's values when the book is a unit's book; in any other
    book (a national summary) they are left without one, and so listed. Returns the formula
    cells left without a value.
    """
    package = template.Package(Path(path))
    values: Values = {}
    if has_sso_formulas(package):
        try:
            values = engine_values(open_sso_book(path).data)
        except SsoError:
            values = {}  # not a unit's book: its SSO_ cells keep no value
    missing = fill_package(package, values)
    package.write(Path(path))
    return missing


def values_copy(src: Path, dst: Path, values: Values | None = None) -> None:
    """Copy the package with each SSO_ formula replaced by its cached value (for printing);
    with ``values``, by those (the engine's values for the typed cells as they are now).

    LibreOffice (7.4) keeps the cached value of a single-cell formula when it is told not to
    recalculate on load, but never reads the result of an array formula (its xlsx import
    leaves the range blank and computes the formula; ``calcPr`` plays no part, LibreOffice
    does not read ``fullCalcOnLoad``) -- and an SSO_ function it cannot run gives ``#NAME?``.
    A print made by LibreOffice therefore reads this copy, where those cells hold the
    engine's values as plain values; native formulas stay formulas, with their values.
    """
    package = template.Package(Path(src))
    if values is not None:
        fill_package(package, values)
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


def print_pdf(
    book: Path, dest: Path, *, sheet: str | None = None, values: Values | None = None
) -> Path:
    """The book at ``book`` printed to ``dest`` by LibreOffice as a PC without Python shows
    it: the cached values (:func:`values_copy`), nothing recalculated that has a value.
    ``sheet``: only that sheet (see :func:`sso_app.book.libreoffice.only_sheet_visible`).
    ``values``: the SSO_ cells' values to print instead of those cached in the book.
    """
    import shutil

    from sso_app.book.libreoffice import convert, only_sheet_visible
    from sso_app.files.writing import atomic_write, work_folder

    with work_folder(dest) as tmp:
        copy = tmp / f"{Path(dest).stem}.xlsm"
        values_copy(book, copy, values)
        if sheet is not None:
            one = tmp / f"{Path(dest).stem}-sheet.xlsm"
            only_sheet_visible(copy, one, sheet)
            copy.unlink()
            copy = one.rename(copy)
        pdf = convert(copy, "pdf", tmp / "pdf", recalc=False)
        atomic_write(dest, lambda out: shutil.copyfile(pdf, out), backup=False)
    return Path(dest)
