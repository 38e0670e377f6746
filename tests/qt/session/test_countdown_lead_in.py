"""The countdown shows the counted lead-in into a hold, as it is heard: "Hold in 3" over the set."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from psoas_desktop.core.catalog import load_catalog
from psoas_desktop.core.engine import SessionEngine
from psoas_desktop.core.plan import build_timeline
from psoas_desktop.core.settings import Settings
from psoas_desktop.qt.session.countdown import CountdownWidget


def quick_stretch_started(qtbot: QtBot) -> tuple[SessionEngine, FakeClock, CountdownWidget]:
    """quick-stretch just started on a fake clock, and a countdown to show it."""
    catalog = load_catalog()
    clock = FakeClock()
    engine = SessionEngine(build_timeline(catalog, catalog.routine("quick-stretch"), Settings()), clock)
    widget = CountdownWidget()
    qtbot.addWidget(widget)
    engine.start()
    return engine, clock, widget


def test_the_phase_line_counts_into_the_hold_and_the_screen_reader_hears_it(qtbot: QtBot) -> None:
    engine, clock, widget = quick_stretch_started(qtbot)
    seen: list[str] = []
    for _ in range(12):  # the 5 s get-ready and the hold's first second, every half second
        widget.show_snapshot(engine.poll().snapshot)
        seen.append(f"{widget.phase_text()} | {widget.counters_text()}")
        clock.advance(0.5)
    assert seen == [
        *["Get ready · RIGHT side | Set 1 / 2"] * 4,
        *["Get ready · RIGHT side | Hold in 3 · Set 1 / 2"] * 2,
        *["Get ready · RIGHT side | Hold in 2 · Set 1 / 2"] * 2,
        *["Get ready · RIGHT side | Hold in 1 · Set 1 / 2"] * 2,
        *["Hold · RIGHT side | Set 1 / 2"] * 2,
    ]


def test_a_paused_lead_in_says_paused_not_a_count(qtbot: QtBot) -> None:
    engine, clock, widget = quick_stretch_started(qtbot)
    clock.advance(3.0)
    widget.show_snapshot(engine.poll().snapshot)
    assert "Hold in 2" in widget.accessibleDescription()
    engine.pause()
    widget.show_snapshot(engine.poll().snapshot)
    assert widget.phase_text() == "Get ready · RIGHT side · paused"
    assert "Hold in" not in widget.counters_text()
