"""CountdownWidget: paints an engine Snapshot as a ring that empties around large digits.

The widget only renders. It never reads a clock and owns no timer: whoever polls the engine (the Ticker)
hands it each Snapshot through :meth:`CountdownWidget.show_snapshot`.

Three layouts share one paint routine:

* normal: exercise name, phase name, ring with digits (about 27 % of the height), counters and a thin
  whole-session progress bar;
* mat mode: a full-screen view read from a yoga mat 1–3 m away, digits at least 40 % of the height and the
  active instruction step in a large font under the ring;
* compact: a small always-on-top window with the phase name, ring and digits only.

Each phase kind has an Okabe–Ito colour *and* its own ring style (solid, double, dashed, dotted, thin), so
colour is never the only cue; colours are nudged lighter or darker until they reach a 3:1 contrast with the
palette's window colour, so light and dark themes both work.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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
    QResizeEvent,
)
from PySide6.QtWidgets import QWidget

from psoas_desktop.core.catalog import PhaseKind
from psoas_desktop.core.engine import EngineState, Snapshot
from psoas_desktop.core.formatting import format_clock, whole_seconds_up

EMPHASIS_SECONDS = 3.0
"""The last seconds of a hold that are drawn emphasised (they match the engine's 3-2-1 cues)."""
MIN_CONTRAST = 3.0
"""WCAG 2 minimum contrast for graphics and large text."""
MIN_FIT_SCALE = 0.6
"""How far a label may shrink to fit its line before it is elided."""
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
_EMPHASIS_WIDTH = 1.5
_MOVE_WIDTH = 0.75  # lift/lower: a little lighter than a hold


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())
    )


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio between two colours (1.0 to 21.0)."""
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def readable_on(colour: QColor, background: QColor, minimum: float = MIN_CONTRAST) -> QColor:
    """`colour`, made just darker (light background) or lighter (dark background) enough to stand out."""
    if contrast_ratio(colour, background) >= minimum:
        return QColor(colour)
    hue, saturation, lightness = colour.hslHueF(), colour.hslSaturationF(), colour.lightnessF()
    step = -0.02 if _luminance(background) > 0.18 else 0.02
    adjusted = QColor(colour)
    while 0.0 < lightness < 1.0 and contrast_ratio(adjusted, background) < minimum:
        lightness = min(1.0, max(0.0, lightness + step))
        adjusted = QColor.fromHslF(hue, saturation, lightness)
    return adjusted


@dataclass(frozen=True)
class _Layout:
    size: QSize
    mat_mode: bool
    compact: bool
    name_rect: QRectF
    phase_rect: QRectF
    ring_rect: QRectF  # the square the ring's centre line runs in
    ring_width: float
    step_rect: QRectF
    counters_rect: QRectF
    bar_rect: QRectF
    session_rect: QRectF
    digits_font: QFont
    phase_font: QFont
    name_font: QFont
    step_font: QFont
    small_font: QFont


class CountdownWidget(QWidget):
    """Renders engine snapshots: a ring emptying clockwise around the seconds left in the phase."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._snapshot: Snapshot | None = None
        self._exercise_name = ""
        self._step_text = ""
        self._mat_mode = False
        self._compact = False
        self._layout: _Layout | None = None
        self.setAccessibleName("Countdown")
        self._update_accessibility()

    # -- public API --------------------------------------------------------------------------------

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
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

    def counters_visible(self) -> bool:
        return not self._compact

    def digits_text(self) -> str:
        snapshot = self._snapshot
        if snapshot is None:
            return "0"
        seconds = whole_seconds_up(snapshot.remaining)
        return str(seconds) if seconds < 60 else format_clock(seconds)

    def phase_text(self) -> str:
        snapshot = self._snapshot
        if snapshot is None:
            return "Ready"
        if snapshot.state is EngineState.COMPLETED:
            return "Session complete"
        if snapshot.state is EngineState.STOPPED:
            return "Session stopped"
        if snapshot.interrupted:
            return "Interrupted — press Space to redo this phase"
        if snapshot.phase is None:
            return "Ready"
        if snapshot.state is EngineState.PAUSED:
            return f"{snapshot.phase.label} · paused"
        return snapshot.phase.label

    def counters_text(self) -> str:
        snapshot = self._snapshot
        phase = snapshot.phase if snapshot is not None else None
        if phase is None:
            return ""
        parts: list[str] = []
        if phase.rep is not None:
            parts.append(f"Rep {phase.rep} / {phase.reps}" if phase.reps is not None else f"Rep {phase.rep}")
        parts.append(f"Set {phase.set} / {phase.sets}")
        if phase.side is not None:
            parts.append(f"{phase.side.value.capitalize()} side")
        return " · ".join(parts)

    def session_text(self) -> str:
        snapshot = self._snapshot
        if snapshot is None:
            return ""
        percent = math.floor(min(1.0, max(0.0, snapshot.session_progress)) * 100 + 1e-9)
        left = format_clock(whole_seconds_up(snapshot.session_remaining))
        return f"Session {percent} % · {left} left"

    def ring_fraction(self) -> float:
        snapshot = self._snapshot
        if snapshot is None or snapshot.state is EngineState.IDLE:
            return 1.0
        if snapshot.phase is None or snapshot.phase.seconds <= 0:
            return 0.0
        return min(1.0, max(0.0, snapshot.remaining / snapshot.phase.seconds))

    def phase_kind(self) -> PhaseKind | None:
        snapshot = self._snapshot
        return snapshot.phase.kind if snapshot is not None and snapshot.phase is not None else None

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
            self._paint_ring(painter, layout)
            self._paint_digits(painter, layout)
            self._paint_texts(painter, layout)
            if not layout.compact:
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

    def _paint_ring(self, painter: QPainter, layout: _Layout) -> None:
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
            width = layout.ring_width * _EMPHASIS_WIDTH
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

    def _paint_digits(self, painter: QPainter, layout: _Layout) -> None:
        text = self.digits_text()
        font = QFont(layout.digits_font)
        emphasised = self.is_emphasised()
        font.setWeight(QFont.Weight.Bold if emphasised else QFont.Weight.Medium)
        metrics = QFontMetricsF(font)
        bounds = metrics.tightBoundingRect(text)
        if bounds.isEmpty():
            return
        # Keep the glyphs' full height; squeeze them sideways if they would cross the ring.
        inner = layout.ring_rect.width() / 2 - layout.ring_width * _EMPHASIS_WIDTH / 2
        half_height = bounds.height() / 2
        allowed_half = math.sqrt(max(0.0, inner * inner - half_height * half_height)) * 0.96
        squeeze = min(1.0, max(0.45, allowed_half / (bounds.width() / 2)))
        centre = layout.ring_rect.center()
        painter.save()
        painter.translate(centre)
        painter.scale(squeeze, 1.0)
        painter.setFont(font)
        painter.setPen(self.emphasis_colour() if emphasised else self._text_colour())
        painter.drawText(QPointF(-bounds.center().x(), -bounds.center().y()), text)
        painter.restore()

    def _paint_texts(self, painter: QPainter, layout: _Layout) -> None:
        centred = Qt.AlignmentFlag.AlignCenter
        if not layout.compact and self._exercise_name:
            self._draw_elided(
                painter, layout.name_rect, layout.name_font, self._faint(0.75), self._exercise_name
            )
        self._draw_elided(
            painter, layout.phase_rect, layout.phase_font, self._text_colour(), self.phase_text()
        )
        if layout.compact:
            return
        if self.step_visible():
            painter.setFont(layout.step_font)
            painter.setPen(self._text_colour())
            flags = int(centred | Qt.TextFlag.TextWordWrap)
            painter.drawText(layout.step_rect, flags, self._step_text)
        self._draw_elided(
            painter, layout.counters_rect, layout.small_font, self._text_colour(), self.counters_text()
        )
        self._draw_elided(
            painter, layout.session_rect, layout.small_font, self._faint(0.75), self.session_text()
        )

    def _draw_elided(self, painter: QPainter, rect: QRectF, font: QFont, colour: QColor, text: str) -> None:
        if not text or rect.isEmpty():
            return
        font = fitted_font(font, text, rect.width())
        elided = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), elided)

    def _paint_session_bar(self, painter: QPainter, layout: _Layout) -> None:
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

    def _current_layout(self) -> _Layout:
        layout = self._layout
        if (
            layout is None
            or layout.size != self.size()
            or layout.mat_mode != self._mat_mode
            or layout.compact != self._compact
        ):
            layout = self._layout = self._compute_layout(self.size())
        return layout

    def _font(self, pixels: float) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(max(6, round(pixels)))
        return font

    def _compute_layout(self, size: QSize) -> _Layout:
        """Every rectangle and font from the widget size: fonts scale with the height."""
        w, h = float(max(1, size.width())), float(max(1, size.height()))
        compact, mat = self._compact, self._mat_mode and not self._compact
        # Fractions of the height: (name band, phase band, step band, counters band, bar band, session band)
        if compact:
            digits, bands = 0.36, (0.0, 0.17, 0.0, 0.0, 0.0, 0.0)
            fonts = (0.0, 0.12, 0.0, 0.0)
        elif mat:
            digits, bands = 0.42, (0.05, 0.09, 0.13, 0.05, 0.02, 0.045)
            fonts = (0.035, 0.07, 0.045, 0.032)
        else:
            digits, bands = 0.27, (0.065, 0.095, 0.0, 0.07, 0.025, 0.065)
            fonts = (0.045, 0.07, 0.0, 0.045)
        name_f, phase_f, step_f, small_f = fonts
        margin = 0.02 * min(w, h)
        inner_w = w - 2 * margin
        name_h, phase_h, step_h, counters_h, bar_h, session_h = (b * h for b in bands)
        ring_band = max(0.0, h - 2 * margin - sum(b * h for b in bands))

        top = margin
        name_rect = QRectF(margin, top, inner_w, name_h)
        top += name_h
        phase_rect = QRectF(margin, top, inner_w, phase_h)
        top += phase_h
        diameter = max(1.0, min(ring_band, inner_w))
        ring_width = diameter * (0.06 if mat else 0.075)
        ring_outer = QRectF(
            margin + (inner_w - diameter) / 2, top + (ring_band - diameter) / 2, diameter, diameter
        )
        inset = ring_width * _EMPHASIS_WIDTH / 2
        ring_rect = ring_outer.adjusted(inset, inset, -inset, -inset)
        top += ring_band
        step_rect = QRectF(margin, top, inner_w, step_h)
        top += step_h
        counters_rect = QRectF(margin, top, inner_w, counters_h)
        top += counters_h
        bar_thickness = min(bar_h, max(3.0, 0.012 * h))
        bar_width = inner_w * 0.8
        bar_rect = QRectF(
            margin + (inner_w - bar_width) / 2, top + (bar_h - bar_thickness) / 2, bar_width, bar_thickness
        )
        top += bar_h
        session_rect = QRectF(margin, top, inner_w, session_h)

        # Digits follow the height rule; a very narrow widget caps them so two digits still fit across.
        digits_px = min(digits * h, 0.36 * w)
        phase_font = self._font(phase_f * h)
        phase_font.setWeight(QFont.Weight.DemiBold)
        return _Layout(
            size=QSize(size),
            mat_mode=self._mat_mode,
            compact=compact,
            name_rect=name_rect,
            phase_rect=phase_rect,
            ring_rect=ring_rect,
            ring_width=ring_width,
            step_rect=step_rect,
            counters_rect=counters_rect,
            bar_rect=bar_rect,
            session_rect=session_rect,
            digits_font=self._font(digits_px),
            phase_font=phase_font,
            name_font=self._font(max(name_f, 0.01) * h),
            step_font=self._font(max(step_f, 0.01) * h),
            small_font=self._font(max(small_f, 0.01) * h),
        )

    # -- accessibility -----------------------------------------------------------------------------

    def _update_accessibility(self) -> None:
        parts = [self.phase_text()]
        if self._snapshot is not None and self._snapshot.phase is not None:
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


def fitted_font(font: QFont, text: str, width: float, smallest: float = MIN_FIT_SCALE) -> QFont:
    """``font``, made smaller (down to ``smallest`` of its size) until ``text`` fits in ``width``: a long
    label such as "Keep moving · paused" is read whole rather than cut short; past that, it is elided."""
    natural = QFontMetricsF(font).horizontalAdvance(text)
    if natural <= width or natural <= 0:
        return font
    fitted = QFont(font)
    size = font.pointSizeF() if font.pointSizeF() > 0 else float(font.pixelSize())
    scaled = max(size * smallest, size * width / natural * 0.98)
    if font.pointSizeF() > 0:
        fitted.setPointSizeF(scaled)
    else:
        fitted.setPixelSize(max(1, int(scaled)))
    return fitted
