"""The settings dialog: every control limited to its valid range, so what it returns is always valid."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from psoas_desktop.core.reminders import BREAK_MINUTES_CHOICES, ReminderSettings
from psoas_desktop.core.settings import SPECS_BY_NAME, Level, Settings, SettingSpec
from psoas_desktop.qt.settings.store import (
    VOLUME_MAX,
    VOLUME_MIN,
    WEEKLY_GOAL_MAX,
    WEEKLY_GOAL_MIN,
    AppSettings,
    Theme,
)

# The overrides that may follow the level: (setting name, label with its mnemonic, accessible name).
OPTIONAL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("hold_seconds", "&Hold", "Hold seconds"),
    ("pause_seconds", "&Pause at the top", "Pause at the top seconds"),
    ("reps", "&Repetitions", "Repetitions"),
    ("sets", "S&ets / rounds", "Sets or rounds"),
)
# The timings that always have a value.
TIMING_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("rest_seconds", "Res&t between sets", "Rest between sets seconds"),
    ("lead_in_seconds", "&Get-ready lead-in", "Get-ready lead-in seconds"),
    ("switch_seconds", "S&witch sides", "Switch sides seconds"),
    ("move_seconds", "L&ift / lower time", "Lift and lower time seconds"),
)
LEVEL_LABELS = {Level.BEGINNER: "Beginner", Level.STANDARD: "Standard", Level.ADVANCED: "Advanced"}
THEME_LABELS = {Theme.SYSTEM: "System", Theme.LIGHT: "Light", Theme.DARK: "Dark"}
SESSION_NOTE = "Changes during a session apply from the next exercise."
VOICE_TOOLTIP = "Speaks short phrases; needs a speech engine"
BREATHING_TOOLTIP = "Soft inhale and exhale tones to pace your breathing in holds of 20 seconds or more"


def range_label(text: str, spec: SettingSpec) -> str:
    """A label with the article's range, e.g. "&Hold (20–30 s)" or "&Repetitions (10–12)"."""
    unit = " s" if spec.label.endswith("(seconds)") else ""
    return f"{text} ({spec.minimum}–{spec.maximum}{unit})"


