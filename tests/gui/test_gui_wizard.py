"""新建结算 driven by the keyboard, one case per region: the amounts shown are the engine's,
the case is saved, its receipt printed; every step stops bad input with the reason beside it."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from engine.calculate import calculate
from engine.region_registry import REGIONS
from engine.store import open_store
from engine.store.cases import save_cases, show_case
from gui.fonts import install_font
from engine.office import Office
from gui.session import Session
from gui.wizard import SettleWizard
from ids import valid_id

REGION_ORDER = list(REGIONS)

# (region, date, identity, kind, level, diseases, amounts, expected 医疗救助) — the self-test's samples,
# each worked in tests/engine/cases/<region>.yaml
SAMPLES = [
    ("wuhan", "2023-03-01", "subsistence", "inpatient", 2, [],
     {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}, "1200.00"),
    ("dianjiang", "2023-06-01", "extreme_poverty", "outpatient_general", 2, [],
     {"total": "600.00", "policy_scope": "500.00", "basic_paid": "250.00", "critical_paid": "0.00"}, "250.00"),
    ("weihai", "2023-04-01", "subsistence", "inpatient", 2, [],
     {"total": "60000.00", "policy_scope": "50000.00", "basic_paid": "30000.00"}, "8995.00"),
    ("changchun", "2023-05-10", "subsistence", "inpatient", 2, ["尿毒症"],
     {"total": "52000.00", "policy_scope": "48000.00", "basic_paid": "30000.00", "critical_paid": "1200.00"},
     "16800.00"),
]


@pytest.fixture
def session(tmp_path, qapp):
    install_font(qapp)
    with open_store(tmp_path / "d", daily_backup=False) as store:
        s = Session(Office(store))
        s.set_settings({"office": "城关镇医保站", "operator": "李四", "default_region": "wuhan"})
        yield s


@pytest.fixture
def wizard(session, qtbot):
    w = SettleWizard(session)
    qtbot.addWidget(w)
    w.resize(1200, 700)
    w.show()
    qtbot.waitExposed(w)
    return w


def focused():
    return QApplication.focusWidget()


def enter(qtbot):
    qtbot.keyClick(focused(), Qt.Key.Key_Return)


def type_text(qtbot, widget, text):
    """ASCII through key clicks; Chinese as an input method commits it (toolchain.md)."""
    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:
        event = QInputMethodEvent()
        event.setCommitString(text)
        QApplication.sendEvent(widget, event)


def choose(qtbot, combo, data):
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    while combo.currentData() != data:
        before = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != before, f"{data} not in the list"


def toggle(qtbot, box):
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)


def set_date(qtbot, edit, iso):
    """Type the date as a clerk does after tabbing in: all of it selected, typed over."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, iso)


def fill_case(qtbot, w, region, date, identity, kind, level, diseases, amounts, id_number, name="张三"):
    page = w.identity
    assert focused() is page.id_number
    qtbot.keyClicks(page.id_number, id_number)
    qtbot.keyClick(page.id_number, Qt.Key.Key_Tab)
    assert focused() is page.name  # Tab goes on to the name
    type_text(qtbot, page.name, name)
    choose(qtbot, page.region, region)
    toggle(qtbot, page.identity_checks[identity])
    enter(qtbot)
    assert w.current() == 1
    visit = w.visit_page
    choose(qtbot, visit.kind, kind)
    choose(qtbot, visit.level, level)
    set_date(qtbot, visit.date, date)
    assert visit.settlement_date().isoformat() == date
    for disease in diseases:
        type_text(qtbot, visit.search, "ndz" if disease == "尿毒症" else disease)
        shown = [visit.disease_list.item(i) for i in range(visit.disease_list.count())
                 if not visit.disease_list.item(i).isHidden()]
        assert [i.data(Qt.ItemDataRole.UserRole) for i in shown] == [disease]  # found by pinyin initials
        visit.disease_list.setFocus()
        visit.disease_list.setCurrentItem(shown[0])
        qtbot.keyClick(visit.disease_list, Qt.Key.Key_Space)
        assert shown[0].checkState() == Qt.CheckState.Checked
    visit.kind.setFocus()
    enter(qtbot)
    assert w.current() == 2
    for key, value in amounts.items():
        edit = w.amounts_page.inputs[key]
        type_text(qtbot, edit, value)
    enter(qtbot)


