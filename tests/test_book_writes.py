"""Every write a locked transaction, and a way back (issue 9's cases 1-4, 10, 12, 14).

Each case was met by a planner or by someone trying to break the tool: two commands at once
on one book, a demo written over a planner's book, a restore of a damaged backup, a book
reached through a symlink, a full or missing temp folder, a killed run's leftovers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

from sso_app.book import layout
from sso_app.book.opening import open_sso_book
from sso_app.cli import main as cli_main
from sso_app.files.writing import (
    TEMP_PREFIX,
    BookLock,
    WriteTransaction,
    backups_folder_for,
    lock_path_for,
    versions_of,
)
from sso_kpi.errors import SsoError
from tests.conftest import ACTION_PLAN, raw_csv
from tests.test_build import copy_book, demo_book, empty_book

ROOT = Path(__file__).resolve().parents[1]


def kpi_rows(book: Path) -> int:
    return open_sso_book(book).filled_rows(layout.TABLE_KPI)


def kpi_keys(book: Path) -> set[tuple[str, str]]:
    frame = open_sso_book(book).data.kpis.frame
    return set(zip(frame["project_id"].astype(str), frame["kpi_number"].astype(str), strict=True))


def plan_csvs(tmp_path: Path) -> tuple[Path, Path]:
    """The golden action plan split into two disjoint files of 35 and 61 indicators."""
    plan = raw_csv(ACTION_PLAN).drop(columns=["published_pct", "published_avg"],
                                     errors="ignore")  # fmt: skip
    assert len(plan) == 96
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    plan.head(35).to_csv(first, index=False)
    plan.iloc[35:].to_csv(second, index=False)
    return first, second


def sso(*args: object, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sso_app.cli", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


# -- 1. two writers at once ---------------------------------------------------------------


def test_two_appends_at_once_keep_both_files_rows(tmp_path: Path) -> None:
    book = copy_book(empty_book(), tmp_path)
    first, second = plan_csvs(tmp_path)
    runs = [sso("import", csv, "--into", book, "--append") for csv in (first, second)]
    outs = [(p.wait(timeout=300), *p.communicate()) for p in runs]
    done = [csv for csv, (code, _, _) in zip((first, second), outs, strict=True) if code == 0]
    for code, out, err in outs:  # each ends in success or in the lock's message, never lost
        assert code == 0 or (code == 2 and "another command is saving" in err), (out, err)
        assert "Traceback" not in err
    expected = sum(len(pd.read_csv(csv)) for csv in done)
    assert done and kpi_rows(book) == expected
    if len(done) == 2:  # the usual case: the second waited for the first
        assert kpi_rows(book) == 96
        assert [kpi_rows(v) for v in versions_of(book)] == [35, 0] or [
            kpi_rows(v) for v in versions_of(book)
        ] == [61, 0]


def test_a_rebuild_during_an_import_replace_keeps_the_new_rows(tmp_path: Path) -> None:
    book = copy_book(demo_book(), tmp_path)
    first, _ = plan_csvs(tmp_path)
    runs = [sso("import", first, "--into", book, "--replace"), sso("rebuild", book)]
    outs = [(p.wait(timeout=300), *p.communicate()) for p in runs]
    assert [o[0] for o in outs] == [0, 0], outs
    assert kpi_rows(book) == 35  # whichever ran first, the import's rows are what is left


def test_a_second_writer_waits_then_is_told_who_holds_the_book(tmp_path: Path) -> None:
    book = copy_book(demo_book(), tmp_path)
    before = book.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from sso_app.files.writing import BookLock;"
         "lock = BookLock(Path(sys.argv[1]).resolve()).__enter__(); print('held', flush=True);"
         "time.sleep(60)", str(book)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        with pytest.raises(SsoError) as err, WriteTransaction(book, wait_s=1.0) as t:
            t.commit(lambda tmp: tmp.write_bytes(b"x"))
        assert 0.9 <= time.monotonic() - start < 30
        text = str(err.value)
        assert f"pid {holder.pid}" in text and "another command is saving" in text
        assert "คำสั่งอื่น" in text and "s ago" in text
        assert book.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
    # The holder died: its OS lock went with it, and the next writer goes ahead.
    with WriteTransaction(book, wait_s=1.0) as t:
        t.commit(lambda tmp: tmp.write_bytes(b"after"))
    assert book.read_bytes() == b"after"


def test_a_book_changed_after_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    book = tmp_path / "b.xlsm"
    book.write_bytes(b"typed in Excel")
    with pytest.raises(SsoError) as err, WriteTransaction(book) as t:
        book.write_bytes(b"saved again from Excel meanwhile")  # no lock taken by Excel
        t.commit(lambda tmp: tmp.write_bytes(b"ours"))
    assert "changed while this command ran" in str(err.value)
    assert book.read_bytes() == b"saved again from Excel meanwhile"
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


# -- 2. demo and build-workbook never overwrite without keeping -----------------------------


def test_demo_over_a_planners_folder_keeps_the_planners_book(tmp_path: Path) -> None:
    planner = copy_book(empty_book(), tmp_path)
    mine = planner.read_bytes()
    assert cli_main(["demo", "-o", str(tmp_path)]) == 0
    assert planner.read_bytes() != mine
    assert [v.read_bytes() for v in versions_of(planner)] == [mine]
    assert cli_main(["restore", str(planner)]) == 0
    assert planner.read_bytes() == mine


def test_build_workbook_over_an_existing_book_keeps_it(tmp_path: Path) -> None:
    book = copy_book(demo_book(), tmp_path, "mine.xlsm")
    before = book.read_bytes()
    assert cli_main(["build-workbook", "-o", str(book), "--empty"]) == 0
    assert kpi_rows(book) == 0
    assert [v.read_bytes() for v in versions_of(book)] == [before]


# -- 3. restore checks what it restores and keeps what it replaces --------------------------


@pytest.mark.parametrize("bad", ["truncated", "csv"])
def test_restore_refuses_a_bad_version(tmp_path: Path, bad: str, capsys) -> None:
    book = copy_book(demo_book(), tmp_path)
    before = book.read_bytes()
    folder = backups_folder_for(book)
    folder.mkdir()
    version = folder / f"{book.stem} 2099-01-01 000000{book.suffix}"
    if bad == "truncated":
        version.write_bytes(before[:1000])
    else:
        version.write_text("project_id,kpi_number\n1,1\n", encoding="utf-8")
    assert cli_main(["restore", str(book)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(version) in err
    assert book.read_bytes() == before


def test_restore_lists_versions_and_keeps_the_replaced_book(tmp_path: Path, capsys) -> None:
    book = copy_book(demo_book(), tmp_path)
    good = book.read_bytes()
    first, _ = plan_csvs(tmp_path)
    assert cli_main(["import", str(first), "--into", str(book), "--replace"]) == 0
    wrong = book.read_bytes()
    capsys.readouterr()
    assert cli_main(["restore", str(book), "--list"]) == 0
    listing = capsys.readouterr().out
    assert "1. SSO_Plan 20" in listing and book.read_bytes() == wrong
    assert cli_main(["restore", str(book)]) == 0
    assert book.read_bytes() == good
    assert versions_of(book)[0].read_bytes() == wrong  # the restore can be undone too


# -- 4. several versions: a wrong import, then a rebuild, and still a way back -------------


def test_a_wrong_import_then_a_rebuild_can_still_be_undone(tmp_path: Path) -> None:
    book = copy_book(demo_book(), tmp_path)
    good_keys = kpi_keys(book)
    first, _ = plan_csvs(tmp_path)
    assert cli_main(["import", str(first), "--into", str(book), "--replace"]) == 0
    assert cli_main(["rebuild", str(book)]) == 0
    assert kpi_rows(book) == 35 and len(versions_of(book)) == 2
    assert cli_main(["restore", str(book), "--version", "2"]) == 0
    assert kpi_keys(book) == good_keys and kpi_rows(book) == 96


# -- 10. a symlinked book stays a symlink ---------------------------------------------------


def test_a_book_reached_through_a_symlink_is_written_through(tmp_path: Path) -> None:
    real = copy_book(demo_book(), tmp_path / "shared")
    link = tmp_path / "desk" / layout.BOOK_NAME
    link.parent.mkdir()
    link.symlink_to(real)
    before = real.read_bytes()
    assert cli_main(["rebuild", str(link)]) == 0
    assert link.is_symlink() and link.resolve() == real
    assert real.read_bytes() != before
    assert [v.read_bytes() for v in versions_of(real)] == [before]  # beside the real book


def test_a_fifo_as_the_destination_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "out.pdf"
    os.mkfifo(fifo)
    with pytest.raises(SsoError) as err, WriteTransaction(fifo) as t:
        t.commit(lambda tmp: tmp.write_bytes(b"x"))
    assert "not a regular file" in str(err.value)


# -- 12. a missing or unusable temp folder, an output that cannot be written ---------------


def test_commands_need_no_system_temp_folder(tmp_path: Path) -> None:
    book = copy_book(demo_book(), tmp_path)
    env = {"TMPDIR": str(tmp_path / "no-such-temp"), "TEMP": str(tmp_path / "no-such-temp")}
    for args in (["rebuild", book], ["report", book, "-o", tmp_path / "r.pdf"]):
        run = sso(*args, env=env)
        code, _, err = run.wait(timeout=300), *run.communicate()
        assert code == 0 and "Traceback" not in err and "Exception ignored" not in err, err
    assert (tmp_path / "r.pdf").exists() and (tmp_path / "r_bands.png").exists()


def test_demo_onto_a_file_or_a_read_only_folder_is_a_message(tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    assert cli_main(["demo", "-o", str(a_file)]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert a_file.read_text() == "x"
    if os.geteuid() != 0:  # root writes anywhere; the mode-bit check below covers it
        ro = tmp_path / "ro"
        ro.mkdir(0o555)
        assert cli_main(["demo", "-o", str(ro / "out")]) == 2


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 150 KB file system: room for the book, not for its new copy beside it."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI and our machines run as root)")
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=150k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_is_one_message_without_a_stray_traceback(small_disk: Path) -> None:
    """Disk full half-way through the save: a clean message, nothing printed after it."""
    book = copy_book(demo_book(), small_disk)
    before = book.read_bytes()
    for args in (["rebuild", book], ["import", ACTION_PLAN, "--into", book, "--replace"]):
        run = sso(*args)
        code, _, err = run.wait(timeout=300), *run.communicate()
        assert code == 2, err
        assert "disk is full" in err and "ดิสก์เต็ม" in err
        assert "Traceback" not in err and "Exception ignored" not in err
        assert book.read_bytes() == before
        assert not list(small_disk.glob(f"{TEMP_PREFIX}*"))


# -- 14. a killed run's leftovers are cleaned by the next run -------------------------------


def test_leftovers_of_a_killed_run_are_removed_by_the_next_write(tmp_path: Path) -> None:
    from .test_interrupted import killed_at_swap

    book = copy_book(demo_book(), tmp_path / "book")
    temp_root = tmp_path / "systemp"
    temp_root.mkdir()
    old = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(temp_root)
    tempfile.tempdir = None
    try:
        killed_at_swap(tmp_path, "rebuild", str(book))
    finally:
        os.environ.pop("TMPDIR") if old is None else os.environ.__setitem__("TMPDIR", old)
        tempfile.tempdir = None
    assert list(book.parent.glob(f"{TEMP_PREFIX}*")), "the kill should leave a temp behind"
    assert list(temp_root.iterdir()) == []  # nothing of ours in the system temp folder
    assert cli_main(["rebuild", str(book)]) == 0
    assert list(book.parent.glob(f"{TEMP_PREFIX}*")) == []
    assert not lock_path_for(book).exists()


def test_a_lock_can_be_taken_again_after_release(tmp_path: Path) -> None:
    target = tmp_path / "x.xlsm"
    with BookLock(target, wait_s=0.5):
        pass
    with BookLock(target, wait_s=0.5):
        assert lock_path_for(target).exists()
    assert not lock_path_for(target).exists()


# -- 11. outputs that belong together ------------------------------------------------------


def test_a_report_whose_chart_is_open_writes_neither_file(tmp_path: Path, capsys) -> None:
    book = copy_book(demo_book(), tmp_path)
    pdf, png = tmp_path / "r.pdf", tmp_path / "r_bands.png"
    pdf.write_bytes(b"last quarter's report")
    (tmp_path / "~$r_bands.png").write_text("open")  # the PNG is open in another program
    assert cli_main(["report", str(book), "-o", str(pdf)]) == 2
    err = capsys.readouterr().err
    assert "r_bands.png" in err and "Traceback" not in err
    assert pdf.read_bytes() == b"last quarter's report" and not png.exists()
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))
