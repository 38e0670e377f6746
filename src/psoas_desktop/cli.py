"""Command line: launch the GUI, or answer headless subcommands (catalog, plan)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from psoas_desktop import __version__
from psoas_desktop.core.catalog import Catalog, load_catalog
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.plan import build_timeline, format_duration, format_table
from psoas_desktop.core.settings import Level, Settings, parse_level


def _level(value: str) -> Level:
    try:
        return parse_level(value)
    except KnownError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="psoas-desktop",
        description="A guided, drift-free psoas and hip-flexor routine timer.",
    )
    parser.add_argument("--version", action="version", version=f"psoas-desktop {__version__}")
    parser.add_argument("--data-dir", type=Path, help="where the workout history is kept")
    parser.add_argument("--config-dir", type=Path, help="where settings are kept")
    parser.add_argument(
        "--start", metavar="ROUTINE_OR_EXERCISE", help="start this routine or exercise at once"
    )
    parser.add_argument("--level", type=_level, help="beginner, standard or advanced")
    parser.add_argument("--mat", action="store_true", help="open in mat mode (full-screen countdown)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    catalog = commands.add_parser("catalog", help="print the exercise catalog")
    catalog.add_argument("--json", action="store_true", help="machine-readable output")

    plan = commands.add_parser("plan", help="print the timeline of a routine or exercise")
    plan.add_argument("name", metavar="ROUTINE_OR_EXERCISE")
    plan.add_argument("--level", type=_level, default=Level.STANDARD, help="beginner, standard or advanced")
    plan.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _print_catalog(catalog: Catalog, as_json: bool) -> None:
    if as_json:
        print(json.dumps(catalog.to_json(), indent=2, ensure_ascii=False))
        return
    for exercise in catalog.exercises:
        marker = " (extra)" if exercise.extra else ""
        print(f"{exercise.name}{marker} [{exercise.id}, {exercise.kind.value}]")
        print(f"  {exercise.overview}")
        for number, step in enumerate(exercise.steps, start=1):
            print(f"  {number}. {step}")
        for tip in exercise.tips:
            print(f"  Tip: {tip}")
        for benefit in exercise.benefits:
            print(f"  Benefit: {benefit}")
        print(f"  Beginner: {exercise.modifications.beginner}")
        print(f"  Advanced: {exercise.modifications.advanced}")
        dosage = {k: v for k, v in exercise.dosage.to_json().items() if v is not None}
        ranges = ", ".join(f"{k} {v[0]}–{v[1]}" for k, v in dosage.items())
        print(f"  Dosage: {ranges}{' per side' if exercise.per_side else ''}")
        print()
    print("Routines:")
    for routine in catalog.routines:
        print(f"  {routine.id}: {routine.name} — {', '.join(routine.exercise_ids)}")
    print("\nTips:")
    for general_tip in catalog.tips:
        print(f"  {general_tip.title}: {general_tip.text}")
    print(f"\nSafety: {catalog.safety_note}")


def _print_plan(catalog: Catalog, name: str, level: Level, as_json: bool) -> None:
    timeline = build_timeline(catalog, catalog.resolve(name), Settings(level=level))
    if as_json:
        print(json.dumps(timeline.to_json(), indent=2))
    else:
        print(format_table(catalog, timeline))
        print(f"{timeline.routine} at {level.value} level takes {format_duration(timeline.total_seconds)}.")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "catalog":
            _print_catalog(load_catalog(), args.json)
            return 0
        if args.command == "plan":
            _print_plan(load_catalog(), args.name, args.level, args.json)
            return 0
    except KnownError as exc:
        print(f"psoas-desktop: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `psoas-desktop catalog | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
    from psoas_desktop.app import run_gui  # Qt is imported only when a window is wanted

    return run_gui(args)
