"""A routine that grows: the window shows and runs the next session's holds as the history counts them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from helpers.fake_clock import FakeClock
from psoas_desktop.core.catalog import PhaseKind, Routine, load_catalog
from psoas_desktop.core.routine_file import check_routine
from psoas_desktop.core.settings import AppSettings
from psoas_desktop.qt.session import dialogs
from psoas_desktop.qt.session.main_window import MainWindow
from psoas_desktop.qt.settings.store import SettingsStore

GROWING = {
    "format": "psoas-routine",
    "version": 1,
    "id": "growing",
    "name": "Growing",
    "items": [{"exercise": "kneeling-psoas-stretch", "hold_seconds": 20, "sets": 1}],
    "progression": {"hold_seconds_step": 2, "every_sessions": 3, "max_hold_seconds": 40},
}


def test_the_window_plans_and_shows_the_next_sessions_hold(qtbot: QtBot, tmp_path: Path) -> None:
    base = load_catalog()
    routine = check_routine(GROWING, base)
    catalog = base.with_user_routines([routine.routine], routine.exercises)
    win = MainWindow(catalog, SettingsStore(tmp_path / "config"), AppSettings(), FakeClock())
    qtbot.addWidget(win)
    win.exercise_list.select_routine("growing")
    label = win.exercise_list.progression_label
    assert not label.isHidden() and label.text() == "Next: 20 s (+2 s after 3 sessions)"

    counted: list[str] = []

    def completed(asked: Routine) -> int:
        counted.append(asked.id)
        return 7 if asked.id == "growing" else 0

    win.completed_sessions = completed  # as the history link does once the history is open
    win.refresh_progression()
    assert label.text() == "Next: 24 s (+2 s after 2 sessions)"
    assert "growing" in counted and "psoas-3" not in counted  # only a routine that grows asks the history
    engine = win.ticker.engine
    assert engine is not None and engine.timeline.routine == "growing"
    holds = {p.seconds for p in engine.timeline.phases if p.kind is PhaseKind.HOLD}
    assert holds == {24.0}
    assert win.exercise_list.routine_combo.currentText().startswith("Growing · ")
    win.exercise_list.select_routine("psoas-3")
    assert label.isHidden()


def running(win: MainWindow) -> bool:
    """A call, not the property: mypy would keep a narrowed property across the window's own calls."""
    return win.session_active


def test_a_start_of_a_routine_that_grows_waits_for_the_history_to_count(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--start right after launch: the history opens in the background; the holds must be the next session's."""
    monkeypatch.setattr(dialogs.ConfirmStop, "ask", classmethod(lambda cls, parent: True))
    base = load_catalog()
    routine = check_routine(GROWING, base)
    catalog = base.with_user_routines([routine.routine], routine.exercises)
    win = MainWindow(catalog, SettingsStore(tmp_path / "config"), AppSettings(), FakeClock())
    qtbot.addWidget(win)
    win.start_session_when_counted("growing")
    assert not running(win) and "as soon as the history has counted" in win.statusBar().currentMessage()
    win.completed_sessions = lambda asked: 3
    win.refresh_progression()
    assert running(win)
    engine = win.ticker.engine
    assert engine is not None and {p.seconds for p in engine.timeline.phases if p.kind is PhaseKind.HOLD} == {
        22.0
    }
    win.request_stop()
    win.start_session_when_counted("quick-stretch")  # counted now, and a built-in never waits
    assert running(win) and win.ticker.engine is not None
    assert win.ticker.engine.timeline.routine == "quick-stretch"
