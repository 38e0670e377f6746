"""Pause before the laptop sleeps: logind's ``PrepareForSleep`` on the system bus (Linux), best effort.

``SleepWatcher`` subscribes to ``org.freedesktop.login1.Manager.PrepareForSleep(b start)`` on
``/org/freedesktop/login1`` and turns it into two Qt signals: ``preparing_for_sleep`` (start = true, the
machine is about to suspend or hibernate) and ``resumed`` (start = false, it is awake again). The app pauses a
running session on the first; the engine's gap detection stays the fallback for every case this misses (no
logind, a signal that arrives too late, a sleep that logind did not manage).

Delay lock (optional): logind emits ``PrepareForSleep(true)`` and goes on to suspend at once — the signal is
often handled only after waking — unless some process holds a *delay* inhibitor lock; then it waits until
every such lock is released (at most ``InhibitDelayMaxSec``, 5 s by default). ``set_delay_lock(True)``
(call it while a session runs) asks logind for one — ``Inhibit("sleep", app, why, "delay")`` answers a file
descriptor, the lock lasts while that descriptor is open — so the pause happens before the machine stops,
not after it wakes. When
``PrepareForSleep(true)`` arrives, ``preparing_for_sleep`` is emitted first (connected slots run right there),
then the descriptor is closed. After ``resumed`` the lock is taken again if it is still wanted.
``set_delay_lock(False)`` releases it. The lock is our own ``os.dup`` of the descriptor: the copies Qt keeps
in the reply die with the call watcher (deleted after the reply), so closing ours really releases it.

Never in the way: nothing here raises into the GUI; without Linux, a system bus or logind, ``available`` is
False and one info line is logged (``available`` says logind was there when the watcher was made). The only
blocking calls, while constructing, go to the bus daemon itself (``NameHasOwner`` has a 100 ms limit), never
to logind; the lock request is asynchronous. A bus can be injected (tests use a private ``dbus-daemon``).

Signals:
    preparing_for_sleep(): the system is about to sleep (pause now; the delay lock is released after this).
    resumed(): the system woke up.
"""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import SLOT, QObject, Signal, Slot
from PySide6.QtDBus import (
    QDBus,
    QDBusConnection,
    QDBusMessage,
    QDBusPendingCallWatcher,
    QDBusUnixFileDescriptor,
)

log = logging.getLogger(__name__)

LOGIND_SERVICE = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
LOGIND_MANAGER = "org.freedesktop.login1.Manager"
DBUS_SERVICE = "org.freedesktop.DBus"
DBUS_PATH = "/org/freedesktop/DBus"
DBUS_INTERFACE = "org.freedesktop.DBus"
NAME_CHECK_TIMEOUT_MS = 100
INHIBIT_TIMEOUT_MS = 5000
DELAY_LOCK_REASON = "Pause the workout timer before sleep"


