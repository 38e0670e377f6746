"""The app's settings on disk: one INI file in the user's config folder, read defensively.

Every key is read as a raw value and converted here: QSettings' own ``type=`` conversion turns a bad string
into 0 or False without a word. A bad stored value falls back to that key's default and yields a message for
the status bar; a file that cannot be written raises a KnownError the caller shows while the app keeps
running.

Within one process QSettings caches a file's values with their Python types (an int stays an int), while a
file read from disk gives strings ("25", "true"): both are accepted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QByteArray, QSettings

from psoas_desktop.core.errors import KnownError, SettingsError
from psoas_desktop.core.reminders import BREAK_MINUTES_CHOICES, ReminderSettings
from psoas_desktop.core.settings import SETTING_SPECS, Level, Settings, SettingSpec, parse_level

SETTINGS_FILE_NAME = "psoas-desktop.ini"

WEEKLY_GOAL_MIN, WEEKLY_GOAL_MAX = 1, 14
VOLUME_MIN, VOLUME_MAX = 0, 100

KEY_LEVEL = "workout/level"
KEY_WEEKLY_GOAL = "app/weekly_goal"
KEY_SOUND_ON = "sound/on"
KEY_VOLUME = "sound/volume"
KEY_VOICE_ON = "voice/on"
KEY_BREATHING_ON = "sound/breathing"
KEY_THEME = "app/theme"
KEY_CLOSE_TO_TRAY = "app/close_to_tray"
KEY_BREAK_MINUTES = "reminders/break_minutes"
KEY_QUIET_START = "reminders/quiet_start_hour"
KEY_QUIET_END = "reminders/quiet_end_hour"
KEY_WEEKLY_NUDGE = "reminders/weekly_nudge"


def workout_key(spec: SettingSpec) -> str:
    """The INI key of one numeric workout setting, e.g. "workout/hold_seconds"."""
    return f"workout/{spec.name}"


class Theme(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True)
class AppSettings:
    """Everything the settings dialog edits: the workout settings plus the app's own preferences."""

    workout: Settings = field(default_factory=Settings)
    weekly_goal: int = 3
    sound_on: bool = True
    volume: int = 80
    voice_on: bool = False
    breathing_on: bool = False
    theme: Theme = Theme.SYSTEM
    close_to_tray: bool = False
    reminders: ReminderSettings = field(default_factory=ReminderSettings)

    def __post_init__(self) -> None:
        if not isinstance(self.workout, Settings):
            raise SettingsError(f"workout: expected Settings, got {self.workout!r}")
        for name, low, high in (
            ("weekly_goal", WEEKLY_GOAL_MIN, WEEKLY_GOAL_MAX),
            ("volume", VOLUME_MIN, VOLUME_MAX),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise SettingsError(f"{name}: expected a whole number, got {value!r}")
            if not low <= value <= high:
                raise SettingsError(f"{name}: {value} is out of range; allowed {low}–{high}")
        for name in ("sound_on", "voice_on", "breathing_on", "close_to_tray"):
            if not isinstance(getattr(self, name), bool):
                raise SettingsError(f"{name}: expected true or false, got {getattr(self, name)!r}")
        if not isinstance(self.reminders, ReminderSettings):
            raise SettingsError(f"reminders: expected ReminderSettings, got {self.reminders!r}")
        if not isinstance(self.theme, Theme):
            raise SettingsError(f"theme: expected one of {', '.join(Theme)}, got {self.theme!r}")

    def with_changes(self, **changes: object) -> AppSettings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]  # validated in __post_init__


class _InvalidValueError(Exception):
    """A stored value that cannot be used; load() turns it into a message and the key's default."""


_INT_PATTERN = re.compile(r"[+-]?[0-9]{1,9}")
_TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
_FALSE_WORDS = frozenset({"false", "0", "no", "off"})

T = TypeVar("T")


def _to_int(raw: object, low: int, high: int) -> int:
    if isinstance(raw, bool):
        raise _InvalidValueError
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and _INT_PATTERN.fullmatch(raw.strip()):
        value = int(raw.strip())
    else:
        raise _InvalidValueError
    if not low <= value <= high:
        raise _InvalidValueError
    return value


def _to_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise _InvalidValueError


def _to_level(raw: object) -> Level:
    if not isinstance(raw, str):
        raise _InvalidValueError
    try:
        return parse_level(raw)
    except SettingsError:
        raise _InvalidValueError from None


