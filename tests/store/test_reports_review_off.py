"""日结 and the month report say when review was switched off in their period, from when and until
when (issue 13: "reports then say review was off"), in the report, its PDF and its xlsx."""
from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from openpyxl import load_workbook

from engine import clock
from engine.office import Office
from ids import valid_id

NOTE_END = "其间保存的案件记为免审，未经经办人以外的另一账户审核。"


def case(n: int) -> dict:
    return {"region": "wuhan", "date": "2026-02-10",
            "person": {"id_number": valid_id("1970-01-01", n), "name": "孙七", "identities": ["subsistence_edge"]},
            "visit": {"kind": "inpatient", "hospital_level": 2},
            "amounts": {"total": "6000.00", "policy_scope": "5500.00", "basic_paid": "3500.00", "critical_paid": "0.00"}}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A single-account office: review off on 3 March 10:00, on again 4 March 15:00, off again 6 March
    09:00 and not switched on since; a case saved on each of 2–6 March."""
    data = tmp_path_factory.mktemp("off") / "d"
    with Office.open(data, daily_backup=False) as office:
        office.add_account("王管理", ["管理员", "经办", "审核"], "admin-pass-1")
        office.login("王管理", "admin-pass-1")
        steps = [("2026-03-02T09:00:00", None), ("2026-03-03T10:00:00", False), ("2026-03-03T11:00:00", None),
                 ("2026-03-04T15:00:00", True), ("2026-03-05T09:00:00", None), ("2026-03-06T09:00:00", False),
                 ("2026-03-06T10:00:00", None)]
        for n, (at, review) in enumerate(steps, 1):
            with clock.frozen(at):
                if review is None:
                    office.save(case(n), operator="", office="城关镇医保站")
                else:
                    office.set_review(review)
    return data


@pytest.mark.parametrize("day, words", [
    ("2026-03-02", ""),
    ("2026-03-03", "注意：本期间审核曾关闭：自 2026-03-03 10:00 起至 2026-03-04 15:00。"),
    ("2026-03-04", "注意：本期间审核曾关闭：自 2026-03-03 10:00 起至 2026-03-04 15:00。"),
    ("2026-03-05", ""),
    ("2026-03-06", "注意：本期间审核曾关闭：自 2026-03-06 09:00 起（至今未重新开启）。"),
])
def test_the_day_report_says_when_review_was_off(folder, day, words):
    with Office.open(folder, daily_backup=False) as office:
        report = office.day_report(dt.date.fromisoformat(day))
    assert report.review_off == (words + NOTE_END if words else "")


def test_the_month_report_names_every_spell(folder):
    with Office.open(folder, daily_backup=False) as office:
        assert office.month_report(2026, 3).review_off == (
            "注意：本期间审核曾关闭：自 2026-03-03 10:00 起至 2026-03-04 15:00；自 2026-03-06 09:00 起（至今未重新开启）。"
            + NOTE_END)
        assert office.month_report(2026, 2).review_off == ""


def test_the_files_carry_it(folder, tmp_path):
    with Office.open(folder, daily_backup=False) as office:
        office.write_day_report(dt.date(2026, 3, 3), tmp_path / "d.pdf")
        office.write_day_report(dt.date(2026, 3, 3), tmp_path / "d.xlsx")
        office.write_day_report(dt.date(2026, 3, 2), tmp_path / "on.xlsx")
        office.write_month_report(2026, 3, tmp_path / "m.xlsx")
    text = subprocess.run(["pdftotext", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\n", "")
    assert "自 2026-03-03 10:00 起至 2026-03-04 15:00" in text
    summary = [r for r in load_workbook(tmp_path / "d.xlsx")["汇总"].iter_rows(values_only=True) if any(r)]
    assert summary[-1][0].startswith("注意：本期间审核曾关闭：自 2026-03-03 10:00 起")
    assert summary[-2][0] == "合计"
    on = [r for r in load_workbook(tmp_path / "on.xlsx")["汇总"].iter_rows(values_only=True) if any(r)]
    assert on[-1][0] == "合计"
    month = [r for r in load_workbook(tmp_path / "m.xlsx")["分类汇总"].iter_rows(values_only=True) if any(r)]
    assert month[-1][0].endswith(NOTE_END) and "自 2026-03-06 09:00 起" in month[-1][0]


def test_the_reports_page_says_it_too(folder, qapp, qtbot):
    from PySide6.QtCore import QDate

    from gui.reports_page import ReportsPage
    from gui.session import Session

    with Office.open(folder, daily_backup=False) as office:
        page = ReportsPage(Session(office))
        qtbot.addWidget(page)
        page.day_edit.setDate(QDate(2026, 3, 3))
        page.load_day()
        assert page.day_summary.text().endswith("自 2026-03-03 10:00 起至 2026-03-04 15:00。" + NOTE_END)
        page.day_edit.setDate(QDate(2026, 3, 5))
        page.load_day()
        assert "审核曾关闭" not in page.day_summary.text()
