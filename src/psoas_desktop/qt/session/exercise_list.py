"""The routine picker and the list of its exercises, each with a thumbnail, its kind and its planned time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGridLayout,
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from psoas_desktop.core.catalog import Catalog, Exercise, ExerciseKind, Routine
from psoas_desktop.core.formatting import format_duration
from psoas_desktop.core.plan import Timeline
from psoas_desktop.core.progression import ProgressionState, first_hold, next_hold_line, progressed_timeline
from psoas_desktop.core.settings import Level, Settings
from psoas_desktop.qt.session.instructions import render_illustration

THUMBNAIL_HEIGHT = 48
KIND_TEXT: dict[ExerciseKind, str] = {
    ExerciseKind.STRENGTHEN: "Strengthen",
    ExerciseKind.STRETCH: "Stretch",
    ExerciseKind.WARM_UP: "Warm-up",
}

LEVEL_TEXT: dict[Level, str] = {
    Level.BEGINNER: "Beginner",
    Level.STANDARD: "Standard",
    Level.ADVANCED: "Advanced",
}

ModelIndex = QModelIndex | QPersistentModelIndex


class ExerciseListModel(QAbstractListModel):
    """One row per exercise of the current routine, in the routine's order.

    Roles: DisplayRole (name, " · extra" for extras), DecorationRole (thumbnail QPixmap, 48 px high),
    ToolTipRole (overview), AccessibleTextRole ("name, kind, duration") and the custom roles below.
    """

    ExerciseIdRole = Qt.ItemDataRole.UserRole + 1
    KindRole = Qt.ItemDataRole.UserRole + 2
    DurationRole = Qt.ItemDataRole.UserRole + 3
    ExtraRole = Qt.ItemDataRole.UserRole + 4

    def __init__(self, parent: QWidget | None = None, *, device_pixel_ratio: float = 1.0) -> None:
        super().__init__(parent)
        self._exercises: tuple[Exercise, ...] = ()
        self._durations: tuple[float, ...] = ()
        self._thumbnails: dict[str, QPixmap] = {}
        self.device_pixel_ratio = device_pixel_ratio

    def set_rows(self, exercises: Sequence[Exercise], durations: Sequence[float]) -> None:
        """Replace the rows; the same exercises with new durations only refresh the durations."""
        if len(exercises) != len(durations):
            raise ValueError(f"{len(exercises)} exercises but {len(durations)} durations")
        new_exercises, new_durations = tuple(exercises), tuple(float(d) for d in durations)
        if [e.id for e in new_exercises] == [e.id for e in self._exercises]:
            self._exercises, self._durations = new_exercises, new_durations
            if new_exercises:
                self.dataChanged.emit(self.index(0), self.index(len(new_exercises) - 1))
            return
        self.beginResetModel()
        self._exercises, self._durations = new_exercises, new_durations
        self.endResetModel()

    def exercise(self, row: int) -> Exercise:
        return self._exercises[row]

    def duration(self, row: int) -> float:
        return self._durations[row]

    def total_seconds(self) -> float:
        return sum(self._durations)

    def rowCount(self, parent: ModelIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._exercises)

    def thumbnail(self, exercise: Exercise) -> QPixmap:
        cached = self._thumbnails.get(exercise.id)
        if cached is None:
            cached = render_illustration(
                exercise.illustration, height=THUMBNAIL_HEIGHT, device_pixel_ratio=self.device_pixel_ratio
            )
            self._thumbnails[exercise.id] = cached
        return cached

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._exercises):
            return None
        exercise = self._exercises[index.row()]
        duration = self._durations[index.row()]
        display = f"{exercise.name} · extra" if exercise.extra else exercise.name
        kind = KIND_TEXT[exercise.kind]
        if role == Qt.ItemDataRole.DisplayRole:
            return display
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnail(exercise)
        if role == Qt.ItemDataRole.ToolTipRole:
            return exercise.overview
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{display}, {kind}, {format_duration(duration)}"
        if role == self.ExerciseIdRole:
            return exercise.id
        if role == self.KindRole:
            return kind
        if role == self.DurationRole:
            return duration
        if role == self.ExtraRole:
            return exercise.extra
        return None


class ExerciseRowDelegate(QStyledItemDelegate):
    """Two-line rows: thumbnail, then the name over "Strengthen · 7:45" (kind · planned time)."""

    PADDING = 6

    def second_line(self, index: ModelIndex) -> str:
        kind = index.data(ExerciseListModel.KindRole) or ""
        duration = index.data(ExerciseListModel.DurationRole)
        return f"{kind} · {format_duration(duration)}" if duration is not None else str(kind)

    @staticmethod
    def _fonts(option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        name_font = QFont(option.font)
        name_font.setBold(True)
        detail_font = QFont(option.font)
        detail_font.setPointSizeF(max(1.0, option.font.pointSizeF() * 0.9))
        return name_font, detail_font

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        name_font, detail_font = self._fonts(option)
        text_height = QFontMetrics(name_font).height() + QFontMetrics(detail_font).height() + 2
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        thumb_width = int(pixmap.deviceIndependentSize().width()) if isinstance(pixmap, QPixmap) else 0
        width = (
            thumb_width
            + 3 * self.PADDING
            + QFontMetrics(name_font).horizontalAdvance(str(index.data(Qt.ItemDataRole.DisplayRole) or ""))
        )
        return QSize(width, max(THUMBNAIL_HEIGHT, text_height) + 2 * self.PADDING)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name = opt.text
        opt.text = ""
        opt.icon = QIcon()  # Fusion would otherwise paint the icon into a zero-sized pixmap and warn
        opt.features &= ~QStyleOptionViewItem.ViewItemFeature.HasDecoration
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        # Background, selection and focus as the platform draws them; the content is ours.
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        painter.save()
        rect = opt.rect.adjusted(self.PADDING, self.PADDING, -self.PADDING, -self.PADDING)
        x = rect.left()
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            size = pixmap.deviceIndependentSize().toSize()
            top = rect.top() + (rect.height() - size.height()) // 2
            painter.drawPixmap(QRect(x, top, size.width(), size.height()), pixmap)
            x += size.width() + self.PADDING

        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = (
            QPalette.ColorGroup.Normal
            if opt.state & QStyle.StateFlag.State_Active
            else QPalette.ColorGroup.Inactive
        )
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        colour = QColor(opt.palette.color(group, role))
        name_font, detail_font = self._fonts(opt)
        name_height = QFontMetrics(name_font).height()
        detail_height = QFontMetrics(detail_font).height()
        text_width = max(0, rect.right() - x)
        top = rect.top() + (rect.height() - name_height - detail_height - 2) // 2

        painter.setFont(name_font)
        painter.setPen(colour)
        elided = QFontMetrics(name_font).elidedText(name, Qt.TextElideMode.ElideRight, text_width)
        painter.drawText(QRect(x, top, text_width, name_height), Qt.AlignmentFlag.AlignLeft, elided)

        painter.setFont(detail_font)
        if not selected:
            colour.setAlphaF(0.7)
        painter.setPen(colour)
        detail = QFontMetrics(detail_font).elidedText(
            self.second_line(index), Qt.TextElideMode.ElideRight, text_width
        )
        painter.drawText(
            QRect(x, top + name_height + 2, text_width, detail_height), Qt.AlignmentFlag.AlignLeft, detail
        )
        painter.restore()


class _ExerciseView(QListView):
    """A QListView that reports Enter/Return and double-clicks (never single clicks) as activation."""

    row_activated = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.row_activated.emit(self.currentIndex().row())
            event.accept()
            return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        super().mouseDoubleClickEvent(event)
        if index.isValid():
            self.row_activated.emit(index.row())


class ExerciseListPanel(QWidget):
    """A routine selector above the routine's exercises and its total planned time.

    Signals:
        routine_changed(str): the current routine's id, whenever it changes (by the user or in code).
        exercise_selected(int): the row index, when the current row changes.
        exercise_activated(int): the row index, on double-click or Enter/Return: start from there.
        level_chosen(Level): the user picked another level beside the routine.
    """

    routine_changed = Signal(str)
    exercise_selected = Signal(int)
    exercise_activated = Signal(int)
    level_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._catalog: Catalog | None = None
        self._settings = Settings()
        # Per routine, at the current catalog, settings and progression counts: (timeline, progression).
        self._timelines: dict[str, tuple[Timeline, ProgressionState | None]] = {}
        # Completed sessions that count toward a routine's progression (the app asks its history).
        self.completed_sessions: Callable[[Routine], int] = lambda _routine: 0
        self._routine_id = ""

        self.routine_combo = QComboBox()
        self.routine_combo.setObjectName("routineCombo")
        self.routine_combo.setAccessibleName("Routine")
        # Click or Tab only: by default the wheel also took the focus (and the session keys) on the way past.
        self.routine_combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        routine_label = QLabel("&Routine")
        routine_label.setBuddy(self.routine_combo)
        # The level sits beside the routine: it decides each hold's length, so it is chosen with it.
        self.level_combo = QComboBox()
        self.level_combo.setObjectName("levelCombo")
        self.level_combo.setAccessibleName("Level")
        self.level_combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for level in Level:
            self.level_combo.addItem(LEVEL_TEXT[level], level)
        self.level_combo.setToolTip(
            "Beginner takes the short end of each range in the guide, Advanced the long end"
        )
        level_label = QLabel("&Level")
        level_label.setBuddy(self.level_combo)

        self.model = ExerciseListModel(self, device_pixel_ratio=self.devicePixelRatioF())
        self.view = _ExerciseView()
        self.view.setObjectName("exerciseList")
        self.view.setAccessibleName("Exercises")
        self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # click or Tab, as the routine box
        self.view.setModel(self.model)
        self.view.setItemDelegate(ExerciseRowDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setUniformItemSizes(True)
        self.view.setIconSize(QSize(THUMBNAIL_HEIGHT * 4 // 3, THUMBNAIL_HEIGHT))
        # Rows elide their text to the width: a sideways scrollbar would only hide the thumbnails.
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)

        self.total_label = QLabel()
        self.total_label.setObjectName("totalTime")
        self.total_label.setAccessibleName("Total planned time")
        self.progression_label = QLabel()  # "Next: 24 s (+2 s after 3 sessions)", for a routine that grows
        self.progression_label.setObjectName("progression")
        self.progression_label.setAccessibleName("Next session's hold")
        self.progression_label.setWordWrap(True)
        self.progression_label.hide()

        pickers = QGridLayout()
        pickers.addWidget(routine_label, 0, 0)
        pickers.addWidget(level_label, 0, 1)
        pickers.addWidget(self.routine_combo, 1, 0)
        pickers.addWidget(self.level_combo, 1, 1)
        pickers.setColumnStretch(0, 3)
        pickers.setColumnStretch(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(pickers)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.total_label)
        layout.addWidget(self.progression_label)

        self.routine_combo.currentIndexChanged.connect(self._on_routine_index)
        self.level_combo.activated.connect(
            lambda index: self.level_chosen.emit(Level(self.level_combo.itemData(index)))
        )
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.view.row_activated.connect(self.exercise_activated)

    # -- inputs ------------------------------------------------------------------------------------------

    def set_catalog(self, catalog: Catalog) -> None:
        """List the catalog's routines (in its order); keeps the current routine when it still exists."""
        self._catalog = catalog
        self._timelines.clear()
        keep = self._routine_id if any(r.id == self._routine_id for r in catalog.routines) else ""
        self.routine_combo.blockSignals(True)
        try:
            self.routine_combo.clear()
            for routine in catalog.routines:
                self.routine_combo.addItem(self._routine_text(routine), routine.id)
                self.routine_combo.setItemData(
                    self.routine_combo.count() - 1, routine.description, Qt.ItemDataRole.ToolTipRole
                )
            index = self.routine_combo.findData(keep) if keep else 0
            self.routine_combo.setCurrentIndex(index)
        finally:
            self.routine_combo.blockSignals(False)
        self._show_routine(str(self.routine_combo.currentData() or ""), force=True)

    def set_settings(self, settings: Settings) -> None:
        """Use new settings for the planned durations and the level picker; the rows and selection stay."""
        self._settings = settings
        self._timelines.clear()
        self.level_combo.setCurrentIndex(self.level_combo.findData(settings.level))
        if self._catalog is not None:
            for index, routine in enumerate(self._catalog.routines):
                self.routine_combo.setItemText(index, self._routine_text(routine))
        if self._catalog is not None and self._routine_id:
            self._refresh_rows()

    def refresh_progression(self) -> None:
        """The history's counts changed (or became known): plan the routines that grow again."""
        self.set_settings(self._settings)

    def _planned(self, routine: Routine) -> tuple[Timeline, ProgressionState | None]:
        """The routine's next session at the current settings (its holds grown by its progression), once
        for its line in the box and its rows."""
        assert self._catalog is not None
        planned = self._timelines.get(routine.id)
        if planned is None:
            completed = self.completed_sessions(routine) if routine.progression is not None else 0
            planned = self._timelines[routine.id] = progressed_timeline(
                self._catalog, routine, self._settings, completed
            )
        return planned

    def _timeline(self, routine: Routine) -> Timeline:
        return self._planned(routine)[0]

    def _routine_text(self, routine: Routine) -> str:
        """The routine's name and planned time at the current settings, as the routine box lists it."""
        assert self._catalog is not None
        total = self._timeline(routine).total_seconds
        return f"{routine.name} · {format_duration(total)}"

    def select_routine(self, routine_id: str) -> None:
        if self._catalog is None:
            raise RuntimeError("select_routine before set_catalog")
        self._catalog.routine(routine_id)  # an unknown id raises CatalogError naming the known ones
        self.routine_combo.setCurrentIndex(self.routine_combo.findData(routine_id))

    def select_row(self, row: int) -> None:
        index = self.model.index(row)
        if not index.isValid():
            raise IndexError(f"row {row} is not between 0 and {self.model.rowCount() - 1}")
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)

    # -- state -------------------------------------------------------------------------------------------

    def current_routine_id(self) -> str:
        return self._routine_id

    def current_row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def total_seconds(self) -> float:
        return self.model.total_seconds()

    # -- internals ---------------------------------------------------------------------------------------

    def _on_routine_index(self, index: int) -> None:
        self._show_routine(str(self.routine_combo.itemData(index) or ""), force=False)

    def _show_routine(self, routine_id: str, *, force: bool) -> None:
        if routine_id == self._routine_id and not force:
            return
        changed = routine_id != self._routine_id
        self._routine_id = routine_id
        self._refresh_rows()
        if changed:
            self.routine_changed.emit(routine_id)
        if self.model.rowCount() and self.current_row() < 0:
            self.select_row(0)

    def _refresh_rows(self) -> None:
        if self._catalog is None or not self._routine_id:
            self.model.set_rows((), ())
            self.total_label.clear()
            self.progression_label.hide()
            return
        routine = self._catalog.routine(self._routine_id)
        timeline = self._timeline(routine)
        exercises = self._catalog.routine_exercises(routine)
        self.model.set_rows(exercises, [timeline.exercise_seconds(i) for i in range(len(exercises))])
        self.total_label.setText(f"Total planned time: {format_duration(timeline.total_seconds)}")
        state = self._planned(routine)[1]
        hold = first_hold(timeline)
        if routine.progression is not None and state is not None and hold is not None:
            self.progression_label.setText(next_hold_line(routine.progression, state, hold))
            self.progression_label.show()
        else:
            self.progression_label.hide()

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.exercise_selected.emit(current.row())
