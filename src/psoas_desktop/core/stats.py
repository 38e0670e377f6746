"""Weekly figures, streaks, heatmap and trends from session summaries: pure functions, stdlib only.

Everything that depends on the calendar is computed in a caller-supplied time zone from aware datetimes:
a session belongs to the local calendar date on which it started, so a 23-hour or 25-hour DST day is one
day like any other, and a session just after local midnight never lands on the previous UTC date.
Weeks are ISO weeks (Monday to Sunday).

The counting rule, the one every view uses (:func:`counts_toward_goal`, :func:`is_shown`):

* a session is shown (in the table, the charts, the calendar, ``all_sessions``) when it has at least one
  finished hold; one stopped before its first hold finished is not a session of exercise;
* every finished hold counts toward the hold minutes, whatever the session's end;
* a shown session counts toward the weekly goal when it completed, or when it was stopped or interrupted
  (or is still running) after at least half of its planned hold time.

"Planned hold time" is what the history stores: the planned seconds of each hold the session *reached*
(``entries.planned_seconds``, each hold once even if it was restarted). The holds a stopped session never
reached are not stored anywhere (the plan depends on the settings of the day and on the exercise it
started from), so they cannot be weighed. The rule is therefore lenient on purpose: a session stopped after
its first finished holds counts, unless it skipped or cut short so many holds that less than half of the
time it reached was held.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

COMPLETED = "completed"
GOAL_SHARE = 0.5
"""The share of its planned hold time a session that did not complete needs to count toward the goal."""
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class SessionSummary:
    """One session as the history view and the statistics need it (built by storage.history)."""

    session_id: int
    started: datetime
    """Aware; in the UTC offset that was in force where and when the session started."""
    status: str
    """'running', 'completed', 'stopped' or 'interrupted'."""
    routine: str
    level: str
    hold_seconds: float
    """Sum of the actual seconds of the session's finished (completed) holds."""
    planned_hold_seconds: float | None
    """Sum of the planned seconds of the holds the session reached (each once); see the module docstring.
    None for a completed session: the rule needs no plan for it, and storage would have to read every hold
    ever saved to give it."""
    exercise_seconds: Mapping[str, float] = field(default_factory=dict, hash=False)
    """Completed hold seconds per exercise id."""
    tightness_left: int | None = None
    """Latest check-in (0–10) for the left side; a check-in without a side counts for both sides."""
    tightness_right: int | None = None
    ended: datetime | None = None
    """Aware UTC; None while the session is running."""
    routine_name: str | None = None
    """The routine's name when the session ran (None: not kept, as before user routines; ask the catalog)."""
    device: str | None = None
    """The id of the device that recorded it (None: not known, as from a source without devices)."""

    @property
    def shown(self) -> bool:
        return is_shown(self.hold_seconds)

    @property
    def counted(self) -> bool:
        return counts_toward_goal(self.status, self.hold_seconds, self.planned_hold_seconds)


def is_shown(finished_seconds: float) -> bool:
    """Whether a session with this much finished hold time is listed and counted at all."""
    return finished_seconds > 0


def counts_toward_goal(status: str, finished_seconds: float, planned_seconds: float | None) -> bool:
    """The one rule for the weekly goal (see the module docstring): completed, or at least half held.

    ``planned_seconds`` matters only for a session that did not complete (None: not known, 0 planned).
    """
    if not is_shown(finished_seconds):
        return False
    return status == COMPLETED or finished_seconds >= GOAL_SHARE * (planned_seconds or 0.0)


@dataclass(frozen=True)
class WeekStat:
    week_start: date
    """The Monday of the local ISO week."""
    sessions: int
    """Sessions that count toward the weekly goal (:func:`counts_toward_goal`)."""
    all_sessions: int
    """Every shown session started that week (:func:`is_shown`), whatever its end."""
    hold_minutes: float
    """Finished hold time of every session that week."""
    goal_met: bool

    @property
    def stopped_early(self) -> int:
        """Shown sessions that do not count toward the goal (drawn as the lighter part of a week's bar)."""
        return self.all_sessions - self.sessions


