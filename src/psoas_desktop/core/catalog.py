"""The exercise catalog: load the data files under ``resources/`` and validate them into frozen dataclasses.

Every mistake in the data is a :class:`CatalogError` whose message names the file and the field, so a broken
edit is found at start-up and never as a strange timer later. The format is documented in
``resources/SCHEMA.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psoas_desktop.core.data_problems import Problem, parse_json, schema_problems
from psoas_desktop.core.errors import CatalogError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

Range = tuple[int, int]


class ExerciseKind(StrEnum):
    STRENGTHEN = "strengthen"
    STRETCH = "stretch"
    WARM_UP = "warm-up"


class Pattern(StrEnum):
    """How one set of an exercise runs on the timer (see resources/SCHEMA.md)."""

    REP_HOLD = "rep_hold"
    REP_PAUSE = "rep_pause"
    HOLD = "hold"
    TIMED = "timed"


class PhaseKind(StrEnum):
    GET_READY = "get_ready"
    MOVE = "move"
    HOLD = "hold"
    PAUSE = "pause"
    LOWER = "lower"
    REST = "rest"
    SWITCH_SIDES = "switch_sides"


class Side(StrEnum):
    RIGHT = "right"
    LEFT = "left"


# Side words in a per-side exercise's steps: {side} is the side being worked, {other} the opposite one
# ({Side}/{Other} at the start of a sentence). Written once, they read right on either side, and a
# translation keeps the placeholders instead of guessing which "left" to swap.
SIDE_WORDS = ("{side}", "{other}", "{Side}", "{Other}")
_FIRST_SIDE = Side.RIGHT
"""The side a routine starts with, and how steps read when no side is under way."""
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def for_side(text: str, side: Side | None) -> str:
    """`text` with its side words filled in for `side` (None: the first side, as the guide writes it)."""
    if "{" not in text:
        return text
    worked = side or _FIRST_SIDE
    other = Side.LEFT if worked is Side.RIGHT else Side.RIGHT
    words = {"{side}": worked.value, "{other}": other.value}
    words |= {"{Side}": worked.value.capitalize(), "{Other}": other.value.capitalize()}
    return _PLACEHOLDER.sub(lambda match: words.get(match.group(0), match.group(0)), text)


def side_word_problem(text: str, per_side: bool) -> str | None:
    """Why `text` may not be a step (an unknown placeholder, or side words in a one-sided exercise)."""
    for found in _PLACEHOLDER.findall(text):
        if found not in SIDE_WORDS:
            return f"unknown placeholder {found}; side words are {', '.join(SIDE_WORDS)}"
        if not per_side:
            return f"{found} is for exercises done on each side (per_side true)"
    return None


# Sane bounds for every dosage value: anything outside is a data error, not a very long workout.
DOSAGE_BOUNDS: dict[str, Range] = {
    "hold_seconds": (1, 600),
    "pause_seconds": (1, 60),
    "reps": (1, 100),
    "sets": (1, 10),
    "duration_seconds": (1, 3600),
}

PATTERN_DOSAGE: dict[Pattern, tuple[str, ...]] = {
    Pattern.REP_HOLD: ("hold_seconds", "reps", "sets"),
    Pattern.REP_PAUSE: ("pause_seconds", "reps", "sets"),
    Pattern.HOLD: ("hold_seconds", "sets"),
    Pattern.TIMED: ("duration_seconds", "sets"),
}

PATTERN_PHASES: dict[Pattern, tuple[PhaseKind, ...]] = {
    Pattern.REP_HOLD: (PhaseKind.GET_READY, PhaseKind.MOVE, PhaseKind.HOLD, PhaseKind.LOWER, PhaseKind.REST),
    Pattern.REP_PAUSE: (
        PhaseKind.GET_READY,
        PhaseKind.MOVE,
        PhaseKind.PAUSE,
        PhaseKind.LOWER,
        PhaseKind.REST,
    ),
    Pattern.HOLD: (PhaseKind.GET_READY, PhaseKind.HOLD, PhaseKind.REST),
    Pattern.TIMED: (PhaseKind.GET_READY, PhaseKind.MOVE, PhaseKind.REST),
}


def phase_kinds_used(pattern: Pattern, per_side: bool) -> tuple[PhaseKind, ...]:
    """The phase kinds the planner emits for an exercise, each of which needs an instruction step."""
    kinds = PATTERN_PHASES[pattern]
    return (*kinds, PhaseKind.SWITCH_SIDES) if per_side else kinds


@dataclass(frozen=True)
class Dosage:
    sets: Range
    hold_seconds: Range | None = None
    pause_seconds: Range | None = None
    reps: Range | None = None
    duration_seconds: Range | None = None

    def to_json(self) -> dict[str, list[int] | None]:
        def pair(value: Range | None) -> list[int] | None:
            return list(value) if value is not None else None

        return {
            "hold_seconds": pair(self.hold_seconds),
            "pause_seconds": pair(self.pause_seconds),
            "reps": pair(self.reps),
            "sets": pair(self.sets),
            "duration_seconds": pair(self.duration_seconds),
        }


@dataclass(frozen=True)
class Modifications:
    beginner: str
    advanced: str


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    kind: ExerciseKind
    extra: bool
    overview: str
    steps: tuple[str, ...]
    tips: tuple[str, ...]
    benefits: tuple[str, ...]
    modifications: Modifications
    dosage: Dosage
    per_side: bool
    pattern: Pattern
    phase_steps: Mapping[PhaseKind, int]
    illustration: str
    """A drawing shipped in resources/illustrations ("" for a user's exercise that names none)."""
    image: str = ""
    """A user's own picture: the path of a PNG or SVG in the data folder ("" for none)."""

    def step_for(self, kind: PhaseKind) -> int:
        """The 1-based instruction step to highlight during a phase of this kind."""
        return self.phase_steps[kind]

    def steps_for(self, side: Side | None) -> tuple[str, ...]:
        """The steps as read for one side (None: as written, for the first side); see :func:`for_side`."""
        return tuple(for_side(step, side) for step in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind.value,
            "extra": self.extra,
            "overview": self.overview,
            "steps": list(self.steps_for(None)),
            "tips": list(self.tips),
            "benefits": list(self.benefits),
            "modifications": {
                "beginner": self.modifications.beginner,
                "advanced": self.modifications.advanced,
            },
            "dosage": self.dosage.to_json(),
            "per_side": self.per_side,
            "pattern": self.pattern.value,
            "phase_steps": {kind.value: step for kind, step in self.phase_steps.items()},
            "illustration": self.illustration,
        }


@dataclass(frozen=True)
class ItemDose:
    """The dosage one routine item fixes for its exercise; None: from the exercise's range and the level."""

    hold_seconds: int | None = None
    pause_seconds: int | None = None
    reps: int | None = None
    sets: int | None = None
    duration_seconds: int | None = None

    def to_json(self) -> dict[str, int]:
        return {name: value for name, value in self.__dict__.items() if value is not None}


NO_OVERRIDES = ItemDose()


@dataclass(frozen=True)
class Progression:
    """Holds grow by `hold_seconds_step` after every `every_sessions` completed sessions, up to a cap."""

    hold_seconds_step: int
    every_sessions: int
    max_hold_seconds: int

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Routine:
    id: str
    name: str
    description: str
    exercise_ids: tuple[str, ...]
    overrides: tuple[ItemDose, ...] = ()
    """One per item of a user's routine (empty for the built-ins, which take every value from the level)."""
    notes: str = ""
    rest_between_exercises_seconds: int = 0
    progression: Progression | None = None
    user: bool = False
    fingerprints: tuple[str, str] | None = None
    """A user routine's (content, dosage) fingerprints; see core.routine_file.fingerprints."""

    def override(self, position: int) -> ItemDose:
        return self.overrides[position] if self.overrides else NO_OVERRIDES

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "exercises": list(self.exercise_ids),
        }


