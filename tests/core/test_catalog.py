"""The shipped catalog holds the article's facts; broken data is reported with its file and field."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from psoas_desktop.core.catalog import (
    Catalog,
    ExerciseKind,
    Pattern,
    load_catalog,
    phase_kinds_used,
    resource_root,
)
from psoas_desktop.core.errors import CatalogError

ARTICLE = ("bridge", "standing-hip-flexion", "kneeling-psoas-stretch")
EXTRAS = (
    "kneeling-lunge-stretch",
    "camel-pose",
    "glute-bridge",
    "single-knee-to-chest",
    "straight-leg-raise",
    "marching-in-place",
)
SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_3300b23856dd6860.txt"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_article_exercises_come_first_with_their_dosage(catalog: Catalog) -> None:
    assert tuple(e.id for e in catalog.exercises[:3]) == ARTICLE
    bridge, flexion, kneeling = (catalog.exercise(i) for i in ARTICLE)
    assert (bridge.dosage.hold_seconds, bridge.dosage.reps, bridge.dosage.sets) == (
        (20, 30),
        (10, 12),
        (2, 3),
    )
    assert (bridge.per_side, bridge.pattern) == (False, Pattern.REP_HOLD)
    assert (flexion.dosage.pause_seconds, flexion.dosage.reps, flexion.dosage.sets) == (
        (2, 3),
        (10, 12),
        (2, 3),
    )
    assert (flexion.per_side, flexion.pattern) == (True, Pattern.REP_PAUSE)
    assert (kneeling.dosage.hold_seconds, kneeling.dosage.sets, kneeling.dosage.reps) == (
        (20, 30),
        (2, 3),
        None,
    )
    assert (kneeling.per_side, kneeling.pattern) == (True, Pattern.HOLD)


def test_article_exercises_keep_every_item_of_the_article(catalog: Catalog) -> None:
    counts = {"bridge": (6, 3, 3), "standing-hip-flexion": (6, 3, 3), "kneeling-psoas-stretch": (7, 3, 3)}
    for exercise_id, (steps, tips, benefits) in counts.items():
        exercise = catalog.exercise(exercise_id)
        assert (len(exercise.steps), len(exercise.tips), len(exercise.benefits)) == (steps, tips, benefits)
        assert exercise.modifications.beginner and exercise.modifications.advanced
        assert not exercise.extra
    bridge = catalog.exercise("bridge")
    assert "20–30" in bridge.steps[3] and "10–12" in bridge.steps[5] and "2–3" in bridge.steps[5]
    flexion = catalog.exercise("standing-hip-flexion")
    assert "90" in flexion.steps[1] and "2–3" in flexion.steps[2]
    kneeling = catalog.exercise("kneeling-psoas-stretch")
    assert "90" in kneeling.steps[1] and "20–30" in kneeling.steps[4] and "2–3" in kneeling.steps[6]


def test_extras_and_warm_up_are_marked(catalog: Catalog) -> None:
    ids = [e.id for e in catalog.exercises]
    assert [i for i in ids if i in EXTRAS] == list(EXTRAS)
    for exercise_id in (*EXTRAS, "warm-up"):
        assert catalog.exercise(exercise_id).extra
    assert catalog.exercise("warm-up").kind is ExerciseKind.WARM_UP


def test_routines(catalog: Catalog) -> None:
    assert catalog.routine("psoas-3").exercise_ids == ("warm-up", *ARTICLE)
    assert catalog.routine("quick-stretch").exercise_ids == ("kneeling-psoas-stretch",)
    full = catalog.routine("full-psoas-care").exercise_ids
    assert set(ARTICLE + EXTRAS) <= set(full)
    assert full.index("bridge") < full.index("standing-hip-flexion") < full.index("kneeling-psoas-stretch")


def test_general_tips_and_safety_note(catalog: Catalog) -> None:
    assert [t.title for t in catalog.tips] == [
        "Warm up",
        "Consistency",
        "Mindful movement",
        "Stretch regularly",
        "Listen to your body",
    ]
    assert "2–3 times" in catalog.tips[1].text
    assert "pain" in catalog.safety_note.lower() and "professional" in catalog.safety_note.lower()
    about = " ".join(p for s in catalog.about for p in (*s.paragraphs, *s.bullets))
    for fact in ("L1", "16 inches", "iliacus", "femur", "iliopsoas", "camel pose", "marching in place"):
        assert fact.lower() in about.lower()


def test_every_exercise_names_a_step_for_each_phase_it_uses(catalog: Catalog) -> None:
    for exercise in catalog.exercises:
        for kind in phase_kinds_used(exercise.pattern, exercise.per_side):
            assert 1 <= exercise.step_for(kind) <= len(exercise.steps)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


@pytest.mark.skipif(not SEED.is_file(), reason="the source article (shared/seed) is not beside the repo")
def test_no_sentence_is_copied_from_the_article(catalog: Catalog) -> None:
    article = _words(SEED.read_text(encoding="utf-8"))
    windows = {tuple(article[i : i + 8]) for i in range(len(article) - 7)}
    copied = []
    for text in _strings(catalog.to_json()):
        ours = _words(text)
        copied += [
            " ".join(ours[i : i + 8]) for i in range(len(ours) - 7) if tuple(ours[i : i + 8]) in windows
        ]
    assert copied == []


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def test_catalog_json_round_trips_the_fields_the_cli_promises(catalog: Catalog) -> None:
    data = catalog.to_json()
    assert set(data) >= {"exercises", "routines", "tips"}
    for exercise in data["exercises"]:
        assert set(exercise) >= {
            "id", "name", "kind", "extra", "overview", "steps", "tips", "benefits",
            "modifications", "dosage", "per_side",
        }  # fmt: skip
        assert set(exercise["dosage"]) >= {"hold_seconds", "pause_seconds", "reps", "sets"}


# -- bad data ------------------------------------------------------------------------------------------------


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    root = tmp_path / "resources"
    shutil.copytree(str(resource_root()), root)
    return root


def _edit(root: Path, relative: str, change: Callable[[Any], None]) -> None:
    path = root / relative
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_copy_of_the_shipped_data_loads(data_copy: Path) -> None:
    # A copy is checked against the JSON Schema; the shipped data is not at start-up, so this is its check.
    assert load_catalog(data_copy) == load_catalog()
    assert load_catalog(validate=True) == load_catalog()


@pytest.mark.parametrize(
    ("relative", "change", "expected"),
    [
        ("exercises/bridge.json", lambda d: d.pop("overview"), r"bridge\.json: field 'overview': missing"),
        (
            "exercises/bridge.json",
            lambda d: d.update(steps="lie down"),
            r"bridge\.json: field 'steps': expected a list",
        ),
        (
            "exercises/bridge.json",
            lambda d: d["steps"].__setitem__(1, "Lift your {side} leg."),
            r"bridge\.json: field 'steps\[1\]': \{side\} is for exercises done on each side",
        ),
        (
            "exercises/kneeling-psoas-stretch.json",
            lambda d: d["steps"].__setitem__(0, "Kneel on your {front} knee."),
            r"field 'steps\[0\]': unknown placeholder \{front\}",
        ),
        (
            "exercises/bridge.json",
            lambda d: d.update(extra="no"),
            r"bridge\.json: field 'extra': expected true or false",
        ),
        (
            "exercises/bridge.json",
            lambda d: d["dosage"].update(hold_seconds=[0, 30]),
            r"bridge\.json: field 'dosage\.hold_seconds\[0\]': 0 is below the lowest allowed value, 1",
        ),
        (
            "exercises/bridge.json",
            lambda d: d["dosage"].update(hold_seconds=[20, 1000000000]),
            r"bridge\.json: field 'dosage\.hold_seconds\[1\]': 1000000000 is above the limit of 600",
        ),
        (
            "exercises/bridge.json",
            lambda d: d["dosage"].update(hold_seconds=[20.5, 30]),
            r"bridge\.json: field 'dosage\.hold_seconds\[0\]': expected a whole number, got a number",
        ),
        (
            "exercises/bridge.json",
            lambda d: d["dosage"].update(reps=[12, 10]),
            r"bridge\.json: field 'dosage\.reps': min 12 is greater than max 10",
        ),
        (
            "exercises/bridge.json",
            lambda d: d["dosage"].update(hold_seconds=None),
            r"bridge\.json: field 'dosage\.hold_seconds': required for pattern 'rep_hold'",
        ),
        (
            "exercises/bridge.json",
            lambda d: d.update(kind="cardio"),
            r"bridge\.json: field 'kind': 'cardio' is not one of",
        ),
        (
            "exercises/bridge.json",
            lambda d: d.update(illustration="nothing.svg"),
            r"bridge\.json: field 'illustration': unknown illustration 'nothing\.svg'",
        ),
        (
            "exercises/bridge.json",
            lambda d: d["phase_steps"].update(hold=99),
            r"bridge\.json: field 'phase_steps\.hold': 99 is above the limit of 50",
        ),
        (
            "exercises/bridge.json",
            lambda d: d["phase_steps"].update(hold=7),
            r"bridge\.json: field 'phase_steps\.hold': expected a step number 1–6, got 7",
        ),
        (
            "exercises/bridge.json",
            lambda d: d["phase_steps"].update(pause=2),
            r"bridge\.json: field 'phase_steps\.pause': not used by pattern 'rep_hold'",
        ),
        (
            "exercises/bridge.json",
            lambda d: d["phase_steps"].pop("lower"),
            r"bridge\.json: field 'phase_steps\.lower': missing",
        ),
        ("exercises/bridge.json", lambda d: d.update(id="other"), r"bridge\.json: field 'id': must equal"),
        (
            "catalog.json",
            lambda d: d["routines"][0]["exercises"].append("cartwheel"),
            r"catalog\.json: field 'routines\[0\]\.exercises\[4\]': unknown exercise 'cartwheel'",
        ),
        ("catalog.json", lambda d: d["exercises"].append("ghost"), r"exercises/ghost\.json: file not found"),
        ("guide.json", lambda d: d.pop("safety_note"), r"guide\.json: field 'safety_note': missing"),
    ],
)
def test_bad_data_names_file_and_field(
    data_copy: Path, relative: str, change: Callable[[Any], None], expected: str
) -> None:
    _edit(data_copy, relative, change)
    with pytest.raises(CatalogError, match=expected):
        load_catalog(data_copy)


def test_invalid_json_names_the_file(data_copy: Path) -> None:
    (data_copy / "exercises" / "camel-pose.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"exercises/camel-pose\.json: not JSON \(.*; line 1, column 2\)"):
        load_catalog(data_copy)


def test_unknown_names_list_what_exists(catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match=r"unknown routine 'nope'; known routines: psoas-3"):
        catalog.routine("nope")
    with pytest.raises(CatalogError, match=r"neither a routine nor an exercise"):
        catalog.resolve("nope")
    assert catalog.resolve("bridge").exercise_ids == ("bridge",)


def test_side_words_read_right_on_either_side() -> None:
    from psoas_desktop.core.catalog import Side, for_side

    step = "{Side} foot forward; your {other} knee stays down."
    assert (
        for_side(step, None) == for_side(step, Side.RIGHT) == "Right foot forward; your left knee stays down."
    )
    assert for_side(step, Side.LEFT) == "Left foot forward; your right knee stays down."
    assert for_side("No side words here {x}", Side.LEFT) == "No side words here {x}"
    kneeling = load_catalog().exercise("kneeling-psoas-stretch")
    assert kneeling.steps_for(Side.LEFT)[1].startswith("Bring your left foot forward")
    assert "{" not in str(kneeling.to_json()["steps"])  # machine output reads as the guide does
