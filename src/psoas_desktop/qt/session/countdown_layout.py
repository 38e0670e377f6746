"""The countdown's geometry and legibility rules, apart from its painting: where each band goes at a given
size, how far a label may shrink before it is elided, and how a colour is nudged to a readable contrast."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    side_rect: QRectF = field(default_factory=QRectF)
    """Where the side has a line of its own (wide mat mode); empty: the side is in the phase heading."""
    hint_rect: QRectF = field(default_factory=QRectF)
    """The quiet "Esc exit · Space pause" line (mat mode)."""
    counters_stacked: bool = False
    """Rep and set on lines of their own (wide mat mode), each as large as the side."""
    column_rect: QRectF = field(default_factory=QRectF)
    """Wide mat mode: the column beside the ring that the texts stack in."""

    @property
    def side_apart(self) -> bool:
        return not self.side_rect.isEmpty()


def _font(base: QFont, pixels: float) -> QFont:
    font = QFont(base)
    font.setPixelSize(max(6, round(pixels)))
    return font


MAT_RING_SHARE = 0.70
"""Mat mode: the ring's diameter as a share of the screen height."""
MAT_DIGITS_SHARE = 0.40
"""Mat mode: the digits' font size as a share of the height (two digits fit the ring at this size)."""
MAT_TEXT_SHARE = 0.135
"""Mat mode: the side, rep and set lines (a third of the digits' size, at least)."""
WIDE = 1.2
"""A mat view this much wider than tall puts its texts beside the ring rather than under it."""


def compute_layout(size: QSize, base_font: QFont, *, mat_mode: bool, compact: bool) -> Layout:
    """Every rectangle and font from the widget size: fonts scale with the height."""
    w, h = float(max(1, size.width())), float(max(1, size.height()))
    if mat_mode and not compact and w >= WIDE * h:
        return _wide_mat_layout(size, base_font)
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
    hint_h = 0.04 * h if mat else 0.0
    name_h, phase_h, step_h, counters_h, bar_h, session_h = (b * h for b in bands)
    ring_band = max(0.0, h - 2 * margin - hint_h - sum(b * h for b in bands))

    top = margin
    name_rect = QRectF(margin, top, inner_w, name_h)
    top += name_h
    phase_rect = QRectF(margin, top, inner_w, phase_h)
    top += phase_h
    diameter = max(1.0, min(ring_band, inner_w))
    ring_width = diameter * (0.06 if mat else 0.075)
    ring_rect = _ring(
        QRectF(margin + (inner_w - diameter) / 2, top + (ring_band - diameter) / 2, diameter, diameter),
        ring_width,
    )
    top += ring_band
    step_rect = QRectF(margin, top, inner_w, step_h)
    top += step_h
    counters_rect = QRectF(margin, top, inner_w, counters_h)
    top += counters_h
    bar_rect = _bar(margin, top, inner_w, bar_h, h)
    top += bar_h
    session_rect = QRectF(margin, top, inner_w, session_h)
    top += session_h
    hint_rect = QRectF(margin, top, inner_w, hint_h) if mat else QRectF()

    # Digits follow the height rule; a very narrow widget caps them so two digits still fit across.
    digits_px = min(digits * h, 0.36 * w)
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
        phase_font=_bold(_font(base_font, phase_f * h)),
        name_font=_font(base_font, max(name_f, 0.01) * h),
        step_font=_font(base_font, max(step_f, 0.01) * h),
        small_font=_font(base_font, max(small_f, 0.01) * h),
        hint_rect=hint_rect,
    )


def _wide_mat_layout(size: QSize, base_font: QFont) -> Layout:
    """Mat mode on a landscape screen: the ring on the left at 70 % of the height; on the right, in large
    type, the exercise, the phase, the side, rep and set, and the current step; a quiet hint at the bottom."""
    w, h = float(size.width()), float(size.height())
    margin = 0.03 * h
    hint_h = 0.045 * h
    diameter = MAT_RING_SHARE * h
    ring_width = diameter * 0.06
    ring_left = margin + 0.02 * w
    ring_top = (h - hint_h - diameter) / 2
    ring_rect = _ring(QRectF(ring_left, ring_top, diameter, diameter), ring_width)
    bar_h = 0.03 * h
    bar_rect = _bar(ring_left, ring_top + diameter + 0.01 * h, diameter, bar_h, h)

    left = ring_left + diameter + 0.04 * w
    column = max(1.0, w - left - margin)
    text = MAT_TEXT_SHARE * h
    # (band height, font size) from the top: name, phase, side, counters (two lines), step, session.
    bands = {
        "name": (0.07 * h, 0.05 * h),
        "phase": (0.11 * h, 0.085 * h),
        "side": (0.16 * h, text),
        "counters": (0.32 * h, text),
        "step": (0.17 * h, 0.042 * h),
        "session": (0.05 * h, 0.035 * h),
    }
    top = max(margin, (h - hint_h - sum(band for band, _ in bands.values())) / 2)
    rects: dict[str, QRectF] = {}
    for name, (band, _font_px) in bands.items():
        rects[name] = QRectF(left, top, column, band)
        top += band
    return Layout(
        size=QSize(size),
        mat_mode=True,
        compact=False,
        name_rect=rects["name"],
        phase_rect=rects["phase"],
        ring_rect=ring_rect,
        ring_width=ring_width,
        step_rect=rects["step"],
        counters_rect=rects["counters"],
        bar_rect=bar_rect,
        session_rect=rects["session"],
        digits_font=_font(base_font, MAT_DIGITS_SHARE * h),
        phase_font=_bold(_font(base_font, bands["phase"][1])),
        name_font=_font(base_font, bands["name"][1]),
        step_font=_font(base_font, bands["step"][1]),
        small_font=_bold(_font(base_font, text)),
        side_rect=rects["side"],
        hint_rect=QRectF(margin, h - hint_h - margin / 2, w - 2 * margin, hint_h),
        counters_stacked=True,
        column_rect=QRectF(left, margin, column, h - hint_h - 2 * margin),
    )


def _ring(outer: QRectF, ring_width: float) -> QRectF:
    """The square the ring's centre line runs in, inside `outer` with room for the widest (emphasised) ring."""
    inset = ring_width * EMPHASIS_WIDTH / 2
    return outer.adjusted(inset, inset, -inset, -inset)


def _bar(left: float, top: float, width: float, band: float, h: float) -> QRectF:
    thickness = min(band, max(3.0, 0.012 * h))
    bar_width = width * 0.8
    return QRectF(left + (width - bar_width) / 2, top + (band - thickness) / 2, bar_width, thickness)


def _bold(font: QFont) -> QFont:
    font.setWeight(QFont.Weight.DemiBold)
    return font
