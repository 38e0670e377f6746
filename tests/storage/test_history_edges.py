"""The history's rarer paths, each on real files: folders that cannot be made, writers that fail while
opening, read-only fallbacks, backups that cannot be made or used, what SQLite's errors say to a user,
the data paths, and the writer's corners (a cancelled job, a close from its own thread)."""

from __future__ import annotations

import errno
import sqlite3
import threading
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path

import pytest
from history_support import (
    Now,
    histories_are_closed,  # noqa: F401  (autouse: closes every History opened)
    hold,
)

from psoas_desktop.core.errors import KnownError
from psoas_desktop.storage import export, recovery, schema, wal_check
from psoas_desktop.storage.history import History, HistoryError
from psoas_desktop.storage.paths import APP_NAME, resolve_paths
from psoas_desktop.storage.writer import Writer

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WAIT = 30  # seconds: only bounds a wait for an event


def make_history(data_dir: Path, sessions: int = 1) -> None:
    history = History.open(data_dir, now=Now()).history
    for _ in range(sessions):
        session = history.start_session("daily", "standard", T0)
        history.add_record(session, hold(0, T0))
    history.close()


# -- opening --------------------------------------------------------------------------------------------------


def test_a_data_folder_that_cannot_be_made_opens_an_empty_read_only_history(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    result = History.open(tmp_path / "a-file" / "data", now=Now())
    assert result.history.read_only and result.history.sessions() == []
    (message,) = result.messages
    assert message.startswith("Workouts are not being saved: the data folder cannot be created")


def test_a_disk_error_while_opening_the_writer_keeps_what_can_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_history(tmp_path)

    def failing(conn: sqlite3.Connection, now: datetime) -> list[str]:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(recovery, "mark_interrupted", failing)
    result = History.open(tmp_path, now=Now())
    assert result.history.read_only and len(result.history.sessions()) == 1
    assert result.messages == ("Workouts are not being saved: disk I/O error.",)


def test_a_folder_without_write_ahead_logging_says_so_and_saves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_history(tmp_path)
    original = schema.configure_writer

    def no_wal(conn: sqlite3.Connection) -> None:
        if conn.execute("PRAGMA database_list").fetchone()[2].endswith(schema.FILE_NAME):
            raise HistoryError("The history database cannot use write-ahead logging here.")
        original(conn)

    monkeypatch.setattr(schema, "configure_writer", no_wal)
    result = History.open(tmp_path, now=Now())
    assert result.history.read_only
    assert result.messages == ("The history database cannot use write-ahead logging here.",)
    with pytest.raises(KnownError, match="write-ahead"):
        result.history.start_session("daily", "standard", T0)


def test_the_real_wal_check_refuses_a_database_that_cannot_use_it() -> None:
    conn = sqlite3.connect(":memory:")  # an in-memory database answers journal mode 'memory'
    try:
        with pytest.raises(HistoryError, match="network drive"):
            schema.configure_writer(conn)
    finally:
        conn.close()


def test_a_file_still_damaged_after_repair_is_shown_as_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_history(tmp_path)

    def always_damaged(path: Path) -> schema.Inspection:
        raise schema.DamagedError("the integrity check failed: page 2")

    monkeypatch.setattr(recovery, "inspect_file", always_damaged)
    result = History.open(tmp_path, now=Now())
    assert result.history.read_only
    assert result.messages[-1].startswith("Workouts are not being saved: the history file is damaged")


def test_a_read_only_open_of_a_damaged_or_unreadable_file_says_so(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / schema.FILE_NAME).write_bytes(b"x" * 4096)
    result = History.open(damaged, now=Now(), read_only=True)
    assert result.messages == ("The history cannot be shown: file is not a database.",)
    assert result.history.sessions() == [] and result.history.checkins() == []
    unreadable = tmp_path / "unreadable"
    (unreadable / schema.FILE_NAME).mkdir(parents=True)  # a folder where the file should be
    result = History.open(unreadable, now=Now(), read_only=True)
    (message,) = result.messages
    assert message.startswith("The history cannot be read:")
    assert result.history.entries(1) == [] and result.history.all_entries() == {}


def test_a_read_only_open_falls_back_to_immutable_only_with_an_empty_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a read-only folder does (no -shm can be made), shown in-process with a refusing connect."""
    make_history(tmp_path, sessions=2)
    modes: list[str] = []
    original = schema.connect

    def no_plain_read_only(path: Path, *, mode: str = "rw") -> sqlite3.Connection:
        modes.append(mode)
        if mode == "ro":
            raise sqlite3.OperationalError("unable to open database file")
        return original(path, mode=mode)

    monkeypatch.setattr(schema, "connect", no_plain_read_only)
    result = History.open(tmp_path, now=Now(), read_only=True)
    assert result.messages == () and len(result.history.sessions()) == 2
    assert modes[:2] == ["ro", "immutable"]
    result.history.close()
    (tmp_path / "history.sqlite3-wal").write_bytes(b"saved work not yet in the file")
    result = History.open(tmp_path, now=Now(), read_only=True)  # immutable would not see it: refused
    (message,) = result.messages
    assert message.startswith("The history cannot be read:")


def test_a_read_only_open_retries_immutable_when_the_first_check_cannot_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_history(tmp_path)
    original = schema.inspect
    calls: list[int] = []

    def first_fails(conn: sqlite3.Connection) -> schema.Inspection:
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return original(conn)

    monkeypatch.setattr(schema, "inspect", first_fails)
    result = History.open(tmp_path, now=Now(), read_only=True)
    assert result.messages == () and len(result.history.sessions()) == 1 and len(calls) == 2


def test_a_read_only_open_of_an_older_schema_asks_for_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_history(tmp_path)
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, ("SELECT 1",)))
    result = History.open(tmp_path, now=Now(), read_only=True)
    assert result.messages == (
        "The history cannot be shown: it needs an upgrade that a read-only open cannot do.",
    )


def test_a_backup_that_cannot_be_made_is_reported_and_saving_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(conn: sqlite3.Connection, target: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(schema, "backup_to", disk_full)
    result = History.open(tmp_path, now=Now())
    assert result.messages == ("Today's backup of the history could not be made: the disk is full.",)
    assert not result.history.read_only
    result.history.start_session("daily", "standard", T0)


def test_damage_twice_in_the_same_second_keeps_both_damaged_files(tmp_path: Path) -> None:
    now = Now(datetime(2026, 3, 5, 7, 30, tzinfo=UTC))
    for content in (b"first damage" * 400, b"second damage" * 400):
        make_history(tmp_path)
        (tmp_path / schema.FILE_NAME).write_bytes(content)
        History.open(tmp_path, now=now).history.close()
    names = sorted(p.name for p in tmp_path.glob("history.sqlite3.corrupt-*"))
    assert names == ["history.sqlite3.corrupt-20260305T073000Z", "history.sqlite3.corrupt-20260305T073000Z-1"]


def test_unusable_backups_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_history(tmp_path)
    backups = tmp_path / recovery.BACKUP_DIR
    (backup,) = backups.iterdir()
    newer = backups / "history-2026-03-03.sqlite3"
    newer.write_bytes(backup.read_bytes())
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")  # from a newer app
    conn.close()
    (backups / "history-2026-03-04.sqlite3").mkdir()  # cannot even be opened
    (tmp_path / schema.FILE_NAME).unlink()
    result = History.open(tmp_path, now=Now(datetime(2026, 3, 5, tzinfo=UTC)))
    (message,) = result.messages
    assert "backup from 2026-03-01 was restored" in message
    assert (
        recovery.backup_date(newer) == datetime(2026, 3, 3).date() and recovery.backup_date(tmp_path) is None
    )


def test_wal_headers_are_judged_by_their_magic_and_checksum(tmp_path: Path) -> None:
    wal = tmp_path / "x-wal"
    assert not wal_check.wal_header_is_garbage(wal)  # none
    wal.write_bytes(b"")
    assert not wal_check.wal_header_is_garbage(wal)  # empty: nothing to lose
    wal.write_bytes(b"\x37\x7f\x06\x82short")
    assert wal_check.wal_header_is_garbage(wal)
    make_history(tmp_path / "real")
    history = History.open(tmp_path / "real", now=Now()).history
    history.start_session("daily", "standard", T0)
    real_wal = tmp_path / "real" / "history.sqlite3-wal"
    assert real_wal.stat().st_size > 32 and not wal_check.wal_header_is_garbage(real_wal)
    history.close()


def test_what_sqlite_errors_say_to_a_user() -> None:
    def error(name: str) -> sqlite3.Error:
        exc = sqlite3.OperationalError(f"some {name}")
        exc.sqlite_errorname = name
        return exc

    assert schema.write_reason(error("SQLITE_FULL")) == "the disk is full"
    assert schema.write_reason(OSError(errno.EDQUOT, "quota")) == "the disk is full"
    assert schema.write_reason(error("SQLITE_READONLY_DBMOVED")) == "the data folder is read-only"
    assert schema.write_reason(OSError(errno.EROFS, "ro")) == "the data folder is read-only"
    assert schema.write_reason(error("SQLITE_IOERR_FSYNC")).startswith("the disk reported an error")
    assert "restart the app" in schema.write_reason(error("SQLITE_CORRUPT"))
    assert schema.write_reason(error("SQLITE_BUSY")) == "some SQLITE_BUSY"


def test_a_backup_copy_that_fails_leaves_no_half_file(tmp_path: Path) -> None:
    make_history(tmp_path)
    source = schema.connect(tmp_path / schema.FILE_NAME, mode="ro")
    source.close()  # a closed connection cannot be copied
    target = tmp_path / "copy.sqlite3"
    with pytest.raises(sqlite3.ProgrammingError):
        schema.backup_to(source, target)
    assert not target.exists() and not target.with_name("copy.sqlite3.tmp").exists()


# -- reading ---------------------------------------------------------------------------------------------------


def test_a_reader_that_cannot_connect_raises_a_known_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_history(tmp_path)
    history = History.open(tmp_path, now=Now()).history

    def refuse(path: Path, *, mode: str = "rw") -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(schema, "connect", refuse)
    with pytest.raises(KnownError, match="cannot be read: unable to open"):
        history.sessions()


def test_a_failing_read_raises_a_known_error_and_gives_its_connection_back(tmp_path: Path) -> None:
    make_history(tmp_path)
    history = History.open(tmp_path, now=Now()).history
    reader = history._reader
    used: list[sqlite3.Connection] = []

    def bad_query() -> None:
        with reader.snapshot() as conn:
            assert conn is not None
            used.append(conn)
            conn.execute("SELECT * FROM no_such_table")

    with pytest.raises(HistoryError, match="cannot be read: no such table"):
        bad_query()
    with reader.snapshot() as conn:
        assert conn is used[0]  # given back, rolled back: it can begin again
    stuck = schema.connect(tmp_path / schema.FILE_NAME, mode="ro")
    stuck.execute("BEGIN")
    reader._idle.append(stuck)  # a connection somehow left inside a transaction

    def begin_fails() -> None:
        with reader.snapshot():
            pass

    with pytest.raises(HistoryError, match="cannot be read"):
        begin_fails()


def test_a_reader_given_back_after_close_is_closed(tmp_path: Path) -> None:
    make_history(tmp_path)
    history = History.open(tmp_path, now=Now()).history
    with history._reader.snapshot() as conn:
        assert conn is not None
        history.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")


# -- writing ---------------------------------------------------------------------------------------------------


def test_a_hold_submitted_before_its_start_is_a_bug_not_a_wait(tmp_path: Path) -> None:
    history = History.open(tmp_path, now=Now()).history
    never: Future[int] = Future()
    with pytest.raises(RuntimeError, match="before its start"):
        history.submit_record(never, hold(0, T0)).result(timeout=WAIT)


def test_a_writer_closed_behind_the_historys_back_refuses_with_a_known_error(tmp_path: Path) -> None:
    history = History.open(tmp_path, now=Now()).history
    writer = history._writer
    assert writer is not None
    writer.close()
    with pytest.raises(KnownError, match="closed"):
        history.submit_start_session("daily", "standard", T0).result(timeout=WAIT)


def test_a_cancelled_job_never_runs_and_close_from_the_writer_thread_does_not_deadlock(
    tmp_path: Path,
) -> None:
    conn = sqlite3.connect(tmp_path / "plain.sqlite3", check_same_thread=False)
    writer = Writer(conn)  # no on_close hook
    gate = threading.Event()
    ran: list[str] = []
    writer.submit(lambda _c: gate.wait(WAIT))
    cancelled = writer.submit(lambda _c: ran.append("cancelled job"))
    assert cancelled.cancel()
    closing = writer.submit(lambda _c: writer.close())  # from the writer thread itself: no join
    gate.set()
    closing.result(timeout=WAIT)
    writer.close()
    assert ran == [] and not writer.thread.is_alive()


# -- paths and export ---------------------------------------------------------------------------------------


def test_paths_default_to_platformdirs_and_follow_overrides(tmp_path: Path) -> None:
    default = resolve_paths()
    assert default.data_dir.name == APP_NAME and default.config_dir.name == APP_NAME
    chosen = resolve_paths(tmp_path / "d", tmp_path / "c")
    assert (chosen.data_dir, chosen.config_dir) == (tmp_path / "d", tmp_path / "c")
    assert chosen.log_file == tmp_path / "d" / "psoas-desktop.log"
    assert resolve_paths(Path("~/x")).data_dir == Path.home() / "x"


def test_an_unknown_export_format_is_refused() -> None:
    assert export.render([], "csv").startswith("session_id,")
    with pytest.raises(ValueError, match="unknown export format 'xml'; use one of csv, json"):
        export.render([], "xml")
