"""The installed app in its own process (offscreen, welcome already seen), for tests that need a real one."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from psoas_desktop.storage.schema import FILE_NAME

RUN_THE_APP = ("-m", "psoas_desktop")

# The installed app with time running ten times faster (the app's own clock, nothing else changed), so
# that a 20–30 s hold is finished within seconds.
FAST_CLOCK_CODE = """
import sys, time
from datetime import UTC, datetime, timedelta
from psoas_desktop.app import gui

class FastClock:
    SPEED = 10.0

    def __init__(self):
        self._start = time.monotonic()
        self._wall = datetime.now(UTC)

    def monotonic(self):
        return self._start + (time.monotonic() - self._start) * self.SPEED

    def now(self):
        return self._wall + timedelta(seconds=(time.monotonic() - self._start) * self.SPEED)

gui.SystemClock = FastClock
from psoas_desktop.app.cli import main
sys.exit(main(sys.argv[1:]))
"""
FAST_CLOCK_APP = ("-c", FAST_CLOCK_CODE)


def launch(
    tmp_path: Path,
    *extra: str,
    program: Sequence[str] = RUN_THE_APP,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[str]:
    """``python <program> --data-dir tmp_path/data --config-dir tmp_path/config <extra>``; ``env`` is added
    to this process's environment. ``program`` is ``-m psoas_desktop`` or ``-c CODE`` whose code passes
    ``sys.argv[1:]`` on to ``psoas_desktop.app.cli.main``."""
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "psoas-desktop.ini").write_text("[app]\nwelcome_seen=true\n", encoding="utf-8")
    command = [sys.executable, *program, "--data-dir", str(tmp_path / "data"), "--config-dir", str(config)]
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    return subprocess.Popen([*command, *extra], env=environment, stderr=subprocess.PIPE, text=True)


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> bool:
    """Poll another process's visible state (files, exit codes); not a timing measurement."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def read_history(data: Path, sql: str) -> list[tuple[object, ...]]:
    """What another process sees in the history file of `data` (read-only; [] before it exists)."""
    if not (data / FILE_NAME).exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{data / FILE_NAME}?mode=ro", uri=True)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    except sqlite3.OperationalError:  # the schema is still being created
        return []
