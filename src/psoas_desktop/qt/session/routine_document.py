"""The routine editor's document: a new one, its planned time, and one undoable edit of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from psoas_desktop.core.plan import build_timeline
from psoas_desktop.core.routine_file import FORMAT, VERSION, UserRoutine
from psoas_desktop.core.settings import Settings
from psoas_desktop.qt.session.routine_access import Routines


def new_document(routines: Routines) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "id": routines.free_id("my-routine"),
        "name": "My routine",
        "items": [],
    }


def planned_total(routines: Routines, checked: UserRoutine, settings: Settings) -> float:
    """The checked routine's time at these settings (its own exercises known for the plan)."""
    others = [r for r in routines.catalog.routines if r.user and r.id != checked.routine.id]
    catalog = routines.catalog.with_user_routines(
        others, (*routines.catalog.user_exercises, *checked.exercises)
    )
    return build_timeline(catalog, checked.routine, settings).total_seconds


_DOSE_WORDS = {
    "hold_seconds": "hold {} s",
    "pause_seconds": "pause {} s",
    "duration_seconds": "{} s",
    "reps": "{} reps",
    "sets": "{} sets",
}


def dose_words(dose: dict[str, Any]) -> str:
    """An item's own values in words ("hold 8 s, 8 reps, 2 sets"); "" when it takes the level's."""
    return ", ".join(_DOSE_WORDS[key].format(dose[key]) for key in _DOSE_WORDS if key in dose)


class DocumentEdit(QUndoCommand):
    """One edit: the document before and after. Typing in one field merges into one step."""

    def __init__(
        self,
        show: Callable[[dict[str, Any]], None],
        before: dict[str, Any],
        after: dict[str, Any],
        merge: int,
    ) -> None:
        super().__init__()
        self._show, self._before, self._after, self._merge = show, before, after, merge

    def id(self) -> int:
        return self._merge

    def mergeWith(self, other: QUndoCommand) -> bool:
        if self._merge < 0 or not isinstance(other, DocumentEdit) or other.id() != self._merge:
            return False
        self._after = other._after
        return True

    def redo(self) -> None:
        self._show(self._after)

    def undo(self) -> None:
        self._show(self._before)
