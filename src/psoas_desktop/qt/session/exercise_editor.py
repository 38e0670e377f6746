"""The editor of a routine's own exercise: what it is, how it is done, the guide's ranges, an optional picture.

It returns the exercise as the routine file holds it; a chosen picture is embedded ({"media_type", "data"}
base64) so that checking and saving the routine store it beside the routine file.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from psoas_desktop.core.catalog import DOSAGE_BOUNDS, PATTERN_DOSAGE, ExerciseKind, Pattern
from psoas_desktop.core.routine_file import MAX_IMAGE_BYTES
from psoas_desktop.qt.session.routine_items import LABELS

PATTERN_NAMES = {
    Pattern.REP_HOLD: "Repetitions with a hold",
    Pattern.REP_PAUSE: "Repetitions with a short pause",
    Pattern.HOLD: "One hold per set",
    Pattern.TIMED: "Timed (for a duration)",
}
IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}


def slug(name: str) -> str:
    """An id from a name: lower-case letters, digits and dashes, at most 40 characters."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return (text or "exercise")[:40].strip("-") or "exercise"


def unique_id(name: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    base = slug(name)
    candidate, number = base, 2
    while candidate in taken:
        suffix = f"-{number}"
        candidate, number = base[: 40 - len(suffix)] + suffix, number + 1
    return candidate


def image_data(path: Path) -> tuple[dict[str, str] | None, str]:
    """The embedded picture for a PNG/SVG file, or None and the reason it cannot be used."""
    media_type = IMAGE_TYPES.get(path.suffix.lower())
    if media_type is None:
        return None, "choose a PNG or SVG picture"
    try:
        content = path.read_bytes()
    except OSError as exc:
        return None, f"{path.name} cannot be read: {exc.strerror or exc}"
    if len(content) > MAX_IMAGE_BYTES:
        return None, f"{path.name} is {len(content) / 1e6:.1f} MB; a picture is at most 1 MB"
    return {"media_type": media_type, "data": base64.b64encode(content).decode("ascii")}, ""


class ExerciseEditor(QDialog):
    def __init__(
        self,
        exercise: dict[str, Any] | None,
        taken_ids: Iterable[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Exercise of this routine")
        self.setObjectName("ExerciseEditor")
        self._taken = set(taken_ids)
        self._original = copy.deepcopy(exercise) if exercise else None
        if self._original:
            self._taken.discard(self._original["id"])
        start = self._original or {}
        self.image: Any = start.get("image")

        self.name_edit = QLineEdit(start.get("name", ""), self)
        self.name_edit.setAccessibleName("Exercise name")
        self.kind_box = QComboBox(self)
        for kind in ExerciseKind:
            self.kind_box.addItem(kind.value.replace("-", " ").capitalize(), kind.value)
        self.kind_box.setCurrentIndex(max(0, self.kind_box.findData(start.get("kind", "stretch"))))
        self.per_side_check = QCheckBox("Done on each &side", self)
        self.per_side_check.setChecked(bool(start.get("per_side", False)))
        self.pattern_box = QComboBox(self)
        for pattern, text in PATTERN_NAMES.items():
            self.pattern_box.addItem(text, pattern.value)
        self.pattern_box.setCurrentIndex(max(0, self.pattern_box.findData(start.get("pattern", "hold"))))
        self.pattern_box.currentIndexChanged.connect(lambda _i: self._show_ranges())
        self.overview_edit = QLineEdit(start.get("overview", ""), self)
        self.steps_edit = QPlainTextEdit("\n".join(start.get("steps", [])), self)
        self.steps_edit.setTabChangesFocus(True)
        self.steps_edit.setPlaceholderText("One step a line; {side} and {other} name the sides")
        self.tips_edit = QPlainTextEdit("\n".join(start.get("tips", [])), self)
        self.tips_edit.setTabChangesFocus(True)
        self.tips_edit.setPlaceholderText("One tip a line")
        for edit in (self.steps_edit, self.tips_edit):
            edit.setFixedHeight(80)

        ranges = QGridLayout()
        self.range_spins: dict[str, tuple[QSpinBox, QSpinBox]] = {}
        self.range_labels: dict[str, QLabel] = {}
        dosage = start.get("dosage", {})
        for row, key in enumerate(DOSAGE_BOUNDS):
            low, high = QSpinBox(self), QSpinBox(self)
            for spin, name in ((low, "lowest"), (high, "highest")):
                spin.setRange(*DOSAGE_BOUNDS[key])
                spin.setAccessibleName(f"{LABELS[key]}, {name}")
            pair = dosage.get(key) or _default(key)
            low.setValue(pair[0])
            high.setValue(pair[1])
            label = QLabel(LABELS[key], self)
            ranges.addWidget(label, row, 0)
            ranges.addWidget(low, row, 1)
            ranges.addWidget(QLabel("to", self), row, 2)
            ranges.addWidget(high, row, 3)
            self.range_spins[key] = (low, high)
            self.range_labels[key] = label

        self.image_label = QLabel(self)
        choose = QPushButton("Choose &picture…", self)
        choose.clicked.connect(self.choose_image)
        remove = QPushButton("No picture", self)
        remove.clicked.connect(lambda: self.set_image(None))
        picture = QHBoxLayout()
        picture.addWidget(self.image_label, 1)
        picture.addWidget(choose)
        picture.addWidget(remove)

        self.problem_label = QLabel(self)
        self.problem_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("&Kind", self.kind_box)
        form.addRow("", self.per_side_check)
        form.addRow("&How it runs", self.pattern_box)
        form.addRow("&Overview", self.overview_edit)
        form.addRow("S&teps", self.steps_edit)
        form.addRow("T&ips", self.tips_edit)
        form.addRow("The guide's ranges", ranges)
        form.addRow("Picture (PNG or SVG, ≤ 1 MB)", picture)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(buttons)
        self._show_ranges()
        self.set_image(self.image)

    def _show_ranges(self) -> None:
        used = PATTERN_DOSAGE[Pattern(self.pattern_box.currentData())]
        for key, (low, high) in self.range_spins.items():
            for widget in (low, high, self.range_labels[key]):
                widget.setVisible(key in used)

    def set_image(self, image: Any) -> None:
        self.image = image
        if image is None:
            self.image_label.setText("No picture (a plain figure is shown)")
        elif isinstance(image, dict):
            self.image_label.setText(f"A {image['media_type'].split('/')[1].split('+')[0].upper()} picture")
        else:
            self.image_label.setText(str(image))

    def choose_image(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, "Picture", "", "Pictures (*.png *.svg)")
        if name:
            self.use_image_file(Path(name))

    def use_image_file(self, path: Path) -> bool:
        data, problem = image_data(path)
        if data is None:
            self.problem_label.setText(problem)
            return False
        self.problem_label.clear()
        self.set_image(data)
        return True

    def exercise(self) -> dict[str, Any]:
        """The exercise as the routine file holds it."""
        name = self.name_edit.text().strip()
        pattern = Pattern(self.pattern_box.currentData())
        exercise: dict[str, Any] = dict(self._original or {})
        # An edited exercise keeps its id: the routine's items name it.
        exercise_id = self._original["id"] if self._original else unique_id(name, self._taken)
        exercise.update(
            {
                "id": exercise_id,
                "name": name,
                "kind": self.kind_box.currentData(),
                "overview": self.overview_edit.text().strip() or name,
                "steps": _lines(self.steps_edit.toPlainText()),
                "tips": _lines(self.tips_edit.toPlainText()),
                "per_side": self.per_side_check.isChecked(),
                "pattern": pattern.value,
                "dosage": {
                    key: [low.value(), high.value()]
                    for key, (low, high) in self.range_spins.items()
                    if key in PATTERN_DOSAGE[pattern]
                },
            }
        )
        exercise.pop("phase_steps", None)  # the steps may have changed: the defaults apply
        if self.image is None:
            exercise.pop("image", None)
        else:
            exercise["image"] = self.image
        return exercise

    def _accept(self) -> None:
        if not self.name_edit.text().strip():
            self.problem_label.setText("name: give the exercise a name")
            return
        if not _lines(self.steps_edit.toPlainText()):
            self.problem_label.setText("steps: write at least one step")
            return
        if not _lines(self.tips_edit.toPlainText()):
            self.problem_label.setText("tips: write at least one tip")
            return
        self.accept()

    @classmethod
    def ask(
        cls, exercise: dict[str, Any] | None, taken: Iterable[str], parent: QWidget
    ) -> dict[str, Any] | None:
        dialog = cls(exercise, taken, parent)
        return dialog.exercise() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _default(key: str) -> tuple[int, int]:
    return {
        "hold_seconds": (20, 30),
        "pause_seconds": (2, 3),
        "reps": (8, 12),
        "sets": (2, 3),
        "duration_seconds": (60, 120),
    }[key]
