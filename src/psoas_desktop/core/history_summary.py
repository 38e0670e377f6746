"""What the history window shows, computed without Qt: weekly figures, streaks, the calendar heatmap, the
exercise breakdown, the tightness trend, the sessions of the range, and the words of its labels and
tooltips.

Every count follows the one rule of :mod:`psoas_desktop.core.stats` (``counts_toward_goal`` and
``is_shown``): the columns, the summaries, the words and the PDF all come from it.

Years of history are read as :class:`SessionColumns` (three parallel columns, oldest first), not as one
object per session: the weekly figures, streaks and the heatmap only need when each session started,
whether it counts toward the goal and whether it is shown, and they come out of a binary search for each
week's local-midnight boundary. Only the sessions of the selected range (at most 52 weeks) are full
:class:`~psoas_desktop.core.stats.SessionSummary` records, for the table, the breakdown and the trend.

A session is on or after a local date exactly when it started at or after that date's local midnight, so
comparing instants places sessions on the local calendar (DST days of 23 or 25 hours included) without a
time-zone conversion per session.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import accumulate
from operator import attrgetter
from typing import Protocol, runtime_checkable

from psoas_desktop.core.stats import (
    SessionSummary,
    WeekStat,
    exercise_breakdown,
    iso_week_start,
    streaks,
    tightness_trend,
)

WEEK_RANGES: tuple[int, ...] = (12, 26, 52)
HEAT_LEVELS = 5  # heatmap shades: 0, 1, 2, 3 and 4 or more sessions a day
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LEGEND_TEXT = (
    "Solid blue: goal met · hatched grey: below the goal · pale top: stopped early (not counted)"
    " · dashed line: weekly goal"
)
MIDNIGHT = datetime.min.time()
EVERYTHING = datetime(1, 1, 2, tzinfo=UTC)  # "since" of a snapshot that holds every session

_started = attrgetter("started")


@dataclass(frozen=True)
class SessionColumns:
    """Every session as three parallel columns in start order (oldest first)."""

    started: Sequence[datetime]
    """Each start (aware), in time order."""
    counted: Sequence[bool]
    """Counts toward the weekly goal (``stats.counts_toward_goal``)."""
    shown: Sequence[bool]
    """Has a finished hold (``stats.is_shown``): listed, and a day of exercise on the heatmap."""
    session_ids: Sequence[int] = ()
    """Each session's id, so the window can leave out the ones it is deleting (empty: not read)."""
    devices: Sequence[str | None] = ()
    """The device that recorded each (``SessionSummary.device``), for the device filter (empty: not read)."""

    def __len__(self) -> int:
        return len(self.started)


@dataclass(frozen=True)
class KnownDevice:
    """A device whose sessions the history holds (this one, and those merged from a sync folder)."""

    id: str
    name: str
    local: bool
    """This data folder's own device ("This laptop")."""


@dataclass(frozen=True)
class HistorySnapshot:
    """One consistent read of the history for the window."""

    columns: SessionColumns
    recent: tuple[SessionSummary, ...]
    """At least every session started at or after ``since`` (older ones may be included), any order."""
    since: datetime
    devices: tuple[KnownDevice, ...] = ()
    """The devices the history knows, this one first (empty: a source that knows none)."""


class HistorySource(Protocol):
    """Where the window reads history from; ``storage.history.History`` satisfies it structurally.

    Called from the window's worker thread (the PDF summary alone reads on the GUI thread, when the user
    saves one): an implementation backed by SQLite reads on a connection of that thread's own (WAL lets it
    read while the app writes).
    """

    def summaries(self) -> Sequence[SessionSummary]: ...


@runtime_checkable
class SnapshotSource(Protocol):
    """A source that reads the light columns and only the recent summaries (``storage.history_reads``)."""

    def snapshot(self, since: datetime) -> HistorySnapshot: ...


