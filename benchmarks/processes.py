"""Ending a process a benchmark (or a test) started: politely first, then for sure."""

from __future__ import annotations

import signal
import subprocess
from typing import Any


def end(
    process: subprocess.Popen[Any], sig: signal.Signals = signal.SIGTERM, wait_seconds: float = 10
) -> None:
    """`sig` (SIGTERM; SIGINT lets parec finish its file), up to `wait_seconds` to exit, then SIGKILL;
    always reaped. Nothing is sent to a process that already ended."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(wait_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
