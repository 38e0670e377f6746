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

import functools
import math
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any

from psoas_desktop.storage import devices
from psoas_desktop.storage.schema import parse_utc, utc_text

Event = dict[str, Any]

_RANK = {"running": 0, "interrupted": 1, "stopped": 2, "completed": 3}
_SIDES = (None, "left", "right")


class BadEventError(ValueError):
    """An event that cannot be applied (a field missing or of the wrong kind)."""


# A time already in the one form utc_text writes (what every journal line carries): normalising it gives it
# back unchanged, so once datetime accepts it (a real date), it is its own normal form.
_UTC_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00")
_INSERT_HOLD = (
    "INSERT INTO entries (session_id, exercise, side, set_number, rep, planned_seconds, actual_seconds,"
    " started_utc, utc_offset_seconds, status, phase_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (session_id, phase_index, started_utc) DO NOTHING"
)
_ROWS_PER_INSERT = 64  # a session's holds in one INSERT (a statement per count, cached)


@functools.cache
def _insert_rows(count: int) -> str:
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * count)
    head, _, tail = _INSERT_HOLD.partition("VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
    return f"{head}VALUES {values}{tail}"


_HOLD_KEYS_OF_SESSION = "SELECT phase_index, started_utc FROM entries WHERE session_id = ?"
_TOTALS_TRIGGER = "entries_add_to_totals"
_TOTALS_OF_SESSION = "SELECT exercise, seconds FROM session_totals WHERE session_id = ?"
_SET_TOTAL = (
    "INSERT INTO session_totals (session_id, exercise, seconds) VALUES (?, ?, ?)"
    " ON CONFLICT (session_id, exercise) DO UPDATE SET seconds = excluded.seconds"
)


def _time(value: object) -> str:
    if type(value) is str and _UTC_TEXT.fullmatch(value):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            pass  # not a real date: refused below, with its reason
        else:
            return value
    if not isinstance(value, str):
        raise BadEventError(f"not a time: {value!r}")
    try:
        moment = parse_utc(value)
    except ValueError as exc:
        raise BadEventError(f"not a time: {value!r}") from exc
    if moment.tzinfo is None:
        raise BadEventError(f"a time without its offset: {value!r}")
    return utc_text(moment)


hold_time = _time  # a hold's time, checked and normalised (for a line read without building its event)


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


def _hold_row(event: Event) -> tuple[Any, ...]:
    """A hold's row (without its session), or BadEventError: what the checks below give, checked faster
    for the plain values a journal line carries (anything else takes the checks below, and their error)."""
    get = event.get
    row: tuple[Any, ...] = (
        get("exercise"),
        get("side"),
        get("set_number"),
        get("rep"),
        get("planned_seconds"),
        get("actual_seconds"),
        get("started_utc"),
        get("utc_offset_seconds"),
        get("status"),
        get("phase_index"),
    )
    exercise, side, set_number, rep, planned, actual, started, offset, status, phase = row
    number = (int, float)
    if (
        type(exercise) is str
        and exercise
        and (side is None or (type(side) is str and side in _SIDES))
        and type(set_number) is int
        and (rep is None or type(rep) is int)
        and type(planned) in number
        and type(actual) in number
        and type(offset) is int
        and type(status) is str
        and status
        and type(phase) is int
    ):
        return (exercise, side, set_number, rep, float(planned), float(actual), _time(started), *row[7:])
    return (
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


def _side(event: Event) -> str | None:
    side = event.get("side")
    if side is None:
        return None
    if side not in _SIDES:
        raise BadEventError(f"'side' is not left, right or null: {side!r}")
    return str(side)


@dataclass
class Applier:
    """Applies events on one connection inside the caller's transaction.

    With ``batch_holds`` (a merge of whole journals), the holds of one session in a row are inserted
    together, before any other event or at :meth:`flush`, and the caller calls :meth:`finish` before it
    commits (or reads the database or the counts); a hold the database refuses then counts in ``rejected``
    instead of raising."""

    conn: sqlite3.Connection
    batch_holds: bool = False
    new_sessions: int = 0
    rejected: int = 0
    touched: set[int] = field(default_factory=set)
    pending: list[Event] = field(default_factory=list)
    names_from: str | None = None
    """The device whose own journal is being read: only its own device line renames it. Not a conflict
    copy (an older or side version, read after the journal itself), not another device's journal, not an
    import: their names may be older, and must not undo a newer one. They name devices not known yet."""
    _ids: dict[str, int] = field(default_factory=dict)
    _devices: set[str] = field(default_factory=set)
    _holds: list[tuple[Any, ...]] = field(default_factory=list)
    _empty: set[int] = field(default_factory=set)  # sessions this Applier made that have no hold yet
    _totals_trigger: str | None = None  # its SQL while suspended, "" when there is none to suspend

    def apply(self, event: Event) -> None:
        """Apply one event; BadEventError for one that cannot be (nothing of it is applied)."""
        kind = event.get("type")
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise BadEventError(f"unknown event type {kind!r}")
        if self._holds and kind != "hold":
            self.flush()  # every other event sees the holds before it
        try:
            handler(self, event)
        except sqlite3.IntegrityError as exc:  # a CHECK: a value out of range
            raise BadEventError(str(exc)) from exc

    def flush(self) -> None:
        """Insert the holds waiting in the batch (one session's), as the per-hold inserts would have."""
        rows, self._holds = self._holds, []
        if not rows:
            return
        session_id = rows[0][0]
        totals = self._suspend_totals_trigger()
        have: set[tuple[Any, ...]] = set()
        stored: dict[str, float] = {}
        if session_id in self._empty:  # made by this merge and no hold of it stored yet: nothing to read
            self._empty.discard(session_id)
        else:
            have = set(self.conn.execute(_HOLD_KEYS_OF_SESSION, (session_id,)).fetchall())
            if totals:
                stored = dict(self.conn.execute(_TOTALS_OF_SESSION, (session_id,)).fetchall())
        fresh, sums = self._fresh_rows(rows, have, stored if totals else None)
        inserted = self._insert_holds(fresh)
        if totals and len(inserted) != len(fresh):  # a refused row (never seen): add up what went in
            _, sums = self._fresh_rows(inserted, set(), stored)
        if sums:
            self.conn.executemany(
                _SET_TOTAL, [(session_id, exercise, total) for exercise, total in sums.items()]
            )
        if inserted:
            self.touched.add(session_id)

    def _insert_holds(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Insert the rows; those the database refuses (a constraint) count in ``rejected``. Returns the rows
        that went in."""
        if 0 < len(rows) <= _ROWS_PER_INSERT:
            try:  # one statement for them all: it inserts all of them or, refused, none
                self.conn.execute(_insert_rows(len(rows)), list(chain.from_iterable(rows)))
                return rows
            except sqlite3.IntegrityError:
                pass  # one by one below, to find the refused ones
        inserted: list[tuple[Any, ...]] = []
        done = 0
        while done < len(rows):
            sent = done

            def feed(first: int = done) -> Iterator[tuple[Any, ...]]:
                nonlocal sent
                for sent in range(first, len(rows)):
                    yield rows[sent]

            try:
                self.conn.executemany(_INSERT_HOLD, feed())
                inserted += rows[done:]
                done = len(rows)
            except sqlite3.IntegrityError:  # the row last fed was refused (the ones before it are in)
                self.rejected += 1
                inserted += rows[done:sent]
                done = sent + 1
        return inserted

    # The trigger entries_add_to_totals adds each completed hold's seconds to session_totals, one upsert per
    # hold: most of the cost of a big merge. While a merge inserts holds in batches it is suspended (in the
    # merge's transaction: a rollback restores it) and the batch does the trigger's sums itself, in the same
    # order with the same float additions, then writes each changed total once, before any other event.

    def _suspend_totals_trigger(self) -> bool:
        """True while the trigger is suspended (by this batch or an earlier one). Never outside a
        transaction: a crash before finish() would lose the trigger for good."""
        if self._totals_trigger is None:
            row = self.conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (_TOTALS_TRIGGER,)
            ).fetchone()
            if row is None or not self.conn.in_transaction:
                self._totals_trigger = ""
            else:
                self.conn.execute(f"DROP TRIGGER {_TOTALS_TRIGGER}")
                self._totals_trigger = str(row[0])
        return bool(self._totals_trigger)

    def finish(self) -> None:
        """Flush the batch and restore what a batch suspended; call it before committing."""
        self.flush()
        if self._totals_trigger:
            self.conn.execute(self._totals_trigger)
        self._totals_trigger = None

    def _fresh_rows(
        self, rows: list[tuple[Any, ...]], have: set[tuple[Any, ...]], stored: dict[str, float] | None
    ) -> tuple[list[tuple[Any, ...]], dict[str, float]]:
        """The rows that go in, in order, as one insert after another would decide: not those whose key
        is in `have` or came before (ON CONFLICT DO NOTHING), nor those the database refuses (NaN seconds
        are stored as NULL, which NOT NULL refuses; with `stored`, the session's totals, the trigger's sum
        must not turn NaN either), which count in ``rejected``. With `stored`, also the totals they make."""
        isnan = math.isnan
        sums: dict[str, float] = {}
        kept = []
        for row in rows:
            key = (row[10], row[7])
            if key in have:
                continue
            if isnan(row[5]) or isnan(row[6]):
                self.rejected += 1
                continue
            if stored is not None and row[9] == "completed":
                exercise, seconds = row[1], row[6]
                before = sums.get(exercise)
                if before is None:
                    before = stored.get(exercise)
                total = seconds if before is None else before + seconds
                if isnan(total):
                    self.rejected += 1
                    continue
                sums[exercise] = total
            have.add(key)
            kept.append(row)
        return kept, sums

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
        if uuid in self._ids:
            return
        found, deleted = self.conn.execute(  # session_id() and _deleted() in one query
            "SELECT (SELECT id FROM sessions WHERE uuid = ?), EXISTS (SELECT 1 FROM deleted_sessions WHERE uuid = ?)",
            (uuid, uuid),
        ).fetchone()
        if found is not None:
            self._ids[uuid] = int(found)
            return
        if deleted:
            return
        self._known_device(device)
        cursor = self.conn.execute(
            "INSERT INTO sessions (routine, level, started_utc, utc_offset_seconds, status, routine_name,"
            " routine_hash, dose_hash, uuid, device) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)",
            row,
        )
        assert cursor.lastrowid is not None
        self._ids[uuid] = cursor.lastrowid
        self._empty.add(cursor.lastrowid)
        self.touched.add(cursor.lastrowid)
        self.new_sessions += 1

    def hold(self, event: Event) -> None:
        row = _hold_row(event)
        if not self.add_holds([row], _text(event, "session")):
            self.pending.append(event)

    def add_holds(self, rows: list[tuple[Any, ...]], session: str) -> bool:
        """Holds of one session, already checked (their rows as _hold_row gives them; the session's UUID, not
        empty). False when they must wait for their session, not known yet: the caller keeps their events in
        ``pending``."""
        session_id = self.session_id(session)
        if session_id is None:
            return self._deleted(session)
        if self.batch_holds:
            if self._holds and self._holds[0][0] != session_id:
                self.flush()
            self._holds += [(session_id, *row) for row in rows]
            return True
        for row in rows:
            cursor = self.conn.execute(_INSERT_HOLD, (session_id, *row))
            if cursor.rowcount:
                self.touched.add(session_id)
        return True

    def end(self, event: Event) -> None:
        status = _text(event, "status")
        if _RANK.get(status, 0) == 0:
            raise BadEventError(f"a session does not end {status!r}")
        ended = _time(event.get("ended_utc"))
        session_id = self._session_of(event)
        if session_id is None:
            return
        cursor = self.conn.execute(  # forward only: the stored status ranks lower (_RANK, unknown as 0)
            "UPDATE sessions SET status = ?, ended_utc = ? WHERE id = ? AND CASE status"
            " WHEN 'interrupted' THEN 1 WHEN 'stopped' THEN 2 WHEN 'completed' THEN 3 ELSE 0 END < ?",
            (status, ended, session_id, _RANK[status]),
        )
        if cursor.rowcount:
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
