"""Workout settings: a level that picks a point in each of the article's ranges, plus validated overrides."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from psoas_desktop.core.catalog import Range
from psoas_desktop.core.errors import SettingsError


class Level(StrEnum):
    BEGINNER = "beginner"
    STANDARD = "standard"
    ADVANCED = "advanced"


@dataclass(frozen=True)
class SettingSpec:
    """One numeric setting: its allowed range, its default (None: follow the level) and how to name it."""

    name: str
    label: str
    minimum: int
    maximum: int
    default: int | None


# The overrides' ranges are the article's: holds of 20–30 s, a 2–3 s pause at the top, 10–12 reps, 2–3 sets.
SETTING_SPECS: tuple[SettingSpec, ...] = (
    SettingSpec("hold_seconds", "Hold (seconds)", 20, 30, None),
    SettingSpec("pause_seconds", "Pause at the top (seconds)", 2, 3, None),
    SettingSpec("reps", "Repetitions", 10, 12, None),
    SettingSpec("sets", "Sets / rounds", 2, 3, None),
    SettingSpec("rest_seconds", "Rest between sets (seconds)", 0, 120, 30),
    SettingSpec("lead_in_seconds", "Get-ready lead-in (seconds)", 0, 10, 5),
    SettingSpec("switch_seconds", "Switch sides (seconds)", 0, 30, 5),
    SettingSpec("move_seconds", "Lift / lower time (seconds)", 1, 10, 2),
)
SPECS_BY_NAME = {spec.name: spec for spec in SETTING_SPECS}


def parse_level(value: str) -> Level:
    try:
        return Level(value.strip().lower())
    except ValueError:
        allowed = ", ".join(level.value for level in Level)
        raise SettingsError(f"level: {value!r} is not one of: {allowed}") from None


@dataclass(frozen=True)
class Settings:
    level: Level = Level.STANDARD
    hold_seconds: int | None = None
    pause_seconds: int | None = None
    reps: int | None = None
    sets: int | None = None
    rest_seconds: int = 30
    lead_in_seconds: int = 5
    switch_seconds: int = 5
    move_seconds: int = 2

    def __post_init__(self) -> None:
        if not isinstance(self.level, Level):
            raise SettingsError(f"level: expected one of {', '.join(Level)}, got {self.level!r}")
        for spec in SETTING_SPECS:
            value = getattr(self, spec.name)
            if value is None and spec.default is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                raise SettingsError(f"{spec.name}: expected a whole number, got {value!r}")
            if not spec.minimum <= value <= spec.maximum:
                raise SettingsError(
                    f"{spec.name}: {value} is out of range; allowed {spec.minimum}–{spec.maximum}"
                )

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
