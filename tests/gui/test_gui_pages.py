"""案件查询, 人员台账 and 预警名单 show the store's own numbers, and act on it."""
from __future__ import annotations

import copy
import sys
import types

import pytest
from ids import valid_id
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

from engine.errors import InputError
from engine.store import open_store
from engine.store.cases import save_cases, show_case
from engine.store.queries import early_warning_list, year_ledger
from gui import cases_page, ledger_page, warnings_page
from gui.cases_page import CasesPage, VoidDialog
from gui.fonts import install_font
from gui.ledger_page import LedgerPage
from engine.office import Office
from gui.session import Session
from gui.warnings_page import COLUMNS as WARNING_COLUMNS
from gui.warnings_page import WarningsPage

ZHANG = valid_id()                      # 张三: two inpatient cases in 2023
WANG = valid_id(seq=2)                  # 王五: an early warning
ZHAO = valid_id(seq=3, area="500231")   # 张小红 in 垫江, 2023 and 2024
CASE = {"region": "wuhan", "date": "2023-03-01",
        "person": {"id_number": ZHANG, "name": "张三", "identities": ["subsistence"]},
        "visit": {"kind": "inpatient", "hospital_level": 2},
        "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
ASSIST_CAP = "assist.cap"
# 因病返贫预警: 低保边缘, a large inpatient case whose 大病保险 is computed
WARNED = {"region": "wuhan", "date": "2023-06-01",
          "person": {"id_number": WANG, "name": "王五", "identities": ["subsistence_edge"]},
          "visit": {"kind": "inpatient", "hospital_level": 2},
          "amounts": {"total": "400000.00", "policy_scope": "300000.00", "basic_paid": "100000.00"}}


def case(**changes) -> dict:
    doc = copy.deepcopy(CASE)
    for key, value in changes.items():
        if key in ("id_number", "name", "identities"):
            doc["person"][key] = value
        elif key in ("total", "policy_scope", "basic_paid", "critical_paid"):
            doc["amounts"][key] = value
        else:
            doc[key] = value
    return doc


@pytest.fixture(autouse=True)
def font(qapp):
    install_font(qapp)


@pytest.fixture
def shown(monkeypatch):
    """Dialogs the pages would show, recorded instead of shown (they would block the test)."""
    seen: dict[str, list] = {"errors": [], "messages": []}
    for module in (cases_page, ledger_page, warnings_page):
        monkeypatch.setattr(module, "show_error", lambda parent, exc, *a, **k: seen["errors"].append(exc))
    for module in (cases_page, warnings_page):
        monkeypatch.setattr(module, "inform", lambda parent, title, text: seen["messages"].append((title, text)))
    return seen


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path, daily_backup=False)
    save = lambda doc: save_cases(s, doc, operator="李四", office="城关镇")[0]  # noqa: E731
    s.saved = {
        "zhang1": save(case()),
        "zhang2": save(case(date="2023-05-01")),
        "wang": save(WARNED),
        "zhao2023": save(case(id_number=ZHAO, name="张小红", region="dianjiang", date="2023-02-01")),
        "zhao2024": save(case(id_number=ZHAO, name="张小红", region="dianjiang", date="2024-02-01")),
    }
    yield s
    s.close()


@pytest.fixture
def session(store, qapp):
    s = Session(Office(store))
    s.set_settings({"operator": "王芳", "office": "城关镇"})
    return s


class FakeMain(QWidget):
    def __init__(self):
        super().__init__()
        self.ledger_calls = []

    def show_ledger(self, id_number, year=None):
        self.ledger_calls.append((id_number, year))


@pytest.fixture
def main(qtbot):
    w = FakeMain()
    qtbot.addWidget(w)
    return w


def make(cls, session, main, qtbot):
    page = cls(session, main)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.refresh()
    return page


def all_cases(page: CasesPage) -> CasesPage:
    """The cases page opens on the newest case's year (2024 here): list every year."""
    assert page.year_combo.currentData() == 2024
    page.year_combo.setCurrentIndex(0)
    assert page.search()
    return page


def column(page_table, col: int) -> list[str]:
    return [page_table.item(r, col).text() for r in range(page_table.rowCount())]


# ---------------------------------------------------------------- 案件查询

