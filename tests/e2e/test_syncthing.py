"""End to end with real Syncthing: two laptops, A and B, each with its own data folder and its own Syncthing
(own home and ports, on 127.0.0.1 only, no relays, no discovery), sharing one folder. Sessions are recorded
in a process of their own with the journal attached (as the app does with a sync folder set), and each
laptop merges with the real command line, ``psoas-desktop sync``; what it shows is read back with
``history --json`` and ``export --format json``.

Waiting on Syncthing is polling another process's visible state (files, command output) up to a deadline:
the deadline is the promise ("within 60 s"), never a measurement. Select these with ``-m e2e``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from helpers.syncthing import Syncthing, binary, pair, wait_until
from psoas_desktop.storage.journal import FOLDER_NAME, SUFFIX

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TESTS = Path(__file__).resolve().parents[1]
SHOWN_WITHIN_SECONDS = 60.0
CONNECT_SECONDS = 60.0
COMMAND_SECONDS = 120.0


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psoas_desktop", *args],
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )


@dataclass
class Laptop:
    name: str
    data_dir: Path
    config_dir: Path
    syncthing: Syncthing

    @property
    def sync_dir(self) -> Path:
        return self.syncthing.folder

    def start_recording(self, count: int, first: datetime) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "helpers.record_sessions",
                str(self.data_dir),
                str(self.sync_dir),
                str(count),
                first.isoformat(),
            ],
            cwd=TESTS,
            env={**_environment(), "PYTHONPATH": str(TESTS)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def record(self, count: int, first: datetime) -> list[str]:
        return recorded(self.start_recording(count, first))

    def sync(self) -> str:
        result = cli(
            "sync",
            "--data-dir",
            str(self.data_dir),
            "--config-dir",
            str(self.config_dir),
            "--sync-dir",
            str(self.sync_dir),
        )
        assert result.returncode == 0 and result.stderr == "", (result.returncode, result.stderr)
        return result.stdout

    def uuids(self) -> set[str]:
        """The sessions in its history file, as another process sees them (read-only)."""
        path = self.data_dir / "history.sqlite3"
        if not path.exists():
            return set()
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            return {str(row[0]) for row in conn.execute("SELECT uuid FROM sessions")}
        finally:
            conn.close()

    def history_devices(self) -> dict[str, int]:
        """`history --json`: each device's count of sessions."""
        result = cli("history", "--json", "--data-dir", str(self.data_dir))
        assert result.returncode == 0, result.stderr
        return {d["id"]: d["sessions"] for d in json.loads(result.stdout)["devices"]}

    def exported(self) -> dict[str, Any]:
        """`export --format json`: each session by UUID with its device and holds."""
        result = cli("export", "--format", "json", "--data-dir", str(self.data_dir))
        assert result.returncode == 0, result.stderr
        return {
            s["uuid"]: (
                s["device"],
                s["status"],
                [(e["exercise"], e["actual_seconds"]) for e in s["entries"]],
            )
            for s in json.loads(result.stdout)["sessions"]
        }

    def journals(self) -> dict[str, bytes]:
        folder = self.sync_dir / FOLDER_NAME
        if not folder.is_dir():
            return {}
        return {p.name: p.read_bytes() for p in folder.iterdir() if p.name.endswith(SUFFIX)}


def _environment() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def recorded(process: subprocess.Popen[str]) -> list[str]:
    out, err = process.communicate(timeout=COMMAND_SECONDS)
    assert process.returncode == 0, err
    answer = json.loads(out)
    assert answer["warnings"] == [] and answer["messages"] == [], answer
    return list(answer["uuids"])


def mirrored(*laptops: Laptop) -> bool:
    """Every laptop's copy of the folder holds the same journals, byte for byte (Syncthing is done)."""
    first, *others = (laptop.journals() for laptop in laptops)
    return bool(first) and all(other == first for other in others)


def shows(laptop: Laptop, wanted: set[str]) -> bool:
    """Merged once the journals have arrived: the command a person would run, then what it shows."""
    if not wanted <= set().union(*_journal_sessions(laptop)):
        return False
    laptop.sync()
    return wanted <= laptop.uuids()


