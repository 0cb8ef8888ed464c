"""政策参数: every parameter of a region with its value today, clause, dates and whether it is
verified; the document's sentence and the full dated history of the selected one; and a
supervisor's change (修改), which is a new dated version (through engine.office): it
applies from a date after every saved case of the region, so past cases never change."""
from __future__ import annotations

import datetime as dt
import html
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout,
                               QWidget)

from engine import clock
from engine.catalog import region_day
from engine.errors import InputError
from engine.office import encode_value, format_value, parse_value_text
from engine.policy import Parameter, PolicyBook
from engine.region_registry import REGIONS

from .widgets import note, page_title
from .errors import message_of
from .proposals_box import ProposalsBox

COLUMNS = ("名称", "参数", "当前值", "依据", "施行日期", "核实", "本地调整")
COL_NAME, COL_KEY, COL_VALUE, COL_CITATION, COL_DATES, COL_VERIFIED, COL_LOCAL = range(len(COLUMNS))
WIDTHS = {COL_NAME: 280, COL_KEY: 168, COL_CITATION: 280, COL_DATES: 108, COL_VERIFIED: 60, COL_LOCAL: 100}
MAX_LINES = 3   # a cell wraps to at most this many lines; the rest is in its tooltip and the detail below
YES_NO = {True: "适用", False: "不适用"}   # a yes/no parameter, as a clerk reads it beside its name
UNVERIFIED_BG = QColor("#fde7c2")
UNVERIFIED_FG = QColor("#8a4b00")
LOCAL_BG = QColor("#dcebfa")
LOCAL_FG = QColor("#0b4f8a")
ERROR_STYLE = "color: #b00020;"
DONE_STYLE = "color: #1b6e20;"
NOT_IN_FORCE = "（今日不适用）"


def qdate_to_date(value: Any) -> Any:
    if isinstance(value, QDate):
        return dt.date(value.year(), value.month(), value.day())
    return value


