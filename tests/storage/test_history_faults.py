"""Faults with real processes and real files: SIGKILL mid-write, five kinds of damage, a read-only folder
(as an unprivileged user), a full disk (RLIMIT_FSIZE). Nothing that was acknowledged may be lost."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from history_support import (
    Now,
    fingerprint,
    histories_are_closed,  # noqa: F401  (autouse: closes every History opened)
    hold,
    only_cut_short,
    pragma,
    query,
)

from helpers.unprivileged import Child, python_child
from psoas_desktop.core.errors import KnownError
from psoas_desktop.storage.history import History

WRITER = Path(__file__).with_name("history_writer.py")
T0 = datetime(2026, 2, 20, 18, 0, tzinfo=UTC)

pytestmark = pytest.mark.slow


def spawn_writer(data_dir: Path, *args: str, child: Child | None = None) -> subprocess.Popen[str]:
    child = child or Child((sys.executable, str(WRITER)))
    return subprocess.Popen(
        [*child.command, str(data_dir), *args],
        env=child.env,
        cwd=child.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def acknowledged(lines: str) -> list[int]:
    """Numbers of the complete ``ack N`` lines (a line cut by the kill has no newline and does not count)."""
    complete = lines.split("\n")[:-1]
    return [int(line.split()[1]) for line in complete if line.startswith("ack ")]


def saved_numbers(data_dir: Path) -> list[int]:
    conn = sqlite3.connect(f"{(data_dir / 'history.sqlite3').as_uri()}?mode=ro", uri=True)
    try:
        return [int(row[0]) for row in conn.execute("SELECT phase_index FROM entries")]
    finally:
        conn.close()


# -- SIGKILL ------------------------------------------------------------------------------------------------


def test_every_acknowledged_hold_survives_sigkill(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    acked: list[int] = []
    for iteration in range(5):
        writer = spawn_writer(tmp_path, "write", "--first", str(iteration * 100_000), "--per-session", "7")
        assert writer.stdout is not None
        wanted = rng.choice([-1, 0, *range(1, 40)])  # -1: while starting/opening; else after that many acks
        seen = 0
        if wanted >= 0:
            opened = writer.stdout.readline()
            assert opened.startswith('{"opened"'), (
                seed,
                opened,
                writer.stderr.read() if writer.stderr else "",
            )
            while seen < wanted:
                line = writer.stdout.readline()
                assert line.startswith("ack "), (seed, line)
                acked.append(int(line.split()[1]))
                seen += 1
        writer.send_signal(signal.SIGKILL)
        rest, _ = writer.communicate(timeout=30)
        assert writer.returncode == -signal.SIGKILL, (seed, writer.returncode)
        acked += acknowledged(rest)

        result = History.open(tmp_path, now=lambda: datetime.now(UTC))
        history = result.history
        assert not history.read_only, (seed, result.messages)
        assert only_cut_short(result.messages), seed
        assert all(s.status in ("completed", "interrupted") for s in history.sessions()), seed
        history.close()
        numbers = saved_numbers(tmp_path)
        assert len(numbers) == len(set(numbers)), f"duplicates (seed {seed})"
        assert set(acked) <= set(numbers), f"lost {sorted(set(acked) - set(numbers))} (seed {seed})"
        assert pragma(tmp_path / "history.sqlite3", "quick_check") == "ok"
    assert acked, f"no iteration acknowledged anything (seed {seed})"


# -- damage ---------------------------------------------------------------------------------------------


def build_history_with_backup(data_dir: Path) -> tuple[list[int], list[int]]:
    """Day 1: sessions A. Day 2: the daily backup (holding A), then sessions B. Returns (A ids, B ids)."""
    now = Now(datetime(2026, 3, 1, 8, tzinfo=UTC))
    history = History.open(data_dir, now=now).history
    before = []
    for day in range(3):
        started = T0 + timedelta(days=day)
        session = history.start_session("daily", "standard", started)
        for i in range(20):
            history.add_record(session, hold(i, started + timedelta(seconds=40 * i)))
        history.end_session(session, "completed", started + timedelta(minutes=15))
        before.append(session)
    history.close()
    now.value = datetime(2026, 3, 2, 8, tzinfo=UTC)
    history = History.open(data_dir, now=now).history  # makes the day-2 backup with A
    after = []
    for day in range(5):
        started = datetime(2026, 3, 2, 9, tzinfo=UTC) + timedelta(hours=day)
        session = history.start_session("daily", "standard", started)
        for i in range(60):
            history.add_record(session, hold(i, started + timedelta(seconds=40 * i), exercise="x" * 200))
        after.append(session)
    history.close()
    return before, after


def damage_empty(db: Path) -> None:
    db.write_bytes(b"")


def damage_truncate(db: Path) -> None:
    os.truncate(db, db.stat().st_size // 3)


def damage_header(db: Path) -> None:
    with db.open("r+b") as f:
        f.write(b"this is no db!!\0")


def damage_middle_page(db: Path) -> None:
    pages = db.stat().st_size // 4096
    with db.open("r+b") as f:
        f.seek(4096 * (pages // 2))
        f.write(bytes((i * 7 + 3) % 256 for i in range(4096)))


# kind → (how, what the message gives as the reason)
DAMAGE: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "empty file": (damage_empty, ("the file is empty",)),
    "truncated file": (damage_truncate, ("malformed", "integrity check failed")),
    "bad header": (damage_header, ("file is not a database",)),
    "garbled middle page": (damage_middle_page, ("malformed", "integrity check failed")),
}


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_history_is_moved_aside_and_the_backup_restored(tmp_path: Path, kind: str) -> None:
    before, _after = build_history_with_backup(tmp_path)
    db = tmp_path / "history.sqlite3"
    damage, reasons = DAMAGE[kind]
    damage(db)
    damaged = fingerprint(db)
    now = Now(datetime(2026, 3, 5, 7, 30, tzinfo=UTC))
    result = History.open(tmp_path, now=now)
    history = result.history
    (message,) = result.messages
    aside = tmp_path / "history.sqlite3.corrupt-20260305T073000Z"
    assert "damaged" in message and aside.name in message and "2026-03-02" in message, message
    assert any(reason in message for reason in reasons), message
    # the newest session in the backup started 2026-02-22 18:00 UTC; "now" is 2026-03-05 07:30
    assert "after 2026-02-22" in message and "before 2026-03-05" in message and "may be missing" in message
    assert fingerprint(aside) == damaged  # kept as it was, for recovery by hand
    assert not history.read_only
    assert [s.id for s in history.sessions()] == before[::-1]  # everything in the backup is back
    assert all(len(history.entries(s)) == 20 for s in before)
    history.add_record(history.start_session("daily", "standard", now()), hold(0, now()))  # saving works
    history.close()
    assert pragma(db, "quick_check") == "ok"
    assert query(tmp_path / "backups" / "history-2026-03-05.sqlite3", "SELECT COUNT(*) FROM sessions") == [
        (3,)
    ]


def test_a_garbage_wal_never_destroys_a_good_history(tmp_path: Path) -> None:
    before, after = build_history_with_backup(tmp_path)
    db = tmp_path / "history.sqlite3"
    garbage = bytes((i * 13 + 5) % 256 for i in range(3 * 4096 + 100))
    (tmp_path / "history.sqlite3-wal").write_bytes(garbage)
    result = History.open(tmp_path, now=Now(datetime(2026, 3, 5, 7, 30, tzinfo=UTC)))
    message, *cut_short = result.messages  # the backup's sessions left running were cut short
    assert only_cut_short(cut_short), cut_short
    assert "write-ahead log was damaged" in message and "the history itself is fine" in message.lower()
    assert (tmp_path / "history.sqlite3-wal.corrupt-20260305T073000Z").read_bytes() == garbage
    history = result.history
    assert sorted(s.id for s in history.sessions()) == sorted(
        before + after
    )  # nothing restored, nothing lost
    assert sum(len(history.entries(s)) for s in after) == 5 * 60
    history.close()
    assert pragma(db, "quick_check") == "ok"


def test_damage_without_a_backup_starts_anew_and_keeps_the_damaged_file(tmp_path: Path) -> None:
    build_history_with_backup(tmp_path)
    shutil.rmtree(tmp_path / "backups")
    db = tmp_path / "history.sqlite3"
    damage_header(db)
    damaged = fingerprint(db)
    result = History.open(tmp_path, now=Now(datetime(2026, 3, 5, 7, 30, tzinfo=UTC)))
    (message,) = result.messages
    assert "No good backup" in message and "new, empty history" in message
    assert fingerprint(tmp_path / "history.sqlite3.corrupt-20260305T073000Z") == damaged
    assert result.history.sessions() == [] and not result.history.read_only


def test_a_damaged_backup_is_skipped_for_an_older_good_one(tmp_path: Path) -> None:
    before, _ = build_history_with_backup(tmp_path)
    backups = tmp_path / "backups"
    damage_header(backups / "history-2026-03-02.sqlite3")
    db = tmp_path / "history.sqlite3"
    damage_middle_page(db)
    result = History.open(tmp_path, now=Now(datetime(2026, 3, 5, 7, 30, tzinfo=UTC)))
    (message,) = result.messages
    assert "backup from 2026-03-01 was restored" in message
    assert "Workouts saved before 2026-03-05 07:30 (UTC) may be missing" in message  # day 1's backup is empty
    assert result.history.sessions() == []
    assert len(before) == 3


def test_a_repaired_history_opens_quietly_afterwards(tmp_path: Path) -> None:
    build_history_with_backup(tmp_path)
    damage_truncate(tmp_path / "history.sqlite3")
    History.open(tmp_path, now=Now(datetime(2026, 3, 5, tzinfo=UTC))).history.close()
    again = History.open(tmp_path, now=Now(datetime(2026, 3, 5, 1, tzinfo=UTC)))
    assert again.messages == ()
    assert [
        p.name for p in tmp_path.glob("history.sqlite3.corrupt-*") if not p.name.endswith(("-wal", "-shm"))
    ] == ["history.sqlite3.corrupt-20260305T000000Z"]


# -- read-only folder -----------------------------------------------------------------------------------------


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """pytest's tmp_path lives under a 0700 folder another user cannot enter."""
    path = Path(tempfile.mkdtemp(prefix="psoas-ro-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        path.chmod(0o755)
        shutil.rmtree(path)


def test_a_read_only_folder_shows_the_history_and_saves_nothing(world_readable_dir: Path) -> None:
    child = python_child(WRITER, world_readable_dir)  # as nobody, from copies it can read
    data = world_readable_dir / "data"
    history = History.open(data, now=Now()).history
    session = history.start_session("daily", "standard", T0)
    for i in range(4):
        history.add_record(session, hold(i, T0 + timedelta(minutes=i)))
    history.close()
    for path in (data, *data.rglob("*")):
        path.chmod(0o555 if path.is_dir() else 0o444)
    files = {p: fingerprint(p) for p in data.rglob("*") if p.is_file()}
    writer = spawn_writer(data, "readonly", child=child)
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0 and "Traceback" not in err, err
    opened, outcome = (json.loads(line) for line in out.splitlines())
    assert opened["read_only"] is True
    assert any("not being saved" in m and "read-only" in m for m in opened["messages"]), opened
    assert outcome["sessions"] == 1 and outcome["entries"] == 4  # still shown
    assert "Not saved" in outcome["error"] and "saved" not in outcome
    assert {p: fingerprint(p) for p in data.rglob("*") if p.is_file()} == files


# -- full disk ------------------------------------------------------------------------------------------------


def test_a_full_disk_raises_a_known_error_and_keeps_what_was_saved(tmp_path: Path) -> None:
    writer = spawn_writer(tmp_path, "fill", "--count", "400", "--limit-after", "12")
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0 and "Traceback" not in err, err
    errors = [line for line in out.splitlines() if line.startswith("error ")]
    assert len(errors) == 3 and all("Not saved" in e for e in errors), out[-500:]
    acked = acknowledged(out)
    assert len(acked) >= 12
    result = History.open(tmp_path, now=lambda: datetime.now(UTC))
    assert not result.history.read_only
    assert only_cut_short(result.messages), result.messages
    result.history.close()
    assert pragma(tmp_path / "history.sqlite3", "quick_check") == "ok"
    assert sorted(saved_numbers(tmp_path)) == acked  # every acknowledged hold, and only those


def test_a_write_error_mid_session_is_a_known_error_and_the_next_write_can_succeed(tmp_path: Path) -> None:
    history = History.open(tmp_path, now=Now()).history
    session = history.start_session("daily", "standard", T0)
    history.add_record(session, hold(0, T0))
    writer = history._writer
    assert writer is not None
    # Another process holds the write lock longer than the busy timeout allows: a transient failure.
    blocker = sqlite3.connect(tmp_path / "history.sqlite3", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    writer.submit(lambda conn: conn.execute("PRAGMA busy_timeout = 50")).result()
    with pytest.raises(KnownError, match="Not saved"):
        history.add_record(session, hold(1, T0 + timedelta(minutes=1)))
    blocker.execute("ROLLBACK")
    blocker.close()
    history.add_record(session, hold(1, T0 + timedelta(minutes=1)))
    assert [e.phase_index for e in history.entries(session)] == [0, 1]


def test_a_repair_that_cannot_finish_still_says_what_happened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_history_with_backup(tmp_path)
    damage_header(tmp_path / "history.sqlite3")

    def disk_full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)  # the restored copy cannot be put in place
    result = History.open(tmp_path, now=Now(datetime(2026, 3, 5, 7, 30, tzinfo=UTC)))
    moved, not_saving = result.messages
    assert "damaged" in moved and "history.sqlite3.corrupt-20260305T073000Z" in moved
    assert not_saving == "Workouts are not being saved: the disk is full."
    assert result.history.read_only and result.history.sessions() == []
    with pytest.raises(KnownError, match="disk is full"):
        result.history.start_session("daily", "standard", T0)
    monkeypatch.undo()
    # Space again: the next open finds no history file but a good backup, and restores it (never a silent
    # empty history while a backup exists).
    again = History.open(tmp_path, now=Now(datetime(2026, 3, 5, 8, tzinfo=UTC)))
    (message,) = again.messages
    assert "history.sqlite3 was missing" in message and "backup from 2026-03-02 was restored" in message
    assert not again.history.read_only and len(again.history.sessions()) == 3


def test_a_deleted_history_file_is_restored_from_the_backup_not_started_anew(tmp_path: Path) -> None:
    before, _ = build_history_with_backup(tmp_path)
    (tmp_path / "history.sqlite3").unlink()
    result = History.open(tmp_path, now=Now(datetime(2026, 3, 5, 7, 30, tzinfo=UTC)))
    (message,) = result.messages
    assert "was missing" in message and "may be missing" in message and "after 2026-02-22 18:00" in message
    assert [s.id for s in result.history.sessions()] == before[::-1]
