"""SIGTERM, SIGINT and SIGHUP (logout, `kill`, Ctrl+C) close the real app as cleanly as Quit does."""

from __future__ import annotations

import signal
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from helpers.app_process import FAST_CLOCK_APP, launch, read_history, wait_for
from psoas_desktop.app.single_instance import server_name
from psoas_desktop.app.writer_lock import LOCK_FILE_NAME
from psoas_desktop.storage.history import FILE_NAME


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda n: n.name)
def test_a_quit_signal_ends_the_session_as_interrupted_and_leaves_nothing_behind(
    tmp_path: Path, number: signal.Signals
) -> None:
    data = tmp_path / "data"
    name = server_name(data)
    assert name is not None
    socket_file = Path(name)
    with launch(tmp_path, "--start", "quick-stretch", program=FAST_CLOCK_APP) as app:
        try:
            finished = "SELECT COUNT(*) FROM entries WHERE status = 'completed'"
            assert wait_for(lambda: read_history(data, finished) not in ([], [(0,)]), seconds=60), app.stderr
            assert socket_file.exists() and (data / LOCK_FILE_NAME).exists()
            app.send_signal(number)
            _, err = app.communicate(timeout=60)
        finally:
            app.kill()
    assert app.returncode == 0, err
    assert "Traceback" not in err, err
    # The -wal is folded into the file, the writer lock released, the socket removed.
    assert not (data / (FILE_NAME + "-wal")).exists()
    assert not (data / LOCK_FILE_NAME).exists()
    assert not socket_file.exists()

    ((status, ended),) = read_history(data, "SELECT status, ended_utc FROM sessions")
    entries = read_history(data, "SELECT started_utc, actual_seconds, status FROM entries")
    assert status == "interrupted"
    assert {entry_status for _, _, entry_status in entries} == {"completed"}  # the hold cut off is not kept
    last_hold_end = max(datetime.fromisoformat(str(s)) + timedelta(seconds=float(a)) for s, a, _ in entries)  # type: ignore[arg-type]
    assert datetime.fromisoformat(str(ended)) == last_hold_end
