"""Which cue a moment of the routine deserves, and what the voice says with it: no Qt, no sound.

``choose_cue(transitions, phases)`` turns one poll's transitions into at most one cue:

* PHASE_STARTED → the phase's cue: get ready → ``ready_tick``, lift/keep moving → ``move``, hold →
  ``hold_start``, pause at the top → ``pause``, lower → ``release``, rest → ``rest``, switch sides →
  ``switch``.
* COUNTDOWN (3-2-1 before a hold ends) → ``hold_tick``.
* LEAD_IN (3-2-1 in the last seconds of the phase before a hold: get ready, switch sides, rest, lift) →
  ``lead_tick``, and the voice says the number ("Three", "Two", "One"); the hold's own cue is the "go".
  A short phase counts less (a 2 s lift: "One" only). A count word never cuts a phrase short: while the
  voice still speaks, the tick alone counts (the player's rule).
* SET_COMPLETED / EXERCISE_COMPLETED / SESSION_COMPLETED → ``set_complete`` / ``exercise_complete`` /
  ``session_complete``.
* The get-ready phase gets one ``ready_tick`` as it starts; should the engine ever count a get-ready phase
  out with COUNTDOWN, that maps to ``ready_tick`` too.

Batch rule: a poll can carry several transitions (every boundary carries an end and a start; a late poll
carries more). Only transitions within ``BATCH_WINDOW_SECONDS`` of the batch's newest one are considered,
and of those the most important cue plays (session > exercise > set complete > phase start > tick; ties go
to the latest), except that a set ending on a change of side sounds the switch cue. A pause, stop or
interruption in the batch silences what came before it. Ticks are a whole second before the boundary they
count to, outside its window, so a tick never takes the place of a switch or a set-complete cue, and a late
poll that reaches the boundary plays the boundary's cue.

``breathing_schedule`` paces long holds; ``phase_phrase`` is the spoken line of a phase. The player
(``psoas_desktop.qt.sound.cue_player``) turns these choices into sound.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from psoas_desktop.core.catalog import PhaseKind
from psoas_desktop.core.engine import EngineState, Snapshot, Transition, TransitionKind
from psoas_desktop.core.plan import Phase


class Cue(StrEnum):
    READY_TICK = "ready_tick"
    HOLD_TICK = "hold_tick"
    LEAD_TICK = "lead_tick"
    MOVE = "move"
    HOLD_START = "hold_start"
    PAUSE = "pause"
    RELEASE = "release"
    SWITCH = "switch"
    REST = "rest"
    SET_COMPLETE = "set_complete"
    EXERCISE_COMPLETE = "exercise_complete"
    SESSION_COMPLETE = "session_complete"
    INHALE = "inhale"
    EXHALE = "exhale"


@dataclass(frozen=True)
class CueSound:
    file: str
    hz: float
    """The fundamental: the pitch of the cue's dominant (longest) note, where its spectrum peaks."""
    description: str


# The one table of cue sounds. scripts/generate_sounds.py writes the files; tests check each file's spectral
# peak against `hz` and that the pitches are far enough apart to tell the cues apart.
CUES: Final[Mapping[Cue, CueSound]] = {
    Cue.READY_TICK: CueSound("ready_tick.wav", 880.00, "get ready: one short tick"),
    Cue.HOLD_TICK: CueSound("hold_tick.wav", 1318.51, "3-2-1 before a hold ends: a short high tick"),
    Cue.LEAD_TICK: CueSound("lead_tick.wav", 1174.66, "3-2-1 into a hold: a short tick, a step lower"),
    Cue.MOVE: CueSound("move.wav", 739.99, "lift / keep moving: a rising two-note"),
    Cue.HOLD_START: CueSound("hold_start.wav", 659.25, "hold: a sustained bell"),
    Cue.PAUSE: CueSound("pause.wav", 783.99, "pause at the top: a short bell"),
    Cue.RELEASE: CueSound("release.wav", 987.77, "lower / release: a falling two-note"),
    Cue.SWITCH: CueSound("switch.wav", 523.25, "switch sides: low-high-low"),
    Cue.REST: CueSound("rest.wav", 392.00, "rest: a long soft low note"),
    Cue.SET_COMPLETE: CueSound("set_complete.wav", 440.00, "set complete: a falling third"),
    Cue.EXERCISE_COMPLETE: CueSound("exercise_complete.wav", 698.46, "exercise complete: a rising arpeggio"),
    Cue.SESSION_COMPLETE: CueSound("session_complete.wav", 1046.50, "session complete: arpeggio to a long C"),
    Cue.INHALE: CueSound("inhale.wav", 293.66, "breathe in: a soft swell"),
    Cue.EXHALE: CueSound("exhale.wav", 246.94, "breathe out: a soft lower swell"),
}

