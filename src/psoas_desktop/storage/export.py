"""Exporting the history (CSV, JSON) and writing files atomically.

Dates are ISO 8601 with the UTC offset that was in force when the session or hold started, so each value
is both an exact instant and the time the clock on the wall showed. Sessions come oldest first.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import timedelta, timezone
from pathlib import Path

from psoas_desktop.storage.history import CheckinRow, EntryRow, History, SessionRow

FORMATS = ("csv", "json")
JSON_FORMAT_NAME = "psoas-desktop-history"
JSON_FORMAT_VERSION = 2  # 2: global ids (each session's uuid, device and device_name; each check-in's uuid)

CSV_COLUMNS = (
    "session_id",
    "routine",
    "level",
    "session_started",
    "session_ended",
    "session_status",
    "exercise",
    "side",
    "set_number",
    "rep",
    "planned_seconds",
    "actual_seconds",
    "entry_started",
    "entry_status",
    # Added with user routines (last, so readers of the older columns by position are unaffected): the
    # routine's name and content fingerprint as the session ran; empty for sessions made before.
    "routine_name",
    "routine_hash",
    # Added with sync (last again): the session's global id, and the device that recorded it.
    "uuid",
    "device",
    "device_name",
)


@dataclass(frozen=True)
class ExportedSession:
    session: SessionRow
    entries: tuple[EntryRow, ...]
    checkins: tuple[CheckinRow, ...]
    device_name: str | None = None


def collect(history: History) -> list[ExportedSession]:
    """Every session with its entries and check-ins, oldest first."""
    entries = history.all_entries()
    checkins: dict[int, list[CheckinRow]] = {}
    for checkin in history.checkins():
        checkins.setdefault(checkin.session_id, []).append(checkin)
    names = {device.id: device.name for device in history.devices()}
    return [
        ExportedSession(
            session,
            tuple(entries.get(session.id, ())),
            tuple(checkins.get(session.id, ())),
            names.get(session.device or ""),
        )
        for session in reversed(history.sessions())
    ]


def _local_iso(row: SessionRow | EntryRow) -> str:
    return row.started_utc.astimezone(_zone(row.utc_offset_seconds)).isoformat()


def _zone(offset_seconds: int) -> timezone:
    return timezone(timedelta(seconds=offset_seconds))


def to_csv(sessions: list[ExportedSession]) -> str:
    """One row per entry with its session's columns; a session without entries gets one row of its own."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for item in sessions:
        s = item.session
        ended = "" if s.ended_utc is None else s.ended_utc.astimezone(_zone(s.utc_offset_seconds)).isoformat()
        session_cells = [s.id, s.routine, s.level, _local_iso(s), ended, s.status]
        kept = [
            s.routine_name or "",
            s.routine_hash or "",
            s.uuid or "",
            s.device or "",
            item.device_name or "",
        ]
        if not item.entries:
            writer.writerow(
                [*session_cells, *[""] * (len(CSV_COLUMNS) - len(session_cells) - len(kept)), *kept]
            )
        for e in item.entries:
            writer.writerow(
                [
                    *session_cells,
                    e.exercise,
                    e.side or "",
                    e.set_number,
                    "" if e.rep is None else e.rep,
                    repr(e.planned_seconds),
                    repr(e.actual_seconds),
                    _local_iso(e),
                    e.status,
                    *kept,
                ]
            )
    return buffer.getvalue()


def to_json(sessions: list[ExportedSession]) -> str:
    data = {
        "format": JSON_FORMAT_NAME,
        "version": JSON_FORMAT_VERSION,
        "sessions": [
            {
                "id": item.session.id,
                "uuid": item.session.uuid,
                "device": item.session.device,
                "device_name": item.device_name,
                "routine": item.session.routine,
                "routine_name": item.session.routine_name,
                "routine_hash": item.session.routine_hash,
                "dose_hash": item.session.dose_hash,
                "level": item.session.level,
                "started": _local_iso(item.session),
                "utc_offset_seconds": item.session.utc_offset_seconds,
                "ended_utc": None if item.session.ended_utc is None else item.session.ended_utc.isoformat(),
                "status": item.session.status,
                "entries": [
                    {
                        "exercise": e.exercise,
                        "side": e.side,
                        "set_number": e.set_number,
                        "rep": e.rep,
                        "planned_seconds": e.planned_seconds,
                        "actual_seconds": e.actual_seconds,
                        "started": _local_iso(e),
                        "utc_offset_seconds": e.utc_offset_seconds,
                        "status": e.status,
                        "phase_index": e.phase_index,
                    }
                    for e in item.entries
                ],
                "checkins": [
                    {
                        "uuid": c.uuid,
                        "device": c.device,  # who checked in (another device may, on a merged session)
                        "side": c.side,
                        "tightness": c.tightness,
                        "note": c.note,
                        "created_utc": c.created_utc.isoformat(),
                    }
                    for c in item.checkins
                ],
            }
            for item in sessions
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render(sessions: list[ExportedSession], fmt: str) -> str:
    if fmt == "csv":
        return to_csv(sessions)
    if fmt == "json":
        return to_json(sessions)
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str | bytes) -> None:
    """Replace `path` with `text` (UTF-8, or bytes as they are) all at once: a crash leaves the old file or
    the new, never half.

    The text goes to a temporary file in the same folder, is flushed and fsynced, then renamed over the
    target (os.replace), and the folder is fsynced so the rename itself survives a power cut.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), 0o666 & ~_current_umask())  # mkstemp makes it private
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