@dataclass(frozen=True)
class Tip:
    title: str
    text: str


@dataclass(frozen=True)
class AboutSection:
    title: str
    paragraphs: tuple[str, ...]
    bullets: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    exercises: tuple[Exercise, ...]
    routines: tuple[Routine, ...]
    tips: tuple[Tip, ...]
    safety_note: str
    about: tuple[AboutSection, ...]
    user_exercises: tuple[Exercise, ...] = ()
    """The exercises user routines define, each id prefixed with its routine's (``morning-hips/wall``)."""

    @property
    def builtin_routines(self) -> tuple[Routine, ...]:
        return tuple(routine for routine in self.routines if not routine.user)

    def with_user_routines(self, routines: Iterable[Routine], exercises: Iterable[Exercise]) -> Catalog:
        """This catalog plus a user's routines (after the built-ins) and the exercises they define."""
        return replace(
            self,
            routines=(*self.builtin_routines, *routines),
            user_exercises=tuple(exercises),
        )

    def exercise(self, exercise_id: str) -> Exercise:
        for exercise in (*self.exercises, *self.user_exercises):
            if exercise.id == exercise_id:
                return exercise
        known = ", ".join(e.id for e in self.exercises)
        raise CatalogError(f"unknown exercise {exercise_id!r}; known exercises: {known}")

    def routine(self, routine_id: str) -> Routine:
        for routine in self.routines:
            if routine.id == routine_id:
                return routine
        known = ", ".join(r.id for r in self.routines)
        raise CatalogError(f"unknown routine {routine_id!r}; known routines: {known}")

    def resolve(self, name: str) -> Routine:
        """A routine by id, or a one-exercise routine for an exercise id (for ``--start`` and ``plan``)."""
        for routine in self.routines:
            if routine.id == name:
                return routine
        for exercise in self.exercises:
            if exercise.id == name:
                return Routine(exercise.id, exercise.name, exercise.overview, (exercise.id,))
        routines = ", ".join(r.id for r in self.routines)
        exercises = ", ".join(e.id for e in self.exercises)
        raise CatalogError(
            f"{name!r} is neither a routine nor an exercise; routines: {routines}; exercises: {exercises}"
        )

    def routine_exercises(self, routine: Routine) -> tuple[Exercise, ...]:
        return tuple(self.exercise(exercise_id) for exercise_id in routine.exercise_ids)

    def to_json(self) -> dict[str, Any]:
        return {
            "exercises": [exercise.to_json() for exercise in self.exercises],
            "routines": [routine.to_json() for routine in self.routines],
            "tips": [{"title": tip.title, "text": tip.text} for tip in self.tips],
            "safety_note": self.safety_note,
            "about": [
                {"title": s.title, "paragraphs": list(s.paragraphs), "bullets": list(s.bullets)}
                for s in self.about
            ],
        }


