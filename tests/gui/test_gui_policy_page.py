"""政策参数 page: every parameter with value, clause, dates and verified mark; a change is a new dated
version, refused next to the field when it would alter a saved case or does not fit."""
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt

from engine.policy import load_books, params_for
from engine.store import open_store
from engine import clock
from engine.store.cases import save_cases
from engine.store.policy_versions import list_versions
from gui.policy_page import (COL_CITATION, COL_DATES, COL_KEY, COL_LOCAL, COL_NAME, COL_VALUE, COL_VERIFIED, COLUMNS,
                             UNVERIFIED_BG, ChangeDialog, PolicyPage)
from engine.office import Office
from gui.session import Session
from ids import valid_id
from days import TODAY, day, frozen_today  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("frozen_today")   # today is days.TODAY, never the real date


@pytest.fixture
def page(qtbot, tmp_path):
    store = open_store(tmp_path / "d")
    session = Session(Office(store))
    session.office.store.set_setting("operator", "王五")
    w = PolicyPage(session, None)
    qtbot.addWidget(w)
    w.resize(1072, 660)
    w.set_region("changchun")
    yield w
    store.close()


def cells(page: PolicyPage, name: str) -> list[str]:
    for i in range(page.table.rowCount()):
        if page.table.item(i, COL_KEY).text() == name:
            return [page.table.item(i, c).text() for c in range(len(COLUMNS))]
    raise AssertionError(f"{name} not shown")


def row_index(page: PolicyPage, name: str) -> int:
    return next(i for i in range(page.table.rowCount()) if page.table.item(i, COL_KEY).text() == name)


def test_every_parameter_with_value_clause_dates_and_mark(page):
    assert [page.table.horizontalHeaderItem(c).text() for c in range(len(COLUMNS))] == list(COLUMNS)
    book = load_books()["changchun"]
    shown = {page.table.item(i, COL_KEY).text() for i in range(page.table.rowCount())}
    assert shown == set(book.parameters)
    ded = cells(page, "inpatient.deductible")
    assert ded[COL_NAME] == "住院救助年度起付标准"
    assert ded[COL_VALUE] == "一类：0；二类：1000；三类：3000；四类：6000"
    assert ded[COL_CITATION] == "长春市实施办法（征求意见稿） 第十一条"
    assert ded[COL_DATES] == "2023-01-01 起" and ded[COL_VERIFIED] == "已核实" and ded[COL_LOCAL] == ""
    income = cells(page, "warning.income")
    assert income[COL_VALUE] == str(params_for("changchun", TODAY).values["warning.income"])
    assert income[COL_DATES] == "2023-01-01、…、2026-01-01"
    tip = page.table.item(row_index(page, "warning.income"), COL_DATES).toolTip()
    assert [line[:10] for line in tip.splitlines()] == ["2023-01-01", "2024-01-01", "2025-01-01", "2026-01-01"]
    assert income[COL_VERIFIED] == "待核实"
    item = page.table.item(row_index(page, "warning.income"), COL_VERIFIED)
    assert item.background().color() == UNVERIFIED_BG
    rate = cells(page, "basic.inpatient.rate")
    assert rate[COL_VALUE] == "城乡居民医保：1级 85%、2级 75%、3级 60%；职工医保：1级 90%、2级 88%、3级 86%"
    page.set_region("weihai")
    assert page.table.rowCount() == len(load_books()["weihai"].parameters)


def test_search_and_the_selected_parameters_quote(page):
    page.search_edit.setText("起付")
    names = [page.table.item(i, COL_KEY).text() for i in range(page.table.rowCount())]
    assert names and all("起付" in load_books()["changchun"].parameters[n].description for n in names)
    assert "inpatient.deductible" in names and "warning.income" not in names
    page.search_edit.setText("CAP")
    names = [page.table.item(i, COL_KEY).text() for i in range(page.table.rowCount())]
    assert "basic.cap" in names and "tilt.cap" in names
    page.search_edit.clear()
    page.unverified_only.setChecked(True)
    assert all(page.table.item(i, COL_VERIFIED).text() == "待核实" for i in range(page.table.rowCount()))
    page.unverified_only.setChecked(False)
    assert page.select("cap")
    text = page.detail.toPlainText()
    assert "一类、二类人员年度救助最高限额为3万元" in text          # the document's quote
    assert "历次取值" in text and "2023-01-01" in text and "第十三条" in text


