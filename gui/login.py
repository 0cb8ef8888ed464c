"""Who works at the window: the first 管理员 (after the first start's setup), the login at start
and after a spell of idleness, all through the office (engine.office: login, add_account).

A data folder without accounts needs no login: the window works as before, recording the 经办人
typed in 设置. The idle time before a new login is the office setting `idle_minutes` (15)."""
from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget)

from engine.errors import InputError

from .wizard.form import ERROR_STYLE

IDLE_MINUTES = 15


class LoginDialog(QDialog):
    """Account and password; the office checks them (a refusal is recorded there)."""

    def __init__(self, session, parent: QWidget | None = None, *, reason: str = ""):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("登录")
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        intro = QLabel(reason or f"请登录（{session.office_name}）。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("账户", self.name)
        form.addRow("密码", self.password)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("登录")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        try:
            self.session.login(self.name.text().strip(), self.password.text())
        except InputError as exc:
            self.error.setText(exc.zh)
            self.password.clear()
            self.password.setFocus()
            return
        super().accept()


class FirstAdminDialog(QDialog):
    """The first start: the office's 管理员 account (or none: a single clerk without review)."""

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("设置管理员账户")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel("请设置本经办点的管理员账户。管理员添加经办、审核账户，调整政策参数，恢复备份；"
                       "设置后，每次启动和离开 15 分钟后需要登录，每件案件由经办人以外的审核人员审核。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit(session.setting("operator"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("账户名", self.name)
        form.addRow("密码（至少 8 位）", self.password)
        form.addRow("再次输入密码", self.again)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("设置并登录")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("暂不设置（不使用账户）")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        if self.password.text() != self.again.text():
            self.error.setText("两次输入的密码不一致")
            self.again.clear()
            self.again.setFocus()
            return
        name = self.name.text().strip()
        roles = ["管理员", "经办", "审核"]
        try:
            self.session.office.add_account(name, roles, self.password.text())
            self.session.login(name, self.password.text())
        except InputError as exc:
            self.error.setText(exc.zh)
            return
        super().accept()


def log_in(session, parent: QWidget | None = None, reason: str = "") -> bool:
    """Ask for a login when the office has accounts; False when the person gave up."""
    if not session.office.has_accounts():
        return True
    return bool(LoginDialog(session, parent, reason=reason).exec())


class IdleGuard(QObject):
    """After `idle_minutes` without a key or a click, the account is logged out and asked to log in."""

    def __init__(self, session, window: QWidget, app):
        super().__init__(window)
        self.session, self.window, self.app = session, window, app
        self.last = time.monotonic()
        self.asking = False
        app.installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(30_000)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt naming)
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel):
            self.last = time.monotonic()
        return False

    def minutes(self) -> int:
        text = self.session.setting("idle_minutes")
        return int(text) if text.isdigit() and int(text) > 0 else IDLE_MINUTES

    def check(self) -> None:
        if self.asking or self.session.account is None:
            return
        if time.monotonic() - self.last < self.minutes() * 60:
            return
        self.asking = True
        self.session.logout()
        try:
            if not log_in(self.session, self.window, f"已超过 {self.minutes()} 分钟未操作，请重新登录。"):
                self.window.close()
        finally:
            self.asking = False
            self.last = time.monotonic()
