"""The history window's reads across devices: each session carries its device (summaries, the columns and
the summaries cache alike), the snapshot names the devices (this one first), and the window's deletion is a
tombstone the other devices get."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from history_support import Now, histories_are_closed  # noqa: F401  (autouse: closes every History opened)
from sync_support import Device

from psoas_desktop.core.history_summary import EVERYTHING, columns_of
from psoas_desktop.core.history_view import HistoryView, SessionDeleter, narrowed
from psoas_desktop.storage import devices
from psoas_desktop.storage.history import History
from psoas_desktop.storage.history_reads import WindowReads

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=BERLIN)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Device, Device]:
    """ "home" with two sessions of its own and one merged from "work"."""
    sync_dir = tmp_path / "Sync"
    sync_dir.mkdir()
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    home.history.submit_rename_device("Home laptop").result()
    work.history.submit_rename_device("Work laptop").result()
    home.record(T0)
    home.record(T0 + timedelta(days=2))
    work.record(T0 + timedelta(days=1))
    home.merge()
    return home, work


def device_ids(pair: tuple[Device, Device]) -> tuple[str, str]:
    home, work = (device.history.device_id() for device in pair)
    assert home is not None and work is not None
    return home, work


@pytest.mark.parametrize("cached", [False, True], ids=["read", "from the summaries cache"])
def test_every_session_carries_its_device_in_the_snapshot(pair: tuple[Device, Device], cached: bool) -> None:
    home_id, work_id = device_ids(pair)
    history = pair[0].history
    if cached:
        history.summaries()  # what the app's prewarm does: the snapshot then comes from the cache
    snapshot = WindowReads(history).snapshot(EVERYTHING)
    assert [s.device for s in history.summaries()] == [home_id, work_id, home_id]  # newest first
    assert list(snapshot.columns.devices) == [home_id, work_id, home_id]  # oldest first
    assert list(snapshot.columns.session_ids) == [s.id for s in reversed(history.sessions())]
    expected = columns_of(history.summaries())
    assert list(snapshot.columns.session_ids) == list(expected.session_ids)
    assert list(snapshot.columns.devices) == list(expected.devices)
    assert [(d.name, d.local) for d in snapshot.devices] == [("Home laptop", True), ("Work laptop", False)]
    assert {s.device for s in snapshot.recent} == {home_id, work_id}


def test_this_laptop_narrows_to_the_local_sessions(pair: tuple[Device, Device]) -> None:
    home_id, _ = device_ids(pair)
    snapshot = WindowReads(pair[0].history).snapshot(EVERYTHING)
    mine = narrowed(snapshot, HistoryView(local_only=True))
    assert list(mine.columns.devices) == [home_id, home_id]
    assert len(mine.recent) == 2 and all(s.device == home_id for s in mine.recent)
    assert narrowed(snapshot, HistoryView()) is snapshot


def test_a_session_merged_later_is_in_the_cached_columns_with_its_device(pair: tuple[Device, Device]) -> None:
    home, work = pair
    _, work_id = device_ids(pair)
    home.history.summaries()  # the cache is filled
    work.record(T0 + timedelta(days=3))
    home.merge()
    snapshot = WindowReads(home.history).snapshot(EVERYTHING)
    assert list(snapshot.columns.devices)[-1] == work_id
    assert len(snapshot.columns) == 4


def test_the_window_deletion_is_a_tombstone_the_other_device_gets(pair: tuple[Device, Device]) -> None:
    home, work = pair
    reads = WindowReads(home.history)
    assert isinstance(reads, SessionDeleter) and reads.can_delete
    merged = next(s for s in home.history.sessions() if s.device != home.history.device_id())
    reads.submit_delete(merged.id, datetime(2026, 3, 5, 8, 0, tzinfo=UTC)).result()
    assert merged.uuid not in {s.uuid for s in home.history.sessions()}
    with home.history.reading() as conn:
        assert conn is not None
        row = conn.execute(
            "SELECT deleted_utc FROM deleted_sessions WHERE uuid = ?", (merged.uuid,)
        ).fetchone()
    assert row == ("2026-03-05T08:00:00.000000+00:00",)
    work.merge()
    assert merged.uuid not in {s.uuid for s in work.history.sessions()}
    home.merge()  # its own session's journal again: it never comes back
    assert len(home.history.sessions()) == 2


def test_a_session_already_gone_is_left_gone(pair: tuple[Device, Device]) -> None:
    """A tombstone merged from another device while the window held the same deletion back."""
    home, _ = pair
    session = home.history.sessions()[0]
    reads = WindowReads(home.history)
    reads.submit_delete(session.id, datetime(2026, 3, 5, 8, 0, tzinfo=UTC)).result()
    reads.submit_delete(session.id, datetime(2026, 3, 5, 9, 0, tzinfo=UTC)).result()
    assert len(home.history.sessions()) == 2


def test_a_naive_deletion_time_is_refused(pair: tuple[Device, Device]) -> None:
    session = pair[0].history.sessions()[0]
    with pytest.raises(ValueError, match="timezone-aware"):
        WindowReads(pair[0].history).submit_delete(session.id, datetime(2026, 3, 5, 8, 0))


def test_a_read_only_history_cannot_delete(pair: tuple[Device, Device]) -> None:
    reader = History.open(pair[0].data_dir, now=Now(), read_only=True).history
    try:
        assert not WindowReads(reader).can_delete
    finally:
        reader.close()


def test_devices_that_cannot_be_read_leave_the_sessions_shown(
    pair: tuple[Device, Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    history = pair[0].history
    history.summaries()  # from the cache: the devices are a read of their own

    def broken(conn: sqlite3.Connection) -> list[devices.DeviceRow]:
        raise sqlite3.OperationalError("no such table: devices")

    monkeypatch.setattr(devices, "list_devices", broken)
    snapshot = WindowReads(history).snapshot(EVERYTHING)
    assert snapshot.devices == () and len(snapshot.columns) == 3
