"""报表 and 统计 in the window, through the office: the 日结 of the day, the cases waiting for 补差 and
settling one (with its 补差结算单), the month report with the charts, the export and the import of the
民政名单, and the 统计 page's charts (a click on a month lists its cases). Screenshots are written to
tests/gui/_shots/ (looked at while building)."""
import datetime as dt
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from openpyxl import Workbook, load_workbook

import gui.reports_page as reports_page
from engine import clock
from engine.office import Office
from gui.fonts import install_font
from gui.main_window import MainWindow
from gui.session import Session
from ids import valid_id

SHOTS = Path(__file__).resolve().parent / "_shots"
ZHANG = valid_id("1980-01-01", 1)
# the hand-worked year of tests/store/test_resettle.py: void the second → 3 cases wait for 补差 (−350, −560, −140)
FIVE = [("2023-02-10", "3000.00", "2800.00", "1800.00"), ("2023-04-15", "3700.00", "3500.00", "2000.00"),
        ("2023-06-20", "2600.00", "2400.00", "1400.00"), ("2023-08-05", "2000.00", "1900.00", "1100.00"),
        ("2023-10-12", "3000.00", "2800.00", "1800.00")]
DAY = dt.date(2026, 3, 3)


def case(date, total, scope, basic):
    return {"region": "wuhan", "date": date,
            "person": {"id_number": ZHANG, "name": "张三", "identities": ["subsistence_edge"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": total, "policy_scope": scope, "basic_paid": basic, "critical_paid": "0.00"}}


@pytest.fixture
def window(tmp_path, qtbot, qapp, monkeypatch):
    install_font(qapp)
    told = []
    monkeypatch.setattr(reports_page, "inform", lambda parent, title, text: told.append(text))
    with clock.frozen(DAY), Office.open(tmp_path / "d", daily_backup=False) as office:
        session = Session(office)
        session.set_settings({"office": "城关镇医保站", "operator": "李四"})
        office.save({"cases": [case(*c) for c in FIVE]}, operator="李四", office="城关镇医保站")
        office.void(2, "结算单录入错误", operator="王五")
        w = MainWindow(session)
        w.told = told
        qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        yield w


def shot(widget, name):
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def cells(table, row):
    return [table.item(row, c).text() for c in range(table.columnCount())]


def test_day_report_page_shows_the_day_and_writes_it(window, tmp_path):
    page = window.open_page("reports")
    assert page.selected_day() == DAY and page.selected_office() == "城关镇医保站"
    # 李四 saved the five (assistance 0 + 0 + 350 + 560 + 700 = 1610.00); 王五 voided one
    assert cells(page.day_table, 0)[:2] == ["李四", "5"] and cells(page.day_table, 0)[5] == "1610.00"
    assert cells(page.day_table, 1)[0] == "王五" and cells(page.day_table, 1)[-4] == "1"
    assert cells(page.day_table, 2)[:2] == ["合计", "5"]
    assert "作废 1 件（2023-000002 张三（结算单录入错误））" in page.day_summary.text()
    shot(window, "reports-day")
    page.export_day_to(tmp_path / "d.pdf")
    page.export_day_to(tmp_path / "d.xlsx")
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True).stdout
    assert "城关镇医保站 2026-03-03 日结报表" in text and "1610.00" in text
    assert load_workbook(tmp_path / "d.xlsx")["汇总"]["B5"].value == 5


def test_day_report_page_shows_the_payments_by_method(window, tmp_path):
    office = window.session.office
    office.pay(3, "银行卡", "6222000011112222", operator="李四")
    office.pay(4, "现金", operator="王五")
    office.pay(5, "现金", operator="王五", day=dt.date(2026, 3, 2))   # paid yesterday, recorded today
    page = window.open_page("reports")
    page.load_day()
    # 医疗救助 + 倾斜 of case 3, 4, 5: 350.00, 560.00, 700.00 (no 倾斜 for this year)
    assert [cells(page.pay_table, r) for r in range(page.pay_table.rowCount())] == [
        ["李四", "银行卡", "1", "350.00"], ["王五", "现金", "2", "1260.00"],
        ["合计", "现金", "2", "1260.00"], ["合计", "银行卡", "1", "350.00"]]
    assert "共 3 件，1610.00 元" in page.pay_label.text()
    shot(window, "reports-day-payments")
    page.export_day_to(tmp_path / "d.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True).stdout
    assert "发放（按经办人与发放方式，共 3 件）" in text and "****2222" in text


def test_pending_resettlements_are_listed_and_settled_from_the_window(window, tmp_path):
    page = window.open_page("reports")
    assert page.pending_table.rowCount() == 3
    assert [cells(page.pending_table, r)[-1] for r in range(3)] == ["-350.00", "-560.00", "-140.00"]
    done = page.settle(5, "第2件作废后重算", receipt_to=tmp_path / "补差.pdf")
    assert done["resettlement_receipt_no"] == "2023-000006" and done["difference"]["to_pay"] == "-140.00"
    assert "应退 140.00 元" in window.told[-1]
    assert page.pending_table.rowCount() == 2     # the page refreshed itself from the office's Changes
    assert cells(page.day_table, page.day_table.rowCount() - 1)[-1] == "140.00"   # 补差应退 in today's 日结
    text = subprocess.run(["pdftotext", str(tmp_path / "补差.pdf"), "-"], capture_output=True, text=True).stdout
    assert "补差结算单" in text and "2023-000005" in text


def test_month_report_export_and_import_from_the_window(window, tmp_path):
    page = window.open_page("reports")
    page.year_spin.setValue(2026)
    page.month_spin.setValue(3)
    page.export_month_to(tmp_path / "m.xlsx")
    book = load_workbook(tmp_path / "m.xlsx")
    assert book.sheetnames == ["分类汇总", "人数人次", "结算明细", "作废与补差", "图表"]
    assert len(book["图表"]._images) == 3
    page.export_month_to(tmp_path / "m.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "m.pdf"), "-"], capture_output=True, text=True).stdout
    assert "2026年3月 医疗保障结算月报" in text and "三、统计图表" in text and "2026 年度 各月支付金额" in text
    assert list(book["人数人次"].iter_rows(min_row=3, values_only=True))[-1] == ("合计", 1, 4)
    page.year_spin.setValue(2023)
    page.month_spin.setValue(6)
    page.export_cases_to(tmp_path / "e.xlsx")
    assert "1 件案件" in window.told[-1]
    names = Workbook()
    sheet = names.active
    sheet.append(["姓名", "身份证号", "身份类别", "认定日期"])
    sheet.append(["李四", valid_id("1970-02-02", 5), "低保", "2023-01-01"])
    sheet.append(["王五", "123", "低保", "2023-01-01"])
    names.save(tmp_path / "names.xlsx")
    page.import_from(tmp_path / "names.xlsx")
    assert "已接收 1 行" in window.told[-1] and "拒绝 1 行" in window.told[-1] and "第 3 行" in window.told[-1]


def test_stats_page_draws_the_year_and_lists_a_months_cases(window, qtbot):
    page = window.open_page("stats")
    page.refresh()
    assert page.year_combo.currentData() == 2023
    paid, caps, warnings = page.charts
    # by settlement month, not void: Feb 0, Jun 350, Aug 560, Oct 700 of 医疗救助 (stacked third)
    assert [bar[2] for bar in paid.values] == [0, 0, 0, 0, 0, 350, 0, 560, 0, 700, 0, 0]
    assert [bar[0] for bar in paid.values][1] == 1800.0
    assert sum(n for [n] in caps.values) > 0
    assert "4 人次" in page.summary.text()
    shot(window, "stats-year")
    # a click on June's bar lists June's case
    plot = paid.current_layout().plot
    slot = plot.w / 12
    qtbot.mouseClick(paid, Qt.MouseButton.LeftButton, pos=QPoint(int(plot.x + slot * 5.5), int(plot.y + plot.h - 2)))
    assert page.table.rowCount() == 1 and page.table.item(0, 5).text() == "2023-06-20"
    assert "6 月" in page.list_label.text()
    # a click on the histogram's 10–20 % bar lists 张三's 医疗救助 cap: 350 + 560 + 700 of 10000.00 used (16.1 %),
    # with the last case of the year; the 0–10 % bar holds the 门诊慢特病 cap, unused
    bars = caps.current_layout().plot
    qtbot.mouseClick(caps, Qt.MouseButton.LeftButton, pos=QPoint(int(bars.x + bars.w / 10 * 1.5), int(bars.y + bars.h - 2)))
    assert page.cap_table.isVisible() and not page.table.isVisible()
    assert [cells(page.cap_table, r) for r in range(page.cap_table.rowCount())] == [
        ["5", "2023-000005", "张三", "420102********001X", "武汉市", "2023-10-12", "医疗救助年救助限额（一般疾病，含门诊慢特病）",
         "1610.00", "10000.00", "16.1%"]]
    assert "10%–20% 的 1 人·项（1 人" in page.list_label.text()
    shot(window, "stats-cap-persons")
    page.show_cap_use(0)
    assert cells(page.cap_table, 0)[6:] == ["门诊慢特病年救助限额", "0.00", "5000.00", "0.0%"]
    assert caps.selected == 1 and paid.selected is None      # only the clicked chart keeps its mark
    page.show_month(5)
    assert page.table.isVisible() and not page.cap_table.isVisible()


def test_person_ledger_shows_what_was_paid_and_marks_the_cases_waiting(window, tmp_path):
    ledger = window.open_page("ledger")
    ledger.show_person(ZHANG, 2023)
    table = ledger.payment_tables[0]
    # c1, c3, c4, c5 (c2 void); c3..c5 wait for 补差; paid 医疗救助 as stored: 0 + 350 + 560 + 700 = 1610.00
    assert [cells(table, r)[0] for r in range(table.rowCount())] == ["2023-000001", "2023-000003", "2023-000004",
                                                                      "2023-000005", "合计"]
    assert [cells(table, r)[8] for r in range(4)] == ["", "待补差 -350.00", "待补差 -560.00", "待补差 -140.00"]
    assert cells(table, 4)[4] == "1610.00"
    window.open_page("reports").settle(5, "第2件作废后重算", receipt_to=tmp_path / "r.pdf")
    ledger = window.open_page("ledger")
    table = ledger.payment_tables[0]
    assert cells(table, 3)[4] == "560.00" and cells(table, 3)[7] == "2023-000006 -140.00" and cells(table, 3)[8] == ""
    assert cells(table, 4)[4] == "1470.00"    # 1610.00 − 140.00
    shot(window, "ledger-payments")
