"""The first start: a short setup (经办机构 and its 经办点代码, 窗口, 经办人, 默认地区) before any
case is saved, and the offer of a sample case to try (clearly marked 样例, never saved). A later
start of a folder whose office has no code yet asks for it (OfficeCodeDialog): one code for the
office and for each office name in its history (the clerk confirms them; "以后再说" keeps the
numbering by name as before)."""
from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QVBoxLayout, QWidget)

from engine.office import check_office_code as check_code

from engine.errors import InputError
from engine.region_registry import REGIONS
from engine.validate import check_settings

from .wizard.form import ERROR_STYLE


CODE_HINT = "8 位数字：6 位行政区划代码 + 2 位站点序号，如 42010601"


def needs_setup(session) -> bool:
    """True until the office has been named once."""
    return not session.office.configured()


def needs_codes(session) -> bool:
    """True while the office has no code, or an office name in its history has none."""
    office = session.office
    return office.configured() and (not office.office_code() or bool(office.unbound_office_names()))


class OfficeCodeDialog(QDialog):
    """经办点代码 for this office and for each office name its saved cases carry without one."""

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("确认经办点代码")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        intro = QLabel("回执号今后按经办点代码和年度编号，代码设定后不再更改（经办点改名不影响编号）。"
                       "请为本经办点及下列历史名称分别确认代码；已保存的案件和回执号不变。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        office = session.office
        names = [] if office.office_code() else [session.setting("office")]
        names += [u["name"] for u in office.unbound_office_names() if u["name"] not in names]
        counts = {u["name"]: u["cases"] for u in office.unbound_office_names()}
        self.edits: dict[str, QLineEdit] = {}
        for name in names:
            edit = QLineEdit()
            edit.setPlaceholderText(CODE_HINT)
            edit.setMaxLength(8)
            self.edits[name] = edit
            form.addRow(f"{name}（案件 {counts.get(name, 0)} 件）", edit)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确认代码")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("以后再说")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        chosen = [(name, edit) for name, edit in self.edits.items() if edit.text().strip()]
        try:
            for name, edit in chosen:
                check_code(edit.text(), "CODE")
            for name, edit in chosen:
                self.session.office.set_office(edit.text().strip(), name, operator=self.session.operator)
                edit.setEnabled(False)
        except Exception as exc:   # InputError, or a refusal (not a 管理员): said next to the fields
            self.error.setText(f"{name}：{getattr(exc, 'zh', str(exc))}")
            edit.setFocus()
            return
        super().accept()


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
        self.code = QLineEdit()
        self.code.setPlaceholderText(CODE_HINT)
        self.code.setMaxLength(8)
        self.operator = QLineEdit()
        self.region = QComboBox()
        for code, name in REGIONS.items():
            self.region.addItem(name, code)
        form.addRow("经办机构", self.office)
        form.addRow("经办点代码", self.code)
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
        code = self.code.text().strip()
        if code:
            try:
                check_code(code, "CODE")
            except InputError as exc:
                self.error.setText(exc.zh)
                self.code.setFocus()
                return
        self.session.set_settings(values)
        if code:
            self.session.office.set_office(code, values["office"], operator=values["operator"])
        super().accept()
