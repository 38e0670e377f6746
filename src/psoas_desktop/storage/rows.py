"""What the history's reads return: plain frozen rows, and the session summaries built from SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

from psoas_desktop.core.stats import SessionSummary
from psoas_desktop.storage.schema import parse_utc

RUNNING = "running"
COMPLETED = "completed"
INTERRUPTED = "interrupted"


def planned_sql(sessions_where: str = "") -> str:
    """(session_id, planned seconds of the holds it reached: core.stats.SessionSummary.planned_hold_seconds)
    for the sessions that did not complete; ``sessions_where`` ("AND ...", on sessions) narrows them.

    A restarted attempt is not planned time twice. Completed sessions are left out: the counting rule needs
    no plan for them, and they hold most of the ~550,000 holds of ten years.
    """
    return (
        "SELECT session_id, total(planned_seconds) FROM entries WHERE status != 'restarted'"
        f" AND session_id IN (SELECT id FROM sessions WHERE status != 'completed'{sessions_where})"
        " GROUP BY session_id"
    )


SESSION_COLUMNS = (
    "id, routine, level, started_utc, utc_offset_seconds, ended_utc, status, routine_name, routine_hash,"
    " uuid, device, dose_hash"
)
"""The columns :func:`session_row` and :func:`summaries_from` read, in their order."""


@dataclass(frozen=True)
class RoutineAsRun:
    """What a session keeps of its routine as it ran: its name, its content fingerprint and its dosage's
    (see core.routine_file); None for what is not known."""

    name: str | None = None
    content_hash: str | None = None
    dose_hash: str | None = None

    def columns(self) -> tuple[str | None, str | None, str | None]:
        return (self.name, self.content_hash, self.dose_hash)


@dataclass(frozen=True)
class SessionRow:
    id: int
    routine: str
    level: str
    started_utc: datetime
    utc_offset_seconds: int
    ended_utc: datetime | None
    status: str
    routine_name: str | None = None
    """The routine's name when the session ran (None: a built-in, before names were kept)."""
    routine_hash: str | None = None
    uuid: str | None = None
    device: str | None = None
    dose_hash: str | None = None
    """The fingerprint of the dosage it ran with (a routine's progression counts sessions by it)."""

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
    uuid: str | None = None
    device: str | None = None  # the device that checked in (not always its session's)


def load_summaries(conn: sqlite3.Connection, session_ids: Sequence[int] | None) -> list[SessionSummary]:
    """Summaries of the given sessions (None: all), in no particular order."""
    where, params = "", tuple(session_ids or ())
    if session_ids is not None:
        where = f" IN ({', '.join('?' * len(session_ids))})"
    sessions = conn.execute(
        f"SELECT {SESSION_COLUMNS} FROM sessions" + (f" WHERE id{where}" if where else ""),
        params,
    ).fetchall()
    totals = conn.execute(
        "SELECT session_id, exercise, seconds FROM session_totals"
        + (f" WHERE session_id{where}" if where else ""),
        params,
    )
    planned = conn.execute(planned_sql(f" AND id{where}" if where else ""), params)
    checkins = conn.execute(
        "SELECT session_id, side, tightness FROM checkins"
        + (f" WHERE session_id{where}" if where else "")
        + " ORDER BY session_id, created_utc, id",
        params,
    )
    return summaries_from(sessions, totals, planned, checkins)


def summaries_from(
    sessions: Iterable[Sequence[Any]],
    totals: Iterable[Sequence[Any]],
    planned: Iterable[Sequence[Any]],
    checkins: Iterable[Sequence[Any]],
) -> list[SessionSummary]:
    """Summaries from the rows of four queries: sessions (:data:`SESSION_COLUMNS`), their totals
    (session_id, exercise, seconds), their planned
    hold seconds (session_id, seconds: :func:`planned_sql`) and their check-ins (session_id, side,
    tightness) in time order, so the latest check-in of a side wins."""
    per_session: dict[int, dict[str, float]] = {}
    for session_id, exercise, seconds in totals:
        per_session.setdefault(session_id, {})[exercise] = seconds
    planned_seconds: dict[int, float] = dict(planned)  # type: ignore[arg-type]
    tightness: dict[int, list[int | None]] = {}
    for session_id, side, value in checkins:
        pair = tightness.setdefault(session_id, [None, None])
        if side in (None, "left"):
            pair[0] = value
        if side in (None, "right"):
            pair[1] = value
    zones: dict[int, timezone] = {}
    result = []
    for session_id, routine, level, started, offset, ended, status, routine_name, *rest in sessions:
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
                routine_name=routine_name,
                level=level,
                hold_seconds=sum(exercises.values()),
                planned_hold_seconds=None if status == COMPLETED else planned_seconds.get(session_id, 0.0),
                exercise_seconds=MappingProxyType(exercises),  # shared from the cache: read-only
                tightness_left=left,
                tightness_right=right,
                ended=None if ended is None else datetime.fromisoformat(ended),  # stored in UTC
                device=rest[2],  # after routine_hash and uuid
            )
        )
    return result


def session_row(row: Sequence[Any]) -> SessionRow:
    return SessionRow(
        id=row[0],
        routine=row[1],
        level=row[2],
        started_utc=parse_utc(row[3]),
        utc_offset_seconds=row[4],
        ended_utc=None if row[5] is None else parse_utc(row[5]),
        status=row[6],
        routine_name=row[7],
        routine_hash=row[8],
        uuid=row[9],
        device=row[10],
        dose_hash=row[11],
    )


def entry_row(row: Sequence[Any]) -> EntryRow:
    return EntryRow(
        session_id=row[0],
        exercise=row[1],
        side=row[2],
        set_number=row[3],
        rep=row[4],
        planned_seconds=row[5],
        actual_seconds=row[6],
        started_utc=parse_utc(row[7]),
        utc_offset_seconds=row[8],
        status=row[9],
        phase_index=row[10],
    )


@dataclass(frozen=True)
class CutShort:
    """A session whose writer went away before it ended (crash, power loss, kill)."""

    ended_utc: datetime
    """When its last recorded hold ended (its start when it has none): all that is known to have happened."""
    finished_holds: int


def cut_short(conn: sqlite3.Connection, session_id: int, started_utc: datetime) -> CutShort:
    ends = [started_utc]
    finished = 0
    for started, seconds, status in conn.execute(
        "SELECT started_utc, actual_seconds, status FROM entries WHERE session_id = ?", (session_id,)
    ):
        ends.append(parse_utc(started) + timedelta(seconds=seconds))
        finished += status == "completed"
    return CutShort(max(ends), finished)


def as_interrupted_sessions(conn: sqlite3.Connection, rows: list[SessionRow]) -> list[SessionRow]:
    """The rows as a reader shows them once their writer is gone: 'running' ones ended as interrupted."""
    return [
        replace(row, status=INTERRUPTED, ended_utc=cut_short(conn, row.id, row.started_utc).ended_utc)
        if row.status == RUNNING
        else row
        for row in rows
    ]


def as_interrupted_summaries(
    conn: sqlite3.Connection, summaries: list[SessionSummary]
) -> list[SessionSummary]:
    """The summaries as a reader shows them once their writer is gone (see as_interrupted_sessions)."""
    return [
        replace(
            summary,
            status=INTERRUPTED,
            ended=cut_short(conn, summary.session_id, summary.started.astimezone(UTC)).ended_utc,
        )
        if summary.status == RUNNING
        else summary
        for summary in summaries
    ]
