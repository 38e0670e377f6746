"""The command line's writing commands: ``sync`` (this computer's journal written, the others merged),
``import FILE`` (an ``export --format json`` file, version 1 or 2) and ``device [--name NAME]``.

Each takes the data folder's writer lock for as long as it writes. When the window of the same data folder
holds it, the command line never opens the database the window writes: it asks the window over the
single-instance socket (:mod:`.instance_commands`) and prints the window's answer.

Exit codes: 0 done (warnings, one line each, on stderr); 2 with one line when there is nothing to do it
with (no sync folder, a folder the guards refuse, an invalid file, a history that cannot be written); 1
when the running window does not answer.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psoas_desktop.core.errors import KnownError
from psoas_desktop.storage.paths import AppPaths, resolve_paths

if TYPE_CHECKING:
    from psoas_desktop.app.instance_commands import Command
    from psoas_desktop.storage.history import History

NO_SYNC_FOLDER = (
    "no sync folder: set one in Settings (History tab) or give --sync-dir DIR (see README, Using several"
    " computers)"
)


def add_sync_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    command("sync", "write this computer's journal to the sync folder and merge the other computers' ones")
    importing = command(
        "import", "add the sessions of an `export --format json` file (again: nothing doubled)"
    )
    importing.add_argument("file", metavar="FILE", type=Path)
    device = command("device", "print this computer's device id and name, or rename it")
    device.add_argument("--name", help="the new name the other computers show for this one")


def run_sync_command(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.data_dir, args.config_dir)
    if args.command == "sync":
        return _sync(paths, _sync_dir(args, paths, required=True))
    if args.command == "import":
        return _import(paths, args.file, _sync_dir(args, paths, required=False))
    if args.name is None:
        return _print_device(args.data_dir)
    return _rename(paths, args.name, _sync_dir(args, paths, required=False))


def _warn(text: str) -> None:
    print(f"psoas-desktop: {' '.join(text.split())}", file=sys.stderr)


def _sync_dir(args: argparse.Namespace, paths: AppPaths, *, required: bool) -> Path | None:
    """--sync-dir, else the setting; checked against the folder guards (KnownError: exit 2)."""
    from psoas_desktop.storage.journal import SyncFolderError, check_folders

    folder: Path | None = getattr(args, "sync_dir", None)
    if folder is None:
        from psoas_desktop.qt.settings.store import SettingsStore

        settings, _messages = SettingsStore(paths.config_dir).load()
        folder = Path(settings.sync_folder) if settings.sync_folder else None
    if folder is None:
        if required:
            raise KnownError(NO_SYNC_FOLDER)
        return None
    try:
        return check_folders(folder, paths.data_dir)
    except SyncFolderError as exc:
        raise KnownError(str(exc)) from None


# -- the writer: this process, or the running window ---------------------------------------------------------


def _with_writer(
    paths: AppPaths,
    command: Command,
    here: Callable[[History], int],
    answered: Callable[[dict[str, Any]], int],
) -> int:
    """Run `here` on the history opened writable under the writer lock; when the window holds the lock, send
    it `command` and hand its reply to `answered`."""
    from psoas_desktop.app.writer_lock import acquire_writer_lock
    from psoas_desktop.storage.history import History

    try:
        paths.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KnownError(
            f"the data folder {paths.data_dir} cannot be created ({exc.strerror or exc})"
        ) from None
    lock = acquire_writer_lock(paths.data_dir)
    if lock.message is not None:
        return _ask_window(paths, command, answered)
    try:
        opened = History.open(paths.data_dir, now=lambda: datetime.now(UTC))
        history = opened.history
        try:
            if history.read_only:
                raise KnownError(history.not_saving_message or "the history cannot be written")
            for message in opened.messages:
                _warn(message)
            return here(history)
        finally:
            history.close()
    finally:
        lock.release()


def _ask_window(paths: AppPaths, command: Command, answered: Callable[[dict[str, Any]], int]) -> int:
    from psoas_desktop.app.instance_commands import NoAnswerError, ask_running
    from psoas_desktop.app.single_instance import HANDOVER_PATIENCE_SECONDS, server_name
    from psoas_desktop.app.writer_lock import LOCK_FILE_NAME

    name = server_name(paths.data_dir)
    if name is None:
        print(
            "psoas-desktop: Psoas Desktop runs with this data folder and cannot be asked; quit it and run"
            " the command again",
            file=sys.stderr,
        )
        return 1
    if sys.stderr.isatty():
        print(f"psoas-desktop: asking the running Psoas Desktop to {command.action}…", file=sys.stderr)
    try:
        reply = ask_running(
            name,
            command,
            still_locked=(paths.data_dir / LOCK_FILE_NAME).exists,
            patience=HANDOVER_PATIENCE_SECONDS,
        )
    except NoAnswerError as exc:
        print(f"psoas-desktop: {exc}", file=sys.stderr)
        return 1
    if not reply["ok"]:
        raise KnownError(str(reply.get("error") or "the running Psoas Desktop refused"))
    return answered(reply)


# -- sync ------------------------------------------------------------------------------------------------------


def _progress() -> Callable[[int, int], None] | None:
    """Journals merged so far, on one line of stderr, for a person watching (never in a pipe or a log)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total:
            end = "\n" if done == total else ""
            print(f"\rmerging journals: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _print_merged(new_sessions: int, devices: int, warnings: list[str]) -> int:
    print(f"merged {new_sessions} new sessions from {devices} devices")
    for warning in warnings:
        _warn(warning)
    return 0


def _sync(paths: AppPaths, folder: Path | None) -> int:
    from psoas_desktop.app.instance_commands import SYNC, Command

    assert folder is not None

    def here(history: History) -> int:
        warnings: list[str] = []
        history.submit_attach_journal(folder, paths.data_dir, warnings.append).result()
        result = history.submit_merge(folder, progress=_progress()).result()
        return _print_merged(result.new_sessions, result.devices, [*warnings, *result.warnings])

    def answered(reply: dict[str, Any]) -> int:
        return _print_merged(int(reply["new_sessions"]), int(reply["devices"]), list(reply["warnings"]))

    return _with_writer(paths, Command(SYNC, str(folder)), here, answered)


# -- import ----------------------------------------------------------------------------------------------------


def _import(paths: AppPaths, file: Path, folder: Path | None) -> int:
    from psoas_desktop.app.instance_commands import IMPORT, Command
    from psoas_desktop.storage.import_export import events_from_export, read_export

    try:  # checked whole before the history is opened: an invalid file changes nothing
        document = read_export(file)
        events_from_export(document, "")
    except ValueError as exc:
        raise KnownError(f"cannot import {file}: {exc}") from None

    def here(history: History) -> int:
        warnings: list[str] = []
        if folder is not None:  # the imported sessions reach the other computers too
            history.submit_attach_journal(folder, paths.data_dir, warnings.append).result()
        events = events_from_export(document, history.device_id() or "")
        try:
            imported = history.submit_import(events).result()
        except ValueError as exc:
            raise KnownError(f"cannot import {file}: {exc}") from None
        print(f"imported {imported} new sessions")
        for warning in warnings:
            _warn(warning)
        return 0

    def answered(reply: dict[str, Any]) -> int:
        print(f"imported {int(reply['imported'])} new sessions")
        return 0

    return _with_writer(paths, Command(IMPORT, str(file.resolve())), here, answered)


# -- device ----------------------------------------------------------------------------------------------------


def _print_device(data_dir: Path | None) -> int:
    from psoas_desktop.app.cli import open_history_if_any

    history = open_history_if_any(data_dir)
    if history is None:
        raise KnownError("no history yet: this computer gets its device id with its first history")
    with history:
        device = history.device_id()
        names = {row.id: row.name for row in history.devices()}
    print(f"{device}\t{names.get(device or '', '')}")
    return 0


def _rename(paths: AppPaths, name: str, folder: Path | None) -> int:
    from psoas_desktop.app.instance_commands import RENAME, Command
    from psoas_desktop.storage.devices import checked_name

    try:
        cleaned = checked_name(name)
    except ValueError as exc:
        raise KnownError(str(exc)) from None

    def here(history: History) -> int:
        warnings: list[str] = []
        if folder is not None:  # the new name reaches the other computers in the journal
            history.submit_attach_journal(folder, paths.data_dir, warnings.append).result()
        history.submit_rename_device(cleaned).result()
        for warning in warnings:
            _warn(warning)
        return done()

    def done(_reply: object = None) -> int:
        print(f"this computer is now called {cleaned}")
        return 0

    return _with_writer(paths, Command(RENAME, cleaned), here, done)
