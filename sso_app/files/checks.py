"""Safe file handling for workbooks that arrive by e-mail from 100+ offices.

Three jobs, all of them about files we do not control:

* ``check_workbook_file`` looks at a file *before* any parser opens it and refuses, in Thai
  and English, anything that is not a plain .xlsx/.xlsm: a password-protected or old .xls
  book, a damaged download, a zip bomb, an XML entity bomb, a sheet with a million rows...
  It reads the zip directory and streams parts in small chunks, so a hostile file costs
  bounded time and memory.
* ``atomic_write`` is the only way the project writes a workbook or report: the new file is
  written next to the target, checked, and swapped in with ``os.replace``; the original is
  never half-written, and one backup of the previous version is kept.
* ``set_text_cell`` / ``text_safe_for_sheet`` / ``csv_safe`` stop a text typed in a unit's
  file (``=HYPERLINK(...)``, ``+SUM(...)``, ``@cmd``) from becoming a live formula in the
  national workbook or in a CSV report.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from defusedxml import ElementTree as SafeET

from sso_kpi.errors import SsoError

# --------------------------------------------------------------------------------------------
# Pre-flight checks
# --------------------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: .xls, encrypted OOXML
# Excel stores a password-protected .xlsx/.xlsm as a CFB file whose directory holds a stream
# named "EncryptedPackage"; directory names are UTF-16LE, so the name appears verbatim.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty archive

_CHUNK = 64 * 1024  # read size for streaming parts: memory stays ~constant whatever the file
_HEAD = 64 * 1024  # how much of an XML part we inspect for a DTD or a <dimension>
_RATIO_MIN_SIZE = 2**20  # small parts compress wildly (runs of spaces); only judge big ones
_CD_BYTES_PER_PART = 1024  # generous central-directory entry size (46 bytes + name + extras)
_SMALL_XML_LIMIT = 4 * 2**20  # content types / workbook.xml / rels parts are tiny in practice

_CT_MAIN = {  # workbook part content type -> kind
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "xlsm",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": "xlsm",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml": "xlsm",
    "application/vnd.ms-excel.sheet.binary.macroEnabled.main": "xlsb",
}
_CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CT_SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_MACRO_SUFFIXES = {".xlsm": True, ".xltm": True, ".xlam": True, ".xlsx": False, ".xltx": False}
_XML_SUFFIXES = (".xml", ".rels", ".vml")

_DIMENSION_RE = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_ROW_RE = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_ROW_TAG_MAX = 40  # longest "<prefix:row " we still count across a chunk boundary
_MIN_ROW_BYTES = len(b"<row/>")
_MERGE_TAG = b"mergeCell "  # <mergeCell ref=...>, with or without a namespace prefix


@dataclass(frozen=True)
class CheckedWorkbook:
    """What ``check_workbook_file`` saw on its way through a file that passed."""

    # Any worksheet declares merged cells: a reader then fills them (a second sheet parse
    # that only such rare books pay for).
    has_merged_cells: bool


def check_workbook_file(
    path: Path,
    *,
    expect_macro: bool | None = None,
    max_uncompressed: int = 200 * 2**20,
    max_ratio: float = 200.0,
    max_rows: int = 200_000,
    max_parts: int = 10_000,
    max_depth: int = 100,
) -> CheckedWorkbook:
    """Refuse (``SsoError``) a file that is not a plain, sane .xlsx/.xlsm workbook; return
    what the pass saw that a reader may want (whether any sheet merges cells).

    Run it before openpyxl, calamine or pandas see a file from another office. The checks, in
    order: exists and is a regular file (not a folder, named pipe, device or socket, which
    would block the read); not empty; not a CFB file (password-protected book or old .xls); a
    zip; at most ``max_parts`` parts, no part name twice (programs disagree on which copy
    they read); declared uncompressed size at most ``max_uncompressed`` and no big part
    compressed more than ``max_ratio`` times (zip bomb); a spreadsheet
    (``[Content_Types].xml`` names a workbook part that exists); macro-enabled or not as the
    extension (or ``expect_macro``) says; then one streaming pass over every part that
    verifies CRCs (damage), refuses any DTD/entity declaration in an XML part (entity bomb),
    refuses XML nested more than ``max_depth`` elements deep (lxml, which openpyxl uses for
    most parts, fails at 256), and refuses a worksheet whose ``<dimension>`` or ``<row>``
    count exceeds ``max_rows``.

    Cost: the zip directory plus one decompression pass whose output is capped by the
    (already checked) declared sizes -- Python's zipfile stops at a part's declared size even
    if the compressed data would expand further -- in 64 KiB chunks. The nesting depth is
    counted by expat on every XML part except worksheets and the shared strings: those are
    most of a book's bytes, openpyxl and calamine read them with streaming parsers that take
    any depth, and counting there (a Python call per element) would make the check about five
    times slower on a 5,000-row book. A part of at most 64 KiB holding at most ``max_depth``
    "<" cannot nest deeper (each element opens with one) and is not parsed at all: most parts
    of a book are such (rels, tables, properties), and parsing them was a fifth of the check.
    """
    path = Path(path)
    where = str(path)
    require_regular_file(path)
    try:
        return _check_contents(
            path,
            where,
            expect_macro,
            max_uncompressed,
            max_ratio,
            max_rows,
            max_parts,
            max_depth,
        )
    except OSError as exc:  # unreadable: permissions, a network share gone away...
        reason = exc.strerror or str(exc)
        raise SsoError(
            f"อ่านไฟล์ไม่ได้ ({reason})", f"cannot read the file ({reason})", where=where
        ) from exc


def require_regular_file(path: Path) -> None:
    """Refuse (``SsoError``) a path that does not exist or is not a regular file.

    Only ``stat`` is called: opening a named pipe (FIFO) blocks until something writes to
    it, and a device may never end, so both are refused before any ``open``.
    """
    path = Path(path)
    where = str(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SsoError("ไม่พบไฟล์", "file not found", where=where) from None
    except OSError as exc:  # permissions on a folder above, a name too long...
        reason = exc.strerror or str(exc)
        raise SsoError(
            f"อ่านไฟล์ไม่ได้ ({reason})", f"cannot read the file ({reason})", where=where
        ) from exc
    if stat.S_ISDIR(mode):
        raise SsoError("เป็นโฟลเดอร์ ไม่ใช่ไฟล์", "this is a folder, not a file", where=where)
    if not stat.S_ISREG(mode):
        kind_th, kind_en = (
            ("ไปป์ (named pipe/FIFO)", "a named pipe (FIFO)")
            if stat.S_ISFIFO(mode)
            else ("ซ็อกเก็ต (socket)", "a socket")
            if stat.S_ISSOCK(mode)
            else ("อุปกรณ์ (device)", "a device")
        )
        raise SsoError(
            f"ไม่ใช่ไฟล์ธรรมดา แต่เป็น{kind_th} ซึ่งอ่านแล้วอาจค้างไม่จบ: ให้ระบุไฟล์ Excel หรือ CSV "
            "ที่บันทึกไว้ในเครื่อง",
            f"this is not a regular file but {kind_en}, whose reading may never end: give a "
            "saved Excel or CSV file",
            where=where,
        )


def _check_contents(
    path: Path,
    where: str,
    expect_macro: bool | None,
    max_uncompressed: int,
    max_ratio: float,
    max_rows: int,
    max_parts: int,
    max_depth: int,
) -> CheckedWorkbook:
    """The body of check_workbook_file, once we know ``path`` is a file."""
    with path.open("rb") as f:
        magic = f.read(8)
        if not magic:
            raise SsoError(
                "ไฟล์ว่างเปล่า (0 ไบต์) อาจส่งหรือดาวน์โหลดไม่ครบ ขอให้ส่งไฟล์มาใหม่",
                "the file is empty (0 bytes); it was probably not sent or downloaded "
                "completely: ask for it again",
                where=where,
            )
        if magic == _OLE_MAGIC:
            raise _ole_refusal(f, where, max_uncompressed)
        if not magic.startswith(_ZIP_MAGICS):
            raise _not_zip_refusal(magic + f.read(4096), where)
        parts, cd_size = _zip_directory_summary(f, where)
    if parts > max_parts or cd_size > max_parts * _CD_BYTES_PER_PART:
        raise _too_many_parts(parts, max_parts, where)

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise _damaged(where, str(exc)) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > max_parts:  # the end record can lie about the count
            raise _too_many_parts(len(infos), max_parts, where)
        _refuse_duplicate_parts(infos, where)
        _check_sizes(infos, where, max_uncompressed, max_ratio)
        if any(info.flag_bits & 0x1 for info in infos):  # zip-level password (not Excel's)
            raise _password_refusal(where)
        by_name = {info.filename.lower(): info for info in infos}

        content_types = _read_small_xml(zf, by_name, "[Content_Types].xml", where)
        overrides = _overrides(content_types, where)
        main = [(part, _CT_MAIN[ct]) for part, ct in overrides.items() if ct in _CT_MAIN]
        if not main or main[0][0] not in by_name:
            raise SsoError(
                "ไฟล์นี้ไม่ใช่สมุดงาน Excel (ไม่มี xl/workbook.xml) อาจเป็นไฟล์ Word, PowerPoint "
                "หรือไฟล์ zip อื่น",
                "this is not an Excel workbook (no xl/workbook.xml); it may be a Word or "
                "PowerPoint document or another zip file",
                where=where,
            )
        workbook_part, kind = main[0]
        _check_kind(kind, path.suffix.lower(), expect_macro, where)

        sheets = {part for part, ct in overrides.items() if ct == _CT_WORKSHEET}
        streamed = sheets | {p for p, ct in overrides.items() if ct == _CT_SHARED_STRINGS}
        too_long: list[tuple[str, int]] = []
        merged = False
        for info in infos:
            name = info.filename.lower()
            depth = 0 if name in streamed else max_depth  # 0: not counted
            scan = _scan_part(zf, info, name in sheets, max_rows, depth, where)
            merged = merged or scan.merged
            if scan.rows > max_rows:
                too_long.append((info.filename, scan.rows))
        if too_long:  # reported after the pass, so every part has passed the DTD check
            part, rows = too_long[0]
            sheet = _sheet_names(zf, by_name, workbook_part).get(part.lower(), part)
            raise SsoError(
                f"ชีต {sheet} มี {rows:,} แถว เกินขีดจำกัด {max_rows:,} แถว",
                f"sheet {sheet} has {rows:,} rows, over the {max_rows:,}-row limit",
                where=where,
            )
    return CheckedWorkbook(has_merged_cells=merged)


def _part_key(name: str) -> str:
    """A zip entry name as an OPC part name compares: case-insensitive, "/" separated."""
    return name.replace("\\", "/").lstrip("/").lower()


def _refuse_duplicate_parts(infos: list[zipfile.ZipInfo], where: str) -> None:
    """Refuse a zip holding one part name twice: calamine reads the first copy, openpyxl
    and zipfile the last, so a check, a read and a write would each see another book."""
    seen: set[str] = set()
    for info in infos:
        key = _part_key(info.filename)
        if key in seen:
            raise SsoError(
                f"ไฟล์มีส่วน {info.filename} ซ้ำกันสองชุด แต่ละโปรแกรมจะอ่านคนละชุด "
                "(ไฟล์ถูกแก้ด้วยเครื่องมืออื่นหรือเสียหาย) ไม่เปิดเพื่อความปลอดภัย: "
                "ขอให้เปิดใน Excel แล้วบันทึกส่งมาใหม่",
                f"the file holds the part {info.filename} twice, and programs differ on which "
                "copy they read (edited by another tool, or damaged): refused for safety; ask "
                "for a copy opened and saved again in Excel",
                where=where,
            )
        seen.add(key)


def _ole_refusal(f: io.BufferedReader, where: str, limit: int) -> SsoError:
    """A CFB file: password-protected OOXML if it holds an EncryptedPackage stream, else .xls.

    The detector relies only on the CFB magic (first 8 bytes) and on the UTF-16LE stream name
    "EncryptedPackage" appearing anywhere in the file (it is in a directory sector, whose
    position is not fixed). The search streams the file with an overlap, so memory is
    bounded; it stops after ``limit`` bytes.
    """
    f.seek(0)
    tail = b""
    read = 0
    while read < limit and (chunk := f.read(_CHUNK)):
        read += len(chunk)
        if _ENCRYPTED_STREAM in tail + chunk:
            return _password_refusal(where)
        tail = chunk[-len(_ENCRYPTED_STREAM) :]
    return SsoError(
        "ไฟล์เป็น Excel รูปแบบเก่า (.xls): ให้เปิดใน Excel แล้วบันทึกเป็น .xlsm (หรือ .xlsx) แล้วส่งมาใหม่",
        "this is an old-format Excel workbook (.xls): open it in Excel, save it as .xlsm "
        "(or .xlsx) and send it again",
        where=where,
    )


def _password_refusal(where: str) -> SsoError:
    return SsoError(
        "ไฟล์มีรหัสผ่าน: ให้เปิดใน Excel เอารหัสผ่านออก แล้วส่งมาใหม่",
        "the workbook is password-protected: remove the password in Excel "
        "(File > Info > Protect Workbook > Encrypt with Password, clear it) and send it again",
        where=where,
    )


def _not_zip_refusal(head: bytes, where: str) -> SsoError:
    """Say "text file" for a renamed CSV/HTML export (common), else a generic refusal.

    Text means: the head decodes (UTF-8, UTF-16 with a BOM, or Thai Windows cp874) to
    printable characters and line breaks only; random bytes almost never do.
    """
    candidates = ["utf-8", "cp874"]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates.insert(0, "utf-16")
    for encoding in candidates:
        # An incremental decoder tolerates a character cut in two at the end of the head.
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head).lstrip("\ufeff")
        except UnicodeDecodeError:
            continue
        if text and all(ch.isprintable() or ch in "\t\r\n" for ch in text):
            return SsoError(
                "ไฟล์นี้เป็นไฟล์ข้อความ (เช่น CSV หรือ HTML) ที่ตั้งชื่อเป็นไฟล์ Excel: "
                "ให้เปิดใน Excel แล้วบันทึกเป็น .xlsm หรือ .xlsx",
                "this is a text file (e.g. CSV or HTML) named like an Excel workbook: open it "
                "in Excel and save it as .xlsm or .xlsx",
                where=where,
            )
    return SsoError(
        "ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx/.xlsm) หรือไฟล์เสียหาย",
        "this is not an Excel .xlsx/.xlsm file, or it is damaged",
        where=where,
    )


def _damaged(where: str, detail: str) -> SsoError:
    return SsoError(
        f"ไฟล์เสียหายหรือไม่ครบ (อาจดาวน์โหลดหรือแนบอีเมลไม่สมบูรณ์) ขอให้ส่งไฟล์มาใหม่ [{detail}]",
        f"the file is damaged or incomplete (perhaps cut off in a download or e-mail): "
        f"ask for it again [{detail}]",
        where=where,
    )


def _too_many_parts(parts: int, limit: int, where: str) -> SsoError:
    return SsoError(
        f"ไฟล์มีส่วนประกอบมากผิดปกติ ({parts:,} ส่วน เกิน {limit:,}) ไม่เปิดเพื่อความปลอดภัย",
        f"the file has {parts:,} parts, over the {limit:,} limit: refused for safety",
        where=where,
    )


def _zip_directory_summary(f: io.BufferedReader, where: str) -> tuple[int, int]:
    """(number of parts, central directory bytes) from the end record, without parsing it.

    zipfile would read the whole central directory into ZipInfo objects first; a crafted
    file with millions of entries would cost gigabytes before we could count them.
    """
    size = f.seek(0, os.SEEK_END)
    f.seek(max(0, size - (22 + 65535)))  # end record (22 bytes) + longest comment
    tail = f.read()
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        raise _damaged(where, "no zip end record")
    entries = int.from_bytes(tail[pos + 10 : pos + 12], "little")
    cd_size = int.from_bytes(tail[pos + 12 : pos + 16], "little")
    locator = tail[pos - 20 : pos] if pos >= 20 else b""
    if locator.startswith(b"PK\x06\x07"):  # zip64: the real numbers are in another record
        f.seek(int.from_bytes(locator[8:16], "little"))
        record = f.read(56)
        if not record.startswith(b"PK\x06\x06") or len(record) < 56:
            raise _damaged(where, "bad zip64 end record")
        entries = int.from_bytes(record[32:40], "little")
        cd_size = int.from_bytes(record[40:48], "little")
    return entries, cd_size


def _check_sizes(infos: list[zipfile.ZipInfo], where: str, limit: int, max_ratio: float) -> None:
    """Zip-bomb checks on declared sizes only: nothing is decompressed here."""
    total = sum(info.file_size for info in infos)
    if total > limit:
        raise SsoError(
            f"ไฟล์เมื่อขยายแล้วใหญ่ผิดปกติ ({total / 2**20:,.0f} MB เกินขีดจำกัด "
            f"{limit / 2**20:,.0f} MB) ไม่เปิดเพื่อความปลอดภัย",
            f"the file would expand to {total / 2**20:,.0f} MB, over the "
            f"{limit / 2**20:,.0f} MB limit: refused for safety (possible zip bomb)",
            where=where,
        )
    for info in infos:
        if info.file_size < _RATIO_MIN_SIZE:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > max_ratio:
            raise SsoError(
                f"ส่วน {info.filename} ถูกบีบอัดมากผิดปกติ ({ratio:,.0f} เท่า เกิน "
                f"{max_ratio:,.0f} เท่า) ไม่เปิดเพื่อความปลอดภัย",
                f"part {info.filename} is compressed {ratio:,.0f} times, over the "
                f"{max_ratio:,.0f} limit: refused for safety (possible zip bomb)",
                where=where,
            )


def _dtd_refusal(part: str, where: str) -> SsoError:
    return SsoError(
        f"ส่วน {part} มีการประกาศ DTD/ENTITY ซึ่ง Excel ไม่เคยสร้าง (อาจเป็นไฟล์อันตราย) ไม่เปิดเพื่อความปลอดภัย",
        f"part {part} contains a DTD/entity declaration, which Excel never writes "
        "(possible XML entity bomb): refused for safety",
        where=where,
    )


def _check_prolog(head: bytes, part: str, where: str) -> None:
    """Refuse any ``<!DOCTYPE``/``<!ENTITY`` in the head of an XML part.

    A DTD can only sit in the prolog, before the root element. So besides searching the
    head, walk the prolog (XML declaration, comments, processing instructions): if it runs
    past the head -- a huge comment pushing a DOCTYPE out of sight -- refuse as well.
    """
    text = head
    # UTF-16 XML would hide "<!DOCTYPE" from a byte search: decode such a head first.
    utf16 = {b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16", b"<\x00": "utf-16-le"}
    utf16[b"\x00<"] = "utf-16-be"
    if head[:2] in utf16:
        text = head.decode(utf16[head[:2]], errors="ignore").encode("utf-8")
    upper = text.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise _dtd_refusal(part, where)
    pos = 3 if text.startswith(b"\xef\xbb\xbf") else 0
    while True:
        while pos < len(text) and text[pos : pos + 1].isspace():
            pos += 1
        if text.startswith(b"<?", pos):
            end = text.find(b"?>", pos)
            pos = end + 2 if end >= 0 else -1
        elif text.startswith(b"<!--", pos):
            end = text.find(b"-->", pos)
            pos = end + 3 if end >= 0 else -1
        else:
            break
        if pos < 0:  # the prolog runs past what we read: no real part looks like this
            if len(head) >= _HEAD:
                raise _dtd_refusal(part, where)
            return  # a short, malformed part: the parser will reject it


def _max_row_in_ref(ref: bytes) -> int:
    """``b"A1:Z1000000"`` -> 1000000; ``b"A1"`` -> 1."""
    rows = [int(r) for r in re.findall(rb"[A-Za-z]+\$?(\d+)", ref)]
    return max(rows, default=0)


@dataclass(frozen=True)
class _PartScan:
    rows: int = 0  # a worksheet's largest row count seen (<dimension> or counted <row> tags)
    merged: bool = False  # a worksheet that declares merged cells


class _TooDeep(Exception):
    """Raised from the expat handlers of ``_DepthCounter`` (stops the parse at once)."""


class _DepthCounter:
    """Counts element nesting in an XML part fed chunk by chunk, in bounded memory.

    expat keeps only the open tag names and a partial token between chunks, and calls no
    Python code for text. It is a depth check, not a validator: a part expat cannot parse
    (Excel's legacy VML is not always well-formed) just stops being counted; whatever opens
    it later reports that.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.depth = 0
        self._parser: expat.XMLParserType | None = expat.ParserCreate()
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end

    def _start(self, name: str, attrs: object) -> None:
        self.depth += 1
        if self.depth > self.limit:
            raise _TooDeep

    def _end(self, name: str) -> None:
        self.depth -= 1

    def feed(self, data: bytes, final: bool = False) -> None:
        """Parse more of the part; raises ``_TooDeep`` past the limit."""
        if self._parser is None:
            return
        try:
            self._parser.Parse(data, final)
        except expat.ExpatError:
            self._parser = None


def _too_deep(part: str, limit: int, where: str) -> SsoError:
    return SsoError(
        f"ส่วน {part} มีแท็ก XML ซ้อนกันลึกเกิน {limit} ชั้น ซึ่ง Excel ไม่เคยสร้าง "
        "(อาจเป็นไฟล์อันตราย) ไม่เปิดเพื่อความปลอดภัย",
        f"part {part} nests XML elements more than {limit} deep, which Excel never writes "
        "(possibly a hostile file): refused for safety",
        where=where,
    )


def _scan_part(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    is_sheet: bool,
    max_rows: int,
    max_depth: int,
    where: str,
) -> _PartScan:
    """Stream one part: CRC check (zipfile checks at EOF), DTD check, nesting depth (an XML
    part, when ``max_depth`` is not 0); for a worksheet its row count and whether it merges
    cells.

    ``<row`` tags are counted only in a worksheet big enough to hold more than ``max_rows``
    of them: the smallest row is ``<row/>``, 6 bytes, and zipfile never returns more than the
    declared size, so a smaller part cannot be over the limit.
    """
    name = info.filename
    is_xml = name.lower().endswith(_XML_SUFFIXES)
    count_rows = is_sheet and info.file_size >= _MIN_ROW_BYTES * (max_rows + 1)
    rows, merged = 0, False
    depth = _DepthCounter(max_depth) if is_xml and max_depth else None
    try:
        with zf.open(info) as part:
            head = part.read(_HEAD)
            if is_xml:
                _check_prolog(head, name, where)  # before expat sees a byte of it
            if depth is not None and info.file_size <= _HEAD and head.count(b"<") <= max_depth:
                # Every element opens with a "<" (0x3C in each encoding expat reads, UTF-16
                # too), so a part with at most max_depth of them cannot nest deeper: most
                # parts (rels, tables, properties) are a few dozen elements, counted in C.
                depth = None
            if is_sheet:
                match = _DIMENSION_RE.search(head)
                if match:
                    rows = _max_row_in_ref(match.group(1))
            counted, tail = 0, b""
            chunk = head
            while chunk:
                if depth is not None:
                    depth.feed(chunk)
                if is_sheet:
                    # A tag split across two chunks is found in tail + chunk; a match ending
                    # inside the kept tail was counted in the previous round.
                    buf = tail + chunk
                    merged = merged or _MERGE_TAG in buf
                    if count_rows:
                        counted += sum(1 for m in _ROW_RE.finditer(buf) if m.end() > len(tail))
                    tail = buf[-_ROW_TAG_MAX:]
                chunk = part.read(_CHUNK)
            if depth is not None:
                depth.feed(b"", final=True)
            rows = max(rows, counted)
    except _TooDeep:
        raise _too_deep(name, max_depth, where) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise _damaged(where, f"{name}: {exc}") from exc
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, zip encryption
        raise _damaged(where, f"{name}: {exc}") from exc
    return _PartScan(rows, merged)


def _read_small_xml(
    zf: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo], name: str, where: str
) -> bytes:
    """Read a small XML part whole after the DTD check; refuse if it is absent or huge."""
    info = by_name.get(name.lower())
    if info is None:
        raise SsoError(
            f"ไฟล์นี้ไม่ใช่สมุดงาน Excel (ไม่มี {name})",
            f"this is not an Excel workbook (no {name})",
            where=where,
        )
    if info.file_size > _SMALL_XML_LIMIT:
        raise _damaged(where, f"{name} is {info.file_size:,} bytes")
    try:
        data = zf.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise _damaged(where, f"{name}: {exc}") from exc
    _check_prolog(data[:_HEAD], name, where)
    return data


