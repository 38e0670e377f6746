"""The settings store: round trips, defaults, every kind of bad stored value, and unwritable files."""

from __future__ import annotations

import configparser
import dataclasses
import os
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray

from psoas_desktop.core.errors import KnownError, SettingsError
from psoas_desktop.core.setting_spec import SettingSpec
from psoas_desktop.core.settings import (
    SETTING_SPECS,
    AppSettings,
    Level,
    ReminderSettings,
    Settings,
    Theme,
)
from psoas_desktop.qt.settings.store import SETTINGS_FILE_NAME, SettingsStore

NON_DEFAULT = AppSettings(
    workout=Settings(
        level=Level.ADVANCED,
        hold_seconds=25,
        pause_seconds=3,
        reps=11,
        sets=2,
        rest_seconds=45,
        lead_in_seconds=0,
        switch_seconds=12,
        move_seconds=4,
    ),
    weekly_goal=7,
    sound_on=False,
    volume=35,
    voice_on=True,
    breathing_on=True,
    theme=Theme.DARK,
    close_to_tray=True,
    reminders=ReminderSettings(break_minutes=90, quiet_start_hour=23, quiet_end_hour=6, weekly_nudge=False),
)

# A hand-written file as the user (or an older version) might leave it: every value valid and not a default.
VALID_INI = {
    "workout": {
        "level": "beginner",
        "hold_seconds": "22",
        "pause_seconds": "",
        "reps": "12",
        "sets": "3",
        "rest_seconds": "60",
        "lead_in_seconds": "8",
        "switch_seconds": "0",
        "move_seconds": "3",
    },
    "app": {"weekly_goal": "5", "theme": "light", "close_to_tray": "true"},
    "reminders": {
        "break_minutes": "60",
        "quiet_start_hour": "21",
        "quiet_end_hour": "9",
        "weekly_nudge": "off",
    },
    "sound": {"on": "false", "volume": "20", "breathing": "true"},
    "voice": {"on": "true"},
}
VALID_LOADED = AppSettings(
    workout=Settings(
        level=Level.BEGINNER,
        hold_seconds=22,
        pause_seconds=None,
        reps=12,
        sets=3,
        rest_seconds=60,
        lead_in_seconds=8,
        switch_seconds=0,
        move_seconds=3,
    ),
    weekly_goal=5,
    sound_on=False,
    volume=20,
    voice_on=True,
    breathing_on=True,
    theme=Theme.LIGHT,
    close_to_tray=True,
    reminders=ReminderSettings(break_minutes=60, quiet_start_hour=21, quiet_end_hour=9, weekly_nudge=False),
)


def write_ini(config_dir: Path, sections: dict[str, dict[str, str]]) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key}={value}" for key, value in values.items())
        lines.append("")
    (config_dir / SETTINGS_FILE_NAME).write_text("\n".join(lines), encoding="utf-8")


def test_round_trip_keeps_every_non_default_value(tmp_path: Path) -> None:
    SettingsStore(tmp_path).save(NON_DEFAULT)
    loaded, messages = SettingsStore(tmp_path).load()
    assert loaded == NON_DEFAULT
    assert messages == []
    text = (tmp_path / SETTINGS_FILE_NAME).read_text(encoding="utf-8")
    assert "level=advanced" in text and "theme=dark" in text


