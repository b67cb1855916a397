"""Books crafted to break the tools, as reported: each must end in a two-language refusal
(exit code 2 on the command line, never a traceback, nothing written) or, for the OPDC card,
in the right numbers.

- a zip holding a part twice (calamine reads the first copy, openpyxl the last);
- content openpyxl cannot carry (sparklines, a text box, a part it does not write back);
- XML nested 150,000 deep (lxml, under openpyxl, gives up at 256);
- a named pipe given as a book or a CSV (opening it would wait forever);
- OPDC components named like SUMIF comparisons (``>=A``, ``<>B``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sso_app.book import layout
from sso_app.book.readers import read_raw
from sso_app.book.saving import customui_of, lost_in_save, save_macro_book
from sso_app.cli import main
from sso_app.files.checks import check_workbook_file
from sso_app.files.textsafe import set_text_cell
from sso_kpi.errors import SsoError
from tests.conftest import ACTION_PLAN
from tests.test_build import copy_book, demo_book, recalculated
from tests.test_safe_io import THAI, edit_member, rezip

ENTRY_PART = "xl/worksheets/sheet3.xml"  # แผน-ผล
BUDGET_PART = "xl/worksheets/sheet5.xml"  # งบประมาณ, the fifth sheet the builder writes


def book_copy(tmp_path: Path, name: str = layout.BOOK_NAME) -> Path:
    return copy_book(demo_book(), tmp_path / "books", name)


def run_cli(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str]:
    """``sso-kpi ARGS``: exit code and stderr, which must be a message, not a traceback."""
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def assert_refusal(code: int, err: str, *english: str) -> None:
    assert code == 2, err
    assert THAI.search(err), err
    for text in english:
        assert text in err, err


def with_duplicate(
    src: Path, dst: Path, part: str, second: bytes | None = None, name: str | None = None
) -> Path:
    """``src`` with ``part`` stored twice: the real one first, then ``second`` (default: the
    same bytes) under ``name`` (default: the same name)."""
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # zipfile warns "Duplicate name"
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, data)
            if info.filename == part:
                zout.writestr(name or part, data if second is None else second)
    return dst


EMPTY_SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData/></worksheet>"
)


# -- 7. a part stored twice -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "second", "name"),
    [
        ("xl/workbook.xml", None, None),
        (ENTRY_PART, EMPTY_SHEET, None),  # calamine reads the rows, openpyxl an empty sheet
        ("xl/styles.xml", None, "XL/Styles.xml"),  # OPC part names ignore case
    ],
)
def test_check_refuses_a_part_stored_twice(
    tmp_path: Path, part: str, second: bytes | None, name: str | None
) -> None:
    book = with_duplicate(demo_book(), tmp_path / layout.BOOK_NAME, part, second, name)
    with pytest.raises(SsoError) as err:
        check_workbook_file(book, expect_macro=True)
    assert "twice" in err.value.message_en
    assert part.lower() in err.value.message_en.lower()
    assert THAI.search(err.value.message_th) and err.value.where == str(book)


@pytest.mark.parametrize("part", ["xl/workbook.xml", ENTRY_PART])
def test_rebuild_refuses_a_book_with_a_part_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], part: str
) -> None:
    second = None if part == "xl/workbook.xml" else EMPTY_SHEET
    book = with_duplicate(demo_book(), tmp_path / layout.BOOK_NAME, part, second)
    before = book.read_bytes()
    code, err = run_cli(capsys, ["rebuild", str(book)])
    assert_refusal(code, err, "twice", part)
    assert book.read_bytes() == before
    assert "summary rebuilt" not in capsys.readouterr().out


@pytest.mark.parametrize("part", ["xl/workbook.xml", ENTRY_PART])
def test_import_replace_refuses_a_book_with_a_part_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], part: str
) -> None:
    second = None if part == "xl/workbook.xml" else EMPTY_SHEET
    book = with_duplicate(demo_book(), tmp_path / layout.BOOK_NAME, part, second)
    before = book.read_bytes()
    code, err = run_cli(capsys, ["import", str(ACTION_PLAN), "--into", str(book), "--replace"])
    assert_refusal(code, err, "twice", part)
    assert book.read_bytes() == before


# -- 8. what openpyxl cannot carry --------------------------------------------------------------

SPARKLINES = (
    b'<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    b'<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    b'<x14:sparklineGroup displayEmptyCellsAs="gap"><x14:colorSeries rgb="FF376092"/>'
    b"<x14:sparklines><x14:sparkline><xm:f>'\xe0\xb9\x81\xe0\xb8\x9c\xe0\xb8\x99-"
    b"\xe0\xb8\x9c\xe0\xb8\xa5'!M5:P5</xm:f><xm:sqref>AZ5</xm:sqref></x14:sparkline>"
    b"</x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext></extLst>"
)

TEXT_BOX_DRAWING = (
    b'<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
    b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    b"<xdr:twoCellAnchor><xdr:from><xdr:col>6</xdr:col><xdr:colOff>0</xdr:colOff>"
    b"<xdr:row>2</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>9</xdr:col>"
    b"<xdr:colOff>0</xdr:colOff><xdr:row>6</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>"
    b'<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="2" name="TextBox 1"/>'
    b'<xdr:cNvSpPr txBox="1"/></xdr:nvSpPr><xdr:spPr><a:xfrm><a:off x="0" y="0"/>'
    b'<a:ext cx="1828800" cy="731520"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
    b'</xdr:spPr><xdr:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="th-TH"/>'
    b"<a:t>note</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/></xdr:twoCellAnchor>"
    b"</xdr:wsDr>"
)
R_NS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def with_sparklines(tmp_path: Path) -> Path:
    book = tmp_path / "sparklines" / layout.BOOK_NAME
    book.parent.mkdir()
    return edit_member(demo_book(), book, ENTRY_PART, b"</worksheet>", SPARKLINES + b"</worksheet>")


def with_text_box(tmp_path: Path) -> Path:
    """The demo book with a text box drawn on the งบประมาณ sheet (a drawing of its own)."""
    book = tmp_path / "textbox" / layout.BOOK_NAME
    book.parent.mkdir()
    rels_part = "xl/worksheets/_rels/sheet5.xml.rels"
    with zipfile.ZipFile(demo_book()) as z:
        sheet, rels, types = (z.read(p) for p in (BUDGET_PART, rels_part, "[Content_Types].xml"))
    rel = (
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/drawing" Target="/xl/drawings/drawing9.xml" Id="rIdBox"/>'
    )
    override = (
        b'<Override PartName="/xl/drawings/drawing9.xml" ContentType='
        b'"application/vnd.openxmlformats-officedocument.drawing+xml"/>'
    )
    return rezip(
        demo_book(),
        book,
        {
            BUDGET_PART: sheet.replace(
                b"<tableParts", b'<drawing xmlns:r="' + R_NS + b'" r:id="rIdBox"/><tableParts'
            ),
            rels_part: rels.replace(b"</Relationships>", rel + b"</Relationships>"),
            "[Content_Types].xml": types.replace(b"</Types>", override + b"</Types>"),
            "xl/drawings/drawing9.xml": TEXT_BOX_DRAWING,
        },
    )


def with_person_part(tmp_path: Path) -> Path:
    """The demo book with a part openpyxl never writes back (threaded-comment authors)."""
    book = tmp_path / "person" / layout.BOOK_NAME
    book.parent.mkdir()
    with zipfile.ZipFile(demo_book()) as z:
        types = z.read("[Content_Types].xml")
    override = (
        b'<Override PartName="/xl/persons/person.xml" '
        b'ContentType="application/vnd.ms-excel.person+xml"/>'
    )
    person = (
        b'<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"'
        b' xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    )
    return rezip(
        demo_book(),
        book,
        {
            "[Content_Types].xml": types.replace(b"</Types>", override + b"</Types>"),
            "xl/persons/person.xml": person,
        },
    )


def refused_save(book: Path, tmp_path: Path) -> SsoError:
    """save_macro_book(original=book) of openpyxl's copy of ``book``: the refusal; nothing
    was written and ``book`` is unchanged."""
    before = book.read_bytes()
    check_workbook_file(book, expect_macro=True)  # a sane book: only the save loses things
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl: "extension is not supported"...
        wb = openpyxl.load_workbook(book, keep_vba=True)
    dest = tmp_path / "saved.xlsm"
    with pytest.raises(SsoError) as err:
        save_macro_book(wb, dest, customui_of(book), original=book)
    assert not dest.exists()
    assert book.read_bytes() == before
    assert THAI.search(err.value.message_th) and err.value.where == str(book)
    return err.value


def test_save_refuses_to_drop_sparklines(tmp_path: Path) -> None:
    err = refused_save(with_sparklines(tmp_path), tmp_path)
    assert "sparklines on sheet แผน-ผล" in err.message_en
    assert "sparklines" in err.message_th and "แผน-ผล" in err.message_th


def test_save_refuses_to_drop_a_text_box(tmp_path: Path) -> None:
    err = refused_save(with_text_box(tmp_path), tmp_path)
    assert "1 shapes/text boxes in the drawing of sheet งบประมาณ" in err.message_en
    assert "งบประมาณ" in err.message_th


def test_save_refuses_to_drop_a_part_openpyxl_does_not_write(tmp_path: Path) -> None:
    err = refused_save(with_person_part(tmp_path), tmp_path)
    assert "xl/persons/person.xml" in err.message_en


def test_a_fresh_demo_book_loses_nothing(tmp_path: Path) -> None:
    """Saved as it is, and rebuilt: nothing is refused (charts, VBA, ribbon all come back)."""
    book = book_copy(tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    dest = tmp_path / "saved.xlsm"
    save_macro_book(wb, dest, customui_of(book), original=book)
    check_workbook_file(dest, expect_macro=True)
    assert lost_in_save(book, dest.read_bytes()) == []

    assert main(["rebuild", str(book)]) == 0
    assert lost_in_save(demo_book(), book) == []


# -- 9. XML nested too deep -------------------------------------------------------------------

DEPTH = 150_000
DEEP = b"<x>" * DEPTH + b"</x>" * DEPTH
DEEP_PARTS = {
    "[Content_Types].xml": b"</Types>",
    "xl/workbook.xml": b"</workbook>",
    "xl/styles.xml": b"</styleSheet>",
}


def with_deep_xml(tmp_path: Path, part: str, nesting: bytes = DEEP) -> Path:
    """The demo book with ``nesting`` before the root's end tag of ``part``, stored
    uncompressed (so the compression-ratio check does not see it first)."""
    with zipfile.ZipFile(demo_book()) as z:
        data = z.read(part)
    end = DEEP_PARTS[part]
    folder = tmp_path / "deep"
    folder.mkdir(exist_ok=True)
    return rezip(
        demo_book(),
        folder / layout.BOOK_NAME,
        {part: data.replace(end, nesting + end)},
        stored=(part,),
    )


@pytest.mark.parametrize("part", list(DEEP_PARTS))
def test_check_refuses_deeply_nested_xml(tmp_path: Path, part: str) -> None:
    book = with_deep_xml(tmp_path, part)
    with pytest.raises(SsoError) as err:
        check_workbook_file(book, expect_macro=True)
    assert f"part {part} nests XML elements more than 100 deep" in err.value.message_en
    assert THAI.search(err.value.message_th)


@pytest.mark.parametrize("part", list(DEEP_PARTS))
def test_rebuild_refuses_deeply_nested_xml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], part: str
) -> None:
    book = with_deep_xml(tmp_path, part)
    before = book.read_bytes()
    code, err = run_cli(capsys, ["rebuild", str(book)])
    assert_refusal(code, err, part, "more than 100 deep")
    assert book.read_bytes() == before


def test_moderate_nesting_passes(tmp_path: Path) -> None:
    """Depth is counted, not tags: 50 levels pass (Excel's own parts nest about 15)."""
    book = with_deep_xml(tmp_path, "xl/styles.xml", b"<x>" * 50 + b"</x>" * 50)
    check_workbook_file(book, expect_macro=True)
    with pytest.raises(SsoError, match="more than 40 deep"):
        check_workbook_file(book, expect_macro=True, max_depth=40)


@pytest.mark.parametrize("part", ["xl/_rels/workbook.xml.rels", "docProps/app.xml"])
def test_a_small_part_nested_just_too_deep_is_refused(tmp_path: Path, part: str) -> None:
    """Parts too small to nest 101 deep are counted, not parsed; one that can is parsed."""
    with zipfile.ZipFile(demo_book()) as z:
        data = z.read(part)
    assert len(data) < 4096 and data.count(b"<") < 100  # counted, not parsed, as it comes
    root_end = data[data.rindex(b"</") :]
    nested = data.replace(root_end, b"<x>" * 101 + b"</x>" * 101 + root_end)
    folder = tmp_path / "small"
    folder.mkdir()
    book = rezip(demo_book(), folder / layout.BOOK_NAME, {part: nested})
    with pytest.raises(SsoError, match="more than 100 deep"):
        check_workbook_file(book, expect_macro=True)
    check_workbook_file(book, expect_macro=True, max_depth=110)


# -- 13. named pipes ----------------------------------------------------------------------------

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


def fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "pipes" / name
    path.parent.mkdir(exist_ok=True)
    os.mkfifo(path)
    return path


def run_cli_or_unblock(
    capsys: pytest.CaptureFixture[str], args: list[str], pipe: Path, timeout: float = 60
) -> tuple[int, str]:
    """Run the command in a thread; if it is still running after ``timeout`` seconds (stuck
    opening ``pipe``), open the pipe's other end to let it go, and fail."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(main(args)), daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        with contextlib.suppress(OSError):
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))  # EOF for the reader
        thread.join(10)
        pytest.fail(f"sso-kpi {args[0]} hung on the named pipe {pipe}")
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return result[0], err  # type: ignore[return-value]


@needs_fifo
def test_check_and_read_raw_refuse_a_named_pipe(tmp_path: Path) -> None:
    for name in ("unit.xlsm", "kpi.csv"):
        pipe = fifo(tmp_path, name)
        call = check_workbook_file if name.endswith(".xlsm") else read_raw
        with pytest.raises(SsoError) as err:
            call(pipe)  # would block forever if it opened the pipe
        assert "named pipe" in err.value.message_en and "FIFO" in err.value.message_th
        assert err.value.where == str(pipe)


@needs_fifo
def test_consolidate_refuses_a_named_pipe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = fifo(tmp_path, "unit.xlsm")
    out = tmp_path / "n.xlsx"
    code, err = run_cli_or_unblock(capsys, ["consolidate", str(pipe), "-o", str(out)], pipe)
    assert_refusal(code, err, "named pipe")
    assert not out.exists()


@needs_fifo
def test_import_refuses_a_named_pipe_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = book_copy(tmp_path)
    before = book.read_bytes()
    pipe = fifo(tmp_path, "kpi.csv")
    args = ["import", str(pipe), "--into", str(book), "--replace"]
    code, _ = run_cli_or_unblock(capsys, args, pipe)
    assert code == 2
    assert book.read_bytes() == before


@needs_fifo
def test_rebuild_refuses_a_named_pipe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pipe = fifo(tmp_path, layout.BOOK_NAME)
    code, err = run_cli_or_unblock(capsys, ["rebuild", str(pipe)], pipe)
    assert code == 2 and THAI.search(err)
    assert pipe.exists() and not pipe.is_file()  # still the pipe: nothing written over it


# -- 15. OPDC components named like comparisons ----------------------------------------------------


def test_opdc_card_components_named_like_comparisons(tmp_path: Path) -> None:
    """SUMIF would read ``>=A`` and ``<>B`` as comparisons (0 and 91.96); the card must sum
    each component's own rows: 62.50 and 29.46, recalculated by LibreOffice."""
    book = book_copy(tmp_path)
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb[layout.SHEET_OPDC]
    renamed = {"Performance Base": ">=A", "Potential Base": "<>B"}
    for row in range(layout.OPDC_HEADER_ROW + 1, ws.max_row + 1):
        cell = ws.cell(row=row, column=layout.OPDC_TABLE_COLUMNS.index("component") + 1)
        if cell.value in renamed:
            set_text_cell(cell, renamed[cell.value])
    tmp = tmp_path / "renamed.xlsm"
    save_macro_book(wb, tmp, customui_of(book))
    shutil.move(tmp, book)

    assert main(["rebuild", str(book)]) == 0
    card = openpyxl.load_workbook(book, keep_vba=True)[layout.SHEET_OPDC]
    assert [card.cell(row=4, column=c).value for c in (1, 2)] == [">=A", "<>B"]
    assert card["A5"].value == '=SUMIF($A$11:$A$16,"=>=A",$L$11:$L$16)'
    assert card["B5"].value == '=SUMIF($A$11:$A$16,"=<>B",$L$11:$L$16)'

    recalc = recalculated(book, layout.SHEET_OPDC)
    assert round(recalc["A5"].value, 2) == 62.50
    assert round(recalc["B5"].value, 2) == 29.46
    assert round(recalc["C5"].value, 2) == 91.96
