"""The session keys reach the session wherever the focus is in the main window, and after every dialog.

Seen on screen: after the check-in, the focus sat on the routine box and the first Space opened its list; F11
did nothing after the stop question. The dialogs here are the real ones, shown and closed with a key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.engine import EngineState
from psoas_desktop.core.settings import AppSettings, Settings
from psoas_desktop.qt.history.checkin_dialog import CheckinDialog
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.settings.dialog import SettingsDialog
from psoas_desktop.qt.settings.store import SettingsStore

Key = Qt.Key


def stop_and_close_views(window: MainWindow) -> None:
    """Before pytest-qt closes the window: a running session would ask the real stop question."""
    if window.session_active:
        window.ticker.stop()
    for extra in (window.mat_window, window.compact_window):
        if extra is not None:
            extra.close()


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    settings = AppSettings(workout=Settings(lead_in_seconds=3, switch_seconds=4, hold_seconds=20, sets=2))
    win = MainWindow(load_catalog(), SettingsStore(tmp_path / "config"), settings, FakeClock())
    qtbot.addWidget(win, before_close_func=stop_and_close_views)
    win.show()
    win.activateWindow()
    qtbot.waitActive(win)
    return win


def state_of(window: MainWindow) -> EngineState | None:
    engine = window.ticker.engine
    return engine.state if engine is not None else None


def press(key: Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key as the keyboard sends it: to the focused widget, through Qt's shortcut handling."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    QTest.keyClick(target, key, modifier)


def answer_with(key: Key) -> list[str]:
    """Presses `key` in the modal dialog once it is up and active; returns the titles of dialogs the key did
    not close within two seconds (closed then anyway, so that the modal loop ends), to assert on."""
    left_open: list[str] = []

    def press_when_up() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog) or QApplication.activeWindow() is not dialog:
            QTimer.singleShot(10, press_when_up)  # exec() has not shown it yet
            return
        finished: list[int] = []
        dialog.finished.connect(finished.append)
        QTest.keyClick(dialog.focusWidget() or dialog, key)
        check_finished(dialog, finished, tries=200)

    def check_finished(dialog: QDialog, finished: list[int], tries: int) -> None:
        if finished:
            return
        if tries == 0:
            left_open.append(dialog.windowTitle())
            dialog.close()
            return
        # A mnemonic (Y for Yes) clicks its button with a short animation.
        QTimer.singleShot(10, lambda: check_finished(dialog, finished, tries - 1))

    QTimer.singleShot(0, press_when_up)
    return left_open


def focus_routine_box(qtbot: QtBot, window: MainWindow) -> None:
    """Where the focus sat in the report: on the routine box."""
    window.exercise_list.routine_combo.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.exercise_list.routine_combo)


def ask_stop_and_answer_yes(window: MainWindow) -> None:
    window.toggle()
    left_open = answer_with(Key.Key_Y)
    window.request_stop()
    assert not left_open and state_of(window) is EngineState.STOPPED


def ask_checkin(window: MainWindow) -> None:
    left_open = answer_with(Key.Key_Escape)
    assert CheckinDialog.ask(False, window) is None  # as the history saver asks it, the window its parent
    assert not left_open


def ask_settings(window: MainWindow) -> None:
    left_open = answer_with(Key.Key_Escape)
    window.open_settings()
    assert not left_open


def ask_welcome(window: MainWindow) -> None:
    left_open = answer_with(Key.Key_Escape)
    window.show_welcome()
    assert not left_open


def ask_shortcuts(window: MainWindow) -> None:
    left_open = answer_with(Key.Key_Escape)
    window.show_shortcuts()
    assert not left_open


@pytest.mark.parametrize(
    "open_and_close",
    [ask_stop_and_answer_yes, ask_checkin, ask_settings, ask_welcome, ask_shortcuts],
    ids=["stop question", "check-in", "settings", "welcome", "keyboard shortcuts"],
)
def test_after_every_dialog_the_session_has_the_keyboard(
    qtbot: QtBot, window: MainWindow, open_and_close: Callable[[MainWindow], None]
) -> None:
    focus_routine_box(qtbot, window)
    open_and_close(window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.start_button)
    assert QApplication.activeWindow() is window
    press(Key.Key_Space)
    assert state_of(window) is EngineState.RUNNING
    assert not window.exercise_list.routine_combo.view().isVisible()
    press(Key.Key_F11)
    qtbot.waitUntil(lambda: window.mat_window is not None)


def test_the_window_opens_with_the_start_button_focused(window: MainWindow) -> None:
    assert QApplication.focusWidget() is window.start_button


def test_routine_box_and_exercise_list_take_the_focus_by_click_or_tab_only(window: MainWindow) -> None:
    panel = window.exercise_list
    for widget in (panel.routine_combo, panel.view):
        assert widget.focusPolicy() == Qt.FocusPolicy.StrongFocus


@pytest.fixture
def other_window_active(qtbot: QtBot) -> Iterator[QWindow]:
    """Qt sees no window of ours as active, while keys still arrive (a window manager that did not tell)."""
    other = QWindow()
    other.show()
    other.requestActivate()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is other)
    yield other
    other.destroy()


@pytest.mark.parametrize("widget_name", ["routine_combo", "view"])
def test_a_focused_routine_box_or_exercise_list_does_not_keep_the_session_keys(
    qtbot: QtBot, window: MainWindow, widget_name: str, other_window_active: QWindow
) -> None:
    widget = getattr(window.exercise_list, widget_name)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClick(widget, Key.Key_Space)
    assert state_of(window) is EngineState.RUNNING
    assert not window.exercise_list.routine_combo.view().isVisible()  # the list did not open
    QTest.keyClick(widget, Key.Key_F11)
    qtbot.waitUntil(lambda: window.mat_window is not None)
    QTest.keyClick(widget, Key.Key_Escape)
    qtbot.waitUntil(lambda: window.mat_window is None)
    QTest.keyClick(widget, Key.Key_Space)
    assert state_of(window) is EngineState.PAUSED
    QTest.keyClick(widget, Key.Key_S)  # paused: stops without a question
    assert state_of(window) is EngineState.STOPPED


@pytest.mark.parametrize("widget_name", ["routine_combo", "view"])
def test_each_session_key_works_from_the_routine_box_and_the_list(
    qtbot: QtBot, window: MainWindow, widget_name: str
) -> None:
    window.exercise_list.select_routine("psoas-3")
    widget = getattr(window.exercise_list, widget_name)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    press(Key.Key_Space)
    engine = window.ticker.engine
    assert engine is not None and state_of(window) is EngineState.RUNNING
    press(Key.Key_Right)
    assert engine.phase_index == 1
    press(Key.Key_N)
    assert engine.phase_index == 2
    press(Key.Key_B)  # in the phase's first second: back to the previous one
    assert engine.phase_index == 1
    press(Key.Key_Left)
    assert engine.phase_index == 0
    press(Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.compact_window is not None)
    press(Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.compact_window is None)
    assert QApplication.focusWidget() is widget  # the keys did not move the focus either


def test_up_and_down_still_move_through_the_exercise_list(window: MainWindow) -> None:
    panel = window.exercise_list
    panel.select_routine("psoas-3")
    panel.view.setFocus(Qt.FocusReason.TabFocusReason)
    assert panel.current_row() == 0
    press(Key.Key_Down)
    press(Key.Key_Down)
    assert panel.current_row() == 2
    press(Key.Key_Up)
    assert panel.current_row() == 1
    assert state_of(window) is EngineState.IDLE


def test_an_open_routine_list_keeps_its_keys(qtbot: QtBot, window: MainWindow) -> None:
    combo = window.exercise_list.routine_combo
    combo.setFocus(Qt.FocusReason.TabFocusReason)
    first = combo.currentIndex()
    combo.showPopup()
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
    QTest.keyClick(combo.view(), Key.Key_Down)
    QTest.keyClick(combo.view(), Key.Key_Right)  # a session key: still the list's
    QTest.keyClick(combo.view(), Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None)
    assert combo.currentIndex() == first + 1
    assert state_of(window) is EngineState.IDLE


def test_a_text_field_in_the_window_gets_space_and_letters_as_characters(
    qtbot: QtBot, window: MainWindow
) -> None:
    central = window.centralWidget()
    assert central is not None
    field = QLineEdit(central)
    layout = central.layout()
    assert isinstance(layout, QVBoxLayout)
    layout.addWidget(field)
    field.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)
    QTest.keyClicks(field, "s nb")
    QTest.keyClick(field, Key.Key_Left)
    assert field.text() == "s nb" and field.cursorPosition() == 3
    assert state_of(window) is EngineState.IDLE


def test_the_check_in_note_and_rating_get_space_and_keys(qtbot: QtBot, window: MainWindow) -> None:
    dialog = CheckinDialog(False, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitActive(dialog)
    dialog.note_edit.setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClicks(dialog.note_edit, "eased a bit")
    assert dialog.note_edit.text() == "eased a bit"
    spin = dialog.overall_spin
    assert spin is not None
    spin.setFocus(Qt.FocusReason.TabFocusReason)
    spin.selectAll()
    QTest.keyClicks(spin, "4")
    assert spin.value() == 4
    assert state_of(window) is EngineState.IDLE
    dialog.close()


def test_the_settings_spin_boxes_keep_their_keys(qtbot: QtBot, window: MainWindow) -> None:
    dialog = SettingsDialog(window.app_settings, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitActive(dialog)
    spin = next(iter(dialog.spins.values()))
    spin.setFocus(Qt.FocusReason.TabFocusReason)
    before = spin.value()
    QTest.keyClick(spin, Key.Key_Up)
    QTest.keyClick(spin, Key.Key_Space)
    QTest.keyClick(spin, Key.Key_S)
    assert spin.value() == min(before + 1, spin.maximum())
    assert state_of(window) is EngineState.IDLE
    assert isinstance(dialog, QDialog) and dialog.isVisible()
    dialog.close()


def test_the_menu_bar_driven_by_the_keyboard_keeps_left_and_right(window: MainWindow) -> None:
    window.toggle()
    bar = window.menuBar()
    press(Key.Key_Alt)  # the menu bar takes the keyboard, its first menu highlighted
    assert QApplication.focusWidget() is bar
    press(Key.Key_Right)
    active_menu = bar.activeAction()
    assert active_menu is not None and active_menu.text() == "&View"
    engine = window.ticker.engine
    assert engine is not None and engine.phase_index == 0  # not skipped
    press(Key.Key_Escape)
    assert QApplication.focusWidget() is not bar
    press(Key.Key_Right)
    assert engine.phase_index == 1


def test_only_a_modal_dialog_hands_the_focus_back(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    returned: list[str] = []
    monkeypatch.setattr(window.focus_return, "restore", lambda: returned.append("back"))
    aside = QDialog(window)  # not modal, e.g. a tool window: it did not take the keyboard away
    aside.show()
    qtbot.waitExposed(aside)
    aside.hide()
    QApplication.processEvents()  # where a focus return would run
    assert returned == []
    aside.setModal(True)
    aside.show()
    qtbot.waitExposed(aside)
    aside.hide()
    qtbot.waitUntil(lambda: returned == ["back"])


def test_in_another_window_of_the_app_the_session_keys_stay_that_windows_keys(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The history window is a window of its own: S there does not stop the session, Space presses its
    focused button, and the session goes on."""
    from PySide6.QtWidgets import QPushButton, QWidget

    from psoas_desktop.qt.session import dialogs

    asked: list[QWidget] = []

    def ask(cls: type[dialogs.ConfirmStop], parent: QWidget) -> bool:
        asked.append(parent)
        return False

    monkeypatch.setattr(dialogs.ConfirmStop, "ask", classmethod(ask))
    window.start_session("quick-stretch")
    other = QWidget()
    qtbot.addWidget(other)
    button = QPushButton("Save weekly summary", other)
    clicks: list[bool] = []
    button.clicked.connect(lambda: clicks.append(True))
    other.show()
    handle = other.windowHandle()
    assert handle is not None
    handle.requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other)
    button.setFocus()
    press(Key.Key_S)
    press(Key.Key_Space)
    assert asked == [] and state_of(window) is EngineState.RUNNING  # not asked to stop, not paused
    assert len(clicks) == 1
    main_handle = window.windowHandle()
    assert main_handle is not None
    main_handle.requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.start_button.setFocus()
    press(Key.Key_Space)  # back in the main window, Space is the session's again
    assert state_of(window) is EngineState.PAUSED
