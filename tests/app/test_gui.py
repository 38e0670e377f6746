"""The composition root: one writer per data folder, history and sound attached after the first paint."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtNetwork import QLocalSocket
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from helpers.app_process import FAST_CLOCK_APP, FAST_CLOCK_CODE, launch, read_history, wait_for
from helpers.fake_clock import FakeClock
from psoas_desktop.app import gui as app
from psoas_desktop.app import single_instance
from psoas_desktop.app.writer_lock import LOCK_FILE_NAME, acquire_writer_lock, writer_running
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.settings import AppSettings
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.settings.store import SettingsStore
from psoas_desktop.storage.history import FILE_NAME, History
from psoas_desktop.storage.paths import resolve_paths

HOLDER = """
import sys
from pathlib import Path
from psoas_desktop.app.writer_lock import acquire_writer_lock
lock = acquire_writer_lock(Path(sys.argv[1]))
print("held" if lock.held else f"refused: {lock.message}", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the data folder's writer lock."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    with process:  # closes its pipes
        yield process
        process.kill()


def args_for(tmp_path: Path, start: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(
        data_dir=tmp_path, config_dir=tmp_path / "config", start=start, level=None, mat=False
    )


def test_a_second_process_is_refused_and_a_killed_holders_lock_is_recovered(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    refused = acquire_writer_lock(tmp_path)
    assert not refused.held and refused.other_pid == holder.pid
    assert (
        refused.message is not None
        and "already running" in refused.message
        and str(tmp_path) in refused.message
    )
    assert writer_running(tmp_path)
    holder.kill()  # SIGKILL: the lock file stays behind
    holder.wait(timeout=10)
    assert (tmp_path / LOCK_FILE_NAME).exists()
    assert not writer_running(tmp_path)  # what a command-line reader concludes from the stale lock
    recovered = acquire_writer_lock(tmp_path)
    assert recovered.held
    recovered.release()


def test_the_app_launched_twice_tells_the_user_and_exits_without_writing(
    qtbot: QtBot,
    tmp_path: Path,
    holder: subprocess.Popen[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(single_instance, "HANDOVER_PATIENCE_SECONDS", 0.3)  # the holder never answers
    assert app.run_gui(args_for(tmp_path)) == 1
    assert len(shown) == 1 and "already running" in shown[0]
    assert "already running" in capsys.readouterr().err
    assert not (tmp_path / FILE_NAME).exists()


def test_ten_launches_at_once_leave_exactly_one_instance_and_one_writer(tmp_path: Path) -> None:
    processes = [launch(tmp_path) for _ in range(10)]
    try:
        assert wait_for(lambda: sum(p.poll() is not None for p in processes) >= 9, seconds=60)
        running = [p for p in processes if p.poll() is None]
        assert len(running) == 1
        assert [p.returncode for p in processes if p is not running[0]] == [0] * 9  # handed over, exited
        holder = acquire_writer_lock(tmp_path / "data")
        assert not holder.held and holder.other_pid == running[0].pid
    finally:
        for process in processes:
            process.kill()
            process.communicate()


def test_a_second_launch_with_start_hands_the_routine_to_the_running_window(tmp_path: Path) -> None:
    with launch(tmp_path) as first:
        try:
            assert wait_for((tmp_path / "data" / FILE_NAME).exists)
            second = launch(tmp_path, "--start", "quick-stretch")
            _, err = second.communicate(timeout=60)
            assert second.returncode == 0, err
            assert wait_for(lambda: read_sessions(tmp_path / "data") == [("quick-stretch", "running")])
            assert first.poll() is None
        finally:
            first.kill()
            first.communicate()


def test_a_second_launch_with_an_unknown_routine_is_told_so_and_starts_nothing(tmp_path: Path) -> None:
    with launch(tmp_path) as first:
        try:
            assert wait_for((tmp_path / "data" / FILE_NAME).exists)
            second = launch(tmp_path, "--start", "no-such-routine")
            _, err = second.communicate(timeout=60)
            assert second.returncode == 2
            assert "the running copy does not know the routine 'no-such-routine'" in err
            assert read_sessions(tmp_path / "data") == [] and first.poll() is None
        finally:
            first.kill()
            first.communicate()


def test_an_unknown_routine_handed_over_is_refused_on_stderr_with_exit_code_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        single_instance, "hand_over", lambda *args, **kwargs: single_instance.HandOver.REFUSED
    )
    lock = acquire_writer_lock(tmp_path / "data")
    try:
        paths = resolve_paths(tmp_path / "data", tmp_path / "config")
        assert app._hand_over_or_tell(lock, paths, "x" * 5000) == 2
    finally:
        lock.release()
    err = capsys.readouterr().err
    assert err.startswith("psoas-desktop: the running copy does not know the routine 'xxx")
    assert len(err) < 300  # a long name is shortened


def ask_running_window(qtbot: QtBot, server: single_instance.InstanceServer, start: str) -> bytes:
    assert server.name is not None
    socket = QLocalSocket()
    answer = bytearray()
    socket.readyRead.connect(lambda: answer.extend(bytes(socket.readAll().data())))
    socket.connectToServer(server.name)
    socket.write(single_instance.Request(start=start).encode())
    qtbot.waitUntil(lambda: socket.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=5000)
    return bytes(answer).strip()


def test_the_window_starts_only_routines_and_exercises_it_knows(qtbot: QtBot, tmp_path: Path) -> None:
    window = MainWindow(load_catalog(), SettingsStore(tmp_path / "config"), AppSettings(), FakeClock())
    qtbot.addWidget(window)
    server = app._listen_for_later_launches(window, resolve_paths(tmp_path / "data", tmp_path / "config"))
    try:
        assert ask_running_window(qtbot, server, "no-such-routine") == b"error"
        assert window.statusBar().currentMessage().startswith("Another launch asked for an unknown routine")
        assert "no-such-routine" not in window.statusBar().currentMessage()
        assert [window.session_active, window.isVisible()] == [False, True]  # came forward, started nothing
        assert ask_running_window(qtbot, server, "bridge") == b"ok"  # an exercise id, as --start allows
        assert window.session_active
        assert ask_running_window(qtbot, server, "quick-stretch") == b"ok"
        assert "A session is running" in window.statusBar().currentMessage()
    finally:
        server.close()
        window.ticker.stop()


def test_the_real_app_saves_a_started_session_and_a_kill_leaves_it_interrupted(tmp_path: Path) -> None:
    """The installed app in its own process (offscreen, time ten times faster): --start begins a session
    that is on disk once its first hold finished; SIGKILL mid-session, and the next open finds it as
    interrupted."""
    data = tmp_path / "data"
    with launch(tmp_path, "--start", "quick-stretch", program=FAST_CLOCK_APP) as process:
        try:
            deadline = time.monotonic() + 30
            rows: list[tuple[object, ...]] = []
            while not rows and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.1)  # waiting for another process, not timing the app
                rows = read_sessions(data)
            assert rows == [("quick-stretch", "running")]
            refused = acquire_writer_lock(data)
            assert not refused.held and refused.other_pid == process.pid
        finally:
            process.kill()
    # Readers (export, history) show the session whose app is gone as interrupted, before any reopening.
    exported = subprocess.run(
        [sys.executable, "-m", "psoas_desktop", "export", "--format", "json", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert [s["status"] for s in json.loads(exported.stdout)["sessions"]] == ["interrupted"]
    history = History.open(data, now=lambda: datetime.now(UTC))
    try:
        assert [(s.routine, s.status) for s in history.history.sessions()] == [
            ("quick-stretch", "interrupted")
        ]
    finally:
        history.history.close()


# Like a window opened on a hidden workspace: never exposed, never painted (time ten times faster, so that
# the session's first hold, which creates its row, finishes within seconds).
NEVER_SHOWN = (
    """
from psoas_desktop.qt.session.main_window import MainWindow
MainWindow.show = lambda self: None
"""
    + FAST_CLOCK_CODE
)


def test_a_window_that_is_never_painted_still_gets_its_history_and_session(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with launch(tmp_path, "--start", "quick-stretch", program=("-c", NEVER_SHOWN)) as process:
        try:
            assert wait_for(lambda: read_sessions(data) == [("quick-stretch", "running")])
        finally:
            process.kill()


def read_sessions(data: Path) -> list[tuple[object, ...]]:
    return read_history(data, "SELECT routine, status FROM sessions")


FIRST_PAINT_PROBE = """
import sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

HEAVY = ("pyqtgraph", "numpy", "PySide6.QtMultimedia", "PySide6.QtTextToSpeech", "psoas_desktop.qt.sound.cue_player",
         "psoas_desktop.qt.history.window", "psoas_desktop.storage.history", "PySide6.QtNetwork",
         "PySide6.QtDBus", "psoas_desktop.qt.session.dialogs", "psoas_desktop.qt.settings.dialog")

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and isinstance(watched, QMainWindow):
            print("loaded:" + ",".join(m for m in HEAVY if m in sys.modules), flush=True)
            QApplication.instance().exit(0)
        return False

app = QApplication(sys.argv[:1])
probe = FirstPaint()
app.installEventFilter(probe)
from psoas_desktop.app.cli import main
sys.exit(main(["--data-dir", sys.argv[1], "--config-dir", sys.argv[2]]))
"""


def test_charts_sound_database_sockets_d_bus_and_dialogs_load_after_the_first_paint(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT_PROBE, str(tmp_path / "data"), str(tmp_path / "config")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert "loaded:\n" in result.stdout, result.stdout


def lock_holder(data: Path) -> int | None:
    """The pid in the writer lock file, as QLockFile wrote it (first line)."""
    try:
        first = (data / LOCK_FILE_NAME).read_text(encoding="utf-8").split("\n", 1)[0]
    except OSError:
        return None
    return int(first) if first.isdigit() else None


def test_a_killed_instances_lock_and_socket_are_recovered_by_the_next_launch(tmp_path: Path) -> None:
    name = single_instance.server_name(tmp_path / "data")
    assert name is not None
    socket_path = Path(name)
    with launch(tmp_path) as killed:
        assert wait_for(socket_path.exists)
        killed.kill()  # SIGKILL: lock file and socket stay behind
        killed.communicate()
    assert socket_path.exists() and (tmp_path / "data" / LOCK_FILE_NAME).exists()
    with launch(tmp_path) as successor:
        try:
            # Read, never taken: trying the lock here could take it between the kill and the successor.
            assert wait_for(lambda: lock_holder(tmp_path / "data") == successor.pid)
            third = launch(tmp_path)
            _, err = third.communicate(timeout=60)
            assert third.returncode == 0, err  # handed over to the successor's fresh socket
            assert successor.poll() is None
        finally:
            successor.kill()
            successor.communicate()


def test_the_pieces_after_the_first_paint_come_up_in_order_one_per_event_loop_turn(qtbot: QtBot) -> None:
    from PySide6.QtCore import QObject, QTimer

    owner = QObject()
    ran: list[str] = []

    def history() -> None:
        ran.append("history")
        QTimer.singleShot(0, lambda: ran.append("user input"))  # e.g. a key press waiting in the queue

    app._in_turns(owner, [history, lambda: ran.append("sound"), lambda: ran.append("socket")])
    assert ran == []  # nothing in the turn that painted the window
    qtbot.waitUntil(lambda: len(ran) == 4, timeout=5000)
    assert ran == ["history", "user input", "sound", "socket"]  # the loop answers between two pieces


def test_no_piece_runs_once_the_window_is_gone(qtbot: QtBot) -> None:
    import shiboken6
    from PySide6.QtCore import QObject, QTimer

    owner = QObject()
    ran: list[str] = []
    app._in_turns(owner, [lambda: ran.append("history")])
    shiboken6.delete(owner)
    done: list[bool] = []
    QTimer.singleShot(20, lambda: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert ran == []


def test_no_piece_runs_once_the_window_is_closing(qtbot: QtBot) -> None:
    from PySide6.QtCore import QObject

    owner = QObject()
    ran: list[str] = []
    closing = [False]

    def history() -> None:
        ran.append("history")
        closing[0] = True  # the user closed the window right after the first piece

    app._in_turns(owner, [history, lambda: ran.append("--start session")], stop_when=lambda: closing[0])
    qtbot.waitUntil(lambda: ran == ["history"], timeout=5000)
    barrier: list[str] = []
    app._in_turns(owner, [lambda: barrier.append("a turn"), lambda: barrier.append("a later turn")])
    qtbot.waitUntil(lambda: len(barrier) == 2, timeout=5000)  # past the turn the session would have had
    assert ran == ["history"]


def test_a_piece_that_raises_does_not_keep_the_others_down(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QObject

    reported: list[BaseException] = []
    monkeypatch.setattr("sys.excepthook", lambda _type, error, _tb: reported.append(error))
    ran: list[str] = []

    def broken_sound() -> None:
        raise RuntimeError("sound module is broken")

    app._in_turns(QObject(), [broken_sound, lambda: ran.append("tray"), lambda: ran.append("socket")])
    qtbot.waitUntil(lambda: ran == ["tray", "socket"], timeout=5000)
    assert [str(e) for e in reported] == ["sound module is broken"]  # still reaches the crash handler