class SleepWatcher(QObject):
    """Emits ``preparing_for_sleep`` / ``resumed`` from logind; optionally holds a delay lock (see module doc).

    Signals:
        preparing_for_sleep(): the system is about to sleep.
        resumed(): the system woke up.
    """

    preparing_for_sleep = Signal()
    resumed = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        bus: QDBusConnection | None = None,
        app_name: str = "Psoas Desktop",
    ) -> None:
        super().__init__(parent)
        self._app_name = app_name
        self._available = False
        self._sleeping = False
        self._lock_wanted = False
        self._lock_fd: int | None = None
        self._lock_call: QDBusPendingCallWatcher | None = None
        self._bus: QDBusConnection | None = None
        try:
            self._bus = bus if bus is not None else _system_bus()
            if self._bus is not None:
                self._available = self._subscribe(self._bus)
        except Exception:  # best effort: the engine's gap detection still pauses after a sleep
            log.warning("sleep watch: could not subscribe to logind", exc_info=True)
            self._available = False

    @property
    def available(self) -> bool:
        """True when subscribed and logind was on the bus when the watcher was made."""
        return self._available

    @property
    def delay_lock_held(self) -> bool:
        """True while this process holds a logind delay lock."""
        return self._lock_fd is not None

    def set_delay_lock(self, wanted: bool) -> None:
        """Hold a logind delay lock while ``wanted`` (a session runs), so the pause happens before sleep."""
        self._lock_wanted = wanted
        if wanted:
            self._request_lock()
        else:
            self._close_lock()

    # -- subscription ----------------------------------------------------------------------------------

    def _subscribe(self, bus: QDBusConnection) -> bool:
        if not bus.isConnected():
            log.info(
                "sleep watch unavailable: no system bus (%s)", bus.lastError().message() or "not connected"
            )
            return False
        # Subscribe first: the AddMatch then reaches the bus daemon before the NameHasOwner below does.
        subscribed = bus.connect(
            LOGIND_SERVICE,
            LOGIND_PATH,
            LOGIND_MANAGER,
            "PrepareForSleep",
            self,
            # The stubs say bytes; PySide6 wants the str that SLOT() returns (bytes raise ValueError).
            SLOT("_on_prepare_for_sleep(bool)"),  # type: ignore[call-overload]
        )
        if not subscribed:
            log.info("sleep watch unavailable: could not subscribe (%s)", bus.lastError().message())
            return False
        if not _name_has_owner(bus, LOGIND_SERVICE):
            log.info("sleep watch unavailable: %s is not on the system bus", LOGIND_SERVICE)
            return False
        return True

    @Slot(bool)
    def _on_prepare_for_sleep(self, start: bool) -> None:
        if start:
            log.info("system is preparing for sleep")
            self._sleeping = True
            try:
                self.preparing_for_sleep.emit()
            finally:
                self._close_lock()  # after the slots above have paused the session
        else:
            log.info("system resumed from sleep")
            self._sleeping = False
            self.resumed.emit()
            if self._lock_wanted:
                self._request_lock()

    # -- delay lock ------------------------------------------------------------------------------------

    def _request_lock(self) -> None:
        bus = self._bus
        if (
            bus is None
            or not self._available
            or self._sleeping
            or self._lock_fd is not None
            or self._lock_call is not None
        ):
            return
        try:
            if (
                not bus.connectionCapabilities()
                & QDBusConnection.ConnectionCapability.UnixFileDescriptorPassing
            ):
                log.info("sleep watch: the bus cannot pass file descriptors; no delay lock")
                return
            message = QDBusMessage.createMethodCall(LOGIND_SERVICE, LOGIND_PATH, LOGIND_MANAGER, "Inhibit")
            message.setArguments(["sleep", self._app_name, DELAY_LOCK_REASON, "delay"])
            watcher = QDBusPendingCallWatcher(bus.asyncCall(message, INHIBIT_TIMEOUT_MS), self)
            watcher.finished.connect(self._on_lock_reply)
            self._lock_call = watcher
        except Exception:
            log.warning("sleep watch: could not ask logind for a delay lock", exc_info=True)

    @Slot(QDBusPendingCallWatcher)
    def _on_lock_reply(self, watcher: QDBusPendingCallWatcher) -> None:
        watcher.deleteLater()  # it holds a copy of the descriptor until deleted
        if watcher is not self._lock_call:
            return
        self._lock_call = None
        try:
            fd = self._take_descriptor(watcher)
        except Exception:
            log.warning("sleep watch: unexpected reply to the delay lock request", exc_info=True)
            return
        if fd is None:
            return
        if not self._lock_wanted or self._sleeping:
            _close_fd(fd)  # no longer wanted, or too late: logind is already waiting for us
            return
        self._lock_fd = fd
        log.debug("sleep watch: holding a logind delay lock")

    @staticmethod
    def _take_descriptor(watcher: QDBusPendingCallWatcher) -> int | None:
        if watcher.isError():
            error = watcher.error()
            log.info("sleep watch: no delay lock (%s: %s)", error.name(), error.message())
            return None
        arguments = watcher.reply().arguments()
        descriptor = arguments[0] if arguments else None
        if not isinstance(descriptor, QDBusUnixFileDescriptor) or not descriptor.isValid():
            log.info("sleep watch: no delay lock (logind answered %r)", arguments)
            return None
        return os.dup(descriptor.fileDescriptor())

    def _close_lock(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            _close_fd(fd)
            log.debug("sleep watch: released the logind delay lock")


def _system_bus() -> QDBusConnection | None:
    if not sys.platform.startswith("linux"):
        log.info("sleep watch unavailable: logind is Linux only")
        return None
    return QDBusConnection.systemBus()


def _name_has_owner(bus: QDBusConnection, name: str) -> bool:
    """Ask the bus daemon (not the service) whether ``name`` is owned; at most ``NAME_CHECK_TIMEOUT_MS``."""
    message = QDBusMessage.createMethodCall(DBUS_SERVICE, DBUS_PATH, DBUS_INTERFACE, "NameHasOwner")
    message.setArguments([name])
    reply = bus.call(message, QDBus.CallMode.Block, NAME_CHECK_TIMEOUT_MS)
    if reply.type() != QDBusMessage.MessageType.ReplyMessage:
        log.info("sleep watch: NameHasOwner failed (%s)", reply.errorMessage())
        return False
    arguments = reply.arguments()
    return bool(arguments and arguments[0] is True)


def _close_fd(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        log.warning("sleep watch: could not close the delay lock descriptor", exc_info=True)
