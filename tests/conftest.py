"""Qt test guards: a test that leaves a QTimer running fails (a leaked timer fires into the next test)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QTimer


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
