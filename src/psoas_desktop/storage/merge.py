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
import json.scanner
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from psoas_desktop.storage import devices
from psoas_desktop.storage.journal import FORMAT_NAME, FORMAT_VERSION, SUFFIX, journal_folder
from psoas_desktop.storage.sync_apply import Applier, BadEventError, Event, hold_time

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


@dataclass
class _FileCounts:
    broken: int = 0
    newer: int = 0


# What json.loads runs, without its per-call layers (typeshed mistypes make_scanner's argument).
_scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def _loads(raw: bytes) -> object:
    """json.loads(raw), faster for a line that starts like an object in UTF-8 (every line a journal
    writes): the same decoder on the same text, with the same refusals (a ValueError)."""
    if raw[:1] != b"{" or raw[1:2] == b"\x00":  # json.loads would guess another encoding: let it
        return json.loads(raw)
    text = raw.decode("utf-8", "surrogatepass")  # as json.loads decodes bytes
    try:
        value, end = _scan(text, 0)
    except StopIteration as exc:
        raise ValueError("not a JSON value") from exc
    if end != len(text) and text[end:].strip(" \t\n\r"):  # only JSON whitespace may follow
        raise ValueError("extra data after the JSON value")
    return value


def _parse(raw: bytes, counts: _FileCounts) -> Event | None:
    try:
        event = _loads(raw)
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


# A hold line exactly as journal.line writes it, with plain values only: printable ASCII texts without
# escapes, whole numbers of at most 15 digits (or a JSON number with a fraction or exponent), no spaces.
# For such a line, json.loads gives these very values, so it is read without building the event first;
# every other line takes the general way. Its time is in utc_text's form, so it is checked, not normalised;
# its device is not read (a hold's is not used).
_TEXT = r'"([\x20\x21\x23-\x5b\x5d-\x7e]+)"'
_WHOLE = r"(-?(?:0|[1-9][0-9]{0,14}))"
_NUMBER = r"(-?(?:0|[1-9][0-9]{0,14})|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+))"
_HOLD_LINE = re.compile(
    r'\{"format":"psoas-history-journal","version":1,"type":"hold","device":"[\x20\x21\x23-\x5b\x5d-\x7e]+"'
    + r',"session":'
    + _TEXT
    + r',"exercise":'
    + _TEXT
    + r',"side":(null|"left"|"right"),"set_number":'
    + _WHOLE
    + r',"rep":(null|'
    + _WHOLE[1:-1]
    + r'),"planned_seconds":'
    + _NUMBER
    + r',"actual_seconds":'
    + _NUMBER
    + r',"started_utc":"([0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00)"'
    + r',"utc_offset_seconds":'
    + _WHOLE
    + r',"status":'
    + _TEXT
    + r',"phase_index":'
    + _WHOLE
    + r"\}"
)


def _plain_hold(raw: bytes) -> tuple[tuple[Any, ...], str] | None:
    """The row and session of a plain hold line (as _hold_row would give them); None for any other line.
    BadEventError for a time that is not a real date."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    match = _HOLD_LINE.fullmatch(text)
    if match is None:
        return None
    session, exercise, side, set_number, rep, planned, actual, started, offset, status, phase = match.groups()
    try:
        datetime.fromisoformat(started)  # in utc_text's own form: itself once it is a real date
    except ValueError:
        started = hold_time(started)  # refused, with its reason
    row = (
        exercise,
        None if side == "null" else side[1:-1],
        int(set_number),
        None if rep == "null" else int(rep),
        float(planned),
        float(actual),
        started,
        int(offset),
        status,
        int(phase),
    )
    return row, session


def _apply_lines(applier: Applier, block: bytes, counts: _FileCounts) -> None:
    run: list[tuple[Any, ...]] = []  # plain hold lines in a row of one session: added together
    run_raw: list[bytes] = []
    run_session = ""

    def add_run() -> None:
        if run and not applier.add_holds(run, run_session):
            applier.pending.extend(json.loads(raw) for raw in run_raw)
        run.clear()
        run_raw.clear()

    for raw in block.splitlines():
        try:
            hold = _plain_hold(raw)
        except BadEventError:
            counts.broken += 1
            continue
        if hold is not None:
            if hold[1] != run_session:
                add_run()
                run_session = hold[1]
            run.append(hold[0])
            run_raw.append(raw)
            continue
        if not raw.strip():
            continue
        add_run()
        event = _parse(raw, counts)
        if event is None:
            continue
        try:
            applier.apply(event)
        except BadEventError:
            counts.broken += 1
    add_run()


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
    for number, path in enumerate(paths):
        if progress is not None:
            progress(number, len(paths))
        counts = _FileCounts()
        rejected = applier.rejected
        applier.names_from = None if CONFLICT_MARK in path.name else device_of(path)
        try:
            handle, consumed = _open_new(path, conn)
            with handle:
                for block in _complete_blocks(handle):
                    consumed += len(block)
                    _apply_lines(applier, block, counts)
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
