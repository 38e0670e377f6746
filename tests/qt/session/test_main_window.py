"""The real main window driven by a FakeClock and the keyboard: a whole workout, every shortcut."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from psoas_desktop.core.catalog import Catalog, Routine, load_catalog
from psoas_desktop.core.engine import EngineState, PhaseStatus
from psoas_desktop.core.formatting import format_duration
from psoas_desktop.core.plan import Timeline
from psoas_desktop.core.progression import ProgressionState, progressed_timeline
from psoas_desktop.core.session_end import WeekStanding
from psoas_desktop.core.settings import AppSettings, Level, Settings
from psoas_desktop.qt.session import dialogs
from psoas_desktop.qt.session.dialogs import WelcomeAnswer
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.settings.dialog import SettingsDialog
from psoas_desktop.qt.settings.store import SettingsStore

Key = Qt.Key
WELCOMED = WelcomeAnswer(dont_show_again=True, break_minutes=0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal dialog would block the test run: answer the seams unless a test says otherwise."""
    monkeypatch.setattr(dialogs.ConfirmStop, "ask", classmethod(lambda cls, parent: True))
    monkeypatch.setattr(dialogs.WelcomeDialog, "ask", classmethod(lambda cls, note, parent: WELCOMED))


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, clock: FakeClock) -> Iterator[MainWindow]:
    settings = AppSettings(workout=Settings(lead_in_seconds=3, switch_seconds=4, hold_seconds=20, sets=2))
    win = MainWindow(load_catalog(), SettingsStore(tmp_path / "config"), settings, clock)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitActive(win)
    yield win
    if win.session_active:
        win.ticker.stop()
    for extra in (win.mat_window, win.compact_window):
        if extra is not None:
            extra.close()


def state_of(window: MainWindow) -> EngineState | None:
    engine = window.ticker.engine
    return engine.state if engine is not None else None


def active(window: MainWindow) -> bool:
    return window.session_active


def run(window: MainWindow, clock: FakeClock, seconds: float, step: float = 0.5) -> None:
    for _ in range(round(seconds / step)):
        clock.advance(step)
        window.ticker.poll()


def press(qtbot: QtBot, window: MainWindow, key: Key, modifier: Qt.KeyboardModifier | None = None) -> None:
    target = QApplication.focusWidget() or window
    QTest.keyClick(target, key, modifier or Qt.KeyboardModifier.NoModifier)


def test_whole_quick_stretch_workout(qtbot: QtBot, window: MainWindow, clock: FakeClock) -> None:
    window.exercise_list.select_routine("quick-stretch")
    assert window.countdown.phase_text() == "Ready · press Space"  # no phase, no count: nothing runs yet
    assert window.countdown.counters_text() == "1:35 in all"
    assert window.countdown.digits_text() == "" and window.countdown.session_text() == ""  # nothing counts
    assert window.instructions.active_step() is None
    press(qtbot, window, Key.Key_Space)
    engine = window.ticker.engine
    assert engine is not None
    assert state_of(window) is EngineState.RUNNING
    assert window.countdown.phase_text() == "Get ready · RIGHT side" and window.countdown.digits_text() == "3"
    assert window.instructions.active_step() == 2  # step into the lunge
    run(window, clock, 3.0)
    assert window.countdown.phase_text() == "Hold · RIGHT side"
    assert window.countdown.counters_text() == "Set 1 / 2"
    assert window.instructions.active_step() == 5
    qtbot.waitUntil(lambda: window.instructions.is_step_visible(5))
    assert window.countdown.digits_text() == "20"
    run(window, clock, 17.5)
    assert window.countdown.is_emphasised()  # the last three seconds of the hold
    run(window, clock, 2.5)
    assert window.countdown.phase_text() == "Switch to the LEFT side"
    assert window.instructions.step_text(2).startswith("Bring your left foot forward")
    assert window.instructions.illustration_mirrored()
    assert window.instructions.active_step() == 6
    run(window, clock, 4.0)
    assert window.countdown.phase_text() == "Hold · LEFT side"
    assert window.countdown.counters_text() == "Set 1 / 2"
    assert "Session" in window.countdown.session_text()
    run(window, clock, 20 + 4 + 20 + 4 + 20)
    assert state_of(window) is EngineState.COMPLETED
    assert window.countdown.phase_text() == "Session complete"
    records = window.session_records
    assert [(r.side.value if r.side else None, r.set, r.status) for r in records] == [
        ("right", 1, PhaseStatus.COMPLETED),
        ("left", 1, PhaseStatus.COMPLETED),
        ("right", 2, PhaseStatus.COMPLETED),
        ("left", 2, PhaseStatus.COMPLETED),
    ]
    assert all(r.actual_seconds == 20.0 for r in records)
    assert "Session complete" in window.statusBar().currentMessage()
    assert clock.monotonic() - 1000.0 == pytest.approx(3 + 20 + 4 + 20 + 4 + 20 + 4 + 20)


