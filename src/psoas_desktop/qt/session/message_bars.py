"""Bars across the top of the main window for what must not scroll away or be replaced by the next
status-bar message: that workouts are not being saved (with Retry), and what the history had to say at
start (a damaged file repaired, a session that ended unexpectedly), until the user has seen it.

A status-bar message is replaced by the next one ("Sound is off…" came 60 ms after "not saving" and hid it
for good). Each bar has its own colours, the same in the light and the dark theme, so it reads in both. The
app decides when a bar shows; a bar only shows its text and reports its button.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

ACCESSIBLE_NAME = "Workouts are not being saved"
RETRY_TEXT = "&Retry"
RETRYING_TEXT = "Trying again…"
# Amber with near-black text (contrast ≈ 14:1), framed in Okabe–Ito orange, in either theme.
_WARNING_STYLE = (
    "QFrame#SaveWarningBar { background: #FFF0C2; border: 1px solid #B36B00; border-radius: 4px; }"
    " QFrame#SaveWarningBar QLabel { color: #2B1D00; }"
)
# Pale blue with near-black text (contrast ≈ 15:1), framed in Okabe–Ito blue: news, not an alarm.
_NOTICE_STYLE = (
    "QFrame#NoticeBar { background: #E3F0FA; border: 1px solid #0072B2; border-radius: 4px; }"
    " QFrame#NoticeBar QLabel { color: #0B1D2B; }"
)


class _MessageBar(QFrame):
    """A hidden frame with a wrapped, keyboard-readable label and one button on its right."""

    def __init__(self, name: str, style: str, button_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(style)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.label.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a screen reader can reach and read it
        self.button = QPushButton(button_text, self)
        # Space is the window's start/pause key everywhere; Return presses a focused button, as does Alt+key.
        self.button.setAutoDefault(True)
        self.label.setBuddy(self.button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    @property
    def text(self) -> str:
        """What the bar says; "" while it is hidden."""
        return self.label.text() if not self.isHidden() else ""

    def _say(self, text: str) -> None:
        self.label.setText(text)
        self.label.setAccessibleName(text)
        self.setAccessibleDescription(text)
        self.show()


class SaveWarningBar(_MessageBar):
    """Workouts are not being saved: hidden until :meth:`show_problem`; :meth:`clear` hides it.

    Signals:
        retry_requested(): the user pressed Retry.
        changed(str): the text shown, or "" once saving works again (the tray follows it).
    """

    retry_requested = Signal()
    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("SaveWarningBar", _WARNING_STYLE, RETRY_TEXT, parent)
        self.setAccessibleName(ACCESSIBLE_NAME)
        self.retry_button = self.button
        self.retry_button.setAccessibleName("Retry saving")
        self.retry_button.setAccessibleDescription("Try to save the workouts again")
        self.retry_button.clicked.connect(self._retry)

    def show_problem(self, text: str) -> None:
        """Show (or update) the warning; Retry can be pressed again."""
        self.retry_button.setEnabled(True)
        self.retry_button.setText(RETRY_TEXT)
        changed = text != self.text
        self._say(text)
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


class NoticeBar(_MessageBar):
    """Something the user should read once (what the history found at start): shown until dismissed,
    or until a session starts (the user has had the window in front of them). Several notices add up."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("NoticeBar", _NOTICE_STYLE, "&Dismiss", parent)
        self.setAccessibleName("Notice")
        self.button.setAccessibleName("Dismiss the notice")
        self.button.clicked.connect(self.dismiss)

    def show_notice(self, text: str) -> None:
        self._say(f"{self.text} {text}".strip())

    @Slot()
    def dismiss(self) -> None:
        self.hide()
        self.label.clear()


def stacked_above(bars: tuple[QWidget, ...], content: QWidget, parent: QWidget) -> QWidget:
    """A widget with `bars` across the top of `content` (the window's central widget)."""
    holder = QWidget(parent)
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    for bar in bars:
        layout.addWidget(bar)
    layout.addWidget(content, 1)
    return holder
