"""The window's side of issue 16: the 费用 page's 医院已付医疗救助 field, the wizard's 从结算单导入, and the
结算清单导入 page (progress, cancel) — all through the office. Amounts as worked in
tests/store/test_settlement_import.py (垫江, no tilt: to_pay = max(0, 医疗救助 − maf_pay))."""
from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QDialog

from engine.office import Office
from gui.fonts import install_font
from gui.session import Session
from gui.settlements_page import SettlementsPage
from gui.wizard import SettleWizard
from gui.wizard import slip_import
from ids import valid_id
from settlement_files import slip, write_list, write_persons

A, D = valid_id("1978-03-01", 11, "500231"), valid_id("1970-07-07", 14, "500231")
ROWS = [
    slip("S0001", A, "甲一", "14", "2023-02-20", "10000.00", "9500.00", "1500.00", "0.00", "5000.00", disease="白血病"),
    slip("S0003", A, "甲一", "11", "2023-10-20", "300.00", "250.00", "50.00", "0.00", "20.00", level="一级"),
    slip("S0007", D, "丁四", "21", "2023-04-02", "12000.00", "10000.00", "6000.00", "0.00", "0.00", level="二级"),
    dict(slip("S0008", D, "丁四", "99", "2023-04-03", "100.00", "100.00", "0.00", "0.00", "0.00")),
]


@pytest.fixture
def session(tmp_path, qapp):
    install_font(qapp)
    office = Office.open(tmp_path / "d", daily_backup=False)
    s = Session(office)
    s.set_settings({"office": "垫江县医保局", "operator": "李四", "default_region": "dianjiang"})
    office.import_persons(write_persons(tmp_path / "p.csv", [("甲一", A, "低保对象", "2022-01-01")]), operator="李四")
    yield s
    office.close()


@pytest.fixture
def wizard(session, qtbot):
    w = SettleWizard(session)
    qtbot.addWidget(w)
    w.resize(1200, 700)
    return w


def test_the_paid_field_is_hidden_until_asked_for(wizard):
    page = wizard.amounts_page
    assert page.inputs["assistance_paid"].isHidden()
    page.inputs["total"].setText("300")
    page.inputs["policy_scope"].setText("250")
    page.inputs["assistance_paid"].setText("20")
    assert "assistance_paid" not in page.amounts()      # not asked for: not sent
    page.paid_here.setChecked(True)
    assert not page.inputs["assistance_paid"].isHidden()
    assert page.amounts()["assistance_paid"] == "20.00"


def test_wizard_fills_from_a_slip_and_saves_what_is_still_due(wizard, session, tmp_path, monkeypatch):
    path = write_list(tmp_path / "list.xlsx", ROWS, encoding="xlsx")

    def pick(dialog):
        dialog.search.setText("甲一")
        hidden = [dialog.list.item(i).isHidden() for i in range(dialog.list.count())]
        assert hidden == [False, False, True, True]
        dialog.list.setCurrentRow(1)              # S0003, 普通门诊
        return QDialog.DialogCode.Accepted
    monkeypatch.setattr(slip_import.SlipPicker, "exec", pick)
    assert wizard.from_slip(path)
    assert wizard.identity.id_number.text() == A and wizard.identity.name.text() == "甲一"
    assert wizard.visit_page.kind.currentData() == "outpatient_general"
    assert wizard.visit_page.settlement_date().isoformat() == "2023-10-20"
    assert wizard.amounts_page.inputs["total"].text() == "300.00"
    assert wizard.amounts_page.paid_here.isChecked() and wizard.amounts_page.inputs["assistance_paid"].text() == "20.00"
    assert "结算ID S0003" in wizard.slip_note.text() and "待核对" in wizard.slip_note.text()
    assert wizard.current() == 0          # the clerk goes through every page
    wizard.identity.identity_checks["subsistence"].setChecked(True)
    assert wizard.next() and wizard.next() and wizard.next()
    # 第二类 普通门诊: (250 − 50) × 60% = 120.00; the hospital paid 20.00 → 100.00
    assert wizard.result["payouts"]["assistance"] == "120.00" and wizard.result["to_pay"] == "100.00"
    case_id = wizard.save()
    row = session.office.store.query("SELECT to_pay, input FROM cases WHERE id = ?", (case_id,))[0]
    assert row["to_pay"] == "100.00" and json.loads(row["input"])["amounts"]["assistance_paid"] == "20.00"


def test_the_picker_lists_unusable_rows_with_their_reason(session, tmp_path, qtbot):
    rows = session.office.settlement_rows(write_list(tmp_path / "l.csv", ROWS))
    dialog = slip_import.SlipPicker(rows)
    qtbot.addWidget(dialog)
    texts = [dialog.list.item(i).text() for i in range(dialog.list.count())]
    assert "不能使用：未知医疗类别" in texts[3]
    dialog.list.setCurrentRow(3)
    assert dialog.picked() is None


@pytest.fixture
def page(session, qtbot):
    w = SettlementsPage(session, None)
    qtbot.addWidget(w)
    return w


def test_batch_page_imports_with_progress(page, session, tmp_path):
    page.path.setText(str(write_list(tmp_path / "list.csv", ROWS)))
    assert page.run(dry_run=True)
    assert session.office.store.query("SELECT count(*) AS n FROM cases")[0]["n"] == 0
    assert "可保存 2 件" in page.summary.text() and "试算" in page.summary.text()
    assert page.run(dry_run=False)
    # 14 白血病 (26 病种, 第二类 75%): (9500 − 1500) × 75% = 6000.00 − 5000.00 = 1000.00; 普通门诊 100.00
    assert "已保存 2 件，跳过 1 行，拒绝 1 行；本次应付合计 1100.00 元" in page.summary.text()
    assert page.progress.value() == page.progress.maximum() == 2
    details = page.details.toPlainText()
    assert "跳过 第 4 行（结算ID S0007，丁四）" in details and "拒绝 第 5 行（结算ID S0008）：未知医疗类别" in details
    assert not page.cancel_button.isEnabled() and page.run_button.isEnabled()


def test_batch_page_cancel_keeps_the_saved_chunk(page, session, tmp_path, monkeypatch):
    from engine.settlements import importer

    monkeypatch.setattr(importer, "CHUNK", 1)
    page.path.setText(str(write_list(tmp_path / "list.csv", ROWS)))
    told = page._progress
    monkeypatch.setattr(page, "_progress", lambda done, total: (told(done, total), done and page.cancel_button.click()))
    assert page.run(dry_run=False)
    assert "已取消" in page.summary.text()
    assert session.office.store.query("SELECT count(*) AS n FROM cases")[0]["n"] == 1
