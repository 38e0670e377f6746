"""Keep the screen awake while a session runs: ``org.freedesktop.ScreenSaver`` on the session bus, best effort.

``inhibit(reason)`` calls ``Inhibit(app_name, reason) → u cookie`` on ``/org/freedesktop/ScreenSaver`` and,
if nothing answers there, on ``/ScreenSaver`` (older KDE and some other desktops only serve that path);
``release()`` calls ``UnInhibit(cookie)`` on the path that answered. Both are idempotent; ``active`` is True
while a cookie is held. GNOME (through gsd-screensaver-proxy), KDE, Xfce and others implement the interface;
where nothing does, the call fails, one info line is logged (the first time only), and ``active`` stays
False. Nothing here raises into the GUI.

Never blocking the GUI: ``Inhibit`` is an asynchronous call. ``release()`` while it is still in flight is
remembered, and the cookie it brings back is handed back at once.

Why ``UnInhibit`` is different: the cookie must travel as a D-Bus ``uint32`` (KDE, GNOME and Xfce reject any
other type), but PySide6 turns every Python int into ``int32``/``int64`` in ``QDBusMessage.setArguments``,
and ``QDBusArgument << int`` picks ``uint16``. The one place QtDBus converts arguments to declared types is a
``QDBusInterface``'s dynamic slot, ``UnInhibit(uint)`` invoked with ``Q_ARG("uint", cookie)``. Such a slot
call is synchronous, so it gets a short time limit (``RELEASE_TIMEOUT_MS``); and since building a
``QDBusInterface`` normally introspects the remote object (a blocking call with a 25 s limit), the
interface's description is first introspected from a local template object registered for an instant on our
own connection: QtDBus caches it per interface name, so the real interface is built without asking the
remote service anything (only ``GetNameOwner`` to the bus daemon).

Signals:
    active_changed(bool): the screen saver inhibition took effect (True) or was handed back (False).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Q_ARG, ClassInfo, QMetaObject, QObject, Qt, Signal, Slot
from PySide6.QtDBus import (
    QDBusConnection,
    QDBusError,
    QDBusInterface,
    QDBusMessage,
    QDBusPendingCallWatcher,
)

log = logging.getLogger(__name__)

_QObjectT = TypeVar("_QObjectT", bound=QObject)

SERVICE = "org.freedesktop.ScreenSaver"
INTERFACE = "org.freedesktop.ScreenSaver"
PATHS = ("/org/freedesktop/ScreenSaver", "/ScreenSaver")
INHIBIT_TIMEOUT_MS = 5000
RELEASE_TIMEOUT_MS = 100
TEMPLATE_PATH = "/io/github/psoas_desktop/ScreenSaverTemplate"
UINT32_MAX = 0xFFFF_FFFF
# Errors meaning "not at this path": try the next one. Anything else means the service is not usable.
_TRY_NEXT_PATH = frozenset(
    {
        QDBusError.ErrorType.UnknownObject,
        QDBusError.ErrorType.UnknownInterface,
        QDBusError.ErrorType.UnknownMethod,
    }
)


def dbus_interface(name: str) -> Callable[[type[_QObjectT]], type[_QObjectT]]:
    """``@ClassInfo({"D-Bus Interface": name})``, typed: PySide6's stubs lack this (working) form."""
    make_class_info: Any = ClassInfo
    decorate: Callable[[type[_QObjectT]], type[_QObjectT]] = make_class_info({"D-Bus Interface": name})
    return decorate


@dbus_interface(INTERFACE)
class _InterfaceTemplate(QObject):
    """Only introspected, never called: gives QtDBus the argument types of org.freedesktop.ScreenSaver."""

    @Slot(str, str, result="uint")
    def Inhibit(self, application_name: str, reason_for_inhibit: str) -> int:
        return 0

    @Slot("uint")
    def UnInhibit(self, cookie: int) -> None:
        pass


