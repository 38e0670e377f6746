"""The main window's size, place and pane widths, kept in the settings store between runs."""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QMainWindow, QSplitter

from psoas_desktop.qt.settings.store import SettingsStore

GEOMETRY_KEY = "window/geometry"
SPLITTER_KEY = "window/splitter"
DEFAULT_SIZE = (1200, 760)


def restore_layout(window: QMainWindow, splitter: QSplitter, store: SettingsStore) -> None:
    geometry = store.get_bytes(GEOMETRY_KEY)
    if geometry is None or not window.restoreGeometry(geometry):
        window.resize(*DEFAULT_SIZE)
    state = store.get_bytes(SPLITTER_KEY)
    if state is not None:
        splitter.restoreState(state)


def save_layout(window: QMainWindow, splitter: QSplitter, store: SettingsStore) -> None:
    store.set_bytes(GEOMETRY_KEY, QByteArray(window.saveGeometry()))
    store.set_bytes(SPLITTER_KEY, QByteArray(splitter.saveState()))