def test_follow_the_level_is_saved_as_empty_and_loads_as_none(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    store.save(NON_DEFAULT.with_changes(workout=NON_DEFAULT.workout.with_changes(hold_seconds=None)))
    assert "hold_seconds=\n" in (tmp_path / SETTINGS_FILE_NAME).read_text(encoding="utf-8")
    loaded, messages = SettingsStore(tmp_path).load()
    assert loaded.workout.hold_seconds is None and loaded.workout.pause_seconds == 3
    assert messages == []


# Files exactly as the version before the settings table wrote them (for AppSettings() and NON_DEFAULT).
OLD_FORMAT_DEFAULTS = """[app]
close_to_tray=false
theme=system
weekly_goal=3

[reminders]
break_minutes=0
quiet_end_hour=8
quiet_start_hour=22
weekly_nudge=true

[sound]
breathing=false
on=true
volume=80

[voice]
on=false

[workout]
hold_seconds=
lead_in_seconds=5
level=standard
move_seconds=2
pause_seconds=
reps=
rest_seconds=30
sets=
switch_seconds=5
"""
OLD_FORMAT_NON_DEFAULT = """[app]
close_to_tray=true
theme=dark
weekly_goal=7

[reminders]
break_minutes=90
quiet_end_hour=6
quiet_start_hour=23
weekly_nudge=false

[sound]
breathing=true
on=false
volume=35

[voice]
on=true

[workout]
hold_seconds=25
lead_in_seconds=0
level=advanced
move_seconds=4
pause_seconds=3
reps=11
rest_seconds=45
sets=2
switch_seconds=12
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [(OLD_FORMAT_DEFAULTS, AppSettings()), (OLD_FORMAT_NON_DEFAULT, NON_DEFAULT)],
    ids=["defaults", "non-default"],
)
def test_a_file_written_by_the_old_version_loads_unchanged_and_saves_byte_for_byte(
    tmp_path: Path, text: str, expected: AppSettings
) -> None:
    """Byte for byte but for the settings added since: the sync folder (none)."""
    (tmp_path / SETTINGS_FILE_NAME).write_text(text, encoding="utf-8")
    store = SettingsStore(tmp_path)
    assert store.load() == (expected, [])
    (tmp_path / "again").mkdir()
    SettingsStore(tmp_path / "again").save(expected)
    added = text.replace("[voice]", "[sync]\nfolder=\n\n[voice]")
    assert (tmp_path / "again" / SETTINGS_FILE_NAME).read_text(encoding="utf-8") == added


def test_a_sync_folder_with_a_comma_round_trips_and_a_hand_written_one_is_read_whole(tmp_path: Path) -> None:
    folder = "/home/me/Sync, shared"
    SettingsStore(tmp_path).save(AppSettings(sync_folder=folder))
    assert SettingsStore(tmp_path).load() == (AppSettings(sync_folder=folder), [])
    (tmp_path / SETTINGS_FILE_NAME).write_text(f"[sync]\nfolder={folder}\n", encoding="utf-8")
    assert SettingsStore(tmp_path).load()[0].sync_folder == "/home/me/Sync,shared"  # QSettings split it


def samples(spec: SettingSpec) -> list[object]:
    """Values worth a round trip: both flags, every choice, a range's ends, and "follow the level"."""
    if spec.kind is bool:
        return [True, False]
    if spec.kind is str:  # a folder: none, and one with a space
        return ["", "/home/me/Sync folder"]
    if spec.options:
        return [value for value, _ in spec.options]
    ends: list[object] = [spec.minimum, spec.maximum]
    return [*ends, None] if spec.follows_level else ends


def ini_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.value if isinstance(value, StrEnum) else str(value)


CASES = [(spec, value) for spec in SETTING_SPECS for value in samples(spec)]


@pytest.mark.parametrize(("spec", "value"), CASES, ids=[f"{spec.name}={value}" for spec, value in CASES])
def test_every_setting_in_the_table_round_trips_under_its_key(
    tmp_path: Path, spec: SettingSpec, value: object
) -> None:
    chosen = AppSettings.from_values({spec.name: value})
    assert chosen.value(spec) == value
    SettingsStore(tmp_path).save(chosen)
    ini = configparser.ConfigParser(interpolation=None)
    ini.read_string((tmp_path / SETTINGS_FILE_NAME).read_text(encoding="utf-8"))
    section, name = spec.key.split("/")
    assert ini[section][name] == ini_text(value)
    assert SettingsStore(tmp_path).load() == (chosen, [])


def test_absent_file_gives_the_defaults_without_messages(tmp_path: Path) -> None:
    config_dir = tmp_path / "not" / "yet"
    store = SettingsStore(config_dir)
    assert config_dir.is_dir()
    assert store.path == config_dir / SETTINGS_FILE_NAME
    assert store.load() == (AppSettings(), [])


def test_hand_written_file_with_text_values_loads(tmp_path: Path) -> None:
    write_ini(tmp_path, VALID_INI)
    assert SettingsStore(tmp_path).load() == (VALID_LOADED, [])


@pytest.mark.parametrize(
    ("key", "bad", "field", "default_text"),
    [
        ("workout/hold_seconds", "999", "hold_seconds", "follows level"),
        ("workout/reps", "abc", "reps", "follows level"),
        ("workout/rest_seconds", "abc", "rest_seconds", "30"),
        ("workout/move_seconds", "0", "move_seconds", "2"),
        ("workout/lead_in_seconds", "", "lead_in_seconds", "5"),
        ("workout/switch_seconds", "4.5", "switch_seconds", "5"),
        ("workout/level", "expert", "level", "standard"),
        ("app/weekly_goal", "15", "weekly_goal", "3"),
        ("app/theme", "neon", "theme", "system"),
        ("sound/on", "maybe", "sound_on", "on"),
        ("sound/volume", "101", "volume", "80"),
        ("voice/on", "maybe", "voice_on", "off"),
        ("sound/breathing", "2", "breathing_on", "off"),
        ("app/close_to_tray", "sometimes", "close_to_tray", "off"),
        ("reminders/break_minutes", "50", "break_minutes", "off"),
        ("reminders/quiet_start_hour", "24", "quiet_start_hour", "22"),
        ("reminders/weekly_nudge", "x", "weekly_nudge", "on"),
    ],
)
def test_bad_value_falls_back_to_its_default_and_names_the_key(
    tmp_path: Path, key: str, bad: str, field: str, default_text: str
) -> None:
    section, name = key.split("/")
    sections = {title: dict(values) for title, values in VALID_INI.items()}
    sections[section][name] = bad
    write_ini(tmp_path, sections)
    loaded, messages = SettingsStore(tmp_path).load()
    assert messages == [f"Setting '{key}' had an invalid value '{bad}'; using the default ({default_text})."]
    defaults = AppSettings()
    if section == "workout":
        assert getattr(loaded.workout, field) == getattr(defaults.workout, field)
        expected = VALID_LOADED.with_changes(
            workout=VALID_LOADED.workout.with_changes(**{field: getattr(defaults.workout, field)})
        )
    elif section == "reminders":
        assert getattr(loaded.reminders, field) == getattr(defaults.reminders, field)
        expected = VALID_LOADED.with_changes(
            reminders=dataclasses.replace(
                VALID_LOADED.reminders, **{field: getattr(defaults.reminders, field)}
            )
        )
    else:
        assert getattr(loaded, field) == getattr(defaults, field)
        expected = VALID_LOADED.with_changes(**{field: getattr(defaults, field)})
    assert loaded == expected  # every other key still loaded


def test_several_bad_values_give_one_message_each(tmp_path: Path) -> None:
    write_ini(tmp_path, {"workout": {"hold_seconds": "1,2", "sets": "99"}, "app": {"theme": "Dark "}})
    loaded, messages = SettingsStore(tmp_path).load()
    assert messages == [
        "Setting 'workout/hold_seconds' had an invalid value '1, 2'; using the default (follows level).",
        "Setting 'workout/sets' had an invalid value '99'; using the default (follows level).",
    ]
    assert loaded.theme is Theme.DARK  # case and spaces are forgiven
    assert loaded.workout.hold_seconds is None and loaded.workout.sets is None


def test_a_message_shows_a_bad_value_as_the_file_has_it_and_cuts_a_long_one(tmp_path: Path) -> None:
    write_ini(tmp_path, {"app": {"theme": "x" * 50}})
    store = SettingsStore(tmp_path)
    store.set_flag("sound/volume", True)  # within one process QSettings keeps the Python type: a bool
    _, messages = store.load()
    assert messages == [
        "Setting 'sound/volume' had an invalid value 'true'; using the default (80).",
        f"Setting 'app/theme' had an invalid value '{'x' * 39}…'; using the default (system).",
    ]


def test_unreadable_lines_are_reported_and_the_next_save_succeeds(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE_NAME).write_text("[app]\nthis is not a setting\ntheme=dark\n", encoding="utf-8")
    store = SettingsStore(tmp_path)
    loaded, messages = store.load()
    assert loaded.theme is Theme.DARK
    assert len(messages) == 1 and "could not be read" in messages[0] and str(store.path) in messages[0]
    store.save(NON_DEFAULT)  # Qt rewrites the file without the bad line: no error
    assert "this is not" not in store.path.read_text(encoding="utf-8")
    assert SettingsStore(tmp_path).load() == (NON_DEFAULT, [])


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    config_dir = tmp_path / "config"
    SettingsStore(config_dir).save(AppSettings())
    config_dir.chmod(0o500)
    (config_dir / SETTINGS_FILE_NAME).chmod(0o400)
    try:
        if os.geteuid() == 0:
            probe = config_dir / "probe"
            try:
                probe.write_text("x")
            except PermissionError:
                pass  # root without CAP_DAC_OVERRIDE: permissions do apply
            else:
                probe.unlink()
                pytest.skip("running as root, which ignores file permissions: a read-only dir stays writable")
        yield config_dir
    finally:
        config_dir.chmod(0o700)
        (config_dir / SETTINGS_FILE_NAME).chmod(0o600)


def test_save_to_a_read_only_dir_raises_known_error(read_only_dir: Path) -> None:
    store = SettingsStore(read_only_dir)
    with pytest.raises(KnownError, match=r"^Could not save settings to .*psoas-desktop\.ini: .*not writable"):
        store.save(NON_DEFAULT)


def test_save_where_the_file_cannot_be_written_raises_known_error(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE_NAME).mkdir()  # a folder in the file's place: unwritable even for root
    store = SettingsStore(tmp_path)
    with pytest.raises(KnownError, match=r"^Could not save settings to .*psoas-desktop\.ini: "):
        store.save(NON_DEFAULT)


def test_save_where_the_folder_cannot_be_made_raises_known_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    store = SettingsStore(tmp_path / "file" / "config")  # the constructor does not raise
    assert store.load() == (AppSettings(), [])
    with pytest.raises(KnownError, match=r"^Could not save settings to "):
        store.save(NON_DEFAULT)


def test_flags_round_trip_and_fall_back_on_bad_values(tmp_path: Path) -> None:
    write_ini(tmp_path, {"ui": {"welcome_seen": "maybe", "tips": "true"}})
    store = SettingsStore(tmp_path)
    assert store.get_flag("ui/welcome_seen", default=False) is False
    assert store.get_flag("ui/welcome_seen", default=True) is True
    assert store.get_flag("ui/tips", default=False) is True
    assert store.get_flag("ui/absent", default=True) is True
    store.set_flag("ui/welcome_seen", True)
    assert "welcome_seen=true" in store.path.read_text(encoding="utf-8")  # flushed at once
    assert SettingsStore(tmp_path).get_flag("ui/welcome_seen", default=False) is True


def test_texts_round_trip_and_absent_or_not_text_give_empty(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    assert store.get_text("reminders/last_nudged_week") == ""
    store.set_text("reminders/last_nudged_week", "2026-W49")
    store.set_flag("ui/flag", True)
    assert SettingsStore(tmp_path).get_text("reminders/last_nudged_week") == "2026-W49"
    assert store.get_text("ui/flag") == ""


def test_bytes_round_trip_and_absent_or_text_give_none(tmp_path: Path) -> None:
    write_ini(tmp_path, {"window": {"text": "hello"}})
    store = SettingsStore(tmp_path)
    assert store.get_bytes("window/geometry") is None
    assert store.get_bytes("window/text") is None
    blob = QByteArray(b"\x00\x01geometry\xff")
    store.set_bytes("window/geometry", blob)
    assert "@ByteArray(" in store.path.read_text(encoding="utf-8")
    assert SettingsStore(tmp_path).get_bytes("window/geometry") == blob


def test_flags_and_bytes_survive_a_save(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path)
    store.set_flag("ui/welcome_seen", True)
    store.save(NON_DEFAULT)
    assert store.get_flag("ui/welcome_seen", default=False) is True
    assert store.load() == (NON_DEFAULT, [])


@pytest.mark.parametrize(
    "changes",
    [{"weekly_goal": 0}, {"weekly_goal": 15}, {"volume": -1}, {"volume": 101}, {"volume": True}],
)
def test_app_settings_reject_out_of_range_values(changes: dict[str, object]) -> None:
    with pytest.raises(SettingsError, match=next(iter(changes))):
        AppSettings().with_changes(**changes)


def test_app_settings_reject_a_theme_string() -> None:
    with pytest.raises(SettingsError, match="theme"):
        AppSettings(theme="dark")  # type: ignore[arg-type]
