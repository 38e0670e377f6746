"""The routine file format: what a physio's file becomes, and every way a file can be wrong, each named by its
exact place. Fuzzing: whatever it is given, reading either gives a routine or problems with paths."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from psoas_desktop.core.catalog import Catalog, PhaseKind, Side, load_catalog
from psoas_desktop.core.data_problems import MAX_PROBLEMS, Problem, json_path
from psoas_desktop.core.plan import build_timeline
from psoas_desktop.core.routine_file import (
    RoutineFileError,
    UserRoutine,
    check_routine,
    dose_hash,
    export_document,
    fingerprints,
    range_note,
    range_notes,
    read_routine,
)
from psoas_desktop.core.settings import Level, Settings

CATALOG = load_catalog()
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def physio_file() -> dict[str, Any]:
    """The issue's example, with real text."""
    return {
        "format": "psoas-routine",
        "version": 1,
        "id": "morning-hips",
        "name": "Morning hips",
        "notes": "From my physio, Nov 2026. Gentle on the left side.",
        "rest_between_exercises_seconds": 20,
        "exercises": [
            {
                "id": "wall-psoas-stretch",
                "name": "Wall psoas stretch",
                "kind": "stretch",
                "overview": "A standing stretch for the front of the hip, with a wall for balance.",
                "steps": [
                    "Stand side-on to a wall, one hand on it.",
                    "Step your {side} foot forward and bend the knee a little.",
                    "Tuck your tailbone under until the front of the {other} hip stretches.",
                ],
                "tips": ["Keep your back tall."],
                "per_side": True,
                "pattern": "hold",
                "dosage": {"hold_seconds": [20, 30], "sets": [2, 3]},
            }
        ],
        "items": [
            {"exercise": "warm-up"},
            {"exercise": "bridge", "hold_seconds": 20, "reps": 8, "sets": 2},
            {"exercise": "wall-psoas-stretch", "hold_seconds": 30},
            {"exercise": "kneeling-psoas-stretch", "sets": 3},
        ],
        "progression": {"hold_seconds_step": 2, "every_sessions": 3, "max_hold_seconds": 40},
    }


def problems_of(document: object) -> list[str]:
    with pytest.raises(RoutineFileError) as caught:
        check_routine(document, CATALOG)
    return [str(problem) for problem in caught.value.problems]


def with_routine(routine: UserRoutine) -> Catalog:
    return CATALOG.with_user_routines([routine.routine], routine.exercises)


def test_a_physios_file_becomes_a_routine_with_its_own_values() -> None:
    routine = check_routine(physio_file(), CATALOG)
    r = routine.routine
    assert r.user and r.name == "Morning hips" and r.notes.startswith("From my physio")
    assert r.exercise_ids == (
        "warm-up",
        "bridge",
        "morning-hips/wall-psoas-stretch",
        "kneeling-psoas-stretch",
    )
    timeline = build_timeline(with_routine(routine), r, Settings(level=Level.ADVANCED))
    bridge = [p for p in timeline.phases if p.exercise == "bridge"]
    assert {p.sets for p in bridge} == {2} and {p.reps for p in bridge} == {8}
    assert {p.seconds for p in bridge if p.kind is PhaseKind.HOLD} == {20.0}  # not the advanced 30
    wall = [p for p in timeline.phases if p.exercise == "morning-hips/wall-psoas-stretch"]
    assert {p.seconds for p in wall if p.kind is PhaseKind.HOLD} == {30.0}
    assert {p.sets for p in wall} == {3}  # no override: the advanced end of 2–3
    stretch = [p for p in timeline.phases if p.exercise == "kneeling-psoas-stretch"]
    assert {p.sets for p in stretch} == {3} and {p.seconds for p in stretch if p.kind is PhaseKind.HOLD} == {
        30.0
    }
    # A 20 s rest before each exercise after the first, none before the first.
    rests = [p for p in timeline.phases if p.kind is PhaseKind.REST and p.seconds == 20 and p.set == 1]
    assert [p.exercise_index for p in rests] == [1, 2, 3]
    assert timeline.phases[0].kind is not PhaseKind.REST


