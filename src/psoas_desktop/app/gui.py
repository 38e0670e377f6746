"""Composition root: QApplication, logging, crash hook, paths, settings, catalog, clock and the main window."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from psoas_desktop import __version__
from psoas_desktop.app import probe
from psoas_desktop.app.quit_signals import QuitSignals
from psoas_desktop.app.writer_lock import LOCK_FILE_NAME, WriterLock, acquire_writer_lock
from psoas_desktop.core.catalog import load_catalog, resource_root
from psoas_desktop.core.clock import SystemClock
from psoas_desktop.core.errors import CatalogError, KnownError
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.settings.store import SettingsStore
from psoas_desktop.qt.settings.theme import apply_theme
from psoas_desktop.storage.paths import AppPaths, resolve_paths

if TYPE_CHECKING:  # loaded after the first paint (see after_first_paint), not on the start-up path
    from PySide6.QtWidgets import QMessageBox

    from psoas_desktop.app.history_link import HistoryLink
    from psoas_desktop.app.single_instance import InstanceServer, Request
    from psoas_desktop.app.sync_link import SyncLink

log = logging.getLogger("psoas_desktop")

APP_ID = "org.psoasdesktop.PsoasDesktop"
PREWARM_DELAY_MS = 1500  # after the first paint: the user is still reading the window
# A window opened on a hidden workspace is not painted until it is seen; history, the tray and the
# single-instance socket must not wait for that.
UNSEEN_WINDOW_FALLBACK_MS = 3000


def _setup_logging(paths: AppPaths) -> tuple[str, list[logging.Handler]]:
    """Log the app's own messages to a file in the data dir (and stderr); a read-only disk leaves stderr,
    and a disk that fills up later stops the file with one line (LogFileHandler).

    Returns where the log goes and the handlers, which the caller removes and closes on exit.
    """
    from psoas_desktop.app.log_file import LogFileHandler  # here: gui.py's imports are another's to edit

    handlers: list[logging.Handler] = [logging.StreamHandler()]
    where = "standard error"
    try:
        paths.data_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(LogFileHandler(paths.log_file))
        where = str(paths.log_file)
    except OSError as exc:
        print(
            f"psoas-desktop: cannot write a log in {paths.data_dir} ({exc}); logging to stderr",
            file=sys.stderr,
        )
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in handlers:
        handler.setFormatter(formatter)
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    return where, handlers


def _remove_logging(handlers: list[logging.Handler]) -> None:
    for handler in handlers:
        log.removeHandler(handler)
        handler.close()


def _message_box() -> type[QMessageBox]:
    """QMessageBox only when a box is shown: making its Python enums costs ≈5 ms of every start."""
    from PySide6.QtWidgets import QMessageBox

    return QMessageBox


def _install_crash_hook(log_location: str) -> None:
    """A bug shows a dialog naming the log file instead of vanishing (installed here, never at import)."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        log.critical("Unexpected error:\n%s", "".join(traceback.format_exception(kind, error, tb)))
        if isinstance(error, KnownError):
            _message_box().warning(None, "Psoas Desktop", str(error))
            return
        _message_box().critical(
            None,
            "Psoas Desktop — unexpected error",
            f"Something went wrong: {error}\n\nDetails are in {log_location}. Your finished holds are kept.",
        )

    sys.excepthook = hook


def _app_icon() -> QIcon:
    """The app icon at every size we ship (the PNGs render crisply in small places like the tray)."""
    icons = resource_root() / "icons"
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        png = icons / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        if png.is_file():
            icon.addFile(str(png))
    return icon


def _tell_already_running(lock: WriterLock) -> int:
    """A second copy writes nothing: it says so on stderr and in a box, then exits."""
    assert lock.message is not None
    print(f"psoas-desktop: {lock.message}", file=sys.stderr)
    _message_box().information(None, "Psoas Desktop", lock.message)
    return 1


def _load_history_modules() -> None:
    """A turn of its own: the history modules take ≈60 ms to import, as long as opening a new file."""
    import psoas_desktop.app.history_link
    import psoas_desktop.app.sync_link
    import psoas_desktop.storage.history  # noqa: F401


def _attach_sync(link: HistoryLink, paths: AppPaths, override: Path | None) -> SyncLink:
    """The sync folder's journal and merges, once the history is open (see app.sync_link); the Settings
    dialog refuses a folder the guards refuse."""
    from psoas_desktop.app.sync_link import SyncLink, folder_problem

    window = link.window
    window.sync_folder_problem = lambda folder: folder_problem(folder, paths.data_dir)
    sync = SyncLink(link, paths.data_dir, window.app_settings.sync_folder, override)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(sync.close)  # before the history closes (after exec returns)
    return sync


def _attach_history(window: MainWindow, paths: AppPaths) -> HistoryLink:
    """The link at once, the history itself opened in a thread (quick_check, repair and the daily backup
    never block the GUI); a session started meanwhile is saved when it is open."""
    from psoas_desktop.app.history_link import HistoryLink
    from psoas_desktop.core.stats import SystemLocalZone, local_today
    from psoas_desktop.storage.history import History

    zone = SystemLocalZone()
    link = HistoryLink(
        window,
        None,
        tz=zone,
        today=lambda: local_today(zone),
        now=lambda: datetime.now(UTC),
        export_dir=Path.home(),
    )
    link.open_in_background(lambda: History.open(paths.data_dir, now=lambda: datetime.now(UTC)))
    return link


