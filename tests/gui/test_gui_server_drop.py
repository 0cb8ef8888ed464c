"""The server drops while the window is open (issue 15): saving and searching say so in Chinese
(服务器连接中断…, never a traceback), and the window keeps working once the server is back — the
retried save takes the next receipt number."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from days import frozen_today  # noqa: F401 (the fixture)
from engine.office import Office
from gui.cases_page import CasesPage
from gui.session import Session
from ids import valid_id

pytestmark = pytest.mark.usefixtures("frozen_today")

AMOUNTS = {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}


def fill(wizard, qtbot, id_number: str) -> None:
    qtbot.keyClicks(wizard.identity.id_number, id_number)
    assert wizard.identity.name.text() == "孙七"          # the person on file fills in (read from the server)
    qtbot.keyClick(wizard.focusWidget(), Qt.Key.Key_Return)
    wizard.visit_page.date.setFocus()
    wizard.visit_page.date.selectAll()
    qtbot.keyClicks(wizard.visit_page.date, "2023-04-01")
    wizard.visit_page.kind.setFocus()
    qtbot.keyClick(wizard.focusWidget(), Qt.Key.Key_Return)
    for key, value in AMOUNTS.items():
        wizard.amounts_page.inputs[key].setFocus()
        qtbot.keyClicks(wizard.amounts_page.inputs[key], value)
    qtbot.keyClick(wizard.focusWidget(), Qt.Key.Key_Return)
    assert wizard.current() == 3, [p.errors for p in wizard.pages[:3]]


def filled_wizard(office, qtbot, sun):
    """A window on `office` with one case of 孙七 saved, and the wizard filled for a second one."""
    from gui.wizard import SettleWizard

    session = Session(office)
    session.set_settings({"office": "城关镇", "operator": "李四", "default_region": "wuhan"})
    office.save({"region": "wuhan", "date": "2023-03-01", "visit": {"kind": "inpatient", "hospital_level": 2},
                 "person": {"id_number": sun, "name": "孙七", "identities": ["subsistence_edge"]},
                 "amounts": AMOUNTS}, operator="李四", office="城关镇")
    wizard = SettleWizard(session)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    fill(wizard, qtbot, sun)
    return session, wizard


def test_the_window_says_the_server_dropped_and_works_again_once_it_is_back(own_pg_server, tmp_path, qtbot, monkeypatch):
    shown = []   # an error box records what it would show instead of waiting for a click
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))
    monkeypatch.setenv("SANCHONG_DATABASE_URL", own_pg_server.new_database())
    sun = valid_id("1970-01-01", 7)
    with Office.open(tmp_path / "d", daily_backup=False) as office:
        session, wizard = filled_wizard(office, qtbot, sun)
        page = CasesPage(session)
        qtbot.addWidget(page)

        own_pg_server.halt("fast")
        try:
            assert wizard.save() is None
            assert len(shown) == 1 and "与数据库服务器的连接中断" in shown[0] and "请重试" in shown[0], shown
            assert "Traceback" not in shown[0] and "程序出错" not in shown[0]
            assert page.search() is False
            assert "与数据库服务器的连接中断，本次操作未完成，请重试" in shown[1], shown
        finally:
            own_pg_server.resume()

        case_id = wizard.save()
        assert case_id is not None, shown
        assert office.case(case_id)["receipt_no"] == "2023-000002"
        assert page.search() and [r["receipt_no"] for r in page.rows] == ["2023-000001", "2023-000002"]


def test_a_save_whose_commit_went_unanswered_is_not_titled_unsaved(tmp_path, qtbot, monkeypatch):
    from engine.store.backends.postgres import lost
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.windowTitle(), box.text())))
    monkeypatch.delenv("SANCHONG_DATABASE_URL", raising=False)
    sun = valid_id("1970-01-01", 7)
    with Office.open(tmp_path / "d", daily_backup=False) as office:
        _, wizard = filled_wizard(office, qtbot, sun)

        def unanswered(*args, **kwargs):
            raise lost("postgresql://postgres@db:5432/office", "commit", "server closed the connection unexpectedly")
        monkeypatch.setattr(office, "save", unanswered)
        assert wizard.save() is None
        assert shown[0][0] == "保存结果不确定" and "可能已完成也可能未完成" in shown[0][1], shown
        monkeypatch.setattr(office, "save", lambda *a, **k: (_ for _ in ()).throw(
            lost("postgresql://postgres@db:5432/office", "write", "terminating connection")))
        assert wizard.save() is None
        assert shown[1][0] == "保存失败，未保存任何内容", shown