PACKAGE_DIR = Path(__file__).resolve().parent.parent


def resource_root() -> Traversable:
    """The shipped ``resources/`` folder, beside the package's modules wherever it is installed (a wheel's
    site-packages, the PyInstaller bundle's folder). A plain path, not ``importlib.resources.files``:
    that machinery (and the zipfile module it loads) cost ≈11 ms of every start, and this package is
    never run from a zip archive."""
    return PACKAGE_DIR / "resources"


def _read_json(root: Traversable, relative: str) -> object:
    node = root
    for part in relative.split("/"):
        node = node / part
    if not node.is_file():
        raise CatalogError(f"{relative}: file not found")
    data, problem = parse_json(node.read_bytes())
    if problem is not None:
        raise CatalogError(f"{relative}: {problem.message}")
    return data


def _catalog_error(file: str, problems: list[Problem]) -> CatalogError:
    first = problems[0]
    where = f"field {first.path!r}: " if first.path != "$" else ""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return CatalogError(f"{file}: {where}{first.message}{more}")


def _checked(root: Traversable, file: str, definition: str, validate: bool) -> dict[str, Any]:
    data = _read_json(root, file)
    if validate:
        problems = schema_problems(Path(str(root)), data, definition)
        if problems:
            raise _catalog_error(file, problems)
    assert isinstance(data, dict)
    return data


