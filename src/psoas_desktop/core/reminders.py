"""When to remind: a sitting break every N minutes, and a weekly-goal nudge late in a week below the goal.

Pure decisions on injected times, so tests run days in microseconds. Sitting time is counted on the
monotonic clock, which stands still while the laptop sleeps: a night of suspend is not a night of sitting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

BREAK_MINUTES_CHOICES = (0, 30, 45, 60, 90, 120)  # 0 = off (the default until the user chooses)
SNOOZE_MINUTES = 15
NUDGE_FROM_WEEKDAY = 4  # Friday (Monday = 0)
NUDGE_FROM_HOUR = 17


@dataclass(frozen=True)
class ReminderSettings:
    break_minutes: int = 0
    quiet_start_hour: int = 22
    quiet_end_hour: int = 8
    weekly_nudge: bool = True

    def __post_init__(self) -> None:
        if self.break_minutes not in BREAK_MINUTES_CHOICES:
            raise ValueError(
                f"break_minutes must be one of {BREAK_MINUTES_CHOICES}, not {self.break_minutes!r}"
            )
        for name in ("quiet_start_hour", "quiet_end_hour"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
                raise ValueError(f"{name} must be an hour from 0 to 23, not {value!r}")


def in_quiet_hours(local: datetime, start_hour: int, end_hour: int) -> bool:
    """Quiet from start_hour:00 to end_hour:00 local time, across midnight when start > end; none if equal."""
    if start_hour == end_hour:
        return False
    if start_hour < end_hour:
        return start_hour <= local.hour < end_hour
    return local.hour >= start_hour or local.hour < end_hour


class BreakReminder:
    """Counts sitting time since the last workout, reminder or snooze; says when a break is due."""

    def __init__(self, now: float) -> None:
        self.sitting_since = now
        self.snoozed_until: float | None = None

    def due(self, now: float, local: datetime, settings: ReminderSettings, session_active: bool) -> bool:
        if settings.break_minutes == 0 or session_active:
            return False
        if in_quiet_hours(local, settings.quiet_start_hour, settings.quiet_end_hour):
            return False
        if self.snoozed_until is not None and now < self.snoozed_until:
            return False
        return now - self.sitting_since >= settings.break_minutes * 60

    def reminded(self, now: float) -> None:
        """A reminder was shown: the next one comes a whole interval later."""
        self.sitting_since = now
        self.snoozed_until = None

    def moved(self, now: float) -> None:
        """A workout ran (or ended): sitting starts again from now."""
        self.reminded(now)

    def snooze(self, now: float, minutes: int = SNOOZE_MINUTES) -> None:
        self.snoozed_until = now + minutes * 60
        # After the snooze the reminder comes back at once, not a whole interval later.
        self.sitting_since = min(self.sitting_since, now)


def iso_week_key(local: datetime) -> str:
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def nudge_due(
    local: datetime, completed_this_week: int, goal: int, settings: ReminderSettings, last_nudged_week: str
) -> bool:
    """Late in the week (from Friday 17:00), below the goal, once per week, never in quiet hours."""
    if not settings.weekly_nudge or completed_this_week >= goal:
        return False
    if (local.weekday(), local.hour) < (NUDGE_FROM_WEEKDAY, NUDGE_FROM_HOUR):
        return False
    if in_quiet_hours(local, settings.quiet_start_hour, settings.quiet_end_hour):
        return False
    return iso_week_key(local) != last_nudged_week


def nudge_text(completed_this_week: int, goal: int) -> str:
    done = "no sessions" if completed_this_week == 0 else f"{completed_this_week} of {goal} sessions"
    return (
        f"You have {done} this week; your goal is {goal}. A short routine today or tomorrow keeps the week "
        "on track."
    )
