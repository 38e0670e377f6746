from __future__ import annotations

import dataclasses

import pytest

from psoas_desktop.core.errors import SettingsError
from psoas_desktop.core.setting_spec import Group, Part
from psoas_desktop.core.settings import (
    BREAK_MINUTES_CHOICES,
    SETTING_SPECS,
    SPECS_BY_NAME,
    AppSettings,
    Level,
    ReminderSettings,
    Settings,
    Theme,
    parse_level,
    specs_of,
)


@pytest.mark.parametrize(
    ("level", "hold", "reps", "sets", "pause"),
    [(Level.BEGINNER, 20, 10, 2, 2), (Level.STANDARD, 25, 11, 2, 2), (Level.ADVANCED, 30, 12, 3, 3)],
)
def test_level_picks_low_middle_high_of_each_article_range(
    level: Level, hold: int, reps: int, sets: int, pause: int
) -> None:
    settings = Settings(level=level)
    assert settings.pick((20, 30), None) == hold
    assert settings.pick((10, 12), None) == reps
    assert settings.pick((2, 3), None) == sets
    assert settings.pick((2, 3), None) == pause


def test_defaults_follow_the_issue() -> None:
    settings = Settings()
    assert (
        settings.rest_seconds,
        settings.lead_in_seconds,
        settings.switch_seconds,
        settings.move_seconds,
    ) == (
        30,
        5,
        5,
        2,
    )


def test_override_wins_and_is_clamped_into_an_exercise_range() -> None:
    settings = Settings(level=Level.BEGINNER, hold_seconds=28)
    assert settings.pick((20, 30), settings.hold_seconds) == 28
    assert settings.pick((15, 25), settings.hold_seconds) == 25


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("hold_seconds", 0),
        ("hold_seconds", 10**9),
        ("pause_seconds", 4),
        ("reps", 9),
        ("sets", 4),
        ("rest_seconds", 121),
        ("lead_in_seconds", -1),
        ("move_seconds", 0),
        ("switch_seconds", 31),
    ],
)
def test_out_of_range_names_the_setting(name: str, value: int) -> None:
    with pytest.raises(SettingsError, match=rf"^{name}: {value} is out of range"):
        Settings.from_mapping({name: value})


def test_wrong_type_and_unknown_names() -> None:
    with pytest.raises(SettingsError, match=r"^reps: expected a whole number"):
        Settings.from_mapping({"reps": "eleven"})
    with pytest.raises(SettingsError, match=r"^tempo: unknown setting"):
        Settings.from_mapping({"tempo": 3})
    with pytest.raises(SettingsError, match=r"^level: 'expert' is not one of: beginner, standard, advanced"):
        parse_level("expert")
    assert Settings.from_mapping({"level": "Advanced", "rest_seconds": 0}).level is Level.ADVANCED


# -- the table --


def test_the_table_names_each_setting_and_key_once_and_its_defaults_are_valid() -> None:
    assert len(SPECS_BY_NAME) == len(SETTING_SPECS)
    assert len({spec.key for spec in SETTING_SPECS}) == len(SETTING_SPECS)
    for spec in SETTING_SPECS:
        spec.check(spec.default)
        assert spec.label.count("&") == 1 and spec.accessible and spec.help, spec.name
        assert (spec.bounds is None) != (spec.kind is int and not spec.options), spec.name
        assert spec.key.count("/") == 1, spec.name


@pytest.mark.parametrize(
    ("holder", "part"),
    [(Settings, Part.WORKOUT), (ReminderSettings, Part.REMINDERS), (AppSettings, Part.APP)],
)
def test_each_value_object_holds_exactly_the_settings_of_its_part_with_the_tables_defaults(
    holder: type[object], part: Part
) -> None:
    fields = {f.name: f for f in dataclasses.fields(holder)}  # type: ignore[arg-type]
    own = [name for name, f in fields.items() if name not in ("workout", "reminders")]
    assert own == [spec.name for spec in specs_of(part)]
    instance = holder()
    for spec in specs_of(part):
        assert getattr(instance, spec.name) == spec.default, spec.name


