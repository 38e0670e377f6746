"""The chart pages of the history window: Weeks (sessions and hold minutes per week), Exercises, Calendar
(heatmap) and Tightness, each drawing a :class:`~psoas_desktop.core.history_summary.HistoryData`.

This module and the window are the only ones that import pyqtgraph (and with it numpy). Importing them costs
≈600 ms, so the app imports the window lazily, the first time the history opens; nothing imported at
start-up may import either. Each page builds its pyqtgraph items only when it is first shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QCursor
from PySide6.QtWidgets import QLabel, QToolTip, QVBoxLayout, QWidget

from psoas_desktop.core.history_summary import (
    DAY_NAMES,
    LEGEND_TEXT,
    MIDNIGHT,
    HistoryData,
    day_tooltip,
    exercise_tooltip,
    heat_level,
    heatmap_day_at,
    hold_tooltip,
    index_at,
    month_ticks,
    week_ticks,
    week_tooltip,
)
from psoas_desktop.core.stats import WeekStat
from psoas_desktop.qt.history.palette import (
    AXIS,
    BLUE,
    DARK_BLUE,
    GREEN,
    GREY,
    HEAT_COLOURS,
    MISSED_EDGE,
    ORANGE,
    STOPPED,
    TEXT,
    VERMILLION,
)

WEEK_AXIS_WIDTH = 64  # px, the left axes of the two weekly charts
BAR_HALF_WIDTH = 0.4  # of a week bar, for the pointer (the bars are 0.7 wide)
CALENDAR_CELL_PX = 15  # the smallest side of a calendar day, whatever the range
GOAL_LABEL_GAP_PX = 6  # between the goal's label and the last bar


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
            axis.setPen(AXIS)
            axis.setTextPen(TEXT)
            if grid:
                axis.setGrid(40)
        layout = widget.ci
        layout.setSpacing(0)  # axes flush with the view, as in a PlotItem
        layout.addLabel(title, row=0, col=1, color=TEXT, size="11pt")
        layout.addItem(left, row=1, col=0)
        layout.addItem(view, row=1, col=1)
        layout.addItem(bottom, row=2, col=1)
        return cls(widget, view, left, bottom)

    def on_hover(self, text_at: Callable[[QPointF], str | None]) -> None:
        """Shows ``text_at(point in data coordinates)`` as the tooltip while the pointer is over the view."""
        view, widget = self.view, self.widget

        def on_move(scene_pos: QPointF) -> None:
            inside = view.sceneBoundingRect().contains(scene_pos)
            text = text_at(view.mapSceneToView(scene_pos)) if inside else None
            widget.setToolTip(text or "")
            if text:
                QToolTip.showText(QCursor.pos(), text, widget)
            else:
                QToolTip.hideText()

        widget.scene().sigMouseMoved.connect(on_move)


class WeeksPage(QWidget):
    """Sessions per week against the goal (counted ones in full, stopped-early ones as a pale top), and hold
    minutes per week, over the range. The goal's label sits right of the last bar, in room kept for it.

    Its two charts are built by :meth:`build_next`, one per event-loop turn while the window opens; until
    the first data they stay hidden behind a loading label: a chart's first paint costs ≈15 ms of Python,
    better spent once, on the data, than while the window's worker holds the GIL.
    """

    def __init__(self, goal: int) -> None:
        super().__init__()
        self._goal = goal
        self._data: HistoryData | None = None
        self.sessions_plot: Chart | None = None
        self.hold_plot: Chart | None = None
        self.legend_label = QLabel(LEGEND_TEXT)
        self.legend_label.setAccessibleName("Chart legend")
        self.legend_label.setVisible(False)
        self.loading_label = QLabel("Loading your history…")
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._column = QVBoxLayout(self)
        self._column.addWidget(self.loading_label, 1)
        self._column.addWidget(self.legend_label)
        self._pending: list[Callable[[], None]] = [self._build_sessions_plot, self._build_hold_plot]

    def build_next(self) -> bool:
        """Builds the next chart; False once both are built."""
        if not self._pending:
            return False
        self._pending.pop(0)()
        return True

    def finish_building(self) -> None:
        while self.build_next():
            pass

    def _build_sessions_plot(self) -> None:
        chart = self.sessions_plot = Chart.create("Sessions per week", "Sessions per week chart")
        self.sessions_bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        chart.view.addItem(self.sessions_bars)
        self.stopped_bars = pg.BarGraphItem(
            x=[], y0=[], height=[], width=0.7, brush=pg.mkBrush(STOPPED), pen=pg.mkPen(MISSED_EDGE, width=1)
        )
        chart.view.addItem(self.stopped_bars)
        self.goal_line = pg.InfiniteLine(
            pos=self._goal,
            angle=0,
            movable=False,
            pen=pg.mkPen(VERMILLION, width=2, style=Qt.PenStyle.DashLine),
            label="goal {value:.0f}",
            labelOpts={"position": 1.0, "color": VERMILLION, "anchors": [(1, 1), (1, 1)]},
        )
        chart.view.addItem(self.goal_line)
        chart.view.sigResized.connect(self._fit_x_range)
        chart.left.setLabel("sessions")
        chart.left.setWidth(WEEK_AXIS_WIDTH)
        chart.on_hover(self._sessions_tooltip_at)
        self._column.insertWidget(1, chart.widget, 3)  # above the legend
        chart.widget.setVisible(self._data is not None)

    def _build_hold_plot(self) -> None:
        chart = self.hold_plot = Chart.create("Hold minutes per week", "Hold minutes per week chart")
        self.hold_bars = pg.BarGraphItem(
            x=[], height=[], width=0.7, brush=pg.mkBrush(ORANGE), pen=pg.mkPen("#9A6A00")
        )
        chart.view.addItem(self.hold_bars)
        chart.left.setLabel("minutes")
        chart.left.setWidth(WEEK_AXIS_WIDTH)  # the same as above, so the weeks line up
        assert self.sessions_plot is not None  # built one step earlier
        chart.view.setXLink(self.sessions_plot.view)
        chart.on_hover(self._hold_tooltip_at)
        self._column.addWidget(chart.widget, 2)
        chart.widget.setVisible(self._data is not None)

    def draw(self, data: HistoryData) -> None:
        self.finish_building()  # a result may come before the turns meant to build the charts
        sessions, hold = self.sessions_plot, self.hold_plot
        assert sessions is not None and hold is not None
        first = self._data is None
        self._data = data
        weeks = data.weeks
        xs = list(range(len(weeks)))
        met_brush = QBrush(QColor(BLUE))
        missed_brush = QBrush(QColor(GREY), Qt.BrushStyle.BDiagPattern)
        met_pen, missed_pen = pg.mkPen(DARK_BLUE, width=1.5), pg.mkPen(MISSED_EDGE, width=1.5)
        self.sessions_bars.setOpts(
            x=xs,
            height=[w.sessions for w in weeks],
            width=0.7,
            brushes=[met_brush if w.goal_met else missed_brush for w in weeks],
            pens=[met_pen if w.goal_met else missed_pen for w in weeks],
        )
        self.stopped_bars.setOpts(
            x=xs, y0=[w.sessions for w in weeks], height=[w.stopped_early for w in weeks], width=0.7
        )
        self.goal_line.setValue(data.goal)
        top = max([data.goal, *(w.all_sessions for w in weeks)])
        sessions.view.setYRange(0, top + 1, padding=0)
        self._fit_x_range()
        ticks = week_ticks(weeks)
        sessions.bottom.setTicks(ticks)
        hold.bottom.setTicks(ticks)
        sessions.left.setTicks([[(float(v), str(v)) for v in range(0, top + 2, max(1, (top + 1) // 6))]])
        minutes = [w.hold_minutes for w in weeks]
        self.hold_bars.setOpts(x=xs, height=minutes, width=0.7)
        hold.view.setYRange(0, max([1.0, *minutes]) * 1.1, padding=0)
        if first:
            self.loading_label.setVisible(False)
            for widget in (sessions.widget, self.legend_label, hold.widget):
                widget.setVisible(True)

    def _fit_x_range(self) -> None:
        """The weeks, and right of the last one room for the goal's label (its width in pixels, so the
        room is in weeks: w = L·(n + 0.2) / (W - L) for n weeks, a label of L px and a view of W px)."""
        if self._data is None or self.sessions_plot is None:
            return
        count = len(self._data.weeks)
        label = self.goal_line.label.boundingRect().width() + GOAL_LABEL_GAP_PX
        width = self.sessions_plot.view.width()
        room = label * (count + 0.2) / (width - label) if width > label * 2 else 1.5
        self.sessions_plot.view.setXRange(-0.6, count - 0.4 + room, padding=0)

    def goal_line_value(self) -> float:
        self.finish_building()
        return float(self.goal_line.value())

    def goal_label_rect(self) -> QRectF:
        """The goal's label in scene coordinates (tests check that no bar is under it)."""
        return QRectF(self.goal_line.label.sceneBoundingRect())

    def bar_rect(self, index: int) -> QRectF:
        """The full bar (counted and stopped early) of the week at ``index``, in scene coordinates."""
        assert self._data is not None and self.sessions_plot is not None
        week = self._data.weeks[index]
        box = QRectF(index - 0.35, 0, 0.7, max(week.all_sessions, 0.001))
        return QRectF(self.sessions_plot.view.mapViewToScene(box).boundingRect())

    def _week_at(self, point: QPointF) -> WeekStat | None:
        if self._data is None:
            return None
        index = index_at(point.x(), len(self._data.weeks), BAR_HALF_WIDTH)
        return None if index is None else self._data.weeks[index]

    def _sessions_tooltip_at(self, point: QPointF) -> str | None:
        week = self._week_at(point)
        return None if week is None or self._data is None else week_tooltip(week, self._data.goal)

    def _hold_tooltip_at(self, point: QPointF) -> str | None:
        week = self._week_at(point)
        return None if week is None else hold_tooltip(week)


