"""The self-test's conversation with the voice helper process, as the app has it: start it, wait for its
engine to be Ready, have it speak once, ask it to quit. Stdlib only: the helper does the Qt part."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO, Any


def talk_to_voice_helper(
    command: list[str], *, quiet_qt_logs: str, wait_seconds: float
) -> tuple[list[dict[str, Any]], str]:
    """Start the helper, wait for its engine, have it speak once, ask it to quit; its events and stderr."""
    env = dict(os.environ)
    env.setdefault("QT_LOGGING_RULES", quiet_qt_logs)
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    stderr: list[str] = []
    threading.Thread(target=_pump, args=(process.stdout, lines.put), daemon=True).start()
    threading.Thread(target=_pump, args=(process.stderr, stderr.append, ""), daemon=True).start()
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait_seconds
    try:
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(event, dict):
                continue
            events.append(event)
            if event.get("error") or event.get("event") == "spoken":
                break
            if event.get("event") == "state" and event.get("state") == "Ready":
                process.stdin.write(json.dumps({"cmd": "say", "text": "Self-test"}) + "\n")
                process.stdin.flush()
        else:
            events.append({"event": "timeout"})
    finally:
        try:
            process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return events, "".join(stderr)


def _pump(stream: IO[str], put: Callable[[Any], None], end: str | None = None) -> None:
    for line in stream:
        put(line)
    put(end)
