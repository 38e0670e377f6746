"""Real-loop timer accuracy: a compressed timeline on the Qt event loop with the system clock (offscreen).

For each phase boundary we compare the moment the GUI thread received it with its ideal deadline (the
session start plus the planned length of everything before it).
"""

from __future__ import annotations

import multiprocessing
import random
import resource
import time

from PySide6.QtCore import QCoreApplication, QTimer

from benchmarks.report import emit, percentile
from psoas_desktop.core.catalog import PhaseKind, Side
from psoas_desktop.core.clock import SystemClock
from psoas_desktop.core.engine import EngineState, SessionEngine, Transition, TransitionKind
from psoas_desktop.core.plan import PHASE_LABELS, Phase, Timeline
from psoas_desktop.qt.session.ticker import Ticker

KINDS = (PhaseKind.MOVE, PhaseKind.HOLD, PhaseKind.LOWER, PhaseKind.REST, PhaseKind.SWITCH_SIDES)


def compressed_timeline(count: int = 40, seed: int = 7) -> Timeline:
    rng = random.Random(seed)
    phases = tuple(
        Phase(
            kind=KINDS[i % len(KINDS)],
            exercise="bench",
            exercise_index=0,
            side=Side.RIGHT,
            set=1,
            sets=1,
            rep=i + 1,
            reps=count,
            seconds=round(rng.uniform(0.5, 3.0), 3),
            step=1,
            label=PHASE_LABELS[KINDS[i % len(KINDS)]],
            counted=KINDS[i % len(KINDS)] is PhaseKind.HOLD,
        )
        for i in range(count)
    )
    return Timeline("bench", ("bench",), phases)


def run_session(app: QCoreApplication, timeline: Timeline) -> tuple[list[float], float]:
    """Returns each boundary's lateness (ms, received minus ideal) and the end-of-session drift (ms)."""
    clock = SystemClock()
    engine = SessionEngine(timeline, clock)
    ticker = Ticker(clock, engine)
    errors: list[float] = []
    drift = [0.0]
    start = [0.0]

    def received(transitions: tuple[Transition, ...]) -> None:
        now = time.monotonic()
        for t in transitions:
            if t.kind is TransitionKind.PHASE_STARTED and t.phase_index:
                ideal = start[0] + sum(p.seconds for p in timeline.phases[: t.phase_index])
                errors.append((now - ideal) * 1000)
            elif t.kind is TransitionKind.SESSION_COMPLETED:
                drift[0] = (now - (start[0] + timeline.total_seconds)) * 1000
                app.quit()

    ticker.transitions_emitted.connect(received)
    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(app.quit)
    watchdog.start(int(timeline.total_seconds * 1000) + 10_000)
    start[0] = time.monotonic()
    ticker.start()
    app.exec()
    watchdog.stop()
    if engine.state is not EngineState.COMPLETED:
        raise RuntimeError("the benchmark session did not complete (watchdog fired)")
    return errors, drift[0]


def _burn(stop_at: float) -> None:
    while time.monotonic() < stop_at:
        pass


def cpu_during_hold(app: QCoreApplication, seconds: float = 10.0) -> float:
    phase = compressed_timeline(1).phases[0]
    hold = Phase(**{**phase.__dict__, "kind": PhaseKind.HOLD, "seconds": seconds + 1})
    clock = SystemClock()
    ticker = Ticker(clock, SessionEngine(Timeline("hold", ("bench",), (hold,)), clock))
    ticker.start()
    stop = QTimer()
    stop.setSingleShot(True)
    stop.timeout.connect(app.quit)
    before_cpu = resource.getrusage(resource.RUSAGE_SELF)
    before = time.monotonic()
    stop.start(int(seconds * 1000))
    app.exec()
    wall = time.monotonic() - before
    after_cpu = resource.getrusage(resource.RUSAGE_SELF)
    ticker.stop()
    used = (after_cpu.ru_utime - before_cpu.ru_utime) + (after_cpu.ru_stime - before_cpu.ru_stime)
    return used / wall * 100


def main() -> None:
    app = QCoreApplication.instance() or QCoreApplication([])
    assert isinstance(app, QCoreApplication)
    timeline = compressed_timeline()
    errors, drift = run_session(app, timeline)
    emit("timer.phases", len(timeline.phases), "count", None)
    emit("timer.boundary_error_p99_ms", percentile([abs(e) for e in errors], 0.99), "ms", "<= 5")
    emit("timer.boundary_error_max_ms", max(abs(e) for e in errors), "ms", "<= 15")
    emit("timer.drift_ms", abs(drift), "ms", "<= 2")

    busy = multiprocessing.get_context("spawn").Process(
        target=_burn, args=(time.monotonic() + timeline.total_seconds + 5,), daemon=True
    )
    busy.start()
    try:
        errors_busy, _ = run_session(app, timeline)
    finally:
        busy.terminate()
        busy.join()
    emit(
        "timer.boundary_error_p99_ms_busy_core", percentile([abs(e) for e in errors_busy], 0.99), "ms", "<= 5"
    )
    emit("timer.cpu_percent_during_hold", cpu_during_hold(app), "% of one core", "<= 3")


if __name__ == "__main__":
    main()
