"""Between the main window and the history database: saving sessions as they happen, the check-in after a
session, the history window and the GUI export.

It lives beside the composition root because it is the one place that may know both sides: `qt` never
imports `storage`, and `storage` knows nothing of Qt widgets. Every storage failure becomes one status-bar
line; the timer never waits for or stops on the database.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSaveFile, QTimer, Slot
from PySide6.QtWidgets import QFileDialog, QWidget

from psoas_desktop.core.engine import HoldRecord
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.stats import weekly_stats
from psoas_desktop.qt.history.checkin_dialog import Checkin, CheckinDialog
from psoas_desktop.qt.session.main_window import MainWindow, SessionInfo
from psoas_desktop.qt.settings.store import AppSettings
from psoas_desktop.storage import export
from psoas_desktop.storage.history import History

if TYPE_CHECKING:  # pyqtgraph and numpy load when the history is first opened, not at start-up
    from psoas_desktop.qt.history.window import HistoryWindow

log = logging.getLogger(__name__)

EXPORT_FILTERS = {"csv": "CSV spreadsheet (*.csv)", "json": "JSON (*.json)"}


class ExportPath:
    """The save-file question, behind a seam tests replace."""

    @classmethod
    def ask(cls, parent: QWidget, suggested: Path) -> tuple[Path, str] | None:
        """(path, format) or None when cancelled; the format follows the chosen filter or the suffix."""
        filters = ";;".join(EXPORT_FILTERS.values())
        name, chosen = QFileDialog.getSaveFileName(parent, "Export history", str(suggested), filters)
        if not name:
            return None
        path = Path(name)
        suffix = path.suffix.lower().lstrip(".")
        if suffix in EXPORT_FILTERS:
            return path, suffix
        fmt = next((f for f, text in EXPORT_FILTERS.items() if text == chosen), "csv")
        return path.with_suffix(f".{fmt}"), fmt


class HistoryLink(QObject):
    def __init__(
        self,
        window: MainWindow,
        history: History,
        *,
        tz: tzinfo,
        today: Callable[[], date],
        now: Callable[[], datetime],
        export_dir: Path,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.history = history
        self._tz = tz
        self._today = today
        self._now = now
        self._export_dir = export_dir
        self.session_id: int | None = None
        self._per_side = False
        self._warned_this_session = False
        self.history_window: HistoryWindow | None = None
        self.prewarm_thread: threading.Thread | None = None
        window.session_started.connect(self.on_session_started)
        window.hold_recorded.connect(self.on_hold_recorded)
        window.session_ended.connect(self.on_session_ended)
        window.history_requested.connect(self.open_history)
        window.export_requested.connect(self.export_interactively)
        window.settings_changed.connect(self._on_settings_changed)

    # -- saving as the session runs -------------------------------------------------------------------------

    def _warn(self, error: KnownError) -> None:
        """One line in the status bar; the timer goes on. Logged every time, shown once per session."""
        log.warning("history: %s", error)
        if not self._warned_this_session:
            self._warned_this_session = True
            self.window.show_message(f"{error} The timer keeps running.")

    @Slot(object)
    def on_session_started(self, info: SessionInfo) -> None:
        self.session_id = None
        self._per_side = info.per_side
        self._warned_this_session = False
        try:
            self.session_id = self.history.start_session(info.routine, info.level, info.started)
        except KnownError as error:
            self._warn(error)

    @Slot(object)
    def on_hold_recorded(self, record: HoldRecord) -> None:
        if self.session_id is None:
            return
        try:
            self.history.add_record(self.session_id, record)
        except KnownError as error:
            self._warn(error)

    @Slot(str)
    def on_session_ended(self, status: str) -> None:
        session_id, self.session_id = self.session_id, None
        if session_id is None:
            return
        try:
            self.history.end_session(session_id, status, self._now())
        except KnownError as error:
            self._warn(error)
        self._refresh_history_window()
        if not self.window.closing:
            # After the ticker's signal has been delivered: the question never runs inside a timer tick.
            QTimer.singleShot(0, self, lambda: self.ask_checkin(session_id))

    # -- check-in ---------------------------------------------------------------------------------------------

    def ask_checkin(self, session_id: int) -> None:
        answer = CheckinDialog.ask(self._per_side, self.window)
        if answer is not None:
            self.save_checkin(session_id, answer)

    def save_checkin(self, session_id: int, answer: Checkin) -> None:
        ratings: list[tuple[str | None, int | None]] = (
            [("left", answer.left), ("right", answer.right)] if self._per_side else [(None, answer.overall)]
        )
        rated = [(side, value) for side, value in ratings if value is not None]
        try:
            for index, (side, value) in enumerate(rated):
                # The note is kept once, with the first rating.
                self.history.add_checkin(session_id, side, value, answer.note if index == 0 else "")
        except KnownError as error:
            self.window.show_message(f"The check-in was not saved: {error}")
            return
        self.window.show_message("Check-in saved. Thank you.")
        self._refresh_history_window()

    # -- figures for reminders ------------------------------------------------------------------------------

    def completed_this_week(self) -> int | None:
        """Completed sessions in the current local ISO week; None when the history cannot be read."""
        try:
            week = weekly_stats(self.history.summaries(), 1, self._today(), self._tz, 1)
        except Exception:  # a damaged or closed file: no nudge rather than a wrong one
            log.exception("history: counting this week's sessions failed")
            return None
        return week[0].sessions

    # -- the history window -------------------------------------------------------------------------------

    @Slot()
    def prewarm(self) -> None:
        """While the app sits idle after start-up: load the chart module and aggregate the history in a
        thread, so the first open of the history window is as quick as any later one (ten years of
        history: ≈80 ms instead of ≈270 ms, plus ≈500 ms of pyqtgraph/numpy import). The import runs in
        the thread too: on the GUI thread it stalled the event loop for ≈0.5 s (no window or pixmap is
        made at import, so it is safe there; a window opened meanwhile waits on Python's import lock)."""
        if self.window.session_active or self.prewarm_thread is not None:
            return  # never during a workout; the window then aggregates when opened
        self.prewarm_thread = threading.Thread(target=self._prewarm, name="history-prewarm", daemon=True)
        self.prewarm_thread.start()

    def _prewarm(self) -> None:
        try:
            importlib.import_module("psoas_desktop.qt.history.window")
        except Exception:  # the window reports a broken install itself when it is opened
            log.exception("history: loading the chart module in the background failed")
        self._aggregate()

    def _aggregate(self) -> None:
        try:
            self.history.summaries()  # cached inside History; later calls re-read only what changed
        except Exception:  # a damaged file shows itself when the window opens; nothing to do here
            log.exception("history: aggregating in the background failed")

    @Slot()
    def open_history(self) -> None:
        if self.history_window is None:
            from psoas_desktop.qt.history.window import HistoryWindow

            catalog = self.window.catalog
            self.history_window = HistoryWindow(
                self.history,
                {exercise.id: exercise.name for exercise in catalog.exercises},
                self.window.app_settings.weekly_goal,
                self._tz,
                self._today,
                self.window,
                routine_names={routine.id: routine.name for routine in catalog.routines},
            )
        else:
            self.history_window.refresh()
        self.history_window.show()
        self.history_window.raise_()
        self.history_window.activateWindow()

    def _refresh_history_window(self) -> None:
        if self.history_window is not None and self.history_window.isVisible():
            self.history_window.refresh()

    @Slot(object)
    def _on_settings_changed(self, settings: AppSettings) -> None:
        if self.history_window is not None:
            self.history_window.set_goal(settings.weekly_goal)

    # -- export ---------------------------------------------------------------------------------------------

    @Slot()
    def export_interactively(self) -> None:
        suggested = self._export_dir / f"psoas-history-{self._today().isoformat()}.csv"
        chosen = ExportPath.ask(self.window, suggested)
        if chosen is not None:
            self.export_to(*chosen)

    def export_to(self, path: Path, fmt: str) -> bool:
        """Write the whole history to `path` all at once (QSaveFile); tell the user how it went."""
        try:
            text = export.render(export.collect(self.history), fmt)
        except KnownError as error:
            self.window.show_message(f"Export failed: {error}")
            return False
        target = QSaveFile(str(path))
        data = text.encode("utf-8")
        if (
            not target.open(QSaveFile.OpenModeFlag.WriteOnly)
            or target.write(data) != len(data)
            or not target.commit()
        ):
            problem = target.errorString() or "the file could not be written"
            target.cancelWriting()
            self.window.show_message(f"Export failed: {path}: {problem}. Nothing was changed there.")
            return False
        sessions = len(self.history.sessions())
        self.window.show_message(f"Exported {sessions} sessions to {path}.")
        return True
