"""The exercise catalog: load the data files under ``resources/`` and validate them into frozen dataclasses.

Every mistake in the data is a :class:`CatalogError` whose message names the file and the field, so a broken
edit is found at start-up and never as a strange timer later. The format is documented in
``resources/SCHEMA.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from psoas_desktop.core.errors import CatalogError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

Range = tuple[int, int]
EnumT = TypeVar("EnumT", bound=StrEnum)


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
class Routine:
    id: str
    name: str
    description: str
    exercise_ids: tuple[str, ...]

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

    def exercise(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
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


class _Fields:
    """Typed access to one JSON object; every error names the file and the dotted field path."""

    def __init__(self, file: str, data: object, path: str = "") -> None:
        self.file = file
        self.path = path
        if not isinstance(data, dict):
            raise self.error("", f"expected an object, got {type(data).__name__}")
        self.data: dict[str, Any] = data

    def error(self, name: str, message: str) -> CatalogError:
        field = f"{self.path}.{name}" if self.path and name else (self.path or name)
        where = f"field {field!r}: " if field else ""
        return CatalogError(f"{self.file}: {where}{message}")

    def raw(self, name: str) -> Any:
        if name not in self.data:
            raise self.error(name, "missing")
        return self.data[name]

    def string(self, name: str) -> str:
        value = self.raw(name)
        if not isinstance(value, str):
            raise self.error(name, f"expected text, got {type(value).__name__}")
        if not value.strip():
            raise self.error(name, "must not be empty")
        return value.strip()

    def boolean(self, name: str) -> bool:
        value = self.raw(name)
        if not isinstance(value, bool):
            raise self.error(name, f"expected true or false, got {type(value).__name__}")
        return value

    def strings(self, name: str, *, allow_empty: bool = False) -> tuple[str, ...]:
        value = self.raw(name)
        if not isinstance(value, list):
            raise self.error(name, f"expected a list of text, got {type(value).__name__}")
        if not value and not allow_empty:
            raise self.error(name, "must not be empty")
        items: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"{name}[{index}]", "expected non-empty text")
            items.append(item.strip())
        return tuple(items)

    def child(self, name: str) -> _Fields:
        return _Fields(self.file, self.raw(name), f"{self.path}.{name}" if self.path else name)

    def enum(self, name: str, enum_type: type[EnumT]) -> EnumT:
        value = self.string(name)
        try:
            return enum_type(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum_type)
            raise self.error(name, f"{value!r} is not one of: {allowed}") from None

    def optional_range(self, name: str) -> Range | None:
        value = self.raw(name)
        if value is None:
            return None
        low_bound, high_bound = DOSAGE_BOUNDS[name]
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            raise self.error(name, f"expected [min, max] whole numbers or null, got {value!r}")
        low, high = value
        if low > high:
            raise self.error(name, f"min {low} is greater than max {high}")
        if low < low_bound or high > high_bound:
            raise self.error(name, f"{value!r} is out of range; allowed {low_bound}–{high_bound}")
        return (low, high)


def _read_json(root: Traversable, relative: str) -> object:
    node = root
    for part in relative.split("/"):
        node = node / part
    if not node.is_file():
        raise CatalogError(f"{relative}: file not found")
    try:
        return json.loads(node.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{relative}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError:
        raise CatalogError(f"{relative}: not UTF-8 text") from None


def _parse_dosage(fields: _Fields, pattern: Pattern) -> Dosage:
    dosage = fields.child("dosage")
    values = {name: dosage.optional_range(name) for name in DOSAGE_BOUNDS}
    for name in PATTERN_DOSAGE[pattern]:
        if values[name] is None:
            raise dosage.error(name, f"required for pattern {pattern.value!r}")
    sets = values.pop("sets")
    assert sets is not None  # every pattern requires sets
    return Dosage(sets=sets, **values)


def _parse_phase_steps(
    fields: _Fields, pattern: Pattern, per_side: bool, step_count: int
) -> dict[PhaseKind, int]:
    table = fields.child("phase_steps")
    needed = phase_kinds_used(pattern, per_side)
    for key in table.data:
        if key not in {kind.value for kind in needed}:
            allowed = ", ".join(kind.value for kind in needed)
            raise table.error(key, f"not used by pattern {pattern.value!r}; expected keys: {allowed}")
    steps: dict[PhaseKind, int] = {}
    for kind in needed:
        value = table.raw(kind.value)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= step_count:
            raise table.error(kind.value, f"expected a step number 1–{step_count}, got {value!r}")
        steps[kind] = value
    return steps


def _parse_exercise(root: Traversable, exercise_id: str) -> Exercise:
    relative = f"exercises/{exercise_id}.json"
    fields = _Fields(relative, _read_json(root, relative))
    if fields.string("id") != exercise_id:
        raise fields.error("id", f"must equal the file name {exercise_id!r}")
    pattern = fields.enum("pattern", Pattern)
    per_side = fields.boolean("per_side")
    steps = fields.strings("steps")
    for number, step in enumerate(steps, start=1):
        problem = side_word_problem(step, per_side)
        if problem:
            raise fields.error(f"steps[{number}]", problem)
    modifications = fields.child("modifications")
    illustration = fields.string("illustration")
    if not (root / "illustrations" / illustration).is_file():
        raise fields.error("illustration", f"unknown illustration {illustration!r} (not in illustrations/)")
    return Exercise(
        id=exercise_id,
        name=fields.string("name"),
        kind=fields.enum("kind", ExerciseKind),
        extra=fields.boolean("extra"),
        overview=fields.string("overview"),
        steps=steps,
        tips=fields.strings("tips"),
        benefits=fields.strings("benefits"),
        modifications=Modifications(modifications.string("beginner"), modifications.string("advanced")),
        dosage=_parse_dosage(fields, pattern),
        per_side=per_side,
        pattern=pattern,
        phase_steps=_parse_phase_steps(fields, pattern, per_side, len(steps)),
        illustration=illustration,
    )


def _parse_routines(index: _Fields, known: set[str]) -> tuple[Routine, ...]:
    raw = index.raw("routines")
    if not isinstance(raw, list) or not raw:
        raise index.error("routines", "expected a non-empty list")
    routines: list[Routine] = []
    for position, item in enumerate(raw):
        fields = _Fields(index.file, item, f"routines[{position}]")
        exercise_ids = fields.strings("exercises")
        for slot, exercise_id in enumerate(exercise_ids):
            if exercise_id not in known:
                raise fields.error(f"exercises[{slot}]", f"unknown exercise {exercise_id!r}")
        routine = Routine(
            fields.string("id"), fields.string("name"), fields.string("description"), exercise_ids
        )
        if any(r.id == routine.id for r in routines):
            raise fields.error("id", f"duplicate routine id {routine.id!r}")
        routines.append(routine)
    return tuple(routines)


def _parse_guide(root: Traversable) -> tuple[tuple[Tip, ...], str, tuple[AboutSection, ...]]:
    guide = _Fields("guide.json", _read_json(root, "guide.json"))
    raw_tips = guide.raw("tips")
    if not isinstance(raw_tips, list) or not raw_tips:
        raise guide.error("tips", "expected a non-empty list")
    tips = []
    for position, item in enumerate(raw_tips):
        tip = _Fields(guide.file, item, f"tips[{position}]")
        tips.append(Tip(tip.string("title"), tip.string("text")))
    raw_about = guide.raw("about")
    if not isinstance(raw_about, list):
        raise guide.error("about", "expected a list")
    about = []
    for position, item in enumerate(raw_about):
        section = _Fields(guide.file, item, f"about[{position}]")
        about.append(
            AboutSection(
                section.string("title"),
                section.strings("paragraphs", allow_empty=True),
                section.strings("bullets", allow_empty=True),
            )
        )
    return tuple(tips), guide.string("safety_note"), tuple(about)


def load_catalog(root: Traversable | None = None) -> Catalog:
    """Load and validate the whole catalog from ``root`` (default: the resources shipped with the app)."""
    root = root if root is not None else resource_root()
    index = _Fields("catalog.json", _read_json(root, "catalog.json"))
    exercise_ids = index.strings("exercises")
    if len(set(exercise_ids)) != len(exercise_ids):
        raise index.error("exercises", "lists an exercise twice")
    exercises = tuple(_parse_exercise(root, exercise_id) for exercise_id in exercise_ids)
    routines = _parse_routines(index, set(exercise_ids))
    tips, safety_note, about = _parse_guide(root)
    return Catalog(exercises, routines, tips, safety_note, about)
