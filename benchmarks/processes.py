"""Ending a process a benchmark started: politely first, then for sure."""

from __future__ import annotations

import subprocess


def end(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, up to 10 s to exit, then SIGKILL; always reaped."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
