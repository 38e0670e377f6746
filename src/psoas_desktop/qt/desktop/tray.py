"""The tray icon, where the desktop has a tray: the session's state at a glance, the remaining time in the
tooltip, a menu to start, pause, show and quit, and the channel for reminders (notifications). While
workouts are not being saved the icon carries a warning mark and the tooltip says why.

Without a tray (some desktops, offscreen tests) `available` is False and the app simply has no icon.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from psoas_desktop.core.engine import EngineState, Snapshot
from psoas_desktop.core.formatting import format_clock, whole_seconds_up

ICON_SIZE = 64


class TrayState(Enum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"


# Okabe–Ito colours as in the countdown; the shapes differ too, so the state reads without colour.
_STATE_COLOURS = {TrayState.IDLE: "#8A9299", TrayState.RUNNING: "#0072B2", TrayState.PAUSED: "#E69F00"}
_WARNING_COLOUR = "#D55E00"  # Okabe–Ito vermillion: the "not saving" mark


def state_icon(state: TrayState, progress: float = 0.0, *, not_saving: bool = False) -> QIcon:
    """A ring: grey and empty when idle; blue, emptying with the phase, when running; amber with pause
    bars when paused. `not_saving` adds a vermillion disc with a white "!" in the lower right corner."""
    pixmap = QPixmap(ICON_SIZE, ICON_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(_STATE_COLOURS[state])
    ring = QRectF(8, 8, ICON_SIZE - 16, ICON_SIZE - 16)
    painter.setPen(QPen(QColor(colour.red(), colour.green(), colour.blue(), 90), 8))
    painter.drawEllipse(ring)
    painter.setPen(QPen(colour, 8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    if state is TrayState.RUNNING:
        span = max(0.0, min(1.0, 1.0 - progress)) * 360 * 16
        painter.drawArc(ring, 90 * 16, int(span))
    elif state is TrayState.PAUSED:
        painter.drawArc(ring, 0, 360 * 16)
        painter.setPen(QPen(colour, 7, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        for x in (26.0, 38.0):
            painter.drawLine(QPointF(x, 23), QPointF(x, 41))
    if not_saving:
        _draw_warning_mark(painter)
    painter.end()
    return QIcon(pixmap)


def _draw_warning_mark(painter: QPainter) -> None:
    painter.setPen(QPen(QColor("#FFFFFF"), 3))
    painter.setBrush(QColor(_WARNING_COLOUR))
    painter.drawEllipse(QRectF(34, 34, 29, 29))
    painter.setPen(QPen(QColor("#FFFFFF"), 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    painter.drawLine(QPointF(48.5, 41), QPointF(48.5, 50))
    painter.drawPoint(QPointF(48.5, 57))


def tooltip_for(snapshot: Snapshot | None, exercise_name: str = "") -> str:
    if snapshot is None or snapshot.phase is None or snapshot.state in (EngineState.IDLE,):
        return "Psoas Desktop — ready"
    if snapshot.state is EngineState.COMPLETED:
        return "Psoas Desktop — session complete"
    if snapshot.state is EngineState.STOPPED:
        return "Psoas Desktop — session stopped"
    remaining = format_clock(whole_seconds_up(snapshot.remaining))
    session = format_clock(whole_seconds_up(snapshot.session_remaining))
    paused = " (paused)" if snapshot.state is EngineState.PAUSED else ""
    name = f"{exercise_name}: " if exercise_name else ""
    return f"Psoas Desktop — {name}{snapshot.phase.label} {remaining}{paused} · session {session} left"


class Tray(QObject):
    """Signals: start_requested(str routine id), toggle_requested(), show_requested(), quit_requested(),
    notification_clicked()."""

    start_requested = Signal(str)
    toggle_requested = Signal()
    show_requested = Signal()
    quit_requested = Signal()
    notification_clicked = Signal()

    def __init__(
        self, routines: Sequence[tuple[str, str]], parent: QObject | None = None, *, force: bool = False
    ) -> None:
        """`routines`: (id, name) pairs for the Start menu. `force` builds the icon without a tray (tests)."""
        super().__init__(parent)
        self.available = force or QSystemTrayIcon.isSystemTrayAvailable()
        self.state = TrayState.IDLE
        self.not_saving = ""  # why workouts are not being saved; "" while they are
        self._status = tooltip_for(None)  # the session's part of the tooltip
        self._step = -1  # the running ring's last drawn step (of 12)
        self.icon: QSystemTrayIcon | None = None
        self.menu = QMenu()
        self.menu.setAccessibleName("Psoas Desktop tray menu")
        start_menu = self.menu.addMenu("&Start a routine")
        self.start_actions: dict[str, QAction] = {}
        for routine_id, name in routines:
            action = start_menu.addAction(name)
            action.triggered.connect(lambda _checked=False, rid=routine_id: self.start_requested.emit(rid))
            self.start_actions[routine_id] = action
        self.toggle_action = self.menu.addAction("&Pause")
        self.toggle_action.triggered.connect(self.toggle_requested.emit)
        self.toggle_action.setEnabled(False)
        self.show_action = self.menu.addAction("Show &window")
        self.show_action.triggered.connect(self.show_requested.emit)
        self.menu.addSeparator()
        self.extra_separator = self.menu.addSeparator()
        self.quit_action = self.menu.addAction("&Quit")
        self.quit_action.triggered.connect(self.quit_requested.emit)
        if self.available:
            self.icon = QSystemTrayIcon(state_icon(TrayState.IDLE), self)
            self.icon.setToolTip(tooltip_for(None))
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._on_activated)
            self.icon.messageClicked.connect(self.notification_clicked.emit)

    def show(self) -> None:
        if self.icon is not None:
            self.icon.show()

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()

    def add_action(self, action: QAction) -> None:
        """An app-specific entry (e.g. snoozing reminders) above Quit."""
        self.menu.insertAction(self.extra_separator, action)

    def tooltip(self) -> str:
        return self.icon.toolTip() if self.icon is not None else ""

    def show_not_saving(self, text: str) -> None:
        """Mark the icon and say `text` in the tooltip while workouts are not being saved ("": they are)."""
        if text == self.not_saving:
            return
        self.not_saving = text
        if self.icon is not None:
            self.icon.setIcon(state_icon(self.state, max(self._step, 0) / 12, not_saving=bool(text)))
            self.icon.setToolTip(self._tooltip())

    def _tooltip(self) -> str:
        return f"{self._status}\n⚠ {self.not_saving}" if self.not_saving else self._status

    def show_snapshot(self, snapshot: Snapshot, exercise_name: str = "") -> None:
        state = {EngineState.RUNNING: TrayState.RUNNING, EngineState.PAUSED: TrayState.PAUSED}.get(
            snapshot.state, TrayState.IDLE
        )
        self.toggle_action.setEnabled(state is not TrayState.IDLE)
        self.toggle_action.setText("&Resume" if state is TrayState.PAUSED else "&Pause")
        for action in self.start_actions.values():
            action.setEnabled(state is TrayState.IDLE)
        if self.icon is None:
            self.state = state
            return
        # The ring moves in whole steps: redrawing the icon at every display tick would be wasted work.
        step = round(snapshot.phase_progress * 12)
        if state is not self.state or (state is TrayState.RUNNING and step != self._step):
            self.icon.setIcon(state_icon(state, step / 12, not_saving=bool(self.not_saving)))
            self._step = step
        self.state = state
        self._status = tooltip_for(snapshot, exercise_name)
        self.icon.setToolTip(self._tooltip())

    def notify(self, title: str, text: str) -> bool:
        """A desktop notification from the tray (never takes the keyboard focus). False without a tray."""
        if self.icon is None or not QSystemTrayIcon.supportsMessages():
            return False
        self.icon.showMessage(title, text, state_icon(TrayState.IDLE), 15_000)
        return True

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_requested.emit()
