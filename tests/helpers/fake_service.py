"""What the fake D-Bus services (each a process of its own) share: serving objects under a bus name, and
starting one from a test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtDBus import QDBusConnection

TESTS_DIR = Path(__file__).resolve().parents[1]


def serve(
    app: QCoreApplication,
    bus: QDBusConnection,
    service: str,
    objects: Sequence[tuple[str, QObject]],
    options: QDBusConnection.RegisterOption,
) -> int:
    """Register `objects` at their paths, own `service`, print ``ready`` and run until stopped."""
    for path, obj in objects:
        if not bus.registerObject(path, obj, options):
            print(f"cannot register {path}", flush=True)
            return 1
    if not bus.registerService(service):
        print(f"cannot own {service}: {bus.lastError().message()}", flush=True)
        return 1
    print("ready", flush=True)
    return app.exec()


def start(module: str, *args: str) -> subprocess.Popen[str]:
    """Start ``python -m module args`` (the caller waits for its ``ready`` line and stops it by its handle)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.PIPE, env=env, text=True)
