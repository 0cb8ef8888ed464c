"""设置 › 账户与审核: the review switch (a 管理员, single-account offices only), the idle time
before a new login, account management (a 管理员: gui/accounts_dialog.py), the audit log of a day
(gui/audit_dialog.py), and the audit log's verification — the last result (time, result, row
count; the daily check runs it too) and a button to run it, and, when the check of the chain's
anchor found a problem, a 管理员's confirmation — all through the office."""
from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QGroupBox, QHBoxLayout, QInputDialog, QLabel, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from engine.errors import InputError

from .login import IDLE_MINUTES
from .wizard.form import ERROR_STYLE


class AccountsBox(QGroupBox):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__("账户与审核", parent)
        self.session = session
        layout = QVBoxLayout(self)
        self.review_check = QCheckBox("保存的案件须由另一账户审核")
        self.review_check.clicked.connect(self._on_review)
        layout.addWidget(self.review_check)
        idle = QHBoxLayout()
        idle.addWidget(QLabel("无操作"))
        self.idle_spin = QSpinBox()
        self.idle_spin.setRange(1, 240)
        self.idle_spin.valueChanged.connect(self._on_idle)
        idle.addWidget(self.idle_spin)
        idle.addWidget(QLabel("分钟后需重新登录"))
        idle.addStretch(1)
        layout.addLayout(idle)
        row = QHBoxLayout()
        self.accounts_button = QPushButton("账户管理…")
        self.accounts_button.setToolTip("添加账户、重设密码、停用或启用账户（管理员）")
        self.accounts_button.clicked.connect(self.open_accounts)
        row.addWidget(self.accounts_button)
        self.day_audit_button = QPushButton("按日查看操作记录…")
        self.day_audit_button.clicked.connect(self.open_day_audit)
        row.addWidget(self.day_audit_button)
        row.addStretch(1)
        layout.addLayout(row)
        verify = QHBoxLayout()
        self.verify_button = QPushButton("校验操作记录")
        self.verify_button.clicked.connect(self.verify_now)
        verify.addWidget(self.verify_button)
        self.accept_button = QPushButton("确认校验点…")
        self.accept_button.setToolTip("管理员核实校验点的问题后确认（记入操作记录）")
        self.accept_button.clicked.connect(self._on_accept)
        verify.addWidget(self.accept_button)
        verify.addStretch(1)
        layout.addLayout(verify)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.last = QLabel()
        self.last.setWordWrap(True)
        layout.addWidget(self.last)
        self.anchor = QLabel()
        self.anchor.setWordWrap(True)
        self.anchor.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.anchor)
        session.changed.connect(lambda changes: changes.touches("settings") and self.refresh())
        self.refresh()

    def refresh(self) -> None:
        office = self.session.office
        self.review_check.setChecked(office.review_required())
        self.review_check.setEnabled(office.has_accounts())
        self.idle_spin.blockSignals(True)
        text = office.setting("idle_minutes")
        self.idle_spin.setValue(int(text) if text.isdigit() and int(text) > 0 else IDLE_MINUTES)
        self.idle_spin.blockSignals(False)
        account = self.session.account
        self.accounts_button.setEnabled(bool(account and "管理员" in account["roles"]))
        last = office.last_audit_verification()
        self.last.setText(office.audit_verification_text(last))
        self.last.setStyleSheet("" if not last or last["ok"] else ERROR_STYLE)
        problem = office.anchor_problem()
        self.anchor.setText(problem or "")
        self.anchor.setVisible(bool(problem))
        self.accept_button.setVisible(bool(problem))

    def _on_review(self, on: bool) -> None:
        try:
            self.session.office.set_review(on)
            self.status.setText("已开启审核。" if on else "已关闭审核：保存的案件记为免审，发放名单注明未经审核。")
        except InputError as exc:
            self.status.setText(exc.zh)
        self.refresh()

    def _on_idle(self, minutes: int) -> None:
        self.session.set_settings({"idle_minutes": str(minutes)})

    def verify_now(self) -> bool:
        verdict = self.session.office.audit_verify("设置中手动")
        self.refresh()
        return verdict.ok

    def accept_anchor(self, reason: str) -> bool:
        """A 管理员 confirms the anchor's problem with what was checked (recorded by the office)."""
        try:
            self.session.office.accept_anchor(reason)
        except InputError as exc:
            self.status.setText(exc.zh)
            return False
        self.status.setText("已确认校验点并记入操作记录。")
        self.refresh()
        return True

    def _on_accept(self) -> None:
        reason, ok = QInputDialog.getText(self, "确认校验点", "请写明核实的经过（记入操作记录）：")
        if ok:
            self.accept_anchor(reason)

    def open_accounts(self):
        from .accounts_dialog import AccountsDialog

        dialog = AccountsDialog(self.session, self)
        dialog.open()
        return dialog

    def open_day_audit(self):
        from .audit_dialog import AuditDialog

        dialog = AuditDialog(self.session, self)
        dialog.open()
        return dialog
