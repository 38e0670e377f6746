"""Command line: launch the GUI, or answer headless subcommands (catalog, plan, history, export)."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from psoas_desktop import __version__
from psoas_desktop.core.catalog import Catalog, load_catalog
from psoas_desktop.core.errors import KnownError, SettingsError
from psoas_desktop.core.setting_spec import Part, SettingSpec, Unit
from psoas_desktop.core.settings import SPECS_BY_NAME, Level, Settings, specs_of

if TYPE_CHECKING:
    from psoas_desktop.storage.history import History


def _setting(spec: SettingSpec) -> Callable[[str], object]:
    """An argparse type made from a row of the settings table: its parsing and its message."""

    def parse(text: str) -> object:
        try:
            return spec.parse(text)
        except SettingsError as exc:  # e.g. "hold_seconds: 99 is out of range; allowed 20–30"
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


WEEKS_RANGE = (1, 520)  # ten years of weeks: the history's longest sensible report


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (rc 2): `psoas-desktop history: argument --weeks: …`."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def _add_global_options(parser: argparse.ArgumentParser, *, in_command: bool) -> None:
    """Options that mean the same before or after the command. After it they default to SUPPRESS, so a
    command's own default never overwrites what was given before it."""
    default = argparse.SUPPRESS if in_command else None
    parser.add_argument("--data-dir", type=Path, default=default, help="where the workout history is kept")
    parser.add_argument("--config-dir", type=Path, default=default, help="where settings are kept")
    parser.add_argument(
        "--sync-dir",
        type=Path,
        default=default,
        metavar="DIR",
        help="share the history through this folder (Syncthing, Nextcloud, Dropbox…) for this run, instead"
        " of the Sync folder setting",
    )
    level = SPECS_BY_NAME["level"]
    parser.add_argument(
        "--level",
        type=_setting(level),
        default=default,
        help=f"{level.help} ({level.allowed_text()}; default: {level.text(level.default)}, or in the window"
        " the level of its settings)",
    )


def _add_workout_options(parser: argparse.ArgumentParser) -> None:
    """--hold-seconds, --reps ...: one option per workout setting, as the table declares it (--level is a
    global option)."""
    for spec in specs_of(Part.WORKOUT):
        if spec.name == "level":
            continue
        unit = " s" if spec.unit is Unit.SECONDS else ""
        parser.add_argument(
            "--" + spec.name.replace("_", "-"),
            type=_setting(spec),
            metavar="N" if spec.kind is int else spec.name.upper(),
            help=f"{spec.help} ({spec.allowed_text()}{unit}; default: {spec.text(spec.default)})",
        )


def _workout(args: argparse.Namespace) -> Settings:
    given = {spec.name: getattr(args, spec.name, None) for spec in specs_of(Part.WORKOUT)}
    return Settings.from_mapping({name: value for name, value in given.items() if value is not None})


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="psoas-desktop",
        description="A guided, drift-free psoas and hip-flexor routine timer.",
    )
    parser.add_argument("--version", action="version", version=f"psoas-desktop {__version__}")
    _add_global_options(parser, in_command=False)
    parser.add_argument(
        "--start", metavar="ROUTINE_OR_EXERCISE", help="start this routine or exercise at once"
    )
    parser.add_argument("--mat", action="store_true", help="open in mat mode (full-screen countdown)")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check that this install has everything the app needs (no window is shown), then exit",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        _add_global_options(sub, in_command=True)
        return sub

    catalog = command("catalog", "print the exercise catalog")
    catalog.add_argument("--json", action="store_true", help="machine-readable output")

    plan = command("plan", "print the timeline of a routine or exercise")
    plan.add_argument("name", metavar="ROUTINE_OR_EXERCISE")
    _add_workout_options(plan)
    plan.add_argument("--json", action="store_true", help="machine-readable output")

    goal = SPECS_BY_NAME["weekly_goal"]
    history = command("history", "print weekly workout figures from the history")
    history.add_argument(
        "--weeks",
        type=_bounded(*WEEKS_RANGE),
        default=12,
        help=f"how many weeks, ending this week ({WEEKS_RANGE[0]}–{WEEKS_RANGE[1]}; default: 12)",
    )
    history.add_argument(
        "--goal",
        type=_setting(goal),
        default=goal.default,
        help=f"{goal.help} ({goal.allowed_text()}; default: {goal.text(goal.default)})",
    )
    history.add_argument("--today", type=_date, help=argparse.SUPPRESS)  # for tests: the report's "today"
    history.add_argument("--json", action="store_true", help="machine-readable output")

    export = command("export", "export every session with its holds")
    export.add_argument("--format", choices=("csv", "json"), required=True, help="csv or json")
    export.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")
    _add_routine_commands(command("routine", "list, check, import, export or delete routines"))
    from psoas_desktop.app.sync_commands import add_sync_commands

    add_sync_commands(command)
    return parser


def _add_routine_commands(routine: argparse.ArgumentParser) -> None:
    actions = routine.add_subparsers(
        dest="routine_command", metavar="ACTION", parser_class=_Parser, required=True
    )

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text)
        _add_global_options(sub, in_command=True)
        return sub

    listing = action("list", "list the built-in routines and yours, with their length")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    validate = action("validate", "check a routine file; every problem is named with its place")
    validate.add_argument("file", metavar="FILE")
    importing = action("import", "check a routine file and add it to your routines")
    importing.add_argument("file", metavar="FILE")
    importing.add_argument("--replace", action="store_true", help="overwrite your routine of the same id")
    export = action("export", "write a routine as a file to hand over (a built-in as a copy to edit)")
    export.add_argument("id", metavar="ID")
    export.add_argument("-o", "--output", type=Path, help="write to this file (atomically) instead of stdout")
    delete = action("delete", "delete one of your routines (its past sessions stay in the history)")
    delete.add_argument("id", metavar="ID")