def _attach_desktop(window: MainWindow, link: HistoryLink | None) -> None:
    from psoas_desktop.qt.desktop.quiet_desktop import quiet_desktop_here
    from psoas_desktop.qt.desktop.shell import DesktopShell

    # Without a history (its link failed to come up) the weekly nudge has nothing to count: it stays quiet.
    quiet = quiet_desktop_here()
    shell = DesktopShell(
        window,
        completed_this_week=link.completed_this_week if link else lambda: None,
        desktop_quiet=quiet.held_back,
    )
    shell.start()
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(shell.stop)
        app.aboutToQuit.connect(quiet.close)


def _attach_power(window: MainWindow) -> None:
    """Screen kept on while a session runs, and the session paused before the laptop sleeps (D-Bus)."""
    from psoas_desktop.qt.desktop.power_guard import SessionPowerGuard
    from psoas_desktop.qt.desktop.screensaver import ScreenSaverInhibitor
    from psoas_desktop.qt.desktop.sleep_watch import SleepWatcher

    guard = SessionPowerGuard(
        window, sleep_watcher=SleepWatcher(window), screen_saver=ScreenSaverInhibitor(window)
    )
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(guard.stop)


def _attach_sound(window: MainWindow) -> None:
    # Imported here, after the first paint: the cue player is not on the start-up path.
    from psoas_desktop.qt.sound.cue_player import CuePlayer

    player = CuePlayer(clock=window.clock, parent=window)
    window.attach_cue_player(player)
    player.preload()  # the files load while the user gets ready: the first cue need not wait for them
    probe.watch_cues(player)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(player.shutdown)


def run_gui(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.data_dir, args.config_dir)
    log_location, log_handlers = _setup_logging(paths)
    try:
        return _run(args, paths, log_location)
    finally:
        _remove_logging(log_handlers)


def _run(args: argparse.Namespace, paths: AppPaths, log_location: str) -> int:
    # QtMultimedia's backend chatter is not for users; the cue player reports sound problems itself.
    os.environ.setdefault(
        "QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false;qt.multimedia.ffmpeg=false"
    )
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Psoas Desktop")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)  # matches packaging/linux/<APP_ID>.desktop: Wayland's window ↔ icon link
    app.setWindowIcon(_app_icon())
    previous_hook = sys.excepthook
    _install_crash_hook(log_location)
    try:
        return _run_window(args, paths, app)
    finally:
        sys.excepthook = previous_hook


def _run_window(args: argparse.Namespace, paths: AppPaths, app: QApplication) -> int:
    lock = acquire_writer_lock(paths.data_dir)
    if lock.message is not None:
        return _hand_over_or_tell(lock, paths, args.start)
    links: list[HistoryLink] = []
    servers: list[InstanceServer] = []
    quit_signals = QuitSignals()  # caught from here until everything below is closed
    try:
        return _show_window(args, paths, app, links, servers, quit_signals=quit_signals)
    finally:
        for server in servers:
            server.close()
        for link in links:
            link.close()  # saves what is queued, joins the history's threads; the last close folds the -wal
        lock.release()
        quit_signals.close()


def _hand_over_or_tell(lock: WriterLock, paths: AppPaths, start: str | None) -> int:
    """Another copy runs with this data: ask it to come forward (and start `start`), then exit 0; exit 2
    when it does not know the routine."""
    from psoas_desktop.app.single_instance import HANDOVER_PATIENCE_SECONDS, HandOver, Request, hand_over

    outcome = hand_over(
        paths.data_dir,
        Request(start=start or None),  # `--start ""` starts nothing, as in a first launch
        still_locked=(paths.data_dir / LOCK_FILE_NAME).exists,
        patience=HANDOVER_PATIENCE_SECONDS,
    )
    if outcome is HandOver.DELIVERED:
        log.info("Psoas Desktop is already running with %s; asked it to come forward", paths.data_dir)
        return 0
    if outcome is HandOver.REFUSED:  # only a routine name can be refused: a plain raise always is fine
        shown = start if start is None or len(start) <= 80 else start[:77] + "…"
        print(
            f"psoas-desktop: the running copy does not know the routine {shown!r}; "
            "`psoas-desktop catalog` lists the routines and exercises you can start",
            file=sys.stderr,
        )
        return 2
    return _tell_already_running(lock)


def _quit_when_told(window: MainWindow, number: int) -> None:
    log.info("%s received: quitting", signal.Signals(number).name)
    window.quit_when_told()


def _come_forward(window: MainWindow) -> None:
    window.showNormal()
    window.raise_()
    window.activateWindow()


