"""The countdown's geometry and legibility rules, apart from its painting: where each band goes at a given
size, how far a label may shrink before it is elided, and how a colour is nudged to a readable contrast."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QFont, QFontMetricsF

MIN_CONTRAST = 3.0
"""WCAG 2 minimum contrast for graphics and large text."""
MIN_FIT_SCALE = 0.6
"""How far a label may shrink to fit its line before it is elided."""
EMPHASIS_WIDTH = 1.5
"""The emphasised ring (last seconds of a hold) is this much wider than a normal one."""


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


@dataclass(frozen=True)
class Layout:
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


def _font(base: QFont, pixels: float) -> QFont:
    font = QFont(base)
    font.setPixelSize(max(6, round(pixels)))
    return font


def compute_layout(size: QSize, base_font: QFont, *, mat_mode: bool, compact: bool) -> Layout:
    """Every rectangle and font from the widget size: fonts scale with the height."""
    w, h = float(max(1, size.width())), float(max(1, size.height()))
    mat = mat_mode and not compact
    # Fractions of the height: (name band, phase band, step band, counters band, bar band, session band)
    if compact:  # exercise, phase with side, ring, set: what a glance from the mat needs, no session bar
        digits, bands = 0.30, (0.13, 0.15, 0.0, 0.13, 0.0, 0.0)
        fonts = (0.095, 0.11, 0.0, 0.095)
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
    inset = ring_width * EMPHASIS_WIDTH / 2
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
    phase_font = _font(base_font, phase_f * h)
    phase_font.setWeight(QFont.Weight.DemiBold)
    return Layout(
        size=QSize(size),
        mat_mode=mat_mode,
        compact=compact,
        name_rect=name_rect,
        phase_rect=phase_rect,
        ring_rect=ring_rect,
        ring_width=ring_width,
        step_rect=step_rect,
        counters_rect=counters_rect,
        bar_rect=bar_rect,
        session_rect=session_rect,
        digits_font=_font(base_font, digits_px),
        phase_font=phase_font,
        name_font=_font(base_font, max(name_f, 0.01) * h),
        step_font=_font(base_font, max(step_f, 0.01) * h),
        small_font=_font(base_font, max(small_f, 0.01) * h),
    )