def _bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value.strip()) if len(value) <= 12 else None  # no 20-digit surprises
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, not {value!r}")
        return number

    return parse


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-03-29, not {value!r}") from None


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


def open_history_if_any(data_dir: Path | None) -> History | None:
    """The history read-only, or None when the data folder has none yet (nothing recorded: no error)."""
    from psoas_desktop.storage.paths import resolve_paths
    from psoas_desktop.storage.schema import FILE_NAME

    if not (resolve_paths(data_dir).data_dir / FILE_NAME).exists():
        return None
    return _open_history(data_dir)


def _settings_level(args: argparse.Namespace) -> Level:
    """The level in the window's settings (``routine list`` totals follow it, unless --level is given)."""
    from psoas_desktop.qt.settings.store import SettingsStore
    from psoas_desktop.storage.paths import resolve_paths

    settings, _messages = SettingsStore(resolve_paths(None, args.config_dir).config_dir).load()
    return settings.workout.level


def _open_history(data_dir: Path | None) -> History:
    from psoas_desktop.app.writer_lock import writer_running
    from psoas_desktop.storage.history import History
    from psoas_desktop.storage.paths import resolve_paths

    if data_dir is not None and not data_dir.is_dir():  # a typo must not read as an empty history
        raise KnownError(f"no history at {data_dir} (the folder does not exist)")
    folder = resolve_paths(data_dir).data_dir
    # A session left "running" by an app that is gone (crash, kill) is shown as what it is: interrupted.
    result = History.open(
        folder, now=lambda: datetime.now(UTC), read_only=True, writer_gone=not writer_running(folder)
    )
    if result.messages:  # a read-only open only has something to say when it cannot read the history
        result.history.close()
        raise KnownError(" ".join(result.messages))
    return result.history


def _print_history(data_dir: Path | None, weeks: int, goal: int, today: date | None, as_json: bool) -> None:
    from psoas_desktop.core.stats import SystemLocalZone, local_today, streaks, weekly_stats

    zone = SystemLocalZone()
    with _open_history(data_dir) as history:
        summaries = history.summaries()
        devices = history.devices()
    stats = weekly_stats(summaries, weeks, today or local_today(zone), zone, goal)
    current, best = streaks(stats)
    if as_json:
        data = {
            "weeks": [
                {
                    "week_start": w.week_start.isoformat(),
                    "sessions": w.sessions,
                    "all_sessions": w.all_sessions,
                    "hold_minutes": round(w.hold_minutes, 3),
                    "goal_met": w.goal_met,
                }
                for w in stats
            ],
            "current_streak": current,
            "best_streak": best,
            # Every computer that recorded sessions here or merged in, this one first; `sessions` counts
            # all of that device's sessions in the whole history, not just these weeks.
            "devices": [{"id": d.id, "name": d.name, "sessions": d.sessions} for d in devices],
        }
        print(json.dumps(data, indent=2))
        return
    # Sessions: counted toward the goal (core.stats.counts_toward_goal); All: every session with a finished hold.
    print(f"{'Week of':<12}{'Sessions':>10}{'All':>6}{'Hold min':>10}  Goal ({goal})")
    for w in stats:
        mark = "met" if w.goal_met else ""
        print(
            f"{w.week_start.isoformat():<12}{w.sessions:>10}{w.all_sessions:>6}{w.hold_minutes:>10.1f}  {mark}"
        )
    print(f"Current streak: {current} week{'s' * (current != 1)}; best: {best} week{'s' * (best != 1)}.")


def _export(data_dir: Path | None, fmt: str, output: Path | None) -> None:
    from psoas_desktop.storage.export import collect, render, write_atomic

    with _open_history(data_dir) as history:
        text = render(collect(history), fmt)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise KnownError(f"cannot write {output}: {exc.strerror or exc}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    # Start-up makes many objects that live as long as the app, and the cyclic collector would only walk
    # them again and again (≈25 ms before the window is painted). The window turns it back on once painted
    # (see gui.after_first_paint); every command ends with it on.
    gc.disable()
    try:
        return _run_command(argv)
    finally:
        gc.enable()


def _run_command(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.data_dir is not None and args.data_dir.exists() and not args.data_dir.is_dir():
        parser.error(f"argument --data-dir: {args.data_dir} is a file, not a folder")
    if args.self_test:
        from psoas_desktop.app.self_test import run_self_test

        return run_self_test()
    try:
        if args.command == "catalog":
            _print_catalog(load_catalog(), args.json)
            return 0
        if args.command == "plan":
            from psoas_desktop.app.routine_commands import print_plan

            print_plan(args.name, _workout(args), args.data_dir, args.json)
            return 0
        if args.command == "routine":
            from psoas_desktop.app.routine_commands import run_routine_command

            level = args.level if args.routine_command != "list" or args.level else _settings_level(args)
            return run_routine_command(args, level)
        if args.command == "history":
            _print_history(args.data_dir, args.weeks, args.goal, args.today, args.json)
            return 0
        if args.command == "export":
            _export(args.data_dir, args.format, args.output)
            return 0
        if args.command in ("sync", "import", "device"):
            from psoas_desktop.app.sync_commands import run_sync_command

            return run_sync_command(args)
    except KnownError as exc:
        print(f"psoas-desktop: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `psoas-desktop catalog | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0
    from psoas_desktop.app.gui import run_gui  # Qt is imported only when a window is wanted

    return run_gui(args)
