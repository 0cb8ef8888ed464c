"""Save a PNG of the window with a sample case: python -m gui.screenshots OUTDIR."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def main(outdir: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from .calculator import CalculatorWindow
    from .fonts import install_font

    app = QApplication.instance() or QApplication([])
    install_font(app)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    w = CalculatorWindow()
    w.resize(1366, 768)
    w.region.setCurrentIndex(w.region.findData("weihai"))
    w.identities["subsistence"].setChecked(True)
    w.amounts["total"].setText("60000.00")
    w.amounts["policy_scope"].setText("50000.00")
    w.amounts["basic_paid"].setText("30000.00")
    w.compute()
    w.show()
    app.processEvents()
    w.grab().save(str(out / "calculator-result.png"))
    w.amounts["policy_scope"].setText("70000.00")
    w.compute()
    app.processEvents()
    w.grab().save(str(out / "calculator-field-error.png"))
    print(out / "calculator-result.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
