"""A fake ``org.freedesktop.ScreenSaver`` in a process of its own, built like KDE's: a QObject with typed slots.

Run as ``python -m helpers.fake_screensaver ADDRESS [PATH ...]`` (default path ``/org/freedesktop/ScreenSaver``);
it prints ``ready`` once it owns the name. ``Inhibit(s, s) → u`` hands out cookies above 2**31, so a client
that cannot send a real ``uint32`` back is caught: ``UnInhibit(u)`` only matches a ``u`` argument, exactly as
with QtDBus-based desktops, and anything else is answered "no such method" and not recorded.

Tests read what it saw through ``io.github.psoas_desktop.TestControl.Calls() → s`` (a JSON list) at
``/TestControl``. It has to be a separate process: the client's ``UnInhibit`` is a short synchronous call,
which a service on the caller's own thread could not answer.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Slot
from PySide6.QtDBus import QDBus, QDBusConnection, QDBusMessage

from helpers import fake_service
from psoas_desktop.qt.desktop.screensaver import dbus_interface

SERVICE = "org.freedesktop.ScreenSaver"
INTERFACE = "org.freedesktop.ScreenSaver"
DEFAULT_PATH = "/org/freedesktop/ScreenSaver"
CONTROL_PATH = "/TestControl"
CONTROL_INTERFACE = "io.github.psoas_desktop.TestControl"
FIRST_COOKIE = 3_000_000_001  # above INT32_MAX: only a real uint32 round-trips


@dbus_interface(INTERFACE)
class ScreenSaver(QObject):
    def __init__(self, path: str, calls: list[dict[str, Any]]) -> None:
        super().__init__()
        self._path = path
        self._calls = calls

    @Slot(str, str, result="uint")
    def Inhibit(self, application_name: str, reason_for_inhibit: str) -> int:
        cookie = FIRST_COOKIE + sum(1 for call in self._calls if call["member"] == "Inhibit")
        self._calls.append(
            {"path": self._path, "member": "Inhibit", "arguments": [application_name, reason_for_inhibit]}
        )
        return cookie

    @Slot("uint")
    def UnInhibit(self, cookie: int) -> None:
        self._calls.append({"path": self._path, "member": "UnInhibit", "arguments": [cookie]})


@dbus_interface(CONTROL_INTERFACE)
class Control(QObject):
    def __init__(self, calls: list[dict[str, Any]]) -> None:
        super().__init__()
        self._calls = calls

    @Slot(result=str)
    def Calls(self) -> str:
        return json.dumps(self._calls)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    address, paths = args[0], args[1:] or [DEFAULT_PATH]
    app = QCoreApplication([])
    bus = QDBusConnection.connectToBus(address, "fake-screensaver")
    calls: list[dict[str, Any]] = []
    objects: list[QObject] = [ScreenSaver(path, calls) for path in paths]
    objects.append(Control(calls))
    served = list(zip([*paths, CONTROL_PATH], objects, strict=True))
    return fake_service.serve(app, bus, SERVICE, served, QDBusConnection.RegisterOption.ExportAllSlots)


def start(address: str, *paths: str) -> subprocess.Popen[str]:
    """Start the fake (the caller waits for its ``ready`` line and stops it by its handle)."""
    return fake_service.start("helpers.fake_screensaver", address, *paths)


def recorded_calls(bus: QDBusConnection) -> list[dict[str, Any]]:
    """What the fake has seen so far (a blocking call is fine here: the fake is another process)."""
    message = QDBusMessage.createMethodCall(SERVICE, CONTROL_PATH, CONTROL_INTERFACE, "Calls")
    reply = bus.call(message, QDBus.CallMode.Block, 5000)
    assert reply.type() == QDBusMessage.MessageType.ReplyMessage, reply.errorMessage()
    calls: list[dict[str, Any]] = json.loads(reply.arguments()[0])
    return calls


if __name__ == "__main__":
    sys.exit(main())