def test_the_end_screen_sums_up_and_done_goes_back_to_idle(
    qtbot: QtBot, window: MainWindow, clock: FakeClock
) -> None:
    window.exercise_list.select_routine("quick-stretch")
    press(qtbot, window, Key.Key_Space)
    run(window, clock, 3 + 20 + 4 + 20 + 4 + 20 + 4 + 20)
    assert state_of(window) is EngineState.COMPLETED
    assert window.countdown.summary_lines() == ["4 holds · 1:20 held"]  # the history adds its figures later
    assert window.instructions.active_step() is None  # no stale step highlighted
    assert window.done_button.isVisible() and window.start_button.text() == "▶ Start again"
    window.show_end_details(WeekStanding(sessions=2, goal=3, streak=0))
    assert window.countdown.summary_lines()[1] == "This week: 2 of 3 sessions"
    press(qtbot, window, Key.Key_D)
    assert state_of(window) is EngineState.IDLE and window.end_summary is None
    assert window.countdown.phase_text().startswith("Ready · press Space")
    assert window.countdown.summary_lines() == [] and not window.done_button.isVisible()
    press(qtbot, window, Key.Key_Space)
    assert state_of(window) is EngineState.RUNNING


def test_a_stopped_session_shows_what_was_done_and_no_old_values(
    qtbot: QtBot, window: MainWindow, clock: FakeClock
) -> None:
    window.exercise_list.select_routine("quick-stretch")
    press(qtbot, window, Key.Key_Space)
    run(window, clock, 3 + 20 + 2)  # one hold finished, 2 s into switching sides
    window.ticker.stop()
    assert state_of(window) is EngineState.STOPPED
    assert window.countdown.phase_text() == "Session stopped"
    assert window.countdown.summary_lines() == ["1 hold · 0:20 held"]
    assert window.countdown.digits_text() == "" and window.countdown.session_text() == ""
    press(qtbot, window, Key.Key_Space)  # straight into the routine again
    assert state_of(window) is EngineState.RUNNING and window.countdown.summary_lines() == []
    window.ticker.stop()
    assert window.countdown.summary_lines() == ["No hold was finished,", "so nothing was saved."]


def test_psoas_3_moves_the_instruction_pane_with_the_exercises(window: MainWindow, clock: FakeClock) -> None:
    window.exercise_list.select_routine("psoas-3")
    window.exercise_list.select_row(1)  # start from the Bridge
    window.toggle()
    assert window.instructions.exercise() is not None
    assert window.countdown.exercise_name() == "Bridge"
    run(window, clock, 3.0 + 2.0)  # get ready, lift
    assert window.countdown.phase_text() == "Hold"
    assert window.countdown.counters_text() == "Rep 1 / 11 · Set 1 / 2"
    assert window.instructions.active_step() == 4
    window.ticker.skip_exercise()
    assert window.countdown.exercise_name() == "Standing Hip-Flexion"
    assert window.exercise_list.current_row() == 2


