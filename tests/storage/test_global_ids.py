"""Migration 3: global ids. Sessions and check-ins get UUIDs and the device that made them; a data folder
makes its device id once; the rows made before get content-derived UUIDs, the same wherever they are
migrated. No sleeps; time comes from a hand-set `now`."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from history_support import (
    Now,
    histories_are_closed,  # noqa: F401  (autouse: closes every History opened)
    hold,
    pragma,
    query,
)

from psoas_desktop.storage import global_ids, schema
from psoas_desktop.storage.history import History

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=BERLIN)
OLD_START = "2026-03-01T08:00:00.000000+00:00"


def open_history(data_dir: Path) -> History:
    result = History.open(data_dir, now=Now())
    assert result.messages == (), result.messages
    return result.history


def version_2_file(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A history as schema 2 wrote it: one session with a hold and a check-in."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db = data_dir / "history.sqlite3"
    with monkeypatch.context() as old_app:
        old_app.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:2])
        schema.create(db)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO sessions (id, routine, level, started_utc, utc_offset_seconds, ended_utc, status)"
            f" VALUES (1, 'psoas-3', 'standard', '{OLD_START}', 3600,"
            " '2026-03-01T08:10:00.000000+00:00', 'completed')"
        )
        conn.execute(
            "INSERT INTO entries VALUES (1, 0, '2026-03-01T08:00:05.000000+00:00', 'bridge', NULL, 1, 1, 20,"
            " 20, 3600, 'completed')"
        )
        conn.execute(
            "INSERT INTO checkins (session_id, side, tightness, note, created_utc)"
            " VALUES (1, 'left', 4, 'ok', '2026-03-01T08:11:00.000000+00:00')"
        )
    conn.close()
    assert pragma(db, "user_version") == 2
    return db


def test_a_version_2_history_gains_content_derived_ids_after_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = version_2_file(tmp_path, monkeypatch)
    history = open_history(tmp_path)
    (old,) = history.sessions()
    expected = global_ids.session_uuid("psoas-3", "standard", OLD_START, 3600)
    assert old.uuid == expected and uuid.UUID(expected).version == 5
    device = history.device_id()
    assert device is not None and old.device == device
    (checkin,) = history.checkins()
    assert checkin.uuid == global_ids.checkin_uuid(
        expected, "2026-03-01T08:11:00.000000+00:00", "left", 4, "ok"
    )
    history.close()
    assert pragma(db, "user_version") == 3
    copy = tmp_path / "history.sqlite3.pre-v3.bak"
    assert pragma(copy, "user_version") == 2 and query(copy, "SELECT COUNT(*) FROM entries") == [(1,)]
    assert query(copy, "SELECT COUNT(*) FROM checkins") == [(1,)]


def test_the_same_old_session_gets_the_same_uuid_on_every_laptop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two copies of one old history migrated apart: same session UUIDs, different device ids."""
    version_2_file(tmp_path / "home", monkeypatch)
    version_2_file(tmp_path / "work", monkeypatch)
    home, work = open_history(tmp_path / "home"), open_history(tmp_path / "work")
    assert [s.uuid for s in home.sessions()] == [s.uuid for s in work.sessions()]
    assert [c.uuid for c in home.checkins()] == [c.uuid for c in work.checkins()]
    assert home.device_id() != work.device_id()


def test_new_sessions_and_checkins_get_random_uuids_and_this_device(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    first = history.start_session("daily", "standard", T0)
    history.add_record(first, hold(0, T0))
    history.add_checkin(first, None, 3, "")
    second = history.start_session("daily", "standard", T0)  # same content: still two sessions
    history.end_session(second, "stopped", T0 + timedelta(minutes=1))
    sessions = history.sessions()
    uuids = {s.uuid for s in sessions}
    assert len(uuids) == 2 and all(u is not None and uuid.UUID(u).version == 4 for u in uuids)
    assert {s.device for s in sessions} == {history.device_id()}
    (checkin,) = history.checkins()
    assert checkin.uuid is not None and uuid.UUID(checkin.uuid).version == 4


def test_the_device_id_is_made_once_per_data_folder_with_an_editable_name(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    device = history.device_id()
    (row,) = history.devices()
    assert row.id == device and row.name == global_ids.host_name() and row.local and row.sessions == 0
    history.submit_rename_device("  Work   laptop ").result()
    session = history.start_session("daily", "standard", T0)
    history.end_session(session, "stopped", T0 + timedelta(minutes=1))
    history.close()
    again = open_history(tmp_path)
    assert again.device_id() == device
    assert [(d.name, d.sessions) for d in again.devices()] == [("Work laptop", 1)]
    with pytest.raises(ValueError, match="empty"):
        again.submit_rename_device("   ")


def test_the_uuid_is_unique_in_the_file(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    history.start_session("daily", "standard", T0)
    history.close()
    with sqlite3.connect(tmp_path / "history.sqlite3") as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO sessions (routine, level, started_utc, utc_offset_seconds, status, uuid)"
            " SELECT routine, level, started_utc, utc_offset_seconds, status, uuid FROM sessions"
        )
    conn.close()
