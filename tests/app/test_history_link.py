"""The main window wired to a real history database: sessions saved as they run, the check-in, the
history window, the GUI export, and storage failures that leave the timer running."""

from __future__ import annotations

import csv
import errno
import io
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from psoas_desktop.app import history_link
from psoas_desktop.app.history_link import HistoryLink
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.engine import EngineState, HoldRecord, PhaseStatus
from psoas_desktop.core.settings import AppSettings, Settings
from psoas_desktop.qt.history.checkin_dialog import Checkin, CheckinDialog
from psoas_desktop.qt.history.deletion import ConfirmDeletion
from psoas_desktop.qt.session import dialogs
from psoas_desktop.qt.session.dialogs import WelcomeAnswer
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.settings.store import SettingsStore
from psoas_desktop.storage import recovery
from psoas_desktop.storage.history import FILE_NAME, History, OpenResult
from psoas_desktop.storage.schema import utc_text

if TYPE_CHECKING:  # the prewarm test checks that prewarm imports it
    from psoas_desktop.qt.history.window import HistoryWindow

WELCOMED = WelcomeAnswer(dont_show_again=True, break_minutes=0)
QUICK_STRETCH_SECONDS = 3 + 20 + 4 + 20 + 4 + 20 + 4 + 20  # lead-in, then hold/switch per side, 2 rounds


class Asked:
    """Stands in for the check-in dialog: records each question and gives a prepared answer."""

    def __init__(self) -> None:
        self.questions: list[bool] = []
        self.answer: Checkin | None = None

    def ask(self, per_side: bool, parent: QWidget | None) -> Checkin | None:
        self.questions.append(per_side)
        return self.answer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Asked:
    stand_in = Asked()
    monkeypatch.setattr(dialogs.ConfirmStop, "ask", classmethod(lambda cls, parent: True))
    monkeypatch.setattr(dialogs.WelcomeDialog, "ask", classmethod(lambda cls, note, parent: WELCOMED))
    monkeypatch.setattr(CheckinDialog, "ask", stand_in.ask)
    return stand_in


def make_window(qtbot: QtBot, tmp_path: Path, clock: FakeClock) -> MainWindow:
    settings = AppSettings(workout=Settings(lead_in_seconds=3, switch_seconds=4, hold_seconds=20, sets=2))
    window = MainWindow(load_catalog(), SettingsStore(tmp_path / "config"), settings, clock)
    qtbot.addWidget(window)
    window.show()
    return window


def link_to(window: MainWindow, history: History, clock: FakeClock) -> HistoryLink:
    return HistoryLink(
        window,
        history,
        tz=UTC,
        today=lambda: clock.now().astimezone(UTC).date(),
        now=lambda: clock.now().astimezone(UTC),
        export_dir=history.path.parent,
    )


@pytest.fixture
def history(tmp_path: Path, clock: FakeClock) -> Iterator[History]:
    opened = History.open(tmp_path / "data", now=lambda: clock.now().astimezone(UTC))
    assert opened.messages == ()
    yield opened.history
    opened.history.close()


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, clock: FakeClock, asked: Asked) -> Iterator[MainWindow]:
    win = make_window(qtbot, tmp_path, clock)
    yield win
    if win.session_active:
        win.ticker.stop()


def run(window: MainWindow, clock: FakeClock, seconds: float, step: float = 0.5) -> None:
    for _ in range(round(seconds / step)):
        clock.advance(step)
        window.ticker.poll()


def settle(history: History) -> None:
    """Wait until the writes submitted so far are committed (or failed), then deliver their outcomes to the
    link (queued on the GUI thread when each completed)."""
    history.flush()
    QApplication.processEvents()


def stored(history: History, sql: str) -> list[tuple[object, ...]]:
    """Read the database file with a separate connection once the writes submitted so far are done: what
    is on disk, not what a cache says."""
    history.flush()
    return read_file(history.path.parent, sql)


