"""The main window's menus and keyboard shortcuts.

Every shortcut is an ApplicationShortcut, so that it also works while the mat or compact window is in
front. The actions only call the window's slots: what they do lives in the window. The session keys also
work while a widget of the window that would keep them has the focus (see session_keys).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from psoas_desktop.qt.session.session_keys import SessionKeys

if TYPE_CHECKING:
    from psoas_desktop.qt.session.main_window import MainWindow


class WindowActions:
    def __init__(self, window: MainWindow) -> None:
        self._window = window
        bar = window.menuBar()
        self._menus = {name: bar.addMenu(name) for name in ("&Session", "&View", "&Help")}
        ticker = window.ticker
        self.toggle = self._add("&Start / Pause / Resume", ("Space",), window.toggle, "&Session")
        self.skip = self._add("S&kip phase", ("Right", "N"), ticker.skip, "&Session")
        self.back = self._add("&Back", ("Left", "B"), ticker.back, "&Session")
        self.skip_exercise = self._add("Skip &exercise", ("Shift+Right",), ticker.skip_exercise, "&Session")
        self.stop = self._add("S&top", ("S",), window.request_stop, "&Session")
        self.done = self._add("&Done (back to the start screen)", ("D",), window.done, "&Session")
        self._menus["&Session"].addSeparator()
        routines = window.routine_actions
        self.new_routine = self._add("&New routine…", ("Ctrl+N",), routines.new, "&Session")
        self.edit_routine = self._add("Ed&it routine…", ("Ctrl+Shift+E",), routines.edit, "&Session")
        self.duplicate_routine = self._add("D&uplicate routine…", ("Ctrl+D",), routines.duplicate, "&Session")
        self.delete_routine = self._add(
            "De&lete routine…", ("Ctrl+Shift+Delete",), routines.delete, "&Session"
        )
        self.import_routine = self._add("&Import routine…", ("Ctrl+I",), routines.import_, "&Session")
        self.export_routine = self._add("Export &routine…", ("Ctrl+Shift+S",), routines.export, "&Session")
        self._menus["&Session"].addSeparator()
        self.settings = self._add("Se&ttings…", ("Ctrl+,",), window.open_settings, "&Session")
        self.quit = self._add("&Quit", ("Ctrl+Q",), window.quit_app, "&Session")
        self.history = self._add("&History…", ("Ctrl+H",), window.history_requested.emit, "&View")
        self.export = self._add("&Export history…", ("Ctrl+E",), window.export_requested.emit, "&View")
        self._menus["&View"].addSeparator()
        self.mat = self._add("&Mat mode", ("F11",), window.toggle_mat_mode, "&View")
        self.compact = self._add("&Compact mode", ("Ctrl+M",), window.toggle_compact, "&View")
        self.shortcuts = self._add("&Keyboard shortcuts", ("F1",), window.show_shortcuts, "&Help")
        self.welcome = self._add("&Welcome and safety", (), window.show_welcome, "&Help")
        self.escape = self._add("Leave mat mode", ("Escape",), window.leave_mat_mode, None)
        self.back_to_window = self._add("Back to the window", (), window.back_to_window, None)
        session = (self.toggle, self.skip, self.back, self.skip_exercise, self.stop, self.done, self.mat)
        self.session_keys = SessionKeys(window, (*session, self.compact, self.escape))

    def _add(
        self, text: str, keys: tuple[str, ...], slot: Callable[[], object], menu_name: str | None
    ) -> QAction:
        """An action of the window (in a menu unless `menu_name` is None) with its shortcuts."""
        action = QAction(text, self._window)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)  # also in mat/compact windows
        action.triggered.connect(slot)
        self._window.addAction(action)
        if menu_name is not None:
            self._menus[menu_name].addAction(action)
        return action
