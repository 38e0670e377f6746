"""What the end screen says about a session that just ended: no Qt.

The window knows the session's own holds at once (:func:`session_end`); the week, the streak and the
tightness change come from the history once the session is saved (:func:`week_standing`,
:func:`tightness_change`). :func:`end_lines` writes them as the lines the screen shows. Every figure follows
the one counting rule of :mod:`psoas_desktop.core.stats`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

from psoas_desktop.core.engine import HoldRecord, PhaseStatus
from psoas_desktop.core.formatting import format_clock
from psoas_desktop.core.stats import SessionSummary, is_shown, streaks, weekly_stats

STREAK_WEEKS = 104
"""How far back a streak is counted: two years of weeks."""


@dataclass(frozen=True)
class WeekStanding:
    sessions: int
    """Sessions counted toward the goal this week, this one included when it counts."""
    goal: int
    streak: int
    """Consecutive weeks with the goal met, up to this one (see core.stats.streaks)."""


@dataclass(frozen=True)
class TightnessChange:
    """This session's check-in and the one before it, per side (None: not rated); `before` is None at a
    first check-in."""

    now: tuple[int | None, int | None]
    before: tuple[int | None, int | None] | None


@dataclass(frozen=True)
class SessionEnd:
    status: str
    """'completed' or 'stopped' (or 'interrupted')."""
    holds: int
    """Finished holds (pauses and bouts included: each is a timed phase the user held through)."""
    hold_seconds: float
    week: WeekStanding | None = None
    tightness: TightnessChange | None = None

    @property
    def saved(self) -> bool:
        """Whether the session is in the history at all (it is from its first finished hold)."""
        return is_shown(self.hold_seconds)


def session_end(status: str, records: Iterable[HoldRecord]) -> SessionEnd:
    finished = [record for record in records if record.status is PhaseStatus.COMPLETED]
    return SessionEnd(
        status=status, holds=len(finished), hold_seconds=sum(record.actual_seconds for record in finished)
    )


def week_standing(summaries: Sequence[SessionSummary], today: date, tz: tzinfo, goal: int) -> WeekStanding:
    weeks = weekly_stats(summaries, STREAK_WEEKS, today, tz, goal)
    current, _best = streaks(weeks)
    return WeekStanding(sessions=weeks[-1].sessions, goal=goal, streak=current)


def tightness_change(summaries: Sequence[SessionSummary]) -> TightnessChange | None:
    """The newest session's check-in against the latest one before it; None when the newest session (the one
    that just ended) was not rated."""
    ordered = sorted(summaries, key=lambda summary: summary.started)
    if not ordered:
        return None
    newest = ordered[-1]
    now = (newest.tightness_left, newest.tightness_right)
    if now == (None, None):
        return None
    before = next(
        (
            (summary.tightness_left, summary.tightness_right)
            for summary in reversed(ordered[:-1])
            if (summary.tightness_left, summary.tightness_right) != (None, None)
        ),
        None,
    )
    return TightnessChange(now=now, before=before)


def end_title(status: str) -> str:
    """The end screen's heading for a session that ended so ('completed', 'stopped', 'interrupted')."""
    return "Session complete" if status == "completed" else "Session stopped"


def end_lines(end: SessionEnd) -> list[str]:
    """The summary, a line a figure, most important first."""
    if not end.saved:
        return ["No hold was finished,", "so nothing was saved."]
    holds = "1 hold" if end.holds == 1 else f"{end.holds} holds"
    lines = [f"{holds} · {format_clock(round(end.hold_seconds))} held"]
    if end.week is not None:
        week = end.week
        met = " — goal met" if week.sessions >= week.goal else ""
        lines.append(f"This week: {week.sessions} of {week.goal} sessions{met}")
        if week.streak:
            weeks = "1 week" if week.streak == 1 else f"{week.streak} weeks"
            lines.append(f"Streak: {weeks} with the goal met")
    if end.tightness is not None:
        lines.append(_tightness_line(end.tightness))
    return lines


def _tightness_line(change: TightnessChange) -> str:
    now_left, now_right = change.now
    if now_left == now_right:  # one rating for the whole body, or both sides alike
        parts = [_change("", now_left, None if change.before is None else _one(change.before))]
    else:
        before_left, before_right = change.before if change.before is not None else (None, None)
        parts = [
            _change(f"{name} ", now, before)
            for name, now, before in (("left", now_left, before_left), ("right", now_right, before_right))
            if now is not None
        ]
    return "Tightness: " + ", ".join(parts)


def _one(pair: tuple[int | None, int | None]) -> int | None:
    """One figure for a whole-body comparison: the mean of the rated sides, rounded."""
    rated = [value for value in pair if value is not None]
    return round(sum(rated) / len(rated)) if rated else None


def _change(label: str, now: int | None, before: int | None) -> str:
    if before is None:
        return f"{label}{now} of 10 (first check-in)"
    return f"{label}{before} → {now} of 10"
