"""A laptop recording sessions in its own process, as the app does with a sync folder set: its History with
the journal attached, finished sessions of three holds each. For the end-to-end sync test:

    python -m helpers.record_sessions DATA_DIR SYNC_DIR COUNT FIRST_START_ISO

prints one JSON line: the new sessions' UUIDs and any journal warning.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpers.sync_devices import hold
from psoas_desktop.storage.history import History

HOLDS = 3


def main(argv: list[str]) -> int:
    data_dir, sync_dir, count, first = (
        Path(argv[0]),
        Path(argv[1]),
        int(argv[2]),
        datetime.fromisoformat(argv[3]),
    )
    opened = History.open(data_dir, now=lambda: datetime.now(UTC))
    history = opened.history
    warnings: list[str] = []
    try:
        history.submit_attach_journal(sync_dir, data_dir, warnings.append).result()
        before = {s.uuid for s in history.sessions()}
        for number in range(count):
            started = first + timedelta(hours=number)
            session = history.start_session("daily", "standard", started)
            for index in range(HOLDS):
                history.add_record(session, hold(index, started + timedelta(seconds=40 * index)))
            history.end_session(session, "completed", started + timedelta(minutes=5))
        new = sorted(str(s.uuid) for s in history.sessions() if s.uuid not in before)
    finally:
        history.close()
    print(json.dumps({"uuids": new, "warnings": warnings, "messages": list(opened.messages)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
