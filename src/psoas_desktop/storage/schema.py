"""The history file's format: the tables, our ``application_id``, the schema version in ``user_version``,
migrations (one ``BEGIN IMMEDIATE`` after a ``backup()`` copy), how times are stored, how connections are
made, and what SQLite's errors mean to a user.

Migration i takes the schema from version i to version i + 1; the schema version is ``len(MIGRATIONS)``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from psoas_desktop.core.errors import KnownError
from psoas_desktop.storage import global_ids

FILE_NAME = "history.sqlite3"
APPLICATION_ID = 0x50534F41  # 'PSOA'
BUSY_TIMEOUT_MS = 5000
DAMAGE_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            routine TEXT NOT NULL,
            level TEXT NOT NULL,
            started_utc TEXT NOT NULL,
            utc_offset_seconds INTEGER NOT NULL,
            ended_utc TEXT,
            status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'stopped', 'interrupted'))
        )""",
        "CREATE INDEX sessions_by_start ON sessions (started_utc)",
        "CREATE INDEX sessions_by_status ON sessions (status)",
        # Clustered by session (WITHOUT ROWID): a session's holds sit together, and the key that makes a
        # retried add_record (after a failed commit) store a hold once is the table itself, not an index.
        """CREATE TABLE entries (
            session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            phase_index INTEGER NOT NULL,
            started_utc TEXT NOT NULL,
            exercise TEXT NOT NULL,
            side TEXT CHECK (side IS NULL OR side IN ('left', 'right')),
            set_number INTEGER NOT NULL,
            rep INTEGER,
            planned_seconds REAL NOT NULL,
            actual_seconds REAL NOT NULL,
            utc_offset_seconds INTEGER NOT NULL,
            status TEXT NOT NULL,
            PRIMARY KEY (session_id, phase_index, started_utc)
        ) WITHOUT ROWID""",
        # Completed hold seconds per session and exercise, kept by triggers in the same transaction as the
        # hold itself: summaries() reads ~5 rows per session instead of aggregating every hold ever made.
        """CREATE TABLE session_totals (
            session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            exercise TEXT NOT NULL,
            seconds REAL NOT NULL,
            PRIMARY KEY (session_id, exercise)
        ) WITHOUT ROWID""",
        """CREATE TRIGGER entries_add_to_totals AFTER INSERT ON entries WHEN NEW.status = 'completed'
        BEGIN
            INSERT INTO session_totals (session_id, exercise, seconds)
            VALUES (NEW.session_id, NEW.exercise, NEW.actual_seconds)
            ON CONFLICT (session_id, exercise) DO UPDATE SET seconds = seconds + excluded.seconds;
        END""",
        """CREATE TRIGGER entries_remove_from_totals AFTER DELETE ON entries WHEN OLD.status = 'completed'
        BEGIN
            UPDATE session_totals SET seconds = seconds - OLD.actual_seconds
            WHERE session_id = OLD.session_id AND exercise = OLD.exercise;
        END""",
        """CREATE TRIGGER entries_are_history BEFORE UPDATE ON entries
        BEGIN
            SELECT RAISE(ABORT, 'a saved hold is never changed');
        END""",
        """CREATE TABLE checkins (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            side TEXT CHECK (side IS NULL OR side IN ('left', 'right')),
            tightness INTEGER NOT NULL CHECK (tightness BETWEEN 0 AND 10),
            note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
            created_utc TEXT NOT NULL
        )""",
        "CREATE INDEX checkins_by_session ON checkins (session_id, created_utc)",
    ),
    # 2: user routines. A session keeps the routine's name and content fingerprint as they were when it ran
    # (editing, renaming or deleting the routine later changes nothing in history), and the fingerprint of
    # its dosage, by which a progression counts the sessions run since that dosage was set. NULL for the
    # sessions made before: their routine was a built-in, named by the catalog.
    (
        "ALTER TABLE sessions ADD COLUMN routine_name TEXT",
        "ALTER TABLE sessions ADD COLUMN routine_hash TEXT",
        "ALTER TABLE sessions ADD COLUMN dose_hash TEXT",
        "CREATE INDEX sessions_by_routine ON sessions (routine, started_utc)",
    ),
    # 3: global ids, so histories of several devices merge by union. Each data folder makes its device id
    # once (``local_device``); sessions and check-ins get a UUID and the device that made them. The rows
    # made before get content-derived UUIDs (global_ids), the same ones an import of an old export gives.
    (
        "CREATE TABLE devices (id TEXT PRIMARY KEY, name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100))",
        """CREATE TABLE local_device (
            only INTEGER PRIMARY KEY CHECK (only = 1),
            device TEXT NOT NULL REFERENCES devices (id)
        )""",
        "INSERT INTO devices (id, name) VALUES (psoas_new_id(), psoas_host_name())",
        "INSERT INTO local_device (only, device) SELECT 1, id FROM devices",
        "ALTER TABLE sessions ADD COLUMN uuid TEXT",
        "ALTER TABLE sessions ADD COLUMN device TEXT REFERENCES devices (id)",
        "UPDATE sessions SET uuid = psoas_session_uuid(routine, level, started_utc, utc_offset_seconds),"
        " device = (SELECT device FROM local_device)",
        "CREATE UNIQUE INDEX sessions_by_uuid ON sessions (uuid)",
        "CREATE INDEX sessions_by_device ON sessions (device)",
        "ALTER TABLE checkins ADD COLUMN uuid TEXT",
        "ALTER TABLE checkins ADD COLUMN device TEXT REFERENCES devices (id)",
        "UPDATE checkins SET device = (SELECT device FROM local_device), uuid = psoas_checkin_uuid("
        "(SELECT s.uuid FROM sessions s WHERE s.id = checkins.session_id), created_utc, side, tightness, note)",
        "CREATE UNIQUE INDEX checkins_by_uuid ON checkins (uuid)",
        # Tombstones: a deleted session's UUID, so a merge never brings it back.
        """CREATE TABLE deleted_sessions (
            uuid TEXT PRIMARY KEY,
            device TEXT NOT NULL,
            deleted_utc TEXT NOT NULL
        ) WITHOUT ROWID""",
        # How far each journal in the sync folder was merged (bytes, and a hash of its start to see a
        # replaced file), events waiting for their session, and small facts such as where this device's
        # whole history was last written ("joining late").
        "CREATE TABLE sync_files (name TEXT PRIMARY KEY, consumed INTEGER NOT NULL, head TEXT NOT NULL)",
        "CREATE TABLE sync_pending (id INTEGER PRIMARY KEY, event TEXT NOT NULL)",
        "CREATE TABLE sync_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
)


