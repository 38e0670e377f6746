"""Sync at scale: the first merge of three other devices' ten-year journals, one new session arriving later,
and the cost of appending one event to this device's journal.

* ``sync.initial_merge_s_3x10y`` ≤ 20: a fresh history merges three other devices' journals of ten years
  each (18,000 sessions of ~30 holds per device: ~54,000 sessions and ~1.6 million holds in all), exactly
  as the app does it: ``History.submit_merge`` on the writer thread, with a progress callback, timed from
  submit until its future is done (the COMMIT included).
* ``sync.incremental_merge_ms_p99`` ≤ 50: then, many times over, one other device appends one new session
  (its start, ~30 holds, its end, a check-in) to its journal and the history merges the folder again.
* ``sync.journal_append_ms_p99`` ≤ 10: one hold event appended to this device's journal by
  ``Journal.append`` on the history's writer thread, fsync included (timed around the append inside a
  writer-thread action). The whole hold as the app saves it with a journal attached (the SQLite COMMIT and
  its fsync, then the journal's append and its fsync, from submit until the future is done) is the
  reference figure ``sync.hold_with_journal_ms_p99``.

The journals are written line by line in the journal format (``journal.line``, the same bytes a History
writes) by a generator whose time is not measured. Everything lives in a temporary folder inside the app's
real data folder, as in bench_history (an fsync on a tmpfs says nothing), and is removed afterwards.

    python -m benchmarks.bench_sync
"""

from __future__ import annotations

import os
import random
import resource
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.bench_history import EXERCISES, filesystem_type, folder_on_the_data_disk
from benchmarks.report import emit, percentile
from psoas_desktop.core.catalog import Side
from psoas_desktop.core.engine import HoldRecord, PhaseStatus
from psoas_desktop.storage import sync_events
from psoas_desktop.storage.history import History
from psoas_desktop.storage.journal import Event, Journal, journal_folder, journal_path, line
from psoas_desktop.storage.merge import MergeResult

