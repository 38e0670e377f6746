"""CountdownWidget renders snapshots: texts, ring fraction, emphasis, colours, mat/compact sizing, pixels."""

from __future__ import annotations

from array import array

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPalette
from pytestqt.qtbot import QtBot

from psoas_desktop.core.catalog import PhaseKind, Side
from psoas_desktop.core.engine import EngineState, Snapshot
from psoas_desktop.core.plan import PHASE_LABELS, TIMED_LABEL, Phase
from psoas_desktop.core.session_end import SessionEnd, WeekStanding
from psoas_desktop.qt.session.countdown import PHASE_COLOURS, CountdownWidget, RingStyle
from psoas_desktop.qt.session.countdown_layout import MIN_FIT_SCALE, contrast_ratio, fitted_font

LIGHT_WINDOW = QColor("#f5f5f5")
DARK_WINDOW = QColor("#1e1e1e")


def make_phase(
    kind: PhaseKind = PhaseKind.HOLD,
    *,
    seconds: float = 30.0,
    side: Side | None = None,
    set_number: int = 1,
    sets: int = 3,
    rep: int | None = None,
    reps: int | None = None,
    label: str | None = None,
) -> Phase:
    return Phase(
        kind=kind,
        exercise="bridge",
        exercise_index=0,
        side=side,
        set=set_number,
        sets=sets,
        rep=rep,
        reps=reps,
        seconds=seconds,
        step=1,
        label=label if label is not None else PHASE_LABELS[kind],
        counted=kind in (PhaseKind.HOLD, PhaseKind.PAUSE),
    )


def make_snapshot(
    phase: Phase | None,
    remaining: float,
    *,
    state: EngineState = EngineState.RUNNING,
    interrupted: bool = False,
    session_total: float = 1200.0,
    session_remaining: float = 756.0,
) -> Snapshot:
    seconds = phase.seconds if phase else 1.0
    return Snapshot(
        state=state,
        phase_index=0,
        phase=phase,
        remaining=remaining,
        phase_progress=1.0 - remaining / seconds,
        session_total=session_total,
        session_remaining=session_remaining,
        session_progress=(session_total - session_remaining) / session_total,
        exercise_count=3,
        interrupted=interrupted,
        at=1000.0,
    )


def make_widget(qtbot: QtBot, window: QColor = LIGHT_WINDOW) -> CountdownWidget:
    widget = CountdownWidget()
    qtbot.addWidget(widget)
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.Window, window)
    text = QColor("#111111") if window.lightness() > 128 else QColor("#eeeeee")
    palette.setColor(QPalette.ColorRole.WindowText, text)
    widget.setPalette(palette)
    widget.resize(420, 420)
    return widget


def show(
    widget: CountdownWidget,
    phase: Phase | None,
    remaining: float,
    *,
    state: EngineState = EngineState.RUNNING,
    interrupted: bool = False,
    session_total: float = 1200.0,
    session_remaining: float = 756.0,
) -> None:
    widget.show_snapshot(
        make_snapshot(
            phase,
            remaining,
            state=state,
            interrupted=interrupted,
            session_total=session_total,
            session_remaining=session_remaining,
        )
    )


def count_pixels(image: QImage, colour: QColor) -> int:
    rgb32 = image.convertToFormat(QImage.Format.Format_RGB32)
    assert rgb32.bytesPerLine() == rgb32.width() * 4
    pixels = array("I", bytes(rgb32.constBits()))
    return pixels.count(0xFF000000 | (colour.rgb() & 0xFFFFFF))


# -- digits ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remaining", "expected"),
    [
        (24.2, "25"),
        (25.0, "25"),
        (0.01, "1"),
        (0.0, "0"),
        (-0.3, "0"),
        (2.0000000001, "2"),
        (59.5, "1:00"),
        (60.0, "1:00"),
        (125.3, "2:06"),
    ],
)
def test_digits_round_up_and_switch_to_minutes(qtbot: QtBot, remaining: float, expected: str) -> None:
    widget = make_widget(qtbot)
    show(widget, make_phase(seconds=300.0), remaining)
    assert widget.digits_text() == expected


# -- phase text -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(PhaseKind))
def test_phase_text_is_the_phase_label_while_running(qtbot: QtBot, kind: PhaseKind) -> None:
    widget = make_widget(qtbot)
    show(widget, make_phase(kind), 10.0)
    assert widget.phase_text() == PHASE_LABELS[kind]


