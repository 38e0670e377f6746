"""The app between workouts: tray state and menu, reminders that never take the focus, close to the tray."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.engine import EngineState
from psoas_desktop.core.reminders import HeldBack
from psoas_desktop.core.settings import AppSettings, ReminderSettings, Settings
from psoas_desktop.qt.desktop.reminders import ReminderScheduler
from psoas_desktop.qt.desktop.shell import LAST_NUDGED_KEY, DesktopShell
from psoas_desktop.qt.desktop.tray import Tray, TrayState, state_icon, tooltip_for
from psoas_desktop.qt.session import dialogs
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.settings.store import SettingsStore

HOURLY = ReminderSettings(break_minutes=60)
FRIDAY_EVENING = datetime(2026, 11, 27, 18, 0, tzinfo=timezone(timedelta(hours=1)))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def window(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    monkeypatch.setattr(dialogs.ConfirmStop, "ask", classmethod(lambda cls, parent: True))
    settings = AppSettings(workout=Settings(lead_in_seconds=3), reminders=HOURLY)
    win = MainWindow(load_catalog(), SettingsStore(tmp_path / "config"), settings, clock)
    qtbot.addWidget(win)
    win.show()
    yield win
    if win.session_active:
        win.ticker.stop()


@pytest.fixture
def shell(window: MainWindow) -> Iterator[DesktopShell]:
    desktop = DesktopShell(window, completed_this_week=lambda: 1, force_tray=True)
    yield desktop
    desktop.stop()


@pytest.fixture
def no_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    """A desktop whose tray cannot show notifications: the reminder window stands in."""
    monkeypatch.setattr(Tray, "notify", lambda self, title, text: False)


def state_of(tray: Tray) -> TrayState:
    return tray.state  # read through a call: mypy would otherwise pin the narrowed enum value


def test_tray_reflects_idle_running_and_paused_with_the_remaining_time(
    window: MainWindow, shell: DesktopShell, clock: FakeClock
) -> None:
    tray = shell.tray
    assert state_of(tray) is TrayState.IDLE and not tray.toggle_action.isEnabled()
    window.start_session("quick-stretch")
    assert state_of(tray) is TrayState.RUNNING
    assert tray.tooltip() == "Psoas Desktop — Kneeling Psoas Stretch: Get ready 0:03 · session 1:58 left"
    assert not tray.start_actions["psoas-3"].isEnabled()  # one session at a time
    clock.advance(1.0)
    tray.toggle_action.trigger()  # pause from the tray menu
    assert window.ticker.engine is not None and window.ticker.engine.state is EngineState.PAUSED
    assert state_of(tray) is TrayState.PAUSED and tray.toggle_action.text() == "&Resume"
    assert tray.tooltip().endswith("Get ready 0:02 (paused) · session 1:57 left")
    window.ticker.stop()
    assert state_of(tray) is TrayState.IDLE and tray.tooltip() == "Psoas Desktop — session stopped"


def test_tray_menu_starts_a_routine_and_shows_the_window(window: MainWindow, shell: DesktopShell) -> None:
    window.hide()
    shell.tray.start_actions["quick-stretch"].trigger()
    assert window.isVisible() and window.session_active
    assert window.exercise_list.current_routine_id() == "quick-stretch"


def test_state_icons_differ(qtbot: QtBot) -> None:
    tray = Tray([("quick-stretch", "Quick stretch")], force=True)
    assert tray.icon is not None
    idle = tray.icon.icon().pixmap(32).toImage()
    assert state_icon(TrayState.PAUSED).pixmap(32).toImage() != idle
    assert state_icon(TrayState.RUNNING, 0.0).pixmap(32).toImage() != idle
    assert tooltip_for(None) == "Psoas Desktop — ready"


NOT_SAVING = "Workouts are not being saved: the disk is full."


def ring_of(tray: Tray) -> QImage:
    assert tray.icon is not None
    return tray.icon.icon().pixmap(32).toImage()


def ring_of_step(tray: Tray, *, not_saving: bool) -> QImage:
    """The running ring at the tray's current step, drawn with or without the "not saving" mark."""
    return state_icon(TrayState.RUNNING, tray._step / 12, not_saving=not_saving).pixmap(32).toImage()


def test_a_tray_attached_after_the_warning_shows_it_and_follows_the_bar(
    window: MainWindow, clock: FakeClock
) -> None:
    window.save_warning.show_problem(NOT_SAVING)  # the history spoke before the tray came up
    shell = DesktopShell(window, completed_this_week=lambda: 1, force_tray=True)
    try:
        tray = shell.tray
        assert tray.icon is not None
        assert tray.tooltip() == f"Psoas Desktop — ready\n⚠ {NOT_SAVING}"
        marked = tray.icon.icon().pixmap(32).toImage()
        assert marked != state_icon(TrayState.IDLE).pixmap(32).toImage()
        window.start_session("quick-stretch")  # the session's tooltip keeps the warning
        assert tray.tooltip().endswith(f"session 1:58 left\n⚠ {NOT_SAVING}")
        clock.advance(1.0)
        window.ticker.poll()  # the ring moved on: it is redrawn with the mark
        assert ring_of(tray) == ring_of_step(tray, not_saving=True)
        window.save_warning.clear()  # a save succeeded again
        assert "⚠" not in tray.tooltip()
        assert ring_of(tray) == ring_of_step(tray, not_saving=False)
    finally:
        shell.stop()