def utc_key(moment: datetime) -> str:
    """Fixed-width ISO 8601 text in UTC with microseconds; raises ValueError when ``moment`` is naive."""
    if moment.utcoffset() is None:
        raise ValueError(f"a naive datetime cannot be placed on a calendar: {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def columns_of(summaries: Iterable[SessionSummary]) -> SessionColumns:
    """The columns of whole summaries (for sources that only have those). Raises ValueError when naive."""
    ordered = sorted(summaries, key=_start_order)
    return SessionColumns(
        started=[s.started for s in ordered],
        counted=[s.counted for s in ordered],
        shown=[s.shown for s in ordered],
        session_ids=[s.session_id for s in ordered],
        devices=[s.device for s in ordered],
    )


def _start_order(summary: SessionSummary) -> tuple[datetime, int]:
    if summary.started.tzinfo is None:
        raise ValueError(f"a naive datetime cannot be placed on a calendar: {summary.started!r}")
    return summary.started, summary.session_id


def snapshot_of(summaries: Iterable[SessionSummary]) -> HistorySnapshot:
    everything = tuple(summaries)
    return HistorySnapshot(columns_of(everything), everything, EVERYTHING)


def read_snapshot(source: HistorySource | SnapshotSource, since: datetime) -> HistorySnapshot:
    """The snapshot the window needs from sessions started at ``since`` on, whatever the source."""
    if isinstance(source, SnapshotSource):
        return source.snapshot(since)
    return snapshot_of(source.summaries())


def local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, MIDNIGHT, tzinfo=tz)


def _edges(columns: SessionColumns, first: date, count: int, step: timedelta, tz: tzinfo) -> list[int]:
    """Index of the first session at or after each of count + 1 local midnights, ``step`` apart."""
    started = columns.started
    return [bisect_left(started, local_midnight(first + step * i, tz)) for i in range(count + 1)]


def week_counts(columns: SessionColumns, weeks: int, today: date, tz: tzinfo) -> list[tuple[date, int, int]]:
    """(Monday, counted, shown sessions) for the last ``weeks`` local ISO weeks, oldest first."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    first = range_start(today, weeks)
    edges = _edges(columns, first, weeks, timedelta(weeks=1), tz)
    base = edges[0]
    counted = list(accumulate(columns.counted[base : edges[-1]], initial=0))
    shown = list(accumulate(columns.shown[base : edges[-1]], initial=0))
    return [
        (
            first + timedelta(weeks=i),
            counted[edges[i + 1] - base] - counted[edges[i] - base],
            shown[edges[i + 1] - base] - shown[edges[i] - base],
        )
        for i in range(weeks)
    ]


def daily_figures(columns: SessionColumns, days: int, today: date, tz: tzinfo) -> dict[date, int]:
    """As :func:`psoas_desktop.core.stats.daily_counts`: shown sessions per local day, for the last
    ``days`` days, every day present."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    first = today - timedelta(days=days - 1)
    edges = _edges(columns, first, days, timedelta(days=1), tz)
    base = edges[0]
    counted = list(accumulate(columns.shown[base : edges[-1]], initial=0))
    return {
        first + timedelta(days=i): counted[edges[i + 1] - base] - counted[edges[i] - base]
        for i in range(days)
    }


def weekly_figures(  # noqa: PLR0917 — the columns, the range's sessions, and the view's settings
    columns: SessionColumns,
    in_range: Sequence[SessionSummary],
    weeks: int,
    today: date,
    tz: tzinfo,
    goal: int,
) -> list[WeekStat]:
    """As :func:`psoas_desktop.core.stats.weekly_stats`: counts from the columns, hold minutes from
    ``in_range`` (at least the sessions of those weeks, in start order)."""
    return _with_holds(week_counts(columns, weeks, today, tz), in_range, tz, goal)


