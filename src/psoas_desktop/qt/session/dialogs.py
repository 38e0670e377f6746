"""Small modal dialogs, each behind an ``ask()`` classmethod so tests replace one method, not a dialog."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from psoas_desktop.core.settings import BREAK_MINUTES_CHOICES

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Space", "Start, pause or resume"),
    ("Right / N", "Skip to the next phase"),
    ("Left / B", "Back: restart this phase (in its first second: go to the previous one)"),
    ("Shift+Right", "Skip the rest of this exercise"),
    ("S", "Stop the session (asks first while it runs)"),
    ("D", "Done: from the end summary back to the start screen"),
    ("F11", "Mat mode: full-screen countdown with the current step"),
    ("Ctrl+M", "Compact mode: a small always-on-top countdown"),
    ("Ctrl+,", "Settings"),
    ("Ctrl+N", "New routine"),
    ("Ctrl+Shift+E", "Edit your routine"),
    ("Ctrl+D", "Duplicate the routine"),
    ("Ctrl+Shift+Delete", "Delete your routine"),
    ("Ctrl+I", "Import a routine file (or drop it on the window)"),
    ("Ctrl+Shift+S", "Export the routine to a file"),
    ("Ctrl+H", "History: your weeks in charts"),
    ("Ctrl+E", "Export the history as CSV or JSON"),
    ("F1", "This list of shortcuts"),
    ("Escape", "Leave mat mode"),
)


class ConfirmStop:
    @classmethod
    def ask(cls, parent: QWidget | None) -> bool:
        answer = QMessageBox.question(
            parent,
            "Stop the session?",
            "Stop now? Holds you already finished stay in your history.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        rows = "".join(
            f"<tr><td><b>{key}</b>&nbsp;&nbsp;</td><td>{what}</td></tr>" for key, what in SHORTCUTS
        )
        label = QLabel(f"<table cellpadding='3'>{rows}</table>")
        label.setAccessibleName("Shortcut list")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(buttons)

    @classmethod
    def ask(cls, parent: QWidget | None) -> None:
        cls(parent).exec()


@dataclass(frozen=True)
class WelcomeAnswer:
    dont_show_again: bool
    break_minutes: int  # the stretch-break reminder chosen here; 0 = off


class WelcomeDialog(QDialog):
    """First launch: what the app does, the article's weekly advice and the safety note."""

    def __init__(self, safety_note: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to Psoas Desktop")
        self.setAccessibleName("Welcome")
        intro = QLabel(
            "<h2>Welcome</h2>"
            "<p>Pick a routine on the left, press <b>Space</b> and follow the countdown. The highlighted step "
            "on the right tells you what to do; sounds mark every change, so you can keep your eyes closed "
            "during a stretch.</p>"
            "<p><b>Aim for two to three sessions a week</b> — regular practice is what brings results.</p>"
        )
        intro.setWordWrap(True)
        safety = QLabel(f"<p><b>Safety:</b> {safety_note}</p>")
        safety.setWordWrap(True)
        safety.setAccessibleName("Safety note")
        self.break_combo = QComboBox()
        for minutes in BREAK_MINUTES_CHOICES:
            self.break_combo.addItem(
                "No, thanks" if minutes == 0 else f"After {minutes} minutes of sitting", minutes
            )
        self.break_combo.setAccessibleName("Stretch break reminder")
        break_label = QLabel("&Remind me to get up and stretch:")
        break_label.setBuddy(self.break_combo)
        break_label.setToolTip(
            "A quiet reminder that never takes the keyboard; change it any time in Settings"
        )
        self.dont_show_again = QCheckBox("&Don't show this again")
        self.dont_show_again.setChecked(True)
        self.dont_show_again.setAccessibleName("Don't show the welcome again")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        for widget in (intro, safety, break_label, self.break_combo, self.dont_show_again, buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(460)

    def answer(self) -> WelcomeAnswer:
        return WelcomeAnswer(self.dont_show_again.isChecked(), int(self.break_combo.currentData()))

    @classmethod
    def ask(cls, safety_note: str, parent: QWidget | None) -> WelcomeAnswer:
        """Shows the welcome; returns whether to show it again and the reminder chosen."""
        dialog = cls(safety_note, parent)
        dialog.exec()
        return dialog.answer()
