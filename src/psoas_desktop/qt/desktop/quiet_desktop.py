"""Is the desktop asking for quiet? Do Not Disturb, or another window full screen (a presentation, a call).

Three cheap probes, each asked only when a reminder is due, each time-bounded, each "not quiet" when its
source is missing (nothing here raises):

- ``org.freedesktop.Notifications``' ``Inhibited`` property on the session bus (KDE and others): one
  ``Properties.Get`` with a short time limit, without starting the notification service.
- GNOME's ``org.gnome.desktop.notifications show-banners`` through ``gsettings get`` (false = Do Not
  Disturb), only on GNOME (a value left over from another desktop must not silence reminders), with a
  subprocess time limit; a missing binary or schema is noticed once and not asked again.
- On X11, EWMH: the root window's ``_NET_ACTIVE_WINDOW`` whose ``_NET_WM_STATE`` holds
  ``_NET_WM_STATE_FULLSCREEN``, read with python-xlib; our own windows (mat mode) do not count. On
  Wayland another app's full-screen state cannot be read, so there only Do Not Disturb applies.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtDBus import QDBus, QDBusConnection, QDBusMessage
from PySide6.QtGui import QGuiApplication

from psoas_desktop.core.reminders import HeldBack, held_back_by

log = logging.getLogger(__name__)

NOTIFICATIONS_SERVICE = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
NOTIFICATIONS_INTERFACE = "org.freedesktop.Notifications"
PROPERTIES_INTERFACE = "org.freedesktop.DBus.Properties"
INHIBITED_TIMEOUT_MS = 250
GNOME_SCHEMA = "org.gnome.desktop.notifications"
GNOME_KEY = "show-banners"
GSETTINGS_TIMEOUT_S = 0.5


class NotificationsInhibited:
    """Reads ``Inhibited`` of the notification service; False when it is missing, silent or says no."""

    def __init__(self, bus: QDBusConnection | None) -> None:
        self._bus = bus

    def __call__(self) -> bool:
        bus = self._bus
        if bus is None or not bus.isConnected():
            return False
        try:
            message = QDBusMessage.createMethodCall(
                NOTIFICATIONS_SERVICE, NOTIFICATIONS_PATH, PROPERTIES_INTERFACE, "Get"
            )
            message.setArguments([NOTIFICATIONS_INTERFACE, "Inhibited"])
            message.setAutoStartService(False)  # asking must not start a notification daemon
            reply = bus.call(message, QDBus.CallMode.Block, INHIBITED_TIMEOUT_MS)
            if reply.type() != QDBusMessage.MessageType.ReplyMessage:
                log.debug("notifications: no Inhibited (%s)", reply.errorMessage())
                return False
            arguments = reply.arguments()
            value: Any = arguments[0] if arguments else None
            if hasattr(value, "variant"):  # a QDBusVariant where PySide6 does not unwrap it
                value = value.variant()
            return value is True
        except Exception:
            log.warning("notifications: could not read Inhibited", exc_info=True)
            return False


class GnomeBannersOff:
    """True when GNOME's notification banners are off (its Do Not Disturb)."""

    def __init__(self, gsettings: str | None, *, desktop: str) -> None:
        on_gnome = "gnome" in desktop.lower().split(":")
        self._gsettings = gsettings if on_gnome else None

    def __call__(self) -> bool:
        if self._gsettings is None:
            return False
        try:
            done = subprocess.run(
                [self._gsettings, "get", GNOME_SCHEMA, GNOME_KEY],
                capture_output=True,
                text=True,
                timeout=GSETTINGS_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            log.info("gsettings did not answer within %s s", GSETTINGS_TIMEOUT_S)
            return False
        except OSError as error:
            log.info("gsettings cannot run (%s); GNOME's Do Not Disturb is not read", error)
            self._gsettings = None
            return False
        if done.returncode != 0:  # no such schema: it will not appear while we run
            log.info("gsettings: %s; GNOME's Do Not Disturb is not read", done.stderr.strip())
            self._gsettings = None
            return False
        return done.stdout.strip() == "false"


class FullScreenWindow:
    """True when the active X11 window is full screen and is not one of ours (EWMH)."""

    def __init__(self, display_name: str, own_windows: Callable[[], Iterable[int]] = tuple) -> None:
        self._display_name = display_name
        self._own_windows = own_windows
        self._display: Any = None

    def __call__(self) -> bool:
        try:
            return self._active_is_full_screen()
        except Exception as error:  # a closed window, a lost connection: not full screen, retry next time
            log.debug("full-screen check failed: %r", error)
            self.close()
            return False

    def close(self) -> None:
        display, self._display = self._display, None
        if display is not None:
            try:
                display.close()
            except Exception:
                log.debug("could not close the X connection", exc_info=True)

    def _active_is_full_screen(self) -> bool:
        # Imported here: only X11 needs it, and the app runs without it.
        from Xlib import X, Xatom
        from Xlib.display import Display

        if self._display is None:
            self._display = Display(self._display_name)
        display = self._display
        root = display.screen().root
        active = root.get_full_property(display.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        if active is None or len(active.value) == 0:
            return False
        window_id = int(active.value[0])
        if window_id == 0 or window_id in set(self._own_windows()):
            return False
        window = display.create_resource_object("window", window_id)
        state = window.get_full_property(display.intern_atom("_NET_WM_STATE"), Xatom.ATOM)
        full_screen = display.intern_atom("_NET_WM_STATE_FULLSCREEN")
        return state is not None and full_screen in [int(atom) for atom in state.value]


class QuietDesktop:
    """Asks each probe; ``held_back()`` says why a due reminder should wait now, or None."""

    def __init__(
        self,
        *,
        do_not_disturb: Iterable[Callable[[], bool]],
        full_screen: Callable[[], bool] | None,
    ) -> None:
        self._do_not_disturb = tuple(do_not_disturb)
        self._full_screen = full_screen

    def held_back(self) -> HeldBack | None:
        dnd = any(probe() for probe in self._do_not_disturb)
        full_screen = not dnd and self._full_screen is not None and self._full_screen()
        return held_back_by(dnd, full_screen)

    def close(self) -> None:
        if isinstance(self._full_screen, FullScreenWindow):
            self._full_screen.close()


def quiet_desktop_here() -> QuietDesktop:
    """The probes this desktop supports: the session bus and gsettings on Linux, EWMH on X11 only."""
    linux = sys.platform.startswith("linux")
    display = os.environ.get("DISPLAY", "")
    full_screen = (
        FullScreenWindow(display, _our_windows)
        if linux and display and QGuiApplication.platformName() == "xcb"
        else None
    )
    do_not_disturb: list[Callable[[], bool]] = []
    if linux:
        do_not_disturb.append(NotificationsInhibited(QDBusConnection.sessionBus()))
        do_not_disturb.append(
            GnomeBannersOff(shutil.which("gsettings"), desktop=os.environ.get("XDG_CURRENT_DESKTOP", ""))
        )
    return QuietDesktop(do_not_disturb=do_not_disturb, full_screen=full_screen)


def _our_windows() -> list[int]:
    """Only windows on screen (they exist already: winId() of a hidden one would create it)."""
    return [int(window.winId()) for window in QGuiApplication.topLevelWindows() if window.isVisible()]
