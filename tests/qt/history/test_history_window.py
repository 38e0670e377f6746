"""The history window, driven through its public accessors, its plot items and a fake source.

"Today" is Wednesday 2026-11-18 in Berlin (its ISO week starts on Monday 2026-11-16). The fixture history,
by weeks before this one (goal 3):

- this week: 3 completed (goal met), with tightness ratings on Monday and two on Tuesday
- 1 and 2 weeks ago: 3 completed each (met) — so the current streak is 3 weeks
- 3 weeks ago: 2 completed + 1 stopped early (4 of 15 planned minutes: shown, not counted; not met)
  + 1 stopped before its first hold finished (0.0 minutes: neither shown nor counted)
- 4 weeks ago: nothing
- 20 to 23 weeks ago: 3 completed each — the best streak, 4 weeks, outside the 12-week range
"""

from __future__ import annotations

import importlib.util
import itertools
import subprocess
import sys
import threading
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QCoreApplication, QPointF, Qt
from PySide6.QtGui import QAction, QBrush, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from psoas_desktop.core.history_summary import HistorySnapshot, snapshot_of, summarize
from psoas_desktop.core.stats import SessionSummary, iso_week_start
from psoas_desktop.qt.history.charts import CalendarPage, Chart, ExercisePage, TightnessPage
from psoas_desktop.qt.history.palette import BLUE
from psoas_desktop.qt.history.window import HistoryWindow

TZ = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 11, 18)
MONDAY = iso_week_start(TODAY)
IDS = itertools.count(1)
NAMES = {"lunge": "Kneeling lunge", "bridge": "Glute bridge", "march": "Supine march"}


def session(
    day: date,
    hour: int = 7,
    *,
    status: str = "completed",
    hold_seconds: float = 600.0,
    exercises: dict[str, float] | None = None,
    left: int | None = None,
    right: int | None = None,
    routine: str = "full",
    planned: float | None = None,
) -> SessionSummary:
    return SessionSummary(
        session_id=next(IDS),
        started=datetime(day.year, day.month, day.day, hour, 0, tzinfo=TZ),
        status=status,
        routine=routine,
        level="standard",
        hold_seconds=hold_seconds,
        planned_hold_seconds=hold_seconds if planned is None else planned,
        exercise_seconds=exercises if exercises is not None else {"lunge": hold_seconds},
        tightness_left=left,
        tightness_right=right,
    )


def week(offset: int, weekday: int = 0) -> date:
    """A day of the week ``offset`` weeks before this one (weekday 0 = Monday)."""
    return MONDAY - timedelta(weeks=offset) + timedelta(days=weekday)


def fixture_history() -> list[SessionSummary]:
    history = [
        session(week(0, 0), 7, exercises={"lunge": 300.0, "bridge": 300.0}, left=6, right=4),
        session(week(0, 1), 7, left=3),
        session(week(0, 1), 19, hold_seconds=900.0, exercises={"march": 900.0}, left=5, right=2),
    ]
    for offset in (1, 2):
        history += [session(week(offset, d), hold_seconds=300.0) for d in (0, 2, 4)]
    history += [
        session(week(3, 0), left=8, right=None),
        session(week(3, 3)),
        session(week(3, 5), status="stopped", hold_seconds=240.0, planned=900.0),
        session(week(3, 6), status="stopped", hold_seconds=0.0, exercises={}, planned=30.0),
    ]
    for offset in (20, 21, 22, 23):
        history += [session(week(offset, d), hold_seconds=120.0) for d in (1, 3, 6)]
    return history


class FakeSource:
    def __init__(self, items: Sequence[SessionSummary]) -> None:
        self.items = list(items)
        self.threads: list[threading.Thread] = []

    def summaries(self) -> list[SessionSummary]:
        self.threads.append(threading.current_thread())
        return list(self.items)


class BrokenSource:
    def summaries(self) -> list[SessionSummary]:
        raise ZeroDivisionError("a bug in the source")


@pytest.fixture
def source() -> FakeSource:
    return FakeSource(fixture_history())


