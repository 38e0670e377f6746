"""The status bar's progress bar for a long merge of the other computers' histories (a first merge of years
of sessions takes seconds). The app reports the progress; the bar only shows it."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar, QWidget

ACCESSIBLE_NAME = "Merging the history of your other computers"


class SyncProgressBar(QProgressBar):
    """Hidden until :meth:`show_progress`; :meth:`finish` hides it again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SyncProgressBar")
        self.setAccessibleName(ACCESSIBLE_NAME)
        self.setToolTip(ACCESSIBLE_NAME)
        self.setFormat("Merging %v of %m")
        self.setMaximumWidth(220)
        self.hide()

    def show_progress(self, done: int, total: int) -> None:
        """`done` of `total` journals merged; a single journal (no steps to show) is a busy bar."""
        if total <= 1:
            self.setRange(0, 0)
        else:
            self.setRange(0, total)
            self.setValue(done)
        self.show()

    def finish(self) -> None:
        self.hide()
        self.reset()
