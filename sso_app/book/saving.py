"""Saving an openpyxl workbook as SSO_Plan.xlsm: VBA kept byte for byte, the ribbon wired again."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from defusedxml import ElementTree as SafeET
from openpyxl.workbook.workbook import Workbook
from openpyxl.writer.excel import ExcelWriter

from sso_app.book import template
from sso_app.book.dynamic_arrays import METADATA_TYPE, mark_dynamic_arrays, only_dynamic_arrays
from sso_app.book.printing import office_print
from sso_app.files.checks import check_workbook_file
from sso_app.files.writing import lock_file_for
from sso_kpi.errors import SsoError

if TYPE_CHECKING:
    from sso_app.book.cached import Values


def customui_of(path: Path) -> str:
    """The ribbon XML already in the book (kept as is), or ours if it has none."""
    with zipfile.ZipFile(path) as zf:
        if template.CUSTOMUI_PART in zf.namelist():
            return zf.read(template.CUSTOMUI_PART).decode("utf-8")
    return template.ribbon_xml()


def save_macro_book(
    wb: Workbook,
    dest: Path,
    customui_xml: str,
    *,
    original: Path | None = None,
    values: Values | None = None,
) -> None:
    """openpyxl save + the ribbon relationship openpyxl drops (see template.ensure_ribbon)
    + the engine's values cached in every SSO_ formula cell (see :mod:`sso_app.book.cached`).

    ``original``: the book ``wb`` was loaded from. When given, the openpyxl output is
    compared with it first (:func:`refuse_losses`) and nothing is written to ``dest`` if
    something the planner made would be lost. ``values``: the cached values
    (:func:`sso_app.book.cached.engine_values` of the book's data) when the caller has them
    (a rebuild: the typed cells are not changed by it); otherwise the saved book is read
    again to compute them.

    openpyxl writes into memory without compressing; the steps after it change the parts
    they own in that one copy, and ``dest`` is compressed and written once.
    """
    # Lazy: cached reads the book through opening, which the rest of this module avoids.
    from sso_app.book import cached

    office_print(wb)
    # what openpyxl's own save does besides writing (Workbook.save -> save_workbook)
    wb.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
    buffer = io.BytesIO()
    # closed by the with also when openpyxl fails half-way (no half-written archive left
    # for the garbage collector to close)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    saved = buffer.getvalue()
    if original is not None:
        refuse_losses(original, saved)
    package = template.Package(saved)
    del buffer, saved
    # openpyxl writes no cell metadata: the computed block's formulas are marked as
    # dynamic arrays again on every save (Excel 365 spills them over new rows).
    mark_dynamic_arrays(package)
    template.wire_ribbon(package, customui_xml)
    if values is not None:
        cached.fill_package(package, values)
        package.write(Path(dest))
    else:
        package.write(Path(dest))
        cached.write_cached_values(Path(dest))


# --------------------------------------------------------------------------------------------
# What openpyxl would drop
# --------------------------------------------------------------------------------------------

# Parts openpyxl writes afresh (or that carry nothing a planner made): never a loss.
_REGENERATED_TYPES = {
    "application/vnd.openxmlformats-package.relationships+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
    "application/vnd.openxmlformats-officedocument.theme+xml",
    # the printer driver's private blob; the page setup itself is in the sheet XML
    "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
    # the workbook part: its type follows keep_vba, not the original
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    # compared object by object below (a drawing left with no chart or picture is dropped)
    "application/vnd.openxmlformats-officedocument.drawing+xml",
}
_REGENERATED_FOLDERS = ("docProps/",)  # core/app/custom properties, thumbnail

_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_SPARKLINES = re.compile(rb"<(?:[\w.-]+:)?sparklineGroups?[\s>/]")
_SPARKLINE_OVERLAP = 64  # bytes kept between chunks so a tag split in two is still seen
_ANCHORS = {"twoCellAnchor", "oneCellAnchor", "absoluteAnchor"}
# The object an anchor holds -> what the refusal calls it. openpyxl keeps charts and
# pictures; shapes, text boxes, connectors, groups, ink and other graphic frames
# (SmartArt, slicers, the new chart types) it drops.
_OBJECT_KIND = {
    "sp": "shapes",
    "cxnSp": "shapes",
    "grpSp": "shapes",
    "contentPart": "shapes",
    "pic": "pictures",
    "graphicFrame": "frames",
}
_KIND_TEXT = {
    "shapes": ("รูปร่าง/กล่องข้อความ", "shapes/text boxes"),
    "pictures": ("รูปภาพ", "pictures"),
    "frames": ("แผนภูมิ/SmartArt/ตัวแบ่งส่วนข้อมูล", "charts/SmartArt/slicers"),
}


@dataclass
class _Package:
    """Just enough of an OPC package to say what is in it, and on which sheet."""

    types: dict[str, str] = field(default_factory=dict)  # part -> content type
    sheets: dict[str, str] = field(default_factory=dict)  # worksheet part -> sheet name
    drawings: dict[str, str] = field(default_factory=dict)  # drawing part -> sheet name


def _xml(zf: zipfile.ZipFile, names: dict[str, str], part: str):  # -> Element | None
    name = names.get(part.lower())
    if name is None:
        return None
    try:
        return SafeET.fromstring(zf.read(name))
    except Exception:  # a part we cannot read says nothing here; the loss check goes on
        return None


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2]


def _relations(zf: zipfile.ZipFile, names: dict[str, str], part: str) -> list[tuple[str, str, str]]:
    """(Id, type suffix, target part) of ``part``'s relationships, targets resolved."""
    folder, _, base = part.rpartition("/")
    rels = _xml(zf, names, posixpath.join(folder, "_rels", f"{base}.rels"))
    out = []
    for rel in rels.iter() if rels is not None else ():
        target = rel.get("Target", "")
        if not target or rel.get("TargetMode") == "External":
            continue
        full = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out.append(
            (
                rel.get("Id", ""),
                rel.get("Type", "").removeprefix(_REL_TYPE),
                posixpath.normpath(full),
            )
        )
    return out


def _package(zf: zipfile.ZipFile) -> _Package:
    pkg = _Package()
    names = {n.lower(): n for n in zf.namelist()}
    defaults, overrides = {}, {}
    root = _xml(zf, names, template.CONTENT_TYPES)
    for el in root.iter() if root is not None else ():
        if _local(el.tag) == "Default":
            defaults[el.get("Extension", "").lower()] = el.get("ContentType", "")
        elif _local(el.tag) == "Override":
            overrides[el.get("PartName", "").lstrip("/").lower()] = el.get("ContentType", "")
    for name in zf.namelist():
        if name == template.CONTENT_TYPES or name.endswith("/"):
            continue
        ext = name.rpartition(".")[2].lower()
        pkg.types[name] = overrides.get(name.lower()) or defaults.get(ext, "")

    main = next((t for _, kind, t in _relations(zf, names, "") if kind == "officeDocument"), "")
    book = _xml(zf, names, main) if main else None
    targets = {rid: t for rid, kind, t in _relations(zf, names, main) if kind == "worksheet"}
    for sheet in book.iter() if book is not None else ():
        if _local(sheet.tag) != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), "")
        if rid in targets and targets[rid].lower() in names:
            part = names[targets[rid].lower()]
            pkg.sheets[part] = sheet.get("name", part)
            for _, kind, drawing in _relations(zf, names, part):
                if kind == "drawing" and drawing.lower() in names:
                    pkg.drawings[names[drawing.lower()]] = pkg.sheets[part]
    return pkg


