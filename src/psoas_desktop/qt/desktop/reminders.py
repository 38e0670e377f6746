"""Reminders on the desktop: a coarse timer that asks core.reminders what is due, and a small reminder
window for desktops without notifications, shown without taking the keyboard focus."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from psoas_desktop.core.clock import Clock
from psoas_desktop.core.reminders import (
    SNOOZE_MINUTES,
    BreakReminder,
    HeldBack,
    iso_week_key,
    nudge_due,
    nudge_text,
)
from psoas_desktop.core.settings import ReminderSettings

log = logging.getLogger(__name__)

CHECK_INTERVAL_MS = 30_000  # reminders are about minutes: a check every 30 s is plenty and costs nothing
HELD_CHECK_INTERVAL_MS = 5_000  # a reminder held back by the desktop shows soon after the quiet ends


class ReminderScheduler(QObject):
    """Signals: break_due(int minutes sat), nudge_due(str text)."""

    break_due = Signal(int)
    nudge_due = Signal(str)

    def __init__(
        self,
        clock: Clock,
        *,
        settings: Callable[[], tuple[ReminderSettings, int]],
        session_active: Callable[[], bool],
        completed_this_week: Callable[[], int | None],
        last_nudged_week: Callable[[], str],
        remember_nudged_week: Callable[[str], None],
        desktop_quiet: Callable[[], HeldBack | None] = lambda: None,
        parent: QObject | None = None,
    ) -> None:
        """`settings` gives (reminder settings, weekly goal) at each check; `completed_this_week` None when
        the history cannot say (then no nudge); `desktop_quiet` says why a due reminder must wait now (Do
        Not Disturb, a full-screen window), asked only when one is due."""
        super().__init__(parent)
        self._clock = clock
        self._settings = settings
        self._session_active = session_active
        self._completed_this_week = completed_this_week
        self._last_nudged_week = last_nudged_week
        self._remember_nudged_week = remember_nudged_week
        self._desktop_quiet = desktop_quiet
        self.held_back: HeldBack | None = None
        self.breaks = BreakReminder(clock.monotonic())
        self._timer = QTimer(self)
        self._timer.setObjectName("reminder-check")
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.check)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def moved(self) -> None:
        """A workout ran: sitting time starts again."""
        self.breaks.moved(self._clock.monotonic())

    @Slot()
    def snooze(self) -> None:
        self.breaks.snooze(self._clock.monotonic(), SNOOZE_MINUTES)

    @Slot()
    def check(self) -> None:
        try:
            self._check()
        except Exception:  # a reminder must never take the app down
            log.exception("reminder check failed")

    @property
    def check_interval_ms(self) -> int:
        return self._timer.interval()

    def _check(self) -> None:
        settings, goal = self._settings()
        now, local = self._clock.monotonic(), self._clock.now()
        break_due = self.breaks.due(now, local, settings, self._session_active())
        nudge: str | None = None
        if settings.weekly_nudge and not self._session_active():
            completed = self._completed_this_week()
            if completed is not None and nudge_due(
                local, completed, goal, settings, self._last_nudged_week()
            ):
                nudge = nudge_text(completed, goal)
        if not break_due and nudge is None:
            self._hold(None)
            return
        # Nothing is marked as reminded while held: the next check after the quiet ends finds it still due.
        held_back = self._quiet_now()
        self._hold(held_back)
        if held_back is not None:
            return
        if break_due:
            sat = round((now - self.breaks.sitting_since) / 60)
            self.breaks.reminded(now)
            self.break_due.emit(sat)
        if nudge is not None:
            self._remember_nudged_week(iso_week_key(local))
            self.nudge_due.emit(nudge)

    def _quiet_now(self) -> HeldBack | None:
        try:
            return self._desktop_quiet()
        except Exception:  # a probe that fails must not silence reminders for good
            log.exception("could not ask the desktop whether to stay quiet")
            return None

    def _hold(self, held_back: HeldBack | None) -> None:
        """Checks come often while a reminder waits, so it shows soon after the quiet ends."""
        if held_back != self.held_back:
            if held_back is not None:
                log.info("reminder waits: %s", held_back.value)
            else:
                log.info("reminder no longer held back")
        self.held_back = held_back
        self._timer.setInterval(CHECK_INTERVAL_MS if held_back is None else HELD_CHECK_INTERVAL_MS)


class ReminderPopup(QWidget):
    """A small always-on-top note in the screen corner. It never takes the focus: typing elsewhere goes on
    undisturbed. Signals: start_clicked(), snooze_clicked()."""

    start_clicked = Signal()
    snooze_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setWindowTitle("Psoas Desktop reminder")
        self.setAccessibleName("Reminder")
        self.title_label = QLabel()
        self.title_label.setStyleSheet("font-weight: bold;")
        self.text_label = QLabel()
        self.text_label.setWordWrap(True)
        self.start_button = QPushButton("Start quick stretch")
        self.start_button.setAccessibleName("Start quick stretch")
        self.snooze_button = QPushButton(f"Snooze {SNOOZE_MINUTES} min")
        self.snooze_button.setAccessibleName("Snooze the break reminder")
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName("Dismiss the reminder")
        for button in (self.start_button, self.snooze_button, self.dismiss_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.start_button.clicked.connect(self._start)
        self.snooze_button.clicked.connect(self._snooze)
        self.dismiss_button.clicked.connect(self.hide)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.snooze_button, self.dismiss_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.text_label)
        layout.addLayout(buttons)
        self.setFixedWidth(380)

    def show_reminder(self, title: str, text: str, *, can_snooze: bool) -> None:
        self.title_label.setText(title)
        self.text_label.setText(text)
        self.snooze_button.setVisible(can_snooze)
        self.adjustSize()
        screen = self.screen().availableGeometry()
        self.move(screen.right() - self.width() - 24, screen.bottom() - self.height() - 24)
        self.show()

    def _start(self) -> None:
        self.hide()
        self.start_clicked.emit()

    def _snooze(self) -> None:
        self.hide()
        self.snooze_clicked.emit()
