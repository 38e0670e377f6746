"""The end screen's summary: the session's own holds, the week and streak, the tightness change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from psoas_desktop.core.engine import HoldRecord, PhaseStatus
from psoas_desktop.core.session_end import (
    SessionEnd,
    TightnessChange,
    WeekStanding,
    end_lines,
    end_title,
    session_end,
    tightness_change,
    week_standing,
)
from psoas_desktop.core.stats import SessionSummary

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def record(status: PhaseStatus, seconds: float) -> HoldRecord:
    return HoldRecord("bridge", None, 1, None, 20.0, seconds, MONDAY, 0, status, 0)


def summary(started: datetime, *, left: int | None = None, right: int | None = None) -> SessionSummary:
    return SessionSummary(1, started, "completed", "daily", "standard", 60.0, None, {}, left, right)


def test_only_finished_holds_count_and_a_session_without_one_says_nothing_was_saved() -> None:
    end = session_end(
        "stopped",
        [record(PhaseStatus.COMPLETED, 20), record(PhaseStatus.SKIPPED, 3), record(PhaseStatus.STOPPED, 7)],
    )
    assert (end.holds, end.hold_seconds, end.saved) == (1, 20, True)
    assert end_title(end.status) == "Session stopped" and end_lines(end) == ["1 hold · 0:20 held"]
    nothing = session_end("stopped", [record(PhaseStatus.STOPPED, 7)])
    assert not nothing.saved and end_lines(nothing) == ["No hold was finished,", "so nothing was saved."]


def test_the_week_and_the_streak_follow_the_goal() -> None:
    # Goal 1: met in each of the last three weeks, this one included.
    summaries = [summary(MONDAY - timedelta(weeks=weeks)) for weeks in (0, 1, 2)]
    standing = week_standing(summaries, date(2026, 12, 4), UTC, goal=1)
    assert standing == WeekStanding(sessions=1, goal=1, streak=3)
    end = SessionEnd("completed", 8, 200.0, week=standing)
    assert end_lines(end) == [
        "8 holds · 3:20 held",
        "This week: 1 of 1 sessions — goal met",
        "Streak: 3 weeks with the goal met",
    ]
    assert end_lines(SessionEnd("completed", 8, 200.0, week=WeekStanding(1, 3, 0)))[1:] == [
        "This week: 1 of 3 sessions"  # no streak line when there is none
    ]


def test_the_tightness_change_compares_with_the_last_rated_session() -> None:
    earlier, unrated, newest = (MONDAY + timedelta(hours=h) for h in (0, 1, 2))
    assert tightness_change([summary(earlier, left=6, right=6), summary(newest)]) is None  # not rated now
    change = tightness_change(
        [summary(newest, left=4, right=5), summary(unrated), summary(earlier, left=6, right=5)]
    )
    assert change == TightnessChange(now=(4, 5), before=(6, 5))
    assert end_lines(SessionEnd("completed", 1, 20.0, tightness=change)) == [
        "1 hold · 0:20 held",
        "Tightness: left 6 → 4 of 10, right 5 → 5 of 10",
    ]
    whole_body = TightnessChange(now=(3, 3), before=(6, 4))  # one rating; the sides before were averaged
    assert end_lines(SessionEnd("completed", 1, 20.0, tightness=whole_body))[1] == "Tightness: 5 → 3 of 10"
    first = TightnessChange(now=(7, 7), before=None)
    assert (
        end_lines(SessionEnd("completed", 1, 20.0, tightness=first))[1]
        == "Tightness: 7 of 10 (first check-in)"
    )
    assert tightness_change([]) is None