def test_a_whole_session_is_saved_hold_by_hold_and_the_check_in_per_side(
    qtbot: QtBot, window: MainWindow, history: History, clock: FakeClock, asked: Asked
) -> None:
    link = link_to(window, history, clock)
    asked.answer = Checkin(left=6, right=3, overall=None, note="left was stiff")
    window.start_session("quick-stretch")
    run(window, clock, 3 + 19)
    assert stored(history, "SELECT COUNT(*) FROM sessions") == [(0,)]  # its row waits for a finished hold
    run(window, clock, 1)
    # The first hold is on disk, with its session, while the session is still running.
    assert stored(history, "SELECT routine, status FROM sessions") == [("quick-stretch", "running")]
    assert stored(history, "SELECT exercise, side, status FROM entries") == [
        ("kneeling-psoas-stretch", "right", "completed")
    ]
    run(window, clock, QUICK_STRETCH_SECONDS - 23)
    assert window.ticker.engine is not None and window.ticker.engine.state is EngineState.COMPLETED
    assert stored(history, "SELECT status, ended_utc IS NOT NULL FROM sessions") == [("completed", 1)]
    assert stored(history, "SELECT side, set_number, actual_seconds FROM entries ORDER BY started_utc") == [
        ("right", 1, 20.0),
        ("left", 1, 20.0),
        ("right", 2, 20.0),
        ("left", 2, 20.0),
    ]
    qtbot.waitUntil(lambda: asked.questions == [True])  # asked after the tick, per side
    assert stored(history, "SELECT side, tightness, note FROM checkins ORDER BY id") == [
        ("left", 6, "left was stiff"),
        ("right", 3, ""),
    ]
    assert link.session_id is None
    settle(history)  # the outcome arrives after the commit
    assert "Check-in saved" in window.statusBar().currentMessage()
    # The end screen adds what the history now counts: this week and the check-in (the first one).
    assert window.countdown.summary_lines()[1:] == [
        f"This week: 1 of {window.app_settings.weekly_goal} sessions",
        "Tightness: left 6 of 10 (first check-in), right 3 of 10 (first check-in)",
    ]


def test_a_stopped_session_keeps_its_finished_holds_and_is_marked_stopped(
    qtbot: QtBot, window: MainWindow, history: History, clock: FakeClock, asked: Asked
) -> None:
    link_to(window, history, clock)
    window.start_session("bridge")
    run(window, clock, 60)
    QTest.keyClick(window, Qt.Key.Key_S)
    assert not window.session_active
    assert stored(history, "SELECT status FROM sessions") == [("stopped",)]
    statuses = [row[0] for row in stored(history, "SELECT status FROM entries ORDER BY started_utc")]
    assert statuses and statuses[-1] == "stopped" and set(statuses[:-1]) == {"completed"}
    qtbot.waitUntil(lambda: asked.questions == [False])  # the bridge is not per side: one rating
    assert stored(history, "SELECT COUNT(*) FROM checkins") == [(0,)]  # skipped: nothing stored


def test_a_session_stopped_before_any_hold_finished_asks_no_check_in(
    qtbot: QtBot, window: MainWindow, history: History, clock: FakeClock, asked: Asked
) -> None:
    link_to(window, history, clock)
    window.start_session("bridge")
    run(window, clock, 5)  # still in the lead-in and the first hold: nothing finished
    QTest.keyClick(window, Qt.Key.Key_S)
    QApplication.processEvents()
    # Not saved as a session: no row, no entries (sync and every view rely on it).
    assert stored(history, "SELECT COUNT(*) FROM sessions") == [(0,)]
    assert stored(history, "SELECT COUNT(*) FROM entries") == [(0,)]
    assert asked.questions == []  # nothing finished: nothing to rate


def test_closing_the_window_mid_session_saves_it_as_stopped_without_asking(
    qtbot: QtBot, history: History, clock: FakeClock, tmp_path: Path, asked: Asked
) -> None:
    window = make_window(qtbot, tmp_path, clock)
    link_to(window, history, clock)
    window.start_session("bridge")
    run(window, clock, 30)
    window.close()
    assert stored(history, "SELECT status FROM sessions") == [("stopped",)]
    QApplication.processEvents()
    assert asked.questions == []


