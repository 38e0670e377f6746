"""Keeping the history file sound at open: inspection, repair, backups, sessions cut short.

* The file is inspected through a read-only connection (so a damaged file is never written to), with
  ``PRAGMA quick_check``. Damage means bad content (SQLITE_CORRUPT/NOTADB, a failed quick_check, an empty
  file, another application id); locks, permissions and I/O errors leave the file alone and only stop
  saving. A damaged file is moved aside with its -wal/-shm as ``history.sqlite3.corrupt-<UTC time>``, never
  replaced silently: the newest good daily backup is restored (also when the file is missing) and the
  message says which time range may be missing. A file that is sound alone is never replaced: a -wal that
  does not fit it (garbage, or another database's: :mod:`.wal_check`) is set aside instead, with its -shm,
  as ``history.sqlite3-wal.corrupt-…`` or ``….foreign-…``.
* Daily backups (``backups/history-YYYY-MM-DD.sqlite3``, UTC date, keep 7) at the first open of a day, only
  from a file that passed quick_check.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from psoas_desktop.storage import schema, sync_events, wal_check
from psoas_desktop.storage.rows import cut_short
from psoas_desktop.storage.schema import DamagedError, Inspection
from psoas_desktop.storage.wal_check import LogKind

BACKUP_DIR = "backups"
BACKUPS_KEPT = 7

_BACKUP_RE = re.compile(r"^history-(\d{4}-\d{2}-\d{2})\.sqlite3$")


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _show(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M (UTC%z)").replace("UTC+0000", "UTC")


def _unused_name(directory: Path, base: str) -> Path:
    candidate = directory / base
    counter = 1
    while candidate.exists() or any(c.exists() for c in schema.companions(candidate)):
        candidate = directory / f"{base}-{counter}"
        counter += 1
    return candidate


def writable(path: Path) -> bool:
    directory = path.parent
    if not os.access(directory, os.W_OK | os.X_OK):
        return False
    return all(not p.exists() or os.access(p, os.W_OK) for p in (path, *schema.companions(path)))


def inspect_file(path: Path) -> Inspection:
    conn = schema.connect(path, mode="ro")  # never writes, never checkpoints a damaged file on close
    try:
        return schema.inspect(conn)
    finally:
        conn.close()


def reader_connection(path: Path, messages: list[str]) -> tuple[sqlite3.Connection, str]:
    """An inspected read-only connection and its mode ('ro', or 'immutable': the file alone).

    Changes nothing on disk. The file is read alone when the folder is read-only (no -shm can be made) and
    there is no log to lose, or when a log beside it does not fit it (see :mod:`.wal_check`); the next
    writable open sets that log aside."""
    if path.stat().st_size == 0:
        raise DamagedError("the file is empty")  # opened with a log, SQLite would delete the log
    try:
        conn = _inspected(path, "ro")
    except DamagedError:
        if not wal_check.has_log(path):
            raise
        try:
            conn = _inspected(path, "immutable")
        except (DamagedError, sqlite3.Error):
            raise DamagedError("it looks damaged both with and without its write-ahead log") from None
        messages.append(
            f"The write-ahead log beside the history ({wal_check.wal_path(path).name}) does not fit it, so"
            " the history was read without it. Nothing was changed; the app sets the log aside when it"
            " next starts."
        )
        return conn, "immutable"
    except sqlite3.Error:
        if wal_check.has_log(path):
            raise  # immutable would ignore saved work still in the -wal
        return _inspected(path, "immutable"), "immutable"
    return conn, "ro"


def _inspected(path: Path, mode: str) -> sqlite3.Connection:
    conn = schema.connect(path, mode=mode)
    try:
        inspection = schema.inspect(conn)
        if inspection.user_version < schema.schema_version():
            raise DamagedError("it needs an upgrade that a read-only open cannot do")
    except BaseException:
        conn.close()
        raise
    return conn


def prepare(path: Path, now: Callable[[], datetime], messages: list[str]) -> Inspection:
    """Make `path` a sound history file before the writer opens it: set a log that does not fit aside,
    restore a missing file, repair a damaged one. Says what it did in `messages`; returns the file's
    inspection. A file that is sound alone is never replaced (at worst its log is set aside)."""
    if path.exists():
        _judge_log(path, now, messages)
    if not path.exists():
        _replace_missing(path, now, messages)
    if path.stat().st_size == 0:  # never inspected with its log: SQLite would delete the log
        _repair(path, now, "the file is empty", messages)
    try:
        return inspect_file(path)
    except DamagedError as exc:
        _repair(path, now, str(exc), messages)
        return inspect_file(path)


def _judge_log(path: Path, now: Callable[[], datetime], messages: list[str]) -> None:
    verdict = wal_check.judge(path)
    if verdict is None:
        return
    if verdict.kind is LogKind.HOLDS_THE_HISTORY:
        _recover_from_log(path, now(), messages)
        return
    label = "corrupt" if verdict.kind is LogKind.GARBAGE else "foreign"
    stamp = _stamp(now())
    wal = wal_check.wal_path(path)
    aside = _unused_name(path.parent, f"{wal.name}.{label}-{stamp}")
    wal.rename(aside)
    shm = path.with_name(path.name + "-shm")
    if shm.exists():  # describes the log set aside; kept beside it rather than deleted
        shm.rename(_unused_name(path.parent, f"{shm.name}.{label}-{stamp}"))
    schema.fsync_dir(path.parent)
    if verdict.kind is LogKind.GARBAGE:
        messages.append(
            f"The history's write-ahead log was damaged and was set aside as {aside.name}. The history"
            " itself is fine, but the very last workouts saved before the damage may be missing."
        )
    else:
        messages.append(
            f"A write-ahead log that does not belong to the history was found beside it ({verdict.reason})."
            f" It was set aside as {aside.name}. Your history is fine and nothing in it was changed."
        )


def _recover_from_log(path: Path, moment: datetime, messages: list[str]) -> None:
    """An empty file whose log holds a sound history: the history is built from the log, the empty file
    and its log are kept aside."""
    with wal_check.padded_copy(path) as copy:
        aside = _move_aside(path, moment)
        _install(copy, path)
    messages.append(
        "The history file was empty, but its write-ahead log held the history, which was recovered from it."
        f" The empty file and its log were kept as {aside.name} and {aside.name}-wal."
    )


def _replace_missing(path: Path, now: Callable[[], datetime], messages: list[str]) -> None:
    """No history file: the first run (a new one), or it was lost (the newest good backup, said so)."""
    orphans = [c for c in schema.companions(path) if c.exists()]
    if orphans:  # a -wal without its database would be replayed onto a new one: keep it, aside
        stamp = _stamp(now())
        for orphan in orphans:
            orphan.rename(_unused_name(path.parent, f"{orphan.name}.orphan-{stamp}"))
        messages.append(
            f"The history's journal files were there without the history file {path.name}; they were set"
            f" aside as *.orphan-{stamp}."
        )
    restored = restore_newest_backup(path, now())
    if restored is not None:
        messages.append(f"The history file {path.name} was missing. {restored}")
        return
    if orphans:
        messages[-1] += " A new, empty history was started."
    schema.create(path)


def _move_aside(path: Path, moment: datetime) -> Path:
    """Rename the file with its -wal/-shm to ``<name>.corrupt-<UTC time>`` (never deleted)."""
    aside = _unused_name(path.parent, f"{path.name}.corrupt-{_stamp(moment)}")
    path.rename(aside)
    for companion in schema.companions(path):
        if companion.exists():
            companion.rename(aside.with_name(aside.name + companion.name[len(path.name) :]))
    schema.fsync_dir(path.parent)
    return aside


def _repair(path: Path, now: Callable[[], datetime], reason: str, messages: list[str]) -> None:
    """Move the damaged file aside, restore the newest good backup (or start anew); tell the user."""
    moment = now()
    aside = _move_aside(path, moment)
    told = f"The history file was damaged ({reason}). It was moved aside as {aside.name}."
    messages.append(told)  # said even if what follows fails; completed below
    restored = restore_newest_backup(path, moment)
    if restored is None:
        schema.create(path)
        restored = "No good backup was found, so a new, empty history was started."
    messages[-1] = f"{told} {restored}"


# -- backups ----------------------------------------------------------------------------------------------


def _backups(directory: Path) -> list[Path]:
    try:
        return [p for p in directory.iterdir() if _BACKUP_RE.match(p.name)]
    except OSError:
        return []


def backup_date(path: Path) -> date | None:
    match = _BACKUP_RE.match(path.name)
    return date.fromisoformat(match.group(1)) if match else None


def daily_backup(conn: sqlite3.Connection, path: Path, now: datetime) -> str | None:
    """Today's backup (UTC date) unless there is one; keep the newest BACKUPS_KEPT. A message if it failed."""
    directory = path.parent / BACKUP_DIR
    target = directory / f"history-{now.astimezone(UTC).date().isoformat()}.sqlite3"
    if target.exists():
        return None
    try:
        directory.mkdir(exist_ok=True)
        schema.backup_to(conn, target)
        for old in sorted(_backups(directory), reverse=True)[BACKUPS_KEPT:]:
            old.unlink(missing_ok=True)
    except (sqlite3.Error, OSError) as exc:
        return f"Today's backup of the history could not be made: {schema.write_reason(exc)}."
    return None


