"""Another computer for the app-level sync tests: its own data folder and History, writing its journal to a
shared sync folder, recording finished sessions on demand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from psoas_desktop.core.engine import HoldRecord, PhaseStatus
from psoas_desktop.storage.history import History


def hold(phase_index: int, started: datetime) -> HoldRecord:
    offset = started.utcoffset() or timedelta(0)
    return HoldRecord(
        exercise="bridge",
        side=None,
        set=1,
        rep=phase_index,
        planned_seconds=30.0,
        actual_seconds=30.0,
        started_utc=started.astimezone(UTC),
        utc_offset_seconds=int(offset.total_seconds()),
        status=PhaseStatus.COMPLETED,
        phase_index=phase_index,
    )


class OtherComputer:
    """A laptop elsewhere: `record` writes a completed session to its history and its journal."""

    def __init__(self, data_dir: Path, sync_dir: Path | None, now: Callable[[], datetime]) -> None:
        self.data_dir = data_dir
        opened = History.open(data_dir, now=now)
        assert opened.messages == (), opened.messages
        self.history = opened.history
        self.warnings: list[str] = []
        if sync_dir is not None:
            self.history.submit_attach_journal(sync_dir, data_dir, self.warnings.append).result()

    def record(self, started: datetime, routine: str = "quick-stretch", holds: int = 2) -> int:
        session = self.history.start_session(routine, "standard", started)
        for index in range(holds):
            self.history.add_record(session, hold(index, started + timedelta(seconds=40 * index)))
        self.history.end_session(session, "completed", started + timedelta(minutes=5))
        return session

    def close(self) -> None:
        self.history.close()
