"""Keeps the views that show *which* exercise and step is on (instruction pane, exercise list, the names and
step lines of every countdown) in step with the engine's snapshots, touching them only when that changes."""

from __future__ import annotations

from collections.abc import Callable

from psoas_desktop.core.catalog import Catalog, Exercise, Side
from psoas_desktop.core.engine import EngineState, Snapshot
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.plan import Timeline
from psoas_desktop.core.routine_file import OVERRIDES, range_note
from psoas_desktop.core.settings import Level
from psoas_desktop.qt.session.countdown import CountdownWidget
from psoas_desktop.qt.session.exercise_list import ExerciseListPanel
from psoas_desktop.qt.session.instructions import InstructionPane


class ExerciseFollower:
    def __init__(
        self,
        catalog: Catalog,
        instructions: InstructionPane,
        exercise_list: ExerciseListPanel,
        countdowns: Callable[[], list[CountdownWidget]],
        level: Callable[[], Level],
    ) -> None:
        self._catalog = catalog
        self._instructions = instructions
        self._exercise_list = exercise_list
        self._countdowns = countdowns
        self._level = level
        self._shown_exercise: tuple[Timeline, int] | None = None
        self._shown_step: tuple[int | None, Side | None] = (None, None)

    def set_catalog(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._shown_exercise = None

    def forget(self) -> None:
        """Show the exercise and step again at the next snapshot (a new session, a new view)."""
        self._shown_exercise = None

    def follow(self, snapshot: Snapshot, timeline: Timeline) -> None:
        phase = snapshot.phase
        if phase is None or snapshot.state in (EngineState.COMPLETED, EngineState.STOPPED):
            # The session ended: no step is under way any more.
            if self._shown_step != (None, None):
                self._shown_step = (None, None)
                self._instructions.set_side(None)
                self._instructions.highlight_step(None)
            return
        key = (timeline, phase.exercise_index)
        if self._shown_exercise != key:
            self._shown_exercise = key
            self._shown_step = (None, None)
            exercise = self._catalog.exercise(phase.exercise)
            notes, off_guide = self._routine_notes(timeline, phase.exercise_index, exercise)
            self._instructions.show_exercise(
                exercise,
                self._level(),
                self._catalog.safety_note,
                routine_notes=notes,
                range_notes=off_guide,
            )
            for view in self._countdowns():
                view.set_exercise_name(exercise.name)
            self._select_row_of(phase.exercise)
        running = snapshot.state is not EngineState.IDLE
        step = (phase.step if running else None, phase.side if running else None)
        if step != self._shown_step:  # only on change: a user scrolling the pane is not yanked back
            self._shown_step = step
            self._instructions.set_side(phase.side.value if phase.side and running else None)
            self._instructions.highlight_step(phase.step if running else None)
            step_text = self._instructions.step_text(phase.step)
            for view in self._countdowns():
                view.set_step_text(f"{phase.step}. {step_text}")

    def _routine_notes(
        self, timeline: Timeline, index: int, exercise: Exercise
    ) -> tuple[str, tuple[str, ...]]:
        """The routine's notes (at its first exercise) and this item's values outside the guide's ranges."""
        try:
            routine = self._catalog.resolve(timeline.routine)
        except KnownError:
            return "", ()
        notes = routine.notes if index == 0 else ""
        if not (0 <= index < len(routine.exercise_ids)) or routine.exercise_ids[index] != exercise.id:
            return notes, ()
        override = routine.override(index)
        off_guide = []
        for key in OVERRIDES:
            value = getattr(override, key)
            note = range_note(key, value, getattr(exercise.dosage, key)) if value is not None else None
            if note:
                off_guide.append(note)
        return notes, tuple(off_guide)

    def _select_row_of(self, exercise_id: str) -> None:
        """Select the exercise's row without telling the window (that would plan a new idle session)."""
        exercise_list = self._exercise_list
        routine = self._catalog.routine(exercise_list.current_routine_id())
        if exercise_id in routine.exercise_ids and exercise_list.current_row() != routine.exercise_ids.index(
            exercise_id
        ):
            blocked = exercise_list.blockSignals(True)
            exercise_list.select_row(routine.exercise_ids.index(exercise_id))
            exercise_list.blockSignals(blocked)
