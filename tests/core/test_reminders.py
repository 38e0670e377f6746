"""Reminder decisions: sitting breaks on the monotonic clock, quiet hours, snooze, the weekly nudge."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from psoas_desktop.core.errors import SettingsError
from psoas_desktop.core.reminders import (
    BreakReminder,
    in_quiet_hours,
    iso_week_key,
    nudge_due,
    nudge_text,
)
from psoas_desktop.core.settings import ReminderSettings

HOURLY = ReminderSettings(break_minutes=60, quiet_start_hour=22, quiet_end_hour=8)
TUESDAY_10 = datetime(2026, 11, 24, 10, 0)


@pytest.mark.parametrize(
    ("hour", "start", "end", "quiet"),
    [
        (23, 22, 8, True),
        (3, 22, 8, True),
        (8, 22, 8, False),
        (21, 22, 8, False),
        (13, 12, 14, True),
        (14, 12, 14, False),
        (5, 7, 7, False),  # equal hours: no quiet time at all
    ],
)
def test_quiet_hours_wrap_midnight(hour: int, start: int, end: int, quiet: bool) -> None:
    assert in_quiet_hours(TUESDAY_10.replace(hour=hour), start, end) is quiet


def test_a_break_is_due_after_the_interval_of_sitting_and_then_an_interval_later() -> None:
    reminder = BreakReminder(now=0.0)
    assert not reminder.due(59 * 60, TUESDAY_10, HOURLY, session_active=False)
    assert reminder.due(60 * 60, TUESDAY_10, HOURLY, session_active=False)
    reminder.reminded(60 * 60)
    assert not reminder.due(119 * 60, TUESDAY_10, HOURLY, session_active=False)
    assert reminder.due(120 * 60, TUESDAY_10, HOURLY, session_active=False)


def test_no_break_reminder_when_off_during_a_workout_or_in_quiet_hours() -> None:
    reminder = BreakReminder(now=0.0)
    later = 3 * 3600.0
    assert not reminder.due(later, TUESDAY_10, ReminderSettings(), session_active=False)  # off by default
    assert not reminder.due(later, TUESDAY_10, HOURLY, session_active=True)
    assert not reminder.due(later, TUESDAY_10.replace(hour=23), HOURLY, session_active=False)


def test_a_workout_resets_sitting_time() -> None:
    reminder = BreakReminder(now=0.0)
    reminder.moved(50 * 60)
    assert not reminder.due(100 * 60, TUESDAY_10, HOURLY, session_active=False)
    assert reminder.due(110 * 60, TUESDAY_10, HOURLY, session_active=False)


def test_snooze_silences_for_fifteen_minutes_then_the_reminder_returns() -> None:
    reminder = BreakReminder(now=0.0)
    reminder.snooze(60 * 60)
    assert not reminder.due(74 * 60, TUESDAY_10, HOURLY, session_active=False)
    assert reminder.due(75 * 60, TUESDAY_10, HOURLY, session_active=False)


def test_the_weekly_nudge_comes_late_in_a_week_below_the_goal_once() -> None:
    friday_evening = datetime(2026, 11, 27, 18, 0)
    settings = ReminderSettings()
    assert nudge_due(friday_evening, 1, 3, settings, last_nudged_week="")
    assert not nudge_due(friday_evening - timedelta(hours=2), 1, 3, settings, "")  # Friday 16:00: too early
    assert not nudge_due(datetime(2026, 11, 26, 20, 0), 1, 3, settings, "")  # Thursday
    assert not nudge_due(friday_evening, 3, 3, settings, "")  # goal met
    assert not nudge_due(friday_evening, 1, 3, settings, iso_week_key(friday_evening))  # already nudged
    assert nudge_due(datetime(2026, 11, 29, 12, 0), 0, 3, settings, "2026-W47")  # Sunday, a new week
    assert not nudge_due(friday_evening.replace(hour=23), 1, 3, settings, "")  # quiet hours
    assert not nudge_due(friday_evening, 1, 3, ReminderSettings(weekly_nudge=False), "")


def test_nudge_text_names_the_count_and_goal() -> None:
    assert "1 of 3 sessions" in nudge_text(1, 3) and "goal is 3" in nudge_text(1, 3)
    assert "no sessions" in nudge_text(0, 2)


@pytest.mark.parametrize(
    "changes", [{"break_minutes": 50}, {"quiet_start_hour": 24}, {"quiet_end_hour": True}]
)
def test_bad_reminder_settings_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(SettingsError, match=rf"^{next(iter(changes))}: "):
        ReminderSettings(**changes)  # type: ignore[arg-type]
