"""The settings dialog: initial values, ranges, the Custom switches, the result and the ask() seam."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QLabel,
    QScrollBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from psoas_desktop.core.reminders import ReminderSettings
from psoas_desktop.core.settings import SETTING_SPECS, SPECS_BY_NAME, Level, Settings
from psoas_desktop.qt.settings.dialog import SESSION_NOTE, VOICE_TOOLTIP, SettingsDialog
from psoas_desktop.qt.settings.store import AppSettings, Theme

CURRENT = AppSettings(
    workout=Settings(
        level=Level.BEGINNER,
        hold_seconds=None,
        pause_seconds=3,
        reps=None,
        sets=2,
        rest_seconds=50,
        lead_in_seconds=7,
        switch_seconds=9,
        move_seconds=3,
    ),
    weekly_goal=6,
    sound_on=False,
    volume=40,
    voice_on=True,
    theme=Theme.LIGHT,
)


def make(qtbot: QtBot, current: AppSettings = CURRENT) -> SettingsDialog:
    dialog = SettingsDialog(current)
    qtbot.addWidget(dialog)
    return dialog


def test_controls_start_from_the_current_settings(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    assert dialog.level_combo.currentText() == "Beginner"
    assert not dialog.custom_checks["hold_seconds"].isChecked()
    assert not dialog.spins["hold_seconds"].isEnabled()
    assert dialog.spins["hold_seconds"].value() == 20  # beginner: the low end, shown greyed
    assert dialog.custom_checks["pause_seconds"].isChecked()
    assert dialog.spins["pause_seconds"].isEnabled() and dialog.spins["pause_seconds"].value() == 3
    assert dialog.custom_checks["sets"].isChecked() and dialog.spins["sets"].value() == 2
    assert [dialog.spins[name].value() for name in ("rest_seconds", "lead_in_seconds")] == [50, 7]
    assert [dialog.spins[name].value() for name in ("switch_seconds", "move_seconds")] == [9, 3]
    assert dialog.weekly_goal_spin.value() == 6
    assert not dialog.sound_check.isChecked() and dialog.voice_check.isChecked()
    assert dialog.volume_slider.value() == 40
    assert dialog.theme_combo.currentText() == "Light"
    assert dialog.result_settings() == CURRENT  # nothing edited: nothing changes


def test_defaults_round_trip_unchanged(qtbot: QtBot) -> None:
    assert make(qtbot, AppSettings()).result_settings() == AppSettings()


def test_custom_checkbox_enables_the_spin_and_unchecking_follows_the_level(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    check, spin = dialog.custom_checks["hold_seconds"], dialog.spins["hold_seconds"]
    check.setChecked(True)
    assert spin.isEnabled()
    spin.setValue(27)
    assert dialog.result_settings().workout.hold_seconds == 27
    check.setChecked(False)
    assert not spin.isEnabled()
    assert dialog.result_settings().workout.hold_seconds is None


def test_level_change_updates_the_greyed_values_only(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.level_combo.setCurrentIndex(dialog.level_combo.findText("Advanced"))
    assert dialog.spins["hold_seconds"].value() == 30  # follows the level: its point is shown
    assert dialog.spins["reps"].value() == 12
    assert dialog.spins["pause_seconds"].value() == 3  # custom: untouched
    assert dialog.result_settings().workout.level is Level.ADVANCED


def test_spin_ranges_equal_the_spec_ranges(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    assert set(dialog.spins) == {spec.name for spec in SETTING_SPECS}
    for spec in SETTING_SPECS:
        spin = dialog.spins[spec.name]
        assert (spin.minimum(), spin.maximum()) == (spec.minimum, spec.maximum), spec.name
    for name in ("rest_seconds", "lead_in_seconds", "switch_seconds", "move_seconds"):
        assert dialog.spins[name].suffix() == " s"
    spin = dialog.spins["rest_seconds"]
    spin.setValue(500)
    assert spin.value() == SPECS_BY_NAME["rest_seconds"].maximum
    goal = dialog.weekly_goal_spin
    assert (goal.minimum(), goal.maximum(), goal.suffix()) == (1, 14, " sessions/week")
    assert (dialog.volume_slider.minimum(), dialog.volume_slider.maximum()) == (0, 100)


def test_result_settings_reflects_edits(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.level_combo.setCurrentIndex(dialog.level_combo.findText("Standard"))
    dialog.custom_checks["reps"].setChecked(True)
    dialog.spins["reps"].setValue(10)
    dialog.custom_checks["pause_seconds"].setChecked(False)
    dialog.spins["rest_seconds"].setValue(0)
    dialog.spins["move_seconds"].setValue(10)
    dialog.weekly_goal_spin.setValue(14)
    dialog.sound_check.setChecked(True)
    dialog.volume_slider.setValue(95)
    dialog.voice_check.setChecked(False)
    dialog.breathing_check.setChecked(True)
    dialog.close_to_tray_check.setChecked(True)
    dialog.break_combo.setCurrentIndex(dialog.break_combo.findData(45))
    dialog.quiet_spins["quiet_start_hour"].setValue(21)
    dialog.quiet_spins["quiet_end_hour"].setValue(7)
    dialog.nudge_check.setChecked(False)
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findText("Dark"))
    assert dialog.result_settings() == AppSettings(
        workout=CURRENT.workout.with_changes(
            level=Level.STANDARD, reps=10, pause_seconds=None, rest_seconds=0, move_seconds=10
        ),
        weekly_goal=14,
        sound_on=True,
        volume=95,
        voice_on=False,
        breathing_on=True,
        theme=Theme.DARK,
        close_to_tray=True,
        reminders=ReminderSettings(
            break_minutes=45, quiet_start_hour=21, quiet_end_hour=7, weekly_nudge=False
        ),
    )


def test_every_input_has_an_accessible_name_and_a_label_with_a_mnemonic(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    inputs = [
        w
        for w in dialog.findChildren(QWidget)
        if isinstance(w, QAbstractSpinBox | QComboBox | QAbstractSlider | QAbstractButton)
        and not isinstance(w, QScrollBar)  # inside the combo boxes' popups
        and w.parent() is not dialog.buttons
    ]
    # 8 spins, 4 Custom switches, weekly goal, level, sound, volume, voice, breathing, theme,
    # close to tray, break reminder, 2 quiet hours, nudge
    assert len(inputs) == 24
    names = [w.accessibleName() for w in inputs]
    assert all(names), [w for w in inputs if not w.accessibleName()]
    assert len(set(names)) == len(names), names

    labels = [label for label in dialog.findChildren(QLabel) if label.buddy() is not None]
    buddies = {id(label.buddy()) for label in labels}
    mnemonic_texts = [label.text() for label in labels]
    for w in inputs:
        row = next((n for n in dialog.custom_checks if w in (dialog.custom_checks[n], dialog.spins[n])), None)
        if row is not None:  # the row's label points at the switch or, once it is on, the number
            assert {id(dialog.custom_checks[row]), id(dialog.spins[row])} & buddies, row
        elif isinstance(w, QAbstractButton):  # a checkbox is its own label
            mnemonic_texts.append(w.text())
        else:
            assert id(w) in buddies, w.accessibleName()
    keys = [re.search(r"&(\w)", text) for text in mnemonic_texts]
    assert all(keys), [t for t, k in zip(mnemonic_texts, keys, strict=True) if not k]
    letters = [k.group(1).lower() for k in keys if k]
    # row labels, timing labels, level/goal/volume/theme, reminder/quiet hours, 5 checkboxes
    assert len(letters) == 4 + 4 + 4 + 3 + 5
    assert len(set(letters)) == len(letters), letters


def test_the_row_mnemonic_goes_to_the_custom_switch_then_to_the_number(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    label = next(lbl for lbl in dialog.findChildren(QLabel) if lbl.text().startswith("&Hold"))
    assert label.buddy() is dialog.custom_checks["hold_seconds"]
    dialog.custom_checks["hold_seconds"].setChecked(True)
    assert label.buddy() is dialog.spins["hold_seconds"]


def test_labels_show_the_articles_ranges_and_the_note(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    texts = {label.text().replace("&", "") for label in dialog.findChildren(QLabel)}
    assert {"Hold (20–30 s)", "Pause at the top (2–3 s)", "Repetitions (10–12)"} <= texts
    assert {"Sets / rounds (2–3)", "Get-ready lead-in (0–10 s)", "Switch sides (0–30 s)"} <= texts
    assert {"Rest between sets (0–120 s)", "Lift / lower time (1–10 s)", "Weekly goal (1–14)"} <= texts
    assert SESSION_NOTE in texts
    assert dialog.voice_check.toolTip() == VOICE_TOOLTIP
    assert [dialog.level_combo.itemText(i) for i in range(3)] == ["Beginner", "Standard", "Advanced"]
    assert [dialog.theme_combo.itemText(i) for i in range(3)] == ["System", "Light", "Dark"]


@pytest.mark.parametrize(
    ("code", "accepted"), [(QDialog.DialogCode.Accepted, True), (QDialog.DialogCode.Rejected, False)]
)
def test_ask_returns_the_edited_settings_on_ok_and_none_on_cancel(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, code: QDialog.DialogCode, accepted: bool
) -> None:
    shown: list[SettingsDialog] = []

    def fake_exec(self: SettingsDialog) -> int:
        shown.append(self)
        self.weekly_goal_spin.setValue(9)
        return int(code.value)

    monkeypatch.setattr(SettingsDialog, "exec", fake_exec)
    result = SettingsDialog.ask(CURRENT)
    assert len(shown) == 1
    assert result == (CURRENT.with_changes(weekly_goal=9) if accepted else None)
