"""一个窗口的快速计算：录入一次结算，逐层显示各项支付及其依据（不保存）。

The view only gathers input and shows the engine's result; it holds no rule.
"""
from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QMainWindow, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QTextEdit, QVBoxLayout, QWidget)

from engine import InputError, calculate
from engine.case import IDENTITIES, INSURANCE, KINDS
from engine.policy import REGIONS

LAYERS = (("basic", "基本医保"), ("critical", "大病保险"), ("assistance", "医疗救助"), ("tilt", "倾斜/再救助/托底"))


class CalculatorWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("三重保障计算器 — 快速计算")
        self.resize(1280, 720)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self._form(), 0)
        layout.addWidget(self._results(), 1)
        self.setCentralWidget(central)

    def _form(self) -> QWidget:
        box = QGroupBox("结算信息")
        form = QFormLayout(box)
        self.region = QComboBox()
        for code, name in REGIONS.items():
            self.region.addItem(name, code)
        self.date = QDateEdit(QDate(2023, 6, 1))
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setCalendarPopup(True)
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText("18位身份证号（可不填）")
        ids = QWidget()
        grid = QGridLayout(ids)
        grid.setContentsMargins(0, 0, 0, 0)
        self.identities: dict[str, QCheckBox] = {}
        for i, (code, name) in enumerate(IDENTITIES.items()):
            cb = QCheckBox(name)
            self.identities[code] = cb
            grid.addWidget(cb, i // 2, i % 2)
        self.insurance = QComboBox()
        for code, name in INSURANCE.items():
            self.insurance.addItem(name, code)
        self.rural = QCheckBox("农村居民")
        self.kind = QComboBox()
        for code, name in KINDS.items():
            self.kind.addItem(name, code)
        self.level = QSpinBox()
        self.level.setRange(1, 3)
        self.level.setValue(2)
        self.diseases = QLineEdit()
        self.diseases.setPlaceholderText("病种，多个用顿号分隔，如 尿毒症")
        self.amounts = {key: QLineEdit() for key in ("total", "policy_scope", "basic_paid", "critical_paid")}
        self.amounts["basic_paid"].setPlaceholderText("不填则按参数计算")
        self.amounts["critical_paid"].setPlaceholderText("不填则按参数计算")
        self.compute_button = QPushButton("计算（Enter）")
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(self.compute)
        for edit in self.amounts.values():
            edit.returnPressed.connect(self.compute)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        for label, widget in (("地区", self.region), ("结算日期", self.date), ("身份证号", self.id_number),
                              ("救助身份", ids), ("参保类型", self.insurance), ("", self.rural),
                              ("就诊类型", self.kind), ("医院等级", self.level), ("病种", self.diseases),
                              ("医疗总费用", self.amounts["total"]), ("政策范围内费用", self.amounts["policy_scope"]),
                              ("基本医保支付", self.amounts["basic_paid"]), ("大病保险支付", self.amounts["critical_paid"]),
                              ("", self.compute_button), ("", self.error)):
            form.addRow(label, widget)
        return box

    def _results(self) -> QWidget:
        panel = QWidget()
        col = QVBoxLayout(panel)
        self.summary = QTableWidget(len(LAYERS) + 2, 2)
        self.summary.setHorizontalHeaderLabels(["项目", "金额（元）"])
        self.summary.verticalHeader().setVisible(False)
        self.summary.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.summary.setMinimumHeight(self.summary.verticalHeader().defaultSectionSize() * (len(LAYERS) + 2) + 40)
        self.summary.setMaximumHeight(self.summary.minimumHeight())
        self.steps = QTableWidget(0, 3)
        self.steps.setHorizontalHeaderLabels(["计算过程", "金额", "依据"])
        self.steps.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.steps.setColumnWidth(1, 90)
        self.steps.setColumnWidth(2, 300)
        self.steps.setWordWrap(True)
        self.warnings = QTextEdit()
        self.warnings.setReadOnly(True)
        self.warnings.setMaximumHeight(130)
        col.addWidget(QLabel("各层支付"))
        col.addWidget(self.summary)
        col.addWidget(QLabel("计算过程与依据"))
        col.addWidget(self.steps, 1)
        col.addWidget(QLabel("提示"))
        col.addWidget(self.warnings)
        return panel

    def case(self) -> dict:
        amounts = {k: e.text().strip().replace(",", "") for k, e in self.amounts.items() if e.text().strip()}
        person = {"identities": [c for c, cb in self.identities.items() if cb.isChecked()],
                  "insurance": self.insurance.currentData(), "rural": self.rural.isChecked()}
        if self.id_number.text().strip():
            person["id_number"] = self.id_number.text().strip().upper()
        diseases = [d.strip() for d in self.diseases.text().replace(",", "、").split("、") if d.strip()]
        return {"region": self.region.currentData(), "date": self.date.date().toString("yyyy-MM-dd"),
                "person": person,
                "visit": {"kind": self.kind.currentData(), "hospital_level": self.level.value(), "diseases": diseases},
                "amounts": amounts}

    def compute(self) -> None:
        try:
            result = calculate(self.case())
        except InputError as exc:
            self.error.setText(f"{exc.field}：{exc.zh}")
            return
        self.error.clear()
        self.show_result(result)

    def show_result(self, result: dict) -> None:
        rows = [(name, result["payouts"][key]) for key, name in LAYERS]
        rows += [("医疗机构承担", result["hospital_borne"]), ("个人自付", result["out_of_pocket"])]
        for i, (name, amount) in enumerate(rows):
            self.summary.setItem(i, 0, QTableWidgetItem(name))
            item = QTableWidgetItem(amount)
            item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            self.summary.setItem(i, 1, item)
        self.steps.setRowCount(len(result["steps"]))
        for i, step in enumerate(result["steps"]):
            for j, text in enumerate((step["text"], step["amount"] or "", step["source"])):
                self.steps.setItem(i, j, QTableWidgetItem(text))
        self.steps.resizeRowsToContents()
        used = result["identity_used"]
        head = f"按身份：{IDENTITIES[used]}（{result['assistance_class'] or '无类别'}）" if used else "普通参保人员"
        self.warnings.setPlainText("\n".join([head, "适用文件：" + "；".join(result["documents"])] + result["warnings"]))
