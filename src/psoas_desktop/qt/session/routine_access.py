"""What the window needs of the user's routines. The app passes its RoutineLibrary (app/routine_library.py);
qt knows only this shape, so it stays clear of storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from psoas_desktop.core.catalog import Catalog, Routine
from psoas_desktop.core.routine_file import UserRoutine


class Routines(Protocol):
    catalog: Catalog
    """The built-ins and the user's routines, with the exercises they define."""
    problems: tuple[str, ...]

    def reload(self) -> Catalog: ...

    def user_ids(self) -> list[str]: ...

    def document(self, routine: Routine) -> dict[str, Any]: ...

    def read_file(self, path: Path) -> UserRoutine: ...

    def check(self, document: dict[str, Any], *, for_id: str | None = None) -> UserRoutine: ...

    def save(
        self,
        routine: UserRoutine,
        *,
        replace: bool = False,
        replaces: str | None = None,
        source_folder: Path | None = None,
    ) -> None: ...

    def delete(self, routine_id: str) -> None: ...

    def export(self, routine_id: str, output: Path | None) -> str: ...

    def free_id(self, wanted: str) -> str: ...
