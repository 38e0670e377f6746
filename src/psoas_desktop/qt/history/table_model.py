"""The sessions of the selected range as a table model (newest first); cells are formatted only when shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from psoas_desktop.core.history_summary import KnownDevice
from psoas_desktop.core.stats import SessionSummary
from psoas_desktop.qt.history.device_marks import device_colours, device_label, marker

DEVICE_COLUMN = 5


class SessionTableModel(QAbstractTableModel):
    """Date (local), routine name, status, hold minutes, whether it counts toward the weekly goal, and the
    device that recorded it: its name beside a marker of its colour (the tooltip of the row says it too)."""

    HEADERS: ClassVar[tuple[str, ...]] = ("Date", "Routine", "Status", "Hold (min)", "Toward goal", "Device")

    def __init__(self, tz: tzinfo, routine_names: Mapping[str, str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tz = tz
        self._routine_names = routine_names
        self._rows: Sequence[SessionSummary] = ()
        self._devices: dict[str, KnownDevice] = {}
        self._colours: dict[str, str] = {}
        self._markers: dict[str, QIcon] = {}

    def set_sessions(self, sessions: Sequence[SessionSummary], devices: Sequence[KnownDevice] = ()) -> None:
        self.beginResetModel()
        self._rows = sessions
        self._devices = {device.id: device for device in devices}
        self._colours = device_colours(devices)
        self.endResetModel()

    def session(self, row: int) -> SessionSummary:
        return self._rows[row]

    @property
    def device_count(self) -> int:
        return len(self._devices)

    def device_name(self, row: int) -> str:
        """The recording device's name ("… (this laptop)" for this one); empty when not known."""
        device = self._devices.get(self._rows[row].device or "")
        return "" if device is None else device_label(device)

    def device_colour(self, row: int) -> str | None:
        return self._colours.get(self._rows[row].device or "")

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
        if role == Qt.ItemDataRole.ToolTipRole:
            name = self.device_name(index.row())
            return f"Recorded on {name}" if name else None
        if role == Qt.ItemDataRole.DecorationRole and index.column() == DEVICE_COLUMN:
            return self._marker(self.device_colour(index.row()))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        summary = self._rows[index.row()]
        column = index.column()
        if column == 0:
            return summary.started.astimezone(self._tz).strftime("%Y-%m-%d %H:%M")
        if column == 1:
            return summary.routine_name or self._routine_names.get(
                summary.routine, summary.routine
            )  # as it ran
        if column == 2:
            return summary.status.replace("_", " ").capitalize()
        if column == 3:
            return f"{summary.hold_seconds / 60:.1f}"
        if column == 4:
            return "Yes" if summary.counted else "No (stopped early)"
        return self.device_name(index.row())

    def _marker(self, colour: str | None) -> QIcon | None:
        if colour is None:
            return None
        icon = self._markers.get(colour)
        if icon is None:
            icon = self._markers[colour] = marker(colour)
        return icon
