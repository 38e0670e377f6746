"""SleepWatcher against real D-Bus: a private dbus-daemon stands in for the system bus, a fake logind owns
``org.freedesktop.login1`` on it (in this process, on its own connection), and the watcher listens through
another connection, exactly as it would to the real system bus."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtDBus import QDBus, QDBusConnection, QDBusMessage
from pytestqt.qtbot import QtBot

from helpers.dbus_fakes import (
    DBUS_DAEMON,
    LOGIND_MANAGER,
    LOGIND_PATH,
    FakeLogind,
    bus_connection,
    private_bus,
)
from psoas_desktop.qt.desktop.sleep_watch import DELAY_LOCK_REASON, SleepWatcher

pytestmark = pytest.mark.skipif(
    DBUS_DAEMON is None or not sys.platform.startswith("linux"),
    reason="needs dbus-daemon on Linux (Debian: apt-get install dbus)",
)

LOGGER = "psoas_desktop.qt.desktop.sleep_watch"


@pytest.fixture
def bus_address(tmp_path: Path) -> Iterator[str]:
    with private_bus(tmp_path) as address:
        yield address


@pytest.fixture
def system_bus(bus_address: str) -> Iterator[QDBusConnection]:
    with bus_connection(bus_address, "test-sleep-watcher") as bus:
        assert bus.isConnected(), bus.lastError().message()
        yield bus


@pytest.fixture
def logind(bus_address: str) -> Iterator[FakeLogind]:
    with bus_connection(bus_address, "test-fake-logind") as bus:
        fake = FakeLogind(bus)
        yield fake
        fake.close()


def test_prepare_for_sleep_true_pauses_and_false_resumes(
    qtbot: QtBot, logind: FakeLogind, system_bus: QDBusConnection
) -> None:
    watcher = SleepWatcher(bus=system_bus)
    assert watcher.available
    events: list[str] = []
    watcher.preparing_for_sleep.connect(lambda: events.append("sleep"))
    watcher.resumed.connect(lambda: events.append("resume"))

    with qtbot.waitSignal(watcher.preparing_for_sleep, timeout=5000):
        logind.emit_prepare_for_sleep(True)
    with qtbot.waitSignal(watcher.resumed, timeout=5000):
        logind.emit_prepare_for_sleep(False)

    assert events == ["sleep", "resume"]
    assert logind.calls == []  # no delay lock unless asked for


def test_a_prepare_for_sleep_from_anyone_but_logind_is_ignored(
    qtbot: QtBot, bus_address: str, logind: FakeLogind, system_bus: QDBusConnection
) -> None:
    watcher = SleepWatcher(bus=system_bus)
    events: list[str] = []
    watcher.preparing_for_sleep.connect(lambda: events.append("sleep"))
    with bus_connection(bus_address, "test-impostor") as impostor:
        signal = QDBusMessage.createSignal(LOGIND_PATH, LOGIND_MANAGER, "PrepareForSleep")
        signal.setArguments([True])
        assert impostor.send(signal)
        # A round trip on the impostor's connection: the daemon has routed its signal before answering.
        ping = QDBusMessage.createMethodCall(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId"
        )
        assert impostor.call(ping, QDBus.CallMode.Block, 5000).type() == QDBusMessage.MessageType.ReplyMessage
    # Anything the impostor's signal caused would be delivered before logind's own signal.
    with qtbot.waitSignal(watcher.resumed, timeout=5000):
        logind.emit_prepare_for_sleep(False)
    assert events == []


def test_without_logind_it_is_unavailable_and_says_so(
    system_bus: QDBusConnection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    watcher = SleepWatcher(bus=system_bus)
    assert not watcher.available
    assert "org.freedesktop.login1 is not on the system bus" in caplog.text
    watcher.set_delay_lock(True)  # harmless
    assert not watcher.delay_lock_held


def test_without_a_bus_it_is_unavailable_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    with bus_connection("unix:path=/nonexistent/psoas-test-bus", "test-no-bus") as bus:
        watcher = SleepWatcher(bus=bus)
        assert not watcher.available
        watcher.set_delay_lock(True)
        assert not watcher.delay_lock_held
    assert "sleep watch unavailable: no system bus" in caplog.text


def test_off_linux_it_is_unavailable_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    monkeypatch.setattr(sys, "platform", "darwin")
    watcher = SleepWatcher()
    assert not watcher.available
    assert "Linux only" in caplog.text


def test_delay_lock_is_held_while_wanted_and_released_right_after_the_pause(
    qtbot: QtBot, logind: FakeLogind, system_bus: QDBusConnection
) -> None:
    watcher = SleepWatcher(bus=system_bus)
    watcher.set_delay_lock(True)
    qtbot.waitUntil(lambda: watcher.delay_lock_held, timeout=5000)
    assert [(c.member, c.signature, c.arguments) for c in logind.calls] == [
        ("Inhibit", "ssss", ("sleep", "Psoas Desktop", DELAY_LOCK_REASON, "delay"))
    ]
    assert logind.lock_is_open(0)

    during_pause: list[tuple[bool, bool]] = []
    watcher.preparing_for_sleep.connect(
        lambda: during_pause.append((watcher.delay_lock_held, logind.lock_is_open(0)))
    )
    with qtbot.waitSignal(watcher.preparing_for_sleep, timeout=5000):
        logind.emit_prepare_for_sleep(True)
    assert during_pause == [(True, True)]  # logind is still waiting for us while the app pauses
    assert not watcher.delay_lock_held
    qtbot.waitUntil(lambda: not logind.lock_is_open(0), timeout=5000)  # no stray copy keeps it

    # Awake again and still wanted: a fresh lock.
    with qtbot.waitSignal(watcher.resumed, timeout=5000):
        logind.emit_prepare_for_sleep(False)
    qtbot.waitUntil(lambda: watcher.delay_lock_held, timeout=5000)
    assert len(logind.calls) == 2
    assert logind.lock_is_open(1)

    watcher.set_delay_lock(False)
    assert not watcher.delay_lock_held
    qtbot.waitUntil(lambda: not logind.lock_is_open(1), timeout=5000)


def test_a_pause_that_drops_the_lock_itself_is_fine(
    qtbot: QtBot, logind: FakeLogind, system_bus: QDBusConnection
) -> None:
    """The app's slot pauses the session and, the session no longer running, drops the lock on the spot."""
    watcher = SleepWatcher(bus=system_bus)
    watcher.set_delay_lock(True)
    qtbot.waitUntil(lambda: watcher.delay_lock_held, timeout=5000)
    watcher.preparing_for_sleep.connect(lambda: watcher.set_delay_lock(False))
    with qtbot.waitSignal(watcher.preparing_for_sleep, timeout=5000):
        logind.emit_prepare_for_sleep(True)
    qtbot.waitUntil(lambda: not logind.lock_is_open(0), timeout=5000)
    with qtbot.waitSignal(watcher.resumed, timeout=5000):
        logind.emit_prepare_for_sleep(False)
    assert not watcher.delay_lock_held
    assert len(logind.calls) == 1  # not wanted any more: not taken again


def test_a_lock_no_longer_wanted_when_it_arrives_is_closed_at_once(
    qtbot: QtBot, logind: FakeLogind, system_bus: QDBusConnection
) -> None:
    watcher = SleepWatcher(bus=system_bus)
    watcher.set_delay_lock(True)
    watcher.set_delay_lock(False)  # before logind answered
    qtbot.waitUntil(lambda: len(logind.lock_read_ends) == 1, timeout=5000)
    qtbot.waitUntil(lambda: not logind.lock_is_open(0), timeout=5000)
    assert not watcher.delay_lock_held


def test_a_refused_lock_is_logged_and_the_signals_still_work(
    qtbot: QtBot, logind: FakeLogind, system_bus: QDBusConnection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    logind.refuse_inhibit = True
    watcher = SleepWatcher(bus=system_bus)
    watcher.set_delay_lock(True)
    qtbot.waitUntil(
        lambda: "no delay lock (org.freedesktop.DBus.Error.AccessDenied" in caplog.text, timeout=5000
    )
    assert not watcher.delay_lock_held
    with qtbot.waitSignal(watcher.preparing_for_sleep, timeout=5000):
        logind.emit_prepare_for_sleep(True)