def test_search_by_name_with_enter_fills_receipts_and_amounts(session, main, qtbot, shown):
    page = make(CasesPage, session, main, qtbot)
    page.year_combo.setCurrentIndex(0)  # 全部
    assert page.year_combo.currentText() == "全部"
    page.name_edit.setText("张")
    qtbot.keyClick(page.name_edit, Qt.Key.Key_Return)
    saved = session.office.store.saved
    assert column(page.table, 1) == [saved[k].receipt_no for k in ("zhao2023", "zhang1", "zhang2", "zhao2024")]
    first = page.row_texts(1)  # 张三's first case
    assert first == ["1", saved["zhang1"].receipt_no, "张三", "420102********001X", "武汉市", "2023-03-01", "住院",
                     "5500.00", "3500.00", "0.00", "1200.00", "0.00", "800.00", "—", "正常"]
    assert column(page.table, 2) == ["张小红", "张三", "张三", "张小红"]
    assert ZHANG not in "".join(column(page.table, 3))  # masked
    assert page.count_label.text() == "共 4 件"

    # Enter in the region combo searches too: only 垫江
    page.region_combo.setCurrentIndex(page.region_combo.findData("dianjiang"))
    qtbot.keyClick(page.region_combo, Qt.Key.Key_Return)
    assert column(page.table, 2) == ["张小红", "张小红"]
    assert column(page.table, 4) == ["重庆市垫江县", "重庆市垫江县"]
    assert shown["errors"] == []


def test_search_by_id_number_and_year(session, main, qtbot, shown):
    page = make(CasesPage, session, main, qtbot)
    qtbot.keyClicks(page.id_edit, WANG)
    page.year_combo.setCurrentIndex(page.year_combo.findData(2023))
    qtbot.keyClick(page.id_edit, Qt.Key.Key_Return)
    assert page.table.rowCount() == 1
    row = page.row_texts(0)
    wang = session.office.store.saved["wang"]
    p = wang.result["payouts"]
    assert row[1] == wang.receipt_no and row[2] == "王五"
    assert row[7:13] == ["400000.00", p["basic"], p["critical"], p["assistance"], p["tilt"],
                         wang.result["out_of_pocket"]]
    assert row[7:13] == ["400000.00", "100000.00", "125300.00", "40000.00", "0.00", "134700.00"]

    # a bad ID number is refused in Chinese and the list stays as it was
    page.id_edit.setText("12345")
    assert page.search() is False
    assert isinstance(shown["errors"][-1], InputError) and "身份证" in shown["errors"][-1].zh
    assert page.table.rowCount() == 1


def test_selecting_a_row_shows_the_case_detail(session, main, qtbot, shown):
    page = all_cases(make(CasesPage, session, main, qtbot))
    zhang1 = session.office.store.saved["zhang1"]
    assert page.select_case(zhang1.case_id)
    text = page.detail.toPlainText()
    for step in zhang1.result["steps"]:
        assert step["text"] in text and step["source"] in text
    assert "保存案件，回执号 " + zhang1.receipt_no in text
    assert "回执尚未打印" in text
    assert ZHANG not in text  # masked in the detail too
    assert page.void_button.isEnabled() and page.reprint_button.isEnabled()
    page.ledger_button.click()
    assert main.ledger_calls == [(ZHANG, 2023)]


def test_void_from_the_cases_page(session, main, qtbot, shown):
    page = all_cases(make(CasesPage, session, main, qtbot))
    ledger = make(LedgerPage, session, main, qtbot)
    zhang1 = session.office.store.saved["zhang1"]
    ledger.show_person(ZHANG, 2023)

    def cap_used():
        return {c["key"]: c for c in ledger.cap_rows()}[ASSIST_CAP]

    engine_cap = {c["key"]: c for c in year_ledger(session.office.store, ZHANG, 2023)["regions"][0]["caps"]}[ASSIST_CAP]
    shown_cap = cap_used()
    assert (shown_cap["limit"], shown_cap["used"], shown_cap["left"]) == \
        (engine_cap["limit"], engine_cap["used"], engine_cap["left"]) == ("26000.00", "2400.00", "23600.00")
    assert shown_cap["bar"] == "已用 2400.00 / 26000.00"

    page.select_case(zhang1.case_id)
    changed = []
    session.changed.connect(lambda changes: changed.append(changes.cases))

    # An empty reason is refused, nothing changes
    assert page.void_selected("  ") is None
    assert "作废必须填写原因" in shown["errors"][-1].zh
    assert show_case(session.office.store, zhang1.case_id)["void"] is False and changed == []

    answer = page.void_selected("结算单录入错误")
    assert answer["case_id"] == zhang1.case_id and answer["later_changed"] == []
    assert changed == [True]
    stored = show_case(session.office.store, zhang1.case_id)
    assert stored["void"] is True and stored["void_reason"] == "结算单录入错误" and stored["voided_by"] == "王芳"
    # the row stays in the list, marked 作废, and the detail says so
    row = [r for r in range(page.table.rowCount()) if page.row_texts(r)[1] == zhang1.receipt_no][0]
    assert page.row_texts(row)[-1] == "作废"
    assert page.selected_case_id() == zhang1.case_id
    assert "已作废" in page.detail.toPlainText() and "结算单录入错误" in page.detail.toPlainText()
    assert not page.void_button.isEnabled()
    # the ledger page refreshed itself: the voided case's 1200.00 left the ledger
    assert cap_used()["used"] == "1200.00" and cap_used()["left"] == "24800.00"
    assert cap_used()["bar"] == "已用 1200.00 / 26000.00"
    assert shown["messages"] == []