def test_a_custom_exercise_reads_right_on_each_side_and_gets_defaults() -> None:
    routine = check_routine(physio_file(), CATALOG)
    (wall,) = routine.exercises
    assert wall.steps_for(Side.LEFT)[1] == "Step your left foot forward and bend the knee a little."
    assert wall.benefits == () and wall.modifications.beginner == "" and not wall.extra
    assert set(wall.phase_steps) == {
        PhaseKind.GET_READY,
        PhaseKind.HOLD,
        PhaseKind.REST,
        PhaseKind.SWITCH_SIDES,
    }
    assert all(1 <= step <= 3 for step in wall.phase_steps.values())
    assert wall.image == "" and wall.illustration == ""


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["items"][1].update(hold_seconds=700),
            "items[1].hold_seconds: 700 is above the limit of 600",
        ),
        (
            lambda d: d["items"][2].update(exercise="wall-strech"),
            "items[2].exercise: 'wall-strech' is neither a catalog exercise nor defined in \"exercises\"",
        ),
        (lambda d: d.update(id="psoas-3"), "id: 'psoas-3' is a built-in routine's id; choose another"),
        (lambda d: d.update(id="bridge"), "id: 'bridge' is a catalog exercise's id; choose another"),
        (lambda d: d.update(id="Morning Hips"), "id: 'Morning Hips' is not a valid id"),
        (lambda d: d["exercises"][0].update(id="bridge"), "exercises[0].id: 'bridge' is a catalog exercise"),
        (
            lambda d: d["exercises"].append(copy.deepcopy(d["exercises"][0])),
            "exercises[1].id: 'wall-psoas-stretch' is used twice in this file",
        ),
        (lambda d: d["items"][0].update(reps=3), "items[0].reps: Warm-up (timed) has no reps"),
        (
            lambda d: d["items"][3].update(pause_seconds=2),
            "items[3].pause_seconds: Kneeling Psoas Stretch (hold)",
        ),
        (lambda d: d.update(items=[]), "items: must not be empty"),
        (lambda d: d.update(items=[{"exercise": "bridge"}] * 51), "items: has 51 entries; at most 50"),
        (lambda d: d["items"][1].update(sets=1.5), "items[1].sets: expected a whole number, got a number"),
        (
            lambda d: d["items"][1].update(sets=True),
            "items[1].sets: expected a whole number, got true or false",
        ),
        (lambda d: d["items"][1].update(weight=5), "items[1].weight: is not a known field"),
        (lambda d: d.pop("name"), "name: missing"),
        (lambda d: d.update(version=2), "version: expected 1, got 2"),
        (lambda d: d.update(format="feeel"), 'format: expected "psoas-routine", got "feeel"'),
        (
            lambda d: d["exercises"][0]["dosage"].update(hold_seconds=[30, 20]),
            "exercises[0].dosage.hold_seconds: min 30 is greater than max 20",
        ),
        (
            lambda d: d["exercises"][0]["dosage"].pop("hold_seconds"),
            "exercises[0].dosage.hold_seconds: required for pattern 'hold'",
        ),
        (
            lambda d: d["exercises"][0]["steps"].append("Now the {front} leg."),
            "exercises[0].steps[3]: unknown placeholder {front}",
        ),
        (
            lambda d: d["exercises"][0].update(phase_steps={"hold": 9}),
            "exercises[0].phase_steps.hold: expected a step number 1–3, got 9",
        ),
        (lambda d: d["exercises"][0].update(kind="cardio"), "exercises[0].kind: 'cardio' is not one of"),
        (
            lambda d: d["progression"].update(every_sessions=0),
            "progression.every_sessions: 0 is below the lowest allowed value, 1",
        ),
        (
            lambda d: d.update(items=[{"exercise": "warm-up"}]),
            "progression: no exercise in this routine has a hold to grow",
        ),
        (
            lambda d: d["exercises"][0].update(image={"media_type": "image/png", "data": "not base64!"}),
            "exercises[0].image.data: is not base64",
        ),
        (
            lambda d: d["exercises"][0].update(
                image={"media_type": "image/png", "data": base64.b64encode(b"GIF89a").decode()}
            ),
            "exercises[0].image.data: is not a image/png picture",
        ),
        (
            lambda d: d["exercises"][0].update(image="../../etc/passwd"),
            "exercises[0].image: '../../etc/passwd' is not an image file name",
        ),
    ],
)
def test_each_problem_is_named_at_its_exact_place(change: Any, expected: str) -> None:
    document = physio_file()
    change(document)
    problems = problems_of(document)
    assert any(line.startswith(expected) for line in problems), problems


def test_problems_come_in_document_order_and_all_at_once() -> None:
    document = physio_file()
    document["items"][10 - 8] = {"exercise": "bridge", "hold_seconds": 0}
    document["items"].extend({"exercise": "bridge", "reps": 101} for _ in range(8))
    problems = problems_of(document)
    assert problems[0].startswith("items[2].hold_seconds") and problems[-1].startswith("items[11].reps")
    assert len(problems) == 9


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{\n  "format": "psoas-routine",\n  x', "$: not JSON (Expecting property name"),
        (b"\xff\xfe{}", "$: not UTF-8 text (byte 1)"),
        (b"[]", "$: expected an object, got a list"),
        (b"", "$: not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "$: nested too deeply"),
        (b"1" * 5000, "$: not usable JSON"),
    ],
)
def test_bytes_that_are_not_a_routine_get_one_line(content: bytes, expected: str) -> None:
    with pytest.raises(RoutineFileError) as caught:
        read_routine(content, CATALOG)
    assert str(caught.value.problems[0]).startswith(expected), caught.value.problems


