"""模拟测算: what a year's stored cases would have been paid under changed parameters.

Pick a region's parameters (as listed on 政策参数), type new values as 政策参数's 修改 takes
them, run: every stored, non-void case of the year is re-run through the office
(engine.office.Office.what_if) in each person's saved order; nothing is saved. A progress bar
and 取消 while it runs (in this thread, the window kept responsive between persons); the report
per layer, and the persons' table as an xlsx.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QComboBox, QDateEdit, QFileDialog, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPlainTextEdit, QProgressBar, QPushButton, QSpinBox,
                               QTableWidget, QVBoxLayout, QWidget)

from engine import clock
from engine.office import encode_value
from engine.region_registry import REGIONS
from engine.whatif import Cancelled, Report

from .errors import show_error
from .widgets import note, page_title

COLUMNS = ("地区", "参数", "新值")


class WhatIfPage(QWidget):
    def __init__(self, session, main_window: QWidget | None = None):
        super().__init__()
        self.session = session
        self.report: Report | None = None
        self._stopping = False
        layout = QVBoxLayout(self)
        layout.addWidget(page_title("模拟测算"))
        layout.addWidget(note("按调整后的政策参数重算某一年度已保存的全部有效案件（按各人保存顺序），与实际已支付的金额对比；"
                              "只做测算，不保存任何结果，也不修改政策参数。新值的写法与“政策参数”页的修改相同，"
                              "如 0.80 或 80%，按类别的写 {\"一类\": 1.00, \"二类\": 0.80, …}。"))
        top = QHBoxLayout()
        top.addWidget(QLabel("年度"))
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(session.office.newest_case_year() or clock.today().year)
        self.year.valueChanged.connect(lambda y: self.valid_from.setDate(QDate(y, 1, 1)))
        top.addWidget(self.year)
        top.addWidget(QLabel("调整自"))
        self.valid_from = QDateEdit(QDate(self.year.value(), 1, 1))
        self.valid_from.setCalendarPopup(True)
        self.valid_from.setDisplayFormat("yyyy-MM-dd")
        top.addWidget(self.valid_from)
        top.addWidget(QLabel("起的结算"))
        top.addStretch(1)
        layout.addLayout(top)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("whatIfChanges")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 120)
        self.table.setColumnWidth(1, 440)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMaximumHeight(170)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("添加参数")
        self.add_button.clicked.connect(lambda: self.add_change())
        self.remove_button = QPushButton("删除所选")
        self.remove_button.clicked.connect(self.remove_change)
        self.run_button = QPushButton("开始测算")
        self.run_button.setObjectName("whatIfRun")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QPushButton("导出人员对比表…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export)
        for b in (self.add_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.run_button, self.cancel_button, self.export_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m 件")
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.result = QPlainTextEdit()
        self.result.setObjectName("whatIfResult")
        self.result.setReadOnly(True)
        layout.addWidget(self.result, 1)
        self.add_change()

    # ---- the changes --------------------------------------------------------------------

    def add_change(self, region: str | None = None, name: str | None = None, value: str = "") -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        regions = QComboBox()
        for code, title in REGIONS.items():
            regions.addItem(title, code)
        params = QComboBox()
        params.setEditable(False)
        text = QLineEdit(value)
        regions.currentIndexChanged.connect(lambda _: self._fill_parameters(regions, params, text))
        params.currentIndexChanged.connect(lambda _: self._show_current(regions, params, text))
        self.table.setCellWidget(row, 0, regions)
        self.table.setCellWidget(row, 1, params)
        self.table.setCellWidget(row, 2, text)
        default = region or self.session.setting("default_region")
        if default in REGIONS:
            regions.setCurrentIndex(list(REGIONS).index(default))
        self._fill_parameters(regions, params, text)
        if name is not None:
            params.setCurrentIndex(max(params.findData(name), 0))
        text.setText(value)

    def _fill_parameters(self, regions: QComboBox, params: QComboBox, text: QLineEdit) -> None:
        params.blockSignals(True)
        params.clear()
        book = self.session.office.region_book(regions.currentData())
        for name, p in sorted(book.parameters.items()):
            params.addItem(f"{p.description}（{name}）", name)
        params.blockSignals(False)
        self._show_current(regions, params, text)

    def _show_current(self, regions: QComboBox, params: QComboBox, text: QLineEdit) -> None:
        template = self.session.office.parameter_template(regions.currentData(), params.currentData())
        text.clear()
        text.setPlaceholderText("现值 " + encode_value(template) if template is not None else "")

    def remove_change(self) -> None:
        for row in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def changes(self) -> list[tuple[str, str, str]]:
        rows = []
        for row in range(self.table.rowCount()):
            value = self.table.cellWidget(row, 2).text().strip()
            if value:
                rows.append((self.table.cellWidget(row, 0).currentData(), self.table.cellWidget(row, 1).currentData(),
                             value))
        return rows

    # ---- running --------------------------------------------------------------------------

    def run(self) -> None:
        d = self.valid_from.date()
        self._stopping = False
        self._busy(True)
        self.result.setPlainText("正在测算……")
        try:
            self.report = self.session.office.what_if(self.year.value(), self.changes(), dt.date(d.year(), d.month(), d.day()),
                                                      progress=self._progress, stop=lambda: self._stopping)
        except Cancelled:
            self.report = None
            self.result.setPlainText("已取消测算，未保存任何结果。")
        except Exception as exc:  # noqa: BLE001 (shown to the clerk, never a traceback)
            self.report = None
            self.result.setPlainText("")
            show_error(self, exc, "无法测算")
        else:
            self.result.setPlainText("\n".join(self.report.lines()))
        finally:
            self._busy(False)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        QApplication.processEvents()   # paint the bar, and let 取消 be clicked

    def cancel(self) -> None:
        self._stopping = True

    def _busy(self, busy: bool) -> None:
        for w in (self.run_button, self.add_button, self.remove_button, self.table, self.year, self.valid_from):
            w.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.export_button.setEnabled(not busy and self.report is not None)

    def export(self) -> None:
        if self.report is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "导出人员对比表", f"模拟测算-{self.report.year}.xlsx", "Excel (*.xlsx)")
        if not path:
            return
        try:
            self.report.write_xlsx(path)
        except OSError as exc:
            show_error(self, exc, "无法导出")
        else:
            self.result.appendPlainText(f"\n已导出：{path}")
