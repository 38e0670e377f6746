"""Property tests: random sequences of user actions and time steps against a naive reference model.

The reference model counts down in fixed 0.25 s steps. That is exactly the drift-prone design the engine
avoids, but with every time a multiple of 0.25 s (exact in binary floating point) it is a faithful oracle.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.fake_clock import FakeClock
from helpers.timelines import make_timeline
from psoas_desktop.core.catalog import PhaseKind
from psoas_desktop.core.engine import EngineState, SessionEngine, Transition, TransitionKind
from psoas_desktop.core.plan import Timeline

STEP = 0.25
ACTIONS = ("start", "pause", "resume", "skip", "back", "stop", "skip_exercise")


@dataclass
class Model:
    timeline: Timeline
    state: str = "idle"
    index: int = 0
    remaining: float = 0.0
    hold_time: float = 0.0
    started: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.remaining = self.timeline.phases[0].seconds

    def begin(self, index: int) -> None:
        if index >= len(self.timeline.phases):
            self.index, self.remaining, self.state = len(self.timeline.phases), 0.0, "completed"
            return
        self.index, self.remaining = index, self.timeline.phases[index].seconds
        self.started.append(index)

    def act(self, action: str) -> None:
        active = self.state in ("running", "paused")
        if action == "start" and self.state == "idle":
            self.state = "running"
            self.begin(0)
        elif action == "pause" and self.state == "running":
            self.state = "paused"
        elif action == "resume" and self.state == "paused":
            self.state = "running"
        elif action == "skip" and active:
            self.begin(self.index + 1)
        elif action == "back" and active:
            elapsed = self.timeline.phases[self.index].seconds - self.remaining
            self.begin(self.index - 1 if elapsed < 1.0 and self.index > 0 else self.index)
        elif action == "skip_exercise" and active:
            current = self.timeline.phases[self.index].exercise_index
            nxt = self.index
            while nxt < len(self.timeline.phases) and self.timeline.phases[nxt].exercise_index == current:
                nxt += 1
            self.begin(nxt)
        elif action == "stop" and active:
            self.state = "stopped"

    def tick(self) -> None:
        if self.state != "running":
            return
        if self.timeline.phases[self.index].kind is PhaseKind.HOLD:
            self.hold_time += STEP
        self.remaining -= STEP
        if self.remaining == 0:
            self.begin(self.index + 1)


steps = st.lists(
    st.one_of(
        st.sampled_from(ACTIONS),
        st.integers(min_value=1, max_value=16).map(lambda n: n * STEP),  # advance 0.25–4 s
    ),
    min_size=1,
    max_size=80,
)


def check_transition_order(transitions: list[Transition]) -> None:
    ats = [t.at for t in transitions]
    assert ats == sorted(ats), "transitions out of time order"
    open_phase: int | None = None
    for t in transitions:
        if t.kind is TransitionKind.PHASE_STARTED:
            assert open_phase is None, f"phase {t.phase_index} started while {open_phase} was open"
            open_phase = t.phase_index
        elif t.kind is TransitionKind.PHASE_ENDED:
            assert open_phase == t.phase_index, "a phase ended that had not started (or twice)"
            open_phase = None


@settings(max_examples=300, deadline=None)
@given(steps)
def test_engine_matches_reference_model(script: list[str | float]) -> None:
    timeline = make_timeline()
    clock = FakeClock()
    engine = SessionEngine(timeline, clock)
    model = Model(timeline)
    transitions: list[Transition] = []
    recorded_hold = 0.0
    for step in script:
        if isinstance(step, str):
            getattr(engine, step)()
            model.act(step)
        else:
            for _ in range(round(step / STEP)):
                model.tick()
            clock.advance(step)
        result = engine.poll()
        transitions += result.transitions
        recorded_hold += sum(
            r.actual_seconds for r in result.records if timeline.phases[r.phase_index].kind is PhaseKind.HOLD
        )
        snapshot = result.snapshot
        assert snapshot.state.value == model.state
        assert snapshot.phase_index == model.index
        if snapshot.phase is not None:
            assert 0.0 <= snapshot.remaining <= snapshot.phase.seconds
        assert abs(snapshot.remaining - model.remaining) < 1e-9
        assert 0.0 <= snapshot.session_progress <= 1.0
    # Time still running in an unfinished hold has not been recorded yet.
    engine.stop()
    final = engine.poll()
    recorded_hold += sum(
        r.actual_seconds for r in final.records if timeline.phases[r.phase_index].kind is PhaseKind.HOLD
    )
    transitions += final.transitions
    assert abs(recorded_hold - model.hold_time) < 1e-9
    assert [t.phase_index for t in transitions if t.kind is TransitionKind.PHASE_STARTED] == model.started
    check_transition_order(transitions)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0.001, max_value=4.0), min_size=1, max_size=400))
def test_uninterrupted_session_lasts_exactly_the_planned_total(poll_gaps: list[float]) -> None:
    timeline = make_timeline()
    clock = FakeClock()
    engine = SessionEngine(timeline, clock)
    engine.start()
    start = clock.monotonic()
    ended_at = None
    gaps = itertools.cycle(poll_gaps)
    while engine.state is EngineState.RUNNING:
        clock.advance(next(gaps))
        for t in engine.poll().transitions:
            if t.kind is TransitionKind.SESSION_COMPLETED:
                ended_at = t.at
    assert ended_at is not None
    assert abs((ended_at - start) - timeline.total_seconds) < 1e-9
    assert clock.monotonic() >= ended_at
