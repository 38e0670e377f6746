"""The installed app in its own process (offscreen, welcome already seen), for tests that need a real one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

RUN_THE_APP = ("-m", "psoas_desktop")


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
