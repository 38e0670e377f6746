"""Merging the other devices' journals from the sync folder into the local history.

Each ``*.jsonl`` in ``<sync>/psoas-history/`` (Syncthing's ``*.sync-conflict-*`` copies too) is read from
where the last merge stopped. Damage never stops a merge: a half-written last line waits for the rest; a
file that shrank or was replaced is read again from its start (what was merged stays merged); lines of a
newer format and broken lines are skipped with one warning per file; an unreadable file is named in a
warning and the others still merge.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from psoas_desktop.storage import devices, merge_parse
from psoas_desktop.storage.journal import SUFFIX, journal_folder
from psoas_desktop.storage.merge_parse import FileCounts
from psoas_desktop.storage.sync_apply import Applier, BadEventError

HEAD_BYTES = 256
CONFLICT_MARK = ".sync-conflict-"
BLOCK_BYTES = 1 << 22  # a journal is read a block at a time: ten years of one device are ~200 MB

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


def _open_new(path: Path, conn: sqlite3.Connection) -> tuple[BinaryIO, int]:
    """The file, positioned where its complete lines not merged yet start, and that offset."""
    row = conn.execute("SELECT consumed, head FROM sync_files WHERE name = ?", (path.name,)).fetchone()
    handle = path.open("rb")
    try:
        start = 0
        if row is not None:
            consumed, old_mark = int(row[0]), str(row[1])
            size = handle.seek(0, 2)
            if size >= consumed and _mark(handle, consumed) == old_mark:
                start = consumed
        handle.seek(start)
    except BaseException:
        handle.close()
        raise
    return handle, start


def _complete_blocks(handle: BinaryIO) -> Iterator[bytes]:
    """The rest of the file in blocks of whole lines; a half-written last line waits for the rest."""
    pending = bytearray()
    while chunk := handle.read(BLOCK_BYTES):
        pending += chunk
        cut = pending.rfind(b"\n") + 1
        if cut:
            yield bytes(pending[:cut])
            del pending[:cut]


# A read longer than this is read by a helper process while this thread applies what it read before (two
# cores: ~40 % of a first merge is reading lines); a shorter one, the common merge of a few new lines, here.
HELPER_BYTES = 16 << 20

_loads = merge_parse.loads
_plain_hold = merge_parse.plain_hold


def _apply_block(applier: Applier, block: bytes, parsed: merge_parse.Parsed, counts: FileCounts) -> None:
    """Apply what a block holds (merge_parse.parse_block): its events and its runs of plain holds."""
    broken, newer, items = parsed
    counts.broken += broken
    counts.newer += newer
    lines: list[bytes] | None = None
    for item in items:
        if isinstance(item, dict):
            try:
                applier.apply(item)
            except BadEventError:
                counts.broken += 1
            continue
        session, rows, indexes = item
        if not applier.add_holds(rows, session):  # their session is not known yet: they wait, as events
            if lines is None:
                lines = block.splitlines()
            applier.pending.extend(json.loads(lines[index]) for index in indexes)


def merge(conn: sqlite3.Connection, sync_dir: Path, *, progress: Progress | None = None) -> MergeResult:
    """Merge every other journal in the caller's open transaction."""
    own = devices.local_device(conn)
    result = MergeResult()
    applier = Applier(conn, batch_holds=True)
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
    with merge_parse.ParseHelper() as helper:  # started by the first long read, if any
        for number, path in enumerate(paths):
            if progress is not None:
                progress(number, len(paths))
            counts = FileCounts()
            rejected = applier.rejected
            applier.names_from = None if CONFLICT_MARK in path.name else device_of(path)
            try:
                handle, consumed = _open_new(path, conn)
                with handle:
                    blocks = _complete_blocks(handle)
                    if os.fstat(handle.fileno()).st_size - consumed > HELPER_BYTES:
                        parsed = helper.parsed(blocks)
                    else:
                        parsed = ((block, merge_parse.parse_block(block)) for block in blocks)
                    with contextlib.closing(parsed):
                        for block, read in parsed:
                            consumed += len(block)
                            _apply_block(applier, block, read, counts)
                applier.flush()
            except OSError as exc:  # what merged before the error stays merged (a union: no doubles later)
                result.warnings.append(
                    f"{path} cannot be read ({exc.strerror or exc}); the other journals merged."
                )
                continue
            counts.broken += applier.rejected - rejected
            seen_devices.add(device_of(path))
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
    applier.finish()
    for event in applier.pending:  # their session has not arrived yet: kept for the next merge
        conn.execute("INSERT INTO sync_pending (event) VALUES (?)", (json.dumps(event),))
    if progress is not None:
        progress(len(paths), len(paths))
    result.new_sessions = applier.new_sessions
    result.devices = len(seen_devices - {own})
    result.touched = applier.touched
    return result
