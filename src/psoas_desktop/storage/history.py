"""The workout history API: open it, save sessions, holds and check-ins, read them back.

* Saving is done by one writer thread that owns the only write connection (:mod:`.writer`): the
  ``submit_*`` methods return a future that completes after the COMMIT (WAL, ``synchronous=FULL``: the
  hold is on disk then), so the GUI thread never waits for an fsync. One short transaction per hold. The
  plain methods (``start_session``, ``add_record``, …) submit and wait, for scripts and tests.
* Reading uses read-only connections of its own, one per concurrent reader (the history window's worker,
  the prewarm thread, the CLI), so a long read never holds a write back and a write never blocks a read.
* ``History.open`` inspects, repairs, migrates and backs up (:mod:`.recovery`, :mod:`.schema`); it may
  take a while on a large file, so the app calls it off the GUI thread. It never raises for file or disk
  problems: a read-only folder, a full disk or a damaged file gives a History that shows what it can read
  and whose every write fails with a KnownError the app shows ("not saving").
* ``summaries()`` is cached and refreshed per changed session, so calling it after each hold is cheap.

One writer per data dir is the app's job (a QLockFile); command-line readers open with ``read_only=True``
so they never touch the file (no repair, no backup, no marking of a running session as interrupted).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from psoas_desktop.core.engine import HoldRecord
from psoas_desktop.core.history_summary import SessionColumns
from psoas_desktop.core.stats import SessionSummary
from psoas_desktop.storage import devices, global_ids, recovery, schema, sync_events
from psoas_desktop.storage.history_sync import HistorySync
from psoas_desktop.storage.reading import HistoryReader
from psoas_desktop.storage.recovery import BACKUP_DIR, BACKUPS_KEPT, backup_date
from psoas_desktop.storage.rows import CheckinRow, EntryRow, RoutineAsRun, SessionRow
from psoas_desktop.storage.schema import (
    APPLICATION_ID,
    FILE_NAME,
    DamagedError,
    HistoryError,
    require_aware,
    utc_text,
)
from psoas_desktop.storage.writer import Writer, WriterClosedError

NOTE_MAX_CHARS = 500
TIGHTNESS_RANGE = range(11)
SESSION_STATUSES = ("running", "completed", "stopped", "interrupted")
END_STATUSES = ("completed", "stopped", "interrupted")
SIDES = ("left", "right")

_T = TypeVar("_T")

SessionRef = int | Future[int]
"""A session id, or the future of a start not yet saved (its holds queue behind it on the writer)."""


@dataclass(frozen=True)
class OpenResult:
    history: History
    messages: tuple[str, ...]
    """Things the user should be told (damage repaired, what may be missing, not saving, read-only)."""


def _failed(error: BaseException) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_exception(error)
    return future


def _resolve(session: SessionRef) -> int:
    """On the writer thread: a session's start ran before its holds, so its future is done."""
    if isinstance(session, int):
        return session
    if not session.done():
        raise RuntimeError("a session's holds were submitted before its start")
    return session.result()  # a start that failed fails its holds with the same message


