"""One writer per data folder: a QLockFile beside the history, held while the app runs.

Qt removes a lock left by a process that no longer exists (killed, crashed), so a crash never locks the
user out. The lock never goes stale by age: a workout app may run all week.

Command-line readers only ask whether a writer is running (:func:`writer_running`): they read the lock
file as Qt wrote it and never take the lock themselves (or import Qt).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QLockFile

LOCK_FILE_NAME = "psoas-desktop.lock"


@dataclass
class WriterLock:
    """The outcome: `lock` is held when this process may write; otherwise `message` says why not."""

    lock: QLockFile | None
    message: str | None
    other_pid: int | None = None

    @property
    def held(self) -> bool:
        return self.lock is not None

    def release(self) -> None:
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None


def acquire_writer_lock(data_dir: Path) -> WriterLock:
    from PySide6.QtCore import QLockFile

    lock = QLockFile(str(data_dir / LOCK_FILE_NAME))
    lock.setStaleLockTime(0)
    if lock.tryLock(0):
        return WriterLock(lock, None)
    if lock.error() == QLockFile.LockError.LockFailedError:
        info = lock.getLockInfo()  # (pid, host, app name); pid 0 when the file could not be read
        pid, host = (info[0], info[1]) if info else (0, "")
        found = pid > 0
        where = f" (process {pid} on {host})" if found else ""
        return WriterLock(
            None,
            f"Psoas Desktop is already running{where} with the data in {data_dir}. "
            "Use that window; only one copy may write the history.",
            pid if found else None,
        )
    # No permission or some other error: the folder cannot hold a lock, so it cannot hold a writable
    # history either; the history opens read-only and says so.
    return WriterLock(None, None)


_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def writer_running(data_dir: Path) -> bool:
    """Whether a live app holds the data folder's writer lock, judged as Qt judges a stale lock.

    QLockFile writes ``pid, app name, host name, machine id, boot id``, one per line. The writer is gone when
    there is no lock file, or it was written on this machine by a process that no longer exists or before
    the last boot. A lock from another host (a shared folder) or one that cannot be read counts as running.
    """
    import socket  # only command-line readers ask: not on the window's start-up path

    try:
        lines = (data_dir / LOCK_FILE_NAME).read_text(encoding="utf-8", errors="replace").split("\n")
    except FileNotFoundError:
        return False
    except OSError:
        return True
    if len(lines) < 3 or not lines[0].strip().isdigit() or lines[2] != socket.gethostname():
        return True
    if len(lines) > 4 and lines[4]:
        try:
            if lines[4].strip() != _BOOT_ID.read_text(encoding="ascii").strip():
                return False  # written before this boot
        except OSError:
            pass
    return _process_exists(int(lines[0]))


def _process_exists(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True
