"""The check-in after a session (or a stop): how tight the hip feels, 0–10, and a short note.

Everything is optional and the whole dialog is one key away from gone (Escape = Skip).

The answer is a :class:`Checkin`:

- per-side routine (``per_side=True``): ``left`` and ``right`` hold the ratings, ``overall`` is None;
- otherwise: ``overall`` holds the one rating, ``left`` and ``right`` are None.

A side the user did not rate is None. ``note`` is stripped text (at most 500 characters), "" for none.
Saving with no rating and no note records nothing: ``checkin()`` is None, the same as Skip.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

RATING_MIN = 0
RATING_MAX = 10
NOTE_MAX_CHARS = 500
NOT_RATED_TEXT = "Not rated"
NOTE_NEEDS_RATING = "Give a rating from 0 to 10 to save your note, or press Skip (Escape)."


@dataclass(frozen=True)
class Checkin:
    """Ratings 0–10 (None = not rated): left/right for per-side routines, overall otherwise."""

    left: int | None
    right: int | None
    overall: int | None
    note: str

    def __post_init__(self) -> None:
        for name in ("left", "right", "overall"):
            value = getattr(self, name)
            if value is not None and not RATING_MIN <= value <= RATING_MAX:
                raise ValueError(f"{name} rating {value} is outside {RATING_MIN}–{RATING_MAX}")
        if (self.left is not None or self.right is not None) and self.overall is not None:
            raise ValueError("a check-in is either per side (left/right) or overall, not both")
        if len(self.note) > NOTE_MAX_CHARS:
            raise ValueError(f"the note is longer than {NOTE_MAX_CHARS} characters")

    @property
    def is_empty(self) -> bool:
        return self.left is None and self.right is None and self.overall is None and not self.note


def _rating_spin(accessible_name: str) -> QSpinBox:
    """A 0–10 spin box whose lowest step (-1) reads "Not rated", so leaving it alone means no answer."""
    spin = QSpinBox()
    spin.setRange(RATING_MIN - 1, RATING_MAX)
    spin.setSpecialValueText(NOT_RATED_TEXT)
    spin.setValue(RATING_MIN - 1)
    spin.setAccessibleName(accessible_name)
    spin.setToolTip("0 = not tight at all, 10 = very tight; type a number or use the arrow keys")
    return spin


class CheckinDialog(QDialog):
    """Asks for an optional tightness rating and note; ``ask()`` is the seam callers and tests use."""

    def __init__(self, per_side: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.per_side = per_side
        self.setWindowTitle("How did it feel?")
        self.setAccessibleName("Session check-in")

        question = QLabel("<b>How tight does your hip feel?</b> 0 = not tight at all, 10 = very tight.")
        question.setWordWrap(True)

        form = QFormLayout()
        self.left_spin: QSpinBox | None = None
        self.right_spin: QSpinBox | None = None
        self.overall_spin: QSpinBox | None = None
        if per_side:
            self.left_spin = _rating_spin("Left hip tightness, 0 to 10")
            self.right_spin = _rating_spin("Right hip tightness, 0 to 10")
            self._add_row(form, "&Left hip (0–10)", self.left_spin)
            self._add_row(form, "&Right hip (0–10)", self.right_spin)
        else:
            self.overall_spin = _rating_spin("Hip tightness, 0 to 10")
            self._add_row(form, "&Hip tightness (0–10)", self.overall_spin)

        self.note_edit = QLineEdit()
        self.note_edit.setMaxLength(NOTE_MAX_CHARS)
        self.note_edit.setPlaceholderText("Optional, e.g. “left side eased after the second set”")
        self.note_edit.setAccessibleName("Note")
        self._add_row(form, "&Note", self.note_edit)

        buttons = QDialogButtonBox()
        self.save_button = QPushButton("&Save")
        self.save_button.setAccessibleName("Save check-in")
        self.save_button.setDefault(True)
        self.skip_button = QPushButton("S&kip")
        self.skip_button.setAccessibleName("Skip check-in")
        self.skip_button.setToolTip("Skip (Escape)")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.skip_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)  # QDialog maps Escape to reject(): Escape = Skip

        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setAccessibleName("Check-in problem")
        self.problem_label.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(question)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(buttons)
        first = self.left_spin or self.overall_spin
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _save(self) -> None:
        """Accept, except a note with no rating: the history keeps notes with a rating, so ask for one."""
        rated = any(
            self._rating(spin) is not None for spin in (self.left_spin, self.right_spin, self.overall_spin)
        )
        if self.note_edit.text().strip() and not rated:
            self.problem_label.setText(NOTE_NEEDS_RATING)
            self.problem_label.show()
            (self.left_spin or self.overall_spin or self.note_edit).setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.accept()

    @staticmethod
    def _add_row(form: QFormLayout, text: str, field: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(field)  # makes the &-mnemonic move the focus to the field
        form.addRow(label, field)

    @staticmethod
    def _rating(spin: QSpinBox | None) -> int | None:
        if spin is None or spin.value() < RATING_MIN:
            return None
        return spin.value()

    def checkin(self) -> Checkin | None:
        """What the user entered; None after Skip/Escape or when nothing was entered.

        Named ``checkin`` rather than ``result`` because ``QDialog.result()`` already returns the int
        result code, and shadowing it with another type would mislead every caller of the Qt API.
        """
        if self.result() != QDialog.DialogCode.Accepted:
            return None
        answer = Checkin(
            left=self._rating(self.left_spin),
            right=self._rating(self.right_spin),
            overall=self._rating(self.overall_spin),
            note=self.note_edit.text().strip(),
        )
        return None if answer.is_empty else answer

    @classmethod
    def ask(cls, per_side: bool, parent: QWidget | None) -> Checkin | None:
        dialog = cls(per_side, parent)
        dialog.exec()
        return dialog.checkin()
