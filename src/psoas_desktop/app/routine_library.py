"""The routines a user can run: the built-ins plus their own, one place for the CLI and the window.

It reads, checks, stores, exports and deletes routine files (storage.routines does the disk), and keeps the
catalog the app runs from up to date with them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from psoas_desktop.core.catalog import Catalog, Routine
from psoas_desktop.core.data_problems import Problem
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.routine_file import (
    RoutineFileError,
    UserRoutine,
    builtin_document,
    check_routine,
    fingerprints,
    read_routine,
)
from psoas_desktop.storage.routines import RoutineStore


class RoutineLibrary:
    def __init__(self, base: Catalog, data_dir: Path) -> None:
        self.base = base
        self.store = RoutineStore(data_dir)
        self.problems: tuple[str, ...] = ()
        """One line per stored routine file that could not be used (told to the user, never fatal)."""
        self.catalog = base
        self._documents: dict[str, dict[str, Any]] = {}
        self.reload()

    def reload(self) -> Catalog:
        loaded = self.store.load(self.base)
        self.problems = loaded.problems
        self._documents = {r.routine.id: r.document for r in loaded.routines}
        self.catalog = loaded.catalog(self.base)
        return self.catalog

    def user_ids(self) -> list[str]:
        return [routine.id for routine in self.catalog.routines if routine.user]

    def document(self, routine: Routine) -> dict[str, Any]:
        """The routine in the file format (a built-in's as its items with no values of their own)."""
        stored = self._documents.get(routine.id)
        return stored if stored is not None else builtin_document(routine)

    def fingerprints(self, routine: Routine) -> tuple[str, str]:
        """(content hash, dose hash): kept with each session, so history knows what ran."""
        return fingerprints(routine)

    # -- checking ------------------------------------------------------------------------------------------

    def read_file(self, path: Path) -> UserRoutine:
        """A routine file checked against this catalog; problems raise RoutineFileError."""
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise KnownError(f"{path} cannot be read: {exc.strerror or exc}") from exc
        return read_routine(content, self.base, image_folder=path.parent)

    def check(self, document: dict[str, Any], *, for_id: str | None = None) -> UserRoutine:
        """A document made in the editor; `for_id` is the routine it edits (its own id is no clash)."""
        routine = check_routine(
            document, self.base, image_folder=self.store.image_folder(document.get("id", ""))
        )
        if routine.routine.id != for_id and routine.routine.id in self._documents:
            raise RoutineFileError([_id_taken(routine.routine.id)])
        return routine

    # -- changing ------------------------------------------------------------------------------------------

    def import_file(self, path: Path, *, replace: bool) -> UserRoutine:
        """Check and store a routine file (nothing is written if it has a problem)."""
        routine = self.read_file(path)
        self.store.save(routine, replace=replace, source_folder=path.parent)
        self.reload()
        return routine

    def save(
        self,
        routine: UserRoutine,
        *,
        replace: bool = False,
        replaces: str | None = None,
        source_folder: Path | None = None,
    ) -> None:
        """Store a checked routine. `replace`: overwrite a routine of the same id; `replaces`: the id the
        editor opened (a renamed routine's old file goes); `source_folder`: where an imported file's named
        pictures are."""
        self.store.save(
            routine, replace=replace or routine.routine.id == replaces, source_folder=source_folder
        )
        if replaces is not None and replaces != routine.routine.id:
            self.store.delete(replaces, self.base)
        self.reload()

    def delete(self, routine_id: str) -> None:
        self.store.delete(routine_id, self.base)
        self.reload()

    def export(self, routine_id: str, output: Path | None) -> str:
        """The routine's file text (pictures embedded), written to `output` when given."""
        text = json.dumps(self.store.export(routine_id, self.base), indent=2, ensure_ascii=False) + "\n"
        if output is not None:
            try:
                _write_atomic(output, text)
            except OSError as exc:
                raise KnownError(f"cannot write {output}: {exc.strerror or exc}") from exc
        return text

    def free_id(self, wanted: str) -> str:
        """`wanted`, or `wanted-2`, `wanted-3`…: an id no routine or catalog exercise has."""
        taken = {r.id for r in self.catalog.routines} | {e.id for e in self.base.exercises}
        candidate, number = wanted[:40], 2
        while candidate in taken:
            suffix = f"-{number}"
            candidate, number = wanted[: 40 - len(suffix)] + suffix, number + 1
        return candidate


def _id_taken(routine_id: str) -> Problem:
    return Problem("id", f"a routine with the id {routine_id!r} exists already; choose another")


def _write_atomic(path: Path, text: str | bytes) -> None:
    # Imported here: storage.export brings the history (sqlite), which start-up loads only after the first paint.
    from psoas_desktop.storage.export import write_atomic

    write_atomic(path, text)
