"""The installed app in its own process with a sync folder: it writes its journal, merges what another
computer writes while it runs (its own watcher, no command), and answers `psoas-desktop sync` run beside
it, which never opens the history the window holds."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpers.app_process import launch, read_history, wait_for
from helpers.sync_devices import OtherComputer
from psoas_desktop.storage.journal import FOLDER_NAME


def now() -> datetime:
    return datetime.now(UTC)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psoas_desktop", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_running_app_merges_another_computers_session_and_answers_sync(tmp_path: Path) -> None:
    sync = tmp_path / "Sync"
    data = tmp_path / "data"
    work = OtherComputer(tmp_path / "work", None, now)
    with launch(tmp_path, "--sync-dir", str(sync)) as app:
        try:
            # Its journal appears once the history is open and attached (joining: written once).
            assert wait_for((sync / FOLDER_NAME).is_dir, seconds=60), app.poll()
            work.history.submit_attach_journal(sync, work.data_dir).result()
            work.record(now() - timedelta(hours=1))
            # The window's watcher (or its rescan) merges it: no command, no restart.
            assert wait_for(lambda: read_history(data, "SELECT COUNT(*) FROM sessions") == [(1,)], seconds=90)
            work.record(now() - timedelta(minutes=30))
            config = tmp_path / "config"
            result = run(
                "sync", "--data-dir", str(data), "--config-dir", str(config), "--sync-dir", str(sync)
            )
            assert result.returncode == 0, result.stderr
            # The window's watcher may have merged it first: either way once, from the one other device.
            assert result.stdout in {
                "merged 1 new sessions from 1 devices\n",
                "merged 0 new sessions from 1 devices\n",
            }
            assert read_history(data, "SELECT COUNT(*) FROM sessions") == [(2,)]
            shown = run("history", "--json", "--data-dir", str(data))
            devices = json.loads(shown.stdout)["devices"]
            assert [d["sessions"] for d in devices] == [0, 2] and app.poll() is None
        finally:
            app.kill()
            app.communicate()
            work.close()
