"""操作记录: the audit log of one case (from 案件查询's detail) or of one day (a date picker, from
设置), as the office gives it (engine.office: audit_rows) — who did what, when, to which case."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine import clock

from .cases_page import fit_columns, make_table, text_item, timestamp

COLUMNS = ("序号", "时间", "账户", "操作", "案件", "内容")
# The audit log's actions as the window names them (an action not listed shows as stored).
ACTIONS = {"save": "保存案件", "void": "作废", "print": "打印回执", "reprint": "补打回执", "resettle": "补差",
           "approve": "审核通过", "return": "退回", "pay": "发放", "refused": "拒绝", "account": "账户",
           "settings": "设置", "policy": "政策参数", "policy-propose": "提出参数调整", "policy-approve": "审批参数调整",
           "restore": "恢复备份", "receipt-skip": "跳过回执号", "seal": "启用校验", "anchor": "确认校验点",
           "import-persons": "导入人员"}


class AuditDialog(QDialog):
    """The audit rows of a case (`case_id`) or of a day (`day`, chosen with the date picker)."""

    def __init__(self, session, parent: QWidget | None = None, *, case_id: int | None = None,
                 day: dt.date | None = None):
        super().__init__(parent)
        self.session = session
        self.case_id = case_id
        self.setMinimumSize(820, 480)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        top.addWidget(self.title, 1)
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        day = day or clock.today()
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.date_edit.dateChanged.connect(lambda _d: self.refresh())
        if case_id is None:
            top.addWidget(QLabel("日期"))
            top.addWidget(self.date_edit)
        else:
            self.date_edit.hide()
        layout.addLayout(top)
        self.table = make_table(COLUMNS)
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        layout.addWidget(self.count)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    def day(self) -> dt.date:
        d = self.date_edit.date()
        return dt.date(d.year(), d.month(), d.day())

    def refresh(self) -> None:
        office = self.session.office
        if self.case_id is not None:
            self.rows = office.audit_rows(case_id=self.case_id)
            heading = f"案件 {self.case_id} 的操作记录"
        else:
            self.rows = office.audit_rows(day=self.day())
            heading = f"{self.day():%Y-%m-%d} 的操作记录"
        self.setWindowTitle(heading)
        self.title.setText(heading)
        self.table.setRowCount(0)
        for r in self.rows:
            n = self.table.rowCount()
            self.table.insertRow(n)
            values = (r["id"], timestamp(r["at"]), r["operator"], ACTIONS.get(r["action"], r["action"]),
                      "" if r["case_id"] is None else r["case_id"], r["detail"])
            for c, value in enumerate(values):
                self.table.setItem(n, c, text_item(value, align_right=c in (0, 4)))
        fit_columns(self.table, stretch=5)
        self.count.setText(f"共 {len(self.rows)} 条操作记录。" if self.rows else "没有操作记录。")

    def texts(self) -> list[list[str]]:
        """The table as shown (for tests and copying)."""
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]