def _journal_sessions(laptop: Laptop) -> list[set[str]]:
    found: list[set[str]] = [set()]
    for data in laptop.journals().values():
        for line in data.splitlines():
            if b'"type":"session"' in line and line.endswith(b"}"):
                found.append({json.loads(line)["uuid"]})
    return found


def connected(a: Syncthing, b: Syncthing) -> bool:
    return a.connected_to(b) and b.connected_to(a)


@pytest.fixture
def laptops(tmp_path: Path) -> Iterator[tuple[Laptop, Laptop]]:
    if binary() is None:
        pytest.skip("syncthing is not installed (the Debian package `syncthing`; .ci/run installs it)")
    st_a, st_b = pair(tmp_path)
    a = Laptop("A", tmp_path / "a" / "data", tmp_path / "a" / "config", st_a)
    b = Laptop("B", tmp_path / "b" / "data", tmp_path / "b" / "config", st_b)
    try:
        st_a.start()  # listening before B dials it: no redial to wait for
        assert wait_until(st_a.listening, CONNECT_SECONDS), st_a.log_tail()
        st_b.start()
        assert wait_until(lambda: connected(st_a, st_b), CONNECT_SECONDS), st_a.log_tail() + st_b.log_tail()
        yield a, b
    finally:
        st_b.stop()
        st_a.stop()


def past(days: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)


def test_sessions_recorded_on_a_show_on_b_within_a_minute(laptops: tuple[Laptop, Laptop]) -> None:
    a, b = laptops
    made = set(a.record(3, past(2)))
    assert len(made) == 3
    recorded_at = time.monotonic()
    assert wait_until(lambda: shows(b, made), SHOWN_WITHIN_SECONDS, every=0.2), (
        b.syncthing.log_tail(),
        b.journals().keys(),
    )
    assert time.monotonic() - recorded_at <= SHOWN_WITHIN_SECONDS
    assert b.uuids() == made
    (a_id,) = {device for device, _status, _holds in a.exported().values()}
    assert b.history_devices()[a_id] == 3
    assert b.exported() == a.exported()
    assert b.sync() == "merged 0 new sessions from 1 devices\n"  # safe to repeat: nothing doubled


def test_both_recording_at_the_same_time_converge(laptops: tuple[Laptop, Laptop]) -> None:
    a, b = laptops
    both = [a.start_recording(4, past(3)), b.start_recording(4, past(3) + timedelta(minutes=30))]
    made = set(recorded(both[0])) | set(recorded(both[1]))
    assert len(made) == 8
    again = [a.start_recording(2, past(1)), b.start_recording(2, past(1))]  # while the first still travel
    made |= set(recorded(again[0])) | set(recorded(again[1]))
    assert wait_until(lambda: mirrored(a, b), SHOWN_WITHIN_SECONDS, every=0.2), (a.journals(), b.journals())
    assert a.sync() == "merged 6 new sessions from 1 devices\n"
    assert b.sync() == "merged 6 new sessions from 1 devices\n"
    assert a.uuids() == b.uuids() == made
    assert a.exported() == b.exported()
    assert a.history_devices() == b.history_devices() and sorted(a.history_devices().values()) == [6, 6]


def test_a_laptop_whose_syncthing_was_stopped_catches_up(laptops: tuple[Laptop, Laptop]) -> None:
    a, b = laptops
    first = set(a.record(1, past(4)))
    assert wait_until(lambda: shows(b, first), SHOWN_WITHIN_SECONDS, every=0.2), b.syncthing.log_tail()
    b.syncthing.stop()
    while_away = set(a.record(3, past(2)))
    offline = set(b.record(2, past(2) + timedelta(minutes=20)))  # B records too, with nobody to send it to
    assert b.sync() == "merged 0 new sessions from 1 devices\n"  # really cut off
    assert b.uuids() == first | offline
    b.syncthing.start()
    assert wait_until(lambda: connected(a.syncthing, b.syncthing), CONNECT_SECONDS), b.syncthing.log_tail()
    assert wait_until(lambda: shows(b, while_away), SHOWN_WITHIN_SECONDS, every=0.2), b.syncthing.log_tail()
    assert wait_until(lambda: shows(a, offline), SHOWN_WITHIN_SECONDS, every=0.2), a.syncthing.log_tail()
    everything = first | while_away | offline
    assert a.uuids() == b.uuids() == everything  # nothing lost, nothing doubled
    assert a.exported() == b.exported()
