"""The ticker with a FakeClock: timers aimed at the engine's next event, signals carrying its results."""

from __future__ import annotations

from typing import Any

from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from helpers.timelines import make_timeline
from psoas_desktop.core.engine import EngineState, SessionEngine, Snapshot, TransitionKind
from psoas_desktop.qt.session.ticker import Ticker


def make(qtbot: QtBot) -> tuple[FakeClock, Ticker]:
    clock = FakeClock()
    ticker = Ticker(clock, SessionEngine(make_timeline(), clock))
    return clock, ticker


def fire_boundary(ticker: Ticker) -> None:
    assert ticker.boundary_timer.isActive()
    ticker.boundary_timer.timeout.emit()


def test_start_arms_the_precise_timers_at_the_next_boundary(qtbot: QtBot) -> None:
    _clock, ticker = make(qtbot)
    with qtbot.waitSignal(ticker.transitions_emitted) as blocker:
        ticker.start()
    assert [t.kind for t in blocker.args[0]] == [TransitionKind.SESSION_STARTED, TransitionKind.PHASE_STARTED]
    assert ticker.display_timer.isActive() and ticker.boundary_timer.isActive()
    assert ticker.boundary_timer.interval() == 2000  # the 2 s get-ready phase
    ticker.stop()


def test_boundary_timer_delivers_transitions_and_rearms(qtbot: QtBot) -> None:
    clock, ticker = make(qtbot)
    ticker.start()
    clock.advance(2.0)
    with qtbot.waitSignal(ticker.transitions_emitted) as blocker:
        fire_boundary(ticker)
    assert [(t.kind, t.phase_index) for t in blocker.args[0]] == [
        (TransitionKind.PHASE_ENDED, 0),
        (TransitionKind.PHASE_STARTED, 1),
    ]
    assert ticker.boundary_timer.interval() == 1000
    clock.advance(1.0)
    fire_boundary(ticker)  # into the 5 s hold: next is the "3" cue, 2 s away
    assert ticker.boundary_timer.interval() == 2000
    clock.advance(1.9995)
    fire_boundary(ticker)  # a timer that wakes a hair early just re-arms for the remainder
    assert ticker.boundary_timer.interval() == 1
    ticker.stop()


def test_snapshots_and_records_are_emitted(qtbot: QtBot) -> None:
    clock, ticker = make(qtbot)
    snapshots: list[Snapshot] = []
    records: list[Any] = []
    ticker.snapshot_changed.connect(snapshots.append)
    ticker.records_emitted.connect(records.extend)
    ticker.start()
    for _ in range(8):
        clock.advance(1.0)
        ticker.display_timer.timeout.emit()
    assert snapshots[-1].phase_index == 3 and snapshots[-1].remaining == 1.0
    assert [(r.exercise, r.actual_seconds) for r in records] == [("ex0", 5.0)]
    ticker.stop()


def test_timers_stop_when_paused_stopped_or_finished(qtbot: QtBot) -> None:
    clock, ticker = make(qtbot)
    ticker.start()
    ticker.toggle()
    assert not ticker.display_timer.isActive() and not ticker.boundary_timer.isActive()
    ticker.toggle()
    assert ticker.boundary_timer.isActive()
    for _ in range(40):
        clock.advance(1.0)
        ticker.poll()
    engine = ticker.engine
    assert engine is not None and engine.state is EngineState.COMPLETED
    assert not ticker.display_timer.isActive() and not ticker.boundary_timer.isActive()


def test_skip_back_and_skip_exercise_act_at_once(qtbot: QtBot) -> None:
    _clock, ticker = make(qtbot)
    seen: list[Snapshot] = []
    ticker.snapshot_changed.connect(seen.append)
    ticker.start()
    ticker.skip()
    assert seen[-1].phase_index == 1
    ticker.back()
    assert seen[-1].phase_index == 0
    ticker.skip_exercise()
    assert seen[-1].phase is not None and seen[-1].phase.exercise == "ex1"
    ticker.stop()
    assert seen[-1].state is EngineState.STOPPED
    ticker.set_engine(None)
    assert ticker.poll() is None
