"""The instruction pane: the catalog's steps in order, one highlighted step scrolled into view, options."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from psoas_desktop.core.catalog import Catalog, Exercise, load_catalog
from psoas_desktop.core.settings import Level
from psoas_desktop.qt.session.instructions import InstructionPane, dosage_text, render_illustration

# Showing a top-level widget on the offscreen platform always logs this; it says nothing about our code.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def make_pane(qtbot: QtBot, exercise: Exercise, level: Level = Level.STANDARD) -> InstructionPane:
    pane = InstructionPane()
    qtbot.addWidget(pane)
    pane.show_exercise(exercise, level, "Stop if you feel pain. Never push through it.")
    return pane


def shown_small(qtbot: QtBot, pane: InstructionPane) -> None:
    pane.resize(300, 250)
    pane.show()
    qtbot.waitExposed(pane)


def painted_pixels(image: QImage) -> int:
    return sum(
        1
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
        if image.pixelColor(x, y).alpha() > 0
    )


def highlighted(pane: InstructionPane) -> list[int]:
    return [
        n
        for n in range(1, pane.step_count() + 1)
        if pane.step_label(n).font().bold() or pane.step_label(n).text().startswith("▶")
    ]


def test_steps_are_shown_in_order_with_the_catalogs_text(qtbot: QtBot, catalog: Catalog) -> None:
    exercise = catalog.exercise("kneeling-psoas-stretch")
    pane = make_pane(qtbot, exercise)
    assert pane.step_count() == len(exercise.steps) == 7
    for number, text in enumerate(exercise.steps_for(None), start=1):
        label = pane.findChild(type(pane.step_label(1)), f"step-{number}")
        assert label is pane.step_label(number)
        assert label.text() == f"{number}. {text}"
        assert label.wordWrap()
        assert pane.step_text(number) == text
    assert pane.heading.text() == exercise.name
    assert pane.overview_label.text() == exercise.overview
    assert all(tip in pane.tips_label.text() for tip in exercise.tips)
    assert all(benefit in pane.benefits_label.text() for benefit in exercise.benefits)
    assert pane.steps_widget.accessibleName() == "Steps"
    with pytest.raises(IndexError):
        pane.step_label(8)


def test_showing_another_exercise_replaces_the_steps(qtbot: QtBot, catalog: Catalog) -> None:
    pane = make_pane(qtbot, catalog.exercise("kneeling-psoas-stretch"))
    pane.highlight_step(7)
    bridge = catalog.exercise("bridge")
    pane.show_exercise(bridge, Level.STANDARD, "Careful.")
    assert pane.step_count() == 6
    assert pane.active_step() is None
    assert pane.step_text(1) == bridge.steps[0]
    assert len([w for w in pane.findChildren(type(pane.step_label(1))) if w.objectName() == "step-7"]) == 0


def test_highlight_moves_and_only_one_step_is_highlighted(qtbot: QtBot, catalog: Catalog) -> None:
    pane = make_pane(qtbot, catalog.exercise("bridge"))
    assert pane.active_step() is None
    assert highlighted(pane) == []
    pane.highlight_step(3)
    assert pane.active_step() == 3
    assert highlighted(pane) == [3]
    label = pane.step_label(3)
    assert label.text().startswith("▶ 3.")
    assert label.autoFillBackground()
    highlight = pane.palette().color(pane.palette().ColorRole.Highlight)
    assert label.palette().color(label.palette().ColorRole.Window) == highlight
    pane.highlight_step(5)
    assert highlighted(pane) == [5]
    assert pane.step_label(3).text() == f"3. {pane.step_text(3)}"
    assert not pane.step_label(3).autoFillBackground()
    pane.highlight_step(None)
    assert pane.active_step() is None
    assert highlighted(pane) == []
    with pytest.raises(IndexError):
        pane.highlight_step(0)


def test_highlighting_a_late_step_scrolls_it_into_view(qtbot: QtBot, catalog: Catalog) -> None:
    pane = make_pane(qtbot, catalog.exercise("kneeling-psoas-stretch"))
    shown_small(qtbot, pane)
    last = pane.step_count()
    assert pane.is_step_visible(last) is False
    assert pane.scroll_area.verticalScrollBar().value() == 0
    pane.highlight_step(last)
    assert pane.is_step_visible(last)
    assert pane.scroll_area.verticalScrollBar().value() > 0
    pane.highlight_step(1)
    assert pane.is_step_visible(1)
    assert not pane.is_step_visible(last)


@pytest.mark.parametrize(
    ("level", "beginner_shown", "advanced_shown"),
    [(Level.BEGINNER, True, False), (Level.STANDARD, True, True), (Level.ADVANCED, False, True)],
)
def test_modification_follows_the_level(
    qtbot: QtBot, catalog: Catalog, level: Level, beginner_shown: bool, advanced_shown: bool
) -> None:
    exercise = catalog.exercise("bridge")
    pane = make_pane(qtbot, exercise, level)
    text = pane.modification_label.text()
    beginner = f"Beginner option: {exercise.modifications.beginner}"
    advanced = f"Advanced option: {exercise.modifications.advanced}"
    assert (beginner in text) is beginner_shown
    assert (advanced in text) is advanced_shown


def test_safety_note_dosage_and_side(qtbot: QtBot, catalog: Catalog) -> None:
    exercise = catalog.exercise("standing-hip-flexion")
    pane = make_pane(qtbot, exercise)
    pane.show_exercise(exercise, Level.STANDARD, catalog.safety_note)
    assert catalog.safety_note in pane.safety_label.text()
    assert pane.safety_box.accessibleName() == "Safety note"
    assert "border" in pane.safety_box.styleSheet()
    assert pane.dosage_label.text() == "Pause 2–3 s at the top · 10–12 reps · 2–3 sets · per side"
    assert dosage_text(catalog.exercise("bridge")) == "Hold 20–30 s · 10–12 reps · 2–3 sets"
    assert dosage_text(catalog.exercise("warm-up")) == "2–5 min · 1 set"
    shown_small(qtbot, pane)
    assert pane.side_label.isHidden()
    pane.set_side("right")
    assert pane.side_label.text() == "Now: RIGHT side" and not pane.side_label.isHidden()
    pane.set_side("left")
    assert pane.side_text() == "Now: LEFT side"
    pane.set_side(None)
    assert pane.side_label.isHidden() and pane.side_text() == ""


def test_illustration_is_rendered(qtbot: QtBot, catalog: Catalog) -> None:
    exercise = catalog.exercise("camel-pose")
    pane = make_pane(qtbot, exercise)
    pixmap = pane.illustration.pixmap()
    assert not pixmap.isNull()
    assert round(pixmap.deviceIndependentSize().width()) == 240
    assert painted_pixels(pixmap.toImage()) > 100  # the figure was drawn, not just an empty canvas
    assert pane.illustration.accessibleName() == "Illustration: Camel Pose"
    assert render_illustration("no-such-file.svg", width=10).isNull()


def test_the_left_side_mirrors_the_illustration_and_swaps_the_side_words(
    qtbot: QtBot, catalog: Catalog
) -> None:
    exercise = catalog.exercise("kneeling-psoas-stretch")
    pane = make_pane(qtbot, exercise)
    as_drawn = pane.illustration.pixmap().toImage()
    assert pane.step_text(2).startswith(
        "Bring your right foot forward"
    ) and "Your left knee" in pane.step_text(2)
    pane.highlight_step(2)
    pane.set_side("left")
    assert pane.step_text(2).startswith(
        "Bring your left foot forward"
    ) and "Your right knee" in pane.step_text(2)
    assert pane.step_label(2).text().endswith(pane.step_text(2))  # the highlighted label too
    assert "front of the right hip" in pane.step_text(4)
    mirrored = pane.illustration.pixmap().toImage()
    assert pane.illustration_mirrored() and mirrored == as_drawn.flipped(Qt.Orientation.Horizontal)
    pane.set_side("right")
    assert not pane.illustration_mirrored() and pane.illustration.pixmap().toImage() == as_drawn
    assert pane.step_text(2).startswith("Bring your right foot forward")
