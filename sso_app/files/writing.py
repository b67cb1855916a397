"""TODO"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sso_kpi.errors import SsoError

if TYPE_CHECKING:
    pass


TEMP_PREFIX = ".~sso-tmp-"  # temp files are ".~sso-tmp-<random>-<name>": recognisable if stale


_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def lock_file_for(path: Path) -> Path | None:
    """The owner file Excel (or LibreOffice) keeps next to an open book, if there is one.

    Excel writes ``~$`` + name, or for longer names replaces the first two characters
    (``Report2564.xlsm`` -> ``~$port2564.xlsm``); LibreOffice writes ``.~lock.<name>#``.
    """
    path = Path(path)
    name = path.name
    candidates = [f"~${name}", f"~${name[2:]}", f".~lock.{name}#"]
    for candidate in candidates:
        lock = path.with_name(candidate)
        if lock.is_file():
            return lock
    return None


def backup_path_for(path: Path) -> Path:
    """``SSO_Plan.xlsm`` -> ``SSO_Plan.backup.xlsm`` (the one backup atomic_write keeps)."""
    path = Path(path)
    return path.with_name(f"{path.stem}.backup{path.suffix}")


def remove_stale_temps(folder: Path, older_than_s: float = 3600) -> list[Path]:
    """Delete temp files a killed save left in ``folder``; return what was removed.

    Only our own ``.~sso-tmp-*`` names, and only those untouched for ``older_than_s``
    seconds, so a save running right now in another process is left alone. Best effort: a
    file another program still holds open (Windows) is skipped.
    """
    removed = []
    now = time.time()
    for tmp in Path(folder).glob(f"{TEMP_PREFIX}*"):
        try:
            if tmp.is_file() and now - tmp.stat().st_mtime >= older_than_s:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue
    return removed


def _refuse_unwritable(path: Path, where: str) -> None:
    """Refuse before anything is written: book open in Excel, read-only file or folder."""
    lock = lock_file_for(path)
    if lock is not None:
        raise SsoError(
            f"ไฟล์เปิดอยู่ใน Excel: ปิดไฟล์ใน Excel ก่อน แล้วลองใหม่ (ถ้าไม่ได้เปิดอยู่ ให้ลบไฟล์ {lock.name})",
            f"the workbook is open in Excel: close the workbook in Excel first, then try "
            f"again (if it is not open, delete the lock file {lock.name})",
            where=where,
        )
    folder = path.parent
    if not folder.is_dir():
        raise SsoError("ไม่พบโฟลเดอร์ที่จะบันทึก", "the folder to save in does not exist", where=where)
    if path.is_dir():
        raise SsoError("เป็นโฟลเดอร์ ไม่ใช่ไฟล์", "this is a folder, not a file", where=where)
    # Mode bits explicitly: os.access says "writable" to root and to some network drives
    # even when the file is marked read-only, and the planner marked it so on purpose.
    if path.exists() and (not path.stat().st_mode & _WRITE_BITS or not os.access(path, os.W_OK)):
        raise SsoError(
            "ไฟล์ถูกตั้งเป็นอ่านอย่างเดียว: เอาเครื่องหมายอ่านอย่างเดียวออก หรือบันทึกเป็นชื่ออื่น",
            "the file is read-only: clear the read-only attribute, or save under another name",
            where=where,
        )
    if not os.access(folder, os.W_OK):
        raise SsoError(
            "โฟลเดอร์นี้บันทึกไม่ได้ (อ่านอย่างเดียวหรือไม่มีสิทธิ์): บันทึกในโฟลเดอร์อื่น",
            "the folder is read-only (or you may not write there): save in another folder",
            where=where,
        )


def _os_error(exc: OSError, where: str) -> SsoError:
    """Map the errors a planner can act on to plain words; the original is always intact."""
    kept_th, kept_en = "ไฟล์เดิมยังอยู่ครบ ไม่ถูกแก้ไข", "the original file is unchanged"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        th = f"ดิสก์เต็ม: ลบไฟล์ที่ไม่ใช้แล้วลองใหม่ ({kept_th})"
        en = f"the disk is full: free some space and try again ({kept_en})"
    elif exc.errno == errno.EROFS:
        th = f"ไดรฟ์นี้อ่านได้อย่างเดียว: บันทึกในที่อื่น ({kept_th})"
        en = f"the drive is read-only: save somewhere else ({kept_en})"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        th = f"ไม่มีสิทธิ์เขียน: ไฟล์หรือโฟลเดอร์เป็นอ่านอย่างเดียว หรือไฟล์เปิดอยู่ในโปรแกรมอื่น ({kept_th})"
        en = (
            "permission denied: the file or folder is read-only, or the file is open in "
            f"another program ({kept_en})"
        )
    else:
        th = f"บันทึกไม่สำเร็จ ({exc.strerror or exc}) ({kept_th})"
        en = f"could not save ({exc.strerror or exc}) ({kept_en})"
    return SsoError(th, en, where=where)


def _new_temp(folder: Path, name: str) -> Path:
    """Create an empty temp file in ``folder`` (same file system, so os.replace is atomic).

    Its name ends with the target's name so suffix-based checks (``.xlsm``) still work on it.
    Created with mode 0o666 minus the umask, like any new file, not mkstemp's 0o600.
    """
    name = name[-120:]  # keep within NAME_MAX with the prefix and random part
    while True:
        tmp = folder / f"{TEMP_PREFIX}{secrets.token_hex(4)}-{name}"
        try:
            # 0o666 and the umask, like any new file: without a mode os.open makes it executable.
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
            )
        except FileExistsError:
            continue
        os.close(fd)
        return tmp


def _fsync_file(path: Path) -> None:
    with path.open("r+b") as f:  # Windows fsync (_commit) needs a writable handle
        os.fsync(f.fileno())


def _fsync_dir(folder: Path) -> None:
    """Persist the rename itself; not possible (nor needed) on Windows."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (network shares) refuse fsync on directories
    finally:
        os.close(fd)


