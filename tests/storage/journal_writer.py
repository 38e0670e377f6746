"""A real process that records one session with the sync journal attached, for the journal fault tests (run
as an unprivileged user by helpers.unprivileged, so a read-only folder is read-only even when CI is root):

    journal_writer.py DATA_DIR SYNC_DIR

prints one JSON line: the journal warnings, and the sessions and holds the history holds afterwards.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from psoas_desktop.core.engine import HoldRecord, PhaseStatus
from psoas_desktop.storage.history import History

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def hold(index: int) -> HoldRecord:
    return HoldRecord(
        exercise="bridge",
        side=None,
        set=1,
        rep=index,
        planned_seconds=30.0,
        actual_seconds=30.0,
        started_utc=T0 + timedelta(seconds=40 * index),
        utc_offset_seconds=0,
        status=PhaseStatus.COMPLETED,
        phase_index=index,
    )


def main() -> int:
    data_dir, sync_dir = Path(sys.argv[1]), Path(sys.argv[2])
    history = History.open(data_dir, now=lambda: datetime.now(UTC)).history
    warnings: list[str] = []
    try:
        history.submit_attach_journal(sync_dir, data_dir, warnings.append).result()
        session = history.start_session("daily", "standard", T0)
        for index in range(2):
            history.add_record(session, hold(index))
        history.end_session(session, "completed", T0 + timedelta(minutes=5))
        sessions = history.sessions()
        entries = sum(len(history.entries(s.id)) for s in sessions)
    finally:
        history.close()
    print(json.dumps({"warnings": warnings, "sessions": len(sessions), "entries": entries}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