class SettingsDialog(QDialog):
    """Edits an AppSettings; ``ask()`` is the one call the main window (and its tests) use."""

    def __init__(self, current: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        form = QFormLayout()

        self.level_combo = QComboBox()
        for level, text in LEVEL_LABELS.items():
            self.level_combo.addItem(text, level.value)
        self.level_combo.setCurrentIndex(self.level_combo.findData(current.workout.level.value))
        self.level_combo.setAccessibleName("Level")
        self.level_combo.setToolTip(
            "Beginner uses the low end of each range, Advanced the high end, Standard the middle."
        )
        self._add_row(form, "&Level", self.level_combo)

        self.custom_checks: dict[str, QCheckBox] = {}
        self.spins: dict[str, QSpinBox] = {}
        self._custom_labels: dict[str, QLabel] = {}
        for name, text, accessible in OPTIONAL_FIELDS:
            spec = SPECS_BY_NAME[name]
            check = QCheckBox("Custom")
            check.setAccessibleName(f"Custom {accessible.removesuffix(' seconds').lower()}")
            check.setToolTip("Unchecked: follows the level")
            spin = self._make_spin(spec, accessible)
            value = getattr(current.workout, name)
            check.setChecked(value is not None)
            spin.setEnabled(value is not None)
            spin.setValue(value if value is not None else self._level_point(spec, current.workout.level))
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.addWidget(check)
            row_layout.addWidget(spin, 1)
            label = QLabel(range_label(text, spec))
            label.setBuddy(spin if value is not None else check)
            form.addRow(label, row)
            check.toggled.connect(lambda on, name=name: self._custom_toggled(name, on))
            self.custom_checks[name] = check
            self.spins[name] = spin
            self._custom_labels[name] = label
        self.level_combo.currentIndexChanged.connect(self._level_changed)

        for name, text, accessible in TIMING_FIELDS:
            spec = SPECS_BY_NAME[name]
            spin = self._make_spin(spec, accessible)
            spin.setValue(getattr(current.workout, name))
            self.spins[name] = spin
            self._add_row(form, range_label(text, spec), spin)

        self.weekly_goal_spin = QSpinBox()
        self.weekly_goal_spin.setRange(WEEKLY_GOAL_MIN, WEEKLY_GOAL_MAX)
        self.weekly_goal_spin.setSuffix(" sessions/week")
        self.weekly_goal_spin.setValue(current.weekly_goal)
        self.weekly_goal_spin.setAccessibleName("Weekly goal")
        self._add_row(form, f"Weekl&y goal ({WEEKLY_GOAL_MIN}–{WEEKLY_GOAL_MAX})", self.weekly_goal_spin)

        self.sound_check = QCheckBox("&Sound cues")
        self.sound_check.setChecked(current.sound_on)
        self.sound_check.setAccessibleName("Sound cues")
        form.addRow(self.sound_check)

        self.volume_slider = QSlider(Qt.Orientation.Horizontal)
        self.volume_slider.setRange(VOLUME_MIN, VOLUME_MAX)
        self.volume_slider.setPageStep(10)
        self.volume_slider.setValue(current.volume)
        self.volume_slider.setAccessibleName("Volume")
        self._volume_value = QLabel()
        self._volume_value.setMinimumWidth(self._volume_value.fontMetrics().horizontalAdvance("100%"))
        self.volume_slider.valueChanged.connect(self._show_volume)
        self._show_volume(current.volume)
        volume_row = QWidget()
        volume_layout = QHBoxLayout(volume_row)
        volume_layout.setContentsMargins(0, 0, 0, 0)
        volume_layout.addWidget(self.volume_slider, 1)
        volume_layout.addWidget(self._volume_value)
        volume_label = QLabel(f"&Volume ({VOLUME_MIN}–{VOLUME_MAX})")
        volume_label.setBuddy(self.volume_slider)
        form.addRow(volume_label, volume_row)

        self.voice_check = QCheckBox("Spo&ken cues")
        self.voice_check.setChecked(current.voice_on)
        self.voice_check.setAccessibleName("Spoken cues")
        self.voice_check.setToolTip(VOICE_TOOLTIP)
        form.addRow(self.voice_check)

        self.breathing_check = QCheckBox("&Breathing pace during long holds")
        self.breathing_check.setChecked(current.breathing_on)
        self.breathing_check.setAccessibleName("Breathing pace")
        self.breathing_check.setToolTip(BREATHING_TOOLTIP)
        form.addRow(self.breathing_check)

        self.theme_combo = QComboBox()
        for theme, text in THEME_LABELS.items():
            self.theme_combo.addItem(text, theme.value)
        self.theme_combo.setCurrentIndex(self.theme_combo.findData(current.theme.value))
        self.theme_combo.setAccessibleName("Theme")
        self._add_row(form, "The&me", self.theme_combo)

        self.close_to_tray_check = QCheckBox("&Close to the tray (keep running when the window closes)")
        self.close_to_tray_check.setChecked(current.close_to_tray)
        self.close_to_tray_check.setAccessibleName("Close to the tray")
        self.close_to_tray_check.setToolTip("Only where the desktop has a system tray")
        form.addRow(self.close_to_tray_check)

        reminders = current.reminders
        self.break_combo = QComboBox()
        for minutes in BREAK_MINUTES_CHOICES:
            self.break_combo.addItem(
                "Off" if minutes == 0 else f"After {minutes} minutes of sitting", minutes
            )
        self.break_combo.setCurrentIndex(self.break_combo.findData(reminders.break_minutes))
        self.break_combo.setAccessibleName("Stretch break reminder")
        self._add_row(form, "Stretch bre&ak reminder", self.break_combo)
        self.quiet_spins: dict[str, QSpinBox] = {}
        for name, text, accessible in (
            ("quiet_start_hour", "&Quiet hours from", "Quiet hours start"),
            ("quiet_end_hour", "Quiet hours &until", "Quiet hours end"),
        ):
            spin = QSpinBox()
            spin.setRange(0, 23)
            spin.setSuffix(":00")
            spin.setValue(getattr(reminders, name))
            spin.setAccessibleName(accessible)
            self.quiet_spins[name] = spin
            self._add_row(form, text, spin)
        self.nudge_check = QCheckBox("Weekly-goal &nudge late in a week below the goal")
        self.nudge_check.setChecked(reminders.weekly_nudge)
        self.nudge_check.setAccessibleName("Weekly-goal nudge")
        form.addRow(self.nudge_check)

        note = QLabel(SESSION_NOTE)
        note.setWordWrap(True)
        self.note_label = note

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)

    @staticmethod
    def _add_row(form: QFormLayout, text: str, field: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(field)
        form.addRow(label, field)

    @staticmethod
    def _make_spin(spec: SettingSpec, accessible: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(spec.minimum, spec.maximum)
        if spec.label.endswith("(seconds)"):
            spin.setSuffix(" s")
        spin.setAccessibleName(accessible)
        return spin

    @staticmethod
    def _level_point(spec: SettingSpec, level: Level) -> int:
        """What the level picks in the article's range: shown, greyed, while the override is off."""
        return Settings(level=level).pick((spec.minimum, spec.maximum), None)

    def _selected_level(self) -> Level:
        return Level(self.level_combo.currentData())

    def _custom_toggled(self, name: str, on: bool) -> None:
        spin = self.spins[name]
        spin.setEnabled(on)
        # The row's mnemonic turns the override on when it is off and goes to the number when it is on.
        self._custom_labels[name].setBuddy(spin if on else self.custom_checks[name])
        if not on:
            spin.setValue(self._level_point(SPECS_BY_NAME[name], self._selected_level()))

    def _level_changed(self) -> None:
        level = self._selected_level()
        for name, check in self.custom_checks.items():
            if not check.isChecked():
                self.spins[name].setValue(self._level_point(SPECS_BY_NAME[name], level))

    def _show_volume(self, value: int) -> None:
        self._volume_value.setText(f"{value}%")

    def result_settings(self) -> AppSettings:
        """The settings as the controls show them (always valid: each control enforces its range)."""
        workout: dict[str, object] = {"level": self._selected_level()}
        for name, check in self.custom_checks.items():
            workout[name] = self.spins[name].value() if check.isChecked() else None
        for name, _, _ in TIMING_FIELDS:
            workout[name] = self.spins[name].value()
        return AppSettings(
            workout=Settings.from_mapping(workout),
            weekly_goal=self.weekly_goal_spin.value(),
            sound_on=self.sound_check.isChecked(),
            volume=self.volume_slider.value(),
            voice_on=self.voice_check.isChecked(),
            breathing_on=self.breathing_check.isChecked(),
            theme=Theme(self.theme_combo.currentData()),
            close_to_tray=self.close_to_tray_check.isChecked(),
            reminders=ReminderSettings(
                break_minutes=int(self.break_combo.currentData()),
                quiet_start_hour=self.quiet_spins["quiet_start_hour"].value(),
                quiet_end_hour=self.quiet_spins["quiet_end_hour"].value(),
                weekly_nudge=self.nudge_check.isChecked(),
            ),
        )

    @classmethod
    def ask(cls, current: AppSettings, parent: QWidget | None = None) -> AppSettings | None:
        """Show the dialog modally: the new settings on OK, None on Cancel."""
        dialog = cls(current, parent)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                return dialog.result_settings()
            return None
        finally:
            dialog.deleteLater()
