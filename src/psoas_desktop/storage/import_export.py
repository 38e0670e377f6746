"""Importing an ``export --format json`` file: the document checked whole, then turned into the history
events a journal carries (:mod:`.sync_events`), which :meth:`History.submit_import` applies as a union by
UUID: importing the same file twice adds nothing.

Version 2 files carry each session's UUID and device. Version 1 files (made before global ids) carry
neither: their sessions and check-ins get the UUIDs derived from their content that the schema migration
gives the same rows (:mod:`.global_ids`), so an old session imported here and the same session migrated on
another laptop are one session. They are taken as this device's own (a restore from a backup), since the
file does not say which computer recorded them.

Every problem is a ValueError naming its place in one line (``sessions[3].entries[0]: 'status' …``), found
before anything is applied.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from psoas_desktop.core.engine import PhaseStatus
from psoas_desktop.storage import global_ids
from psoas_desktop.storage.export import JSON_FORMAT_NAME
from psoas_desktop.storage.journal import Event
from psoas_desktop.storage.schema import utc_text

VERSIONS = (1, 2)
SESSION_STATUSES = ("running", "completed", "stopped", "interrupted")
SIDES = (None, "left", "right")
HOLD_STATUSES = tuple(status.value for status in PhaseStatus)
MAX_FILE_BYTES = 512 * 1024 * 1024  # ten years of sessions are ≈100 MB as JSON; more is not an export


def read_export(path: Path) -> Any:
    """The file's JSON; ValueError with one line (not naming the file) when it cannot be read or is not
    JSON."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{size} bytes is too large for a history export")
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ValueError(f"it cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ValueError("it is not UTF-8 text, so not an export") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"it is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise ValueError("it is nested too deeply to be an export") from None


class _Place:
    """Where in the document a value is, for the messages."""

    def __init__(self, where: str, data: object) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected an object, got {_kind(data)}")
        self.where = where
        self.data: dict[str, Any] = data

    def fail(self, key: str, expected: str) -> ValueError:
        value = self.data.get(key)
        shown = "missing" if key not in self.data else f"{_kind(value)} {_short(value)}"
        return ValueError(f"{self.where}: {key!r} must be {expected}, not {shown}")

    def text(self, key: str, *, optional: bool = False) -> Any:
        value = self.data.get(key)
        if (value is None and optional) or (isinstance(value, str) and (value or optional)):
            return value
        raise self.fail(key, "a text")

    def whole(self, key: str, *, optional: bool = False) -> Any:
        value = self.data.get(key)
        if (value is None and optional) or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise self.fail(key, "a whole number")

    def number(self, key: str) -> Any:
        value = self.data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        raise self.fail(key, "a number")

    def time(self, key: str, *, optional: bool = False) -> str | None:
        """A time with its UTC offset, as the history stores it (UTC, fixed width)."""
        value = self.data.get(key)
        if value is None and optional:
            return None
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is not None:
                return utc_text(moment)
        raise self.fail(key, "a time with its UTC offset")

    def choice(self, key: str, allowed: tuple[str | None, ...]) -> Any:
        value = self.data.get(key)
        if value in allowed:
            return value
        raise self.fail(key, " or ".join("null" if a is None else repr(a) for a in allowed))

    def items(self, key: str) -> list[Any]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, "a list")
        return value


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "the text", bool: "the flag", type(None): "null"}.get(
        type(value), "the number"
    )


def _short(value: object) -> str:
    if isinstance(value, dict | list):
        return ""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


def events_from_export(document: Any, local_device: str) -> list[Event]:
    """The events that make the document's sessions, holds and check-ins; ValueError names the first
    problem. `local_device` owns a version 1 file's sessions."""
    top = _Place("the file", document)
    if top.data.get("format") != JSON_FORMAT_NAME:
        raise ValueError(f"not a Psoas Desktop history export (its format is not {JSON_FORMAT_NAME!r})")
    version = top.data.get("version")
    if isinstance(version, bool) or version not in VERSIONS:
        raise ValueError(
            f"export version {_short(version)} is not one this version of Psoas Desktop reads"
            f" ({', '.join(map(str, VERSIONS))}); update the app"
        )
    events: list[Event] = []
    names: dict[str, str] = {}
    for number, data in enumerate(top.items("sessions")):
        session = _Place(f"sessions[{number}]", data)
        events += _session_events(session, version, local_device, names)
    devices = [{"type": "device", "device": d, "id": d, "name": n} for d, n in names.items()]
    return devices + events


def _session_events(session: _Place, version: int, local_device: str, names: dict[str, str]) -> list[Event]:
    routine, level = session.text("routine"), session.text("level")
    started = session.time("started")
    offset = session.whole("utc_offset_seconds")
    assert started is not None
    if version >= 2:
        uuid, device = session.text("uuid"), session.text("device")
        name = session.text("device_name", optional=True)
        if name and name.strip():
            names[device] = name
    else:
        uuid, device = global_ids.session_uuid(routine, level, started, offset), local_device
    events: list[Event] = [
        {
            "type": "session",
            "uuid": uuid,
            "device": device,
            "routine": routine,
            "level": level,
            "started_utc": started,
            "utc_offset_seconds": offset,
            "routine_name": session.text("routine_name", optional=True),
            "routine_hash": session.text("routine_hash", optional=True),
            "dose_hash": session.text("dose_hash", optional=True),  # so it counts toward its progression
        }
    ]
    for index, data in enumerate(session.items("entries")):
        entry = _Place(f"{session.where}.entries[{index}]", data)
        events.append(
            {
                "type": "hold",
                "device": device,
                "session": uuid,
                "exercise": entry.text("exercise"),
                "side": entry.choice("side", SIDES),
                "set_number": entry.whole("set_number"),
                "rep": entry.whole("rep", optional=True),
                "planned_seconds": entry.number("planned_seconds"),
                "actual_seconds": entry.number("actual_seconds"),
                "started_utc": entry.time("started"),
                "utc_offset_seconds": entry.whole("utc_offset_seconds"),
                "status": entry.choice("status", HOLD_STATUSES),
                "phase_index": entry.whole("phase_index"),
            }
        )
    status = session.choice("status", SESSION_STATUSES)
    if status != "running":
        ended = session.time("ended_utc", optional=True) or started
        events.append(
            {"type": "end", "device": device, "session": uuid, "status": status, "ended_utc": ended}
        )
    for index, data in enumerate(session.items("checkins")):
        checkin = _Place(f"{session.where}.checkins[{index}]", data)
        side = checkin.choice("side", SIDES)
        tightness = checkin.whole("tightness")
        note = checkin.text("note", optional=True) or ""
        created = checkin.time("created_utc")
        assert created is not None
        if version >= 2:
            checkin_uuid = checkin.text("uuid")
        else:
            checkin_uuid = global_ids.checkin_uuid(uuid, created, side, tightness, note)
        events.append(
            {
                "type": "checkin",
                "uuid": checkin_uuid,
                "device": (checkin.text("device", optional=True) if version >= 2 else None) or device,
                "session": uuid,
                "side": side,
                "tightness": tightness,
                "note": note,
                "created_utc": created,
            }
        )
    return events