def _with_holds(
    counts: Sequence[tuple[date, int, int]], in_range: Sequence[SessionSummary], tz: tzinfo, goal: int
) -> list[WeekStat]:
    if goal < 1:
        raise ValueError(f"the weekly goal must be at least 1, not {goal}")
    bounds = [local_midnight(monday, tz) for monday, _, _ in counts]
    bounds.append(local_midnight(counts[-1][0] + timedelta(weeks=1), tz))
    cuts = [bisect_left(in_range, bound, key=_started) for bound in bounds]
    return [
        WeekStat(
            week_start=monday,
            sessions=counted,
            all_sessions=every,
            hold_minutes=math.fsum(s.hold_seconds for s in in_range[cuts[i] : cuts[i + 1]]) / 60,
            goal_met=counted >= goal,
        )
        for i, (monday, counted, every) in enumerate(counts)
    ]


@dataclass(frozen=True)
class HistoryData:
    """Everything the window draws, computed off the GUI thread by :func:`summarize`."""

    today: date
    goal: int
    weeks: tuple[WeekStat, ...]  # the selected range, oldest first, ending with this week
    current_streak: int
    best_streak: int
    breakdown: tuple[tuple[str, float], ...]  # (exercise id, minutes) in the range, most first
    heatmap_start: date  # the Monday of the heatmap's first column: the range's first week
    daily: Mapping[date, int]  # every day from heatmap_start to today → shown sessions that day
    tightness: tuple[tuple[date, float | None, float | None], ...]  # daily means in the range, oldest first
    sessions: tuple[SessionSummary, ...]  # the shown sessions of the range, newest first
    this_week: tuple[SessionSummary, ...]  # the shown sessions of this ISO week, oldest first
    total_sessions: int  # shown sessions in the whole history
    devices: tuple[KnownDevice, ...] = ()  # as the snapshot's: this one first, for names and colours

    @property
    def heatmap_weeks(self) -> int:
        """The calendar's columns: the weeks of the range."""
        return len(self.weeks)


def range_start(today: date, weeks: int) -> date:
    """The Monday of the first week of a range of ``weeks`` weeks ending with this week."""
    return iso_week_start(today) - timedelta(weeks=weeks - 1)


