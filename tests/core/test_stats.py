"""Weekly figures, streaks, heatmap and trends: pure functions, local calendar weeks across DST."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from psoas_desktop.core.stats import (
    SessionSummary,
    SystemLocalZone,
    WeekStat,
    counts_toward_goal,
    daily_counts,
    exercise_breakdown,
    is_shown,
    iso_week_start,
    local_today,
    streaks,
    tightness_trend,
    weekly_stats,
)

BERLIN = ZoneInfo("Europe/Berlin")


def summary(
    started: datetime,
    *,
    status: str = "completed",
    seconds: dict[str, float] | None = None,
    left: int | None = None,
    right: int | None = None,
    session_id: int = 1,
    planned: float | None = None,
) -> SessionSummary:
    """`planned`: the planned seconds of the holds it reached (default: just what it finished)."""
    exercises = {"bridge": 60.0} if seconds is None else seconds
    return SessionSummary(
        session_id=session_id,
        started=started,
        status=status,
        routine="daily",
        level="standard",
        hold_seconds=sum(exercises.values()),
        planned_hold_seconds=sum(exercises.values()) if planned is None else planned,
        exercise_seconds=exercises,
        tightness_left=left,
        tightness_right=right,
    )


def berlin(year: int, month: int, day: int, hour: int, minute: int, *, fold: int = 0) -> datetime:
    """A Berlin wall-clock time, stored the way the history gives it back: in its own fixed offset."""
    local = datetime(year, month, day, hour, minute, tzinfo=BERLIN, fold=fold)
    return local.astimezone(timezone(local.utcoffset() or timedelta(0)))


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 3, 23), date(2026, 3, 23)),
        (date(2026, 3, 29), date(2026, 3, 23)),
        (date(2026, 3, 30), date(2026, 3, 30)),
        (date(2026, 1, 1), date(2025, 12, 29)),  # ISO week 1 of 2026 starts in 2025
        (date(2024, 3, 3), date(2024, 2, 26)),  # across a leap day
    ],
)
def test_iso_week_start(day: date, monday: date) -> None:
    assert iso_week_start(day) == monday and monday.isoweekday() == 1


@pytest.mark.parametrize(
    ("status", "finished", "planned", "counts"),
    [
        ("completed", 600.0, 600.0, True),
        ("completed", 0.0, 0.0, False),  # every hold skipped: no finished hold, not a session
        ("stopped", 300.0, 600.0, True),  # exactly half
        ("stopped", 299.0, 600.0, False),
        ("interrupted", 450.0, 600.0, True),
        ("interrupted", 100.0, 600.0, False),
        ("running", 300.0, 500.0, True),
        ("stopped", 0.0, 30.0, False),  # stopped in its first hold
    ],
)
def test_the_one_counting_rule(status: str, finished: float, planned: float, counts: bool) -> None:
    assert counts_toward_goal(status, finished, planned) is counts
    assert is_shown(finished) is (finished > 0)
    one = summary(
        datetime(2026, 3, 10, tzinfo=UTC), status=status, seconds={"lunge": finished}, planned=planned
    )
    assert (one.counted, one.shown) == (counts, finished > 0)


def test_weekly_stats_counts_by_the_rule_and_shows_every_session_with_a_finished_hold() -> None:
    sessions = [
        summary(datetime(2026, 3, 8, 23, 59, tzinfo=UTC)),  # the Sunday before the window
        summary(datetime(2026, 3, 9, 0, 0, tzinfo=UTC), seconds={"bridge": 90}),
        summary(datetime(2026, 3, 10, 9, tzinfo=UTC), status="stopped", seconds={"lunge": 30}, planned=90),
        summary(datetime(2026, 3, 11, 9, tzinfo=UTC), status="stopped", seconds={"lunge": 60}, planned=90),
        summary(datetime(2026, 3, 15, 23, 59, tzinfo=UTC)),
        summary(datetime(2026, 3, 22, 7, tzinfo=UTC), status="interrupted", seconds={}),  # today: 0.0 min
        summary(datetime(2026, 3, 23, 7, tzinfo=UTC)),  # after today's week
    ]
    assert weekly_stats(sessions, 2, date(2026, 3, 22), UTC, goal=3) == [
        WeekStat(date(2026, 3, 9), sessions=3, all_sessions=4, hold_minutes=4.0, goal_met=True),
        WeekStat(date(2026, 3, 16), sessions=0, all_sessions=0, hold_minutes=0.0, goal_met=False),
    ]
    assert weekly_stats(sessions, 2, date(2026, 3, 22), UTC, goal=4)[0].goal_met is False


def test_a_week_with_only_a_session_stopped_early_shows_it_and_its_minutes() -> None:
    stopped = summary(
        datetime(2026, 3, 10, 9, tzinfo=UTC), status="stopped", seconds={"lunge": 240}, planned=900
    )
    (week,) = weekly_stats([stopped], 1, date(2026, 3, 12), UTC, goal=1)
    assert (week.sessions, week.stopped_early, week.all_sessions, week.hold_minutes) == (0, 1, 1, 4.0)


def test_weeks_across_dst_belong_to_their_local_calendar_days() -> None:
    sessions = [
        summary(berlin(2026, 3, 29, 1, 30)),  # Sunday, CET
        summary(berlin(2026, 3, 29, 3, 30)),  # Sunday, CEST (02:00–03:00 does not exist)
        summary(berlin(2026, 3, 30, 0, 30)),  # Monday 00:30 CEST = Sunday 22:30 UTC
        summary(berlin(2026, 10, 25, 0, 30)),  # Sunday 00:30 CEST = Saturday 22:30 UTC
        summary(berlin(2026, 10, 25, 2, 30, fold=0)),  # the first 02:30 (CEST)
        summary(berlin(2026, 10, 25, 2, 30, fold=1)),  # the second 02:30 (CET)
        summary(berlin(2026, 10, 25, 23, 30)),  # Sunday 23:30 CET
        summary(berlin(2026, 10, 26, 0, 30)),  # Monday 00:30 CET = Sunday 23:30 UTC
        # Recorded while travelling (New York offset) but shown on the Berlin calendar:
        summary(
            datetime(2026, 10, 25, 19, 0, tzinfo=timezone(timedelta(hours=-4)))
        ),  # 00:00 Monday in Berlin
    ]
    weeks = {w.week_start: w for w in weekly_stats(sessions, 40, date(2026, 10, 28), BERLIN, goal=3)}
    assert weeks[date(2026, 3, 23)].sessions == 2
    assert weeks[date(2026, 3, 30)].sessions == 1
    assert weeks[date(2026, 10, 19)].sessions == 4 and weeks[date(2026, 10, 19)].goal_met
    assert weeks[date(2026, 10, 26)].sessions == 2 and not weeks[date(2026, 10, 26)].goal_met
    assert sum(w.sessions for w in weeks.values()) == len(sessions)
    days = daily_counts(sessions, 10, date(2026, 10, 27), BERLIN)
    assert days[date(2026, 10, 24)] == 0 and days[date(2026, 10, 25)] == 4 and days[date(2026, 10, 26)] == 2
    march = daily_counts(sessions, 3, date(2026, 3, 30), BERLIN)
    assert march == {date(2026, 3, 28): 0, date(2026, 3, 29): 2, date(2026, 3, 30): 1}


def test_weekly_stats_refuses_naive_times_and_nonsense() -> None:
    with pytest.raises(ValueError, match="naive"):
        weekly_stats([summary(datetime(2026, 3, 2, 9))], 2, date(2026, 3, 2), UTC, 1)
    with pytest.raises(ValueError, match="weeks"):
        weekly_stats([], 0, date(2026, 3, 2), UTC, 1)
    with pytest.raises(ValueError, match="goal"):
        weekly_stats([], 1, date(2026, 3, 2), UTC, 0)


def weeks_of(pattern: str) -> list[WeekStat]:
    """'x' a goal-met week, '.' a missed one; oldest first, the last is this week."""
    start = date(2026, 1, 5)
    return [
        WeekStat(start + timedelta(weeks=i), int(c == "x"), int(c == "x"), 0.0, c == "x")
        for i, c in enumerate(pattern)
    ]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", (0, 0)),
        ("....", (0, 0)),
        ("xx.xxx", (3, 3)),  # this week already met: it counts
        ("xx.", (2, 2)),  # this week not met yet: the streak ending last week stands
        ("xxxx.x.", (1, 4)),
        ("xxxx..", (0, 4)),  # last week missed: broken
        ("x", (1, 1)),
        (".", (0, 0)),
    ],
)
def test_streaks(pattern: str, expected: tuple[int, int]) -> None:
    assert streaks(weeks_of(pattern)) == expected


def test_exercise_breakdown_in_minutes_largest_first() -> None:
    sessions = [
        summary(datetime(2026, 3, 1, 9, tzinfo=UTC), seconds={"bridge": 600}),
        summary(datetime(2026, 3, 10, 9, tzinfo=UTC), seconds={"bridge": 60, "lunge": 150}),
        summary(berlin(2026, 3, 11, 0, 30), seconds={"psoas-march": 30}),  # 10 March 23:30 UTC
    ]
    assert exercise_breakdown(sessions, datetime(2026, 3, 2, tzinfo=UTC)) == {
        "lunge": 2.5,
        "bridge": 1.0,
        "psoas-march": 0.5,
    }
    # A date is compared with each session's own local date: 00:30 on 11 March in Berlin.
    assert exercise_breakdown(sessions, date(2026, 3, 11)) == {"psoas-march": 0.5}
    assert list(exercise_breakdown(sessions, date(2026, 1, 1))) == ["bridge", "lunge", "psoas-march"]
    with pytest.raises(ValueError, match="aware"):
        exercise_breakdown(sessions, datetime(2026, 3, 2))


def test_daily_counts_has_every_day_and_skips_sessions_without_exercise() -> None:
    today = date(2026, 3, 31)
    sessions = [
        summary(datetime(2026, 3, 31, 8, tzinfo=UTC)),
        summary(datetime(2026, 3, 31, 18, tzinfo=UTC), status="stopped", seconds={"bridge": 20}),
        summary(datetime(2026, 3, 30, 8, tzinfo=UTC), status="interrupted", seconds={}),  # nothing done
        summary(datetime(2026, 3, 1, 8, tzinfo=UTC)),  # outside the window
    ]
    counts = daily_counts(sessions, 35, today, UTC)
    assert len(counts) == 35 and min(counts) == date(2026, 2, 25) and list(counts)[-1] == today
    assert counts[today] == 2 and counts[date(2026, 3, 30)] == 0 and counts[date(2026, 3, 1)] == 1
    assert sum(counts.values()) == 3


def test_tightness_trend_is_one_daily_mean_per_side_oldest_first() -> None:
    a = summary(datetime(2026, 3, 3, 9, tzinfo=UTC), left=7, right=None, session_id=1)
    b = summary(datetime(2026, 3, 1, 9, tzinfo=UTC), left=8, right=6, session_id=2)
    c = summary(datetime(2026, 3, 2, 9, tzinfo=UTC), session_id=3)
    d = summary(datetime(2026, 3, 1, 18, tzinfo=UTC), left=4, right=None, session_id=4)
    e = summary(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), left=0, right=0, session_id=5)  # 2 March in Berlin
    assert tightness_trend([a, b, c, d, e], UTC) == [
        (date(2026, 3, 1), 4.0, 3.0),
        (date(2026, 3, 3), 7.0, None),
    ]
    assert tightness_trend([a, b, c, d, e], BERLIN)[:2] == [
        (date(2026, 3, 1), 6.0, 6.0),
        (date(2026, 3, 2), 0.0, 0.0),
    ]


@pytest.fixture
def berlin_process_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("berlin_process_zone")
def test_system_local_zone_follows_dst_like_the_real_zone() -> None:
    zone = SystemLocalZone()
    for day in (datetime(2026, 3, 28, 20, tzinfo=UTC), datetime(2026, 10, 24, 20, tzinfo=UTC)):
        for half_hours in range(16):
            moment = day + timedelta(minutes=30 * half_hours)
            mine, real = moment.astimezone(zone), moment.astimezone(BERLIN)
            assert (mine.replace(tzinfo=None), mine.utcoffset()) == (
                real.replace(tzinfo=None),
                real.utcoffset(),
            )
    # Wall times in the zone itself: the repeated 02:30 has two offsets, the skipped 02:30 follows PEP 495.
    assert datetime(2026, 10, 25, 2, 30, tzinfo=zone).utcoffset() == timedelta(hours=2)
    assert datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=zone).utcoffset() == timedelta(hours=1)
    assert datetime(2026, 3, 29, 2, 30, tzinfo=zone).utcoffset() == timedelta(hours=1)
    assert datetime(2026, 3, 29, 2, 30, fold=1, tzinfo=zone).utcoffset() == timedelta(hours=2)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC).astimezone(zone)
    assert (second.hour, second.fold, second.utcoffset()) == (2, 1, timedelta(hours=1))
    winter = datetime(2026, 1, 15, 12, tzinfo=UTC).astimezone(zone)
    assert winter.tzname() == "CET" and winter.utcoffset() == timedelta(hours=1)
    assert local_today(zone, datetime(2026, 3, 29, 22, 30, tzinfo=UTC)) == date(2026, 3, 30)