PHASE_CUES: Final[Mapping[PhaseKind, Cue]] = {
    PhaseKind.GET_READY: Cue.READY_TICK,
    PhaseKind.MOVE: Cue.MOVE,
    PhaseKind.HOLD: Cue.HOLD_START,
    PhaseKind.PAUSE: Cue.PAUSE,
    PhaseKind.LOWER: Cue.RELEASE,
    PhaseKind.REST: Cue.REST,
    PhaseKind.SWITCH_SIDES: Cue.SWITCH,
}
COMPLETION_CUES: Final[Mapping[TransitionKind, Cue]] = {
    TransitionKind.SET_COMPLETED: Cue.SET_COMPLETE,
    TransitionKind.EXERCISE_COMPLETED: Cue.EXERCISE_COMPLETE,
    TransitionKind.SESSION_COMPLETED: Cue.SESSION_COMPLETE,
}
PRIORITY: Final[Mapping[Cue, int]] = {
    Cue.SESSION_COMPLETE: 100,
    Cue.EXERCISE_COMPLETE: 90,
    Cue.SET_COMPLETE: 80,
    **{cue: 50 for cue in PHASE_CUES.values()},
    Cue.HOLD_TICK: 10,
    Cue.LEAD_TICK: 10,
    Cue.INHALE: 0,
    Cue.EXHALE: 0,
}
COUNT_WORDS: Final[Mapping[int, str]] = {3: "Three", 2: "Two", 1: "One"}
SILENCING: Final = frozenset(
    {TransitionKind.PAUSED, TransitionKind.SESSION_STOPPED, TransitionKind.INTERRUPTED}
)


BATCH_WINDOW_SECONDS = 0.5

# Breathing pace during long holds: breathe in every 8 s, out 4 s later, starting 4 s into the hold (after
# the hold's tone and phrase), and nothing in the last 4 s (the 3-2-1 ticks' time).
BREATHING_MIN_HOLD_SECONDS = 20.0
BREATHING_FIRST_SECONDS = 4.0
BREATHING_PERIOD_SECONDS = 8.0
BREATHING_EXHALE_AFTER_SECONDS = 4.0
BREATHING_QUIET_END_SECONDS = 4.0
BREATHING_STALE_SECONDS = 0.5


def breathing_schedule(hold_seconds: float) -> tuple[tuple[float, Cue], ...]:
    """(seconds into the hold, cue) for every breath of a hold; empty for holds shorter than 20 s."""
    if hold_seconds < BREATHING_MIN_HOLD_SECONDS:
        return ()
    events: list[tuple[float, Cue]] = []
    inhale = BREATHING_FIRST_SECONDS
    while inhale + BREATHING_EXHALE_AFTER_SECONDS <= hold_seconds - BREATHING_QUIET_END_SECONDS:
        events += [(inhale, Cue.INHALE), (inhale + BREATHING_EXHALE_AFTER_SECONDS, Cue.EXHALE)]
        inhale += BREATHING_PERIOD_SECONDS
    return tuple(events)


