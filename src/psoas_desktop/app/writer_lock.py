"""One writer per data folder: a QLockFile beside the history, held while the app runs.

Qt removes a lock left by a process that no longer exists (killed, crashed), so a crash never locks the
user out. The lock never goes stale by age: a workout app may run all week.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
