"""The session keys (Space, Right/Left, N/B, S, F11, Ctrl+M, Escape…) work wherever the focus is in the window.

Qt first offers a key to the focused widget as a ShortcutOverride; a widget that accepts it keeps the key
and the shortcut never fires. And while the window manager has not told Qt that the window is active (after
a dialog, on some window managers and in Xvfb), no ApplicationShortcut fires at all: the key goes to the
focused widget, and Space on the routine box opened its list. So the session keys are taken from every
widget of the window here, before the widget sees them, except from a text field or a spin box (Space is a
character there, Left and Right move the cursor), from the menu bar while it is driven by the keyboard (Alt,
then Left/Right between the menus) and from an open popup, where keys do their usual job.
Other keys (Up/Down in the exercise list, Enter, Tab) are left alone.

The session's shortcuts are application-wide so that they also work in the mat and compact windows; in any
other window of the app (the history window) they stay that window's keys: S there must not stop the
session, and Space presses the focused button.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMenuBar,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from psoas_desktop.qt.session.extra_views import CountdownWindow

_KEY_KEEPERS = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit, QMenuBar)


def _key_text(keys: QKeySequence) -> str:
    return keys.toString(QKeySequence.SequenceFormat.PortableText)


def _pressed(event: QKeyEvent) -> str:
    """The key with its modifiers, as a shortcut names it; the keypad flag does not count."""
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return _key_text(QKeySequence(QKeyCombination(modifiers, Qt.Key(event.key()))))


def keeps_its_keys(widget: QWidget) -> bool:
    """A text field or spin box, where keys edit the text, or the menu bar, where they move between menus."""
    return isinstance(widget, _KEY_KEEPERS) or (isinstance(widget, QComboBox) and widget.isEditable())


class SessionKeys(QObject):
    """Watches the application's key events and hands the session keys of `window` to their actions."""

    def __init__(self, window: QWidget, actions: Iterable[QAction]) -> None:
        super().__init__(window)
        self._window = window
        self._actions = {_key_text(keys): action for action in actions for keys in action.shortcuts()}
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)  # removed by Qt when this object goes with the window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        assert isinstance(event, QKeyEvent)
        action = self._actions.get(_pressed(event))
        if action is None or not isinstance(watched, QWidget):
            return False
        if self._in_other_window(watched):
            if kind == QEvent.Type.ShortcutOverride:
                event.accept()  # that window keeps the key: the session's shortcut does not fire there
                return True
            return False
        if not self._in_window(watched):
            return False
        if keeps_its_keys(watched):
            if kind != QEvent.Type.ShortcutOverride:
                return False
            event.accept()  # the widget keeps the key, the shortcut does not fire (the menu bar asks for none)
            return True
        if kind == QEvent.Type.ShortcutOverride:
            event.ignore()  # the widget does not keep the key: Qt now looks for the shortcut
            return True
        # A key press that the shortcut did not take: the window is not (yet) the active one for Qt.
        action.trigger()
        return True

    def _in_other_window(self, widget: QWidget) -> bool:
        """A widget of another window of the app than this one and its mat and compact views."""
        top = widget.window()
        return top is not self._window and not isinstance(top, CountdownWindow)

    def _in_window(self, watched: QObject) -> bool:
        """A widget of this window while no popup (menu, combo list) is open: the popup has the keys then."""
        return (
            isinstance(watched, QWidget)
            and watched.window() is self._window
            and QApplication.activePopupWidget() is None
        )
