"""CountdownWidget: paints an engine Snapshot as a ring that empties around large digits.

The widget only renders. It never reads a clock and owns no timer: whoever polls the engine (the Ticker)
hands it each Snapshot through :meth:`CountdownWidget.show_snapshot`.

Three layouts share one paint routine:

* normal: exercise name, phase name, ring with digits (about 27 % of the height), counters and a thin
  whole-session progress bar;
* mat mode: a full-screen view read from a yoga mat 1–3 m away, digits at least 40 % of the height and the
  active instruction step in a large font under the ring;
* compact: a small always-on-top window with the exercise, the phase with its side, ring, digits and set.

Each phase kind has an Okabe–Ito colour *and* its own ring style (solid, double, dashed, dotted, thin), so
colour is never the only cue; colours are nudged lighter or darker until they reach a 3:1 contrast with the
palette's window colour, so light and dark themes both work.
"""

from __future__ import annotations

import math
from enum import Enum

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QWidget

from psoas_desktop.core.catalog import PhaseKind
from psoas_desktop.core.engine import EngineState, Snapshot
from psoas_desktop.core.formatting import format_clock, whole_seconds_up
from psoas_desktop.core.plan import Phase
from psoas_desktop.core.session_end import SessionEnd, end_lines, end_title
from psoas_desktop.qt.session.countdown_layout import (
    EMPHASIS_WIDTH,
    Layout,
    compute_layout,
    fitted_font,
    readable_on,
)

EMPHASIS_SECONDS = 3.0
"""The last seconds of a hold that are drawn emphasised (they match the engine's 3-2-1 cues)."""
EMPHASIS_COLOUR = QColor("#D55E00")  # Okabe–Ito vermillion

PHASE_COLOURS: dict[PhaseKind, QColor] = {
    PhaseKind.HOLD: QColor("#0072B2"),  # blue
    PhaseKind.PAUSE: QColor("#56B4E9"),  # sky blue
    PhaseKind.MOVE: QColor("#009E73"),  # bluish green
    PhaseKind.LOWER: QColor("#009E73"),
    PhaseKind.REST: QColor("#E69F00"),  # orange
    PhaseKind.SWITCH_SIDES: QColor("#CC79A7"),  # reddish purple
    PhaseKind.GET_READY: QColor("#F0E442"),  # yellow, darkened on light themes by the contrast rule
}


class RingStyle(Enum):
    SOLID = "solid"
    DOUBLE = "double"
    DASHED = "dashed"
    DOTTED = "dotted"
    THIN = "thin"


RING_STYLES: dict[PhaseKind, RingStyle] = {
    PhaseKind.HOLD: RingStyle.SOLID,
    PhaseKind.PAUSE: RingStyle.DOUBLE,
    PhaseKind.MOVE: RingStyle.SOLID,
    PhaseKind.LOWER: RingStyle.SOLID,
    PhaseKind.REST: RingStyle.DASHED,
    PhaseKind.SWITCH_SIDES: RingStyle.DOTTED,
    PhaseKind.GET_READY: RingStyle.THIN,
}

# Ring stroke width per style, as a fraction of the full (hold) width.
_STYLE_WIDTH: dict[RingStyle, float] = {
    RingStyle.SOLID: 1.0,
    RingStyle.DOUBLE: 1.0,
    RingStyle.DASHED: 1.0,
    RingStyle.DOTTED: 1.0,
    RingStyle.THIN: 0.4,
}
_MOVE_WIDTH = 0.75  # lift/lower: a little lighter than a hold


def side_heading(phase: Phase) -> str:
    """The phase's name with its side in capitals: "Hold · LEFT side", "Switch to the RIGHT side"."""
    if phase.side is None:
        return phase.label
    side = phase.side.value.upper()
    if phase.kind is PhaseKind.SWITCH_SIDES:
        return f"Switch to the {side} side"
    return f"{phase.label} · {side} side"


_WRAPPED = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)