@dataclass(frozen=True)
class _BackupInfo:
    newest_session: datetime | None
    """The start of the backup's newest session, in that session's UTC offset (None: no sessions)."""


def _usable_backup(backup: Path) -> _BackupInfo | None:
    """None if the backup cannot be restored (damaged, not ours, too new)."""
    try:
        conn = schema.connect(backup, mode="ro")
    except sqlite3.Error:
        return None
    try:
        inspection = schema.inspect(conn)
        if inspection.user_version > schema.schema_version():
            return None
        row = conn.execute(
            "SELECT started_utc, utc_offset_seconds FROM sessions ORDER BY started_utc DESC LIMIT 1"
        ).fetchone()
    except (DamagedError, sqlite3.Error):
        return None
    finally:
        conn.close()
    return _BackupInfo(None if row is None else schema.in_offset(schema.parse_utc(row[0]), row[1]))


def restore_newest_backup(path: Path, moment: datetime) -> str | None:
    """Put the newest good daily backup in place; what the user should know, or None if there is none."""
    for backup in sorted(_backups(path.parent / BACKUP_DIR), reverse=True):
        info = _usable_backup(backup)
        if info is None:
            continue
        _install(backup, path)
        newest = info.newest_session
        if newest is None:
            missing = f"Workouts saved before {_show(moment)} may be missing."
        else:
            missing = (
                f"Workouts saved after {_show(newest)} and before"
                f" {_show(schema.in_offset(moment, schema.offset_seconds(newest)))} may be missing."
            )
        return f"The backup from {backup.stem.removeprefix('history-')} was restored. {missing}"
    return None


