"""The settings dialog, one row per row of core.settings' table: a tab per group, rows in the table's order.

Every control is limited to its setting's range or choices, so what the dialog returns is always valid. The
control follows from the row: a list or an enum is a combo box, a flag a check box, a percentage a slider,
a folder a text box with a Choose button, a whole number a spin box, and a workout override that may
follow the level a "Custom" switch beside one.
Under each control a small grey line says what it does (for a timing setting, which routines use it:
core.setting_use), and a setting that has no effect while another is off (the row's ``applies_when``) is
greyed out as that one changes.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from psoas_desktop.core.catalog import Catalog, load_catalog
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.setting_spec import Group, SettingSpec, Unit
from psoas_desktop.core.setting_use import help_line
from psoas_desktop.core.settings import SETTING_SPECS, SPECS_BY_NAME, AppSettings, Level, Settings

log = logging.getLogger(__name__)

SESSION_NOTE = "Changes during a session apply from the next exercise."
CUSTOM_TOOLTIP = "Unchecked: follows the level"
HELP_LINE_CHARACTERS = 110  # the dialog's width, in average characters
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


def _help_lines(catalog: Catalog | None) -> dict[str, str]:
    """Each setting's grey line; without the catalog (a broken install) the help alone, no routines."""
    try:
        known = catalog if catalog is not None else load_catalog()
    except KnownError:
        log.warning("settings: the catalog could not be read; the help lines name no routines", exc_info=True)
        return {spec.name: spec.help for spec in SETTING_SPECS}
    return {spec.name: help_line(known, spec) for spec in SETTING_SPECS}


