"""``psoas-desktop routine list | validate | import | export | delete``, and what ``plan`` needs of routines.

Every problem with a file is one stderr line naming its place, with exit code 2; nothing ever raises a
traceback at the user, and a file that fails changes nothing on disk.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from psoas_desktop.app.routine_library import RoutineLibrary
from psoas_desktop.core.catalog import Catalog, Routine, load_catalog
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.formatting import format_duration
from psoas_desktop.core.plan import Timeline, format_table
from psoas_desktop.core.progression import (
    ProgressionState,
    first_hold,
    next_hold_line,
    progressed_timeline,
)
from psoas_desktop.core.routine_file import RoutineFileError, range_notes
from psoas_desktop.core.settings import Level, Settings
from psoas_desktop.storage.paths import resolve_paths
from psoas_desktop.storage.routines import RoutineStoreError

EXIT_PROBLEM = 2


def library(data_dir: Path | None) -> RoutineLibrary:
    return RoutineLibrary(load_catalog(), resolve_paths(data_dir).data_dir)


def run_routine_command(args: argparse.Namespace, settings_level: Level) -> int:
    """One ``routine …`` command; the exit code."""
    try:
        if args.routine_command == "validate":
            return _validate(Path(args.file))
        routines = library(args.data_dir)
        for line in routines.problems:
            print(f"psoas-desktop: warning: {line}", file=sys.stderr)
        if args.routine_command == "list":
            _list(routines, args.level or settings_level, args.json)
        elif args.routine_command == "import":
            routine = routines.import_file(Path(args.file), replace=args.replace)
            print(routine.routine.id)
        elif args.routine_command == "export":
            text = routines.export(args.id, args.output)
            if args.output is None:
                sys.stdout.write(text)
        elif args.routine_command == "delete":
            name = routines.catalog.routine(args.id).name if args.id in routines.user_ids() else args.id
            routines.delete(args.id)
            print(f"Deleted {name}; its past sessions stay in the history.")
    except RoutineFileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEM
    except (KnownError, RoutineStoreError) as exc:
        print(f"psoas-desktop: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    return 0


def _validate(path: Path) -> int:
    catalog = load_catalog()
    try:
        content = path.read_bytes()
    except OSError as exc:
        print(f"$: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_PROBLEM
    from psoas_desktop.core.routine_file import read_routine

    try:
        routine = read_routine(content, catalog, image_folder=path.parent)
    except RoutineFileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_PROBLEM
    full = catalog.with_user_routines([routine.routine], routine.exercises)
    timeline, _state = progressed_timeline(full, routine.routine, Settings(), 0)
    items = len(routine.routine.exercise_ids)
    notes = range_notes(full, routine.routine)
    outside = f"; {len(notes)} value{'s' * (len(notes) != 1)} outside the guide's ranges" if notes else ""
    print(
        f"{path.name}: valid routine {routine.routine.id!r} ({routine.routine.name}), {items} item"
        f"{'s' * (items != 1)}, {format_duration(timeline.total_seconds)} at standard level{outside}"
    )
    return 0


def _list(routines: RoutineLibrary, level: Level, as_json: bool) -> None:
    settings = Settings(level=level)
    rows = []
    for routine in routines.catalog.routines:
        timeline, _state = progressed_timeline(routines.catalog, routine, settings, 0)
        rows.append(
            {
                "id": routine.id,
                "name": routine.name,
                "source": "user" if routine.user else "built-in",
                "total_seconds": timeline.total_seconds,
            }
        )
    if as_json:
        print(json.dumps({"routines": rows}, indent=2, ensure_ascii=False))
        return
    for row in rows:
        took = format_duration(float(row["total_seconds"]))
        print(f"{row['id']:<28} {row['source']:<9} {took:>7}  {row['name']}")
    print(f"Totals at {level.value} level.")


# -- plan -------------------------------------------------------------------------------------------------


def completed_sessions(routine: Routine, routines: RoutineLibrary, data_dir: Path | None) -> int:
    """How many sessions count toward the routine's progression (0 without a history)."""
    if routine.progression is None:
        return 0
    from psoas_desktop.app.cli import open_history_if_any

    history = open_history_if_any(data_dir)
    if history is None:
        return 0
    with history:
        return history.completed_with_dose(routine.id, routines.fingerprints(routine)[1])


def planned(
    name: str, settings: Settings, data_dir: Path | None
) -> tuple[Catalog, Timeline, Routine, ProgressionState | None]:
    routines = library(data_dir)
    routine = routines.catalog.resolve(name)
    completed = completed_sessions(routine, routines, data_dir)
    timeline, state = progressed_timeline(routines.catalog, routine, settings, completed)
    return routines.catalog, timeline, routine, state


def print_plan(name: str, settings: Settings, data_dir: Path | None, as_json: bool) -> None:
    catalog, timeline, routine, state = planned(name, settings, data_dir)
    if as_json:
        data = timeline.to_json() | {"progression": state.to_json() if state is not None else None}
        print(json.dumps(data, indent=2))
        return
    print(format_table(catalog, timeline))
    took = format_duration(timeline.total_seconds)
    print(f"{timeline.routine} at {settings.level.value} level takes {took}.")
    hold = first_hold(timeline)
    if routine.progression is not None and state is not None and hold is not None:
        print(next_hold_line(routine.progression, state, hold))
    for _position, note in range_notes(catalog, routine):
        print(f"Note: {note}")
