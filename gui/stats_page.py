"""统计: the policy year at a glance — the money paid per month and layer (stacked bars, 补差
included), how much of their yearly caps persons have used (a histogram), and the early warnings
by month. Click a month's bar to list its cases below; click a bar of the histogram to list its
persons, the caps and each person's last case of the year. Drawn with QPainter (gui/charts.py)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from engine import clock
from engine.errors import InputError
from engine.money import fmt
from engine.reports.chart import fill, year_charts
from engine.reports.stats import BUCKETS
from engine.store import StoreError

from .cases_page import case_row_items, COLUMNS as CASE_COLUMNS, fit_columns, make_table, region_name, text_item
from .charts import BarChart
from .errors import show_error
from .widgets import note, page_title

CAP_COLUMNS = ("编号", "回执号", "姓名", "身份证号", "地区", "结算日期", "限额项目", "已使用", "年度限额", "使用比例")


class StatsPage(QWidget):
    def __init__(self, session, main_window=None):
        super().__init__()
        self.session = session
        self.main_window = main_window
        self.stats = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(page_title("统计"))
        layout.addWidget(note("按政策年度统计：各月实际支付（原结算 + 补差）、各项年度限额的使用比例、各月预警人次。"
                              "点击某月的柱形，在下方列出该月的案件；点击限额使用比例的柱形，列出其人员与各人年度最后一件案件。"))
        top = QHBoxLayout()
        top.addWidget(QLabel("年度"))
        self.year_combo = QComboBox()
        self.year_combo.setMinimumContentsLength(7)
        top.addWidget(self.year_combo)
        self.summary = QLabel()
        self.summary.setObjectName("statsSummary")
        top.addSpacing(16)
        top.addWidget(self.summary, 1)
        layout.addLayout(top)
        self.charts = [BarChart(chart) for chart in year_charts()]
        row = QHBoxLayout()
        row.addWidget(self.charts[0], 2)
        side = QVBoxLayout()
        side.addWidget(self.charts[1])
        side.addWidget(self.charts[2])
        row.addLayout(side, 1)
        layout.addLayout(row, 3)
        self.list_label = QLabel("点击某月的柱形查看该月案件。")
        layout.addWidget(self.list_label)
        self.table = make_table(CASE_COLUMNS)
        self.table.setObjectName("statsCases")
        self.cap_table = make_table(CAP_COLUMNS)
        self.cap_table.setObjectName("statsCapPersons")
        self.lists = QStackedWidget()     # a month's cases, or a histogram bar's persons and caps
        self.lists.addWidget(self.table)
        self.lists.addWidget(self.cap_table)
        layout.addWidget(self.lists, 2)
        for chart, show in zip(self.charts, (self.show_month, self.show_cap_use, self.show_month)):
            chart.clicked.connect(lambda index, chart=chart, show=show: self._picked(chart, show, index))
        self.year_combo.currentIndexChanged.connect(lambda _: self.load(self.year_combo.currentData()))
        session.changed.connect(self._changed)

    def _changed(self, changes) -> None:
        if changes.touches("cases", "ledger") and self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        office = self.session.office
        current = self.year_combo.currentData() or office.newest_case_year() or clock.today().year
        years = sorted(set(office.case_years()) | {current}, reverse=True)
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for y in years:
            self.year_combo.addItem(f"{y}年", y)
        self.year_combo.setCurrentIndex(self.year_combo.findData(current))
        self.year_combo.blockSignals(False)
        self.load(current)

    def load(self, year: int) -> None:
        try:
            self.stats = self.session.office.year_stats(year)
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return
        fill([chart.chart for chart in self.charts], self.stats)
        for chart in self.charts:
            chart.selected = None
            chart.update()
        total = sum((self.stats.month_total(m) for m in range(1, 13)), Decimal(0))
        self.summary.setText(f"{year} 年度：{sum(self.stats.cases)} 人次，各项支付合计 {fmt(total)} 元，"
                             f"预警 {sum(self.stats.warnings)} 人次")
        self.table.setRowCount(0)
        self.cap_table.setRowCount(0)
        self._show_table(self.table)
        self.list_label.setText("点击某月的柱形查看该月案件。")

    def _picked(self, chart: BarChart, show, index: int) -> None:
        """A bar clicked: only that chart keeps a bar marked; its list is shown below."""
        for other in self.charts:
            if other is not chart and other.selected is not None:
                other.selected = None
                other.update()
        show(index)

    def _show_table(self, table) -> None:
        self.lists.setCurrentWidget(table)

    def show_month(self, index: int) -> None:
        """List the cases of the month `index` (0 = January) of the year shown."""
        if self.stats is None:
            return
        year, month = self.stats.year, index + 1
        start = dt.date(year, month, 1)
        end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        rows = self.session.office.cases(year=year, date_from=start, date_to=end)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, item in enumerate(case_row_items(row)):
                self.table.setItem(r, c, item)
        fit_columns(self.table)
        self._show_table(self.table)
        self.list_label.setText(f"{year} 年 {month} 月（按结算日期）的案件 {len(rows)} 件")

    def show_cap_use(self, index: int) -> None:
        """List the persons and caps of the histogram's bar `index` (0 = 0–10 % of the limit used)."""
        if self.stats is None:
            return
        try:
            rows = self.session.office.cap_use_list(self.stats.year, index)
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return
        self.cap_table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = [row["case_id"], row["receipt_no"], row["name"], row["id_number"], region_name(row["region"]),
                      row["date"], row["cap"], row["used"], row["limit"], row["share"]]
            for c, value in enumerate(values):
                self.cap_table.setItem(r, c, text_item(value, align_right=c == 0 or c >= 7,
                                                       data=row["case_id"] if c == 0 else None))
        fit_columns(self.cap_table)
        self._show_table(self.cap_table)
        share = f"{10 * index}% 及以上" if index == BUCKETS - 1 else f"{10 * index}%–{10 * (index + 1)}%"
        persons = len({(row["name"], row["id_number"]) for row in rows})
        self.list_label.setText(f"{self.stats.year} 年度已使用年度限额 {share} 的 {len(rows)} 人·项"
                                f"（{persons} 人；案件为各人该年度最后一件）")
