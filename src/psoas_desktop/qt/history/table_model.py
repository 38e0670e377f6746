"""The sessions of the selected range as a table model (newest first); cells are formatted only when shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from psoas_desktop.core.stats import SessionSummary


class SessionTableModel(QAbstractTableModel):
    """Date (local), routine name, status, hold minutes and whether it counts toward the weekly goal."""

    HEADERS: ClassVar[tuple[str, ...]] = ("Date", "Routine", "Status", "Hold (min)", "Toward goal")

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
            return summary.routine_name or self._routine_names.get(
                summary.routine, summary.routine
            )  # as it ran
        if column == 2:
            return summary.status.replace("_", " ").capitalize()
        if column == 3:
            return f"{summary.hold_seconds / 60:.1f}"
        return "Yes" if summary.counted else "No (stopped early)"
