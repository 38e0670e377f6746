"""A hand-driven clock: monotonic and wall time move only when a test says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone


class FakeClock:
    def __init__(
        self,
        start: datetime = datetime(2026, 11, 23, 8, 0, tzinfo=timezone(timedelta(hours=1))),
        monotonic_start: float = 1000.0,
    ) -> None:
        self._mono = monotonic_start
        self._wall = start

    def monotonic(self) -> float:
        return self._mono

    def now(self) -> datetime:
        return self._wall

    def advance(self, seconds: float) -> None:
        """Time passes while the machine is awake: both clocks move together."""
        self._mono += seconds
        self._wall += timedelta(seconds=seconds)

    def suspend(self, seconds: float) -> None:
        """The laptop sleeps: wall time moves, Linux's monotonic clock does not."""
        self._wall += timedelta(seconds=seconds)

    def set_wall(self, when: datetime) -> None:
        """Somebody changes the system clock."""
        self._wall = when.astimezone(UTC).astimezone(self._wall.tzinfo)