class ExercisePage:
    """Hold minutes per exercise over the range, most first (horizontal bars)."""

    def __init__(self, exercise_names: Mapping[str, str]) -> None:
        self._names = exercise_names
        self._data: HistoryData | None = None
        self.chart = Chart.create(
            "Minutes per exercise", "Minutes per exercise chart", x_grid=True, y_grid=False
        )
        self.bars = pg.BarGraphItem(
            x0=[], y=[], width=[], height=0.6, brush=pg.mkBrush(GREEN), pen=pg.mkPen("#006B4F")
        )
        self.chart.view.addItem(self.bars)
        self.value_labels: list[Any] = []  # pg.TextItem: the minutes at the end of each bar
        self.chart.bottom.setLabel("minutes")
        self.chart.view.invertY(True)
        self.chart.on_hover(self._tooltip_at)
        self.widget: QWidget = self.chart.widget

    def name(self, exercise_id: str) -> str:
        return self._names.get(exercise_id, exercise_id)

    def draw(self, data: HistoryData) -> None:
        self._data = data
        names = [self.name(ex) for ex, _ in data.breakdown]
        values = [m for _, m in data.breakdown]
        self.bars.setOpts(x0=[0.0] * len(values), y=list(range(len(values))), width=values)
        self.chart.left.setTicks([list(enumerate(names))])
        for label in self.value_labels:
            self.chart.view.removeItem(label)
        self.value_labels = []
        for row, minutes in enumerate(values):
            label = pg.TextItem(f"{minutes:.1f} min", color=TEXT, anchor=(0, 0.5))
            label.setPos(minutes, row)
            self.chart.view.addItem(label)
            self.value_labels.append(label)
        self.chart.view.setYRange(-0.6, max(len(values), 1) - 0.4, padding=0)
        # Room right of the longest bar for its value.
        self.chart.view.setXRange(0, max([1.0, *values]) * 1.25, padding=0)

    def _tooltip_at(self, point: QPointF) -> str | None:
        if self._data is None:
            return None
        index = index_at(point.y(), len(self._data.breakdown), 0.3)
        if index is None:
            return None
        exercise, minutes = self._data.breakdown[index]
        return exercise_tooltip(self.name(exercise), minutes)