def atomic_write(
    path: Path,
    write: Callable[[Path], None],
    *,
    backup: bool = True,
    verify: Callable[[Path], None] | None = None,
) -> Path | None:
    """Write ``path`` through ``write(tmp)`` so the target is either old or new, never broken.

    Refuses first (nothing written) when the book is open in Excel, the file is read-only
    or the folder is not writable. Then: ``write(tmp)`` to a new temp file in the same
    folder, fsync, ``verify(tmp)`` (e.g. ``check_workbook_file``), copy the current file to
    ``<stem>.backup<suffix>`` (one backup, replaced each time, itself swapped in atomically
    so an old backup is never half-overwritten), ``os.replace(tmp, path)``, fsync the folder.
    Returns the backup path, or None when there was nothing to back up.

    On any failure -- exception, disk full, failed verify, Ctrl+C -- the temp file is
    removed, the original is untouched and an ``SsoError`` says why (KeyboardInterrupt is
    re-raised as itself after the cleanup). A writer that leaves the file empty is a
    failure too: an empty file must never replace a workbook.
    """
    path = Path(path).absolute()
    where = str(path)
    folder = path.parent
    made: list[Path] = []  # temp files to remove if we do not get to the end
    try:
        _refuse_unwritable(path, where)
        remove_stale_temps(folder)
        tmp = _new_temp(folder, path.name)
        made.append(tmp)
        write(tmp)
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise SsoError(
                "บันทึกไม่สำเร็จ: ไฟล์ใหม่ว่างเปล่า (ไฟล์เดิมยังอยู่ครบ ไม่ถูกแก้ไข)",
                "could not save: the new file came out empty (the original file is unchanged)",
                where=where,
            )
        if path.exists():  # keep the planner's permission bits; our temp has default ones
            os.chmod(tmp, stat.S_IMODE(path.stat().st_mode))
        _fsync_file(tmp)
        if verify is not None:
            try:
                verify(tmp)
            except Exception as exc:
                detail = exc.message_en if isinstance(exc, SsoError) else f"{exc}"
                detail_th = exc.message_th if isinstance(exc, SsoError) else f"{exc}"
                raise SsoError(
                    f"ไฟล์ใหม่ไม่ผ่านการตรวจสอบ จึงไม่บันทึกทับ ({detail_th}) (ไฟล์เดิมยังอยู่ครบ ไม่ถูกแก้ไข)",
                    f"the new file failed its check, so it was not saved ({detail}) "
                    "(the original file is unchanged)",
                    where=where,
                ) from exc
        backup_path = None
        if backup and path.exists():
            backup_path = backup_path_for(path)
            # Copy, not rename: the original must exist at every instant.
            backup_tmp = _new_temp(folder, backup_path.name)
            made.append(backup_tmp)
            shutil.copy2(path, backup_tmp)
            _fsync_file(backup_tmp)
            os.replace(backup_tmp, backup_path)
        os.replace(tmp, path)
        _fsync_dir(folder)
        return backup_path
    except SsoError:
        raise
    except OSError as exc:
        raise _os_error(exc, where) from exc
    except Exception as exc:
        raise SsoError(
            f"บันทึกไม่สำเร็จ ({type(exc).__name__}: {exc}) (ไฟล์เดิมยังอยู่ครบ ไม่ถูกแก้ไข)",
            f"could not save ({type(exc).__name__}: {exc}) (the original file is unchanged)",
            where=where,
        ) from exc
    finally:
        # Runs for KeyboardInterrupt too (which then propagates unchanged). After a
        # successful os.replace the temp names no longer exist, so this is a no-op.
        for leftover in made:
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)


def restore_backup(path: Path) -> Path:
    """Put ``<stem>.backup<suffix>`` back in place of ``path`` (atomically); return ``path``.

    The backup itself is kept, so restoring twice is harmless.
    """
    path = Path(path).absolute()
    backup_path = backup_path_for(path)
    if not backup_path.is_file():
        raise SsoError(
            f"ไม่มีไฟล์สำรอง {backup_path.name} ให้กู้คืน",
            f"there is no backup {backup_path.name} to restore",
            where=str(path),
        )
    atomic_write(path, lambda tmp: shutil.copyfile(backup_path, tmp), backup=False)
    return path