def test_void_dialog_refuses_an_empty_reason(qtbot):
    dialog = VoidDialog("将作废案件 1")
    qtbot.addWidget(dialog)
    dialog.ok_button.click()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_label.text() == "请填写作废原因（不能为空）"
    dialog.reason_edit.setText("重复录入")
    assert dialog.error_label.text() == ""
    dialog.ok_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.reason() == "重复录入"


def test_void_button_asks_the_reason_and_reports_later_cases(session, main, qtbot, shown, monkeypatch):
    # 三类 (低保边缘): 3000.00 deductible over the year; the second case pays 700.00 only because of the first
    sun = valid_id(seq=7)
    doc = case(id_number=sun, name="孙七", identities=["subsistence_edge"], total="6000.00", policy_scope="5500.00")
    first = save_cases(session.office.store, doc, operator="李四", office="城关镇")[0]
    second = save_cases(session.office.store, doc | {"date": "2023-04-01"}, operator="李四", office="城关镇")[0]
    assert second.result["payouts"]["assistance"] == "700.00"
    page = all_cases(make(CasesPage, session, main, qtbot))
    page.id_edit.setText(sun)
    assert page.search() and page.table.rowCount() == 2
    assert page.select_case(first.case_id)

    def answer(dialog):
        dialog.reason_edit.setText("身份录入错误")
        dialog.ok_button.click()
        return dialog.result()

    monkeypatch.setattr(VoidDialog, "exec", answer)
    page.void_button.click()
    assert show_case(session.office.store, first.case_id)["void_reason"] == "身份录入错误"
    assert len(shown["messages"]) == 1
    title, text = shown["messages"][0]
    assert f"案件 {second.case_id}：医疗救助 700.00 → 0.00" in text
    assert page.void_check.isChecked() and page.row_texts(0)[-1] == "作废" and page.row_texts(1)[-1] == "正常"


def test_print_button_leaves_the_reprint_decision_to_the_recorded_prints(session, main, qtbot, shown, monkeypatch):
    calls = []
    fake = types.ModuleType("gui.printing")

    def print_receipt(parent, sess, case_id, *, reprint):
        calls.append((parent, sess, case_id, reprint))
        return True

    fake.print_receipt = print_receipt
    monkeypatch.setitem(sys.modules, "gui.printing", fake)
    page = all_cases(make(CasesPage, session, main, qtbot))
    wang = session.office.store.saved["wang"]
    page.select_case(wang.case_id)
    page.reprint_button.click()
    assert calls == [(page, session, wang.case_id, False)]
    assert page.reprint_selected() is True and len(calls) == 2


# ---------------------------------------------------------------- 人员台账

def test_ledger_shows_person_cases_and_caps(session, main, qtbot, shown):
    page = make(LedgerPage, session, main, qtbot)
    page.query_edit.setText(ZHANG)
    qtbot.keyClick(page.query_edit, Qt.Key.Key_Return)
    person = page.person_label.text()
    assert "张三" in person and "420102********001X" in person and "男" in person and "1980-01-01" in person
    assert "低保对象" in person and ZHANG not in person
    assert [page.year_combo.itemData(i) for i in range(page.year_combo.count())] == [2023]
    assert column(page.cases, 1) == [session.office.store.saved["zhang1"].receipt_no, session.office.store.saved["zhang2"].receipt_no]
    engine = year_ledger(session.office.store, ZHANG, 2023)["regions"][0]
    rows = page.cap_rows()
    assert [(r["key"], r["limit"], r["used"], r["left"]) for r in rows] == \
        [(c["key"], c["limit"], c["used"], c["left"]) for c in engine["caps"]]
    assert {r["key"]: r["used"] for r in rows}[ASSIST_CAP] == "2400.00"
    acc = page.accumulated_tables[0]
    shown_acc = {acc.item(r, c).data(Qt.ItemDataRole.UserRole): acc.item(r, c + 1).text()
                 for r in range(acc.rowCount()) for c in (0, 2) if acc.item(r, c)}
    assert shown_acc == {a["key"]: a["amount"] for a in engine["accumulated"]}
    assert shown_acc["assist.paid"] == "2400.00"
    assert shown["errors"] == []


