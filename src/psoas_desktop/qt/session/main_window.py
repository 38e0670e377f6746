"""The main window: routine list, countdown with controls, step-by-step pane; menus, shortcuts, extra views.

Time flows one way: the ticker polls the engine and hands snapshots here; this window only routes them to
the views (countdown, instruction pane, mat and compact windows) and turns keys into engine intents.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QPaintEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from psoas_desktop.core.catalog import Catalog, Routine
from psoas_desktop.core.clock import Clock
from psoas_desktop.core.engine import (
    EngineState,
    HoldRecord,
    PhaseStatus,
    SessionEngine,
    Snapshot,
    Transition,
)
from psoas_desktop.core.errors import KnownError
from psoas_desktop.core.plan import build_timeline
from psoas_desktop.core.progression import ProgressionState, hold_growth, progressed_timeline
from psoas_desktop.core.routine_file import fingerprints
from psoas_desktop.core.session_end import SessionEnd, TightnessChange, WeekStanding, session_end
from psoas_desktop.core.settings import AppSettings, Level, Settings
from psoas_desktop.qt.session.countdown import CountdownWidget
from psoas_desktop.qt.session.exercise_follower import ExerciseFollower
from psoas_desktop.qt.session.exercise_list import ExerciseListPanel
from psoas_desktop.qt.session.extra_views import CountdownWindow, ExtraViews
from psoas_desktop.qt.session.focus_return import FocusReturn
from psoas_desktop.qt.session.instructions import InstructionPane
from psoas_desktop.qt.session.message_bars import NoticeBar, SaveWarningBar, stacked_above
from psoas_desktop.qt.session.routine_access import Routines
from psoas_desktop.qt.session.routine_actions import RoutineActions
from psoas_desktop.qt.session.ticker import Ticker
from psoas_desktop.qt.session.window_actions import WindowActions
from psoas_desktop.qt.session.window_layout import fit_to_size, restore_geometry, restore_panes, save_layout
from psoas_desktop.qt.settings.store import SettingsStore

if TYPE_CHECKING:  # the player module is imported after the first paint, not on the start-up path
    from psoas_desktop.qt.sound.cue_player import CuePlayer

# The dialogs (psoas_desktop.qt.session.dialogs, psoas_desktop.qt.settings.dialog) are imported where they open:
# none is on screen at start-up, and their Qt classes' enums cost start-up time on CPython 3.11.

WELCOME_SEEN_KEY = "app/welcome_seen"


@dataclass(frozen=True)
class SessionInfo:
    routine: str
    level: str
    started: datetime
    per_side: bool
    routine_name: str = ""
    fingerprints: tuple[str, str] | None = None
    """The routine's (content, dosage) fingerprints as it runs: history keeps them with the session."""


