"""The timeline follows the article's structure for each exercise."""

from __future__ import annotations

from collections import Counter

import pytest

from psoas_desktop.core.catalog import Catalog, PhaseKind, Routine, Side, load_catalog
from psoas_desktop.core.errors import PlanError
from psoas_desktop.core.plan import Timeline, build_timeline, format_table, validate_timeline
from psoas_desktop.core.settings import Level, Settings


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def plan(catalog: Catalog, name: str, **settings: object) -> Timeline:
    return build_timeline(catalog, catalog.resolve(name), Settings.from_mapping(settings))


def kinds(timeline: Timeline) -> list[str]:
    return [p.kind.value for p in timeline.phases]


def test_bridge_lift_hold_lower_per_rep_and_rest_between_sets(catalog: Catalog) -> None:
    timeline = plan(catalog, "bridge", level="advanced")  # 30 s holds, 12 reps, 3 sets
    assert kinds(timeline)[:4] == ["get_ready", "move", "hold", "lower"]
    holds = [p for p in timeline.phases if p.kind is PhaseKind.HOLD]
    assert len(holds) == 36 and {p.seconds for p in holds} == {30.0}
    rests = [p for p in timeline.phases if p.kind is PhaseKind.REST]
    assert [p.set for p in rests] == [2, 3] and {p.seconds for p in rests} == {30.0}
    assert [p.rep for p in holds[:12]] == list(range(1, 13))
    assert all(p.side is None for p in timeline.phases)
    # Every phase points at the step the instruction pane should highlight.
    steps = {p.kind: p.step for p in timeline.phases}
    assert steps == {
        PhaseKind.GET_READY: 1, PhaseKind.MOVE: 3, PhaseKind.HOLD: 4, PhaseKind.LOWER: 5, PhaseKind.REST: 6,
    }  # fmt: skip
    # lead-in 5 + 3 sets * 12 reps * (2 + 30 + 2) + 2 rests * 30
    assert timeline.total_seconds == 5 + 36 * 34 + 60


def test_standing_hip_flexion_all_reps_one_side_then_switch(catalog: Catalog) -> None:
    timeline = plan(catalog, "standing-hip-flexion", level="beginner")  # 2 s pause, 10 reps, 2 sets
    pauses = [p for p in timeline.phases if p.kind is PhaseKind.PAUSE]
    assert [(p.set, p.side) for p in pauses] == [(1, Side.RIGHT)] * 10 + [(1, Side.LEFT)] * 10 + [
        (2, Side.RIGHT)
    ] * 10 + [(2, Side.LEFT)] * 10
    collapsed = [k for i, k in enumerate(kinds(timeline)) if k in ("switch_sides", "rest", "get_ready")]
    assert collapsed == ["get_ready", "switch_sides", "rest", "switch_sides"]
    assert {p.seconds for p in pauses} == {2.0}


def test_kneeling_stretch_hold_one_side_switch_hold_the_other_per_round(catalog: Catalog) -> None:
    timeline = plan(catalog, "kneeling-psoas-stretch", level="advanced", rest_seconds=0)
    assert kinds(timeline) == ["get_ready"] + ["hold", "switch_sides", "hold", "switch_sides"] * 2 + [
        "hold",
        "switch_sides",
        "hold",
    ]
    holds = [p for p in timeline.phases if p.kind is PhaseKind.HOLD]
    assert [(p.set, p.side) for p in holds] == [
        (1, Side.RIGHT), (1, Side.LEFT), (2, Side.RIGHT), (2, Side.LEFT), (3, Side.RIGHT), (3, Side.LEFT),
    ]  # fmt: skip
    assert all(p.counted for p in holds)


def test_zero_second_rest_and_lead_in_are_left_out(catalog: Catalog) -> None:
    timeline = plan(catalog, "bridge", rest_seconds=0, lead_in_seconds=0)
    assert not {"rest", "get_ready"} & set(kinds(timeline))


def test_set_and_exercise_ends_are_marked(catalog: Catalog) -> None:
    timeline = plan(catalog, "psoas-3")
    ends = Counter((p.exercise, p.ends_set, p.ends_exercise) for p in timeline.phases if p.ends_set)
    assert ends[("bridge", True, True)] == 1 and ends[("bridge", True, False)] == 1
    assert timeline.phases[-1].ends_exercise and timeline.phases[-1].exercise == "kneeling-psoas-stretch"
    assert timeline.phases[0].exercise_index == 0
    assert timeline.first_phase_of(1) > 0 and timeline.phases[timeline.first_phase_of(1)].exercise == "bridge"


def test_overrides_apply(catalog: Catalog) -> None:
    timeline = plan(catalog, "bridge", hold_seconds=22, reps=10, sets=3, move_seconds=3)
    holds = [p for p in timeline.phases if p.kind is PhaseKind.HOLD]
    assert len(holds) == 30 and {p.seconds for p in holds} == {22.0}
    assert {p.seconds for p in timeline.phases if p.kind is PhaseKind.MOVE} == {3.0}


def test_every_routine_plans_at_every_level(catalog: Catalog) -> None:
    for routine in catalog.routines:
        for level in Level:
            timeline = build_timeline(catalog, routine, Settings(level=level))
            validate_timeline(timeline)
            assert timeline.total_seconds > 0


def test_bad_input_is_a_clear_error(catalog: Catalog) -> None:
    with pytest.raises(PlanError, match="has no exercises"):
        build_timeline(catalog, Routine("empty", "Empty", "", ()), Settings())
    with pytest.raises(PlanError, match="has no phases"):
        validate_timeline(Timeline("x", (), ()))
    good = plan(catalog, "bridge")
    broken = Timeline(
        "x", good.exercise_ids, (good.phases[0].__class__(**{**good.phases[0].__dict__, "seconds": 0.0}),)
    )
    with pytest.raises(PlanError, match="has no length"):
        validate_timeline(broken)


def test_readable_table_has_total(catalog: Catalog) -> None:
    text = format_table(catalog, plan(catalog, "quick-stretch"))
    assert "Kneeling Psoas Stretch" in text and "Switch sides" in text
    assert text.splitlines()[-1].startswith("Total: ")