def _install(source: Path, path: Path) -> None:
    """A copy of the history in `source` (read through its log) put in place as `path`, atomically."""
    temp = path.with_name(path.name + ".restore")
    schema.remove_db(temp)
    source_conn = schema.connect(source, mode="ro")
    try:
        target = schema.connect(temp, mode="rwc")
        try:
            source_conn.backup(target)
            schema.configure_writer(target)
        finally:
            target.close()
    finally:
        source_conn.close()
    schema.fsync_file(temp)
    os.replace(temp, path)
    schema.fsync_dir(path.parent)


# -- sessions cut short -----------------------------------------------------------------------------------


def mark_interrupted(conn: sqlite3.Connection, now: datetime) -> list[str]:
    """Sessions still 'running' at open were cut short (crash, power loss, kill): keep them, mark them
    interrupted at the end of their last hold. Returns what to tell the user, once (they are marked now)."""
    # Only this device's: another device's session running here is still running there (it ends it).
    running = conn.execute(
        "SELECT id, started_utc, utc_offset_seconds, uuid FROM sessions WHERE status = 'running'"
        " AND device = (SELECT device FROM local_device) ORDER BY started_utc"
    ).fetchall()
    if not running:
        return []
    cut = [
        (session_id, offset, cut_short(conn, session_id, schema.parse_utc(started)))
        for session_id, started, offset, _uuid in running
    ]
    conn.execute("BEGIN IMMEDIATE")
    try:
        for session_id, _offset, session in cut:
            conn.execute(
                "UPDATE sessions SET status = 'interrupted', ended_utc = ? WHERE id = ?",
                (schema.utc_text(session.ended_utc), session_id),
            )
        sync_events.remember_cut_short(conn, [str(row[3]) for row in running])
        conn.execute("COMMIT")
    except BaseException:
        schema.rollback(conn)
        raise
    _session_id, offset, last = cut[-1]
    return [_cut_short_message(schema.in_offset(last.ended_utc, offset), last.finished_holds, now)]


def _cut_short_message(ended: datetime, finished_holds: int, now: datetime) -> str:
    """ "… ended unexpectedly at 18:42; 7 finished holds were kept", with the date unless it was today."""
    when = f"{ended:%H:%M}"
    if ended.date() != now.astimezone(ended.tzinfo).date():
        when += f" on {ended:%Y-%m-%d}"
    holds = "1 finished hold was" if finished_holds == 1 else f"{finished_holds} finished holds were"
    return f"Your last session ended unexpectedly at {when}; {holds} kept."
