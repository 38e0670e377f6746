"""The main window's layout: its size, place and pane widths, kept in the settings store between runs, and
how the panes fit a small or a large window."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QMainWindow, QSplitter

from psoas_desktop.qt.session.instructions import InstructionPane
from psoas_desktop.qt.settings.store import SettingsStore

GEOMETRY_KEY = "window/geometry"
SPLITTER_KEYS = ("window/splitter", "window/content_splitter")
DEFAULT_SIZE = (1200, 760)
STACK_BELOW_WIDTH = 1000
"""Narrower than this, the steps go under the timer: side by side, each would be too narrow to read."""
STEPS_MIN_WIDTH = 300
"""Side by side, the steps pane keeps at least this width: its lines stay whole words, not "Knee…"."""
STEPS_MIN_HEIGHT = 160
"""Under the timer, the steps pane keeps at least this height: the current step and the next."""
TEXT_SCALE_MAX = 1.6


def restore_geometry(window: QMainWindow, store: SettingsStore) -> None:
    geometry = store.get_bytes(GEOMETRY_KEY)
    if geometry is None or not window.restoreGeometry(geometry):
        window.resize(*DEFAULT_SIZE)


def restore_panes(splitters: Sequence[QSplitter], store: SettingsStore) -> None:
    """The pane sizes, once the window is shown: a hidden splitter spreads them again at its first layout."""
    for splitter, key in zip(splitters, SPLITTER_KEYS, strict=False):
        state = store.get_bytes(key)
        if state is not None:
            splitter.restoreState(state)


def save_layout(window: QMainWindow, splitters: Sequence[QSplitter], store: SettingsStore) -> None:
    store.set_bytes(GEOMETRY_KEY, QByteArray(window.saveGeometry()))
    for splitter, key in zip(splitters, SPLITTER_KEYS, strict=False):
        store.set_bytes(key, QByteArray(splitter.saveState()))


def text_scale(width: int, height: int) -> float:
    """How much larger the steps' text is in a window larger than the default: it grows with the window
    (readable from further away at 1920x1080), never below the desktop's own size."""
    return max(1.0, min(TEXT_SCALE_MAX, width / DEFAULT_SIZE[0], height / DEFAULT_SIZE[1]))


def fit_to_size(window: QMainWindow, content: QSplitter, steps: InstructionPane) -> None:
    """Stack the steps under the timer in a narrow window, side by side otherwise; scale the steps' text."""
    narrow = window.width() < STACK_BELOW_WIDTH
    orientation = Qt.Orientation.Vertical if narrow else Qt.Orientation.Horizontal
    if content.orientation() != orientation:
        content.setOrientation(orientation)
        total = content.height() if narrow else content.width()
        share = 0.6 if narrow else 0.55  # the timer's share
        content.setSizes([round(total * share), round(total * (1 - share))])
    # The steps' least size is kept through the splitter, not as the widget's minimum: that would add up
    # with the timer's and the list's into a window too wide ever to become narrow.
    sizes = content.sizes()
    least = STEPS_MIN_HEIGHT if narrow else STEPS_MIN_WIDTH
    if len(sizes) == 2 and 0 < sizes[1] < least and sum(sizes) > 2 * least:
        content.setSizes([sum(sizes) - least, least])
    steps.set_text_scale(text_scale(window.width(), window.height()))
