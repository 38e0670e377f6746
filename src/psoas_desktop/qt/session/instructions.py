"""The step-by-step instruction pane: what to do, shown while the timer runs, with the current step marked.

The pane is a QScrollArea so long instructions still fit a small window;
:meth:`InstructionPane.highlight_step` scrolls the current step into view. :func:`render_illustration`
renders a shipped SVG for this pane and for the exercise list's thumbnails.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QCoreApplication, QEvent, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QImage, QPainter, QPalette, QPixmap, QTransform
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from psoas_desktop.core.catalog import Exercise, Range, Side, resource_root
from psoas_desktop.core.settings import Level

ILLUSTRATION_WIDTH = 240
STEP_MARKER = "▶"
HEADING_SCALE = 1.5
"""The exercise's name (and the side) against the pane's text."""
SAFETY_BORDER_COLOUR = "#d84315"  # a deep orange that reads as "warning" on light and dark themes


def render_illustration(
    file_name: str,
    *,
    width: int | None = None,
    height: int | None = None,
    device_pixel_ratio: float = 1.0,
) -> QPixmap:
    """Render ``illustrations/<file_name>`` at ``width`` or ``height`` logical pixels, keeping its aspect.

    The SVG is drawn straight at the target size with antialiasing (smooth at any size, no bitmap scaling).
    A missing or broken file gives a null pixmap.
    """
    node = resource_root() / "illustrations" / file_name
    if not node.is_file():
        return QPixmap()
    renderer = QSvgRenderer(QByteArray(node.read_bytes()))
    if not renderer.isValid():
        return QPixmap()
    natural = renderer.viewBoxF().size()
    if natural.isEmpty():
        natural = renderer.defaultSize().toSizeF()
    if natural.isEmpty():
        return QPixmap()
    aspect = natural.height() / natural.width()
    if width is not None:
        logical = QSize(width, max(1, round(width * aspect)))
    elif height is not None:
        logical = QSize(max(1, round(height / aspect)), height)
    else:
        logical = natural.toSize()
    ratio = max(device_pixel_ratio, 1.0)
    image = QImage(
        max(1, round(logical.width() * ratio)),
        max(1, round(logical.height() * ratio)),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, image.width(), image.height()))
    painter.end()
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def _span(value: Range, unit: str = "") -> str:
    low, high = value
    text = f"{low}" if low == high else f"{low}–{high}"
    return f"{text} {unit}".rstrip()


def _seconds_span(value: Range) -> str:
    low, high = value
    if low % 60 == 0 and high % 60 == 0 and low >= 120:
        return _span((low // 60, high // 60), "min")
    return _span(value, "s")


def dosage_text(exercise: Exercise) -> str:
    """The article's dosage as one line, e.g. ``Hold 20–30 s · 10–12 reps · 2–3 sets``."""
    dosage = exercise.dosage
    parts: list[str] = []
    if dosage.hold_seconds is not None:
        parts.append(f"Hold {_seconds_span(dosage.hold_seconds)}")
    if dosage.pause_seconds is not None:
        parts.append(f"Pause {_seconds_span(dosage.pause_seconds)} at the top")
    if dosage.duration_seconds is not None:
        parts.append(_seconds_span(dosage.duration_seconds))
    if dosage.reps is not None:
        parts.append(_span(dosage.reps, "reps"))
    low, high = dosage.sets
    parts.append(_span(dosage.sets, "set" if low == high == 1 else "sets"))
    if exercise.per_side:
        parts.append("per side")
    return " · ".join(parts)


def modification_text(exercise: Exercise, level: Level) -> str:
    """The option for the chosen level; the standard level shows both, each labelled."""
    beginner = f"Beginner option: {exercise.modifications.beginner}"
    advanced = f"Advanced option: {exercise.modifications.advanced}"
    if level is Level.BEGINNER:
        return beginner
    if level is Level.ADVANCED:
        return advanced
    return f"{beginner}\n\n{advanced}"


