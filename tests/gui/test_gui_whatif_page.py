"""The 模拟测算 page: pick a parameter, type a value, run through the office, see the report; 取消 stops it."""
from __future__ import annotations

import pytest

from engine.office import Office
from gui.session import Session
from gui.whatif_page import WhatIfPage
from ids import valid_id

SUN, ZHOU = valid_id("1970-01-01", 7), valid_id("1960-05-05", 3)
RATES = '{"一类": 1.00, "二类": 0.80, "三类": 0.80, "四类": 0.60}'


def inpatient(id_number: str, name: str, identity: str, date: str) -> dict:
    return {"region": "wuhan", "date": date, "person": {"id_number": id_number, "name": name, "identities": [identity]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


@pytest.fixture
def page(qtbot, tmp_path):
    office = Office.open(tmp_path / "d", daily_backup=False)
    for doc in (inpatient(SUN, "孙七", "subsistence_edge", "2023-03-01"), inpatient(ZHOU, "周八", "subsistence", "2023-03-05"),
                inpatient(SUN, "孙七", "subsistence_edge", "2023-04-01")):
        office.save(doc, operator="李四", office="城关镇")
    w = WhatIfPage(Session(office), None)
    qtbot.addWidget(w)
    w.resize(1072, 660)
    yield w
    office.close()


def test_a_changed_rate_shows_stored_beside_what_if(page, qtbot):
    assert page.year.value() == 2023
    page.table.removeRow(0)
    page.add_change("wuhan", "inpatient.rate", RATES)
    assert page.table.cellWidget(0, 1).currentData() == "inpatient.rate"
    page.run_button.click()
    text = page.result.toPlainText()
    # 孙七 (三类): the year's burden 4000.00 is 1000.00 above 3000.00: 70% → 700.00, 80% → 800.00;
    # 周八 (二类, 80%): 2000.00 × 80% = 1600.00 either way.
    assert "医疗救助：已支付 2300.00，模拟测算 2400.00，差额 +100.00" in text
    assert "结果变化的案件 1 件，涉及 1 人" in text
    assert page.progress.value() == page.progress.maximum() == 3
    assert page.export_button.isEnabled() and not page.cancel_button.isEnabled()


def test_cancel_stops_the_run(page, monkeypatch):
    page.table.removeRow(0)
    page.add_change("wuhan", "inpatient.rate", RATES)
    told = page._progress
    monkeypatch.setattr(page, "_progress", lambda done, total: (told(done, total), page.cancel_button.click()))
    page.run_button.click()
    assert page.result.toPlainText() == "已取消测算，未保存任何结果。"
    assert page.report is None and page.run_button.isEnabled() and not page.export_button.isEnabled()


def test_a_bad_value_is_shown_not_raised(page, monkeypatch):
    shown = []
    monkeypatch.setattr("gui.whatif_page.show_error", lambda parent, exc, title: shown.append((title, exc.zh)))
    page.table.removeRow(0)
    page.add_change("wuhan", "inpatient.rate", '{"一类": 1.00}')
    page.run_button.click()
    assert shown and shown[0][0] == "无法测算" and "缺少" in shown[0][1]
