"""History on real files: schema and pragmas, round trips, summaries, interrupted sessions, backups,
migrations and a newer schema. Time comes from a hand-set `now`; no sleeps."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from history_support import (
    Now,
    fingerprint,
    histories_are_closed,  # noqa: F401  (autouse: closes every History opened)
    hold,
    pragma,
    query,
)

from psoas_desktop.core.catalog import Side
from psoas_desktop.core.engine import PhaseStatus
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.stats import weekly_stats
from psoas_desktop.storage import schema
from psoas_desktop.storage.history import APPLICATION_ID, History, HistoryError, RoutineAsRun

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=BERLIN)


def open_history(data_dir: Path, now: Now | None = None, **kwargs: bool) -> History:
    result = History.open(data_dir, now=now or Now(), **kwargs)
    assert result.messages == (), result.messages
    return result.history


def test_a_new_history_is_ours_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    db = tmp_path / "history.sqlite3"
    assert history.path == db and not history.read_only
    assert pragma(db, "application_id") == APPLICATION_ID == 0x50534F41
    assert pragma(db, "user_version") == len(schema.MIGRATIONS) == 3
    assert pragma(db, "journal_mode") == "wal"
    writer = history._writer
    assert writer is not None

    def writer_pragmas(conn: sqlite3.Connection) -> list[int]:
        return [
            conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("synchronous", "foreign_keys", "busy_timeout")
        ]

    synchronous, foreign_keys, busy_timeout = writer.submit(writer_pragmas).result()
    assert synchronous == 2  # FULL
    assert foreign_keys == 1
    assert busy_timeout >= 1000
    history.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backups", "history.sqlite3"]  # no temp left


def test_times_are_stored_as_utc_plus_the_local_offset(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    started = datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)  # CEST, just after the spring-forward gap
    session = history.start_session("daily", "standard", started)
    history.add_record(session, hold(0, started + timedelta(seconds=5), side=Side.LEFT, actual=28.25))
    history.close()
    db = tmp_path / "history.sqlite3"
    assert query(db, "SELECT started_utc, utc_offset_seconds, status FROM sessions") == [
        ("2026-03-29T01:30:00.000000+00:00", 7200, "running")
    ]
    assert query(db, "SELECT started_utc, utc_offset_seconds, side, actual_seconds FROM entries") == [
        ("2026-03-29T01:30:05.000000+00:00", 7200, "left", 28.25)
    ]
    reader = open_history(tmp_path, read_only=True)
    (row,) = reader.sessions()
    assert row.started_utc == started and row.started_utc.tzinfo == UTC
    assert row.started_local.isoformat() == "2026-03-29T03:30:00+02:00"
    (entry,) = reader.entries(session)
    assert entry.started_utc == started + timedelta(
        seconds=5
    ) and entry.ended_utc == entry.started_utc + timedelta(seconds=28.25)


def test_naive_times_are_refused(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    with pytest.raises(ValueError, match="timezone-aware"):
        history.start_session("daily", "standard", datetime(2026, 3, 1, 9, 0))
    session = history.start_session("daily", "standard", T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        history.end_session(session, "completed", datetime(2026, 3, 1, 9, 30))
    assert [s.status for s in history.sessions()] == ["running"]


def test_a_hold_saved_twice_is_stored_once(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    session = history.start_session("daily", "standard", T0)
    record = hold(3, T0 + timedelta(minutes=1))
    history.add_record(session, record)
    history.add_record(session, record)  # e.g. the app retries after an error it could not tell apart
    history.add_record(session, hold(3, T0 + timedelta(minutes=2)))  # the same phase restarted: a new hold
    assert [(e.phase_index, e.started_utc.minute) for e in history.entries(session)] == [(3, 1), (3, 2)]


def test_sessions_newest_first_and_end(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    ids = [history.start_session("daily", "standard", T0 + timedelta(days=d)) for d in (2, 0, 1)]
    history.end_session(ids[1], "stopped", T0 + timedelta(minutes=7))
    assert [s.id for s in history.sessions()] == [ids[0], ids[2], ids[1]]
    stopped = next(s for s in history.sessions() if s.id == ids[1])
    assert stopped.status == "stopped" and stopped.ended_utc == T0 + timedelta(minutes=7)
    with pytest.raises(ValueError, match="completed"):
        history.end_session(ids[0], "running", T0)
    with pytest.raises(ValueError, match="no session 999"):
        history.end_session(999, "completed", T0)
    with pytest.raises(ValueError, match="refused"):
        history.add_record(999, hold(0, T0))  # no such session: a bug in the caller, not a user problem


@pytest.mark.parametrize(
    ("side", "tightness", "note", "message"),
    [
        (None, -1, "", "from 0 to 10"),
        ("left", 11, "", "from 0 to 10"),
        ("left", True, "", "from 0 to 10"),
        ("left", 5.5, "", "from 0 to 10"),
        ("middle", 5, "", "left, right or none"),
        ("right", 5, "x" * 501, "at most 500"),
    ],
)
def test_bad_checkins_are_refused_with_a_message(
    tmp_path: Path, side: str | None, tightness: int, note: str, message: str
) -> None:
    history = open_history(tmp_path)
    session = history.start_session("daily", "standard", T0)
    with pytest.raises(HistoryError, match=message) as caught:
        history.add_checkin(session, side, tightness, note)
    assert isinstance(caught.value, KnownError)
    assert history.checkins() == []


def test_checkins_at_the_limits_are_kept(tmp_path: Path) -> None:
    now = Now()
    history = open_history(tmp_path, now)
    session = history.start_session("daily", "standard", T0)
    history.add_checkin(session, "left", 0, "")
    now.advance(seconds=1)
    history.add_checkin(session, Side.RIGHT, 10, "é" * 500)
    assert [(c.side, c.tightness, len(c.note), c.created_utc) for c in history.checkins(session)] == [
        ("left", 0, 0, datetime(2026, 3, 1, 12, 0, tzinfo=UTC)),
        ("right", 10, 500, datetime(2026, 3, 1, 12, 0, 1, tzinfo=UTC)),
    ]


def test_summaries_sum_completed_holds_per_exercise_with_the_latest_tightness(tmp_path: Path) -> None:
    now = Now()
    history = open_history(tmp_path, now)
    first = history.start_session("daily", "beginner", T0)
    history.add_record(first, hold(1, T0, exercise="bridge", actual=30))
    history.add_record(first, hold(2, T0 + timedelta(minutes=1), exercise="bridge", actual=25.5))
    history.add_record(first, hold(3, T0 + timedelta(minutes=2), exercise="lunge", actual=40))
    history.add_record(
        first, hold(4, T0 + timedelta(minutes=3), exercise="lunge", actual=12, status=PhaseStatus.SKIPPED)
    )
    history.end_session(first, "completed", T0 + timedelta(minutes=4))
    history.add_checkin(first, "left", 7, "tight")
    now.advance(minutes=1)
    history.add_checkin(first, "left", 5, "better")  # the latest one counts
    now.advance(minutes=1)
    history.add_checkin(first, None, 4, "overall")  # no side: both sides
    now.advance(minutes=1)
    history.add_checkin(first, "right", 3, "")
    second = history.start_session("quick-stretch", "standard", T0 + timedelta(days=1))

    newest, oldest = history.summaries()
    assert newest.session_id == second and newest.hold_seconds == 0 and newest.exercise_seconds == {}
    assert (newest.tightness_left, newest.tightness_right, newest.status) == (None, None, "running")
    assert oldest.session_id == first and oldest.routine == "daily" and oldest.level == "beginner"
    assert oldest.hold_seconds == pytest.approx(95.5)
    assert oldest.exercise_seconds == {"bridge": pytest.approx(55.5), "lunge": pytest.approx(40)}
    assert (oldest.tightness_left, oldest.tightness_right) == (4, 3)
    assert oldest.started == T0 and oldest.started.utcoffset() == timedelta(hours=1)
    assert oldest.ended == T0 + timedelta(minutes=4)


def test_a_session_cut_short_is_marked_interrupted_at_open_and_keeps_its_holds(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    crashed = history.start_session("daily", "standard", T0)
    history.add_record(crashed, hold(5, T0 + timedelta(minutes=1), actual=30))
    history.add_record(crashed, hold(2, T0 + timedelta(minutes=3), actual=20))  # "Back": earlier phase, later
    empty = history.start_session("daily", "standard", T0 + timedelta(hours=2))
    done = history.start_session("daily", "standard", T0 + timedelta(hours=4))
    history.end_session(done, "completed", T0 + timedelta(hours=5))
    # The process dies: what is on disk then (the file and its -wal, no end_session, no clean close) is
    # what the next open finds.
    history.flush()
    crashed_dir = tmp_path / "after-the-crash"
    crashed_dir.mkdir()
    for name in ("history.sqlite3", "history.sqlite3-wal"):
        shutil.copyfile(tmp_path / name, crashed_dir / name)
    history.close()
    opened = History.open(crashed_dir, now=Now())
    reopened = opened.history
    assert opened.messages == ("Your last session ended unexpectedly at 11:00; 0 finished holds were kept.",)
    by_id = {s.id: s for s in reopened.sessions()}
    assert by_id[crashed].status == "interrupted"
    assert by_id[crashed].ended_utc == T0 + timedelta(minutes=3, seconds=20)  # the end of its last hold
    assert len(reopened.entries(crashed)) == 2
    assert by_id[empty].status == "interrupted" and by_id[empty].ended_utc == T0 + timedelta(hours=2)
    assert by_id[done].status == "completed" and by_id[done].ended_utc == T0 + timedelta(hours=5)


def test_a_read_only_open_changes_nothing(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    history.start_session("daily", "standard", T0)
    history.close()
    db = tmp_path / "history.sqlite3"
    before = fingerprint(db)
    (tmp_path / "backups" / "history-2026-03-01.sqlite3").unlink()
    reader = open_history(tmp_path, Now(datetime(2026, 3, 9, tzinfo=UTC)), read_only=True)
    assert reader.read_only and [s.status for s in reader.sessions()] == ["running"]  # not marked
    with pytest.raises(HistoryError, match="Not saved"):
        reader.start_session("daily", "standard", T0)
    reader.close()
    assert fingerprint(db) == before and list((tmp_path / "backups").iterdir()) == []


def test_a_read_only_open_of_a_missing_history_is_empty(tmp_path: Path) -> None:
    reader = open_history(tmp_path / "nothing-yet", read_only=True)
    assert reader.sessions() == [] and reader.summaries() == []
    assert not (tmp_path / "nothing-yet").exists()


def test_writes_after_close_raise_a_known_error(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    history.close()
    history.close()
    with pytest.raises(KnownError, match="closed"):
        history.start_session("daily", "standard", T0)


def test_one_backup_a_day_and_seven_kept(tmp_path: Path) -> None:
    now = Now(datetime(2026, 3, 1, 23, 59, tzinfo=UTC))
    history = open_history(tmp_path, now)
    first = history.start_session("daily", "standard", T0)
    history.end_session(first, "stopped", T0 + timedelta(minutes=1))
    history.close()
    backups = tmp_path / "backups"
    day1 = backups / "history-2026-03-01.sqlite3"
    assert query(day1, "SELECT COUNT(*) FROM sessions") == [(0,)]  # made at open, before the session
    history = open_history(tmp_path, now)  # same UTC day: no new backup
    history.close()
    assert query(day1, "SELECT COUNT(*) FROM sessions") == [(0,)]
    for day in range(2, 11):
        now.value = datetime(2026, 3, day, 0, 1, tzinfo=UTC)
        history = open_history(tmp_path, now)
        history.add_record(first, hold(day, T0 + timedelta(days=day)))
        history.close()
    names = sorted(p.name for p in backups.iterdir())
    assert names == [f"history-2026-03-{day:02d}.sqlite3" for day in range(4, 11)]
    newest = backups / names[-1]
    assert pragma(newest, "journal_mode") == "delete"  # one self-contained file
    assert pragma(newest, "quick_check") == "ok" and pragma(newest, "application_id") == APPLICATION_ID
    assert query(newest, "SELECT COUNT(*) FROM entries") == [(8,)]  # the holds of days 2–9


def test_a_newer_schema_opens_read_only_and_loses_nothing(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    session = history.start_session("daily", "standard", T0)
    history.add_record(session, hold(0, T0))
    history.close()
    db = tmp_path / "history.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 7")
    conn.close()
    before = fingerprint(db)
    result = History.open(tmp_path, now=Now())
    newer = result.history
    assert newer.read_only
    assert any("newer version" in m and "read-only" in m for m in result.messages), result.messages
    assert [len(newer.entries(s.id)) for s in newer.sessions()] == [1]
    with pytest.raises(KnownError, match="newer version"):
        newer.add_record(session, hold(1, T0))
    with pytest.raises(KnownError, match="newer version"):
        newer.add_checkin(session, None, 3, "")
    newer.close()
    assert fingerprint(db) == before and pragma(db, "user_version") == 7


def test_a_migration_runs_after_a_backup_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history = open_history(tmp_path)
    session = history.start_session("daily", "standard", T0)
    history.add_record(session, hold(0, T0))
    history.end_session(session, "completed", T0 + timedelta(minutes=1))
    history.close()
    monkeypatch.setattr(
        schema,
        "MIGRATIONS",
        (
            *schema.MIGRATIONS,
            ("ALTER TABLE sessions ADD COLUMN mood TEXT", "UPDATE sessions SET mood = 'ok'"),
        ),
    )
    upgraded = open_history(tmp_path)
    assert not upgraded.read_only and len(upgraded.entries(session)) == 1
    upgraded.close()
    db = tmp_path / "history.sqlite3"
    latest = len(schema.MIGRATIONS)  # with the added one
    assert pragma(db, "user_version") == latest and query(db, "SELECT mood FROM sessions") == [("ok",)]
    copy = tmp_path / f"history.sqlite3.pre-v{latest}.bak"
    assert pragma(copy, "user_version") == latest - 1 and query(copy, "SELECT COUNT(*) FROM entries") == [
        (1,)
    ]


def test_a_first_version_history_gains_the_routine_columns_after_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version 1 (before user routines) → 2: old sessions keep everything; their routine name is unknown
    (NULL: the catalog names a built-in), and new sessions keep theirs."""
    db = tmp_path / "history.sqlite3"
    with monkeypatch.context() as old_app:
        old_app.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
        schema.create(db)
    with sqlite3.connect(db) as conn:  # as the first version wrote them
        conn.execute(
            "INSERT INTO sessions (id, routine, level, started_utc, utc_offset_seconds, ended_utc, status)"
            " VALUES (1, 'psoas-3', 'standard', '2026-03-01T08:00:00.000000+00:00', 3600,"
            " '2026-03-01T08:10:00.000000+00:00', 'completed')"
        )
        conn.execute(
            "INSERT INTO entries VALUES (1, 0, '2026-03-01T08:00:05.000000+00:00', 'bridge', NULL, 1, 1, 20, 20,"
            " 3600, 'completed')"
        )
    conn.close()
    assert pragma(db, "user_version") == 1
    upgraded = open_history(tmp_path)
    kept = RoutineAsRun("Morning hips", "c0ffee", "d05e")
    later = upgraded.start_session("morning-hips", "standard", T0 + timedelta(days=1), kept)
    upgraded.end_session(later, "completed", T0 + timedelta(days=1, minutes=1))
    names = {s.routine: s.routine_name for s in upgraded.summaries()}
    assert names == {"psoas-3": None, "morning-hips": "Morning hips"}
    assert [(r.routine_name, r.routine_hash) for r in upgraded.sessions()] == [
        ("Morning hips", "c0ffee"),
        (None, None),
    ]
    assert upgraded.completed_with_dose("morning-hips", "d05e") == 1
    upgraded.close()
    assert pragma(db, "user_version") == len(schema.MIGRATIONS)
    copy = tmp_path / f"history.sqlite3.pre-v{len(schema.MIGRATIONS)}.bak"
    assert pragma(copy, "user_version") == 1 and query(copy, "SELECT COUNT(*) FROM entries") == [(1,)]


