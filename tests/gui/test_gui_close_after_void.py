"""The window closes cleanly after a 作废 done through the void dialog (it used to abort: the
dialog was never deleted after exec(), "shared QObject was deleted directly", rc 134)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r'''
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ids import valid_id
from engine.office import Office
from engine.store import open_store
from engine.store.cases import save_cases
from gui.fonts import install_font
from gui.main_window import MainWindow
from gui.session import Session

app = QApplication([])
install_font(app)
store = open_store(sys.argv[1], daily_backup=False)
for seq in (1, 2, 3):
    save_cases(store, {"region": "wuhan", "date": "2023-03-01",
                       "person": {"id_number": valid_id(seq=seq), "name": "张三"},
                       "visit": {"kind": "inpatient", "hospital_level": 2},
                       "amounts": {"total": "5500.00", "policy_scope": "5000.00"}}, operator="李四", office="城关镇")
window = MainWindow(Session(Office(store)))
window.show()
page = window.open_page("cases")
page.search()
voided = []
for row in range(3):
    page.table.selectRow(row)

    def answer():
        dialog = QApplication.activeModalWidget()
        dialog.reason_edit.setText("录入错误")
        dialog.ok_button.click()

    QTimer.singleShot(0, answer)
    page.void_button.click()
    voided.append(page._detail["void"])
print("voided", voided, flush=True)
window.close()
QTimer.singleShot(0, app.quit)
sys.exit(app.exec())
'''


def test_closing_the_window_after_voids_through_the_dialog_exits_0(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "d")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "voided [True, True, True]" in proc.stdout, proc.stderr
    assert "shared QObject was deleted directly" not in proc.stderr
    assert proc.returncode == 0, proc.stderr