def _has_sparklines(zf: zipfile.ZipFile, part: str) -> bool:
    """Whether a worksheet holds sparklines (in its ``<extLst>``), streamed in chunks."""
    tail = b""
    with zf.open(part) as f:
        while chunk := f.read(1 << 16):
            if _SPARKLINES.search(tail + chunk):
                return True
            tail = chunk[-_SPARKLINE_OVERLAP:]
    return False


def _drawing_objects(zf: zipfile.ZipFile, pkg: _Package) -> Counter[tuple[str, str]]:
    """(sheet, kind) -> how many objects the sheet's drawings anchor.

    An object inside ``mc:Fallback`` is the same object as its ``mc:Choice``: not counted.
    """
    counts: Counter[tuple[str, str]] = Counter()
    names = {n.lower(): n for n in zf.namelist()}
    for part, sheet in pkg.drawings.items():
        root = _xml(zf, names, part)
        stack = [root] if root is not None else []
        while stack:
            el = stack.pop()
            for child in el:
                tag = _local(child.tag)
                if tag == "Fallback":
                    continue
                if tag in _ANCHORS:
                    kind = next(
                        (
                            _OBJECT_KIND[_local(c.tag)]
                            for c in child
                            if _local(c.tag) in _OBJECT_KIND
                        ),
                        None,
                    )
                    if kind:
                        counts[(sheet, kind)] += 1
                else:
                    stack.append(child)
    return counts


def _open_package(book: Path | bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(book) if isinstance(book, bytes) else book)


