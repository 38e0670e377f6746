"""Composition root: QApplication, logging, crash hook, paths, settings, catalog, clock and the main window."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from psoas_desktop import __version__
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.clock import SystemClock
from psoas_desktop.core.errors import KnownError
from psoas_desktop.qt.main_window import MainWindow
from psoas_desktop.qt.settings_store import SettingsStore
from psoas_desktop.qt.theme import apply_theme
from psoas_desktop.storage.paths import AppPaths, resolve_paths

log = logging.getLogger("psoas_desktop")


def _setup_logging(paths: AppPaths) -> str:
    """Log to a file in the data dir; a read-only disk leaves logging on stderr only."""
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    where = "standard error"
    try:
        paths.data_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(paths.log_file, encoding="utf-8"))
        where = str(paths.log_file)
    except OSError as exc:
        print(
            f"psoas-desktop: cannot write a log in {paths.data_dir} ({exc}); logging to stderr",
            file=sys.stderr,
        )
    logging.basicConfig(level=logging.INFO, handlers=handlers, format="%(asctime)s %(levelname)s %(message)s")
    return where


def _install_crash_hook(log_location: str) -> None:
    """A bug shows a dialog naming the log file instead of vanishing (installed here, never at import)."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        log.critical("Unexpected error:\n%s", "".join(traceback.format_exception(kind, error, tb)))
        if isinstance(error, KnownError):
            QMessageBox.warning(None, "Psoas Desktop", str(error))
            return
        QMessageBox.critical(
            None,
            "Psoas Desktop — unexpected error",
            f"Something went wrong: {error}\n\nDetails are in {log_location}. Your finished holds are kept.",
        )

    sys.excepthook = hook


def run_gui(args: argparse.Namespace) -> int:
    paths = resolve_paths(args.data_dir, args.config_dir)
    log_location = _setup_logging(paths)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Psoas Desktop")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("psoas-desktop")
    _install_crash_hook(log_location)
    try:
        catalog = load_catalog()
    except KnownError as exc:
        QMessageBox.critical(None, "Psoas Desktop", f"The exercise catalog could not be loaded:\n{exc}")
        return 2
    store = SettingsStore(paths.config_dir)
    settings, messages = store.load()
    apply_theme(app, settings.theme.value)
    window = MainWindow(catalog, store, settings, SystemClock())
    window.on_theme_changed = lambda theme: apply_theme(app, theme)
    if args.level is not None:
        window.level_override = args.level
        window.exercise_list.set_settings(window.workout_settings)
    window.show()
    if messages:
        window.show_message(" ".join(messages))
    if args.start:
        try:
            window.start_session(args.start)
        except KnownError as exc:
            window.show_message(str(exc))
    if args.mat:
        window.toggle_mat_mode()
    if not args.start:
        # After the first paint, so the window is there behind the welcome.
        QTimer.singleShot(0, window.show_welcome_once)
    log.info(
        "Psoas Desktop %s started; data in %s, settings in %s", __version__, paths.data_dir, paths.config_dir
    )
    return app.exec()
