"""The only place a QTimer drives the engine.

Two PreciseTimer QTimer objects: a display tick that keeps the digits fresh, and a single-shot timer aimed at
the engine's next boundary or countdown cue so cues fire on time rather than on the next display tick. The
static ``QTimer.singleShot`` is not used: for intervals of 2 s or more it picks a coarse timer that was
measured firing up to 149 ms early on this platform.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from psoas_desktop.core.clock import Clock
from psoas_desktop.core.engine import EngineState, PollResult, SessionEngine

DISPLAY_INTERVAL_MS = 100


class Ticker(QObject):
    """Polls a SessionEngine and hands the results to the GUI.

    Signals:
        snapshot_changed(Snapshot): after every poll.
        transitions_emitted(tuple[Transition, ...]): the transitions of a poll, when there are any.
        records_emitted(tuple[HoldRecord, ...]): completed/skipped/interrupted holds, when there are any.
    """

    snapshot_changed = Signal(object)
    transitions_emitted = Signal(object)
    records_emitted = Signal(object)

    def __init__(
        self,
        clock: Clock,
        engine: SessionEngine | None = None,
        *,
        display_interval_ms: int = DISPLAY_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._engine = engine
        self._display = QTimer(self)
        self._display.setTimerType(Qt.TimerType.PreciseTimer)
        self._display.setInterval(display_interval_ms)
        self._display.timeout.connect(self.poll)
        self._boundary = QTimer(self)
        self._boundary.setTimerType(Qt.TimerType.PreciseTimer)
        self._boundary.setSingleShot(True)
        self._boundary.timeout.connect(self.poll)

    @property
    def engine(self) -> SessionEngine | None:
        return self._engine

    def set_engine(self, engine: SessionEngine | None) -> None:
        """Drive another session (the previous one must be finished or stopped)."""
        self._engine = engine
        self.poll()

    @property
    def boundary_timer(self) -> QTimer:
        return self._boundary

    @property
    def display_timer(self) -> QTimer:
        return self._display

    @Slot()
    def poll(self) -> PollResult | None:
        if self._engine is None:
            self._stop_timers()
            return None
        result = self._engine.poll()
        self._rearm()
        if result.transitions:
            self.transitions_emitted.emit(result.transitions)
        if result.records:
            self.records_emitted.emit(result.records)
        self.snapshot_changed.emit(result.snapshot)
        return result

    def _rearm(self) -> None:
        engine = self._engine
        if engine is None or engine.state is not EngineState.RUNNING:
            self._stop_timers()
            return
        if not self._display.isActive():
            self._display.start()
        next_event = engine.next_event_at()
        if next_event is not None:
            # Round up: waking a millisecond late is fine, waking early only costs an extra poll.
            delay = max(0, math.ceil((next_event - self._clock.monotonic()) * 1000))
            self._boundary.start(delay)

    def _stop_timers(self) -> None:
        self._display.stop()
        self._boundary.stop()

    # -- user intents: act on the engine, then show the result at once --------------------------------

    @Slot()
    def start(self, phase_index: int | None = None) -> None:
        if self._engine is not None:
            self._engine.start(phase_index)
        self.poll()

    @Slot()
    def toggle(self) -> None:
        if self._engine is not None:
            self._engine.toggle()
        self.poll()

    @Slot()
    def skip(self) -> None:
        if self._engine is not None:
            self._engine.skip()
        self.poll()

    @Slot()
    def back(self) -> None:
        if self._engine is not None:
            self._engine.back()
        self.poll()

    @Slot()
    def skip_exercise(self) -> None:
        if self._engine is not None:
            self._engine.skip_exercise()
        self.poll()

    @Slot()
    def pause(self) -> None:
        if self._engine is not None:
            self._engine.pause()
        self.poll()

    @Slot()
    def stop(self) -> None:
        if self._engine is not None:
            self._engine.stop()
        self.poll()