def _help_label(text: str, indent: int = 0) -> QLabel:
    """The small grey line under a control: the palette's placeholder colour, so both themes keep it quiet."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 0.9)
    label.setFont(font)
    label.setContentsMargins(indent, 0, 0, 0)
    return label


class FolderPicker:
    """The choose-a-folder question, behind a seam tests replace."""

    @classmethod
    def ask(cls, parent: QWidget, title: str, current: str) -> str | None:
        """The folder chosen, or None when cancelled."""
        chosen = QFileDialog.getExistingDirectory(parent, title, current)
        return chosen or None


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

    The controls, by setting name: ``combos``, ``checks``, ``sliders``, ``spins`` and ``folders``, each
    setting in exactly one of them; ``custom_checks`` holds the "Custom" switch of each setting that may
    follow the level.
    ``tabs`` holds one page per group (``pages``); ``help_labels`` the grey line under each setting, and
    ``rows`` what is greyed out, label and all, while the setting does not apply.
    """

    def __init__(
        self, current: AppSettings, parent: QWidget | None = None, catalog: Catalog | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.combos: dict[str, QComboBox] = {}
        self.checks: dict[str, QCheckBox] = {}
        self.sliders: dict[str, QSlider] = {}
        self.spins: dict[str, QSpinBox] = {}
        self.folders: dict[str, QLineEdit] = {}
        self.custom_checks: dict[str, QCheckBox] = {}
        self.help_labels: dict[str, QLabel] = {}
        self.rows: dict[str, tuple[QWidget, ...]] = {}
        self._custom_labels: dict[str, QLabel] = {}
        self._level = current.workout.level
        self._help = _help_lines(catalog)
        self.tabs = QTabWidget()
        self.pages: dict[Group, QWidget] = {}
        for group in Group:
            page = QWidget()
            form = QFormLayout(page)
            for spec in SETTING_SPECS:
                if spec.group is group:
                    self._add_setting(form, spec, current.value(spec))
            self.pages[group] = page
            self.tabs.addTab(page, group.value.replace("&", "&&"))
        self.combos["level"].currentIndexChanged.connect(self._level_changed)
        self._watch_dependencies()

        note = QLabel(SESSION_NOTE)
        note.setWordWrap(True)
        self.note_label = note

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._fit_help_lines()

    def _fit_help_lines(self) -> None:
        """Wide enough for each grey line to wrap once at most, and tall enough for all of them: a window
        does not ask its layout for the height its wrapped labels need at its width, so it is set here."""
        width = max(self.sizeHint().width(), self.fontMetrics().averageCharWidth() * HELP_LINE_CHARACTERS)
        self.setMinimumWidth(width)
        self.resize(width, self.heightForWidth(width))

    def _add_setting(self, form: QFormLayout, spec: SettingSpec, value: object) -> None:
        """The setting's control (and its label) over its grey help line, as one form row."""
        label: QLabel | None
        field: QWidget
        if spec.options:
            combo = QComboBox()
            for choice, text in spec.options:
                combo.addItem(text, spec.stored(choice))
            combo.setCurrentIndex(combo.findData(spec.stored(value)))
            self._describe(combo, spec)
            self.combos[spec.name] = combo
            label, field = self._labelled(spec.label, combo), combo
        elif spec.kind is bool:
            check = QCheckBox(spec.label)  # a check box is its own label
            check.setChecked(bool(value))
            self._describe(check, spec)
            self.checks[spec.name] = check
            label, field = None, check
        elif spec.unit is Unit.PERCENT:
            label, field = self._slider(spec, value)
        elif spec.kind is str:
            label, field = self._folder(spec, value)
        elif spec.follows_level:
            label, field = self._custom(spec, value)
        else:
            spin = self._make_spin(spec)
            spin.setValue(_whole(value))
            label, field = self._labelled(range_label(spec), spin), spin
        # A check box's line starts under its text, past the indicator.
        indent = (
            self.style().pixelMetric(self.style().PixelMetric.PM_IndicatorWidth) + 4 if label is None else 0
        )
        help_label = _help_label(self._help[spec.name], indent)
        self.help_labels[spec.name] = help_label
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(field)
        column.addWidget(help_label)
        if label is None:
            form.addRow(cell)
            self.rows[spec.name] = (cell,)
        else:
            form.addRow(label, cell)
            self.rows[spec.name] = (label, cell)

    def _describe(self, widget: QWidget, spec: SettingSpec) -> None:
        widget.setAccessibleName(spec.accessible)
        widget.setAccessibleDescription(self._help[spec.name])
        widget.setToolTip(self._help[spec.name])

    @staticmethod
    def _labelled(text: str, field: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(field)
        return label

    def _make_spin(self, spec: SettingSpec) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(spec.minimum, spec.maximum)
        spin.setSuffix(_SUFFIXES.get(spec.unit, ""))
        self._describe(spin, spec)
        self.spins[spec.name] = spin
        return spin

    def _slider(self, spec: SettingSpec, value: object) -> tuple[QLabel, QWidget]:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(spec.minimum, spec.maximum)
        slider.setPageStep(10)
        slider.setValue(_whole(value))
        self._describe(slider, spec)
        shown = QLabel()
        shown.setMinimumWidth(shown.fontMetrics().horizontalAdvance(f"{spec.maximum}%"))
        slider.valueChanged.connect(lambda number: shown.setText(f"{number}%"))
        shown.setText(f"{slider.value()}%")
        self.sliders[spec.name] = slider
        return self._labelled(range_label(spec), slider), _row(slider, shown, stretched=slider)

    def _folder(self, spec: SettingSpec, value: object) -> tuple[QLabel, QWidget]:
        """A folder's path, typed or chosen; empty for none."""
        edit = QLineEdit(str(value))
        edit.setPlaceholderText("Not shared")
        self._describe(edit, spec)
        choose = QPushButton("Ch&oose…")
        choose.setAccessibleName(f"Choose the {spec.accessible.lower()}")
        choose.setAutoDefault(False)  # Return in the text box means OK, not "choose"

        def pick() -> None:
            chosen = FolderPicker.ask(self, spec.title, edit.text())
            if chosen is not None:
                edit.setText(chosen)

        choose.clicked.connect(pick)
        self.folders[spec.name] = edit
        return self._labelled(spec.label, edit), _row(edit, choose, stretched=edit)

    def _custom(self, spec: SettingSpec, value: object) -> tuple[QLabel, QWidget]:
        """A workout override: a "Custom" switch, and the number (greyed, the level's point) when it is off."""
        check = QCheckBox("Custom")
        check.setAccessibleName(f"Custom {spec.accessible.removesuffix(' seconds').lower()}")
        check.setToolTip(CUSTOM_TOOLTIP)
        spin = self._make_spin(spec)
        custom = value is not None
        check.setChecked(custom)
        spin.setEnabled(custom)
        spin.setValue(_whole(value) if custom else self._level_point(spec, self._level))
        label = self._labelled(range_label(spec), spin if custom else check)
        check.toggled.connect(lambda on, name=spec.name: self._custom_toggled(name, on))
        self.custom_checks[spec.name] = check
        self._custom_labels[spec.name] = label
        return label, _row(check, spin, stretched=spin)

    def _watch_dependencies(self) -> None:
        """Grey out a setting that has no effect now, live as the settings it depends on change."""
        controlling = {name for spec in SETTING_SPECS for name in spec.applies_when}
        for name in controlling:
            if name in self.checks:
                self.checks[name].toggled.connect(self._update_dependents)
            else:
                self.combos[name].currentIndexChanged.connect(self._update_dependents)
        self._update_dependents()

    def _update_dependents(self) -> None:
        values = {spec.name: self._value(spec) for spec in SETTING_SPECS}
        for spec in SETTING_SPECS:
            applies = spec.applies(values)
            for widget in self.rows[spec.name]:
                # The whole row: a child's own state (a Custom row's number) comes back with it.
                widget.setEnabled(applies)

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
        if name in self.folders:
            return spec.parse(self.folders[name].text())
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
