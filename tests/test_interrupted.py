"""A save killed half-way never costs the planner a file (import and consolidate; rebuild has
its own test in test_rebuild.py).

Every write goes through safe_io.atomic_write, which writes a temp file, checks it, then swaps
it in with os.replace. The child below stalls at its first os.replace (the new file is
complete by then) and is killed there with SIGKILL: no cleanup code of ours can run.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl

from sso_app.book import layout
from sso_app.files.checks import check_workbook_file
from sso_app.files.writing import TEMP_PREFIX

from .conftest import ACTION_PLAN

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "workbook" / layout.BOOK_NAME

STALL_AT_SWAP = """
import os, sys, time
from pathlib import Path

def stall(src, dst, *args, **kwargs):
    Path(sys.argv[1]).write_text("swapping")
    time.sleep(120)

os.replace = stall
from sso_app.cli import main
main(sys.argv[2:])
"""


def killed_at_swap(tmp_path: Path, *args: str) -> None:
    """Run ``sso-kpi args`` and SIGKILL it as it swaps the new file in."""
    signal_file = tmp_path / "swapping"
    proc = subprocess.Popen([sys.executable, "-c", STALL_AT_SWAP, str(signal_file), *args],
                            cwd=ROOT)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not signal_file.exists():
            assert proc.poll() is None, "the command ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL


def test_an_import_killed_while_saving_leaves_the_book_intact(tmp_path):
    book = tmp_path / layout.BOOK_NAME
    shutil.copy(SHIPPED, book)
    before = book.read_bytes()
    killed_at_swap(tmp_path, "import", str(ACTION_PLAN), "--into", str(book), "--replace")
    assert book.read_bytes() == before
    assert list(tmp_path.glob(f"{TEMP_PREFIX}*")), "the kill should have come during the save"
    check_workbook_file(book, expect_macro=True)
    assert layout.TABLE_KPI in openpyxl.load_workbook(book)[layout.SHEET_ENTRY].tables


def test_a_consolidation_killed_while_saving_keeps_the_previous_national_book(tmp_path):
    units = tmp_path / "units"
    units.mkdir()
    shutil.copy(SHIPPED, units / "สุโขทัย.xlsm")
    output = tmp_path / "national.xlsx"
    from sso_app.consolidate import consolidate

    consolidate([units], output, None)
    before = output.read_bytes()
    killed_at_swap(tmp_path, "consolidate", str(units), "-o", str(output))
    assert output.read_bytes() == before
    check_workbook_file(output)
    assert "ไฟล์ที่รับ" in openpyxl.load_workbook(output, read_only=True).sheetnames


def test_hostile_files_are_refused_by_name_and_the_run_goes_on(tmp_path):
    import tracemalloc
    import zipfile

    import pandas as pd

    from sso_app.consolidate import consolidate

    from .test_safe_io import edit_member, make_cfb, make_entity_bomb, make_workbook

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SHIPPED, inbox / "สุโขทัย.xlsm")
    bomb = shutil.copy(SHIPPED, inbox / "bomb.xlsm")
    with (
        zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as z,
        z.open("xl/media/image1.png", "w", force_zip64=True) as member,
    ):
        for _ in range(300):  # 300 MB of zeros, about 300 KB on disk
            member.write(bytes(2**20))
    (inbox / "locked.xlsx").write_bytes(
        make_cfb({"EncryptionInfo": b"\x04\x00\x04\x00" + b"x" * 64, "EncryptedPackage": b"?"})
    )
    make_entity_bomb(tmp_path, "inbox/laughs.xlsx")
    make_workbook(inbox / "renamed.xlsm")
    edit_member(make_workbook(tmp_path / "w.xlsx"), inbox / "huge.xlsx",
                "xl/worksheets/sheet1.xml", b'<dimension ref="A1:B3"',
                b'<dimension ref="A1:B1000000"')  # fmt: skip

    tracemalloc.start()
    try:
        report = consolidate([inbox], tmp_path / "national.xlsx", None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 150 * 2**20, f"peak {peak / 2**20:.0f} MB: a bomb was opened"
    files = pd.read_excel(
        tmp_path / "national.xlsx", sheet_name="ไฟล์ที่รับ", header=None, engine="calamine"
    )
    text = files.astype(str).to_string()
    expected = {"bomb.xlsm": "zip bomb", "locked.xlsx": "password", "laughs.xlsx": "DTD",
                "renamed.xlsm": "renamed", "huge.xlsx": "1,000,000 rows"}  # fmt: skip
    by_file = {f.path.name: f for f in report.files}
    for name, why in expected.items():
        assert by_file[name].status == "refused", name
        assert why in by_file[name].refusal, (name, by_file[name].refusal)
        assert name in text
    assert by_file["สุโขทัย.xlsm"].usable
