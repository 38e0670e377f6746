"""Two laptops' demo histories in one data folder, for the screenshot of the history window's devices.

DATA_DIR gets the demo history of "Home laptop"; a second laptop's ("Work laptop": fewer sessions, other
days) is written to its journal in a temporary sync folder and merged in, as the app's sync does.

python scripts/seed_demo_devices.py DATA_DIR
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import seed_demo_history

from psoas_desktop.storage.history import History


def main(data_dir: Path) -> None:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        sync_dir, work_dir = Path(tmp) / "Sync", Path(tmp) / "work"
        sync_dir.mkdir()
        seed_demo_history.main(data_dir)
        seed_demo_history.main(work_dir, seed=11, per_week=(0, 1, 1, 2))
        work = History.open(work_dir, now=lambda: now).history
        try:
            work.submit_rename_device("Work laptop").result()
            work.submit_attach_journal(sync_dir, work_dir).result()  # joining late: its whole history
        finally:
            work.close()
        home = History.open(data_dir, now=lambda: now).history
        try:
            home.submit_rename_device("Home laptop").result()
            result = home.submit_merge(sync_dir).result()
            print(f"merged {result.new_sessions} sessions of the work laptop")
        finally:
            home.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
