"""The history window's reads: light columns of every session and whole summaries of the recent ones only.

Ten years of heavy use are ≈18,000 sessions. Building a :class:`SessionSummary` for each (what
``History.summaries()`` does, cold) took most of the window's first open; the weekly figures and the
heatmap only need each session's start, whether it counts toward the goal and whether it is shown, which one
query and the core's counting rule (``stats.counts_toward_goal``, applied here in Python, not rewritten in
SQL) turn into three columns. Whole summaries are built only for the
sessions of the selected range.

When the History's summaries cache is already filled (the app's idle-time prewarm fills it), the snapshot is
made from it with no query at all. Otherwise each read takes a read-only connection of its own from the
History's readers' pool, in the calling thread
(the window's worker), so it never waits for the writer thread (WAL lets it read while the app writes); one
transaction makes the columns and the summaries one consistent snapshot. Where a query fails it falls back
to ``History.summaries()``.
"""

from __future__ import annotations

import sqlite3
from concurrent.futures import Future
from datetime import datetime
from itertools import takewhile

from psoas_desktop.core.history_summary import (
    HistorySnapshot,
    KnownDevice,
    SessionColumns,
    snapshot_of,
    utc_key,
)
from psoas_desktop.core.stats import SessionSummary, counts_toward_goal, is_shown
from psoas_desktop.storage import devices
from psoas_desktop.storage.history import History
from psoas_desktop.storage.rows import SESSION_COLUMNS, planned_sql, summaries_from
from psoas_desktop.storage.schema import HistoryError, require_aware, utc_text

# The counting rule's inputs for every session in start order: its start as stored (fixed-width UTC text,
# the core's utc_key), its status, its finished hold seconds and the planned seconds of the holds it reached
# (as rows.planned_sql). The rule needs neither sum for a completed session, only whether it has a finished
# hold (1 or 0 stands for its seconds): the sums are looked up for the few sessions that did not complete.
# Then its id and device, for the window's deletions and device filter.
_COLUMNS_SQL = """
SELECT started_utc, status,
       CASE WHEN status = 'completed'
            THEN EXISTS (SELECT 1 FROM session_totals AS t WHERE t.session_id = sessions.id AND t.seconds > 0)
            ELSE (SELECT total(t.seconds) FROM session_totals AS t WHERE t.session_id = sessions.id) END,
       CASE WHEN status = 'completed' THEN NULL
            ELSE (SELECT total(e.planned_seconds) FROM entries AS e
                  WHERE e.session_id = sessions.id AND e.status != 'restarted') END,
       id, device
FROM sessions ORDER BY started_utc
"""
_SESSIONS_SQL = f"SELECT {SESSION_COLUMNS} FROM sessions WHERE started_utc >= ?"
_TOTALS_SQL = (
    "SELECT t.session_id, t.exercise, t.seconds FROM session_totals AS t"
    " JOIN sessions AS s ON s.id = t.session_id WHERE s.started_utc >= ?"
)
# Through the sessions' index, then checkins_by_session: a join would scan every check-in ever made.
_PLANNED_SQL = planned_sql(" AND started_utc >= ?")
_CHECKINS_SQL = (
    "SELECT session_id, side, tightness FROM checkins"
    " WHERE session_id IN (SELECT id FROM sessions WHERE started_utc >= ?)"
    " ORDER BY session_id, created_utc, id"
)


class WindowReads:
    """A :class:`~psoas_desktop.core.history_summary.SnapshotSource` over a :class:`History`."""

    def __init__(self, history: History) -> None:
        self.history = history

    def summaries(self) -> list[SessionSummary]:
        return self.history.summaries()

    def snapshot(self, since: datetime) -> HistorySnapshot:
        """Every session as columns, and whole summaries of those started at or after ``since``."""
        if since.utcoffset() is None:
            raise ValueError(f"since must be timezone-aware: {since!r}")
        cached = self.history.cached_snapshot()
        if cached is not None:
            summaries, columns = cached  # newest first: the range is a prefix
            recent = tuple(takewhile(lambda s: s.started >= since, summaries))
            return HistorySnapshot(columns, recent, since, self._devices())
        try:
            with self.history.reading() as conn:
                if conn is not None:
                    return read_snapshot(conn, since)
        except (sqlite3.Error, HistoryError):
            pass
        return snapshot_of(self.history.summaries())

    def _devices(self) -> tuple[KnownDevice, ...]:
        try:
            with self.history.reading() as conn:
                return () if conn is None else known_devices(conn)
        except (sqlite3.Error, HistoryError):
            return ()  # no names and no filter, but the sessions are still shown

    @property
    def can_delete(self) -> bool:
        """Whether a deletion can be saved (not in a history opened read-only)."""
        return not self.history.read_only

    def submit_delete(self, session_id: int, deleted: datetime) -> Future[None]:
        """Delete the session for good, on every device (a tombstone): see History.submit_delete_session."""
        require_aware(deleted, "deleted")
        return self.history.submit_delete_session(session_id, utc_text(deleted))


def read_snapshot(conn: sqlite3.Connection, since: datetime) -> HistorySnapshot:
    """The columns of every session and the summaries since ``since`` (aware), read through ``conn``."""
    if since.utcoffset() is None:
        raise ValueError(f"since must be timezone-aware: {since!r}")
    rows = conn.execute(_COLUMNS_SQL).fetchall()
    columns = SessionColumns(
        started=[datetime.fromisoformat(row[0]) for row in rows],  # stored in UTC
        counted=[counts_toward_goal(status, done, planned) for _, status, done, planned, _, _ in rows],
        shown=[is_shown(row[2]) for row in rows],
        session_ids=[row[4] for row in rows],
        devices=[row[5] for row in rows],
    )
    return HistorySnapshot(columns, tuple(_summaries_since(conn, since)), since, known_devices(conn))


def known_devices(conn: sqlite3.Connection) -> tuple[KnownDevice, ...]:
    """The devices of the history (this one first, then by name), for the window's filter and colours."""
    return tuple(KnownDevice(d.id, d.name, d.local) for d in devices.list_devices(conn))


def _summaries_since(conn: sqlite3.Connection, since: datetime) -> list[SessionSummary]:
    """As ``History.summaries()``, for the sessions started at or after ``since``, in no order."""
    key = (utc_key(since),)  # as the starts are stored
    return summaries_from(
        conn.execute(_SESSIONS_SQL, key),
        conn.execute(_TOTALS_SQL, key),
        conn.execute(_PLANNED_SQL, key),
        conn.execute(_CHECKINS_SQL, key),
    )
