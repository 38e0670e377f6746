"""Small hand-made timelines for engine and ticker tests."""

from __future__ import annotations

from psoas_desktop.core.catalog import PhaseKind, Side
from psoas_desktop.core.plan import PHASE_LABELS, Phase, Timeline

# (kind, seconds, exercise_index, ends_set, ends_exercise)
SHORT: tuple[tuple[PhaseKind, float, int, bool, bool], ...] = (
    (PhaseKind.GET_READY, 2, 0, False, False),
    (PhaseKind.MOVE, 1, 0, False, False),
    (PhaseKind.HOLD, 5, 0, False, False),
    (PhaseKind.LOWER, 1, 0, True, False),
    (PhaseKind.REST, 2, 0, False, False),
    (PhaseKind.MOVE, 1, 0, False, False),
    (PhaseKind.HOLD, 3, 0, False, False),
    (PhaseKind.LOWER, 1.5, 0, True, True),
    (PhaseKind.GET_READY, 2, 1, False, False),
    (PhaseKind.HOLD, 4, 1, False, False),
    (PhaseKind.SWITCH_SIDES, 1, 1, False, False),
    (PhaseKind.HOLD, 4, 1, True, True),
)


def make_timeline(
    spec: tuple[tuple[PhaseKind, float, int, bool, bool], ...] = SHORT,
) -> Timeline:
    phases = []
    set_counter: dict[int, int] = {}
    for kind, seconds, exercise_index, ends_set, ends_exercise in spec:
        set_number = set_counter.setdefault(exercise_index, 1)
        phases.append(
            Phase(
                kind=kind,
                exercise=f"ex{exercise_index}",
                exercise_index=exercise_index,
                side=Side.RIGHT if exercise_index == 1 else None,
                set=set_number,
                sets=2,
                rep=1,
                reps=1,
                seconds=float(seconds),
                step=1,
                label=PHASE_LABELS[kind],
                counted=kind in (PhaseKind.HOLD, PhaseKind.PAUSE),
                ends_set=ends_set,
                ends_exercise=ends_exercise,
            )
        )
        if ends_set:
            set_counter[exercise_index] = set_number + 1
    exercise_ids = tuple(dict.fromkeys(p.exercise for p in phases))
    return Timeline("test", exercise_ids, tuple(phases))
