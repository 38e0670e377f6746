"""Test guards: a test that leaves a QTimer, a Python thread, a QThread or a QThreadPool job running fails (a
leaked timer fires into the next test; a leaked thread keeps files, connections or locks of a test that is
over, or emits into objects that are gone). And no test may pass or fail on how long something took:
Hypothesis's per-example deadline is off."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import shiboken6
from hypothesis import HealthCheck, settings
from PySide6.QtCore import QThread, QThreadPool, QTimer

# How long a thread that is already finishing (its last lines run after the code that ended it returned)
# may take to end: a bound on waiting for that event, not a measurement.
THREAD_JOIN_SECONDS = 5.0

settings.register_profile("no-wall-clock", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("no-wall-clock")


@pytest.fixture(autouse=True)
def no_timer_left_running(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    started: list[QTimer] = []
    original = QTimer.start

    def tracking_start(self: QTimer, *args: Any) -> None:
        started.append(self)
        original(self, *args)

    monkeypatch.setattr(QTimer, "start", tracking_start)
    yield
    leftovers = [t for t in started if shiboken6.isValid(t) and t.isActive()]
    for timer in leftovers:
        timer.stop()
    assert not leftovers, f"{len(leftovers)} QTimer(s) left running: {[t.objectName() for t in leftovers]}"


def _started_here(thread: threading.Thread) -> bool:
    """A thread Python started (not the main thread, nor the stand-in Python makes for a thread Qt or C
    started, which cannot be joined and outlives the thread it stands for)."""
    return thread is not threading.main_thread() and not isinstance(thread, threading._DummyThread)


@pytest.fixture(autouse=True)
def no_thread_left_running() -> Iterator[None]:
    """Threads that were running before the test (a session-wide helper) are not the test's."""
    before = set(threading.enumerate())
    yield
    new = [t for t in threading.enumerate() if t not in before and _started_here(t)]
    deadline = time.monotonic() + THREAD_JOIN_SECONDS
    for thread in new:
        thread.join(max(0.0, deadline - time.monotonic()))
    leftovers = [t for t in new if t.is_alive()]
    assert not leftovers, f"{len(leftovers)} thread(s) left running: {[t.name for t in leftovers]}"


@pytest.fixture(autouse=True)
def no_qt_thread_left_running(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """QThreads and thread-pool jobs the test started (Python code they run shows up in threading only as a
    stand-in, which the fixture above cannot join)."""
    threads: list[QThread] = []
    pools: list[QThreadPool] = []
    start_thread, start_job = QThread.start, QThreadPool.start

    def tracking_thread_start(self: QThread, *args: Any) -> None:
        threads.append(self)
        start_thread(self, *args)

    def tracking_job_start(self: QThreadPool, *args: Any) -> None:
        pools.append(self)
        start_job(self, *args)

    monkeypatch.setattr(QThread, "start", tracking_thread_start)
    monkeypatch.setattr(QThreadPool, "start", tracking_job_start)
    yield
    wait_ms = round(THREAD_JOIN_SECONDS * 1000)
    running = [t for t in threads if shiboken6.isValid(t) and not t.wait(wait_ms)]
    busy = [p for p in dict.fromkeys(pools) if shiboken6.isValid(p) and not p.waitForDone(wait_ms)]
    assert not running, f"{len(running)} QThread(s) left running: {[t.objectName() for t in running]}"
    assert not busy, f"{len(busy)} QThreadPool(s) left with jobs running: {[p.objectName() for p in busy]}"