def test_space_pauses_and_resumes(qtbot: QtBot, window: MainWindow, clock: FakeClock) -> None:
    press(qtbot, window, Key.Key_Space)
    run(window, clock, 1.0)
    press(qtbot, window, Key.Key_Space)
    assert window.countdown.phase_text().endswith("paused")
    assert window.start_button.text().endswith("Resume")
    clock.advance(30)
    press(qtbot, window, Key.Key_Space)
    assert window.countdown.digits_text() == "2"  # paused time did not count


@pytest.mark.parametrize(("key", "expected_phase"), [(Key.Key_Right, 1), (Key.Key_N, 1)])
def test_skip_keys(qtbot: QtBot, window: MainWindow, key: Key, expected_phase: int) -> None:
    press(qtbot, window, Key.Key_Space)
    press(qtbot, window, key)
    assert window.ticker.engine is not None and window.ticker.engine.phase_index == expected_phase


@pytest.mark.parametrize("key", [Key.Key_Left, Key.Key_B])
def test_back_keys(qtbot: QtBot, window: MainWindow, clock: FakeClock, key: Key) -> None:
    press(qtbot, window, Key.Key_Space)
    press(qtbot, window, Key.Key_Right)
    run(window, clock, 1.5)
    press(qtbot, window, key)  # later than the first second: restart this phase
    engine = window.ticker.engine
    assert engine is not None and engine.phase_index == 1
    assert window.countdown.digits_text() == window.countdown.digits_text()
    press(qtbot, window, key)  # right after a restart: back to the previous phase
    assert engine.phase_index == 0


