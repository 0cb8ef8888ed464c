"""The window as a clerk meets it, driven by keys: where the focus starts, Tab through 案件查询,
the print and void keys there, a first print that is not 补打, the office copy setting; in the
wizard, dates, IDs and amounts checked beside their fields, the age as of the settlement date,
what is remembered of a person and finding them by pinyin; the ledger after a void."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from engine import clock
from engine.office import Office
from engine.store import open_store
from engine.store.cases import save_cases, show_case
from gui import printing
from gui.fonts import install_font
from gui.main_window import KEYS, MainWindow
from gui.session import Session
from gui.wizard import SettleWizard
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
        session = Session(Office(store))
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
    qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + (KEYS.index("cases") + 1) % 10), CTRL)
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
    assert [p["reprint"] for p in show_case(window.session.office.store, 1)["prints"]] == [False]
    assert page.reprint_button.text() == "补打回执(&B)"
    qtbot.keyClick(page.table, Qt.Key.Key_B, ALT)
    qtbot.waitUntil(lambda: printed == [False, True])
    assert [p["reprint"] for p in show_case(window.session.office.store, 1)["prints"]] == [False, True]


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
    assert show_case(window.session.office.store, 1)["void"] is True


def test_office_copy_setting_adds_the_stub_after_the_residents_copy(window, qtbot, tmp_path):
    session = window.session
    resident = printing.load_pdf(printing.receipt_pdf(session, 1, reprint=False))
    assert resident.pageCount() == 1
    qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + (KEYS.index("settings") + 1) % 10), CTRL)
    settings = window.pages["settings"]
    settings.office_copy_check.setChecked(True)
    assert settings.save() and session.office_copy
    both = printing.load_pdf(printing.receipt_pdf(session, 1, reprint=False))
    assert both.pageCount() >= 2
    first, stub = both.getAllText(0).text(), "".join(both.getAllText(i).text() for i in range(1, both.pageCount()))
    assert "存根" not in first and "待核实" not in first
    assert "存根" in stub


# ---------------------------------------------------------------- 新建结算: input and persons

TODAY = "2026-11-30"


@pytest.fixture
def wizard(tmp_path, qtbot, qapp):
    install_font(qapp)
    with clock.frozen(TODAY), open_store(tmp_path / "w", daily_backup=False) as store:
        session = Session(Office(store))
        session.set_settings({"office": "城关镇医保站", "operator": "李四", "default_region": "wuhan"})
        w = SettleWizard(session)
        qtbot.addWidget(w)
        w.resize(1200, 700)
        w.show()
        qtbot.waitExposed(w)
        yield w


def type_id(qtbot, wizard, text):
    edit = wizard.identity.id_number
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def to_visit(qtbot, wizard, id_number=ID, name="王秀英"):
    type_id(qtbot, wizard, id_number)
    wizard.identity.name.setText(name)
    qtbot.keyClick(wizard.identity.name, Qt.Key.Key_Return)
    assert wizard.current() == 1


def type_date(qtbot, wizard, text):
    edit = wizard.visit_page.date
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_a_day_the_month_does_not_have_is_refused_not_changed(wizard, qtbot):
    to_visit(qtbot, wizard)
    type_date(qtbot, wizard, "2023-02-30")
    assert wizard.current() == 1
    assert "2023年2月只有28天" in wizard.visit_page.error_text("date")
    assert wizard.visit_page.date.text() == "2023-02-30"
    qtbot.keyClick(wizard.visit_page.date, Qt.Key.Key_Backspace)   # editing takes the old reason away
    assert "只有28天" not in wizard.visit_page.error_text("date")


def test_a_settlement_date_after_today_is_refused(wizard, qtbot):
    to_visit(qtbot, wizard)
    type_date(qtbot, wizard, "2026-12-01")
    assert wizard.current() == 1 and "晚于今天（2026-11-30）" in wizard.visit_page.error_text("date")
    type_date(qtbot, wizard, "2026-11-30")
    assert wizard.current() == 2


def test_a_birth_date_in_the_future_is_refused_beside_the_id(wizard, qtbot):
    type_id(qtbot, wizard, valid_id("2027-01-05", 3))
    page = wizard.identity
    assert "晚于今天" in page.error_text("person.id_number") and "岁" not in page.person_info.text()
    page.name.setText("王秀英")
    qtbot.keyClick(page.name, Qt.Key.Key_Return)
    assert wizard.current() == 0


def test_an_id_pasted_with_spaces_is_cleaned_before_it_is_cut(wizard, qtbot):
    QApplication.clipboard().setText(" ".join(ID[i:i + 4] for i in range(0, 18, 4)))
    edit = wizard.identity.id_number
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_V, CTRL)
    assert edit.text() == ID
    assert "出生日期 1980-01-01" in wizard.identity.person_info.text()


def test_an_old_error_goes_when_the_id_is_edited(wizard, qtbot):
    wrong = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    type_id(qtbot, wizard, wrong)
    page = wizard.identity
    assert "校验位不正确" in page.error_text("person.id_number")
    qtbot.keyClick(page.id_number, Qt.Key.Key_Backspace)
    assert page.error_text("person.id_number") == "输入后自动核验校验位"   # the hint again


def test_a_bill_of_nothing_goes_no_further_than_the_amounts(wizard, qtbot):
    to_visit(qtbot, wizard)
    type_date(qtbot, wizard, "2023-03-01")
    amounts = wizard.amounts_page
    for key in ("total", "policy_scope"):
        amounts.inputs[key].setFocus()
        qtbot.keyClicks(amounts.inputs[key], "0")
    qtbot.keyClick(amounts.inputs["policy_scope"], Qt.Key.Key_Return)
    assert wizard.current() == 2 and "医疗总费用为 0" in amounts.error_text("amounts.total")


def test_age_is_as_of_the_settlement_date_and_the_sentence_comes_first(wizard, qtbot):
    child = valid_id("2010-06-01", 4)
    to_visit(qtbot, wizard, child, "王小明")
    type_date(qtbot, wizard, "2023-03-01")
    assert "结算日期时年龄 12 岁" in wizard.visit_page.error_text("date")
    for key, value in (("total", "5500"), ("policy_scope", "5000"), ("basic_paid", "3500"), ("critical_paid", "0")):
        wizard.amounts_page.inputs[key].setFocus()
        qtbot.keyClicks(wizard.amounts_page.inputs[key], value)
    qtbot.keyClick(wizard.amounts_page.inputs["critical_paid"], Qt.Key.Key_Return)
    assert wizard.current() == 3
    result = wizard.result_page
    assert "12 岁（结算日期时）" in result.banner.text() and "16 岁" not in result.banner.text()
    assert result.sentence.text() == ("医疗总费用 5500.00 元，其中基本医保报销 3500.00 元，您个人负担 2000.00 元；"
                                      "城关镇医保站本次没有需要支付给您的款项。")


def test_insurance_and_rural_are_filled_in_from_the_last_visit(wizard, qtbot):
    store = wizard.session.office.store
    save_cases(store, {**CASE, "person": {**CASE["person"], "insurance": "employee", "rural": True}},
               operator="李四", office="城关镇医保站")
    page = wizard.identity
    assert page.insurance.currentData() == "resident" and not page.rural.isChecked()
    type_id(qtbot, wizard, ID)
    assert page.insurance.currentData() == "employee" and page.rural.isChecked()
    assert "按上次登记：职工医保、农村居民" in page.person_info.text()


@pytest.mark.parametrize("query", ["wxy", "wangxiuying", "王秀"])
def test_a_resident_is_found_by_name_or_pinyin_and_picked_by_keys(wizard, qtbot, query):
    save_cases(wizard.session.office.store, CASE, operator="李四", office="城关镇医保站")
    page = wizard.identity
    page.id_number.setFocus()
    if query.isascii():
        qtbot.keyClicks(page.id_number, query)
    else:
        from PySide6.QtGui import QInputMethodEvent

        event = QInputMethodEvent()
        event.setCommitString(query)
        QApplication.sendEvent(page.id_number, event)
    assert page.matches.isVisible() and page.matches.count() == 1
    assert page.matches.item(0).text().startswith("王秀英　420102********")
    qtbot.keyClick(page.id_number, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is page.matches
    qtbot.keyClick(page.matches, Qt.Key.Key_Return)
    assert page.id_number.text() == ID and page.name.text() == "王秀英" and not page.matches.isVisible()
    assert wizard.current() == 0
    qtbot.keyClick(page.id_number, Qt.Key.Key_Return)
    assert wizard.current() == 1


def focus_chain(qtbot, start, stop, limit=40):
    """The widgets the Tab key visits from `start` until `stop`."""
    start.setFocus()
    seen = [start]
    for _ in range(limit):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
        if seen[-1] is stop:
            return seen
    raise AssertionError(f"Tab never reached the last field: {[w.objectName() for w in seen]}")


def top(widget) -> int:
    return widget.mapTo(widget.window(), widget.rect().topLeft()).y()


def test_tab_goes_down_the_identity_and_visit_pages(wizard, qtbot):
    page = wizard.identity
    chain = focus_chain(qtbot, page.id_number, page.rural)
    boxes = list(page.identity_checks.values())
    assert chain == [page.id_number, page.name, page.region, *boxes, page.insurance, page.rural]
    to_visit(qtbot, wizard)
    visit = wizard.visit_page
    chain = focus_chain(qtbot, visit.kind, visit.other)
    assert [top(w) for w in chain] == sorted(top(w) for w in chain)


# ---------------------------------------------------------------- 人员台账 after a void

def test_the_ledger_says_which_cases_were_computed_on_a_year_that_has_since_changed(window, qtbot):
    from PySide6.QtWidgets import QLabel

    from engine.store.cases import void_case

    # 武汉 低保边缘 (三类): 重特大 yearly cap 40000 (武政规〔2023〕1号 二、(四)): the first case uses all of it,
    # the second got 0.00; with the first void the replayed year gives the second 40000.00 — never paid.
    edge = valid_id("1970-01-01", 41)
    doc = {"region": "wuhan", "person": {"id_number": edge, "name": "李梅", "identities": ["subsistence_edge"]},
           "visit": {"kind": "inpatient", "hospital_level": 2},
           "amounts": {"total": "200000.00", "policy_scope": "200000.00", "basic_paid": "100000.00", "critical_paid": "0.00"}}
    store = window.session.office.store
    first = save_cases(store, {**doc, "date": "2023-03-01"}, operator="李四", office="城关镇医保站")[0]
    second = save_cases(store, {**doc, "date": "2023-06-01"}, operator="李四", office="城关镇医保站")[0]
    assert second.result["payouts"]["assistance"] == "0.00"
    void_case(store, first.case_id, "重复录入", operator="李四")
    window.show_ledger(edge, 2023)
    notes = window.pages["ledger"].findChildren(QLabel, "ledgerRecomputed")
    assert len(notes) == 1
    text = notes[0].text()
    assert f"案件 {second.case_id}（回执号 {second.receipt_no}）" in text
    assert "医疗救助 已发放 0.00，重算为 40000.00" in text and "不是已发放的金额" in text


# ---------------------------------------------------------------- smaller things

def test_the_case_lists_date_range_is_the_chosen_years(window, qtbot):
    page = cases_page(window, qtbot)
    assert page.year_combo.currentData() == 2023   # the newest case's year
    assert (page.date_from.date().toPython().isoformat(), page.date_to.date().toPython().isoformat()) == \
        ("2023-01-01", "2023-12-31")


def test_case_detail_never_shows_none(window, qtbot):
    from gui.cases_page import detail_html

    case = show_case(window.session.office.store, 1)
    case["result"]["hospital_borne"] = None   # a result stored before the field existed
    assert "None" not in detail_html(case)


def test_policy_parameters_show_no_internal_keys_and_yes_no_as_words(window, qtbot):
    from gui.policy_page import COL_KEY, COL_VALUE

    qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + (KEYS.index("policy") + 1) % 10), CTRL)
    page = window.pages["policy"]
    assert page.table.isColumnHidden(COL_KEY)
    values = {page.table.item(r, COL_VALUE).text() for r in range(page.table.rowCount())}
    assert "是" not in values and "否" not in values and "适用" in values
