"""报表: the day's report (日结) for a date and office, shown and written as PDF or Excel; the
month report to the district (Excel or PDF, with the 统计 charts); the cases waiting for 补差 and settling
them (with the 补差结算单); the year's case export and the import of the civil-affairs list
(民政名单, with every rejected row and its reason). Everything goes through the office."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QComboBox, QDateEdit, QFileDialog, QGroupBox, QHBoxLayout, QInputDialog, QLabel,
                               QPushButton, QScrollArea, QSizePolicy, QSpinBox, QVBoxLayout, QWidget)

from engine import clock
from engine.errors import InputError
from engine.money import fmt
from engine.reports.day import SUM_NAMES, SUMS
from engine.store import StoreError

from .cases_page import fit_columns, fit_height, inform, make_table, text_item
from .errors import show_error
from .widgets import note, page_title

DAY_COLUMNS = ("经办人", "结算件数", *(SUM_NAMES[k] for k in SUMS), "作废", "补打", "补差补付", "补差应退")
PAY_COLUMNS = ("经办人", "发放方式", "发放件数", "发放金额")
PENDING_COLUMNS = ("案件编号", "回执号", "姓名", "身份证号", "结算日期", "基本医保", "大病保险", "医疗救助", "倾斜救助",
                   "补差合计")
ALL_OFFICES = "（全部经办机构）"


def ask_path(parent: QWidget, title: str, default: str, kind: str) -> str | None:
    """A file to write (module function so tests can replace it); the ending added when missing."""
    filters = {"pdf": "PDF 文件 (*.pdf)", "xlsx": "Excel 工作簿 (*.xlsx)"}
    path, _ = QFileDialog.getSaveFileName(parent, title, str(Path.home() / default), filters[kind])
    if not path:
        return None
    return path if path.lower().endswith("." + kind) else f"{path}.{kind}"


def ask_open(parent: QWidget, title: str) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, str(Path.home()), "名单 (*.xlsx *.csv)")
    return path or None


def ask_reason(parent: QWidget, case_id: int) -> str | None:
    text, ok = QInputDialog.getText(parent, "办理补差", f"案件 {case_id} 补差原因（如：第N件作废后重算、补录某月结算单）：")
    return text.strip() if ok and text.strip() else None


class ReportsPage(QWidget):
    def __init__(self, session, main_window=None):
        super().__init__()
        self.session = session
        self.main_window = main_window
        self.report = None
        self.pending: list[dict] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(page_title("报表"))

        # -- 日结
        day_box = QGroupBox("日结（按操作的记录时间：保存、作废、补打、补差、发放）")
        day = QVBoxLayout(day_box)
        row = QHBoxLayout()
        row.addWidget(QLabel("日期"))
        today = clock.today()
        self.day_edit = QDateEdit(QDate(today.year, today.month, today.day))
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        row.addWidget(self.day_edit)
        row.addSpacing(12)
        row.addWidget(QLabel("经办机构"))
        self.office_combo = QComboBox()
        self.office_combo.setMinimumContentsLength(9)
        row.addWidget(self.office_combo)
        self.day_button = QPushButton("生成日结")
        self.day_button.clicked.connect(self.load_day)
        self.day_pdf = QPushButton("导出 PDF…")
        self.day_pdf.clicked.connect(lambda: self._export_day("pdf"))
        self.day_xlsx = QPushButton("导出 Excel…")
        self.day_xlsx.clicked.connect(lambda: self._export_day("xlsx"))
        row.addWidget(self.day_button)
        row.addStretch(1)
        row.addWidget(self.day_pdf)
        row.addWidget(self.day_xlsx)
        day.addLayout(row)
        self.day_summary = QLabel()
        self.day_summary.setObjectName("daySummary")
        self.day_summary.setWordWrap(True)
        day.addWidget(self.day_summary)
        self.day_table = make_table(DAY_COLUMNS)
        self.day_table.setObjectName("dayTable")
        day.addWidget(self.day_table)
        self.pay_label = QLabel()
        day.addWidget(self.pay_label)
        self.pay_table = make_table(PAY_COLUMNS)
        self.pay_table.setObjectName("dayPayTable")
        day.addWidget(self.pay_table)
        layout.addWidget(day_box)
        day_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        # -- 补差
        pending_box = QGroupBox("待补差的案件（作废或补录较早的结算单后，按重算的年度台账与已支付金额的差额；负数为应退）")
        pend = QVBoxLayout(pending_box)
        self.pending_label = QLabel()
        pend.addWidget(self.pending_label)
        self.pending_table = make_table(PENDING_COLUMNS)
        self.pending_table.setObjectName("pendingTable")
        self.pending_table.itemSelectionChanged.connect(self._update_buttons)
        pend.addWidget(self.pending_table)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.settle_button = QPushButton("办理补差…")
        self.settle_button.clicked.connect(self._settle_clicked)
        buttons.addWidget(self.settle_button)
        pend.addLayout(buttons)
        layout.addWidget(pending_box)
        pending_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        # -- 月报, export, import
        month_box = QGroupBox("月报与数据交换")
        month = QHBoxLayout(month_box)
        month.addWidget(QLabel("年"))
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(today.year)
        month.addWidget(self.year_spin)
        month.addWidget(QLabel("月"))
        self.month_spin = QSpinBox()
        self.month_spin.setRange(1, 12)
        self.month_spin.setValue(today.month)
        month.addWidget(self.month_spin)
        self.month_button = QPushButton("导出月报 Excel…")
        self.month_button.setToolTip("按保存时间统计该月案件：分类汇总、人数人次、结算明细、作废与补差，附统计图表")
        self.month_button.clicked.connect(lambda: self._export_month("xlsx"))
        self.month_pdf = QPushButton("导出月报 PDF…")
        self.month_pdf.setToolTip("同 Excel 月报的内容与统计图表，可打印签字（身份证号隐去中间位）")
        self.month_pdf.clicked.connect(lambda: self._export_month("pdf"))
        self.export_button = QPushButton("导出该月结算明细…")
        self.export_button.setToolTip("按结算日期导出该月案件（国家医保结算字段名）")
        self.export_button.clicked.connect(self._export_cases)
        self.import_button = QPushButton("导入民政名单…")
        self.import_button.clicked.connect(self._import_clicked)
        month.addStretch(1)
        for button in (self.month_button, self.month_pdf, self.export_button, self.import_button):
            month.addWidget(button)
        layout.addWidget(month_box)
        layout.addWidget(note("日结按当天实际办理的操作统计（当天保存的案件即使日后作废，仍计入当天；作废计入作废当天）。"
                              "月报按保存时间归月，结算日期另列。"))
        layout.addStretch(1)
        session.changed.connect(self._changed)
        self._update_buttons()

    # -- refreshing

    def _changed(self, changes) -> None:
        if changes.touches("cases", "ledger", "prints", "settings") and self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        own = self.session.office_name
        current = self.office_combo.currentData()
        self.office_combo.blockSignals(True)
        self.office_combo.clear()
        self.office_combo.addItem(own, own)
        self.office_combo.addItem(ALL_OFFICES, ALL_OFFICES)
        self.office_combo.setCurrentIndex(max(0, self.office_combo.findData(current)) if current else 0)
        self.office_combo.blockSignals(False)
        self.load_day()
        self.load_pending()

    def selected_day(self) -> dt.date:
        return self.day_edit.date().toPython()

    def selected_office(self) -> str | None:
        """The office the 日结 is for; None for all."""
        data = self.office_combo.currentData()
        return None if data in (None, ALL_OFFICES) else data

    def load_day(self) -> None:
        try:
            self.report = self.session.office.day_report(self.selected_day(), self.selected_office())
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return
        rows = self.report.operators + [self.report.totals]
        self.day_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = [row.operator, row.cases, *(fmt(row.sums[k]) for k in SUMS), row.voids, row.reprints,
                      fmt(row.resettled_paid), fmt(row.resettled_recovered)]
            for c, value in enumerate(values):
                self.day_table.setItem(r, c, text_item(value, align_right=c > 0))
        fit_columns(self.day_table)
        fit_height(self.day_table, 2)
        t = self.report.totals
        methods = self.report.by_method
        self.pay_table.setRowCount(len(methods))
        for r, row in enumerate(methods):
            for c, value in enumerate((row.operator, row.method, row.count, fmt(row.amount))):
                self.pay_table.setItem(r, c, text_item(value, align_right=c > 1))
        fit_columns(self.pay_table)
        fit_height(self.pay_table, 1)
        self.pay_table.setVisible(bool(methods))
        self.pay_label.setText(f"发放（按经办人与发放方式）：共 {t.payments} 件，{fmt(t.paid)} 元" if methods
                               else "当天没有记录发放。")
        voids = "；".join(f"{v['number']} {v['name']}（{v['void_reason']}）" for v in self.report.voids) or "无"
        self.day_summary.setText(f"{self.report.title}：结算 {t.cases} 件，作废 {t.voids} 件（{voids}），"
                                 f"补打 {t.reprints} 件，补差 {len(self.report.resettlements)} 件"
                                 f"（补付 {fmt(t.resettled_paid)}，应退 {fmt(t.resettled_recovered)}）")
        if self.report.review_off:   # review switched off that day (the PDF and xlsx say it too)
            self.day_summary.setText(self.day_summary.text() + "\n" + self.report.review_off)
        self._update_buttons()

    def load_pending(self) -> None:
        try:
            self.pending = self.session.office.pending_resettlements()
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return
        self.pending_table.setRowCount(len(self.pending))
        for r, p in enumerate(self.pending):
            d = p["difference"]
            values = [p["case_id"], p["receipt_no"], p["name"], p["id_number"], p["date"], d["basic"], d["critical"],
                      d["assistance"], d["tilt"], d["to_pay"]]
            for c, value in enumerate(values):
                self.pending_table.setItem(r, c, text_item(value, align_right=c == 0 or c >= 5,
                                                           data=p["case_id"] if c == 0 else None))
        fit_columns(self.pending_table)
        fit_height(self.pending_table, 2)
        self.pending_label.setText(f"待补差 {len(self.pending)} 件。" if self.pending else "没有待补差的案件。")
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.report is not None
        self.day_pdf.setEnabled(has)
        self.day_xlsx.setEnabled(has)
        self.settle_button.setEnabled(bool(self.pending_table.selectionModel().selectedRows()))

    # -- 日结 files

    def _export_day(self, kind: str) -> None:
        path = ask_path(self, "导出日结", f"日结-{self.selected_day().isoformat()}.{kind}", kind)
        if path:
            self.export_day_to(path)

    def export_day_to(self, path: str | Path) -> None:
        try:
            report = self.session.office.write_day_report(self.selected_day(), path, self.selected_office())
        except (InputError, StoreError, OSError) as exc:
            show_error(self, exc, "日结未导出")
            return
        inform(self, "导出完成", f"已导出{report.title}到：\n{path}")

    # -- 补差

    def _settle_clicked(self) -> None:
        selected = self.pending_table.selectionModel().selectedRows()
        if not selected:
            return
        case_id = self.pending[selected[0].row()]["case_id"]
        reason = ask_reason(self, case_id)
        if reason:
            self.settle(case_id, reason)

    def settle(self, case_id: int, reason: str, receipt_to: str | Path | None = None) -> dict | None:
        """补差 one case; its 补差结算单 is written to `receipt_to` (asked for when None)."""
        try:
            done = self.session.office.resettle(case_id, reason, operator=self.session.operator).value
        except (InputError, StoreError) as exc:
            show_error(self, exc, "补差未办理")
            return None
        target = receipt_to or ask_path(self, "保存补差结算单", f"补差结算单-{done['resettlement_receipt_no']}.pdf", "pdf")
        if target:
            try:
                self.session.office.write_resettlement_receipt(done["resettlement_id"], target)
            except OSError as exc:
                show_error(self, exc, "补差结算单未保存")
        d = done["difference"]
        verb = f"补付 {d['to_pay']}" if not d["to_pay"].startswith("-") else f"应退 {d['to_pay'][1:]}"
        inform(self, "补差已办理", f"案件 {case_id}（回执号 {done['receipt_no']}）补差回执号 "
                                  f"{done['resettlement_receipt_no']}：{verb} 元")
        return done

    # -- month report, export, import

    def _export_month(self, kind: str) -> None:
        year, month = self.year_spin.value(), self.month_spin.value()
        path = ask_path(self, "导出月报", f"月报-{year}-{month:02d}.{kind}", kind)
        if path:
            self.export_month_to(path)

    def export_month_to(self, path: str | Path) -> None:
        year, month = self.year_spin.value(), self.month_spin.value()
        office = self.session.office
        try:
            report = office.write_month_report(year, month, path)
        except (InputError, StoreError, OSError) as exc:
            show_error(self, exc, "月报未导出")
            return
        inform(self, "导出完成", f"已导出{report.title}（服务 {report.persons} 人、{report.cases} 人次）到：\n{path}")

    def _export_cases(self) -> None:
        year, month = self.year_spin.value(), self.month_spin.value()
        path = ask_path(self, "导出结算明细", f"结算明细-{year}-{month:02d}.xlsx", "xlsx")
        if path:
            self.export_cases_to(path)

    def export_cases_to(self, path: str | Path) -> None:
        year, month = self.year_spin.value(), self.month_spin.value()
        try:
            n = self.session.office.export(path, "xlsx", year, month=month)
        except (InputError, StoreError, OSError) as exc:
            show_error(self, exc, "结算明细未导出")
            return
        inform(self, "导出完成", f"已导出 {year} 年 {month} 月（按结算日期）{n} 件案件到：\n{path}")

    def _import_clicked(self) -> None:
        path = ask_open(self, "导入民政名单")
        if path:
            self.import_from(path)

    def import_from(self, path: str | Path) -> None:
        try:
            report = self.session.office.import_persons(path, operator=self.session.operator).value
        except (InputError, StoreError, OSError) as exc:
            show_error(self, exc, "名单未导入")
            return
        lines = [f"已接收 {report.taken} 行（新增人员 {report.new_persons}，新增身份记录 {report.new_grants}，"
                 f"已登记过的 {report.duplicates} 行），拒绝 {len(report.rejected)} 行。"]
        lines += [f"第 {row} 行：{reason}" for row, reason in report.rejected[:50]]
        if len(report.rejected) > 50:
            lines.append(f"……另有 {len(report.rejected) - 50} 行被拒绝，请用 python -m engine cases import-persons 查看全部")
        inform(self, "导入民政名单", "\n".join(lines))