class MainWindow(QMainWindow):
    """Signals:
    session_started(SessionInfo): a session began.
    hold_recorded(HoldRecord): a hold/pause/bout ended (completed, skipped, interrupted, stopped...).
    session_ended(str): the session completed or stopped ("completed" / "stopped").
    settings_changed(AppSettings): the user saved new settings.
    first_painted(): the window has been painted once, or will not be soon (see announce_first_paint); the
        app then loads what start-up can do without.
    closed_to_tray(): the window was closed while "close to the tray" is on; the app keeps running.
    history_requested(): the user asked for the history window.
    export_requested(): the user asked to export the history.
    """

    session_started = Signal(object)
    hold_recorded = Signal(object)
    session_ended = Signal(str)
    settings_changed = Signal(object)
    first_painted = Signal()
    closed_to_tray = Signal()
    history_requested = Signal()
    export_requested = Signal()

    def __init__(
        self,
        catalog: Catalog,
        store: SettingsStore,
        settings: AppSettings,
        clock: Clock,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.store = store
        self.app_settings = settings
        self.level_override: Level | None = None
        self.clock = clock
        self.ticker = Ticker(clock, parent=self)
        self.session_records: list[HoldRecord] = []
        self.extra_views = ExtraViews(self)
        self.extra_views.opened.connect(self._fill_extra_view)
        self.extra_views.mat_closed.connect(self.activateWindow)
        self.on_theme_changed: Callable[[str], None] | None = None
        self.closing = False  # set while the window closes: no questions (check-in) then
        self.quitting = False  # Quit was chosen: closing the window ends the app even with a tray
        self.told_to_quit = False  # a signal (logout, kill): quit without a question, the session interrupted
        self.tray_available = False  # set by the desktop shell when the desktop has a tray
        self.cue_player: CuePlayer | None = None
        self._ended_status: str | None = None
        self.end_summary: SessionEnd | None = None  # what the end screen shows, until Done
        self._painted = False
        self._fitting = False
        self._panes_restored = False
        # Completed sessions that count toward a routine's progression: the app asks its history (none here).
        self.completed_sessions: Callable[[Routine], int] = lambda _routine: 0
        self.progression: ProgressionState | None = None  # where the prepared routine's progression stands
        self.progression_counted = False  # the app has said how many sessions count (or that none can)
        self._start_when_counted: str | None = None
        # Why a sync folder cannot be used (the app checks it against the data folder), None when it can.
        self.sync_folder_problem: Callable[[str], str | None] = lambda _folder: None

        self.setWindowTitle("Psoas Desktop")
        self.setObjectName("MainWindow")
        self._build_views()
        self.follower = ExerciseFollower(
            catalog,
            self.instructions,
            self.exercise_list,
            self._countdowns,
            lambda: self.workout_settings.level,
        )
        self.routines: Routines | None = None  # the user's routines: set by the app (set_routines)
        self.routine_actions: RoutineActions = RoutineActions(self)
        self.menu_actions = WindowActions(self)
        self.routine_actions.refresh_enabled()
        self.setAcceptDrops(True)  # a routine file dropped here is imported (after a preview)
        self.focus_return = FocusReturn(self, self.start_button)  # after every dialog
        self.start_button.setFocus(Qt.FocusReason.OtherFocusReason)  # not the routine box: Space starts
        self.ticker.snapshot_changed.connect(self._on_snapshot)
        self.ticker.records_emitted.connect(self._on_records)
        self.ticker.transitions_emitted.connect(self._on_transitions)
        self.exercise_list.set_settings(self.workout_settings)  # first: the catalog's rows are planned once
        self.exercise_list.set_catalog(catalog)
        self._prepare_session()
        # Connected after the list is filled: filling it selects a routine, prepared once just above.
        self.exercise_list.exercise_selected.connect(lambda _row: self._prepare_session())
        self.exercise_list.routine_changed.connect(lambda _id: self._prepare_session())
        self.exercise_list.routine_changed.connect(lambda _id: self.routine_actions.refresh_enabled())
        self.exercise_list.exercise_activated.connect(self.start_from_row)
        self.exercise_list.level_chosen.connect(self.choose_level)
        restore_geometry(self, self.store)

    # -- construction -------------------------------------------------------------------------------------

    def _build_views(self) -> None:
        self.exercise_list = ExerciseListPanel(self)

        self.countdown = CountdownWidget(self)
        self.start_button = self._button("Start", "Start, pause or resume (Space)", self.toggle)
        self.back_button = self._button("◀ Back", "Back: restart this phase (Left or B)", self.ticker.back)
        self.skip_button = self._button("Skip ▶", "Skip to the next phase (Right or N)", self.ticker.skip)
        self.stop_button = self._button("■ Stop", "Stop the session (S)", self.request_stop)
        self.done_button = self._button("✓ Done", "Back to the start screen (D)", self.done)
        self.done_button.hide()  # on the end screen only
        self.mat_button = self._button("Mat mode", "Full-screen countdown (F11)", self.toggle_mat_mode)
        self.compact_button = self._button(
            "Compact", "Small always-on-top countdown (Ctrl+M)", self.toggle_compact
        )
        controls = QHBoxLayout()
        for button in (
            self.back_button,
            self.start_button,
            self.done_button,
            self.skip_button,
            self.stop_button,
        ):
            controls.addWidget(button)
        controls.addStretch(1)
        controls.addWidget(self.mat_button)
        controls.addWidget(self.compact_button)
        centre = QWidget(self)
        centre_layout = QVBoxLayout(centre)
        centre_layout.addWidget(self.countdown, 1)
        centre_layout.addLayout(controls)

        self.instructions = InstructionPane(self)
        # The timer and the steps side by side; under each other in a narrow window (see window_layout).
        self.content = QSplitter(Qt.Orientation.Horizontal, self)
        self.content.setObjectName("content")
        self.content.setChildrenCollapsible(False)
        self.content.addWidget(centre)
        self.content.addWidget(self.instructions)
        self.content.setSizes([520, 420])
        self.content.splitterMoved.connect(lambda _pos, _index: self._fit())
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.exercise_list)
        self.splitter.addWidget(self.content)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([260, 940])
        self.save_warning = SaveWarningBar(self)  # above everything: "not saving" must not scroll away
        self.notice = NoticeBar(self)
        self.setCentralWidget(stacked_above((self.save_warning, self.notice), self.splitter, self))
        self.statusBar().showMessage("Pick a routine and press Space to start.")

    def _button(self, text: str, description: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.strip("◀▶■ "))
        button.setAccessibleDescription(description)
        button.setToolTip(description)
        button.clicked.connect(slot)
        return button

    # -- settings -----------------------------------------------------------------------------------------

    @property
    def workout_settings(self) -> Settings:
        workout = self.app_settings.workout
        return workout.with_changes(level=self.level_override) if self.level_override else workout

    @Slot()
    def open_settings(self) -> None:
        from psoas_desktop.qt.settings.dialog import SettingsDialog

        chosen = SettingsDialog.ask(self.app_settings, self)
        if chosen is None:
            return
        problem = self.sync_folder_problem(chosen.sync_folder)
        if problem is not None:  # the other changes are kept; the folder stays what it was
            self.notice.show_notice(f"{problem} The sync folder was not changed.")
            chosen = chosen.with_changes(sync_folder=self.app_settings.sync_folder)
        self.apply_settings(chosen)

    @Slot(object)
    def choose_level(self, level: Level) -> None:
        """The level picked beside the routine: saved as the setting, as if chosen in Settings."""
        if level != self.workout_settings.level:
            workout = self.app_settings.workout.with_changes(level=level)
            self.apply_settings(self.app_settings.with_changes(workout=workout))

    def apply_settings(self, chosen: AppSettings) -> None:
        """Store new settings; a session in progress gets them from its next exercise."""
        theme_changed = chosen.theme != self.app_settings.theme
        self.app_settings = chosen
        self.level_override = None
        try:
            self.store.save(chosen)
        except KnownError as exc:
            self.show_message(str(exc))
        self.exercise_list.set_settings(self.workout_settings)
        self._prepare_session()
        engine = self.ticker.engine
        if engine is not None and engine.state in (EngineState.RUNNING, EngineState.PAUSED):
            routine = self.catalog.resolve(engine.timeline.routine)
            growth = hold_growth(routine.progression, self.progression)
            if engine.replace_upcoming_exercises(
                build_timeline(self.catalog, routine, self.workout_settings, growth)
            ):
                self.show_message("New settings apply from the next exercise.")
            self.ticker.poll()
        if theme_changed and self.on_theme_changed is not None:
            self.on_theme_changed(chosen.theme.value)
        self.settings_changed.emit(chosen)

    # -- session control ------------------------------------------------------------------------------------

    @property
    def session_active(self) -> bool:
        engine = self.ticker.engine
        return engine is not None and engine.state in (EngineState.RUNNING, EngineState.PAUSED)

    @Slot()
    def toggle(self) -> None:
        """Space: start, pause or resume; on the end screen, start the routine again."""
        engine = self.ticker.engine
        if self.session_active:
            self.ticker.toggle()
        elif engine is not None and engine.state is EngineState.IDLE:
            self._start_prepared()
        else:
            self.start_from_row(max(0, self.exercise_list.current_row()))

    @Slot()
    def done(self) -> None:
        """Done (D): leave the end screen; the window is idle again, ready for the selected routine."""
        if self.end_summary is not None and not self.session_active:
            self._prepare_session()

    @Slot(int)
    def start_from_row(self, row: int) -> None:
        """Start the selected routine from one of its exercises."""
        self.start_session(self.exercise_list.current_routine_id(), row)

    def start_session(self, name: str, row: int = 0) -> None:
        """Start a routine (from its exercise at `row`) or a single exercise, replacing any finished session."""
        if self.session_active:
            self.ticker.stop()
        if name in {r.id for r in self.catalog.routines}:
            self.exercise_list.select_routine(name)
        self._prepare_session(name, row)
        self._start_prepared()

    def _prepare_session(self, name: str | None = None, row: int | None = None) -> None:
        """Idle: load the selected routine into a fresh engine, cued at the selected exercise.

        The countdown then shows what Space will start and the whole session's planned time.
        """
        if self.session_active:
            return
        name = name or self.exercise_list.current_routine_id()
        row = max(0, self.exercise_list.current_row()) if row is None else row
        routine = self.catalog.resolve(name)
        timeline, self.progression = progressed_timeline(
            self.catalog,
            routine,
            self.workout_settings,
            self.completed_sessions(routine) if routine.progression is not None else 0,
        )
        engine = SessionEngine(timeline, self.clock)
        engine.select_start(timeline.first_phase_of(min(row, len(timeline.exercise_ids) - 1)))
        self.follower.forget()
        self._show_end(None)
        self.ticker.set_engine(engine)

    def refresh_progression(self) -> None:
        """The history's counts are known (or changed): the routine list and an idle window plan the holds
        of routines that grow again, and a start that waited for them begins."""
        self.progression_counted = True
        self.exercise_list.completed_sessions = self.completed_sessions
        self.exercise_list.refresh_progression()
        waiting, self._start_when_counted = self._start_when_counted, None
        if waiting is not None and not self.session_active:
            self.start_session(waiting)
        elif not self.session_active and self.end_summary is None:
            self._prepare_session()

    def start_session_when_counted(self, name: str) -> None:
        """Start now (``--start``, a later launch's request), unless the routine grows and the history has not
        yet counted its sessions: then as soon as it has, so its holds are the next session's."""
        routine = self.catalog.resolve(name)  # an unknown name raises here, at once
        if routine.progression is None or self.progression_counted:
            self.start_session(name)
            return
        self._start_when_counted = name
        self.show_message(f"Starting {routine.name} as soon as the history has counted its sessions…")

    def _start_prepared(self) -> None:
        engine = self.ticker.engine
        assert engine is not None
        self.session_records = []
        self.notice.dismiss()  # seen: the user had the window in front of them to start
        routine = self.catalog.resolve(engine.timeline.routine)
        self.show_message(f"Started {routine.name}. Space pauses.")  # first: a listener's warning wins
        # Before the ticker starts: listeners (history, sound) are ready for the first transitions.
        self.session_started.emit(
            SessionInfo(
                routine=routine.id,
                level=self.workout_settings.level.value,
                started=self.clock.now(),
                per_side=any(e.per_side for e in self.catalog.routine_exercises(routine)),
                routine_name=routine.name,
                fingerprints=fingerprints(routine),
            )
        )
        self.ticker.start()

    @Slot()
    def request_stop(self) -> None:
        engine = self.ticker.engine
        if engine is None or not self.session_active:
            return
        if engine.state is EngineState.RUNNING and not _confirm_stop(self):
            return
        self.ticker.stop()

    # -- views ------------------------------------------------------------------------------------------------

    def _countdowns(self) -> list[CountdownWidget]:
        return [self.countdown, *self.extra_views.countdowns()]

    @Slot(object)
    def _on_snapshot(self, snapshot: Snapshot) -> None:
        # The snapshot comes last in a poll: the end is announced after that poll's records (the last hold).
        if self._ended_status is not None:
            status, self._ended_status = self._ended_status, None
            self._show_end(session_end(status, self.session_records))
            self.session_ended.emit(status)
        for view in self._countdowns():
            view.show_snapshot(snapshot)
        engine = self.ticker.engine
        if engine is not None:
            self.follower.follow(snapshot, engine.timeline)
        self._update_controls(snapshot)

    def _show_end(self, end: SessionEnd | None) -> None:
        self.end_summary = end
        for view in self._countdowns():
            view.set_end(end)

    def show_end_details(
        self, week: WeekStanding | None = None, tightness: TightnessChange | None = None
    ) -> None:
        """Add what the history knows (this week, the streak, the tightness change) to the end screen, while
        it is on screen."""
        end = self.end_summary
        if end is None:
            return
        self._show_end(dataclasses.replace(end, week=week or end.week, tightness=tightness or end.tightness))

    def _update_controls(self, snapshot: Snapshot | None) -> None:
        state = snapshot.state if snapshot is not None else EngineState.IDLE
        ended = state in (EngineState.COMPLETED, EngineState.STOPPED)
        label = {EngineState.RUNNING: "❚❚ Pause", EngineState.PAUSED: "▶ Resume"}.get(state, "▶ Start")
        if ended:
            label = "▶ Start again"
        self.done_button.setVisible(ended)
        self.start_button.setText(label)
        self.start_button.setAccessibleName(label.split(" ", 1)[1])
        self.start_button.setToolTip("Start again (Space)" if ended else "Start, pause or resume (Space)")
        active = state in (EngineState.RUNNING, EngineState.PAUSED)
        for widget in (self.back_button, self.skip_button, self.stop_button):
            widget.setEnabled(active)

    @Slot(object)
    def _on_records(self, records: tuple[HoldRecord, ...]) -> None:
        for record in records:
            if self.told_to_quit and record.status is PhaseStatus.STOPPED:
                continue  # as after a crash, only finished holds are kept: this one was cut off
            self.session_records.append(record)
            self.hold_recorded.emit(record)

    @Slot(object)
    def _on_transitions(self, transitions: tuple[Transition, ...]) -> None:
        for transition in transitions:
            kind = transition.kind.value
            if kind == "session_completed":
                self.show_message(
                    "Session complete — well done. Two to three sessions a week keep the psoas happy."
                )
                self._ended_status = "completed"
            elif kind == "session_stopped":
                self.show_message("Session stopped. Finished holds are kept.")
                self._ended_status = "interrupted" if self.told_to_quit else "stopped"
            elif kind == "interrupted":
                self.show_message(
                    "Paused: the computer slept or the clock jumped. Press Space to redo this phase."
                )

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text)

    # -- the user's routines -------------------------------------------------------------------------------

    def set_routines(self, routines: Routines) -> None:
        self.routines = routines
        self.reload_catalog()

    def reload_catalog(self, select: str | None = None) -> None:
        """Take the routines' catalog again (after a save, import or delete); select `select` when given,
        else keep the selected routine when it still exists."""
        if self.routines is None:
            return
        self.catalog = self.routines.catalog
        self.follower.set_catalog(self.catalog)
        self.exercise_list.set_catalog(self.catalog)
        if select is not None and any(r.id == select for r in self.catalog.routines):
            self.exercise_list.select_routine(select)
        self._prepare_session()
        self.routine_actions.refresh_enabled()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.routine_actions.drag_enter(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.routine_actions.drop(event)

    # -- sound ------------------------------------------------------------------------------------------------

    def attach_cue_player(self, player: CuePlayer) -> None:
        """Cues follow the engine's transitions; sounds load when a session starts; settings apply live."""
        from psoas_desktop.qt.session.cue_link import CueLink

        self.cue_player = player
        CueLink(self, player)

    # -- mat and compact modes -------------------------------------------------------------------------------

    @property
    def mat_window(self) -> CountdownWindow | None:
        return self.extra_views.mat_window

    @property
    def compact_window(self) -> CountdownWindow | None:
        return self.extra_views.compact_window

    @Slot()
    def toggle_mat_mode(self) -> None:
        self.extra_views.toggle_mat(self.screen().geometry())

    @Slot()
    def leave_mat_mode(self) -> None:
        self.extra_views.leave_mat()

    @Slot()
    def toggle_compact(self) -> None:
        actions = self.menu_actions
        menu = (actions.toggle, actions.skip, actions.stop, actions.back_to_window)
        self.extra_views.toggle_compact(self.screen().availableGeometry(), menu)

    @Slot()
    def back_to_window(self) -> None:
        """From the compact view: close it and bring this window forward."""
        if self.compact_window is not None:
            self.compact_window.close()
        self.showNormal()
        self.raise_()
        self.activateWindow()

    @Slot(object)
    def _fill_extra_view(self, view: CountdownWidget) -> None:
        self.follower.forget()  # re-send the exercise name and step to the new view
        view.set_end(self.end_summary)
        if self.ticker.engine is not None:
            self.ticker.poll()
        else:
            view.set_exercise_name(self.countdown.exercise_name())

    # -- dialogs, first launch, layout -----------------------------------------------------------

    def show_shortcuts(self) -> None:
        from psoas_desktop.qt.session.dialogs import ShortcutsDialog

        ShortcutsDialog.ask(self)

    def show_welcome(self) -> None:
        from psoas_desktop.qt.session.dialogs import WelcomeDialog

        answer = WelcomeDialog.ask(self.catalog.safety_note, self)
        if answer.dont_show_again:
            self.store.set_flag(WELCOME_SEEN_KEY, True)
        if answer.break_minutes != self.app_settings.reminders.break_minutes:
            reminders = dataclasses.replace(self.app_settings.reminders, break_minutes=answer.break_minutes)
            self.apply_settings(self.app_settings.with_changes(reminders=reminders))

    def show_welcome_once(self) -> None:
        if not self.store.get_flag(WELCOME_SEEN_KEY, False):
            self.show_welcome()

    def save_layout(self) -> None:
        save_layout(self, (self.splitter, self.content), self.store)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if not self._fitting:  # fitting changes minimum sizes, which can resize the window again
            self._fitting = True
            try:
                fit_to_size(self, self.content, self.instructions)
            finally:
                self._fitting = False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._panes_restored:
            self._panes_restored = True
            restore_panes((self.splitter, self.content), self.store)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            QTimer.singleShot(0, self, self.announce_first_paint)  # once this paint is on screen

    @Slot()
    def announce_first_paint(self) -> None:
        """Emit first_painted, once: after the first paint, or when the app's fallback timer says the window
        is not going to be painted soon (opened on a hidden workspace, never exposed)."""
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    @Slot()
    def quit_app(self) -> None:
        """Quit for real (menu, Ctrl+Q, tray): close the window, then end the app if it closed."""
        self.quitting = True
        if self.close():
            app = QApplication.instance()
            if app is not None:
                app.quit()
        else:
            self.quitting = False  # the user kept the session running

    @Slot()
    def quit_when_told(self) -> None:
        """Quit at once when the system says so (logout, `kill`): nothing is asked; a running session ends
        as interrupted at the end of its last finished hold."""
        if self.told_to_quit:
            return
        self.told_to_quit = self.quitting = self.closing = True
        asking = QApplication.activeModalWidget()
        if isinstance(asking, QDialog):
            asking.reject()  # a question (stop? check-in?) has no one to answer it now
        if self.session_active:
            self.ticker.stop()
        self.quit_app()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.app_settings.close_to_tray and self.tray_available and not self.quitting:
            self.save_layout()
            self.hide()  # the session, if any, goes on; the tray shows it
            event.ignore()
            self.closed_to_tray.emit()
            return
        engine = self.ticker.engine
        if engine is not None and engine.state is EngineState.RUNNING and not _confirm_stop(self):
            event.ignore()
            return
        self.closing = True
        if self.session_active:
            self.ticker.stop()
        self.extra_views.close_all()
        self.save_layout()
        super().closeEvent(event)


def _confirm_stop(parent: QWidget) -> bool:
    from psoas_desktop.qt.session.dialogs import ConfirmStop

    return ConfirmStop.ask(parent)
