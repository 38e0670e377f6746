"""The tabs of the history window: Weeks first, built as the window opens; Exercises, Calendar and
Tightness, each built the first time its tab is shown (≈15 ms each); and the table of sessions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import tzinfo
from typing import Protocol

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHeaderView, QTableView, QTabWidget, QVBoxLayout, QWidget

from psoas_desktop.core.history_summary import HistoryData
from psoas_desktop.qt.history.charts import CalendarPage, ExercisePage, TightnessPage, WeeksPage
from psoas_desktop.qt.history.table_model import DEVICE_COLUMN, SessionTableModel


class _Page(Protocol):
    widget: QWidget

    def draw(self, data: HistoryData) -> None: ...


class HistoryTabs(QTabWidget):
    """The window's tabs; :meth:`draw` hands every built page and the table the same data."""

    def __init__(
        self, goal: int, tz: tzinfo, exercise_names: Mapping[str, str], routine_names: Mapping[str, str]
    ) -> None:
        super().__init__()
        self.setAccessibleName("History views")
        self._tz = tz
        self._exercise_names = exercise_names
        self._data: HistoryData | None = None
        self.weeks_page = WeeksPage(goal)
        self.exercise_page: ExercisePage | None = None
        self.calendar_page: CalendarPage | None = None
        self.tightness_page: TightnessPage | None = None
        self._pages: list[_Page] = []
        self.addTab(self.weeks_page, "&Weeks")
        self._pending: dict[int, Callable[[], _Page]] = {}
        for title, build in (
            ("&Exercises", self._build_exercise_page),
            ("&Calendar", self._build_calendar_page),
            ("&Tightness", self._build_tightness_page),
        ):
            placeholder = QWidget()
            QVBoxLayout(placeholder).setContentsMargins(0, 0, 0, 0)
            self._pending[self.addTab(placeholder, title)] = build
        self.table_model = SessionTableModel(tz, routine_names, self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setAccessibleName("Sessions")
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(DEVICE_COLUMN, QHeaderView.ResizeMode.ResizeToContents)  # a whole name
        self.table.setColumnHidden(DEVICE_COLUMN, True)
        self.addTab(self.table, "&Sessions")
        self.currentChanged.connect(self._on_tab_shown)

    def draw(self, data: HistoryData) -> None:
        """Every built page and the table (a page built later draws the latest data when it is shown)."""
        self._data = data
        self.weeks_page.draw(data)
        for page in self._pages:
            page.draw(data)
        self.table_model.set_sessions(data.sessions, data.devices)
        # One device (no sync folder yet): a column repeating its name would say nothing.
        self.table.setColumnHidden(DEVICE_COLUMN, len(data.devices) < 2)

    def _build_exercise_page(self) -> _Page:
        self.exercise_page = ExercisePage(self._exercise_names)
        return self.exercise_page

    def _build_calendar_page(self) -> _Page:
        self.calendar_page = CalendarPage()
        return self.calendar_page

    def _build_tightness_page(self) -> _Page:
        self.tightness_page = TightnessPage(self._tz)
        return self.tightness_page

    @Slot(int)
    def _on_tab_shown(self, index: int) -> None:
        build = self._pending.pop(index, None)
        if build is None:
            return
        page = build()
        holder = self.widget(index)
        layout = holder.layout() if holder is not None else None
        assert layout is not None
        layout.addWidget(page.widget)
        self._pages.append(page)
        if self._data is not None:
            page.draw(self._data)
