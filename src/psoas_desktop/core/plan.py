"""Routine + settings → a flat timeline of phases, exactly as the article describes each exercise.

* rep_hold (Bridge): each rep is lift → hold → lower; rest between sets.
* rep_pause (Standing Hip-Flexion): each rep is lift → pause at the top → lower; with sides, all reps on the
  right, switch, all reps on the left, then rest before the next set.
* hold (Kneeling Psoas Stretch): with sides, hold the right, switch, hold the left; a switch back starts the
  next round.
* timed (warm-up, marching): one continuous bout per set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psoas_desktop.core.catalog import (
    NO_OVERRIDES,
    Catalog,
    Exercise,
    ItemDose,
    Pattern,
    PhaseKind,
    Routine,
    Side,
)
from psoas_desktop.core.errors import PlanError
from psoas_desktop.core.formatting import format_duration
from psoas_desktop.core.settings import Settings

PHASE_LABELS: dict[PhaseKind, str] = {
    PhaseKind.GET_READY: "Get ready",
    PhaseKind.MOVE: "Lift",
    PhaseKind.HOLD: "Hold",
    PhaseKind.PAUSE: "Pause at the top",
    PhaseKind.LOWER: "Lower",
    PhaseKind.REST: "Rest",
    PhaseKind.SWITCH_SIDES: "Switch sides",
}
TIMED_LABEL = "Keep moving"


@dataclass(frozen=True)
class Phase:
    kind: PhaseKind
    exercise: str
    exercise_index: int
    side: Side | None
    set: int
    sets: int
    rep: int | None
    reps: int | None
    seconds: float
    step: int
    label: str
    counted: bool = False
    """A hold, a pause at the top or a timed bout: the work a history record is kept for."""
    ends_set: bool = False
    ends_exercise: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "label": self.label,
            "exercise": self.exercise,
            "side": self.side.value if self.side else None,
            "set": self.set,
            "sets": self.sets,
            "rep": self.rep,
            "reps": self.reps,
            "seconds": self.seconds,
            "step": self.step,
            "counted": self.counted,
        }


@dataclass(frozen=True)
class ExerciseDose:
    """The numbers one exercise runs with under the current settings."""

    sets: int
    reps: int | None
    hold_seconds: int | None
    pause_seconds: int | None
    duration_seconds: int | None


@dataclass(frozen=True)
class Timeline:
    routine: str
    exercise_ids: tuple[str, ...]
    phases: tuple[Phase, ...]

    @property
    def total_seconds(self) -> float:
        return sum(phase.seconds for phase in self.phases)

    def first_phase_of(self, exercise_index: int) -> int:
        for index, phase in enumerate(self.phases):
            if phase.exercise_index == exercise_index:
                return index
        raise PlanError(f"the routine has no exercise at position {exercise_index + 1}")

    def exercise_seconds(self, exercise_index: int) -> float:
        return sum(p.seconds for p in self.phases if p.exercise_index == exercise_index)

    def to_json(self) -> dict[str, Any]:
        return {
            "routine": self.routine,
            "total_seconds": self.total_seconds,
            "phases": [phase.to_json() for phase in self.phases],
        }


def dose_for(
    exercise: Exercise,
    settings: Settings,
    item: ItemDose = NO_OVERRIDES,
    hold_growth: HoldGrowth | None = None,
) -> ExerciseDose:
    """The numbers one exercise runs with: a routine item's own values as written (even outside the guide's
    range), else the settings' values or the level's point in the exercise's range; then a progression's
    growth of the hold."""
    dosage = exercise.dosage

    def pick(article_range: tuple[int, int] | None, fixed: int | None, override: int | None) -> int | None:
        if article_range is None:
            return None
        return fixed if fixed is not None else settings.pick(article_range, override)

    hold = pick(dosage.hold_seconds, item.hold_seconds, settings.hold_seconds)
    if hold is not None and hold_growth is not None:
        hold = hold_growth.grown(hold)
    sets = item.sets if item.sets is not None else settings.pick(dosage.sets, settings.sets)
    return ExerciseDose(
        sets=sets,
        reps=pick(dosage.reps, item.reps, settings.reps),
        hold_seconds=hold,
        pause_seconds=pick(dosage.pause_seconds, item.pause_seconds, settings.pause_seconds),
        duration_seconds=pick(dosage.duration_seconds, item.duration_seconds, None),
    )


@dataclass(frozen=True)
class HoldGrowth:
    """How much longer each hold is this session, under a routine's progression."""

    seconds: int
    max_hold_seconds: int

    def grown(self, hold: int) -> int:
        # A hold already above the cap (written so by hand) is never shortened.
        return max(hold, min(hold + self.seconds, self.max_hold_seconds)) if self.seconds else hold