@pytest.mark.parametrize("sample", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_one_case_per_region_by_keyboard(qtbot, wizard, session, sample, tmp_path, monkeypatch):
    region, date, identity, kind, level, diseases, amounts, assistance = sample
    id_number = valid_id("1970-05-05", REGION_ORDER.index(region) + 1)
    fill_case(qtbot, wizard, region, date, identity, kind, level, diseases, amounts, id_number)
    assert wizard.current() == 3, [p.errors for p in wizard.pages[:3]]
    doc = wizard.doc
    want = calculate(doc)
    assert wizard.result == want
    assert want["payouts"]["assistance"] == assistance
    html = wizard.result_page.breakdown.toPlainText()
    for value in (*want["payouts"].values(), want["out_of_pocket"]):
        assert value in html
    printed = []

    def fake_print(parent, session, case_id, *, reprint):
        from engine.receipt.make import from_stored, write

        path = tmp_path / f"{case_id}.pdf"
        write(from_stored(show_case(session.office.store, case_id)), path)
        printed.append(path)
        return True

    monkeypatch.setattr("gui.printing.print_receipt", fake_print, raising=False)
    qtbot.keyClick(focused(), Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # 保存并打印
    case_id = wizard.saved_case_id
    assert case_id is not None
    stored = show_case(session.office.store, case_id)
    assert stored["result"] == want and stored["receipt_no"] == "2023-000001"
    assert stored["operator"] == "李四" and stored["office"] == "城关镇医保站"
    assert printed and printed[0].read_bytes().startswith(b"%PDF")
    assert "回执号 2023-000001" in wizard.result_page.banner.text()
    assert not wizard.save_button.isEnabled()  # never saved twice


def test_a_second_case_uses_the_stored_year(qtbot, wizard, session):
    id_number = valid_id("1970-05-05", 9)
    first = {"region": "wuhan", "date": "2023-02-01", "person": {"id_number": id_number, "name": "张三",
             "identities": ["subsistence"]}, "visit": {"kind": "inpatient", "hospital_level": 2},
             "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}
    save_cases(session.office.store, first, operator="李四", office="城关镇医保站")
    page = wizard.identity
    qtbot.keyClicks(page.id_number, id_number)
    assert page.name.text() == "张三"  # the person on file fills in
    assert page.identity_checks["subsistence"].isChecked()  # recorded from the first case
    assert "已保存 1 件" in page.person_info.text() and "已用 1200.00" in page.person_info.text()
    enter(qtbot)
    set_date(qtbot, wizard.visit_page.date, "2023-06-01")
    wizard.visit_page.kind.setFocus()
    enter(qtbot)
    for key, value in first["amounts"].items():
        type_text(qtbot, wizard.amounts_page.inputs[key], value)
    enter(qtbot)
    assert wizard.current() == 3
    assert wizard.result == calculate({"cases": [first, wizard.doc]})["results"][1]


def test_bad_input_blocks_each_step_with_the_reason(qtbot, wizard):
    page = wizard.identity
    good = valid_id("1980-01-01", 3)
    qtbot.keyClicks(page.id_number, good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert "校验位" in page.error_text("person.id_number")
    enter(qtbot)
    assert wizard.current() == 0
    page.id_number.clear()
    qtbot.keyClicks(page.id_number, good)
    assert "出生日期 1980-01-01" in page.person_info.text() and "性别" in page.person_info.text()
    page.id_number.setFocus()
    enter(qtbot)
    assert wizard.current() == 0 and page.error_text("person.name") == "请填写姓名"
    type_text(qtbot, page.name, "王五")
    page.name.setFocus()
    enter(qtbot)
    assert wizard.current() == 1
    set_date(qtbot, wizard.visit_page.date, "2021-06-01")  # before 武政规〔2023〕1号
    wizard.visit_page.kind.setFocus()
    enter(qtbot)
    assert wizard.current() == 1 and "施行期" in wizard.visit_page.error_text("date")
    set_date(qtbot, wizard.visit_page.date, "2023-06-01")
    wizard.visit_page.in_province.setChecked(False)
    wizard.visit_page.kind.setFocus()
    enter(qtbot)
    assert wizard.current() == 1 and "省内" in wizard.visit_page.error_text("visit.referral")
    wizard.visit_page.in_province.setChecked(True)
    wizard.visit_page.kind.setFocus()
    enter(qtbot)
    assert wizard.current() == 2
    amounts = wizard.amounts_page
    type_text(qtbot, amounts.inputs["total"], "abc")
    assert "不是金额" in amounts.error_text("amounts.total")
    amounts.inputs["total"].clear()
    type_text(qtbot, amounts.inputs["total"], "1.2万")
    assert "壹万贰仟元整" in amounts.error_text("amounts.total")
    type_text(qtbot, amounts.inputs["policy_scope"], "13,000")
    enter(qtbot)
    assert wizard.current() == 2
    assert "政策范围内" in amounts.error_text("amounts.policy_scope")  # the engine's check, beside the field
    amounts.inputs["policy_scope"].clear()
    type_text(qtbot, amounts.inputs["policy_scope"], "10000")
    type_text(qtbot, amounts.inputs["basic_paid"], "-5")
    enter(qtbot)
    assert wizard.current() == 2 and "负数" in amounts.error_text("amounts.basic_paid")
    amounts.inputs["basic_paid"].clear()
    type_text(qtbot, amounts.inputs["basic_paid"], "6000")
    enter(qtbot)
    assert wizard.current() == 3


def test_clicking_a_clause_shows_the_documents_sentence(qtbot, wizard):
    id_number = valid_id("2010-01-01", 4, "220102")
    fill_case(qtbot, wizard, *SAMPLES[3][:7], id_number)
    page = wizard.result_page
    index = next(i for i, s in enumerate(page.sources) if "第十一条" in s)
    page.show_clause(index)
    assert "尿毒症" in page.clause.toPlainText() and "原文" in page.clause.toPlainText()


def test_a_slip_entered_late_is_told_before_saving(qtbot, wizard, session):
    """武汉 三类: stored 2023-02-10 (S 1000) and 2023-06-20 (S 1000 → year 2000 ≤ 3000: 医疗救助 0.00); an April slip
    with S 1500 entered late puts June at 2500 + 1000 = 3500: 500 × 70% = 350.00 more for June (补差, 补付)."""
    id_number = valid_id("1970-05-05", 9)

    def case(date, total, scope, basic):
        return {"region": "wuhan", "date": date, "person": {"id_number": id_number, "name": "张三",
                "identities": ["subsistence_edge"]}, "visit": {"kind": "inpatient", "hospital_level": 2},
                "amounts": {"total": total, "policy_scope": scope, "basic_paid": basic, "critical_paid": "0.00"}}
    save_cases(session.office.store, {"cases": [case("2023-02-10", "3000.00", "2800.00", "1800.00"),
                                                case("2023-06-20", "2600.00", "2400.00", "1400.00")]},
               operator="李四", office="城关镇医保站")
    page = wizard.identity
    qtbot.keyClicks(page.id_number, id_number)
    enter(qtbot)
    set_date(qtbot, wizard.visit_page.date, "2023-04-15")
    wizard.visit_page.kind.setFocus()
    enter(qtbot)
    for key, value in {"total": "3700.00", "policy_scope": "3500.00", "basic_paid": "2000.00",
                       "critical_paid": "0.00"}.items():
        type_text(qtbot, wizard.amounts_page.inputs[key], value)
    enter(qtbot)
    assert wizard.current() == 3
    banner = wizard.result_page.banner.text()
    assert "保存后以下 1 件将需补差" in banner and "回执号 2023-000002（2023-06-20）差额 350.00" in banner
    assert [c["case_id"] for c in wizard.late] == [2]
