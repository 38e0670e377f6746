"""A user's routine file (format "psoas-routine", version 1): read it, check it, and write it back.

The format is documented in docs/routine-format.md and published as
``resources/schema/psoas-routine-1.schema.json``. Reading never raises anything but
:class:`RoutineFileError`, whose problems each name an exact place (``items[1].hold_seconds: 700 is above
the limit of 600``), whatever bytes it is given.

An exercise a routine defines is known inside the app by its routine's id and its own, ``morning-hips/wall``:
two routines may each define a "wall" stretch, and neither can take a catalog exercise's place.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psoas_desktop.core.catalog import (
    DOSAGE_BOUNDS,
    PATTERN_DOSAGE,
    Catalog,
    Exercise,
    ItemDose,
    Pattern,
    Progression,
    Routine,
    build_exercise,
    exercise_problems,
    resource_root,
)
from psoas_desktop.core.data_problems import Problem, parse_json, schema_problems
from psoas_desktop.core.errors import KnownError

FORMAT = "psoas-routine"
VERSION = 1
SUFFIX = ".psoas-routine.json"
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_IMAGE_BYTES = 1024 * 1024
MEDIA_TYPES = {"image/png": ".png", "image/svg+xml": ".svg"}
OVERRIDES = tuple(DOSAGE_BOUNDS)
_UNITS = {
    "hold_seconds": " s",
    "pause_seconds": " s",
    "duration_seconds": " s",
    "reps": " reps",
    "sets": " sets",
}
_WHAT = {
    "hold_seconds": "hold",
    "pause_seconds": "pause",
    "duration_seconds": "duration",
    "reps": "reps",
    "sets": "sets",
}


class RoutineFileError(KnownError):
    """A routine file that cannot be used; ``problems`` says every reason, each at its place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class UserRoutine:
    """A checked routine document and what the app runs from it."""

    routine: Routine
    exercises: tuple[Exercise, ...]
    document: dict[str, Any] = field(compare=False)
    """The routine as stored: images named, not embedded."""
    images: dict[str, bytes] = field(default_factory=dict, compare=False)
    """Embedded pictures to store beside the routine, by file name."""

    @property
    def content_hash(self) -> str:
        return document_hash(self.document)


def scoped_id(routine_id: str, exercise_id: str) -> str:
    return f"{routine_id}/{exercise_id}"


