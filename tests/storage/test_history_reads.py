"""The history window's reads: the light columns and the recent summaries agree with History.summaries(),
through a read-only connection of their own, and fall back to History.summaries() when there is none."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from history_support import (
    Now,
    histories_are_closed,  # noqa: F401  (autouse: closes every History opened)
    hold,
)

from psoas_desktop.core.catalog import Side
from psoas_desktop.core.engine import PhaseStatus
from psoas_desktop.core.history_summary import EVERYTHING, columns_of
from psoas_desktop.storage import history_reads
from psoas_desktop.storage.history import History
from psoas_desktop.storage.history_reads import WindowReads
from psoas_desktop.storage.schema import HistoryError

PLUS_ONE = timezone(timedelta(hours=1))
PLUS_TWO = timezone(timedelta(hours=2))


def fill(history: History) -> list[datetime]:
    """Five sessions a day apart (in two offsets): completed with holds in two exercises and a rating per
    side, stopped in its first hold (less than half held), stopped before any, interrupted after a restarted
    hold, and still running. Returns their starts."""
    starts = [
        datetime(2026, 2, 20 + day, 23, 59, 59, 999_900, tzinfo=PLUS_ONE if day % 2 else PLUS_TWO)
        for day in range(5)
    ]
    completed = history.start_session("full", "standard", starts[0])
    history.add_record(completed, hold(1, starts[0], exercise="bridge", actual=30.0))
    history.add_record(
        completed, hold(2, starts[0] + timedelta(seconds=40), exercise="lunge", side=Side.LEFT)
    )
    history.add_record(
        completed, hold(3, starts[0] + timedelta(seconds=80), actual=5.0, status=PhaseStatus.SKIPPED)
    )
    history.end_session(completed, "completed", starts[0] + timedelta(minutes=5))
    history.add_checkin(completed, None, 7, "stiff")
    history.add_checkin(completed, "right", 3, "")
    stopped = history.start_session("short", "gentle", starts[1])
    history.add_record(stopped, hold(1, starts[1], actual=12.5))
    history.end_session(stopped, "stopped", starts[1] + timedelta(minutes=1))
    history.add_checkin(stopped, "left", 5, "")
    abandoned = history.start_session("short", "gentle", starts[2])
    history.end_session(abandoned, "stopped", starts[2] + timedelta(seconds=10))
    interrupted = history.start_session("full", "standard", starts[3])
    history.add_record(interrupted, hold(1, starts[3]))
    restarted = hold(2, starts[3] + timedelta(seconds=40), actual=10.0, status=PhaseStatus.RESTARTED)
    history.add_record(interrupted, restarted)
    history.add_record(interrupted, hold(2, starts[3] + timedelta(seconds=60)))
    history.end_session(interrupted, "interrupted", starts[3] + timedelta(minutes=2))
    history.start_session("full", "standard", starts[4])
    return starts


@pytest.fixture
def history(tmp_path: Path) -> History:
    opened = History.open(tmp_path, now=Now(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))).history
    fill(opened)
    return opened


def test_the_columns_are_those_of_every_summary(history: History) -> None:
    snapshot = WindowReads(history).snapshot(EVERYTHING)
    expected = columns_of(history.summaries())
    assert list(snapshot.columns.started) == list(expected.started)
    assert list(snapshot.columns.counted) == list(expected.counted) == [True, False, False, True, False]
    assert list(snapshot.columns.shown) == list(expected.shown) == [True, True, False, True, False]


def test_a_summary_plans_each_reached_hold_once(history: History) -> None:
    """The planned hold time is that of the holds reached (a restarted attempt is not planned twice)."""
    by_start = sorted(history.summaries(), key=lambda s: s.started)
    assert [(s.hold_seconds, s.planned_hold_seconds) for s in by_start] == [
        (60.0, None),  # completed: its plan is not read (the rule needs none)
        (12.5, 30.0),
        (0.0, 0.0),
        (60.0, 60.0),
        (0.0, 0.0),
    ]


def test_the_recent_summaries_are_those_of_history_summaries_since_the_instant(history: History) -> None:
    assert history.cached_snapshot() is None  # so the snapshot is read through SQL
    since = datetime(2026, 2, 22, 0, 0, tzinfo=PLUS_ONE)  # between the second and third start (in UTC)
    snapshot = WindowReads(history).snapshot(since)
    everything = sorted(WindowReads(history).snapshot(EVERYTHING).recent, key=lambda s: s.session_id)
    summaries = history.summaries()
    assert snapshot.since == since
    expected = sorted((s for s in summaries if s.started >= since), key=lambda s: s.session_id)
    assert sorted(snapshot.recent, key=lambda s: s.session_id) == expected
    assert len(expected) == 3
    assert everything == sorted(summaries, key=lambda s: s.session_id)
    first = everything[0]
    assert dict(first.exercise_seconds) == {"bridge": 30.0, "lunge": 30.0}
    assert (first.tightness_left, first.tightness_right) == (7, 3)
    assert first.started.utcoffset() == timedelta(hours=2)
    assert (everything[1].tightness_left, everything[1].tightness_right) == (5, None)


def test_a_start_a_moment_before_midnight_stays_on_its_day(history: History) -> None:
    """SQLite's date functions round to the millisecond: the columns parse the stored text instead."""
    assert history.cached_snapshot() is None
    snapshot = WindowReads(history).snapshot(EVERYTHING)
    assert snapshot.columns.started[0] < datetime(2026, 2, 21, 0, 0, tzinfo=PLUS_TWO)
    assert snapshot.columns.started[0].microsecond == 999_900


