"""The bar at the top of the main window that says workouts are not being saved, with a Retry button.

A status-bar message is replaced by the next one ("Sound is off…" came 60 ms after "not saving" and hid it
for good), so losing data gets a bar of its own: it stays until the app says a save succeeded again.
It has its own colours, the same in the light and the dark theme, so the warning reads in both. The app
decides when it shows (it knows the history); this widget only shows it and asks for a retry.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

ACCESSIBLE_NAME = "Workouts are not being saved"
RETRY_TEXT = "&Retry"
RETRYING_TEXT = "Trying again…"
# Amber with near-black text (contrast ≈ 14:1), framed in Okabe–Ito orange, in either theme.
_STYLE = (
    "QFrame#SaveWarningBar { background: #FFF0C2; border: 1px solid #B36B00; border-radius: 4px; }"
    " QFrame#SaveWarningBar QLabel { color: #2B1D00; }"
)


class SaveWarningBar(QFrame):
    """Hidden until :meth:`show_problem`; :meth:`clear` hides it.

    Signals:
        retry_requested(): the user pressed Retry.
        changed(str): the text shown, or "" once saving works again (the tray follows it).
    """

    retry_requested = Signal()
    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SaveWarningBar")
        self.setStyleSheet(_STYLE)
        self.setAccessibleName(ACCESSIBLE_NAME)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.label.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a screen reader can reach and read it
        self.retry_button = QPushButton(RETRY_TEXT, self)
        self.retry_button.setAccessibleName("Retry saving")
        self.retry_button.setAccessibleDescription("Try to save the workouts again")
        # Space is the window's start/pause key everywhere; Return presses a focused Retry, as does Alt+R.
        self.retry_button.setAutoDefault(True)
        self.retry_button.clicked.connect(self._retry)
        self.label.setBuddy(self.retry_button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    @property
    def text(self) -> str:
        """What the bar says; "" while it is hidden (saving works)."""
        return self.label.text() if not self.isHidden() else ""

    def show_problem(self, text: str) -> None:
        """Show (or update) the warning; Retry can be pressed again."""
        self.retry_button.setEnabled(True)
        self.retry_button.setText(RETRY_TEXT)
        changed = text != self.text
        self.label.setText(text)
        self.label.setAccessibleName(text)
        self.setAccessibleDescription(text)
        self.show()
        if changed:
            self.changed.emit(text)

    def clear(self) -> None:
        """Saving works again: hide the bar."""
        if self.isHidden():
            return
        self.hide()
        self.retry_button.setEnabled(True)
        self.retry_button.setText(RETRY_TEXT)
        self.changed.emit("")

    @Slot()
    def _retry(self) -> None:
        # Disabled until the app reports the outcome (show_problem or clear): one retry at a time.
        self.retry_button.setEnabled(False)
        self.retry_button.setText(RETRYING_TEXT)
        self.retry_requested.emit()

    @staticmethod
    def above(bar: SaveWarningBar, content: QWidget, parent: QWidget) -> QWidget:
        """A widget with `bar` across the top of `content` (the window's central widget)."""
        holder = QWidget(parent)
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(content, 1)
        return holder
