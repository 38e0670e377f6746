"""Crash snapshots: the files as a crash would leave them, taken from a real writer at random moments.

A child process saves holds through the real History API (one transaction each) and acknowledges each
one on its stdout after the COMMIT. At random points the test stops it (SIGSTOP), copies the database,
its -wal and its -shm to a snapshot folder, and lets it go on (SIGCONT). Each copy is then opened alone,
through History.open: it must open without repair, pass integrity_check, and hold every hold acknowledged
before it was taken.

This models a crash of the process (or a kill), not a power cut: what the process wrote is in the copy
even if the kernel had not yet put it on the disk. What a power cut keeps rests on synchronous=FULL
(the fsync at each COMMIT) and the disk honouring it; see "Durability" in docs/architecture.md.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from history_support import (
    Now,
    histories_are_closed,  # noqa: F401  (autouse: closes every History opened)
    only_cut_short,
    pragma,
)

from psoas_desktop.storage.history import History

WRITER = Path(__file__).with_name("history_writer.py")
FILES = ("history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm")
SNAPSHOTS = 30

pytestmark = pytest.mark.slow


def _take_snapshot(pid: int, data: Path, snapshot: Path) -> None:
    """The writer's files copied while it is stopped: one instant of its work, as a crash would leave it."""
    snapshot.mkdir()
    os.kill(pid, signal.SIGSTOP)
    try:
        for name in FILES:
            if (data / name).exists():
                shutil.copyfile(data / name, snapshot / name)
    finally:
        os.kill(pid, signal.SIGCONT)


def _saved_holds(history: History) -> list[int]:
    return [entry.phase_index for entries in history.all_entries().values() for entry in entries]


def test_every_crash_snapshot_opens_and_keeps_every_acknowledged_hold(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    data = tmp_path / "data"
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), str(data), "write", "--per-session", "7"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    acknowledged: list[int] = []
    taken: list[tuple[Path, list[int]]] = []
    try:
        opened = writer.stdout.readline()
        assert opened.startswith('{"opened"'), (seed, opened)
        for index in range(SNAPSHOTS):
            for _ in range(rng.randrange(6)):  # paced by acknowledgements, never by sleeping
                line = writer.stdout.readline()
                assert line.startswith("ack "), (seed, line)
                acknowledged.append(int(line.split()[1]))
            snapshot = tmp_path / f"snapshot-{index:02d}"
            _take_snapshot(writer.pid, data, snapshot)
            taken.append((snapshot, list(acknowledged)))
    finally:
        writer.kill()
        _, errors = writer.communicate(timeout=30)
    assert "Traceback" not in errors, errors
    assert acknowledged, f"nothing was acknowledged (seed {seed})"

    for snapshot, before in taken:
        result = History.open(snapshot, now=Now(datetime(2026, 3, 5, tzinfo=UTC)))
        history = result.history
        # A snapshot is a crash mid-session: the next start says so, and nothing else.
        cut_short = only_cut_short(result.messages)
        assert cut_short and not history.read_only, (seed, snapshot.name, result.messages)
        saved = _saved_holds(history)
        history.close()
        assert len(saved) == len(set(saved)), f"duplicates in {snapshot.name} (seed {seed})"
        lost = sorted(set(before) - set(saved))
        assert not lost, f"{snapshot.name} lost acknowledged holds {lost} (seed {seed})"
        assert pragma(snapshot / "history.sqlite3", "integrity_check") == "ok", (seed, snapshot.name)
