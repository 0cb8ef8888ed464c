"""Small pieces every page uses, so the pages look alike."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel

NOTE_STYLE = "color: #555;"


def page_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-size: 16px; font-weight: bold;")
    return label


def note(text: str = "") -> QLabel:
    """A grey explanatory line that wraps."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(NOTE_STYLE)
    return label
