"""Holds that grow: a routine's progression turns a count of completed sessions into longer holds.

Only sessions completed since the routine's dosage last changed count (storage finds them by the routine's
dose fingerprint); a session stopped early never counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from psoas_desktop.core.catalog import Catalog, PhaseKind, Progression, Routine
from psoas_desktop.core.plan import HoldGrowth, Timeline, build_timeline
from psoas_desktop.core.settings import Settings


@dataclass(frozen=True)
class ProgressionState:
    completed_sessions: int
    step_applied_seconds: int
    """How much longer than written each hold is this session (before each hold's cap)."""
    sessions_to_next_step: int | None
    """Completed sessions until the next growth; None when every hold has reached the cap."""

    def to_json(self) -> dict[str, Any]:
        return {
            "completed_sessions": self.completed_sessions,
            "step_applied_seconds": self.step_applied_seconds,
        }


def progression_state(
    progression: Progression, completed_sessions: int, holds: Iterable[int]
) -> ProgressionState:
    """Where a routine stands after `completed_sessions`; `holds` are its holds as written (no growth)."""
    completed = max(0, completed_sessions)
    room = max((progression.max_hold_seconds - hold for hold in holds), default=0)
    # Growth stops once the last hold has reached the cap: more steps would change nothing.
    steps_needed = -(-max(0, room) // progression.hold_seconds_step)
    steps = min(completed // progression.every_sessions, steps_needed)
    to_next = (
        None if steps >= steps_needed else progression.every_sessions - completed % progression.every_sessions
    )
    return ProgressionState(completed, steps * progression.hold_seconds_step, to_next)


def hold_growth(progression: Progression | None, state: ProgressionState | None) -> HoldGrowth | None:
    if progression is None or state is None:
        return None
    return HoldGrowth(state.step_applied_seconds, progression.max_hold_seconds)


def next_hold_line(progression: Progression, state: ProgressionState, next_hold: int) -> str:
    """ "Next: 24 s (+2 s after 3 sessions)" — the next session's (first) hold, and when it grows again."""
    if state.sessions_to_next_step is None:
        return f"Next: {next_hold} s (grown as far as this routine goes)"
    count = state.sessions_to_next_step
    sessions = "session" if count == 1 else "sessions"
    return f"Next: {next_hold} s (+{progression.hold_seconds_step} s after {count} {sessions})"


def progressed_timeline(
    catalog: Catalog, routine: Routine, settings: Settings, completed_sessions: int
) -> tuple[Timeline, ProgressionState | None]:
    """The routine's timeline for its next session: with its progression's growth after
    `completed_sessions`, and where the progression stands (None for a routine without one)."""
    if routine.progression is None:
        return build_timeline(catalog, routine, settings), None
    written = build_timeline(catalog, routine, settings)
    holds = [int(phase.seconds) for phase in written.phases if phase.kind is PhaseKind.HOLD]
    state = progression_state(routine.progression, completed_sessions, holds)
    return build_timeline(catalog, routine, settings, hold_growth(routine.progression, state)), state


def first_hold(timeline: Timeline) -> int | None:
    """The first hold's length: the figure "Next: 24 s" names."""
    return next((int(phase.seconds) for phase in timeline.phases if phase.kind is PhaseKind.HOLD), None)
