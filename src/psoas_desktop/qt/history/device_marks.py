"""How the window tells devices apart: a colour per device (this one first, then the others by name, as
the history lists them) and a small round marker of that colour, always shown beside the device's name."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

from psoas_desktop.core.history_summary import KnownDevice
from psoas_desktop.qt.history.palette import DEVICE_COLOURS

MARKER_SIZE = 14
HALO_ALPHA = 150


def device_colours(devices: Sequence[KnownDevice]) -> dict[str, str]:
    """Device id → colour (hex), in the history's order of devices."""
    return {device.id: DEVICE_COLOURS[i % len(DEVICE_COLOURS)] for i, device in enumerate(devices)}


def device_label(device: KnownDevice) -> str:
    return f"{device.name} (this laptop)" if device.local else device.name


def marker(colour: str) -> QIcon:
    """A filled circle with a darker rim inside a pale ring: the rim gives it an edge on a light table, the
    ring on a dark one (the table model keeps one per colour: no pixmap outlives the application)."""
    pixmap = QPixmap(MARKER_SIZE, MARKER_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(255, 255, 255, HALO_ALPHA))
    painter.drawEllipse(QRectF(0.0, 0.0, MARKER_SIZE, MARKER_SIZE))
    fill = QColor(colour)
    painter.setPen(QPen(fill.darker(160), 1.0))
    painter.setBrush(fill)
    painter.drawEllipse(QRectF(1.5, 1.5, MARKER_SIZE - 3.0, MARKER_SIZE - 3.0))
    painter.end()
    return QIcon(pixmap)