def iso_week_start(day: date) -> date:
    """The Monday of the ISO week containing `day`."""
    return day - timedelta(days=day.weekday())


def _instant_bounds(first_day: date, end_day: date) -> tuple[datetime, datetime]:
    """Instants safely outside [first_day, end_day) in any time zone (offsets stay within ±26 h)."""
    return (
        datetime.combine(first_day, datetime.min.time(), UTC) - timedelta(hours=26),
        datetime.combine(end_day, datetime.min.time(), UTC) + timedelta(hours=26),
    )


def _within(moment: datetime, earliest: datetime, latest: datetime) -> bool:
    try:
        return earliest <= moment < latest
    except TypeError:  # naive
        raise ValueError(f"a naive datetime cannot be placed on a calendar: {moment!r}") from None


def _local_date(moment: datetime, tz: tzinfo) -> date:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a naive datetime cannot be placed on a calendar: {moment!r}")
    return moment.astimezone(tz).date()


def weekly_stats(
    summaries: Iterable[SessionSummary], weeks: int, today: date, tz: tzinfo, goal: int
) -> list[WeekStat]:
    """The last `weeks` local ISO weeks, oldest first, the last one being the week containing `today`."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    if goal < 1:
        raise ValueError(f"the weekly goal must be at least 1, not {goal}")
    last = iso_week_start(today)
    starts = [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    counted = dict.fromkeys(starts, 0)
    shown = dict.fromkeys(starts, 0)
    seconds = dict.fromkeys(starts, 0.0)
    earliest, latest = _instant_bounds(starts[0], last + timedelta(days=7))
    for summary in summaries:
        if not _within(summary.started, earliest, latest):  # cheap: no zone conversion
            continue
        week = iso_week_start(_local_date(summary.started, tz))
        if week not in shown or not summary.shown:
            continue
        shown[week] += 1
        seconds[week] += summary.hold_seconds
        counted[week] += summary.counted
    return [
        WeekStat(
            week_start=start,
            sessions=counted[start],
            all_sessions=shown[start],
            hold_minutes=seconds[start] / 60,
            goal_met=counted[start] >= goal,
        )
        for start in starts
    ]


def streaks(weeks: list[WeekStat]) -> tuple[int, int]:
    """(current, best) runs of consecutive goal-met weeks; `weeks` oldest first, the last is this week.

    This week extends the current streak once its goal is met; until then the current streak is the run
    that ended last week (the week is not over yet, so it has not broken anything).
    """
    best = run = 0
    for week in weeks:
        run = run + 1 if week.goal_met else 0
        best = max(best, run)
    if not weeks:
        return 0, 0
    if weeks[-1].goal_met:
        return run, best
    current = 0
    for week in reversed(weeks[:-1]):
        if not week.goal_met:
            break
        current += 1
    return current, best


def exercise_breakdown(summaries: Iterable[SessionSummary], since: datetime | date) -> dict[str, float]:
    """Completed hold minutes per exercise for sessions started at or after `since`, largest first.

    `since` is an aware datetime (an instant) or a date (compared with each session's own local date).
    """
    if isinstance(since, datetime) and since.utcoffset() is None:
        raise ValueError(f"since must be timezone-aware: {since!r}")
    totals: dict[str, float] = {}
    for summary in summaries:
        if isinstance(since, datetime):
            if summary.started < since:
                continue
        elif summary.started.date() < since:
            continue
        for exercise, seconds in summary.exercise_seconds.items():
            totals[exercise] = totals.get(exercise, 0.0) + seconds / 60
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def daily_counts(summaries: Iterable[SessionSummary], days: int, today: date, tz: tzinfo) -> dict[date, int]:
    """Sessions per local day for the last `days` days (oldest first, every day present, today last).

    Every shown session counts (:func:`is_shown`: one with a finished hold), whatever its end.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    counts = {today - timedelta(days=days - 1 - i): 0 for i in range(days)}
    earliest, latest = _instant_bounds(today - timedelta(days=days - 1), today + timedelta(days=1))
    for summary in summaries:
        if not _within(summary.started, earliest, latest):
            continue
        if not summary.shown:
            continue
        day = _local_date(summary.started, tz)
        if day in counts:
            counts[day] += 1
    return counts


def tightness_trend(
    summaries: Iterable[SessionSummary], tz: tzinfo
) -> list[tuple[date, float | None, float | None]]:
    """(local day, mean left, mean right) for every day with a check-in, oldest first.

    One point a day: several check-ins on one day are averaged (per side), so the line shows the trend,
    not the ups and downs within a day.
    """
    days: dict[date, tuple[list[int], list[int]]] = {}
    for s in summaries:
        if s.tightness_left is None and s.tightness_right is None:
            continue
        left, right = days.setdefault(_local_date(s.started, tz), ([], []))
        if s.tightness_left is not None:
            left.append(s.tightness_left)
        if s.tightness_right is not None:
            right.append(s.tightness_right)
    return [(day, _mean(left), _mean(right)) for day, (left, right) in sorted(days.items())]


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


class SystemLocalZone(tzinfo):
    """The operating system's local time zone with its DST rules, for when no IANA zone name is known.

    ``datetime.now().astimezone().tzinfo`` is a fixed offset, which puts sessions from the other half of
    the year an hour off; this asks the C library (``localtime``) for the offset in force at each instant.
    """

    def fromutc(self, dt: datetime) -> datetime:
        if dt.tzinfo is not self:
            raise ValueError("fromutc: dt.tzinfo is not self")
        naive = dt.replace(tzinfo=None)
        stamp = (naive - _EPOCH) // timedelta(seconds=1)
        offset = time.localtime(stamp).tm_gmtoff
        # In the second of a repeated hour the same wall time already happened, under the earlier offset.
        earlier = time.localtime(stamp - 86400).tm_gmtoff
        shift = earlier - offset
        fold = int(shift > 0 and time.localtime(stamp - shift).tm_gmtoff == earlier)
        local = naive + timedelta(seconds=offset)
        return local.replace(tzinfo=self, fold=fold)

    def _offset(self, dt: datetime) -> int:
        """The UTC offset (s) of a local wall-clock time; `fold` picks the first or second of a repeated hour."""
        as_utc = (dt.replace(tzinfo=None) - _EPOCH) // timedelta(seconds=1)
        before = time.localtime(as_utc - 86400).tm_gmtoff  # in force before any nearby transition
        after = time.localtime(as_utc + 86400).tm_gmtoff
        valid = [o for o in dict.fromkeys((before, after)) if time.localtime(as_utc - o).tm_gmtoff == o]
        if len(valid) == 1:
            return valid[0]
        # A repeated hour (both fit) or a skipped one (neither fits): PEP 495, fold 0 means "as before".
        return after if dt.fold else before

    def _local(self, dt: datetime | None) -> time.struct_time:
        if dt is None:
            return time.localtime()
        return time.localtime((dt.replace(tzinfo=None) - _EPOCH) // timedelta(seconds=1) - self._offset(dt))

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(seconds=time.localtime().tm_gmtoff)
        return timedelta(seconds=self._offset(dt))

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=1) if self._local(dt).tm_isdst > 0 else timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return self._local(dt).tm_zone

    def __repr__(self) -> str:
        return "SystemLocalZone()"


def local_today(tz: tzinfo, now: datetime | None = None) -> date:
    """Today's date in `tz` (from `now`, an aware instant, or the system clock)."""
    return (now or datetime.now(UTC)).astimezone(tz).date()
