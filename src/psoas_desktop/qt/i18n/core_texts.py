"""Core's English words (setting labels and help, phase names, summaries, error messages) made translatable.

Core has no Qt, so it cannot call tr(). Each English text core can show is listed below as a literal
QCoreApplication.translate call in the "CoreText" context, which is what pyside6-lupdate reads; at run time
core_text() looks the same text up. A test checks that every text core produces is listed here.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

CONTEXT = "CoreText"


def core_text(english: str) -> str:
    """The user's language for an English text core produced (English when no translation is loaded)."""
    return QCoreApplication.translate(CONTEXT, english)


def _listed_for_lupdate() -> None:  # never called: lupdate reads these literals
    translate = QCoreApplication.translate
    translate("CoreText", "Hold")
