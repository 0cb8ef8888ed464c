"""The main window and the app's flags that open windows (app-cli.md)."""
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from engine.store import open_store
from gui.fonts import install_font
from gui.main_window import KEYS, MainWindow
from engine.office import Office
from gui.session import Session
from ids import valid_id

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(tmp_path, qtbot, qapp):
    install_font(qapp)
    with open_store(tmp_path / "d", daily_backup=False) as store:
        session = Session(Office(store))
        session.set_settings({"office": "城关镇医保站", "window": "3号窗口", "operator": "李四"})
        w = MainWindow(session)
        qtbot.addWidget(w)
        w.show()
        yield w


def test_tasks_switch_by_keyboard_and_pages_are_built_when_first_shown(window, qtbot):
    assert window.windowTitle() == "三重保障计算器 — 城关镇医保站 3号窗口"
    assert list(window.pages) == ["wizard"]
    for index, key in enumerate(KEYS[:10]):      # Ctrl+1…9, Ctrl+0: the first ten tasks
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + (index + 1) % 10), Qt.KeyboardModifier.ControlModifier)
        assert window.stack.currentWidget() is window.pages[key]
    for index, key in enumerate(KEYS[10:], start=10):   # the others from the task list
        window.nav.setCurrentRow(index)
        assert window.stack.currentWidget() is window.pages[key]
    assert list(window.pages) == KEYS


def test_a_saved_case_reaches_the_case_list_and_the_ledger(window):
    id_number = valid_id("1980-01-01", 2)
    doc = {"region": "wuhan", "date": "2023-03-01",
           "person": {"id_number": id_number, "name": "张三", "identities": ["subsistence"]},
           "visit": {"kind": "inpatient", "hospital_level": 2},
           "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
    window.session.office.save(doc, operator="李四", office="城关镇医保站")   # the pages hear of it
    cases = window.open_page("cases")
    cases.search()
    assert cases.table.rowCount() == 1 and "1200.00" in cases.row_texts(0)
    window.show_ledger(id_number, 2023)
    assert window.stack.currentWidget() is window.pages["ledger"]
    assert [r["used"] for r in window.pages["ledger"].cap_rows() if "医疗救助" in r["name"]] == ["1200.00"]


def test_bundled_font_registers_without_a_system_font(qapp):
    assert install_font(qapp, prefer_system=False) == "WenQuanYi Micro Hei"


def test_screenshots_flag_saves_every_screen(tmp_path):
    proc = subprocess.run([sys.executable, "main.py", "--screenshots", str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=300, env={**__import__("os").environ,
                                                                        "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.stem for p in tmp_path.glob("*.png"))
    assert names == sorted(["main-window", "wizard-1-identity", "wizard-2-visit", "wizard-3-amounts",
                            "wizard-3-amounts-error-on-field", "wizard-4-result", "wizard-4-result-saved",
                            "cases-search", "ledger-person-year", "warnings-list", "reports-day-report", "stats-year",
                            "review-queue", "what-if", "settlement-import", "policy-parameters", "settings",
                            "print-preview-receipt", "wizard-sample-case", "first-start-setup"])
    from PySide6.QtGui import QImage

    sizes = {name: QImage(str(tmp_path / f"{name}.png")).size() for name in names}
    sizes.pop("first-start-setup")  # a dialog, its own size
    assert all((s.width(), s.height()) == (1366, 768) for s in sizes.values()), sizes
