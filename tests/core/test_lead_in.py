"""The counted lead-in: 3-2-1 into every hold, carved from the phase before it, with the fake clock."""

from __future__ import annotations

import pytest

from helpers.fake_clock import FakeClock
from psoas_desktop.core.catalog import Catalog, PhaseKind, load_catalog
from psoas_desktop.core.cues import COUNT_WORDS, Cue, CueChoice, choose_cue
from psoas_desktop.core.engine import (
    EngineState,
    SessionEngine,
    Transition,
    TransitionKind,
    count_fitting,
)
from psoas_desktop.core.plan import Timeline, build_timeline
from psoas_desktop.core.settings import Settings

T = TransitionKind
START = 1000.0  # the fake clock's monotonic start


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def plan(catalog: Catalog, name: str, **settings: object) -> Timeline:
    return build_timeline(catalog, catalog.resolve(name), Settings.from_mapping(settings))


def run(timeline: Timeline, step: float = 0.25) -> tuple[list[Transition], list[tuple[float, int | None]]]:
    """The whole session polled every ``step`` s: every transition, and (time, hold_in) of each snapshot."""
    clock = FakeClock()
    engine = SessionEngine(timeline, clock)
    engine.start()
    transitions: list[Transition] = []
    shown: list[tuple[float, int | None]] = []
    while True:
        result = engine.poll()
        transitions += result.transitions
        shown.append((clock.monotonic() - START, result.snapshot.hold_in))
        if engine.state is EngineState.COMPLETED:
            return transitions, shown
        clock.advance(step)


def starts(timeline: Timeline) -> list[float]:
    """Each phase's planned start, seconds after the session's."""
    moments, clock = [], 0.0
    for phase in timeline.phases:
        moments.append(clock)
        clock += phase.seconds
    return moments


def test_quick_stretch_counts_three_two_one_into_every_hold_and_ends_on_time(catalog: Catalog) -> None:
    timeline = plan(catalog, "quick-stretch")  # get ready 5, hold, switch 5, hold, switch 5, hold, …
    transitions, _ = run(timeline)
    begun = starts(timeline)
    holds = [i for i, phase in enumerate(timeline.phases) if phase.kind is PhaseKind.HOLD]
    expected = [(begun[hold] - n, n) for hold in holds for n in (3, 2, 1)]
    assert [(t.at - START, t.count) for t in transitions if t.kind is T.LEAD_IN] == expected
    before = {timeline.phases[hold - 1].kind for hold in holds}
    assert before == {PhaseKind.GET_READY, PhaseKind.SWITCH_SIDES}
    # Carved from the phases there are: the plan, each boundary and the session's end are where they were.
    assert timeline == plan(catalog, "quick-stretch")
    phase_starts = [t.at - START for t in transitions if t.kind is T.PHASE_STARTED]
    assert phase_starts == begun
    ended = next(t for t in transitions if t.kind is T.SESSION_COMPLETED)
    assert ended.at - START == timeline.total_seconds == 5 + 4 * 25 + 3 * 5  # two rounds of both sides


def test_a_short_phase_counts_less_and_a_one_second_lift_not_at_all(catalog: Catalog) -> None:
    assert [count_fitting(s) for s in (0.5, 1, 1.5, 2, 3, 3.5, 4, 5, 10)] == [0, 0, 0, 1, 2, 2, 3, 3, 3]
    bridge = plan(catalog, "bridge", move_seconds=2, reps=10, sets=2, hold_seconds=20)
    transitions, _ = run(bridge)
    lead_ins = [t for t in transitions if t.kind is T.LEAD_IN]
    holds = [i for i, phase in enumerate(bridge.phases) if phase.kind is PhaseKind.HOLD]
    assert len(holds) == 20 and all(bridge.phases[h - 1].kind is PhaseKind.MOVE for h in holds)
    assert [t.count for t in lead_ins] == [1] * 20  # a 2 s lift: "one", a second into it
    begun = starts(bridge)
    assert [t.at - START for t in lead_ins] == [begun[h] - 1 for h in holds]
    # Bridge's get-ready leads into a lift, not a hold: it is not counted.
    assert not any(t.at - START < begun[1] for t in lead_ins)
    one_second_lifts, _ = run(plan(catalog, "bridge", move_seconds=1, reps=10, sets=2))
    assert not [t for t in one_second_lifts if t.kind is T.LEAD_IN]
    rest_of_three = plan(catalog, "camel-pose", rest_seconds=3, sets=2)  # hold, rest 3, hold
    kinds = [phase.kind for phase in rest_of_three.phases]
    assert kinds == [PhaseKind.GET_READY, PhaseKind.HOLD, PhaseKind.REST, PhaseKind.HOLD]
    counts = [(t.count, t.at - START) for t in run(rest_of_three)[0] if t.kind is T.LEAD_IN]
    hold_two = starts(rest_of_three)[3]
    assert counts == [(3, 2.0), (2, 3.0), (1, 4.0), (2, hold_two - 2), (1, hold_two - 1)]


