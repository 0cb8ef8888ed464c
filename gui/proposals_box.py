"""政策参数 › 待审批的参数调整: with accounts, a parameter change proposed by a 管理员 takes effect
only when a second account (审核 or 管理员, not the proposer) approves it (engine.office:
policy_proposals, approve_policy). The office refuses the proposer and records the refusal."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .errors import message_of
from .wizard.form import ERROR_STYLE


class ProposalsBox(QGroupBox):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__("待审批的参数调整", parent)
        self.session = session
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.combo = QComboBox()
        row.addWidget(self.combo, 1)
        self.approve_button = QPushButton("审批通过")
        self.approve_button.setToolTip("由提出人以外的审核或管理员账户审批；通过后该取值自其施行日期起生效")
        self.approve_button.clicked.connect(lambda: self.approve(self.combo.currentData()))
        row.addWidget(self.approve_button)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        session.changed.connect(lambda changes: (changes.touches("policy") or changes.touches("settings"))
                                and self.refresh())
        self.refresh()

    def pending(self) -> list[dict]:
        return [p for p in self.session.office.policy_proposals() if p["state"] == "待审批"]

    def refresh(self) -> None:
        rows = self.pending()
        self.combo.clear()
        for p in rows:
            self.combo.addItem(f"{p['id']}：{p['text']}（{p['operator']} 提出，原因：{p['reason']}）", p["id"])
        self.approve_button.setEnabled(bool(rows))
        self.setVisible(bool(rows))

    def approve(self, proposal_id: int | None) -> bool:
        if proposal_id is None:
            return False
        try:
            done = self.session.office.approve_policy(proposal_id).value
        except Exception as exc:   # the proposer, a missing role …: the office's reason, recorded there
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(message_of(exc))
            return False
        self.message.setStyleSheet("")
        self.message.setText(f"参数调整 {proposal_id} 已审批通过：{done['region_name']} {done['name']} 自 "
                             f"{done['valid_from']} 起为 {done['value_text']}。")
        return True
