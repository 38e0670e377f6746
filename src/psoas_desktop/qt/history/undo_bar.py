"""The strip under the window's controls that says what was just deleted and offers to undo it (or, without
the button, what became of a deletion)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class UndoBar(QFrame):
    """Hidden until :meth:`show_text`.

    Signals:
        undo_requested(): the Undo button was pressed.
    """

    undo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Deleted sessions")
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.undo_button = QPushButton("&Undo")
        self.undo_button.setAccessibleName("Undo the deletion")
        self.undo_button.clicked.connect(self.undo_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.undo_button)
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text() if not self.isHidden() else ""

    def show_text(self, text: str, *, undo: bool = True) -> None:
        self.label.setText(text)
        self.undo_button.setVisible(undo)
        self.show()

    def clear(self) -> None:
        self.label.setText("")
        self.hide()
