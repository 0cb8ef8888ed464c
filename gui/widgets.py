"""Small pieces every page uses, so the pages look alike."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

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


def confirmed(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask before an action that replaces or moves data: 是 / 否, 否 the default."""
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes
