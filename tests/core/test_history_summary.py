"""What the history window shows, without Qt: columns of sessions, weekly and daily figures that agree with
core.stats over local calendar weeks (DST included), summarize, and the words of labels and tooltips."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from psoas_desktop.core.history_summary import (
    EVERYTHING,
    HistoryData,
    HistorySnapshot,
    SessionColumns,
    columns_of,
    daily_figures,
    day_tooltip,
    exercise_tooltip,
    heat_level,
    heatmap_day_at,
    hold_tooltip,
    index_at,
    local_midnight,
    month_ticks,
    plural,
    range_start,
    read_snapshot,
    snapshot_of,
    status_sentence,
    streak_sentence,
    summarize,
    utc_key,
    week_counts,
    week_tick_label,
    week_ticks,
    week_tooltip,
    weekly_figures,
)
from psoas_desktop.core.stats import (
    SessionSummary,
    WeekStat,
    daily_counts,
    exercise_breakdown,
    iso_week_start,
    streaks,
    tightness_trend,
    weekly_stats,
)

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 11, 18)  # a Wednesday
MONDAY = iso_week_start(TODAY)
IDS = itertools.count(1)


def session(
    started: datetime,
    *,
    status: str = "completed",
    hold_seconds: float = 600.0,
    left: int | None = None,
    right: int | None = None,
    planned: float | None = None,
) -> SessionSummary:
    """`planned`: the planned seconds of the holds it reached (default: just what it finished)."""
    return SessionSummary(
        session_id=next(IDS),
        started=started,
        status=status,
        routine="full",
        level="standard",
        hold_seconds=hold_seconds,
        planned_hold_seconds=hold_seconds if planned is None else planned,
        exercise_seconds={"lunge": hold_seconds} if hold_seconds else {},
        tightness_left=left,
        tightness_right=right,
    )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def three_years() -> list[SessionSummary]:
    """Sessions around local midnight on every other day for three years, across DST changes, stored in
    several offsets (as on a laptop that travelled), with every status and some ratings."""
    history = []
    for day in range(0, 3 * 365, 2):
        when = MONDAY + timedelta(days=2) - timedelta(days=day)
        for hour in (0, 23):
            status = ("completed", "stopped", "interrupted")[day % 3]
            moment = at(when, hour, 30).astimezone(ZoneInfo("America/New_York") if day % 4 else UTC)
            history.append(
                session(
                    moment,
                    status=status,
                    hold_seconds=0.0 if status == "interrupted" and hour else 60.0 * (1 + day % 7),
                    planned=60.0
                    * (1 + day % 7)
                    * (1 + day % 3),  # stopped: half (counts); interrupted: a third
                    left=day % 11 if day % 5 == 0 else None,
                )
            )
    return history


class SummariesOnly:
    def __init__(self, items: Sequence[SessionSummary]) -> None:
        self.items = items

    def summaries(self) -> Sequence[SessionSummary]:
        return self.items


class Snapshots:
    def __init__(self, items: Sequence[SessionSummary]) -> None:
        self.items = items
        self.asked: list[datetime] = []

    def snapshot(self, since: datetime) -> HistorySnapshot:
        self.asked.append(since)
        return HistorySnapshot(
            columns_of(self.items), tuple(s for s in self.items if s.started >= since), since
        )


# ---- columns and snapshots -------------------------------------------------------------------------


def test_utc_key_is_fixed_width_utc_text_in_time_order() -> None:
    moments = [at(TODAY, 0), at(TODAY, 0).replace(microsecond=5), datetime(2026, 11, 17, 23, 30, tzinfo=UTC)]
    keys = [utc_key(m) for m in moments]
    assert keys[0] == "2026-11-17T23:00:00.000000+00:00"
    assert len(set(map(len, keys))) == 1
    assert sorted(keys) == [keys[0], keys[1], keys[2]]
    with pytest.raises(ValueError, match="naive"):
        utc_key(datetime(2026, 1, 1))


def test_columns_are_in_start_order_with_the_rules_counted_and_shown_flags() -> None:
    later = session(at(TODAY, 9), status="stopped", hold_seconds=30.0, planned=90.0)
    earlier = session(at(TODAY, 8), status="completed")
    abandoned = session(at(TODAY, 10), status="stopped", hold_seconds=0.0, planned=30.0)
    half = session(at(TODAY, 11), status="interrupted", hold_seconds=45.0, planned=90.0)
    columns = columns_of([later, abandoned, half, earlier])
    assert list(columns.started) == [earlier.started, later.started, abandoned.started, half.started]
    assert list(columns.counted) == [True, False, False, True]
    assert list(columns.shown) == [True, True, False, True]
    assert len(columns) == 4


def test_columns_refuse_a_naive_start() -> None:
    with pytest.raises(ValueError, match="naive"):
        columns_of([session(datetime(2026, 11, 18, 7))])


def test_a_snapshot_of_summaries_holds_everything() -> None:
    items = three_years()
    snapshot = snapshot_of(items)
    assert snapshot.since == EVERYTHING
    assert snapshot.recent == tuple(items)
    assert len(snapshot.columns) == len(items)


def test_read_snapshot_asks_a_snapshot_source_for_its_range_only() -> None:
    items = three_years()
    since = local_midnight(MONDAY, BERLIN)
    source = Snapshots(items)
    snapshot = read_snapshot(source, since)
    assert source.asked == [since]
    assert snapshot.since == since and all(s.started >= since for s in snapshot.recent)
    whole = read_snapshot(SummariesOnly(items), since)
    assert whole.since == EVERYTHING and len(whole.recent) == len(items)


# ---- weekly and daily figures agree with core.stats ---------------------------------------------------


def test_week_counts_and_weekly_figures_agree_with_weekly_stats_across_dst() -> None:
    items = three_years()
    ordered = sorted(items, key=lambda s: s.started)
    expected = weekly_stats(items, 160, TODAY, BERLIN, 2)
    figures = weekly_figures(columns_of(items), ordered, 160, TODAY, BERLIN, 2)
    assert [(w.week_start, w.sessions, w.all_sessions, w.goal_met) for w in figures] == [
        (w.week_start, w.sessions, w.all_sessions, w.goal_met) for w in expected
    ]
    assert [w.hold_minutes for w in figures] == pytest.approx([w.hold_minutes for w in expected])
    counts = week_counts(columns_of(items), 160, TODAY, BERLIN)
    assert counts == [(w.week_start, w.sessions, w.all_sessions) for w in expected]


def test_a_session_just_after_local_midnight_on_monday_belongs_to_that_week() -> None:
    just_after = session(at(MONDAY, 0, 0))
    just_before = session(at(MONDAY, 0) - timedelta(microseconds=1))
    counts = week_counts(columns_of([just_after, just_before]), 2, TODAY, BERLIN)
    assert counts == [(MONDAY - timedelta(weeks=1), 1, 1), (MONDAY, 1, 1)]


def test_weekly_figures_refuse_bad_ranges_and_goals() -> None:
    columns = columns_of([])
    with pytest.raises(ValueError, match="weeks"):
        week_counts(columns, 0, TODAY, BERLIN)
    with pytest.raises(ValueError, match="goal"):
        weekly_figures(columns, [], 4, TODAY, BERLIN, 0)


def test_daily_figures_agree_with_daily_counts() -> None:
    items = three_years()
    assert daily_figures(columns_of(items), 364, TODAY, BERLIN) == daily_counts(items, 364, TODAY, BERLIN)
    with pytest.raises(ValueError, match="days"):
        daily_figures(columns_of(items), 0, TODAY, BERLIN)


# ---- summarize ----------------------------------------------------------------------------------------


def test_summarize_agrees_with_core_stats() -> None:
    items = three_years()
    data = summarize(snapshot_of(items), 26, 2, BERLIN, TODAY)
    start = local_midnight(range_start(TODAY, 26), BERLIN)
    in_range = sorted((s for s in items if s.started >= start and s.shown), key=lambda s: s.started)
    every_week = weekly_stats(items, 3 * 53 + 2, TODAY, BERLIN, 2)
    assert [(w.week_start, w.sessions, w.goal_met) for w in data.weeks] == [
        (w.week_start, w.sessions, w.goal_met) for w in every_week[-26:]
    ]
    assert [w.hold_minutes for w in data.weeks] == pytest.approx([w.hold_minutes for w in every_week[-26:]])
    assert (data.current_streak, data.best_streak) == streaks(every_week)
    assert data.heatmap_start == range_start(TODAY, 26) and data.heatmap_weeks == 26
    assert data.daily == daily_counts(items, (TODAY - data.heatmap_start).days + 1, TODAY, BERLIN)
    assert dict(data.breakdown) == pytest.approx(exercise_breakdown(in_range, start))
    assert list(data.tightness) == tightness_trend(in_range, BERLIN)
    assert list(data.sessions) == in_range[::-1]
    assert all(s.started >= local_midnight(MONDAY, BERLIN) for s in data.this_week)
    assert [s.started for s in data.this_week] == sorted(s.started for s in data.this_week)
    assert data.total_sessions == sum(s.shown for s in items) < len(items)
    assert any(s.status != "completed" and s.counted for s in data.sessions)
    assert any(not s.counted for s in data.sessions)
    assert (data.today, data.goal) == (TODAY, 2)


def test_summarize_reads_only_the_range_from_a_snapshot_source_and_the_streak_from_every_week() -> None:
    items = three_years()
    since = local_midnight(range_start(TODAY, 12), BERLIN)
    light = summarize(read_snapshot(Snapshots(items), since), 12, 2, BERLIN, TODAY)
    assert light == summarize(snapshot_of(items), 12, 2, BERLIN, TODAY)


def test_summarize_refuses_a_snapshot_that_misses_part_of_the_range() -> None:
    since = local_midnight(MONDAY, BERLIN)
    snapshot = read_snapshot(Snapshots(three_years()), since)
    with pytest.raises(ValueError, match="after the range's start"):
        summarize(snapshot, 12, 2, BERLIN, TODAY)


def test_summarize_pauses_between_steps() -> None:
    pauses: list[int] = []
    summarize(snapshot_of(three_years()), 12, 2, BERLIN, TODAY, pause=lambda: pauses.append(1))
    assert len(pauses) >= 2


def test_an_empty_history_is_empty_weeks_and_quiet_days() -> None:
    data = summarize(snapshot_of([]), 12, 3, BERLIN, TODAY)
    assert [w.sessions for w in data.weeks] == [0] * 12
    assert (data.current_streak, data.best_streak) == (0, 0)
    assert set(data.daily.values()) == {0}
    assert data.sessions == data.this_week == () and data.total_sessions == 0


def test_the_streak_runs_back_beyond_the_range() -> None:
    history = [session(at(MONDAY - timedelta(weeks=w), 8)) for w in range(30)]
    data = summarize(snapshot_of(history), 12, 1, BERLIN, TODAY)
    assert (data.current_streak, data.best_streak) == (30, 30)


# ---- words --------------------------------------------------------------------------------------------


def week_stat(sessions: int, every: int, goal_met: bool) -> WeekStat:
    return WeekStat(MONDAY, sessions, every, 12.25, goal_met)


def test_words() -> None:
    assert plural(1, "week") == "1 week" and plural(0, "week") == "0 weeks"
    assert week_tooltip(week_stat(3, 3, True), 3) == "Week of 2026-11-16: 3 sessions (goal 3) ✓"
    assert (
        week_tooltip(week_stat(1, 3, False), 3) == "Week of 2026-11-16: 1 session (goal 3), 2 stopped early"
    )
    assert hold_tooltip(week_stat(1, 1, False)) == "Week of 2026-11-16: 12.2 minutes holding"
    assert exercise_tooltip("Glute bridge", 4.25) == "Glute bridge: 4.2 minutes"
    assert day_tooltip(date(2026, 11, 17), 1) == "2026-11-17 (Tue): 1 session"
    assert streak_sentence(1, 4) == "Current streak: 1 week · Best streak: 4 weeks"
    data = summarize(snapshot_of([session(at(TODAY, 7))]), 12, 3, BERLIN, TODAY)
    assert status_sentence(data) == "1 session in range · 1 in all"
    assert week_tick_label(date(2026, 3, 2)) == "2 Mar"


def test_week_ticks_label_about_six_weeks_and_always_the_newest() -> None:
    weeks = weekly_stats([], 26, TODAY, BERLIN, 1)
    major, minor = week_ticks(weeks)
    assert len(minor) == 26 and all(label == "" for _, label in minor)
    assert major[-1] == (25.0, week_tick_label(MONDAY))
    assert len(major) <= 7
    assert week_ticks(weeks[-1:]) == [[(0.0, week_tick_label(MONDAY))], [(0.0, "")]]


def test_month_ticks_sit_under_each_months_first_monday_and_january_says_its_year() -> None:
    start = MONDAY - timedelta(weeks=51)
    ticks = month_ticks(start, 52)
    assert len(ticks) in (11, 12, 13)
    assert ("Jan 2026" in [label for _, label in ticks]) and ("Nov" in [label for _, label in ticks])
    for column, _ in ticks:
        assert (start + timedelta(weeks=int(column))).day <= 7


def test_heat_levels_stop_at_the_darkest_shade() -> None:
    assert [heat_level(n) for n in (0, 1, 3, 4, 9)] == [0, 1, 3, 4, 4]


def test_index_at_finds_a_bar_only_near_its_centre() -> None:
    assert index_at(2.3, 5, 0.4) == 2
    assert index_at(2.5, 5, 0.4) is None
    assert index_at(-1.0, 5, 0.4) is None
    assert index_at(5.0, 5, 0.4) is None


def heatmap_data() -> HistoryData:
    return summarize(snapshot_of([session(at(TODAY - timedelta(days=1), 7))]), 12, 3, BERLIN, TODAY)


def test_heatmap_day_at_finds_shown_days_only() -> None:
    data = heatmap_data()
    last = data.heatmap_weeks - 1
    assert data.heatmap_weeks == 12
    assert heatmap_day_at(data, last + 0.5, 1.5) == (TODAY - timedelta(days=1), 1)
    assert heatmap_day_at(data, last + 0.5, 2.5) == (TODAY, 0)
    assert heatmap_day_at(data, last + 0.5, 4.5) is None  # Friday has not happened yet
    assert heatmap_day_at(data, -0.5, 1.0) is None
    assert heatmap_day_at(data, 3.0, 7.5) is None


def test_an_empty_columns_record_has_no_sessions() -> None:
    assert len(SessionColumns((), (), ())) == 0


def test_the_reported_week_header_and_bars_agree() -> None:
    """Issue 16: 3 sessions, 2 stopped (one after half its plan, one early), and a stopped 0.0-minute one."""
    items = [
        session(at(TODAY, 7), status="completed", hold_seconds=600.0),
        session(at(TODAY, 8), status="stopped", hold_seconds=400.0, planned=600.0),
        session(at(TODAY, 9), status="stopped", hold_seconds=240.0, planned=900.0),
        session(at(TODAY, 10), status="stopped", hold_seconds=0.0, planned=30.0),
    ]
    data = summarize(snapshot_of(items), 12, 3, BERLIN, TODAY)
    week = data.weeks[-1]
    assert (week.sessions, week.stopped_early, week.all_sessions) == (2, 1, 3)
    assert week.hold_minutes == pytest.approx(20.66, abs=0.01)
    assert status_sentence(data) == "2 sessions in range, 1 stopped early · 3 in all"
    assert len(data.sessions) == len(data.this_week) == 3  # the 0.0-minute session is not listed
    assert data.daily[TODAY] == 3
