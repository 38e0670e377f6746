"""The journal events of local changes, built from the rows just written (on the writer thread), and the
whole history of this device as events ("joining late": written once when sync is first switched on)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

from psoas_desktop.storage import devices
from psoas_desktop.storage.journal import Event

CUT_SHORT_KEY = "journal_cut_short"
"""sync_meta: the UUIDs of this device's sessions an open cut short (no journal is attached then), whose end
the next attach writes to the journal."""

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


def remember_cut_short(conn: sqlite3.Connection, uuids: list[str]) -> None:
    """In the open's transaction that ends them: the next attach journals these sessions' end."""
    row = conn.execute("SELECT value FROM sync_meta WHERE key = ?", (CUT_SHORT_KEY,)).fetchone()
    waiting = [] if row is None else list(json.loads(row[0]))
    conn.execute(
        "INSERT INTO sync_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (CUT_SHORT_KEY, json.dumps(list(dict.fromkeys(waiting + uuids)))),
    )


def cut_short_ends(conn: sqlite3.Connection) -> list[Event]:
    """The end events of the sessions cut short since the journal was last attached (taken: asked once)."""
    row = conn.execute("SELECT value FROM sync_meta WHERE key = ?", (CUT_SHORT_KEY,)).fetchone()
    if row is None:
        return []
    conn.execute("DELETE FROM sync_meta WHERE key = ?", (CUT_SHORT_KEY,))
    events = []
    for uuid in json.loads(row[0]):
        found = conn.execute(
            "SELECT device, status, ended_utc FROM sessions WHERE uuid = ?", (uuid,)
        ).fetchone()
        if found is not None and found[1] != "running":
            events.append(end_event(str(uuid), str(found[0]), str(found[1]), str(found[2])))
    return events
