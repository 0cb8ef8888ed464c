"""设置 › 账户与审核: the review switch (a 管理员, single-account offices only), the idle time
before a new login, and the audit log's verification (the last result and a button to run it),
all through the office."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from engine import clock
from engine.errors import InputError

from .login import IDLE_MINUTES


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
        verify = QHBoxLayout()
        self.verify_button = QPushButton("校验操作记录")
        self.verify_button.clicked.connect(self.verify_now)
        verify.addWidget(self.verify_button)
        verify.addStretch(1)
        layout.addLayout(verify)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.last = QLabel()
        self.last.setWordWrap(True)
        layout.addWidget(self.last)
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
        self.last.setText(office.setting("audit_last_verified") or "尚未校验操作记录。")

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
        verdict = self.session.office.audit_verify()
        at = clock.now().strftime("%Y-%m-%d %H:%M")
        if verdict.ok:
            text = f"上次校验：{at}，{verdict.rows} 条操作记录、{verdict.cases} 件案件，完好。"
        else:
            text = f"上次校验：{at}，发现问题：{verdict.broken.zh}"
        self.session.set_settings({"audit_last_verified": text})
        return verdict.ok