def test_change_value_adds_a_dated_version_and_tells_every_page(page, qtbot):
    assert not page.change_button.isEnabled()
    page.select("warning.income")
    assert page.change_button.isEnabled()
    with qtbot.waitSignal(page.session.changed, timeout=1000, check_params_cb=lambda c: c.policy):
        done = page.change_value("warning.income", "42000", QDate(day(3).year, day(3).month, day(3).day), "2026年统计公报")
    assert done["value"] == Decimal(42000) and done["operator"] == "王五"
    assert [(v["name"], v["valid_from"]) for v in list_versions(page.session.office.store)] == [("warning.income", day(3).isoformat())]
    row = cells(page, "warning.income")
    assert row[COL_LOCAL] == f"待生效 {day(3)} 起"
    assert row[COL_DATES] == f"2023-01-01、…、{day(3)}"
    tip = page.table.item(row_index(page, "warning.income"), COL_DATES).toolTip()
    assert tip.splitlines()[-1] == f"{day(3)} 起：42000（本地调整）"
    assert "已保存" in page.message.text()
    assert page.selected_name() == "warning.income"
    text = page.detail.toPlainText()
    assert "本地调整（2026年统计公报，王五" in text and "42000" in text
    book = page.session.office.book
    assert book.params_for("changchun", day(3)).values["warning.income"] == Decimal(42000)
    assert book.params_for("changchun", day(2)).values["warning.income"] != Decimal(42000)
    assert params_for("changchun", day(3)).values["warning.income"] != Decimal(42000)   # the files' book is untouched


def test_refusals_are_shown_and_change_nothing(page, qtbot):
    case = {"region": "changchun", "date": day(6).isoformat(),
            "person": {"id_number": valid_id("1960-01-01", 7, area="220102"), "name": "测试", "identities": ["subsistence"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "12000.00", "policy_scope": "10000.00", "critical_paid": "0.00", "basic_paid": "7000.00"}}
    with clock.frozen(day(6)):   # saved on its settlement day (a future settlement cannot be saved)
        save_cases(page.session.office.store, case, operator="李四", office="城关镇")
    emitted = []
    page.session.changed.connect(lambda changes: emitted.append(changes))
    tries = [
        (("warning.income", "42000", day(6), "统计公报"), f"最晚结算日期 {day(6)}"),
        (("warning.income", "四万", day(7), "统计公报"), "格式有误"),
        (("basic.cap", "150000", day(7), "统计公报"), "应按项目填写"),
        (("warning.income", "42000", day(7), " "), "调整原因"),
        (("warning.income", "42000", day(-1), "统计公报"), "早于今天"),
    ]
    for args, reason in tries:
        assert page.change_value(*args) is None
        assert reason in page.message.text(), (args, page.message.text())
        assert page.message.isVisibleTo(page)
    assert list_versions(page.session.office.store) == [] and emitted == []
    assert cells(page, "warning.income")[COL_LOCAL] == ""


def test_the_dialog_keeps_its_errors_and_accepts_a_good_change(page):
    page.select("critical.tilt.rate_points")
    row = page.row_of("critical.tilt.rate_points")
    dialog = ChangeDialog(page, row, day(0), None)
    assert dialog.value_edit.toPlainText() == "0.05"
    assert dialog.date_edit.date() == QDate(TODAY.year, TODAY.month, TODAY.day)
    dialog.value_edit.setPlainText("8%")
    dialog.accept()
    assert "调整原因" in dialog.error_label.text() and dialog.result() == 0
    dialog.reason_edit.setText("市医保局通知")
    dialog.date_edit.setDate(QDate(day(2).year, day(2).month, day(2).day))
    dialog.accept()
    assert dialog.result() == ChangeDialog.DialogCode.Accepted
    assert page.session.office.book.params_for("changchun", day(2)).values["critical.tilt.rate_points"] == Decimal("0.08")
    assert cells(page, "critical.tilt.rate_points")[COL_LOCAL] == f"待生效 {day(2)} 起"
    page.table.setFocus()
    assert page.table.item(row_index(page, "critical.tilt.rate_points"), COL_NAME).data(Qt.ItemDataRole.UserRole) == \
        "critical.tilt.rate_points"


def test_with_accounts_a_change_waits_for_a_second_account_in_the_window(page):
    """The maker of a parameter change cannot approve it (refused, recorded); another account can,
    and only then the version is stored."""
    office = page.session.office
    office.add_account("王管理", ["管理员"], "admin-pass-1")
    page.session.login("王管理", "admin-pass-1")
    office.add_account("赵审核", ["审核"], "check-pass-1")
    page.select("warning.income")
    done = page.change_value("warning.income", "42000", QDate(day(3).year, day(3).month, day(3).day), "2026年统计公报")
    assert done["state"] == "待审批" and "须由另一账户" in page.message.text()
    assert list_versions(office.store) == []
    box = page.proposals
    assert box.isVisibleTo(page) and box.combo.count() == 1 and "warning.income 自" in box.combo.itemText(0)
    assert not box.approve(box.combo.currentData())                     # the proposer: refused
    assert "须由另一账户审批" in box.message.text() and list_versions(office.store) == []
    refused = office.store.query("SELECT operator, detail FROM audit WHERE action = 'refused'")
    assert refused[-1]["operator"] == "王管理" and "审批政策参数" in refused[-1]["detail"]
    page.session.login("赵审核", "check-pass-1")
    assert box.approve(box.combo.currentData()) and "已审批通过" in box.message.text()
    assert [(v["name"], v["value"]) for v in list_versions(office.store)] == [("warning.income", Decimal(42000))]
    assert not box.isVisibleTo(page) and cells(page, "warning.income")[COL_LOCAL] == f"待生效 {day(3)} 起"