def default_phase_steps(pattern: Pattern, per_side: bool, step_count: int) -> dict[PhaseKind, int]:
    """Steps to highlight for an exercise that names none (a user's own): the first step to get ready, the
    next ones through the movement, the last one for rests and side changes."""
    order = {
        PhaseKind.GET_READY: 1,
        PhaseKind.MOVE: 2,
        PhaseKind.HOLD: 3,
        PhaseKind.PAUSE: 3,
        PhaseKind.LOWER: 4,
    }
    if pattern is Pattern.HOLD:
        order[PhaseKind.HOLD] = 2
    steps = {
        kind: min(order.get(kind, step_count), step_count) for kind in phase_kinds_used(pattern, per_side)
    }
    return steps


def exercise_problems(data: dict[str, Any], where: str, *, custom: bool, root: Traversable) -> list[Problem]:
    """What the schema cannot see in one exercise (already checked against it): ranges with min above max,
    the dosage its pattern needs, side words, step numbers and the illustration's file."""
    problems: list[Problem] = []
    pattern, per_side, steps = Pattern(data["pattern"]), bool(data["per_side"]), data["steps"]
    dosage = data["dosage"]
    for name in DOSAGE_BOUNDS:
        value = dosage.get(name)
        if value is not None and value[0] > value[1]:
            problems.append(
                Problem(f"{where}.dosage.{name}", f"min {value[0]} is greater than max {value[1]}")
            )
    for name in PATTERN_DOSAGE[pattern]:
        if dosage.get(name) is None:
            problems.append(Problem(f"{where}.dosage.{name}", f"required for pattern {pattern.value!r}"))
    for index, step in enumerate(steps):
        problem = side_word_problem(step, per_side)
        if problem:
            problems.append(Problem(f"{where}.steps[{index}]", problem))
    needed = {kind.value for kind in phase_kinds_used(pattern, per_side)}
    table = data.get("phase_steps")
    if table is not None:
        for key, value in table.items():
            if key not in needed:
                allowed = ", ".join(sorted(needed))
                problems.append(
                    Problem(
                        f"{where}.phase_steps.{key}",
                        f"not used by pattern {pattern.value!r}; expected: {allowed}",
                    )
                )
            elif value > len(steps):
                problems.append(
                    Problem(
                        f"{where}.phase_steps.{key}", f"expected a step number 1–{len(steps)}, got {value}"
                    )
                )
        if not custom:
            problems += [Problem(f"{where}.phase_steps.{k}", "missing") for k in sorted(needed - set(table))]
    illustration = data.get("illustration")
    if illustration is not None and not (root / "illustrations" / illustration).is_file():
        problems.append(
            Problem(f"{where}.illustration", f"unknown illustration {illustration!r} (not in illustrations/)")
        )
    return problems


