"""Reading the history: read-only connections of its own, one per concurrent reader, and the summaries cache.

The history window's worker, the prewarm thread and the CLI each read on a connection of their own (taken
from a small pool and given back), never on the writer's: in WAL mode a long read neither waits for a
write nor holds one back. Connections are made lazily; the pool grows to the number of readers that ever
ran at once (one or two in the app).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from psoas_desktop.core.history_summary import SessionColumns
from psoas_desktop.core.stats import SessionSummary
from psoas_desktop.storage import schema
from psoas_desktop.storage.rows import (
    SESSION_COLUMNS,
    CheckinRow,
    EntryRow,
    SessionRow,
    as_interrupted_sessions,
    as_interrupted_summaries,
    entry_row,
    load_summaries,
    session_row,
)
from psoas_desktop.storage.schema import HistoryError, parse_utc

# Through sessions_by_routine: the latest session run with another dosage marks where the count starts.
_COMPLETED_WITH_DOSE_SQL = """
SELECT count(*) FROM sessions
WHERE routine = ? AND dose_hash = ? AND status = 'completed'
  AND started_utc > coalesce(
      (SELECT max(started_utc) FROM sessions WHERE routine = ? AND dose_hash IS NOT ?), '')
"""


class HistoryReader:
    """The read side of a History (thread-safe: each call takes a connection of its own)."""

    def __init__(
        self,
        path: Path,
        mode: str | None,
        *,
        first: sqlite3.Connection | None,
        others_write: bool,
        writer_gone: bool = False,
    ) -> None:
        """`mode`: how to connect ('ro', or 'immutable' in a read-only folder); None: nothing to read.
        `first`: an open connection to start the pool with. `others_write`: another process may change the
        file (a read-only History), so the cache checks PRAGMA data_version; otherwise it relies on
        :meth:`changed`, which the writer calls after each COMMIT. `writer_gone`: no app holds the file's
        writer lock, so a session still marked running was cut short and is shown as interrupted."""
        self.path = path
        self._mode = mode
        self._idle: list[sqlite3.Connection] = [] if first is None else [first]
        self._pool_lock = threading.Lock()
        self._closed = False
        self._others_write = others_write
        self._writer_gone = writer_gone
        self._cache_lock = threading.Lock()
        self._summaries: dict[int, SessionSummary] | None = None
        self._summaries_ordered: list[SessionSummary] = []
        self._positions: dict[int, int] = {}
        # The history window's columns of the cached summaries, oldest first (kept with the cache, so that
        # a window opened after the prewarm does no Python work per session): starts, counted, shown, ids
        # and devices.
        self._columns: tuple[list[datetime], list[bool], list[bool], list[int], list[str | None]] = (
            [],
            [],
            [],
            [],
            [],
        )
        self._cache_key: tuple[sqlite3.Connection, int] | None = None
        self._changed: set[int] = set()
        self._changed_lock = threading.Lock()  # the writer's only lock here: held for a set update, no read

    def changed(self, session_ids: Iterable[int]) -> None:
        """The writer committed changes to these sessions: summaries() re-reads them."""
        with self._changed_lock:
            self._changed.update(session_ids)

    def _take(self) -> sqlite3.Connection | None:
        with self._pool_lock:
            if self._closed or self._mode is None:
                return None
            if self._idle:
                return self._idle.pop()
            mode = self._mode
        try:
            return schema.connect(self.path, mode=mode)
        except sqlite3.Error as exc:
            raise HistoryError(f"The history cannot be read: {exc}.") from exc

    def _give_back(self, conn: sqlite3.Connection) -> None:
        with self._pool_lock:
            if not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection | None]:
        """A read-only connection of the caller's own, in one read transaction (one consistent snapshot from
        the first query on); None when there is nothing to read (no file, or closed)."""
        conn = self._take()
        if conn is None:
            yield None
            return
        try:
            try:
                conn.execute("BEGIN")
            except sqlite3.Error as exc:
                raise HistoryError(f"The history cannot be read: {exc}.") from exc
            try:
                yield conn
            except sqlite3.Error as exc:
                raise HistoryError(f"The history cannot be read: {exc}.") from exc
            finally:
                schema.rollback(conn)
        finally:
            self._give_back(conn)

    def sessions(self) -> list[SessionRow]:
        """Every session, newest first."""
        with self.snapshot() as conn:
            if conn is None:
                return []
            rows = conn.execute(
                f"SELECT {SESSION_COLUMNS} FROM sessions ORDER BY started_utc DESC, id DESC"
            ).fetchall()
            sessions = [session_row(row) for row in rows]
            return as_interrupted_sessions(conn, sessions) if self._writer_gone else sessions

    def entries(self, session_id: int) -> list[EntryRow]:
        """The session's holds in the order they happened."""
        with self.snapshot() as conn:
            if conn is None:
                return []
            rows = conn.execute(
                "SELECT session_id, exercise, side, set_number, rep, planned_seconds, actual_seconds,"
                " started_utc, utc_offset_seconds, status, phase_index FROM entries WHERE session_id = ?"
                " ORDER BY started_utc, phase_index",
                (session_id,),
            ).fetchall()
        return [entry_row(row) for row in rows]

    def checkins(self, session_id: int | None = None) -> list[CheckinRow]:
        """Check-ins (of one session, or all), oldest first."""
        with self.snapshot() as conn:
            if conn is None:
                return []
            sql = "SELECT id, session_id, side, tightness, note, created_utc, uuid, device FROM checkins"
            params: Sequence[Any] = ()
            if session_id is not None:
                sql += " WHERE session_id = ?"
                params = (session_id,)
            rows = conn.execute(sql + " ORDER BY created_utc, id", params).fetchall()
        return [CheckinRow(r[0], r[1], r[2], r[3], r[4], parse_utc(r[5]), r[6], r[7]) for r in rows]

    def all_entries(self) -> dict[int, list[EntryRow]]:
        """Every entry grouped by session id (for export), each list in the order it happened."""
        grouped: dict[int, list[EntryRow]] = {}
        with self.snapshot() as conn:
            if conn is None:
                return grouped
            for row in conn.execute(
                "SELECT session_id, exercise, side, set_number, rep, planned_seconds, actual_seconds,"
                " started_utc, utc_offset_seconds, status, phase_index FROM entries"
                " ORDER BY session_id, started_utc, phase_index"
            ):
                grouped.setdefault(row[0], []).append(entry_row(row))
        return grouped

    def completed_with_dose(self, routine: str, dose_hash: str) -> int:
        with self.snapshot() as conn:
            if conn is None:
                return 0
            row = conn.execute(_COMPLETED_WITH_DOSE_SQL, (routine, dose_hash, routine, dose_hash)).fetchone()
            return int(row[0])

    def summaries(self) -> list[SessionSummary]:
        """One summary per session, newest first.

        Totals per session and exercise are kept in SQL by triggers; the summaries are cached and only the
        sessions changed since are re-read. The writer reports a session as changed only after its COMMIT,
        and the changed set is taken before this read's first query (which is when its snapshot begins):
        a change taken is in this snapshot, a later one is re-read next time, none is lost. The writer only
        ever waits for that small swap, never for a read (``_cache_lock`` serialises the readers alone).
        """
        return self._read(with_columns=False)[0]

    def cached_snapshot(self) -> tuple[list[SessionSummary], SessionColumns] | None:
        """:meth:`summaries` and their columns (``core.history_summary.columns_of``, kept with the cache)
        once the cache is filled (a few changed sessions to re-read at most); None before, so that a caller
        with a cheaper read of its own does not pay for filling it."""
        if self._summaries is None:
            return None
        summaries, columns = self._read(with_columns=True)
        assert columns is not None
        return summaries, columns

    def _read(self, *, with_columns: bool) -> tuple[list[SessionSummary], SessionColumns | None]:
        with self._cache_lock, self.snapshot() as conn:
            if conn is None:
                return [], SessionColumns([], [], [])
            with self._changed_lock:
                taken, self._changed = self._changed, set()
            try:
                summaries = self._refreshed(conn, taken)
            except BaseException:
                with self._changed_lock:  # not read after all: next time
                    self._changed |= taken
                raise
            if self._writer_gone:
                summaries = as_interrupted_summaries(conn, summaries)
            # Copies: the cache's own lists change with the next refresh, a snapshot must not.
            started, counted, shown, ids, devices = self._columns
            columns = (
                SessionColumns(list(started), list(counted), list(shown), list(ids), list(devices))
                if with_columns
                else None
            )
            return summaries, columns

    def _refreshed(self, conn: sqlite3.Connection, changed_ids: set[int]) -> list[SessionSummary]:
        """The cache brought up to this snapshot: whole (first time, or another writer's change), or only
        the sessions changed since the last read."""
        key = None
        if self._others_write:  # data_version is per connection: a cache is valid for its connection
            key = (conn, conn.execute("PRAGMA data_version").fetchone()[0])
        if self._summaries is None or key != self._cache_key:
            self._summaries = {s.session_id: s for s in load_summaries(conn, None)}
            self._cache_key = key
        elif changed_ids:
            changed = sorted(changed_ids)
            fresh = load_summaries(conn, changed)
            if len(fresh) == len(changed) and all(s.session_id in self._positions for s in fresh):
                _, counted, shown, _, _ = self._columns
                last = len(self._summaries_ordered) - 1
                for summary in fresh:  # a start never changes: each keeps its place
                    position = self._positions[summary.session_id]
                    self._summaries[summary.session_id] = summary
                    self._summaries_ordered[position] = summary
                    counted[last - position], shown[last - position] = summary.counted, summary.shown
                return list(self._summaries_ordered)
            for session_id in changed:
                self._summaries.pop(session_id, None)
            self._summaries.update((s.session_id, s) for s in fresh)
        else:
            return list(self._summaries_ordered)
        self._summaries_ordered = sorted(
            self._summaries.values(), key=lambda s: (s.started, s.session_id), reverse=True
        )
        self._positions = {s.session_id: i for i, s in enumerate(self._summaries_ordered)}
        oldest_first = self._summaries_ordered[::-1]
        self._columns = (
            [s.started for s in oldest_first],
            [s.counted for s in oldest_first],
            [s.shown for s in oldest_first],
            [s.session_id for s in oldest_first],
            [s.device for s in oldest_first],
        )
        return list(self._summaries_ordered)

    def close(self) -> None:
        """Close the idle connections now, the ones in use when they are given back."""
        with self._pool_lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
