"""While a session runs: keep the screen awake, and pause the session before the laptop sleeps.

Follows the engine through the ticker's snapshots. When a session starts running (or resumes) it asks the
screen saver to stay off and takes logind's delay lock, so a closing lid reaches us before the machine
stops; when the session pauses, completes or stops, both are handed back. A ``PrepareForSleep`` while the
session runs pauses it and says so in the status bar; after waking the person resumes it with Space.

Both services are best effort (see ``sleep_watch`` and ``screensaver``): where they are missing the
session runs exactly as before, and the engine's gap detection still catches a sleep we were not told of.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Slot

from psoas_desktop.core.engine import EngineState, Snapshot
from psoas_desktop.qt.desktop.screensaver import ScreenSaverInhibitor
from psoas_desktop.qt.desktop.sleep_watch import SleepWatcher
from psoas_desktop.qt.session.main_window import MainWindow

log = logging.getLogger(__name__)

INHIBIT_REASON = "A workout session is running"
PAUSED_FOR_SLEEP = "Paused because the computer is going to sleep. Press Space to resume."
WELCOME_BACK = "Welcome back. The session was paused before the computer slept; press Space to resume."


class SessionPowerGuard(QObject):
    def __init__(
        self, window: MainWindow, *, sleep_watcher: SleepWatcher, screen_saver: ScreenSaverInhibitor
    ) -> None:
        super().__init__(window)
        self.window = window
        self.sleep_watcher = sleep_watcher
        self.screen_saver = screen_saver
        self._running = False
        self._paused_for_sleep = False
        window.ticker.snapshot_changed.connect(self._on_snapshot)
        sleep_watcher.preparing_for_sleep.connect(self._before_sleep)
        sleep_watcher.resumed.connect(self._after_sleep)

    def stop(self) -> None:
        """On quit: hand back the screen saver and the delay lock, whatever the session's state."""
        self._set_running(False)

    @Slot(object)
    def _on_snapshot(self, snapshot: Snapshot) -> None:
        running = snapshot.state is EngineState.RUNNING
        if running:
            self._paused_for_sleep = False  # resumed (or a new session): the sleep is behind us
        self._set_running(running)

    def _set_running(self, running: bool) -> None:
        if running == self._running:
            return  # snapshots arrive several times a second; act only on a change
        self._running = running
        if running:
            self.screen_saver.inhibit(INHIBIT_REASON)
        else:
            self.screen_saver.release()
        self.sleep_watcher.set_delay_lock(running)

    @Slot()
    def _before_sleep(self) -> None:
        engine = self.window.ticker.engine
        if engine is None or engine.state is not EngineState.RUNNING:
            return
        self.window.ticker.pause()
        self._paused_for_sleep = True
        log.info("paused the session before sleep")
        self.window.show_message(PAUSED_FOR_SLEEP)

    @Slot()
    def _after_sleep(self) -> None:
        engine = self.window.ticker.engine
        if self._paused_for_sleep and engine is not None and engine.state is EngineState.PAUSED:
            self.window.show_message(WELCOME_BACK)
