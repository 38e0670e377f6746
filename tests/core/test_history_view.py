"""What the window sees of a snapshot: one device's sessions or all, without the sessions held back for
deletion; the counts follow (no reread)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from psoas_desktop.core.history_summary import (
    HistorySnapshot,
    KnownDevice,
    SessionColumns,
    snapshot_of,
    summarize,
)
from psoas_desktop.core.history_view import HistoryView, local_device, narrowed
from psoas_desktop.core.stats import SessionSummary

TODAY = date(2026, 11, 18)
DEVICES = (KnownDevice("home", "Home", True), KnownDevice("work", "Work", False))


def summary(session_id: int, day: int, device: str | None) -> SessionSummary:
    return SessionSummary(
        session_id=session_id,
        started=datetime(2026, 11, day, 8, 0, tzinfo=UTC),
        status="completed",
        routine="full",
        level="standard",
        hold_seconds=300.0,
        planned_hold_seconds=None,
        device=device,
    )


def snapshot(devices: tuple[KnownDevice, ...] = DEVICES) -> HistorySnapshot:
    whole = snapshot_of([summary(1, 16, "home"), summary(2, 17, "work"), summary(3, 18, "home")])
    return HistorySnapshot(whole.columns, whole.recent, whole.since, devices)


def test_all_devices_and_nothing_hidden_is_the_snapshot_itself() -> None:
    whole = snapshot()
    assert narrowed(whole, HistoryView()) is whole


def test_this_laptop_keeps_the_local_device_only_and_counts_follow() -> None:
    mine = narrowed(snapshot(), HistoryView(local_only=True))
    assert list(mine.columns.session_ids) == [1, 3]
    assert sorted(s.session_id for s in mine.recent) == [1, 3]
    assert mine.devices == DEVICES
    data = summarize(mine, 12, 3, UTC, TODAY)
    assert data.weeks[-1].sessions == 2 and data.total_sessions == 2
    assert data.devices == DEVICES


def test_hidden_sessions_are_left_out_of_columns_and_summaries() -> None:
    seen = narrowed(snapshot(), HistoryView(hidden=frozenset({2})))
    assert list(seen.columns.session_ids) == [1, 3]
    assert list(seen.columns.started) == [datetime(2026, 11, d, 8, 0, tzinfo=UTC) for d in (16, 18)]
    both = narrowed(snapshot(), HistoryView(local_only=True, hidden=frozenset({3})))
    assert [s.session_id for s in both.recent] == [1]


def test_this_laptop_without_known_devices_shows_everything() -> None:
    whole = snapshot(devices=())
    assert local_device(whole) is None
    assert narrowed(whole, HistoryView(local_only=True)) is whole


def test_columns_without_ids_cannot_hide() -> None:
    bare = HistorySnapshot(
        SessionColumns([datetime(2026, 11, 16, tzinfo=UTC)], [True], [True]),
        (),
        datetime.min.replace(tzinfo=UTC),
    )
    with pytest.raises(ValueError, match="session ids or devices"):
        narrowed(bare, HistoryView(hidden=frozenset({1})))
    assert narrowed(bare, HistoryView()) is bare
