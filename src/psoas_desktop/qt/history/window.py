"""The history window: weekly sessions against the goal, streaks, hold minutes, exercises, a calendar
heatmap, the tightness trend and a table of sessions — plus a printable weekly summary (PDF).

It imports pyqtgraph (through :mod:`.charts`), so the app imports this module lazily, the first time the
history window opens; nothing imported at start-up may import it.

The window never touches storage. It reads the history through a :class:`HistorySource` (any object with
``summaries()``, such as ``storage.history.History``) or, quicker over years of history, a
:class:`SnapshotSource` (``storage.history_reads.WindowReads``); the app wires them together and injects
the weekly goal, the local time zone and "today".

Reading and aggregating (:func:`~psoas_desktop.core.history_summary.summarize`) run in a worker thread;
opening is spread over event-loop turns and the worker starts once the window is laid out and painted, so
the GUI thread is never held for long (``benchmarks/bench_history_view.py`` measures it). The pages are
drawn when the result arrives; each page but the first is built the first time its tab is shown.

Sessions can be deleted from the Sessions tab, with Undo (:mod:`.deletion`), when the source can delete
(``core.history_view.SessionDeleter``); the device filter and each device's colour come with the snapshot's
devices. When the history changes underneath (a merge from another device), the app calls
:meth:`HistoryWindow.history_changed`.

Signals:
    ready(): emitted after each redraw (the first one, a range switch, a refresh, a goal change).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from psoas_desktop.core.history_summary import (
    WEEK_RANGES,
    HistoryData,
    HistorySource,
    SnapshotSource,
    status_sentence,
    streak_sentence,
    week_tooltip,
)
from psoas_desktop.core.history_view import HistoryView, SessionDeleter
from psoas_desktop.qt.history.deletion import SessionDeletion
from psoas_desktop.qt.history.device_filter import DeviceFilter
from psoas_desktop.qt.history.loader import HistoryLoader
from psoas_desktop.qt.history.pdf_summary import write_summary_pdf
from psoas_desktop.qt.history.tabs import HistoryTabs


class HistoryWindow(QWidget):
    """A top-level "History" window; see the module docstring.

    Signals:
        ready(): emitted after each redraw.
    """

    ready = Signal()

    def __init__(  # noqa: PLR0917 — the agreed signature: five collaborators, then Qt's parent
        self,
        source: HistorySource | SnapshotSource,
        exercise_names: Mapping[str, str],
        goal: int,
        tz: tzinfo,
        today: Callable[[], date],
        parent: QWidget | None = None,
        *,
        routine_names: Mapping[str, str] | None = None,
        weeks: int = 12,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """``now``: the aware time a deletion is stamped with (the system clock when not given)."""
        super().__init__(parent, Qt.WindowType.Window)
        if weeks not in WEEK_RANGES:
            raise ValueError(f"weeks must be one of {WEEK_RANGES}, not {weeks}")
        self.setWindowTitle("History")
        self.setAccessibleName("History")
        self._goal = goal
        self._tz = tz
        self._today = today
        self._weeks = weeks
        self._exercise_names = exercise_names
        self._routine_names: Mapping[str, str] = routine_names or {}
        self._data: HistoryData | None = None
        self.loader = HistoryLoader(source, tz, self)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.failed.connect(self._on_failed)
        self.tabs = HistoryTabs(goal, tz, exercise_names, self._routine_names)
        self.weeks_page = self.tabs.weeks_page
        self.table_model = self.tabs.table_model
        deleter = source if isinstance(source, SessionDeleter) else None
        self.deletion = SessionDeletion(self.tabs.table, self.table_model, deleter, now or _system_now, self)
        self.deletion.changed.connect(self._start_job)
        self.deletion.written.connect(self.history_changed)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_controls())
        layout.addWidget(self.deletion.bar)
        layout.addWidget(self.tabs, 1)
        self.resize(980, 700)
        # Opening is spread over event-loop turns, so that no turn keeps the GUI busy for long: the
        # constructor builds the frame; each chart of the Weeks tab (≈15 ms) is built in a turn of its own;
        # then the window is laid out and painted, and only then does the worker start reading.
        # While a Python worker runs, every call the GUI thread makes into Python (every event for a
        # PySide widget, every pyqtgraph paint) first waits for the GIL, up to the 5 ms switch interval each.
        QTimer.singleShot(0, self, self._continue_opening)

    # ---- opening, step by step -----------------------------------------------------------------------

    @Slot()
    def _continue_opening(self) -> None:
        if self.weeks_page.build_next():
            QTimer.singleShot(0, self, self._continue_opening)
            return
        # Leave the GUI thread nothing to do while the worker holds the GIL: deliver what is queued (the
        # layout requests) and paint, now.
        QCoreApplication.sendPostedEvents()
        if self.isVisible():
            self.repaint()
        if not self.loader.requested:  # unless refresh() or set_weeks() was called meanwhile
            self.refresh()

    def _build_controls(self) -> QVBoxLayout:
        self.range_combo = QComboBox()
        for weeks in WEEK_RANGES:
            self.range_combo.addItem(f"Last {weeks} weeks", weeks)
        self.range_combo.setCurrentIndex(WEEK_RANGES.index(self._weeks))
        self.range_combo.setAccessibleName("Range")
        self.range_combo.currentIndexChanged.connect(self._on_range_chosen)
        range_label = QLabel("&Range")
        range_label.setBuddy(self.range_combo)
        self.device_filter = DeviceFilter()
        self.device_filter.currentIndexChanged.connect(self._start_job)
        device_label = QLabel("De&vices")
        device_label.setBuddy(self.device_filter)
        self.streak_label = QLabel("")
        self.streak_label.setAccessibleName("Streaks")
        self.streak_label.setToolTip("Weeks in a row that met your weekly goal")
        self.status_label = QLabel("Loading…")
        self.status_label.setAccessibleName("Status")
        self.pdf_button = QPushButton("Save weekly summary (&PDF)…")
        self.pdf_button.setAccessibleName("Save weekly summary as PDF")
        self.pdf_button.clicked.connect(self._on_save_pdf)
        # Two rows: with the device filter, one row of everything no longer fitted the window's 980 px.
        choices = QHBoxLayout()
        for widget in (range_label, self.range_combo, device_label, self.device_filter):
            choices.addWidget(widget)
        choices.insertSpacing(2, 16)
        choices.addStretch(1)
        choices.addWidget(self.pdf_button)
        figures = QHBoxLayout()
        figures.addWidget(self.streak_label, 1)
        figures.addWidget(self.status_label)
        controls = QVBoxLayout()
        controls.addLayout(choices)
        controls.addLayout(figures)
        return controls

    def event(self, event: QEvent) -> bool:
        """Escape is this window's own, not the main window's application-wide "leave mat mode": claiming
        it in its shortcut override lets the key press reach :meth:`keyPressEvent`."""
        if event.type() == QEvent.Type.ShortcutOverride and _is_plain_escape(event):
            event.accept()
            return True
        return super().event(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing ends Undo: the deletions held back are written now (see :mod:`.deletion`)."""
        self.deletion.write_pending()
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape closes the window, as it does a dialog (a child that uses Escape, like an open list, keeps it)."""
        if _is_plain_escape(event):
            self.close()
            return
        super().keyPressEvent(event)

    # ---- public API ----------------------------------------------------------------------------------

    @property
    def weeks(self) -> int:
        return self._weeks

    @Slot()
    def refresh(self) -> None:
        """Reread the source (in the worker) and redraw; ``ready`` follows."""
        self.loader.forget()
        self._start_job()

    @Slot()
    def history_changed(self) -> None:
        """The history changed underneath (a merge from another device, an import, a deletion written):
        reread now if the window is shown, else when it is next refreshed (opening it again refreshes)."""
        if self.isVisible():
            self.refresh()
        else:
            self.loader.forget()

    def write_pending_deletions(self) -> None:
        """Write the deletions Undo could still bring back (the app calls it when it quits, before it closes
        the history: the window may never get a close event then)."""
        self.deletion.write_pending()

    def set_weeks(self, weeks: int) -> None:
        """Show the last 12, 26 or 52 weeks (reread only if the range needs older sessions); ``ready`` follows."""
        if weeks not in WEEK_RANGES:
            raise ValueError(f"weeks must be one of {WEEK_RANGES}, not {weeks}")
        self._weeks = weeks
        if self.range_combo.currentData() != weeks:
            self.range_combo.blockSignals(True)
            self.range_combo.setCurrentIndex(WEEK_RANGES.index(weeks))
            self.range_combo.blockSignals(False)
        self._start_job()

    @Slot(int)
    def _on_range_chosen(self, index: int) -> None:
        self.set_weeks(WEEK_RANGES[index])

    def set_goal(self, goal: int) -> None:
        """The weekly goal changed in the settings; ``ready`` follows."""
        self._goal = goal
        self._start_job()

    def week_bars(self) -> list[tuple[date, int, bool]]:
        """(week start, sessions counted toward the goal, goal met) per drawn bar, oldest first."""
        return (
            [] if self._data is None else [(w.week_start, w.sessions, w.goal_met) for w in self._data.weeks]
        )

    def goal_line_value(self) -> float:
        return self.weeks_page.goal_line_value()

    def streak_text(self) -> str:
        return self.streak_label.text()

    def hold_minutes_data(self) -> list[tuple[date, float]]:
        return [] if self._data is None else [(w.week_start, w.hold_minutes) for w in self._data.weeks]

    def exercise_minutes_data(self) -> list[tuple[str, float]]:
        """(exercise name, minutes) in the range, most first, as drawn."""
        if self._data is None:
            return []
        return [(self._exercise_names.get(ex, ex), minutes) for ex, minutes in self._data.breakdown]

    def tightness_data(self) -> list[tuple[date, float | None, float | None]]:
        """(day, mean left, mean right) for the days with a rating in the range, oldest first."""
        return [] if self._data is None else list(self._data.tightness)

    def heatmap_counts(self) -> dict[date, int]:
        """Every day of the heatmap (the range's weeks up to today) → shown sessions started that day."""
        return {} if self._data is None else dict(self._data.daily)

    def table_row_count(self) -> int:
        return self.table_model.rowCount()

    def bar_tooltip(self, index: int) -> str:
        return "" if self._data is None else week_tooltip(self._data.weeks[index], self._data.goal)

    # ---- loading and drawing ------------------------------------------------------------------------

    def _view(self) -> HistoryView:
        return HistoryView(self.device_filter.local_only, self.deletion.hidden)

    @Slot()
    def _start_job(self) -> None:
        self.status_label.setText("Loading…")
        self.loader.request(self._weeks, self._goal, self._today(), self._view())

    @Slot(object)
    def _on_loaded(self, data: HistoryData) -> None:
        self._data = data
        self.tabs.draw(data)
        self.device_filter.show_devices(data.devices)
        self.streak_label.setText(streak_sentence(data.current_streak, data.best_streak))
        self.status_label.setText(status_sentence(data))
        self.ready.emit()

    @Slot(object)
    def _on_failed(self, error: BaseException) -> None:
        self.status_label.setText("Could not load the history")
        raise error  # a bug: let the crash handler (sys.excepthook) report it with its traceback

    def wait_for_worker(self, msecs: int = -1) -> bool:
        """Blocks until a running aggregation finishes (for shutdown; the GUI should not call it)."""
        return self.loader.wait(msecs)

    # ---- the weekly summary (PDF) --------------------------------------------------------------------

    @classmethod
    def ask_pdf_path(
        cls, parent: QWidget | None, suggested_name: str = "psoas-weekly-summary.pdf"
    ) -> Path | None:
        """The save dialog (the seam tests replace); None when cancelled."""
        name, _ = QFileDialog.getSaveFileName(
            parent, "Save weekly summary", str(Path.home() / suggested_name), "PDF files (*.pdf)"
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(path.suffix + ".pdf")

    @Slot()
    def _on_save_pdf(self) -> None:
        path = type(self).ask_pdf_path(self, f"psoas-weekly-summary-{self._today().isoformat()}.pdf")
        if path is None:
            return
        try:
            self.export_pdf(path)
        except OSError as error:
            self.status_label.setText(f"Could not save the summary: {error}")
        else:
            self.status_label.setText(f"Saved {path.name}")

    def export_pdf(self, path: Path) -> None:
        """Writes a one-page A4 summary: weekly bars with the goal, the streaks and this week's sessions.

        Uses the data on screen; before the first result arrives it reads and aggregates synchronously.
        Raises OSError when the file cannot be written.
        """
        data = self._data or self.loader.compute_now(self._weeks, self._goal, self._today(), self._view())
        write_summary_pdf(path, data, self._tz, self._routine_names)


def _system_now() -> datetime:
    return datetime.now(UTC)


def _is_plain_escape(event: QEvent) -> bool:
    return (
        isinstance(event, QKeyEvent)
        and event.key() == Qt.Key.Key_Escape
        and event.modifiers() == Qt.KeyboardModifier.NoModifier
    )


__all__ = ["HistoryWindow"]
