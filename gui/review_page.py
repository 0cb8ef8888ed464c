"""待审核: the queue of saved cases awaiting review by a 审核 account other than their maker.

Keyboard: ↑/↓ choose, Enter opens the case below the list, Ctrl+Enter approves it (审核通过),
the reason field and 退回 send it back. The office refuses (and records) a maker checking their
own case, an account without the 审核 role, or no login; the refusal is shown here."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from engine.errors import InputError
from engine.store import StoreError

from .cases_page import case_row_items, detail_html, fit_columns, make_table
from .errors import show_error
from .widgets import note, page_title

COLUMNS = ("案件编号", "回执号", "姓名", "身份证号", "地区", "结算日期", "类别", "医疗总费用", "基本医保", "大病保险",
           "医疗救助", "倾斜救助", "个人自付", "状态")


class ReviewPage(QWidget):
    def __init__(self, session, main_window=None):
        super().__init__()
        self.session = session
        self.main_window = main_window
        self.rows: list[dict] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(page_title("待审核"))
        layout.addWidget(note("已保存、等待审核的案件。审核人员不能审核自己经办的案件。"
                              "Enter 查看案件，Ctrl+Enter 审核通过；退回须填写原因。"))
        self.count_label = QLabel()
        self.count_label.setObjectName("reviewCount")
        layout.addWidget(self.count_label)
        self.table = make_table(COLUMNS)
        self.table.setObjectName("reviewTable")
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemActivated.connect(lambda _: self.open_selected())
        fit_columns(self.table)
        layout.addWidget(self.table, 1)
        actions = QHBoxLayout()
        self.approve_button = QPushButton("审核通过（Ctrl+Enter）")
        self.approve_button.clicked.connect(self.approve_selected)
        actions.addWidget(self.approve_button)
        actions.addSpacing(16)
        actions.addWidget(QLabel("退回原因："))
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("如：发票金额与结算单不符")
        self.reason_edit.returnPressed.connect(self.send_back_selected)
        actions.addWidget(self.reason_edit, 1)
        self.return_button = QPushButton("退回")
        self.return_button.clicked.connect(self.send_back_selected)
        actions.addWidget(self.return_button)
        actions.addSpacing(16)
        self.pay_list_button = QPushButton("发放名单…")
        self.pay_list_button.setToolTip("已审核、尚未发放的案件及合计金额；登记发放方式，导出给出纳")
        self.pay_list_button.clicked.connect(self.open_pay_list)
        actions.addWidget(self.pay_list_button)
        layout.addLayout(actions)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b00020;")
        layout.addWidget(self.error_label)
        self.detail = QTextBrowser()
        self.detail.setObjectName("reviewDetail")
        layout.addWidget(self.detail, 1)
        self.table.installEventFilter(self)
        session.changed.connect(lambda changes: changes.touches("cases", "settings") and self.refresh())
        self.refresh()

    def open_pay_list(self):
        """The 发放名单 dialog (returned, for the tests)."""
        from .pay_dialog import PayListDialog

        dialog = PayListDialog(self.session, self)
        dialog.open()
        return dialog

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt naming)
        """In the list: Enter opens the case, Ctrl+Enter approves it."""
        if obj is self.table and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.approve_selected()
            else:
                self.open_selected()
            return True
        return super().eventFilter(obj, event)

    def refresh(self) -> None:
        keep = self.selected_id()
        self.rows = self.session.office.cases(status="待审核")
        self.table.setRowCount(0)
        for row in self.rows:
            at = self.table.rowCount()
            self.table.insertRow(at)
            for col, item in enumerate(case_row_items(row)):
                self.table.setItem(at, col, item)
            self.table.item(at, len(COLUMNS) - 1).setText("待审核")
        self.count_label.setText(f"待审核 {len(self.rows)} 件" if self.rows else "没有待审核的案件。")
        ids = [r["case_id"] for r in self.rows]
        if ids:
            self.table.selectRow(ids.index(keep) if keep in ids else 0)
        else:
            self.detail.clear()
        self._update_buttons()

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        self.approve_button.setEnabled(has)
        self.return_button.setEnabled(has)
        self.error_label.clear()

    def open_selected(self) -> None:
        case_id = self.selected_id()
        if case_id is not None:
            self.detail.setHtml(detail_html(self.session.office.case(case_id)))

    def approve_selected(self) -> None:
        case_id = self.selected_id()
        if case_id is None:
            return
        try:
            self.session.office.approve([case_id])
        except InputError as exc:
            self.error_label.setText(exc.zh)
        except StoreError as exc:
            show_error(self, exc)

    def send_back_selected(self) -> None:
        case_id = self.selected_id()
        if case_id is None:
            return
        reason = self.reason_edit.text().strip()
        if not reason:
            self.error_label.setText("请填写退回原因")
            self.reason_edit.setFocus()
            return
        try:
            self.session.office.send_back(case_id, reason)
        except InputError as exc:
            self.error_label.setText(exc.zh)
            return
        except StoreError as exc:
            show_error(self, exc)
            return
        self.reason_edit.clear()
