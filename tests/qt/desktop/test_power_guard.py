"""The real main window, a fake clock and real D-Bus: a private dbus-daemon carries a fake logind (in this
process) and a fake org.freedesktop.ScreenSaver (its own process); the app's watcher and inhibitor talk to
them through their own connection, as they would to the system and session buses."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtDBus import QDBusConnection
from pytestqt.qtbot import QtBot

from helpers import fake_screensaver
from helpers.app_process import launch
from helpers.dbus_fakes import DBUS_DAEMON, FakeLogind, bus_connection, private_bus, read_line, stop_process
from helpers.fake_clock import FakeClock
from helpers.fake_screensaver import FIRST_COOKIE, recorded_calls
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.engine import EngineState
from psoas_desktop.core.settings import AppSettings, Settings
from psoas_desktop.qt.desktop.power_guard import (
    INHIBIT_REASON,
    PAUSED_FOR_SLEEP,
    WELCOME_BACK,
    SessionPowerGuard,
)
from psoas_desktop.qt.desktop.screensaver import ScreenSaverInhibitor
from psoas_desktop.qt.desktop.sleep_watch import SleepWatcher
from psoas_desktop.qt.session import dialogs
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.settings.store import SettingsStore

needs_dbus = pytest.mark.skipif(
    DBUS_DAEMON is None or not sys.platform.startswith("linux"),
    reason="needs dbus-daemon on Linux (Debian: apt-get install dbus)",
)
WAIT_MS = 5000


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def window(
    qtbot: QtBot, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    monkeypatch.setattr(dialogs.ConfirmStop, "ask", classmethod(lambda cls, parent: True))
    settings = AppSettings(workout=Settings(lead_in_seconds=3))
    win = MainWindow(load_catalog(), SettingsStore(tmp_path / "config"), settings, clock)
    qtbot.addWidget(win)
    win.show()
    yield win
    if win.session_active:
        win.ticker.stop()


@pytest.fixture
def bus_address(tmp_path: Path) -> Iterator[str]:
    with private_bus(tmp_path) as address:
        yield address


@pytest.fixture
def logind(bus_address: str) -> Iterator[FakeLogind]:
    with bus_connection(bus_address, "test-guard-logind") as bus:
        fake = FakeLogind(bus)
        yield fake
        fake.close()


@pytest.fixture
def screen_saver_process(bus_address: str) -> Iterator[subprocess.Popen[str]]:
    process = fake_screensaver.start(bus_address)
    assert read_line(process.stdout, 20.0, "the fake screen saver") == "ready"
    yield process
    stop_process(process)


@pytest.fixture
def app_bus(bus_address: str) -> Iterator[QDBusConnection]:
    with bus_connection(bus_address, "test-guard-app") as bus:
        assert bus.isConnected(), bus.lastError().message()
        yield bus


@pytest.fixture
def guard(
    window: MainWindow,
    logind: FakeLogind,
    screen_saver_process: subprocess.Popen[str],
    app_bus: QDBusConnection,
) -> Iterator[SessionPowerGuard]:
    power = SessionPowerGuard(
        window,
        sleep_watcher=SleepWatcher(window, bus=app_bus),
        screen_saver=ScreenSaverInhibitor(window, bus=app_bus),
    )
    assert power.sleep_watcher.available
    yield power
    power.stop()


def state_of(window: MainWindow) -> EngineState:
    engine = window.ticker.engine
    assert engine is not None
    return engine.state


def screen_saver_calls(bus: QDBusConnection) -> list[tuple[str, list[Any]]]:
    return [(call["member"], call["arguments"]) for call in recorded_calls(bus)]


def protected(guard: SessionPowerGuard) -> bool:
    """Screen saver held off and delay lock held (a call: mypy would pin a narrowed property)."""
    return guard.screen_saver.active and guard.sleep_watcher.delay_lock_held


def unprotected(guard: SessionPowerGuard) -> bool:
    return not guard.screen_saver.active and not guard.sleep_watcher.delay_lock_held


@needs_dbus
def test_a_running_session_keeps_the_screen_on_and_is_paused_before_sleep(
    qtbot: QtBot, guard: SessionPowerGuard, logind: FakeLogind, app_bus: QDBusConnection, clock: FakeClock
) -> None:
    window = guard.window
    assert unprotected(guard)  # idle: nothing asked of the desktop
    assert logind.calls == []

    window.start_session("quick-stretch")
    qtbot.waitUntil(lambda: protected(guard), timeout=WAIT_MS)
    assert [call.member for call in logind.calls] == ["Inhibit"]
    assert logind.lock_is_open(0)
    assert screen_saver_calls(app_bus) == [("Inhibit", ["Psoas Desktop", INHIBIT_REASON])]

    clock.advance(2.0)
    left_before_sleep = window.ticker.poll()
    assert left_before_sleep is not None
    with qtbot.waitSignal(guard.sleep_watcher.preparing_for_sleep, timeout=WAIT_MS):
        logind.emit_prepare_for_sleep(True)
    assert state_of(window) is EngineState.PAUSED
    assert window.statusBar().currentMessage() == PAUSED_FOR_SLEEP
    assert unprotected(guard)
    qtbot.waitUntil(lambda: not logind.lock_is_open(0), timeout=WAIT_MS)  # logind may suspend now
    qtbot.waitUntil(lambda: len(screen_saver_calls(app_bus)) == 2, timeout=WAIT_MS)
    assert screen_saver_calls(app_bus)[1] == ("UnInhibit", [FIRST_COOKIE])

    clock.advance(3600.0)  # an hour asleep: the paused phase keeps its remaining time
    with qtbot.waitSignal(guard.sleep_watcher.resumed, timeout=WAIT_MS):
        logind.emit_prepare_for_sleep(False)
    assert window.statusBar().currentMessage() == WELCOME_BACK
    after = window.ticker.poll()
    assert after is not None and after.snapshot.state is EngineState.PAUSED
    assert after.snapshot.remaining == pytest.approx(left_before_sleep.snapshot.remaining)
    assert len(logind.calls) == 1  # paused: no lock taken again on waking

    window.toggle()  # Space: resume
    assert state_of(window) is EngineState.RUNNING
    qtbot.waitUntil(lambda: protected(guard), timeout=WAIT_MS)
    assert len(logind.calls) == 2 and logind.lock_is_open(1)

    window.ticker.stop()
    assert unprotected(guard)
    qtbot.waitUntil(lambda: not logind.lock_is_open(1), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(screen_saver_calls(app_bus)) == 4, timeout=WAIT_MS)
    assert [member for member, _ in screen_saver_calls(app_bus)] == [
        "Inhibit",
        "UnInhibit",
        "Inhibit",
        "UnInhibit",
    ]


@needs_dbus
def test_a_user_pause_hands_everything_back_and_a_sleep_then_changes_nothing(
    qtbot: QtBot, window: MainWindow, guard: SessionPowerGuard, logind: FakeLogind
) -> None:
    window.start_session("quick-stretch")
    qtbot.waitUntil(lambda: protected(guard), timeout=WAIT_MS)
    window.toggle()  # the user pauses
    assert unprotected(guard)
    window.show_message("marker")
    with qtbot.waitSignal(guard.sleep_watcher.preparing_for_sleep, timeout=WAIT_MS):
        logind.emit_prepare_for_sleep(True)
    with qtbot.waitSignal(guard.sleep_watcher.resumed, timeout=WAIT_MS):
        logind.emit_prepare_for_sleep(False)
    assert window.statusBar().currentMessage() == "marker"  # not ours to pause, nothing to say
    assert state_of(window) is EngineState.PAUSED


@needs_dbus
def test_a_completed_session_and_quitting_hand_everything_back(
    qtbot: QtBot, window: MainWindow, guard: SessionPowerGuard, logind: FakeLogind, clock: FakeClock
) -> None:
    window.start_session("quick-stretch")
    qtbot.waitUntil(lambda: protected(guard), timeout=WAIT_MS)
    while state_of(window) is EngineState.RUNNING:  # second by second: a jump would read as a sleep
        clock.advance(1.0)
        window.ticker.poll()
    assert state_of(window) is EngineState.COMPLETED
    assert unprotected(guard)

    window.start_session("quick-stretch")
    qtbot.waitUntil(lambda: protected(guard), timeout=WAIT_MS)
    guard.stop()  # the app quits mid-session
    assert unprotected(guard)
    qtbot.waitUntil(lambda: not logind.lock_is_open(1), timeout=WAIT_MS)


def test_without_any_bus_the_session_runs_and_pauses_as_before(
    qtbot: QtBot, window: MainWindow, clock: FakeClock
) -> None:
    with bus_connection("unix:path=/nonexistent/psoas-guard-bus", "test-guard-no-bus") as bus:
        guard = SessionPowerGuard(
            window,
            sleep_watcher=SleepWatcher(window, bus=bus),
            screen_saver=ScreenSaverInhibitor(window, bus=bus),
        )
        assert not guard.sleep_watcher.available
        window.start_session("quick-stretch")
        assert state_of(window) is EngineState.RUNNING
        assert unprotected(guard)
        clock.advance(1.0)
        window.toggle()
        assert state_of(window) is EngineState.PAUSED
        window.toggle()
        window.ticker.stop()
        guard.stop()
        assert state_of(window) is EngineState.STOPPED


@needs_dbus
@pytest.mark.usefixtures("screen_saver_process")
def test_the_real_app_keeps_the_screen_on_and_pauses_before_sleep(
    qtbot: QtBot, tmp_path: Path, bus_address: str, logind: FakeLogind, app_bus: QDBusConnection
) -> None:
    """The installed app in its own process, its system and session buses pointed at the private bus."""
    buses = {"DBUS_SYSTEM_BUS_ADDRESS": bus_address, "DBUS_SESSION_BUS_ADDRESS": bus_address}
    data = tmp_path / "data"
    with launch(tmp_path, "--start", "quick-stretch", env=buses) as app:
        try:
            # The fake logind answers from this process's event loop, which waitUntil keeps turning.
            qtbot.waitUntil(lambda: len(logind.lock_read_ends) == 1, timeout=30_000)
            assert logind.lock_is_open(0)
            qtbot.waitUntil(lambda: len(screen_saver_calls(app_bus)) == 1, timeout=WAIT_MS)
            assert screen_saver_calls(app_bus) == [("Inhibit", ["Psoas Desktop", INHIBIT_REASON])]

            logind.emit_prepare_for_sleep(True)
            qtbot.waitUntil(lambda: not logind.lock_is_open(0), timeout=WAIT_MS)
            qtbot.waitUntil(lambda: len(screen_saver_calls(app_bus)) == 2, timeout=WAIT_MS)
            assert screen_saver_calls(app_bus)[1] == ("UnInhibit", [FIRST_COOKIE])
            assert app.poll() is None
        finally:
            app.kill()
    log_text = (data / "psoas-desktop.log").read_text(encoding="utf-8")
    assert "system is preparing for sleep" in log_text
    assert "paused the session before sleep" in log_text