def build_exercise(data: dict[str, Any], exercise_id: str, image: str = "") -> Exercise:
    """An :class:`Exercise` from a checked exercise object; a user's own gets defaults for what it leaves out."""
    pattern, per_side = Pattern(data["pattern"]), bool(data["per_side"])
    steps = tuple(step.strip() for step in data["steps"])
    dosage = data["dosage"]
    ranges = {name: _pair(dosage.get(name)) for name in DOSAGE_BOUNDS}
    table = data.get("phase_steps")
    phase_steps = default_phase_steps(pattern, per_side, len(steps))
    if table is not None:
        phase_steps |= {PhaseKind(key): value for key, value in table.items()}
    modifications = data.get("modifications") or {"beginner": "", "advanced": ""}
    sets = ranges.pop("sets")
    assert sets is not None  # the schema requires sets
    return Exercise(
        id=exercise_id,
        name=data["name"].strip(),
        kind=ExerciseKind(data["kind"]),
        extra=bool(data.get("extra", False)),
        overview=data["overview"].strip(),
        steps=steps,
        tips=tuple(tip.strip() for tip in data["tips"]),
        benefits=tuple(text.strip() for text in data.get("benefits", ())),
        modifications=Modifications(modifications["beginner"].strip(), modifications["advanced"].strip()),
        dosage=Dosage(sets=sets, **ranges),
        per_side=per_side,
        pattern=pattern,
        phase_steps=phase_steps,
        illustration=data.get("illustration", ""),
        image=image,
    )


def _pair(value: list[int] | None) -> Range | None:
    return (value[0], value[1]) if value is not None else None


def _parse_exercise(root: Traversable, exercise_id: str, validate: bool) -> Exercise:
    relative = f"exercises/{exercise_id}.json"
    data = _checked(root, relative, "catalogExercise", validate)
    if data["id"] != exercise_id:
        raise CatalogError(f"{relative}: field 'id': must equal the file name {exercise_id!r}")
    problems = exercise_problems(data, "", custom=False, root=root)
    if problems:
        raise _catalog_error(relative, [Problem(p.path.lstrip("."), p.message) for p in problems])
    return build_exercise(data, exercise_id)


def _parse_routines(index: dict[str, Any], known: set[str]) -> tuple[Routine, ...]:
    routines: list[Routine] = []
    for position, item in enumerate(index["routines"]):
        for slot, exercise_id in enumerate(item["exercises"]):
            if exercise_id not in known:
                field = f"routines[{position}].exercises[{slot}]"
                raise CatalogError(f"catalog.json: field {field!r}: unknown exercise {exercise_id!r}")
        routine = Routine(
            item["id"], item["name"].strip(), item["description"].strip(), tuple(item["exercises"])
        )
        if any(r.id == routine.id for r in routines):
            raise CatalogError(
                f"catalog.json: field 'routines[{position}].id': duplicate routine id {routine.id!r}"
            )
        routines.append(routine)
    return tuple(routines)


def _parse_guide(root: Traversable, validate: bool) -> tuple[tuple[Tip, ...], str, tuple[AboutSection, ...]]:
    guide = _checked(root, "guide.json", "guide", validate)
    tips = tuple(Tip(tip["title"].strip(), tip["text"].strip()) for tip in guide["tips"])
    about = tuple(
        AboutSection(
            section["title"].strip(),
            tuple(text.strip() for text in section["paragraphs"]),
            tuple(text.strip() for text in section["bullets"]),
        )
        for section in guide["about"]
    )
    return tips, guide["safety_note"].strip(), about


def load_catalog(root: Traversable | None = None, *, validate: bool | None = None) -> Catalog:
    """Load the whole catalog from ``root`` (default: the resources shipped with the app).

    `validate` checks every file against the JSON Schema first (default: for any folder but the shipped
    one, which the tests and the build have validated, so a start does not pay for ``jsonschema``)."""
    shipped = root is None
    root = root if root is not None else resource_root()
    validate = (not shipped) if validate is None else validate
    index = _checked(root, "catalog.json", "catalogIndex", validate)
    exercise_ids = tuple(index["exercises"])
    if len(set(exercise_ids)) != len(exercise_ids):
        raise CatalogError("catalog.json: field 'exercises': lists an exercise twice")
    exercises = tuple(_parse_exercise(root, exercise_id, validate) for exercise_id in exercise_ids)
    routines = _parse_routines(index, set(exercise_ids))
    tips, safety_note, about = _parse_guide(root, validate)
    return Catalog(exercises, routines, tips, safety_note, about)
