"""The settings dialog, one row per row of core.settings' table, in the table's groups and order.

Every control is limited to its setting's range or choices, so what the dialog returns is always valid. The
control follows from the row: a list or an enum is a combo box, a flag a check box, a percentage a slider,
a whole number a spin box, and a workout override that may follow the level a "Custom" switch beside one.
"""

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

from psoas_desktop.core.setting_spec import Group, SettingSpec, Unit
from psoas_desktop.core.settings import SETTING_SPECS, SPECS_BY_NAME, AppSettings, Level, Settings

SESSION_NOTE = "Changes during a session apply from the next exercise."
CUSTOM_TOOLTIP = "Unchecked: follows the level"
_SUFFIXES = {Unit.SECONDS: " s", Unit.SESSIONS_PER_WEEK: " sessions/week", Unit.HOUR: ":00"}


def range_label(spec: SettingSpec) -> str:
    """A number's label with its range, e.g. "&Hold (20–30 s)" or "&Repetitions (10–12)"; not for an hour."""
    if spec.unit is Unit.HOUR:
        return spec.label
    unit = " s" if spec.unit is Unit.SECONDS else ""
    return f"{spec.label} ({spec.minimum}–{spec.maximum}{unit})"


def _whole(value: object) -> int:
    assert isinstance(value, int), value  # the table says this setting is a whole number
    return value


def _describe(widget: QWidget, spec: SettingSpec) -> None:
    widget.setAccessibleName(spec.accessible)
    widget.setAccessibleDescription(spec.help)
    widget.setToolTip(spec.help)


def _heading(group: Group) -> QLabel:
    heading = QLabel(group.value)
    font = heading.font()
    font.setBold(True)
    heading.setFont(font)
    return heading


def _row(*widgets: QWidget, stretched: QWidget) -> QWidget:
    """Controls side by side in one form row; ``stretched`` takes the spare width."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if widget is stretched else 0)
    return row


class SettingsDialog(QDialog):
    """Edits an AppSettings; ``ask()`` is the one call the main window (and its tests) use.

    The controls, by setting name: ``combos``, ``checks``, ``sliders`` and ``spins``, each setting in
    exactly one of them; ``custom_checks`` holds the "Custom" switch of each setting that may follow the level.
    """

    def __init__(self, current: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.combos: dict[str, QComboBox] = {}
        self.checks: dict[str, QCheckBox] = {}
        self.sliders: dict[str, QSlider] = {}
        self.spins: dict[str, QSpinBox] = {}
        self.custom_checks: dict[str, QCheckBox] = {}
        self._custom_labels: dict[str, QLabel] = {}
        self._level = current.workout.level
        form = QFormLayout()
        shown: Group | None = None
        for spec in sorted(SETTING_SPECS, key=lambda spec: list(Group).index(spec.group)):  # stable sort
            if spec.group is not shown:
                form.addRow(_heading(spec.group))
                shown = spec.group
            self._add_setting(form, spec, current.value(spec))
        self.combos["level"].currentIndexChanged.connect(self._level_changed)

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

    def _add_setting(self, form: QFormLayout, spec: SettingSpec, value: object) -> None:
        if spec.options:
            combo = QComboBox()
            for choice, text in spec.options:
                combo.addItem(text, spec.stored(choice))
            combo.setCurrentIndex(combo.findData(spec.stored(value)))
            _describe(combo, spec)
            self.combos[spec.name] = combo
            self._add_labelled(form, spec.label, combo)
        elif spec.kind is bool:
            check = QCheckBox(spec.label)  # a check box is its own label
            check.setChecked(bool(value))
            _describe(check, spec)
            self.checks[spec.name] = check
            form.addRow(check)
        elif spec.unit is Unit.PERCENT:
            self._add_slider(form, spec, value)
        elif spec.follows_level:
            self._add_custom(form, spec, value)
        else:
            spin = self._make_spin(spec)
            spin.setValue(_whole(value))
            self._add_labelled(form, range_label(spec), spin)

    @staticmethod
    def _add_labelled(form: QFormLayout, text: str, field: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(field)
        form.addRow(label, field)

    def _make_spin(self, spec: SettingSpec) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(spec.minimum, spec.maximum)
        spin.setSuffix(_SUFFIXES.get(spec.unit, ""))
        _describe(spin, spec)
        self.spins[spec.name] = spin
        return spin

    def _add_slider(self, form: QFormLayout, spec: SettingSpec, value: object) -> None:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(spec.minimum, spec.maximum)
        slider.setPageStep(10)
        slider.setValue(_whole(value))
        _describe(slider, spec)
        shown = QLabel()
        shown.setMinimumWidth(shown.fontMetrics().horizontalAdvance(f"{spec.maximum}%"))
        slider.valueChanged.connect(lambda number: shown.setText(f"{number}%"))
        shown.setText(f"{slider.value()}%")
        self.sliders[spec.name] = slider
        label = QLabel(range_label(spec))
        label.setBuddy(slider)
        form.addRow(label, _row(slider, shown, stretched=slider))

    def _add_custom(self, form: QFormLayout, spec: SettingSpec, value: object) -> None:
        """A workout override: a "Custom" switch, and the number (greyed, the level's point) when it is off."""
        check = QCheckBox("Custom")
        check.setAccessibleName(f"Custom {spec.accessible.removesuffix(' seconds').lower()}")
        check.setToolTip(CUSTOM_TOOLTIP)
        spin = self._make_spin(spec)
        custom = value is not None
        check.setChecked(custom)
        spin.setEnabled(custom)
        spin.setValue(_whole(value) if custom else self._level_point(spec, self._level))
        label = QLabel(range_label(spec))
        label.setBuddy(spin if custom else check)
        form.addRow(label, _row(check, spin, stretched=spin))
        check.toggled.connect(lambda on, name=spec.name: self._custom_toggled(name, on))
        self.custom_checks[spec.name] = check
        self._custom_labels[spec.name] = label

    @staticmethod
    def _level_point(spec: SettingSpec, level: Level) -> int:
        """What the level picks in the article's range: shown, greyed, while the override is off."""
        return Settings(level=level).pick((spec.minimum, spec.maximum), None)

    def _custom_toggled(self, name: str, on: bool) -> None:
        spin = self.spins[name]
        spin.setEnabled(on)
        # The row's mnemonic turns the override on when it is off and goes to the number when it is on.
        self._custom_labels[name].setBuddy(spin if on else self.custom_checks[name])
        if not on:
            spin.setValue(self._level_point(SPECS_BY_NAME[name], self._level))

    def _level_changed(self) -> None:
        self._level = Level(self.combos["level"].currentData())
        for name, check in self.custom_checks.items():
            if not check.isChecked():
                self.spins[name].setValue(self._level_point(SPECS_BY_NAME[name], self._level))

    def _value(self, spec: SettingSpec) -> object:
        name = spec.name
        if name in self.combos:
            return spec.parse(self.combos[name].currentData())
        if name in self.checks:
            return self.checks[name].isChecked()
        if name in self.sliders:
            return self.sliders[name].value()
        if name in self.custom_checks and not self.custom_checks[name].isChecked():
            return None
        return self.spins[name].value()

    def result_settings(self) -> AppSettings:
        """The settings as the controls show them (always valid: each control enforces its range)."""
        return AppSettings.from_values({spec.name: self._value(spec) for spec in SETTING_SPECS})

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
