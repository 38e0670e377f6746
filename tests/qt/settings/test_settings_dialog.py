"""The settings dialog: initial values, ranges, the Custom switches, the result and the ask() seam."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QScrollBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from psoas_desktop.core.setting_spec import Group
from psoas_desktop.core.settings import (
    SETTING_SPECS,
    SPECS_BY_NAME,
    AppSettings,
    Level,
    ReminderSettings,
    Settings,
    Theme,
)
from psoas_desktop.qt.settings.dialog import SESSION_NOTE, SettingsDialog

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
    assert dialog.combos["level"].currentText() == "Beginner"
    assert not dialog.custom_checks["hold_seconds"].isChecked()
    assert not dialog.spins["hold_seconds"].isEnabled()
    assert dialog.spins["hold_seconds"].value() == 20  # beginner: the low end, shown greyed
    assert dialog.custom_checks["pause_seconds"].isChecked()
    assert dialog.spins["pause_seconds"].isEnabled() and dialog.spins["pause_seconds"].value() == 3
    assert dialog.custom_checks["sets"].isChecked() and dialog.spins["sets"].value() == 2
    assert [dialog.spins[name].value() for name in ("rest_seconds", "lead_in_seconds")] == [50, 7]
    assert [dialog.spins[name].value() for name in ("switch_seconds", "move_seconds")] == [9, 3]
    assert dialog.spins["weekly_goal"].value() == 6
    assert not dialog.checks["sound_on"].isChecked() and dialog.checks["voice_on"].isChecked()
    assert dialog.sliders["volume"].value() == 40
    assert dialog.combos["theme"].currentText() == "Light"
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
    dialog.combos["level"].setCurrentIndex(dialog.combos["level"].findText("Advanced"))
    assert dialog.spins["hold_seconds"].value() == 30  # follows the level: its point is shown
    assert dialog.spins["reps"].value() == 12
    assert dialog.spins["pause_seconds"].value() == 3  # custom: untouched
    assert dialog.result_settings().workout.level is Level.ADVANCED


def test_one_control_per_setting_with_its_range_choices_and_default(qtbot: QtBot) -> None:
    dialog = make(qtbot, AppSettings())
    controls: dict[str, QWidget] = {**dialog.combos, **dialog.checks, **dialog.sliders, **dialog.spins}
    counts = [len(dialog.combos), len(dialog.checks), len(dialog.sliders), len(dialog.spins)]
    assert sum(counts) == len(SETTING_SPECS)  # each setting has exactly one control
    assert list(controls) != [] and set(controls) == set(SPECS_BY_NAME)
    for spec in SETTING_SPECS:
        control = controls[spec.name]
        assert control.accessibleName() == spec.accessible and control.toolTip() == spec.help, spec.name
        default = spec.stored(spec.default)
        if isinstance(control, QComboBox):
            items = [(control.itemData(i), control.itemText(i)) for i in range(control.count())]
            assert items == [(spec.stored(value), text) for value, text in spec.options], spec.name
            assert control.currentData() == default, spec.name
        elif isinstance(control, QCheckBox):
            assert control.text() == spec.label and control.isChecked() is spec.default, spec.name
        else:
            assert isinstance(control, QAbstractSpinBox | QAbstractSlider)
            spin_or_slider = dialog.spins.get(spec.name) or dialog.sliders[spec.name]
            limits = (spin_or_slider.minimum(), spin_or_slider.maximum())
            assert limits == (spec.minimum, spec.maximum), spec.name
            if spec.default is not None:
                assert spin_or_slider.value() == spec.default, spec.name
    assert set(dialog.custom_checks) == {spec.name for spec in SETTING_SPECS if spec.default is None}
    for name in ("rest_seconds", "lead_in_seconds", "switch_seconds", "move_seconds", "hold_seconds"):
        assert dialog.spins[name].suffix() == " s"
    assert dialog.spins["quiet_start_hour"].suffix() == ":00"
    spin = dialog.spins["rest_seconds"]
    spin.setValue(500)
    assert spin.value() == SPECS_BY_NAME["rest_seconds"].maximum
    goal = dialog.spins["weekly_goal"]
    assert (goal.minimum(), goal.maximum(), goal.suffix()) == (1, 14, " sessions/week")
    assert (dialog.sliders["volume"].minimum(), dialog.sliders["volume"].maximum()) == (0, 100)
    assert [dialog.combos["break_minutes"].itemText(i) for i in (0, 1)] == [
        "Off",
        "After 30 minutes of sitting",
    ]


def test_volume_shows_its_percentage(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    shown = [lbl for lbl in dialog.findChildren(QLabel) if lbl.text() == "40%"]
    assert len(shown) == 1
    dialog.sliders["volume"].setValue(65)
    assert shown[0].text() == "65%"


def test_the_number_and_the_slider_take_their_rows_spare_width(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.show()
    volume_shown = next(lbl for lbl in dialog.findChildren(QLabel) if lbl.text() == "40%")
    assert dialog.sliders["volume"].width() > 2 * volume_shown.width()
    assert dialog.spins["hold_seconds"].width() > dialog.custom_checks["hold_seconds"].width()


def test_sections_follow_the_groups_in_order(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    titles = [group.value for group in Group]
    headings = [lbl.text() for lbl in dialog.findChildren(QLabel) if lbl.text() in titles]
    assert headings == titles
    assert all(lbl.font().bold() for lbl in dialog.findChildren(QLabel) if lbl.text() in titles)


# The keyboard's Tab order as it was when the dialog was written out by hand (spin boxes' editors left out).
TAB_ORDER = [
    "Level",
    "Custom hold",
    "Hold seconds",
    "Custom pause at the top",
    "Pause at the top seconds",
    "Custom repetitions",
    "Repetitions",
    "Custom sets or rounds",
    "Sets or rounds",
    "Rest between sets seconds",
    "Get-ready lead-in seconds",
    "Switch sides seconds",
    "Lift and lower time seconds",
    "Weekly goal",
    "Sound cues",
    "Volume",
    "Spoken cues",
    "Breathing pace",
    "Theme",
    "Close to the tray",
    "Stretch break reminder",
    "Quiet hours start",
    "Quiet hours end",
    "Weekly-goal nudge",
    "OK",
    "Cancel",
]


def test_tab_order_is_the_tables_order(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.show()
    order: list[str] = []
    widget = dialog.nextInFocusChain()
    while widget is not None and widget is not dialog:
        tab_stop = widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible()
        if tab_stop and not isinstance(widget, QLineEdit):  # a spin box's editor follows the spin box
            order.append(widget.accessibleName() or getattr(widget, "text", lambda: "")().replace("&", ""))
        widget = widget.nextInFocusChain()
    assert order == TAB_ORDER


def test_result_settings_reflects_edits(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.combos["level"].setCurrentIndex(dialog.combos["level"].findText("Standard"))
    dialog.custom_checks["reps"].setChecked(True)
    dialog.spins["reps"].setValue(10)
    dialog.custom_checks["pause_seconds"].setChecked(False)
    dialog.spins["rest_seconds"].setValue(0)
    dialog.spins["move_seconds"].setValue(10)
    dialog.spins["weekly_goal"].setValue(14)
    dialog.checks["sound_on"].setChecked(True)
    dialog.sliders["volume"].setValue(95)
    dialog.checks["voice_on"].setChecked(False)
    dialog.checks["breathing_on"].setChecked(True)
    dialog.checks["close_to_tray"].setChecked(True)
    dialog.combos["break_minutes"].setCurrentIndex(dialog.combos["break_minutes"].findData(45))
    dialog.spins["quiet_start_hour"].setValue(21)
    dialog.spins["quiet_end_hour"].setValue(7)
    dialog.checks["weekly_nudge"].setChecked(False)
    dialog.combos["theme"].setCurrentIndex(dialog.combos["theme"].findText("Dark"))
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
    assert dialog.checks["voice_on"].toolTip() == SPECS_BY_NAME["voice_on"].help
    assert [dialog.combos["level"].itemText(i) for i in range(3)] == ["Beginner", "Standard", "Advanced"]
    assert [dialog.combos["theme"].itemText(i) for i in range(3)] == ["System", "Light", "Dark"]


@pytest.mark.parametrize(
    ("code", "accepted"), [(QDialog.DialogCode.Accepted, True), (QDialog.DialogCode.Rejected, False)]
)
def test_ask_returns_the_edited_settings_on_ok_and_none_on_cancel(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, code: QDialog.DialogCode, accepted: bool
) -> None:
    shown: list[SettingsDialog] = []

    def fake_exec(self: SettingsDialog) -> int:
        shown.append(self)
        self.spins["weekly_goal"].setValue(9)
        return int(code.value)

    monkeypatch.setattr(SettingsDialog, "exec", fake_exec)
    result = SettingsDialog.ask(CURRENT)
    assert len(shown) == 1
    assert result == (CURRENT.with_changes(weekly_goal=9) if accepted else None)
