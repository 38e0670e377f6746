"""How one stored setting is described, checked and read from loose text; core.settings holds the table.

A SettingSpec is one row of that table. It knows nothing of Qt: the store, the dialog and the command line
read its columns and call check() on typed values, parse() on loose ones (INI text, QSettings' own types,
a command-line word), so each rule and each message lives here once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from psoas_desktop.core.errors import SettingsError


class Group(StrEnum):
    """The settings dialog's tabs, in the order they are shown."""

    TIMING = "Timing"
    SOUND = "Sound & voice"
    REMINDERS = "Reminders"
    APPEARANCE = "Appearance"
    HISTORY = "History"


class Unit(StrEnum):
    """What a whole number counts: the dialog picks its control, suffix and range label from it."""

    COUNT = "count"
    SECONDS = "seconds"
    SESSIONS_PER_WEEK = "sessions/week"
    PERCENT = "percent"
    HOUR = "hour of the day"
    FOLDER = "folder"  # a text setting: a folder's path, "" for none


class Part(StrEnum):
    """Which value object holds a setting; the INI section names it (any other section: the app's own)."""

    WORKOUT = "workout"
    REMINDERS = "reminders"
    APP = "app"


_INT_PATTERN = re.compile(r"[+-]?[0-9]{1,9}")
_TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
_FALSE_WORDS = frozenset({"false", "0", "no", "off"})
FOLLOWS_LEVEL = "follows level"


