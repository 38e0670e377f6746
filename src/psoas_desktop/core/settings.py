"""Every stored setting, declared once in SETTING_SPECS, and the typed values built from that table.

The store's load and save, the settings dialog's rows and the command line's options are all made from
the table; the value objects below (Settings for the workout, ReminderSettings, AppSettings) take their
defaults from it and check themselves against it. A new setting is one row here plus the field that holds
it (in the value object its INI section names) and its use.

The workout overrides' ranges are the article's: holds of 20–30 s, a 2–3 s pause at the top, 10–12 reps,
2–3 sets. With no value (None, saved as an empty text) the level picks a point in each exercise's range.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from psoas_desktop.core.catalog import Range
from psoas_desktop.core.errors import SettingsError
from psoas_desktop.core.setting_spec import Group, Part, SettingSpec, Unit


class Level(StrEnum):
    BEGINNER = "beginner"
    STANDARD = "standard"
    ADVANCED = "advanced"


class Theme(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


BREAK_MINUTES_CHOICES = (0, 30, 45, 60, 90, 120)  # 0 = off (the default until the user chooses)
_BREAK_LABELS = tuple(
    (minutes, "Off" if minutes == 0 else f"After {minutes} minutes of sitting")
    for minutes in BREAK_MINUTES_CHOICES
)
_TIMING, _SOUND, _REMINDERS, _LOOK, _HISTORY = (
    Group.TIMING,
    Group.SOUND,
    Group.REMINDERS,
    Group.APPEARANCE,
    Group.HISTORY,
)
_S, _HOUR = Unit.SECONDS, Unit.HOUR
_SOUND_ON = ("sound_on",)  # the voice and the breathing tones play only with the sound on, at its volume
_ANY_REMINDER = ("break_minutes", "weekly_nudge")  # quiet hours silence both

# One row per setting, in the dialog's order within each group:
# name, INI key, type, default, group, label (with its mnemonic), accessible name, help; then range or choices.
# A timing setting's help says what it does; the dialog adds which routines use it (core.setting_use).
# fmt: off
SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("level", "workout/level", Level, Level.STANDARD, _TIMING, "&Level", "Level",
                "Beginner uses the low end of each range, Advanced the high end, Standard the middle"),
    SettingSpec("hold_seconds", "workout/hold_seconds", int, None, _TIMING, "&Hold", "Hold seconds",
                "How long each hold or stretch lasts", bounds=(20, 30), unit=_S),
    SettingSpec("pause_seconds", "workout/pause_seconds", int, None, _TIMING, "&Pause at the top",
                "Pause at the top seconds", "How long to stay at the top of each lift before lowering",
                bounds=(2, 3), unit=_S),
    SettingSpec("reps", "workout/reps", int, None, _TIMING, "&Repetitions", "Repetitions",
                "Lifts in each set of a repeated exercise", bounds=(10, 12)),
    SettingSpec("sets", "workout/sets", int, None, _TIMING, "S&ets / rounds", "Sets or rounds",
                "Sets of each exercise, or rounds of a stretch", bounds=(2, 3)),
    SettingSpec("rest_seconds", "workout/rest_seconds", int, 30, _TIMING, "Res&t between sets",
                "Rest between sets seconds",
                "The rest between two sets; a one-sided stretch switches sides between rounds instead",
                bounds=(0, 120), unit=_S),
    SettingSpec("lead_in_seconds", "workout/lead_in_seconds", int, 5, _TIMING, "&Get-ready lead-in",
                "Get-ready lead-in seconds", "Time to get into position before each exercise starts",
                bounds=(0, 10), unit=_S),
    SettingSpec("switch_seconds", "workout/switch_seconds", int, 5, _TIMING, "S&witch sides",
                "Switch sides seconds", "Time to change sides in a one-sided exercise, and between its rounds",
                bounds=(0, 30), unit=_S),
    SettingSpec("move_seconds", "workout/move_seconds", int, 2, _TIMING, "L&ift / lower time",
                "Lift and lower time seconds",
                "Time to lift into each repetition, and again to lower out of it", bounds=(1, 10), unit=_S),
    SettingSpec("sound_on", "sound/on", bool, True, _SOUND, "&Sound cues", "Sound cues",
                "Tones mark every change, so you can follow with your eyes closed"),
    SettingSpec("volume", "sound/volume", int, 80, _SOUND, "&Volume", "Volume",
                "How loud the tones and the voice play", bounds=(0, 100), unit=Unit.PERCENT,
                applies_when=_SOUND_ON),
    SettingSpec("voice_on", "voice/on", bool, False, _SOUND, "Spo&ken cues", "Spoken cues",
                "Speaks short phrases after the tones; needs a speech engine", applies_when=_SOUND_ON),
    SettingSpec("breathing_on", "sound/breathing", bool, False, _SOUND, "&Breathing pace during long holds",
                "Breathing pace",
                "Soft inhale and exhale tones to pace your breathing in holds of 20 seconds or more",
                applies_when=_SOUND_ON),
    SettingSpec("break_minutes", "reminders/break_minutes", int, 0, _REMINDERS, "Stretch bre&ak reminder",
                "Stretch break reminder", "A quiet reminder to get up and stretch after sitting this long",
                choices=_BREAK_LABELS),
    SettingSpec("weekly_nudge", "reminders/weekly_nudge", bool, True, _REMINDERS,
                "Weekly-goal &nudge late in a week below the goal", "Weekly-goal nudge",
                "From Friday 17:00, once a week, when fewer sessions than your goal are done"),
    SettingSpec("quiet_start_hour", "reminders/quiet_start_hour", int, 22, _REMINDERS, "&Quiet hours from",
                "Quiet hours start", "No reminder and no nudge from this hour (local time)…", bounds=(0, 23),
                unit=_HOUR, applies_when=_ANY_REMINDER),
    SettingSpec("quiet_end_hour", "reminders/quiet_end_hour", int, 8, _REMINDERS, "Quiet hours &until",
                "Quiet hours end", "…until this hour; the same hour twice means no quiet hours",
                bounds=(0, 23), unit=_HOUR, applies_when=_ANY_REMINDER),
    SettingSpec("theme", "app/theme", Theme, Theme.SYSTEM, _LOOK, "The&me", "Theme",
                "System follows the desktop's light or dark style"),
    SettingSpec("close_to_tray", "app/close_to_tray", bool, False, _LOOK,
                "&Close to the tray (keep running when the window closes)", "Close to the tray",
                "Only where the desktop has a system tray"),
    SettingSpec("weekly_goal", "app/weekly_goal", int, 3, _HISTORY, "Weekl&y goal", "Weekly goal",
                "Sessions a week that meet your goal; the history's charts and the nudge count against it",
                bounds=(1, 14), unit=Unit.SESSIONS_PER_WEEK),
    SettingSpec("sync_folder", "sync/folder", str, "", _HISTORY, "Sync &folder", "Sync folder",
                "Share the history with your other computers through a folder that Syncthing, Nextcloud or"
                " Dropbox keeps in step (empty: not shared); never inside the data folder",
                unit=Unit.FOLDER),
)
# fmt: on
SPECS_BY_NAME = {spec.name: spec for spec in SETTING_SPECS}
# Each setting's default, for the value objects' fields (typed there).
DEFAULTS: Mapping[str, Any] = {spec.name: spec.default for spec in SETTING_SPECS}


def specs_of(part: Part) -> tuple[SettingSpec, ...]:
    return tuple(spec for spec in SETTING_SPECS if spec.part is part)


def _check_fields(values: object, part: Part) -> None:
    for spec in specs_of(part):
        spec.check(getattr(values, spec.name))


def parse_level(value: str) -> Level:
    level = SPECS_BY_NAME["level"].parse(value)
    assert isinstance(level, Level)
    return level


@dataclass(frozen=True)
class Settings:
    """The workout settings (INI section "workout"): a level plus validated overrides."""

    level: Level = DEFAULTS["level"]
    hold_seconds: int | None = DEFAULTS["hold_seconds"]
    pause_seconds: int | None = DEFAULTS["pause_seconds"]
    reps: int | None = DEFAULTS["reps"]
    sets: int | None = DEFAULTS["sets"]
    rest_seconds: int = DEFAULTS["rest_seconds"]
    lead_in_seconds: int = DEFAULTS["lead_in_seconds"]
    switch_seconds: int = DEFAULTS["switch_seconds"]
    move_seconds: int = DEFAULTS["move_seconds"]

    def __post_init__(self) -> None:
        _check_fields(self, Part.WORKOUT)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> Settings:
        """Build settings from loose key/value data (CLI, tests); unknown keys are an error too."""
        unknown = sorted(set(values) - {field.name for field in dataclasses.fields(cls)})
        if unknown:
            raise SettingsError(f"{unknown[0]}: unknown setting")
        converted = dict(values)
        if "level" in converted and isinstance(converted["level"], str):
            converted["level"] = parse_level(converted["level"])
        return cls(**converted)  # type: ignore[arg-type]  # validated in __post_init__

    def with_changes(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]  # validated in __post_init__

    def pick(self, article_range: Range, override: int | None) -> int:
        """The value to use for one exercise: the override clamped into its range, else the level's point."""
        low, high = article_range
        if override is not None:
            return min(max(override, low), high)
        if self.level is Level.BEGINNER:
            return low
        if self.level is Level.ADVANCED:
            return high
        return (low + high) // 2


