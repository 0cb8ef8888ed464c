"""Start the window (python main.py)."""
from __future__ import annotations

import sys


def run() -> int:
    from PySide6.QtWidgets import QApplication

    from .calculator import CalculatorWindow
    from .fonts import install_font

    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_font(app)
    window = CalculatorWindow()
    window.show()
    return app.exec()
