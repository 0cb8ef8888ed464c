"""Window speed: from `python main.py` to the first window drawn, next to a bare
QApplication with one QWidget; and the wizard's result page after the last Enter.

    QT_QPA_PLATFORM=offscreen python bench/gui_bench.py

Targets (issue 4): start-up within 1.5× of the bare window; the result page within 100 ms.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = ("import sys\nfrom PySide6.QtCore import QTimer\nfrom PySide6.QtWidgets import QApplication, QWidget\n"
        "app = QApplication(sys.argv[:1]); w = QWidget(); w.resize(1366, 768); w.show()\n"
        "QTimer.singleShot(0, app.quit); sys.exit(app.exec())\n")
RUNS = 7


def timed(args: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True)
    return (time.perf_counter() - start) * 1000


def startup() -> tuple[float, float, float]:
    """Medians of: main.py to its window drawn, main.py to the store open and the wizard shown,
    and the bare QWidget."""
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               "SANCHONG_DATA_DIR": data}
        shown, ready = dict(env, SANCHONG_QUIT_AFTER_SHOW="shown"), dict(env, SANCHONG_QUIT_AFTER_SHOW="ready")
        timed([sys.executable, "main.py"], ready)  # the first start creates the database: not counted
        drawn = [timed([sys.executable, "main.py"], shown) for _ in range(RUNS)]
        usable = [timed([sys.executable, "main.py"], ready) for _ in range(RUNS)]
        bare = [timed([sys.executable, "-c", BARE], env) for _ in range(RUNS)]
    return statistics.median(drawn), statistics.median(usable), statistics.median(bare)


def result_page() -> list[float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtWidgets import QApplication

    from engine.store import open_store
    from gui.screenshots import SAMPLES, fill_store
    from gui.session import Session
    from gui.wizard import SettleWizard

    app = QApplication.instance() or QApplication([])
    times = []
    with tempfile.TemporaryDirectory() as data:
        fill_store(Path(data)).close()
        session = Session(open_store(data, daily_backup=False))
        wizard = SettleWizard(session)
        wizard.show()
        sample = SAMPLES[0]
        for _ in range(20):
            wizard.restart()
            wizard.identity.id_number.setText(sample["person"]["id_number"])
            wizard.identity.identity_checks["subsistence_edge"].setChecked(True)
            wizard.next()
            wizard.next()
            for key, value in sample["amounts"].items():
                wizard.amounts_page.inputs[key].setText(value)
            start = time.perf_counter()
            assert wizard.next()
            app.processEvents()
            times.append((time.perf_counter() - start) * 1000)
        session.store.close()
    return times


def main() -> int:
    app_ms, ready_ms, bare_ms = startup()
    ratio = app_ms / bare_ms
    print(f"start-up to first window: main.py {app_ms:.0f} ms, bare QWidget {bare_ms:.0f} ms, "
          f"ratio {ratio:.2f}  [{'PASS' if ratio <= 1.5 else 'FAIL'} ≤ 1.5×]")
    print(f"start-up until the store is open and the wizard shown: {ready_ms:.0f} ms ({ready_ms / bare_ms:.2f}× bare)")
    times = result_page()
    worst = max(times)
    print(f"result page after the last Enter: median {statistics.median(times):.1f} ms, worst {worst:.1f} ms "
          f"of {len(times)}  [{'PASS' if worst <= 100 else 'FAIL'} ≤ 100 ms]")
    return 0 if ratio <= 1.5 and worst <= 100 else 1


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # skip interpreter teardown of Qt objects (PySide can crash there)
