"""A fake ``org.freedesktop.Notifications`` in a process of its own, with KDE's ``Inhibited`` property.

Run as ``python -m helpers.fake_notifications ADDRESS``; it prints ``ready`` once it owns the name. Tests turn
Do Not Disturb on and off through ``io.github.psoas_desktop.TestControl.SetInhibited(b)`` at ``/TestControl``.
A process of its own because the probe's ``Properties.Get`` is a short synchronous call, which a service on
the caller's own thread could not answer.
"""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import Property, QCoreApplication, QObject, Slot
from PySide6.QtDBus import QDBus, QDBusConnection, QDBusMessage

from helpers import fake_service
from psoas_desktop.qt.desktop.screensaver import dbus_interface

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
CONTROL_PATH = "/TestControl"
CONTROL_INTERFACE = "io.github.psoas_desktop.TestControl"


@dbus_interface(SERVICE)
class Notifications(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.inhibited = False

    def _get_inhibited(self) -> bool:
        return self.inhibited

    Inhibited = Property(bool, _get_inhibited)


@dbus_interface(CONTROL_INTERFACE)
class Control(QObject):
    def __init__(self, notifications: Notifications) -> None:
        super().__init__()
        self._notifications = notifications

    @Slot(bool)
    def SetInhibited(self, inhibited: bool) -> None:
        self._notifications.inhibited = inhibited


def main(argv: list[str] | None = None) -> int:
    address = (sys.argv[1:] if argv is None else argv)[0]
    app = QCoreApplication([])
    bus = QDBusConnection.connectToBus(address, "fake-notifications")
    notifications = Notifications()
    control = Control(notifications)
    exported = (
        QDBusConnection.RegisterOption.ExportAllProperties | QDBusConnection.RegisterOption.ExportAllSlots
    )
    return fake_service.serve(app, bus, SERVICE, [(PATH, notifications), (CONTROL_PATH, control)], exported)


def start(address: str) -> subprocess.Popen[str]:
    """Start the fake (the caller waits for its ``ready`` line and stops it by its handle)."""
    return fake_service.start("helpers.fake_notifications", address)


def set_inhibited(bus: QDBusConnection, inhibited: bool) -> None:
    message = QDBusMessage.createMethodCall(SERVICE, CONTROL_PATH, CONTROL_INTERFACE, "SetInhibited")
    message.setArguments([inhibited])
    reply = bus.call(message, QDBus.CallMode.Block, 5000)
    assert reply.type() == QDBusMessage.MessageType.ReplyMessage, reply.errorMessage()


if __name__ == "__main__":
    sys.exit(main())