def open_window(qtbot: QtBot, source: FakeSource, goal: int = 3, **kwargs: object) -> HistoryWindow:
    window = HistoryWindow(source, NAMES, goal, TZ, lambda: TODAY, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    # ready is delivered through the event loop, so it cannot have fired before this wait begins.
    with qtbot.waitSignal(window.ready, timeout=5000):
        pass
    return window


@pytest.fixture
def window(qtbot: QtBot, source: FakeSource) -> HistoryWindow:
    return open_window(qtbot, source)


def open_tab(window: HistoryWindow, title: str) -> None:
    titles = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    window.tabs.setCurrentIndex(titles.index(title))


def exercise_page(window: HistoryWindow) -> ExercisePage:
    assert window.tabs.exercise_page is not None, "open its tab first"
    return window.tabs.exercise_page


def calendar_page(window: HistoryWindow) -> CalendarPage:
    assert window.tabs.calendar_page is not None, "open its tab first"
    return window.tabs.calendar_page


def tightness_page(window: HistoryWindow) -> TightnessPage:
    assert window.tabs.tightness_page is not None, "open its tab first"
    return window.tabs.tightness_page


def expected_counts(weeks: int) -> list[int]:
    counts = {0: 3, 1: 3, 2: 3, 3: 2, 20: 3, 21: 3, 22: 3, 23: 3}
    return [counts.get(offset, 0) for offset in reversed(range(weeks))]


def test_bars_are_the_weekly_completed_counts_oldest_first(window: HistoryWindow) -> None:
    bars = window.week_bars()
    assert [start for start, _, _ in bars] == [week(offset) for offset in reversed(range(12))]
    assert [count for _, count, _ in bars] == expected_counts(12)
    assert list(window.weeks_page.sessions_bars.opts["height"]) == expected_counts(12)


def test_sessions_stopped_early_are_the_pale_top_of_their_weeks_bar(window: HistoryWindow) -> None:
    pale = window.weeks_page.stopped_bars.opts
    assert list(pale["height"]) == [0] * 8 + [1, 0, 0, 0]  # 3 weeks ago
    assert list(pale["y0"]) == expected_counts(12)  # on top of the counted sessions
    assert window.status_label.text() == "11 sessions in range, 1 stopped early · 24 in all"


def test_goal_line_sits_at_the_goal_and_follows_a_new_goal(qtbot: QtBot, window: HistoryWindow) -> None:
    assert window.goal_line_value() == 3
    with qtbot.waitSignal(window.ready):
        window.set_goal(2)
    assert window.goal_line_value() == 2
    assert window.week_bars()[-4][2] is True  # 3 weeks ago: 2 completed now meets the goal


def test_goal_met_weeks_are_solid_blue_and_the_others_hatched(window: HistoryWindow) -> None:
    met = [flag for _, _, flag in window.week_bars()]
    assert met[-4:] == [False, True, True, True]
    assert met.count(True) == 3
    brushes: list[QBrush] = window.weeks_page.sessions_bars.opts["brushes"]
    for flag, brush in zip(met, brushes, strict=True):
        if flag:
            assert brush.style() == Qt.BrushStyle.SolidPattern
            assert brush.color().name().lower() == BLUE.lower()
        else:
            assert brush.style() == Qt.BrushStyle.BDiagPattern


def test_streaks_count_goal_met_weeks_across_the_whole_history(window: HistoryWindow) -> None:
    assert window.streak_text() == "Current streak: 3 weeks · Best streak: 4 weeks"


def test_hold_minutes_per_week(window: HistoryWindow) -> None:
    minutes = dict(window.hold_minutes_data())
    assert minutes[week(0)] == pytest.approx(10 + 10 + 15)
    assert minutes[week(1)] == pytest.approx(15)
    assert minutes[week(4)] == 0
    assert list(window.weeks_page.hold_bars.opts["height"]) == pytest.approx(
        [m for _, m in window.hold_minutes_data()]
    )


def test_exercise_breakdown_uses_the_names_and_sorts_most_first(window: HistoryWindow) -> None:
    open_tab(window, "Exercises")
    data = window.exercise_minutes_data()
    assert [name for name, _ in data] == ["Kneeling lunge", "Supine march", "Glute bridge"]
    assert dict(data)["Supine march"] == pytest.approx(15)
    assert dict(data)["Glute bridge"] == pytest.approx(5)
    assert dict(data)["Kneeling lunge"] == pytest.approx(5 + 10 + 6 * 5 + 2 * 10 + 4)
    assert list(exercise_page(window).bars.opts["width"]) == pytest.approx([m for _, m in data])


def test_exercise_bars_show_their_values_at_their_ends(window: HistoryWindow) -> None:
    open_tab(window, "Exercises")
    labels = exercise_page(window).value_labels
    assert [label.toPlainText() for label in labels] == ["69.0 min", "15.0 min", "5.0 min"]
    assert [label.pos().x() for label in labels] == pytest.approx([69, 15, 5])  # at the bars' ends
    assert [label.pos().y() for label in labels] == [0, 1, 2]
    x_range = exercise_page(window).chart.view.viewRange()[0]
    assert x_range[1] > 69 * 1.2  # room right of the longest bar for its value


def test_tightness_trend_is_a_daily_mean_per_side_and_skips_unrated(window: HistoryWindow) -> None:
    open_tab(window, "Tightness")
    trend = window.tightness_data()
    assert trend == [
        (week(3, 0), 8, None),
        (week(0, 0), 6, 4),
        (week(0, 1), 4, 2),  # two check-ins on Tuesday (3 and 5 left): one point, their mean
    ]
    left_x, left_y = tightness_page(window).left_curve.getData()
    right_x, right_y = tightness_page(window).right_curve.getData()
    assert list(left_y) == [8, 6, 4]
    assert list(right_y) == [4, 2]
    noon = [datetime.combine(day, datetime.min.time(), TZ).timestamp() + 12 * 3600 for day, _, _ in trend]
    assert list(left_x) == noon
    assert list(right_x) == noon[1:]


def test_heatmap_covers_the_range_up_to_today(qtbot: QtBot, window: HistoryWindow) -> None:
    counts = window.heatmap_counts()
    first = MONDAY - timedelta(weeks=11)
    assert min(counts) == first and max(counts) == TODAY
    assert len(counts) == 11 * 7 + 3
    assert counts[week(0, 1)] == 2
    assert counts[week(2, 4)] == 1
    assert counts[week(3, 5)] == 1  # stopped early: a day of exercise
    assert counts[week(3, 6)] == 0  # stopped before its first hold finished
    assert counts[week(4, 2)] == 0
    open_tab(window, "Calendar")
    image = calendar_page(window).image.image
    assert image.shape == (12, 7, 4)
    assert image[11, 3, 3] == 0  # Thursday of this week is in the future: transparent
    with qtbot.waitSignal(window.ready):
        window.set_weeks(52)
    assert min(window.heatmap_counts()) == MONDAY - timedelta(weeks=51)
    image = calendar_page(window).image.image
    assert image.shape == (52, 7, 4)
    busy, quiet = image[51, 1], image[51, 2]
    assert busy[3] == quiet[3] == 255
    assert sum(int(c) for c in busy[:3]) < sum(int(c) for c in quiet[:3])  # more sessions, darker


def test_table_lists_the_sessions_of_the_range_newest_first(window: HistoryWindow) -> None:
    assert window.table_row_count() == 3 + 6 + 3  # not the stopped 0.0-minute session
    model = window.table_model
    assert model.data(model.index(0, 0)) == f"{week(0, 1).isoformat()} 19:00"
    assert model.data(model.index(0, 3)) == "15.0"
    assert model.data(model.index(0, 4)) == "Yes"
    assert model.data(model.index(window.table_row_count() - 1, 2)) == "Completed"
    stopped = [r for r in range(model.rowCount()) if model.data(model.index(r, 2)) == "Stopped"]
    assert len(stopped) == 1
    assert model.data(model.index(stopped[0], 3)) == "4.0"
    assert model.data(model.index(stopped[0], 4)) == "No (stopped early)"


def test_routine_names_are_shown_when_given(qtbot: QtBot, source: FakeSource) -> None:
    window = open_window(qtbot, source, routine_names={"full": "Full routine"})
    assert window.table_model.data(window.table_model.index(0, 1)) == "Full routine"


def test_switching_the_range_redraws_and_widens_every_view(qtbot: QtBot, window: HistoryWindow) -> None:
    with qtbot.waitSignal(window.ready):
        window.set_weeks(26)
    assert [count for _, count, _ in window.week_bars()] == expected_counts(26)
    assert window.table_row_count() == 12 + 12
    assert window.range_combo.currentData() == 26
    assert window.streak_text() == "Current streak: 3 weeks · Best streak: 4 weeks"
    with qtbot.waitSignal(window.ready):
        window.range_combo.setCurrentIndex(0)  # the user's way
    assert window.weeks == 12
    assert len(window.week_bars()) == 12
    with pytest.raises(ValueError, match="one of"):
        window.set_weeks(13)


def test_other_charts_are_built_when_their_tab_opens_and_follow_the_range(
    qtbot: QtBot, source: FakeSource
) -> None:
    source.items.append(session(week(20, 1), 9, left=2, right=3))
    window = open_window(qtbot, source)
    assert window.tabs.exercise_page is None and window.tabs.calendar_page is None
    assert window.tabs.tightness_page is None
    open_tab(window, "Tightness")
    assert list(tightness_page(window).left_curve.getData()[1]) == [8, 6, 4]
    open_tab(window, "Weeks")
    with qtbot.waitSignal(window.ready):
        window.set_weeks(26)  # a built tab redraws even when it is not the current one
    assert list(tightness_page(window).left_curve.getData()[1]) == [2, 8, 6, 4]
    assert list(tightness_page(window).right_curve.getData()[1]) == [3, 4, 2]
    assert window.tabs.calendar_page is None


def test_charts_stay_hidden_behind_a_loading_label_until_the_data_arrives(
    qtbot: QtBot, source: FakeSource
) -> None:
    window = HistoryWindow(source, NAMES, 3, TZ, lambda: TODAY)
    qtbot.addWidget(window)
    window.show()
    assert window.weeks_page.loading_label.isVisible()
    assert window.status_label.text() == "Loading…"
    with qtbot.waitSignal(window.ready, timeout=5000):
        pass
    assert not window.weeks_page.loading_label.isVisible()
    assert window.weeks_page.sessions_plot is not None and window.weeks_page.sessions_plot.widget.isVisible()
    assert window.weeks_page.hold_plot is not None and window.weeks_page.hold_plot.widget.isVisible()
    assert window.status_label.text() == "11 sessions in range, 1 stopped early · 24 in all"


def test_a_superseded_result_is_never_drawn(qtbot: QtBot, window: HistoryWindow) -> None:
    emitted: list[int] = []
    window.ready.connect(lambda: emitted.append(len(window.week_bars())))
    window.set_weeks(26)
    with qtbot.waitSignal(window.ready):
        window.set_weeks(52)
    assert window.wait_for_worker(5000)
    QCoreApplication.processEvents()  # delivers anything the worker still queued
    assert emitted == [52]


def test_refresh_rereads_the_source_in_a_worker_thread(
    qtbot: QtBot, window: HistoryWindow, source: FakeSource
) -> None:
    source.items.append(session(week(0, 2), 6))
    with qtbot.waitSignal(window.ready):
        window.set_weeks(12)  # a range change reuses what was read
    assert window.week_bars()[-1][1] == 3
    with qtbot.waitSignal(window.ready):
        window.refresh()
    assert window.week_bars()[-1][1] == 4
    assert len(source.threads) == 2
    assert all(thread is not threading.main_thread() for thread in source.threads)


def test_a_bug_in_the_source_reaches_the_gui_thread(qtbot: QtBot) -> None:
    with qtbot.captureExceptions() as exceptions:
        window = HistoryWindow(BrokenSource(), NAMES, 3, TZ, lambda: TODAY)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: bool(exceptions), timeout=5000)
    assert exceptions[0][0] is ZeroDivisionError
    assert window.status_label.text() == "Could not load the history"


