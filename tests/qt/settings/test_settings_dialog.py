"""The settings dialog: initial values, ranges, the Custom switches, the result and the ask() seam."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollBar,
    QWidget,
)
from pytestqt.qtbot import QtBot

from psoas_desktop.core.errors import CatalogError
from psoas_desktop.core.setting_spec import Group, SettingSpec
from psoas_desktop.core.settings import (
    SETTING_SPECS,
    SPECS_BY_NAME,
    AppSettings,
    Level,
    ReminderSettings,
    Settings,
    Theme,
)
from psoas_desktop.qt.settings import dialog as settings_dialog
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
    controls: dict[str, QWidget] = {
        **dialog.combos,
        **dialog.checks,
        **dialog.sliders,
        **dialog.spins,
        **dialog.folders,
    }
    counts = [
        len(dialog.combos),
        len(dialog.checks),
        len(dialog.sliders),
        len(dialog.spins),
        len(dialog.folders),
    ]
    assert sum(counts) == len(SETTING_SPECS)  # each setting has exactly one control
    assert list(controls) != [] and set(controls) == set(SPECS_BY_NAME)
    for spec in SETTING_SPECS:
        control = controls[spec.name]
        assert control.accessibleName() == spec.accessible, spec.name
        line = dialog.help_labels[spec.name].text()  # the grey line: the help, then who uses a timing setting
        assert line.startswith(spec.help) and control.toolTip() == line, spec.name
        assert control.accessibleDescription() == line, spec.name
        default = spec.stored(spec.default)
        if isinstance(control, QComboBox):
            items = [(control.itemData(i), control.itemText(i)) for i in range(control.count())]
            assert items == [(spec.stored(value), text) for value, text in spec.options], spec.name
            assert control.currentData() == default, spec.name
        elif isinstance(control, QCheckBox):
            assert control.text() == spec.label and control.isChecked() is spec.default, spec.name
        elif isinstance(control, QLineEdit):
            assert control.text() == spec.default, spec.name
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
    assert dialog.spins["hold_seconds"].width() > dialog.custom_checks["hold_seconds"].width()
    dialog.tabs.setCurrentWidget(dialog.pages[Group.SOUND])
    volume_shown = next(lbl for lbl in dialog.findChildren(QLabel) if lbl.text() == "40%")
    assert dialog.sliders["volume"].width() > 2 * volume_shown.width()


def controls_of(dialog: SettingsDialog) -> dict[str, QWidget]:
    return {**dialog.combos, **dialog.checks, **dialog.sliders, **dialog.spins, **dialog.folders}


def test_one_tab_per_group_each_setting_in_its_groups_tab(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    tabs = dialog.tabs
    assert [tabs.tabText(i).replace("&&", "&") for i in range(tabs.count())] == [
        "Timing",
        "Sound & voice",
        "Reminders",
        "Appearance",
        "History",
    ]
    assert [tabs.widget(i) for i in range(tabs.count())] == [dialog.pages[group] for group in Group]
    in_tab = {
        group: {name for name, control in controls_of(dialog).items() if page.isAncestorOf(control)}
        for group, page in dialog.pages.items()
    }
    assert in_tab == {
        Group.TIMING: {
            "level",
            "hold_seconds",
            "pause_seconds",
            "reps",
            "sets",
            "rest_seconds",
            "lead_in_seconds",
            "switch_seconds",
            "move_seconds",
        },
        Group.SOUND: {"sound_on", "volume", "voice_on", "breathing_on"},
        Group.REMINDERS: {"break_minutes", "weekly_nudge", "quiet_start_hour", "quiet_end_hour"},
        Group.APPEARANCE: {"theme", "close_to_tray"},
        Group.HISTORY: {"weekly_goal", "sync_folder"},
    }
    for name, check in dialog.custom_checks.items():
        assert dialog.pages[Group.TIMING].isAncestorOf(check), name


# Each tab's keyboard order (spin boxes' editors left out): the tab bar, the tab's rows in the table's order
# (as they were when the dialog was written out by hand), then the buttons.
TAB_ORDERS = {
    Group.TIMING: [
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
    ],
    Group.SOUND: ["Sound cues", "Volume", "Spoken cues", "Breathing pace"],
    Group.REMINDERS: ["Stretch break reminder", "Weekly-goal nudge", "Quiet hours start", "Quiet hours end"],
    Group.APPEARANCE: ["Theme", "Close to the tray"],
    Group.HISTORY: ["Weekly goal", "Sync folder", "Choose the sync folder"],
}


@pytest.mark.parametrize("group", list(Group))
def test_tab_order_is_the_tab_bar_then_the_tables_order_then_the_buttons(qtbot: QtBot, group: Group) -> None:
    dialog = make(qtbot, CURRENT.with_changes(reminders=ReminderSettings(break_minutes=30)))  # none greyed
    dialog.show()
    dialog.tabs.setCurrentWidget(dialog.pages[group])
    order: list[str] = []
    widget = dialog.nextInFocusChain()
    while widget is not None and widget is not dialog:
        tab_stop = widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible()
        # A spin box's editor follows the spin box; the tab widget hands its focus to its tab bar.
        spin_editor = isinstance(widget, QLineEdit) and isinstance(widget.parent(), QAbstractSpinBox)
        if tab_stop and not spin_editor and widget.focusProxy() is None:
            name = "tab bar" if widget is dialog.tabs.tabBar() else widget.accessibleName()
            order.append(name or getattr(widget, "text", lambda: "")().replace("&", ""))
        widget = widget.nextInFocusChain()
    assert order == ["tab bar", *TAB_ORDERS[group], "OK", "Cancel"]


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
        if (
            isinstance(w, QAbstractSpinBox | QComboBox | QAbstractSlider | QAbstractButton)
            or w in dialog.folders.values()
        )
        and not isinstance(w, QScrollBar)  # inside the combo boxes' popups
        and w.parent() is not dialog.buttons
        and not dialog.tabs.tabBar().isAncestorOf(w)  # the tab bar's scroll arrows
    ]
    # 8 spins, 4 Custom switches, weekly goal, level, sound, volume, voice, breathing, theme,
    # close to tray, break reminder, 2 quiet hours, nudge, the sync folder and its Choose button
    assert len(inputs) == 26
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
    # row labels, timing labels, level/goal/volume/theme, reminder/quiet hours, 5 checkboxes, the sync
    # folder's label and its Choose button
    assert len(letters) == 4 + 4 + 4 + 3 + 5 + 2
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


def greyed(dialog: SettingsDialog, name: str) -> bool:
    """The whole row is greyed out: its label, its control and its help line."""
    control = controls_of(dialog)[name]
    row = dialog.rows[name]
    return (
        not control.isEnabled()
        and all(not widget.isEnabled() for widget in row)
        and not (dialog.help_labels[name].isEnabled())
    )


def test_quiet_hours_follow_the_reminders_live(qtbot: QtBot) -> None:
    dialog = make(
        qtbot, CURRENT.with_changes(reminders=ReminderSettings(break_minutes=0, weekly_nudge=False))
    )
    quiet = ("quiet_start_hour", "quiet_end_hour")
    assert all(greyed(dialog, name) for name in quiet)  # nothing to silence
    breaks = dialog.combos["break_minutes"]
    breaks.setCurrentIndex(breaks.findData(45))
    assert all(dialog.spins[name].isEnabled() and dialog.help_labels[name].isEnabled() for name in quiet)
    breaks.setCurrentIndex(breaks.findData(0))
    assert all(greyed(dialog, name) for name in quiet)
    dialog.checks["weekly_nudge"].setChecked(True)  # quiet hours silence the nudge too
    assert all(dialog.spins[name].isEnabled() for name in quiet)
    assert breaks.isEnabled()  # the settings that decide are never greyed themselves


def test_sound_off_greys_the_volume_voice_and_breathing_but_keeps_their_values(qtbot: QtBot) -> None:
    on = CURRENT.with_changes(sound_on=True, voice_on=True, breathing_on=True, volume=35)
    dialog = make(qtbot, on)
    dependent = ("volume", "voice_on", "breathing_on")
    assert not any(greyed(dialog, name) for name in dependent)
    dialog.checks["sound_on"].setChecked(False)
    assert all(greyed(dialog, name) for name in dependent)
    assert dialog.result_settings() == on.with_changes(sound_on=False)  # greyed is not forgotten
    dialog.checks["sound_on"].setChecked(True)
    assert not any(greyed(dialog, name) for name in dependent)


def test_a_custom_row_greyed_by_its_switch_stays_greyed_when_its_row_is_enabled_again(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    assert not dialog.spins["hold_seconds"].isEnabled()  # follows the level
    for widget in dialog.rows["hold_seconds"]:
        widget.setEnabled(False)
        widget.setEnabled(True)
    assert dialog.custom_checks["hold_seconds"].isEnabled() and not dialog.spins["hold_seconds"].isEnabled()


def test_each_timing_setting_says_what_it_does_and_which_routines_use_it(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    routines = ("Psoas 3", "Quick stretch", "Full psoas care")
    timing = [spec for spec in SETTING_SPECS if spec.group is Group.TIMING]
    assert len(timing) == 9
    for spec in timing:
        line = dialog.help_labels[spec.name]
        text = line.text()
        assert text.startswith(spec.help) and len(spec.help) > 20, spec.name
        assert "Used by every routine." in text or any(name in text for name in routines), spec.name
        assert line.wordWrap() and line.isVisibleTo(dialog), spec.name
    rest = dialog.help_labels["rest_seconds"].text()
    assert rest.endswith("Used by Psoas 3 and Full psoas care; not by Quick stretch.")
    assert "switches sides" in rest  # what Quick stretch does instead
    assert dialog.help_labels["switch_seconds"].text().endswith("Used by every routine.")
    assert "Used by" not in dialog.help_labels["theme"].text()  # not a timing setting


def test_the_help_lines_are_quieter_than_the_labels(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    line = dialog.help_labels["move_seconds"]
    label = dialog.rows["move_seconds"][0]
    assert line.font().pointSizeF() < label.font().pointSizeF()
    assert line.palette().color(line.foregroundRole()) != label.palette().color(label.foregroundRole())


def test_the_help_lines_are_not_cut(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.show()
    for group, page in dialog.pages.items():
        dialog.tabs.setCurrentWidget(page)
        for spec in SETTING_SPECS:
            if spec.group is group:
                line = dialog.help_labels[spec.name]
                assert line.height() >= line.heightForWidth(line.width()), spec.name


def test_a_catalog_that_cannot_be_read_leaves_the_plain_help(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise CatalogError("catalog.json: file not found")

    monkeypatch.setattr("psoas_desktop.qt.settings.dialog.load_catalog", broken)
    dialog = make(qtbot)
    assert dialog.help_labels["rest_seconds"].text() == SPECS_BY_NAME["rest_seconds"].help


def test_every_setting_changed_comes_back_from_the_dialog(qtbot: QtBot) -> None:
    changed = {
        spec.name: next(value for value in _other_values(spec) if value != AppSettings().value(spec))
        for spec in SETTING_SPECS
    }
    current = AppSettings.from_values(changed)
    dialog = make(qtbot, current)
    assert dialog.result_settings() == current
    assert current.values() == changed


def _other_values(spec: SettingSpec) -> list[object]:
    if spec.kind is bool:
        return [True, False]
    if spec.kind is str:
        return ["/home/me/Sync"]
    if spec.bounds is not None:
        return [spec.maximum, spec.minimum]
    return [value for value, _ in spec.options]


def test_the_keyboard_reaches_the_tabs_and_moves_between_them(qtbot: QtBot) -> None:
    dialog = make(qtbot)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    bar = dialog.tabs.tabBar()
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    cancel.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(cancel.hasFocus)
    QTest.keyClick(cancel, Qt.Key.Key_Tab)
    assert bar.hasFocus()  # Tab from the last button comes round to the tabs
    QTest.keyClick(bar, Qt.Key.Key_Right)
    assert dialog.tabs.currentWidget() is dialog.pages[Group.SOUND]
    QTest.keyClick(bar, Qt.Key.Key_Tab)
    assert dialog.checks["sound_on"].hasFocus()  # then into that tab's first row
    QTest.keyClick(dialog.checks["sound_on"], Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert dialog.tabs.currentWidget() is dialog.pages[Group.REMINDERS]


def test_the_sync_folder_is_typed_or_chosen_and_empty_means_none(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = make(qtbot, AppSettings(sync_folder="/home/me/Sync"))
    edit = dialog.folders["sync_folder"]
    assert edit.text() == "/home/me/Sync" and dialog.result_settings().sync_folder == "/home/me/Sync"
    asked: list[str] = []

    def choose(cls: object, parent: object, title: str, current: str) -> str | None:
        asked.append(current)
        return "/media/usb/Shared" if len(asked) == 1 else None

    monkeypatch.setattr(settings_dialog.FolderPicker, "ask", classmethod(choose))
    choose_button = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Ch&oose…")
    choose_button.click()
    assert asked == ["/home/me/Sync"] and edit.text() == "/media/usb/Shared"
    choose_button.click()  # cancelled: the text stays
    assert edit.text() == "/media/usb/Shared"
    edit.setText("   ")
    assert dialog.result_settings().sync_folder == ""
    edit.setText("  ~/Sync  ")
    assert dialog.result_settings().sync_folder == "~/Sync"
