"""SessionEngine against a FakeClock: exact boundaries, honest records, suspend detection. No sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpers.fake_clock import FakeClock
from helpers.timelines import make_timeline
from psoas_desktop.core.catalog import PhaseKind, load_catalog
from psoas_desktop.core.engine import (
    EngineState,
    PhaseStatus,
    PollResult,
    SessionEngine,
    TransitionKind,
)
from psoas_desktop.core.errors import PlanError
from psoas_desktop.core.plan import Timeline, build_timeline
from psoas_desktop.core.settings import Settings

T = TransitionKind


def kinds(result: PollResult) -> list[tuple[str, int | None]]:
    return [(t.kind.value, t.count if t.kind is T.COUNTDOWN else t.phase_index) for t in result.transitions]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_runs_phase_by_phase_on_deadlines(clock: FakeClock) -> None:
    engine = SessionEngine(make_timeline(), clock)
    engine.start()
    first = engine.poll()
    assert kinds(first) == [("session_started", None), ("phase_started", 0)]
    assert first.snapshot.remaining == 2.0 and first.snapshot.state is EngineState.RUNNING
    clock.advance(1.5)
    assert engine.poll().snapshot.remaining == pytest.approx(0.5)
    clock.advance(0.5)
    assert kinds(engine.poll()) == [("phase_ended", 0), ("phase_started", 1)]


def test_countdown_before_a_hold_ends(clock: FakeClock) -> None:
    engine = SessionEngine(make_timeline(), clock)
    engine.start()
    engine.poll()
    clock.advance(3.0)  # get ready 2 + lift 1: the 5 s hold starts now
    engine.poll()
    counts = []
    for _ in range(10):
        clock.advance(0.5)
        counts += [t.count for t in engine.poll().transitions if t.kind is T.COUNTDOWN]
    assert counts == [3, 2, 1]


def test_late_poll_delivers_each_boundary_once_in_order_without_stale_countdowns(clock: FakeClock) -> None:
    timeline = make_timeline()
    engine = SessionEngine(timeline, clock, max_gap_seconds=1e9)
    engine.start()
    engine.poll()
    clock.advance(11.5)  # through get ready, lift, hold, lower, rest; 0.5 s into the next lift
    result = engine.poll()
    assert kinds(result) == [
        ("phase_ended", 0), ("phase_started", 1), ("phase_ended", 1), ("phase_started", 2),
        ("phase_ended", 2), ("phase_started", 3), ("phase_ended", 3), ("set_completed", 3),
        ("phase_started", 4), ("phase_ended", 4), ("phase_started", 5),
    ]  # fmt: skip
    assert [t.at - 1000.0 for t in result.transitions if t.kind is T.PHASE_STARTED] == [2, 3, 8, 9, 11]
    assert result.snapshot.remaining == pytest.approx(0.5)
    # The one countdown still fresh at poll time is delivered, the overtaken ones are not.
    clock.advance(0.5 + 1.5)  # 1.5 s into the 3 s hold: cue "2" was due 0.5 s ago
    assert [t.count for t in engine.poll().transitions if t.kind is T.COUNTDOWN] == [2]


def test_pause_excludes_paused_time(clock: FakeClock) -> None:
    engine = SessionEngine(make_timeline(), clock)
    engine.start()
    clock.advance(3.5)  # 0.5 s into the hold
    engine.pause()
    clock.advance(100)
    snapshot = engine.poll().snapshot
    assert snapshot.state is EngineState.PAUSED and snapshot.remaining == pytest.approx(4.5)
    engine.resume()
    clock.advance(4.5)
    result = engine.poll()
    assert [r.actual_seconds for r in result.records] == [pytest.approx(5.0)]
    assert result.records[0].status is PhaseStatus.COMPLETED and result.snapshot.phase_index == 3


def test_record_has_utc_start_and_local_offset(clock: FakeClock) -> None:
    engine = SessionEngine(make_timeline(), clock)
    engine.start()
    clock.advance(4.0)
    engine.poll()
    clock.advance(4.0)
    record = engine.poll().records[0]
    assert record.started_utc == datetime(2026, 11, 23, 7, 0, 3, tzinfo=UTC)  # 08:00:03 at UTC+1
    assert record.utc_offset_seconds == 3600
    assert (record.exercise, record.planned_seconds, record.actual_seconds) == ("ex0", 5.0, 5.0)


def test_skip_back_and_skip_exercise(clock: FakeClock) -> None:
    engine = SessionEngine(make_timeline(), clock)
    engine.start()
    clock.advance(3.0)
    engine.poll()
    clock.advance(2.0)  # 2 s into the 5 s hold
    engine.skip()
    result = engine.poll()
    assert [(r.status, r.actual_seconds) for r in result.records] == [(PhaseStatus.SKIPPED, 2.0)]
    assert result.snapshot.phase_index == 3
    clock.advance(0.5)
    engine.back()  # within the first second: back to the hold, whole again
    assert engine.poll().snapshot.phase_index == 2
    clock.advance(2.0)
    engine.back()  # later in the phase: restart it
    result = engine.poll()
    assert result.snapshot.phase_index == 2 and result.snapshot.remaining == 5.0
    assert [(r.status, r.actual_seconds) for r in result.records] == [(PhaseStatus.RESTARTED, 2.0)]
    engine.skip_exercise()
    result = engine.poll()
    assert result.snapshot.phase_index == 8 and result.snapshot.phase is not None
    assert result.snapshot.phase.exercise == "ex1"


def test_back_at_the_very_first_phase_restarts_it(clock: FakeClock) -> None:
    engine = SessionEngine(make_timeline(), clock)
    engine.start()
    clock.advance(0.5)
    engine.back()
    snapshot = engine.poll().snapshot
    assert snapshot.phase_index == 0 and snapshot.remaining == 2.0


def test_stop_records_the_partial_hold(clock: FakeClock) -> None:
    engine = SessionEngine(make_timeline(), clock)
    engine.start()
    clock.advance(4.0)
    engine.stop()
    result = engine.poll()
    assert result.snapshot.state is EngineState.STOPPED
    assert [(r.status, r.actual_seconds) for r in result.records] == [(PhaseStatus.STOPPED, 1.0)]
    assert kinds(result)[-1] == ("session_stopped", None)
    engine.resume()
    engine.skip()
    assert engine.poll().transitions == ()


def test_completed_session_emits_set_exercise_and_session_completion(clock: FakeClock) -> None:
    timeline = make_timeline()
    engine = SessionEngine(timeline, clock)
    engine.start()
    seen = []
    for _ in range(200):
        clock.advance(0.25)
        seen += [t.kind for t in engine.poll().transitions]
    assert seen.count(T.SET_COMPLETED) == 3
    assert seen.count(T.EXERCISE_COMPLETED) == 2
    assert seen[-1] is T.SESSION_COMPLETED and seen.count(T.SESSION_COMPLETED) == 1
    final = engine.poll().snapshot
    assert final.state is EngineState.COMPLETED and final.session_progress == 1.0 and final.remaining == 0


def test_suspend_pauses_and_never_counts_sleep(clock: FakeClock) -> None:
    engine = SessionEngine(make_timeline(), clock)
    engine.start()
    clock.advance(4.0)  # 1 s into the hold
    engine.poll()
    clock.suspend(3600)  # wall clock jumps an hour, monotonic does not move
    clock.advance(0.1)
    result = engine.poll()
    assert [t.kind for t in result.transitions] == [T.PHASE_ENDED, T.INTERRUPTED]
    assert result.transitions[0].status is PhaseStatus.INTERRUPTED
    assert [(r.status, r.actual_seconds) for r in result.records] == [(PhaseStatus.INTERRUPTED, 1.0)]
    assert result.snapshot.state is EngineState.PAUSED and result.snapshot.interrupted
    clock.advance(10)
    assert engine.poll().snapshot.remaining == 5.0  # nothing ran while paused
    engine.resume()
    result = engine.poll()
    assert [t.kind for t in result.transitions] == [T.RESUMED, T.PHASE_STARTED]
    assert not result.snapshot.interrupted and result.snapshot.remaining == 5.0


def test_a_frozen_process_gap_and_a_clock_change_also_interrupt(clock: FakeClock) -> None:
    engine = SessionEngine(make_timeline(), clock)
    engine.start()
    clock.advance(30)  # monotonic gap far beyond any tick: the process was frozen
    assert [t.kind for t in engine.poll().transitions][-1] is T.INTERRUPTED
    engine.resume()
    engine.poll()
    clock.set_wall(clock.now() - timedelta(hours=2))  # clock set back
    clock.advance(0.1)
    assert [t.kind for t in engine.poll().transitions] == [T.PHASE_ENDED, T.INTERRUPTED]


def test_start_from_a_chosen_phase(clock: FakeClock) -> None:
    timeline = make_timeline()
    engine = SessionEngine(timeline, clock)
    engine.start(timeline.first_phase_of(1))
    snapshot = engine.poll().snapshot
    assert snapshot.phase is not None and snapshot.phase.exercise == "ex1"
    assert snapshot.session_remaining == pytest.approx(11.0)


def test_next_event_points_at_the_next_cue_or_boundary(clock: FakeClock) -> None:
    engine = SessionEngine(make_timeline(), clock)
    assert engine.next_event_at() is None
    engine.start()
    assert engine.next_event_at() == 1002.0
    clock.advance(3.0)
    engine.poll()
    assert engine.next_event_at() == 1003.0 + 5 - 3  # the "3" cue before the hold ends
    engine.pause()
    assert engine.next_event_at() is None


def test_bad_timelines_are_refused(clock: FakeClock) -> None:
    with pytest.raises(PlanError, match="no phases"):
        SessionEngine(Timeline("empty", (), ()), clock)
    engine = SessionEngine(make_timeline(), clock)
    with pytest.raises(IndexError, match="no phase 99"):
        engine.start(99)


def test_a_real_routine_lasts_its_planned_total(clock: FakeClock) -> None:
    catalog = load_catalog()
    timeline = build_timeline(catalog, catalog.routine("psoas-3"), Settings())
    engine = SessionEngine(timeline, clock)
    engine.start()
    holds = 0
    while engine.state is EngineState.RUNNING:
        clock.advance(0.1)
        holds += sum(1 for r in engine.poll().records if r.status is PhaseStatus.COMPLETED)
    expected = sum(1 for p in timeline.phases if p.counted)
    assert holds == expected
    assert clock.monotonic() - 1000.0 == pytest.approx(timeline.total_seconds, abs=0.1)
    assert sum(1 for p in timeline.phases if p.kind is PhaseKind.HOLD) > 0


def test_new_settings_apply_from_the_next_exercise(clock: FakeClock) -> None:
    catalog = load_catalog()
    routine = catalog.routine("psoas-3")
    engine = SessionEngine(build_timeline(catalog, routine, Settings(hold_seconds=20)), clock)
    engine.start(engine.timeline.first_phase_of(1))  # the Bridge: get ready 5 s, lift 2 s, hold 20 s
    for _ in range(2):
        clock.advance(4.0)
        engine.poll()
    index_before = engine.phase_index
    assert engine.replace_upcoming_exercises(build_timeline(catalog, routine, Settings(hold_seconds=30)))
    phases = engine.timeline.phases
    assert {p.seconds for p in phases if p.exercise == "bridge" and p.kind is PhaseKind.HOLD} == {20.0}
    assert {
        p.seconds for p in phases if p.exercise == "kneeling-psoas-stretch" and p.kind is PhaseKind.HOLD
    } == {30.0}
    snapshot = engine.poll().snapshot
    assert engine.phase_index == index_before and snapshot.remaining == pytest.approx(20.0 - 1.0)
    assert snapshot.session_total == pytest.approx(engine.timeline.total_seconds)
    with pytest.raises(ValueError, match="same routine"):
        engine.replace_upcoming_exercises(
            build_timeline(catalog, catalog.routine("quick-stretch"), Settings())
        )
