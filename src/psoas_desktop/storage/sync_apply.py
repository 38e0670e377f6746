"""Applying history events (from other devices' journals, or an imported export) to the local database:
a union by UUID, so applying an event twice, or events in another order, gives the same history.

* A session is added once (by its UUID), never after its tombstone.
* A hold is added once (its key is the table's), a check-in once (by its UUID).
* An end moves a session's status forward only (running → interrupted → stopped/completed), so an old end
  arriving after a newer one changes nothing.
* A tombstone deletes the session (with its holds and check-ins) and is kept, so the session never returns.

Events whose session is not known yet wait (``Applier.pending``) until it is.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from psoas_desktop.storage import devices
from psoas_desktop.storage.schema import parse_utc, utc_text

Event = dict[str, Any]

_RANK = {"running": 0, "interrupted": 1, "stopped": 2, "completed": 3}
_SIDES = (None, "left", "right")


class BadEventError(ValueError):
    """An event that cannot be applied (a field missing or of the wrong kind)."""


def _time(value: object) -> str:
    if not isinstance(value, str):
        raise BadEventError(f"not a time: {value!r}")
    try:
        moment = parse_utc(value)
    except ValueError as exc:
        raise BadEventError(f"not a time: {value!r}") from exc
    if moment.tzinfo is None:
        raise BadEventError(f"a time without its offset: {value!r}")
    return utc_text(moment)


def _text(event: Event, key: str, *, optional: bool = False) -> Any:
    value = event.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or (not value and not optional):
        raise BadEventError(f"{key!r} is not a text: {value!r}")
    return value


def _int(event: Event, key: str, *, optional: bool = False) -> Any:
    value = event.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadEventError(f"{key!r} is not a whole number: {value!r}")
    return value


def _number(event: Event, key: str) -> float:
    value = event.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadEventError(f"{key!r} is not a number: {value!r}")
    return float(value)


def _side(event: Event) -> str | None:
    side = event.get("side")
    if side is None:
        return None
    if side not in _SIDES:
        raise BadEventError(f"'side' is not left, right or null: {side!r}")
    return str(side)


@dataclass
class Applier:
    """Applies events on one connection inside the caller's transaction."""

    conn: sqlite3.Connection
    new_sessions: int = 0
    touched: set[int] = field(default_factory=set)
    pending: list[Event] = field(default_factory=list)
    names_from: str | None = None
    """The device whose own journal is being read: only its own device line renames it. Not a conflict
    copy (an older or side version, read after the journal itself), not another device's journal, not an
    import: their names may be older, and must not undo a newer one. They name devices not known yet."""
    _ids: dict[str, int] = field(default_factory=dict)
    _devices: set[str] = field(default_factory=set)

    def apply(self, event: Event) -> None:
        """Apply one event; BadEventError for one that cannot be (nothing of it is applied)."""
        kind = event.get("type")
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise BadEventError(f"unknown event type {kind!r}")
        try:
            handler(self, event)
        except sqlite3.IntegrityError as exc:  # a CHECK: a value out of range
            raise BadEventError(str(exc)) from exc

    def retry_pending(self) -> None:
        waiting, self.pending = self.pending, []
        for event in waiting:
            self.apply(event)

    # -- lookups ------------------------------------------------------------------------------------------

    def session_id(self, uuid: str) -> int | None:
        found = self._ids.get(uuid)
        if found is None:
            row = self.conn.execute("SELECT id FROM sessions WHERE uuid = ?", (uuid,)).fetchone()
            if row is not None:
                found = self._ids[uuid] = int(row[0])
        return found

    def _deleted(self, uuid: str) -> bool:
        return (
            self.conn.execute("SELECT 1 FROM deleted_sessions WHERE uuid = ?", (uuid,)).fetchone() is not None
        )

    def _known_device(self, device: str) -> None:
        if device not in self._devices:
            # A placeholder name until the device's own line names it.
            self.conn.execute(
                "INSERT INTO devices (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
                (device, device[:8]),
            )
            self._devices.add(device)

    def _session_of(self, event: Event) -> int | None:
        """The local id of the event's session; None when it waits (unknown yet) or was deleted."""
        uuid = _text(event, "session")
        found = self.session_id(uuid)
        if found is None and not self._deleted(uuid):
            self.pending.append(event)
        return found

    # -- the events ---------------------------------------------------------------------------------------

    def device(self, event: Event) -> None:
        try:
            device = _text(event, "id")
            devices.remember(self.conn, device, _text(event, "name"), rename=device == self.names_from)
        except ValueError as exc:
            raise BadEventError(str(exc)) from exc
        self._devices.add(event["id"])

    def session(self, event: Event) -> None:
        uuid = _text(event, "uuid")
        device = _text(event, "device")
        row = (
            _text(event, "routine"),
            _text(event, "level"),
            _time(event.get("started_utc")),
            _int(event, "utc_offset_seconds"),
            _text(event, "routine_name", optional=True),
            _text(event, "routine_hash", optional=True),
            _text(event, "dose_hash", optional=True),
            uuid,
            device,
        )
        if self.session_id(uuid) is not None or self._deleted(uuid):
            return
        self._known_device(device)
        cursor = self.conn.execute(
            "INSERT INTO sessions (routine, level, started_utc, utc_offset_seconds, status, routine_name,"
            " routine_hash, dose_hash, uuid, device) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)",
            row,
        )
        assert cursor.lastrowid is not None
        self._ids[uuid] = cursor.lastrowid
        self.touched.add(cursor.lastrowid)
        self.new_sessions += 1

    def hold(self, event: Event) -> None:
        row = (
            _text(event, "exercise"),
            _side(event),
            _int(event, "set_number"),
            _int(event, "rep", optional=True),
            _number(event, "planned_seconds"),
            _number(event, "actual_seconds"),
            _time(event.get("started_utc")),
            _int(event, "utc_offset_seconds"),
            _text(event, "status"),
            _int(event, "phase_index"),
        )
        session_id = self._session_of(event)
        if session_id is None:
            return
        cursor = self.conn.execute(
            "INSERT INTO entries (session_id, exercise, side, set_number, rep, planned_seconds, actual_seconds,"
            " started_utc, utc_offset_seconds, status, phase_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (session_id, phase_index, started_utc) DO NOTHING",
            (session_id, *row),
        )
        if cursor.rowcount:
            self.touched.add(session_id)

    def end(self, event: Event) -> None:
        status = _text(event, "status")
        if _RANK.get(status, 0) == 0:
            raise BadEventError(f"a session does not end {status!r}")
        ended = _time(event.get("ended_utc"))
        session_id = self._session_of(event)
        if session_id is None:
            return
        (current,) = self.conn.execute("SELECT status FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if _RANK[status] > _RANK.get(current, 0):
            self.conn.execute(
                "UPDATE sessions SET status = ?, ended_utc = ? WHERE id = ?", (status, ended, session_id)
            )
            self.touched.add(session_id)

    def checkin(self, event: Event) -> None:
        uuid = _text(event, "uuid")
        device = _text(event, "device")
        row = (
            _side(event),
            _int(event, "tightness"),
            _text(event, "note", optional=True) or "",
            _time(event.get("created_utc")),
            uuid,
            device,
        )
        session_id = self._session_of(event)
        if session_id is None:
            return
        self._known_device(device)
        cursor = self.conn.execute(
            "INSERT INTO checkins (session_id, side, tightness, note, created_utc, uuid, device)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uuid) DO NOTHING",
            (session_id, *row),
        )
        if cursor.rowcount:
            self.touched.add(session_id)

    def tombstone(self, event: Event) -> None:
        uuid = _text(event, "session")
        deleted = _time(event.get("deleted_utc"))
        device = _text(event, "device")
        self.conn.execute(
            "INSERT INTO deleted_sessions (uuid, device, deleted_utc) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (uuid, device, deleted),
        )
        session_id = self.session_id(uuid)
        if session_id is not None:
            self.conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            self._ids.pop(uuid, None)
            self.touched.add(session_id)


_HANDLERS = {
    "device": Applier.device,
    "session": Applier.session,
    "hold": Applier.hold,
    "end": Applier.end,
    "checkin": Applier.checkin,
    "tombstone": Applier.tombstone,
}
