"""The bars atop the window. The "not saving" bar stays whatever the status bar says, is reachable by
keyboard and screen reader, and Retry can be pressed once per outcome. The notice gathers what the history
had to say at start and stays until dismissed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.settings import AppSettings
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.session.message_bars import ACCESSIBLE_NAME, SaveWarningBar
from psoas_desktop.qt.settings.store import SettingsStore

PROBLEM = "Workouts are not being saved: the disk is full."


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    win = MainWindow(load_catalog(), SettingsStore(tmp_path / "config"), AppSettings(), FakeClock())
    qtbot.addWidget(win)
    win.show()
    return win


def test_the_bar_is_hidden_until_there_is_a_problem_and_stays_through_later_messages(
    window: MainWindow,
) -> None:
    bar = window.save_warning
    assert not bar.isVisible() and bar.text == ""
    bar.show_problem(PROBLEM)
    window.show_message("Sound is off: no audio device was found.")
    window.show_message("Started Quick stretch. Space pauses.")
    assert bar.isVisible() and bar.text == PROBLEM
    assert bar.geometry().top() < window.splitter.geometry().top() or bar.y() == 0  # across the top
    assert bar.accessibleName() == ACCESSIBLE_NAME and bar.accessibleDescription() == PROBLEM


def test_retry_is_reachable_by_keyboard_and_waits_for_the_outcome(qtbot: QtBot, window: MainWindow) -> None:
    bar = window.save_warning
    bar.show_problem(PROBLEM)
    assert bar.retry_button.focusPolicy() & Qt.FocusPolicy.TabFocus
    asked: list[bool] = []
    bar.retry_requested.connect(lambda: asked.append(True))
    bar.retry_button.setFocus()
    QTest.keyClick(bar.retry_button, Qt.Key.Key_Return)
    assert asked == [True] and not bar.retry_button.isEnabled()
    QTest.keyClick(bar.retry_button, Qt.Key.Key_Return)  # one retry at a time
    assert asked == [True]
    bar.show_problem(PROBLEM)  # the retry failed: it can be pressed again
    assert bar.retry_button.isEnabled()


def test_clearing_hides_the_bar_and_says_so_once(qtbot: QtBot) -> None:
    bar = SaveWarningBar()
    qtbot.addWidget(bar)
    changes: list[str] = []
    bar.changed.connect(changes.append)
    bar.show_problem(PROBLEM)
    bar.show_problem(PROBLEM)  # the same text again is no change
    bar.clear()
    bar.clear()
    assert changes == [PROBLEM, ""] and bar.text == ""


def test_notices_add_up_stay_through_status_messages_and_go_when_dismissed(
    qtbot: QtBot, window: MainWindow
) -> None:
    notice = window.notice
    assert not notice.isVisible() and notice.text == ""
    notice.show_notice("The history file was damaged.")
    notice.show_notice("Your last session ended unexpectedly at 18:42; 7 finished holds were kept.")
    window.show_message("Sound is off.")
    assert notice.isVisible()
    assert notice.text == (
        "The history file was damaged. Your last session ended unexpectedly at 18:42; 7 finished holds were kept."
    )
    assert notice.accessibleDescription() == notice.text
    QTest.keyClick(notice.button, Qt.Key.Key_Return)  # Dismiss, by keyboard
    assert not notice.isVisible() and notice.text == ""
    notice.show_notice("Later news.")
    assert notice.text == "Later news."  # a dismissed notice does not come back with the next one
