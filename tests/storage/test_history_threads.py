"""The history's threads: writes run on the one writer thread and complete after their COMMIT, reads use
connections of their own and never wait for a write (nor a write for them), close saves what is queued and
joins the thread. No sleeps: threads are held and released with events; a time-out only bounds a wait."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from history_support import (
    Now,
    histories_are_closed,  # noqa: F401  (autouse: closes every History opened)
    hold,
    query,
)

from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.stats import SessionSummary
from psoas_desktop.storage import reading as reading_module
from psoas_desktop.storage.history import History
from psoas_desktop.storage.rows import load_summaries
from psoas_desktop.storage.writer import Writer, WriterClosedError

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WAIT = 30  # seconds: only bounds a wait for an event, never measures anything


def open_history(data_dir: Path) -> History:
    result = History.open(data_dir, now=Now())
    assert result.messages == ()
    return result.history


def test_writes_run_on_the_writer_thread_not_the_callers(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    writer = history._writer
    assert writer is not None and history.writer_thread is writer.thread
    assert writer.thread is not threading.current_thread() and writer.thread.is_alive()
    statements: list[tuple[threading.Thread, str]] = []
    writer.submit(
        lambda conn: conn.set_trace_callback(lambda sql: statements.append((threading.current_thread(), sql)))
    ).result()
    session = history.start_session("daily", "standard", T0)
    history.add_record(session, hold(0, T0))
    history.end_session(session, "completed", T0 + timedelta(minutes=1))
    history.add_checkin(session, None, 4, "")
    changed = {
        " ".join(sql.split()[:3]) for _thread, sql in statements if sql.startswith(("INSERT", "UPDATE"))
    }
    assert {
        "INSERT INTO sessions",
        "INSERT INTO entries",
        "UPDATE sessions SET",
        "INSERT INTO checkins",
    } <= changed
    assert {thread for thread, _sql in statements} == {writer.thread}


def test_a_write_completes_only_after_its_commit(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    db = tmp_path / "history.sqlite3"
    session = history.start_session("daily", "standard", T0)
    seen_at_completion: list[list[tuple[object, ...]]] = []
    read = threading.Event()

    def read_back(_done: Future[None]) -> None:
        # Runs the moment the future completes: what another connection sees then is on disk.
        seen_at_completion.append(query(db, "SELECT phase_index, status FROM entries"))
        read.set()

    gate = threading.Event()
    writer = history._writer
    assert writer is not None
    writer.submit(lambda _conn: gate.wait(WAIT))  # the writer waits, so the callback is in place first
    future = history.submit_record(session, hold(7, T0))
    future.add_done_callback(read_back)
    assert not future.done()
    gate.set()
    assert read.wait(WAIT)
    assert seen_at_completion == [[(7, "completed")]]


def test_a_read_in_progress_does_not_block_a_write(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    session = history.start_session("daily", "standard", T0)
    reading, release = threading.Event(), threading.Event()
    seen_by_the_long_read: list[int] = []

    def long_read() -> None:
        with history._reader.snapshot() as conn:
            assert conn is not None
            seen_by_the_long_read.append(conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
            reading.set()
            release.wait(WAIT)  # the read transaction stays open until the write is done
            seen_by_the_long_read.append(conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    reader = threading.Thread(target=long_read)
    reader.start()
    try:
        assert reading.wait(WAIT)
        saved = history.submit_record(session, hold(0, T0))
        saved.result(timeout=WAIT)  # committed while the read is still open
        assert reader.is_alive() and not release.is_set()
        assert len(history.entries(session)) == 1  # a second reader, beside the open one, sees it
    finally:
        release.set()
        reader.join(WAIT)
    assert seen_by_the_long_read == [0, 0]  # the long read kept its snapshot


def test_a_slow_summaries_read_does_not_hold_back_a_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold summaries() of ten years takes a few hundred ms; the writer's 'changed' report after each
    COMMIT must not wait for it."""
    history = open_history(tmp_path)
    session = history.start_session("daily", "standard", T0)
    history.summaries()  # a cache to update
    loading, release = threading.Event(), threading.Event()

    def slow_load(conn: sqlite3.Connection, session_ids: list[int] | None) -> list[SessionSummary]:
        loading.set()
        release.wait(WAIT)
        return load_summaries(conn, session_ids)

    history.add_record(session, hold(0, T0))  # so the next summaries() has a change to read
    monkeypatch.setattr(reading_module, "load_summaries", slow_load)
    reader = threading.Thread(target=history.summaries)
    reader.start()
    try:
        assert loading.wait(WAIT)
        history.submit_record(session, hold(1, T0 + timedelta(seconds=40))).result(timeout=WAIT)
        assert reader.is_alive() and not release.is_set()  # the write went through during the read
    finally:
        release.set()
        reader.join(WAIT)
    monkeypatch.undo()
    assert [s.hold_seconds for s in history.summaries()] == [
        s.hold_seconds for s in fresh_summaries(tmp_path)
    ]


