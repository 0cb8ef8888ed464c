"""Step 3 费用: the amounts from the settlement slip. Accepts 12,345.6 and 1.2万; shows each
amount in capitals (大写) beside it. Impossible combinations (政策范围内费用 above the total, the
slip's payments above what they can cover) are the engine's checks, shown here by the wizard."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from engine.receipt.capitals import capitals

from ..amount_text import parse_amount_text
from .form import FormPage

FIELDS = (("total", "医疗总费用", True), ("policy_scope", "政策范围内费用", True),
          ("basic_paid", "基本医保已支付", False), ("critical_paid", "大病保险已支付", False))
OPTIONAL_HINT = "按结算单填写；留空则按本地参数计算"
# 一站式结算: what the hospital already paid of 医疗救助 (the slip's 医疗救助基金支出, maf_pay); shown only
# when the clerk says the slip has it or a slip filled it (从结算单导入)
PAID_FIELD = ("assistance_paid", "医院已付医疗救助（一站式）")
PAID_HINT = "结算单“医疗救助基金支出”；本次只支付其余部分"


class AmountsPage(FormPage):
    title = "费用"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.inputs: dict[str, QLineEdit] = {}
        for name, label, required in FIELDS:
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.setPlaceholderText("如 12345.67、12,345.6 或 1.2万" if required else "留空则由系统计算")
            self.add_row(f"amounts.{name}", label, edit, "" if required else OPTIONAL_HINT)
            edit.textChanged.connect(lambda _t, n=name: self._echo(n))
            self.inputs[name] = edit
        self.paid_here = QCheckBox("结算单有医疗救助基金支出（一站式结算）")
        self.paid_here.setObjectName("has_assistance_paid")
        self.add_wide(self.paid_here)
        name, label = PAID_FIELD
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText("如 1200.00")
        self.add_row(f"amounts.{name}", label, edit, PAID_HINT)
        edit.textChanged.connect(lambda _t: self._echo(name))
        self.inputs[name] = edit
        self._paid_label = self.grid.itemAtPosition(self._row - 1, 0).widget()
        self.paid_here.toggled.connect(self._show_paid)
        self._show_paid(False)
        self.grid.setRowStretch(self.grid.rowCount(), 1)

    def _show_paid(self, shown: bool) -> None:
        for widget in (self._paid_label, self.inputs["assistance_paid"], self.errors["amounts.assistance_paid"]):
            widget.setVisible(shown)

    def set_assistance_paid(self, value: str) -> None:
        """Filled from a slip: the field is shown with the slip's amount (none paid: hidden and empty)."""
        paid = value not in ("", "0", "0.00")
        self.inputs["assistance_paid"].setText(value if paid else "")
        self.paid_here.setChecked(paid)

    def reset(self) -> None:
        for edit in self.inputs.values():
            edit.clear()
        self.paid_here.setChecked(False)
        self.clear_errors()

    def _echo(self, name: str) -> None:
        """Show the amount in capitals as it is typed, or why it is not an amount."""
        key, edit = f"amounts.{name}", self.inputs[name]
        label = self.errors[key]
        text = edit.text().strip()
        edit.setStyleSheet("")
        if not text:
            label.setText(label.property("hint") or "")
            label.setStyleSheet("color: #666666;")
            return
        try:
            value = parse_amount_text(text)
        except ValueError as exc:
            label.setText(str(exc))
            label.setStyleSheet("color: #C00000;")
            return
        label.setText(f"{value:.2f} 元　大写：{capitals(value)}")
        label.setStyleSheet("color: #1F4E79;")

    def amounts(self) -> dict[str, str]:
        """The amounts entered, as the case format writes them; raises ValueError(field, reason)."""
        out = {}
        for name, label, required in FIELDS:
            text = self.inputs[name].text().strip()
            if not text and not required:
                continue
            try:
                out[name] = f"{parse_amount_text(text):.2f}"
            except ValueError as exc:
                raise ValueError(f"amounts.{name}", f"{label}：{exc}") from None
        name, label = PAID_FIELD
        text = self.inputs[name].text().strip()
        if self.paid_here.isChecked() and text:
            try:
                out[name] = f"{parse_amount_text(text):.2f}"
            except ValueError as exc:
                raise ValueError(f"amounts.{name}", f"{label}：{exc}") from None
        return out

    def validate(self) -> bool:
        self.clear_errors()
        for name in self.inputs:
            self._echo(name)
        try:
            self.amounts()
        except ValueError as exc:
            field, reason = exc.args
            self.show_error(field, reason)
            return False
        return True
