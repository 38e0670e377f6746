"""A user's routines on disk: ``<data-dir>/routines/ID.json``, each next to its pictures in ``routines/ID/``.

Every file is written atomically (a crash leaves the old routine or the new one). A routine that was checked
when it was saved is not checked against the schema again at each start (that costs ``jsonschema``'s import):
``routines/.checked`` keeps the SHA-256 of each file as it was written, and a file whose bytes differ (edited
by hand, half-synced) is checked in full. A file that fails is skipped and reported; the others load.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psoas_desktop.core.catalog import Catalog
from psoas_desktop.core.data_problems import Problem
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.routine_file import (
    MAX_IMAGE_BYTES,
    RoutineFileError,
    UserRoutine,
    check_routine,
    export_document,
    read_routine,
)

FOLDER = "routines"
CHECKED = ".checked"


class RoutineStoreError(KnownError):
    """A routine cannot be saved, found or deleted; the message says which and why."""


@dataclass(frozen=True)
class LoadedRoutines:
    routines: tuple[UserRoutine, ...]
    problems: tuple[str, ...]
    """One line per routine file that could not be used, naming the file."""

    def catalog(self, catalog: Catalog) -> Catalog:
        """`catalog` with these routines and the exercises they define."""
        return catalog.with_user_routines(
            (r.routine for r in self.routines), (e for r in self.routines for e in r.exercises)
        )


class RoutineStore:
    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / FOLDER

    def file(self, routine_id: str) -> Path:
        return self.folder / f"{routine_id}.json"

    def image_folder(self, routine_id: str) -> Path:
        return self.folder / routine_id

    def ids(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(path.stem for path in self.folder.glob("*.json") if not path.name.startswith("."))

    def load(self, catalog: Catalog) -> LoadedRoutines:
        """Every stored routine that is still good against `catalog`, in id order."""
        checked = self._checked()
        routines: list[UserRoutine] = []
        problems: list[str] = []
        for routine_id in self.ids():
            path = self.file(routine_id)
            try:
                content = path.read_bytes()
                routine = self._read(
                    content, catalog, routine_id, trusted=checked.get(path.name) == _digest(content)
                )
            except OSError as exc:
                problems.append(f"{FOLDER}/{path.name}: cannot be read ({exc.strerror or exc})")
                continue
            except RoutineFileError as exc:
                problems.append(f"{FOLDER}/{path.name}: {exc.problems[0]}")
                continue
            routines.append(routine)
        return LoadedRoutines(tuple(routines), tuple(problems))

    def _read(self, content: bytes, catalog: Catalog, routine_id: str, *, trusted: bool) -> UserRoutine:
        folder = self.image_folder(routine_id)
        if trusted:
            # These exact bytes passed the schema when they were saved; the cross-field rules run again,
            # since the catalog they refer to may have changed since.
            routine = check_routine(json.loads(content), catalog, image_folder=folder, schema=False)
        else:
            routine = read_routine(content, catalog, image_folder=folder)
        if routine.routine.id != routine_id:
            raise RoutineFileError([Problem("id", f"{routine.routine.id!r} does not match the file name")])
        return routine

    def stored_document(self, routine_id: str) -> dict[str, Any] | None:
        try:
            document: dict[str, Any] = json.loads(self.file(routine_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return document

    def save(self, routine: UserRoutine, *, replace: bool, source_folder: Path | None = None) -> Path:
        """Store a checked routine and its pictures. An existing id is refused unless `replace`. Named
        pictures are copied from `source_folder` (where the imported file was), embedded ones written out."""
        routine_id = routine.routine.id
        target = self.file(routine_id)
        if target.exists() and not replace:
            raise RoutineStoreError(
                f"A routine with the id {routine_id!r} exists already; use --replace to overwrite it."
            )
        images = dict(routine.images)
        if source_folder is not None:
            images |= _named_images(routine.document, source_folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if images:
                folder = self.image_folder(routine_id)
                folder.mkdir(exist_ok=True)
                for name, content in images.items():
                    write_atomic(folder / name, content)
            content = (json.dumps(routine.document, indent=2, ensure_ascii=False) + "\n").encode()
            write_atomic(target, content)
            self._mark_checked(target.name, _digest(content))
        except OSError as exc:
            raise RoutineStoreError(
                f"The routine could not be saved in {self.folder}: {exc.strerror or exc}"
            ) from exc
        return target

    def delete(self, routine_id: str, catalog: Catalog) -> None:
        if any(r.id == routine_id for r in catalog.builtin_routines):
            raise RoutineStoreError(
                f"{routine_id!r} is a built-in routine; only your own routines can be deleted."
            )
        target = self.file(routine_id)
        if not target.is_file():
            known = ", ".join(self.ids()) or "none"
            raise RoutineStoreError(f"There is no routine {routine_id!r} of yours to delete; yours: {known}.")
        try:
            target.unlink()
            shutil.rmtree(self.image_folder(routine_id), ignore_errors=True)
        except OSError as exc:
            raise RoutineStoreError(f"{target} could not be deleted: {exc.strerror or exc}") from exc

    def export(self, routine_id: str, catalog: Catalog) -> dict[str, Any]:
        """The file to hand over (pictures embedded); a built-in exports as a copy to edit."""
        stored = self.stored_document(routine_id) if routine_id in self.ids() else None
        if stored is None and not any(r.id == routine_id for r in catalog.builtin_routines):
            known = ", ".join([*(r.id for r in catalog.builtin_routines), *self.ids()])
            raise RoutineStoreError(f"There is no routine {routine_id!r}; routines: {known}.")
        folder = self.image_folder(routine_id)
        return export_document(catalog, routine_id, stored, lambda name: _read_image(folder / name))

    def _checked(self) -> dict[str, str]:
        try:
            data = json.loads((self.folder / CHECKED).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _mark_checked(self, name: str, digest: str) -> None:
        checked = self._checked()
        checked[name] = digest
        known = {path.name for path in self.folder.glob("*.json")}
        with contextlib.suppress(
            OSError
        ):  # without it, the next start checks the file in full: slower, not wrong
            write_atomic(self.folder / CHECKED, json.dumps({k: v for k, v in checked.items() if k in known}))


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _read_image(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.stat().st_size <= MAX_IMAGE_BYTES else None
    except OSError:
        return None


def _named_images(document: dict[str, Any], source_folder: Path) -> dict[str, bytes]:
    """The pictures a routine names that sit beside its file (a missing one shows as a placeholder)."""
    images: dict[str, bytes] = {}
    for exercise in document.get("exercises", []):
        name = exercise.get("image")
        if isinstance(name, str):
            content = _read_image(source_folder / name)
            if content is not None:
                images[name] = content
    return images


def write_atomic(path: Path, text: str | bytes) -> None:
    # Imported here: storage.export brings the history (sqlite), which start-up loads only after the first paint.
    from psoas_desktop.storage import export

    export.write_atomic(path, text)
