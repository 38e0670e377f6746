"""The routine editor: a user's routine as a document (the file format), edited through an undo stack.

Every edit replaces the whole document by a new one in a QUndoCommand: small documents, and undo can never
leave the widgets and the document apart. The live total plans what `routines.check` accepts; saving checks
again and names every problem at its field.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from psoas_desktop.core.catalog import DOSAGE_BOUNDS, Catalog, Pattern
from psoas_desktop.core.data_problems import Problem
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.formatting import format_duration
from psoas_desktop.core.routine_file import RoutineFileError
from psoas_desktop.core.settings import Settings
from psoas_desktop.qt.session.exercise_editor import slug
from psoas_desktop.qt.session.routine_access import Routines
from psoas_desktop.qt.session.routine_document import DocumentEdit, dose_words, new_document, planned_total
from psoas_desktop.qt.session.routine_items import DosageBox

CUSTOM = "custom:"  # marks a routine's own exercise in the add box


class RoutineEditor(QDialog):
    """saved(str): the routine was saved under this id."""

    saved = Signal(str)

    def __init__(
        self,
        routines: Routines,
        settings: Settings,
        document: dict[str, Any] | None = None,
        *,
        for_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.routines = routines
        self.settings = settings
        self.for_id = for_id
        self._new = document is None  # its id follows its name when saved
        self.document: dict[str, Any] = copy.deepcopy(document) if document else new_document(routines)
        self.undo_stack = QUndoStack(self)
        self._filling = False
        self.setWindowTitle("Edit routine" if for_id else "New routine")
        self.setObjectName("RoutineEditor")
        self._build()
        self.show_document(self.document)
        self.resize(760, 620)

    # -- construction --------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Routine name")
        self.name_edit.textEdited.connect(lambda text: self._set("name", text, merge=1))
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setAccessibleName("Notes")
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(60)
        self.notes_edit.textChanged.connect(self._on_notes)
        self.notes_edit.setUndoRedoEnabled(False)
        for edit in (self.name_edit, self.notes_edit):
            edit.installEventFilter(self)

        self.item_list = QListWidget(self)
        self.item_list.setAccessibleName("Exercises of the routine")
        self.item_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.item_list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.item_list.model().rowsMoved.connect(lambda *_: self._on_dragged())
        self.item_list.currentRowChanged.connect(lambda _row: self._show_item())
        self.item_list.installEventFilter(self)  # Alt+Up / Alt+Down move the item (the list keeps Up/Down)
        remove_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.item_list)
        remove_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove_key.activated.connect(self.remove_current)

        self.add_box = QComboBox(self)
        self.add_box.setAccessibleName("Exercise to add")
        self.add_button = QPushButton("&Add", self)
        self.add_button.clicked.connect(self.add_chosen)
        self.remove_button = QPushButton("&Remove", self)
        self.remove_button.clicked.connect(self.remove_current)
        self.up_button = QPushButton("Move up (Alt+Up)", self)
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button = QPushButton("Move down (Alt+Down)", self)
        self.down_button.clicked.connect(lambda: self.move_current(1))
        self.new_exercise_button = QPushButton("New &exercise…", self)
        self.new_exercise_button.clicked.connect(lambda: self.edit_exercise(None))
        self.edit_exercise_button = QPushButton("Edi&t exercise…", self)
        self.edit_exercise_button.setToolTip("Edit the selected item's exercise (this routine's own only)")
        self.edit_exercise_button.clicked.connect(self.edit_current_exercise)
        adding = QHBoxLayout()
        adding.addWidget(self.add_box, 1)
        adding.addWidget(self.add_button)
        adding.addWidget(self.new_exercise_button)
        adding.addWidget(self.edit_exercise_button)
        moving = QHBoxLayout()
        for button in (self.remove_button, self.up_button, self.down_button):
            moving.addWidget(button)
        moving.addStretch(1)

        self.dosage_box = DosageBox(self._on_dose, self)
        dose_group = QGroupBox("Dosage of the selected exercise", self)
        QVBoxLayout(dose_group).addWidget(self.dosage_box)

        self.rest_spin = QSpinBox(self)
        self.rest_spin.setRange(0, 600)
        self.rest_spin.setSuffix(" s")
        self.rest_spin.setAccessibleName("Rest between exercises")
        self.rest_spin.setMaximumWidth(120)
        self.rest_spin.valueChanged.connect(
            lambda v: self._set("rest_between_exercises_seconds", v or None, 2)
        )
        self.progression_check = QCheckBox("&Grow the holds", self)
        self.progression_check.toggled.connect(self._on_progression)
        self.step_spin, self.every_spin, self.max_spin = QSpinBox(self), QSpinBox(self), QSpinBox(self)
        for spin, (low, high), suffix, name in (
            (self.step_spin, (1, 60), " s", "Step"),
            (self.every_spin, (1, 100), " sessions", "Every"),
            (self.max_spin, (1, 600), " s", "Longest hold"),
        ):
            spin.setRange(low, high)
            spin.setSuffix(suffix)
            spin.setAccessibleName(name)
            spin.valueChanged.connect(lambda _v: self._on_progression(self.progression_check.isChecked()))
        growth = QHBoxLayout()
        growth.addWidget(self.progression_check)
        for label, spin in (("by", self.step_spin), ("every", self.every_spin), ("up to", self.max_spin)):
            growth.addWidget(QLabel(label, self))
            growth.addWidget(spin)
        growth.addStretch(1)

        self.total_label = QLabel(self)
        self.total_label.setObjectName("total")
        self.total_label.setWordWrap(True)
        self.problems_label = QLabel(self)
        self.problems_label.setObjectName("problems")
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("N&otes", self.notes_edit)
        form.addRow("Rest &between exercises", self.rest_spin)
        form.addRow("Progression", growth)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.undo_button = QPushButton("Undo (Ctrl+Z)", self)
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button = QPushButton("Redo (Ctrl+Shift+Z)", self)
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        for keys, slot in (
            (("Ctrl+Z",), self.undo_stack.undo),
            (("Ctrl+Shift+Z", "Ctrl+Y"), self.undo_stack.redo),
        ):
            for key in keys:
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.activated.connect(slot)
        bottom = QHBoxLayout()
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.redo_button)
        bottom.addStretch(1)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        items_label = QLabel("E&xercises (drag, or Alt+Up / Alt+Down, to reorder; Delete removes)", self)
        items_label.setBuddy(self.item_list)
        layout.addWidget(items_label)
        layout.addLayout(adding)
        layout.addWidget(self.item_list, 1)
        layout.addLayout(moving)
        layout.addWidget(dose_group)
        layout.addWidget(self.total_label)
        layout.addWidget(self.problems_label)
        layout.addLayout(bottom)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched in (self.name_edit, self.notes_edit)
            and event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo))
        ):
            return True  # the text boxes' own undo would bypass the stack: Ctrl+Z undoes the routine's edits
        if (
            watched is self.item_list
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.modifiers() == Qt.KeyboardModifier.AltModifier
            and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        ):
            self.move_current(-1 if event.key() == Qt.Key.Key_Up else 1)
            return True
        return super().eventFilter(watched, event)

    # -- the document ----------------------------------------------------------------------------------

    def _custom(self) -> dict[str, dict[str, Any]]:
        return {e["id"]: e for e in self.document.get("exercises", [])}

    def _catalog(self) -> Catalog:
        return self.routines.catalog

    def exercise_of(self, exercise_id: str) -> tuple[str, Pattern, dict[str, Any]]:
        """(name, pattern, guide ranges by key) of a catalog or custom exercise."""
        custom = self._custom().get(exercise_id)
        if custom is not None:
            return custom.get("name", exercise_id), Pattern(custom["pattern"]), custom.get("dosage", {})
        exercise = self._catalog().exercise(exercise_id)
        ranges = {k: v for k, v in exercise.dosage.to_json().items() if v}
        return exercise.name, exercise.pattern, ranges

    def change(self, after: dict[str, Any], merge: int = -1) -> None:
        """Push one edit (the undo stack then shows it)."""
        if after != self.document:
            self.undo_stack.push(DocumentEdit(self.show_document, copy.deepcopy(self.document), after, merge))

    def show_document(self, document: dict[str, Any]) -> None:
        self.document = copy.deepcopy(document)
        self._filling = True
        try:
            if self.name_edit.text() != document.get("name", ""):
                self.name_edit.setText(document.get("name", ""))
            if self.notes_edit.toPlainText() != document.get("notes", ""):
                self.notes_edit.setPlainText(document.get("notes", ""))
            self.rest_spin.setValue(document.get("rest_between_exercises_seconds", 0))
            growth = document.get("progression")
            self.progression_check.setChecked(growth is not None)
            defaults = {"hold_seconds_step": 2, "every_sessions": 3, "max_hold_seconds": 60}
            growth_or_defaults = growth or defaults
            self.step_spin.setValue(growth_or_defaults["hold_seconds_step"])
            self.every_spin.setValue(growth_or_defaults["every_sessions"])
            self.max_spin.setValue(growth_or_defaults["max_hold_seconds"])
            for spin in (self.step_spin, self.every_spin, self.max_spin):
                spin.setEnabled(growth is not None)
            row = self.item_list.currentRow()
            self.item_list.clear()
            for index, item in enumerate(document["items"]):
                self.item_list.addItem(self._item_text(item))
                self.item_list.item(index).setData(Qt.ItemDataRole.UserRole, index)
            self.item_list.setCurrentRow(min(max(row, 0), self.item_list.count() - 1))
            self._fill_add_box()
        finally:
            self._filling = False
        self._show_item()
        self.update_total()

    def _item_text(self, item: dict[str, Any]) -> str:
        try:
            name = self.exercise_of(item["exercise"])[0]
        except KnownError:
            name = item["exercise"]
        return f"{name} · {dose_words(item) or 'level’s values'}"

    def _fill_add_box(self) -> None:
        current = self.add_box.currentData()
        self.add_box.clear()
        for exercise in self._catalog().exercises:
            self.add_box.addItem(exercise.name, exercise.id)
        for exercise_id, custom in self._custom().items():
            self.add_box.addItem(f"{custom.get('name', exercise_id)} (this routine's)", CUSTOM + exercise_id)
        if current is not None:
            self.add_box.setCurrentIndex(max(0, self.add_box.findData(current)))

    def _show_item(self) -> None:
        if self._filling:
            return
        row = self.item_list.currentRow()
        items = self.document["items"]
        if 0 <= row < len(items):
            try:
                _name, pattern, ranges = self.exercise_of(items[row]["exercise"])
            except KnownError:
                self.dosage_box.show_item(None, {}, {})
                return
            self.dosage_box.show_item(pattern, items[row], ranges)
        else:
            self.dosage_box.show_item(None, {}, {})

    # -- edits -----------------------------------------------------------------------------------------

    def _set(self, key: str, value: Any, merge: int = -1) -> None:
        if self._filling:
            return
        after = copy.deepcopy(self.document)
        if value is None:
            after.pop(key, None)
        else:
            after[key] = value
        self.change(after, merge)

    def _on_notes(self) -> None:
        text = self.notes_edit.toPlainText()
        self._set("notes", text or None, merge=3)

    def _on_progression(self, on: bool) -> None:
        value = (
            {
                "hold_seconds_step": self.step_spin.value(),
                "every_sessions": self.every_spin.value(),
                "max_hold_seconds": self.max_spin.value(),
            }
            if on
            else None
        )
        self._set("progression", value)

    def _on_dose(self, key: str, value: int | None) -> None:
        row = self.item_list.currentRow()
        after = copy.deepcopy(self.document)
        item = after["items"][row]
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
        self.change(after, merge=1000 + row * 10 + list(DOSAGE_BOUNDS).index(key))

    def add_chosen(self) -> None:
        chosen = str(self.add_box.currentData() or "")
        if not chosen:
            return
        after = copy.deepcopy(self.document)
        after["items"].append({"exercise": chosen.removeprefix(CUSTOM)})
        self.change(after)
        self.item_list.setCurrentRow(len(after["items"]) - 1)

    def edit_current_exercise(self) -> None:
        row = self.item_list.currentRow()
        if 0 <= row < len(self.document["items"]):
            exercise_id = self.document["items"][row]["exercise"]
            if exercise_id in self._custom():
                self.edit_exercise(exercise_id)

    def edit_exercise(self, exercise_id: str | None) -> None:
        """Make a new exercise of this routine (added as an item) or change one it has."""
        from psoas_desktop.qt.session.exercise_editor import ExerciseEditor

        custom = self._custom()
        taken = {e.id for e in self._catalog().exercises} | set(custom) | {self.document["id"]}
        edited = ExerciseEditor.ask(custom.get(exercise_id) if exercise_id else None, taken, self)
        if edited is not None:
            self.put_exercise(edited, add_item=exercise_id is None)

    def put_exercise(self, exercise: dict[str, Any], *, add_item: bool) -> None:
        after = copy.deepcopy(self.document)
        exercises = after.setdefault("exercises", [])
        for index, known in enumerate(exercises):
            if known["id"] == exercise["id"]:
                exercises[index] = exercise
                break
        else:
            exercises.append(exercise)
        if add_item:
            after["items"].append({"exercise": exercise["id"]})
        self.change(after)
        if add_item:
            self.item_list.setCurrentRow(len(after["items"]) - 1)

    def remove_current(self) -> None:
        row = self.item_list.currentRow()
        if row < 0:
            return
        after = copy.deepcopy(self.document)
        del after["items"][row]
        self.change(after)

    def move_current(self, step: int) -> None:
        row = self.item_list.currentRow()
        target = row + step
        items = self.document["items"]
        if row < 0 or not 0 <= target < len(items):
            return
        after = copy.deepcopy(self.document)
        moved = after["items"]
        moved[row], moved[target] = moved[target], moved[row]
        self.change(after)
        self.item_list.setCurrentRow(target)

    def _on_dragged(self) -> None:
        """A drag reordered the rows: each row knows the item it shows."""
        if self._filling:
            return
        order = [
            self.item_list.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.item_list.count())
        ]
        items = self.document["items"]
        if sorted(order) == list(range(len(items))) and order != sorted(order):
            after = copy.deepcopy(self.document)
            after["items"] = [copy.deepcopy(items[index]) for index in order]
            self.change(after)

    # -- checking and saving ---------------------------------------------------------------------------

    def update_total(self) -> None:
        try:
            checked = self.routines.check(self.document, for_id=self.for_id)
        except RoutineFileError as exc:
            self.total_label.setText("Total: not yet — " + "; ".join(str(p) for p in exc.problems))
            return
        except KnownError as exc:
            self.total_label.setText(f"Total: not yet — {exc}")
            return
        total = planned_total(self.routines, checked, self.settings)
        self.total_label.setText(f"Total: {format_duration(total)} at the {self.settings.level.value} level")

    def save(self) -> bool:
        """Check and store; every problem is named at its field and nothing is written."""
        document = self.document
        if self._new and document.get("name", "").strip():
            # A new routine's file is named after it ("Evening hips" -> evening-hips).
            document = document | {"id": self.routines.free_id(slug(document["name"]))}
        try:
            checked = self.routines.check(document, for_id=self.for_id)
            self.routines.save(checked, replaces=self.for_id)
        except RoutineFileError as exc:
            self.problems_label.setText("Not saved:\n" + "\n".join(f"• {p}" for p in exc.problems))
            self._mark(exc.problems)
            return False
        except KnownError as exc:
            self.problems_label.setText(f"Not saved: {exc}")
            return False
        self.problems_label.clear()
        self.undo_stack.setClean()
        self.saved.emit(checked.routine.id)
        self.accept()
        return True

    def _mark(self, problems: list[Problem]) -> None:
        """Each problem also at its field: the name's tooltip, a ⚠ before the item it concerns."""
        named = [p.message for p in problems if p.path == "name" or p.path.startswith("name.")]
        self.name_edit.setToolTip("\n".join(named))
        self.name_edit.setAccessibleDescription("\n".join(named))
        for row in range(self.item_list.count()):
            own = [p.message for p in problems if re.match(rf"items\[{row}\](\.|$)", p.path)]
            item = self.item_list.item(row)
            text = self._item_text(self.document["items"][row])
            item.setText(f"⚠ {text} — {'; '.join(own)}" if own else text)
            item.setToolTip("\n".join(own))

    @staticmethod
    def ask_unsaved(parent: QWidget) -> QMessageBox.StandardButton:
        """Save, Discard or Cancel (a seam: tests answer it)."""
        buttons = (
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        return QMessageBox.question(parent, "Unsaved changes", "Save the changes to this routine?", buttons)

    def reject(self) -> None:
        if self.undo_stack.isClean():
            super().reject()
            return
        answer = RoutineEditor.ask_unsaved(self)
        if answer == QMessageBox.StandardButton.Save:
            self.save()
        elif answer == QMessageBox.StandardButton.Discard:
            self.undo_stack.setClean()
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.reject()
        if self.isVisible():
            event.ignore()
        else:
            event.accept()
