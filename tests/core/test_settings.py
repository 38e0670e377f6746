from __future__ import annotations

import pytest

from psoas_desktop.core.errors import SettingsError
from psoas_desktop.core.settings import Level, Settings, parse_level


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