def summarize(  # noqa: PLR0917 — the snapshot, the view's four settings, and the worker's pause
    snapshot: HistorySnapshot,
    weeks: int,
    goal: int,
    tz: tzinfo,
    today: date,
    pause: Callable[[], None] = lambda: None,
) -> HistoryData:
    """Pure aggregation (no Qt): runs in the window's worker. Streaks look at the whole history.

    ``snapshot.recent`` must hold every session of the range (its ``since`` at or before the range's
    first local midnight). ``pause`` is called between steps of a few milliseconds each.
    """
    this_monday = iso_week_start(today)
    start = local_midnight(range_start(today, weeks), tz)
    if snapshot.since > start:
        raise ValueError(f"the snapshot starts at {snapshot.since}, after the range's start {start}")
    heatmap_start = range_start(today, weeks)
    columns = snapshot.columns
    first_week = this_monday
    if columns.started:
        first_week = iso_week_start(columns.started[0].astimezone(tz).date())
    span = max(weeks, (this_monday - first_week).days // 7 + 1)
    counts = week_counts(columns, span, today, tz)
    in_range = sorted((s for s in snapshot.recent if s.started >= start and s.shown), key=_started)
    shown = _with_holds(counts[-weeks:], in_range, tz, goal)
    # Streaks look at every week, but only at whether it met the goal: the older weeks need no minutes.
    older = [WeekStat(monday, done, every, 0.0, done >= goal) for monday, done, every in counts[:-weeks]]
    current, best = streaks([*older, *shown])
    pause()
    daily = daily_figures(columns, (today - heatmap_start).days + 1, today, tz)
    pause()
    week_start = local_midnight(this_monday, tz)
    return HistoryData(
        today=today,
        goal=goal,
        weeks=tuple(shown),
        current_streak=current,
        best_streak=best,
        breakdown=tuple(exercise_breakdown(in_range, start).items()),  # largest first
        heatmap_start=heatmap_start,
        daily=daily,
        tightness=tuple(tightness_trend(in_range, tz)),
        sessions=tuple(reversed(in_range)),
        this_week=tuple(s for s in in_range if s.started >= week_start),
        total_sessions=sum(columns.shown),
        devices=snapshot.devices,
    )


# ---- words ---------------------------------------------------------------------------------------------


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def week_tooltip(week: WeekStat, goal: int) -> str:
    """E.g. "Week of 2026-11-16: 3 sessions (goal 3) ✓"; stopped-early sessions are mentioned, not counted."""
    text = f"Week of {week.week_start.isoformat()}: {plural(week.sessions, 'session')} (goal {goal})"
    if week.goal_met:
        text += " ✓"
    if week.stopped_early > 0:
        text += f", {week.stopped_early} stopped early"
    return text


def hold_tooltip(week: WeekStat) -> str:
    return f"Week of {week.week_start.isoformat()}: {week.hold_minutes:.1f} minutes holding"


def exercise_tooltip(name: str, minutes: float) -> str:
    return f"{name}: {minutes:.1f} minutes"


def day_tooltip(day: date, count: int) -> str:
    return f"{day.isoformat()} ({DAY_NAMES[day.weekday()]}): {plural(count, 'session')}"


def streak_sentence(current: int, best: int) -> str:
    return f"Current streak: {plural(current, 'week')} · Best streak: {plural(best, 'week')}"


def status_sentence(data: HistoryData) -> str:
    """E.g. "5 sessions in range, 2 stopped early · 120 in all": the same counts as the weekly bars."""
    counted = sum(w.sessions for w in data.weeks)
    stopped = sum(w.stopped_early for w in data.weeks)
    text = f"{plural(counted, 'session')} in range"
    if stopped:
        text += f", {stopped} stopped early"
    return f"{text} · {data.total_sessions} in all"


def week_tick_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def week_ticks(weeks: Sequence[WeekStat]) -> list[list[tuple[float, str]]]:
    """Major ticks: about six week labels, always including the newest week; minor: every week."""
    step = max(1, math.ceil(len(weeks) / 6))
    last = len(weeks) - 1
    major = [(float(i), week_tick_label(w.week_start)) for i, w in enumerate(weeks) if (last - i) % step == 0]
    return [major, [(float(i), "") for i in range(len(weeks))]]


def month_ticks(heatmap_start: date, columns: int) -> list[tuple[float, str]]:
    """Under each month's first Monday of the heatmap; January says its year."""
    ticks = []
    for column in range(columns):
        monday = heatmap_start + timedelta(weeks=column)
        if monday.day <= 7:
            ticks.append((column + 0.5, f"{monday:%b %Y}" if monday.month == 1 else f"{monday:%b}"))
    return ticks


def heat_level(count: int) -> int:
    """The heatmap shade of a day: its session count, up to the darkest shade."""
    return min(count, HEAT_LEVELS - 1)


# ---- what is under the pointer ------------------------------------------------------------------------


def index_at(position: float, count: int, half_width: float) -> int | None:
    """The bar at ``position`` (bars at 0 … count - 1, each ``half_width`` either side), if any."""
    index = round(position)
    if 0 <= index < count and abs(position - index) <= half_width:
        return index
    return None


def heatmap_day_at(data: HistoryData, x: float, y: float) -> tuple[date, int] | None:
    """(day, sessions) of the heatmap cell at (x, y) (column = week, row = weekday), if it is shown."""
    column, row = math.floor(x), math.floor(y)
    if not (0 <= column < data.heatmap_weeks and 0 <= row < len(DAY_NAMES)):
        return None
    day = data.heatmap_start + timedelta(weeks=column, days=row)
    count = data.daily.get(day)
    return None if count is None else (day, count)


__all__ = [
    "WEEK_RANGES",
    "HistoryData",
    "HistorySnapshot",
    "HistorySource",
    "KnownDevice",
    "SessionColumns",
    "SnapshotSource",
    "columns_of",
    "read_snapshot",
    "summarize",
    "week_tooltip",
]