def test_the_line_and_column_of_bad_json_are_named() -> None:
    with pytest.raises(RoutineFileError) as caught:
        read_routine(b'{\n  "id": "a",\n  "name": x\n}', CATALOG)
    assert str(caught.value) == "$: not JSON (Expecting value; line 3, column 11)"


def test_an_embedded_picture_is_checked_and_kept_for_the_store() -> None:
    document = physio_file()
    document["exercises"][0]["image"] = {"media_type": "image/png", "data": base64.b64encode(PNG).decode()}
    routine = check_routine(document, CATALOG)
    assert routine.images == {"wall-psoas-stretch.png": PNG}
    assert routine.document["exercises"][0]["image"] == "wall-psoas-stretch.png"
    assert document["exercises"][0]["image"]["media_type"] == "image/png"  # the caller's dict is untouched
    too_big = {"media_type": "image/png", "data": base64.b64encode(PNG + b"\0" * (1024 * 1024)).decode()}
    document["exercises"][0]["image"] = too_big
    assert any("at most 1 MB" in line for line in problems_of(document))


def test_a_named_picture_beside_the_file_is_shown_and_a_missing_one_is_a_placeholder(tmp_path: Path) -> None:
    document = physio_file()
    document["exercises"][0]["image"] = "wall.png"
    missing = check_routine(document, CATALOG, image_folder=tmp_path)
    assert missing.exercises[0].image == ""
    (tmp_path / "wall.png").write_bytes(PNG)
    found = check_routine(document, CATALOG, image_folder=tmp_path)
    assert found.exercises[0].image == str(tmp_path / "wall.png")


def test_values_outside_the_guides_range_are_allowed_and_noted() -> None:
    assert range_note("hold_seconds", 35, (20, 30)) == "35 s · above the guide's 20–30 s"
    assert range_note("reps", 8, (10, 12)) == "8 reps · below the guide's 10–12 reps"
    assert range_note("hold_seconds", 25, (20, 30)) is None
    routine = check_routine(physio_file(), CATALOG)
    assert range_notes(with_routine(routine), routine.routine) == [
        (1, "Bridge: 8 reps · below the guide's 10–12 reps")
    ]


def test_fingerprints_change_with_the_dosage_and_not_with_the_name() -> None:
    base = check_routine(physio_file(), CATALOG).routine
    renamed_doc = physio_file() | {"name": "Hips in the morning", "notes": "New notes."}
    renamed = check_routine(renamed_doc, CATALOG).routine
    assert fingerprints(renamed)[0] != fingerprints(base)[0]  # the content changed
    assert fingerprints(renamed)[1] == fingerprints(base)[1]  # the dosage did not: the count goes on
    longer = physio_file()
    longer["items"][2]["hold_seconds"] = 32
    assert dose_hash(longer) != fingerprints(base)[1]
    grows_faster = physio_file()
    grows_faster["progression"]["hold_seconds_step"] = 3
    assert dose_hash(grows_faster) != fingerprints(base)[1]
    builtin = CATALOG.routine("psoas-3")
    assert fingerprints(builtin) == fingerprints(CATALOG.routine("psoas-3"))
    assert fingerprints(builtin) != fingerprints(CATALOG.routine("quick-stretch"))


def test_a_builtin_exports_as_a_copy_to_edit_that_plans_the_same() -> None:
    document = export_document(CATALOG, "psoas-3", None, lambda _name: None)
    assert document["id"] == "psoas-3-copy" and document["name"] == "Psoas 3 (copy)"
    copy_of = check_routine(document, CATALOG)
    for level in Level:
        settings = Settings(level=level)
        original = build_timeline(CATALOG, CATALOG.routine("psoas-3"), settings)
        again = build_timeline(with_routine(copy_of), copy_of.routine, settings)
        assert again.phases == original.phases


# -- round trip and fuzzing -----------------------------------------------------------------------------------

_hold = st.integers(1, 600)
_item = st.fixed_dictionaries(
    {"exercise": st.sampled_from(["bridge", "kneeling-psoas-stretch", "straight-leg-raise", "camel-pose"])},
    optional={"hold_seconds": _hold, "sets": st.integers(1, 10)},
)


