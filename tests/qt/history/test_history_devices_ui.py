"""The history window across devices: deleting a session (confirmation, Undo, the tombstone written only
when Undo ends), the device filter, each device's colour and name in the sessions table, and the window
following a merge from another device while it is open.

The fake sources are in memory; the tombstone and the merge use real Histories sharing a sync folder
(tests/storage/sync_support.py). Time is a fake clock: the grace period's timer is fired by hand.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QIcon
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from psoas_desktop.core.history_summary import HistorySnapshot, KnownDevice, snapshot_of
from psoas_desktop.core.stats import SessionSummary
from psoas_desktop.qt.history.deletion import RUNNING_MESSAGE, UNDO_SECONDS, ConfirmDeletion
from psoas_desktop.qt.history.device_filter import THIS_LAPTOP
from psoas_desktop.qt.history.palette import DEVICE_COLOURS
from psoas_desktop.qt.history.table_model import DEVICE_COLUMN
from psoas_desktop.qt.history.window import HistoryWindow
from psoas_desktop.storage.history_reads import WindowReads

TZ = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 11, 18)
STORAGE_TESTS = Path(__file__).parents[2] / "storage"
HOME = KnownDevice("home-id", "Home laptop", True)
WORK = KnownDevice("work-id", "Work laptop", False)


def summary(session_id: int, day: int, device: str, status: str = "completed") -> SessionSummary:
    return SessionSummary(
        session_id=session_id,
        started=datetime(2026, 11, day, 7, 0, tzinfo=TZ),
        status=status,
        routine="full",
        level="standard",
        hold_seconds=600.0,
        planned_hold_seconds=None if status == "completed" else 600.0,
        exercise_seconds={"lunge": 600.0},
        device=device,
    )


class FakeSyncSource:
    """A snapshot source with devices that can delete: deletions are recorded, their futures done."""

    def __init__(
        self, items: Sequence[SessionSummary], devices: tuple[KnownDevice, ...] = (HOME, WORK)
    ) -> None:
        self.items = list(items)
        self.devices = devices
        self.can_delete = True
        self.deleted: list[tuple[int, datetime]] = []

    def snapshot(self, since: datetime) -> HistorySnapshot:
        whole = snapshot_of(self.items)
        return HistorySnapshot(whole.columns, whole.recent, whole.since, self.devices)

    def submit_delete(self, session_id: int, deleted: datetime) -> Future[None]:
        self.deleted.append((session_id, deleted))
        self.items = [s for s in self.items if s.session_id != session_id]
        future: Future[None] = Future()
        future.set_result(None)
        return future


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 18, 9, 30, tzinfo=UTC))


@pytest.fixture
def source() -> FakeSyncSource:
    # Monday 16th: home; Tuesday 17th: work and home; today: work.
    return FakeSyncSource(
        [
            summary(1, 16, "home-id"),
            summary(2, 17, "work-id"),
            summary(3, 17, "home-id"),
            summary(4, 18, "work-id"),
        ]
    )


def open_window(qtbot: QtBot, source: Any, clock: FakeClock, today: date = TODAY) -> HistoryWindow:
    window = HistoryWindow(source, {"lunge": "Kneeling lunge"}, 3, TZ, lambda: today, now=clock.now)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.ready, timeout=5000):
        pass
    return window


@pytest.fixture
def window(qtbot: QtBot, source: FakeSyncSource, clock: FakeClock) -> Iterator[HistoryWindow]:
    window = open_window(qtbot, source, clock)
    yield window
    window.deletion.timer.stop()


def select_rows(window: HistoryWindow, *rows: int) -> None:
    table = window.tabs.table
    selection = table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        selection.select(window.table_model.index(row, 0), flags)


def table_dates(window: HistoryWindow) -> list[str]:
    model = window.table_model
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def answer(monkeypatch: pytest.MonkeyPatch, yes: bool) -> list[str]:
    asked: list[str] = []

    def ask(cls: type, parent: QWidget, question: str) -> bool:
        asked.append(question)
        return yes

    monkeypatch.setattr(ConfirmDeletion, "ask", classmethod(ask))
    return asked


def this_week(window: HistoryWindow) -> int:
    return window.week_bars()[-1][1]


# ---- deleting ----------------------------------------------------------------------------------------------


def test_delete_asks_first_and_then_leaves_the_session_out_without_writing(
    qtbot: QtBot, window: HistoryWindow, source: FakeSyncSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = answer(monkeypatch, yes=True)
    assert this_week(window) == 4
    select_rows(window, 1)
    described = f"{table_dates(window)[1]} (full)"
    with qtbot.waitSignal(window.ready):
        assert window.deletion.delete_selected()
    assert len(asked) == 1 and described in asked[0] and "other devices" in asked[0]
    assert window.table_row_count() == 3
    assert this_week(window) == 3
    assert window.deletion.bar.text.startswith(f"Deleted the session of {described}")
    assert window.deletion.undo_action.isEnabled()
    assert source.deleted == []  # held back while Undo is offered


def test_a_cancelled_confirmation_deletes_nothing(
    window: HistoryWindow, source: FakeSyncSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(monkeypatch, yes=False)
    select_rows(window, 0)
    assert not window.deletion.delete_selected()
    assert window.table_row_count() == 4 and window.deletion.hidden == frozenset()
    assert window.deletion.bar.isHidden()


def test_the_delete_key_and_the_context_menu_delete_the_selection(
    qtbot: QtBot, window: HistoryWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = answer(monkeypatch, yes=True)
    table = window.tabs.table
    assert window.deletion.delete_action in table.actions()
    assert table.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    window.tabs.setCurrentWidget(table)
    select_rows(window, 0, 2)
    table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is table)
    with qtbot.waitSignal(window.ready):
        QTest.keyClick(window.windowHandle(), Qt.Key.Key_Delete)
    assert len(asked) == 1 and "these 2 sessions" in asked[0]
    assert window.table_row_count() == 2
    assert window.deletion.bar.text.startswith("Deleted 2 sessions")
    window.deletion.timer.stop()
    window.deletion.write_pending()


def test_undo_brings_the_session_back_and_nothing_is_ever_written(
    qtbot: QtBot, window: HistoryWindow, source: FakeSyncSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(monkeypatch, yes=True)
    before = table_dates(window)
    select_rows(window, 0)
    with qtbot.waitSignal(window.ready):
        window.deletion.delete_selected()
    with qtbot.waitSignal(window.ready):
        window.deletion.undo_action.trigger()  # Ctrl+Z
    assert table_dates(window) == before and this_week(window) == 4
    assert not window.deletion.timer.isActive() and not window.deletion.undo_action.isEnabled()
    assert window.deletion.bar.text.startswith("Restored the session of")
    window.close()
    assert source.deleted == []


def test_undo_takes_back_the_last_deletion_first(
    qtbot: QtBot, window: HistoryWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(monkeypatch, yes=True)
    for _ in range(2):
        select_rows(window, 0)
        with qtbot.waitSignal(window.ready):
            window.deletion.delete_selected()
    assert window.deletion.hidden == {4, 3} and "Undo again" in window.deletion.bar.text
    with qtbot.waitSignal(window.ready):
        assert window.deletion.undo()
    assert window.deletion.hidden == {4} and window.deletion.timer.isActive()
    window.deletion.write_pending()


def test_closing_the_window_writes_the_deletion_stamped_when_it_was_made(
    qtbot: QtBot,
    window: HistoryWindow,
    source: FakeSyncSource,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answer(monkeypatch, yes=True)
    select_rows(window, 0)
    deleted_at = clock.now()
    with qtbot.waitSignal(window.ready):
        window.deletion.delete_selected()
    clock.advance(90)
    window.close()
    assert source.deleted == [(4, deleted_at)]
    assert not window.deletion.timer.isActive() and not window.deletion.undo_action.isEnabled()
    qtbot.waitUntil(lambda: window.deletion.hidden == frozenset())  # on disk: no longer held back


def test_the_grace_period_ends_undo_and_writes_it(
    qtbot: QtBot, window: HistoryWindow, source: FakeSyncSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(monkeypatch, yes=True)
    window.show()
    select_rows(window, 0)
    with qtbot.waitSignal(window.ready):
        window.deletion.delete_selected()
    timer = window.deletion.timer
    assert timer.isActive() and timer.interval() == UNDO_SECONDS * 1000
    with qtbot.waitSignal(window.ready):  # written, then read again: it is gone from the history itself
        timer.timeout.emit()
    assert [session_id for session_id, _ in source.deleted] == [4]
    assert window.deletion.bar.isHidden() and not window.deletion.undo()
    assert window.table_row_count() == 3 and window.deletion.hidden == frozenset()


def test_a_running_session_cannot_be_deleted(
    qtbot: QtBot, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = answer(monkeypatch, yes=True)
    window = open_window(qtbot, FakeSyncSource([summary(1, 18, "home-id", status="running")]), clock)
    select_rows(window, 0)
    assert not window.deletion.delete_selected()
    assert asked == [] and window.deletion.bar.text == RUNNING_MESSAGE


def test_a_source_that_cannot_delete_offers_no_deletion(qtbot: QtBot, clock: FakeClock) -> None:
    source = FakeSyncSource([summary(1, 18, "home-id")])
    source.can_delete = False
    window = open_window(qtbot, source, clock)
    assert not window.deletion.delete_action.isEnabled()
    select_rows(window, 0)
    assert not window.deletion.delete_selected()


# ---- devices -----------------------------------------------------------------------------------------------


def test_this_laptop_filters_the_table_and_the_charts(qtbot: QtBot, window: HistoryWindow) -> None:
    combo = window.device_filter
    assert combo.isEnabled() and combo.currentText() == "All devices"
    assert "Home laptop (this laptop), Work laptop" in combo.toolTip()
    with qtbot.waitSignal(window.ready):
        combo.setCurrentIndex(combo.findText(THIS_LAPTOP))
    assert window.table_row_count() == 2
    assert {window.table_model.device_name(r) for r in range(2)} == {"Home laptop (this laptop)"}
    assert this_week(window) == 2
    assert "2 sessions in range · 2 in all" in window.status_label.text()
    with qtbot.waitSignal(window.ready):
        combo.setCurrentIndex(0)
    assert window.table_row_count() == 4 and this_week(window) == 4


def test_each_device_has_a_colour_and_its_name_beside_it(window: HistoryWindow) -> None:
    model, table = window.table_model, window.tabs.table
    assert not table.isColumnHidden(DEVICE_COLUMN)
    assert model.headerData(DEVICE_COLUMN, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == "Device"
    names = [model.data(model.index(r, DEVICE_COLUMN)) for r in range(4)]
    assert names == ["Work laptop", "Home laptop (this laptop)", "Work laptop", "Home laptop (this laptop)"]
    colours = [model.device_colour(r) for r in range(4)]
    assert colours == [DEVICE_COLOURS[1], DEVICE_COLOURS[0], DEVICE_COLOURS[1], DEVICE_COLOURS[0]]
    icon = model.data(model.index(0, DEVICE_COLUMN), Qt.ItemDataRole.DecorationRole)
    assert isinstance(icon, QIcon) and not icon.isNull()
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == "Recorded on Work laptop"


def test_one_device_shows_no_device_column_and_no_filter(qtbot: QtBot, clock: FakeClock) -> None:
    window = open_window(qtbot, FakeSyncSource([summary(1, 18, "home-id")], devices=(HOME,)), clock)
    assert window.tabs.table.isColumnHidden(DEVICE_COLUMN)
    assert not window.device_filter.isEnabled()


# ---- with real histories: the tombstone, and a merge while the window is open ------------------------------


@pytest.fixture
def laptops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    """Two devices sharing a sync folder; "home" has one session, "work" one that home merged."""
    monkeypatch.syspath_prepend(str(STORAGE_TESTS))
    from sync_support import Device

    sync_dir = tmp_path / "Sync"
    sync_dir.mkdir()
    home, work = Device(tmp_path, "home", sync_dir), Device(tmp_path, "work", sync_dir)
    try:
        home.history.submit_rename_device("Home laptop").result()
        work.history.submit_rename_device("Work laptop").result()
        home.record(datetime(2026, 3, 2, 8, 0, tzinfo=TZ))
        work.record(datetime(2026, 3, 3, 8, 0, tzinfo=TZ))
        home.merge()
        yield home, work
    finally:
        home.history.close()
        work.history.close()


def test_a_deletion_reaches_the_other_device_once_written(
    qtbot: QtBot, laptops: tuple[Any, Any], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, work = laptops
    answer(monkeypatch, yes=True)
    window = open_window(qtbot, WindowReads(home.history), clock, today=date(2026, 3, 4))
    assert window.table_model.device_name(0) == "Work laptop"
    select_rows(window, 0)
    with qtbot.waitSignal(window.ready):
        window.deletion.delete_selected()
    assert len(home.history.sessions()) == 2  # nothing written yet
    window.write_pending_deletions()  # what the app does when it quits
    home.history.flush()
    assert [s.device for s in home.history.sessions()] == [home.history.device_id()]
    work.merge()  # its own session, deleted on home, is gone there too; home's arrives
    assert [s.device for s in work.history.sessions()] == [home.history.device_id()]


def test_a_session_merged_from_another_device_appears_in_the_open_window(
    qtbot: QtBot, laptops: tuple[Any, Any], clock: FakeClock
) -> None:
    home, work = laptops
    window = open_window(qtbot, WindowReads(home.history), clock, today=date(2026, 3, 4))
    window.show()
    qtbot.waitExposed(window)
    assert window.table_row_count() == 2
    work.record(datetime(2026, 3, 4, 7, 0, tzinfo=TZ))
    assert home.merge().touched  # what the app's folder watcher runs, on the writer thread
    with qtbot.waitSignal(window.ready):
        window.history_changed()  # what the app calls after a merge that brought something
    assert window.table_row_count() == 3
    assert window.table_model.data(window.table_model.index(0, 0)) == "2026-03-04 07:00"
    assert window.table_model.device_name(0) == "Work laptop"
    assert window.week_bars()[-1][1] == 3  # this week (from Monday 2 March) counts both laptops


def test_a_hidden_window_reads_again_when_shown(
    qtbot: QtBot, laptops: tuple[Any, Any], clock: FakeClock
) -> None:
    home, work = laptops
    window = open_window(qtbot, WindowReads(home.history), clock, today=date(2026, 3, 4))
    work.record(datetime(2026, 3, 4, 7, 0, tzinfo=TZ))
    home.merge()
    window.history_changed()  # not shown: nothing read now
    assert window.table_row_count() == 2
    with qtbot.waitSignal(window.ready):
        window.set_goal(3)  # any later request reads afresh
    assert window.table_row_count() == 3


def test_a_read_that_started_before_a_change_is_not_kept_for_the_next_request(
    qtbot: QtBot, source: FakeSyncSource, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """history_changed() on a hidden window while its worker still reads: the next request reads again."""
    reads: list[datetime] = []
    snapshot = source.snapshot

    def counted(since: datetime) -> HistorySnapshot:
        reads.append(since)
        return snapshot(since)

    monkeypatch.setattr(source, "snapshot", counted)
    window = open_window(qtbot, source, clock)
    assert len(reads) == 1
    window.refresh()  # reads again (hidden or not, refresh always does)
    window.history_changed()  # meanwhile, a merge: that read may be from before it
    with qtbot.waitSignal(window.ready):
        pass
    with qtbot.waitSignal(window.ready):
        window.set_goal(2)
    assert len(reads) == 3
