"""Who works at the window: no login for a folder without accounts; the first 管理员; the login
dialog refusing a wrong password (recorded by the office); the status bar naming the account;
a new login after the idle time."""
from __future__ import annotations

import pytest

from engine.office import Office
from gui.login import FirstAdminDialog, IdleGuard, LoginDialog, log_in
from gui.main_window import MainWindow
from gui.session import Session


@pytest.fixture
def session(tmp_path, qapp):
    with Office.open(tmp_path / "d", daily_backup=False) as office:
        office.set_settings({"office": "城关镇医保站", "operator": "李四"})
        yield Session(office)


def test_a_folder_without_accounts_needs_no_login(session, qtbot):
    assert log_in(session) is True
    window = MainWindow(session)
    qtbot.addWidget(window)
    assert window.status.text().startswith("经办人：李四")


def test_the_first_administrator_is_made_and_logged_in(session, qtbot):
    dialog = FirstAdminDialog(session)
    qtbot.addWidget(dialog)
    assert dialog.name.text() == "李四"
    dialog.password.setText("admin-pass-1")
    dialog.again.setText("admin-pass-2")
    dialog.accept()
    assert "不一致" in dialog.error.text() and not session.office.has_accounts()
    dialog.again.setText("admin-pass-1")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert session.account["name"] == "李四" and "管理员" in session.account["roles"]
    window = MainWindow(session)
    qtbot.addWidget(window)
    assert window.status.text().startswith("当前账户：李四（经办、审核、管理员）")


def test_login_refuses_a_wrong_password_and_names_the_account(session, qtbot):
    session.office.add_account("王管理", ["管理员"], "admin-pass-1")
    window = MainWindow(session)
    qtbot.addWidget(window)
    assert window.status.text().startswith("未登录")
    dialog = LoginDialog(session)
    qtbot.addWidget(dialog)
    dialog.name.setText("王管理")
    dialog.password.setText("wrong-pass-1")
    dialog.accept()
    assert "账户或密码不正确" in dialog.error.text() and session.account is None
    assert dialog.password.text() == ""
    dialog.password.setText("admin-pass-1")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert window.status.text().startswith("当前账户：王管理（管理员）")
    assert [a["action"] for a in session.office.audit_rows(case_id=None)][-1] == "refused"


def test_after_the_idle_time_the_account_logs_in_again(session, qtbot, monkeypatch, qapp):
    session.office.add_account("王管理", ["管理员"], "admin-pass-1")
    session.login("王管理", "admin-pass-1")
    window = MainWindow(session)
    qtbot.addWidget(window)
    session.set_settings({"idle_minutes": "1"})
    guard = IdleGuard(session, window, qapp)
    asked = []
    monkeypatch.setattr("gui.login.log_in", lambda s, parent, reason: asked.append(reason) or True)
    guard.check()
    assert asked == [] and session.account is not None          # not idle yet
    guard.last -= 61
    guard.check()
    assert asked == ["已超过 1 分钟未操作，请重新登录。"] and session.account is None
    assert window.status.text().startswith("未登录")


def _case(id_number: str, name: str) -> dict:
    return {"region": "wuhan", "date": "2023-03-01",
            "person": {"id_number": id_number, "name": name, "identities": ["subsistence_edge"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


def test_the_review_queue_opens_approves_and_returns_by_keyboard(session, qtbot):
    from PySide6.QtCore import Qt

    from ids import valid_id

    office = session.office
    office.add_account("王管理", ["管理员"], "admin-pass-1")
    office.login("王管理", "admin-pass-1")
    office.add_account("李经办", ["经办", "审核"], "clerk-pass-1")
    office.add_account("赵审核", ["审核"], "check-pass-1")
    session.login("李经办", "clerk-pass-1")
    for n, name in enumerate(("孙七", "吴九")):
        office.save(_case(valid_id("1970-01-01", n + 1), name), operator="", office="城关镇医保站")
    window = MainWindow(session)
    qtbot.addWidget(window)
    page = window.open_page("review")
    page.show()
    assert page.count_label.text() == "待审核 2 件" and page.selected_id() == 1
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)                      # Enter opens the case
    assert "回执号 2023-000001" in page.detail.toPlainText()
    qtbot.keyClick(page.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)   # the maker: refused
    assert "不能审核自己的案件" in page.error_label.text()
    assert [c["review"] for c in office.cases()] == ["待审核", "待审核"]
    session.login("赵审核", "check-pass-1")
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert [c["review"] for c in office.cases()] == ["已审核", "待审核"]
    assert page.count_label.text() == "待审核 1 件" and page.selected_id() == 2
    page.send_back_selected()
    assert page.error_label.text() == "请填写退回原因"
    page.reason_edit.setText("发票金额不符")
    qtbot.keyClick(page.reason_edit, Qt.Key.Key_Return)
    assert [c["review"] for c in office.cases()] == ["已审核", "退回"]
    assert page.count_label.text() == "没有待审核的案件。"


def test_the_case_list_filters_by_review_and_payment_state(session, qtbot):
    from gui.cases_page import CasesPage
    from ids import valid_id

    office = session.office
    office.add_account("王管理", ["管理员"], "admin-pass-1")
    office.login("王管理", "admin-pass-1")
    office.add_account("李经办", ["经办"], "clerk-pass-1")
    office.add_account("赵审核", ["审核"], "check-pass-1")
    session.login("李经办", "clerk-pass-1")
    for n, name in enumerate(("孙七", "吴九", "郑十")):
        office.save(_case(valid_id("1970-01-01", n + 1), name), operator="", office="城关镇医保站")
    session.login("赵审核", "check-pass-1")
    office.approve([1, 2])
    office.pay(1, "现金")
    page = CasesPage(session)
    qtbot.addWidget(page)

    def shown(status):
        page.status_combo.setCurrentIndex(page.status_combo.findData(status))
        assert page.search()
        return [page.table.item(r, 0).data(0x0100) for r in range(page.table.rowCount())]

    assert shown("待审核") == [3] and shown("已审核") == [1, 2] and shown("待发放") == [2] and shown("已发放") == [1]
    assert shown(None) == [1, 2, 3]


def test_settings_switch_review_and_verify_the_audit_log(session, qtbot):
    from gui.settings_page import SettingsPage

    page = SettingsPage(session)
    qtbot.addWidget(page)
    box = page.accounts_box
    assert not box.review_check.isEnabled()                     # no accounts: nothing to review
    assert box.verify_now() and "完好" in box.last.text()
    session.office.add_account("王管理", ["管理员", "经办"], "admin-pass-1")
    session.login("王管理", "admin-pass-1")
    assert box.review_check.isEnabled() and box.review_check.isChecked()
    box.review_check.click()
    assert not session.office.review_required() and "已关闭审核" in box.status.text()
    session.office.add_account("赵审核", ["审核"], "check-pass-1")
    box.review_check.click()                                    # on again: allowed
    assert session.office.review_required()
    box.review_check.click()                                    # off with two accounts: refused
    assert session.office.review_required() and "不能关闭审核" in box.status.text()
    assert box.review_check.isChecked()
    box.idle_spin.setValue(30)
    assert session.setting("idle_minutes") == "30"
