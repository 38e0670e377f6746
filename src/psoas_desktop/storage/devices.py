"""The devices a history knows: this data folder's own (made once, by migration 3) and those merged in."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

NAME_MAX_CHARS = 100


@dataclass(frozen=True)
class DeviceRow:
    id: str
    name: str
    sessions: int  # all sessions of that device in the whole history
    local: bool


def local_device(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT device FROM local_device").fetchone()
    if row is None:  # never: migration 3 makes it
        raise sqlite3.DatabaseError("the history has no device id")
    return str(row[0])


def list_devices(conn: sqlite3.Connection) -> list[DeviceRow]:
    """This device first, then the others by name."""
    mine = local_device(conn)
    rows = conn.execute(
        "SELECT d.id, d.name, (SELECT COUNT(*) FROM sessions s WHERE s.device = d.id) FROM devices d"
    ).fetchall()
    found = [DeviceRow(str(i), str(n), int(c), str(i) == mine) for i, n, c in rows]
    return sorted(found, key=lambda d: (not d.local, d.name.casefold(), d.id))


def checked_name(name: str) -> str:
    """A device name as stored; ValueError with the reason for one that cannot be."""
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise ValueError("A device name cannot be empty.")
    if len(cleaned) > NAME_MAX_CHARS:
        raise ValueError(f"A device name is at most {NAME_MAX_CHARS} characters, not {len(cleaned)}.")
    return cleaned


def rename(conn: sqlite3.Connection, device: str, name: str) -> None:
    conn.execute("UPDATE devices SET name = ? WHERE id = ?", (checked_name(name), device))


def remember(conn: sqlite3.Connection, device: str, name: str, *, rename: bool = True) -> None:
    """A device seen in a journal or an import: added, or its newest name kept. With ``rename=False`` a
    known device keeps its name (unless it is still the placeholder a merge gave it: its id's start)."""
    update = "" if rename else " WHERE devices.name = substr(devices.id, 1, 8)"
    conn.execute(
        "INSERT INTO devices (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name"
        + update,
        (device, checked_name(name)),
    )
