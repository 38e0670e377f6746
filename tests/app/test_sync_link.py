"""The window and the sync folder: the journal attached when the history opens, a first merge, the watcher and
the 60 s rescan merging what another computer wrote while the app is open (the history window and the
counts follow), warnings shown once, the Settings dialog refusing a folder the guards refuse, and the
progress bar of a long merge. Timers are fired by hand: no test waits for them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from helpers.sync_devices import OtherComputer
from psoas_desktop.app import gui
from psoas_desktop.app.history_link import HistoryLink
from psoas_desktop.app.sync_link import RESCAN_MS, SyncLink
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.settings import AppSettings
from psoas_desktop.qt.session import dialogs
from psoas_desktop.qt.session.dialogs import WelcomeAnswer
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.settings.dialog import SettingsDialog
from psoas_desktop.qt.settings.store import SettingsStore
from psoas_desktop.storage.history import History
from psoas_desktop.storage.journal import FOLDER_NAME, journal_path
from psoas_desktop.storage.merge import MergeResult
from psoas_desktop.storage.paths import resolve_paths


class Setup:
    def __init__(self, qtbot: QtBot, tmp_path: Path, clock: FakeClock) -> None:
        self.qtbot = qtbot
        self.clock = clock
        self.data_dir = tmp_path / "home"
        self.config_dir = tmp_path / "config"
        self.sync_dir = tmp_path / "Sync"
        self.sync_dir.mkdir()
        self.now = lambda: clock.now().astimezone(UTC)
        opened = History.open(self.data_dir, now=self.now)
        assert opened.messages == ()
        self.history = opened.history
        self.window = MainWindow(load_catalog(), SettingsStore(self.config_dir), AppSettings(), clock)
        qtbot.addWidget(self.window)
        self.window.show()
        self.link: HistoryLink | None = None
        self.sync: SyncLink | None = None
        self.others: list[OtherComputer] = []

    def other(self, name: str = "work") -> OtherComputer:
        computer = OtherComputer(self.data_dir.parent / name, self.sync_dir, self.now)
        self.others.append(computer)
        return computer

    def start(self, folder: str | None = None, override: Path | None = None) -> SyncLink:
        """The app's wiring (gui._attach_sync) on a link whose history is open: attach, then the first merge."""
        self.window.app_settings = AppSettings(sync_folder=str(self.sync_dir) if folder is None else folder)
        self.link = HistoryLink(
            self.window,
            self.history,
            tz=UTC,
            today=lambda: self.clock.now().astimezone(UTC).date(),
            now=self.now,
            export_dir=self.data_dir,
        )
        paths = resolve_paths(self.data_dir, self.config_dir)
        self.sync = gui._attach_sync(self.link, paths, override)
        return self.sync

    def merged(self, action: Callable[[], object]) -> MergeResult:
        """Run `action` and wait for the merge it causes: its result arrives through the event loop, which
        runs only once this waits, so the signal is not missed."""
        action()
        assert self.sync is not None
        with self.qtbot.waitSignal(self.sync.merged, timeout=10_000) as blocker:
            pass
        result = blocker.args[0] if blocker.args else None
        assert isinstance(result, MergeResult)
        return result

    def close(self) -> None:
        if self.sync is not None:
            self.sync.close()
        if self.link is not None:
            if self.link.history_window is not None:
                self.link.history_window.close()
            self.link.close()
        self.history.close()
        for computer in self.others:
            computer.close()


