"""案件查询: find saved cases, read one case's steps and history, void (作废) or reprint (补打) it.

The page only asks the office (engine.office) and shows what it answers; amounts are the
engine's strings, ID numbers are masked in the list.
"""
from __future__ import annotations

import shiboken6

import html
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout,
                               QWidget)

from engine.breakdown import NAMES, breakdown
from engine.case import IDENTITIES, KINDS, mask_id
from engine.errors import InputError
from engine.money import fmt
from engine.region_registry import REGIONS
from engine.store import StoreError

from .widgets import note, page_title
from .errors import show_error

MAX_ROWS = 1000
VOID_COLOR = QColor("#b00020")
VOID_TEXT = QColor("#888888")
# Short visit kinds for the lists (the full name is the cell's tooltip and in the case detail).
SHORT_KINDS = {"outpatient_chronic": "门诊慢特病", "outpatient_special": "门诊特殊疾病", "special_drug": "大病特药",
               "rare_disease": "罕见病用药"}
PRINT_LABEL = "打印回执(&P)"
REPRINT_LABEL = "补打回执(&B)"
ACTION_NAMES = {"save": "保存", "void": "作废", "print": "打印回执", "reprint": "补打回执", "resettle": "补差"}
COLUMNS = ("编号", "回执号", "姓名", "身份证号", "地区", "结算日期", "就诊类别", "医疗总费用", "基本医保", "大病保险",
           "医疗救助", "倾斜救助", "个人自付", "经办点代码", "状态")


# ---------------------------------------------------------------- helpers shared by the pages