def test_ledger_by_name_picks_among_matches_and_years(session, main, qtbot, shown):
    page = make(LedgerPage, session, main, qtbot)
    page.query_edit.setText("张")
    page.find()
    assert not page.candidates.isHidden() and page.candidates.rowCount() == 2
    assert sorted(column(page.candidates, 0)) == ["张三", "张小红"]
    row = column(page.candidates, 0).index("张小红")
    page.candidates.cellClicked.emit(row, 0)
    assert page.person["id_number"] == ZHAO
    # newest year first, and the newest shown
    assert [page.year_combo.itemData(i) for i in range(page.year_combo.count())] == [2024, 2023]
    assert column(page.cases, 5) == ["2024-02-01"]
    page.year_combo.setCurrentIndex(1)
    assert column(page.cases, 5) == ["2023-02-01"]
    assert page.ledger["regions"][0]["region"] == "dianjiang"


def test_ledger_says_plainly_when_the_year_has_no_case(session, main, qtbot, shown):
    page = make(LedgerPage, session, main, qtbot)
    assert page.show_person(ZHANG, 2021)
    assert page.cases.rowCount() == 0
    assert page.cases_label.text() == "张三 在 2021 年度没有案件。"
    note = page.ledger_area.widget().findChild(type(page.cases_label), "ledgerEmpty")
    assert note is not None and "没有保存过案件" in note.text()
    assert page.cap_rows() == []
    # the main window's call with an unknown number says so
    assert page.show_person(valid_id(seq=99)) is False
    assert "没有身份证号为" in shown["errors"][-1].zh


# ---------------------------------------------------------------- 预警名单

def test_warnings_list_and_export(session, main, qtbot, shown, tmp_path):
    page = make(WarningsPage, session, main, qtbot)
    assert page.year_combo.currentData() == 2024  # the newest case's year
    assert page.table.rowCount() == 0
    page.year_combo.setCurrentIndex(page.year_combo.findData(2023))
    engine = early_warning_list(session.office.store, 2023)
    assert len(engine) == 1
    texts = [[page.table.item(r, c).text() for c in range(page.table.columnCount())]
             for r in range(page.table.rowCount())]
    wang = session.office.store.saved["wang"]
    assert texts == [["因病返贫预警", "王五", "420102********0028", "武汉市", "134700.00", "2023-06-01", str(wang.case_id)]]

    out = page.export_to(tmp_path / "预警名单.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(out).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == list(WARNING_COLUMNS)
    assert len(rows) == 2
    exported = rows[1]
    assert exported[:4] == ["因病返贫预警", "王五", "420102********0028", "武汉市"]
    assert f"{exported[4]:.2f}" == "134700.00" and exported[5:] == ["2023-06-01", wang.case_id]

    # another region: nobody
    page.region_combo.setCurrentIndex(page.region_combo.findData("weihai"))
    assert page.table.rowCount() == 0 and "没有预警人员" in page.count_label.text()
    assert not page.export_button.isEnabled()

    # 查看台账 opens the warned person's ledger with the full number
    page.region_combo.setCurrentIndex(0)
    page.table.selectRow(0)
    page.ledger_button.click()
    assert main.ledger_calls == [(WANG, 2023)]
    assert shown["errors"] == []


def test_warning_leaves_the_list_when_its_case_is_voided(session, main, qtbot, shown):
    page = make(WarningsPage, session, main, qtbot)
    page.year_combo.setCurrentIndex(page.year_combo.findData(2023))
    cases = all_cases(make(CasesPage, session, main, qtbot))
    assert page.table.rowCount() == 1
    cases.select_case(session.office.store.saved["wang"].case_id)
    cases.void_selected("金额录入错误")
    assert page.table.rowCount() == 0


def test_choosing_a_year_searches_at_once(session, main, qtbot, shown):
    page = make(CasesPage, session, main, qtbot)
    assert column(page.table, 5) == ["2024-02-01"]  # the newest case's year
    page.year_combo.setCurrentIndex(page.year_combo.findData(2023))
    page.year_combo.activated.emit(page.year_combo.currentIndex())
    assert column(page.table, 5) == ["2023-02-01", "2023-03-01", "2023-05-01", "2023-06-01"]