def test_a_progression_counts_completed_sessions_since_the_dosage_last_changed(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    day = timedelta(days=1)

    def run(when: int, dose: str, status: str) -> None:
        session = history.start_session("mine", "standard", T0 + when * day, RoutineAsRun("Mine", "x", dose))
        history.end_session(session, status, T0 + when * day + timedelta(minutes=5))

    run(0, "a", "completed")
    run(1, "a", "completed")
    run(2, "a", "stopped")  # stopped early: never counts
    assert history.completed_with_dose("mine", "a") == 2
    run(3, "b", "completed")  # the dosage changed: a new count
    assert history.completed_with_dose("mine", "b") == 1
    run(4, "a", "completed")  # changed back: counts from that change, not the old sessions
    assert history.completed_with_dose("mine", "a") == 1
    assert history.completed_with_dose("other", "a") == 0
    history.close()


def test_a_failed_migration_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history = open_history(tmp_path)
    history.start_session("daily", "standard", T0)
    history.close()
    monkeypatch.setattr(
        schema,
        "MIGRATIONS",
        (*schema.MIGRATIONS, ("ALTER TABLE sessions ADD COLUMN mood TEXT", "THIS IS NOT SQL")),
    )
    result = History.open(tmp_path, now=Now())
    assert result.history.read_only
    assert any("could not be upgraded" in m and "unchanged" in m for m in result.messages), result.messages
    with pytest.raises(KnownError):
        result.history.start_session("daily", "standard", T0)
    result.history.close()
    db = tmp_path / "history.sqlite3"
    assert pragma(db, "user_version") == len(schema.MIGRATIONS) - 1
    assert [row[1] for row in query(db, "PRAGMA table_info(sessions)")].count("mood") == 0  # rolled back
    assert query(db, "SELECT COUNT(*) FROM sessions") == [(1,)]


def test_journal_files_without_their_database_are_set_aside(tmp_path: Path) -> None:
    (tmp_path / "history.sqlite3-wal").write_bytes(b"stale journal of a deleted file")
    result = History.open(tmp_path, now=Now())
    (message,) = result.messages
    assert "without the history file" in message and "orphan" in message and "new, empty history" in message
    assert (tmp_path / "history.sqlite3-wal.orphan-20260301T120000Z").read_bytes().startswith(b"stale")
    session = result.history.start_session("daily", "standard", T0)
    assert [s.id for s in result.history.sessions()] == [session]


def test_sessions_around_dst_land_in_their_local_weeks(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    local_starts = [
        datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN),  # Sunday, CET, before the gap
        datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN),  # Sunday, CEST, after the gap
        datetime(2026, 3, 30, 0, 30, tzinfo=BERLIN),  # Monday 00:30 CEST = Sunday 22:30 UTC
        datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN),  # Sunday 01:30 CEST = Saturday 23:30 UTC
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN),  # the second 02:30 (CET)
        datetime(2026, 10, 26, 0, 30, tzinfo=BERLIN),  # Monday 00:30 CET = Sunday 23:30 UTC
    ]
    for started in local_starts:
        session = history.start_session("daily", "standard", started)
        history.add_record(session, hold(0, started, actual=60))
        history.end_session(session, "completed", started + timedelta(minutes=5))
    summaries = history.summaries()
    # (compared in UTC: PEP 495 makes a fold=1 time unequal to everything in another zone)
    assert sorted(s.started.astimezone(UTC) for s in summaries) == [t.astimezone(UTC) for t in local_starts]
    assert {s.started.utcoffset() for s in summaries} == {timedelta(hours=1), timedelta(hours=2)}
    weeks = {w.week_start: w.sessions for w in weekly_stats(summaries, 40, date(2026, 10, 28), BERLIN, 1)}
    assert weeks[date(2026, 3, 23)] == 2 and weeks[date(2026, 3, 30)] == 1
    assert weeks[date(2026, 10, 19)] == 2 and weeks[date(2026, 10, 26)] == 1
    assert sum(weeks.values()) == 6