def fresh_summaries(data_dir: Path) -> list[SessionSummary]:
    return open_history_read_only(data_dir).summaries()


def test_holds_queue_behind_their_sessions_start_without_waiting_for_it(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    started = history.submit_start_session("daily", "standard", T0)
    holds = [history.submit_record(started, hold(i, T0 + timedelta(minutes=i))) for i in range(3)]
    ended = history.submit_end_session(started, "completed", T0 + timedelta(minutes=5))
    checkin = history.submit_checkin(started, "left", 3, "fine")
    for future in (*holds, ended, checkin):
        future.result(timeout=WAIT)
    session = started.result()
    assert [e.phase_index for e in history.entries(session)] == [0, 1, 2]
    assert [(s.id, s.status) for s in history.sessions()] == [(session, "completed")]
    assert [(c.side, c.tightness) for c in history.checkins(session)] == [("left", 3)]


def test_a_start_that_failed_fails_its_holds_with_the_same_message(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    blocked: Future[int] = Future()
    blocked.set_exception(KnownError("Not saved: the disk is full."))
    with pytest.raises(KnownError, match="disk is full"):
        history.submit_record(blocked, hold(0, T0)).result(timeout=WAIT)
    with pytest.raises(KnownError, match="disk is full"):
        history.submit_end_session(blocked, "stopped", T0).result(timeout=WAIT)
    assert history.sessions() == [] and query(tmp_path / "history.sqlite3", "SELECT * FROM entries") == []


def test_close_saves_what_is_queued_and_joins_the_writer_thread(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    session = history.start_session("daily", "standard", T0)
    thread = history.writer_thread
    assert thread is not None
    queued = [history.submit_record(session, hold(i, T0 + timedelta(seconds=i))) for i in range(50)]
    history.close()
    assert not thread.is_alive() and history.writer_thread is None
    assert all(future.done() and future.exception() is None for future in queued)
    assert query(tmp_path / "history.sqlite3", "SELECT COUNT(*) FROM entries") == [(50,)]
    with pytest.raises(KnownError, match="closed"):
        history.submit_record(session, hold(99, T0)).result(timeout=WAIT)
    assert history.sessions() == [] and history.summaries() == []  # closed: nothing to read
    history.flush()  # harmless after close


def test_summaries_never_miss_a_write_that_committed_during_a_read(tmp_path: Path) -> None:
    """A reader builds the cache while the writer commits: each change is either in that read or re-read
    by the next one (whatever the interleaving, the final answer is the file's)."""
    history = open_history(tmp_path)
    session = history.start_session("daily", "standard", T0)
    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_reading() -> None:
        try:
            while not stop.is_set():
                history.summaries()
        except BaseException as error:
            errors.append(error)

    reader = threading.Thread(target=keep_reading)
    reader.start()
    try:
        for i in range(60):
            history.add_record(session, hold(i, T0 + timedelta(seconds=40 * i), actual=10))
            if i % 20 == 19:
                session = history.start_session("daily", "standard", T0 + timedelta(days=i))
    finally:
        stop.set()
        reader.join(WAIT)
    assert errors == []
    fresh = open_history_read_only(tmp_path).summaries()
    assert [(s.session_id, s.hold_seconds) for s in history.summaries()] == [
        (s.session_id, s.hold_seconds) for s in fresh
    ]
    assert sum(s.hold_seconds for s in fresh) == 600


def open_history_read_only(data_dir: Path) -> History:
    return History.open(data_dir, now=Now(), read_only=True).history


def test_concurrent_readers_each_get_a_connection_of_their_own(tmp_path: Path) -> None:
    history = open_history(tmp_path)
    history.start_session("daily", "standard", T0)
    reader = history._reader
    with reader.snapshot() as first, reader.snapshot() as second:
        assert first is not None and second is not None and first is not second
        assert first.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            second.execute("DELETE FROM sessions")
    with reader.snapshot() as again:
        assert again in (first, second)  # given back and reused, not a new one per read


def test_a_failing_job_fails_its_future_and_the_writer_goes_on(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "plain.sqlite3", check_same_thread=False)
    closed_with: list[sqlite3.Connection] = []
    writer = Writer(conn, on_close=closed_with.append, name="test-writer")
    try:

        def boom(_conn: sqlite3.Connection) -> None:
            raise RuntimeError("a bug in a job")

        with pytest.raises(RuntimeError, match="a bug in a job"):
            writer.submit(boom).result(timeout=WAIT)
        assert writer.submit(lambda c: c.execute("SELECT 41 + 1").fetchone()[0]).result(timeout=WAIT) == 42
    finally:
        writer.close()
    assert closed_with == [conn] and not writer.thread.is_alive()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")  # closed by the writer thread
    with pytest.raises(WriterClosedError):
        writer.submit(lambda c: None)
    writer.close()  # twice is fine
