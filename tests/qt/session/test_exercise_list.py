"""The exercise list: rows in routine order with their roles, routine switching, selection and activation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QListView
from pytestqt.qtbot import QtBot

from psoas_desktop.core.catalog import Catalog, load_catalog
from psoas_desktop.core.errors import CatalogError
from psoas_desktop.core.formatting import format_duration
from psoas_desktop.core.plan import build_timeline
from psoas_desktop.core.settings import Level, Settings
from psoas_desktop.qt.session.exercise_list import ExerciseListModel, ExerciseListPanel, ExerciseRowDelegate

Model = ExerciseListModel
NO_MODIFIER = Qt.KeyboardModifier.NoModifier

# Showing a top-level widget on the offscreen platform always logs this; it says nothing about our code.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def make_panel(qtbot: QtBot, catalog: Catalog) -> ExerciseListPanel:
    panel = ExerciseListPanel()
    qtbot.addWidget(panel)
    panel.set_catalog(catalog)
    return panel


def column(model: ExerciseListModel, role: int) -> list[object]:
    return [model.index(row).data(role) for row in range(model.rowCount())]


def test_psoas_3_rows_follow_the_routine(qtbot: QtBot, catalog: Catalog) -> None:
    panel = make_panel(qtbot, catalog)
    model = panel.model
    assert panel.current_routine_id() == "psoas-3"
    assert model.rowCount() == 4
    assert column(model, Model.ExerciseIdRole) == [
        "warm-up",
        "bridge",
        "standing-hip-flexion",
        "kneeling-psoas-stretch",
    ]
    assert column(model, Model.KindRole) == ["Warm-up", "Strengthen", "Strengthen", "Stretch"]
    assert model.index(1).data(Qt.ItemDataRole.DisplayRole) == "Bridge"
    assert model.index(1).data(Qt.ItemDataRole.ToolTipRole) == catalog.exercise("bridge").overview


def test_durations_match_the_timeline_and_follow_settings(qtbot: QtBot, catalog: Catalog) -> None:
    panel = make_panel(qtbot, catalog)
    routine = catalog.routine("psoas-3")
    timeline = build_timeline(catalog, routine, Settings())
    expected = [timeline.exercise_seconds(i) for i in range(4)]
    assert column(panel.model, Model.DurationRole) == expected
    assert panel.total_label.text().endswith(format_duration(timeline.total_seconds))
    bridge_text = panel.model.index(1).data(Qt.ItemDataRole.AccessibleTextRole)
    assert bridge_text == f"Bridge, Strengthen, {format_duration(expected[1])}"

    panel.select_row(2)
    advanced = Settings(level=Level.ADVANCED)
    panel.set_settings(advanced)
    longer = build_timeline(catalog, routine, advanced)
    durations = column(panel.model, Model.DurationRole)
    assert durations == [longer.exercise_seconds(i) for i in range(4)]
    assert durations != expected
    assert panel.current_row() == 2  # new durations keep the selection
    assert panel.total_label.text().endswith(format_duration(longer.total_seconds))


def test_full_routine_marks_the_extras(qtbot: QtBot, catalog: Catalog) -> None:
    panel = make_panel(qtbot, catalog)
    panel.select_routine("full-psoas-care")
    model = panel.model
    assert model.rowCount() == 10
    ids = column(model, Model.ExerciseIdRole)
    assert ids == list(catalog.routine("full-psoas-care").exercise_ids)
    extras = column(model, Model.ExtraRole)
    assert extras[1:4] == [False, False, False]  # the three main exercises
    assert extras[4:] == [True] * 6  # the six prevention extras
    assert extras[0] is catalog.exercise("warm-up").extra
    assert model.index(4).data(Qt.ItemDataRole.DisplayRole) == "Kneeling Lunge Stretch · extra"
    assert model.index(2).data(Qt.ItemDataRole.DisplayRole) == "Standing Hip-Flexion"


def test_thumbnails_are_rendered_and_cached(qtbot: QtBot, catalog: Catalog) -> None:
    panel = make_panel(qtbot, catalog)
    model = panel.model
    for row in range(model.rowCount()):
        thumbnail = model.index(row).data(Qt.ItemDataRole.DecorationRole)
        assert isinstance(thumbnail, QPixmap)
        assert not thumbnail.isNull()
        assert round(thumbnail.deviceIndependentSize().height()) == 48
    first = model.index(1).data(Qt.ItemDataRole.DecorationRole)
    again = model.index(1).data(Qt.ItemDataRole.DecorationRole)
    assert first.cacheKey() == again.cacheKey()


def test_routine_switching_emits_and_updates_rows(qtbot: QtBot, catalog: Catalog) -> None:
    panel = make_panel(qtbot, catalog)
    combo = panel.findChild(QComboBox)
    assert combo is not None and combo.accessibleName() == "Routine"
    # Each routine with its planned time at the current settings.
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert [text.split(" · ")[0] for text in texts] == [r.name for r in catalog.routines]
    totals = [build_timeline(catalog, r, Settings()).total_seconds for r in catalog.routines]
    assert [text.split(" · ")[1] for text in texts] == [format_duration(t) for t in totals]
    with qtbot.waitSignal(panel.routine_changed) as blocker:
        combo.setCurrentIndex(1)  # as if the user picked "Quick stretch"
    assert blocker.args == ["quick-stretch"]
    assert panel.current_routine_id() == "quick-stretch"
    assert column(panel.model, Model.ExerciseIdRole) == ["kneeling-psoas-stretch"]
    with qtbot.waitSignal(panel.routine_changed) as blocker:
        panel.select_routine("full-psoas-care")
    assert blocker.args == ["full-psoas-care"]
    assert combo.currentText().startswith("Full psoas care · ")
    assert panel.model.rowCount() == 10
    with qtbot.assertNotEmitted(panel.routine_changed):
        panel.select_routine("full-psoas-care")
    with pytest.raises(CatalogError):
        panel.select_routine("nope")


def test_selecting_a_row_emits_exercise_selected(qtbot: QtBot, catalog: Catalog) -> None:
    panel = make_panel(qtbot, catalog)
    assert panel.current_row() == 0  # the first exercise is selected after a routine loads
    with qtbot.waitSignal(panel.exercise_selected) as blocker:
        panel.select_row(3)
    assert blocker.args == [3]
    assert panel.current_row() == 3
    view = panel.findChild(QListView)
    assert view is not None and view.accessibleName() == "Exercises"
    panel.show()
    qtbot.waitExposed(panel)
    view.setFocus()
    with qtbot.waitSignal(panel.exercise_selected) as blocker:
        QTest.keyClick(view, Qt.Key.Key_Up)
    assert blocker.args == [2]
    with qtbot.waitSignal(panel.exercise_selected) as blocker:
        panel.select_routine("quick-stretch")
    assert blocker.args == [0]


def test_enter_and_double_click_activate_a_row(qtbot: QtBot, catalog: Catalog) -> None:
    panel = make_panel(qtbot, catalog)
    panel.resize(320, 480)
    panel.show()
    qtbot.waitExposed(panel)
    view = panel.view
    panel.select_row(2)
    with qtbot.waitSignal(panel.exercise_activated) as blocker:
        QTest.keyClick(view, Qt.Key.Key_Return)
    assert blocker.args == [2]

    target = view.visualRect(panel.model.index(1)).center()
    with qtbot.assertNotEmitted(panel.exercise_activated):
        QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, NO_MODIFIER, target)
    assert panel.current_row() == 1
    with qtbot.waitSignal(panel.exercise_activated) as blocker:
        QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, NO_MODIFIER, target)
    assert blocker.args == [1]


def ink_bands(image: QImage, left: int, right: int, top: int, bottom: int) -> int:
    """How many separate horizontal bands of "ink" (pixels unlike the top-right background) lie in a box."""
    background = image.pixelColor(right, top)
    bands, inside = 0, False
    for y in range(top, bottom):
        inked = any(image.pixelColor(x, y) != background for x in range(left, right))
        if inked and not inside:
            bands += 1
        inside = inked
    return bands


def test_rows_draw_thumbnail_and_two_lines(qtbot: QtBot, catalog: Catalog) -> None:
    panel = make_panel(qtbot, catalog)
    panel.resize(320, 480)
    panel.show()
    qtbot.waitExposed(panel)
    delegate = panel.view.itemDelegate()
    assert isinstance(delegate, ExerciseRowDelegate)
    index = panel.model.index(1)
    assert delegate.second_line(index) == f"Strengthen · {format_duration(panel.model.duration(1))}"

    rect = panel.view.visualRect(index)  # row 1 is not selected: plain background
    assert rect.height() >= 48 + 2 * ExerciseRowDelegate.PADDING
    image = panel.view.viewport().grab().toImage()
    thumbnail = panel.model.thumbnail(panel.model.exercise(1))
    thumb_width = round(thumbnail.deviceIndependentSize().width())
    text_left = rect.left() + 2 * ExerciseRowDelegate.PADDING + thumb_width
    top, bottom = rect.top() + 1, rect.bottom() - 1
    assert ink_bands(image, rect.left() + 1, text_left - 2, top, bottom) >= 1  # the thumbnail
    assert ink_bands(image, text_left, rect.right() - 4, top, bottom) == 2  # name, then kind · time
