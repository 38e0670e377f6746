"""The picture of an exercise: a user's own PNG/SVG, else the shipped drawing, else a plain placeholder.

A user's exercise may have neither: the pane then shows a neutral figure instead of an empty hole.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtSvg import QSvgRenderer

from psoas_desktop.core.catalog import Exercise


def exercise_picture(exercise: Exercise, width: int, device_pixel_ratio: float = 1.0) -> QPixmap:
    from psoas_desktop.qt.session.instructions import render_illustration

    if exercise.image:
        pixmap = user_picture(Path(exercise.image), width, device_pixel_ratio)
        if not pixmap.isNull():
            return pixmap
    if exercise.illustration:
        pixmap = render_illustration(
            exercise.illustration, width=width, device_pixel_ratio=device_pixel_ratio
        )
        if not pixmap.isNull():
            return pixmap
    return placeholder(width, device_pixel_ratio)


def user_picture(path: Path, width: int, device_pixel_ratio: float) -> QPixmap:
    """A PNG or SVG from the data folder at `width` logical pixels; a null pixmap if it cannot be read."""
    try:
        content = path.read_bytes()
    except OSError:
        return QPixmap()
    ratio = max(device_pixel_ratio, 1.0)
    if path.suffix.lower() == ".svg":
        renderer = QSvgRenderer(QByteArray(content))
        natural = renderer.defaultSize()
        if not renderer.isValid() or natural.isEmpty():
            return QPixmap()
        height = max(1, round(width * natural.height() / natural.width()))
        image = _blank(width, height, ratio)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, image.width(), image.height()))
        painter.end()
        pixmap = QPixmap.fromImage(image)
    else:
        loaded = QPixmap()
        if not loaded.loadFromData(content) or loaded.isNull():
            return QPixmap()
        pixmap = loaded.scaledToWidth(round(width * ratio), Qt.TransformationMode.SmoothTransformation)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def placeholder(width: int, device_pixel_ratio: float = 1.0) -> QPixmap:
    """A grey frame with a simple standing figure: "no picture", drawn, never an empty space."""
    ratio = max(device_pixel_ratio, 1.0)
    height = round(width * 0.6)
    image = _blank(width, height, ratio)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(ratio, ratio)
    grey = QColor(128, 128, 128)
    painter.setPen(QPen(grey, 2, Qt.PenStyle.DashLine))
    painter.drawRoundedRect(QRectF(2, 2, width - 4, height - 4), 8, 8)
    painter.setPen(QPen(grey, 3))
    cx, top = width / 2, height * 0.18
    head = height * 0.08
    painter.drawEllipse(QRectF(cx - head, top, 2 * head, 2 * head))
    neck, hip, feet = top + 2 * head, height * 0.58, height * 0.82
    painter.drawLine(QRectF(cx, neck, 0, hip - neck).topLeft(), QRectF(cx, neck, 0, hip - neck).bottomLeft())
    arm = height * 0.15
    painter.drawLine(int(cx - arm), int(neck + arm * 0.6), int(cx + arm), int(neck + arm * 0.6))
    painter.drawLine(int(cx), int(hip), int(cx - arm * 0.7), int(feet))
    painter.drawLine(int(cx), int(hip), int(cx + arm * 0.7), int(feet))
    painter.end()
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def _blank(width: int, height: int, ratio: float) -> QImage:
    image = QImage(
        max(1, round(width * ratio)), max(1, round(height * ratio)), QImage.Format.Format_ARGB32_Premultiplied
    )
    image.fill(Qt.GlobalColor.transparent)
    return image
