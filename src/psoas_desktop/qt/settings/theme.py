"""Light and dark palettes (Fusion style, so they look the same on every desktop)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

LIGHT = {
    QPalette.ColorRole.Window: "#f4f5f7",
    QPalette.ColorRole.WindowText: "#1d2329",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#eceff3",
    QPalette.ColorRole.Text: "#1d2329",
    QPalette.ColorRole.Button: "#e7eaee",
    QPalette.ColorRole.ButtonText: "#1d2329",
    QPalette.ColorRole.Highlight: "#0a5c9e",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#1d2329",
    QPalette.ColorRole.PlaceholderText: "#6b7580",
}
DARK = {
    QPalette.ColorRole.Window: "#1e2226",
    QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#15181b",
    QPalette.ColorRole.AlternateBase: "#262b30",
    QPalette.ColorRole.Text: "#e8eaed",
    QPalette.ColorRole.Button: "#2b3036",
    QPalette.ColorRole.ButtonText: "#e8eaed",
    QPalette.ColorRole.Highlight: "#4fa3e0",
    QPalette.ColorRole.HighlightedText: "#0b0d0f",
    QPalette.ColorRole.ToolTipBase: "#2b3036",
    QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.PlaceholderText: "#8a939c",
}


def palette_for(theme: str) -> QPalette | None:
    """The palette of a theme name ("light", "dark"); None for "system" (keep the desktop's)."""
    colours = {"light": LIGHT, "dark": DARK}.get(theme)
    if colours is None:
        return None
    palette = QPalette()
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    disabled = QColor(colours[QPalette.ColorRole.PlaceholderText])
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def apply_theme(app: QApplication, theme: str) -> None:
    app.setStyle("Fusion")
    palette = palette_for(theme)
    app.setPalette(palette if palette is not None else app.style().standardPalette())
