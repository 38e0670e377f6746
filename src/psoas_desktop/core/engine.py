"""SessionEngine: counts a timeline down against an injected clock, drift-free and honest.

Every phase has a deadline on the monotonic clock and the next phase starts at the previous deadline, not
at the moment somebody noticed it passed, so late polls never accumulate drift. The engine is polled:
``poll()`` returns a snapshot plus every transition since the last poll, in order, each boundary once.
Holds are counted twice: in (LEAD_IN 3-2-1 in the last seconds of the phase before a hold) and out
(COUNTDOWN 3-2-1 before a hold ends). Both counts are carved from phases the plan already has, so the
timeline and its total never change; a phase too short for the whole count gets a shorter one, each number
at least a second after the phase's start (its own cue's moment). A count that a later event has already
overtaken is dropped, so a late poll never replays a burst of stale cues.

When the gap between two observations is far beyond a display tick (the laptop slept, the process was
frozen, the wall clock was changed) the engine pauses itself as of the last observation, marks the phase
interrupted and emits one ``interrupted`` transition: time asleep is never counted as exercise. Resuming
restarts the interrupted phase from its beginning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from psoas_desktop.core.catalog import PhaseKind, Side
from psoas_desktop.core.clock import Clock
from psoas_desktop.core.plan import Phase, Timeline, validate_timeline

COUNTDOWN_FROM = 3
BACK_TO_PREVIOUS_WITHIN = 1.0  # seconds: "Back" pressed this early in a phase goes to the previous one


class EngineState(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"


class TransitionKind(StrEnum):
    SESSION_STARTED = "session_started"
    PHASE_STARTED = "phase_started"
    COUNTDOWN = "countdown"
    LEAD_IN = "lead_in"
    PHASE_ENDED = "phase_ended"
    SET_COMPLETED = "set_completed"
    EXERCISE_COMPLETED = "exercise_completed"
    SESSION_COMPLETED = "session_completed"
    SESSION_STOPPED = "session_stopped"
    PAUSED = "paused"
    RESUMED = "resumed"
    INTERRUPTED = "interrupted"


class PhaseStatus(StrEnum):
    COMPLETED = "completed"
    SKIPPED = "skipped"
    RESTARTED = "restarted"
    INTERRUPTED = "interrupted"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Transition:
    kind: TransitionKind
    at: float
    """Monotonic time of the transition: the ideal deadline for a boundary, the call time for an action."""
    phase_index: int | None = None
    count: int | None = None
    """For COUNTDOWN and LEAD_IN: the seconds left (3, 2, 1) until the hold ends or starts."""
    status: PhaseStatus | None = None
    """For PHASE_ENDED: how the phase ended."""


@dataclass(frozen=True)
class HoldRecord:
    """One hold, top pause or timed bout as it really happened; what the history keeps."""

    exercise: str
    side: Side | None
    set: int
    rep: int | None
    planned_seconds: float
    actual_seconds: float
    started_utc: datetime
    utc_offset_seconds: int
    status: PhaseStatus
    phase_index: int


@dataclass(frozen=True)
class Snapshot:
    state: EngineState
    phase_index: int
    phase: Phase | None
    remaining: float
    phase_progress: float
    session_total: float
    session_remaining: float
    session_progress: float
    exercise_count: int
    interrupted: bool
    at: float
    hold_in: int | None = None
    """While the phase before a hold counts into it: the number last counted (3, 2, 1), else None."""

    @property
    def phase_elapsed(self) -> float:
        return self.phase.seconds - self.remaining if self.phase else 0.0


@dataclass(frozen=True)
class PollResult:
    snapshot: Snapshot
    transitions: tuple[Transition, ...]
    records: tuple[HoldRecord, ...]


class SessionEngine:
    def __init__(
        self,
        timeline: Timeline,
        clock: Clock,
        *,
        max_gap_seconds: float = 5.0,
        max_clock_skew_seconds: float = 2.0,
    ) -> None:
        validate_timeline(timeline)
        self.timeline = timeline
        self._phases = timeline.phases
        self._clock = clock
        self._max_gap = max_gap_seconds
        self._max_skew = max_clock_skew_seconds
        self._state = EngineState.IDLE
        self._index = 0
        # The running phase's remaining time is `_remaining - (t - _anchor)`; paused, it is `_remaining`.
        self._remaining = self._phases[0].seconds
        self._anchor = 0.0
        self._countdown = 0  # next 3-2-1 number still to announce in this phase (in or out), 0 for none
        self._phase_wall_start: datetime | None = None
        self._interrupted = False
        self._seen_mono: float | None = None
        self._seen_wall: datetime | None = None
        self._transitions: list[Transition] = []
        self._records: list[HoldRecord] = []
        self._done_before = _cumulative(self._phases)

    # -- queries ---------------------------------------------------------------------------------------

    @property
    def state(self) -> EngineState:
        return self._state

    @property
    def phase_index(self) -> int:
        return self._index

    def remaining_at(self, t: float) -> float:
        if self._state is EngineState.RUNNING:
            return max(0.0, self._remaining - (t - self._anchor))
        if self._state in (EngineState.COMPLETED, EngineState.STOPPED) and self._index >= len(self._phases):
            return 0.0
        return self._remaining

    def next_event_at(self) -> float | None:
        """Monotonic time of the next boundary or countdown cue, for the ticker to aim a timer at."""
        if self._state is not EngineState.RUNNING:
            return None
        deadline = self._anchor + self._remaining
        return deadline - self._countdown if self._countdown else deadline

    def replace_upcoming_exercises(self, timeline: Timeline) -> bool:
        """Swap in a re-planned timeline (same routine, new settings) from the next exercise on.

        The exercise in progress keeps its phases, so a settings change never rewrites the hold a person is in.
        Returns False when nothing is left to replace.
        """
        validate_timeline(timeline)
        if timeline.exercise_ids != self.timeline.exercise_ids:
            raise ValueError("a re-planned timeline must be for the same routine")
        if self._index >= len(self._phases):
            return False
        current = self._phases[self._index].exercise_index
        kept = tuple(p for p in self._phases if p.exercise_index <= current)
        upcoming = tuple(p for p in timeline.phases if p.exercise_index > current)
        if not upcoming:
            return False
        self._phases = kept + upcoming
        self.timeline = Timeline(timeline.routine, timeline.exercise_ids, self._phases)
        self._done_before = _cumulative(self._phases)
        if not self._count_of(self._index):  # the phase after this one is no longer a hold
            self._countdown = 0
        return True

    # -- user actions ------------------------------------------------------------------------------------

    def select_start(self, phase_index: int) -> None:
        """Before the start: where the session will begin (the idle snapshot shows that phase)."""
        if self._state is not EngineState.IDLE:
            return
        if not 0 <= phase_index < len(self._phases):
            raise IndexError(f"no phase {phase_index}; the timeline has {len(self._phases)}")
        self._index = phase_index
        self._remaining = self._phases[phase_index].seconds

    def start(self, phase_index: int | None = None) -> None:
        """Start at `phase_index` (default: the phase chosen with select_start, else the first)."""
        if self._state is not EngineState.IDLE:
            return
        if phase_index is None:
            phase_index = self._index
        self.select_start(phase_index)
        now, wall = self._read_clock()
        self._seen_mono, self._seen_wall = now, wall
        self._state = EngineState.RUNNING
        self._emit(TransitionKind.SESSION_STARTED, now)
        self._begin(phase_index, now, wall)

    def pause(self) -> None:
        now = self._sync()
        if self._state is not EngineState.RUNNING:
            return
        self._remaining = self.remaining_at(now)
        self._state = EngineState.PAUSED
        self._emit(TransitionKind.PAUSED, now)

    def resume(self) -> None:
        now = self._sync()
        if self._state is not EngineState.PAUSED:
            return
        wall = self._clock.now()
        self._seen_mono, self._seen_wall = now, wall
        self._state = EngineState.RUNNING
        self._emit(TransitionKind.RESUMED, now)
        if self._interrupted:
            self._interrupted = False
            self._begin(self._index, now, wall)
        else:
            self._anchor = now
            if self._phase_wall_start is None:
                self._phase_wall_start = wall

    def toggle(self) -> None:
        """Space bar semantics: start, pause or resume."""
        if self._state is EngineState.IDLE:
            self.start()
        elif self._state is EngineState.RUNNING:
            self.pause()
        elif self._state is EngineState.PAUSED:
            self.resume()

    def skip(self) -> None:
        now = self._sync()
        if not self._active:
            return
        self._end_phase(PhaseStatus.SKIPPED, now)
        self._enter(self._index + 1, now)

    def back(self) -> None:
        now = self._sync()
        if not self._active:
            return
        elapsed = self._phases[self._index].seconds - self.remaining_at(now)
        target = self._index - 1 if elapsed < BACK_TO_PREVIOUS_WITHIN and self._index > 0 else self._index
        self._end_phase(PhaseStatus.RESTARTED, now)
        self._enter(target, now)

    def skip_exercise(self) -> None:
        now = self._sync()
        if not self._active:
            return
        current = self._phases[self._index].exercise_index
        target = next(
            (i for i in range(self._index, len(self._phases)) if self._phases[i].exercise_index != current),
            len(self._phases),
        )
        self._end_phase(PhaseStatus.SKIPPED, now)
        self._enter(target, now)

    def stop(self) -> None:
        now = self._sync()
        if not self._active:
            return
        self._end_phase(PhaseStatus.STOPPED, now)
        self._remaining = self.remaining_at(now)
        self._state = EngineState.STOPPED
        self._emit(TransitionKind.SESSION_STOPPED, now)

    def poll(self) -> PollResult:
        now = self._sync()
        result = PollResult(self._snapshot(now), tuple(self._transitions), tuple(self._records))
        self._transitions.clear()
        self._records.clear()
        return result

    # -- internals -----------------------------------------------------------------------------------------

    @property
    def _active(self) -> bool:
        return self._state in (EngineState.RUNNING, EngineState.PAUSED)

    def _read_clock(self) -> tuple[float, datetime]:
        return self._clock.monotonic(), self._clock.now()

    def _sync(self) -> float:
        """Bring the engine up to now: detect a gap, else deliver every boundary that has passed."""
        now, wall = self._read_clock()
        if self._state is not EngineState.RUNNING:
            return now
        if self._seen_mono is not None and self._seen_wall is not None and self._is_gap(now, wall):
            self._interrupt(self._seen_mono)
            return now
        self._advance(now)
        self._seen_mono, self._seen_wall = now, wall
        return now

    def _is_gap(self, now: float, wall: datetime) -> bool:
        assert self._seen_mono is not None and self._seen_wall is not None
        mono_delta = now - self._seen_mono
        wall_delta = (wall - self._seen_wall).total_seconds()
        return mono_delta > self._max_gap or abs(wall_delta - mono_delta) > self._max_skew

    def _interrupt(self, last_awake: float) -> None:
        """Pause as of the last moment we know the person was here; nothing after it counts."""
        self._end_phase(PhaseStatus.INTERRUPTED, last_awake, announce=False)
        self._remaining = self._phases[self._index].seconds  # the phase restarts whole on resume
        self._state = EngineState.PAUSED
        self._interrupted = True
        self._emit(TransitionKind.INTERRUPTED, last_awake)

    def _advance(self, t: float) -> None:
        while self._state is EngineState.RUNNING:
            deadline = self._anchor + self._remaining
            if self._countdown:
                cue_at = deadline - self._countdown
                if cue_at > t:
                    return
                following = deadline - (self._countdown - 1)
                if following > t:  # still the freshest cue: announce it; otherwise it is stale
                    in_hold = self._phases[self._index].kind is PhaseKind.HOLD
                    kind = TransitionKind.COUNTDOWN if in_hold else TransitionKind.LEAD_IN
                    self._emit(kind, cue_at, count=self._countdown)
                self._countdown -= 1
                continue
            if deadline > t:
                return
            self._remaining = 0.0
            self._end_phase(PhaseStatus.COMPLETED, deadline)
            self._enter(self._index + 1, deadline)

    def _enter(self, index: int, at: float) -> None:
        """Move to phase `index` at monotonic time `at` (or finish the session past the last phase)."""
        if index >= len(self._phases):
            self._index = len(self._phases)
            self._remaining = 0.0
            self._state = EngineState.COMPLETED
            self._emit(TransitionKind.SESSION_COMPLETED, at)
            return
        now, wall = self._read_clock()
        self._begin(index, at, wall - timedelta(seconds=now - at))

    def _begin(self, index: int, at: float, wall_at: datetime) -> None:
        phase = self._phases[index]
        self._index = index
        self._remaining = phase.seconds
        self._anchor = at
        self._countdown = self._count_of(index)
        self._phase_wall_start = wall_at if self._state is EngineState.RUNNING else None
        self._emit(TransitionKind.PHASE_STARTED, at, phase_index=index)

    def _leads_into_hold(self, index: int) -> bool:
        following = index + 1
        return following < len(self._phases) and self._phases[following].kind is PhaseKind.HOLD

    def _count_of(self, index: int) -> int:
        """How many numbers phase ``index`` counts: out of a hold, or into the hold that follows it."""
        if index >= len(self._phases):
            return 0
        phase = self._phases[index]
        return (
            count_fitting(phase.seconds)
            if phase.kind is PhaseKind.HOLD or self._leads_into_hold(index)
            else 0
        )

    def _hold_in(self, remaining: float) -> int | None:
        if self._state is not EngineState.RUNNING or self._phases[self._index].kind is PhaseKind.HOLD:
            return None
        number = math.ceil(remaining - 1e-9)
        return number if 0 < number <= self._count_of(self._index) else None

    def _end_phase(self, status: PhaseStatus, at: float, *, announce: bool = True) -> None:
        phase = self._phases[self._index]
        actual = phase.seconds - self.remaining_at(at)
        if phase.counted and (status is PhaseStatus.COMPLETED or actual > 0):
            self._record(phase, actual, status)
        self._emit(TransitionKind.PHASE_ENDED, at, phase_index=self._index, status=status)
        if announce and status in (PhaseStatus.COMPLETED, PhaseStatus.SKIPPED):
            if phase.ends_set:
                self._emit(TransitionKind.SET_COMPLETED, at, phase_index=self._index)
            if phase.ends_exercise:
                self._emit(TransitionKind.EXERCISE_COMPLETED, at, phase_index=self._index)

    def _record(self, phase: Phase, actual: float, status: PhaseStatus) -> None:
        started = self._phase_wall_start or self._clock.now()
        offset = started.utcoffset() or timedelta(0)
        self._records.append(
            HoldRecord(
                exercise=phase.exercise,
                side=phase.side,
                set=phase.set,
                rep=phase.rep,
                planned_seconds=phase.seconds,
                actual_seconds=actual,
                started_utc=started.astimezone(UTC),
                utc_offset_seconds=int(offset.total_seconds()),
                status=status,
                phase_index=self._index,
            )
        )

    def _emit(
        self,
        kind: TransitionKind,
        at: float,
        *,
        phase_index: int | None = None,
        count: int | None = None,
        status: PhaseStatus | None = None,
    ) -> None:
        self._transitions.append(Transition(kind, at, phase_index, count, status))

    def _snapshot(self, now: float) -> Snapshot:
        total = self._done_before[-1]
        finished = self._index >= len(self._phases)
        phase = None if finished else self._phases[self._index]
        remaining = 0.0 if finished else self.remaining_at(now)
        done = (
            total
            if finished
            else self._done_before[self._index] + (phase.seconds if phase else 0) - remaining
        )
        return Snapshot(
            state=self._state,
            phase_index=self._index,
            phase=phase,
            remaining=remaining,
            phase_progress=1.0 if phase is None else 1.0 - remaining / phase.seconds,
            session_total=total,
            session_remaining=total - done,
            session_progress=done / total,
            exercise_count=len(self.timeline.exercise_ids),
            interrupted=self._interrupted,
            at=now,
            hold_in=None if finished else self._hold_in(remaining),
        )


def count_fitting(seconds: float) -> int:
    """The 3-2-1 numbers a phase of ``seconds`` has room for, the first a whole second after its start:
    3 in a 5 s get-ready, 2 in a 3 s rest, 1 in a 2 s lift, none in a 1 s one."""
    return max(0, min(COUNTDOWN_FROM, math.floor(seconds - 1 + 1e-9)))


def _cumulative(phases: tuple[Phase, ...]) -> list[float]:
    """Planned seconds before each phase (and, last, the total): the base of session progress."""
    totals = [0.0]
    for phase in phases:
        totals.append(totals[-1] + phase.seconds)
    return totals
