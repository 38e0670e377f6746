"""History at scale and under SIGKILL: ten years of heavy use, single-hold commit latency, summaries, and
real writer processes killed at random points (nothing acknowledged may be lost).

The ten-year history is built in a temporary folder inside the app's real data folder (platformdirs), and
removed afterwards: commit latency is an fsync, and an fsync on a tmpfs says nothing about the user's disk.
The filesystem type it ran on is printed (to stderr; stdout holds only the figures).

    python -m benchmarks.bench_history
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.report import emit, percentile
from psoas_desktop.core.catalog import Side
from psoas_desktop.core.engine import HoldRecord, PhaseStatus
from psoas_desktop.core.stats import weekly_stats
from psoas_desktop.storage.history import FILE_NAME, History
from psoas_desktop.storage.paths import resolve_paths

WRITER = Path(__file__).resolve().parents[1] / "tests" / "storage" / "history_writer.py"
EXERCISES = (
    "bridge",
    "kneeling-psoas-stretch",
    "low-lunge",
    "psoas-march",
    "supine-psoas-stretch",
    "pigeon",
    "frog",
    "butterfly",
    "standing-lunge",
    "leg-raise",
)
YEARS = 10
SESSIONS = 18_000
ENTRIES_PER_SESSION = (25, 36)  # ≈ 30.5 on average: ≈ 550,000 holds
END = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def filesystem_type(path: Path) -> str:
    """The type of the filesystem `path` is on: the innermost mount point holding it in /proc/self/mountinfo."""
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return "unknown"
    target = str(path.resolve())
    best, kind = "", "unknown"
    for line in lines:
        fields, _, rest = line.partition(" - ")
        mount_point = fields.split()[4].replace("\\040", " ")  # spaces are written as octal escapes
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):  # the later of two stacked mounts is the visible one
            best, kind = mount_point, rest.split()[0]
    return kind


@contextlib.contextmanager
def folder_on_the_data_disk() -> Iterator[Path]:
    """A temporary folder inside the app's real data folder; removed with everything in it afterwards (and
    the data folder too, if this made it)."""
    data_dir = resolve_paths().data_dir
    made = not data_dir.exists()
    data_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-history-", dir=data_dir))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if made:
            with contextlib.suppress(OSError):
                data_dir.rmdir()


def generate_ten_years(data_dir: Path, seed: int = 11) -> tuple[int, int]:
    """Fill a fresh history with ten years of heavy use in one transaction. Returns (sessions, entries)."""
    History.open(data_dir, now=lambda: END).history.close()  # the real schema, pragmas and ids
    rng = random.Random(seed)
    start = END - timedelta(days=365 * YEARS + YEARS // 4)
    span = (END - start).total_seconds()
    starts = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(SESSIONS))
    sessions = []
    entries = []
    checkins = []
    for session_id, started in enumerate(starts, start=1):
        offset = 7200 if 3 < started.month < 11 else 3600
        status = rng.choices(("completed", "stopped", "interrupted"), (85, 10, 5))[0]
        moment = started
        for index in range(rng.randint(*ENTRIES_PER_SESSION)):
            planned = float(rng.choice((20, 30, 45, 60)))
            actual = planned if rng.random() > 0.05 else planned * rng.random()
            entry_status = "completed" if actual == planned else "skipped"
            entries.append(
                (
                    session_id,
                    EXERCISES[(session_id + index // 4) % len(EXERCISES)],
                    rng.choice(("left", "right", None)),
                    1 + index % 3,
                    index % 10,
                    planned,
                    actual,
                    _text(moment),
                    offset,
                    entry_status,
                    index * 3 + 2,
                )
            )
            moment += timedelta(seconds=actual + 8)
        sessions.append(("daily", "standard", _text(started), offset, _text(moment), status))
        if rng.random() < 0.3:
            for side in ("left", "right"):
                checkins.append((session_id, side, rng.randint(0, 10), "", _text(moment)))
    conn = sqlite3.connect(data_dir / FILE_NAME, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO sessions (routine, level, started_utc, utc_offset_seconds, ended_utc, status)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            sessions,
        )
        conn.executemany(
            "INSERT INTO entries (session_id, exercise, side, set_number, rep, planned_seconds, actual_seconds,"
            " started_utc, utc_offset_seconds, status, phase_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            entries,
        )
        conn.executemany(
            "INSERT INTO checkins (session_id, side, tightness, note, created_utc) VALUES (?, ?, ?, ?, ?)",
            checkins,
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return len(sessions), len(entries)


def insert_latencies_ms(data_dir: Path, count: int = 200) -> list[float]:
    history = History.open(data_dir, now=lambda: END).history
    try:
        session = history.start_session("daily", "standard", END)
        latencies = []
        for index in range(count):
            record = HoldRecord(
                exercise="bridge",
                side=Side.LEFT,
                set=1,
                rep=index,
                planned_seconds=30.0,
                actual_seconds=30.0,
                started_utc=END + timedelta(seconds=40 * index),
                utc_offset_seconds=3600,
                status=PhaseStatus.COMPLETED,
                phase_index=index,
            )
            before = time.perf_counter()
            history.add_record(session, record)
            latencies.append((time.perf_counter() - before) * 1000)
        history.end_session(session, "completed", END + timedelta(hours=3))
    finally:
        history.close()
    return latencies


def summaries_ms(data_dir: Path) -> tuple[float, float]:
    """(cold, after one more hold) ms for History.summaries() plus weekly_stats over 52 weeks.

    Cold is the first call after open (the view is opened); the second is the refresh after a hold, which
    re-reads only the changed session.
    """

    def timed(history: History) -> float:
        before = time.perf_counter()
        weekly_stats(history.summaries(), 52, date(2026, 11, 23), UTC, 3)
        return (time.perf_counter() - before) * 1000

    history = History.open(data_dir, now=lambda: END).history
    try:
        cold = timed(history)
        session = history.sessions()[0].id
        record = HoldRecord(
            "bridge", None, 1, 1, 30.0, 30.0, END + timedelta(days=2), 3600, PhaseStatus.COMPLETED, 999
        )
        history.add_record(session, record)
        warm = timed(history)
    finally:
        history.close()
    return cold, warm


def open_ms(data_dir: Path, when: datetime) -> float:
    before = time.perf_counter()
    result = History.open(data_dir, now=lambda: when)
    elapsed = (time.perf_counter() - before) * 1000
    result.history.close()
    if result.messages:
        raise RuntimeError(f"unexpected messages at open: {result.messages}")
    return elapsed


def kill_test(iterations: int, seed: int = 5) -> tuple[int, int, int]:
    """SIGKILL a real writer at random points. Returns (iterations, acknowledged-but-lost, duplicates)."""
    rng = random.Random(seed)
    acked: set[int] = set()
    with tempfile.TemporaryDirectory(prefix="psoas-bench-kill-") as tmp:
        data_dir = Path(tmp)
        for iteration in range(iterations):
            writer = subprocess.Popen(
                [sys.executable, str(WRITER), str(data_dir), "write", "--first", str(iteration * 100_000)],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            assert writer.stdout is not None
            wanted = rng.choice([-1, *range(0, 60)])
            if wanted >= 0:
                writer.stdout.readline()  # opened
                for _ in range(wanted):
                    line = writer.stdout.readline()
                    if line.startswith("ack "):
                        acked.add(int(line.split()[1]))
            writer.send_signal(signal.SIGKILL)
            rest, _ = writer.communicate(timeout=60)
            acked.update(int(line.split()[1]) for line in rest.split("\n")[:-1] if line.startswith("ack "))
            History.open(data_dir, now=lambda: datetime.now(UTC)).history.close()  # recovery at open
        conn = sqlite3.connect(data_dir / FILE_NAME)
        try:
            numbers = [row[0] for row in conn.execute("SELECT phase_index FROM entries")]
        finally:
            conn.close()
    return iterations, len(acked - set(numbers)), len(numbers) - len(set(numbers))


def main() -> None:
    with folder_on_the_data_disk() as data_dir:
        print(
            f"history: measured in {data_dir} on filesystem type {filesystem_type(data_dir)}",
            file=sys.stderr,
            flush=True,
        )
        sessions, entries = generate_ten_years(data_dir)
        emit("history.sessions_10y", sessions, "count", None)
        emit("history.entries_10y", entries, "count", None)
        emit("history.db_mb_10y", (data_dir / FILE_NAME).stat().st_size / 1e6, "MB", None)
        first = open_ms(data_dir, END + timedelta(days=1))  # quick_check plus the day's backup
        emit("history.open_with_daily_backup_ms_10y", first, "ms", None)
        emit("history.open_ms_10y", open_ms(data_dir, END + timedelta(days=1, hours=1)), "ms", None)
        latencies = insert_latencies_ms(data_dir)
        emit("history.insert_ms_p50", percentile(latencies, 0.5), "ms", None)
        emit("history.insert_ms_p99", percentile(latencies, 0.99), "ms", "<= 10")
        cold, after_hold = statistics.median_low([summaries_ms(data_dir) for _ in range(3)])
        emit("history.summaries_ms_10y", cold, "ms", None)
        emit("history.summaries_after_hold_ms_10y", after_hold, "ms", None)
    iterations, lost, duplicates = kill_test(int(os.environ.get("PSOAS_BENCH_KILL_ITERATIONS", "100")))
    emit("history.kill_iterations", iterations, "count", None)
    emit("history.kill_lost_records", lost, "count", "== 0")
    emit("history.kill_duplicate_records", duplicates, "count", "== 0")


if __name__ == "__main__":
    main()
