"""The history window: weekly sessions against the goal, streaks, hold minutes, exercises, a calendar
heatmap, the tightness trend and a table of sessions — plus a printable weekly summary (PDF).

This is the only module that imports pyqtgraph (and with it numpy). Importing them costs ≈600 ms, so the
app imports this module lazily, the first time the history window opens; nothing imported at start-up may
import it.

The window never touches storage. It reads plain :class:`SessionSummary` records through the small
:class:`HistorySource` protocol (``storage.history.History`` satisfies it structurally); the app wires the
two together and injects the weekly goal, the local time zone and "today".

Aggregation over years of history is done by the pure functions of :mod:`psoas_desktop.core.stats` in a
worker thread (:func:`summarize`), in steps of a few milliseconds with a pause for the GIL between them;
opening is spread over event-loop turns and the worker starts once the window is laid out and painted,
so the GUI thread is never held for long (``benchmarks/bench_history_view.py`` measures it). The charts
are drawn when the result arrives, and :attr:`HistoryWindow.ready` is emitted after every redraw.

Colours are Okabe–Ito (colour-blind safe), and no meaning rests on colour alone: a week that met the goal
is a solid blue bar, a week below it a hatched grey outline, and the tooltip says it in words.

Signals:
    ready(): emitted after each redraw (the first one, a range switch, a refresh, a goal change).
"""

from __future__ import annotations

import math
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from operator import attrgetter
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QMarginsF,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QCursor,
    QFont,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from psoas_desktop.core.stats import (
    SessionSummary,
    WeekStat,
    daily_counts,
    exercise_breakdown,
    iso_week_start,
    streaks,
    tightness_trend,
    weekly_stats,
)

WEEK_RANGES: tuple[int, ...] = (12, 26, 52)
WEEK_AXIS_WIDTH = 64  # px, the left axes of the two weekly charts
HEATMAP_WEEKS = 52
WEEKS_PER_STEP = 52  # weekly figures per worker step: about 7 ms for five sessions a day
GIL_PAUSE_SECONDS = 0.0005
MIDNIGHT = datetime.min.time()

# Okabe–Ito palette.
BLUE = "#0072B2"
DARK_BLUE = "#004A75"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
GREEN = "#009E73"
GREY = "#8C8C8C"
# Calendar heatmap: one hue, rising darkness (reads in every kind of colour vision and in greyscale).
HEAT_COLOURS: tuple[str, ...] = ("#E3E7EC", "#A6CDE8", "#5AA1D6", "#1F6FB2", "#0B3C6B")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LEGEND_TEXT = "Solid blue: goal met · hatched grey: below the goal · dashed line: weekly goal"


class HistorySource(Protocol):
    """Where the window reads history from; ``storage.history.History`` satisfies it structurally.

    ``summaries()`` is called from a worker thread, never the GUI thread: an implementation backed by
    SQLite must open its own connection there (WAL lets it read while the app writes).
    """

    def summaries(self) -> Sequence[SessionSummary]: ...


@dataclass(frozen=True)
class HistoryData:
    """Everything the window draws, computed off the GUI thread by :func:`summarize`."""

    today: date
    goal: int
    weeks: tuple[WeekStat, ...]  # the selected range, oldest first, ending with this week
    all_weeks: tuple[WeekStat, ...]  # every week since the first session (at least the range)
    current_streak: int
    best_streak: int
    breakdown: tuple[tuple[str, float], ...]  # (exercise id, minutes) in the range, most first
    heatmap_start: date  # the Monday of the heatmap's first column
    daily: Mapping[date, int]  # every day from heatmap_start to today → sessions that day
    tightness: tuple[tuple[datetime, int | None, int | None], ...]  # in the range, oldest first
    sessions: tuple[SessionSummary, ...]  # in the range, newest first
    this_week: tuple[SessionSummary, ...]  # this ISO week, oldest first
    total_sessions: int


_started = attrgetter("started")