def test_empty_history_draws_empty_weeks(qtbot: QtBot) -> None:
    window = open_window(qtbot, FakeSource([]))
    assert [count for _, count, _ in window.week_bars()] == [0] * 12
    assert window.streak_text() == "Current streak: 0 weeks · Best streak: 0 weeks"
    assert window.table_row_count() == 0
    assert window.tightness_data() == []
    assert set(window.heatmap_counts().values()) == {0}


def test_tooltip_texts(window: HistoryWindow) -> None:
    assert window.bar_tooltip(11) == "Week of 2026-11-16: 3 sessions (goal 3) ✓"
    assert window.bar_tooltip(8) == "Week of 2026-10-26: 2 sessions (goal 3), 1 stopped early"
    assert window.bar_tooltip(7) == "Week of 2026-10-19: 0 sessions (goal 3)"


def hover(chart: Chart | None, x: float, y: float) -> str:
    """Moves the mouse over the chart's point (x, y) in data coordinates; returns the tooltip shown."""
    assert chart is not None
    chart.widget.scene().sigMouseMoved.emit(chart.view.mapViewToScene(QPointF(x, y)))
    return str(chart.widget.toolTip())


def test_hovering_a_bar_or_a_day_shows_its_tooltip(qtbot: QtBot, window: HistoryWindow) -> None:
    window.show()
    qtbot.waitExposed(window)
    assert hover(window.weeks_page.sessions_plot, 11, 1) == "Week of 2026-11-16: 3 sessions (goal 3) ✓"
    assert hover(window.weeks_page.sessions_plot, 10.5, 1) == ""  # between two bars
    assert hover(window.weeks_page.hold_plot, 10, 1) == "Week of 2026-11-09: 15.0 minutes holding"
    open_tab(window, "Calendar")
    heatmap = calendar_page(window).chart
    qtbot.waitUntil(heatmap.widget.isVisible)
    assert hover(heatmap, 11.5, 1.5) == "2026-11-17 (Tue): 2 sessions"
    assert hover(heatmap, 11.5, 4.5) == ""  # Friday of this week has not happened
    assert hover(heatmap, 13, 1.5) == ""  # beside the heatmap
    open_tab(window, "Exercises")
    exercises = exercise_page(window).chart
    qtbot.waitUntil(exercises.widget.isVisible)
    assert hover(exercises, 1, 0) == "Kneeling lunge: 69.0 minutes"
    assert hover(exercises, 1, 0.5) == ""  # between two bars


