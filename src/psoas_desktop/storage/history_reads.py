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
from datetime import datetime
from itertools import takewhile

from psoas_desktop.core.history_summary import (
    HistorySnapshot,
    SessionColumns,
    snapshot_of,
    utc_key,
)
from psoas_desktop.core.stats import SessionSummary, counts_toward_goal, is_shown
from psoas_desktop.storage.history import History
from psoas_desktop.storage.rows import SESSION_COLUMNS, planned_sql, summaries_from
from psoas_desktop.storage.schema import HistoryError

# The counting rule's inputs for every session in start order: its start as stored (fixed-width UTC text,
# the core's utc_key), its status, its finished hold seconds and the planned seconds of the holds it reached
# (as rows.planned_sql). The rule needs neither sum for a completed session, only whether it has a finished
# hold (1 or 0 stands for its seconds): the sums are looked up for the few sessions that did not complete.
_COLUMNS_SQL = """
SELECT started_utc, status,
       CASE WHEN status = 'completed'
            THEN EXISTS (SELECT 1 FROM session_totals AS t WHERE t.session_id = sessions.id AND t.seconds > 0)
            ELSE (SELECT total(t.seconds) FROM session_totals AS t WHERE t.session_id = sessions.id) END,
       CASE WHEN status = 'completed' THEN NULL
            ELSE (SELECT total(e.planned_seconds) FROM entries AS e
                  WHERE e.session_id = sessions.id AND e.status != 'restarted') END
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
            return HistorySnapshot(columns, tuple(takewhile(lambda s: s.started >= since, summaries)), since)
        try:
            with self.history.reading() as conn:
                if conn is not None:
                    return read_snapshot(conn, since)
        except (sqlite3.Error, HistoryError):
            pass
        return snapshot_of(self.history.summaries())


def read_snapshot(conn: sqlite3.Connection, since: datetime) -> HistorySnapshot:
    """The columns of every session and the summaries since ``since`` (aware), read through ``conn``."""
    if since.utcoffset() is None:
        raise ValueError(f"since must be timezone-aware: {since!r}")
    rows = conn.execute(_COLUMNS_SQL).fetchall()
    columns = SessionColumns(
        started=[datetime.fromisoformat(started) for started, _, _, _ in rows],  # stored in UTC
        counted=[counts_toward_goal(status, done, planned) for _, status, done, planned in rows],
        shown=[is_shown(done) for _, _, done, _ in rows],
    )
    return HistorySnapshot(columns, tuple(_summaries_since(conn, since)), since)


def _summaries_since(conn: sqlite3.Connection, since: datetime) -> list[SessionSummary]:
    """As ``History.summaries()``, for the sessions started at or after ``since``, in no order."""
    key = (utc_key(since),)  # as the starts are stored
    return summaries_from(
        conn.execute(_SESSIONS_SQL, key),
        conn.execute(_TOTALS_SQL, key),
        conn.execute(_PLANNED_SQL, key),
        conn.execute(_CHECKINS_SQL, key),
    )
