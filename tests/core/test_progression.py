"""Holds that grow: the count of completed sessions turns into longer holds, capped, and said in one line."""

from __future__ import annotations

import pytest

from psoas_desktop.core.catalog import PhaseKind, Progression, load_catalog
from psoas_desktop.core.progression import (
    first_hold,
    next_hold_line,
    progressed_timeline,
    progression_state,
)
from psoas_desktop.core.routine_file import check_routine
from psoas_desktop.core.settings import Settings

EVERY_3_BY_2_UP_TO_40 = Progression(hold_seconds_step=2, every_sessions=3, max_hold_seconds=40)


@pytest.mark.parametrize(
    ("completed", "applied", "to_next"),
    [
        (0, 0, 3),
        (1, 0, 2),
        (2, 0, 1),
        (3, 2, 3),
        (5, 2, 1),
        (6, 4, 3),
        (29, 18, 1),
        (30, 20, None),
        (300, 20, None),
    ],
)
def test_holds_grow_by_the_step_after_every_n_sessions_up_to_the_cap(
    completed: int, applied: int, to_next: int | None
) -> None:
    state = progression_state(EVERY_3_BY_2_UP_TO_40, completed, holds=[20, 30])
    assert (state.completed_sessions, state.step_applied_seconds, state.sessions_to_next_step) == (
        completed,
        applied,
        to_next,
    )


def test_a_negative_count_is_none_and_a_hold_above_the_cap_never_grows() -> None:
    assert progression_state(EVERY_3_BY_2_UP_TO_40, -4, [20]).step_applied_seconds == 0
    state = progression_state(EVERY_3_BY_2_UP_TO_40, 9, holds=[45])
    assert state.step_applied_seconds == 0 and state.sessions_to_next_step is None


def test_the_next_session_line() -> None:
    state = progression_state(EVERY_3_BY_2_UP_TO_40, 3, [20])
    assert next_hold_line(EVERY_3_BY_2_UP_TO_40, state, 22) == "Next: 22 s (+2 s after 3 sessions)"
    state = progression_state(EVERY_3_BY_2_UP_TO_40, 5, [20])
    assert next_hold_line(EVERY_3_BY_2_UP_TO_40, state, 22) == "Next: 22 s (+2 s after 1 session)"
    state = progression_state(EVERY_3_BY_2_UP_TO_40, 99, [20])
    assert (
        next_hold_line(EVERY_3_BY_2_UP_TO_40, state, 40) == "Next: 40 s (grown as far as this routine goes)"
    )


def test_a_routine_plans_its_next_session_with_each_hold_grown_and_capped() -> None:
    catalog = load_catalog()
    document = {
        "format": "psoas-routine",
        "version": 1,
        "id": "grow",
        "name": "Grow",
        "items": [
            {"exercise": "bridge", "hold_seconds": 20},
            {"exercise": "kneeling-psoas-stretch", "hold_seconds": 36},
        ],
        "progression": {"hold_seconds_step": 3, "every_sessions": 2, "max_hold_seconds": 40},
    }
    routine = check_routine(document, catalog)
    full = catalog.with_user_routines([routine.routine], routine.exercises)

    def holds(completed: int) -> dict[str, set[float]]:
        timeline, _state = progressed_timeline(full, routine.routine, Settings(), completed)
        found: dict[str, set[float]] = {}
        for phase in timeline.phases:
            if phase.kind is PhaseKind.HOLD:
                found.setdefault(phase.exercise, set()).add(phase.seconds)
        return found

    assert holds(0) == {"bridge": {20.0}, "kneeling-psoas-stretch": {36.0}}
    assert holds(2) == {"bridge": {23.0}, "kneeling-psoas-stretch": {39.0}}
    assert holds(4) == {"bridge": {26.0}, "kneeling-psoas-stretch": {40.0}}  # capped at 40
    assert holds(14) == {"bridge": {40.0}, "kneeling-psoas-stretch": {40.0}}
    timeline, state = progressed_timeline(full, routine.routine, Settings(), 14)
    assert state is not None and state.to_json() == {"completed_sessions": 14, "step_applied_seconds": 21}
    assert first_hold(timeline) == 40


def test_a_routine_without_a_progression_has_no_state() -> None:
    catalog = load_catalog()
    timeline, state = progressed_timeline(catalog, catalog.routine("psoas-3"), Settings(), 12)
    assert state is None and timeline.total_seconds == 21 * 60 + 57
