"""The window and office codes (issue 15): the first start asks for the code, a later start of a
folder without one asks for it (each office name of its history too), 设置 shows it, 案件查询
shows and filters by it, and 人员台账 lists the persons whose merged year differs from what was paid."""
from __future__ import annotations

import copy

import pytest

from days import frozen_today  # noqa: F401 (the fixture)
from engine.office import Office
from gui.cases_page import COLUMNS, CasesPage
from gui.first_run import FirstRunDialog, OfficeCodeDialog, needs_codes
from gui.ledger_page import LedgerPage
from gui.session import Session
from gui.settings_page import SettingsPage
from ids import valid_id

pytestmark = pytest.mark.usefixtures("frozen_today")

SUN = valid_id("1970-01-01", 7)
EDGE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": SUN, "name": "孙七", "identities": ["subsistence_edge"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


def on(date: str) -> dict:
    return {**copy.deepcopy(EDGE), "date": date}


@pytest.fixture
def session(tmp_path):
    with Office.open(tmp_path / "d", daily_backup=False) as office:
        yield Session(office)


def test_first_start_asks_for_the_code_and_refuses_a_wrong_one(session, qtbot):
    dialog = FirstRunDialog(session)
    qtbot.addWidget(dialog)
    dialog.office.setText("城关镇医保站")
    dialog.operator.setText("李四")
    dialog.code.setText("4201060")
    dialog.accept()
    assert "8 位数字" in dialog.error.text() and not session.office.configured()
    dialog.code.setText("42010601")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert session.office.office_code() == "42010601" and not needs_codes(session)


def test_a_folder_without_a_code_is_asked_at_its_next_start_and_settings_show_it(session, qtbot):
    session.set_settings({"office": "城关镇", "operator": "李四"})
    session.office.save(on("2023-03-01"), operator="李四", office="城关镇")
    session.office.save(on("2023-04-01"), operator="李四", office="旧站名")
    assert needs_codes(session)
    dialog = OfficeCodeDialog(session)
    qtbot.addWidget(dialog)
    assert set(dialog.edits) == {"城关镇", "旧站名"}
    dialog.edits["城关镇"].setText("42010601")
    dialog.edits["旧站名"].setText("42010602")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted and not needs_codes(session)
    settings = SettingsPage(session)
    qtbot.addWidget(settings)
    settings.refresh()
    assert settings.code_label.text() == "42010601"
    settings.office_edit.setText("城关街道")     # renamed: the code and its numbering stay
    assert settings.save()
    [saved] = session.office.save(on("2023-05-01"), operator="李四", office="城关街道").value
    assert saved.receipt_no == "2023-000002" and session.office.case(saved.case_id)["office_code"] == "42010601"


def test_the_cases_page_shows_the_code_and_filters_by_office(session, qtbot):
    session.set_settings({"office": "城关镇", "operator": "李四"})
    session.office.set_office("42010601", "城关镇")
    session.office.set_office("42010602", "新集镇")
    session.office.save(on("2023-03-01"), operator="李四", office="42010601")
    session.office.save(on("2023-04-01"), operator="李四", office="42010602")
    page = CasesPage(session)
    qtbot.addWidget(page)
    page.year_combo.setCurrentIndex(0)
    page.search()
    code = COLUMNS.index("经办点代码")
    assert [page.row_texts(r)[code] for r in range(page.table.rowCount())] == ["42010601", "42010602"]
    page.office_edit.setText("新集镇")
    page.search()
    assert [page.row_texts(r)[code] for r in range(page.table.rowCount())] == ["42010602"]


def test_the_ledger_page_lists_merged_differences(tmp_path, session, qtbot):
    towns = []
    for name, code, town in (("a", "42010601", "城关镇"), ("b", "42010701", "新集镇")):
        office = Office.open(tmp_path / name, daily_backup=False)
        office.set_office(code, town)
        towns.append(office)
    towns[0].save(on("2023-03-01"), operator="李四", office="42010601")
    towns[1].save(on("2023-04-01"), operator="王五", office="42010701")
    session.office.set_office("42010000", "区医保局")
    for i, office in enumerate(towns):
        office.export_bundle(tmp_path / f"{i}.zip", 2026)
        office.close()
        session.office.import_bundle(tmp_path / f"{i}.zip")
    page = LedgerPage(session)
    qtbot.addWidget(page)
    [row] = page.show_merged_differences(2023)
    assert row["difference"]["to_pay"] == "700.00"
    assert page.merged.item(0, 5).text() == "700.00" and "42010701 2023-000001 700.00" in page.merged.item(0, 6).text()


def test_the_wizard_saves_under_the_offices_own_code(session, qtbot, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    shown = []   # an error box records what it would show instead of waiting for a click
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()))

    from gui.wizard import SettleWizard

    session.set_settings({"office": "城关镇", "operator": "李四", "default_region": "wuhan"})
    session.office.set_office("42010601", "城关镇")
    session.office.set_office("42010701", "城关镇")   # another office of the same name (a district registers it)
    assert session.saving_office == "42010601"
    session.office.save(on("2023-03-01"), operator="李四", office="42010601")
    wizard = SettleWizard(session)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    qtbot.keyClicks(wizard.identity.id_number, SUN)
    assert wizard.identity.name.text() == "孙七"          # the person on file fills in
    qtbot.keyClick(wizard.focusWidget(), Qt.Key.Key_Return)
    wizard.visit_page.date.setFocus()
    wizard.visit_page.date.selectAll()
    qtbot.keyClicks(wizard.visit_page.date, "2023-04-01")
    wizard.visit_page.kind.setFocus()
    qtbot.keyClick(wizard.focusWidget(), Qt.Key.Key_Return)
    for key, value in EDGE["amounts"].items():
        wizard.amounts_page.inputs[key].setFocus()
        qtbot.keyClicks(wizard.amounts_page.inputs[key], value)
    qtbot.keyClick(wizard.focusWidget(), Qt.Key.Key_Return)
    assert wizard.current() == 3, [p.errors for p in wizard.pages[:3]]
    case_id = wizard.save()
    assert case_id is not None, shown
    stored = session.office.case(case_id)
    assert (stored["office_code"], stored["receipt_no"], stored["result"]["payouts"]["assistance"]) == (
        "42010601", "2023-000002", "700.00")
