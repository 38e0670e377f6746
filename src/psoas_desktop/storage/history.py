"""The workout history: SQLite in the data dir, built so that nothing saved is ever lost.

* WAL journal, ``synchronous=FULL``: a hold is on disk when ``add_record`` returns (one short transaction).
* The file is ours: ``application_id`` 'PSOA', schema version in ``user_version``; a newer schema opens
  read-only. Migrations run in one ``BEGIN IMMEDIATE`` after a ``backup()`` copy.
* At open: the file is inspected through a read-only connection (so a damaged file is never written to),
  with ``PRAGMA quick_check``. Damage means bad content (SQLITE_CORRUPT/NOTADB, a failed quick_check, an
  empty file, another application id); locks, permissions and I/O errors leave the file alone and only
  stop saving. A damaged file is moved aside with its -wal/-shm as ``history.sqlite3.corrupt-<UTC time>``,
  never replaced silently: the newest good daily backup is restored (also when the file is missing) and
  the open result says which time range may be missing. A -wal file whose header is garbage is set aside
  too (SQLite would silently ignore and overwrite it).
* Daily backups (``backups/history-YYYY-MM-DD.sqlite3``, UTC date, keep 7) at the first open of a day,
  only from a file that passed quick_check.
* A read-only folder, a full disk or any other I/O failure never crashes: the History stays usable, shows
  what it can read, and every write raises a KnownError the app shows ("not saving").
* Thread-safe: one connection behind a lock. ``summaries()`` is cached and refreshed per changed session,
  so calling it on the same History after each hold is cheap (a cold first call reads everything).

One writer per data dir is the app's job (a QLockFile); command-line readers open with ``read_only=True``
so they never touch the file (no repair, no backup, no marking of a running session as interrupted).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sqlite3
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from psoas_desktop.core.engine import HoldRecord
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.stats import SessionSummary

FILE_NAME = "history.sqlite3"
BACKUP_DIR = "backups"
BACKUPS_KEPT = 7
APPLICATION_ID = 0x50534F41  # 'PSOA'
BUSY_TIMEOUT_MS = 5000
NOTE_MAX_CHARS = 500
TIGHTNESS_RANGE = range(11)
SESSION_STATUSES = ("running", "completed", "stopped", "interrupted")
END_STATUSES = ("completed", "stopped", "interrupted")
SIDES = ("left", "right")

_BACKUP_RE = re.compile(r"^history-(\d{4}-\d{2}-\d{2})\.sqlite3$")
_DAMAGE_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")

# Migration i takes the schema from version i to version i + 1; the schema version is len(MIGRATIONS).
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
)


def schema_version() -> int:
    return len(MIGRATIONS)


class HistoryError(KnownError):
    """The history cannot do what was asked (not saving, damaged, bad check-in); the message says why."""


class _DamagedError(Exception):
    """The file's content is bad (not openable as ours); the reason is for the user."""


@dataclass(frozen=True)
class SessionRow:
    id: int
    routine: str
    level: str
    started_utc: datetime
    utc_offset_seconds: int
    ended_utc: datetime | None
    status: str

    @property
    def started_local(self) -> datetime:
        """The start as the clock on the wall showed it (in the offset stored with the session)."""
        return self.started_utc.astimezone(timezone(timedelta(seconds=self.utc_offset_seconds)))


@dataclass(frozen=True)
class EntryRow:
    session_id: int
    exercise: str
    side: str | None
    set_number: int
    rep: int | None
    planned_seconds: float
    actual_seconds: float
    started_utc: datetime
    utc_offset_seconds: int
    status: str
    phase_index: int

    @property
    def ended_utc(self) -> datetime:
        return self.started_utc + timedelta(seconds=self.actual_seconds)


@dataclass(frozen=True)
class CheckinRow:
    id: int
    session_id: int
    side: str | None
    tightness: int
    note: str
    created_utc: datetime


@dataclass(frozen=True)
class OpenResult:
    history: History
    messages: tuple[str, ...]
    """Things the user should be told (damage repaired, what may be missing, not saving, read-only)."""


