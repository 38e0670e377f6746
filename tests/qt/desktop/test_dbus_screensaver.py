"""ScreenSaverInhibitor against real D-Bus: a private dbus-daemon stands in for the session bus and a fake
``org.freedesktop.ScreenSaver`` (its own process, typed like KDE's) records what it is asked."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMetaObject
from PySide6.QtDBus import QDBusConnection, QDBusInterface
from pytestqt.qtbot import QtBot

from helpers import fake_screensaver
from helpers.dbus_fakes import DBUS_DAEMON, bus_connection, private_bus, read_line, stop_process
from helpers.fake_screensaver import FIRST_COOKIE, recorded_calls
from psoas_desktop.qt.desktop import screensaver
from psoas_desktop.qt.desktop.screensaver import ScreenSaverInhibitor

pytestmark = pytest.mark.skipif(
    DBUS_DAEMON is None or not sys.platform.startswith("linux"),
    reason="needs dbus-daemon on Linux (Debian: apt-get install dbus)",
)

LOGGER = "psoas_desktop.qt.desktop.screensaver"
MAIN_PATH = "/org/freedesktop/ScreenSaver"
OLD_PATH = "/ScreenSaver"
REASON = "Workout session running"


@pytest.fixture
def bus_address(tmp_path: Path) -> Iterator[str]:
    with private_bus(tmp_path) as address:
        yield address


@pytest.fixture
def session_bus(bus_address: str) -> Iterator[QDBusConnection]:
    with bus_connection(bus_address, "test-screensaver-client") as bus:
        assert bus.isConnected(), bus.lastError().message()
        yield bus


@pytest.fixture
def start_fake(bus_address: str) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(*paths: str) -> subprocess.Popen[str]:
        process = fake_screensaver.start(bus_address, *paths)
        started.append(process)
        assert read_line(process.stdout, 20.0, "the fake screen saver") == "ready"
        return process

    yield start
    for process in started:
        stop_process(process)


def is_active(inhibitor: ScreenSaverInhibitor) -> bool:
    """A call, not a property read: mypy would carry ``assert inhibitor.active`` over to later asserts."""
    return inhibitor.active


def calls(bus: QDBusConnection) -> list[tuple[str, str, list[Any]]]:
    return [(c["path"], c["member"], c["arguments"]) for c in recorded_calls(bus)]


def test_inhibit_then_release_hands_back_the_same_cookie(
    qtbot: QtBot, session_bus: QDBusConnection, start_fake: Callable[..., subprocess.Popen[str]]
) -> None:
    start_fake()
    inhibitor = ScreenSaverInhibitor(bus=session_bus)

    with qtbot.waitSignal(inhibitor.active_changed, timeout=5000) as became_active:
        inhibitor.inhibit(REASON)
    assert became_active.args == [True]
    assert is_active(inhibitor)
    inhibitor.inhibit("a second session start")  # idempotent: no second Inhibit

    with qtbot.waitSignal(inhibitor.active_changed, timeout=5000) as became_inactive:
        inhibitor.release()
    assert became_inactive.args == [False]
    assert not is_active(inhibitor)
    # A cookie above INT32_MAX came back as a real uint32, or the typed fake would not have matched it.
    qtbot.waitUntil(lambda: len(calls(session_bus)) == 2, timeout=5000)
    inhibitor.release()  # idempotent: nothing more is sent
    assert calls(session_bus) == [
        (MAIN_PATH, "Inhibit", ["Psoas Desktop", REASON]),
        (MAIN_PATH, "UnInhibit", [FIRST_COOKIE]),
    ]

    # And again: a new cookie, handed back in turn.
    with qtbot.waitSignal(inhibitor.active_changed, timeout=5000):
        inhibitor.inhibit(REASON)
    inhibitor.release()
    qtbot.waitUntil(lambda: len(calls(session_bus)) == 4, timeout=5000)
    assert calls(session_bus)[2:] == [
        (MAIN_PATH, "Inhibit", ["Psoas Desktop", REASON]),
        (MAIN_PATH, "UnInhibit", [FIRST_COOKIE + 1]),
    ]


def test_the_old_screensaver_path_is_tried_next(
    qtbot: QtBot, session_bus: QDBusConnection, start_fake: Callable[..., subprocess.Popen[str]]
) -> None:
    start_fake(OLD_PATH)
    inhibitor = ScreenSaverInhibitor(bus=session_bus, app_name="Psoas Test")
    with qtbot.waitSignal(inhibitor.active_changed, timeout=5000):
        inhibitor.inhibit(REASON)
    inhibitor.release()
    qtbot.waitUntil(lambda: len(calls(session_bus)) == 2, timeout=5000)
    assert calls(session_bus) == [
        (OLD_PATH, "Inhibit", ["Psoas Test", REASON]),
        (OLD_PATH, "UnInhibit", [FIRST_COOKIE]),
    ]


def test_release_while_inhibit_is_in_flight_hands_the_cookie_back_on_arrival(
    qtbot: QtBot, session_bus: QDBusConnection, start_fake: Callable[..., subprocess.Popen[str]]
) -> None:
    start_fake()
    inhibitor = ScreenSaverInhibitor(bus=session_bus)
    changes: list[bool] = []
    inhibitor.active_changed.connect(changes.append)
    inhibitor.inhibit(REASON)
    inhibitor.release()  # the answer cannot have arrived: no event has been processed since
    qtbot.waitUntil(lambda: len(calls(session_bus)) == 2, timeout=5000)
    assert calls(session_bus) == [
        (MAIN_PATH, "Inhibit", ["Psoas Desktop", REASON]),
        (MAIN_PATH, "UnInhibit", [FIRST_COOKIE]),
    ]
    assert not is_active(inhibitor)
    assert changes == []


def test_without_a_screen_saver_service_it_stays_inactive_and_says_so(
    qtbot: QtBot, session_bus: QDBusConnection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    inhibitor = ScreenSaverInhibitor(bus=session_bus)
    inhibitor.inhibit(REASON)
    qtbot.waitUntil(lambda: "screen saver inhibition unavailable" in caplog.text, timeout=5000)
    assert "org.freedesktop.DBus.Error.ServiceUnknown" in caplog.text
    assert not is_active(inhibitor)
    inhibitor.release()
    assert not is_active(inhibitor)


def test_a_service_that_vanished_before_release_is_no_error(
    qtbot: QtBot,
    session_bus: QDBusConnection,
    start_fake: Callable[..., subprocess.Popen[str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    fake = start_fake()
    inhibitor = ScreenSaverInhibitor(bus=session_bus)
    with qtbot.waitSignal(inhibitor.active_changed, timeout=5000):
        inhibitor.inhibit(REASON)
    stop_process(fake)
    inhibitor.release()
    assert not is_active(inhibitor)
    assert "screen saver: cannot call UnInhibit" in caplog.text


def test_without_a_session_bus_it_stays_inactive_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    with bus_connection("unix:path=/nonexistent/psoas-test-bus", "test-no-session-bus") as bus:
        inhibitor = ScreenSaverInhibitor(bus=bus)
        for _session in range(3):
            inhibitor.inhibit(REASON)
            assert not is_active(inhibitor)
            inhibitor.release()
    said = [r for r in caplog.records if "screen saver inhibition unavailable: no session bus" in r.message]
    assert len(said) == 1  # once, not at every session start


def test_off_linux_it_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    inhibitor = ScreenSaverInhibitor()
    inhibitor.inhibit(REASON)
    inhibitor.release()
    assert not is_active(inhibitor)


def test_a_hung_screen_saver_holds_up_release_only_briefly(
    qtbot: QtBot,
    session_bus: QDBusConnection,
    start_fake: Callable[..., subprocess.Popen[str]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """UnInhibit is the one synchronous call: its time limit, not the 25 s D-Bus default, bounds it; and the
    interface is built without introspecting the (hung) service."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    limits: list[int] = []

    class RecordingMetaObject:
        """The synchronous call's time limit, read as it is made (instead of timing the call)."""

        @staticmethod
        def invokeMethod(target: QDBusInterface, *args: Any) -> bool:
            limits.append(target.timeout())
            return bool(QMetaObject.invokeMethod(target, *args))

    monkeypatch.setattr(screensaver, "QMetaObject", RecordingMetaObject)
    fake = start_fake()
    inhibitor = ScreenSaverInhibitor(bus=session_bus)
    with qtbot.waitSignal(inhibitor.active_changed, timeout=5000):
        inhibitor.inhibit(REASON)
    os.kill(fake.pid, signal.SIGSTOP)
    try:
        inhibitor.release()
    finally:
        os.kill(fake.pid, signal.SIGCONT)
    assert limits == [100]  # ms: not the 25 s D-Bus default
    assert not is_active(inhibitor)
    # Unanswered within that limit; and the interface was usable, so it was not introspected from the hung
    # service (that would have failed and said "cannot call UnInhibit").
    assert "screen saver: UnInhibit sent, no answer within 100 ms" in caplog.text
    assert "cannot call UnInhibit" not in caplog.text
    # The message itself was sent: the fake, awake again, still receives it.
    qtbot.waitUntil(lambda: len(calls(session_bus)) == 2, timeout=5000)
    assert calls(session_bus)[1] == (MAIN_PATH, "UnInhibit", [FIRST_COOKIE])