def test_told_to_quit_the_session_is_saved_as_interrupted_at_the_end_of_its_last_finished_hold(
    qtbot: QtBot, history: History, clock: FakeClock, tmp_path: Path, asked: Asked
) -> None:
    window = make_window(qtbot, tmp_path, clock)
    link_to(window, history, clock)
    window.start_session("bridge")
    run(window, clock, 60)
    window.quit_when_told()
    ((status, ended),) = stored(history, "SELECT status, ended_utc FROM sessions")
    entries = stored(history, "SELECT started_utc, actual_seconds, status FROM entries")
    assert status == "interrupted" and {row[2] for row in entries} == {"completed"}
    last_hold_end = max(
        datetime.fromisoformat(str(started)) + timedelta(seconds=float(str(seconds)))
        for started, seconds, _status in entries
    )
    assert datetime.fromisoformat(str(ended)) == last_hold_end < clock.now()
    QApplication.processEvents()
    assert asked.questions == []  # nobody is there to answer a check-in


def test_an_unwritable_history_shows_a_bar_that_later_messages_do_not_replace(
    qtbot: QtBot, window: MainWindow, clock: FakeClock, tmp_path: Path
) -> None:
    (tmp_path / "data").mkdir()
    reader = History.open(tmp_path / "data", now=lambda: clock.now().astimezone(UTC), read_only=True).history
    try:
        link_to(window, reader, clock)
        bar = window.save_warning
        assert bar.isVisible() and bar.text.startswith("Workouts are not being saved: ")
        window.start_session("quick-stretch")
        settle(reader)
        window.show_message("Sound is off: no audio device was found.")  # the message that used to hide it
        run(window, clock, 3 + 20 + 4)
        settle(reader)
        assert window.session_active and window.countdown.phase_text() == "Hold · LEFT side"
        assert bar.isVisible() and "the history was opened read-only" in bar.text
        assert "timer keeps running" in bar.text and "Retry" in bar.text
    finally:
        reader.close()


