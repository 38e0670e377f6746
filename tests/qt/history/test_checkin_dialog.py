"""The post-session check-in: ratings per side or overall, a note, and Escape = Skip."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QPushButton, QSpinBox
from pytestqt.qtbot import QtBot

from psoas_desktop.qt.history.checkin_dialog import NOT_RATED_TEXT, NOTE_NEEDS_RATING, Checkin, CheckinDialog


def make(qtbot: QtBot, per_side: bool) -> CheckinDialog:
    dialog = CheckinDialog(per_side)
    qtbot.addWidget(dialog)
    return dialog


def test_per_side_dialog_returns_both_ratings_and_the_stripped_note(qtbot: QtBot) -> None:
    dialog = make(qtbot, per_side=True)
    assert dialog.left_spin is not None and dialog.right_spin is not None
    assert dialog.overall_spin is None
    dialog.left_spin.setValue(7)
    dialog.right_spin.setValue(3)
    QTest.keyClicks(dialog.note_edit, "  left eased  ")
    dialog.save_button.click()
    assert dialog.checkin() == Checkin(left=7, right=3, overall=None, note="left eased")


def test_single_rating_goes_to_overall_not_to_the_sides(qtbot: QtBot) -> None:
    dialog = make(qtbot, per_side=False)
    assert dialog.left_spin is None and dialog.right_spin is None
    assert dialog.overall_spin is not None
    dialog.overall_spin.setValue(0)  # 0 is a real answer ("not tight"), distinct from "not rated"
    dialog.save_button.click()
    assert dialog.checkin() == Checkin(left=None, right=None, overall=0, note="")


def test_an_unrated_side_is_none_and_reads_not_rated(qtbot: QtBot) -> None:
    dialog = make(qtbot, per_side=True)
    assert dialog.left_spin is not None and dialog.right_spin is not None
    assert dialog.right_spin.text() == NOT_RATED_TEXT
    dialog.left_spin.setValue(5)
    dialog.save_button.click()
    assert dialog.checkin() == Checkin(left=5, right=None, overall=None, note="")


def test_typing_a_number_into_the_rating_sets_it(qtbot: QtBot) -> None:
    dialog = make(qtbot, per_side=False)
    assert dialog.overall_spin is not None
    dialog.overall_spin.selectAll()
    QTest.keyClicks(dialog.overall_spin, "8")
    dialog.save_button.click()
    result = dialog.checkin()
    assert result is not None and result.overall == 8


def test_ratings_cannot_leave_zero_to_ten(qtbot: QtBot) -> None:
    dialog = make(qtbot, per_side=False)
    assert dialog.overall_spin is not None
    dialog.overall_spin.setValue(42)
    assert dialog.overall_spin.value() == 10
    with pytest.raises(ValueError, match="outside"):
        Checkin(left=11, right=None, overall=None, note="")
    with pytest.raises(ValueError, match="either per side"):
        Checkin(left=1, right=None, overall=2, note="")


def test_note_is_capped_at_500_characters(qtbot: QtBot) -> None:
    dialog = make(qtbot, per_side=False)
    dialog.note_edit.setText("x" * 600)
    assert len(dialog.note_edit.text()) == 500
    assert dialog.overall_spin is not None
    dialog.overall_spin.setValue(4)
    dialog.save_button.click()
    result = dialog.checkin()
    assert result is not None and result.note == "x" * 500 and result.overall == 4


def test_escape_skips_even_after_entering_values(qtbot: QtBot) -> None:
    dialog = make(qtbot, per_side=True)
    assert dialog.left_spin is not None
    dialog.left_spin.setValue(6)
    dialog.show()
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert dialog.checkin() is None


def test_skip_button_and_saving_nothing_both_record_nothing(qtbot: QtBot) -> None:
    skipped = make(qtbot, per_side=False)
    skipped.skip_button.click()
    assert skipped.checkin() is None
    empty = make(qtbot, per_side=True)
    empty.note_edit.setText("   ")
    empty.save_button.click()
    assert empty.result() == QDialog.DialogCode.Accepted
    assert empty.checkin() is None


def test_every_control_has_an_accessible_name_and_each_field_a_mnemonic(qtbot: QtBot) -> None:
    for per_side in (True, False):
        dialog = make(qtbot, per_side)
        controls = [*dialog.findChildren(QSpinBox), *dialog.findChildren(QLineEdit)]
        controls = [c for c in controls if not isinstance(c.parent(), QSpinBox)]  # the spin's own editor
        controls += dialog.findChildren(QPushButton)
        assert controls
        assert all(c.accessibleName() for c in controls)
        buddies = {label.buddy() for label in dialog.findChildren(QLabel) if "&" in label.text()}
        fields = [*dialog.findChildren(QSpinBox), dialog.note_edit]
        assert all(field in buddies for field in fields)
        assert all("&" in b.text() for b in dialog.findChildren(QPushButton))


def test_mnemonic_moves_focus_to_the_note(qtbot: QtBot) -> None:
    dialog = make(qtbot, per_side=True)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    QTest.keyClick(dialog, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is dialog.note_edit


def answer_modal(act: Callable[[CheckinDialog], None]) -> None:
    """Runs ``act`` on the modal check-in once it is up; whatever happens, the modal loop ends."""

    def run() -> None:
        dialog = QApplication.activeModalWidget()
        try:
            assert isinstance(dialog, CheckinDialog), f"expected the check-in, found {dialog!r}"
            act(dialog)
        finally:
            if dialog is not None and dialog.isVisible():
                dialog.close()

    QTimer.singleShot(0, run)


def test_ask_returns_the_answer_of_the_modal_dialog(qtbot: QtBot) -> None:
    def answer(dialog: CheckinDialog) -> None:
        assert dialog.overall_spin is not None
        dialog.overall_spin.setValue(4)
        dialog.save_button.click()

    answer_modal(answer)
    assert CheckinDialog.ask(per_side=False, parent=None) == Checkin(None, None, 4, "")


def test_ask_returns_none_on_escape(qtbot: QtBot) -> None:
    answer_modal(lambda dialog: QTest.keyClick(dialog, Qt.Key.Key_Escape))
    assert CheckinDialog.ask(per_side=True, parent=None) is None


def test_a_note_without_a_rating_is_not_dropped_the_dialog_asks_for_a_rating(qtbot: QtBot) -> None:
    dialog = make(qtbot, per_side=False)
    assert dialog.overall_spin is not None
    dialog.show()
    dialog.note_edit.setText("stiff after sitting all day")
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.problem_label.isVisible() and dialog.problem_label.text() == NOTE_NEEDS_RATING
    dialog.overall_spin.setValue(6)
    dialog.save_button.click()
    assert dialog.checkin() == Checkin(left=None, right=None, overall=6, note="stiff after sitting all day")
