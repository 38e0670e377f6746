"""Test guards: a test that leaves a QTimer or a Python thread running fails (a leaked timer fires into the
next test; a leaked thread keeps files, connections or locks of a test that is over). And no test may pass
or fail on how long something took: Hypothesis's per-example deadline is off."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import shiboken6
from hypothesis import HealthCheck, settings
from PySide6.QtCore import QTimer

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