def test_an_unwritable_file_opens_read_only_with_a_message(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions; test_history_faults runs this as an unprivileged user")
    history = open_history(tmp_path)
    history.start_session("daily", "standard", T0)
    history.close()
    (tmp_path / "history.sqlite3").chmod(0o444)
    result = History.open(tmp_path, now=Now())
    assert result.history.read_only and len(result.history.sessions()) == 1
    assert any("not being saved" in m for m in result.messages)


def test_offsets_west_of_utc_round_trip(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    started = datetime(2026, 7, 4, 23, 45, tzinfo=timezone(timedelta(hours=-9, minutes=-30)))
    history.start_session("daily", "standard", started)
    (summary,) = history.summaries()
    assert summary.started == started and summary.started.utcoffset() == timedelta(hours=-9, minutes=-30)
    assert summary.started.date() == date(2026, 7, 4)


def test_summaries_follow_our_own_writes(tmp_path: Path) -> None:
    now = Now()
    history = open_history(tmp_path, now)
    first = history.start_session("daily", "standard", T0)
    history.add_record(first, hold(0, T0, actual=30))
    assert [(s.session_id, s.hold_seconds, s.status) for s in history.summaries()] == [(first, 30, "running")]
    history.add_record(first, hold(1, T0 + timedelta(minutes=1), exercise="lunge", actual=45))
    history.end_session(first, "completed", T0 + timedelta(minutes=5))
    history.add_checkin(first, "right", 2, "")
    second = history.start_session("daily", "standard", T0 - timedelta(days=1))  # an older start
    third = history.start_session("daily", "standard", T0 + timedelta(days=1))
    summaries = history.summaries()
    assert [s.session_id for s in summaries] == [third, first, second]
    assert summaries[1].hold_seconds == 75 and summaries[1].exercise_seconds == {"bridge": 30, "lunge": 45}
    assert (summaries[1].status, summaries[1].tightness_right) == ("completed", 2)
    with pytest.raises(TypeError):
        summaries[1].exercise_seconds["bridge"] = 0  # type: ignore[index]


def test_summaries_see_what_another_connection_committed(tmp_path: Path) -> None:
    writer = open_history(tmp_path)
    session = writer.start_session("daily", "standard", T0)
    reader = open_history(tmp_path, read_only=True)
    assert [s.hold_seconds for s in reader.summaries()] == [0]
    writer.add_record(session, hold(0, T0, actual=30))
    writer.end_session(session, "completed", T0 + timedelta(minutes=1))
    (summary,) = reader.summaries()
    assert (summary.hold_seconds, summary.status) == (30, "completed")