def test_the_hold_end_countdown_is_unchanged_and_a_lead_in_never_counts_out(catalog: Catalog) -> None:
    timeline = plan(catalog, "quick-stretch")
    transitions, _ = run(timeline)
    begun = [*starts(timeline), timeline.total_seconds]
    for t in transitions:
        if t.kind is T.COUNTDOWN:  # 3-2-1 before the end of a hold, as before
            assert t.count is not None
            index = next(i for i, start in enumerate(begun) if start > t.at - START) - 1
            assert timeline.phases[index].kind is PhaseKind.HOLD
            assert begun[index + 1] - (t.at - START) == t.count
    assert [t.count for t in transitions if t.kind is T.COUNTDOWN] == [3, 2, 1] * 4  # four holds


def test_the_snapshot_shows_the_number_last_counted(catalog: Catalog) -> None:
    timeline = plan(catalog, "quick-stretch")  # 5 s get ready into the first hold
    _, shown = run(timeline)
    first = {moment: hold_in for moment, hold_in in shown if moment <= 5.5}
    assert [first[m] for m in (0.0, 1.75, 2.0, 2.75, 3.0, 4.0, 4.75, 5.0, 5.5)] == [
        None,
        None,
        3,  # "three" is counted 3 s before the hold
        3,
        2,
        1,
        1,
        None,  # the hold has begun
        None,
    ]


def test_a_late_poll_drops_the_counts_it_overtook_and_plays_the_boundary(catalog: Catalog) -> None:
    clock = FakeClock()
    timeline = plan(catalog, "quick-stretch")
    engine = SessionEngine(timeline, clock)
    engine.start()
    engine.poll()
    clock.advance(3.5)  # "three" at 2 s and "two" at 3 s are due; only the freshest is told
    late = engine.poll().transitions
    assert [(t.kind, t.count) for t in late] == [(T.LEAD_IN, 2)]
    clock.advance(1.6)  # past "one" and into the hold
    batch = engine.poll().transitions
    assert T.LEAD_IN not in {t.kind for t in batch}
    assert choose_cue(batch, timeline.phases, 0)[0] == CueChoice(
        Cue.HOLD_START, START + 5.0, "Hold 25 seconds"
    )


def test_pausing_keeps_the_count_where_it_was(catalog: Catalog) -> None:
    clock = FakeClock()
    engine = SessionEngine(plan(catalog, "quick-stretch"), clock)
    engine.start()
    clock.advance(2.5)
    assert [t.count for t in engine.poll().transitions if t.kind is T.LEAD_IN] == [3]
    engine.pause()
    clock.advance(60)
    assert engine.poll().snapshot.hold_in is None  # paused: no count is running
    engine.resume()
    clock.advance(0.5)
    assert [t.count for t in engine.poll().transitions if t.kind is T.LEAD_IN] == [2]


def test_a_count_into_a_hold_is_a_lead_tick_with_its_number_spoken(catalog: Catalog) -> None:
    phases = plan(catalog, "quick-stretch").phases
    for count, word in ((3, "Three"), (2, "Two"), (1, "One")):
        tick = Transition(T.LEAD_IN, 2.0, count=count)
        assert choose_cue((tick,), phases, current_phase=0)[0] == CueChoice(Cue.LEAD_TICK, 2.0, word)
    assert COUNT_WORDS == {3: "Three", 2: "Two", 1: "One"}
    out = Transition(T.COUNTDOWN, 28.0, count=3)  # counting out of a hold stays a tick without words
    assert choose_cue((out,), phases, current_phase=1)[0] == CueChoice(Cue.HOLD_TICK, 28.0)


@pytest.mark.parametrize("late", [0.0, 0.3])
def test_a_count_never_takes_the_place_of_a_switch_or_a_set_complete(catalog: Catalog, late: float) -> None:
    """Counts are whole seconds before the boundary; in the boundary's batch the boundary's cue plays."""
    timeline = plan(catalog, "quick-stretch")
    phases = timeline.phases
    switch = next(i for i, p in enumerate(phases) if p.kind is PhaseKind.SWITCH_SIDES)
    boundary = starts(timeline)[switch]
    one = Transition(T.LEAD_IN, boundary - 1.0, count=1)
    ended = Transition(T.PHASE_ENDED, boundary, phase_index=switch - 1)
    into_switch = Transition(T.PHASE_STARTED, boundary, phase_index=switch)
    choice, _ = choose_cue((one, ended, into_switch), phases, switch - 1)
    assert choice is not None and choice.cue is Cue.SWITCH
    set_done = Transition(T.SET_COMPLETED, boundary, phase_index=switch - 1)
    # A set that ends on a change of side sounds the switch (and says both).
    choice, _ = choose_cue((one, ended, set_done, into_switch), phases, switch - 1)
    assert choice is not None and choice.cue is Cue.SWITCH and choice.phrase is not None
    assert choice.phrase.startswith("Set complete. Switch to the")
    # Even a count polled a moment late, close to the boundary, does not win against it.
    close = Transition(T.LEAD_IN, boundary - late, count=1)
    choice, _ = choose_cue((close, ended, set_done, into_switch), phases, switch - 1)
    assert choice is not None and choice.cue is Cue.SWITCH
    choice, _ = choose_cue((close, ended, set_done), phases, switch - 1)
    assert choice is not None and choice.cue is Cue.SET_COMPLETE
