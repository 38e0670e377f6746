"""Shared pieces of the sync tests: devices with their own data folders sharing one sync folder."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from history_support import Now, hold, only_cut_short

from psoas_desktop.storage.history import History
from psoas_desktop.storage.merge import MergeResult


class Device:
    """One laptop: its data folder and History, writing its journal to the shared folder."""

    def __init__(
        self, root: Path, name: str, sync_dir: Path, *, attach: bool = True, cut_short: bool = False
    ) -> None:
        """`cut_short`: this open finds a session left running (a crash) and says so."""
        self.data_dir = root / name
        self.sync_dir = sync_dir
        self.warnings: list[str] = []
        result = History.open(self.data_dir, now=Now())
        expected = (
            only_cut_short(result.messages) and len(result.messages) == 1
            if cut_short
            else not result.messages
        )
        assert expected, result.messages
        self.history = result.history
        if attach:
            self.attach()

    def attach(self) -> None:
        self.history.submit_attach_journal(self.sync_dir, self.data_dir, self.warnings.append).result()

    def record(self, started: datetime, holds: int = 2, status: str = "completed") -> int:
        session = self.history.start_session("daily", "standard", started)
        for index in range(holds):
            self.history.add_record(session, hold(index, started + timedelta(seconds=40 * index)))
        self.history.end_session(session, status, started + timedelta(minutes=5))
        return session

    def merge(self) -> MergeResult:
        return self.history.submit_merge(self.sync_dir).result()

    def state(self) -> set[tuple[object, ...]]:
        """The history as a set of comparable facts: sessions with their holds and check-ins, by UUID."""
        facts: set[tuple[object, ...]] = set()
        by_id = {}
        for s in self.history.sessions():
            by_id[s.id] = s.uuid
            facts.add(("session", s.uuid, s.device, s.routine, s.started_utc, s.status, s.ended_utc))
            for e in self.history.entries(s.id):
                facts.add(("hold", s.uuid, e.phase_index, e.started_utc, e.actual_seconds))
        for c in self.history.checkins():
            facts.add(("checkin", c.uuid, by_id[c.session_id], c.tightness, c.note))
        return facts