@dataclass(frozen=True)
class ReminderSettings:
    """When to remind (INI section "reminders"); core.reminders makes the decisions."""

    break_minutes: int = DEFAULTS["break_minutes"]
    weekly_nudge: bool = DEFAULTS["weekly_nudge"]
    quiet_start_hour: int = DEFAULTS["quiet_start_hour"]
    quiet_end_hour: int = DEFAULTS["quiet_end_hour"]

    def __post_init__(self) -> None:
        _check_fields(self, Part.REMINDERS)


@dataclass(frozen=True)
class AppSettings:
    """Everything the settings dialog edits: the workout, the reminders and the app's own preferences."""

    workout: Settings = field(default_factory=Settings)
    sound_on: bool = DEFAULTS["sound_on"]
    volume: int = DEFAULTS["volume"]
    voice_on: bool = DEFAULTS["voice_on"]
    breathing_on: bool = DEFAULTS["breathing_on"]
    theme: Theme = DEFAULTS["theme"]
    close_to_tray: bool = DEFAULTS["close_to_tray"]
    weekly_goal: int = DEFAULTS["weekly_goal"]
    sync_folder: str = DEFAULTS["sync_folder"]
    """Where the history journals are shared (``--sync-dir`` overrides it for one run); "" for none."""
    reminders: ReminderSettings = field(default_factory=ReminderSettings)

    def __post_init__(self) -> None:
        if not isinstance(self.workout, Settings):
            raise SettingsError(f"workout: expected Settings, got {self.workout!r}")
        if not isinstance(self.reminders, ReminderSettings):
            raise SettingsError(f"reminders: expected ReminderSettings, got {self.reminders!r}")
        _check_fields(self, Part.APP)

    def with_changes(self, **changes: object) -> AppSettings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]  # validated in __post_init__

    def value(self, spec: SettingSpec) -> object:
        holder: object = {Part.WORKOUT: self.workout, Part.REMINDERS: self.reminders}.get(spec.part, self)
        return getattr(holder, spec.name)

    def values(self) -> dict[str, object]:
        """Every setting by name, e.g. {"level": Level.STANDARD, "hold_seconds": None, ...}."""
        return {spec.name: self.value(spec) for spec in SETTING_SPECS}

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> AppSettings:
        """Typed values by setting name (any left out: its default); SettingsError for a bad or unknown one."""
        unknown = sorted(set(values) - set(SPECS_BY_NAME))
        if unknown:
            raise SettingsError(f"{unknown[0]}: unknown setting")
        parts: dict[Part, dict[str, Any]] = {part: {} for part in Part}
        for spec in SETTING_SPECS:
            parts[spec.part][spec.name] = values.get(spec.name, spec.default)
        return cls(
            workout=Settings(**parts[Part.WORKOUT]),
            reminders=ReminderSettings(**parts[Part.REMINDERS]),
            **parts[Part.APP],
        )