class ScreenSaverInhibitor(QObject):
    """Inhibits the screen saver while a session runs (see module doc).

    Signals:
        active_changed(bool): the inhibition took effect (True) or was handed back (False).
    """

    active_changed = Signal(bool)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        bus: QDBusConnection | None = None,
        app_name: str = "Psoas Desktop",
    ) -> None:
        super().__init__(parent)
        self._bus = bus if bus is not None else _session_bus()
        self._app_name = app_name
        self._wanted = False
        self._reason = ""
        self._cookie: int | None = None
        self._path = PATHS[0]
        self._call: QDBusPendingCallWatcher | None = None
        self._call_path_index = 0
        self._said_unavailable = False

    @property
    def active(self) -> bool:
        """True while the screen saver is inhibited (a cookie is held)."""
        return self._cookie is not None

    def inhibit(self, reason: str) -> None:
        """Ask the screen saver to stay off; does nothing while active or while a request is in flight."""
        self._wanted = True
        if self._cookie is not None or self._call is not None:
            return
        bus = self._bus
        if bus is None or not bus.isConnected():
            detail = bus.lastError().message() if bus is not None else "not Linux"
            self._unavailable(f"no session bus ({detail or 'not connected'})")
            return
        self._reason = reason
        self._send_inhibit(bus, 0)

    def release(self) -> None:
        """Hand the inhibition back (a request still in flight is handed back when its answer arrives)."""
        self._wanted = False
        cookie, self._cookie = self._cookie, None
        if cookie is None:
            return
        self._uninhibit(self._path, cookie)
        self.active_changed.emit(False)

    # -- Inhibit, asynchronously -----------------------------------------------------------------------

    def _send_inhibit(self, bus: QDBusConnection, path_index: int) -> None:
        try:
            message = QDBusMessage.createMethodCall(SERVICE, PATHS[path_index], INTERFACE, "Inhibit")
            message.setArguments([self._app_name, self._reason])
            watcher = QDBusPendingCallWatcher(bus.asyncCall(message, INHIBIT_TIMEOUT_MS), self)
            watcher.finished.connect(self._on_inhibit_reply)
            self._call = watcher
            self._call_path_index = path_index
        except Exception:
            log.warning("screen saver: could not send Inhibit", exc_info=True)

    @Slot(QDBusPendingCallWatcher)
    def _on_inhibit_reply(self, watcher: QDBusPendingCallWatcher) -> None:
        watcher.deleteLater()
        if watcher is not self._call:
            return
        self._call = None
        try:
            self._handle_inhibit_reply(watcher, self._call_path_index)
        except Exception:
            log.warning("screen saver: unexpected answer to Inhibit", exc_info=True)

    def _handle_inhibit_reply(self, watcher: QDBusPendingCallWatcher, path_index: int) -> None:
        path = PATHS[path_index]
        if watcher.isError():
            error = watcher.error()
            if error.type() in _TRY_NEXT_PATH and path_index + 1 < len(PATHS) and self._bus is not None:
                if self._wanted:
                    self._send_inhibit(self._bus, path_index + 1)
                return
            self._unavailable(f"{error.name()}: {error.message()}")
            return
        arguments = watcher.reply().arguments()
        cookie = arguments[0] if arguments else None
        if not isinstance(cookie, int) or isinstance(cookie, bool) or not 0 <= cookie <= UINT32_MAX:
            self._unavailable(f"Inhibit answered {arguments!r}")
            return
        if not self._wanted:  # release() came while the call was in flight
            self._uninhibit(path, cookie)
            return
        self._cookie = cookie
        self._path = path
        log.info("screen saver inhibited (%s)", path)
        self.active_changed.emit(True)

    def _unavailable(self, why: str) -> None:
        """Said once (at info level); every later session start that finds it still missing is quiet."""
        log.log(
            logging.DEBUG if self._said_unavailable else logging.INFO,
            "screen saver inhibition unavailable: %s",
            why,
        )
        self._said_unavailable = True

    # -- UnInhibit, typed ------------------------------------------------------------------------------

    def _uninhibit(self, path: str, cookie: int) -> None:
        bus = self._bus
        if bus is None:
            return
        try:
            interface = _typed_interface(bus, path)
            if interface is None:
                return
            interface.setTimeout(RELEASE_TIMEOUT_MS)
            invoked = QMetaObject.invokeMethod(
                interface, "UnInhibit", Qt.ConnectionType.DirectConnection, Q_ARG("uint", cookie)
            )
            error = interface.lastError()
            if invoked and not error.isValid():
                log.info("screen saver inhibition released")
            elif error.type() == QDBusError.ErrorType.NoReply:
                log.info("screen saver: UnInhibit sent, no answer within %d ms", RELEASE_TIMEOUT_MS)
            else:
                log.info("screen saver: UnInhibit failed (%s: %s)", error.name(), error.message())
        except Exception:
            log.warning("screen saver: could not send UnInhibit", exc_info=True)


def _typed_interface(bus: QDBusConnection, path: str) -> QDBusInterface | None:
    """A QDBusInterface for the screen saver at ``path`` whose metaobject knows ``UnInhibit(uint)``, built
    without introspecting the remote object (see module doc)."""
    if not _knows_the_interface(bus):
        log.info("screen saver: cannot call UnInhibit (no local description of %s)", INTERFACE)
        return None
    interface = QDBusInterface(SERVICE, path, INTERFACE, bus)  # cached description: only GetNameOwner
    if not interface.isValid() or not _has_typed_uninhibit(interface):
        log.info("screen saver: cannot call UnInhibit (%s)", interface.lastError().message())
        return None
    return interface


def _knows_the_interface(bus: QDBusConnection) -> bool:
    """Make QtDBus cache the interface's description, introspected from a template on our own connection."""
    template = _InterfaceTemplate()
    if not bus.registerObject(TEMPLATE_PATH, template, QDBusConnection.RegisterOption.ExportAllSlots):
        return False
    try:
        local = QDBusInterface(
            bus.baseService(), TEMPLATE_PATH, INTERFACE, bus
        )  # a local call, no bus traffic
        return local.isValid() and _has_typed_uninhibit(local)
    finally:
        bus.unregisterObject(TEMPLATE_PATH)


def _has_typed_uninhibit(interface: QDBusInterface) -> bool:
    return interface.metaObject().indexOfMethod("UnInhibit(uint)") >= 0


def _session_bus() -> QDBusConnection | None:
    if not sys.platform.startswith("linux"):
        return None
    return QDBusConnection.sessionBus()