class BreathingPacer:
    """Follows display snapshots through long holds and says when a breath is due: each breath once, in
    step. A snapshot that arrives more than ``BREATHING_STALE_SECONDS`` after a breath's moment skips it
    rather than sounding it out of step; a restarted hold (after a pause or going back) starts over."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._phase_index: int | None = None
        self._next = 0
        self._elapsed = 0.0

    def due(self, snapshot: Snapshot) -> CueChoice | None:
        """The breath this snapshot is due for (its ideal moment in ``at``), or None."""
        phase = snapshot.phase
        if snapshot.state is not EngineState.RUNNING or phase is None or phase.kind is not PhaseKind.HOLD:
            return None
        events = breathing_schedule(phase.seconds)
        if not events:
            return None
        elapsed = snapshot.phase_elapsed
        if snapshot.phase_index != self._phase_index or elapsed < self._elapsed - BREATHING_STALE_SECONDS:
            self._phase_index, self._next = snapshot.phase_index, 0  # a new or restarted hold
        self._elapsed = elapsed
        due = [i for i in range(self._next, len(events)) if events[i][0] <= elapsed]
        if not due:
            return None
        index = due[-1]
        self._next = index + 1
        offset, cue = events[index]
        if elapsed - offset > BREATHING_STALE_SECONDS:
            return None  # a late snapshot: skip the breath rather than sound it out of step
        return CueChoice(cue, snapshot.at - (elapsed - offset))


# -- choosing the cue of a batch ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CueChoice:
    cue: Cue
    at: float
    """The monotonic time of the transition the cue belongs to (its ideal moment)."""
    phrase: str | None = None
    """What the voice says after the tone, if anything."""


@dataclass(frozen=True)
class _Candidate:
    cue: Cue
    at: float
    order: int
    phase: Phase | None
    starts_phase: bool = False
    count: int | None = None


def choose_cue(
    transitions: tuple[Transition, ...],
    phases: tuple[Phase, ...],
    current_phase: int | None = None,
    names: Mapping[str, str] | None = None,
) -> tuple[CueChoice | None, int | None]:
    """The one cue (with its phrase) a batch deserves, and the phase index current after the batch."""
    candidates: list[_Candidate] = []
    for order, transition in enumerate(transitions):
        kind = transition.kind
        phase = _phase(phases, transition.phase_index)
        if kind in SILENCING:
            candidates.clear()
        elif kind is TransitionKind.PHASE_STARTED:
            current_phase = transition.phase_index
            if phase is not None:
                candidates.append(_Candidate(PHASE_CUES[phase.kind], transition.at, order, phase, True))
        elif kind is TransitionKind.COUNTDOWN:
            running = _phase(phases, current_phase)
            cue = (
                Cue.READY_TICK
                if running is not None and running.kind is PhaseKind.GET_READY
                else Cue.HOLD_TICK
            )
            candidates.append(_Candidate(cue, transition.at, order, running))
        elif kind is TransitionKind.LEAD_IN:
            running = _phase(phases, current_phase)
            candidates.append(
                _Candidate(Cue.LEAD_TICK, transition.at, order, running, count=transition.count)
            )
        elif kind in COMPLETION_CUES:
            candidates.append(_Candidate(COMPLETION_CUES[kind], transition.at, order, phase))
    if not candidates:
        return None, current_phase
    newest = max(c.at for c in candidates)
    fresh = [c for c in candidates if c.at >= newest - BATCH_WINDOW_SECONDS]
    best = max(fresh, key=lambda c: (PRIORITY[c.cue], c.at, c.order))
    phrase = _phrase(best, fresh, names or {})
    switch = next((c for c in fresh if c.cue is Cue.SWITCH and c.order > best.order), None)
    if best.cue is Cue.SET_COMPLETE and switch is not None:
        # A set that ends on a change of side: the side change is what the user must act on, so its tone
        # sounds; the voice still says both ("Set complete. Switch to the right side").
        return CueChoice(Cue.SWITCH, switch.at, phrase), current_phase
    return CueChoice(best.cue, best.at, phrase), current_phase


def _phase(phases: tuple[Phase, ...], index: int | None) -> Phase | None:
    return phases[index] if index is not None and 0 <= index < len(phases) else None


def _phrase(best: _Candidate, fresh: list[_Candidate], names: Mapping[str, str]) -> str | None:
    if best.cue is Cue.LEAD_TICK:
        return COUNT_WORDS.get(best.count or 0)
    if best.cue is Cue.SESSION_COMPLETE:
        return "Session complete"
    if best.cue in (Cue.SET_COMPLETE, Cue.EXERCISE_COMPLETE):
        done = "Set complete" if best.cue is Cue.SET_COMPLETE else "Exercise complete"
        following = [c for c in fresh if c.starts_phase and c.order > best.order]
        after = phase_phrase(following[-1].phase, names) if following and following[-1].phase else None
        return f"{done}. {after}" if after else done
    if best.starts_phase and best.phase is not None:
        return phase_phrase(best.phase, names)
    return None


def exercise_name(exercise_id: str, names: Mapping[str, str]) -> str:
    return names.get(exercise_id) or exercise_id.replace("-", " ").replace("_", " ").capitalize()


def phase_phrase(phase: Phase, names: Mapping[str, str] | None = None) -> str | None:
    """A short spoken line for the start of a phase: "Bridge, set 1 of 3", "Hold 25 seconds"…"""
    kind = phase.kind
    if kind is PhaseKind.GET_READY:
        side = f", {phase.side.value} side" if phase.side is not None else ""
        return f"{exercise_name(phase.exercise, names or {})}{side}, set {phase.set} of {phase.sets}"
    if kind is PhaseKind.HOLD:
        return f"Hold {spoken_seconds(phase.seconds)}"
    if kind is PhaseKind.REST:
        return f"Rest {spoken_seconds(phase.seconds)}"
    if kind is PhaseKind.LOWER:
        return "Lower slowly"
    if kind is PhaseKind.PAUSE:
        return f"Pause at the top, {spoken_seconds(phase.seconds)}"
    if kind is PhaseKind.SWITCH_SIDES:
        return f"Switch to the {phase.side.value} side" if phase.side is not None else "Switch sides"
    if phase.rep is None:  # a timed bout
        return f"{phase.label}, {spoken_seconds(phase.seconds)}"
    if phase.rep == 1 and phase.set > 1:
        return f"Set {phase.set} of {phase.sets}. {phase.label}"
    return phase.label


def spoken_seconds(seconds: float) -> str:
    whole = max(1, round(seconds))
    minutes, secs = divmod(whole, 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    if secs:
        parts.append(f"{secs} second{'s' if secs != 1 else ''}")
    return " ".join(parts)
