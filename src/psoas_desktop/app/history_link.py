"""Between the main window and the history database: opening it, the history window and the GUI export;
saving the sessions is :mod:`psoas_desktop.app.history_saver`'s part.

It lives beside the composition root because it is the one place that may know both sides: `qt` never
imports `storage`, and `storage` knows nothing of Qt widgets.

The workout never waits for the disk on the GUI thread. The history is opened in a thread
(:class:`HistoryOpener`; the status bar says "Opening history…" meanwhile); a session started before it is
open is queued by the saver and saved when it arrives. Reads run in threads with their own read-only
connections (prewarm, the history window's worker). Two things the user asks for do wait on the GUI
thread: the export (it first lets the queued writes finish, so the file holds what was just done) and the
weekly count the reminder asks for once in a while (from the summaries cache that prewarm fills).
:meth:`HistoryLink.close` finishes the open, saves what is queued and joins every thread.

While workouts are not being saved (the history opened read-only, could not be opened, or a write failed)
the window's save-warning bar says why until a save succeeds again. Its Retry writes again what failed,
after re-opening the history in a thread when it opened read-only; what failed meanwhile is kept in memory.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSaveFile, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QWidget

from psoas_desktop.app.history_saver import SessionSaver
from psoas_desktop.core.catalog import Routine
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.routine_file import fingerprints
from psoas_desktop.core.session_end import tightness_change, week_standing
from psoas_desktop.core.settings import AppSettings
from psoas_desktop.core.stats import weekly_stats
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.storage import export
from psoas_desktop.storage.history import History, OpenResult
from psoas_desktop.storage.history_reads import WindowReads

if TYPE_CHECKING:  # pyqtgraph and numpy load when the history is first opened, not at start-up
    from psoas_desktop.qt.history.window import HistoryWindow

log = logging.getLogger(__name__)

EXPORT_FILTERS = {"csv": "CSV spreadsheet (*.csv)", "json": "JSON (*.json)"}
OPENING_MESSAGE = "Opening history…"
KEPT_UNTIL_RETRY = (
    "The timer keeps running. What you do now is kept in memory and saved when Retry succeeds;"
    " it is lost if you quit before then."
)
SAVING_AGAIN_MESSAGE = "Saving works again: everything kept in memory is saved."


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


class HistoryOpener(QObject):
    """Runs ``History.open`` (quick_check, repair, the daily backup) in a thread; ``opened`` carries the
    OpenResult (or the exception of a bug) to the GUI thread, where this object lives.

    Signals:
        opened(object): an OpenResult, or the exception that History.open raised.
    """

    opened = Signal(object)

    def __init__(self, open_history: Callable[[], OpenResult], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open = open_history
        self.result: OpenResult | Exception | None = None
        self.worker = threading.Thread(target=self._run, name="history-open", daemon=True)

    def start(self) -> None:
        self.worker.start()

    def _run(self) -> None:
        try:
            self.result = self._open()
        except Exception as error:  # a bug: shown by the GUI thread, which also logs it
            self.result = error
        with contextlib.suppress(RuntimeError):  # the GUI side is gone (closing): wait() hands the result
            self.opened.emit(self.result)

    def wait(self) -> OpenResult | Exception | None:
        """Join the thread (if it was started) and return what it opened."""
        if self.worker.ident is not None:
            self.worker.join()
        return self.result


class HistoryLink(QObject):
    """Opens the history (in a thread), hands it to the session saver, and opens the history window and
    the export.

    Signals:
        history_attached(object): a History is in use from now on (the first open, or a retry's re-open).
    """

    history_attached = Signal(object)

    def __init__(
        self,
        window: MainWindow,
        history: History | None,
        *,
        tz: tzinfo,
        today: Callable[[], date],
        now: Callable[[], datetime],
        export_dir: Path,
    ) -> None:
        """`history`: an open History, or None until :meth:`open_in_background` delivers one."""
        super().__init__(window)
        self.window = window
        self.history: History | None = None
        self._tz = tz
        self._today = today
        self._now = now
        self._export_dir = export_dir
        self.saver = SessionSaver(window, now, self)
        self.saver.saved.connect(self._refresh_history_window)
        self.saver.saved.connect(self._fill_end_screen)
        self.saver.failed.connect(self._on_write_failed)
        self.saver.succeeded.connect(self._on_saving_again)
        self.bar = window.save_warning
        self.bar.retry_requested.connect(self.retry)
        self._opener: HistoryOpener | None = None  # an open whose result has not been taken yet
        self._open_history: Callable[[], OpenResult] | None = None
        self._retired: list[History] = []  # replaced by a retry's re-open; closed at exit (may be read)
        self._prewarm_wanted = False
        self._window_wanted = False
        self._closed = False
        self.history_window: HistoryWindow | None = None
        self.prewarm_thread: threading.Thread | None = None
        window.history_requested.connect(self.open_history)
        window.export_requested.connect(self.export_interactively)
        window.settings_changed.connect(self._on_settings_changed)
        if history is not None:
            self.attach(history)

    # -- opening and closing ----------------------------------------------------------------------------------

    def open_in_background(self, open_history: Callable[[], OpenResult]) -> None:
        """Open the history in a thread; until it arrives the status bar says so and writes are queued.
        Retry opens it the same way again."""
        self.window.show_message(OPENING_MESSAGE)
        self._open_history = open_history
        self._start_opening(open_history)

    def _start_opening(self, open_history: Callable[[], OpenResult]) -> None:
        self._opener = HistoryOpener(open_history, self)
        self._opener.opened.connect(self._on_opened)
        self._opener.start()

    @Slot(object)
    def _on_opened(self, result: OpenResult | Exception) -> None:
        if self._closed:
            return  # close() took care of it
        self._opener = None
        if isinstance(result, Exception):
            log.error("history: opening failed", exc_info=result)
            if self.history is None:
                self.saver.unavailable()
                self.window.refresh_progression()  # nothing to count: a waiting start goes ahead as written
            self._not_saving(f"The history could not be opened: {result}. Workouts are not being saved.")
            return
        for message in result.messages:
            log.warning("history: %s", message)
        # The warning bar says "not saving" for as long as it is true; the rest (a repair, a session that
        # ended unexpectedly) is news to read once: a notice that no later status message replaces.
        said_by_bar = result.history.not_saving_message
        others = [message for message in result.messages if message != said_by_bar]
        if others:
            self.window.notice.show_notice(" ".join(others))
        if self.window.statusBar().currentMessage() == OPENING_MESSAGE:
            self.window.show_message("")
        self._adopt(result.history)

    def _adopt(self, history: History) -> None:
        """Take what an open (the first, or a retry's) gave, unless it is no better than what we have."""
        current = self.history
        if current is not None and history.read_only:
            history.close()  # a retry's re-open that still cannot save: keep what is shown
            self._tell_not_saving(history)
            return
        if current is not None:
            self._retire(current)
        self.attach(history)

    def _retire(self, history: History) -> None:
        """A retry re-opened the history writable: the old one (read-only) is closed at exit, after the
        threads that may still read it; the history window is built again on the new one."""
        self._retired.append(history)
        window = self.history_window
        if window is not None:
            window.wait_for_worker()
            self._window_wanted = window.isVisible()
            window.close()
            window.deleteLater()
            self.history_window = None

    def attach(self, history: History) -> None:
        """Use `history` from now on: what failed before and what was queued while it opened are saved
        first, in order."""
        self.history = history
        self.saver.attach(history)
        self.window.completed_sessions = self.completed_sessions
        self.window.refresh_progression()
        if history.read_only:
            self._tell_not_saving(history)
        elif self.saver.settled:  # nothing to write again: the writable open is the save that succeeded
            self._on_saving_again()
        if self._closed:
            return
        self.history_attached.emit(history)
        if self._prewarm_wanted:
            self.prewarm()
        if self._window_wanted:
            self.open_history()

    def close(self) -> None:
        """At exit: finish opening, save everything queued, and stop every thread (joined)."""
        self._closed = True
        if self._opener is not None:
            opened = self._opener.wait()
            if isinstance(opened, OpenResult):
                self._adopt(opened.history)  # a session started while it opened is saved now
        last_try = []  # what failed, written once more (space may have been freed since)
        if self.history is not None and not self.history.read_only:
            self.saver.take_outcomes()
            last_try = self.saver.retry()
        if self.history_window is not None:
            self.history_window.wait_for_worker()
        if self.prewarm_thread is not None:
            self.prewarm_thread.join()
        for history in (*self._retired, self.history):
            if history is not None:
                history.close()
        # Closing the history waited for its writes; their outcomes would reach the GUI thread too late.
        lost = self.saver.unsaved + sum(1 for future in last_try if future.exception() is not None)
        if lost:
            log.warning("history: %d writes could not be saved and are lost", lost)

    # -- not saving: the bar and Retry --------------------------------------------------------------------------

    def _tell_not_saving(self, history: History) -> None:
        message = history.not_saving_message
        if message is not None:
            self._not_saving(message)

    def _not_saving(self, text: str) -> None:
        self.bar.show_problem(f"{text} {KEPT_UNTIL_RETRY}")

    @Slot(str)
    def _on_write_failed(self, error: str) -> None:
        reason = error.removeprefix("Not saved: ")
        self._not_saving(f"Workouts are not being saved: {reason}")

    @Slot()
    def _on_saving_again(self) -> None:
        if self.bar.text:
            self.bar.clear()
            self.window.show_message(SAVING_AGAIN_MESSAGE)

    @Slot()
    def retry(self) -> None:
        """Write again what failed; first re-open the history (in a thread) if it could not save at all."""
        if self._closed or self._opener is not None:
            return  # an open is under way: its outcome updates the bar
        history = self.history
        if history is not None and not history.read_only:
            if not self.saver.retry() and self.saver.settled:
                self._on_saving_again()
            return
        reopen = self._open_history
        if reopen is None and history is not None:
            data_dir, now = history.path.parent, self._now
            reopen = self._open_history = lambda: History.open(data_dir, now=now)
        if reopen is None:
            self.bar.show_problem(self.bar.text)  # nothing to re-open with: the bar stays, Retry works again
            return
        self._start_opening(reopen)

    @property
    def session_id(self) -> int | None:
        """The running session's id once its start is saved."""
        return self.saver.session_id

    def completed_sessions(self, routine: Routine) -> int:
        """Sessions that count toward the routine's progression: completed with its dosage as it is now."""
        if routine.progression is None or self.history is None:
            return 0
        try:
            return self.history.completed_with_dose(routine.id, fingerprints(routine)[1])
        except Exception:  # a damaged or closed file: the holds as written rather than a wrong growth
            log.exception("history: counting a routine's sessions failed")
            return 0

    # -- figures for reminders ------------------------------------------------------------------------------

    def completed_this_week(self) -> int | None:
        """Sessions counted toward the goal this local ISO week (core.stats.counts_toward_goal, as every view
        counts them); None when the history cannot be read (yet)."""
        if self.history is None:
            return None
        try:
            week = weekly_stats(self.history.summaries(), 1, self._today(), self._tz, 1)
        except Exception:  # a damaged or closed file: no nudge rather than a wrong one
            log.exception("history: counting this week's sessions failed")
            return None
        return week[0].sessions

    @Slot()
    def _fill_end_screen(self) -> None:
        """A session's end (or its check-in) is on disk: the end screen adds this week, the streak and the
        tightness change, as the history now counts them."""
        if self.history is None or self.window.end_summary is None:
            return
        try:
            summaries = self.history.summaries()
            week = week_standing(summaries, self._today(), self._tz, self.window.app_settings.weekly_goal)
            tightness = tightness_change(summaries)
        except Exception:  # a damaged or closed file: the summary keeps what the window knows itself
            log.exception("history: reading the figures for the end screen failed")
            return
        self.window.show_end_details(week, tightness)
        self.window.refresh_progression()  # a completed session may have grown a routine's holds

    # -- the history window -------------------------------------------------------------------------------

    @Slot()
    def prewarm(self) -> None:
        """While the app sits idle after start-up, in a thread: import the chart module (pyqtgraph and numpy,
        ≈0.5 s; on the GUI thread that was a stall of the same length) so the first history window opens
        quickly, and fill the History's summaries cache that the weekly nudge counts from. No window or
        pixmap is made at import, so the thread is safe; a window opened meanwhile waits on the import lock."""
        if self.window.session_active or self.prewarm_thread is not None:
            return  # never during a workout; the window then aggregates when opened
        if self.history is None:
            self._prewarm_wanted = True  # when it is open
            return
        history = self.history
        self.prewarm_thread = threading.Thread(
            target=self._prewarm, args=(history,), name="history-prewarm", daemon=True
        )
        self.prewarm_thread.start()

    @staticmethod
    def _prewarm(history: History) -> None:
        # The chart module (pyqtgraph, numpy) is imported here, in the thread: on the GUI thread it was a
        # 0.5 s stall.
        try:
            importlib.import_module("psoas_desktop.qt.history.window")
        except Exception:  # the window reports a broken install itself when it is opened
            log.exception("history: loading the chart module in the background failed")
        try:
            history.summaries()  # on a read-only connection of its own; cached inside History
        except Exception:  # a damaged file shows itself when the window opens; nothing to do here
            log.exception("history: aggregating in the background failed")

    @Slot()
    def open_history(self) -> None:
        if self.history is None:
            self._window_wanted = True  # shown when the history is open
            self.window.show_message(OPENING_MESSAGE)
            return
        if self.history_window is None:
            from psoas_desktop.qt.history.window import HistoryWindow

            catalog = self.window.catalog
            self.history_window = HistoryWindow(
                WindowReads(self.history),
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

    @Slot()
    def history_changed(self) -> None:
        """Sessions changed other than by this window's own saves (a merge from another computer): what a
        save refreshes is refreshed too, the history window and the routines' progression."""
        self._refresh_history_window()
        self.window.refresh_progression()

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
        history = self.history
        if history is None:
            self.window.show_message("Export failed: the history is still opening. Try again in a moment.")
            return False
        try:
            history.flush()  # what the user just did is in the file they asked for (milliseconds)
            text = export.render(export.collect(history), fmt)
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
        sessions = len(history.sessions())
        self.window.show_message(f"Exported {sessions} sessions to {path}.")
        return True
