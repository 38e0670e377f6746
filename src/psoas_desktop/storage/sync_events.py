"""The journal events of local changes, built from the rows just written (on the writer thread), and the
whole history of this device as events ("joining late": written once when sync is first switched on)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from psoas_desktop.storage import devices
from psoas_desktop.storage.journal import Event

_SESSION_SQL = (
    "SELECT uuid, device, routine, level, started_utc, utc_offset_seconds, routine_name, routine_hash,"
    " dose_hash, status, ended_utc, id FROM sessions"
)
_HOLD_SQL = (
    "SELECT exercise, side, set_number, rep, planned_seconds, actual_seconds, started_utc, utc_offset_seconds,"
    " status, phase_index FROM entries"
)
_HOLD_KEYS = (
    "exercise",
    "side",
    "set_number",
    "rep",
    "planned_seconds",
    "actual_seconds",
    "started_utc",
    "utc_offset_seconds",
    "status",
    "phase_index",
)


def device_event(conn: sqlite3.Connection) -> Event:
    own = devices.local_device(conn)
    (name,) = conn.execute("SELECT name FROM devices WHERE id = ?", (own,)).fetchone()
    return {"type": "device", "device": own, "id": own, "name": name}


def _session(row: tuple[object, ...]) -> Event:
    keys = ("uuid", "device", "routine", "level", "started_utc", "utc_offset_seconds", "routine_name")
    event: Event = {"type": "session", **dict(zip(keys, row[:7], strict=True))}
    event["routine_hash"], event["dose_hash"] = row[7], row[8]
    return event


def session_event(conn: sqlite3.Connection, session_id: int) -> Event:
    return _session(conn.execute(_SESSION_SQL + " WHERE id = ?", (session_id,)).fetchone())


def session_uuid(conn: sqlite3.Connection, session_id: int) -> tuple[str, str]:
    uuid, device = conn.execute("SELECT uuid, device FROM sessions WHERE id = ?", (session_id,)).fetchone()
    return str(uuid), str(device)


def hold_event(session: str, device: str, row: tuple[object, ...]) -> Event:
    return {"type": "hold", "device": device, "session": session, **dict(zip(_HOLD_KEYS, row, strict=True))}


def end_event(session: str, device: str, status: str, ended_utc: str) -> Event:
    return {"type": "end", "device": device, "session": session, "status": status, "ended_utc": ended_utc}


def checkin_event(conn: sqlite3.Connection, checkin_uuid: str) -> Event:
    row = conn.execute(
        "SELECT c.uuid, c.device, s.uuid, c.side, c.tightness, c.note, c.created_utc FROM checkins c"
        " JOIN sessions s ON s.id = c.session_id WHERE c.uuid = ?",
        (checkin_uuid,),
    ).fetchone()
    keys = ("uuid", "device", "session", "side", "tightness", "note", "created_utc")
    return {"type": "checkin", **dict(zip(keys, row, strict=True))}


def tombstone_event(session: str, device: str, deleted_utc: str) -> Event:
    return {"type": "tombstone", "device": device, "session": session, "deleted_utc": deleted_utc}


def own_history(conn: sqlite3.Connection) -> Iterator[Event]:
    """Everything this device made, as the events that made it, oldest session first."""
    own = devices.local_device(conn)
    yield device_event(conn)
    sessions = conn.execute(_SESSION_SQL + " WHERE device = ? ORDER BY started_utc", (own,)).fetchall()
    for row in sessions:
        yield _session(row)
        uuid = str(row[0])
        for hold in conn.execute(_HOLD_SQL + " WHERE session_id = ? ORDER BY started_utc", (row[11],)):
            yield hold_event(uuid, own, hold)
        if row[9] != "running":
            yield end_event(uuid, own, str(row[9]), str(row[10]))
    checkins = conn.execute(
        "SELECT uuid FROM checkins WHERE device = ? ORDER BY created_utc", (own,)
    ).fetchall()
    for (checkin,) in checkins:
        yield checkin_event(conn, str(checkin))
    for uuid, deleted in conn.execute(
        "SELECT uuid, deleted_utc FROM deleted_sessions WHERE device = ?", (own,)
    ):
        yield tombstone_event(str(uuid), own, str(deleted))
