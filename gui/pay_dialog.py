"""发放名单 (the cashier's list): reviewed (or 免审) cases not yet paid, ID numbers masked, the
amount to pay per case and the total; a selected case is paid (发放: 现金 / 银行卡 / 社保卡 with the
account number, shown masked afterwards, and the day), and the list is written as an xlsx workbook
— each through the office (engine.office: pay_list, pay, write_pay_list), which checks the
account's role and records the payment, or the refusal, in the audit log."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)

from engine import clock
from engine.errors import InputError

from .cases_page import fit_columns, make_table, text_item
from .errors import message_of
from .wizard.form import ERROR_STYLE

COLUMNS = ("案件编号", "回执号", "姓名", "身份证号", "地区", "结算日期", "经办机构", "经办人", "应发金额", "审核状态")
KEYS = ("case_id", "receipt_no", "name", "id_number", "region", "date", "office", "operator", "amount", "review")
METHODS = ("现金", "银行卡", "社保卡")


class PayListDialog(QDialog):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("发放名单")
        self.setMinimumSize(900, 520)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = make_table(COLUMNS)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        form = QHBoxLayout()
        form.addWidget(QLabel("发放方式"))
        self.method_combo = QComboBox()
        self.method_combo.addItems(METHODS)
        self.method_combo.currentTextChanged.connect(lambda m: self.account_edit.setEnabled(m != "现金"))
        form.addWidget(self.method_combo)
        form.addWidget(QLabel("账号"))
        self.account_edit = QLineEdit()
        self.account_edit.setPlaceholderText("银行卡或社保卡金融账户（8–30 位数字）")
        self.account_edit.setEnabled(False)
        form.addWidget(self.account_edit, 1)
        form.addWidget(QLabel("发放日期"))
        today = clock.today()
        self.date_edit = QDateEdit(QDate(today.year, today.month, today.day))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        form.addWidget(self.date_edit)
        self.pay_button = QPushButton("发放所选案件")
        self.pay_button.clicked.connect(self._on_pay)
        form.addWidget(self.pay_button)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        self.export_button = buttons.addButton("导出发放名单…", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self._on_export)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.listing = self.session.office.pay_list()
        rows = self.listing["rows"]
        self.table.setRowCount(0)
        for r in rows:
            n = self.table.rowCount()
            self.table.insertRow(n)
            for c, key in enumerate(KEYS):
                self.table.setItem(n, c, text_item(r[key], align_right=key in ("case_id", "amount")))
        fit_columns(self.table)
        text = f"待发放 {self.listing['count']} 件，合计 {self.listing['total']} 元。"
        if self.listing["review_off"]:
            text += "本经办点已关闭审核：名单中的案件未经他人审核。"
        self.summary.setText(text)
        self._update_buttons()

    def selected_case_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.listing["rows"][rows[0].row()]["case_id"] if rows else None

    def _update_buttons(self) -> None:
        self.pay_button.setEnabled(self.selected_case_id() is not None)
        self.export_button.setEnabled(bool(self.listing["rows"]))

    def select_case(self, case_id: int) -> bool:
        ids = [r["case_id"] for r in self.listing["rows"]]
        if case_id not in ids:
            return False
        self.table.selectRow(ids.index(case_id))
        return True

    def pay_selected(self, method: str, number: str = "", day: dt.date | None = None) -> bool:
        """Pay the selected case (the office checks and records it); False with the reason shown."""
        case_id = self.selected_case_id()
        self.error.clear()
        self.status.clear()
        if case_id is None:
            self.error.setText("请先在名单中选择要发放的案件")
            return False
        try:
            done = self.session.office.pay(case_id, method, number or None, day or clock.today(),
                                           operator=self.session.operator).value
        except InputError as exc:
            self.error.setText(exc.zh)
            return False
        self.status.setText(f"案件 {done['case_id']}（回执号 {done['receipt_no']}）已发放（{done['method']}"
                            f"{' ' + done['account'] if done['account'] else ''}）。")
        self.account_edit.clear()
        self.refresh()
        return True

    def _on_pay(self) -> None:
        self.pay_selected(self.method_combo.currentText(), self.account_edit.text().strip(),
                          self.date_edit.date().toPython())

    def export(self, path: str | Path) -> dict | None:
        try:
            listing = self.session.office.write_pay_list(path)
        except Exception as exc:   # a file that cannot be written …: said, never a traceback
            self.error.setText(message_of(exc))
            return None
        self.status.setText(f"已导出发放名单：{listing['count']} 件，合计 {listing['total']} 元，{path}")
        return listing

    def _on_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出发放名单", str(Path.home() / "发放名单.xlsx"), "Excel 工作簿 (*.xlsx)")
        if path:
            self.export(path)
