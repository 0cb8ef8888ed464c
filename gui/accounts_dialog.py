"""设置 › 账户管理 (a 管理员): the accounts with their roles and state; add one (roles, the password
typed twice), reset a forgotten password, stop (停用) or restore (启用) an account — each through
the office (engine.office: add_account, set_password, set_locked), which checks the role and
records every change, and every refusal, in the audit log."""
from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)

from engine.errors import InputError

from .cases_page import fit_columns, make_table, text_item, timestamp
from .wizard.form import ERROR_STYLE

ROLES = ("经办", "审核", "管理员")
COLUMNS = ("账户", "角色", "状态", "添加时间", "添加人")


def state_text(account: dict) -> str:
    if account["locked"]:
        return "已停用"
    if account["locked_until"]:
        return f"锁定至 {timestamp(account['locked_until'])}（密码连续输错）"
    return "在用"


def password_field() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class AccountsDialog(QDialog):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("账户管理")
        self.setMinimumSize(640, 560)
        layout = QVBoxLayout(self)
        account = session.account
        self.is_admin = bool(account and "管理员" in account["roles"])
        intro = QLabel("经办：保存案件、打印回执、发放；审核：审核、退回、作废他人案件；管理员：账户、政策参数、恢复备份。"
                       "一个账户可兼任多个角色，但经办人不能审核自己的案件。账户不能删除，只能停用。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = make_table(COLUMNS)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)

        row = QHBoxLayout()
        self.lock_button = QPushButton("停用所选账户")
        self.lock_button.clicked.connect(lambda: self.toggle_lock(self.selected_name()))
        row.addWidget(self.lock_button)
        row.addStretch(1)
        layout.addLayout(row)

        add = QGroupBox("添加账户")
        form = QFormLayout(add)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("2–20 个汉字、字母或数字")
        form.addRow("账户名", self.name_edit)
        roles = QHBoxLayout()
        self.role_checks = {r: QCheckBox(r) for r in ROLES}
        for check in self.role_checks.values():
            roles.addWidget(check)
        roles.addStretch(1)
        form.addRow("角色", roles)
        self.new_password, self.new_again = password_field(), password_field()
        form.addRow("密码（至少 8 位）", self.new_password)
        form.addRow("再次输入密码", self.new_again)
        self.add_button = QPushButton("添加账户")
        self.add_button.clicked.connect(self._on_add)
        form.addRow("", self.add_button)
        layout.addWidget(add)

        reset = QGroupBox("重设所选账户的密码（忘记密码时由管理员重设，原密码无法查看）")
        form = QFormLayout(reset)
        self.reset_password, self.reset_again = password_field(), password_field()
        form.addRow("新密码", self.reset_password)
        form.addRow("再次输入新密码", self.reset_again)
        self.reset_button = QPushButton("重设密码")
        self.reset_button.clicked.connect(lambda: self.reset(self.selected_name(), self.reset_password.text(),
                                                             self.reset_again.text()))
        form.addRow("", self.reset_button)
        layout.addWidget(reset)

        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        if not self.is_admin:
            self.error.setText("只有管理员可以管理账户，请以管理员账户登录。")
        for widget in (add, reset):
            widget.setEnabled(self.is_admin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    # -- the list

    def refresh(self, keep: str | None = None) -> None:
        self.accounts = self.session.office.accounts()
        self.table.setRowCount(0)
        for a in self.accounts:
            r = self.table.rowCount()
            self.table.insertRow(r)
            for c, value in enumerate((a["name"], "、".join(a["roles"]), state_text(a), timestamp(a["created_at"]),
                                       a["created_by"])):
                self.table.setItem(r, c, text_item(value, data=a["name"] if c == 0 else None))
        fit_columns(self.table, stretch=2)
        if keep is not None:
            names = [a["name"] for a in self.accounts]
            if keep in names:
                self.table.selectRow(names.index(keep))
        self._selected()

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.accounts[rows[0].row()]["name"] if rows else None

    def _selected(self) -> None:
        name = self.selected_name()
        account = next((a for a in self.accounts if a["name"] == name), None)
        self.lock_button.setEnabled(self.is_admin and account is not None)
        self.reset_button.setEnabled(self.is_admin and account is not None)
        self.lock_button.setText("启用所选账户" if account and account["locked"] else "停用所选账户")

    # -- the changes (each through the office; a refusal shows its reason and is recorded there)

    def _try(self, change, done: str, keep: str | None) -> bool:
        self.error.clear()
        self.status.clear()
        try:
            change()
        except InputError as exc:
            self.error.setText(exc.zh)
            self.refresh(keep)
            return False
        self.status.setText(done)
        self.refresh(keep)
        return True

    def add(self, name: str, roles: list[str], password: str, again: str) -> bool:
        if password != again:
            self.error.setText("两次输入的密码不一致，请重新输入")
            return False
        name = name.strip()
        ok = self._try(lambda: self.session.office.add_account(name, roles, password),
                       f"已添加账户“{name}”，角色：{'、'.join(r for r in ROLES if r in roles)}。", name)
        if ok:
            for edit in (self.name_edit, self.new_password, self.new_again):
                edit.clear()
            for check in self.role_checks.values():
                check.setChecked(False)
        return ok

    def _on_add(self) -> None:
        self.add(self.name_edit.text(), [r for r, c in self.role_checks.items() if c.isChecked()],
                 self.new_password.text(), self.new_again.text())

    def reset(self, name: str | None, password: str, again: str) -> bool:
        if not name:
            self.error.setText("请先在上方列表中选择账户")
            return False
        if password != again:
            self.error.setText("两次输入的新密码不一致，请重新输入")
            return False
        ok = self._try(lambda: self.session.office.set_password(name, password),
                       f"账户“{name}”的密码已重设，请告知本人尽快登录。", name)
        if ok:
            self.reset_password.clear()
            self.reset_again.clear()
        return ok

    def toggle_lock(self, name: str | None) -> bool:
        account = next((a for a in self.accounts if a["name"] == name), None)
        if account is None:
            self.error.setText("请先在上方列表中选择账户")
            return False
        lock = not account["locked"]
        return self._try(lambda: self.session.office.set_locked(name, lock),
                         f"账户“{name}”已{'停用' if lock else '启用'}。", name)