def document_hash(document: dict[str, Any]) -> str:
    """A short fingerprint of a routine's content, kept with each session it ran."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def dose_hash(document: dict[str, Any]) -> str:
    """The fingerprint of what sets the routine's dosage (items, their exercises' ranges and patterns, rests,
    progression): a progression counts only the sessions run since it last changed. Notes and names are not
    in it, so a rename keeps the count."""
    exercises = [
        {key: exercise.get(key) for key in ("id", "pattern", "per_side", "dosage")}
        for exercise in document.get("exercises", [])
    ]
    dose = {
        "items": document.get("items"),
        "exercises": exercises,
        "rest": document.get("rest_between_exercises_seconds", 0),
        "progression": document.get("progression"),
    }
    return document_hash(dose)


def read_routine(
    text: bytes | str,
    catalog: Catalog,
    *,
    image_folder: Path | None = None,
    root: Path | None = None,
) -> UserRoutine:
    """Check a routine file and build what the app runs. `image_folder` is where named pictures live (beside
    the file, or the routine's folder in the data folder); a missing one is drawn as a placeholder."""
    if len(text) > MAX_FILE_BYTES:
        raise RoutineFileError(
            [Problem("$", f"the file is {len(text) / 1e6:.0f} MB; a routine is at most 64 MB")]
        )
    data, problem = parse_json(text)
    if problem is not None:
        raise RoutineFileError([problem])
    return check_routine(data, catalog, image_folder=image_folder, root=root)


def check_routine(
    data: object,
    catalog: Catalog,
    *,
    image_folder: Path | None = None,
    root: Path | None = None,
    schema: bool = True,
) -> UserRoutine:
    """:func:`read_routine` for an already decoded document; `schema` False only for a document known to
    have passed the schema already (the cross-field rules always run)."""
    root = root or Path(str(resource_root()))
    problems = schema_problems(root, data) if schema else []
    if problems:
        raise RoutineFileError(problems)
    if not isinstance(data, dict):
        raise RoutineFileError([Problem("$", f"expected an object, got {type(data).__name__}")])
    checker = _Checker(data, catalog, root)
    checker.check()
    if checker.problems:
        raise RoutineFileError(sorted(set(checker.problems)))
    return checker.build(image_folder)


class _Checker:
    """The rules that span fields, for a document the schema has accepted."""

    def __init__(self, data: dict[str, Any], catalog: Catalog, root: Path) -> None:
        self.data = data
        self.catalog = catalog
        self.root = root
        self.problems: list[Problem] = []
        self.custom: dict[str, dict[str, Any]] = {}
        self.images: dict[str, bytes] = {}

    def check(self) -> None:
        data, catalog = self.data, self.catalog
        routine_id = data["id"]
        if any(r.id == routine_id for r in catalog.builtin_routines):
            self.problems.append(Problem("id", f"{routine_id!r} is a built-in routine's id; choose another"))
        if any(e.id == routine_id for e in catalog.exercises):
            self.problems.append(Problem("id", f"{routine_id!r} is a catalog exercise's id; choose another"))
        for index, exercise in enumerate(data.get("exercises", [])):
            self._check_exercise(index, exercise)
        for index, item in enumerate(data["items"]):
            self._check_item(index, item)
        if "progression" in data and not any(self._has_hold(item["exercise"]) for item in data["items"]):
            self.problems.append(Problem("progression", "no exercise in this routine has a hold to grow"))

    def _check_exercise(self, index: int, exercise: dict[str, Any]) -> None:
        where = f"exercises[{index}]"
        exercise_id = exercise["id"]
        if any(e.id == exercise_id for e in self.catalog.exercises):
            self.problems.append(
                Problem(f"{where}.id", f"{exercise_id!r} is a catalog exercise; choose another id")
            )
        elif exercise_id in self.custom or exercise_id == self.data["id"]:
            self.problems.append(Problem(f"{where}.id", f"{exercise_id!r} is used twice in this file"))
        else:
            self.custom[exercise_id] = exercise
        self.problems += exercise_problems(exercise, where, custom=True, root=self.root)
        image = exercise.get("image")
        if isinstance(image, dict):
            self._check_embedded(f"{where}.image", exercise_id, image)

    def _check_embedded(self, where: str, exercise_id: str, image: dict[str, str]) -> None:
        try:
            content = base64.b64decode(image["data"], validate=True)
        except (binascii.Error, ValueError):
            self.problems.append(Problem(f"{where}.data", "is not base64"))
            return
        if len(content) > MAX_IMAGE_BYTES:
            self.problems.append(
                Problem(f"{where}.data", f"the picture is {len(content)} bytes; at most 1 MB")
            )
            return
        media_type = image["media_type"]
        looks_right = (
            content.startswith(b"\x89PNG\r\n\x1a\n") if media_type == "image/png" else b"<svg" in content
        )
        if not looks_right:
            self.problems.append(Problem(f"{where}.data", f"is not a {media_type} picture"))
            return
        self.images[f"{exercise_id}{MEDIA_TYPES[media_type]}"] = content

    def _pattern_of(self, exercise_id: str) -> tuple[Pattern, str] | None:
        if exercise_id in self.custom:
            return Pattern(self.custom[exercise_id]["pattern"]), self.custom[exercise_id]["name"]
        for exercise in self.catalog.exercises:
            if exercise.id == exercise_id:
                return exercise.pattern, exercise.name
        return None

    def _has_hold(self, exercise_id: str) -> bool:
        found = self._pattern_of(exercise_id)
        return found is not None and "hold_seconds" in PATTERN_DOSAGE[found[0]]

    def _check_item(self, index: int, item: dict[str, Any]) -> None:
        where = f"items[{index}]"
        found = self._pattern_of(item["exercise"])
        if found is None:
            self.problems.append(
                Problem(
                    f"{where}.exercise",
                    f'{item["exercise"]!r} is neither a catalog exercise nor defined in "exercises"',
                )
            )
            return
        pattern, name = found
        for key in OVERRIDES:
            if key in item and key not in PATTERN_DOSAGE[pattern]:
                uses = ", ".join(PATTERN_DOSAGE[pattern])
                self.problems.append(
                    Problem(
                        f"{where}.{key}", f"{name} ({pattern.value}) has no {_WHAT[key]}; it takes {uses}"
                    )
                )

    def build(self, image_folder: Path | None) -> UserRoutine:
        data = self.data
        routine_id = data["id"]
        document = json.loads(json.dumps(data))  # a private copy: the caller's dict may change later
        exercises: list[Exercise] = []
        for stored in document.get("exercises", []):
            image = stored.get("image")
            if isinstance(image, dict):
                stored["image"] = image = f"{stored['id']}{MEDIA_TYPES[image['media_type']]}"
            path = image_folder / image if image and image_folder is not None else None
            shown = str(path) if path is not None and (path.is_file() or image in self.images) else ""
            exercises.append(build_exercise(stored, scoped_id(routine_id, stored["id"]), image=shown))
        ids = tuple(
            scoped_id(routine_id, item["exercise"]) if item["exercise"] in self.custom else item["exercise"]
            for item in data["items"]
        )
        overrides = tuple(
            ItemDose(**{key: item[key] for key in OVERRIDES if key in item}) for item in data["items"]
        )
        progression = data.get("progression")
        routine = Routine(
            id=routine_id,
            name=data["name"].strip(),
            description=data.get("notes", "").strip(),
            exercise_ids=ids,
            overrides=overrides,
            notes=data.get("notes", "").strip(),
            rest_between_exercises_seconds=data.get("rest_between_exercises_seconds", 0),
            progression=Progression(**progression) if progression else None,
            user=True,
            fingerprints=(document_hash(document), dose_hash(document)),
        )
        return UserRoutine(routine, tuple(exercises), document, dict(self.images))


def fingerprints(routine: Routine) -> tuple[str, str]:
    """(content, dosage) fingerprints, kept with each session the routine runs: a user routine's come from
    its file, a built-in's (or a single exercise's) from its items."""
    if routine.fingerprints is not None:
        return routine.fingerprints
    document = builtin_document(routine)
    return document_hash(document), dose_hash(document)


def builtin_document(routine: Routine) -> dict[str, Any]:
    """A built-in routine in the file format (its items take every value from the level)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "id": routine.id,
        "name": routine.name,
        "notes": routine.description,
        "items": [{"exercise": exercise_id} for exercise_id in routine.exercise_ids],
    }


def export_document(
    catalog: Catalog,
    routine_id: str,
    stored: dict[str, Any] | None,
    read_image: Callable[[str], bytes | None],
) -> dict[str, Any]:
    """The file to hand over: a user routine with its pictures embedded, or a built-in as a copy to edit
    (a new id and name, since a file cannot take a built-in's id)."""
    if stored is None:
        routine = catalog.routine(routine_id)
        return builtin_document(routine) | {
            "id": f"{routine.id}-copy",
            "name": f"{routine.name} (copy)",
        }
    document: dict[str, Any] = json.loads(json.dumps(stored))
    for exercise in document.get("exercises", []):
        name = exercise.get("image")
        if isinstance(name, str):
            content = read_image(name)
            if content is None or len(content) > MAX_IMAGE_BYTES:
                del exercise["image"]  # the file is gone: the one who imports it sees the placeholder
                continue
            media_type = "image/svg+xml" if name.endswith(".svg") else "image/png"
            exercise["image"] = {"media_type": media_type, "data": base64.b64encode(content).decode("ascii")}
    return document


def range_note(key: str, value: int, article: tuple[int, int] | None) -> str | None:
    """ "35 s · above the guide's 20–30 s" when a routine's value is outside the exercise's range."""
    if article is None:
        return None
    low, high = article
    unit = _UNITS[key]
    if value > high:
        return f"{value}{unit} · above the guide's {low}–{high}{unit}"
    if value < low:
        return f"{value}{unit} · below the guide's {low}–{high}{unit}"
    return None


def range_notes(catalog: Catalog, routine: Routine) -> list[tuple[int, str]]:
    """Every item value outside its exercise's range, as (item position, note)."""
    notes: list[tuple[int, str]] = []
    for position, exercise_id in enumerate(routine.exercise_ids):
        exercise = catalog.exercise(exercise_id)
        override = routine.override(position)
        for key in OVERRIDES:
            value = getattr(override, key)
            if value is not None:
                note = range_note(key, value, getattr(exercise.dosage, key))
                if note:
                    notes.append((position, f"{exercise.name}: {note}"))
    return notes