class FullDisk:
    """Fault injection into a real History: while `full`, each write fails inside its transaction with
    ENOSPC, as on a full disk, and the History rolls it back and reports it its own way."""

    def __init__(self, history: History, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = False
        transaction = history._transaction

        def on_a_full_disk(conn: sqlite3.Connection, action: Callable[..., object]) -> object:
            def write(conn: sqlite3.Connection, touched: set[int]) -> object:
                if self.full:  # read on the writer thread; set by the test between writes
                    raise OSError(errno.ENOSPC, "No space left on device")
                return action(conn, touched)

            return transaction(conn, write)

        monkeypatch.setattr(history, "_transaction", on_a_full_disk)


def retry(window: MainWindow, history: History) -> None:
    """Press the bar's Retry from the keyboard (Return on it; Space is the window's pause key) and let its
    writes come back."""
    window.save_warning.retry_button.setFocus()
    QTest.keyClick(window.save_warning.retry_button, Qt.Key.Key_Return)
    settle(history)


def test_a_full_disk_shows_the_bar_until_retry_saves_the_holds_it_kept(
    qtbot: QtBot, window: MainWindow, history: History, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(history, monkeypatch)
    link = link_to(window, history, clock)
    bar = window.save_warning
    window.start_session("quick-stretch")
    run(window, clock, 3 + 20)
    settle(history)
    assert not bar.isVisible()
    disk.full = True
    run(window, clock, 4 + 20)  # the second hold cannot be written
    settle(history)
    assert window.session_active
    assert bar.isVisible() and bar.text.startswith("Workouts are not being saved: the disk is full.")
    window.show_message("Sound is off.")
    assert bar.isVisible() and window.statusBar().currentMessage() == "Sound is off."
    retry(window, history)  # still full: the bar stays and Retry can be pressed again
    assert bar.isVisible() and bar.retry_button.isEnabled() and link.saver.unsaved == 1
    disk.full = False  # space was freed, but nothing has been saved yet: the bar still says so
    assert bar.isVisible()
    retry(window, history)
    assert not bar.isVisible() and link.saver.unsaved == 0
    assert "Saving works again" in window.statusBar().currentMessage()
    assert stored(history, "SELECT side FROM entries ORDER BY started_utc") == [("right",), ("left",)]
    run(window, clock, 4 + 20)  # and the session is saved from then on
    assert stored(history, "SELECT COUNT(*) FROM entries") == [(3,)]
    assert not bar.isVisible()


def test_what_a_full_disk_kept_is_written_at_exit_once_there_is_space(
    window: MainWindow,
    history: History,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    disk = FullDisk(history, monkeypatch)
    link = link_to(window, history, clock)
    window.start_session("bridge")
    disk.full = True
    run(window, clock, 30)
    settle(history)
    assert window.save_warning.isVisible() and link.saver.unsaved
    disk.full = False  # space was freed, and the user quits without pressing Retry
    window.close()
    link.close()
    assert read_file(history.path.parent, "SELECT routine, status FROM sessions") == [("bridge", "stopped")]
    assert read_file(history.path.parent, "SELECT COUNT(*) FROM entries") != [(0,)]
    assert "lost" not in caplog.text


def test_what_a_still_full_disk_kept_is_logged_as_lost_at_exit(
    window: MainWindow,
    history: History,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    disk = FullDisk(history, monkeypatch)
    link = link_to(window, history, clock)
    disk.full = True
    window.start_session("bridge")
    run(window, clock, 30)
    window.close()
    settle(history)
    kept = link.saver.unsaved
    assert kept >= 3  # the start, its holds and its end
    link.close()
    assert f"history: {kept} writes could not be saved and are lost" in caplog.text
    assert read_file(history.path.parent, "SELECT COUNT(*) FROM sessions") == [(0,)]


def test_a_session_whose_start_failed_is_saved_whole_by_retry(
    qtbot: QtBot, window: MainWindow, history: History, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(history, monkeypatch)
    link_to(window, history, clock)
    disk.full = True
    window.start_session("quick-stretch")
    run(window, clock, 3 + 20 + 4 + 20)
    settle(history)
    assert window.save_warning.isVisible()
    assert stored(history, "SELECT COUNT(*) FROM sessions") == [(0,)]
    disk.full = False
    retry(window, history)
    assert not window.save_warning.isVisible()
    assert stored(history, "SELECT routine, status FROM sessions") == [("quick-stretch", "running")]
    assert stored(history, "SELECT side FROM entries ORDER BY started_utc") == [("right",), ("left",)]
    run(window, clock, 4 + 20)  # the holds after the retry belong to the session it saved
    assert stored(history, "SELECT COUNT(DISTINCT session_id), COUNT(*) FROM entries") == [(1, 3)]


def test_history_action_opens_the_window_with_the_saved_sessions(
    qtbot: QtBot, window: MainWindow, history: History, clock: FakeClock, asked: Asked
) -> None:
    link = link_to(window, history, clock)
    window.start_session("quick-stretch")
    run(window, clock, QUICK_STRETCH_SECONDS)
    qtbot.waitUntil(lambda: asked.questions == [True])
    window.menu_actions.history.trigger()
    view = link.history_window
    assert view is not None and view.isVisible()
    qtbot.waitUntil(lambda: view.table_row_count() == 1, timeout=5000)
    this_week = [bar for bar in view.week_bars() if bar[1] > 0]
    assert [(count, met) for _week, count, met in this_week] == [(1, False)]  # 1 of the default goal 3
    window.apply_settings(AppSettings(workout=window.app_settings.workout, weekly_goal=1))
    qtbot.waitUntil(lambda: view.goal_line_value() == 1)
    qtbot.waitUntil(lambda: [met for _w, count, met in view.week_bars() if count] == [True])
    view.close()
    view.wait_for_worker()


@pytest.fixture
def confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every "Delete sessions?" is answered Delete."""
    monkeypatch.setattr(ConfirmDeletion, "ask", classmethod(lambda cls, parent, question: True))


@pytest.mark.usefixtures("confirmed")
def test_a_deletion_held_back_by_the_history_window_is_written_when_the_app_quits(
    qtbot: QtBot, window: MainWindow, history: History, clock: FakeClock, asked: Asked
) -> None:
    """The window may never get a close event at quit: HistoryLink.close writes what Undo still held, before
    the history closes, stamped with the app's clock when the user deleted it."""
    link = link_to(window, history, clock)
    window.start_session("quick-stretch")
    run(window, clock, QUICK_STRETCH_SECONDS)
    qtbot.waitUntil(lambda: asked.questions == [True])
    window.menu_actions.history.trigger()
    view = link.history_window
    assert view is not None
    qtbot.waitUntil(lambda: view.table_row_count() == 1, timeout=5000)
    view.tabs.table.selectRow(0)
    deleted_at = clock.now().astimezone(UTC)
    with qtbot.waitSignal(view.ready):
        assert view.deletion.delete_selected()
    clock.advance(30)
    assert stored(history, "SELECT COUNT(*) FROM sessions") == [(1,)]  # held back while Undo is offered
    link.close()
    deleted = utc_text(deleted_at)
    assert read_file(history.path.parent, "SELECT COUNT(*) FROM sessions") == [(0,)]
    assert read_file(history.path.parent, "SELECT deleted_utc FROM deleted_sessions") == [(deleted,)]
    assert not view.deletion.timer.isActive()


def test_history_changed_rereads_an_open_history_window(
    qtbot: QtBot, window: MainWindow, history: History, clock: FakeClock
) -> None:
    """What the app calls after a merge from another device: the window shows it without a restart."""
    link = link_to(window, history, clock)
    link.history_changed()  # no window yet: nothing to do
    window.menu_actions.history.trigger()
    view = link.history_window
    assert view is not None
    qtbot.waitUntil(lambda: view.status_label.text() != "Loading…", timeout=5000)
    started = clock.now()
    session = history.start_session("quick-stretch", "standard", started)
    history.add_record(session, _finished_hold(started))
    history.end_session(session, "completed", started + timedelta(minutes=1))
    with qtbot.waitSignal(view.ready, timeout=5000):
        link.history_changed()
    assert view.table_row_count() == 1
    view.close()
    view.wait_for_worker()


def _finished_hold(started: datetime) -> HoldRecord:
    return HoldRecord(
        "bridge", None, 1, 1, 20.0, 20.0, started.astimezone(UTC), 3600, PhaseStatus.COMPLETED, 0
    )


def test_export_action_writes_a_csv_a_spreadsheet_opens(
    window: MainWindow, history: History, clock: FakeClock, asked: Asked, monkeypatch: pytest.MonkeyPatch
) -> None:
    link_to(window, history, clock)
    window.start_session("quick-stretch")
    run(window, clock, QUICK_STRETCH_SECONDS)
    target = history.path.parent / "out" / "history.csv"
    target.parent.mkdir()
    suggested: list[Path] = []

    def answer(parent: QWidget, proposal: Path) -> tuple[Path, str]:
        suggested.append(proposal)
        return target, "csv"

    monkeypatch.setattr(history_link.ExportPath, "ask", answer)
    window.menu_actions.export.trigger()
    assert suggested == [history.path.parent / f"psoas-history-{date(2026, 11, 23).isoformat()}.csv"]
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(row["session_status"], row["side"], row["entry_status"]) for row in rows] == [
        ("completed", side, "completed") for side in ("right", "left", "right", "left")
    ]
    assert datetime.fromisoformat(rows[0]["session_started"]).year == 2026
    assert window.statusBar().currentMessage() == f"Exported 1 sessions to {target}."


def test_export_to_a_missing_folder_fails_clearly_and_writes_nothing(
    qtbot: QtBot, window: MainWindow, history: History, clock: FakeClock
) -> None:
    link = link_to(window, history, clock)
    target = history.path.parent / "no-such-folder" / "history.json"
    assert not link.export_to(target, "json")
    assert window.statusBar().currentMessage().startswith(f"Export failed: {target}")
    assert not target.parent.exists()


def prewarm_thread(link: HistoryLink) -> threading.Thread | None:
    return link.prewarm_thread


def test_prewarm_loads_the_charts_and_aggregates_off_the_gui_thread_but_never_during_a_workout(
    window: MainWindow, history: History, clock: FakeClock
) -> None:
    link = link_to(window, history, clock)
    window.start_session("quick-stretch")
    run(window, clock, 3 + 20)  # a hold finished: the session is saved
    link.prewarm()
    assert prewarm_thread(link) is None  # a workout is running: nothing competes with the timer
    window.ticker.stop()
    link.prewarm()
    thread = prewarm_thread(link)
    assert thread is not None
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert "psoas_desktop.qt.history.window" in sys.modules
    history.flush()
    assert [s.status for s in history.summaries()] == ["stopped"]


# -- opening off the GUI thread ---------------------------------------------------------------------------

WAIT = 30  # seconds: only bounds a wait for an event


class HeldOpen:
    """Opens the real history in the opener's thread, but only once released; records that thread."""

    def __init__(self, data_dir: Path, clock: FakeClock) -> None:
        self.data_dir = data_dir
        self.clock = clock
        self.release = threading.Event()
        self.threads: list[threading.Thread] = []

    def __call__(self) -> OpenResult:
        self.threads.append(threading.current_thread())
        assert self.release.wait(WAIT)
        return History.open(self.data_dir, now=lambda: self.clock.now().astimezone(UTC))


@pytest.fixture
def held(tmp_path: Path, clock: FakeClock) -> Iterator[HeldOpen]:
    opener = HeldOpen(tmp_path / "data", clock)
    yield opener
    opener.release.set()  # never leave the opener's thread waiting


def unopened_link(window: MainWindow, clock: FakeClock, tmp_path: Path) -> HistoryLink:
    return HistoryLink(
        window,
        None,
        tz=UTC,
        today=lambda: clock.now().astimezone(UTC).date(),
        now=lambda: clock.now().astimezone(UTC),
        export_dir=tmp_path,
    )


def opened(link: HistoryLink) -> History | None:
    """Read through a call: mypy would otherwise keep a narrowing across the waits that change it."""
    return link.history


def history_window(link: HistoryLink) -> HistoryWindow | None:
    return link.history_window


def read_file(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"{(data_dir / 'history.sqlite3').as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_history_opens_off_the_gui_thread_while_the_status_bar_says_so(
    qtbot: QtBot, window: MainWindow, clock: FakeClock, tmp_path: Path, held: HeldOpen
) -> None:
    link = unopened_link(window, clock, tmp_path)
    try:
        link.open_in_background(held)
        assert window.statusBar().currentMessage() == "Opening history…"
        assert opened(link) is None and link.completed_this_week() is None
        held.release.set()
        qtbot.waitUntil(lambda: link.history is not None, timeout=WAIT * 1000)
        (opener,) = held.threads
        assert opener is not threading.main_thread() and opener.name == "history-open"
        assert window.statusBar().currentMessage() == ""  # cleared: the open had nothing to say
        assert link.completed_this_week() == 0
        history = link.history
        assert history is not None
        writer = history.writer_thread
        assert writer is not None and writer.is_alive()
    finally:
        link.close()
    assert not opener.is_alive() and not writer.is_alive()  # close joined them


def test_a_session_started_while_the_history_opens_is_saved_once_it_is_open(
    qtbot: QtBot, window: MainWindow, clock: FakeClock, tmp_path: Path, held: HeldOpen
) -> None:
    link = unopened_link(window, clock, tmp_path)
    try:
        link.open_in_background(held)
        window.start_session("quick-stretch")
        run(window, clock, 3 + 20)  # the first hold is done before the history is open
        assert len(window.session_records) == 1 and link.session_id is None
        held.release.set()
        qtbot.waitUntil(lambda: link.history is not None, timeout=WAIT * 1000)
        history = link.history
        assert history is not None
        assert stored(history, "SELECT routine, status FROM sessions") == [("quick-stretch", "running")]
        assert stored(history, "SELECT side, status FROM entries") == [("right", "completed")]
        run(window, clock, 4 + 20)  # and the next one goes straight to the writer
        assert stored(history, "SELECT side FROM entries ORDER BY started_utc") == [("right",), ("left",)]
        qtbot.waitUntil(lambda: link.session_id is not None)
    finally:
        link.close()


def test_closing_while_the_history_opens_still_saves_the_queued_session(
    qtbot: QtBot, clock: FakeClock, tmp_path: Path, held: HeldOpen, asked: Asked
) -> None:
    window = make_window(qtbot, tmp_path, clock)
    link = unopened_link(window, clock, tmp_path)
    link.open_in_background(held)
    window.start_session("bridge")
    run(window, clock, 30)
    window.close()  # ends the session as stopped; the history is still opening
    held.release.set()
    link.close()  # as the app does at exit: waits for the open, saves what was queued, joins the threads
    assert read_file(tmp_path / "data", "SELECT routine, status FROM sessions") == [("bridge", "stopped")]
    assert read_file(tmp_path / "data", "SELECT COUNT(*) FROM entries") != [(0,)]
    assert [t.name for t in threading.enumerate() if t.name.startswith("history")] == []
    assert asked.questions == []


def test_what_the_open_has_to_say_stays_in_a_notice_until_dismissed_or_a_session_starts(
    qtbot: QtBot, window: MainWindow, clock: FakeClock, tmp_path: Path, held: HeldOpen
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "history.sqlite3").write_bytes(b"not a database, but the user's data")
    link = unopened_link(window, clock, tmp_path)
    try:
        link.open_in_background(held)
        held.release.set()
        qtbot.waitUntil(lambda: link.history is not None, timeout=WAIT * 1000)
        assert window.statusBar().currentMessage() == ""  # the opening message is gone
        window.show_message("Sound is off: no audio device was found.")  # what used to hide it
        notice = window.notice.text
        assert window.notice.isVisible() and "damaged" in notice and "moved aside" in notice
        window.start_session("bridge")
        assert not window.notice.isVisible()  # seen: the user started from this window
    finally:
        link.close()


def test_a_session_that_ended_unexpectedly_is_told_once_at_the_next_start(
    qtbot: QtBot, window: MainWindow, clock: FakeClock, tmp_path: Path, held: HeldOpen
) -> None:
    crashed = History.open(tmp_path / "data", now=lambda: clock.now().astimezone(UTC)).history
    session = crashed.start_session("bridge", "standard", clock.now())
    crashed.flush()
    snapshot = {name: (tmp_path / "data" / name).read_bytes() for name in (FILE_NAME, FILE_NAME + "-wal")}
    crashed.close()
    for name, data in snapshot.items():  # what a killed app leaves: the session running, the -wal unfolded
        (tmp_path / "data" / name).write_bytes(data)
    link = unopened_link(window, clock, tmp_path)
    try:
        link.open_in_background(held)
        held.release.set()
        qtbot.waitUntil(lambda: link.history is not None, timeout=WAIT * 1000)
        assert window.notice.text.startswith("Your last session ended unexpectedly at ")
        assert window.notice.text.endswith("; 0 finished holds were kept.")
        window.notice.button.click()  # Dismiss
        assert not window.notice.isVisible()
        assert link.history is not None
        assert [(s.id, s.status) for s in link.history.sessions()] == [(session, "interrupted")]
    finally:
        link.close()


def test_an_open_that_fails_with_a_bug_says_so_and_saves_nothing(
    qtbot: QtBot, window: MainWindow, clock: FakeClock, tmp_path: Path, asked: Asked
) -> None:
    opens: list[Exception | None] = [RuntimeError("a bug in the open"), None]

    def broken_once() -> OpenResult:
        problem = opens.pop(0)
        if problem is not None:
            raise problem
        return History.open(tmp_path / "data", now=lambda: clock.now().astimezone(UTC))

    link = unopened_link(window, clock, tmp_path)
    bar = window.save_warning
    try:
        window.start_session("bridge")  # begun while the history opens: queued
        run(window, clock, 30)
        assert link.saver.unsaved
        link.open_in_background(broken_once)
        qtbot.waitUntil(lambda: "could not be opened" in bar.text)
        assert "a bug in the open" in bar.text and opened(link) is None
        run(window, clock, 30)
        window.ticker.stop()  # the session ends as stopped
        barrier: list[bool] = []
        QTimer.singleShot(0, lambda: barrier.append(True))  # after a check-in question would have been posted
        qtbot.waitUntil(lambda: bool(barrier))
        assert asked.questions == []  # no check-in that could not be kept
        assert not link.export_to(tmp_path / "out.csv", "csv")
        assert "still opening" in window.statusBar().currentMessage()
        assert bar.isVisible() and link.saver.unsaved  # kept in memory, not dropped
        bar.retry_button.click()  # opens again, in the thread: this time it works
        qtbot.waitUntil(lambda: opened(link) is not None, timeout=WAIT * 1000)
        history = opened(link)
        assert history is not None
        settle(history)
        assert not bar.isVisible()
        assert stored(history, "SELECT routine, status FROM sessions") == [("bridge", "stopped")]
        assert stored(history, "SELECT COUNT(*) FROM entries") != [(0,)]
    finally:
        link.close()


def test_retry_reopens_a_history_that_opened_read_only_and_saves_the_running_session(
    qtbot: QtBot,
    window: MainWindow,
    clock: FakeClock,
    held: HeldOpen,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = unopened_link(window, clock, held.data_dir)
    bar = window.save_warning
    try:
        with (
            monkeypatch.context() as read_only_folder
        ):  # how one looks to History.open (tests may run as root)
            read_only_folder.setattr(recovery, "writable", lambda path: False)
            link.open_in_background(held)
            held.release.set()
            qtbot.waitUntil(lambda: opened(link) is not None, timeout=WAIT * 1000)
            assert "is read-only" in bar.text
            assert "not being saved" not in window.statusBar().currentMessage()  # said once, in the bar
            window.start_session("quick-stretch")
            run(window, clock, 3 + 20)
            QApplication.processEvents()
            bar.retry_button.click()  # still read-only: the re-open changes nothing
            qtbot.waitUntil(bar.retry_button.isEnabled, timeout=WAIT * 1000)
            assert "is read-only" in bar.text and link.saver.unsaved == 2
        # The user made the folder writable again.
        bar.retry_button.click()
        qtbot.waitUntil(lambda: not bar.isVisible(), timeout=WAIT * 1000)
        history = opened(link)
        assert history is not None and not history.read_only
        assert stored(history, "SELECT routine FROM sessions") == [("quick-stretch",)]
        run(window, clock, 4 + 20)
        assert stored(history, "SELECT side FROM entries ORDER BY started_utc") == [("right",), ("left",)]
    finally:
        link.close()


def test_the_history_window_asked_for_while_opening_opens_when_ready(
    qtbot: QtBot, window: MainWindow, clock: FakeClock, tmp_path: Path, held: HeldOpen
) -> None:
    link = unopened_link(window, clock, tmp_path)
    try:
        link.open_in_background(held)
        window.menu_actions.history.trigger()
        link.prewarm()  # also waits for the open
        assert opened(link) is None and history_window(link) is None and prewarm_thread(link) is None
        held.release.set()
        qtbot.waitUntil(lambda: opened(link) is not None, timeout=WAIT * 1000)
        view = history_window(link)
        assert view is not None and view.isVisible() and prewarm_thread(link) is not None
        qtbot.waitUntil(lambda: view.status_label.text() != "Loading…")
        assert view.table_row_count() == 0
        view.close()
    finally:
        link.close()  # waits for the window's worker and the prewarm thread
    thread = prewarm_thread(link)
    assert thread is not None and not thread.is_alive()


def test_the_weekly_count_for_the_tray_and_the_nudge_follows_the_one_rule(
    window: MainWindow, history: History, clock: FakeClock
) -> None:
    """A session stopped in its first hold is not saved; one stopped after half its reached plan counts."""
    link = link_to(window, history, clock)
    window.start_session("quick-stretch")
    run(window, clock, 3 + 7)  # 7 s into the first hold
    QTest.keyClick(window, Qt.Key.Key_S)
    settle(history)
    assert link.completed_this_week() == 0
    window.start_session("quick-stretch")
    run(window, clock, 3 + 20 + 4 + 6)  # the first hold finished (20 s), 6 s into the second (20 planned)
    QTest.keyClick(window, Qt.Key.Key_S)
    settle(history)
    assert stored(history, "SELECT status FROM sessions") == [("stopped",)]
    assert link.completed_this_week() == 1