DEVICES = 3
YEARS = 10
SESSIONS = 18_000  # per device
HOLDS_PER_SESSION = (25, 36)  # ≈ 30.5 on average: ≈ 550,000 holds per device
CHECKIN_SHARE = 0.3
TOMBSTONES = 20  # per device: sessions recorded by mistake and deleted
END = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
INCREMENTAL_RUNS = int(os.environ.get("PSOAS_BENCH_SYNC_INCREMENTAL_RUNS", "200"))
APPEND_RUNS = int(os.environ.get("PSOAS_BENCH_SYNC_APPEND_RUNS", "300"))


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def session_events(
    rng: random.Random, device: str, started: datetime, number: int
) -> tuple[list[Event], str, str]:
    """One session as its device journals it: start, holds, end, maybe a check-in per side. Returns the
    events, the session's UUID and its end time."""
    session = _uuid(rng)
    offset = 7200 if 3 < started.month < 11 else 3600
    events: list[Event] = [
        {
            "type": "session",
            "uuid": session,
            "device": device,
            "routine": "daily",
            "level": "standard",
            "started_utc": _text(started),
            "utc_offset_seconds": offset,
            "routine_name": None,
            "routine_hash": None,
            "dose_hash": None,
        }
    ]
    moment = started
    for index in range(rng.randint(*HOLDS_PER_SESSION)):
        planned = float(rng.choice((20, 30, 45, 60)))
        actual = planned if rng.random() > 0.05 else round(planned * rng.random(), 3)
        events.append(
            {
                "type": "hold",
                "device": device,
                "session": session,
                "exercise": EXERCISES[(number + index // 4) % len(EXERCISES)],
                "side": rng.choice(("left", "right", None)),
                "set_number": 1 + index % 3,
                "rep": index % 10,
                "planned_seconds": planned,
                "actual_seconds": actual,
                "started_utc": _text(moment),
                "utc_offset_seconds": offset,
                "status": "completed" if actual == planned else "skipped",
                "phase_index": index * 3 + 2,
            }
        )
        moment += timedelta(seconds=actual + 8)
    status = rng.choices(("completed", "stopped", "interrupted"), (85, 10, 5))[0]
    events.append(
        {"type": "end", "device": device, "session": session, "status": status, "ended_utc": _text(moment)}
    )
    if rng.random() < CHECKIN_SHARE:
        for side in ("left", "right"):
            events.append(
                {
                    "type": "checkin",
                    "uuid": _uuid(rng),
                    "device": device,
                    "session": session,
                    "side": side,
                    "tightness": rng.randint(0, 10),
                    "note": "",
                    "created_utc": _text(moment),
                }
            )
    return events, session, _text(moment)


def write_ten_years(sync_dir: Path, device: str, name: str, seed: int) -> tuple[int, int]:
    """One device's journal of ten years of heavy use. Returns (sessions, holds) written."""
    rng = random.Random(seed)
    start = END - timedelta(days=365 * YEARS + YEARS // 4)
    span = (END - start).total_seconds()
    starts = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(SESSIONS))
    deleted = set(rng.sample(range(SESSIONS), TOMBSTONES))
    holds = 0
    path = journal_path(sync_dir, device)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(line({"type": "device", "device": device, "id": device, "name": name}))
        for number, started in enumerate(starts):
            events, session, ended = session_events(rng, device, started, number)
            holds += sum(event["type"] == "hold" for event in events)
            if number in deleted:
                events.append(
                    {"type": "tombstone", "device": device, "session": session, "deleted_utc": ended}
                )
            out.write(b"".join(line(event) for event in events))
    return SESSIONS, holds


class ProgressLog:
    """The merge's progress callback (called on the writer thread): every (done, total) it reported."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """This process's CPU time and its finished children's (the merge's helper process, stopped by then)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def initial_merge(history: History, sync_dir: Path) -> tuple[float, float, MergeResult, ProgressLog]:
    """(wall seconds, CPU seconds, result, progress): the CPU time of the writer thread (this one waits) and of
    the helper process that reads long journals meanwhile; a wall time near it shows another process's load,
    under it, the two cores at work."""
    progress = ProgressLog()
    before, cpu = time.perf_counter(), _cpu_seconds()
    result = history.submit_merge(sync_dir, progress).result()
    return time.perf_counter() - before, _cpu_seconds() - cpu, result, progress


def incremental_merges_ms(history: History, sync_dir: Path, devices: list[str], runs: int) -> list[float]:
    """Each run: one other device journals one new session (with fsync, as it would), then we merge."""
    rng = random.Random(23)
    latencies = []
    for run in range(runs):
        device = devices[run % len(devices)]
        started = END + timedelta(hours=6 * (run + 1))
        events, _session, _ended = session_events(rng, device, started, run)
        Journal(sync_dir, device).append(events)
        before = time.perf_counter()
        result = history.submit_merge(sync_dir).result()
        latencies.append((time.perf_counter() - before) * 1000)
        if result.new_sessions != 1 or result.warnings:
            raise RuntimeError(f"incremental merge {run}: {result.new_sessions} new, {result.warnings}")
    return latencies


def _hold(index: int) -> HoldRecord:
    return HoldRecord(
        exercise="bridge",
        side=Side.LEFT if index % 2 else Side.RIGHT,
        set=1 + index % 3,
        rep=index % 10,
        planned_seconds=30.0,
        actual_seconds=30.0,
        started_utc=END + timedelta(days=400, seconds=40 * index),
        utc_offset_seconds=3600,
        status=PhaseStatus.COMPLETED,
        phase_index=index,
    )


def journal_appends_ms(history: History, journal: Journal, runs: int) -> list[float]:
    """Journal.append of one hold event, fsync included, timed on the writer thread (where the app runs it)."""
    session = history.start_session("daily", "standard", END + timedelta(days=399))
    uuid_, device = history._submit(lambda conn, _touched: sync_events.session_uuid(conn, session)).result()
    latencies = []
    for index in range(runs):
        hold = _hold(100_000 + index)
        row = (
            hold.exercise,
            str(hold.side),
            hold.set,
            hold.rep,
            hold.planned_seconds,
            hold.actual_seconds,
            _text(hold.started_utc),
            hold.utc_offset_seconds,
            str(hold.status),
            hold.phase_index,
        )
        event = sync_events.hold_event(uuid_, device, row)

        def append(_conn: sqlite3.Connection, _touched: set[int], event: Event = event) -> float:
            before = time.perf_counter()
            journal.append([event])
            return (time.perf_counter() - before) * 1000

        # On the writer thread, as the app appends (inside an empty transaction: only the append is timed).
        latencies.append(history._submit(append).result())
    history.end_session(session, "completed", END + timedelta(days=400, hours=4))
    return latencies


def holds_with_journal_ms(history: History, runs: int) -> list[float]:
    """A hold saved as the app saves it with a journal attached: from submit until its future is done."""
    session = history.start_session("daily", "standard", END + timedelta(days=400))
    latencies = []
    for index in range(runs):
        before = time.perf_counter()
        future: Future[None] = history.submit_record(session, _hold(index))
        future.result()
        latencies.append((time.perf_counter() - before) * 1000)
    history.end_session(session, "completed", END + timedelta(days=401))
    return latencies


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from handle


def main() -> None:
    with folder_on_the_data_disk() as folder:
        data_dir, sync_dir = folder / "data", folder / "Sync"
        print(
            f"sync: measured in {folder} on filesystem type {filesystem_type(folder)}",
            file=sys.stderr,
            flush=True,
        )
        rng = random.Random(3)
        others = [_uuid(rng) for _ in range(DEVICES)]
        sessions = holds = 0
        generating = time.perf_counter()
        for number, device in enumerate(others):
            made, held = write_ten_years(sync_dir, device, f"laptop-{number + 1}", seed=100 + number)
            sessions, holds = sessions + made, holds + held
        size_mb = sum(p.stat().st_size for p in journal_folder(sync_dir).iterdir()) / 1e6
        print(
            f"sync: {DEVICES} journals ({size_mb:.0f} MB) written in {time.perf_counter() - generating:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        emit("sync.sessions_3x10y", sessions, "count", None)
        emit("sync.holds_3x10y", holds, "count", None)
        emit("sync.journals_mb_3x10y", size_mb, "MB", None)
        history = History.open(data_dir, now=lambda: END).history
        try:
            rss_before = peak_rss_mb()
            seconds, cpu_seconds, result, progress = initial_merge(history, sync_dir)
            kept = len(history.sessions())  # the tombstones deleted some of the sessions merged
            if (result.new_sessions, kept, result.devices, result.warnings) != (
                sessions,
                sessions - DEVICES * TOMBSTONES,
                DEVICES,
                [],
            ):
                raise RuntimeError(
                    f"initial merge: {result.new_sessions} new and {kept} kept of {sessions},"
                    f" {result.devices} devices, {result.warnings}"
                )
            if not progress.calls or progress.calls[-1] != (DEVICES, DEVICES):
                raise RuntimeError(f"initial merge reported no progress to the end: {progress.calls}")
            emit("sync.initial_merge_s_3x10y", seconds, "s", "<= 20")
            emit("sync.initial_merge_cpu_s_3x10y", cpu_seconds, "s", None)
            emit("sync.initial_merge_progress_calls", len(progress.calls), "count", None)
            emit("sync.initial_merge_peak_rss_growth_mb", peak_rss_mb() - rss_before, "MB", None)
            emit("sync.db_mb_3x10y", history.path.stat().st_size / 1e6, "MB", None)
            latencies = incremental_merges_ms(history, sync_dir, others, INCREMENTAL_RUNS)
            emit("sync.incremental_merge_ms_p50", statistics.median(latencies), "ms", None)
            emit("sync.incremental_merge_ms_p99", percentile(latencies, 0.99), "ms", "<= 50")
            history.submit_attach_journal(sync_dir, data_dir).result()
            own = history.device_id()
            assert own is not None
            journal = Journal(sync_dir, own)
            appends = journal_appends_ms(history, journal, APPEND_RUNS)
            emit("sync.journal_append_ms_p50", statistics.median(appends), "ms", None)
            emit("sync.journal_append_ms_p99", percentile(appends, 0.99), "ms", "<= 10")
            holds_ms = holds_with_journal_ms(history, APPEND_RUNS)
            emit("sync.hold_with_journal_ms_p50", statistics.median(holds_ms), "ms", None)
            emit("sync.hold_with_journal_ms_p99", percentile(holds_ms, 0.99), "ms", None)
            written = sum(1 for _ in _lines(journal.path))
            if written < 2 * APPEND_RUNS:
                raise RuntimeError(f"the journal holds {written} lines, fewer than the holds appended")
        finally:
            history.close()


if __name__ == "__main__":
    main()