def test_phase_text_for_a_timed_bout_uses_its_own_label(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    show(widget, make_phase(PhaseKind.MOVE, label=TIMED_LABEL), 10.0)
    assert widget.phase_text() == "Keep moving"


def test_phase_text_for_paused_interrupted_idle_completed_and_stopped(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    assert widget.phase_text() == "Ready"  # before any snapshot
    hold = make_phase(PhaseKind.HOLD)
    show(widget, hold, 12.0, state=EngineState.PAUSED)
    assert widget.phase_text() == "Hold · paused"
    show(widget, hold, 30.0, state=EngineState.PAUSED, interrupted=True)
    assert widget.phase_text() == "Interrupted — press Space to redo this phase"
    show(widget, make_phase(PhaseKind.GET_READY, seconds=5.0), 5.0, state=EngineState.IDLE)
    assert widget.phase_text() == "Ready · press Space"  # no phase name: nothing runs yet
    show(widget, None, 0.0, state=EngineState.COMPLETED, session_remaining=0.0)
    assert widget.phase_text() == "Session complete"
    show(widget, hold, 7.0, state=EngineState.STOPPED)
    assert widget.phase_text() == "Session stopped"


def test_the_idle_screen_counts_nothing_and_says_where_the_selected_exercise_starts(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    widget.set_exercise_name("Bridge")
    get_ready = make_phase(PhaseKind.GET_READY, seconds=5.0)
    show(widget, get_ready, 5.0, state=EngineState.IDLE, session_total=120.0, session_remaining=120.0)
    assert f"{widget.phase_text()} · {widget.counters_text()}" == "Ready · press Space · 2:00 in all"
    assert [widget.digits_text(), widget.session_text()] == ["", ""]
    assert widget.phase_kind() is None and widget.ring_fraction() == 1.0  # a neutral full ring, no olive
    # The second exercise selected: its place in the routine, not a progress figure.
    show(widget, get_ready, 5.0, state=EngineState.IDLE, session_total=900.0, session_remaining=685.0)
    assert widget.counters_text() == "15:00 in all · Bridge starts at 3:35"
    assert "%" not in widget.session_text() and widget.digits_text() == ""


def test_the_end_screen_shows_the_summary_instead_of_stale_values(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    widget.resize(420, 420)
    hold = make_phase(PhaseKind.HOLD, side=Side.LEFT)
    show(widget, hold, 4.0, state=EngineState.STOPPED)
    assert [widget.digits_text(), widget.session_text()] == ["", ""]  # no old 4, no old percentage
    assert widget.counters_text() == "Space: start again · D: done"
    end = SessionEnd("stopped", holds=3, hold_seconds=75.0, week=WeekStanding(2, 3, 4))
    widget.set_end(end)
    assert widget.summary_lines() == [
        "3 holds · 1:15 held",
        "This week: 2 of 3 sessions",
        "Streak: 4 weeks with the goal met",
    ]
    assert "3 holds · 1:15 held" in widget.accessibleDescription()
    assert "Left side" not in widget.accessibleDescription()  # the stopped phase's values are gone
    image = widget.grab().toImage()
    assert not image.isNull()


# -- counters and session -------------------------------------------------------------------------


def test_counters_with_rep_and_side(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    phase = make_phase(PhaseKind.PAUSE, rep=4, reps=12, set_number=2, sets=3, side=Side.LEFT)
    show(widget, phase, 2.0)
    assert widget.counters_text() == "Rep 4 / 12 · Set 2 / 3"
    assert widget.phase_text() == "Pause at the top · LEFT side"  # the side is in the big heading
    show(widget, make_phase(PhaseKind.HOLD, side=Side.RIGHT), 2.0)
    assert widget.counters_text() == "Set 1 / 3"
    assert widget.phase_text() == "Hold · RIGHT side"
    show(widget, make_phase(PhaseKind.SWITCH_SIDES, side=Side.LEFT), 2.0, state=EngineState.PAUSED)
    assert widget.phase_text() == "Switch to the LEFT side · paused"


def test_counters_without_rep_or_side(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    show(widget, make_phase(PhaseKind.REST, set_number=3, sets=3), 20.0)
    assert widget.counters_text() == "Set 3 / 3"
    show(widget, None, 0.0, state=EngineState.COMPLETED)
    assert widget.counters_text() == "Space: start again · D: done"


def test_session_text_shows_percent_done_and_time_left(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    show(widget, make_phase(), 10.0, session_total=1200.0, session_remaining=724.5)
    assert widget.session_text() == "Session 39 % · 12:05 left"
    show(widget, None, 0.0, state=EngineState.COMPLETED, session_total=1200.0, session_remaining=0.0)
    assert widget.session_text() == ""  # the end screen's summary says what was done


# -- ring and emphasis ----------------------------------------------------------------------------


def test_ring_fraction_is_remaining_over_phase_length(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    assert widget.ring_fraction() == 1.0
    phase = make_phase(seconds=20.0)
    show(widget, phase, 20.0, state=EngineState.IDLE)
    assert widget.ring_fraction() == 1.0
    show(widget, phase, 15.0)
    assert widget.ring_fraction() == pytest.approx(0.75)
    show(widget, phase, 5.0, state=EngineState.PAUSED)
    assert widget.ring_fraction() == pytest.approx(0.25)
    show(widget, None, 0.0, state=EngineState.COMPLETED)
    assert widget.ring_fraction() == 0.0


@pytest.mark.parametrize(
    ("kind", "remaining", "state", "interrupted", "expected"),
    [
        (PhaseKind.HOLD, 3.0, EngineState.RUNNING, False, True),
        (PhaseKind.HOLD, 0.4, EngineState.RUNNING, False, True),
        (PhaseKind.HOLD, 3.2, EngineState.RUNNING, False, False),
        (PhaseKind.HOLD, 10.0, EngineState.RUNNING, False, False),
        (PhaseKind.HOLD, 2.0, EngineState.PAUSED, False, False),
        (PhaseKind.HOLD, 2.0, EngineState.PAUSED, True, False),
        (PhaseKind.REST, 2.0, EngineState.RUNNING, False, False),
        (PhaseKind.PAUSE, 2.0, EngineState.RUNNING, False, False),
    ],
)
def test_emphasis_only_in_the_last_three_seconds_of_a_running_hold(
    qtbot: QtBot, kind: PhaseKind, remaining: float, state: EngineState, *, interrupted: bool, expected: bool
) -> None:
    widget = make_widget(qtbot)
    show(widget, make_phase(kind), remaining, state=state, interrupted=interrupted)
    assert widget.is_emphasised() is expected


def test_phase_kinds_differ_by_colour_and_by_ring_style(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    colours: dict[PhaseKind, str] = {}
    styles: dict[PhaseKind, RingStyle] = {}
    for kind in (PhaseKind.HOLD, PhaseKind.REST, PhaseKind.SWITCH_SIDES, PhaseKind.GET_READY):
        show(widget, make_phase(kind), 5.0)
        colours[kind] = widget.phase_colour().name()
        styles[kind] = widget.ring_style()
    assert len(set(colours.values())) == 4
    assert len(set(styles.values())) == 4  # colour is never the only cue
    assert colours[PhaseKind.HOLD] == PHASE_COLOURS[PhaseKind.HOLD].name()  # already readable on light


@pytest.mark.parametrize("window", [LIGHT_WINDOW, DARK_WINDOW])
@pytest.mark.parametrize("kind", list(PhaseKind))
def test_phase_colours_are_readable_on_light_and_dark_themes(
    qtbot: QtBot, window: QColor, kind: PhaseKind
) -> None:
    widget = make_widget(qtbot, window)
    show(widget, make_phase(kind), 5.0)
    assert contrast_ratio(widget.phase_colour(), window) >= 3.0
    assert contrast_ratio(widget.emphasis_colour(), window) >= 3.0


def test_yellow_get_ready_is_darkened_on_a_light_theme(qtbot: QtBot) -> None:
    widget = make_widget(qtbot, LIGHT_WINDOW)
    show(widget, make_phase(PhaseKind.GET_READY), 5.0)
    assert widget.phase_colour().lightness() < PHASE_COLOURS[PhaseKind.GET_READY].lightness()


# -- sizing and modes -----------------------------------------------------------------------------


def test_mat_mode_digits_fill_at_least_forty_percent_of_the_height(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    widget.resize(1280, 800)
    show(widget, make_phase(), 25.0)
    normal = widget.digits_pixel_height()
    assert 0.25 * 800 <= normal <= 0.30 * 800
    widget.set_mat_mode(True)
    assert widget.mat_mode
    assert widget.digits_pixel_height() >= 0.40 * 800
    assert widget.digits_pixel_height() > normal
    widget.set_mat_mode(False)
    assert widget.digits_pixel_height() == normal


def test_wide_mat_mode_gives_the_ring_seventy_percent_and_large_side_rep_and_set(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    widget.resize(1280, 800)
    widget.set_mat_mode(True)
    show(widget, make_phase(PhaseKind.PAUSE, rep=4, reps=12, set_number=2, sets=3, side=Side.LEFT), 2.0)
    layout = widget.painted_layout()
    ring = layout.ring_rect.height() + layout.ring_width * 1.5  # the outer edge of the widest ring
    assert 0.65 * 800 <= ring <= 0.75 * 800
    digits = layout.digits_font.pixelSize()
    assert layout.side_apart and layout.counters_stacked
    assert layout.small_font.pixelSize() >= digits / 3  # side, rep and set lines
    assert widget.side_text() == "LEFT side" and widget.phase_text(side=False) == "Pause at the top"
    assert widget.hint_text() == "Esc exit · Space pause"
    show(widget, make_phase(PhaseKind.PAUSE), 2.0, state=EngineState.PAUSED)
    assert widget.hint_text() == "Esc exit · Space resume"
    for rect in (layout.column_rect, layout.phase_rect, layout.side_rect, layout.counters_rect):
        assert rect.left() >= layout.ring_rect.right() and rect.right() <= 1280  # beside the ring


def dark_box(image: QImage, area: QRectF) -> QRectF:
    """The bounding box of the dark (text-coloured) pixels inside `area`."""
    xs: list[int] = []
    ys: list[int] = []
    rect = area.toAlignedRect()
    for y in range(rect.top(), rect.bottom()):
        for x in range(rect.left(), rect.right()):
            colour = image.pixelColor(x, y)
            if max(colour.red(), colour.green(), colour.blue()) < 90:
                xs.append(x)
                ys.append(y)
    return QRectF(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)


@pytest.mark.parametrize(("mat", "size"), [(True, (1280, 800)), (False, (420, 420)), (True, (600, 900))])
def test_the_digits_keep_the_fonts_own_proportions(qtbot: QtBot, mat: bool, size: tuple[int, int]) -> None:
    """Seen on screen: "3:30" in mat mode was squashed sideways. The painted glyph box has the font's
    aspect ratio."""
    widget = make_widget(qtbot)
    widget.resize(*size)
    widget.set_mat_mode(mat)
    show(widget, make_phase(PhaseKind.HOLD, seconds=300.0), 210.0)
    assert widget.digits_text() == "3:30"
    layout = widget.painted_layout()
    inner = layout.ring_rect.adjusted(*(d * layout.ring_width for d in (1, 1, -1, -1)))
    painted = dark_box(widget.grab().toImage(), inner)
    font = QFont(layout.digits_font)
    font.setWeight(QFont.Weight.Medium)
    glyphs = QFontMetricsF(font).tightBoundingRect("3:30")
    assert painted.width() / painted.height() == pytest.approx(glyphs.width() / glyphs.height(), rel=0.06)


def test_fonts_scale_with_the_widget_height(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    widget.show()
    qtbot.waitExposed(widget)
    widget.resize(400, 300)
    small = widget.digits_pixel_height()
    widget.resize(800, 600)
    assert widget.digits_pixel_height() >= 2 * small - 1


def test_step_text_shows_only_in_mat_mode(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    widget.set_step_text("Squeeze your glutes and lift your hips.")
    assert not widget.step_visible()
    widget.set_mat_mode(True)
    assert widget.step_visible()
    widget.set_compact(True)
    assert not widget.step_visible()


def test_compact_is_small(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    widget.set_compact(True)
    assert widget.compact
    assert widget.sizeHint().width() < 300 and widget.sizeHint().height() < 200


def test_compact_paints_exercise_side_and_set_but_no_session_bar(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    widget.resize(240, 160)
    widget.set_compact(True)

    def render(
        rep: int = 4, side: Side = Side.LEFT, session_remaining: float = 300.0, name: str = "Bridge"
    ) -> QImage:
        widget.set_exercise_name(name)
        phase = make_phase(PhaseKind.HOLD, rep=rep, reps=12, side=side)
        show(widget, phase, 20.0, session_remaining=session_remaining)
        return widget.grab().toImage()

    shown = render()
    assert render(name="Marching") != shown
    assert render(side=Side.RIGHT) != shown
    assert render(rep=9) != shown
    assert render(session_remaining=900.0) == shown  # no session bar or time left: it is small


def test_size_hints(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    assert widget.sizeHint().width() == 420 and widget.sizeHint().height() == 420
    assert widget.minimumSizeHint().width() <= 200 and widget.minimumSizeHint().height() <= 150


# -- painting and accessibility -------------------------------------------------------------------


def test_grab_paints_the_ring_in_the_phase_colour_and_it_empties(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    phase = make_phase(PhaseKind.HOLD, seconds=20.0)
    show(widget, phase, 20.0)
    colour = widget.phase_colour()
    full = count_pixels(widget.grab().toImage(), colour)
    assert full > 500
    show(widget, phase, 5.0)
    quarter = count_pixels(widget.grab().toImage(), colour)
    assert 0.15 * full < quarter < 0.35 * full


def test_grab_paints_emphasised_digits_in_vermillion(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    phase = make_phase(PhaseKind.HOLD, seconds=20.0)
    show(widget, phase, 8.0)
    emphasis = widget.emphasis_colour()
    assert count_pixels(widget.grab().toImage(), emphasis) == 0
    show(widget, phase, 2.5)
    assert count_pixels(widget.grab().toImage(), emphasis) > 100


def test_grab_in_mat_mode_and_compact_renders(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    widget.resize(1280, 800)
    widget.set_mat_mode(True)
    widget.set_step_text("Lower your hips slowly back to the floor.")
    show(widget, make_phase(PhaseKind.REST, seconds=60.0), 59.0)
    image = widget.grab().toImage()
    assert image.width() == 1280
    assert count_pixels(image, widget.phase_colour()) > 500
    widget.set_compact(True)
    widget.resize(240, 160)
    assert count_pixels(widget.grab().toImage(), widget.phase_colour()) > 50


def test_accessible_name_and_description_follow_the_snapshot(qtbot: QtBot) -> None:
    widget = make_widget(qtbot)
    assert widget.accessibleName() == "Countdown"
    widget.set_exercise_name("Bridge")
    show(widget, make_phase(PhaseKind.HOLD, rep=2, reps=10), 7.5)
    description = widget.accessibleDescription()
    assert "Bridge" in description and "Hold" in description
    assert "8 seconds left" in description and "Rep 2 / 10" in description
    show(widget, make_phase(PhaseKind.REST), 4.0)
    assert "Rest" in widget.accessibleDescription() and "4 seconds left" in widget.accessibleDescription()


def sized(pixels: bool) -> QFont:
    font = QFont("DejaVu Sans")
    if pixels:
        font.setPixelSize(54)  # how the countdown sizes its fonts
    else:
        font.setPointSizeF(40.0)
    return font


def scale_of(fitted: QFont, original: QFont) -> float:
    if original.pixelSize() > 0:
        return fitted.pixelSize() / original.pixelSize()
    return fitted.pointSizeF() / original.pointSizeF()


@pytest.mark.parametrize("pixels", [True, False])
def test_a_long_label_shrinks_to_fit_before_it_is_elided(qtbot: QtBot, pixels: bool) -> None:
    font = sized(pixels)
    text = "Keep moving · paused"
    natural = QFontMetricsF(font).horizontalAdvance(text)

    assert fitted_font(font, text, natural + 1) == font  # it fits: untouched
    fitted = fitted_font(font, text, natural * 0.8)
    assert QFontMetricsF(fitted).horizontalAdvance(text) <= natural * 0.8  # read whole, no ellipsis
    assert scale_of(fitted, font) < 1.0
    tiny = fitted_font(font, text, natural * 0.2)  # far too narrow: shrinks only so far, then is elided
    assert scale_of(tiny, font) == pytest.approx(MIN_FIT_SCALE, abs=0.03)
