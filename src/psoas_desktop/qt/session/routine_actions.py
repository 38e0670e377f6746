"""The Session menu's routine entries: new, edit, duplicate, delete, import (also by a drop), export.

Questions go through small seams (`ask_*`) so that tests can answer them; the window only hands over its
`Routines` and reloads its catalog after a change.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.formatting import format_duration
from psoas_desktop.core.routine_file import RoutineFileError, UserRoutine, range_notes
from psoas_desktop.qt.session.routine_access import Routines
from psoas_desktop.qt.session.routine_document import dose_words, planned_total

if TYPE_CHECKING:
    from psoas_desktop.qt.session.main_window import MainWindow

FILE_FILTER = "Psoas routines (*.psoas-routine.json *.json)"


def preview_text(routines: Routines, checked: UserRoutine, total: float) -> str:
    """What an import preview lists: name, notes, items with their dosage, total, values off the guide."""
    routine = checked.routine
    catalog = routines.catalog.with_user_routines(
        [*[r for r in routines.catalog.routines if r.user], routine],
        (*routines.catalog.user_exercises, *checked.exercises),
    )
    lines = [f"<h3>{_escape(routine.name)}</h3>"]
    if routine.notes:
        lines.append(f"<p>{_escape(routine.notes)}</p>")
    lines.append("<ol>")
    for position, exercise_id in enumerate(routine.exercise_ids):
        own = dose_words(routine.override(position).to_json())
        lines.append(
            f"<li>{_escape(catalog.exercise(exercise_id).name)} · {own or 'the level’s values'}</li>"
        )
    lines.append("</ol>")
    lines.append(f"<p><b>Total:</b> {format_duration(total)}</p>")
    notes = range_notes(catalog, routine)
    if notes:
        lines.append("<p><b>Outside the guide’s ranges:</b></p><ul>")
        lines.extend(f"<li>⚠ {_escape(note)}</li>" for _position, note in notes)
        lines.append("</ul>")
    return "".join(lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def dropped_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The one local .json file being dropped, if that is what it is."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) == 1 and urls[0].isLocalFile() and urls[0].toLocalFile().endswith(".json"):
        return Path(urls[0].toLocalFile())
    return None


class ImportPreview(QDialog):
    """Shows a routine file before it is saved; Import or Cancel."""

    def __init__(self, html: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import routine")
        self.setObjectName("ImportPreview")
        self.text = QLabel(html, self)
        self.text.setWordWrap(True)
        self.text.setObjectName("preview")
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setMargin(8)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(520, 440)

    @classmethod
    def ask(cls, html: str, parent: QWidget) -> bool:
        return cls(html, parent).exec() == QDialog.DialogCode.Accepted


class RoutineActions:
    def __init__(self, window: MainWindow) -> None:
        self.window = window

    # -- seams (tests answer them) ----------------------------------------------------------------------

    def ask_yes(self, title: str, text: str) -> bool:
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        answer = QMessageBox.question(self.window, title, text, buttons, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def tell(self, title: str, text: str) -> None:
        QMessageBox.warning(self.window, title, text)

    def ask_open_path(self) -> Path | None:
        name, _filter = QFileDialog.getOpenFileName(self.window, "Import routine", "", FILE_FILTER)
        return Path(name) if name else None

    def ask_save_path(self, suggested: str) -> Path | None:
        name, _filter = QFileDialog.getSaveFileName(self.window, "Export routine", suggested, FILE_FILTER)
        return Path(name) if name else None

    def run_editor(self, document: dict[str, object] | None, for_id: str | None) -> None:
        from psoas_desktop.qt.session.routine_editor import RoutineEditor

        editor = RoutineEditor(
            self._routines(), self.window.workout_settings, document, for_id=for_id, parent=self.window
        )
        editor.saved.connect(self.window.reload_catalog)
        editor.exec()

    # -- helpers --------------------------------------------------------------------------------------------

    def _routines(self) -> Routines:
        if self.window.routines is None:
            raise KnownError("your own routines are not available in this window")
        return self.window.routines

    def current_is_user(self) -> bool:
        routine_id = self.window.exercise_list.current_routine_id()
        return any(r.id == routine_id and r.user for r in self.window.catalog.routines)

    def refresh_enabled(self) -> None:
        actions = self.window.menu_actions
        has = self.window.routines is not None
        user = has and self.current_is_user()
        for action in (actions.new_routine, actions.duplicate_routine, actions.import_routine):
            action.setEnabled(has)
        actions.export_routine.setEnabled(has)
        for action in (actions.edit_routine, actions.delete_routine):
            action.setEnabled(user)

    def _guard(self, work: str) -> bool:
        if self.window.routines is None:
            self.window.show_message(f"Cannot {work}: your own routines are not available.")
            return False
        return True

    # -- dropping a file on the window -----------------------------------------------------------------

    def drag_enter(self, event: QDragEnterEvent) -> None:
        if self.window.routines is not None and dropped_file(event) is not None:
            event.acceptProposedAction()

    def drop(self, event: QDropEvent) -> None:
        path = dropped_file(event)
        if path is not None and self.window.routines is not None:
            event.acceptProposedAction()
            self.import_path(path)

    # -- the menu entries ------------------------------------------------------------------------------

    def new(self) -> None:
        if self._guard("make a routine"):
            self.run_editor(None, None)

    def edit(self) -> None:
        if not self._guard("edit a routine"):
            return
        if not self.current_is_user():
            self.window.show_message("A built-in routine cannot be edited: duplicate it and edit the copy.")
            return
        routine = self.window.catalog.routine(self.window.exercise_list.current_routine_id())
        self.run_editor(self._routines().document(routine), routine.id)

    def duplicate(self) -> None:
        if not self._guard("duplicate a routine"):
            return
        routines = self._routines()
        routine = self.window.catalog.routine(self.window.exercise_list.current_routine_id())
        document = dict(routines.document(routine))
        document["id"] = routines.free_id(f"{routine.id}-copy")
        document["name"] = f"{routine.name} (copy)"
        self.run_editor(document, None)

    def delete(self) -> None:
        if not self._guard("delete a routine") or not self.current_is_user():
            self.window.show_message("Only your own routines can be deleted.")
            return
        routine = self.window.catalog.routine(self.window.exercise_list.current_routine_id())
        question = f"Delete the routine “{routine.name}”?\nThe sessions you did with it stay in your history."
        if not self.ask_yes("Delete routine", question):
            return
        try:
            self._routines().delete(routine.id)
        except KnownError as exc:
            self.tell("Delete routine", str(exc))
            return
        self.window.reload_catalog()
        self.window.show_message(f"Deleted “{routine.name}”.")

    def export(self) -> None:
        if not self._guard("export a routine"):
            return
        routine_id = self.window.exercise_list.current_routine_id()
        path = self.ask_save_path(f"{routine_id}.psoas-routine.json")
        if path is None:
            return
        try:
            self._routines().export(routine_id, path)
        except KnownError as exc:
            self.tell("Export routine", str(exc))
            return
        self.window.show_message(f"Exported to {path}")

    def import_(self) -> None:
        if not self._guard("import a routine"):
            return
        path = self.ask_open_path()
        if path is not None:
            self.import_path(path)

    def import_path(self, path: Path) -> bool:
        """Check, preview, ask, save; True when the routine was saved. A bad file saves nothing."""
        if not self._guard("import a routine"):
            return False
        routines = self._routines()
        try:
            checked = routines.read_file(path)
        except RoutineFileError as exc:
            self.tell(
                "Import routine", f"{path.name} cannot be imported:\n" + "\n".join(map(str, exc.problems))
            )
            return False
        except KnownError as exc:
            self.tell("Import routine", str(exc))
            return False
        total = planned_total(routines, checked, self.window.workout_settings)
        if not ImportPreview.ask(preview_text(routines, checked, total), self.window):
            return False
        routine_id = checked.routine.id
        replace = routine_id in routines.user_ids()
        if replace and not self.ask_yes(
            "Replace routine", f"You have a routine with the id “{routine_id}” already. Replace it?"
        ):
            return False
        try:
            routines.save(checked, replace=replace, source_folder=path.parent)
        except RoutineFileError as exc:
            self.tell("Import routine", "\n".join(map(str, exc.problems)))
            return False
        except KnownError as exc:
            self.tell("Import routine", str(exc))
            return False
        self.window.reload_catalog(routine_id)
        self.window.show_message(f"Imported “{checked.routine.name}”.")
        return True
