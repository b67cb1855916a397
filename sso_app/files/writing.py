"""Every write of a book or report: one locked transaction.

``WriteTransaction`` is the only way the project replaces a file a planner keeps:

1. the target is the real file (a symlink is written through to its target; a FIFO or a
   device is refused, so nothing hangs), never one of the command's inputs;
2. refused before anything is written when Excel holds the book open (``~$`` file), the
   file or folder is read-only;
3. a lock beside the book (``.~sso-lock-<name>.lock``, an OS lock that vanishes with its
   process) is held from the read to the swap; a second writer waits ``LOCK_WAIT_S`` seconds,
   then is refused with the holder's name, process and age;
4. the book's fingerprint is taken when the lock is taken and compared before the swap: a
   book saved by Excel in between is not overwritten;
5. the new file is written beside the old one, fsynced, verified (by the caller's reader),
   the old one kept as a dated version in ``<stem>.backups/`` (the newest ``KEEP_VERSIONS``),
   then swapped in with ``os.replace``;
6. temp files are removed on every exit path, and temps a killed run left are removed by the
   next writer of the same file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gc
import getpass
import glob
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from sso_kpi.errors import SsoError

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


# --------------------------------------------------------------------------------------------
# Which file, really
# --------------------------------------------------------------------------------------------


def real_target(path: Path) -> Path:
    """The file a write must replace: symlinks followed (the link stays a link), absolute.

    Refuses a path that exists and is not a regular file (a named pipe would block the
    write, a device would swallow it).
    """
    path = Path(path).absolute()
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_file():
        kind = "โฟลเดอร์" if target.is_dir() else "ไฟล์พิเศษ (named pipe/device)"
        kind_en = "a folder" if target.is_dir() else "a special file (named pipe or device)"
        raise SsoError(
            f"ที่หมายเป็น{kind} ไม่ใช่ไฟล์ธรรมดา จึงไม่บันทึกทับ",
            f"the destination is {kind_en}, not a regular file: nothing was written",
            where=str(path),
        )
    return target


def refuse_output_among_inputs(output: Path, inputs: Iterable[Path]) -> None:
    """An output that is also an input (``-o`` naming a unit's own file) is refused."""
    out = Path(os.path.realpath(output))
    for item in inputs:
        src = Path(os.path.realpath(item))
        if src == out or (out.exists() and src.exists() and os.path.samefile(src, out)):
            raise SsoError(
                "ไฟล์ผลลัพธ์เป็นไฟล์เดียวกับไฟล์ที่อ่านเข้า จะเขียนทับข้อมูลของหน่วยงาน: ตั้งชื่อไฟล์ผลลัพธ์ใหม่",
                "the output is one of the input files and would be overwritten: "
                "choose another output name",
                where=str(output),
            )


# --------------------------------------------------------------------------------------------
# Temp files
# --------------------------------------------------------------------------------------------


def temp_names_for(target: Path) -> list[Path]:
    """Our temp copies of ``target`` in its folder, any age (work folders are another
    run's until they are an hour old: see :func:`remove_stale_temps`)."""
    found = target.parent.glob(
        f"{TEMP_PREFIX}*-{glob.escape(target.name)}*"
    )  # and its .openpyxl save
    return [p for p in found if p.is_file()]


def remove_temps(paths: Iterable[Path]) -> list[Path]:
    """Delete temp files or folders; best effort (Windows may hold one open)."""
    removed = []
    for tmp in paths:
        try:
            if tmp.is_dir() and not tmp.is_symlink():
                shutil.rmtree(tmp)
            else:
                tmp.unlink(missing_ok=True)
            removed.append(tmp)
        except OSError:
            continue
    return removed


def remove_stale_temps(folder: Path, older_than_s: float = 3600) -> list[Path]:
    """Delete temps a killed run left in ``folder`` that nobody touched for an hour.

    The writer of a file removes that file's temps at once (it holds the lock, so they are
    stale); this catches the others, slowly enough that a run in progress is left alone.
    """
    now = time.time()
    old = []
    for tmp in Path(folder).glob(f"{TEMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime >= older_than_s:
                old.append(tmp)
    return remove_temps(old)


def make_folder(folder: Path) -> Path:
    """``mkdir -p`` that says why it could not (read-only drive, a file in the way)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, str(folder)) from exc
    return folder


@contextlib.contextmanager
def work_folder(beside: Path) -> Iterator[Path]:
    """A scratch folder beside ``beside`` (not in the system temp folder, which may be full or
    on another drive), removed on every exit path; a killed run's is removed by the next."""
    target = Path(beside).absolute()
    folder = target.parent / f"{TEMP_PREFIX}{secrets.token_hex(4)}-{target.name}.work"
    try:
        folder.mkdir()
    except OSError as exc:
        raise _os_error(exc, str(target)) from exc
    try:
        yield folder
    finally:
        remove_temps([folder])


# --------------------------------------------------------------------------------------------
# The lock
# --------------------------------------------------------------------------------------------

LOCK_WAIT_S = float(os.environ.get("SSO_KPI_LOCK_WAIT", "8"))


def lock_path_for(target: Path) -> Path:
    return target.with_name(f".~sso-lock-{target.name}.lock")


def _holder_path(target: Path) -> Path:
    return target.with_name(f".~sso-lock-{target.name}.who")


class BookLock:
    """An OS lock beside ``target`` (``filelock``: released by the OS when its process dies,
    so a killed run never leaves a book locked), plus a small note of who holds it."""

    def __init__(self, target: Path, wait_s: float | None = None) -> None:
        self.target = target
        self.wait_s = LOCK_WAIT_S if wait_s is None else wait_s
        self._lock = FileLock(str(lock_path_for(target)), timeout=self.wait_s)

    def __enter__(self) -> BookLock:
        try:
            self._lock.acquire()
        except Timeout:
            raise self._busy() from None
        except OSError as exc:
            raise _os_error(exc, str(self.target)) from exc
        with contextlib.suppress(OSError):
            _holder_path(self.target).write_text(
                json.dumps(
                    {
                        "pid": os.getpid(),
                        "user": getpass.getuser(),
                        "host": socket.gethostname(),
                        "since": time.time(),
                        "command": " ".join(sys.argv[1:3])[:80],
                    }
                ),
                encoding="utf-8",
            )
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            _holder_path(self.target).unlink(missing_ok=True)
        self._lock.release()
        with contextlib.suppress(OSError):  # Unix keeps the file; tidy it if nobody waits
            if not self._lock.is_locked:
                lock_path_for(self.target).unlink(missing_ok=True)

    def _busy(self) -> SsoError:
        try:
            who = json.loads(_holder_path(self.target).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            who = {}
        age = time.time() - float(who.get("since", time.time()))
        holder = f"{who.get('user', '?')}@{who.get('host', '?')} pid {who.get('pid', '?')}"
        doing = who.get("command", "")
        return SsoError(
            f"สมุดงานกำลังถูกบันทึกโดยคำสั่งอื่น ({holder} {doing}, เริ่มเมื่อ {age:,.0f} วินาทีก่อน) "
            f"รอ {self.wait_s:g} วินาทีแล้วยังไม่เสร็จ: รอให้เสร็จแล้วลองใหม่ (ไฟล์ไม่ถูกแก้ไข)",
            f"another command is saving this workbook ({holder} {doing}, started "
            f"{age:,.0f} s ago) and did not finish within {self.wait_s:g} s: let it finish, "
            "then try again (nothing was written)",
            where=str(self.target),
        )


# --------------------------------------------------------------------------------------------
# Versions kept (backups)
# --------------------------------------------------------------------------------------------

KEEP_VERSIONS = 10
_STAMP = "%Y-%m-%d %H%M%S"


def backups_folder_for(target: Path) -> Path:
    """``SSO_Plan.xlsm`` -> ``SSO_Plan.backups/`` beside it."""
    target = Path(target)
    return target.with_name(f"{target.stem}.backups")


def versions_of(target: Path) -> list[Path]:
    """The kept versions of ``target``, newest first (names sort by their date and time)."""
    target = Path(target)
    folder = backups_folder_for(target)
    if not folder.is_dir():
        return []
    mine = [
        p
        for p in folder.glob(f"{glob.escape(target.stem)} *{glob.escape(target.suffix)}")
        if p.is_file() and not p.name.startswith(TEMP_PREFIX)
    ]
    return sorted(mine, key=_version_order, reverse=True)


_VERSION_NAME = re.compile(r" (\d{4}-\d\d-\d\d \d{6})(?:-(\d+))?$")


def _version_order(path: Path) -> tuple[str, int]:
    """``SSO_Plan 2026-12-03 093001-2.xlsm`` -> ("2026-12-03 093001", 2): date, then the
    count of saves within that second."""
    match = _VERSION_NAME.search(path.stem)
    return (match.group(1), int(match.group(2) or 1)) if match else ("", 0)


def keep_version(target: Path, keep: int = KEEP_VERSIONS) -> Path:
    """Copy ``target`` into its backups folder as ``<stem> <date> <time><suffix>``; keep the
    newest ``keep``. The copy is written under a temp name and renamed, so a version is
    never half there."""
    folder = backups_folder_for(target)
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime(_STAMP)
    same_second = [n for s, n in map(_version_order, versions_of(target)) if s == stamp]
    n = max(same_second, default=0) + 1  # never reuse a pruned name: it would sort as old
    name = f"{target.stem} {stamp}{f'-{n}' if n > 1 else ''}{target.suffix}"
    tmp = _new_temp(folder, name)
    try:
        shutil.copy2(target, tmp)
        _fsync_file(tmp)
        os.replace(tmp, folder / name)
    finally:
        tmp.unlink(missing_ok=True)
    for old in versions_of(target)[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
    return folder / name


# --------------------------------------------------------------------------------------------
# The transaction
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fingerprint:
    size: int
    mtime_ns: int
    digest: str


def fingerprint(path: Path) -> Fingerprint | None:
    """Size, time and content hash of ``path``; None if it does not exist."""
    try:
        st = os.stat(path)
        h = hashlib.blake2b(digest_size=16)
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except FileNotFoundError:
        return None
    return Fingerprint(st.st_size, st.st_mtime_ns, h.hexdigest())


class WriteTransaction:
    """Lock ``path`` from read to swap; write it once with :meth:`commit` (see module doc).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with WriteTransaction(folder / "a.txt") as t:
    ...     t.commit(lambda tmp: tmp.write_text("one")) is None  # nothing to back up yet
    True
    >>> with WriteTransaction(folder / "a.txt") as t:
    ...     t.commit(lambda tmp: tmp.write_text("two")).name.startswith("a ")
    True
    >>> (folder / "a.txt").read_text(), len(versions_of(folder / "a.txt"))
    ('two', 1)
    """

    def __init__(
        self,
        path: Path,
        *,
        backup: bool = True,
        inputs: Iterable[Path] = (),
        wait_s: float | None = None,
    ) -> None:
        self.path = Path(path)
        self.backup = backup
        self.inputs = list(inputs)
        self.wait_s = wait_s
        self.target = self.path
        self._lock: BookLock | None = None
        self._before: Fingerprint | None = None
        self._made: list[Path] = []
        self._ready: Path | None = None
        self.where = str(self.path)

    def __enter__(self) -> WriteTransaction:
        self.target = real_target(self.path)
        refuse_output_among_inputs(self.target, self.inputs)
        _refuse_unwritable(self.target, self.where)
        lock = BookLock(self.target, self.wait_s)
        lock.__enter__()
        self._lock = lock
        try:
            remove_temps(temp_names_for(self.target))  # a killed run's: we hold the lock
            remove_stale_temps(self.target.parent)
            self._before = fingerprint(self.target)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        remove_temps(self._made)
        self._made.clear()
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None

    # Two steps, so several files can be written first and swapped together (write_together).
    def prepare(self, write: Callable[[Path], None], verify: Callable[[Path], None] | None) -> None:
        """Write and verify the new file beside the target; nothing is replaced yet."""
        with _saving(self.where):
            tmp = _new_temp(self.target.parent, self.target.name)
            self._made.append(tmp)
            write(tmp)
            if not tmp.is_file() or tmp.stat().st_size == 0:
                raise SsoError(
                    f"บันทึกไม่สำเร็จ: ไฟล์ใหม่ว่างเปล่า ({_KEPT_TH})",
                    f"could not save: the new file came out empty ({_KEPT_EN})",
                    where=self.where,
                )
            if self.target.exists():  # keep the planner's permission bits
                os.chmod(tmp, stat.S_IMODE(self.target.stat().st_mode))
            _fsync_file(tmp)
            if verify is not None:
                try:
                    verify(tmp)
                except Exception as exc:
                    en = exc.message_en if isinstance(exc, SsoError) else f"{exc}"
                    th = exc.message_th if isinstance(exc, SsoError) else f"{exc}"
                    raise SsoError(
                        f"ไฟล์ใหม่ไม่ผ่านการตรวจสอบ จึงไม่บันทึกทับ ({th}) ({_KEPT_TH})",
                        f"the new file failed its check, so it was not saved ({en}) ({_KEPT_EN})",
                        where=self.where,
                    ) from exc
            self._ready = tmp

    def unchanged_since_read(self) -> None:
        """Refuse to swap when the book changed after we read it (saved in Excel, or by a
        program that does not take our lock)."""
        if fingerprint(self.target) != self._before:
            raise SsoError(
                "สมุดงานถูกแก้ไขระหว่างที่คำสั่งนี้ทำงาน (อาจบันทึกจาก Excel) จึงไม่บันทึกทับ: "
                f"สั่งใหม่อีกครั้ง ({_KEPT_TH})",
                "the workbook changed while this command ran (saved from Excel?), so it was "
                f"not overwritten: run the command again ({_KEPT_EN})",
                where=self.where,
            )

    def swap(self) -> Path | None:
        """Keep the old file as a version, then put the prepared one in its place."""
        if self._ready is None:
            raise RuntimeError("prepare() first")
        with _saving(self.where):
            self.unchanged_since_read()
            kept = None
            if self.backup and self.target.exists():
                kept = keep_version(self.target)
            os.replace(self._ready, self.target)
            self._made.remove(self._ready)
            self._ready = None
            _fsync_dir(self.target.parent)
            self._before = fingerprint(self.target)
            return kept

    def commit(
        self, write: Callable[[Path], None], verify: Callable[[Path], None] | None = None
    ) -> Path | None:
        """Write, verify and swap in; returns the kept version of the old file, if any."""
        self.prepare(write, verify)
        return self.swap()


_KEPT_TH, _KEPT_EN = "ไฟล์เดิมยังอยู่ครบ ไม่ถูกแก้ไข", "the original file is unchanged"


@contextlib.contextmanager
def _saving(where: str) -> Iterator[None]:
    """Any failure while saving becomes an SsoError that says the original is intact.

    A writer that died half-way (disk full) may leave a generator of lxml's serialiser
    behind, whose clean-up prints "Exception ignored ..." at exit: it is collected here,
    quietly, so the planner sees one clear message and no traceback.
    """
    try:
        yield
    except SsoError:
        _collect_quietly()
        raise
    except OSError as exc:
        _collect_quietly()
        raise _os_error(exc, where) from exc
    except Exception as exc:
        _collect_quietly()
        raise SsoError(
            f"บันทึกไม่สำเร็จ ({type(exc).__name__}: {exc}) ({_KEPT_TH})",
            f"could not save ({type(exc).__name__}: {exc}) ({_KEPT_EN})",
            where=where,
        ) from exc


def _collect_quietly() -> None:
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        gc.collect()
    finally:
        sys.unraisablehook = hook


def atomic_write(
    path: Path,
    write: Callable[[Path], None],
    *,
    backup: bool = True,
    verify: Callable[[Path], None] | None = None,
    inputs: Iterable[Path] = (),
) -> Path | None:
    """One file written in its own :class:`WriteTransaction`; returns the kept version."""
    with WriteTransaction(path, backup=backup, inputs=inputs) as t:
        return t.commit(write, verify)


def write_together(
    items: Sequence[tuple[Path, Callable[[Path], None], Callable[[Path], None] | None]],
    *,
    backup: bool = False,
    inputs: Iterable[Path] = (),
) -> list[Path]:
    """Outputs that belong together (a workbook and its CSV, a PDF and its PNG): every one
    locked and checked writable, every one written and verified, and only then all swapped
    in, so a refusal (a file open in Excel, a full disk) leaves all of them as they were."""
    inputs = list(inputs)
    with contextlib.ExitStack() as stack:
        ts = [
            stack.enter_context(WriteTransaction(path, backup=backup, inputs=inputs))
            for path, _, _ in items
        ]
        for t, (_, write, verify) in zip(ts, items, strict=True):
            t.prepare(write, verify)
        for t in ts:
            t.unchanged_since_read()
        for t in ts:
            t.swap()
        return [t.target for t in ts]
