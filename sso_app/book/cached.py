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

import io
import math
import posixpath
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from sso_app.book import layout
from sso_app.book.opening import BookData, open_sso_book
from sso_kpi.errors import SsoError
from sso_kpi.opdc import quality_level, score_card
from sso_kpi.rollup import rollup_months
from sso_kpi.schema import PLAN_M, RESULT_M

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
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


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from xl/workbook.xml and its relationships."""
    book = _parse(zf.read("xl/workbook.xml"))
    rels = _parse(zf.read("xl/_rels/workbook.xml.rels"))

    def part(target: str) -> str:  # relative to xl/, or absolute from the package root
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join("xl", target))

    target = {r.get("Id"): part(r.get("Target", "")) for r in rels}
    out = {}
    for sheet in book.iter(f"{{{NS}}}sheet"):
        found = target.get(sheet.get(f"{{{_R}}}id"))
        if found:
            out[found] = sheet.get("name", "")
    return out


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


def _cell(rows: dict[int, etree._Element], data: etree._Element, ref: str) -> etree._Element:
    """The ``<c r=ref>`` element, created in column order (and its ``<row>``) if missing."""
    letters, number = _CELL.fullmatch(ref).groups()  # type: ignore[union-attr]
    r = int(number)
    row = rows.get(r)
    if row is None:
        row = etree.Element(f"{{{NS}}}row", r=str(r))
        later = [n for n in rows if n > r]
        if later:
            rows[min(later)].addprevious(row)
        else:
            data.append(row)
        rows[r] = row
    col = column_index_from_string(letters)
    for c in row:
        m = _CELL.fullmatch(c.get("r", ""))
        here = column_index_from_string(m.group(1)) if m else 0
        if here == col:
            return c
        if here > col:
            new = etree.Element(f"{{{NS}}}c", r=ref)
            c.addprevious(new)
            return new
    return etree.SubElement(row, f"{{{NS}}}c", r=ref)


def _fill_sheet(
    xml: bytes, known: Mapping[str, Mapping[int, object]], shared: list[str]
) -> tuple[bytes, list[str]]:
    """The sheet XML with cached values in its SSO_ formula cells; the cells left without."""
    root = _parse(xml)
    data = root.find(f"{{{NS}}}sheetData")
    if data is None:
        return xml, []
    rows = {int(r.get("r", "0")): r for r in data.findall(f"{{{NS}}}row")}
    missing: list[str] = []
    header_cells = {c.get("r"): c for row in rows.values() for c in row}
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
                for r in range(r1, r2 + 1):
                    _set_value(_cell(rows, data, f"{get_column_letter(col)}{r}"), column.get(r))
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


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    root = _parse(zf.read("xl/sharedStrings.xml"))
    return ["".join(si.itertext()) for si in root.findall(f"{{{NS}}}si")]


def fill_package(path: Path, values: Values) -> list[str]:
    """Write ``values`` into the SSO_ formula cells of the package at ``path`` (in place).

    Returns the formula ranges/cells (``sheet!ref``) no value is known for.
    """
    path = Path(path)
    with zipfile.ZipFile(path) as zin:
        parts = _sheet_parts(zin)
        shared = _shared_strings(zin)
        members = [(info, zin.read(info)) for info in zin.infolist()]
    missing: list[str] = []
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in members:
            name = parts.get(info.filename)
            if name is not None and b"SSO_" in data:
                data, left = _fill_sheet(data, values.get(name, {}), shared)
                missing += [f"{name}!{ref}" for ref in left]
            zout.writestr(info, data)
    path.write_bytes(out.getvalue())
    return missing


def write_cached_values(path: Path) -> list[str]:
    """Cache the engine's values in every SSO_ formula cell of the book at ``path``.

    A book that is not a unit's book (a national summary) or that has no SSO_ formula is
    left as it is. Returns the formula cells left without a value (see :func:`fill_package`).
    """
    with zipfile.ZipFile(path) as zf:
        parts = _sheet_parts(zf)
        if not any(b"SSO_" in zf.read(p) for p in parts if p in zf.namelist()):
            return []
    try:
        book = open_sso_book(path)
        values = engine_values(book.data)
    except SsoError:
        return []  # not a unit's book: its own writer owns its cells
    return fill_package(path, values)


def values_copy(src: Path, dst: Path) -> None:
    """Copy the package with each SSO_ formula replaced by its cached value (for printing).

    LibreOffice (7.4) keeps the cached value of a single-cell formula when it is told not to
    recalculate on load, but computes every array formula again -- and an SSO_ function it
    cannot run gives ``#NAME?``. A print made by LibreOffice therefore reads this copy, where
    those cells hold the engine's values as plain values; native formulas stay formulas.
    """
    with zipfile.ZipFile(src) as zin:
        parts = _sheet_parts(zin)
        members = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in members:
            if info.filename in parts and b"SSO_" in data:
                root = _parse(data)
                for formula in list(root.iter(f"{{{NS}}}f")):
                    if _SSO_CALL.search(formula.text or ""):
                        formula.getparent().remove(formula)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            zout.writestr(info, data)


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