def summarize(
    summaries: Sequence[SessionSummary],
    weeks: int,
    goal: int,
    tz: tzinfo,
    today: date,
    *,
    reuse: HistoryData | None = None,
    pause: Callable[[], None] = lambda: None,
) -> HistoryData:
    """Pure aggregation (no Qt): runs in the worker. Streaks look at the whole history, not the range.

    Only the weekly figures need every session (most of the time goes there); the rest works on the
    sessions since the start of the range or of the heatmap, picked by comparing instants (a session is on
    or after a local date exactly when it started at or after that date's local midnight), which is much
    cheaper than a conversion each. ``reuse``, a result computed from the same ``summaries``, lends its
    weekly figures when the goal and today are unchanged: switching the range then skips the full pass.
    ``pause`` is called between steps of a few milliseconds each (see :func:`_release_gil`).
    """
    this_monday = iso_week_start(today)
    range_start = this_monday - timedelta(weeks=weeks - 1)
    heatmap_start = this_monday - timedelta(weeks=HEATMAP_WEEKS - 1)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, MIDNIGHT, tzinfo=tz)

    def since(day: date, items: Iterable[SessionSummary]) -> list[SessionSummary]:
        start = midnight(day)
        return [s for s in items if s.started >= start]

    if reuse is not None and (reuse.goal, reuse.today) == (goal, today) and len(reuse.all_weeks) >= weeks:
        all_weeks, current, best = list(reuse.all_weeks), reuse.current_streak, reuse.best_streak
    else:
        ordered = sorted(summaries, key=_started)
        first_week = iso_week_start(ordered[0].started.astimezone(tz).date()) if ordered else this_monday
        span = max(weeks, (this_monday - first_week).days // 7 + 1)
        # weekly_stats a year of weeks at a time (newest first), each call on the sessions of its weeks
        chunks: list[list[WeekStat]] = []
        for done in range(0, span, WEEKS_PER_STEP):
            count = min(WEEKS_PER_STEP, span - done)
            last_monday = this_monday - timedelta(weeks=done)
            first_monday = last_monday - timedelta(weeks=count - 1)
            low = bisect_left(ordered, midnight(first_monday), key=_started)
            high = bisect_left(ordered, midnight(last_monday + timedelta(days=7)), key=_started)
            pause()
            chunks.append(weekly_stats(ordered[low:high], count, last_monday, tz, goal))
        all_weeks = [week for chunk in reversed(chunks) for week in chunk]
        current, best = streaks(all_weeks)

    pause()
    recent = since(min(range_start, heatmap_start), summaries)
    in_range = sorted(since(range_start, recent), key=_started)
    pause()
    daily = daily_counts(since(heatmap_start, recent), (today - heatmap_start).days + 1, today, tz)
    pause()
    return HistoryData(
        today=today,
        goal=goal,
        weeks=tuple(all_weeks[-weeks:]),
        all_weeks=tuple(all_weeks),
        current_streak=current,
        best_streak=best,
        breakdown=tuple(exercise_breakdown(in_range, range_start).items()),  # largest first
        heatmap_start=heatmap_start,
        daily=daily,
        tightness=tuple(tightness_trend(in_range)),
        sessions=tuple(reversed(in_range)),
        this_week=tuple(since(this_monday, in_range)),
        total_sessions=len(summaries),
    )


def _release_gil() -> None:
    """Sleeps a moment so that a GUI thread waiting for the GIL takes it at once.

    CPython makes a thread that wants the GIL wait up to the 5 ms switch interval; measured here, the GUI
    thread of an opening window sometimes waited 50–100 ms while the worker aggregated. Pausing between
    steps of a few milliseconds bounds that wait by the step.
    """
    time.sleep(GIL_PAUSE_SECONDS)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def week_tooltip(week: WeekStat, goal: int) -> str:
    """E.g. "Week of 2026-11-16: 3 sessions (goal 3) ✓"; stopped sessions are mentioned, not counted."""
    text = f"Week of {week.week_start.isoformat()}: {plural(week.sessions, 'session')} (goal {goal})"
    if week.goal_met:
        text += " ✓"
    stopped = week.all_sessions - week.sessions
    if stopped > 0:
        text += f", {stopped} stopped early"
    return text


def streak_sentence(current: int, best: int) -> str:
    return f"Current streak: {plural(current, 'week')} · Best streak: {plural(best, 'week')}"


def week_tick_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def week_ticks(weeks: Sequence[WeekStat]) -> list[list[tuple[float, str]]]:
    """Major ticks: about six week labels, always including the newest week; minor: every week."""
    step = max(1, math.ceil(len(weeks) / 6))
    last = len(weeks) - 1
    major = [(float(i), week_tick_label(w.week_start)) for i, w in enumerate(weeks) if (last - i) % step == 0]
    return [major, [(float(i), "") for i in range(len(weeks))]]


class SessionTableModel(QAbstractTableModel):
    """The sessions of the selected range, newest first; cells are formatted only when shown."""

    HEADERS: ClassVar[tuple[str, ...]] = ("Date", "Routine", "Status", "Hold (min)")

    def __init__(self, tz: tzinfo, routine_names: Mapping[str, str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tz = tz
        self._routine_names = routine_names
        self._rows: Sequence[SessionSummary] = ()

    def set_sessions(self, sessions: Sequence[SessionSummary]) -> None:
        self.beginResetModel()
        self._rows = sessions
        self.endResetModel()

    def session(self, row: int) -> SessionSummary:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 3:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        summary = self._rows[index.row()]
        column = index.column()
        if column == 0:
            return summary.started.astimezone(self._tz).strftime("%Y-%m-%d %H:%M")
        if column == 1:
            return self._routine_names.get(summary.routine, summary.routine)
        if column == 2:
            return summary.status.replace("_", " ").capitalize()
        return f"{summary.hold_seconds / 60:.1f}"


class _Bridge(QObject):
    """Carries a worker's result to the GUI thread (a queued connection: the bridge lives in the GUI)."""

    finished = Signal(int, object)
    failed = Signal(int, object)


@dataclass(frozen=True)
class Chart:
    """A fixed chart: a title, one ViewBox and its left and bottom axes in a GraphicsLayoutWidget.

    Lighter than ``pg.PlotWidget``, whose PlotItem builds an options menu of some forty hidden widgets
    (≈6 ms a chart, and as much again to polish them) that these charts never show. No mouse zoom, and no
    SI-prefix relabelling of the axes on every range change (a rich-text layout each time).
    """

    widget: Any  # pg.GraphicsLayoutWidget: the QWidget to lay out, show, and give tooltips
    view: Any  # pg.ViewBox
    left: Any  # pg.AxisItem
    bottom: Any  # pg.AxisItem

    @classmethod
    def create(cls, title: str, accessible_name: str, *, x_grid: bool = False, y_grid: bool = True) -> Chart:
        widget = pg.GraphicsLayoutWidget()
        widget.setBackground("w")
        widget.setAccessibleName(accessible_name)
        view = pg.ViewBox(enableMenu=False, enableMouse=False)
        left, bottom = pg.AxisItem("left", linkView=view), pg.AxisItem("bottom", linkView=view)
        for axis, grid in ((left, y_grid), (bottom, x_grid)):
            axis.enableAutoSIPrefix(False)
            axis.setPen("#5A636C")
            axis.setTextPen("#1D2329")
            if grid:
                axis.setGrid(40)
        layout = widget.ci
        layout.setSpacing(0)  # axes flush with the view, as in a PlotItem
        layout.addLabel(title, row=0, col=1, color="#1D2329", size="11pt")
        layout.addItem(left, row=1, col=0)
        layout.addItem(view, row=1, col=1)
        layout.addItem(bottom, row=2, col=1)
        return cls(widget, view, left, bottom)


class HistoryWindow(QWidget):
    """A top-level "History" window; see the module docstring.

    Signals:
        ready(): emitted after each redraw.
    """

    ready = Signal()

    def __init__(  # noqa: PLR0917 — the agreed signature: five collaborators, then Qt's parent
        self,
        source: HistorySource,
        exercise_names: Mapping[str, str],
        goal: int,
        tz: tzinfo,
        today: Callable[[], date],
        parent: QWidget | None = None,
        *,
        routine_names: Mapping[str, str] | None = None,
        weeks: int = 12,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        if weeks not in WEEK_RANGES:
            raise ValueError(f"weeks must be one of {WEEK_RANGES}, not {weeks}")
        self.setWindowTitle("History")
        self.setAccessibleName("History")
        self._source = source
        self._exercise_names = exercise_names
        self._goal = goal
        self._tz = tz
        self._today = today
        self._weeks = weeks
        self._routine_names: Mapping[str, str] = routine_names or {}
        self._summaries: Sequence[SessionSummary] | None = None
        self._data: HistoryData | None = None
        self._generation = 0
        # The pool is created before the bridge: children die in creation order, so the pool's destructor
        # waits for a running job while the bridge it reports to is still alive.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._bridge = _Bridge(self)
        self._bridge.finished.connect(self._on_computed)
        self._bridge.failed.connect(self._on_failed)

        self._build_controls()
        self.tabs.addTab(self._build_week_tab(), "&Weeks")
        # The other charts cost ≈15 ms each to build, so each is built the first time its tab is shown.
        self.exercise_plot: Chart | None = None
        self.heatmap_plot: Chart | None = None
        self.tightness_plot: Chart | None = None
        self._pending_tabs: dict[int, tuple[Callable[[], QWidget], Callable[[HistoryData], None]]] = {}
        self._drawers: list[Callable[[HistoryData], None]] = [self._draw_weeks]
        for title, build, draw in (
            ("&Exercises", self._build_exercise_tab, self._draw_exercises),
            ("&Calendar", self._build_calendar_tab, self._draw_heatmap),
            ("&Tightness", self._build_tightness_tab, self._draw_tightness),
        ):
            page = QWidget()
            QVBoxLayout(page).setContentsMargins(0, 0, 0, 0)
            self._pending_tabs[self.tabs.addTab(page, title)] = (build, draw)
        self.tabs.addTab(self._build_sessions_tab(), "&Sessions")
        self.tabs.currentChanged.connect(self._on_tab_shown)

        layout = QVBoxLayout(self)
        layout.addLayout(self._controls)
        layout.addWidget(self.tabs, 1)
        self.resize(980, 700)
        # Opening is spread over event-loop turns, so that no turn keeps the GUI busy for long: the
        # constructor builds the frame; each chart of the Weeks tab (≈15 ms) is built in a turn of its own;
        # then the window is laid out and painted, and only then does the aggregation start in the worker.
        # While a pure-Python worker runs, every call the GUI thread makes into Python (every event for a
        # PySide widget, every pyqtgraph paint) first waits for the GIL, up to the 5 ms switch interval
        # each: GUI work overlapping the worker was measured stretching from ≈10 ms to ≈70 ms.
        self._pending_builds: list[Callable[[], None]] = [self._build_sessions_plot, self._build_hold_plot]
        QTimer.singleShot(0, self, self._continue_opening)

    # ---- opening, step by step -----------------------------------------------------------------------

    @Slot()
    def _continue_opening(self) -> None:
        if self._pending_builds:
            self._pending_builds.pop(0)()
            QTimer.singleShot(0, self, self._continue_opening)
            return
        # Leave the GUI thread nothing to do while the worker holds the GIL: deliver what is queued (the
        # polish requests of the charts' hidden option widgets, the layout requests) and paint, now.
        QCoreApplication.sendPostedEvents()
        if self.isVisible():
            self.repaint()
        if self._generation == 0:  # unless refresh() or set_weeks() was called meanwhile
            self.refresh()

    def _finish_building(self) -> None:
        while self._pending_builds:
            self._pending_builds.pop(0)()

    # ---- construction --------------------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.range_combo = QComboBox()
        for weeks in WEEK_RANGES:
            self.range_combo.addItem(f"Last {weeks} weeks", weeks)
        self.range_combo.setCurrentIndex(WEEK_RANGES.index(self._weeks))
        self.range_combo.setAccessibleName("Range")
        self.range_combo.currentIndexChanged.connect(self._on_range_chosen)
        range_label = QLabel("&Range")
        range_label.setBuddy(self.range_combo)

        self.streak_label = QLabel("")
        self.streak_label.setAccessibleName("Streaks")
        self.streak_label.setToolTip("Weeks in a row that met your weekly goal")
        self.status_label = QLabel("Loading…")
        self.status_label.setAccessibleName("Status")

        self.pdf_button = QPushButton("Save weekly summary (&PDF)…")
        self.pdf_button.setAccessibleName("Save weekly summary as PDF")
        self.pdf_button.clicked.connect(self._on_save_pdf)

        self._controls = QHBoxLayout()
        self._controls.addWidget(range_label)
        self._controls.addWidget(self.range_combo)
        self._controls.addSpacing(16)
        self._controls.addWidget(self.streak_label, 1)
        self._controls.addWidget(self.status_label)
        self._controls.addWidget(self.pdf_button)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("History views")

    @Slot(int)
    def _on_tab_shown(self, index: int) -> None:
        pending = self._pending_tabs.pop(index, None)
        if pending is None:
            return
        build, draw = pending
        page = self.tabs.widget(index)
        layout = page.layout() if page is not None else None
        assert layout is not None
        layout.addWidget(build())
        self._drawers.append(draw)
        if self._data is not None:
            draw(self._data)

    def _build_week_tab(self) -> QWidget:
        """The frame of the Weeks tab; its two charts are built by the next steps of the opening."""
        self.sessions_plot: Chart | None = None
        self.hold_plot: Chart | None = None
        self._charts_shown = False
        self.legend_label = QLabel(LEGEND_TEXT)
        self.legend_label.setAccessibleName("Chart legend")
        self.legend_label.setVisible(False)
        # Until the first result the charts stay hidden behind this label: a chart's first paint costs
        # ≈15 ms of Python, better spent once, on the data, than while the worker holds the GIL.
        self.loading_label = QLabel("Loading your history…")
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        page = QWidget()
        self._week_column = QVBoxLayout(page)
        self._week_column.addWidget(self.loading_label, 1)
        self._week_column.addWidget(self.legend_label)
        return page

    def _build_sessions_plot(self) -> None:
        self.sessions_plot = Chart.create("Sessions per week", "Sessions per week chart")
        self.sessions_bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.sessions_plot.view.addItem(self.sessions_bars)
        self.goal_line = pg.InfiniteLine(
            pos=self._goal,
            angle=0,
            movable=False,
            pen=pg.mkPen(VERMILLION, width=2, style=Qt.PenStyle.DashLine),
            label="goal {value:.0f}",
            labelOpts={"position": 0.03, "color": VERMILLION, "anchors": [(0, 1), (0, 1)]},
        )
        self.sessions_plot.view.addItem(self.goal_line)
        self.sessions_plot.left.setLabel("sessions")
        self.sessions_plot.left.setWidth(WEEK_AXIS_WIDTH)
        self._install_hover(self.sessions_plot, self._sessions_tooltip_at)
        self._week_column.insertWidget(1, self.sessions_plot.widget, 3)  # above the legend
        self.sessions_plot.widget.setVisible(self._charts_shown)

    def _build_hold_plot(self) -> None:
        self.hold_plot = Chart.create("Hold minutes per week", "Hold minutes per week chart")
        self.hold_bars = pg.BarGraphItem(
            x=[], height=[], width=0.7, brush=pg.mkBrush(ORANGE), pen=pg.mkPen("#9A6A00")
        )
        self.hold_plot.view.addItem(self.hold_bars)
        self.hold_plot.left.setLabel("minutes")
        self.hold_plot.left.setWidth(WEEK_AXIS_WIDTH)  # the same as above, so the weeks line up
        assert self.sessions_plot is not None  # built one step earlier
        self.hold_plot.view.setXLink(self.sessions_plot.view)
        self._install_hover(self.hold_plot, self._hold_tooltip_at)
        self._week_column.addWidget(self.hold_plot.widget, 2)
        self.hold_plot.widget.setVisible(self._charts_shown)

    def _build_exercise_tab(self) -> QWidget:
        self.exercise_plot = Chart.create(
            "Minutes per exercise", "Minutes per exercise chart", x_grid=True, y_grid=False
        )
        self.exercise_bars = pg.BarGraphItem(
            x0=[], y=[], width=[], height=0.6, brush=pg.mkBrush(GREEN), pen=pg.mkPen("#006B4F")
        )
        self.exercise_plot.view.addItem(self.exercise_bars)
        self.exercise_plot.bottom.setLabel("minutes")
        self.exercise_plot.view.invertY(True)
        self._install_hover(self.exercise_plot, self._exercise_tooltip_at)
        return self.exercise_plot.widget  # type: ignore[no-any-return]

    def _build_calendar_tab(self) -> QWidget:
        self.heatmap_plot = Chart.create("Sessions per day, last 52 weeks", "Calendar heatmap", y_grid=False)
        self.heatmap_image = pg.ImageItem(axisOrder="col-major")
        self.heatmap_plot.view.addItem(self.heatmap_image)
        self.heatmap_plot.view.invertY(True)
        self.heatmap_plot.view.setAspectLocked(True)
        self.heatmap_plot.left.setTicks([[(row + 0.5, name) for row, name in enumerate(DAY_NAMES)]])
        self._install_hover(self.heatmap_plot, self._heatmap_tooltip_at)
        swatches = "".join(
            f"<span style='color:{colour}'>■</span>" if i else "<span style='color:#B0B7BF'>■</span>"
            for i, colour in enumerate(HEAT_COLOURS)
        )
        legend = QLabel(f"Fewer {swatches} more sessions (0, 1, 2, 3, 4+)")
        legend.setAccessibleName("Heatmap legend")
        self.heatmap_plot.widget.setMaximumHeight(260)  # 7 square rows: more height would only be blank
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self.heatmap_plot.widget, 1)
        column.addWidget(legend)
        column.addStretch(1)
        return page

    def _build_tightness_tab(self) -> QWidget:
        self.tightness_plot = Chart.create(
            "Hip tightness after sessions (0 = loose, 10 = very tight)", "Tightness trend chart"
        )
        view = self.tightness_plot.view
        self.left_curve = pg.PlotDataItem(
            [], [], name="Left", pen=pg.mkPen(BLUE, width=2), symbol="o", symbolBrush=BLUE, symbolSize=7
        )
        self.right_curve = pg.PlotDataItem(
            [],
            [],
            name="Right",
            pen=pg.mkPen(VERMILLION, width=2, style=Qt.PenStyle.DashLine),
            symbol="t",
            symbolBrush=VERMILLION,
            symbolSize=8,
        )
        legend = pg.LegendItem(offset=(10, 10), labelTextColor="#1D2329")
        legend.setParentItem(view)
        for curve in (self.left_curve, self.right_curve):
            view.addItem(curve)
            legend.addItem(curve, curve.name())
        view.setYRange(0, 10, padding=0.05)
        self.tightness_plot.left.setTicks([[(float(v), str(v)) for v in range(0, 11, 2)]])
        return self.tightness_plot.widget  # type: ignore[no-any-return]

    def _build_sessions_tab(self) -> QWidget:
        self.table_model = SessionTableModel(self._tz, self._routine_names, self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setAccessibleName("Sessions")
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        return self.table

    # ---- public API ----------------------------------------------------------------------------------

    @property
    def weeks(self) -> int:
        return self._weeks

    @Slot()
    def refresh(self) -> None:
        """Reread the source (in the worker) and redraw; ``ready`` follows."""
        self._summaries = None
        self._start_job()

    def set_weeks(self, weeks: int) -> None:
        """Show the last 12, 26 or 52 weeks (the source is not reread); ``ready`` follows."""
        if weeks not in WEEK_RANGES:
            raise ValueError(f"weeks must be one of {WEEK_RANGES}, not {weeks}")
        self._weeks = weeks
        if self.range_combo.currentData() != weeks:
            self.range_combo.blockSignals(True)
            self.range_combo.setCurrentIndex(WEEK_RANGES.index(weeks))
            self.range_combo.blockSignals(False)
        self._start_job()

    @Slot(int)
    def _on_range_chosen(self, index: int) -> None:
        self.set_weeks(WEEK_RANGES[index])

    def set_goal(self, goal: int) -> None:
        """The weekly goal changed in the settings; ``ready`` follows."""
        self._goal = goal
        self._start_job()

    def week_bars(self) -> list[tuple[date, int, bool]]:
        """(week start, completed sessions, goal met) per drawn bar, oldest first."""
        if self._data is None:
            return []
        return [(w.week_start, w.sessions, w.goal_met) for w in self._data.weeks]

    def goal_line_value(self) -> float:
        self._finish_building()
        return float(self.goal_line.value())

    def streak_text(self) -> str:
        return self.streak_label.text()

    def hold_minutes_data(self) -> list[tuple[date, float]]:
        if self._data is None:
            return []
        return [(w.week_start, w.hold_minutes) for w in self._data.weeks]

    def exercise_minutes_data(self) -> list[tuple[str, float]]:
        """(exercise name, minutes) in the range, most first, as drawn."""
        if self._data is None:
            return []
        return [(self._exercise_name(ex), minutes) for ex, minutes in self._data.breakdown]

    def tightness_data(self) -> list[tuple[datetime, int | None, int | None]]:
        """(session start, left, right) for the sessions with a rating in the range, oldest first."""
        return [] if self._data is None else list(self._data.tightness)

    def heatmap_counts(self) -> dict[date, int]:
        """Every day of the heatmap (52 weeks up to today) → sessions started that day."""
        return {} if self._data is None else dict(self._data.daily)

    def table_row_count(self) -> int:
        return self.table_model.rowCount()

    def bar_tooltip(self, index: int) -> str:
        if self._data is None:
            return ""
        return week_tooltip(self._data.weeks[index], self._data.goal)

    # ---- the worker ----------------------------------------------------------------------------------

    def _start_job(self) -> None:
        self._generation += 1
        generation = self._generation
        cached = self._summaries
        reuse = self._data if cached is not None else None  # _data was computed from _summaries
        source, weeks, goal, tz, today = self._source, self._weeks, self._goal, self._tz, self._today()
        bridge = self._bridge
        self.status_label.setText("Loading…")

        def job() -> None:
            try:
                summaries = cached if cached is not None else tuple(source.summaries())
                data = summarize(summaries, weeks, goal, tz, today, reuse=reuse, pause=_release_gil)
                bridge.finished.emit(generation, (summaries, data))
            except Exception as error:  # re-raised on the GUI thread, see _on_failed
                bridge.failed.emit(generation, error)

        self._pool.start(job)

    @Slot(int, object)
    def _on_computed(self, generation: int, result: tuple[Sequence[SessionSummary], HistoryData]) -> None:
        if generation != self._generation:
            return  # a newer request is on its way; drawing this one would only flicker
        self._summaries, self._data = result
        self._draw(self._data)
        self.ready.emit()

    @Slot(int, object)
    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.status_label.setText("Could not load the history")
            raise error  # a bug: let the crash handler (sys.excepthook) report it with its traceback

    def wait_for_worker(self, msecs: int = -1) -> bool:
        """Blocks until a running aggregation finishes (for shutdown; the GUI should not call it)."""
        return bool(self._pool.waitForDone(msecs))

    # ---- drawing -------------------------------------------------------------------------------------

    def _draw(self, data: HistoryData) -> None:
        for draw in self._drawers:
            draw(data)
        self.table_model.set_sessions(data.sessions)
        self.streak_label.setText(streak_sentence(data.current_streak, data.best_streak))
        self.status_label.setText(
            f"{plural(len(data.sessions), 'session')} in range · {data.total_sessions} in all"
        )

    def _draw_weeks(self, data: HistoryData) -> None:
        self._finish_building()  # a result may come before the turns meant to build the charts
        sessions = self.sessions_plot
        hold = self.hold_plot
        assert sessions is not None and hold is not None
        weeks = data.weeks
        xs = list(range(len(weeks)))
        met_brush = QBrush(QColor(BLUE))
        missed_brush = QBrush(QColor(GREY), Qt.BrushStyle.BDiagPattern)
        met_pen, missed_pen = pg.mkPen(DARK_BLUE, width=1.5), pg.mkPen("#5F5F5F", width=1.5)
        self.sessions_bars.setOpts(
            x=xs,
            height=[w.sessions for w in weeks],
            width=0.7,
            brushes=[met_brush if w.goal_met else missed_brush for w in weeks],
            pens=[met_pen if w.goal_met else missed_pen for w in weeks],
        )
        self.goal_line.setValue(data.goal)
        top = max([data.goal, *(w.sessions for w in weeks)])
        sessions.view.setYRange(0, top + 1, padding=0)
        sessions.view.setXRange(-0.6, len(weeks) - 0.4, padding=0)
        ticks = week_ticks(weeks)
        sessions.bottom.setTicks(ticks)
        hold.bottom.setTicks(ticks)
        sessions.left.setTicks([[(float(v), str(v)) for v in range(0, top + 2, max(1, (top + 1) // 6))]])

        minutes = [w.hold_minutes for w in weeks]
        self.hold_bars.setOpts(x=xs, height=minutes, width=0.7)
        hold.view.setYRange(0, max([1.0, *minutes]) * 1.1, padding=0)
        if not self._charts_shown:
            self._charts_shown = True
            self.loading_label.setVisible(False)
            for widget in (sessions.widget, self.legend_label, hold.widget):
                widget.setVisible(True)

    def _draw_exercises(self, data: HistoryData) -> None:
        chart = self.exercise_plot
        assert chart is not None
        names = [self._exercise_name(ex) for ex, _ in data.breakdown]
        values = [m for _, m in data.breakdown]
        self.exercise_bars.setOpts(x0=[0.0] * len(values), y=list(range(len(values))), width=values)
        chart.left.setTicks([list(enumerate(names))])
        chart.view.setYRange(-0.6, max(len(values), 1) - 0.4, padding=0)
        chart.view.setXRange(0, max([1.0, *values]) * 1.05, padding=0)

    def _draw_tightness(self, data: HistoryData) -> None:
        chart = self.tightness_plot
        assert chart is not None
        left = [(t.timestamp(), v) for t, v, _ in data.tightness if v is not None]
        right = [(t.timestamp(), v) for t, _, v in data.tightness if v is not None]
        self.left_curve.setData([x for x, _ in left], [y for _, y in left])
        self.right_curve.setData([x for x, _ in right], [y for _, y in right])
        # x is the POSIX time of each session; the ticks are the week starts, labelled as on the Weeks tab
        mondays = [self._midnight(w.week_start) for w in data.weeks]
        chart.bottom.setTicks(
            [[(mondays[round(i)], text) for i, text in level] for level in week_ticks(data.weeks)]
        )
        end = self._midnight(data.today + timedelta(days=1))
        chart.view.setXRange(mondays[0], end, padding=0.02)

    def _midnight(self, day: date) -> float:
        return datetime.combine(day, MIDNIGHT, tzinfo=self._tz).timestamp()

    def _draw_heatmap(self, data: HistoryData) -> None:
        chart = self.heatmap_plot
        assert chart is not None
        rgba = np.zeros((HEATMAP_WEEKS, 7, 4), dtype=np.uint8)  # future days stay transparent
        palette = [QColor(c) for c in HEAT_COLOURS]
        for day, count in data.daily.items():
            offset = (day - data.heatmap_start).days
            colour = palette[min(count, len(palette) - 1)]
            rgba[offset // 7, offset % 7] = (colour.red(), colour.green(), colour.blue(), 255)
        self.heatmap_image.setImage(rgba, autoLevels=False)
        self.heatmap_image.setRect(QRectF(0, 0, HEATMAP_WEEKS, 7))
        months = []  # under each month's first Monday; January says its year
        for column in range(HEATMAP_WEEKS):
            monday = data.heatmap_start + timedelta(weeks=column)
            if monday.day <= 7:
                months.append((column + 0.5, f"{monday:%b %Y}" if monday.month == 1 else f"{monday:%b}"))
        chart.bottom.setTicks([months])
        chart.view.setXRange(0, HEATMAP_WEEKS, padding=0.01)
        chart.view.setYRange(0, 7, padding=0.02)

    def _exercise_name(self, exercise_id: str) -> str:
        return self._exercise_names.get(exercise_id, exercise_id)

    # ---- tooltips ------------------------------------------------------------------------------------

    def _install_hover(self, chart: Chart, text_at: Callable[[QPointF], str | None]) -> None:
        view, widget = chart.view, chart.widget

        def on_move(scene_pos: QPointF) -> None:
            inside = view.sceneBoundingRect().contains(scene_pos)
            text = text_at(view.mapSceneToView(scene_pos)) if inside and self._data is not None else None
            widget.setToolTip(text or "")
            if text:
                QToolTip.showText(QCursor.pos(), text, widget)
            else:
                QToolTip.hideText()

        widget.scene().sigMouseMoved.connect(on_move)

    def _week_at(self, point: QPointF) -> WeekStat | None:
        assert self._data is not None
        index = round(point.x())
        if 0 <= index < len(self._data.weeks) and abs(point.x() - index) <= 0.4:
            return self._data.weeks[index]
        return None

    def _sessions_tooltip_at(self, point: QPointF) -> str | None:
        assert self._data is not None
        week = self._week_at(point)
        return None if week is None else week_tooltip(week, self._data.goal)

    def _hold_tooltip_at(self, point: QPointF) -> str | None:
        week = self._week_at(point)
        if week is None:
            return None
        return f"Week of {week.week_start.isoformat()}: {week.hold_minutes:.1f} minutes holding"

    def _exercise_tooltip_at(self, point: QPointF) -> str | None:
        assert self._data is not None
        index = round(point.y())
        if 0 <= index < len(self._data.breakdown) and abs(point.y() - index) <= 0.3:
            exercise, minutes = self._data.breakdown[index]
            return f"{self._exercise_name(exercise)}: {minutes:.1f} minutes"
        return None

    def _heatmap_tooltip_at(self, point: QPointF) -> str | None:
        assert self._data is not None
        column, row = math.floor(point.x()), math.floor(point.y())
        if not (0 <= column < HEATMAP_WEEKS and 0 <= row < 7):
            return None
        day = self._data.heatmap_start + timedelta(weeks=column, days=row)
        count = self._data.daily.get(day)
        if count is None:
            return None
        return f"{day.isoformat()} ({DAY_NAMES[row]}): {plural(count, 'session')}"

    # ---- the weekly summary (PDF) --------------------------------------------------------------------

    @classmethod
    def ask_pdf_path(
        cls, parent: QWidget | None, suggested_name: str = "psoas-weekly-summary.pdf"
    ) -> Path | None:
        """The save dialog (the seam tests replace); None when cancelled."""
        name, _ = QFileDialog.getSaveFileName(
            parent, "Save weekly summary", str(Path.home() / suggested_name), "PDF files (*.pdf)"
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix.lower() == ".pdf" else path.with_suffix(path.suffix + ".pdf")

    @Slot()
    def _on_save_pdf(self) -> None:
        path = type(self).ask_pdf_path(self, f"psoas-weekly-summary-{self._today().isoformat()}.pdf")
        if path is None:
            return
        try:
            self.export_pdf(path)
        except OSError as error:
            self.status_label.setText(f"Could not save the summary: {error}")
        else:
            self.status_label.setText(f"Saved {path.name}")

    def export_pdf(self, path: Path) -> None:
        """Writes a one-page A4 summary: weekly bars with the goal, the streaks and this week's sessions.

        Uses the data on screen; before the first result arrives it aggregates synchronously.
        Raises OSError when the file cannot be written.
        """
        data = self._data
        if data is None:
            summaries = self._summaries if self._summaries is not None else tuple(self._source.summaries())
            data = summarize(summaries, self._weeks, self._goal, self._tz, self._today())
        if not path.parent.is_dir():
            raise FileNotFoundError(f"no such folder: {path.parent}")
        writer = QPdfWriter(str(path))
        writer.setTitle("Psoas Desktop — weekly summary")
        writer.setCreator("Psoas Desktop")
        writer.setResolution(144)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(15, 15, 15, 15),
                QPageLayout.Unit.Millimeter,
            )
        )
        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"cannot write {path}")
        try:
            _paint_summary(
                painter, QRectF(0, 0, writer.width(), writer.height()), data, self._tz, self._routine_names
            )
        finally:
            painter.end()
        if not path.is_file() or path.stat().st_size == 0:
            raise OSError(f"nothing was written to {path}")


def _paint_summary(
    painter: QPainter, page: QRectF, data: HistoryData, tz: tzinfo, routine_names: Mapping[str, str]
) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    unit = page.width() / 100  # layout in hundredths of the page width
    y = page.top()

    def text(line: str, size: float, bold: bool = False, colour: str = "#1D2329") -> None:
        nonlocal y
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(1, round(size * unit)))
        font.setBold(bold)
        painter.setFont(font)
        painter.setPen(QColor(colour))
        height = painter.fontMetrics().height()
        painter.drawText(QRectF(page.left(), y, page.width(), height), Qt.AlignmentFlag.AlignLeft, line)
        y += height * 1.25

    weeks = data.weeks
    this_monday = iso_week_start(data.today)
    text("Psoas Desktop — weekly summary", 4.2, bold=True)
    text(
        f"Week of {this_monday.isoformat()} · {plural(len(data.this_week), 'session')} so far · "
        f"weekly goal {data.goal}",
        2.4,
    )
    text(streak_sentence(data.current_streak, data.best_streak), 2.4, bold=True)
    y += unit * 2

    # The weekly bars, drawn as on screen: solid blue when the goal was met, hatched grey when not.
    text(f"Completed sessions per week, last {len(weeks)} weeks", 2.6, bold=True)
    chart = QRectF(page.left() + unit * 6, y, page.width() - unit * 7, unit * 38)
    top = max([data.goal, *(w.sessions for w in weeks)]) + 1
    slot = chart.width() / max(1, len(weeks))

    def y_of(value: float) -> float:
        return chart.bottom() - chart.height() * value / top

    small = QFont("DejaVu Sans")
    small.setPixelSize(max(1, round(1.6 * unit)))
    painter.setFont(small)
    for value in range(0, top + 1, max(1, math.ceil(top / 6))):
        painter.setPen(QPen(QColor("#C9CED4"), 0))
        painter.drawLine(QPointF(chart.left(), y_of(value)), QPointF(chart.right(), y_of(value)))
        painter.setPen(QColor("#1D2329"))
        label = QRectF(page.left(), y_of(value) - unit, unit * 5, unit * 2)
        painter.drawText(label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(value))
    label_step = max(1, math.ceil(len(weeks) / 8))
    for i, week in enumerate(weeks):
        bar = QRectF(chart.left() + slot * (i + 0.15), y_of(week.sessions), slot * 0.7, 0)
        bar.setBottom(chart.bottom())
        if week.goal_met:
            painter.setPen(QPen(QColor(DARK_BLUE), unit * 0.15))
            painter.setBrush(QBrush(QColor(BLUE)))
        else:
            painter.setPen(QPen(QColor("#5F5F5F"), unit * 0.15))
            painter.setBrush(QBrush(QColor(GREY), Qt.BrushStyle.BDiagPattern))
        if week.sessions:
            painter.drawRect(bar)
        if (len(weeks) - 1 - i) % label_step == 0:
            painter.setPen(QColor("#1D2329"))
            where = QRectF(chart.left() + slot * i - slot, chart.bottom() + unit * 0.5, slot * 3, unit * 2.5)
            painter.drawText(where, Qt.AlignmentFlag.AlignHCenter, week_tick_label(week.week_start))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(VERMILLION), unit * 0.3, Qt.PenStyle.DashLine))
    painter.drawLine(QPointF(chart.left(), y_of(data.goal)), QPointF(chart.right(), y_of(data.goal)))
    painter.setPen(QPen(QColor("#5A636C"), unit * 0.1))
    painter.drawLine(chart.bottomLeft(), chart.bottomRight())
    y = chart.bottom() + unit * 4
    text(LEGEND_TEXT, 1.8, colour="#4A535C")
    y += unit * 2

    text("This week's sessions", 2.6, bold=True)
    if not data.this_week:
        text("None yet.", 2.2)
    for session in data.this_week:
        started = session.started.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")
        routine = routine_names.get(session.routine, session.routine)
        minutes = session.hold_seconds / 60
        text(f"{started}   {routine}   {session.status}   {minutes:.1f} min holding", 2.2)
        if y > page.bottom() - unit * 4:
            text("…", 2.2)
            break


__all__ = ["WEEK_RANGES", "HistoryData", "HistorySource", "HistoryWindow", "summarize", "week_tooltip"]
