"""Draw the app icon's PNG sizes from its SVG: resources/icons/hicolor/<N>x<N>/apps/<app id>.png.

    QT_QPA_PLATFORM=offscreen python scripts/render_icons.py [--check]

Each size is drawn straight from the vector (QSvgRenderer, antialiased, on a transparent square), never
scaled down from a bigger bitmap. Same SVG and Qt version, same bytes: the PNGs carry no time stamp or text.
``--check`` writes nothing: it exits 1 if a PNG is missing, has the wrong size, or differs from a fresh
drawing by more than ``TOLERANCE`` on average (another Qt version may antialias edges a little
differently; a changed SVG differs by far more). `make icons` runs it without ``--check``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

APP_ID = "org.psoasdesktop.PsoasDesktop"
ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SOURCE = ICONS / f"{APP_ID}.svg"
SIZES = (16, 32, 48, 64, 128, 256)
TOLERANCE = 2.0  # mean difference per channel (0–255): antialiasing may change a little between Qt versions


def png_path(size: int, root: Path = ICONS) -> Path:
    return root / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, b"PNG"):
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def mean_difference(a: QImage, b: QImage) -> float:
    """The mean difference of a channel (0–255) over every pixel and channel (the images have one size)."""
    total = 0
    for y in range(a.height()):
        for x in range(a.width()):
            pa, pb = a.pixel(x, y), b.pixel(x, y)
            total += sum(abs(((pa >> shift) & 0xFF) - ((pb >> shift) & 0xFF)) for shift in (0, 8, 16, 24))
    return total / (4 * a.width() * a.height())


def check(renderer: QSvgRenderer) -> list[str]:
    problems = []
    for size in SIZES:
        path = png_path(size)
        stored = QImage(str(path))
        if stored.isNull():
            problems.append(f"{path} is missing or unreadable")
            continue
        if (stored.width(), stored.height()) != (size, size):
            problems.append(f"{path} is {stored.width()}x{stored.height()}, not {size}x{size}")
            continue
        fresh = render(renderer, size)
        difference = mean_difference(stored.convertToFormat(QImage.Format.Format_ARGB32), fresh)
        if difference > TOLERANCE:
            problems.append(f"{path} differs from the SVG (by {difference:.1f} levels): run `make icons`")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"render_icons: {SOURCE} is not a valid SVG", file=sys.stderr)
        return 1
    if args.check:
        problems = check(renderer)
        for problem in problems:
            print(f"render_icons: {problem}", file=sys.stderr)
        return 1 if problems else 0
    for size in SIZES:
        path = png_path(size)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png_bytes(render(renderer, size)))
        print(path.relative_to(ICONS.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
