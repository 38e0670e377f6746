"""The History's sync side (a mixin, to keep history.py about saving): the journal of local changes,
merging the other devices' journals, deleting a session (a tombstone), importing an export.

Everything runs on the writer thread: the journal's fsync and a merge of a whole folder never block the
GUI thread. A journal that cannot be written (full disk, read-only folder) never costs local history: the
change is saved here, the user is warned, and the whole history is written again at the next attach.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from psoas_desktop.storage import devices, schema, sync_events
from psoas_desktop.storage.journal import Event, Journal, check_folders
from psoas_desktop.storage.merge import MergeResult, Progress, merge
from psoas_desktop.storage.sync_apply import Applier, BadEventError

_T = TypeVar("_T")
SEEDED_KEY = "journal_written_to"

Warn = Callable[[str], None]


def journal_problem(path: Path, exc: BaseException) -> str:
    reason = schema.write_reason(exc).replace("the data folder", "the sync folder")
    return (
        f"The sync journal {path} cannot be written ({reason}); this computer's history is"
        " still saved here, but the other devices do not get it until this is fixed."
    )


class HistorySync:
    """Mixed into History; relies on its ``_submit`` and calls ``_emit`` from the write actions."""

    _journal: Journal | None = None
    _events: list[Event]
    _warn: Warn | None = None

    if TYPE_CHECKING:

        def _submit(self, action: Callable[[sqlite3.Connection, set[int]], _T]) -> Future[_T]: ...

    def _emit(self, event: Event) -> None:
        if self._journal is not None:
            self._events.append(event)

    def _flush_events(self, conn: sqlite3.Connection, committed: bool) -> None:
        """After a transaction (writer thread): its events go to the journal, or are dropped (rollback)."""
        events, self._events = self._events, []
        journal = self._journal
        if not committed or journal is None or not events:
            return
        try:
            journal.append(events)
        except OSError as exc:
            self._journal_failed(conn, journal, exc)

    def _journal_failed(self, conn: sqlite3.Connection, journal: Journal, exc: BaseException) -> None:
        # Lines may be missing now: the next attach writes the whole history again (a union: no doubles).
        with contextlib.suppress(sqlite3.Error):
            conn.execute("DELETE FROM sync_meta WHERE key = ?", (SEEDED_KEY,))
        if self._warn is not None:
            self._warn(journal_problem(journal.path, exc))

    def submit_attach_journal(self, sync_dir: Path, data_dir: Path, warn: Warn | None = None) -> Future[None]:
        """Start writing this device's journal in `sync_dir` (SyncFolderError now for a folder the guards
        refuse). The first time for this folder, the whole history of this device is written to it."""
        folder = check_folders(sync_dir, data_dir)

        def attach(conn: sqlite3.Connection, touched: set[int]) -> None:
            self._warn = warn
            journal = Journal(folder, devices.local_device(conn))
            row = conn.execute("SELECT value FROM sync_meta WHERE key = ?", (SEEDED_KEY,)).fetchone()
            self._journal = journal
            ends = sync_events.cut_short_ends(conn)  # sessions an open ended, when no journal was attached
            seeded = row is not None and row[0] == str(folder) and journal.exists()
            try:
                journal.append(ends if seeded else list(sync_events.own_history(conn)))  # that has them
            except OSError as exc:
                self._journal_failed(conn, journal, exc)
                return
            if seeded:
                return
            conn.execute(
                "INSERT INTO sync_meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (SEEDED_KEY, str(folder)),
            )

        return self._submit(attach)

    def submit_detach_journal(self) -> Future[None]:
        def detach(conn: sqlite3.Connection, touched: set[int]) -> None:
            self._journal = None

        return self._submit(detach)

    def submit_merge(self, sync_dir: Path, progress: Progress | None = None) -> Future[MergeResult]:
        """Merge every other device's journal in `sync_dir` (one transaction, on the writer thread)."""

        def run(conn: sqlite3.Connection, touched: set[int]) -> MergeResult:
            result = merge(conn, Path(sync_dir), progress=progress)
            touched |= result.touched
            return result

        return self._submit(run)

    def submit_delete_session(self, session_id: int, deleted_utc: str) -> Future[None]:
        """Delete a session (its holds and check-ins with it) and keep its tombstone, which the journal
        carries to the other devices so it is deleted there too. A session already gone (a tombstone merged
        from another device while the history window held this deletion back) is left gone: nothing to do."""

        def delete(conn: sqlite3.Connection, touched: set[int]) -> None:
            if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
                return
            uuid, _device = sync_events.session_uuid(conn, session_id)
            own = devices.local_device(conn)
            conn.execute(
                "INSERT INTO deleted_sessions (uuid, device, deleted_utc) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (uuid, own, deleted_utc),
            )
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            touched.add(session_id)
            self._emit(sync_events.tombstone_event(uuid, own, deleted_utc))

        return self._submit(delete)

    def submit_import(self, events: list[Event]) -> Future[int]:
        """Apply events (an export, turned into events by :mod:`.import_export`): all of them or, on the
        first bad one, nothing (ValueError names it). Returns the count of new sessions."""

        def run(conn: sqlite3.Connection, touched: set[int]) -> int:
            applier = Applier(conn)
            try:
                for event in events:
                    applier.apply(event)
                applier.retry_pending()
            except BadEventError as exc:
                raise ValueError(str(exc)) from exc
            touched |= applier.touched
            for event in events:  # so the other devices get them too (a union: no doubles)
                self._emit(event)
            return applier.new_sessions

        return self._submit(run)
