"""The window as a clerk meets it, driven by keys: where the focus starts, Tab through 案件查询,
the print keys there, a first print that is not 补打, the office copy setting."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from engine.store import open_store
from engine.store.cases import save_cases, show_case
from gui import printing
from gui.fonts import install_font
from gui.main_window import MainWindow
from gui.session import Session
from ids import valid_id

ID = valid_id("1980-01-01", 21)
CASE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": ID, "name": "王秀英", "identities": ["subsistence"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(tmp_path, qtbot, qapp):
    install_font(qapp)
    with open_store(tmp_path / "d", daily_backup=False) as store:
        session = Session(store)
        session.set_settings({"office": "城关镇医保站", "operator": "李四"})
        save_cases(store, CASE, operator="李四", office="城关镇医保站")
        w = MainWindow(session)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitActive(w)
        yield w


@pytest.fixture
def printed(monkeypatch, tmp_path):
    """The preview dialog, instead of waiting for the clerk, prints to a PDF file at once."""
    seen = []

    def exec_(dialog):
        seen.append(dialog.reprint)
        dialog.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer.setOutputFileName(str(tmp_path / f"print-{len(seen)}.pdf"))
        dialog.print_now()
        return 1

    monkeypatch.setattr(printing.ReceiptPreview, "exec", exec_)
    return seen


def cases_page(window, qtbot):
    qtbot.keyClick(window, Qt.Key.Key_2, CTRL)
    page = window.pages["cases"]
    page.search()
    return page


def test_typing_starts_in_the_id_field(window):
    assert QApplication.focusWidget() is window.pages["wizard"].identity.id_number
    QApplication.focusWidget().insert("4201")
    assert window.pages["wizard"].identity.id_number.text() == "4201"


def test_tab_leaves_the_case_list(window, qtbot):
    page = cases_page(window, qtbot)
    page.table.setFocus()
    page.table.selectRow(0)
    qtbot.keyClick(page.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not page.table


def test_first_print_from_the_case_list_is_not_a_reprint(window, qtbot, printed):
    page = cases_page(window, qtbot)
    page.table.setFocus()
    page.table.selectRow(0)
    assert page.reprint_button.text() == "打印回执(&P)"
    qtbot.keyClick(page.table, Qt.Key.Key_P, ALT)
    qtbot.waitUntil(lambda: printed == [False])   # a mnemonic clicks the button after a short animation
    assert [p["reprint"] for p in show_case(window.session.store, 1)["prints"]] == [False]
    assert page.reprint_button.text() == "补打回执(&B)"
    qtbot.keyClick(page.table, Qt.Key.Key_B, ALT)
    qtbot.waitUntil(lambda: printed == [False, True])
    assert [p["reprint"] for p in show_case(window.session.store, 1)["prints"]] == [False, True]


def test_void_by_keys(window, qtbot, monkeypatch):
    from gui import cases_page as module

    page = cases_page(window, qtbot)
    page.table.setFocus()
    page.table.selectRow(0)
    asked = []

    def exec_(dialog):
        asked.append(dialog.windowTitle())
        dialog.reason_edit.setText("录入错误")
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(module.VoidDialog, "exec", exec_)
    qtbot.keyClick(page.table, Qt.Key.Key_Z, ALT)
    qtbot.waitUntil(lambda: asked == ["作废案件"])
    assert show_case(window.session.store, 1)["void"] is True


def test_office_copy_setting_adds_the_stub_after_the_residents_copy(window, qtbot, tmp_path):
    session = window.session
    resident = printing.load_pdf(printing.receipt_pdf(session, 1, reprint=False))
    assert resident.pageCount() == 1
    qtbot.keyClick(window, Qt.Key.Key_6, CTRL)
    settings = window.pages["settings"]
    settings.office_copy_check.setChecked(True)
    assert settings.save() and session.office_copy
    both = printing.load_pdf(printing.receipt_pdf(session, 1, reprint=False))
    assert both.pageCount() >= 2
    first, stub = both.getAllText(0).text(), "".join(both.getAllText(i).text() for i in range(1, both.pageCount()))
    assert "存根" not in first and "待核实" not in first
    assert "存根" in stub