class CountdownWidget(QWidget):
    """Renders engine snapshots: a ring emptying clockwise around the seconds left in the phase."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snapshot: Snapshot | None = None
        self._end: SessionEnd | None = None
        self._exercise_name = ""
        self._step_text = ""
        self._mat_mode = False
        self._compact = False
        self._layout: Layout | None = None
        self.setAccessibleName("Countdown")
        self._update_accessibility()

    # -- public API --------------------------------------------------------------------------------

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._update_accessibility()
        self.update()

    def set_end(self, end: SessionEnd | None) -> None:
        """The summary shown once the session has ended (None: none yet, or back to idle)."""
        self._end = end
        self._update_accessibility()
        self.update()

    def set_exercise_name(self, name: str) -> None:
        self._exercise_name = name
        self._update_accessibility()
        self.update()

    def set_step_text(self, text: str) -> None:
        """The active instruction step; painted in mat mode only."""
        self._step_text = text
        self.update()

    def set_mat_mode(self, on: bool) -> None:
        self._mat_mode = on
        self._layout = None
        self.update()

    def set_compact(self, on: bool) -> None:
        self._compact = on
        self._layout = None
        self.updateGeometry()
        self.update()

    @property
    def mat_mode(self) -> bool:
        return self._mat_mode

    @property
    def compact(self) -> bool:
        return self._compact

    # -- read-only views of what is shown (tests, accessibility) -----------------------------------

    def exercise_name(self) -> str:
        return self._exercise_name

    def step_text(self) -> str:
        return self._step_text

    def step_visible(self) -> bool:
        return self._mat_mode and not self._compact and bool(self._step_text)

    def idle(self) -> bool:
        """Nothing has run yet: the screen says what Space will start, and counts nothing."""
        return self._snapshot is None or self._snapshot.state is EngineState.IDLE

    def ended(self) -> bool:
        return self._snapshot is not None and self._snapshot.state in (
            EngineState.COMPLETED,
            EngineState.STOPPED,
        )

    def summary_lines(self) -> list[str]:
        """The end screen's summary, in place of the ring (empty while a session runs or waits)."""
        return end_lines(self._end) if self.ended() and self._end is not None else []

    def digits_text(self) -> str:
        snapshot = self._snapshot
        if snapshot is None or self.idle() or self.ended():
            return ""
        seconds = whole_seconds_up(snapshot.remaining)
        return str(seconds) if seconds < 60 else format_clock(seconds)

    def hint_text(self) -> str:
        """Mat mode's quiet line: how to leave, and what Space does now."""
        state = self._snapshot.state if self._snapshot is not None else EngineState.IDLE
        space = {EngineState.RUNNING: "pause", EngineState.PAUSED: "resume"}.get(state, "start")
        return f"Esc exit · Space {space}"

    def side_text(self) -> str:
        """The side of the phase under way, in capitals ("LEFT side"; "Next: LEFT side" while switching)."""
        snapshot = self._snapshot
        phase = snapshot.phase if snapshot is not None else None
        if phase is None or phase.side is None or self.idle() or self.ended():
            return ""
        side = f"{phase.side.value.upper()} side"
        return f"Next: {side}" if phase.kind is PhaseKind.SWITCH_SIDES else side

    def phase_text(self, *, side: bool = True) -> str:
        """The heading: the phase, with its side unless the side has a line of its own (`side` False)."""
        snapshot = self._snapshot
        if snapshot is None:
            return "Ready"
        if snapshot.state is EngineState.IDLE:
            return "Ready · press Space"
        if self.ended():
            return end_title(self._end.status if self._end is not None else snapshot.state.value)
        if snapshot.interrupted:
            return "Interrupted — press Space to redo this phase"
        if snapshot.phase is None:
            return "Ready"
        heading = side_heading(snapshot.phase) if side else snapshot.phase.label
        if snapshot.state is EngineState.PAUSED:
            return f"{heading} · paused"
        return heading

    def counters_text(self) -> str:
        snapshot = self._snapshot
        if snapshot is not None and self.ended():
            return "Space: start again · D: done"
        phase = snapshot.phase if snapshot is not None else None
        if snapshot is None or phase is None:
            return ""
        if snapshot.state is EngineState.IDLE:
            # The whole plan, and where the selected exercise sits in it: a place, not progress.
            total = f"{format_clock(round(snapshot.session_total))} in all"
            starts_at = snapshot.session_total - snapshot.session_remaining
            if starts_at <= 0:
                return total
            name = f"{self._exercise_name} starts" if self._exercise_name else "starts"
            return f"{total} · {name} at {format_clock(round(starts_at))}"
        parts: list[str] = []
        if snapshot.hold_in and snapshot.state is EngineState.RUNNING:
            parts.append(f"Hold in {snapshot.hold_in}")  # the counted lead-in, as heard
        if phase.rep is not None:
            parts.append(f"Rep {phase.rep} / {phase.reps}" if phase.reps is not None else f"Rep {phase.rep}")
        parts.append(f"Set {phase.set} / {phase.sets}")
        return " · ".join(parts)  # the side is in the heading, where it cannot be missed

    def session_text(self) -> str:
        snapshot = self._snapshot
        if snapshot is None or self.idle() or self.ended():
            return ""  # no progress before anything was done, and the summary says what was
        percent = math.floor(min(1.0, max(0.0, snapshot.session_progress)) * 100 + 1e-9)
        left = format_clock(whole_seconds_up(snapshot.session_remaining))
        return f"Session {percent} % · {left} left"

    def ring_fraction(self) -> float:
        snapshot = self._snapshot
        if snapshot is None or snapshot.state is EngineState.IDLE:
            return 1.0  # a full, neutral ring: nothing is counting
        if snapshot.phase is None or snapshot.phase.seconds <= 0:
            return 0.0
        return min(1.0, max(0.0, snapshot.remaining / snapshot.phase.seconds))

    def phase_kind(self) -> PhaseKind | None:
        """The running (or paused) phase's kind; None while idle (the ring is then neutral)."""
        snapshot = self._snapshot
        if snapshot is None or snapshot.phase is None or self.idle():
            return None
        return snapshot.phase.kind

    def ring_style(self) -> RingStyle:
        kind = self.phase_kind()
        return RING_STYLES[kind] if kind is not None else RingStyle.THIN

    def phase_colour(self) -> QColor:
        """The ring colour for the current phase, readable on the widget's background."""
        kind = self.phase_kind()
        base = PHASE_COLOURS[kind] if kind is not None else self.palette().color(QPalette.ColorRole.Mid)
        return readable_on(base, self._background())

    def emphasis_colour(self) -> QColor:
        return readable_on(EMPHASIS_COLOUR, self._background())

    def is_emphasised(self) -> bool:
        snapshot = self._snapshot
        return (
            snapshot is not None
            and snapshot.state is EngineState.RUNNING
            and not snapshot.interrupted
            and snapshot.phase is not None
            and snapshot.phase.kind is PhaseKind.HOLD
            and 0.0 < snapshot.remaining <= EMPHASIS_SECONDS
        )

    def digits_pixel_height(self) -> int:
        return self._current_layout().digits_font.pixelSize()

    def painted_layout(self) -> Layout:
        """Where each part is painted at the current size and mode (read-only: tests, screenshots)."""
        return self._current_layout()

    # -- QWidget -----------------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(240, 160) if self._compact else QSize(420, 420)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, 90) if self._compact else QSize(200, 150)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._layout = self._compute_layout(event.size())
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange):
            self._layout = None
            self.update()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        layout = self._current_layout()
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            painter.fillRect(self.rect(), self._background())
            if self.ended():
                self._paint_summary(painter, layout)
            else:
                self._paint_ring(painter, layout)
                self._paint_digits(painter, layout)
                if self.idle():
                    self._paint_start_mark(painter, layout)
            self._paint_texts(painter, layout)
            if not layout.compact and not self.idle() and not self.ended():
                self._paint_session_bar(painter, layout)
        finally:
            painter.end()

    # -- painting ----------------------------------------------------------------------------------

    def _background(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Window)

    def _text_colour(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.WindowText)

    def _faint(self, alpha: float) -> QColor:
        colour = QColor(self._text_colour())
        colour.setAlphaF(alpha)
        return colour

    def _paint_ring(self, painter: QPainter, layout: Layout) -> None:
        rect = layout.ring_rect
        # The track: where the ring has already emptied, faint but present so the shape stays legible.
        track = QPen(self._faint(0.15), max(1.0, layout.ring_width * 0.25))
        painter.setPen(track)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(rect)

        fraction = self.ring_fraction()
        if fraction <= 0.0:
            return
        style = self.ring_style()
        width = layout.ring_width * _STYLE_WIDTH[style]
        if self.phase_kind() in (PhaseKind.MOVE, PhaseKind.LOWER):
            width *= _MOVE_WIDTH
        if self.is_emphasised():
            width = layout.ring_width * EMPHASIS_WIDTH
        pen = QPen(self.phase_colour(), width)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        if style is RingStyle.DASHED:
            pen.setDashPattern([2.0, 1.0])
        elif style is RingStyle.DOTTED:
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setDashPattern([0.01, 1.6])
        # Qt angles run counter-clockwise from 3 o'clock in 1/16 degree. The remaining arc is anchored at
        # 12 o'clock and spans counter-clockwise, so the gap opens at 12 and grows clockwise.
        start = 90 * 16
        span = round(fraction * 360 * 16)
        if style is RingStyle.DOUBLE:
            stroke = width / 3
            pen.setWidthF(stroke)
            painter.setPen(pen)
            for offset in (-stroke, stroke):
                painter.drawArc(rect.adjusted(offset, offset, -offset, -offset), start, span)
        else:
            painter.setPen(pen)
            painter.drawArc(rect, start, span)

    def _paint_start_mark(self, painter: QPainter, layout: Layout) -> None:
        """Idle: a faint ▶ in the ring, where a count would be: it says "press to start", not a number."""
        centre, size = layout.ring_rect.center(), layout.ring_rect.width() * 0.16
        mark = QPolygonF(
            [
                centre + QPointF(-size * 0.45, -size * 0.6),
                centre + QPointF(size * 0.6, 0.0),
                centre + QPointF(-size * 0.45, size * 0.6),
            ]
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._faint(0.3))
        painter.drawPolygon(mark)

    def _paint_digits(self, painter: QPainter, layout: Layout) -> None:
        text = self.digits_text()
        font = QFont(layout.digits_font)
        emphasised = self.is_emphasised()
        font.setWeight(QFont.Weight.Bold if emphasised else QFont.Weight.Medium)
        metrics = QFontMetricsF(font)
        bounds = metrics.tightBoundingRect(text)
        if bounds.isEmpty():
            return
        scale = self._digits_scale(layout, bounds)
        centre = layout.ring_rect.center()
        painter.save()
        painter.translate(centre)
        painter.scale(scale, scale)  # the same both ways: the digits keep the font's own proportions
        painter.setFont(font)
        painter.setPen(self.emphasis_colour() if emphasised else self._text_colour())
        painter.drawText(QPointF(-bounds.center().x(), -bounds.center().y()), text)
        painter.restore()

    def _paint_summary(self, painter: QPainter, layout: Layout) -> None:
        """The end screen: the summary's lines where the ring was, across the whole width."""
        lines = self.summary_lines()
        if not lines:
            return
        margin = layout.ring_width
        band = QRectF(margin, layout.ring_rect.top(), self.width() - 2 * margin, layout.ring_rect.height())
        line_height = min(band.height() / max(4, len(lines)), layout.phase_rect.height() * 1.2)
        font = QFont(layout.phase_font)
        font.setWeight(QFont.Weight.Normal)
        font.setPixelSize(max(6, round(line_height * 0.62)))
        top = band.center().y() - line_height * len(lines) / 2
        for index, line in enumerate(lines):
            rect = QRectF(band.left(), top + index * line_height, band.width(), line_height)
            colour = self._text_colour() if index == 0 else self._faint(0.85)
            self._draw_elided(painter, rect, font, colour, line)

    @staticmethod
    def _digits_scale(layout: Layout, bounds: QRectF) -> float:
        """How much the digits shrink (both ways alike) so that their box stays inside the ring."""
        inner = layout.ring_rect.width() / 2 - layout.ring_width * EMPHASIS_WIDTH / 2
        half_diagonal = math.hypot(bounds.width() / 2, bounds.height() / 2)
        return min(1.0, inner * 0.96 / half_diagonal) if half_diagonal > 0 else 1.0

    def _paint_texts(self, painter: QPainter, layout: Layout) -> None:
        if layout.mat_mode and not layout.compact:
            self._draw_elided(
                painter, layout.hint_rect, layout.name_font, self._faint(0.55), self.hint_text()
            )
        if layout.counters_stacked:
            self._paint_column(painter, layout)
            return
        if self._exercise_name:
            self._draw_elided(
                painter, layout.name_rect, layout.name_font, self._faint(0.75), self._exercise_name
            )
        self._draw_elided(
            painter, layout.phase_rect, layout.phase_font, self._text_colour(), self.phase_text()
        )
        if self.step_visible():
            painter.setFont(layout.step_font)
            painter.setPen(self._text_colour())
            painter.drawText(layout.step_rect, _WRAPPED, self._step_text)
        self._draw_elided(
            painter, layout.counters_rect, layout.small_font, self._text_colour(), self.counters_text()
        )
        if not layout.compact:
            self._draw_elided(
                painter, layout.session_rect, layout.small_font, self._faint(0.75), self.session_text()
            )

    def _paint_column(self, painter: QPainter, layout: Layout) -> None:
        """Wide mat mode: the texts beside the ring, one per line, centred as a block; a line with nothing
        to say takes no room."""
        text, faint = self._text_colour(), self._faint(0.75)
        lines: list[tuple[str, QFont, QColor]] = [
            (self._exercise_name, layout.name_font, faint),
            (self.phase_text(side=False), layout.phase_font, text),
        ]
        if not self.ended():
            lines.append((self.side_text(), layout.small_font, text))
            lines += [(part, layout.small_font, text) for part in self.counters_text().split(" · ")]
        else:
            lines.append((self.counters_text(), layout.name_font, text))
        shown = [(words, font, colour) for words, font, colour in lines if words]
        column = layout.column_rect
        heights = [font.pixelSize() * 1.3 for _, font, _ in shown]
        step_height = 0.0
        if self.step_visible():
            bounds = QRectF(0, 0, column.width(), column.height() * 0.3)
            metrics = QFontMetricsF(layout.step_font)
            step_height = min(
                bounds.height(), metrics.boundingRect(bounds, _WRAPPED, self._step_text).height()
            )
            step_height += layout.step_font.pixelSize() * 0.6
        session_height = layout.name_font.pixelSize() * 1.5 if self.session_text() else 0.0
        top = column.center().y() - (sum(heights) + step_height + session_height) / 2
        for (words, font, colour), height in zip(shown, heights, strict=True):
            self._draw_elided(
                painter, QRectF(column.left(), top, column.width(), height), font, colour, words
            )
            top += height
        if step_height:
            painter.setFont(layout.step_font)
            painter.setPen(text)
            painter.drawText(
                QRectF(column.left(), top, column.width(), step_height), _WRAPPED, self._step_text
            )
            top += step_height
        if session_height:
            rect = QRectF(column.left(), top, column.width(), session_height)
            self._draw_elided(painter, rect, layout.name_font, self._faint(0.6), self.session_text())

    def _draw_elided(self, painter: QPainter, rect: QRectF, font: QFont, colour: QColor, text: str) -> None:
        if not text or rect.isEmpty():
            return
        font = fitted_font(font, text, rect.width())
        elided = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), elided)

    def _paint_session_bar(self, painter: QPainter, layout: Layout) -> None:
        rect = layout.bar_rect
        if rect.isEmpty():
            return
        progress = 0.0 if self._snapshot is None else min(1.0, max(0.0, self._snapshot.session_progress))
        radius = rect.height() / 2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._faint(0.15))
        painter.drawRoundedRect(rect, radius, radius)
        if progress > 0.0:
            done = QRectF(rect.left(), rect.top(), rect.width() * progress, rect.height())
            painter.setBrush(self._faint(0.7))
            painter.drawRoundedRect(done, radius, radius)

    # -- layout ------------------------------------------------------------------------------------

    def _current_layout(self) -> Layout:
        layout = self._layout
        if (
            layout is None
            or layout.size != self.size()
            or layout.mat_mode != self._mat_mode
            or layout.compact != self._compact
        ):
            layout = self._layout = self._compute_layout(self.size())
        return layout

    # -- accessibility -----------------------------------------------------------------------------

    def _update_accessibility(self) -> None:
        parts = [self.phase_text(), *self.summary_lines()]
        if self._snapshot is not None and self._snapshot.phase is not None and self.digits_text():
            seconds = whole_seconds_up(self._snapshot.remaining)
            unit = " second" if seconds == 1 else " seconds" if seconds < 60 else ""
            parts.append(f"{self.digits_text()}{unit} left")
        counters = self.counters_text()
        if counters:
            parts.append(counters)
        if self._exercise_name:
            parts.insert(0, self._exercise_name)
        description = ", ".join(parts)
        if description != self.accessibleDescription():
            self.setAccessibleDescription(description)

    def _compute_layout(self, size: QSize) -> Layout:
        return compute_layout(size, self.font(), mat_mode=self._mat_mode, compact=self._compact)