def _parse(data: bytes, part: str, where: str):  # -> Element (defusedxml has no stubs)
    try:
        return SafeET.fromstring(data)
    except Exception as exc:  # ParseError or a defusedxml refusal: both mean "bad part"
        raise _damaged(where, f"{part}: {exc}") from exc


def _overrides(content_types: bytes, where: str) -> dict[str, str]:
    """Part name (lower case, no leading "/") -> content type, from [Content_Types].xml."""
    root = _parse(content_types, "[Content_Types].xml", where)
    return {
        el.get("PartName", "").lstrip("/").lower(): el.get("ContentType", "")
        for el in root.iter()
        if str(el.tag).endswith("Override")
    }


def _check_kind(kind: str, suffix: str, expect_macro: bool | None, where: str) -> None:
    """Refuse .xlsb, and an .xlsx/.xlsm whose content does not match its name (or the need)."""
    if kind == "xlsb":
        raise SsoError(
            "ไฟล์เป็นสมุดงานแบบไบนารี (.xlsb): ให้เปิดใน Excel แล้วบันทึกเป็น .xlsm",
            "this is a binary workbook (.xlsb): open it in Excel and save it as .xlsm",
            where=where,
        )
    is_macro = kind == "xlsm"
    named_macro = _MACRO_SUFFIXES.get(suffix)
    if named_macro is not None and named_macro != is_macro:
        # Excel itself refuses such a file ("the file format or extension is not valid").
        if named_macro:
            raise SsoError(
                f"ไฟล์นี้เป็น .xlsx (ไม่มีมาโคร) แต่ถูกตั้งชื่อเป็น {suffix}: Excel จะไม่ยอมเปิด "
                "ให้ใช้ไฟล์ .xlsm ต้นฉบับ หรือเปลี่ยนนามสกุลกลับเป็น .xlsx",
                f"this is an .xlsx workbook (no macros) renamed {suffix}; Excel will refuse to "
                "open it: send the original .xlsm, or rename it back to .xlsx",
                where=where,
            )
        raise SsoError(
            f"ไฟล์นี้เป็น .xlsm (มีมาโคร) แต่ถูกตั้งชื่อเป็น {suffix}: Excel จะไม่ยอมเปิด "
            "ให้เปลี่ยนนามสกุลกลับเป็น .xlsm",
            f"this is a macro-enabled .xlsm workbook renamed {suffix}; Excel will refuse to "
            "open it: rename it back to .xlsm",
            where=where,
        )
    if expect_macro is not None and expect_macro != is_macro:
        want, got = (".xlsm", ".xlsx") if expect_macro else (".xlsx", ".xlsm")
        raise SsoError(
            f"ต้องการไฟล์ {want} แต่ไฟล์นี้เป็น {got}",
            f"a {want} workbook is needed, but this is an {got} workbook",
            where=where,
        )


def _sheet_names(
    zf: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo], workbook_part: str
) -> dict[str, str]:
    """Worksheet part (lower case) -> sheet name the planner sees; {} if anything is odd.

    Only used to word a refusal, after every part passed the DTD check.
    """
    folder, _, base = workbook_part.rpartition("/")
    rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
    try:
        book = _parse(_read_small_xml(zf, by_name, workbook_part, ""), workbook_part, "")
        rels = _parse(_read_small_xml(zf, by_name, rels_name, ""), rels_name, "")
    except SsoError:
        return {}
    targets = {}
    for rel in rels.iter():
        target = rel.get("Target", "")
        if rel.get("Id") and target:
            full = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
            targets[rel.get("Id")] = os.path.normpath(full).replace(os.sep, "/").lower()
    names = {}
    for sheet in book.iter():
        if str(sheet.tag).endswith("}sheet"):
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
            if rid in targets:
                names[targets[rid]] = sheet.get("name", "")
    return names


# --------------------------------------------------------------------------------------------
# Safe writing
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# Formula injection
# --------------------------------------------------------------------------------------------