def _optimize(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        conn.execute("PRAGMA optimize")


def not_saving_message(reason: str) -> str:
    """The one wording of "nothing is saved, and why", as the open says it and the app's bar shows it."""
    return f"Workouts are not being saved: {reason}."


class History(HistorySync):
    """The workout history in ``data_dir/history.sqlite3``; make one with ``History.open``, then close it."""

    def __init__(
        self,
        path: Path,
        *,
        now: Callable[[], datetime],
        not_saving_reason: str | None,
        writer: Writer | None = None,
        reader: sqlite3.Connection | None = None,
        read_mode: str | None = None,
        writer_gone: bool = False,
    ) -> None:
        """`writer`: None for a read-only History. `read_mode`: how readers connect ('ro', 'immutable'),
        None when there is nothing to read; `reader` is a first connection for the pool. `writer_gone`: a
        read-only History whose file no app is writing (sessions left running were cut short)."""
        self.path = path
        self.read_only = writer is None
        self._now = now
        self._reason = not_saving_reason
        self._writer = writer
        self._events = []  # the journal events of the transaction running on the writer thread
        # A writable History is the only writer of its file (one per data dir): its reader learns of every
        # change from our commits. A read-only one may see another process write.
        self._reader = HistoryReader(
            path, read_mode, first=reader, others_write=writer is None, writer_gone=writer_gone
        )

    @property
    def not_saving_reason(self) -> str | None:
        """Why this History saves nothing (read-only folder, full disk, newer version…); None when it
        opened writable."""
        return self._reason if self.read_only else None

    @property
    def not_saving_message(self) -> str | None:
        """What the user is told while this History saves nothing (None when it opened writable)."""
        reason = self.not_saving_reason
        return None if reason is None else not_saving_message(reason)

    @property
    def writer_thread(self) -> threading.Thread | None:
        """The thread every write runs on (None when read-only or closed)."""
        writer = self._writer
        return None if writer is None else writer.thread

    # -- opening ----------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        data_dir: Path,
        *,
        now: Callable[[], datetime],
        read_only: bool = False,
        writer_gone: bool = False,
    ) -> OpenResult:
        """Open (creating, repairing, migrating as needed). Never raises for file or disk problems.

        `now` returns the current aware UTC time. `read_only=True` (command-line readers) changes nothing on
        disk: no repair, no migration, no backup, no marking of interrupted sessions; with `writer_gone`
        (no app holds the writer lock) it still shows a session left running as interrupted. Slow on a big
        or damaged file: call it off the GUI thread. A writable History runs a thread until close().
        """
        require_aware(now(), "now()")
        path = Path(data_dir) / FILE_NAME
        if read_only:
            return cls._open_reader(path, now, [], None, writer_gone=writer_gone)
        messages: list[str] = []
        try:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return cls._open_reader(path, now, messages, f"the data folder cannot be created ({exc})")
        if not recovery.writable(path):
            return cls._open_reader(path, now, messages, f"the data folder {path.parent} is read-only")
        try:
            return cls._open_writer(path, now, messages)
        except (sqlite3.Error, OSError) as exc:
            return cls._open_reader(path, now, messages, schema.write_reason(exc))
        except HistoryError as exc:
            messages.append(str(exc))
            return cls._open_reader(path, now, messages, str(exc), announce=False)
        except DamagedError as exc:
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
        writer_gone: bool = False,
    ) -> OpenResult:
        """Read what can be read, save nothing. `reason` is why (None: the caller asked for read-only)."""
        if reason is not None and announce:
            messages.append(not_saving_message(reason))
        conn: sqlite3.Connection | None = None
        mode: str | None = None
        # A reader asked for (the CLI) speaks only when it cannot read: a log it reads around is no news.
        notes = messages if reason is not None else []
        if path.exists():
            try:
                conn, mode = recovery.reader_connection(path, notes)
            except DamagedError as exc:
                messages.append(f"The history cannot be shown: {exc}.")
            except sqlite3.Error as exc:
                messages.append(f"The history cannot be read: {exc}.")
        reason_text = reason or "the history was opened read-only"
        history = cls(
            path, now=now, not_saving_reason=reason_text, reader=conn, read_mode=mode, writer_gone=writer_gone
        )
        return OpenResult(history, tuple(messages))

    @classmethod
    def _open_writer(cls, path: Path, now: Callable[[], datetime], messages: list[str]) -> OpenResult:
        inspection = recovery.prepare(path, now, messages)
        if inspection.user_version > schema.schema_version():
            messages.append(
                f"The history was written by a newer version of Psoas Desktop (schema {inspection.user_version},"
                f" this version knows {schema.schema_version()}). It is shown read-only and new workouts are"
                " not saved; update the app to keep saving."
            )
            return cls._open_reader(
                path, now, messages, "the history belongs to a newer version", announce=False
            )
        conn = schema.connect(path, mode="rw")
        try:
            schema.configure_writer(conn)
            if inspection.user_version < schema.schema_version():
                message = schema.migrate(conn, path, inspection.user_version)
                if message is not None:
                    conn.close()
                    messages.append(message)
                    return cls._open_reader(path, now, messages, message, announce=False)
            messages.extend(recovery.mark_interrupted(conn, now()))
        except BaseException:
            conn.close()
            raise
        backup_problem = recovery.daily_backup(conn, path, now())
        if backup_problem:
            messages.append(backup_problem)
        writer = Writer(conn, on_close=_optimize)
        return OpenResult(
            cls(path, now=now, not_saving_reason=None, writer=writer, read_mode="ro"), tuple(messages)
        )

    # -- writing ----------------------------------------------------------------------------------------

    def _submit(self, action: Callable[[sqlite3.Connection, set[int]], _T]) -> Future[_T]:
        """Run `action` in one transaction on the writer thread. It adds the sessions it changes to its set."""
        writer = self._writer
        if writer is None:
            return _failed(HistoryError(f"Not saved: {self._reason or 'the history is closed'}."))
        try:
            return writer.submit(lambda conn: self._transaction(conn, action))
        except WriterClosedError:
            return _failed(HistoryError("Not saved: the history is closed."))

    def _transaction(
        self, conn: sqlite3.Connection, action: Callable[[sqlite3.Connection, set[int]], _T]
    ) -> _T:
        touched: set[int] = set()
        committed = False
        try:
            conn.execute("BEGIN IMMEDIATE")
            result = action(conn, touched)
            conn.execute("COMMIT")
            committed = True
        except sqlite3.IntegrityError as exc:
            schema.rollback(conn)
            raise ValueError(f"the history refused the change: {exc}") from exc
        except (sqlite3.Error, OSError) as exc:
            schema.rollback(conn)
            raise HistoryError(f"Not saved: {schema.write_reason(exc)}.") from exc
        except BaseException:
            schema.rollback(conn)
            raise
        finally:
            self._reader.changed(touched)  # after the COMMIT: see HistoryReader.summaries for why
            self._flush_events(conn, committed)
        return result

    def submit_start_session(
        self, routine: str, level: str, started: datetime, kept: RoutineAsRun | None = None
    ) -> Future[int]:
        """A new running session; `started` is aware (stored as UTC plus its UTC offset); `kept`: the
        routine's name and fingerprints as it runs now. Its id follows."""
        require_aware(started, "started")
        kept = kept or RoutineAsRun()
        row = (routine, str(level), utc_text(started), schema.offset_seconds(started), *kept.columns())

        def insert(conn: sqlite3.Connection, touched: set[int]) -> int:
            cursor = conn.execute(
                "INSERT INTO sessions (routine, level, started_utc, utc_offset_seconds, status,"
                " routine_name, routine_hash, dose_hash, uuid, device) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?,"
                " (SELECT device FROM local_device))",
                (*row, global_ids.new_id()),
            )
            assert cursor.lastrowid is not None
            touched.add(cursor.lastrowid)
            if self._journal is not None:
                self._emit(sync_events.session_event(conn, cursor.lastrowid))
            return cursor.lastrowid

        return self._submit(insert)

    def submit_record(self, session: SessionRef, record: HoldRecord) -> Future[None]:
        """Save one hold in its own transaction; the future completes when it is on disk. Saving it twice
        stores it once."""
        require_aware(record.started_utc, "record.started_utc")
        row = (
            record.exercise,
            None if record.side is None else str(record.side),
            record.set,
            record.rep,
            float(record.planned_seconds),
            float(record.actual_seconds),
            utc_text(record.started_utc),
            int(record.utc_offset_seconds),
            str(record.status),
            record.phase_index,
        )

        def insert(conn: sqlite3.Connection, touched: set[int]) -> None:
            session_id = _resolve(session)
            touched.add(session_id)
            conn.execute(
                "INSERT INTO entries (session_id, exercise, side, set_number, rep, planned_seconds,"
                " actual_seconds, started_utc, utc_offset_seconds, status, phase_index)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (session_id, phase_index, started_utc) DO NOTHING",
                (session_id, *row),
            )
            if self._journal is not None:
                self._emit(sync_events.hold_event(*sync_events.session_uuid(conn, session_id), row))

        return self._submit(insert)

    def submit_end_session(self, session: SessionRef, status: str, ended: datetime) -> Future[None]:
        status = str(status)
        if status not in END_STATUSES:
            raise ValueError(f"a session ends 'completed', 'stopped' or 'interrupted', not {status!r}")
        require_aware(ended, "ended")

        def update(conn: sqlite3.Connection, touched: set[int]) -> None:
            session_id = _resolve(session)
            touched.add(session_id)
            cursor = conn.execute(
                "UPDATE sessions SET status = ?, ended_utc = ? WHERE id = ?",
                (status, utc_text(ended), session_id),
            )
            if cursor.rowcount != 1:
                raise sqlite3.IntegrityError(f"no session {session_id}")
            if self._journal is not None:
                uuid, device = sync_events.session_uuid(conn, session_id)
                self._emit(sync_events.end_event(uuid, device, status, utc_text(ended)))

        return self._submit(update)

    def submit_checkin(
        self, session: SessionRef, side: str | None, tightness: int, note: str
    ) -> Future[None]:
        """How tight the hip flexors feel after a session: 0 (loose) to 10, per side or overall (None)."""
        side = None if side is None else str(side)
        if side is not None and side not in SIDES:
            raise HistoryError(f"Check-in side must be left, right or none, not {side!r}.")
        if isinstance(tightness, bool) or not isinstance(tightness, int) or tightness not in TIGHTNESS_RANGE:
            raise HistoryError(f"Tightness must be a whole number from 0 to 10, not {tightness!r}.")
        if len(note) > NOTE_MAX_CHARS:
            raise HistoryError(f"The note is {len(note)} characters long; at most {NOTE_MAX_CHARS} fit.")
        created = self._now()
        require_aware(created, "now()")

        checkin = global_ids.new_id()

        def insert(conn: sqlite3.Connection, touched: set[int]) -> None:
            session_id = _resolve(session)
            touched.add(session_id)
            conn.execute(
                "INSERT INTO checkins (session_id, side, tightness, note, created_utc, uuid, device)"
                " VALUES (?, ?, ?, ?, ?, ?, (SELECT device FROM local_device))",
                (session_id, side, tightness, note, utc_text(created), checkin),
            )
            if self._journal is not None:
                self._emit(sync_events.checkin_event(conn, checkin))

        return self._submit(insert)

    # Waiting versions, for scripts, the self-test and tests (never the GUI thread): saved when they return.

    def start_session(
        self, routine: str, level: str, started: datetime, kept: RoutineAsRun | None = None
    ) -> int:
        return self.submit_start_session(routine, level, started, kept).result()

    def add_record(self, session_id: int, record: HoldRecord) -> None:
        self.submit_record(session_id, record).result()

    def end_session(self, session_id: int, status: str, ended: datetime) -> None:
        self.submit_end_session(session_id, status, ended).result()

    def add_checkin(self, session_id: int, side: str | None, tightness: int, note: str) -> None:
        self.submit_checkin(session_id, side, tightness, note).result()

    def flush(self) -> None:
        """Wait until everything submitted so far has run (committed or failed)."""
        writer = self._writer
        if writer is not None:
            with contextlib.suppress(WriterClosedError):
                writer.submit(lambda conn: None).result()

    # -- reading (each on a read-only connection of the calling thread's own: see reading.py) ------------

    def sessions(self) -> list[SessionRow]:
        """Every session, newest first."""
        return self._reader.sessions()

    def entries(self, session_id: int) -> list[EntryRow]:
        """The session's holds in the order they happened."""
        return self._reader.entries(session_id)

    def checkins(self, session_id: int | None = None) -> list[CheckinRow]:
        """Check-ins (of one session, or all), oldest first."""
        return self._reader.checkins(session_id)

    def all_entries(self) -> dict[int, list[EntryRow]]:
        """Every entry grouped by session id (for export), each list in the order it happened."""
        return self._reader.all_entries()

    def summaries(self) -> list[SessionSummary]:
        """One summary per session, newest first (cached; see HistoryReader.summaries)."""
        return self._reader.summaries()

    def completed_with_dose(self, routine: str, dose_hash: str) -> int:
        """Completed sessions of `routine` with this dosage since it was last run with another (a progression's
        count; a session stopped early never counts)."""
        return self._reader.completed_with_dose(routine, dose_hash)

    def devices(self) -> list[devices.DeviceRow]:
        """The devices this history knows, this one first, each with its count of sessions."""
        with self.reading() as conn:
            return [] if conn is None else devices.list_devices(conn)

    def device_id(self) -> str | None:
        """This data folder's device id (None when nothing can be read)."""
        with self.reading() as conn:
            return None if conn is None else devices.local_device(conn)

    def submit_rename_device(self, name: str) -> Future[None]:
        """Give this device a new name (shown on the other devices after their next merge)."""
        cleaned = devices.checked_name(name)

        def update(conn: sqlite3.Connection, touched: set[int]) -> None:
            devices.rename(conn, devices.local_device(conn), cleaned)
            self._emit(sync_events.device_event(conn))

        return self._submit(update)

    def cached_snapshot(self) -> tuple[list[SessionSummary], SessionColumns] | None:
        """``summaries()`` and their columns when its cache is already filled (by the prewarm, the tray),
        else None."""
        return self._reader.cached_snapshot()

    def reading(self) -> contextlib.AbstractContextManager[sqlite3.Connection | None]:
        """A read-only connection of the caller's own from the readers' pool, in one read transaction
        (None when there is nothing to read); for reads the methods above do not cover."""
        return self._reader.snapshot()

    def close(self) -> None:
        """Save what is queued, stop the writer thread (joined) and close every connection (a clean close
        folds the -wal into the file). Safe to call twice."""
        # The readers first: the last connection to close folds the -wal into the file and removes it, and
        # a read-only connection cannot; so the writer's must be the last.
        self._reader.close()
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


__all__ = [
    "APPLICATION_ID",
    "BACKUPS_KEPT",
    "BACKUP_DIR",
    "FILE_NAME",
    "CheckinRow",
    "EntryRow",
    "History",
    "HistoryError",
    "OpenResult",
    "RoutineAsRun",
    "SessionRef",
    "SessionRow",
    "backup_date",
]