def text_item(text: Any, *, align_right: bool = False, data: Any = None) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def make_table(headers: list[str] | tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(False)
    table.horizontalHeader().setHighlightSections(False)
    table.setTabKeyNavigation(False)  # Tab leaves the list for the next control; the arrows move in it
    return table


def fit_columns(table: QTableWidget, *, stretch: int | tuple[int, ...] | None = None, pad: int = 12) -> None:
    """Every column as wide as its widest text (header included), so nothing is cut off."""
    header = table.horizontalHeader()
    stretched = (stretch,) if isinstance(stretch, int) else (stretch or ())
    for col in range(table.columnCount()):
        if col in stretched:
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
            continue
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        table.resizeColumnToContents(col)
        table.setColumnWidth(col, table.columnWidth(col) + pad)


def fit_height(table: QTableWidget, min_rows: int = 1) -> None:
    """A table as tall as its rows (it sits in a scrolling page of its own)."""
    rows = max(table.rowCount(), min_rows)
    height = table.horizontalHeader().height() + 2 * table.frameWidth()
    height += sum(table.rowHeight(r) for r in range(table.rowCount())) or table.verticalHeader().defaultSectionSize()
    height += max(0, rows - table.rowCount()) * table.verticalHeader().defaultSectionSize()
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setFixedHeight(height)


def region_name(code: str) -> str:
    return REGIONS.get(code, code)


def kind_name(code: str) -> str:
    return KINDS.get(code, code)


def short_kind(code: str) -> str:
    return SHORT_KINDS.get(code) or KINDS.get(code, code)


def timestamp(text: str | None) -> str:
    """A stored timestamp (ISO, with its offset) as the clerk reads it: 2023-03-01 09:30:00."""
    return (text or "")[:19].replace("T", " ")


def case_row_items(row: dict) -> list[QTableWidgetItem]:
    """The list row of a case (list_cases' dict): its cells, void ones greyed and marked 作废."""
    p = row["payouts"]
    cells = [text_item(row["case_id"], align_right=True, data=row["case_id"]), text_item(row["receipt_no"]),
             text_item(row["name"]), text_item(row["id_number"]), text_item(region_name(row["region"])),
             text_item(row["date"]), text_item(short_kind(row["kind"])),
             *(text_item(v, align_right=True) for v in (row["total"], p["basic"], p["critical"], p["assistance"],
                                                        p["tilt"], row["out_of_pocket"])),
             text_item(row.get("office_code") or "—"), text_item("作废" if row["void"] else "正常")]
    cells[6].setToolTip(kind_name(row["kind"]))
    if row["void"]:
        for item in cells:
            item.setForeground(QBrush(VOID_TEXT))
        cells[-1].setForeground(QBrush(VOID_COLOR))
        bold = QFont(cells[-1].font())
        bold.setBold(True)
        cells[-1].setFont(bold)
    return cells


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """A plain message to the clerk (a module function so tests can replace it)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("infoDialog")
    try:
        box.exec()
    finally:
        if shiboken6.isValid(box):  # gone already if its parent was closed meanwhile
            box.deleteLater()  # never left alive under its parent until exit


# ---------------------------------------------------------------- the void dialog

class VoidDialog(QDialog):
    """Asks for the reason of a void; an empty reason is refused next to the field."""

    def __init__(self, summary: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("作废案件")
        self.setObjectName("voidDialog")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        about = QLabel(summary)
        about.setWordWrap(True)
        layout.addWidget(about)
        layout.addWidget(note("作废后案件仍保留，其金额不再计入年度累计；回执号不再使用。"))
        row = QHBoxLayout()
        row.addWidget(QLabel("作废原因："))
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("如：结算单录入错误")
        row.addWidget(self.reason_edit, 1)
        layout.addLayout(row)
        self.error_label = QLabel()
        self.error_label.setObjectName("voidReasonError")
        self.error_label.setStyleSheet("color: #b00020;")
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton("确认作废", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason_edit.textChanged.connect(lambda _: self.error_label.clear())

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def accept(self) -> None:
        if not self.reason():
            self.error_label.setText("请填写作废原因（不能为空）")
            self.reason_edit.setFocus()
            return
        super().accept()


# ---------------------------------------------------------------- the search form

class _SearchForm(QFrame):
    """The search fields; Enter in any of them submits."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt naming)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submitted.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class CasesPage(QWidget):
    def __init__(self, session, main_window=None):
        super().__init__()
        self.session = session
        self.main_window = main_window
        self._criteria: dict[str, Any] | None = None
        self._detail: dict[str, Any] | None = None
        self._years: list[int] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        title = page_title("案件查询")
        layout.addWidget(title)
        layout.addWidget(self._build_form())
        self.count_label = QLabel()
        self.count_label.setObjectName("casesCount")
        layout.addWidget(self.count_label)

        self.table = make_table(COLUMNS)
        self.table.setObjectName("casesTable")
        self.table.itemSelectionChanged.connect(self._selection_changed)
        fit_columns(self.table)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        self.void_button = QPushButton("作废(&Z)…")
        self.void_button.setObjectName("void_button")
        self.void_button.setToolTip("作废所选案件（Alt+Z）")
        self.reprint_button = QPushButton(PRINT_LABEL)
        self.reprint_button.setObjectName("print_button")
        self.ledger_button = QPushButton("查看台账(&L)")
        self.audit_button = QPushButton("操作记录(&J)…")
        self.audit_button.setToolTip("所选案件的全部操作记录：谁在何时保存、打印、审核、发放、作废（Alt+J）")
        self.audit_button.clicked.connect(self.open_audit)
        self.void_button.clicked.connect(self._void_clicked)
        self.reprint_button.clicked.connect(self.reprint_selected)
        self.ledger_button.clicked.connect(self.open_ledger)
        self.detail_title = QLabel("选择上方一行查看案件详情")
        self.detail_title.setStyleSheet("font-weight: bold;")
        buttons.addWidget(self.detail_title, 1)
        for b in (self.void_button, self.reprint_button, self.ledger_button, self.audit_button):
            buttons.addWidget(b)
        lower_layout.addLayout(buttons)
        self.detail = QTextBrowser()
        self.detail.setObjectName("caseDetail")
        self.detail.setOpenLinks(False)
        lower_layout.addWidget(self.detail, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 320])
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)
        self._update_buttons()
        session.changed.connect(self._changed)

    # -- form

    def _build_form(self) -> QWidget:
        form = _SearchForm()
        form.setObjectName("casesSearch")
        form.submitted.connect(self.search)
        grid = QGridLayout(form)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        self.id_edit = QLineEdit()
        self.id_edit.setPlaceholderText("18位身份证号（完整）")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("姓名或其中几个字")
        self.year_combo = QComboBox()
        self.year_combo.setMinimumContentsLength(6)
        self.region_combo = QComboBox()
        self.region_combo.addItem("全部", None)
        for code, name in REGIONS.items():
            self.region_combo.addItem(name, code)
        self.operator_edit = QLineEdit()
        self.operator_edit.setPlaceholderText("经办人姓名")
        self.office_edit = QLineEdit()
        self.office_edit.setObjectName("casesOffice")
        self.office_edit.setPlaceholderText("经办点代码或名称")
        self.date_check = QCheckBox("结算日期")
        today = QDate.currentDate()
        self.date_from = QDateEdit(QDate(today.year(), 1, 1))
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
        self.date_check.toggled.connect(self.date_from.setEnabled)
        self.date_check.toggled.connect(self.date_to.setEnabled)
        self.void_check = QCheckBox("含已作废")
        self.status_combo = QComboBox()   # review and payment (发放) states
        for text in ("全部", "待审核", "已审核", "退回", "免审", "待发放", "已发放"):
            self.status_combo.addItem(text, None if text == "全部" else text)
        self.status_combo.activated.connect(lambda _: self.search())
        self.search_button = QPushButton("查询（Enter）")
        self.search_button.clicked.connect(self.search)
        self.clear_button = QPushButton("清空条件")
        self.clear_button.clicked.connect(self.clear_form)
        # A choice the clerk makes in a list or box searches at once (typed fields wait for Enter).
        self.year_combo.activated.connect(lambda _: self.search())
        self.year_combo.currentIndexChanged.connect(lambda _: self._dates_follow_year())
        self.region_combo.activated.connect(lambda _: self.search())
        self.void_check.clicked.connect(lambda _: self.search())

        grid.addWidget(QLabel("身份证号"), 0, 0)
        grid.addWidget(self.id_edit, 0, 1)
        grid.addWidget(QLabel("姓名"), 0, 2)
        grid.addWidget(self.name_edit, 0, 3)
        grid.addWidget(QLabel("年度"), 0, 4)
        grid.addWidget(self.year_combo, 0, 5)
        grid.addWidget(QLabel("地区"), 0, 6)
        grid.addWidget(self.region_combo, 0, 7)
        grid.addWidget(self.search_button, 0, 8)
        grid.addWidget(QLabel("经办人"), 1, 0)
        grid.addWidget(self.operator_edit, 1, 1)
        dates = QHBoxLayout()
        dates.setContentsMargins(0, 0, 0, 0)
        dates.addWidget(self.date_check)
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel(" 至 "))
        dates.addWidget(self.date_to)
        dates.addSpacing(12)
        dates.addWidget(self.void_check)
        dates.addSpacing(12)
        dates.addWidget(QLabel("状态"))
        dates.addWidget(self.status_combo)
        dates.addSpacing(12)
        dates.addWidget(QLabel("经办点"))
        dates.addWidget(self.office_edit)
        dates.addStretch(1)
        grid.addLayout(dates, 1, 2, 1, 6)
        grid.addWidget(self.clear_button, 1, 8)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        return form

    def _fill_years(self) -> None:
        years = self.session.office.case_years()
        if years == self._years and self.year_combo.count():
            return
        current = self.year_combo.currentData() if self.year_combo.count() else self.session.office.newest_case_year()
        self._years = years
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        self.year_combo.addItem("全部", None)
        for y in years:
            self.year_combo.addItem(f"{y}年", y)
        index = self.year_combo.findData(current)
        self.year_combo.setCurrentIndex(index if index >= 0 else 0)
        self.year_combo.blockSignals(False)
        self._dates_follow_year()

    def _dates_follow_year(self) -> None:
        """The date range offered is the chosen 年度's (the whole year), not this calendar year."""
        year = self.year_combo.currentData()
        if year is not None:
            self.date_from.setDate(QDate(year, 1, 1))
            self.date_to.setDate(QDate(year, 12, 31))

    def clear_form(self) -> None:
        for edit in (self.id_edit, self.name_edit, self.operator_edit, self.office_edit):
            edit.clear()
        self.year_combo.setCurrentIndex(0)
        self.region_combo.setCurrentIndex(0)
        self.date_check.setChecked(False)
        self.void_check.setChecked(False)
        self.status_combo.setCurrentIndex(0)
        self.id_edit.setFocus()

    def criteria(self) -> dict[str, Any]:
        """The form as list_cases' keyword arguments."""
        date_from = date_to = None
        if self.date_check.isChecked():
            date_from = self.date_from.date().toPython()
            date_to = self.date_to.date().toPython()
            if date_from > date_to:
                raise InputError("date_from", f"起始日期 {date_from} 晚于截止日期 {date_to}，请调整日期范围",
                                 "the start date is after the end date")
        return {"id_number": self.id_edit.text().strip() or None, "name": self.name_edit.text().strip() or None,
                "year": self.year_combo.currentData(), "region": self.region_combo.currentData(),
                "operator": self.operator_edit.text().strip() or None, "date_from": date_from, "date_to": date_to,
                "include_void": self.void_check.isChecked(), "status": self.status_combo.currentData(),
                "office": self.office_edit.text().strip() or None}

    # -- searching

    def search(self) -> bool:
        """Run the form's search; a bad field is shown to the clerk and nothing changes."""
        try:
            criteria = self.criteria()
            rows = self.session.office.cases(**criteria, limit=MAX_ROWS + 1)
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return False
        self._criteria = criteria
        self._show_rows(rows, keep=None)
        return True

    def _changed(self, changes) -> None:
        if changes.touches("cases", "prints"):
            self.refresh()

    def refresh(self) -> None:
        """Called when the page is shown and when a case was saved, voided or printed: the last search again."""
        self._fill_years()
        keep = self.selected_case_id()
        criteria = self._criteria
        if criteria is None:
            try:
                criteria = self.criteria()
            except InputError:
                return
        try:
            rows = self.session.office.cases(**criteria, limit=MAX_ROWS + 1)
        except (InputError, StoreError) as exc:
            self.count_label.setText(f"查询未完成：{getattr(exc, 'zh', exc)}")
            return
        self._criteria = criteria
        self._show_rows(rows, keep=keep)

    def _show_rows(self, rows: list[dict], keep: int | None) -> None:
        more = len(rows) > MAX_ROWS
        rows = rows[:MAX_ROWS]
        self.rows = rows
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, item in enumerate(case_row_items(row)):
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        fit_columns(self.table)
        voids = sum(1 for row in rows if row["void"])
        text = f"共 {len(rows)} 件" + (f"（其中作废 {voids} 件）" if voids else "")
        if more:
            text = f"结果超过 {MAX_ROWS} 件，只显示按结算日期最早的 {MAX_ROWS} 件；请增加查询条件（如姓名、日期范围）"
        elif not rows:
            text = "没有符合条件的案件"
        self.count_label.setText(text)
        if keep is not None and self.select_case(keep):
            return
        self._show_detail(None)

    def select_case(self, case_id: int) -> bool:
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == case_id:
                self.table.selectRow(r)
                self.table.scrollToItem(self.table.item(r, 0))
                self._selection_changed()
                return True
        return False

    def selected_case_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def row_texts(self, row: int) -> list[str]:
        return [self.table.item(row, c).text() for c in range(self.table.columnCount())]

    # -- the detail

    def _selection_changed(self) -> None:
        case_id = self.selected_case_id()
        if case_id is None:
            self._show_detail(None)
            return
        try:
            self._show_detail(self.session.office.case(case_id))
        except (InputError, StoreError) as exc:
            self._show_detail(None)
            show_error(self, exc)

    def _show_detail(self, detail: dict | None) -> None:
        self._detail = detail
        if detail is None:
            self.detail_title.setText("选择上方一行查看案件详情")
            self.detail.setHtml("")
        else:
            state = "（已作废）" if detail["void"] else ""
            self.detail_title.setText(f"案件 {detail['case_id']}　回执号 {detail['receipt_no']}　{detail['name']}{state}")
            self.detail.setHtml(detail_html(detail))
        self._update_buttons()

    def _update_buttons(self) -> None:
        d = self._detail
        self.void_button.setEnabled(bool(d) and not d["void"])
        self.reprint_button.setEnabled(bool(d) and not d["void"])
        self.ledger_button.setEnabled(bool(d) and hasattr(self.main_window, "show_ledger"))
        self.audit_button.setEnabled(bool(d) and hasattr(self.main_window, "show_audit"))
        printed = bool(d and d["prints"])
        self.reprint_button.setText(REPRINT_LABEL if printed else PRINT_LABEL)
        if d and d["void"]:
            self.reprint_button.setToolTip("已作废的案件不能打印回执")
        else:
            self.reprint_button.setToolTip("回执已打印过，再次打印标注“补打”（Alt+B）" if printed else "打印回执（Alt+P）")

    # -- actions

    def _void_clicked(self) -> None:
        d = self._detail
        if not d:
            return
        dialog = VoidDialog(f"将作废案件 {d['case_id']}（回执号 {d['receipt_no']}，{d['name']}，{d['date']}，"
                            f"医疗总费用 {d['input']['amounts']['total']}）。", self)
        try:
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
            reason = dialog.reason()
        finally:
            # A modal dialog left alive under the page is destroyed twice at exit (by Qt with its
            # parent and by Python): "shared QObject was deleted directly", abort on close.
            if shiboken6.isValid(dialog):
                dialog.deleteLater()
        if accepted:
            self.void_selected(reason)

    def void_selected(self, reason: str) -> dict | None:
        """Void the selected case; returns the office's answer, or None when nothing was voided."""
        case_id = self.selected_case_id()
        if case_id is None:
            return None
        try:
            if not (reason or "").strip():
                raise InputError("reason", "作废必须填写原因", "a reason is required to void a case")
            answer = self.session.office.void(case_id, reason, operator=self.session.operator).value
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return None
        # Keep the voided row in sight, marked 作废 (every page has refreshed from the office's change).
        self.void_check.setChecked(True)
        if self._criteria is not None:
            self._criteria = {**self._criteria, "include_void": True}
        if self.selected_case_id() != case_id:
            self.refresh()
            self.select_case(case_id)
        if answer["later_changed"]:
            inform(self, "作废后需复核的案件", later_changed_text(answer))
        return answer

    def reprint_selected(self) -> bool:
        """Print the selected case's receipt: its first print for a case saved without printing,
        else 补打 (printing.print_receipt decides from the recorded prints)."""
        case_id = self.selected_case_id()
        if case_id is None:
            return False
        try:
            from gui.printing import print_receipt

            done = print_receipt(self, self.session, case_id, reprint=False)
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return False
        except ImportError as exc:
            show_error(self, exc, "无法打印")
            return False
        if done:
            self._selection_changed()  # the prints and audit entries
        return bool(done)

    def open_audit(self):
        """The audit-log viewer of the selected case (the main window opens it; returned, for the tests)."""
        if not self._detail or not hasattr(self.main_window, "show_audit"):
            return None
        return self.main_window.show_audit(case_id=self._detail["case_id"])

    def open_ledger(self) -> None:
        d = self._detail
        if d and hasattr(self.main_window, "show_ledger"):
            self.main_window.show_ledger(d["id_number"], d["policy_year"])


