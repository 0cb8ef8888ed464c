"""The first start: a short setup (经办机构, 窗口, 经办人, 默认地区) before any case is saved,
and the offer of a sample case to try (clearly marked 样例, never saved)."""
from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QVBoxLayout, QWidget)

from engine.errors import InputError
from engine.region_registry import REGIONS
from engine.validate import check_settings

from .wizard.form import ERROR_STYLE


def needs_setup(session) -> bool:
    """True until the office has been named once."""
    return not session.office.configured()


class FirstRunDialog(QDialog):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("首次使用：设置经办信息")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel("欢迎使用三重保障计算器。请先填写本窗口的经办信息，它们会印在回执上；以后可在“设置”中修改。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.office = QLineEdit()
        self.office.setPlaceholderText("如：城关镇医保服务站")
        self.window_no = QLineEdit()
        self.window_no.setPlaceholderText("如：3号窗口（可不填）")
        self.operator = QLineEdit()
        self.region = QComboBox()
        for code, name in REGIONS.items():
            self.region.addItem(name, code)
        form.addRow("经办机构", self.office)
        form.addRow("窗口", self.window_no)
        form.addRow("经办人", self.operator)
        form.addRow("默认地区", self.region)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.error)
        self.try_sample = QCheckBox("先用一个样例案件熟悉操作（样例不会保存）")
        self.try_sample.setChecked(True)
        layout.addWidget(self.try_sample)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("开始使用")
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def accept(self) -> None:
        office, operator = self.office.text().strip(), self.operator.text().strip()
        if not office:
            self.error.setText("请填写经办机构（印在回执上，回执号按经办机构每年分别编号）")
            self.office.setFocus()
            return
        if not operator:
            self.error.setText("请填写经办人")
            self.operator.setFocus()
            return
        try:
            values = check_settings({"office": office, "window": self.window_no.text().strip(), "operator": operator,
                                     "default_region": self.region.currentData()})
        except InputError as exc:
            self.error.setText(exc.zh)
            {"office": self.office, "window": self.window_no, "operator": self.operator}.get(exc.field, self.office).setFocus()
            return
        self.session.set_settings(values)
        super().accept()