def schema_version() -> int:
    return len(MIGRATIONS)


class HistoryError(KnownError):
    """The history cannot do what was asked (not saving, damaged, bad check-in); the message says why."""


class DamagedError(Exception):
    """The file's content is bad (not openable as ours); the reason is for the user."""


# -- stored time ------------------------------------------------------------------------------------------


def require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, not {moment!r}")


def utc_text(moment: datetime) -> str:
    """Fixed-width ISO 8601 in UTC, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def offset_seconds(moment: datetime) -> int:
    offset = moment.utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def in_offset(moment: datetime, seconds: int) -> datetime:
    return moment.astimezone(timezone(timedelta(seconds=seconds)))


# -- files ------------------------------------------------------------------------------------------------


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def remove_db(path: Path) -> None:
    for candidate in (path, *companions(path)):
        candidate.unlink(missing_ok=True)


# -- connections ------------------------------------------------------------------------------------------


def connect(path: Path, *, mode: str = "rw") -> sqlite3.Connection:
    """mode: 'rw' (must exist), 'rwc', 'ro', or 'immutable' (ro without -wal/-shm, for read-only folders).

    Each connection is used by one thread at a time (the writer thread, or one reader), never shared.
    """
    query = "mode=ro&immutable=1" if mode == "immutable" else f"mode={mode}"
    conn = sqlite3.connect(
        f"{path.absolute().as_uri()}?{query}",
        uri=True,
        isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
        check_same_thread=False,  # made on the opening thread, then handed to the thread that uses it
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        global_ids.register(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


@dataclass(frozen=True)
class Inspection:
    user_version: int


def inspect(conn: sqlite3.Connection) -> Inspection:
    """Raises DamagedError for bad content; other sqlite3 errors (locks, permissions, I/O) propagate."""
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        user_version = conn.execute("PRAGMA user_version").fetchone()[0]
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorname in DAMAGE_CODES:
            raise DamagedError(str(exc)) from exc
        raise
    if problems != ["ok"]:
        raise DamagedError("the integrity check failed: " + "; ".join(problems))
    if page_count == 0:
        raise DamagedError("the file is empty")
    if application_id != APPLICATION_ID:
        raise DamagedError(f"it is not a Psoas Desktop history file (application id {application_id:#x})")
    return Inspection(user_version)


def configure_writer(conn: sqlite3.Connection) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise HistoryError(
            f"The history database cannot use write-ahead logging here (journal mode {mode!r});"
            " workouts are not being saved. Is the data folder on a network drive?"
        )
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


def write_reason(exc: BaseException) -> str:
    """Why a write failed, in the user's words."""
    name = getattr(exc, "sqlite_errorname", "")
    code = exc.errno if isinstance(exc, OSError) else None
    if name == "SQLITE_FULL" or code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return "the disk is full"
    if name.startswith("SQLITE_READONLY") or code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the data folder is read-only"
    if name.startswith("SQLITE_IOERR"):
        return f"the disk reported an error ({exc}); it may be full"
    if name in DAMAGE_CODES:
        return "the history file is damaged; restart the app to repair it"
    return str(exc)


# -- building and upgrading -------------------------------------------------------------------------------


def backup_to(conn: sqlite3.Connection, target: Path) -> None:
    """A consistent single-file copy through the sqlite3 backup API, written aside and renamed into place."""
    temp = target.with_name(target.name + ".tmp")
    remove_db(temp)
    copy = sqlite3.connect(temp, isolation_level=None)
    try:
        conn.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        copy.close()
        remove_db(temp)
        raise
    copy.close()
    fsync_file(temp)
    os.replace(temp, target)
    fsync_dir(target.parent)


def create(path: Path) -> None:
    """A new, empty history, built aside and renamed into place so a crash never leaves half a file."""
    temp = path.with_name(path.name + ".new")
    remove_db(temp)
    conn = connect(temp, mode="rwc")
    try:
        configure_writer(conn)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        for statements in MIGRATIONS:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {schema_version()}")
        conn.execute("COMMIT")
    finally:
        conn.close()  # checkpoints the -wal into the file and removes it
    fsync_file(temp)
    os.replace(temp, path)
    fsync_dir(path.parent)


def migrate(conn: sqlite3.Connection, path: Path, version: int) -> str | None:
    """Upgrade in one transaction after a backup copy; returns a message for the user if it failed."""
    target = schema_version()
    backup = path.with_name(f"{path.name}.pre-v{target}.bak")
    backup_to(conn, backup)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for statements in MIGRATIONS[version:]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {target}")
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        rollback(conn)
        return (
            f"The history could not be upgraded to schema {target} ({exc}); it is unchanged (a copy is in"
            f" {backup.name}). It is shown read-only and new workouts are not saved."
        )
    return None