def later_changed_text(answer: dict) -> str:
    lines = [f"案件 {answer['case_id']}（回执号 {answer['receipt_no']}）已作废。",
             "同一人同年度此后保存的下列案件，按现在的年度累计重新计算结果会不同（已保存的结果未改动），请复核：", ""]
    for item in answer["later_changed"]:
        diffs = [f"{NAMES.get(k, k)} {item['stored'][k]} → {item['recomputed'][k]}"
                 for k in item["recomputed"] if item["stored"].get(k) != item["recomputed"][k]]
        lines.append(f"案件 {item['case_id']}：" + "；".join(diffs))
    return "\n".join(lines)


def detail_html(d: dict) -> str:
    """A case as the clerk reads it: amounts, steps with their clauses, warnings, void state, prints, audit."""
    e = html.escape
    res = d["result"]
    inp = d["input"]
    person = inp.get("person", {})
    ids = "、".join(IDENTITIES.get(c, c) for c in person.get("identities", [])) or "无"
    out = []
    if d["void"]:
        out.append(f"<p style='color:#b00020'><b>已作废</b>　{e(timestamp(d['voided_at']))}　经办人 {e(d['voided_by'] or '')}"
                   f"　原因：{e(d['void_reason'] or '')}</p>")
    out.append("<table cellspacing='0' cellpadding='3'>")
    facts = [("身份证号", mask_id(d["id_number"])), ("地区", region_name(d["region"])), ("结算日期", d["date"]),
             ("政策年度", str(d["policy_year"])), ("就诊类别", kind_name(inp.get("visit", {}).get("kind", ""))),
             ("救助身份", ids), ("救助类别", res.get("assistance_class") or "—"),
             ("经办", f"{d['operator']}（{d['office']}）{timestamp(d['created_at'])}")]
    for i in range(0, len(facts), 4):
        out.append("<tr>" + "".join(f"<td style='color:#555'>{e(k)}</td><td style='padding-right:18px'>{e(v)}</td>"
                                    for k, v in facts[i:i + 4]) + "</tr>")
    out.append("</table>")
    b = breakdown(inp, res)
    amounts = [(NAMES["total"], b.total), *((r.name, r.amount) for r in b.rows if r.amount is not None)]
    out.append("<table cellspacing='0' cellpadding='3' border='1' style='border-collapse:collapse'><tr>"
               + "".join(f"<th>{e(k)}</th>" for k, _ in amounts) + "</tr><tr>"
               + "".join(f"<td align='right'>{fmt(v)}</td>" for _, v in amounts) + "</tr></table>")
    out.append("<h4>计算步骤</h4><table cellspacing='0' cellpadding='3' border='1' style='border-collapse:collapse'>"
               "<tr><th>层次</th><th>算式</th><th>金额</th><th>依据</th></tr>")
    for row in b.rows:
        for step in row.steps:
            amount = "" if step.amount is None else fmt(step.amount)
            out.append(f"<tr><td>{e(row.name)}</td><td>{e(step.text)}</td>"
                       f"<td align='right'>{amount}</td><td>{e(step.source)}</td></tr>")
    out.append("</table>")
    if b.warnings:
        out.append("<h4>提示与预警</h4><ul>" + "".join(
            f"<li style='color:{'#333' if w.kind == 'note' else '#b00020'}'><b>【{e(w.tag)}】</b>{e(w.text)}</li>"
            for w in b.warnings) + "</ul>")
    if res.get("documents"):
        out.append("<p style='color:#555'>依据文件：" + "；".join(e(x) for x in res["documents"]) + "</p>")
    if d["prints"]:
        out.append("<h4>回执打印</h4><ul>" + "".join(
            f"<li>{e(timestamp(p['printed_at']))}　{e(p['operator'])}　{'补打' if p['reprint'] else '打印'}</li>"
            for p in d["prints"]) + "</ul>")
    else:
        out.append("<p style='color:#555'>回执尚未打印。</p>")
    if d["audit"]:
        out.append("<h4>操作记录</h4><ul>" + "".join(
            f"<li>{e(timestamp(a['at']))}　{e(a['operator'])}　"
            f"{e(ACTION_NAMES.get(a['action'], a['action']))}：{e(a['detail'])}</li>" for a in d["audit"]) + "</ul>")
    return "".join(out)