def test_the_ini_section_names_the_part() -> None:
    assert {spec.part for spec in SETTING_SPECS if spec.key.startswith("workout/")} == {Part.WORKOUT}
    assert SPECS_BY_NAME["break_minutes"].part is Part.REMINDERS
    assert {SPECS_BY_NAME[name].part for name in ("sound_on", "voice_on", "theme", "weekly_goal")} == {
        Part.APP
    }


def test_the_dialog_groups_keep_the_tables_order() -> None:
    groups = [spec.group for spec in SETTING_SPECS]
    assert groups == sorted(groups, key=list(Group).index)  # each group's rows are together, in Group order
    assert set(groups) == set(Group)


def test_choices_come_with_labels() -> None:
    level = SPECS_BY_NAME["level"]
    assert level.options == (
        (Level.BEGINNER, "Beginner"),
        (Level.STANDARD, "Standard"),
        (Level.ADVANCED, "Advanced"),
    )
    assert [label for _, label in SPECS_BY_NAME["theme"].options] == ["System", "Light", "Dark"]
    breaks = SPECS_BY_NAME["break_minutes"]
    assert [value for value, _ in breaks.options] == list(BREAK_MINUTES_CHOICES)
    assert breaks.options[:2] == ((0, "Off"), (30, "After 30 minutes of sitting"))
    assert SPECS_BY_NAME["hold_seconds"].options == () and SPECS_BY_NAME["sound_on"].options == ()


