"""The app between workouts: the tray icon, reminders, and closing to the tray.

Reminders go out as tray notifications where the desktop shows them, otherwise as a small reminder
window; neither takes the keyboard focus. Choosing a reminder's "start" runs the quick stretch.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction

from psoas_desktop.core.engine import Snapshot
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.reminders import SNOOZE_MINUTES, HeldBack
from psoas_desktop.qt.desktop.reminders import ReminderPopup, ReminderScheduler
from psoas_desktop.qt.desktop.tray import Tray
from psoas_desktop.qt.session.main_window import MainWindow

BREAK_ROUTINE = "quick-stretch"
LAST_NUDGED_KEY = "reminders/last_nudged_week"


class DesktopShell(QObject):
    def __init__(
        self,
        window: MainWindow,
        *,
        completed_this_week: Callable[[], int | None],
        desktop_quiet: Callable[[], HeldBack | None] = lambda: None,
        force_tray: bool = False,
    ) -> None:
        """`desktop_quiet` (qt.desktop.quiet_desktop) says why a due reminder waits: Do Not Disturb, a
        full-screen window."""
        super().__init__(window)
        self.window = window
        catalog = window.catalog
        self.tray = Tray([(r.id, r.name) for r in catalog.routines], self, force=force_tray)
        self._exercise_names = {exercise.id: exercise.name for exercise in catalog.exercises}
        self.scheduler = ReminderScheduler(
            window.clock,
            settings=lambda: (window.app_settings.reminders, window.app_settings.weekly_goal),
            session_active=lambda: window.session_active,
            completed_this_week=completed_this_week,
            last_nudged_week=lambda: window.store.get_text(LAST_NUDGED_KEY),
            remember_nudged_week=lambda week: window.store.set_text(LAST_NUDGED_KEY, week),
            desktop_quiet=desktop_quiet,
            parent=self,
        )
        self.popup = ReminderPopup()
        self._clicked_starts_break = False
        self.snooze_action = QAction(f"Snooze the break reminder ({SNOOZE_MINUTES} min)", self)
        self.snooze_action.triggered.connect(self.scheduler.snooze)
        self.tray.add_action(self.snooze_action)

        self.tray.start_requested.connect(self.start_routine)
        self.tray.toggle_requested.connect(window.toggle)
        self.tray.show_requested.connect(self.show_window)
        self.tray.quit_requested.connect(window.quit_app)
        self.tray.notification_clicked.connect(self._notification_clicked)
        self.popup.start_clicked.connect(lambda: self.start_routine(BREAK_ROUTINE))
        self.popup.snooze_clicked.connect(self.scheduler.snooze)
        self.scheduler.break_due.connect(self._remind_break)
        self.scheduler.nudge_due.connect(self._nudge)
        window.ticker.snapshot_changed.connect(self._on_snapshot)
        # The tray comes up after the history has had its say: take the bar's state now, then follow it.
        self.tray.show_not_saving(window.save_warning.text)
        window.save_warning.changed.connect(self.tray.show_not_saving)
        window.session_ended.connect(lambda _status: self.scheduler.moved())
        window.tray_available = self.tray.available
        window.closed_to_tray.connect(self._closed_to_tray)

    def start(self) -> None:
        self.tray.show()
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.stop()
        self.popup.close()
        self.tray.hide()

    @Slot(object)
    def _on_snapshot(self, snapshot: Snapshot) -> None:
        phase = snapshot.phase
        self.tray.show_snapshot(snapshot, self._exercise_names.get(phase.exercise, "") if phase else "")

    @Slot()
    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    @Slot(str)
    def start_routine(self, routine_id: str) -> None:
        """The user chose to start (tray menu, reminder): bring the window and run the routine."""
        self.show_window()
        if self.window.session_active:
            self.window.show_message("A session is already running.")
            return
        try:
            self.window.start_session(routine_id)
        except KnownError as error:
            self.window.show_message(str(error))

    def _remind(self, title: str, text: str, *, break_reminder: bool) -> None:
        self._clicked_starts_break = break_reminder
        hint = " Click here to start the quick stretch." if break_reminder else ""
        if not self.tray.notify(title, text + hint):
            self.popup.show_reminder(title, text, can_snooze=break_reminder)

    @Slot(int)
    def _remind_break(self, minutes: int) -> None:
        self._remind(
            "Time to stand up",
            f"You have been sitting for about {minutes} minutes. "
            "Two minutes of kneeling psoas stretch undo some of it.",
            break_reminder=True,
        )

    @Slot(str)
    def _nudge(self, text: str) -> None:
        self._remind("Your weekly goal", text, break_reminder=False)

    @Slot()
    def _notification_clicked(self) -> None:
        if self._clicked_starts_break:
            self.start_routine(BREAK_ROUTINE)
        else:
            self.show_window()

    @Slot()
    def _closed_to_tray(self) -> None:
        self.tray.notify("Psoas Desktop is still running", "It is in the tray; Quit from its menu ends it.")
