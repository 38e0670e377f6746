"""After a dialog of the main window closes, the session gets the keyboard back.

A closed modal dialog leaves the focus to the window manager, which may give it to no window at all (Xvfb,
some window managers), and Qt puts it back on whatever widget had it, often the routine box. Then F11 and
Ctrl+Q did nothing, or Space opened the routine list. Every dialog of the window (stop question, check-in,
settings, welcome, shortcuts) is its child, so watching the window's children covers them all in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QChildEvent, QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import QApplication, QDialog, QWidget

if TYPE_CHECKING:
    from psoas_desktop.qt.session.main_window import MainWindow


class FocusReturn(QObject):
    """When a modal dialog of `window` hides, activates the window (or its mat view) and focuses `home`."""

    def __init__(self, window: MainWindow, home: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._home = home
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._window and kind == QEvent.Type.ChildPolished:
            assert isinstance(event, QChildEvent)
            child = event.child()  # polished: fully built, unlike at ChildAdded
            if isinstance(child, QDialog):
                child.installEventFilter(self)
        elif kind == QEvent.Type.Hide and isinstance(watched, QDialog) and watched.isModal():
            QTimer.singleShot(0, self, self.restore)  # once the dialog's own exec() has returned
        return False

    @Slot()
    def restore(self) -> None:
        if QApplication.activeModalWidget() is not None or not self._window.isVisible():
            return  # another question is open (the check-in after the stop), or the window is in the tray
        self._home.setFocus(Qt.FocusReason.OtherFocusReason)
        mat = self._window.mat_window
        front: QWidget = mat if mat is not None and mat.isVisible() else self._window
        front.raise_()
        front.activateWindow()