# -- one setting's rules --


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("hold_seconds", 31, "hold_seconds: 31 is out of range; allowed 20–30"),
        ("volume", True, "volume: expected a whole number, got True"),
        ("rest_seconds", None, "rest_seconds: expected a whole number, got None"),
        ("sound_on", 1, "sound_on: expected true or false, got 1"),
        ("theme", "dark", "theme: expected one of system, light, dark, got 'dark'"),
        ("break_minutes", 50, "break_minutes: 50 is not one of: 0, 30, 45, 60, 90, 120"),
        ("quiet_end_hour", 24, "quiet_end_hour: 24 is out of range; allowed 0–23"),
    ],
)
def test_check_refuses_a_typed_value_with_a_message_naming_the_setting(
    name: str, value: object, message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        SPECS_BY_NAME[name].check(value)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("hold_seconds", " 25 ", 25),
        ("hold_seconds", 25, 25),
        ("hold_seconds", "", None),
        ("hold_seconds", None, None),
        ("rest_seconds", "+0", 0),
        ("sound_on", "Yes", True),
        ("sound_on", " off", False),
        ("sound_on", 1, True),
        ("sound_on", False, False),
        ("theme", " Dark ", Theme.DARK),
        ("level", "ADVANCED", Level.ADVANCED),
        ("break_minutes", "90", 90),
    ],
)
def test_parse_reads_loose_text_and_qsettings_types(name: str, raw: object, value: object) -> None:
    assert SPECS_BY_NAME[name].parse(raw) == value


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("hold_seconds", "99", "hold_seconds: 99 is out of range; allowed 20–30"),
        ("hold_seconds", "4.5", "hold_seconds: expected a whole number, got '4.5'"),
        ("rest_seconds", "", "rest_seconds: expected a whole number, got ''"),
        ("rest_seconds", True, "rest_seconds: expected a whole number, got True"),
        ("reps", ["1", "2"], "reps: expected a whole number, got ['1', '2']"),
        ("sound_on", "maybe", "sound_on: expected true or false, got 'maybe'"),
        ("sound_on", 2, "sound_on: expected true or false, got 2"),
        ("level", "expert", "level: 'expert' is not one of: beginner, standard, advanced"),
        ("theme", 3, "theme: 3 is not one of: system, light, dark"),
        ("break_minutes", "50", "break_minutes: 50 is not one of: 0, 30, 45, 60, 90, 120"),
    ],
)
def test_parse_refuses_bad_text_with_a_message_naming_the_setting(
    name: str, raw: object, message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        SPECS_BY_NAME[name].parse(raw)
    assert str(raised.value) == message


def test_how_values_are_stored_and_shown() -> None:
    hold, level, sound = SPECS_BY_NAME["hold_seconds"], SPECS_BY_NAME["level"], SPECS_BY_NAME["sound_on"]
    breaks, goal = SPECS_BY_NAME["break_minutes"], SPECS_BY_NAME["weekly_goal"]
    assert [hold.stored(None), hold.stored(25), level.stored(Level.BEGINNER), sound.stored(True)] == [
        "",
        25,
        "beginner",
        True,
    ]
    assert [hold.text(None), sound.text(True), sound.text(False), level.text(Level.STANDARD)] == [
        "follows level",
        "on",
        "off",
        "standard",
    ]
    assert [breaks.text(0), breaks.text(45), goal.text(3)] == ["off", "after 45 minutes of sitting", "3"]
    assert [sound.allowed_text(), goal.allowed_text(), breaks.allowed_text()] == [
        "true or false",
        "1–14",
        "0, 30, 45, 60, 90, 120",
    ]
    assert (hold.title, hold.follows_level, goal.follows_level) == ("Hold", True, False)
    assert SPECS_BY_NAME["breathing_on"].title == "Breathing pace during long holds"


# -- the value objects built from the table --


def test_app_settings_by_name_round_trip_and_left_out_values_take_their_defaults() -> None:
    assert AppSettings.from_values({}) == AppSettings()
    chosen = AppSettings.from_values({"reps": 12, "volume": 10, "weekly_nudge": False, "theme": Theme.DARK})
    assert (chosen.workout.reps, chosen.volume, chosen.reminders.weekly_nudge, chosen.theme) == (
        12,
        10,
        False,
        Theme.DARK,
    )
    assert AppSettings.from_values(chosen.values()) == chosen
    assert list(chosen.values()) == [spec.name for spec in SETTING_SPECS]


def test_app_settings_refuse_unknown_names_and_bad_values() -> None:
    with pytest.raises(SettingsError, match=r"^tempo: unknown setting"):
        AppSettings.from_values({"tempo": 3})
    with pytest.raises(SettingsError, match=r"^quiet_start_hour: 24 is out of range"):
        AppSettings.from_values({"quiet_start_hour": 24})
    with pytest.raises(SettingsError, match=r"^workout: expected Settings"):
        AppSettings(workout=None)  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match=r"^reminders: expected ReminderSettings"):
        AppSettings(reminders=None)  # type: ignore[arg-type]
    with pytest.raises(SettingsError, match=r"^level: expected one of beginner, standard, advanced"):
        Settings(level="beginner")  # type: ignore[arg-type]


def test_with_changes_checks_the_changed_values_too() -> None:
    assert Settings().with_changes(reps=12).reps == 12
    assert AppSettings().with_changes(volume=5).volume == 5
    with pytest.raises(SettingsError, match=r"^reps: 13 is out of range"):
        Settings().with_changes(reps=13)
    with pytest.raises(SettingsError, match=r"^volume: 101 is out of range"):
        AppSettings().with_changes(volume=101)


def test_a_setting_applies_while_one_of_the_settings_it_depends_on_is_on() -> None:
    values = AppSettings(reminders=ReminderSettings(break_minutes=0, weekly_nudge=False)).values()
    quiet, volume = SPECS_BY_NAME["quiet_start_hour"], SPECS_BY_NAME["volume"]
    assert not quiet.applies(values)  # nothing left to silence
    assert quiet.applies({**values, "break_minutes": 30})
    assert quiet.applies({**values, "weekly_nudge": True})
    assert volume.applies(values) and not volume.applies({**values, "sound_on": False})
    assert SPECS_BY_NAME["sound_on"].applies({**values, "sound_on": False})  # no condition: always
    names = {spec.name for spec in SETTING_SPECS}
    assert all(set(spec.applies_when) <= names - {spec.name} for spec in SETTING_SPECS)
