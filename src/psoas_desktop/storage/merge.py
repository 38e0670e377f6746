"""Merging the other devices' journals from the sync folder into the local history.

Each ``*.jsonl`` in ``<sync>/psoas-history/`` (Syncthing's ``*.sync-conflict-*`` copies too) is read from
where the last merge stopped. Damage never stops a merge: a half-written last line waits for the rest; a
file that shrank or was replaced is read again from its start (what was merged stays merged); lines of a
newer format and broken lines are skipped with one warning per file; an unreadable file is named in a
warning and the others still merge.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from psoas_desktop.storage import devices
from psoas_desktop.storage.journal import FORMAT_NAME, FORMAT_VERSION, SUFFIX, journal_folder
from psoas_desktop.storage.sync_apply import Applier, BadEventError, Event

HEAD_BYTES = 256
CONFLICT_MARK = ".sync-conflict-"

Progress = Callable[[int, int], None]


@dataclass
class MergeResult:
    new_sessions: int = 0
    devices: int = 0  # the other devices whose journals were read
    warnings: list[str] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)


def device_of(path: Path) -> str:
    """The device a journal belongs to: its name before any conflict mark."""
    stem = path.name[: -len(SUFFIX)]
    return stem.split(CONFLICT_MARK, 1)[0]


def journals(sync_dir: Path) -> list[Path]:
    folder = journal_folder(sync_dir)
    try:
        return sorted(p for p in folder.iterdir() if p.name.endswith(SUFFIX) and not p.name.startswith("."))
    except FileNotFoundError:
        return []


def _mark(handle: BinaryIO, consumed: int) -> str:
    """What identifies the merged part of a file: a hash of its first and its last bytes, so a file
    replaced by another (even one that starts alike) is read again from its start."""
    handle.seek(0)
    first = handle.read(min(consumed, HEAD_BYTES))
    handle.seek(max(0, consumed - HEAD_BYTES))
    last = handle.read(min(consumed, HEAD_BYTES))
    return hashlib.sha256(first + b"|" + last).hexdigest()


@dataclass
class _FileCounts:
    broken: int = 0
    newer: int = 0


def _parse(raw: bytes, counts: _FileCounts) -> Event | None:
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: garbage nested deeper than Python parses
        counts.broken += 1
        return None
    if not isinstance(event, dict) or event.get("format") != FORMAT_NAME:
        counts.broken += 1
        return None
    version = event.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        counts.broken += 1
        return None
    if version > FORMAT_VERSION:
        counts.newer += 1
        return None
    return event


def _read_new(path: Path, conn: sqlite3.Connection) -> tuple[bytes, int]:
    """The complete lines not merged yet, and the offset they start at."""
    row = conn.execute("SELECT consumed, head FROM sync_files WHERE name = ?", (path.name,)).fetchone()
    with path.open("rb") as handle:
        start = 0
        if row is not None:
            consumed, old_mark = int(row[0]), str(row[1])
            size = handle.seek(0, 2)
            if size >= consumed and _mark(handle, consumed) == old_mark:
                start = consumed
        handle.seek(start)
        data = handle.read()
    return data, start


def merge(conn: sqlite3.Connection, sync_dir: Path, *, progress: Progress | None = None) -> MergeResult:
    """Merge every other journal in the caller's open transaction."""
    own = devices.local_device(conn)
    result = MergeResult()
    applier = Applier(conn)
    for (text,) in conn.execute("SELECT event FROM sync_pending").fetchall():
        applier.pending.append(json.loads(text))
    conn.execute("DELETE FROM sync_pending")
    try:
        found = journals(sync_dir)
    except OSError as exc:  # not a folder, or unreadable: told, and the rest of the merge goes on
        found = []
        result.warnings.append(
            f"{journal_folder(sync_dir)} cannot be read ({exc.strerror or exc}); nothing was merged from it."
        )
    paths = [p for p in found if p.name != f"{own}{SUFFIX}"]
    seen_devices: set[str] = set()
    for number, path in enumerate(paths):
        if progress is not None:
            progress(number, len(paths))
        try:
            data, start = _read_new(path, conn)
        except OSError as exc:
            result.warnings.append(
                f"{path} cannot be read ({exc.strerror or exc}); the other journals merged."
            )
            continue
        seen_devices.add(device_of(path))
        applier.names_from = None if CONFLICT_MARK in path.name else device_of(path)
        complete = data[: data.rfind(b"\n") + 1]  # a half-written last line waits for the rest
        counts = _FileCounts()
        for raw in complete.splitlines():
            if not raw.strip():
                continue
            event = _parse(raw, counts)
            if event is None:
                continue
            try:
                applier.apply(event)
            except BadEventError:
                counts.broken += 1
        consumed = start + len(complete)
        with path.open("rb") as handle:
            head = _mark(handle, consumed)
        conn.execute(
            "INSERT INTO sync_files (name, consumed, head) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET consumed = excluded.consumed, head = excluded.head",
            (path.name, consumed, head),
        )
        if counts.broken:
            result.warnings.append(f"{path}: {counts.broken} damaged line(s) skipped.")
        if counts.newer:
            result.warnings.append(
                f"{path}: {counts.newer} line(s) from a newer version of Psoas Desktop skipped; update the app."
            )
    applier.retry_pending()  # each was checked whole before it waited: none is bad now
    for event in applier.pending:  # their session has not arrived yet: kept for the next merge
        conn.execute("INSERT INTO sync_pending (event) VALUES (?)", (json.dumps(event),))
    if progress is not None:
        progress(len(paths), len(paths))
    result.new_sessions = applier.new_sessions
    result.devices = len(seen_devices - {own})
    result.touched = applier.touched
    return result
