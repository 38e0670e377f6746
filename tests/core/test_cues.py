"""The breathing pacer: which breath a display snapshot of a long hold is due for (pure logic, no Qt)."""

from __future__ import annotations

import dataclasses

from helpers.timelines import make_timeline
from psoas_desktop.core.catalog import PhaseKind
from psoas_desktop.core.cues import BREATHING_STALE_SECONDS, BreathingPacer, Cue, breathing_schedule
from psoas_desktop.core.engine import EngineState, Snapshot

HOLD = dataclasses.replace(make_timeline().phases[2], seconds=30.0)
HOLD_START = 100.0


def snapshot(elapsed: float, *, phase_index: int = 2, state: EngineState = EngineState.RUNNING) -> Snapshot:
    return Snapshot(
        state=state,
        phase_index=phase_index,
        phase=HOLD,
        remaining=HOLD.seconds - elapsed,
        phase_progress=elapsed / HOLD.seconds,
        session_total=60.0,
        session_remaining=30.0,
        session_progress=0.5,
        exercise_count=1,
        interrupted=False,
        at=HOLD_START + elapsed,
    )


def breaths(
    pacer: BreathingPacer,
    moments: list[float],
    *,
    phase_index: int = 2,
    state: EngineState = EngineState.RUNNING,
) -> list[tuple[Cue, float]]:
    """(cue, ideal moment) of every breath the pacer gives for snapshots at these moments into the hold."""
    found = []
    for elapsed in moments:
        breath = pacer.due(snapshot(elapsed, phase_index=phase_index, state=state))
        if breath is not None:
            found.append((breath.cue, round(breath.at - HOLD_START, 3)))
    return found


def test_every_breath_of_a_hold_sounds_once_at_its_own_moment() -> None:
    ticks = [i / 10 for i in range(301)]  # a display tick every 100 ms
    expected = [(cue, offset) for offset, cue in breathing_schedule(HOLD.seconds)]
    assert breaths(BreathingPacer(), ticks) == expected
    assert expected[:2] == [(Cue.INHALE, 4.0), (Cue.EXHALE, 8.0)]


def test_a_late_snapshot_skips_the_breath_instead_of_sounding_it_out_of_step() -> None:
    late = 4.0 + BREATHING_STALE_SECONDS + 0.1
    assert breaths(BreathingPacer(), [3.9, late, 8.0]) == [(Cue.EXHALE, 8.0)]


def test_a_restarted_hold_starts_its_breaths_over() -> None:
    pacer = BreathingPacer()
    assert breaths(pacer, [4.0, 8.0]) == [(Cue.INHALE, 4.0), (Cue.EXHALE, 8.0)]
    assert breaths(pacer, [0.0, 4.0]) == [(Cue.INHALE, 4.0)]  # went back to the start of the same hold
    assert breaths(pacer, [4.0], phase_index=6) == [(Cue.INHALE, 4.0)]  # the next hold


def test_no_breaths_when_paused_outside_a_hold_or_in_a_short_hold() -> None:
    pacer = BreathingPacer()
    assert breaths(pacer, [4.0], state=EngineState.PAUSED) == []
    rest = dataclasses.replace(HOLD, kind=PhaseKind.REST)
    assert pacer.due(dataclasses.replace(snapshot(4.0), phase=rest)) is None
    short = dataclasses.replace(HOLD, seconds=15.0)
    assert pacer.due(dataclasses.replace(snapshot(4.0), phase=short, remaining=11.0)) is None
