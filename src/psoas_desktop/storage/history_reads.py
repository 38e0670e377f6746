"""The history window's reads: light columns of every session and whole summaries of the recent ones only.

Ten years of heavy use are ≈18,000 sessions. Building a :class:`SessionSummary` for each (what
``History.summaries()`` does, cold) took most of the window's first open; the weekly figures and the
heatmap only need each session's start, whether it was completed and whether holds were done, which one query
returns as three columns. Whole summaries are built only for the
sessions of the selected range.

Each read opens its own read-only connection in the calling thread (the window's worker), so it never
waits for the History's lock or the GUI thread's writes (WAL lets it read while the app writes); one
transaction makes the columns and the summaries one consistent snapshot. Where such a connection cannot
be had (a read-only data folder, a missing file) it falls back to ``History.summaries()``, which knows how
to read those.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime, timedelta, timezone
from types import MappingProxyType

from psoas_desktop.core.history_summary import HistorySnapshot, SessionColumns, snapshot_of, utc_key
from psoas_desktop.core.stats import SessionSummary
from psoas_desktop.storage.history import History

BUSY_TIMEOUT_SECONDS = 5.0

# Each start as stored (fixed-width UTC text, the core's utc_key), completed or not, and active: completed or
# with holds done (its hold total looked up only for the few sessions that were not completed).
_COLUMNS_SQL = """
SELECT started_utc,
       status = 'completed',
       CASE WHEN status = 'completed' THEN 1
            ELSE (SELECT total(t.seconds) FROM session_totals AS t WHERE t.session_id = sessions.id) > 0 END
FROM sessions ORDER BY started_utc
"""
_SESSIONS_SQL = (
    "SELECT id, routine, level, started_utc, utc_offset_seconds, ended_utc, status FROM sessions"
    " WHERE started_utc >= ?"
)
_TOTALS_SQL = (
    "SELECT t.session_id, t.exercise, t.seconds FROM session_totals AS t"
    " JOIN sessions AS s ON s.id = t.session_id WHERE s.started_utc >= ?"
)
# Through the sessions' index, then checkins_by_session: a join would scan every check-in ever made.
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
        try:
            conn = sqlite3.connect(
                f"{self.history.path.absolute().as_uri()}?mode=ro",
                uri=True,
                isolation_level=None,
                timeout=BUSY_TIMEOUT_SECONDS,
            )
        except sqlite3.Error:
            return snapshot_of(self.history.summaries())
        try:
            conn.execute("BEGIN")  # one snapshot for every query
            return read_snapshot(conn, since)
        except sqlite3.Error:
            return snapshot_of(self.history.summaries())
        finally:
            with contextlib.suppress(sqlite3.Error):
                conn.close()


def read_snapshot(conn: sqlite3.Connection, since: datetime) -> HistorySnapshot:
    """The columns of every session and the summaries since ``since`` (aware), read through ``conn``."""
    if since.utcoffset() is None:
        raise ValueError(f"since must be timezone-aware: {since!r}")
    rows = conn.execute(_COLUMNS_SQL).fetchall()
    started, completed, active = zip(*rows, strict=True) if rows else ((), (), ())
    columns = SessionColumns(started=started, completed=completed, active=active)
    return HistorySnapshot(columns, tuple(_summaries_since(conn, since)), since)


def _summaries_since(conn: sqlite3.Connection, since: datetime) -> list[SessionSummary]:
    """As ``History.summaries()``, for the sessions started at or after ``since``, in no order."""
    key = (utc_key(since),)  # as the starts are stored
    sessions = conn.execute(_SESSIONS_SQL, key).fetchall()
    per_session: dict[int, dict[str, float]] = {}
    for session_id, exercise, seconds in conn.execute(_TOTALS_SQL, key):
        per_session.setdefault(session_id, {})[exercise] = seconds
    tightness: dict[int, list[int | None]] = {}
    for session_id, side, value in conn.execute(_CHECKINS_SQL, key):  # in time order: the latest wins
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
                exercise_seconds=MappingProxyType(exercises),
                tightness_left=left,
                tightness_right=right,
                ended=None if ended is None else datetime.fromisoformat(ended),
            )
        )
    return result
