"""设置: the office's settings (stored in the database's settings table), the data folder, and
backups: make one, restore one, check the database.

The actions are plain methods (save, backup_now, restore_from, check_now) that raise on
failure; the buttons ask for confirmation and show errors.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import QAbstractItemView, QCheckBox, QComboBox, QFileDialog, QGridLayout, QGroupBox, QHBoxLayout, \
    QFrame, QHeaderView, QLabel, QLineEdit, QPushButton, QScrollArea, QTableWidget, QTableWidgetItem, \
    QVBoxLayout, QWidget

from engine import clock
from engine.errors import InputError
from engine.office import BackupInfo, skip_notice
from engine.region_registry import REGIONS
from engine.validate import check_settings

from .errors import show_error
from .session import Session
from .widgets import confirmed

ERROR_STYLE = "color: #C00000;"
FIELD_ERROR_STYLE = "border: 1px solid #C00000;"
HINT_STYLE = "color: #666666;"
OK_STYLE = "color: #1B5E20;"
DEFAULT_PRINTER = "（系统默认）"
PAPERS = (("A4", "A4（210×297 毫米）"), ("A5", "A5（148×210 毫米）"))
BACKUP_KINDS = {"daily": "每日自动", "manual": "手动", "before-restore": "恢复前自动"}


def backup_kind(kind: str) -> str:
    """The kind recorded inside a backup, for the clerk."""
    if kind.startswith("before-migration"):
        return "升级前自动"
    return BACKUP_KINDS.get(kind, kind or "其他")


def backup_label(info: BackupInfo) -> str:
    """One line for a restore offer: when (the time recorded inside), kind, size, cases."""
    when = f"{info.made_at:%Y-%m-%d %H:%M:%S}" if info.made_at else "时间不明"
    cases = f"案件 {info.cases} 件" if info.cases is not None else "案件数不明"
    return f"{when}  {backup_kind(info.kind)}  {size_text(info.size)}  {cases}"


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def restored_text(done: dict) -> str:
    """What a restore did, for the clerk (skipped receipt numbers included)."""
    text = f"已从 {Path(done['restored_from']).name} 恢复，现有案件 {done['cases']} 件。"
    if done.get("previous_saved_as"):
        text += f"恢复前的数据已备份为 {Path(done['previous_saved_as']).name}。"
    if done.get("damaged_moved_to"):
        text += f"原数据库已损坏，已另存为 {done['damaged_moved_to']}。"
    for skip in done.get("skipped", []):
        text += "\n" + skip_notice(skip)
    return text


class SettingsPage(QWidget):
    def __init__(self, session: Session, main_window: QWidget | None = None):
        super().__init__()
        self.session = session
        self.main_window = main_window
        self.errors: dict[str, QLabel] = {}
        self.hints: dict[str, str] = {}
        self.fields: dict[str, QWidget] = {}

        self.office_edit = QLineEdit()
        self.window_edit = QLineEdit()
        self.operator_edit = QLineEdit()
        self.region_combo = QComboBox()
        for code, name in REGIONS.items():
            self.region_combo.addItem(name, code)
        self.paper_combo = QComboBox()
        for code, name in PAPERS:
            self.paper_combo.addItem(name, code)
        self.printer_combo = QComboBox()
        self.office_copy_check = QCheckBox("回执之后另打一份存根")
        self.office_copy_check.setObjectName("officeCopy")
        self.office_edit.setPlaceholderText("如 城关镇医保站")
        self.window_edit.setPlaceholderText("如 3号窗口（可不填）")
        self.operator_edit.setPlaceholderText("经办人姓名")
        for edit in (self.office_edit, self.window_edit, self.operator_edit):
            edit.returnPressed.connect(self.save)

        form_box = QGroupBox("经办信息与打印")
        grid = QGridLayout(form_box)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(2, 2)
        rows = (("office", "经办机构", self.office_edit, "打印在回执上；回执号按经办机构每年分别编号"),
                ("window", "窗口", self.window_edit, "打印在回执上"),
                ("operator", "经办人", self.operator_edit, "保存案件、打印回执时记录"),
                ("default_region", "默认地区", self.region_combo, "新建结算时预选的地区"),
                ("paper", "纸张", self.paper_combo, "回执的纸张大小"),
                ("printer", "打印机", self.printer_combo, "打印回执时预选；打印时也可另选"),
                ("office_copy", "存根", self.office_copy_check,
                 "存根标注“存根”，含待核实参数等内部说明，由经办机构留存；居民联不印内部说明"))
        for row, (key, label, widget, hint) in enumerate(rows):
            text = QLabel(label)
            text.setBuddy(widget)
            error = QLabel(hint)
            error.setObjectName(f"error-{key}")
            error.setWordWrap(True)
            error.setStyleSheet(HINT_STYLE)
            grid.addWidget(text, row, 0)
            grid.addWidget(widget, row, 1)
            grid.addWidget(error, row, 2)
            self.errors[key], self.hints[key], self.fields[key] = error, hint, widget
        self.code_label = QLabel()
        self.code_label.setObjectName("officeCode")
        self.code_button = QPushButton("确认经办点代码…")
        self.code_button.clicked.connect(self._confirm_codes)
        code_row = len(rows)
        grid.addWidget(QLabel("经办点代码"), code_row, 0)
        grid.addWidget(self.code_label, code_row, 1)
        grid.addWidget(self.code_button, code_row, 2)
        self.save_button = QPushButton("保存（Enter）")
        self.save_button.setObjectName("saveSettings")
        self.save_button.clicked.connect(self.save)
        self.saved_label = QLabel()
        self.saved_label.setStyleSheet(OK_STYLE)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.saved_label, 1)
        grid.addLayout(buttons, code_row + 1, 1, 1, 2)

        folder_box = QGroupBox("数据文件夹")
        folder_layout = QVBoxLayout(folder_box)
        self.folder = QLineEdit()
        self.folder.setReadOnly(True)
        self.folder.setObjectName("dataFolder")
        note = QLabel("案件数据库 cases.sqlite3 和备份（backups 子文件夹）都在这里。要换文件夹，请在启动程序时"
                      "用参数 --data-dir 指定，或设置环境变量 SANCHONG_DATA_DIR，然后重新启动程序。"
                      "请勿放在网络共享文件夹上。")
        note.setWordWrap(True)
        note.setStyleSheet(HINT_STYLE)
        folder_layout.addWidget(self.folder)
        folder_layout.addWidget(note)

        left = QVBoxLayout()
        left.addWidget(form_box)
        left.addWidget(folder_box)
        from .database_box import DatabaseBox

        self.database_box = DatabaseBox(session, self)
        left.addWidget(self.database_box)
        from .accounts_box import AccountsBox

        self.accounts_box = AccountsBox(session, self)
        left.addWidget(self.accounts_box)
        left.addStretch(1)
        # the left column scrolls when the window is too low for all its boxes (a 1366×768 screen): its
        # fields and notes keep their natural height instead of being squeezed over each other
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_scroll = QScrollArea()
        left_scroll.setWidgetResizable(True)
        left_scroll.setFrameShape(QFrame.Shape.NoFrame)
        left_scroll.setWidget(left_widget)

        backup_box = QGroupBox("备份与恢复")
        backup_layout = QVBoxLayout(backup_box)
        intro = QLabel("每天第一次打开程序时自动备份（保留最近 14 份）；每次恢复前也会先备份当前数据。")
        intro.setWordWrap(True)
        intro.setStyleSheet(HINT_STYLE)
        self.backup_infos: dict[str, BackupInfo] = {}
        self.backups = QTableWidget(0, 4)
        self.backups.setObjectName("backupList")
        self.backups.setHorizontalHeaderLabels(["备份时间", "类型", "大小", "案件数"])
        self.backups.verticalHeader().setVisible(False)
        self.backups.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.backups.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.backups.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.backups.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)   # the last takes what is left
        header.setMinimumSectionSize(90)
        self.backups.setMinimumWidth(420)
        self.backup_button = QPushButton("立即备份")
        self.backup_button.clicked.connect(self._on_backup)
        self.restore_button = QPushButton("从备份恢复…")
        self.restore_button.setToolTip("用列表中选中的备份恢复；未选中时可选择其他备份文件（如U盘上的）")
        self.restore_button.clicked.connect(self._on_restore)
        self.check_button = QPushButton("检查数据库")
        self.check_button.clicked.connect(self._on_check)
        actions = QHBoxLayout()
        for button in (self.backup_button, self.restore_button, self.check_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.backup_status = QLabel()
        self.backup_status.setObjectName("backupStatus")
        self.backup_status.setWordWrap(True)
        self.backup_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        backup_layout.addWidget(intro)
        backup_layout.addWidget(self.backups, 1)
        backup_layout.addLayout(actions)
        backup_layout.addWidget(self.backup_status)

        layout = QHBoxLayout(self)
        layout.addWidget(left_scroll, 1)
        layout.addWidget(backup_box, 1)
        self.refresh()
        session.changed.connect(self._changed)

    def _changed(self, changes) -> None:
        if changes.store_replaced:
            self.refresh()
        elif changes.backups:
            self.refresh_backups()

    # ---- values ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the values from the store (and the printers and the backups)."""
        s = self.session
        self.office_edit.setText(s.setting("office"))
        code = s.office.office_code()
        self.code_label.setText(code or "未设置（回执号按经办机构名称编号）")
        self.code_button.setVisible(not code or bool(s.office.unbound_office_names()))
        self.window_edit.setText(s.setting("window"))
        self.operator_edit.setText(s.setting("operator"))
        self._select(self.region_combo, s.setting("default_region"))
        self._select(self.paper_combo, s.setting("paper"))
        self._fill_printers(s.setting("printer"))
        self.office_copy_check.setChecked(s.setting("office_copy") == "1")
        self.folder.setText(str(s.office.folder))
        self.clear_errors()
        self.saved_label.clear()
        self.refresh_backups()

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(index if index >= 0 else 0)

    def _fill_printers(self, current: str) -> None:
        self.printer_combo.clear()
        self.printer_combo.addItem(DEFAULT_PRINTER, "")
        for name in QPrinterInfo.availablePrinterNames():
            self.printer_combo.addItem(name, name)
        if current and self.printer_combo.findData(current) < 0:
            self.printer_combo.addItem(f"{current}（本机未找到）", current)  # kept unless the clerk changes it
        self._select(self.printer_combo, current)

    def values(self) -> dict[str, str]:
        return {"office": self.office_edit.text().strip(), "window": self.window_edit.text().strip(),
                "operator": self.operator_edit.text().strip(), "default_region": self.region_combo.currentData(),
                "paper": self.paper_combo.currentData(), "printer": self.printer_combo.currentData() or "",
                "office_copy": "1" if self.office_copy_check.isChecked() else ""}

    def clear_errors(self) -> None:
        for key, label in self.errors.items():
            label.setText(self.hints[key])
            label.setStyleSheet(HINT_STYLE)
            self.fields[key].setStyleSheet("")

    def show_field_error(self, key: str, reason: str) -> None:
        self.errors[key].setText(reason)
        self.errors[key].setStyleSheet(ERROR_STYLE)
        self.fields[key].setStyleSheet(FIELD_ERROR_STYLE)

    def error_text(self, key: str) -> str:
        return self.errors[key].text()

    def save(self) -> bool:
        """Check and store the settings; a field's reason is shown next to it when refused."""
        self.clear_errors()
        self.saved_label.clear()
        values = self.values()
        missing = [(key, f"请填写{label}") for key, label in (("office", "经办机构"), ("operator", "经办人"))
                   if not values[key]]
        for key, reason in missing:
            self.show_field_error(key, reason)
        if missing:
            self.fields[missing[0][0]].setFocus()
            return False
        try:
            values = check_settings(values)
        except InputError as exc:
            if exc.field in self.fields:
                self.show_field_error(exc.field, exc.zh)
                self.fields[exc.field].setFocus()
            else:
                show_error(self, exc, "设置未保存")
            return False
        try:
            code, renamed = self.session.office.office_code(), values["office"] != self.session.setting("office")
            self.session.set_settings(values)
            if code and renamed:   # the office is renamed: its code, and so its numbering, stays
                self.session.office.set_office(code, values["office"], operator=self.session.operator)
        except Exception as exc:
            show_error(self, exc, "设置未保存")
            return False
        self.saved_label.setText(f"已保存（{clock.now():%H:%M:%S}）")
        return True

    def _confirm_codes(self) -> None:
        from .first_run import OfficeCodeDialog

        OfficeCodeDialog(self.session, self).exec()
        self.refresh()

    # ---- backups --------------------------------------------------------------------------

    def refresh_backups(self) -> None:
        """The backups by the time recorded inside them, newest first; unusable ones last, marked."""
        found = self.session.office.describe_backups()
        self.backup_infos = {str(i.path): i for i in found}
        self.backups.setRowCount(len(found))
        for row, info in enumerate(found):
            when = f"{info.made_at:%Y-%m-%d %H:%M:%S}" if info.made_at else "—"
            kind = backup_kind(info.kind) if info.usable else f"不可用：{info.problem}"
            cases = str(info.cases) if info.cases is not None else "—"
            for col, text in enumerate((when, kind, size_text(info.size), cases)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, str(info.path))
                item.setToolTip(str(info.path))
                if col >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.backups.setItem(row, col, item)

    def backup_paths(self) -> list[Path]:
        return [Path(self.backups.item(r, 0).data(Qt.ItemDataRole.UserRole)) for r in range(self.backups.rowCount())]

    def selected_backup(self) -> Path | None:
        rows = self.backups.selectionModel().selectedRows()
        return Path(self.backups.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)) if rows else None

    def _status(self, text: str, ok: bool = True) -> None:
        self.backup_status.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.backup_status.setText(text)

    def backup_now(self) -> Path:
        made = self.session.office.backup().value
        self._status(f"已备份：{made.name}（{size_text(made.stat().st_size)}）")
        return made

    def restore_from(self, path: str | Path) -> dict:
        """Replace the database by the backup `path` (the current one is backed up first); every
        page refreshes from the office's change."""
        done = self.session.office.restore(path, operator=self.session.operator).value
        self.refresh()
        self._status(restored_text(done))
        return done

    def check_now(self) -> dict:
        found = self.session.office.check()
        self._status(f"数据库完好：案件 {found['cases']} 件，人员 {found['persons']} 人，回执 {found['receipts']} 张，"
                     f"操作记录 {found['audit']} 条（数据结构版本 {found['schema_version']}）。")
        return found

    # ---- buttons: confirmation and errors -------------------------------------------------

    def _busy(self, action):
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return action()
        finally:
            QGuiApplication.restoreOverrideCursor()

    def _on_backup(self) -> None:
        try:
            self._busy(self.backup_now)
        except Exception as exc:
            self._status("备份未完成", ok=False)
            show_error(self, exc, "备份未完成")

    def _on_restore(self) -> None:
        path = self.selected_backup()
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, "选择备份文件", str(self.session.office.backups_folder),
                                                    "数据库备份 (*.sqlite3 *.db);;所有文件 (*)")
            if not chosen:
                return
            path = Path(chosen)
        info = self.backup_infos.get(str(path))
        about = f"（{backup_label(info)}）" if info is not None and info.usable else ""
        if not confirmed(self, "从备份恢复",
                         f"确定用备份 {path.name}{about}替换当前的全部数据吗？\n\n"
                         "备份之后保存的案件、打印记录和设置将不再显示。恢复前，程序会先把当前数据另存为一份备份，"
                         "需要时可以再恢复回来。"):
            return
        try:
            self._busy(lambda: self.restore_from(path))
        except Exception as exc:
            self._status("恢复未完成", ok=False)
            show_error(self, exc, "恢复未完成")

    def _on_check(self) -> None:
        try:
            self._busy(self.check_now)
        except Exception as exc:
            self._status("数据库检查未通过", ok=False)
            show_error(self, exc, "数据库有问题")
