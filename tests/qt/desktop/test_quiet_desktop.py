"""Quiet reminders: Do Not Disturb read from a fake notification service on a private bus and from
gsettings, a full-screen window under Xvfb, and the scheduler holding a due reminder until the quiet ends."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from helpers import fake_notifications
from helpers.dbus_fakes import DBUS_DAEMON, bus_connection, private_bus, read_line, stop_process
from helpers.fake_clock import FakeClock
from helpers.xvfb import xvfb
from psoas_desktop.core.reminders import HeldBack
from psoas_desktop.core.settings import ReminderSettings
from psoas_desktop.qt.desktop.quiet_desktop import (
    FullScreenWindow,
    GnomeBannersOff,
    NotificationsInhibited,
    QuietDesktop,
)
from psoas_desktop.qt.desktop.reminders import (
    CHECK_INTERVAL_MS,
    HELD_CHECK_INTERVAL_MS,
    ReminderScheduler,
)

HOURLY = ReminderSettings(break_minutes=60)
needs_dbus = pytest.mark.skipif(
    DBUS_DAEMON is None or not sys.platform.startswith("linux"),
    reason="needs dbus-daemon on Linux (Debian: apt-get install dbus)",
)
needs_xvfb = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (apt: xvfb)")


def hourly_scheduler(clock: FakeClock, desktop_quiet: Callable[[], HeldBack | None]) -> ReminderScheduler:
    """A break reminder every hour, no weekly nudge, the desktop asked through `desktop_quiet`."""
    return ReminderScheduler(
        clock,
        settings=lambda: (HOURLY, 3),
        session_active=lambda: False,
        completed_this_week=lambda: None,
        last_nudged_week=lambda: "",
        remember_nudged_week=lambda week: None,
        desktop_quiet=desktop_quiet,
    )


def scheduler_with(clock: FakeClock, quiet: list[HeldBack | None]) -> ReminderScheduler:
    """An hourly scheduler whose desktop says what `quiet` ends with."""
    return hourly_scheduler(clock, lambda: quiet[-1])


def held_back(scheduler: ReminderScheduler) -> HeldBack | None:
    return scheduler.held_back  # read through a call: mypy would otherwise pin the narrowed value


# -- the scheduler, on a fake clock --------------------------------------------------------------------


def test_a_due_break_waits_while_the_desktop_is_quiet_and_shows_when_that_ends(qtbot: QtBot) -> None:
    clock = FakeClock()
    quiet: list[HeldBack | None] = [HeldBack.FULL_SCREEN]
    scheduler = scheduler_with(clock, quiet)
    shown: list[int] = []
    scheduler.break_due.connect(shown.append)
    clock.advance(3600)
    scheduler.check()
    assert shown == [] and held_back(scheduler) is HeldBack.FULL_SCREEN
    assert scheduler.check_interval_ms == HELD_CHECK_INTERVAL_MS  # looks again soon
    clock.advance(30 * 60)
    quiet.append(HeldBack.DO_NOT_DISTURB)
    scheduler.check()
    assert shown == [] and held_back(scheduler) is HeldBack.DO_NOT_DISTURB
    clock.advance(5)
    quiet.append(None)
    scheduler.check()
    assert shown == [90]  # not dropped: shown at the first check after the quiet, with the real sitting time
    assert held_back(scheduler) is None and scheduler.check_interval_ms == CHECK_INTERVAL_MS
    clock.advance(59 * 60)
    scheduler.check()
    assert shown == [90]  # the next one an interval after it was shown


def test_the_desktop_is_asked_only_when_a_reminder_is_due(qtbot: QtBot) -> None:
    clock = FakeClock()
    asked: list[str] = []

    def quiet() -> HeldBack | None:
        asked.append("asked")
        return None

    scheduler = hourly_scheduler(clock, quiet)
    clock.advance(59 * 60)
    scheduler.check()
    assert asked == []
    clock.advance(60)
    with qtbot.waitSignal(scheduler.break_due):
        scheduler.check()
    assert asked == ["asked"]


def test_the_weekly_nudge_waits_too(qtbot: QtBot) -> None:
    from datetime import datetime, timedelta, timezone

    clock = FakeClock(start=datetime(2026, 11, 27, 18, 0, tzinfo=timezone(timedelta(hours=1))))
    quiet: list[HeldBack | None] = [HeldBack.DO_NOT_DISTURB]
    remembered: list[str] = []
    scheduler = ReminderScheduler(
        clock,
        settings=lambda: (ReminderSettings(), 3),
        session_active=lambda: False,
        completed_this_week=lambda: 1,
        last_nudged_week=lambda: remembered[-1] if remembered else "",
        remember_nudged_week=remembered.append,
        desktop_quiet=lambda: quiet[-1],
    )
    nudges: list[str] = []
    scheduler.nudge_due.connect(nudges.append)
    scheduler.check()
    assert nudges == [] and remembered == []  # not marked as sent this week
    quiet.append(None)
    scheduler.check()
    assert len(nudges) == 1 and remembered == ["2026-W48"]


def test_a_failing_probe_does_not_silence_reminders(qtbot: QtBot) -> None:
    def broken() -> HeldBack | None:
        raise RuntimeError("probe broke")

    clock = FakeClock()
    scheduler = hourly_scheduler(clock, broken)
    clock.advance(3600)
    with qtbot.waitSignal(scheduler.break_due):
        scheduler.check()


def test_quiet_desktop_names_do_not_disturb_before_full_screen() -> None:
    full_screen_asked: list[bool] = []

    def full_screen() -> bool:
        full_screen_asked.append(True)
        return True

    assert QuietDesktop(do_not_disturb=[lambda: True], full_screen=full_screen).held_back() is (
        HeldBack.DO_NOT_DISTURB
    )
    assert full_screen_asked == []
    assert QuietDesktop(do_not_disturb=[lambda: False], full_screen=full_screen).held_back() is (
        HeldBack.FULL_SCREEN
    )
    assert QuietDesktop(do_not_disturb=[], full_screen=None).held_back() is None


# -- Do Not Disturb on a private session bus -----------------------------------------------------------


@pytest.fixture
def bus_address(tmp_path: Path) -> Iterator[str]:
    with private_bus(tmp_path) as address:
        yield address


@pytest.fixture
def notifications(bus_address: str) -> Iterator[subprocess.Popen[str]]:
    process = fake_notifications.start(bus_address)
    try:
        assert read_line(process.stdout, 20.0, "the fake notification service") == "ready"
        yield process
    finally:
        stop_process(process)


@needs_dbus
@pytest.mark.usefixtures("notifications")
def test_inhibited_on_the_bus_holds_the_reminder_until_it_is_false(qtbot: QtBot, bus_address: str) -> None:
    with bus_connection(bus_address, "test-quiet-probe") as bus:
        probe = NotificationsInhibited(bus)
        assert probe() is False
        fake_notifications.set_inhibited(bus, True)
        assert probe() is True
        clock = FakeClock()
        quiet = QuietDesktop(do_not_disturb=[probe], full_screen=None)
        scheduler = hourly_scheduler(clock, quiet.held_back)
        shown: list[int] = []
        scheduler.break_due.connect(shown.append)
        clock.advance(3600)
        scheduler.check()
        assert shown == [] and held_back(scheduler) is HeldBack.DO_NOT_DISTURB
        fake_notifications.set_inhibited(bus, False)
        clock.advance(5)
        scheduler.check()
        assert shown == [60]


@needs_dbus
def test_no_notification_service_is_not_quiet(bus_address: str) -> None:
    with bus_connection(bus_address, "test-quiet-probe") as bus:
        assert NotificationsInhibited(bus)() is False
    assert NotificationsInhibited(None)() is False


# -- GNOME's show-banners through gsettings ------------------------------------------------------------


def fake_gsettings(tmp_path: Path, script: str) -> str:
    path = tmp_path / "gsettings"
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_gnome_banners_off_is_do_not_disturb(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    off = fake_gsettings(tmp_path, f'echo "$@" >> {calls}; echo false')
    assert GnomeBannersOff(off, desktop="ubuntu:GNOME")() is True
    assert calls.read_text(encoding="utf-8") == "get org.gnome.desktop.notifications show-banners\n"
    on = fake_gsettings(tmp_path, "echo true")
    assert GnomeBannersOff(on, desktop="GNOME")() is False


def test_gnome_banners_are_read_only_on_gnome_and_a_missing_schema_is_asked_once(tmp_path: Path) -> None:
    off = fake_gsettings(tmp_path, "echo false")
    assert GnomeBannersOff(off, desktop="KDE")() is False  # a value left from GNOME does not silence KDE
    assert GnomeBannersOff(None, desktop="GNOME")() is False
    calls = tmp_path / "calls"
    missing = fake_gsettings(tmp_path, f"echo x >> {calls}; echo 'No such schema' >&2; exit 1")
    probe = GnomeBannersOff(missing, desktop="GNOME")
    assert probe() is False and probe() is False
    assert calls.read_text(encoding="utf-8") == "x\n"
    assert GnomeBannersOff(str(tmp_path / "absent"), desktop="GNOME")() is False


# -- full screen under Xvfb ----------------------------------------------------------------------------


@pytest.fixture
def x_display() -> Iterator[str]:
    with xvfb("640x480x24") as number:
        yield number


@needs_xvfb
def test_an_active_full_screen_window_is_seen_and_ours_is_ignored(x_display: str) -> None:
    from Xlib import X, Xatom
    from Xlib.display import Display

    # No window manager runs under Xvfb: the test plays its part and sets the EWMH properties itself.
    wm = Display(x_display)
    try:
        root = wm.screen().root
        window = root.create_window(0, 0, 100, 100, 0, X.CopyFromParent)
        net_active = wm.intern_atom("_NET_ACTIVE_WINDOW")
        net_state = wm.intern_atom("_NET_WM_STATE")
        full = wm.intern_atom("_NET_WM_STATE_FULLSCREEN")
        ours: list[int] = []
        probe = FullScreenWindow(x_display, lambda: ours)
        try:
            assert probe() is False  # no active window at all
            root.change_property(net_active, Xatom.WINDOW, 32, [window.id])
            window.change_property(net_state, Xatom.ATOM, 32, [])
            wm.sync()
            assert probe() is False
            window.change_property(net_state, Xatom.ATOM, 32, [full])
            wm.sync()
            assert probe() is True
            ours.append(window.id)  # our own mat mode is full screen: not a presentation
            assert probe() is False
            ours.clear()
            window.change_property(net_state, Xatom.ATOM, 32, [])
            wm.sync()
            assert probe() is False
            window.destroy()  # the active window is gone: not full screen, no error
            wm.sync()
            assert probe() is False
        finally:
            probe.close()
    finally:
        wm.close()


def test_no_x_server_is_not_full_screen(tmp_path: Path) -> None:
    probe = FullScreenWindow(f"unix:{tmp_path}/nothing:0")
    assert probe() is False
    probe.close()
