"""The accountable office in the window: account management (a 管理员 only, each change and each
refusal recorded by the office), the audit-log viewer per case and per day, the audit log's
verification in 设置 (the last result, the anchor's problem and its confirmation), and the
warning the window gives about them."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from engine import clock
from engine.office import Office
from gui.accounts_dialog import AccountsDialog
from gui.app import audit_problem_text
from gui.audit_dialog import AuditDialog
from gui.session import Session
from ids import valid_id


def _case(id_number: str, name: str, date: str = "2023-03-01") -> dict:
    return {"region": "wuhan", "date": date,
            "person": {"id_number": id_number, "name": name, "identities": ["subsistence_edge"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


@pytest.fixture
def session(tmp_path, qapp):
    with Office.open(tmp_path / "d", daily_backup=False) as office:
        office.set_settings({"office": "城关镇医保站", "operator": "李四"})
        office.add_account("王管理", ["管理员"], "admin-pass-1")
        office.login("王管理", "admin-pass-1")
        office.add_account("李经办", ["经办"], "clerk-pass-1")
        yield Session(office)


def names_states(dialog) -> list[tuple[str, str]]:
    return [(dialog.table.item(r, 0).text(), dialog.table.item(r, 2).text()) for r in range(dialog.table.rowCount())]


def test_an_administrator_adds_resets_locks_and_unlocks_accounts(session, qtbot):
    office = session.office
    dialog = AccountsDialog(session)
    qtbot.addWidget(dialog)
    assert dialog.is_admin and names_states(dialog) == [("王管理", "在用"), ("李经办", "在用")]
    assert not dialog.add("赵审核", ["审核"], "check-pass-1", "check-pass-2")          # typed twice, differently
    assert "不一致" in dialog.error.text() and [a["name"] for a in office.accounts()] == ["王管理", "李经办"]
    assert not dialog.add("赵审核", [], "check-pass-1", "check-pass-1")                # no role: the office says so
    assert "角色" in dialog.error.text()
    assert dialog.add("赵审核", ["审核", "经办"], "check-pass-1", "check-pass-1")
    assert office.accounts()[2]["roles"] == ["经办", "审核"] and dialog.table.item(2, 1).text() == "经办、审核"
    assert dialog.reset("李经办", "fresh-pass-1", "fresh-pass-1") and "已重设" in dialog.status.text()
    assert dialog.toggle_lock("李经办") and names_states(dialog)[1] == ("李经办", "已停用")
    assert dialog.lock_button.text() == "启用所选账户"       # the row stays selected
    probe = Office.open(office.folder, daily_backup=False)
    try:
        with pytest.raises(Exception):
            probe.login("李经办", "fresh-pass-1")
        assert dialog.toggle_lock("李经办") and names_states(dialog)[1] == ("李经办", "在用")
        assert probe.login("李经办", "fresh-pass-1")["name"] == "李经办"   # the reset password, unlocked
    finally:
        probe.close()
    assert not dialog.toggle_lock("王管理") and "不能停用自己" in dialog.error.text()
    details = [r["detail"] for r in office.store.query("SELECT detail FROM audit WHERE action = 'account' ORDER BY id")]
    assert details[-4:] == ["添加账户“赵审核”，角色：经办、审核", "重设账户“李经办”的密码", "停用账户“李经办”", "启用账户“李经办”"]


def test_only_an_administrator_manages_accounts_and_a_refusal_is_recorded(session, qtbot):
    from gui.settings_page import SettingsPage

    page = SettingsPage(session)
    qtbot.addWidget(page)
    assert page.accounts_box.accounts_button.isEnabled()
    session.login("李经办", "clerk-pass-1")
    assert not page.accounts_box.accounts_button.isEnabled()
    dialog = AccountsDialog(session)
    qtbot.addWidget(dialog)
    assert not dialog.is_admin and "只有管理员" in dialog.error.text() and not dialog.add_button.isEnabled()
    before = session.office.accounts()
    assert not dialog.add("孙冒名", ["管理员"], "evil-pass-1", "evil-pass-1")       # even when called: refused
    assert "管理员" in dialog.error.text() and session.office.accounts() == before
    refused = session.office.store.query("SELECT operator, detail FROM audit WHERE action = 'refused'")
    assert refused[-1]["operator"] == "李经办" and "添加账户" in refused[-1]["detail"]


def test_the_audit_log_of_a_case_and_of_a_day(session, qtbot):
    from gui.main_window import MainWindow

    office = session.office
    session.login("李经办", "clerk-pass-1")
    with clock.frozen("2026-03-01T09:00:00"):
        office.save(_case(valid_id("1970-01-01", 1), "孙七"), operator="", office="城关镇医保站")
    with clock.frozen("2026-03-02T10:00:00"):
        office.save(_case(valid_id("1970-01-01", 2), "吴九"), operator="", office="城关镇医保站")
        office.record_print(1, operator="", reprint=False)
    window = MainWindow(session)
    qtbot.addWidget(window)
    page = window.open_page("cases")
    assert page.search() and page.select_case(1) and page.audit_button.isEnabled()
    dialog = page.open_audit()
    rows = dialog.texts()
    assert [r[3] for r in rows] == ["保存案件", "打印回执"] and {r[4] for r in rows} == {"1"}
    assert rows[0][1] == "2026-03-01 09:00:00" and rows[0][2] == "李经办" and "2023-000001" in rows[0][5]
    assert dialog.title.text() == "案件 1 的操作记录" and dialog.count.text() == "共 2 条操作记录。"
    day = AuditDialog(session, day=dt.date(2026, 3, 2))
    qtbot.addWidget(day)
    assert [(r[3], r[4]) for r in day.texts()] == [("保存案件", "2"), ("打印回执", "1")]
    from PySide6.QtCore import QDate

    day.date_edit.setDate(QDate(2026, 3, 1))          # the date picker
    assert [(r[3], r[4]) for r in day.texts()] == [("保存案件", "1")]
    day.date_edit.setDate(QDate(2026, 3, 3))
    assert day.texts() == [] and day.count.text() == "没有操作记录。"


def test_settings_show_the_last_verification_and_a_replaced_database(session, qtbot, tmp_path):
    from gui.settings_page import SettingsPage

    office = session.office
    page = SettingsPage(session)
    qtbot.addWidget(page)
    box = page.accounts_box
    assert box.last.text() == "尚未校验操作记录。" and not box.accept_button.isVisibleTo(box)
    with clock.frozen("2026-03-02T10:00:00"):
        assert box.verify_now()
    assert box.last.text() == "上次校验：2026-03-02 10:00（设置中手动），共 2 条操作记录、0 件案件，完好。"
    assert audit_problem_text(office) is None
    # a copy of the database put in place by hand: the anchor names a row it does not have
    folder = office.folder
    office.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(folder / "cases.sqlite3", tmp_path / "early.sqlite3")
    office.add_account("赵审核", ["审核"], "check-pass-1")
    office.close()
    for suffix in ("-wal", "-shm"):
        (folder / f"cases.sqlite3{suffix}").unlink(missing_ok=True)
    shutil.copyfile(tmp_path / "early.sqlite3", folder / "cases.sqlite3")
    with Office.open(folder, daily_backup=False) as reopened:
        reopened.login("王管理", "admin-pass-1")
        other = Session(reopened)
        again = SettingsPage(other)
        qtbot.addWidget(again)
        box = again.accounts_box
        assert "较早的副本" in box.anchor.text() and box.accept_button.isVisibleTo(box)
        assert "校验点与数据库不一致" in audit_problem_text(reopened)
        assert not box.verify_now() and "发现问题" in box.last.text()
        assert box.accept_anchor("手工复制了备份，已核对账户")
        assert not box.accept_button.isVisibleTo(box) and box.verify_now()
        assert audit_problem_text(reopened) is None


def test_in_the_window_a_clerk_cannot_void_a_reviewed_case(session, qtbot, monkeypatch):
    """Maker-checker in 案件查询: the 经办 who saved a case may void it while 待审核, not once it is
    已审核 (refused, recorded, nothing changed); a 审核 other than the maker may."""
    import gui.cases_page as cases_page
    from gui.main_window import MainWindow

    shown = []
    monkeypatch.setattr(cases_page, "show_error", lambda parent, exc, *a, **k: shown.append(exc.zh))
    monkeypatch.setattr(cases_page, "inform", lambda *a, **k: None)
    office = session.office
    office.add_account("赵审核", ["审核"], "check-pass-1")
    session.login("李经办", "clerk-pass-1")
    office.save(_case(valid_id("1970-01-01", 1), "孙七"), operator="", office="城关镇医保站")
    session.login("赵审核", "check-pass-1")
    office.approve([1])
    session.login("李经办", "clerk-pass-1")
    window = MainWindow(session)
    qtbot.addWidget(window)
    page = window.open_page("cases")
    assert page.search() and page.select_case(1)
    assert page.void_selected("录入错误") is None
    assert shown and "作废需由经办人以外的审核人员办理" in shown[-1]
    assert office.case(1)["void"] is False
    refused = office.store.query("SELECT operator, detail FROM audit WHERE action = 'refused'")
    assert refused[-1]["operator"] == "李经办" and "作废" in refused[-1]["detail"]
    session.login("赵审核", "check-pass-1")
    assert page.void_selected("录入错误") is not None and office.case(1)["void"] is True


def test_the_pay_list_in_the_window_pays_and_exports(session, qtbot, tmp_path):
    """发放名单: reviewed cases not yet paid with the total; a case paid by bank card (number
    required, shown masked) leaves the list; the list is written for the cashier."""
    from decimal import Decimal

    from openpyxl import load_workbook

    from gui.main_window import MainWindow

    office = session.office
    office.add_account("赵审核", ["审核"], "check-pass-1")
    session.login("李经办", "clerk-pass-1")
    for n, name in enumerate(("孙七", "吴九", "郑十"), 1):
        office.save(_case(valid_id("1970-01-01", n), name), operator="", office="城关镇医保站")
    session.login("赵审核", "check-pass-1")
    office.approve([1, 2])                       # case 3 still waits for review: not on the list
    window = MainWindow(session)
    qtbot.addWidget(window)
    dialog = window.open_page("review").open_pay_list()
    due = {c["id"]: Decimal(c["assistance"]) + Decimal(c["tilt"]) for c in office.store.query("SELECT * FROM cases")}
    assert [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())] == ["1", "2"]
    assert dialog.summary.text() == f"待发放 2 件，合计 {due[1] + due[2]:.2f} 元。"
    assert dialog.table.item(0, 3).text() == valid_id("1970-01-01", 1)[:6] + "********" + valid_id("1970-01-01", 1)[-4:]
    assert dialog.select_case(1)
    assert not dialog.pay_selected("银行卡", "") and "账号" in dialog.error.text()
    assert office.store.query("SELECT paid_at FROM cases WHERE id = 1")[0]["paid_at"] is None
    paid_on = dt.date(2026, 3, 5)
    assert dialog.pay_selected("银行卡", "6222020200112233445", paid_on)
    assert "已发放（银行卡 ***************3445）" in dialog.status.text()
    paid = office.store.query("SELECT paid_at, paid_by, pay_method, pay_account FROM cases WHERE id = 1")[0]
    assert paid == {"paid_at": paid_on.isoformat(), "paid_by": "赵审核", "pay_method": "银行卡",
                    "pay_account": "6222020200112233445"}
    assert dialog.summary.text() == f"待发放 1 件，合计 {due[2]:.2f} 元。"
    listing = dialog.export(tmp_path / "发放名单.xlsx")
    assert listing["count"] == 1
    cells = [c for row in load_workbook(tmp_path / "发放名单.xlsx").active.iter_rows(values_only=True) for c in row]
    assert "吴九" in cells and "孙七" not in cells