def test_once_the_summaries_cache_is_filled_the_snapshot_needs_no_query(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's prewarm fills the cache: the window's snapshot is then made from it (the same columns)."""
    assert history.cached_snapshot() is None
    since = datetime(2026, 2, 22, tzinfo=UTC)
    through_sql = WindowReads(history).snapshot(since)
    history.summaries()

    def no_query(conn: sqlite3.Connection, since: datetime) -> None:
        raise AssertionError("queried although the cache is filled")

    monkeypatch.setattr(history_reads, "read_snapshot", no_query)
    cached = WindowReads(history).snapshot(since)
    assert cached.since == through_sql.since == since
    assert len(cached.recent) == 3
    assert cached.columns == through_sql.columns
    assert sorted(cached.recent, key=lambda s: s.session_id) == sorted(
        through_sql.recent, key=lambda s: s.session_id
    )


def test_the_cached_columns_follow_a_session_that_changes(history: History) -> None:
    history.summaries()  # the cache is filled
    before = WindowReads(history).snapshot(EVERYTHING).columns
    running = max(s.session_id for s in history.summaries())
    started = max(s.started for s in history.summaries())
    history.add_record(running, hold(1, started))
    history.end_session(running, "completed", started + timedelta(minutes=1))
    after = WindowReads(history).snapshot(EVERYTHING).columns
    assert (before.counted[-1], before.shown[-1]) == (False, False)
    assert (after.counted[-1], after.shown[-1]) == (True, True)
    assert after == columns_of(history.summaries())
    assert (before.counted[-1], before.shown[-1]) == (False, False)  # a snapshot taken is not changed
    new = history.start_session("full", "standard", started + timedelta(days=1))
    history.add_record(new, hold(1, started + timedelta(days=1)))
    assert WindowReads(history).snapshot(EVERYTHING).columns == columns_of(history.summaries())


def test_an_empty_history_is_an_empty_snapshot(tmp_path: Path) -> None:
    history = History.open(tmp_path, now=Now()).history
    snapshot = WindowReads(history).snapshot(EVERYTHING)
    assert len(snapshot.columns) == 0 and snapshot.recent == ()
    assert WindowReads(history).summaries() == []


def test_a_naive_instant_is_refused(history: History) -> None:
    with pytest.raises(ValueError, match="aware"):
        WindowReads(history).snapshot(datetime(2026, 2, 22))


def test_without_a_connection_of_its_own_it_reads_through_the_history(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> object:
        raise HistoryError("The history cannot be read: unable to open database file.")

    monkeypatch.setattr(history, "reading", refuse)
    snapshot = WindowReads(history).snapshot(datetime(2026, 2, 22, tzinfo=UTC))
    assert snapshot.since == EVERYTHING
    assert len(snapshot.recent) == len(snapshot.columns) == 5


def test_a_failing_query_falls_back_to_the_history(history: History, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(conn: sqlite3.Connection, since: datetime) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(history_reads, "read_snapshot", fail)
    snapshot = WindowReads(history).snapshot(datetime(2026, 2, 22, tzinfo=UTC))
    assert snapshot.since == EVERYTHING and len(snapshot.recent) == 5


def test_a_read_sees_what_the_history_committed_since_the_last_one(history: History) -> None:
    reads = WindowReads(history)
    before = len(reads.snapshot(EVERYTHING).columns)
    history.start_session("full", "standard", datetime(2026, 2, 28, 8, tzinfo=UTC))
    assert len(reads.snapshot(EVERYTHING).columns) == before + 1