def _item(text: str, *, tip: str | None = None, data: Any = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    item.setToolTip(tip if tip is not None else text)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def _mark(item: QTableWidgetItem, background: QColor, foreground: QColor) -> None:
    item.setBackground(QBrush(background))
    item.setForeground(QBrush(foreground))
    bold = QFont(item.font())
    bold.setBold(True)
    item.setFont(bold)


class ParameterRow:
    """What the table shows of one parameter on one day (no Qt)."""

    def __init__(self, book: PolicyBook, region: str, p: Parameter, day: dt.date):
        self.name = p.name
        self.description = p.description
        self.parameter = p
        try:
            ps = book.params_for(region, day)
        except InputError:
            ps = None
        self.in_force = ps is not None and p.name in ps.values
        self.value = ps.values[p.name] if self.in_force else None
        meta = ps.meta[p.name] if self.in_force else p
        self.citation = meta.citation
        self.verified = meta.verified
        self.history = book.history(region, p.name)
        self.local_now = book.local_source(region, p.name, day) if self.in_force else None
        self.locals = [e["local"] for e in self.history if e["local"] is not None]

    @property
    def latest_value(self) -> Any:
        """The newest value given (a pending local one included): what a change starts from."""
        return next((e["value"] for e in reversed(self.history) if e["value"] is not None and not e["superseded"]), None)

    @property
    def value_text(self) -> str:
        if not self.in_force:
            return NOT_IN_FORCE
        return YES_NO[self.value] if isinstance(self.value, bool) else format_value(self.name, self.value)

    @property
    def dates_text(self) -> str:
        """The dates each value starts (first and last when more than two; all of them in the tooltip)."""
        parts = [e["from"].isoformat() + ("停止" if e["value"] is None else "")
                 for e in self.history if not e["superseded"]]
        if len(parts) == 1:
            return parts[0] + ("" if parts[0].endswith("停止") else " 起")
        return "、".join(parts) if len(parts) == 2 else f"{parts[0]}、…、{parts[-1]}"

    @property
    def local_text(self) -> str:
        if not self.locals:
            return ""
        last = self.locals[-1]
        if self.local_now is not None and self.local_now is last:
            return f"已生效 {last.valid_from} 起"
        if self.local_now is None and last.valid_from > clock.today():
            return f"待生效 {last.valid_from} 起"
        return f"{last.valid_from} 起"

    def matches(self, text: str) -> bool:
        t = text.strip().lower()
        return not t or t in self.name.lower() or t in self.description.lower()


class ChangeDialog(QDialog):
    """New value, 生效日期, 原因; the page's change_value does the work, errors stay in the dialog."""

    def __init__(self, page: "PolicyPage", row: ParameterRow, earliest: dt.date, last_case: dt.date | None):
        super().__init__(page)
        self.page = page
        self.row = row
        self.setWindowTitle("修改政策参数")
        self.setObjectName("policyChangeDialog")
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        pending = [v for v in row.locals if v.valid_from > page.today()]
        later = "".join(f"<br>待生效：{v.valid_from} 起 {html.escape(format_value(v.name, v.value))}（{html.escape(v.label)}）"
                        for v in pending)
        about = QLabel(f"<b>{html.escape(row.description)}</b>（{html.escape(row.name)}）<br>"
                       f"{html.escape(REGIONS[page.region()])}　今日适用：{html.escape(row.value_text)}{later}<br>"
                       f"依据：{html.escape(row.citation)}<br>调整人：{html.escape(page.session.operator)}")
        about.setWordWrap(True)
        about.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(about)
        form = QFormLayout()
        self.value_edit = QPlainTextEdit()
        self.value_edit.setObjectName("policyValueEdit")
        template = row.latest_value
        self.value_edit.setPlainText(encode_value(template) if template is not None else "")
        self.value_edit.setFixedHeight(86)
        form.addRow("新值：", self.value_edit)
        hint = note("数值直接填写，如 30000、0.80 或 80%；按项目或列表的值保持原有的 { } 或 [ ] 格式，只改数字。")
        form.addRow("", hint)
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("policyDateEdit")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMinimumDate(QDate(earliest.year, earliest.month, earliest.day))
        self.date_edit.setDate(QDate(earliest.year, earliest.month, earliest.day))
        form.addRow("生效日期：", self.date_edit)
        why = (f"最早可选 {earliest}：须晚于本地区已保存案件的最晚结算日期 {last_case}，且不早于今天。"
               if last_case and earliest > page.today() else f"最早可选 {earliest}（今天）。")
        form.addRow("", note(why + "已保存的案件不受影响；结算日期在此日及以后的案件按新值计算，结果中提示使用了本地调整的取值。"))
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("policyReasonEdit")
        self.reason_edit.setPlaceholderText("如：依据 2026 年统计公报调整")
        form.addRow("原因：", self.reason_edit)
        layout.addLayout(form)
        self.error_label = QLabel()
        self.error_label.setObjectName("policyChangeError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("确认修改", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        done = self.page.change_value(self.row.name, self.value_edit.toPlainText(), self.date_edit.date(),
                                      self.reason_edit.text())
        if done is None:
            self.error_label.setText(self.page.message.text())
            return
        super().accept()


class PolicyPage(QWidget):
    def __init__(self, session, main_window: QWidget | None = None):
        super().__init__()
        self.session = session
        self.main_window = main_window
        self.rows: list[ParameterRow] = []
        self.dialog: ChangeDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        title = page_title("政策参数")
        layout.addWidget(title)
        intro = note("“待核实”为文件未载的本地取值或本地调整，计算结果会提示。修改会新增一个自某日起施行的取值，已保存的案件不受影响。")
        layout.addWidget(intro)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("地区："))
        self.region_combo = QComboBox()
        self.region_combo.setObjectName("policyRegion")
        for code, name in REGIONS.items():
            self.region_combo.addItem(name, code)
        self.region_combo.setMinimumWidth(140)
        bar.addWidget(self.region_combo)
        bar.addSpacing(12)
        bar.addWidget(QLabel("查找："))
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("policySearch")
        self.search_edit.setPlaceholderText("参数名或名称，如 起付 / cap")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(240)
        bar.addWidget(self.search_edit)
        self.unverified_only = QCheckBox("只看待核实")
        bar.addWidget(self.unverified_only)
        bar.addStretch(1)
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        bar.addSpacing(12)
        self.change_button = QPushButton("修改…")
        self.change_button.setObjectName("policyChange")
        self.change_button.setToolTip("为选中的参数新增一个自某日起施行的取值")
        self.change_button.setEnabled(False)
        bar.addWidget(self.change_button)
        layout.addLayout(bar)

        self.message = QLabel()
        self.message.setObjectName("policyMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.proposals = ProposalsBox(session, self)   # shown while a parameter change waits for a second account
        layout.addWidget(self.proposals)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("policyTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):
            if col == COL_VALUE:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
                self.table.setColumnWidth(col, WIDTHS[col])
        # The program's own key (assistance.base) is for the command line: the detail below shows it.
        self.table.setColumnHidden(COL_KEY, True)

        self.detail = QTextBrowser()
        self.detail.setObjectName("policyDetail")
        self.detail.setOpenExternalLinks(False)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)

        default = session.setting("default_region") if session is not None else ""
        if default in REGIONS:
            self.region_combo.setCurrentIndex(self.region_combo.findData(default))
        self.region_combo.currentIndexChanged.connect(lambda _: self.refresh())
        self.search_edit.textChanged.connect(lambda _: self._fill())
        self.unverified_only.toggled.connect(lambda _: self._fill())
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.table.itemDoubleClicked.connect(lambda _: self.open_change_dialog())
        self.change_button.clicked.connect(self.open_change_dialog)
        if session is not None:
            session.changed.connect(self._changed)
        self.refresh()

    # ---- reading
    def region(self) -> str:
        return self.region_combo.currentData()

    def set_region(self, region: str) -> None:
        self.region_combo.setCurrentIndex(self.region_combo.findData(region))

    def today(self) -> dt.date:
        return clock.today()

    def _changed(self, changes) -> None:
        if changes.touches("policy"):
            self.refresh()

    def refresh(self) -> None:
        region = self.region()
        book = self.session.office.book   # read once: every row of the page from the same book
        day = region_day(region, self.today(), book)
        rb = book.region(region)
        order = {d.key: (not d.core, d.local, i) for i, d in enumerate(rb.documents)}
        params = sorted(rb.parameters.values(), key=lambda p: order[p.document.key])
        self.rows = [ParameterRow(book, region, p, day) for p in params]
        self._fill()

    def visible_rows(self) -> list[ParameterRow]:
        text = self.search_edit.text()
        return [r for r in self.rows if r.matches(text) and (not self.unverified_only.isChecked() or not r.verified)]

    def _fill(self) -> None:
        keep = self.selected_name()
        rows = self.visible_rows()
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = [_item(r.description, data=r.name), _item(r.name), _item(r.value_text),
                     _item(r.citation), _item(r.dates_text, tip=self._dates_tip(r)),
                     _item("已核实" if r.verified else "待核实"), _item(r.local_text)]
            if not r.verified:
                _mark(cells[COL_VERIFIED], UNVERIFIED_BG, UNVERIFIED_FG)
            if r.local_now is not None:
                _mark(cells[COL_VALUE], LOCAL_BG, LOCAL_FG)
            if r.locals:
                _mark(cells[COL_LOCAL], LOCAL_BG, LOCAL_FG)
                cells[COL_LOCAL].setToolTip("；".join(f"{v.valid_from} 起：{format_value(v.name, v.value)}（{v.label}）"
                                                     for v in r.locals))
            for col, cell in enumerate(cells):
                self.table.setItem(i, col, cell)
        self._fit_rows()
        unverified = sum(1 for r in self.rows if not r.verified)
        local = sum(1 for r in self.rows if r.locals)
        shown = f"显示 {len(rows)} / " if len(rows) != len(self.rows) else ""
        self.count_label.setText(f"{shown}共 {len(self.rows)} 项，待核实 {unverified} 项，本地调整 {local} 项")
        if not (keep and self.select(keep)):
            self.table.clearSelection()
        self._show_selected()   # the selection may be the same row while its content changed

    def _fit_rows(self) -> None:
        self.table.resizeRowsToContents()
        line = self.table.fontMetrics().lineSpacing()
        limit = MAX_LINES * line + 10
        for i in range(self.table.rowCount()):
            if self.table.rowHeight(i) > limit:
                self.table.setRowHeight(i, limit)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        self._fit_rows()   # the stretched column's width decides how many lines a cell takes

    @staticmethod
    def _dates_tip(r: ParameterRow) -> str:
        return "\n".join(f"{e['from']} 起：{format_value(r.name, e['value'])}" + ("（本地调整）" if e["local"] else "")
                         + ("（被同日的本地调整取代）" if e["superseded"] else "") for e in r.history)

    def select(self, name: str) -> bool:
        for i in range(self.table.rowCount()):
            if self.table.item(i, COL_NAME).data(Qt.ItemDataRole.UserRole) == name:
                self.table.selectRow(i)
                self.table.scrollToItem(self.table.item(i, COL_NAME))
                return True
        return False

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        return self.table.item(rows[0].row(), COL_NAME).data(Qt.ItemDataRole.UserRole)

    def row_of(self, name: str) -> ParameterRow | None:
        return next((r for r in self.rows if r.name == name), None)

    def _show_selected(self) -> None:
        name = self.selected_name()
        row = self.row_of(name) if name else None
        self.change_button.setEnabled(row is not None)
        if row is None:
            self.detail.setHtml("<p style='color:#555'>选中一个参数，可在此查看文件原文和历次取值；点“修改…”可新增一个自某日起施行的取值。</p>")
            return
        self.detail.setHtml(self.detail_html(row))

    def detail_html(self, row: ParameterRow) -> str:
        e = html.escape
        p = row.parameter
        doc = p.document
        verified = ("已核实" if row.verified else "<span style='background:#fde7c2;color:#8a4b00;font-weight:bold'>"
                    "&nbsp;待核实&nbsp;</span>")
        out = [f"<p style='font-size:15px'><b>{e(row.description)}</b>　<span style='color:#555'>{e(row.name)}</span></p>",
               f"<p>当前值：<b>{e(row.value_text)}</b>　{verified}<br>依据：{e(row.citation)}<br>"
               f"文件：{e(doc.label)}（施行 {doc.valid_from} 至 {doc.valid_until or '今'}）</p>"]
        if p.quote:
            out.append(f"<p><b>原文：</b>{e(p.quote)}</p>")
        if p.reading:
            out.append(f"<p><b>本系统的理解：</b>{e(p.reading)}</p>")
        if p.note:
            out.append(f"<p><b>说明：</b>{e(p.note)}</p>")
        out.append("<p><b>历次取值</b></p><table cellspacing='0' cellpadding='4' border='1' "
                   "style='border-collapse:collapse;border-color:#ccc'>"
                   "<tr style='background:#eee'><th>施行日期</th><th>截止</th><th>取值</th><th>依据</th><th>核实</th></tr>")
        for h in row.history:
            until = "被同日的本地调整取代" if h["superseded"] else (str(h["until"]) if h["until"] else "—")
            value = "停止执行" if h["value"] is None else format_value(row.name, h["value"])
            source = e(h["citation"])
            if h["local"] is not None:
                source += f"<br><span style='color:#555'>登记于 {e(h['local'].created_at[:19].replace('T', ' '))}</span>"
            style = " style='background:#dcebfa'" if h["local"] is not None else ""
            mark = "已核实" if h["verified"] else "<span style='color:#8a4b00;font-weight:bold'>待核实</span>"
            out.append(f"<tr{style}><td>{h['from']}</td><td>{e(until)}</td><td>{e(value)}</td><td>{source}</td>"
                       f"<td>{mark}</td></tr>")
        out.append("</table>")
        return "".join(out)

    # ---- changing
    def show_message(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else DONE_STYLE)
        self.message.show()

    def change_value(self, name: str, value_text: str, valid_from: Any, reason: str) -> dict | None:
        """A new dated version of parameter `name` of the selected region. Returns the stored
        version, or None with the reason shown (next to the table, and in the dialog)."""
        region = self.region()
        row = self.row_of(name)
        try:
            value = parse_value_text(value_text, row.latest_value if row is not None else None)
            done = self.session.office.add_policy_version(region, name, value, qdate_to_date(valid_from), reason,
                                                          self.session.operator).value
        except Exception as exc:  # every refusal is shown, never a traceback
            self.show_message(message_of(exc), error=True)
            return None
        self.select(name)   # this page, as every other, has refreshed from the office's change
        if done.get("state") == "待审批":   # with accounts: it applies once a second account approves it
            self.show_message(f"已提交参数调整 {done['id']}：{done['text']}。须由另一账户（审核或管理员）在下方"
                              "“待审批的参数调整”中审批通过后才生效。", error=False)
            return done
        self.show_message(f"已保存：{done['description']}（{name}）自 {done['valid_from']} 起为 {done['value_text']}。"
                          "已保存的案件不受影响。", error=False)
        return done

    def open_change_dialog(self) -> None:
        name = self.selected_name()
        row = self.row_of(name) if name else None
        if row is None:
            return
        office = self.session.office
        try:
            earliest = office.earliest_valid_from(self.region(), today=self.today())
            last = office.last_case_date(self.region())
        except Exception as exc:
            self.show_message(message_of(exc), error=True)
            return
        self.dialog = ChangeDialog(self, row, earliest, last)
        self.dialog.exec()
        self.dialog = None
