"""When to remind: a sitting break every N minutes, and a weekly-goal nudge late in a week below the goal.

Pure decisions on injected times, so tests run days in microseconds. Sitting time is counted on the
monotonic clock, which stands still while the laptop sleeps: a night of suspend is not a night of sitting.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from psoas_desktop.core.settings import ReminderSettings  # declared with every other setting

SNOOZE_MINUTES = 15
NUDGE_FROM_WEEKDAY = 4  # Friday (Monday = 0)
NUDGE_FROM_HOUR = 17


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


class HeldBack(StrEnum):
    """Why a due reminder waits: the desktop asked for quiet. It is shown once that ends, not dropped."""

    DO_NOT_DISTURB = "do not disturb"
    FULL_SCREEN = "another window is full screen"


def held_back_by(do_not_disturb: bool, full_screen: bool) -> HeldBack | None:
    """Do Not Disturb first: it is the user's explicit wish, full screen only a guess at a presentation."""
    if do_not_disturb:
        return HeldBack.DO_NOT_DISTURB
    if full_screen:
        return HeldBack.FULL_SCREEN
    return None