def _to_theme(raw: object) -> Theme:
    if not isinstance(raw, str):
        raise _InvalidValueError
    try:
        return Theme(raw.strip().lower())
    except ValueError:
        raise _InvalidValueError from None


def _shown(raw: object) -> str:
    """A stored value as the user would recognise it from the file (QSettings splits "a,b" into a list)."""
    if isinstance(raw, list):
        text = ", ".join(str(item) for item in raw)
    elif isinstance(raw, bool):
        text = "true" if raw else "false"
    else:
        text = str(raw)
    return text if len(text) <= 40 else text[:39] + "…"


def _status_reason(status: QSettings.Status) -> str:
    if status == QSettings.Status.AccessError:
        return "the file or its folder is not writable (permission denied, read-only or full disk)"
    return "the existing file is not a valid settings file and could not be replaced"


class SettingsStore:
    """Loads and saves AppSettings, plus small flags and blobs (window geometry, welcome seen)."""

    def __init__(self, config_dir: Path) -> None:
        self._dir = config_dir
        self._path = config_dir / SETTINGS_FILE_NAME
        with contextlib.suppress(OSError):  # load() then gives the defaults; save() reports the problem
            self._dir.mkdir(parents=True, exist_ok=True)
        self._settings = self._open()

    @property
    def path(self) -> Path:
        return self._path

    def _open(self) -> QSettings:
        return QSettings(str(self._path), QSettings.Format.IniFormat)

    # -- the app's settings --

    def load(self) -> tuple[AppSettings, list[str]]:
        """The stored settings, each bad value replaced by its default, and one message per replacement."""
        messages: list[str] = []
        defaults = AppSettings()
        reminder_defaults = defaults.reminders

        def read(key: str, convert: Callable[[object], T], default: T, default_text: str) -> T:
            if not self._settings.contains(key):
                return default
            raw = self._settings.value(key)
            try:
                return convert(raw)
            except _InvalidValueError:
                messages.append(
                    f"Setting '{key}' had an invalid value '{_shown(raw)}'; "
                    f"using the default ({default_text})."
                )
                return default

        workout_values: dict[str, object] = {
            "level": read(KEY_LEVEL, _to_level, defaults.workout.level, defaults.workout.level.value)
        }
        for spec in SETTING_SPECS:
            default = getattr(defaults.workout, spec.name)
            workout_values[spec.name] = read(
                workout_key(spec),
                _spec_converter(spec),
                default,
                "follows level" if default is None else str(default),
            )
        settings = AppSettings(
            workout=Settings.from_mapping(workout_values),
            weekly_goal=read(
                KEY_WEEKLY_GOAL,
                lambda raw: _to_int(raw, WEEKLY_GOAL_MIN, WEEKLY_GOAL_MAX),
                defaults.weekly_goal,
                str(defaults.weekly_goal),
            ),
            sound_on=read(KEY_SOUND_ON, _to_bool, defaults.sound_on, _on_off(defaults.sound_on)),
            volume=read(
                KEY_VOLUME,
                lambda raw: _to_int(raw, VOLUME_MIN, VOLUME_MAX),
                defaults.volume,
                str(defaults.volume),
            ),
            voice_on=read(KEY_VOICE_ON, _to_bool, defaults.voice_on, _on_off(defaults.voice_on)),
            breathing_on=read(
                KEY_BREATHING_ON, _to_bool, defaults.breathing_on, _on_off(defaults.breathing_on)
            ),
            theme=read(KEY_THEME, _to_theme, defaults.theme, defaults.theme.value),
            close_to_tray=read(
                KEY_CLOSE_TO_TRAY, _to_bool, defaults.close_to_tray, _on_off(defaults.close_to_tray)
            ),
            reminders=ReminderSettings(
                break_minutes=read(
                    KEY_BREAK_MINUTES, _to_break_minutes, reminder_defaults.break_minutes, "off"
                ),
                quiet_start_hour=read(
                    KEY_QUIET_START,
                    lambda raw: _to_int(raw, 0, 23),
                    reminder_defaults.quiet_start_hour,
                    str(reminder_defaults.quiet_start_hour),
                ),
                quiet_end_hour=read(
                    KEY_QUIET_END,
                    lambda raw: _to_int(raw, 0, 23),
                    reminder_defaults.quiet_end_hour,
                    str(reminder_defaults.quiet_end_hour),
                ),
                weekly_nudge=read(
                    KEY_WEEKLY_NUDGE,
                    _to_bool,
                    reminder_defaults.weekly_nudge,
                    _on_off(reminder_defaults.weekly_nudge),
                ),
            ),
        )
        if self._settings.status() == QSettings.Status.FormatError:
            messages.append(
                f"Settings file {self._path} had lines that could not be read; they were ignored."
            )
        return settings, messages

    def save(self, settings: AppSettings) -> None:
        """Write all settings and flush them to disk; KnownError if the file cannot be written."""
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KnownError(f"Could not save settings to {self._path}: {exc.strerror or exc}") from None
        # A fresh QSettings: its status starts clean, so an earlier failed flush cannot make this save fail.
        qsettings = self._open()
        workout = settings.workout
        qsettings.setValue(KEY_LEVEL, workout.level.value)
        for spec in SETTING_SPECS:
            value = getattr(workout, spec.name)
            qsettings.setValue(workout_key(spec), "" if value is None else value)
        qsettings.setValue(KEY_WEEKLY_GOAL, settings.weekly_goal)
        qsettings.setValue(KEY_SOUND_ON, settings.sound_on)
        qsettings.setValue(KEY_VOLUME, settings.volume)
        qsettings.setValue(KEY_VOICE_ON, settings.voice_on)
        qsettings.setValue(KEY_BREATHING_ON, settings.breathing_on)
        qsettings.setValue(KEY_THEME, settings.theme.value)
        qsettings.setValue(KEY_CLOSE_TO_TRAY, settings.close_to_tray)
        qsettings.setValue(KEY_BREAK_MINUTES, settings.reminders.break_minutes)
        qsettings.setValue(KEY_QUIET_START, settings.reminders.quiet_start_hour)
        qsettings.setValue(KEY_QUIET_END, settings.reminders.quiet_end_hour)
        qsettings.setValue(KEY_WEEKLY_NUDGE, settings.reminders.weekly_nudge)
        qsettings.sync()
        status = qsettings.status()
        if status == QSettings.Status.FormatError:
            # The old file had unreadable lines; Qt rewrites it without them: check the new file reads back.
            check = self._open()
            check.allKeys()
            status = check.status()
        self._settings = self._open()  # a clean status for load() and the helpers
        if status != QSettings.Status.NoError:
            raise KnownError(f"Could not save settings to {self._path}: {_status_reason(status)}.")

    # -- small helpers for the main window --

    def get_flag(self, key: str, default: bool) -> bool:
        """A stored true/false; the default when absent or unreadable."""
        if not self._settings.contains(key):
            return default
        try:
            return _to_bool(self._settings.value(key))
        except _InvalidValueError:
            return default

    def set_flag(self, key: str, value: bool) -> None:
        """Store a true/false at once (best effort: a write failure shows up at the next save())."""
        self._settings.setValue(key, bool(value))
        self._settings.sync()

    def get_text(self, key: str) -> str:
        """A stored short text (e.g. the week last nudged); "" when absent or not text."""
        raw = self._settings.value(key)
        return raw if isinstance(raw, str) else ""

    def set_text(self, key: str, value: str) -> None:
        """Store a short text at once (best effort, like set_flag)."""
        self._settings.setValue(key, value)
        self._settings.sync()

    def get_bytes(self, key: str) -> QByteArray | None:
        """A stored blob such as window geometry; None when absent or not a blob."""
        raw = self._settings.value(key)
        return raw if isinstance(raw, QByteArray) else None

    def set_bytes(self, key: str, value: QByteArray) -> None:
        """Store a blob at once (best effort, like set_flag)."""
        self._settings.setValue(key, value)
        self._settings.sync()


def _spec_converter(spec: SettingSpec) -> Callable[[object], int | None]:
    def convert(raw: object) -> int | None:
        if spec.default is None and (raw is None or (isinstance(raw, str) and not raw.strip())):
            return None  # empty: follow the level
        return _to_int(raw, spec.minimum, spec.maximum)

    return convert


def _to_break_minutes(raw: object) -> int:
    value = _to_int(raw, 0, max(BREAK_MINUTES_CHOICES))
    if value not in BREAK_MINUTES_CHOICES:
        raise _InvalidValueError
    return value


def _on_off(value: bool) -> str:
    return "on" if value else "off"