def test_export_pdf_writes_a_pdf(window: HistoryWindow, tmp_path: Path) -> None:
    target = tmp_path / "weekly.pdf"
    window.export_pdf(target)
    content = target.read_bytes()
    assert content.startswith(b"%PDF")
    assert len(content) > 1000


def test_export_pdf_works_before_the_first_result(qtbot: QtBot, source: FakeSource, tmp_path: Path) -> None:
    window = HistoryWindow(source, NAMES, 3, TZ, lambda: TODAY)
    qtbot.addWidget(window)
    target = tmp_path / "early.pdf"
    window.export_pdf(target)
    assert target.read_bytes().startswith(b"%PDF")
    with qtbot.waitSignal(window.ready):
        pass  # let the worker's first result land before the window goes


def test_export_pdf_into_a_missing_folder_raises(window: HistoryWindow, tmp_path: Path) -> None:
    with pytest.raises(OSError, match="no such folder"):
        window.export_pdf(tmp_path / "missing" / "weekly.pdf")


def test_save_button_asks_for_a_path_and_writes_there(
    window: HistoryWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "chosen.pdf"
    suggested: list[str] = []

    def ask(cls: type[HistoryWindow], parent: object, suggested_name: str) -> Path:
        suggested.append(suggested_name)
        return target

    monkeypatch.setattr(HistoryWindow, "ask_pdf_path", classmethod(ask))
    window.pdf_button.click()
    assert target.read_bytes().startswith(b"%PDF")
    assert window.status_label.text() == "Saved chosen.pdf"
    assert suggested == ["psoas-weekly-summary-2026-11-18.pdf"]


def test_cancelling_the_save_dialog_writes_nothing(
    window: HistoryWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(HistoryWindow, "ask_pdf_path", classmethod(lambda cls, parent, name: None))
    window.pdf_button.click()
    assert list(tmp_path.iterdir()) == []


def test_controls_have_accessible_names_and_mnemonics(window: HistoryWindow) -> None:
    assert window.windowTitle() == "History"
    assert all(w.accessibleName() for w in window.findChildren(QComboBox))
    assert all(w.accessibleName() and "&" in w.text() for w in window.findChildren(QPushButton))
    assert all("&" in window.tabs.tabText(i) for i in range(window.tabs.count()))
    for title in ("Exercises", "Calendar", "Tightness"):
        open_tab(window, title)
    charts = (window.weeks_page.sessions_plot, window.weeks_page.hold_plot)
    for chart in (*charts, calendar_page(window).chart, tightness_page(window).chart):
        assert chart is not None and chart.widget.accessibleName()


def test_the_window_renders(qtbot: QtBot, window: HistoryWindow, tmp_path: Path) -> None:
    window.show()
    qtbot.waitExposed(window)
    shot = tmp_path / "history.png"
    assert window.grab().save(str(shot))
    assert shot.stat().st_size > 5000


def test_summarize_is_pure_and_agrees_with_the_window(window: HistoryWindow, source: FakeSource) -> None:
    data = summarize(snapshot_of(source.items), 12, 3, TZ, TODAY)
    assert [(w.week_start, w.sessions, w.goal_met) for w in data.weeks] == window.week_bars()
    assert [s.started for s in data.this_week] == sorted(s.started for s in source.items[:3])


class FakeSnapshotSource:
    """A source that reads the light snapshot, as storage.history_reads.WindowReads does."""

    def __init__(self, items: Sequence[SessionSummary]) -> None:
        self.items = list(items)
        self.since: list[datetime] = []

    def summaries(self) -> list[SessionSummary]:
        raise AssertionError("the window reads a snapshot from a snapshot source")

    def snapshot(self, since: datetime) -> HistorySnapshot:
        self.since.append(since)
        whole = snapshot_of(self.items)
        return HistorySnapshot(whole.columns, tuple(s for s in self.items if s.started >= since), since)


def test_a_snapshot_source_is_read_from_the_range_start_and_again_for_a_wider_range(qtbot: QtBot) -> None:
    source = FakeSnapshotSource(fixture_history())
    window = open_window(qtbot, source)  # type: ignore[arg-type]
    assert source.since == [datetime.combine(week(11), datetime.min.time(), TZ)]
    assert window.table_row_count() == 12
    assert window.streak_text() == "Current streak: 3 weeks · Best streak: 4 weeks"  # from every week
    assert window.status_label.text() == "11 sessions in range, 1 stopped early · 24 in all"
    with qtbot.waitSignal(window.ready):
        window.set_weeks(26)
    assert source.since[-1] == datetime.combine(week(25), datetime.min.time(), TZ)
    assert window.table_row_count() == 24
    with qtbot.waitSignal(window.ready):
        window.set_weeks(12)  # a narrower range: what was read still holds it
    assert len(source.since) == 2
    assert window.table_row_count() == 12


HEAVY = (
    "pyqtgraph",
    "numpy",
    "psoas_desktop.qt.history.window",
    "psoas_desktop.qt.history.charts",
    "psoas_desktop.qt.history.tabs",
)


@pytest.mark.slow
@pytest.mark.parametrize("module", ["psoas_desktop.qt.session.main_window", "psoas_desktop.app.gui"])
def test_start_up_modules_do_not_import_pyqtgraph_or_numpy(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} does not exist yet")
    code = (
        f"import sys, {module}\n"
        f"HEAVY = {HEAVY!r}\n"
        "heavy = sorted(m for m in HEAVY if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("focus", ["window", "range", "table"])
def test_escape_closes_the_window(qtbot: QtBot, window: HistoryWindow, focus: str) -> None:
    """Also when another window holds Escape as an application-wide shortcut (the main window's "leave
    mat mode"): that one must not take it."""
    other = QWidget()
    qtbot.addWidget(other)
    left_mat_mode: list[bool] = []
    leave = QAction("Leave mat mode", other)
    leave.setShortcut(QKeySequence("Escape"))
    leave.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    leave.triggered.connect(lambda: left_mat_mode.append(True))
    other.addAction(leave)
    other.show()
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    open_tab(window, "Sessions")
    target = {"window": window, "range": window.range_combo, "table": window.tabs.table}[focus]
    target.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is target)
    # Through the window system, as a real key press: shortcuts are matched on that path.
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Escape)
    assert not window.isVisible()
    assert left_mat_mode == []


@pytest.mark.parametrize("weeks", [12, 26, 52])
def test_calendar_cells_are_at_least_14_px_for_every_range(
    qtbot: QtBot, source: FakeSource, weeks: int
) -> None:
    window = open_window(qtbot, source, weeks=weeks)
    window.show()
    qtbot.waitExposed(window)
    open_tab(window, "Calendar")
    page = calendar_page(window)
    qtbot.waitUntil(page.chart.widget.isVisible)
    QCoreApplication.processEvents()
    assert page.image.image.shape[0] == weeks
    assert page.cell_size_px() >= 14
    x_range = page.chart.view.viewRange()[0]
    assert x_range[0] <= 0 and x_range[1] >= weeks  # every week in view


@pytest.mark.parametrize("weeks", [12, 26, 52])
def test_the_goal_label_is_over_no_bar(qtbot: QtBot, weeks: int) -> None:
    """Every week above the goal (4 sessions, goal 3): a label drawn over any bar would be hidden."""
    busy = [session(week(offset, day)) for offset in range(weeks) for day in (0, 1, 2)]
    busy += [session(week(offset, 0), 19) for offset in range(1, weeks)]
    window = open_window(qtbot, FakeSource(busy), weeks=weeks)
    window.show()
    qtbot.waitExposed(window)
    page = window.weeks_page
    assert page.sessions_plot is not None
    QCoreApplication.processEvents()
    label = page.goal_label_rect()
    assert label.width() > 10
    assert page.sessions_plot.view.sceneBoundingRect().contains(label)  # on screen, not cut off
    assert not label.intersects(page.bar_rect(0))
    assert all(not label.intersects(page.bar_rect(i)) for i in range(weeks))
    assert label.left() > page.bar_rect(weeks - 1).right()  # right of the newest week