def lost_in_save(original: Path, saved: Path | bytes) -> list[tuple[str, str]]:
    """What the book ``saved`` (openpyxl's output) lacks that ``original`` has, each as a
    (Thai, English) phrase; [] when nothing is lost.

    Three comparisons, all on the packages (no cell is read): sparklines per sheet (a
    worksheet's ``x14:sparklineGroups``, which openpyxl drops); the objects the drawings of
    each sheet anchor, by kind (openpyxl keeps charts and pictures only); and parts, counted
    by content type, leaving out those openpyxl writes afresh (properties, calcChain, shared
    strings, styles, theme, relationships, printer settings) -- counted rather than named,
    because openpyxl renumbers parts (``xl/comments1.xml`` -> ``xl/comments/comment1.xml``).
    """
    with _open_package(original) as before_zf, _open_package(saved) as after_zf:
        before, after = _package(before_zf), _package(after_zf)
        losses: list[tuple[str, str]] = []

        sparkline_sheets = [
            name
            for part, name in before.sheets.items()
            if _has_sparklines(before_zf, part)
            and not any(_has_sparklines(after_zf, p) for p, n in after.sheets.items() if n == name)
        ]
        if sparkline_sheets:
            names = ", ".join(sparkline_sheets)
            losses.append(
                (f"เส้นแบบประกายไฟ (sparklines) บนชีต {names}", f"the sparklines on sheet {names}")
            )

        had, has = _drawing_objects(before_zf, before), _drawing_objects(after_zf, after)
        for (sheet, kind), n in had.items():
            lost = n - has[(sheet, kind)]
            if lost > 0:
                th, en = _KIND_TEXT[kind]
                losses.append(
                    (
                        f"{th} {lost} รายการในรูปวาดของชีต {sheet}",
                        f"{lost} {en} in the drawing of sheet {sheet}",
                    )
                )

        def rewritten(zf: zipfile.ZipFile, part: str, kind: str) -> bool:
            if kind in _REGENERATED_TYPES or part.startswith(_REGENERATED_FOLDERS):
                return True
            # Dynamic-array metadata (ours, or Excel's for spilled formulas) is written
            # again on save; any other cell metadata (pictures in cells) would be lost.
            return kind == METADATA_TYPE and only_dynamic_arrays(zf.read(part))

        def counted(pkg: _Package, zf: zipfile.ZipFile) -> Counter[str]:
            return Counter(t for part, t in pkg.types.items() if not rewritten(zf, part, t))

        kept_names = {n.lower() for n in after.types}
        after_counts = counted(after, after_zf)
        for kind, n in counted(before, before_zf).items():
            if n > after_counts[kind]:
                parts = [
                    p for p, t in before.types.items() if t == kind and p.lower() not in kept_names
                ]
                shown = ", ".join(parts[:5]) + (" ..." if len(parts) > 5 else "")
                what = shown or f"{n - after_counts[kind]} × {kind or 'unknown type'}"
                losses.append((f"ส่วน {what}", f"the part {what}"))
    return losses


def refuse_losses(original: Path, saved: Path | bytes) -> None:
    """Raise ``SsoError`` naming what saving would lose (see :func:`lost_in_save`): called
    on openpyxl's output before anything replaces ``original``, so a refusal changes nothing.
    """
    losses = lost_in_save(original, saved)
    if not losses:
        return
    th = "; ".join(t for t, _ in losses)
    en = "; ".join(e for _, e in losses)
    raise SsoError(
        f"ไม่ได้บันทึก (ไฟล์ไม่ถูกแก้ไข): โปรแกรมเขียนสมุดงาน (openpyxl) เก็บสิ่งต่อไปนี้ไว้ไม่ได้ "
        f"จะทำให้หายไป: {th} ให้ย้ายหรือลบออกก่อนแล้วลองใหม่ หรือทำงานนี้ใน Excel",
        f"not saved (the file is unchanged): writing the workbook with openpyxl would lose "
        f"{en}; move or delete them first and try again, or do this in Excel",
        where=str(original),
    )


def verify_macro_book(path: Path) -> None:
    check_workbook_file(path, expect_macro=True)


def refuse_if_open(book: Path) -> None:
    lock = lock_file_for(book)
    if lock is not None:
        raise SsoError(
            f"ไฟล์เปิดอยู่ใน Excel: ปิดไฟล์ก่อนแล้วลองใหม่ (ถ้าไม่ได้เปิดอยู่ ให้ลบไฟล์ {lock.name})",
            f"the workbook is open in Excel: close it and try again (if it is not open, "
            f"delete the lock file {lock.name})",
            where=str(book),
        )
