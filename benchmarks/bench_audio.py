"""Cue latency on the real loop: from a phase deadline (or 3-2-1 moment) to the cue's play() call.

A compressed timeline runs through the real Ticker, SystemClock and CuePlayer (offscreen); the play hook
timestamps each cue against the ideal moment of the transition it belongs to (``CuePlayer.last_cue.at``).
With ``--play`` the hook also really plays the sound (needs an audio output; without one the sounds stay
silent and only the timing is measured).

    python -m benchmarks.bench_audio [--play]
"""

from __future__ import annotations

import random
import sys
import time

from PySide6.QtCore import QCoreApplication, Qt, QTimer

from benchmarks.report import emit, percentile
from psoas_desktop.core.catalog import PhaseKind, Side
from psoas_desktop.core.clock import SystemClock
from psoas_desktop.core.engine import EngineState, SessionEngine, Transition, TransitionKind
from psoas_desktop.core.plan import PHASE_LABELS, Phase, Timeline
from psoas_desktop.qt.session.ticker import Ticker
from psoas_desktop.qt.sound.cue_player import CuePlayer

KINDS = (PhaseKind.MOVE, PhaseKind.HOLD, PhaseKind.LOWER, PhaseKind.REST, PhaseKind.SWITCH_SIDES)


def compressed_timeline(count: int = 40, seed: int = 11) -> Timeline:
    """Short phases; holds of 2.5–4 s so each one also carries 3-2-1 countdown cues."""
    rng = random.Random(seed)
    phases = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        seconds = round(rng.uniform(2.5, 4.0) if kind is PhaseKind.HOLD else rng.uniform(0.5, 1.5), 3)
        phases.append(
            Phase(
                kind=kind,
                exercise="bench",
                exercise_index=0,
                side=Side.RIGHT,
                set=1 + i // len(KINDS),
                sets=count // len(KINDS) + 1,
                rep=i + 1,
                reps=count,
                seconds=seconds,
                step=1,
                label=PHASE_LABELS[kind],
                counted=kind is PhaseKind.HOLD,
                ends_set=i % len(KINDS) == len(KINDS) - 1,
                ends_exercise=i == count - 1,
            )
        )
    return Timeline("bench", ("bench",), tuple(phases))


def run_session(app: QCoreApplication, timeline: Timeline, *, play: bool) -> tuple[list[float], list[str]]:
    """Each cue's lateness in ms (play() call minus its ideal moment), and the cues in order."""
    clock = SystemClock()
    engine = SessionEngine(timeline, clock)
    ticker = Ticker(clock, engine)
    lateness: list[float] = []
    cues: list[str] = []

    def stamp(name: str) -> None:
        now = time.monotonic()
        cue = player.last_cue
        assert cue is not None
        lateness.append((now - cue.at) * 1000)
        cues.append(name)
        if play:
            player.play_sound(name)

    player = CuePlayer(play_hook=stamp, clock=clock)
    player.set_volume(60)
    ticker.transitions_emitted.connect(lambda ts: player.handle(ts, engine.timeline.phases))

    def finished(transitions: tuple[Transition, ...]) -> None:
        if any(t.kind is TransitionKind.SESSION_COMPLETED for t in transitions):
            app.quit()

    ticker.transitions_emitted.connect(finished)
    watchdog = QTimer()
    watchdog.setSingleShot(True)
    watchdog.setTimerType(Qt.TimerType.PreciseTimer)
    watchdog.timeout.connect(app.quit)
    watchdog.start(int(timeline.total_seconds * 1000) + 15_000)
    if play:
        player.prepare()
        settle = QTimer()
        settle.setSingleShot(True)
        settle.timeout.connect(app.quit)
        settle.start(2500)  # QtMultimedia plays its first sound only ~1.7 s after the first QSoundEffect
        app.exec()
    ticker.start()
    app.exec()
    watchdog.stop()
    ticker.stop()
    player.shutdown()
    if engine.state is not EngineState.COMPLETED:
        raise RuntimeError("the benchmark session did not complete (watchdog fired)")
    return lateness, cues


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    play = "--play" in args
    app = QCoreApplication.instance() or QCoreApplication([])
    assert isinstance(app, QCoreApplication)
    lateness, cues = run_session(app, compressed_timeline(), play=play)
    emit("audio.cues", len(cues), "count", None)
    emit("audio.cue_late_p99_ms", percentile(lateness, 0.99), "ms", "<= 20")
    emit("audio.cue_late_max_ms", max(lateness), "ms", None)


if __name__ == "__main__":
    main()