def _on_request(window: MainWindow, request: Request) -> None:
    """A later launch asked for the window (and maybe a routine)."""
    _come_forward(window)
    if request.start is None:
        return
    if window.session_active:
        window.show_message(f"A session is running; finish or stop it to start {request.start}.")
        return
    try:
        window.start_session_when_counted(request.start)
    except KnownError as exc:
        window.show_message(str(exc))


def _on_unknown_request(window: MainWindow) -> None:
    """A later launch asked for a routine this window does not know: it comes forward and says so (the
    name itself is not shown: it came from outside)."""
    _come_forward(window)
    window.show_message("Another launch asked for an unknown routine; nothing was started.")


def _listen_for_later_launches(
    window: MainWindow, paths: AppPaths, sync: SyncLink | None = None
) -> InstanceServer:
    """After the first paint (QtNetwork is not on the start-up path): a launch racing this one keeps
    retrying for single_instance.HANDOVER_PATIENCE_SECONDS while the lock is held, so it finds us. A
    command line's sync, import or rename is done here (app.window_commands)."""
    from psoas_desktop.app.single_instance import InstanceServer
    from psoas_desktop.app.window_commands import WindowCommands

    def known(name: str) -> bool:
        """What window.start_session can start: a routine or a single exercise of the catalog."""
        try:
            window.catalog.resolve(name)
        except CatalogError:
            return False
        return True

    commands = None if sync is None else WindowCommands(sync.link, sync)
    server = InstanceServer(paths.data_dir, known, commands=commands)
    server.listen()
    server.requested.connect(lambda request: _on_request(window, request))
    server.asked_for_unknown.connect(lambda: _on_unknown_request(window))
    return server


def _in_turns(
    owner: QObject, steps: list[Callable[[], object]], stop_when: Callable[[], bool] = lambda: False
) -> None:
    """Run each step in its own later event-loop turn, in order; none once ``owner`` is gone or
    ``stop_when()`` says so (the window is closing). A step that raises still reaches the crash handler,
    and the steps after it still run."""

    def next_step() -> None:
        if stop_when():
            return
        try:
            steps[0]()
        finally:
            _in_turns(owner, steps[1:], stop_when)

    if steps:
        QTimer.singleShot(0, owner, next_step)


def _show_window(
    args: argparse.Namespace,
    paths: AppPaths,
    app: QApplication,
    links: list[HistoryLink],
    servers: list[InstanceServer],
    *,
    quit_signals: QuitSignals,
) -> int:
    try:
        catalog = load_catalog()
    except KnownError as exc:
        _message_box().critical(None, "Psoas Desktop", f"The exercise catalog could not be loaded:\n{exc}")
        return 2
    store = SettingsStore(paths.config_dir)
    settings, messages = store.load()
    apply_theme(app, settings.theme.value)
    from psoas_desktop.app.routine_library import RoutineLibrary

    library = RoutineLibrary(catalog, paths.data_dir)  # no jsonschema import without user routines
    window = MainWindow(library.catalog, store, settings, SystemClock())
    window.set_routines(library)
    window.on_theme_changed = lambda theme: apply_theme(app, theme)
    quit_signals.received.connect(lambda number: _quit_when_told(window, number))
    if args.level is not None:
        window.level_override = args.level
        window.exercise_list.set_settings(window.workout_settings)
    window.show()
    if messages or library.problems:
        window.show_message(" ".join([*messages, *library.problems]))

    syncs: list[SyncLink] = []

    def attach_history() -> None:
        link = _attach_history(window, paths)
        links.append(link)
        syncs.append(_attach_sync(link, paths, getattr(args, "sync_dir", None)))
        QTimer.singleShot(PREWARM_DELAY_MS, link, link.prewarm)

    def begin() -> None:
        if args.start:
            try:
                window.start_session_when_counted(args.start)
            except KnownError as exc:
                window.show_message(str(exc))
        if args.mat:
            window.toggle_mat_mode()
        if not args.start:
            window.show_welcome_once()

    def after_first_paint() -> None:
        """The rest comes up once the window is on screen, one piece per event-loop turn so that none
        holds the loop for long (history first, so that anything done meanwhile is saved; the socket
        last, so that a later launch's request finds everything attached); a --start session then begins."""
        # The objects made so far live as long as the app: later collections need not walk them again.
        gc.freeze()
        gc.enable()
        _in_turns(
            window,
            [
                _load_history_modules,
                attach_history,
                lambda: _attach_sound(window),
                lambda: _attach_desktop(window, links[0] if links else None),
                lambda: _attach_power(window),
                lambda: servers.append(
                    _listen_for_later_launches(window, paths, syncs[0] if syncs else None)
                ),
                begin,
            ],
            stop_when=lambda: window.closing,  # quitting: no --start session on a closing window
        )

    window.first_painted.connect(after_first_paint)
    QTimer.singleShot(UNSEEN_WINDOW_FALLBACK_MS, window, window.announce_first_paint)
    log.info(
        "Psoas Desktop %s started; data in %s, settings in %s", __version__, paths.data_dir, paths.config_dir
    )
    probe.start_stall_probe(window)  # benchmarks only (PSOAS_PROBE): the first 5 s's longest stall
    return app.exec()