class _ExercisePlanner:
    """Emits the phases of one exercise; zero-second rest/lead-in/switch phases are left out."""

    def __init__(
        self,
        exercise: Exercise,
        exercise_index: int,
        settings: Settings,
        dose: ExerciseDose,
        rest_before: int,
    ) -> None:
        self.exercise = exercise
        self.index = exercise_index
        self.settings = settings
        self.dose = dose
        self.rest_before = rest_before
        self.phases: list[Phase] = []

    def add(
        self,
        kind: PhaseKind,
        seconds: float,
        side: Side | None,
        set_number: int,
        rep: int | None,
        **flags: bool,
    ) -> None:
        if seconds <= 0:
            return
        timed = self.exercise.pattern is Pattern.TIMED and kind is PhaseKind.MOVE
        self.phases.append(
            Phase(
                kind=kind,
                exercise=self.exercise.id,
                exercise_index=self.index,
                side=side,
                set=set_number,
                sets=self.dose.sets,
                rep=rep,
                reps=self.dose.reps,
                seconds=float(seconds),
                step=self.exercise.step_for(kind),
                label=TIMED_LABEL if timed else PHASE_LABELS[kind],
                counted=timed or kind in (PhaseKind.HOLD, PhaseKind.PAUSE),
                **flags,
            )
        )

    def one_side(self, side: Side | None, set_number: int) -> None:
        pattern, dose, settings = self.exercise.pattern, self.dose, self.settings
        if pattern is Pattern.HOLD:
            assert dose.hold_seconds is not None
            self.add(PhaseKind.HOLD, dose.hold_seconds, side, set_number, None)
        elif pattern is Pattern.TIMED:
            assert dose.duration_seconds is not None
            self.add(PhaseKind.MOVE, dose.duration_seconds, side, set_number, None)
        else:
            assert dose.reps is not None
            top_kind, top_seconds = (
                (PhaseKind.HOLD, dose.hold_seconds)
                if pattern is Pattern.REP_HOLD
                else (PhaseKind.PAUSE, dose.pause_seconds)
            )
            assert top_seconds is not None
            for rep in range(1, dose.reps + 1):
                self.add(PhaseKind.MOVE, settings.move_seconds, side, set_number, rep)
                self.add(top_kind, top_seconds, side, set_number, rep)
                self.add(PhaseKind.LOWER, settings.move_seconds, side, set_number, rep)

    def build(self) -> list[Phase]:
        sides: tuple[Side | None, ...] = (Side.RIGHT, Side.LEFT) if self.exercise.per_side else (None,)
        settings = self.settings
        self.add(PhaseKind.REST, self.rest_before, sides[0], 1, None)
        self.add(PhaseKind.GET_READY, settings.lead_in_seconds, sides[0], 1, None)
        for set_number in range(1, self.dose.sets + 1):
            if set_number > 1:
                # A per-side stretch starts its next round by switching back; everything else rests.
                if self.exercise.pattern is Pattern.HOLD and self.exercise.per_side:
                    self.add(PhaseKind.SWITCH_SIDES, settings.switch_seconds, sides[0], set_number, None)
                else:
                    self.add(PhaseKind.REST, settings.rest_seconds, sides[0], set_number, None)
            for side_number, side in enumerate(sides):
                if side_number > 0:
                    self.add(PhaseKind.SWITCH_SIDES, settings.switch_seconds, side, set_number, None)
                self.one_side(side, set_number)
            self._mark_last(ends_set=True, ends_exercise=set_number == self.dose.sets)
        return self.phases

    def _mark_last(self, *, ends_set: bool, ends_exercise: bool) -> None:
        last = self.phases[-1]
        self.phases[-1] = Phase(**{**last.__dict__, "ends_set": ends_set, "ends_exercise": ends_exercise})


def build_timeline(
    catalog: Catalog, routine: Routine, settings: Settings, hold_growth: HoldGrowth | None = None
) -> Timeline:
    """The routine's phases under `settings`, with its items' own dosage and `hold_growth` (a progression's
    growth for this session; see core.progression)."""
    if not routine.exercise_ids:
        raise PlanError(f"routine {routine.id!r} has no exercises")
    phases: list[Phase] = []
    for index, exercise in enumerate(catalog.routine_exercises(routine)):
        dose = dose_for(exercise, settings, routine.override(index), hold_growth)
        rest_before = routine.rest_between_exercises_seconds if index else 0
        phases.extend(_ExercisePlanner(exercise, index, settings, dose, rest_before).build())
    return Timeline(routine.id, routine.exercise_ids, tuple(phases))


def validate_timeline(timeline: Timeline) -> None:
    """The engine's entry check: an empty timeline or a zero-length phase would hang or divide by zero."""
    if not timeline.phases:
        raise PlanError(f"routine {timeline.routine!r} has no phases to run")
    for position, phase in enumerate(timeline.phases, start=1):
        if not phase.seconds > 0 or phase.seconds != phase.seconds:
            raise PlanError(
                f"phase {position} ({phase.label}, {phase.exercise}) has no length: {phase.seconds!r} s"
            )


def format_table(catalog: Catalog, timeline: Timeline) -> str:
    """A readable table of the timeline for ``psoas-desktop plan``."""
    header = f"{'#':>4}  {'start':>7}  {'secs':>5}  {'phase':<17} {'exercise':<28} {'side':<5} {'set':>5} {'rep':>5}"
    lines = [header, "-" * len(header)]
    clock = 0.0
    for number, phase in enumerate(timeline.phases, start=1):
        name = catalog.exercise(phase.exercise).name
        rep = f"{phase.rep}/{phase.reps}" if phase.rep is not None else ""
        lines.append(
            f"{number:>4}  {format_duration(clock):>7}  {phase.seconds:>5g}  {phase.label:<17} {name:<28} "
            f"{phase.side.value if phase.side else '':<5} {phase.set}/{phase.sets:<3} {rep:>5}"
        )
        clock += phase.seconds
    lines.append(
        f"Total: {format_duration(timeline.total_seconds)} ({timeline.total_seconds:g} s, "
        f"{len(timeline.phases)} phases)"
    )
    return "\n".join(lines)