@pytest.fixture
def setup(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    welcomed = WelcomeAnswer(dont_show_again=True, break_minutes=0)
    monkeypatch.setattr(dialogs.WelcomeDialog, "ask", classmethod(lambda cls, note, parent: welcomed))
    made = Setup(qtbot, tmp_path, FakeClock())
    yield made
    made.close()


def test_without_a_sync_folder_nothing_is_written_or_watched(setup: Setup) -> None:
    sync = setup.start(folder="")
    assert sync.folder is None and not sync.rescan_timer.isActive()
    assert not (setup.sync_dir / FOLDER_NAME).exists()


def test_a_session_another_computer_recorded_shows_up_while_the_app_is_open(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = setup.other()
    work.record(setup.clock.now() - timedelta(hours=2))  # before this app started: the first merge
    first = setup.merged(setup.start)
    assert (first.new_sessions, first.devices, first.warnings) == (1, 1, [])
    device = setup.history.device_id()
    assert device is not None and journal_path(setup.sync_dir, device).exists()  # joined: own journal
    link, window = setup.link, setup.window
    assert link is not None and link.completed_this_week() == 1
    window.menu_actions.history.trigger()
    view = link.history_window
    assert view is not None
    setup.qtbot.waitUntil(lambda: view.table_row_count() == 1, timeout=5000)

    refreshed: list[bool] = []
    original = window.refresh_progression

    def counting() -> None:
        refreshed.append(True)
        original()

    monkeypatch.setattr(window, "refresh_progression", counting)
    work.record(setup.clock.now() - timedelta(hours=1))  # while the app is open
    sync = setup.sync
    assert sync is not None
    result = setup.merged(sync.rescan_timer.timeout.emit)  # the 60 s rescan, fired by hand
    assert (result.new_sessions, result.devices) == (1, 1)
    setup.qtbot.waitUntil(lambda: view.table_row_count() == 2, timeout=5000)  # the window followed
    assert link.completed_this_week() == 2 and refreshed == [True]
    assert setup.merged(sync.merge_now).new_sessions == 0  # nothing new: nothing doubled
    assert refreshed == [True]  # a merge that changed nothing refreshes nothing


def test_the_watcher_sees_another_computers_journal_grow_and_the_rescan_runs_every_60_s(setup: Setup) -> None:
    work = setup.other()
    work.record(setup.clock.now() - timedelta(days=1))
    setup.merged(setup.start)
    sync = setup.sync
    assert sync is not None
    assert sync.rescan_timer.isActive() and sync.rescan_timer.interval() == RESCAN_MS == 60_000
    work_device = work.history.device_id()
    assert work_device is not None
    watched = set(sync.watcher.files()) | set(sync.watcher.directories())
    assert {str(setup.sync_dir / FOLDER_NAME), str(journal_path(setup.sync_dir, work_device))} <= watched
    own = setup.history.device_id()
    assert own is not None and str(journal_path(setup.sync_dir, own)) not in watched  # our own appends

    work.record(setup.clock.now() - timedelta(hours=3))  # appends to the watched file
    setup.qtbot.waitUntil(sync.settle_timer.isActive, timeout=5000)  # the real watcher noticed
    result = setup.merged(sync.settle_timer.timeout.emit)  # the settle delay, cut short by hand
    sync.settle_timer.stop()
    assert result.new_sessions == 1 and len(setup.history.sessions()) == 2

    third = setup.other("laptop")  # a new computer's journal: a new file in the watched folder
    third.record(setup.clock.now() - timedelta(hours=4))
    setup.qtbot.waitUntil(sync.settle_timer.isActive, timeout=5000)
    result = setup.merged(sync.settle_timer.timeout.emit)
    sync.settle_timer.stop()
    assert (result.new_sessions, result.devices) == (1, 2)
    third_device = third.history.device_id()
    assert (
        third_device is not None and str(journal_path(setup.sync_dir, third_device)) in sync.watcher.files()
    )


def test_a_damaged_journal_is_told_once_and_everything_else_merges(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    work = setup.other()
    work.record(setup.clock.now() - timedelta(hours=2))
    (setup.sync_dir / FOLDER_NAME / "garbage.jsonl").write_text("not a journal\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="psoas_desktop.app.sync_link"):
        result = setup.merged(setup.start)
    assert result.new_sessions == 1 and len(result.warnings) == 1 and "garbage.jsonl" in result.warnings[0]
    notice = setup.window.notice
    assert "garbage.jsonl" in notice.text and "damaged line" in notice.text
    assert any("garbage.jsonl" in record.getMessage() for record in caplog.records)
    (setup.sync_dir / FOLDER_NAME / "garbage.jsonl").write_text("not a journal\n", encoding="utf-8")
    sync = setup.sync
    assert sync is not None
    shown = notice.text
    setup.merged(sync.merge_now)  # the same file read again from its start: the same warning, not shown twice
    assert notice.text == shown


def test_a_journal_that_cannot_be_written_is_a_warning_and_the_history_still_saves(setup: Setup) -> None:
    (setup.sync_dir / FOLDER_NAME).write_text("a file where the journals folder should be", encoding="utf-8")
    setup.start()
    bar = setup.window.notice
    # The merge tells it as a warning too (the folder cannot be read): nothing else is affected.
    setup.qtbot.waitUntil(
        lambda: "cannot be written" in bar.text and "nothing was merged from it" in bar.text, timeout=10_000
    )
    assert "still saved here" in bar.text and "Not a directory" in bar.text
    sync = setup.sync
    assert sync is not None and sync.rescan_timer.isActive()  # it keeps trying: fixed, it merges again
    session = setup.history.start_session("quick-stretch", "standard", setup.clock.now())
    assert [s.id for s in setup.history.sessions()] == [session]


def test_a_sync_dir_the_guards_refuse_is_told_and_nothing_is_synced(setup: Setup) -> None:
    sync = setup.start(override=setup.data_dir / "inside")
    assert sync.folder is None and not sync.rescan_timer.isActive()
    assert "inside the data folder" in setup.window.notice.text


def test_the_settings_dialog_refuses_a_folder_inside_the_data_folder_and_keeps_the_rest(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup.merged(setup.start)
    window = setup.window
    inside = str(setup.data_dir / "shared")
    chosen = AppSettings(sync_folder=inside, weekly_goal=5)
    monkeypatch.setattr(SettingsDialog, "ask", classmethod(lambda cls, current, parent: chosen))
    window.open_settings()
    assert "inside the data folder" in window.notice.text and "was not changed" in window.notice.text
    saved, _messages = window.store.load()
    assert (saved.sync_folder, saved.weekly_goal) == (str(setup.sync_dir), 5)
    assert window.app_settings.sync_folder == str(setup.sync_dir)


def test_a_new_folder_chosen_in_settings_is_used_at_once_and_none_stops_the_journal(
    setup: Setup, tmp_path: Path
) -> None:
    setup.merged(setup.start)
    sync, window = setup.sync, setup.window
    assert sync is not None
    other_folder = tmp_path / "Dropbox"
    setup.merged(lambda: window.apply_settings(AppSettings(sync_folder=str(other_folder))))
    device = setup.history.device_id()
    assert device is not None and journal_path(other_folder, device).exists()
    assert str(sync.folder) == str(other_folder)
    window.apply_settings(AppSettings(sync_folder=""))
    setup.history.flush()
    size = journal_path(other_folder, device).stat().st_size
    setup.history.start_session("quick-stretch", "standard", setup.clock.now())
    assert journal_path(other_folder, device).stat().st_size == size  # the journal was detached
    assert sync.folder is None and not sync.rescan_timer.isActive()


def test_a_long_merge_shows_a_progress_bar_in_the_status_bar_until_it_ends(setup: Setup) -> None:
    setup.merged(setup.start)
    sync = setup.sync
    assert sync is not None
    bar = sync.progress_bar
    assert setup.window.statusBar().isAncestorOf(bar) and bar.isHidden()

    def slow_merge() -> None:
        sync.merge_now()
        sync.progress_timer.timeout.emit()  # still merging when the delay is over (fired before the result)
        sync.progress_timer.stop()
        assert bar.isVisible()

    setup.merged(slow_merge)
    assert bar.isHidden()
    QApplication.processEvents()


def test_a_folder_typed_with_a_tilde_is_the_same_folder_for_the_journal_the_merge_and_the_watcher(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(setup.sync_dir.parent))
    work = setup.other()
    work.record(setup.clock.now() - timedelta(hours=2))
    assert setup.merged(lambda: setup.start(folder="~/Sync")).new_sessions == 1
    sync = setup.sync
    assert sync is not None and sync.folder == setup.sync_dir.resolve()
    assert str(setup.sync_dir / FOLDER_NAME) in sync.watcher.directories()


def test_a_one_shot_sync_of_another_folder_leaves_the_journal_in_the_windows_own(
    setup: Setup, tmp_path: Path
) -> None:
    setup.merged(setup.start)
    sync = setup.sync
    assert sync is not None
    elsewhere = tmp_path / "Elsewhere"
    carried = OtherComputer(tmp_path / "usb", elsewhere, setup.now)
    setup.others.append(carried)
    carried.record(setup.clock.now() - timedelta(days=3))
    replies: list[tuple[object, ...]] = []
    sync.sync_once(elsewhere, lambda *reply: replies.append(reply))
    setup.qtbot.waitUntil(lambda: replies != [], timeout=10_000)
    ((result, warnings, error),) = replies
    assert isinstance(result, MergeResult) and (result.new_sessions, warnings, error) == (1, [], None)
    device = setup.history.device_id()
    assert device is not None and journal_path(elsewhere, device).exists()  # written there once
    size = journal_path(elsewhere, device).stat().st_size
    setup.history.start_session("quick-stretch", "standard", setup.clock.now())
    assert journal_path(elsewhere, device).stat().st_size == size  # back to the window's own folder
    assert "quick-stretch" in journal_path(setup.sync_dir, device).read_text(encoding="utf-8")
