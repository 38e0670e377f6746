"""The routine editor and the routine menu entries, with a real RoutineLibrary in a tmp data folder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from psoas_desktop.app.routine_library import RoutineLibrary
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.settings import AppSettings, Settings
from psoas_desktop.qt.session import dialogs, routine_actions
from psoas_desktop.qt.session.dialogs import WelcomeAnswer
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.session.routine_editor import RoutineEditor
from psoas_desktop.qt.settings.store import SettingsStore

Key = Qt.Key
SETTINGS = Settings(lead_in_seconds=3, switch_seconds=4, hold_seconds=20, sets=2)


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dialogs.ConfirmStop, "ask", classmethod(lambda cls, parent: True))
    answer = WelcomeAnswer(dont_show_again=True, break_minutes=0)
    monkeypatch.setattr(dialogs.WelcomeDialog, "ask", classmethod(lambda cls, note, parent: answer))
    discard = staticmethod(lambda parent: QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(RoutineEditor, "ask_unsaved", discard)  # closing at teardown asks nothing


@pytest.fixture
def library(tmp_path: Path) -> RoutineLibrary:
    return RoutineLibrary(load_catalog(), tmp_path / "data")


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, library: RoutineLibrary) -> Iterator[MainWindow]:
    win = MainWindow(
        library.catalog, SettingsStore(tmp_path / "config"), AppSettings(workout=SETTINGS), FakeClock()
    )
    win.set_routines(library)
    qtbot.addWidget(win)
    win.show()
    yield win
    if win.session_active:
        win.ticker.stop()


def test_a_routine_built_by_keyboard_saves_and_starts(
    qtbot: QtBot, window: MainWindow, library: RoutineLibrary
) -> None:
    editor = RoutineEditor(library, SETTINGS)  # no parent: the main window would take the focus back
    qtbot.addWidget(editor)
    editor.show()
    editor.activateWindow()
    qtbot.waitActive(editor)
    editor.name_edit.setFocus()
    editor.name_edit.selectAll()
    QTest.keyClicks(editor.name_edit, "Keyboard hips")
    first, second = load_catalog().exercises[0], load_catalog().exercises[1]
    for exercise in (first, second):
        editor.add_box.setFocus()
        editor.add_box.setCurrentIndex(editor.add_box.findData(exercise.id))
        QTest.keyClick(editor.add_box, Key.Key_Tab)  # on to the Add button
        QTest.keyClick(editor.add_button, Key.Key_Space)
    assert [i["exercise"] for i in editor.document["items"]] == [first.id, second.id]
    editor.activateWindow()  # the main window, shown just before, may have come to the front meanwhile
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    QTest.keyClick(editor.add_button, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [i["exercise"] for i in editor.document["items"]] == [first.id]
    QTest.keyClick(
        editor.add_button, Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert [i["exercise"] for i in editor.document["items"]] == [first.id, second.id]
    editor.name_edit.setFocus()
    QTest.keyClicks(editor.name_edit, " typo")
    QTest.keyClick(editor.name_edit, Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the stack's undo
    assert editor.name_edit.text() == "Keyboard hips"
    assert len(editor.document["items"]) == 2
    editor.item_list.setFocus()
    editor.item_list.setCurrentRow(1)
    QTest.keyClick(editor.item_list, Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert [i["exercise"] for i in editor.document["items"]] == [second.id, first.id]
    QTest.keyClick(editor.item_list, Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert [i["exercise"] for i in editor.document["items"]] == [first.id, second.id]
    assert editor.total_label.text().startswith("Total: ")
    assert "not yet" not in editor.total_label.text()
    editor.saved.connect(window.reload_catalog)
    assert editor.save()
    routine_id = "keyboard-hips"  # a new routine's id follows its name
    assert routine_id in library.user_ids()
    assert window.exercise_list.current_routine_id() == routine_id
    window.start_session(routine_id)
    engine = window.ticker.engine
    assert engine is not None
    assert engine.timeline.exercise_ids[0] == first.id


def test_save_with_problems_names_them_and_writes_nothing(
    qtbot: QtBot, library: RoutineLibrary, tmp_path: Path
) -> None:
    editor = RoutineEditor(library, SETTINGS)
    qtbot.addWidget(editor)
    assert not editor.save()  # no items
    assert "items" in editor.problems_label.text()
    assert library.user_ids() == []


def test_closing_with_changes_asks(
    qtbot: QtBot, library: RoutineLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = RoutineEditor(library, SETTINGS)
    qtbot.addWidget(editor)
    editor.show()
    asked: list[bool] = []

    def answer(parent: object) -> QMessageBox.StandardButton:
        asked.append(True)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(RoutineEditor, "ask_unsaved", staticmethod(answer))
    editor.add_chosen()
    editor.reject()
    assert asked and editor.isVisible()
    monkeypatch.setattr(
        RoutineEditor, "ask_unsaved", staticmethod(lambda parent: QMessageBox.StandardButton.Discard)
    )
    editor.reject()
    assert not editor.isVisible()
    assert library.user_ids() == []


def test_dosage_outside_the_guide_warns_in_words(qtbot: QtBot, library: RoutineLibrary) -> None:
    editor = RoutineEditor(library, SETTINGS)
    qtbot.addWidget(editor)
    hold = next(e for e in load_catalog().exercises if e.dosage.hold_seconds)
    editor.add_box.setCurrentIndex(editor.add_box.findData(hold.id))
    editor.add_chosen()
    box = editor.dosage_box
    box.checks["hold_seconds"].setChecked(True)
    box.spins["hold_seconds"].setValue(hold.dosage.hold_seconds[1] + 5)  # type: ignore[index]
    assert "above the guide" in box.notes["hold_seconds"].text()
    assert editor.document["items"][0]["hold_seconds"] == hold.dosage.hold_seconds[1] + 5  # type: ignore[index]
    box.checks["hold_seconds"].setChecked(False)  # the level's value again
    assert "hold_seconds" not in editor.document["items"][0]


def _drop(window: MainWindow, path: Path) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def test_a_dropped_file_is_previewed_then_saved_and_selected(
    window: MainWindow, library: RoutineLibrary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exercise = load_catalog().exercises[0]
    document = {
        "format": "psoas-routine",
        "version": 1,
        "id": "dropped",
        "name": "Dropped",
        "notes": "Easy does it",
        "items": [{"exercise": exercise.id}],
    }
    path = tmp_path / "dropped.psoas-routine.json"
    path.write_text(json.dumps(document))
    shown: list[str] = []

    def preview(cls: object, html: str, parent: object) -> bool:
        shown.append(html)
        return True

    monkeypatch.setattr(routine_actions.ImportPreview, "ask", classmethod(preview))
    _drop(window, path)
    assert "Dropped" in shown[0] and "Easy does it" in shown[0] and exercise.name in shown[0]
    assert "dropped" in library.user_ids()
    assert window.exercise_list.current_routine_id() == "dropped"


def test_an_invalid_file_names_its_problems_and_saves_nothing(
    window: MainWindow, library: RoutineLibrary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "format": "psoas-routine",
                "version": 1,
                "id": "bad",
                "name": "Bad",
                "items": [{"exercise": "nope"}],
            }
        )
    )
    told: list[str] = []
    monkeypatch.setattr(window.routine_actions, "tell", lambda title, text: told.append(text))
    assert not window.routine_actions.import_path(path)
    assert "items[0].exercise" in told[0]
    assert library.user_ids() == []
    assert not (tmp_path / "data" / "routines").exists() or not any(
        (tmp_path / "data" / "routines").iterdir()
    )


def test_a_builtin_cannot_be_edited_but_can_be_duplicated(
    window: MainWindow, library: RoutineLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    builtin = library.catalog.builtin_routines[0]
    window.exercise_list.select_routine(builtin.id)
    assert not window.menu_actions.edit_routine.isEnabled()
    assert not window.menu_actions.delete_routine.isEnabled()
    opened: list[tuple[dict[str, object] | None, str | None]] = []
    monkeypatch.setattr(
        window.routine_actions, "run_editor", lambda document, for_id: opened.append((document, for_id))
    )
    window.routine_actions.edit()
    assert opened == []
    window.menu_actions.duplicate_routine.trigger()
    document, for_id = opened[0]
    assert for_id is None and document is not None
    assert document["name"] == f"{builtin.name} (copy)"
    assert document["id"] != builtin.id


WALL = {
    "id": "wall",
    "name": "Wall psoas stretch",
    "kind": "stretch",
    "overview": "A standing stretch for the front of the hip.",
    "steps": ["Stand side-on to a wall.", "Step your {side} foot forward.", "Tuck your tailbone under."],
    "tips": ["Keep your back tall."],
    "per_side": True,
    "pattern": "hold",
    "dosage": {"hold_seconds": [20, 30], "sets": [2, 3]},
}


def test_the_pane_shows_notes_an_off_guide_value_and_a_placeholder_picture(
    window: MainWindow, library: RoutineLibrary
) -> None:
    document = {
        "format": "psoas-routine",
        "version": 1,
        "id": "walls",
        "name": "Walls",
        "notes": "Slow breaths throughout.",
        "exercises": [WALL],
        "items": [{"exercise": "wall", "hold_seconds": 35}, {"exercise": "bridge"}],
    }
    library.save(library.check(document))
    window.reload_catalog("walls")
    window.start_session("walls")
    window.ticker.poll()
    pane = window.instructions
    assert pane.heading.text() == "Wall psoas stretch"
    assert pane.routine_notes_label.text() == "Slow breaths throughout."
    assert not pane.routine_notes_label.isHidden()
    assert "35 s · above the guide's 20–30 s" in pane.dosage_label.text()
    assert not pane._pixmap.isNull()  # neither image nor drawing: the placeholder figure


def test_a_custom_exercise_with_a_picture_is_saved_beside_the_routine(
    qtbot: QtBot, library: RoutineLibrary, tmp_path: Path
) -> None:
    from PySide6.QtGui import QImage

    from psoas_desktop.qt.session.exercise_editor import ExerciseEditor

    picture = tmp_path / "wall.png"
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    image.fill(0xFF336699)
    assert image.save(str(picture))
    taken = {e.id for e in library.catalog.exercises} | {"bridge-roll"}
    dialog = ExerciseEditor(None, taken)
    qtbot.addWidget(dialog)
    QTest.keyClicks(dialog.name_edit, "Bridge roll!")
    QTest.keyClicks(dialog.steps_edit, "Lie down.")
    QTest.keyClick(dialog.steps_edit, Key.Key_Return)
    QTest.keyClicks(dialog.steps_edit, "Roll up.")
    QTest.keyClicks(dialog.tips_edit, "Breathe.")
    dialog.pattern_box.setCurrentIndex(dialog.pattern_box.findData("timed"))
    assert dialog.range_spins["duration_seconds"][0].isVisibleTo(dialog)
    assert not dialog.range_spins["hold_seconds"][0].isVisibleTo(dialog)
    assert not dialog.use_image_file(tmp_path / "notes.txt")  # not a picture: said, nothing kept
    assert "PNG or SVG" in dialog.problem_label.text()
    assert dialog.use_image_file(picture)
    exercise = dialog.exercise()
    assert exercise["id"] == "bridge-roll-2"  # from the name, kept unique
    assert exercise["image"]["media_type"] == "image/png"
    assert set(exercise["dosage"]) == {"duration_seconds", "sets"}

    editor = RoutineEditor(library, SETTINGS)
    qtbot.addWidget(editor)
    editor.put_exercise(exercise, add_item=True)
    assert editor.document["items"] == [{"exercise": "bridge-roll-2"}]
    assert editor.save(), editor.problems_label.text()
    routine_id = "my-routine"
    saved = library.catalog.exercise(f"{routine_id}/bridge-roll-2")
    assert saved.image and Path(saved.image).read_bytes() == picture.read_bytes()


def test_a_drag_reorders_and_problems_are_marked_at_their_fields(
    qtbot: QtBot, library: RoutineLibrary
) -> None:
    from PySide6.QtCore import QModelIndex

    editor = RoutineEditor(library, SETTINGS)
    qtbot.addWidget(editor)
    hold = next(e for e in load_catalog().exercises if e.pattern.value == "hold")
    editor.change(editor.document | {"items": [{"exercise": "bridge"}, {"exercise": hold.id}]})
    assert editor.item_list.model().moveRow(QModelIndex(), 1, QModelIndex(), 0)  # as a drag does
    assert [i["exercise"] for i in editor.document["items"]] == [hold.id, "bridge"]
    editor.undo_stack.undo()
    assert [i["exercise"] for i in editor.document["items"]] == ["bridge", hold.id]

    editor.change(editor.document | {"name": " "})
    assert not editor.save()
    assert "name: must not be blank" in editor.problems_label.text()
    assert "blank" in editor.name_edit.toolTip()  # the name's problem, at the name
    editor.change(
        editor.document
        | {"name": "Fine", "items": [{"exercise": "bridge"}, {"exercise": hold.id, "reps": 5}]}
    )
    assert not editor.save()
    assert "items[1].reps" in editor.problems_label.text()
    assert editor.name_edit.toolTip() == ""
    assert editor.item_list.item(1).text().startswith("⚠ ")
    assert "has no reps" in editor.item_list.item(1).text()
    assert not editor.item_list.item(0).text().startswith("⚠")
    assert library.user_ids() == []


def test_delete_asks_and_keeps_history_and_export_writes_the_file(
    window: MainWindow, library: RoutineLibrary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = {
        "format": "psoas-routine",
        "version": 1,
        "id": "mine",
        "name": "Mine",
        "items": [{"exercise": "bridge"}],
    }
    library.save(library.check(document))
    window.reload_catalog("mine")
    assert window.menu_actions.edit_routine.isEnabled()
    output = tmp_path / "out.psoas-routine.json"
    monkeypatch.setattr(window.routine_actions, "ask_save_path", lambda suggested: output)
    window.menu_actions.export_routine.trigger()
    assert json.loads(output.read_text())["id"] == "mine"
    questions: list[str] = []
    answers = iter([False, True])

    def ask(title: str, text: str) -> bool:
        questions.append(text)
        return next(answers)

    monkeypatch.setattr(window.routine_actions, "ask_yes", ask)
    window.menu_actions.delete_routine.trigger()
    assert "mine" in library.user_ids()  # No: kept
    window.menu_actions.delete_routine.trigger()
    assert "history" in questions[0]
    assert library.user_ids() == []
    assert window.exercise_list.current_routine_id() != "mine"