def _wrapped_label(text: str = "", object_name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if object_name:
        label.setObjectName(object_name)
    return label


def _section_heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def _bullets(items: tuple[str, ...]) -> str:
    return "\n".join(f"• {item}" for item in items)


class InstructionPane(QWidget):
    """Name, illustration, overview, numbered steps, tips, benefits, level option, dosage and safety note."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._exercise: Exercise | None = None
        self._step_labels: list[QLabel] = []
        self._active: int | None = None
        self._side: Side | None = None
        self._pixmap = QPixmap()
        self._text_scale = 1.0

        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

        self._content = content = QWidget()
        content.setObjectName("instructionContent")
        layout = QVBoxLayout(content)
        layout.setSpacing(8)

        self.heading = QLabel()
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        heading_font = QFont(self.heading.font())
        heading_font.setBold(True)
        heading_font.setPointSizeF(heading_font.pointSizeF() * HEADING_SCALE)
        self.heading.setFont(heading_font)
        self.heading.setAccessibleName("Exercise")
        self.routine_notes_label = _wrapped_label(object_name="routine-notes")
        self.routine_notes_label.setAccessibleName("Routine notes")
        self.routine_notes_label.hide()
        layout.addWidget(self.routine_notes_label)
        layout.addWidget(self.heading)

        self.side_label = _wrapped_label(object_name="side")
        self.side_label.setAccessibleName("Current side")
        self.side_label.setFont(heading_font)  # as large as the exercise's name: the side is hard to miss
        self.side_label.hide()
        layout.addWidget(self.side_label)

        self.illustration = QLabel()
        self.illustration.setObjectName("illustration")
        self.illustration.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.illustration)

        self.overview_label = _wrapped_label(object_name="overview")
        layout.addWidget(self.overview_label)

        self.dosage_label = _wrapped_label(object_name="dosage")
        self.dosage_label.setAccessibleName("Dosage")
        layout.addWidget(self.dosage_label)

        layout.addWidget(_section_heading("Steps"))
        self.steps_widget = QWidget()
        self.steps_widget.setObjectName("steps")
        self.steps_widget.setAccessibleName("Steps")
        self._steps_layout = QVBoxLayout(self.steps_widget)
        self._steps_layout.setContentsMargins(0, 0, 0, 0)
        self._steps_layout.setSpacing(4)
        layout.addWidget(self.steps_widget)

        layout.addWidget(_section_heading("Key tips"))
        self.tips_label = _wrapped_label(object_name="tips")
        self.tips_label.setAccessibleName("Key tips")
        layout.addWidget(self.tips_label)

        layout.addWidget(_section_heading("Benefits"))
        self.benefits_label = _wrapped_label(object_name="benefits")
        self.benefits_label.setAccessibleName("Benefits")
        layout.addWidget(self.benefits_label)

        self.modification_label = _wrapped_label(object_name="modification")
        self.modification_label.setAccessibleName("Option for your level")
        layout.addWidget(self.modification_label)

        self.safety_box = QFrame()
        self.safety_box.setObjectName("safetyNote")
        self.safety_box.setAccessibleName("Safety note")
        self.safety_box.setStyleSheet(
            f"QFrame#safetyNote {{ border: 2px solid {SAFETY_BORDER_COLOUR}; border-radius: 6px;"
            " background-color: rgba(216, 67, 21, 0.10); }"
        )
        safety_layout = QVBoxLayout(self.safety_box)
        safety_layout.setContentsMargins(10, 8, 10, 8)
        self.safety_label = _wrapped_label(object_name="safetyText")
        self.safety_label.setAccessibleName("Safety note")
        safety_layout.addWidget(self.safety_label)
        layout.addWidget(self.safety_box)

        layout.addStretch(1)
        self.scroll_area.setWidget(content)

    def set_text_scale(self, scale: float) -> None:
        """Scale every text of the pane (a large window reads from further away); 1.0 is the desktop's size."""
        if abs(scale - self._text_scale) < 0.02:
            return
        self._text_scale = scale
        base = QFont(self.font())
        base.setPointSizeF(QApplication.font().pointSizeF() * scale)
        self.setFont(base)
        self.safety_label.setFont(base)  # under a style sheet, a font does not pass down by itself
        heading = QFont(self.heading.font())
        heading.setPointSizeF(base.pointSizeF() * HEADING_SCALE)
        self.heading.setFont(heading)
        self.side_label.setFont(heading)

    def text_scale(self) -> float:
        return self._text_scale

    # -- content -----------------------------------------------------------------------------------------

    def show_exercise(
        self,
        exercise: Exercise,
        level: Level,
        safety_note: str,
        *,
        routine_notes: str = "",
        range_notes: tuple[str, ...] = (),
    ) -> None:
        """Show one exercise for a level; clears the highlighted step and the side line. `routine_notes`: the
        routine's notes, shown above its first exercise; `range_notes`: this item's values off the guide."""
        from psoas_desktop.qt.session.exercise_picture import exercise_picture

        self._exercise = exercise
        self._active = None
        self.routine_notes_label.setText(routine_notes)
        self.routine_notes_label.setVisible(bool(routine_notes))
        self.heading.setText(exercise.name)
        self.heading.setAccessibleName(exercise.name)
        self._pixmap = exercise_picture(exercise, ILLUSTRATION_WIDTH, self.devicePixelRatioF())
        self.illustration.setAccessibleName(f"Illustration: {exercise.name}")
        self.illustration.setAccessibleDescription(exercise.overview)

        self.overview_label.setText(exercise.overview)
        own = "".join(f"\nThis routine: ⚠ {note}" for note in range_notes)
        self.dosage_label.setText(dosage_text(exercise) + own)
        self._side = None  # the new steps are written as the guide writes them (the first side)
        self._rebuild_steps(exercise.steps)
        self.set_side(None)  # the side line hidden, the illustration as drawn
        self.tips_label.setText(_bullets(exercise.tips))
        self.benefits_label.setText(_bullets(exercise.benefits))
        self.modification_label.setText(modification_text(exercise, level))
        self.safety_label.setText(f"⚠ {safety_note}")
        self.safety_box.setAccessibleDescription(safety_note)
        self.scroll_area.verticalScrollBar().setValue(0)

    def _rebuild_steps(self, steps: tuple[str, ...]) -> None:
        for label in self._step_labels:
            self._steps_layout.removeWidget(label)
            label.hide()
            label.setParent(None)
            label.deleteLater()
        self._step_labels = []
        for number in range(1, len(steps) + 1):
            label = _wrapped_label(object_name=f"step-{number}")
            label.setMargin(4)
            label.setAccessibleName(f"Step {number}")
            self._step_labels.append(label)
            self._steps_layout.addWidget(label)
            self._style_step(number, active=False)

    def exercise(self) -> Exercise | None:
        return self._exercise

    def step_count(self) -> int:
        return len(self._step_labels)

    def step_label(self, n: int) -> QLabel:
        """The label of 1-based step ``n``."""
        if not 1 <= n <= len(self._step_labels):
            raise IndexError(f"step {n} is not between 1 and {len(self._step_labels)}")
        return self._step_labels[n - 1]

    def step_text(self, n: int) -> str:
        """The plain text of step ``n`` for the side being worked (no number, no marker)."""
        self.step_label(n)
        assert self._exercise is not None
        return self._exercise.steps_for(self._side)[n - 1]

    # -- the current step and side ----------------------------------------------------------------------

    def highlight_step(self, step: int | None) -> None:
        """Mark 1-based ``step`` as the current one and scroll it into view; None clears the mark."""
        if step is not None:
            self.step_label(step)  # validates
        previous, self._active = self._active, step
        if previous is not None and previous <= len(self._step_labels):
            self._style_step(previous, active=False)
        if step is None:
            return
        self._style_step(step, active=True)
        self._scroll_to(self.step_label(step))

    def active_step(self) -> int | None:
        return self._active

    def _style_step(self, n: int, *, active: bool) -> None:
        label = self.step_label(n)
        text = self.step_text(n)
        font = QFont(label.font())
        font.setBold(active)
        label.setFont(font)
        if active:
            label.setText(f"{STEP_MARKER} {n}. {text}")
            palette = QPalette(label.palette())
            palette.setColor(QPalette.ColorRole.Window, self.palette().color(QPalette.ColorRole.Highlight))
            palette.setColor(
                QPalette.ColorRole.WindowText, self.palette().color(QPalette.ColorRole.HighlightedText)
            )
            label.setPalette(palette)
            label.setAutoFillBackground(True)
            label.setAccessibleDescription("Current step")
        else:
            label.setText(f"{n}. {text}")
            label.setPalette(QPalette())
            label.setAutoFillBackground(False)
            label.setAccessibleDescription("")

    def _scroll_to(self, label: QLabel) -> None:
        # The new text and font change the layout; settle it now so the scroll uses the final geometry.
        for layout in (self._steps_layout, self._content.layout()):
            if layout is not None:
                layout.activate()
        # A freshly shown exercise has its resize still queued; without it the scroll aims at stale positions.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.scroll_area.ensureWidgetVisible(label, 0, 24)

    def is_step_visible(self, n: int) -> bool:
        """Whether step ``n`` lies within the scroll area's viewport (all of it, or the viewport is full)."""
        label = self.step_label(n)
        if not label.isVisible():
            return False
        viewport = self.scroll_area.viewport()
        rect = QRect(label.mapTo(viewport, QPoint(0, 0)), label.size())
        shown = rect.intersected(viewport.rect())
        return not shown.isEmpty() and shown.height() >= min(rect.height(), viewport.height())

    def set_side(self, side: str | None) -> None:
        """Show which side is being worked ("right" or "left"; None: no side under way): the side line, the
        steps' side words, and the illustration, mirrored for the left side (it is drawn for the right)."""
        chosen = Side(side) if side is not None else None
        if chosen != self._side:  # the side words change: every step is written again
            self._side = chosen
            for number in range(1, len(self._step_labels) + 1):
                self._style_step(number, active=number == self._active)
        mirrored = self._side is Side.LEFT and not self._pixmap.isNull()
        self.illustration.setPixmap(
            self._pixmap.transformed(QTransform().scale(-1, 1)) if mirrored else self._pixmap
        )
        self.illustration.setProperty("mirrored", mirrored)
        if side is None:
            self.side_label.clear()
            self.side_label.hide()
            return
        self.side_label.setText(f"Now: {side.upper()} side")
        self.side_label.setAccessibleDescription(f"Now working the {side} side")
        self.side_label.show()

    def illustration_mirrored(self) -> bool:
        return bool(self.illustration.property("mirrored"))

    def side_text(self) -> str:
        return self.side_label.text() if not self.side_label.isHidden() else ""