@pytest.mark.usefixtures("no_notifications")
def test_a_break_reminder_after_an_hour_of_sitting_shows_without_taking_the_focus(
    qtbot: QtBot, window: MainWindow, shell: DesktopShell, clock: FakeClock
) -> None:
    editor = QLineEdit()  # the user is typing somewhere else
    qtbot.addWidget(editor)
    editor.show()
    editor.activateWindow()
    editor.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editor)
    clock.advance(59 * 60)
    shell.scheduler.check()
    assert not shell.popup.isVisible()
    clock.advance(60)
    shell.scheduler.check()
    assert shell.popup.isVisible() and "sitting for about 60 minutes" in shell.popup.text_label.text()
    assert shell.popup.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert shell.popup.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus
    assert QApplication.focusWidget() is editor  # typing goes on undisturbed
    shell.popup.start_button.click()
    assert window.session_active and window.exercise_list.current_routine_id() == "quick-stretch"


@pytest.mark.usefixtures("no_notifications")
def test_snooze_holds_the_reminder_for_fifteen_minutes(shell: DesktopShell, clock: FakeClock) -> None:
    clock.advance(3600)
    shell.scheduler.check()
    assert shell.popup.isVisible()
    shell.popup.snooze_button.click()
    assert not shell.popup.isVisible()
    clock.advance(3600)  # an hour later: the reminder is due again
    shell.snooze_action.trigger()  # snoozed from the tray menu
    clock.advance(14 * 60)
    shell.scheduler.check()
    assert not shell.popup.isVisible()
    clock.advance(60)
    shell.scheduler.check()
    assert shell.popup.isVisible()


def test_with_notifications_the_reminder_is_a_notification_and_clicking_it_starts_the_stretch(
    window: MainWindow, shell: DesktopShell, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, str]] = []

    def notify(self: Tray, title: str, text: str) -> bool:
        sent.append((title, text))
        return True

    monkeypatch.setattr(Tray, "notify", notify)
    clock.advance(3600)
    shell.scheduler.check()
    assert [title for title, _ in sent] == ["Time to stand up"] and not shell.popup.isVisible()
    assert sent[0][1].endswith("Click here to start the quick stretch.")
    shell.tray.notification_clicked.emit()
    assert window.session_active and window.exercise_list.current_routine_id() == "quick-stretch"


@pytest.mark.usefixtures("no_notifications")
def test_no_break_reminder_during_a_workout_and_sitting_restarts_after_it(
    window: MainWindow, shell: DesktopShell, clock: FakeClock
) -> None:
    window.start_session("quick-stretch")
    clock.advance(3600)
    shell.scheduler.check()
    assert not shell.popup.isVisible()
    window.ticker.stop()  # the session ends: sitting starts again now
    clock.advance(59 * 60)
    shell.scheduler.check()
    assert not shell.popup.isVisible()


@pytest.mark.usefixtures("no_notifications")
def test_a_break_reminder_waits_during_a_presentation_and_shows_after_it(
    window: MainWindow, clock: FakeClock
) -> None:
    quiet: list[HeldBack | None] = [HeldBack.FULL_SCREEN]
    shell = DesktopShell(
        window, completed_this_week=lambda: 1, desktop_quiet=lambda: quiet[-1], force_tray=True
    )
    try:
        clock.advance(3600)
        shell.scheduler.check()
        assert not shell.popup.isVisible()
        quiet.append(None)
        clock.advance(10 * 60)
        shell.scheduler.check()
        assert shell.popup.isVisible() and "sitting for about 70 minutes" in shell.popup.text_label.text()
    finally:
        shell.stop()


def test_weekly_nudge_late_in_a_week_below_the_goal_once(qtbot: QtBot, tmp_path: Path) -> None:
    clock = FakeClock(start=FRIDAY_EVENING)
    remembered: list[str] = []
    scheduler = ReminderScheduler(
        clock,
        settings=lambda: (ReminderSettings(), 3),
        session_active=lambda: False,
        completed_this_week=lambda: 1,
        last_nudged_week=lambda: remembered[-1] if remembered else "",
        remember_nudged_week=remembered.append,
    )
    with qtbot.waitSignal(scheduler.nudge_due) as nudged:
        scheduler.check()
    assert nudged.args == [
        "You have 1 of 3 sessions this week; your goal is 3. A short routine today or tomorrow keeps the week "
        "on track."
    ]
    assert remembered == ["2026-W48"]
    with qtbot.assertNotEmitted(scheduler.nudge_due):
        scheduler.check()


def test_the_nudge_week_is_remembered_in_the_settings_file(window: MainWindow, shell: DesktopShell) -> None:
    shell.scheduler._remember_nudged_week("2026-W48")
    assert SettingsStore(window.store.path.parent).get_text(LAST_NUDGED_KEY) == "2026-W48"


def test_close_to_tray_keeps_the_session_running_and_quit_ends_it(
    qtbot: QtBot, window: MainWindow, shell: DesktopShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", lambda *_: quits.append(True))
    window.apply_settings(window.app_settings.with_changes(close_to_tray=True))
    window.start_session("quick-stretch")
    with qtbot.waitSignal(window.closed_to_tray):
        window.close()
    assert (window.isVisible(), window.session_active) == (False, True)
    shell.tray.show_action.trigger()
    assert window.isVisible()
    shell.tray.quit_action.trigger()  # Quit from the tray ends the session and the app
    assert (window.isVisible(), window.session_active, quits) == (False, False, [True])