class CalendarPage:
    """Sessions per day over the range: a column per week, a row per weekday, darker for more.

    Its day cells stay square and at least CALENDAR_CELL_PX wide: the chart asks for the room they need.
    """

    def __init__(self) -> None:
        self._data: HistoryData | None = None
        self.chart = Chart.create("Sessions per day", "Calendar heatmap", y_grid=False)
        self.image = pg.ImageItem(axisOrder="col-major")
        view = self.chart.view
        view.addItem(self.image)
        view.invertY(True)
        view.setAspectLocked(True)
        self.chart.left.setTicks([[(row + 0.5, name) for row, name in enumerate(DAY_NAMES)]])
        self.chart.left.setWidth(WEEK_AXIS_WIDTH)
        self.chart.on_hover(self._tooltip_at)
        swatches = "".join(
            f"<span style='color:{colour}'>■</span>" if i else "<span style='color:#B0B7BF'>■</span>"
            for i, colour in enumerate(HEAT_COLOURS)
        )
        legend = QLabel(f"Fewer {swatches} more sessions (0, 1, 2, 3, 4+)")
        legend.setAccessibleName("Heatmap legend")
        self.widget = QWidget()
        column = QVBoxLayout(self.widget)
        column.addWidget(self.chart.widget, 1)
        column.addWidget(legend)
        column.addStretch(1)

    def draw(self, data: HistoryData) -> None:
        self._data = data
        columns = data.heatmap_weeks
        self.chart.widget.ci.getItem(0, 1).setText(
            f"Sessions per day, last {columns} weeks", color=TEXT, size="11pt"
        )
        rgba = np.zeros((columns, 7, 4), dtype=np.uint8)  # future days stay transparent
        palette = [QColor(c) for c in HEAT_COLOURS]
        for day, count in data.daily.items():
            offset = (day - data.heatmap_start).days
            colour = palette[heat_level(count)]
            rgba[offset // 7, offset % 7] = (colour.red(), colour.green(), colour.blue(), 255)
        self.image.setImage(rgba, autoLevels=False)
        self.image.setRect(QRectF(0, 0, columns, 7))
        self.chart.bottom.setTicks([month_ticks(data.heatmap_start, columns)])
        self.chart.view.setRange(xRange=(0, columns), yRange=(0, 7), padding=0.01)
        self.chart.widget.setMinimumSize(self._room_for(columns))
        # Square cells as large as the width allows, and no taller than that (more would only be blank).
        self.chart.widget.setMaximumHeight(max(self._room_for(columns).height(), 260))

    def _room_for(self, columns: int) -> QSize:
        """The chart's size when its cells are CALENDAR_CELL_PX wide (axes, title and padding around)."""
        cell = CALENDAR_CELL_PX * 1.03  # the 1 % padding either side
        return QSize(round(columns * cell) + WEEK_AXIS_WIDTH + 24, round(7 * cell) + 80)

    def cell_size_px(self) -> float:
        """The side of one day's cell on screen (tests check it)."""
        view = self.chart.view
        return float(view.mapViewToDevice(QRectF(0, 0, 1, 1)).boundingRect().width())

    def _tooltip_at(self, point: QPointF) -> str | None:
        found = None if self._data is None else heatmap_day_at(self._data, point.x(), point.y())
        return None if found is None else day_tooltip(*found)


class TightnessPage:
    """The tightness ratings in the range, left and right: one point a day, the mean of its check-ins."""

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz
        self.chart = Chart.create(
            "Hip tightness, mean of each day's check-ins (0 = loose, 10 = very tight)",
            "Tightness trend chart",
        )
        view = self.chart.view
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
        legend = pg.LegendItem(offset=(10, 10), labelTextColor=TEXT)
        legend.setParentItem(view)
        for curve in (self.left_curve, self.right_curve):
            view.addItem(curve)
            legend.addItem(curve, curve.name())
        view.setYRange(0, 10, padding=0.05)
        self.chart.left.setTicks([[(float(v), str(v)) for v in range(0, 11, 2)]])
        self.widget: QWidget = self.chart.widget

    def draw(self, data: HistoryData) -> None:
        # Each day's point at its local noon, the middle of its day.
        left = [(self._noon(day), v) for day, v, _ in data.tightness if v is not None]
        right = [(self._noon(day), v) for day, _, v in data.tightness if v is not None]
        self.left_curve.setData([x for x, _ in left], [y for _, y in left])
        self.right_curve.setData([x for x, _ in right], [y for _, y in right])
        # x is the POSIX time of each session; the ticks are the week starts, labelled as on the Weeks tab
        mondays = [self._midnight(w.week_start) for w in data.weeks]
        self.chart.bottom.setTicks(
            [[(mondays[round(i)], text) for i, text in level] for level in week_ticks(data.weeks)]
        )
        self.chart.view.setXRange(mondays[0], self._midnight(data.today + timedelta(days=1)), padding=0.02)

    def _midnight(self, day: date) -> float:
        return datetime.combine(day, MIDNIGHT, tzinfo=self._tz).timestamp()

    def _noon(self, day: date) -> float:
        return self._midnight(day) + 12 * 3600