def test_shift_right_skips_the_exercise(qtbot: QtBot, window: MainWindow) -> None:
    press(qtbot, window, Key.Key_Space)
    press(qtbot, window, Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.countdown.exercise_name() == "Bridge"


def test_stop_asks_while_running(qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([False, True])
    asked: list[bool] = []

    def fake_ask(parent: object) -> bool:
        asked.append(True)
        return next(answers)

    monkeypatch.setattr(dialogs.ConfirmStop, "ask", classmethod(lambda cls, parent: fake_ask(parent)))
    press(qtbot, window, Key.Key_Space)
    press(qtbot, window, Key.Key_S)
    assert active(window) and len(asked) == 1
    press(qtbot, window, Key.Key_S)
    assert not active(window) and len(asked) == 2
    assert window.countdown.phase_text() == "Session stopped"


def test_stop_while_paused_needs_no_confirmation(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialogs.ConfirmStop, "ask", classmethod(lambda cls, parent: pytest.fail("asked")))
    press(qtbot, window, Key.Key_Space)
    press(qtbot, window, Key.Key_Space)
    press(qtbot, window, Key.Key_S)
    assert not window.session_active


def test_mat_mode_is_full_screen_with_big_digits(qtbot: QtBot, window: MainWindow) -> None:
    press(qtbot, window, Key.Key_Space)
    press(qtbot, window, Key.Key_F11)
    mat = window.mat_window
    assert mat is not None and mat.isFullScreen()
    mat.resize(1280, 800)
    layout = mat.countdown.painted_layout()
    assert layout.ring_rect.height() >= 0.6 * mat.countdown.height() and layout.side_apart
    assert mat.countdown.step_text().startswith("1. ")
    assert mat.countdown.phase_text() == "Get ready"
    press(qtbot, window, Key.Key_Escape)
    qtbot.waitUntil(lambda: window.mat_window is None)


def test_compact_mode_is_a_small_always_on_top_window(qtbot: QtBot, window: MainWindow) -> None:
    press(qtbot, window, Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    compact = window.compact_window
    assert compact is not None and compact.isVisible() and compact.countdown.compact
    assert compact.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert compact.width() < 400
    press(qtbot, window, Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.compact_window is None)


def test_the_compact_views_context_menu_pauses_skips_stops_and_goes_back(
    qtbot: QtBot, window: MainWindow, clock: FakeClock
) -> None:
    press(qtbot, window, Key.Key_Space)
    window.toggle_compact()
    compact = window.compact_window
    assert compact is not None
    assert compact.contextMenuPolicy() is Qt.ContextMenuPolicy.ActionsContextMenu
    menu = {action.text(): action for action in compact.actions()}
    assert list(menu) == ["&Start / Pause / Resume", "S&kip phase", "S&top", "Back to the window"]
    menu["&Start / Pause / Resume"].trigger()
    assert state_of(window) is EngineState.PAUSED
    before = window.ticker.engine.phase_index if window.ticker.engine else None
    menu["S&kip phase"].trigger()
    assert window.ticker.engine is not None and window.ticker.engine.phase_index != before
    menu["S&top"].trigger()  # paused: stops without a question
    assert state_of(window) is EngineState.STOPPED
    menu["Back to the window"].trigger()
    qtbot.waitUntil(lambda: window.compact_window is None)
    assert window.isVisible()


def test_f1_shows_shortcuts(qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[object] = []
    monkeypatch.setattr(dialogs.ShortcutsDialog, "ask", classmethod(lambda cls, parent: shown.append(parent)))
    press(qtbot, window, Key.Key_F1)
    assert shown == [window]


def test_settings_change_mid_session_applies_from_next_exercise(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    window.exercise_list.select_routine("psoas-3")
    window.exercise_list.select_row(1)
    press(qtbot, window, Key.Key_Space)
    run(window, clock, 5.0)  # in the Bridge's first 20 s hold
    new = AppSettings(workout=Settings(lead_in_seconds=3, switch_seconds=4, hold_seconds=30, sets=2))
    monkeypatch.setattr(SettingsDialog, "ask", classmethod(lambda cls, current, parent=None: new))
    press(qtbot, window, Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    engine = window.ticker.engine
    assert engine is not None
    bridge_holds = {
        p.seconds for p in engine.timeline.phases if p.exercise == "bridge" and p.kind.value == "hold"
    }
    later_holds = {
        p.seconds
        for p in engine.timeline.phases
        if p.exercise == "kneeling-psoas-stretch" and p.kind.value == "hold"
    }
    assert bridge_holds == {20.0} and later_holds == {30.0}
    assert "next exercise" in window.statusBar().currentMessage()
    assert SettingsStore(window.store.path.parent).load()[0].workout.hold_seconds == 30


def test_every_control_has_an_accessible_name(window: MainWindow) -> None:
    for button in (window.start_button, window.back_button, window.skip_button, window.stop_button):
        assert button.accessibleName()
    assert window.countdown.accessibleName() == "Countdown"


def remember(shown: list[str], note: str) -> WelcomeAnswer:
    shown.append(note)
    return WelcomeAnswer(dont_show_again=True, break_minutes=45)


def test_welcome_once_and_remembered_with_the_reminder_it_offers(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(
        dialogs.WelcomeDialog, "ask", classmethod(lambda cls, note, parent: remember(shown, note))
    )
    assert window.app_settings.reminders.break_minutes == 0  # off until chosen
    window.show_welcome_once()
    window.show_welcome_once()
    assert len(shown) == 1 and "pain" in shown[0].lower()
    assert window.app_settings.reminders.break_minutes == 45
    assert window.store.load()[0].reminders.break_minutes == 45  # saved


def test_the_welcome_offers_the_reminder_off_by_default(qtbot: QtBot) -> None:
    dialog = dialogs.WelcomeDialog("Stop if it hurts.")
    qtbot.addWidget(dialog)
    assert dialog.answer() == WelcomeAnswer(dont_show_again=True, break_minutes=0)
    dialog.break_combo.setCurrentIndex(dialog.break_combo.findData(60))
    assert dialog.answer().break_minutes == 60


def test_geometry_and_splitter_are_restored(qtbot: QtBot, window: MainWindow, clock: FakeClock) -> None:
    window.resize(790, 520)  # the offscreen screen is 800x600
    window.splitter.setSizes([200, 590])
    window.content.setSizes([300, 200])
    sizes, size = (window.splitter.sizes(), window.content.sizes()), window.size()
    assert size != window.sizeHint()
    window.save_layout()
    again = MainWindow(window.catalog, SettingsStore(window.store.path.parent), window.app_settings, clock)
    qtbot.addWidget(again)
    assert again.size() == size
    again.show()
    assert (again.splitter.sizes(), again.content.sizes()) == sizes


def test_a_small_window_stacks_the_steps_under_the_timer_and_a_large_one_scales_the_text(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.exercise_list.select_routine("psoas-3")
    window.resize(1200, 760)
    assert window.content.orientation() is Qt.Orientation.Horizontal
    assert window.instructions.width() >= 300
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.content.orientation() is Qt.Orientation.Vertical)
    # Under the timer the steps have the whole width: their text is not cut to a few letters.
    assert window.instructions.width() >= 0.6 * window.content.width()
    assert window.instructions.height() >= 160
    assert not window.exercise_list.view.horizontalScrollBar().isVisible()
    assert window.instructions.text_scale() == 1.0
    window.instructions.set_text_scale(1.5)  # as a 1920x1080 window does (the offscreen screen is small)
    assert window.instructions.step_label(1).font().pointSizeF() >= 1.45 * QApplication.font().pointSizeF()
    assert window.instructions.heading.font().pointSizeF() >= 2.2 * QApplication.font().pointSizeF()
    assert window.instructions.safety_label.font().pointSizeF() >= 1.45 * QApplication.font().pointSizeF()


def test_the_level_picker_beside_the_routine_changes_the_plan_and_the_setting(
    qtbot: QtBot, window: MainWindow
) -> None:
    panel = window.exercise_list
    panel.select_routine("quick-stretch")
    text = panel.routine_combo.currentText()
    assert text.startswith("Quick stretch · ") and text.endswith(format_duration(panel.total_seconds()))
    panel.level_combo.setCurrentIndex(panel.level_combo.findData(Level.ADVANCED))
    panel.level_combo.activated.emit(panel.level_combo.currentIndex())
    assert window.app_settings.workout.level is Level.ADVANCED
    assert window.store.load()[0].workout.level is Level.ADVANCED  # saved, as from the settings
    assert Level(panel.level_combo.currentData()) is Level.ADVANCED
    panel.set_settings(Settings())  # the settings say Standard again: the picker follows
    assert Level(panel.level_combo.currentData()) is Level.STANDARD
    assert (
        panel.routine_combo.currentText() != text
    )  # standard holds (20–30 s: 25) differ from the fixture's 20


def test_attached_cue_player_sounds_each_transition_and_follows_the_sound_settings(
    qtbot: QtBot, window: MainWindow, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from psoas_desktop.qt.sound import cue_player as audio

    def no_library() -> None:
        raise ImportError("libpulse.so.0: cannot open shared object file")

    monkeypatch.setattr(audio, "_import_multimedia", no_library)  # a machine without libpulse
    played: list[str] = []
    player = audio.CuePlayer(play_hook=played.append, clock=clock, parent=window)
    window.attach_cue_player(player)
    window.start_session("quick-stretch")
    # No sound library: the timer runs, and the status bar says once that cues are visual only.
    assert (
        window.statusBar().currentMessage().startswith("Sound is off: the audio library could not be loaded")
    )
    run(window, clock, 3.0)
    assert played[-1:] == ["hold_start"] and played.count("ready_tick") >= 1
    run(window, clock, 20.0)
    assert played[-1:] == ["switch"]
    muted = AppSettings(workout=window.app_settings.workout, sound_on=False)
    window.apply_settings(muted)
    assert player.muted
    count = len(played)
    run(window, clock, 4.0)
    assert len(played) == count  # muted: the hold start on the left side is silent
    window.apply_settings(AppSettings(workout=window.app_settings.workout, volume=30, breathing_on=True))
    assert (player.muted, player.volume, player.breathing_enabled) == (False, 30, True)
    player.shutdown()


def test_a_new_window_plans_its_preview_session_once(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Start-up time: filling the routine list must not prepare the idle session a second time."""
    planned: list[str] = []

    def counting_build(
        catalog: Catalog, routine: Routine, settings: Settings, completed: int
    ) -> tuple[Timeline, ProgressionState | None]:
        planned.append(routine.id)
        return progressed_timeline(catalog, routine, settings, completed)

    monkeypatch.setattr("psoas_desktop.qt.session.main_window.progressed_timeline", counting_build)
    win = MainWindow(load_catalog(), SettingsStore(tmp_path / "config"), AppSettings(), clock)
    qtbot.addWidget(win)
    assert planned == ["psoas-3"]
    assert win.ticker.engine is not None and win.ticker.engine.timeline.routine == "psoas-3"
    win.exercise_list.select_routine("quick-stretch")  # later changes still prepare the new routine
    assert planned == ["psoas-3", "quick-stretch"]


def test_first_painted_is_announced_once_whether_a_paint_or_the_fallback_comes_first(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock
) -> None:
    unseen = MainWindow(load_catalog(), SettingsStore(tmp_path / "a"), AppSettings(), clock)
    qtbot.addWidget(unseen)
    announced: list[str] = []
    unseen.first_painted.connect(lambda: announced.append("unseen"))
    unseen.announce_first_paint()  # the app's fallback: never shown, never painted
    unseen.announce_first_paint()
    assert announced == ["unseen"]

    seen = MainWindow(load_catalog(), SettingsStore(tmp_path / "b"), AppSettings(), clock)
    qtbot.addWidget(seen)
    seen.first_painted.connect(lambda: announced.append("seen"))
    with qtbot.waitSignal(seen.first_painted, timeout=5000):
        seen.show()
    painted = PaintCounter(seen)
    seen.repaint()
    qtbot.waitUntil(lambda: painted.count > 0)
    seen.announce_first_paint()  # the fallback firing after the paint changes nothing
    # A deferred announcement from that paint would be a zero-delay call queued during it: one queued after
    # it runs later, so once it has run, anything the paint queued has run too.
    with qtbot.waitSignal(painted.flushed, timeout=5000):
        QTimer.singleShot(0, painted.flushed.emit)
    assert announced == ["unseen", "seen"]


class PaintCounter(QObject):
    """Counts a widget's paint events (an event filter: the widget's own paintEvent still runs)."""

    flushed = Signal()

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_told_to_quit_mid_hold_the_session_ends_interrupted_without_a_question(
    qtbot: QtBot, window: MainWindow, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal (logout, kill) arrives: no question, the hold under way is not kept (only finished ones are,
    as after a crash), the session ends as interrupted and the window closes."""
    monkeypatch.setattr(dialogs.ConfirmStop, "ask", classmethod(lambda cls, parent: pytest.fail("asked")))
    ended: list[str] = []
    window.session_ended.connect(ended.append)
    window.start_session("quick-stretch")
    run(window, clock, 3 + 20 + 5)  # lead-in, a finished hold, five seconds into the next phase
    kept = list(window.session_records)
    assert [r.status for r in kept] and all(r.status is PhaseStatus.COMPLETED for r in kept)

    window.quit_when_told()

    assert ended == ["interrupted"]
    assert window.session_records == kept  # the phase cut off is not recorded
    assert not window.isVisible() and not window.session_active
    window.quit_when_told()  # a second signal changes nothing
    assert ended == ["interrupted"]