@dataclass(frozen=True)
class SettingSpec:
    """One setting. ``kind`` is int, bool, str (a folder's path, "" for none) or a StrEnum; an int has
    ``bounds`` or ``choices``, an enum may have ``choices`` (its members and their labels; by default every
    member, capitalised). A default of None means "no value: follow the level" (the workout overrides).
    ``applies_when`` names the settings of which at least one must be on (a true flag, a number other than
    0 such as a reminder that is not Off) for this one to have any effect; the dialog greys it out
    otherwise."""

    name: str  # the field of the value object, and the setting's name in messages
    key: str  # the QSettings (INI) key: section/name
    kind: type[Any]
    default: object
    group: Group
    label: str  # the dialog's label, with its & mnemonic; a check box's text
    accessible: str  # the control's accessible name, read by screen readers
    help: str  # one line: what it does; the dialog's grey line and tooltip, and command-line help
    bounds: tuple[int, int] | None = None  # an int's inclusive range
    choices: tuple[tuple[object, str], ...] = ()  # (value, label) for an int chosen from a list, or an enum
    unit: Unit = Unit.COUNT
    applies_when: tuple[str, ...] = ()

    @property
    def part(self) -> Part:
        section = self.key.split("/", 1)[0]
        return Part(section) if section in set(Part) else Part.APP

    @property
    def title(self) -> str:
        """The label without its mnemonic, e.g. "Hold"."""
        return self.label.replace("&", "")

    @property
    def follows_level(self) -> bool:
        return self.default is None

    @property
    def options(self) -> tuple[tuple[object, str], ...]:
        """The values a list or an enum allows, with their labels; () for a range or a flag."""
        if self.choices or not issubclass(self.kind, StrEnum):
            return self.choices
        return tuple((member, member.value.capitalize()) for member in self.kind)

    @property
    def minimum(self) -> int:
        assert self.bounds is not None, self.name
        return self.bounds[0]

    @property
    def maximum(self) -> int:
        assert self.bounds is not None, self.name
        return self.bounds[1]

    def applies(self, values: Mapping[str, object]) -> bool:
        """Whether this setting has an effect, given every setting's value by name."""
        return not self.applies_when or any(_is_on(values[name]) for name in self.applies_when)

    def check(self, value: object) -> None:
        """Raise SettingsError naming this setting unless ``value`` is a valid typed value."""
        if value is None and self.follows_level:
            return
        if self.kind is bool:
            if not isinstance(value, bool):
                raise SettingsError(f"{self.name}: expected true or false, got {value!r}")
        elif self.kind is str:
            if not isinstance(value, str):
                raise SettingsError(f"{self.name}: expected a folder's path, got {value!r}")
        elif self.kind is int:
            if not isinstance(value, int) or isinstance(value, bool):
                raise SettingsError(f"{self.name}: expected a whole number, got {value!r}")
            if self.bounds is None:
                if value not in (choice for choice, _ in self.options):
                    raise SettingsError(f"{self.name}: {value} is not one of: {self.allowed_text()}")
            elif not self.minimum <= value <= self.maximum:
                raise SettingsError(
                    f"{self.name}: {value} is out of range; allowed {self.minimum}–{self.maximum}"
                )
        elif not isinstance(value, self.kind):
            raise SettingsError(f"{self.name}: expected one of {self.allowed_text()}, got {value!r}")

    def parse(self, raw: object) -> object:
        """A loose value as this setting's type: text from a file or the command line (spaces and the
        case of words forgiven), or QSettings' own int or bool. SettingsError names the setting."""
        if self.follows_level and (raw is None or (isinstance(raw, str) and not raw.strip())):
            return None
        if self.kind is bool:
            value: object = parse_bool(raw)
            if value is None:
                raise SettingsError(f"{self.name}: expected true or false, got {raw!r}")
        elif self.kind is str:
            value = _parse_text(raw)
            if value is None:
                raise SettingsError(f"{self.name}: expected a folder's path, got {raw!r}")
        elif self.kind is int:
            value = _parse_int(raw)
            if value is None:
                raise SettingsError(f"{self.name}: expected a whole number, got {raw!r}")
        else:
            value = _parse_enum(self.kind, raw)
            if value is None:
                raise SettingsError(f"{self.name}: {raw!r} is not one of: {self.allowed_text()}")
        self.check(value)
        return value

    def stored(self, value: object) -> object:
        """The value as the INI file keeps it: "" for "follow the level", an enum's text, else as is."""
        if value is None:
            return ""
        if isinstance(value, StrEnum):
            return value.value
        return value

    def text(self, value: object) -> str:
        """A value as a message shows it, e.g. "follows level", "on", "standard", "off", "30"."""
        if value is None:
            return FOLLOWS_LEVEL
        if isinstance(value, bool):
            return "on" if value else "off"
        if self.kind is str:
            return str(value) or "none"
        if isinstance(value, StrEnum):
            return value.value
        labels = dict(self.options)
        return labels[value].lower() if value in labels else str(value)

    def allowed_text(self) -> str:
        """What may be given, e.g. "beginner, standard, advanced", "0, 30, 45", "20–30", "true or false"."""
        if self.kind is bool:
            return "true or false"
        if self.kind is str:
            return "a folder, or nothing for none"
        if self.bounds is not None:
            return f"{self.minimum}–{self.maximum}"
        return ", ".join(str(self.stored(value)) for value, _ in self.options)


def _is_on(value: object) -> bool:
    """A flag that is on, or a number such as a reminder interval that is not 0 (Off)."""
    return value is not None and value is not False and value != 0


def _parse_int(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and _INT_PATTERN.fullmatch(raw.strip()):
        return int(raw.strip())
    return None


def _parse_text(raw: object) -> str | None:
    """A path as typed (spaces around it forgiven); QSettings reads an unquoted "a,b" as a list."""
    if raw is None:
        return ""
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return ",".join(raw).strip()
    return raw.strip() if isinstance(raw, str) else None


def parse_bool(raw: object) -> bool | None:
    """True or False from QSettings' bool or 0/1, or a word such as "yes" or "off"; None for anything else."""
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
    return None


def _parse_enum(kind: type[Any], raw: object) -> object:
    if not isinstance(raw, str):
        return None
    try:
        return kind(raw.strip().lower())
    except ValueError:
        return None
