"""Globally unique ids for sessions, check-ins and devices, so several laptops' histories can be merged.

New rows get random UUIDs. Rows made before ids existed (migrated, or imported from an old export) get
UUIDs derived from their content, so the same old session gets the same UUID wherever it is migrated or
imported, and importing the same old file twice adds nothing.
"""

from __future__ import annotations

import socket
import sqlite3
import uuid

# Fixed forever: changing it would give old sessions new UUIDs and double them on the next merge.
NAMESPACE = uuid.UUID("6b1f8a52-3c0e-5d7a-9a41-50534f410001")


def new_id() -> str:
    return str(uuid.uuid4())


def session_uuid(routine: str, level: str, started_utc: str, utc_offset_seconds: int) -> str:
    """The UUID of a session made before ids existed, from what never changes about it (not its status or
    end, which a later run may still set)."""
    key = "\x1f".join(("session", routine, level, started_utc, str(int(utc_offset_seconds))))
    return str(uuid.uuid5(NAMESPACE, key))


def checkin_uuid(session: str, created_utc: str, side: str | None, tightness: int, note: str) -> str:
    key = "\x1f".join(("checkin", session, created_utc, side or "", str(int(tightness)), note))
    return str(uuid.uuid5(NAMESPACE, key))


def host_name() -> str:
    """The default device name: the host name, or a plain word when the system gives none."""
    try:
        name = socket.gethostname().strip()
    except OSError:
        name = ""
    return name or "This computer"


def register(conn: sqlite3.Connection) -> None:
    """The SQL functions the id migration uses, on every connection (a migration may run on any)."""
    conn.create_function("psoas_new_id", 0, new_id)
    conn.create_function("psoas_host_name", 0, host_name)
    conn.create_function("psoas_session_uuid", 4, session_uuid, deterministic=True)
    conn.create_function("psoas_checkin_uuid", 5, checkin_uuid, deterministic=True)
