"""The two extra countdown windows: the full-screen mat view (read from a yoga mat 1–3 m away) and the small
always-on-top compact view. They only show what the main window hands them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, QRect, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from psoas_desktop.qt.session.countdown import CountdownWidget

MAT_TITLE = "Psoas Desktop — mat mode"
COMPACT_TITLE = "Psoas Desktop"
COMPACT_SIZE = (260, 190)
COMPACT_MARGIN = 24  # from the top-right corner of the screen's free area: out of the way


class CountdownWindow(QWidget):
    """A top-level window around one CountdownWidget: the full-screen mat view or the small compact view.

    Signals:
        closed(): the window was closed (Escape, the window manager, or the toggle).
    """

    closed = Signal()

    def __init__(self, title: str, *, mat: bool) -> None:
        flags = Qt.WindowType.Window
        if not mat:
            flags |= Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool
        super().__init__(None, flags)
        self.setWindowTitle(title)
        self.countdown = CountdownWidget(self)
        self.countdown.set_mat_mode(mat)
        self.countdown.set_compact(not mat)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.countdown)
        if not mat:
            self.resize(*COMPACT_SIZE)

    def set_context_actions(self, actions: Sequence[QAction]) -> None:
        """A right click offers these (pause, skip, stop, back to the window): the compact view has no
        buttons of its own."""
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.countdown.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)  # the window's menu serves
        self.addActions(list(actions))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)


class ExtraViews(QObject):
    """Opens and closes the mat and compact windows; at most one of each.

    Signals:
        opened(CountdownWidget): a view opened; the owner fills it with the current exercise and snapshot.
        mat_closed(): the mat view closed; the owner takes the focus back.
    """

    opened = Signal(object)
    mat_closed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mat_window: CountdownWindow | None = None
        self.compact_window: CountdownWindow | None = None

    def countdowns(self) -> list[CountdownWidget]:
        return [w.countdown for w in (self.mat_window, self.compact_window) if w is not None]

    def toggle_mat(self, screen: QRect) -> None:
        if self.mat_window is not None:
            self.mat_window.close()
            return
        window = CountdownWindow(MAT_TITLE, mat=True)
        window.closed.connect(self._on_mat_closed)
        self.mat_window = window
        self.opened.emit(window.countdown)
        # Cover the screen even where no window manager honours the full-screen request.
        window.setGeometry(screen)
        window.showFullScreen()

    def leave_mat(self) -> None:
        if self.mat_window is not None:
            self.mat_window.close()

    def toggle_compact(self, free_area: QRect, actions: Sequence[QAction] = ()) -> None:
        """Open the compact view in the corner of `free_area`, with `actions` in its context menu."""
        if self.compact_window is not None:
            self.compact_window.close()
            return
        window = CountdownWindow(COMPACT_TITLE, mat=False)
        window.set_context_actions(actions)
        window.closed.connect(self._on_compact_closed)
        self.compact_window = window
        self.opened.emit(window.countdown)
        window.move(free_area.right() - window.width() - COMPACT_MARGIN, free_area.top() + COMPACT_MARGIN)
        window.show()

    def close_all(self) -> None:
        for window in (self.mat_window, self.compact_window):
            if window is not None:
                window.close()

    @Slot()
    def _on_mat_closed(self) -> None:
        if self.mat_window is not None:
            self.mat_window.deleteLater()
        self.mat_window = None
        self.mat_closed.emit()

    @Slot()
    def _on_compact_closed(self) -> None:
        if self.compact_window is not None:
            self.compact_window.deleteLater()
        self.compact_window = None