def _fits(item: dict[str, Any]) -> dict[str, Any]:
    # straight-leg-raise is rep_pause: no hold of its own
    return {
        k: v
        for k, v in item.items()
        if not (item["exercise"] == "straight-leg-raise" and k == "hold_seconds")
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(_item, min_size=1, max_size=12), rest=st.integers(0, 600), step=st.integers(1, 60))
def test_export_of_an_import_is_the_same_file_and_plans_the_same(
    items: list[dict[str, Any]], rest: int, step: int
) -> None:
    document = physio_file() | {"items": [_fits(i) for i in items], "rest_between_exercises_seconds": rest}
    document["progression"]["hold_seconds_step"] = step
    document["items"].append({"exercise": "wall-psoas-stretch"})
    first = check_routine(document, CATALOG)
    exported = export_document(CATALOG, first.routine.id, first.document, lambda _name: None)
    assert exported == document
    again = check_routine(json.loads(json.dumps(exported)), CATALOG)
    assert again.routine == first.routine and again.exercises == first.exercises
    settings_ = Settings()
    assert build_timeline(with_routine(again), again.routine, settings_) == build_timeline(
        with_routine(first), first.routine, settings_
    )


def _outcome(read: Any) -> UserRoutine | list[Problem]:
    """What reading gave: the routine, or its problems (any other exception fails the test)."""
    try:
        return read()  # type: ignore[no-any-return]
    except RoutineFileError as exc:
        return exc.problems


def _read_any(content: bytes | str) -> None:
    outcome = _outcome(lambda: read_routine(content, CATALOG))
    if isinstance(outcome, UserRoutine):
        build_timeline(with_routine(outcome), outcome.routine, Settings())
        return
    assert outcome and len(outcome) <= MAX_PROBLEMS
    for problem in outcome:
        assert (
            isinstance(problem, Problem)
            and isinstance(problem.path, str)
            and problem.path
            and problem.message
        )


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_routine_or_problems_with_paths(content: bytes) -> None:
    _read_any(content)


@settings(max_examples=200, deadline=None)
@given(_json)
@example({"²": None})  # a field name str.isdigit() calls a number
def test_any_json_value_gives_a_routine_or_problems_with_paths(value: object) -> None:
    _read_any(json.dumps(value))


def _paths(value: object, here: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [here]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*here, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*here, index))
    return found


REFERRED_FROM = {"exercises": ("items",), "items": ("progression",), "id": ("exercises",)}


def _with_one_value_replaced(
    data: st.DataObject, replacement: object
) -> tuple[dict[str, Any], tuple[str | int, ...]]:
    """The physio's file with the value at one drawn place replaced, and that place."""
    document = physio_file()
    place = data.draw(st.sampled_from(_paths(document)[1:]))
    target: Any = document
    for part in place[:-1]:
        target = target[part]
    target[place[-1]] = replacement
    return document, place


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), replacement=_json)
def test_a_valid_file_with_any_one_value_replaced_reads_or_names_a_place(
    data: st.DataObject, replacement: object
) -> None:
    document, place = _with_one_value_replaced(data, replacement)
    outcome = _outcome(lambda: check_routine(document, CATALOG))
    if not isinstance(outcome, UserRoutine):
        assert outcome
        named = {p.path for p in outcome}
        # The problem is at the replaced place, above it (a rule on its parent), in the same top-level field,
        # or where that field is referred to: items name exercises, a progression needs an item's hold, and
        # an exercise's id may not be the routine's.
        fields = {str(place[0]), *REFERRED_FROM.get(str(place[0]), ())}
        assert any(
            json_path(place).startswith(path) or any(path.startswith(field) for field in fields)
            for path in named
        ), (place, named)


def test_huge_arrays_and_deep_nesting_are_refused_with_a_bounded_list() -> None:
    huge = physio_file() | {"items": [{"exercise": "nope", "reps": 1000}] * 10_000}
    problems = problems_of(huge)
    assert len(problems) <= MAX_PROBLEMS and problems[0].startswith("items")
    deep: Any = "x"
    for _ in range(5000):
        deep = [deep]
    problems = problems_of(physio_file() | {"notes": deep})
    assert problems in (["$: nested too deeply"], ["notes: expected text, got a list"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), replacement=_json)
def test_the_inlined_schema_judges_exactly_as_the_published_one(
    data: st.DataObject, replacement: object
) -> None:
    """Checking uses the published schema with its references inlined (for speed): same verdicts, same places."""
    from jsonschema import Draft202012Validator

    from psoas_desktop.core.catalog import resource_root
    from psoas_desktop.core.data_problems import SCHEMA_FILE, _validator

    root = Path(str(resource_root()))
    published = Draft202012Validator(json.loads((root / SCHEMA_FILE).read_text(encoding="utf-8")))
    document, _place = _with_one_value_replaced(data, replacement)

    def places(validator: Any) -> set[str]:
        return {json_path(error.absolute_path) for error in validator.iter_errors(document)}

    assert places(_validator(root, "")) == places(published)
