"""Quitting cleanly on SIGTERM, SIGINT and SIGHUP (logout, `kill`, `timeout`, Ctrl+C in a terminal).

Python runs a signal handler only between bytecodes, and Qt's event loop sits in C while nothing happens,
so work done in a handler could wait indefinitely and would run at an arbitrary point. Instead the C-level
handler writes the signal's number to a pipe (``signal.set_wakeup_fd``) whose read end the event loop
watches (QSocketNotifier); the Python handler does nothing. The app then quits from an ordinary
event-loop turn, the way Quit does.
"""

from __future__ import annotations

import contextlib
import os
import signal
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, Signal, Slot

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _wake_only(_number: int, _frame: FrameType | None) -> None:
    """The byte in the wakeup socket is the message; nothing to do here."""


class QuitSignals(QObject):
    """Watches the quit signals from construction to close(). Signal `received(int)`: one was delivered."""

    received = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader, self._writer = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        # Many signals at once only need to wake us once: a full pipe is not worth a warning.
        self._previous_fd = signal.set_wakeup_fd(self._writer, warn_on_full_buffer=False)
        self._previous = {number: signal.signal(number, _wake_only) for number in QUIT_SIGNALS}
        self._notifier = QSocketNotifier(self._reader, QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    @Slot()
    def _drain(self) -> None:
        try:
            numbers = os.read(self._reader, 256)
        except BlockingIOError:
            return
        for number in numbers:
            if number in QUIT_SIGNALS:
                self.received.emit(number)

    def close(self) -> None:
        """Give the signals back to whoever had them (Python's defaults in the app)."""
        self._notifier.setEnabled(False)
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(self._previous_fd)
        for end in (self._reader, self._writer):
            with contextlib.suppress(OSError):
                os.close(end)
