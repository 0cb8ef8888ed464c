"""设置 › 数据库: this PC's cases in the local file (the default) or on a PostgreSQL server that the
windows of a service hall share; 「测试连接」 says plainly what is wrong (host, password, server down).

The choice is kept for this PC (engine/office/server.py) and used from the next start. The password
is never written to a file: it is typed at start, or kept in the system keyring when asked.

「把本机数据迁入该服务器」 (a 管理员, while this PC still works on its local file) copies every case into the
server's empty database and checks it there (`cases move-to-server`, engine/store/move.py); on success
the server is also kept as this PC's choice for the next start.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QButtonGroup, QCheckBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, \
    QLineEdit, QPushButton, QRadioButton, QVBoxLayout, QWidget

from engine.errors import InputError
from engine.office import server
from engine.store import StoreError

from .widgets import confirmed

HINT_STYLE = "color: #666666;"
ERROR_STYLE = "color: #C00000;"
OK_STYLE = "color: #1B5E20;"


class DatabaseBox(QGroupBox):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__("数据库", parent)
        self.session = session
        layout = QVBoxLayout(self)
        self.local_radio = QRadioButton("本机文件（数据文件夹中的 cases.sqlite3）")
        self.server_radio = QRadioButton("服务器（PostgreSQL，多个窗口共用一个数据库）")
        self.local_radio.setObjectName("databaseLocal")
        self.server_radio.setObjectName("databaseServer")
        group = QButtonGroup(self)
        group.addButton(self.local_radio)
        group.addButton(self.server_radio)
        layout.addWidget(self.local_radio)
        layout.addWidget(self.server_radio)

        self.host_edit = QLineEdit()
        self.host_edit.setPlaceholderText("如 192.168.1.10")
        self.port_edit = QLineEdit(str(server.DEFAULT_PORT))
        self.dbname_edit = QLineEdit()
        self.dbname_edit.setPlaceholderText("由数据库管理员提供")
        self.user_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("不保存到任何文件")
        self.keep_check = QCheckBox("在本机系统密钥环中记住密码（否则每次启动时输入）")
        grid = QGridLayout()
        for row, (label, widget) in enumerate((("服务器地址", self.host_edit), ("端口", self.port_edit),
                                               ("数据库名", self.dbname_edit), ("用户名", self.user_edit),
                                               ("密码", self.password_edit))):
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(widget, row, 1)
        grid.addWidget(self.keep_check, 5, 0, 1, 2)
        self.fields = QWidget()
        self.fields.setLayout(grid)
        layout.addWidget(self.fields)

        buttons = QHBoxLayout()
        self.test_button = QPushButton("测试连接")
        self.test_button.setObjectName("testDatabase")
        self.test_button.clicked.connect(self.test_now)
        self.save_button = QPushButton("保存（下次启动时生效）")
        self.save_button.setObjectName("saveDatabase")
        self.save_button.clicked.connect(self.save_now)
        self.move_button = QPushButton("把本机数据迁入该服务器")
        self.move_button.setObjectName("moveToServer")
        self.move_button.setToolTip("把本机数据文件中的全部案件、补差、账户和操作记录复制到服务器上的空数据库，并在服务器上逐行核对；"
                                    "本机数据文件不改动。须由管理员操作，每个经办点只做一次")
        self.move_button.clicked.connect(self._on_move)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.move_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.status = QLabel()
        self.status.setObjectName("databaseStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        note = QLabel(server.BACKUP_NOTE)
        note.setWordWrap(True)
        note.setStyleSheet(HINT_STYLE)
        layout.addWidget(note)
        self.server_radio.toggled.connect(self._toggled)
        self.refresh()

    def refresh(self) -> None:
        chosen = server.choice(self.session.office.folder)
        if chosen:
            self.host_edit.setText(chosen.host)
            self.port_edit.setText(str(chosen.port))
            self.dbname_edit.setText(chosen.dbname)
            self.user_edit.setText(chosen.user)
        (self.server_radio if chosen else self.local_radio).setChecked(True)
        self._toggled(bool(chosen))
        used = server.in_use()
        if used:
            self._say(f"本次启动使用命令行或环境变量指定的服务器 {used}（此处的选择下次不带该参数启动时生效）。", True)

    def _toggled(self, on: bool) -> None:
        self.fields.setEnabled(on)
        self.test_button.setEnabled(on)
        self.move_button.setEnabled(on and not self.session.office.on_server)   # a move starts from the local file

    def _say(self, text: str, ok: bool) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)

    def chosen(self) -> server.Server:
        return server.Server.checked(self.host_edit.text(), self.port_edit.text(), self.dbname_edit.text(),
                                     self.user_edit.text())

    def test_now(self) -> bool:
        try:
            self._say(server.test(self.chosen(), self.password_edit.text()), True)
            return True
        except StoreError as exc:
            self._say(exc.zh, False)
            return False

    def save_now(self) -> bool:
        try:
            if self.local_radio.isChecked():
                server.choose(self.session.office.folder, None)
                self._say("已保存：下次启动时使用本机文件。", True)
                return True
            chosen = self.chosen()
            password = self.password_edit.text()
            server.test(chosen, password)   # never keep a choice that cannot connect
            server.choose(self.session.office.folder, chosen)
            if password:
                server.remember_password(chosen, password, keep=self.keep_check.isChecked())
        except StoreError as exc:
            self._say(exc.zh, False)
            return False
        self._say(f"已保存：下次启动时使用服务器 {chosen.host}:{chosen.port}/{chosen.dbname}"
                  + ("（密码已记在系统密钥环中）。" if self.keep_check.isChecked() and password else "（启动时输入密码）。"), True)
        return True

    def _on_move(self) -> None:
        try:
            chosen = self.chosen()
        except StoreError as exc:
            self._say(exc.zh, False)
            return
        if confirmed(
            self, "迁入服务器",
            f"确定把本机数据文件中的全部数据迁入服务器 {chosen.host}:{chosen.port}/{chosen.dbname} 吗？\n\n"
            "服务器上的数据库须为空（由数据库管理员新建）。迁入后在服务器上逐行核对，任何一项不一致都会整体撤销；"
            "本机数据文件不改动。迁入成功后，本机下次启动时使用该服务器，其他窗口请选择同一服务器。"):
            self.move_now()

    def move_now(self) -> bool:
        """Copy this folder's local data into the chosen server's empty database; keep the server as this PC's
        choice when it succeeded. What went wrong is said in the status line (nothing is left on the server)."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return self._move()
        finally:
            QApplication.restoreOverrideCursor()

    def _move(self) -> bool:
        try:
            chosen = self.chosen()
            password = self.password_edit.text()
            moved = self.session.office.move_to_server(server.url_with_password(chosen, password)).value
        except (StoreError, InputError) as exc:
            self._say(exc.zh, False)
            return False
        rows = moved["rows"]
        done = (f"已迁入服务器 {moved['target']}：案件 {rows.get('cases', 0)} 件、人员 {rows.get('persons', 0)} 人、"
                f"补差 {rows.get('resettlements', 0)} 笔，逐行核对一致，操作记录校验通过（{moved['audit_rows']} 条），"
                f"{moved['ledgers']} 个人员年度台账一致；本机数据文件未改动。")
        try:
            server.choose(self.session.office.folder, chosen)
            if password:
                server.remember_password(chosen, password, keep=self.keep_check.isChecked())
        except StoreError as exc:   # the data is on the server; only this PC's choice was not kept
            self._say(done + f"但本机的选择未能保存（{exc.zh}），请点「保存（下次启动时生效）」。", False)
            return True
        self._say(done + "已保存：下次启动时使用该服务器，请重新启动本程序；其他窗口请在 设置 → 数据库 中选择同一服务器。", True)
        return True
