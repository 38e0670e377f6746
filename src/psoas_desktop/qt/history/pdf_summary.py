"""The printable weekly summary: one A4 page with the weekly bars and the goal, the streaks and this
week's sessions, painted with QPainter into a QPdfWriter (no pyqtgraph)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from psoas_desktop.core.history_summary import (
    LEGEND_TEXT,
    HistoryData,
    plural,
    streak_sentence,
    week_tick_label,
)
from psoas_desktop.core.stats import iso_week_start
from psoas_desktop.qt.history.palette import (
    AXIS,
    BLUE,
    DARK_BLUE,
    GREY,
    MISSED_EDGE,
    STOPPED,
    TEXT,
    VERMILLION,
)

RESOLUTION = 144


def write_summary_pdf(path: Path, data: HistoryData, tz: tzinfo, routine_names: Mapping[str, str]) -> None:
    """Writes the summary to ``path``. Raises OSError when the file cannot be written."""
    if not path.parent.is_dir():
        raise FileNotFoundError(f"no such folder: {path.parent}")
    writer = QPdfWriter(str(path))
    writer.setTitle("Psoas Desktop — weekly summary")
    writer.setCreator("Psoas Desktop")
    writer.setResolution(RESOLUTION)
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
        paint_summary(painter, QRectF(0, 0, writer.width(), writer.height()), data, tz, routine_names)
    finally:
        painter.end()
    if not path.is_file() or path.stat().st_size == 0:
        raise OSError(f"nothing was written to {path}")


class _Page:
    """A cursor down the page: lines of text in hundredths of the page width."""

    def __init__(self, painter: QPainter, page: QRectF) -> None:
        self.painter = painter
        self.page = page
        self.unit = page.width() / 100
        self.y = page.top()

    def font(self, size: float, bold: bool = False) -> QFont:
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(1, round(size * self.unit)))
        font.setBold(bold)
        return font

    def text(self, line: str, size: float, bold: bool = False, colour: str = TEXT) -> None:
        painter = self.painter
        painter.setFont(self.font(size, bold))
        painter.setPen(QColor(colour))
        height = painter.fontMetrics().height()
        where = QRectF(self.page.left(), self.y, self.page.width(), height)
        painter.drawText(where, Qt.AlignmentFlag.AlignLeft, line)
        self.y += height * 1.25


def paint_summary(
    painter: QPainter, page: QRectF, data: HistoryData, tz: tzinfo, routine_names: Mapping[str, str]
) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    cursor = _Page(painter, page)
    unit = cursor.unit
    this_monday = iso_week_start(data.today)
    cursor.text("Psoas Desktop — weekly summary", 4.2, bold=True)
    this_week = data.weeks[-1]
    stopped = f", {this_week.stopped_early} stopped early" if this_week.stopped_early else ""
    cursor.text(
        f"Week of {this_monday.isoformat()} · {plural(this_week.sessions, 'session')} so far{stopped} · "
        f"weekly goal {data.goal}",
        2.4,
    )
    cursor.text(streak_sentence(data.current_streak, data.best_streak), 2.4, bold=True)
    cursor.y += unit * 2
    cursor.text(f"Sessions per week, last {len(data.weeks)} weeks", 2.6, bold=True)
    chart = QRectF(page.left() + unit * 6, cursor.y, page.width() - unit * 7, unit * 38)
    _paint_weeks(cursor, chart, data)
    cursor.y = chart.bottom() + unit * 4
    parts = LEGEND_TEXT.split(" · ")
    half = (len(parts) + 1) // 2
    for line in (parts[:half], parts[half:]):  # in two lines: one is wider than the page
        cursor.text(" · ".join(line), 1.8, colour="#4A535C")
    cursor.y += unit * 2

    cursor.text("This week's sessions", 2.6, bold=True)
    if not data.this_week:
        cursor.text("None yet.", 2.2)
    for session in data.this_week:
        started = session.started.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")
        routine = session.routine_name or routine_names.get(session.routine, session.routine)
        minutes = session.hold_seconds / 60
        counts = "" if session.counted else " (stopped early, not counted)"
        cursor.text(f"{started}   {routine}   {session.status}{counts}   {minutes:.1f} min holding", 2.2)
        if cursor.y > page.bottom() - unit * 4:
            cursor.text("…", 2.2)
            break


def _paint_weeks(cursor: _Page, chart: QRectF, data: HistoryData) -> None:
    """The weekly bars, drawn as on screen: solid blue when the goal was met, hatched grey when not, and a
    pale top for the sessions stopped early."""
    painter, page, unit, weeks = cursor.painter, cursor.page, cursor.unit, data.weeks
    top = max([data.goal, *(w.all_sessions for w in weeks)]) + 1
    slot = chart.width() / max(1, len(weeks))

    def y_of(value: float) -> float:
        return chart.bottom() - chart.height() * value / top

    painter.setFont(cursor.font(1.6))
    for value in range(0, top + 1, max(1, math.ceil(top / 6))):
        painter.setPen(QPen(QColor("#C9CED4"), 0))
        painter.drawLine(QPointF(chart.left(), y_of(value)), QPointF(chart.right(), y_of(value)))
        painter.setPen(QColor(TEXT))
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
            painter.setPen(QPen(QColor(MISSED_EDGE), unit * 0.15))
            painter.setBrush(QBrush(QColor(GREY), Qt.BrushStyle.BDiagPattern))
        if week.sessions:
            painter.drawRect(bar)
        if week.stopped_early:
            pale = QRectF(bar.left(), y_of(week.all_sessions), bar.width(), 0)
            pale.setBottom(y_of(week.sessions))
            painter.setPen(QPen(QColor(MISSED_EDGE), unit * 0.1))
            painter.setBrush(QBrush(QColor(STOPPED)))
            painter.drawRect(pale)
        if (len(weeks) - 1 - i) % label_step == 0:
            painter.setPen(QColor(TEXT))
            where = QRectF(chart.left() + slot * i - slot, chart.bottom() + unit * 0.5, slot * 3, unit * 2.5)
            painter.drawText(where, Qt.AlignmentFlag.AlignHCenter, week_tick_label(week.week_start))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(VERMILLION), unit * 0.3, Qt.PenStyle.DashLine))
    painter.drawLine(QPointF(chart.left(), y_of(data.goal)), QPointF(chart.right(), y_of(data.goal)))
    painter.setPen(QPen(QColor(AXIS), unit * 0.1))
    painter.drawLine(chart.bottomLeft(), chart.bottomRight())
