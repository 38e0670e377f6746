"""The sync journal: each device appends its history events to its own file in the sync folder,
``<sync>/psoas-history/<device-id>.jsonl``, one JSON object per line with the format name and version.

Only the owning device ever writes a file, so a sync engine (Syncthing, Nextcloud, Dropbox) never has two
writers to reconcile; every device reads all the files and merges them by UUID (:mod:`.merge`). Appends
run on the history's writer thread (fsync there, never on the GUI thread).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

FORMAT_NAME = "psoas-history-journal"
FORMAT_VERSION = 1
FOLDER_NAME = "psoas-history"
SUFFIX = ".jsonl"

Event = dict[str, Any]


class SyncFolderError(ValueError):
    """The sync folder cannot be used; the message says why, in one line."""


def journal_folder(sync_dir: Path) -> Path:
    return Path(sync_dir) / FOLDER_NAME


def journal_path(sync_dir: Path, device: str) -> Path:
    return journal_folder(sync_dir) / f"{device}{SUFFIX}"


def _inside(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check_folders(sync_dir: Path, data_dir: Path) -> Path:
    """The sync folder, resolved; SyncFolderError when it is inside the data folder or holds it (the live
    database must never be synced)."""
    sync = Path(sync_dir).expanduser().resolve()
    data = Path(data_dir).expanduser().resolve()
    if _inside(sync, data):
        raise SyncFolderError(f"The sync folder {sync} is inside the data folder {data}; choose another.")
    if _inside(data, sync):
        raise SyncFolderError(f"The data folder {data} is inside the sync folder {sync}; choose another.")
    return sync


def line(event: Event) -> bytes:
    record = {"format": FORMAT_NAME, "version": FORMAT_VERSION, **event}
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class Journal:
    """This device's journal file. Not thread-safe: used by the writer thread only."""

    def __init__(self, sync_dir: Path, device: str) -> None:
        self.sync_dir = Path(sync_dir)
        self.device = device
        self.path = journal_path(self.sync_dir, device)

    def exists(self) -> bool:
        return self.path.exists()

    def append(self, events: list[Event]) -> None:
        """Append the events and fsync; OSError (full disk, read-only folder) propagates to the caller."""
        if not events:
            return
        data = b"".join(line(event) for event in events)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if os.fstat(fd).st_size:
                data = self._after_partial_line(fd) + data
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def _after_partial_line(fd: int) -> bytes:
        """A newline first if the file ends mid-line (a crash during an earlier append), so the new line
        is whole; the broken one is skipped by every reader."""
        last = os.pread(fd, 1, os.fstat(fd).st_size - 1)
        return b"" if last == b"\n" else b"\n"
