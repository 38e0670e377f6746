"""The per-item dosage box of the routine editor: one row per value the exercise's pattern uses.

Each row is "own value" (a check box) + a spin box + the guide's range, with a warning in words when the
value is outside it. Unchecked: the level's value is used (no override in the file).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QSpinBox, QWidget

from psoas_desktop.core.catalog import DOSAGE_BOUNDS, PATTERN_DOSAGE, Pattern
from psoas_desktop.core.routine_file import range_note

LABELS = {
    "hold_seconds": "Hold (s)",
    "pause_seconds": "Pause (s)",
    "reps": "Reps",
    "sets": "Sets",
    "duration_seconds": "Duration (s)",
}


class DosageBox(QWidget):
    """Edits one item's overrides; calls `changed(key, value_or_None)` on every user change."""

    def __init__(self, changed: Callable[[str, int | None], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._changed = changed
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.checks: dict[str, QCheckBox] = {}
        self.spins: dict[str, QSpinBox] = {}
        self.notes: dict[str, QLabel] = {}
        self._ranges: dict[str, tuple[int, int] | None] = {}
        for row, key in enumerate(DOSAGE_BOUNDS):
            check = QCheckBox(f"Own {LABELS[key].lower()}", self)
            check.setToolTip("Unchecked: the level's value is used")
            spin = QSpinBox(self)
            spin.setRange(*DOSAGE_BOUNDS[key])
            spin.setAccessibleName(LABELS[key])
            note = QLabel(self)
            note.setWordWrap(True)
            check.toggled.connect(lambda on, k=key: self._on_toggle(k, on))
            spin.valueChanged.connect(lambda value, k=key: self._on_value(k, value))
            self._grid.addWidget(check, row, 0)
            self._grid.addWidget(spin, row, 1)
            self._grid.addWidget(note, row, 2)
            self.checks[key], self.spins[key], self.notes[key] = check, spin, note
        self._grid.setColumnStretch(2, 1)
        self._filling = False

    def show_item(self, pattern: Pattern | None, item: dict[str, Any], ranges: dict[str, Any]) -> None:
        """Show an item (None: no item selected); `ranges` are the exercise's guide ranges by key."""
        self._filling = True
        try:
            used = PATTERN_DOSAGE[pattern] if pattern is not None else ()
            for key in DOSAGE_BOUNDS:
                shown = key in used
                for widget in (self.checks[key], self.spins[key], self.notes[key]):
                    widget.setVisible(shown)
                article = ranges.get(key)
                self._ranges[key] = (int(article[0]), int(article[1])) if article else None
                own = key in item
                self.checks[key].setChecked(own)
                self.spins[key].setEnabled(own)
                default = article[0] if article else DOSAGE_BOUNDS[key][0]
                self.spins[key].setValue(int(item.get(key, default)))
                self._note(key)
        finally:
            self._filling = False

    def _note(self, key: str) -> None:
        article = self._ranges.get(key)
        guide = f"guide: {article[0]}–{article[1]}" if article else "no guide range"
        if not self.checks[key].isChecked():
            self.notes[key].setText(f"level's value ({guide})")
            return
        warning = range_note(key, self.spins[key].value(), article)
        self.notes[key].setText(f"⚠ {warning}" if warning else guide)

    def _on_toggle(self, key: str, on: bool) -> None:
        self.spins[key].setEnabled(on)
        self._note(key)
        if not self._filling:
            self._changed(key, self.spins[key].value() if on else None)

    def _on_value(self, key: str, value: int) -> None:
        self._note(key)
        if not self._filling and self.checks[key].isChecked():
            self._changed(key, value)
