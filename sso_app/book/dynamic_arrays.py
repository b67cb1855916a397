"""Marking the computed block's array formulas as Excel 365 dynamic arrays (they spill).

What Excel writes for a dynamic-array formula (ECMA-376 Part 1 §18.3.1.4 ``c@cm``, §18.9
metadata; [MS-XLSX] 2.6.x "dynamicArrayProperties"; checked against what Excel 365 saves):

- the anchor cell carries ``cm="1"``, a one-based index into the cell metadata of the
  workbook's metadata part ([MS-OI29500] 2.1.589: Office reads ``cm`` as one-based), with
  the formula as a plain array formula: ``<c r="BD5" cm="1"><f t="array" ref="BD5:BD100">
  SSO_ROLLUP(...)</f></c>``; ``ref`` is the spill range at save time;
- ``xl/metadata.xml`` (content type ``...spreadsheetml.sheetMetadata+xml``, related to the
  workbook by the ``.../relationships/sheetMetadata`` type) declares the metadata type
  ``XLDAPR``, one future-metadata block holding ``xda:dynamicArrayProperties fDynamic="1"``
  and one cell-metadata record pointing at it.

Excel 365 then treats the formula as one that spills: new rows of ``tbl_kpi`` are computed
at once, because the formula reads whole table columns. Older Excel ignores the metadata and
shows a legacy array formula over ``ref`` (the button refits it); LibreOffice does the same.
openpyxl neither reads nor writes ``cm`` or the metadata part, so every save of the book
goes through :func:`mark_dynamic_arrays`.
"""

from __future__ import annotations

import re

from sso_app.book import layout, template

METADATA_PART = "xl/metadata.xml"
METADATA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
METADATA_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
METADATA_REL_ID = "rIdSsoDynamicArrays"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
DYNAMIC_ARRAY_EXT = "{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"

METADATA_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" '
    'copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" '
    'clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    f'<ext uri="{DYNAMIC_ARRAY_EXT}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>'
    "</ext></extLst></bk></futureMetadata>"
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
).encode()

# An array formula of ours over tbl_kpi's columns or the kpi_ names sized by the table, as
# openpyxl writes it; any other array formula (the OPDC card's, a planner's) stays legacy.
_ANCHOR = re.compile(
    rb'<c (?P<attrs>[^>]*?)(?<!/)>(?P<f><f t="array"[^>]*>SSO_[A-Z_]+\([^<]*?'
    rb"(?:\b" + re.escape(layout.TABLE_KPI.encode()) + rb"\[|\bkpi_\w+))"
)
_METADATA_TYPES = re.compile(rb'<metadataType\b[^>]*\bname="([^"]+)"')


def mark_cells(sheet_xml: bytes) -> tuple[bytes, int]:
    """The worksheet XML with the cell of every tbl_kpi array formula marked ``cm="1"``.

    >>> xml = b'<c r="A5" s="2"><f t="array" ref="A5:A9">SSO_BAND(tbl_kpi[x])</f></c>'
    >>> mark_cells(xml)
    (b'<c r="A5" s="2" cm="1"><f t="array" ref="A5:A9">SSO_BAND(tbl_kpi[x])</f></c>', 1)
    """

    def mark(m: re.Match[bytes]) -> bytes:
        attrs = re.sub(rb'\s*\bcm="[^"]*"', b"", m["attrs"])
        return b"<c " + attrs + b' cm="1">' + m["f"]

    return _ANCHOR.subn(mark, sheet_xml)


def only_dynamic_arrays(metadata_xml: bytes) -> bool:
    """True when a metadata part declares nothing but dynamic arrays (what we write, or
    Excel writes for spilled formulas): rewriting it loses nothing a planner made."""
    kinds = set(_METADATA_TYPES.findall(metadata_xml))
    return kinds <= {b"XLDAPR"}


def _with_content_type(data: bytes) -> bytes:
    if METADATA_PART.encode() in data:
        return data
    override = f'<Override PartName="/{METADATA_PART}" ContentType="{METADATA_TYPE}"/>'
    return data.replace(b"</Types>", override.encode() + b"</Types>")


def _with_relationship(data: bytes) -> bytes:
    if METADATA_REL.encode() in data:
        return data
    rel = f'<Relationship Type="{METADATA_REL}" Target="metadata.xml" Id="{METADATA_REL_ID}"/>'
    return data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")


def mark_dynamic_arrays(package: template.Package) -> int:
    """Mark tbl_kpi's array formulas of ``package`` as dynamic arrays and add the metadata
    part they point at; returns how many cells were marked (none: nothing is changed)."""
    marked = 0
    for name in list(package.parts):
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            data, n = mark_cells(package[name])
            if n:
                package[name] = data
                marked += n
    if marked:
        package[template.CONTENT_TYPES] = _with_content_type(package[template.CONTENT_TYPES])
        package[WORKBOOK_RELS] = _with_relationship(package[WORKBOOK_RELS])
        package[METADATA_PART] = METADATA_XML
    return marked