# -- time -------------------------------------------------------------------------------------------------


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, not {moment!r}")


def _utc_text(moment: datetime) -> str:
    """Fixed-width ISO 8601 in UTC, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _offset_seconds(moment: datetime) -> int:
    offset = moment.utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _in_offset(moment: datetime, offset_seconds: int) -> datetime:
    return moment.astimezone(timezone(timedelta(seconds=offset_seconds)))


def _stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _show(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M (UTC%z)").replace("UTC+0000", "UTC")


# -- files ------------------------------------------------------------------------------------------------


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _remove_db(path: Path) -> None:
    for candidate in (path, *_companions(path)):
        candidate.unlink(missing_ok=True)


def _unused_name(directory: Path, base: str) -> Path:
    candidate = directory / base
    counter = 1
    while candidate.exists() or any(c.exists() for c in _companions(candidate)):
        candidate = directory / f"{base}-{counter}"
        counter += 1
    return candidate


def _wal_header_is_garbage(wal: Path) -> bool:
    """True when a -wal file has content but no valid WAL header (SQLite would silently discard it)."""
    try:
        with wal.open("rb") as handle:
            header = handle.read(32)
    except FileNotFoundError:
        return False
    if not header:
        return False
    if len(header) < 32:
        return True
    magic, version = struct.unpack(">II", header[:8])
    if magic not in (0x377F0682, 0x377F0683) or version != 3007000:
        return True
    order = ">" if magic & 1 else "<"
    words = struct.unpack(f"{order}6I", header[:24])
    s0 = s1 = 0
    for i in range(0, 6, 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return (s0, s1) != struct.unpack(">II", header[24:32])


def _writable(path: Path) -> bool:
    directory = path.parent
    if not os.access(directory, os.W_OK | os.X_OK):
        return False
    return all(not p.exists() or os.access(p, os.W_OK) for p in (path, *_companions(path)))


# -- connections ------------------------------------------------------------------------------------------


def _connect(path: Path, *, mode: str = "rw") -> sqlite3.Connection:
    """mode: 'rw' (must exist), 'rwc', 'ro', or 'immutable' (ro without -wal/-shm, for read-only folders)."""
    query = "mode=ro&immutable=1" if mode == "immutable" else f"mode={mode}"
    conn = sqlite3.connect(
        f"{path.absolute().as_uri()}?{query}",
        uri=True,
        isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
        check_same_thread=False,  # guarded by History._lock
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except BaseException:
        conn.close()
        raise
    return conn


@dataclass(frozen=True)
class _Inspection:
    user_version: int


def _inspect(conn: sqlite3.Connection) -> _Inspection:
    """Raises _DamagedError for bad content; other sqlite3 errors (locks, permissions, I/O) propagate."""
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        user_version = conn.execute("PRAGMA user_version").fetchone()[0]
        page_count = conn.execute("PRAGMA page_count").fetchone()[0]
        problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorname in _DAMAGE_CODES:
            raise _DamagedError(str(exc)) from exc
        raise
    if problems != ["ok"]:
        raise _DamagedError("the integrity check failed: " + "; ".join(problems))
    if page_count == 0:
        raise _DamagedError("the file is empty")
    if application_id != APPLICATION_ID:
        raise _DamagedError(f"it is not a Psoas Desktop history file (application id {application_id:#x})")
    return _Inspection(user_version)


def _configure_writer(conn: sqlite3.Connection) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise HistoryError(
            f"The history database cannot use write-ahead logging here (journal mode {mode!r});"
            " workouts are not being saved. Is the data folder on a network drive?"
        )
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


def _write_reason(exc: BaseException) -> str:
    name = getattr(exc, "sqlite_errorname", "")
    code = exc.errno if isinstance(exc, OSError) else None
    if name == "SQLITE_FULL" or code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return "the disk is full"
    if name.startswith("SQLITE_READONLY") or code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "the data folder is read-only"
    if name.startswith("SQLITE_IOERR"):
        return f"the disk reported an error ({exc}); it may be full"
    if name in _DAMAGE_CODES:
        return "the history file is damaged; restart the app to repair it"
    return str(exc)


_T = TypeVar("_T")


class History:
    """The workout history in ``data_dir/history.sqlite3``; make one with ``History.open``."""

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection | None,
        *,
        now: Callable[[], datetime],
        read_only: bool,
        not_saving_reason: str | None,
    ) -> None:
        self.path = path
        self.read_only = read_only
        self._conn = conn
        self._now = now
        self._reason = not_saving_reason
        self._lock = threading.RLock()
        # summaries() cache: valid while no other connection commits (PRAGMA data_version) and refreshed
        # per session for our own writes (_changed), so a view refresh after a hold costs milliseconds.
        self._summaries: dict[int, SessionSummary] | None = None
        self._summaries_ordered: list[SessionSummary] = []
        self._positions: dict[int, int] = {}
        self._data_version: int | None = None
        self._changed: set[int] = set()

    # -- opening ----------------------------------------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path, *, now: Callable[[], datetime], read_only: bool = False) -> OpenResult:
        """Open (creating, repairing, migrating as needed). Never raises for file or disk problems.

        `now` returns the current aware UTC time. `read_only=True` (command-line readers) changes nothing on
        disk: no repair, no migration, no backup, no marking of interrupted sessions.
        """
        _require_aware(now(), "now()")
        path = Path(data_dir) / FILE_NAME
        if read_only:
            return cls._open_reader(path, now, [], None)
        messages: list[str] = []
        try:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return cls._open_reader(path, now, messages, f"the data folder cannot be created ({exc})")
        if not _writable(path):
            return cls._open_reader(path, now, messages, f"the data folder {path.parent} is read-only")
        try:
            return cls._open_writer(path, now, messages)
        except (sqlite3.Error, OSError) as exc:
            return cls._open_reader(path, now, messages, _write_reason(exc))
        except HistoryError as exc:
            messages.append(str(exc))
            return cls._open_reader(path, now, messages, str(exc), announce=False)
        except _DamagedError as exc:
            return cls._open_reader(path, now, messages, f"the history file is damaged ({exc})")

    @classmethod
    def _open_reader(
        cls,
        path: Path,
        now: Callable[[], datetime],
        messages: list[str],
        reason: str | None,
        *,
        announce: bool = True,
    ) -> OpenResult:
        """Read what can be read, save nothing. `reason` is why (None: the caller asked for read-only)."""
        if reason is not None and announce:
            messages.append(f"Workouts are not being saved: {reason}.")
        conn: sqlite3.Connection | None = None
        if path.exists():
            try:
                conn = cls._reader_connection(path)
            except _DamagedError as exc:
                messages.append(f"The history cannot be shown: {exc}.")
            except sqlite3.Error as exc:
                messages.append(f"The history cannot be read: {exc}.")
        reason_text = reason or "the history was opened read-only"
        return OpenResult(
            cls(path, conn, now=now, read_only=True, not_saving_reason=reason_text), tuple(messages)
        )

    @staticmethod
    def _reader_connection(path: Path) -> sqlite3.Connection:
        wal = path.with_name(path.name + "-wal")
        try:
            conn = _connect(path, mode="ro")
        except sqlite3.Error:
            if wal.exists() and wal.stat().st_size > 0:
                raise  # immutable would ignore saved work still in the -wal
            # A WAL database in a read-only folder can only be read as immutable (no -shm can be made).
            conn = _connect(path, mode="immutable")
        try:
            try:
                inspection = _inspect(conn)
            except sqlite3.Error:
                if wal.exists() and wal.stat().st_size > 0:
                    raise
                conn.close()
                conn = _connect(path, mode="immutable")
                inspection = _inspect(conn)
            if inspection.user_version < schema_version():
                raise _DamagedError("it needs an upgrade that a read-only open cannot do")
        except BaseException:
            conn.close()
            raise
        return conn

    @classmethod
    def _open_writer(cls, path: Path, now: Callable[[], datetime], messages: list[str]) -> OpenResult:
        wal = path.with_name(path.name + "-wal")
        if path.exists() and _wal_header_is_garbage(wal):
            aside = _unused_name(path.parent, f"{wal.name}.corrupt-{_stamp(now())}")
            wal.rename(aside)
            path.with_name(path.name + "-shm").unlink(missing_ok=True)
            _fsync_dir(path.parent)
            messages.append(
                f"The history's write-ahead log was damaged and was set aside as {aside.name}. The history"
                " itself is fine, but the very last workouts saved before the damage may be missing."
            )
        if not path.exists():
            cls._replace_missing(path, now, messages)
        try:
            inspection = cls._inspect_file(path)
        except _DamagedError as exc:
            cls._repair(path, now, str(exc), messages)
            inspection = cls._inspect_file(path)
        if inspection.user_version > schema_version():
            messages.append(
                f"The history was written by a newer version of Psoas Desktop (schema {inspection.user_version},"
                f" this version knows {schema_version()}). It is shown read-only and new workouts are not"
                " saved; update the app to keep saving."
            )
            return cls._open_reader(
                path, now, messages, "the history belongs to a newer version", announce=False
            )
        conn = _connect(path, mode="rw")
        try:
            _configure_writer(conn)
            if inspection.user_version < schema_version():
                message = cls._migrate(conn, path, inspection.user_version)
                if message is not None:
                    conn.close()
                    messages.append(message)
                    return cls._open_reader(path, now, messages, message, announce=False)
            history = cls(path, conn, now=now, read_only=False, not_saving_reason=None)
            history._mark_interrupted()
        except BaseException:
            conn.close()
            raise
        backup_problem = history._daily_backup()
        if backup_problem:
            messages.append(backup_problem)
        return OpenResult(history, tuple(messages))

    @classmethod
    def _replace_missing(cls, path: Path, now: Callable[[], datetime], messages: list[str]) -> None:
        """No history file: the first run (a new one), or it was lost (the newest good backup, said so)."""
        orphans = [c for c in _companions(path) if c.exists()]
        if orphans:  # a -wal without its database would be replayed onto a new one: keep it, aside
            stamp = _stamp(now())
            for orphan in orphans:
                orphan.rename(_unused_name(path.parent, f"{orphan.name}.orphan-{stamp}"))
            messages.append(
                f"The history's journal files were there without the history file {path.name}; they were set"
                f" aside as *.orphan-{stamp}."
            )
        restored = cls._restore_newest_backup(path, now())
        if restored is not None:
            messages.append(f"The history file {path.name} was missing. {restored}")
            return
        if orphans:
            messages[-1] += " A new, empty history was started."
        cls._create(path)

    @staticmethod
    def _inspect_file(path: Path) -> _Inspection:
        conn = _connect(path, mode="ro")  # never writes, never checkpoints a damaged file on close
        try:
            return _inspect(conn)
        finally:
            conn.close()

    @staticmethod
    def _create(path: Path) -> None:
        """A new, empty history, built aside and renamed into place so a crash never leaves half a file."""
        temp = path.with_name(path.name + ".new")
        _remove_db(temp)
        conn = _connect(temp, mode="rwc")
        try:
            _configure_writer(conn)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for statements in MIGRATIONS:
                for statement in statements:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {schema_version()}")
            conn.execute("COMMIT")
        finally:
            conn.close()  # checkpoints the -wal into the file and removes it
        _fsync_file(temp)
        os.replace(temp, path)
        _fsync_dir(path.parent)

    @staticmethod
    def _migrate(conn: sqlite3.Connection, path: Path, version: int) -> str | None:
        """Upgrade in one transaction after a backup copy; returns a message for the user if it failed."""
        target = schema_version()
        backup = path.with_name(f"{path.name}.pre-v{target}.bak")
        _backup_to(conn, backup)
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statements in MIGRATIONS[version:]:
                for statement in statements:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            return (
                f"The history could not be upgraded to schema {target} ({exc}); it is unchanged (a copy is in"
                f" {backup.name}). It is shown read-only and new workouts are not saved."
            )
        return None

    @classmethod
    def _repair(cls, path: Path, now: Callable[[], datetime], reason: str, messages: list[str]) -> None:
        """Move the damaged file aside, restore the newest good backup (or start anew); tell the user."""
        moment = now()
        aside = _unused_name(path.parent, f"{path.name}.corrupt-{_stamp(moment)}")
        path.rename(aside)
        for companion in _companions(path):
            if companion.exists():
                companion.rename(aside.with_name(aside.name + companion.name[len(path.name) :]))
        _fsync_dir(path.parent)
        told = f"The history file was damaged ({reason}). It was moved aside as {aside.name}."
        messages.append(told)  # said even if what follows fails; completed below
        restored = cls._restore_newest_backup(path, moment)
        if restored is None:
            cls._create(path)
            restored = "No good backup was found, so a new, empty history was started."
        messages[-1] = f"{told} {restored}"

    @staticmethod
    def _restore_newest_backup(path: Path, moment: datetime) -> str | None:
        """Put the newest good daily backup in place; what the user should know, or None if there is none."""
        for backup in sorted(_backups(path.parent / BACKUP_DIR), reverse=True):
            info = _usable_backup(backup)
            if info is None:
                continue
            temp = path.with_name(path.name + ".restore")
            _remove_db(temp)
            source = _connect(backup, mode="ro")
            try:
                target = _connect(temp, mode="rwc")
                try:
                    source.backup(target)
                    _configure_writer(target)
                finally:
                    target.close()
            finally:
                source.close()
            _fsync_file(temp)
            os.replace(temp, path)
            _fsync_dir(path.parent)
            newest = info.newest_session
            if newest is None:
                missing = f"Workouts saved before {_show(moment)} may be missing."
            else:
                missing = (
                    f"Workouts saved after {_show(newest)} and before"
                    f" {_show(_in_offset(moment, _offset_seconds(newest)))} may be missing."
                )
            return f"The backup from {backup.stem.removeprefix('history-')} was restored. {missing}"
        return None

    # -- writing ----------------------------------------------------------------------------------------

    def _write(self, action: Callable[[sqlite3.Connection], _T], session_id: int | None) -> _T:
        with self._lock:
            if self._conn is None or self.read_only:
                raise HistoryError(f"Not saved: {self._reason or 'the history is closed'}.")
            conn = self._conn
            if session_id is not None:
                self._changed.add(session_id)
            try:
                conn.execute("BEGIN IMMEDIATE")
                result = action(conn)
                conn.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                self._rollback(conn)
                raise ValueError(f"the history refused the change: {exc}") from exc
            except (sqlite3.Error, OSError) as exc:
                self._rollback(conn)
                raise HistoryError(f"Not saved: {_write_reason(exc)}.") from exc
            return result

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")

    def start_session(self, routine: str, level: str, started: datetime) -> int:
        """A new running session; `started` is aware (stored as UTC plus its UTC offset). Returns its id."""
        _require_aware(started, "started")

        def insert(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO sessions (routine, level, started_utc, utc_offset_seconds, status)"
                " VALUES (?, ?, ?, ?, 'running')",
                (routine, str(level), _utc_text(started), _offset_seconds(started)),
            )
            assert cursor.lastrowid is not None
            self._changed.add(cursor.lastrowid)
            return cursor.lastrowid

        return self._write(insert, None)

    def add_record(self, session_id: int, record: HoldRecord) -> None:
        """Save one hold in its own transaction; on disk when this returns. Saving it twice stores it once."""
        _require_aware(record.started_utc, "record.started_utc")
        row = (
            session_id,
            record.exercise,
            None if record.side is None else str(record.side),
            record.set,
            record.rep,
            float(record.planned_seconds),
            float(record.actual_seconds),
            _utc_text(record.started_utc),
            int(record.utc_offset_seconds),
            str(record.status),
            record.phase_index,
        )
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO entries (session_id, exercise, side, set_number, rep, planned_seconds,"
                " actual_seconds, started_utc, utc_offset_seconds, status, phase_index)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (session_id, phase_index, started_utc) DO NOTHING",
                row,
            ),
            session_id,
        )

    def end_session(self, session_id: int, status: str, ended: datetime) -> None:
        status = str(status)
        if status not in END_STATUSES:
            raise ValueError(f"a session ends 'completed', 'stopped' or 'interrupted', not {status!r}")
        _require_aware(ended, "ended")

        def update(conn: sqlite3.Connection) -> None:
            cursor = conn.execute(
                "UPDATE sessions SET status = ?, ended_utc = ? WHERE id = ?",
                (status, _utc_text(ended), session_id),
            )
            if cursor.rowcount != 1:
                raise sqlite3.IntegrityError(f"no session {session_id}")

        self._write(update, session_id)

    def add_checkin(self, session_id: int, side: str | None, tightness: int, note: str) -> None:
        """How tight the hip flexors feel after a session: 0 (loose) to 10, per side or overall (None)."""
        side = None if side is None else str(side)
        if side is not None and side not in SIDES:
            raise HistoryError(f"Check-in side must be left, right or none, not {side!r}.")
        if isinstance(tightness, bool) or not isinstance(tightness, int) or tightness not in TIGHTNESS_RANGE:
            raise HistoryError(f"Tightness must be a whole number from 0 to 10, not {tightness!r}.")
        if len(note) > NOTE_MAX_CHARS:
            raise HistoryError(f"The note is {len(note)} characters long; at most {NOTE_MAX_CHARS} fit.")
        created = self._now()
        _require_aware(created, "now()")
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO checkins (session_id, side, tightness, note, created_utc) VALUES (?, ?, ?, ?, ?)",
                (session_id, side, tightness, note, _utc_text(created)),
            ),
            session_id,
        )

    def _mark_interrupted(self) -> None:
        """Sessions still 'running' at open were cut short (crash, power loss): keep them, mark them."""
        assert self._conn is not None
        conn = self._conn
        running = conn.execute("SELECT id, started_utc FROM sessions WHERE status = 'running'").fetchall()
        if not running:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            for session_id, started in running:
                ends = [
                    _parse(text) + timedelta(seconds=seconds)
                    for text, seconds in conn.execute(
                        "SELECT started_utc, actual_seconds FROM entries WHERE session_id = ?", (session_id,)
                    )
                ]
                ended = max(ends, default=_parse(started))
                conn.execute(
                    "UPDATE sessions SET status = 'interrupted', ended_utc = ? WHERE id = ?",
                    (_utc_text(ended), session_id),
                )
            conn.execute("COMMIT")
        except BaseException:
            self._rollback(conn)
            raise

    def _daily_backup(self) -> str | None:
        """Today's backup (UTC date) unless there is one; keep the newest BACKUPS_KEPT. A message if it failed."""
        assert self._conn is not None
        directory = self.path.parent / BACKUP_DIR
        today = self._now().astimezone(UTC).date()
        target = directory / f"history-{today.isoformat()}.sqlite3"
        if target.exists():
            return None
        try:
            directory.mkdir(exist_ok=True)
            with self._lock:
                _backup_to(self._conn, target)
            for old in sorted(_backups(directory), reverse=True)[BACKUPS_KEPT:]:
                old.unlink(missing_ok=True)
        except (sqlite3.Error, OSError) as exc:
            return f"Today's backup of the history could not be made: {_write_reason(exc)}."
        return None

    # -- reading ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        with self._lock:
            if self._conn is None:
                yield None
                return
            try:
                self._conn.execute("BEGIN")  # one consistent snapshot for multi-query reads
            except sqlite3.Error as exc:
                raise HistoryError(f"The history cannot be read: {exc}.") from exc
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise HistoryError(f"The history cannot be read: {exc}.") from exc
            finally:
                self._rollback(self._conn)

    def sessions(self) -> list[SessionRow]:
        """Every session, newest first."""
        with self._reading() as conn:
            if conn is None:
                return []
            rows = conn.execute(
                "SELECT id, routine, level, started_utc, utc_offset_seconds, ended_utc, status FROM sessions"
                " ORDER BY started_utc DESC, id DESC"
            ).fetchall()
        return [_session_row(row) for row in rows]

    def entries(self, session_id: int) -> list[EntryRow]:
        """The session's holds in the order they happened."""
        with self._reading() as conn:
            if conn is None:
                return []
            rows = conn.execute(
                "SELECT session_id, exercise, side, set_number, rep, planned_seconds, actual_seconds,"
                " started_utc, utc_offset_seconds, status, phase_index FROM entries WHERE session_id = ?"
                " ORDER BY started_utc, phase_index",
                (session_id,),
            ).fetchall()
        return [_entry_row(row) for row in rows]

    def checkins(self, session_id: int | None = None) -> list[CheckinRow]:
        """Check-ins (of one session, or all), oldest first."""
        with self._reading() as conn:
            if conn is None:
                return []
            sql = "SELECT id, session_id, side, tightness, note, created_utc FROM checkins"
            params: Sequence[Any] = ()
            if session_id is not None:
                sql += " WHERE session_id = ?"
                params = (session_id,)
            rows = conn.execute(sql + " ORDER BY created_utc, id", params).fetchall()
        return [CheckinRow(r[0], r[1], r[2], r[3], r[4], _parse(r[5])) for r in rows]

    def all_entries(self) -> dict[int, list[EntryRow]]:
        """Every entry grouped by session id (for export), each list in the order it happened."""
        grouped: dict[int, list[EntryRow]] = {}
        with self._reading() as conn:
            if conn is None:
                return grouped
            for row in conn.execute(
                "SELECT session_id, exercise, side, set_number, rep, planned_seconds, actual_seconds,"
                " started_utc, utc_offset_seconds, status, phase_index FROM entries"
                " ORDER BY session_id, started_utc, phase_index"
            ):
                grouped.setdefault(row[0], []).append(_entry_row(row))
        return grouped

    def summaries(self) -> list[SessionSummary]:
        """One summary per session, newest first.

        Totals per session and exercise are kept in SQL by triggers; the summaries are cached and only the
        sessions this History changed are re-read, unless another connection committed in between.
        """
        with self._reading() as conn:
            if conn is None:
                return []
            version = conn.execute("PRAGMA data_version").fetchone()[0]
            if self._summaries is None or version != self._data_version:
                self._changed.clear()
                self._summaries = {s.session_id: s for s in _load_summaries(conn, None)}
            elif self._changed:
                changed, self._changed = sorted(self._changed), set()
                fresh = _load_summaries(conn, changed)
                if len(fresh) == len(changed) and all(s.session_id in self._positions for s in fresh):
                    for summary in fresh:  # a start never changes: each keeps its place
                        self._summaries[summary.session_id] = summary
                        self._summaries_ordered[self._positions[summary.session_id]] = summary
                    return list(self._summaries_ordered)
                for session_id in changed:
                    self._summaries.pop(session_id, None)
                self._summaries.update((s.session_id, s) for s in fresh)
            else:
                return list(self._summaries_ordered)
            self._data_version = version
            self._summaries_ordered = sorted(
                self._summaries.values(), key=lambda s: (s.started, s.session_id), reverse=True
            )
            self._positions = {s.session_id: i for i, s in enumerate(self._summaries_ordered)}
            return list(self._summaries_ordered)

    def close(self) -> None:
        """Close the database (a clean close folds the -wal into the file). Safe to call twice."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            if not self.read_only:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA optimize")
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# -- helpers ------------------------------------------------------------------------------------------------


def _load_summaries(conn: sqlite3.Connection, session_ids: Sequence[int] | None) -> list[SessionSummary]:
    """Summaries of the given sessions (None: all), in no particular order."""
    where, params = "", tuple(session_ids or ())
    if session_ids is not None:
        where = f" IN ({', '.join('?' * len(session_ids))})"
    sessions = conn.execute(
        "SELECT id, routine, level, started_utc, utc_offset_seconds, ended_utc, status FROM sessions"
        + (f" WHERE id{where}" if where else ""),
        params,
    ).fetchall()
    per_session: dict[int, dict[str, float]] = {}
    for session_id, exercise, seconds in conn.execute(
        "SELECT session_id, exercise, seconds FROM session_totals"
        + (f" WHERE session_id{where}" if where else ""),
        params,
    ):
        exercises = per_session.get(session_id)
        if exercises is None:
            exercises = per_session[session_id] = {}
        exercises[exercise] = seconds
    tightness: dict[int, list[int | None]] = {}
    for session_id, side, value in conn.execute(
        "SELECT session_id, side, tightness FROM checkins"
        + (f" WHERE session_id{where}" if where else "")
        + " ORDER BY session_id, created_utc, id",
        params,
    ):  # in time order: the latest wins
        pair = tightness.setdefault(session_id, [None, None])
        if side in (None, "left"):
            pair[0] = value
        if side in (None, "right"):
            pair[1] = value
    zones: dict[int, timezone] = {}
    result = []
    for session_id, routine, level, started, offset, ended, status in sessions:
        zone = zones.get(offset)
        if zone is None:
            zone = zones[offset] = timezone(timedelta(seconds=offset))
        exercises = per_session.get(session_id, {})
        left, right = tightness.get(session_id, (None, None))
        result.append(
            SessionSummary(
                session_id=session_id,
                started=datetime.fromisoformat(started).astimezone(zone),
                status=status,
                routine=routine,
                level=level,
                hold_seconds=sum(exercises.values()),
                exercise_seconds=MappingProxyType(exercises),  # shared from the cache: read-only
                tightness_left=left,
                tightness_right=right,
                ended=None if ended is None else datetime.fromisoformat(ended),  # stored in UTC
            )
        )
    return result


def _session_row(row: Sequence[Any]) -> SessionRow:
    return SessionRow(
        id=row[0],
        routine=row[1],
        level=row[2],
        started_utc=_parse(row[3]),
        utc_offset_seconds=row[4],
        ended_utc=None if row[5] is None else _parse(row[5]),
        status=row[6],
    )


def _entry_row(row: Sequence[Any]) -> EntryRow:
    return EntryRow(
        session_id=row[0],
        exercise=row[1],
        side=row[2],
        set_number=row[3],
        rep=row[4],
        planned_seconds=row[5],
        actual_seconds=row[6],
        started_utc=_parse(row[7]),
        utc_offset_seconds=row[8],
        status=row[9],
        phase_index=row[10],
    )


def _backups(directory: Path) -> list[Path]:
    try:
        return [p for p in directory.iterdir() if _BACKUP_RE.match(p.name)]
    except OSError:
        return []


def backup_date(path: Path) -> date | None:
    match = _BACKUP_RE.match(path.name)
    return date.fromisoformat(match.group(1)) if match else None


def _backup_to(conn: sqlite3.Connection, target: Path) -> None:
    """A consistent single-file copy through the sqlite3 backup API, written aside and renamed into place."""
    temp = target.with_name(target.name + ".tmp")
    _remove_db(temp)
    copy = sqlite3.connect(temp, isolation_level=None)
    try:
        conn.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
    except BaseException:
        copy.close()
        _remove_db(temp)
        raise
    copy.close()
    _fsync_file(temp)
    os.replace(temp, target)
    _fsync_dir(target.parent)


@dataclass(frozen=True)
class _BackupInfo:
    newest_session: datetime | None
    """The start of the backup's newest session, in that session's UTC offset (None: no sessions)."""


def _usable_backup(backup: Path) -> _BackupInfo | None:
    """None if the backup cannot be restored (damaged, not ours, too new)."""
    try:
        conn = _connect(backup, mode="ro")
    except sqlite3.Error:
        return None
    try:
        inspection = _inspect(conn)
        if inspection.user_version > schema_version():
            return None
        row = conn.execute(
            "SELECT started_utc, utc_offset_seconds FROM sessions ORDER BY started_utc DESC LIMIT 1"
        ).fetchone()
    except (_DamagedError, sqlite3.Error):
        return None
    finally:
        conn.close()
    return _BackupInfo(None if row is None else _in_offset(_parse(row[0]), row[1]))
