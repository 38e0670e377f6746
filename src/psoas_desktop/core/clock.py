"""The clock the engine counts against: injected everywhere, so tests drive time by hand."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never jumps (it does not advance during suspend on Linux)."""
        ...

    def now(self) -> datetime:
        """The wall-clock time, timezone-aware in the local zone."""
        ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now().astimezone()
