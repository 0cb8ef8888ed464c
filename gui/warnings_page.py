"""预警名单: the year's persons whose accumulated out-of-pocket passed their early-warning line
(因病返贫预警 / 因病致贫预警), with an Excel export for the civil-affairs office."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engine import clock
from engine.errors import InputError
from engine.region_registry import REGIONS
from engine.store import StoreError

from .widgets import note, page_title
from .cases_page import fit_columns, inform, make_table, region_name, text_item
from .errors import show_error

COLUMNS = ("预警类型", "姓名", "身份证号", "地区", "年度累计个人自付", "截至日期", "案件编号")


def row_values(w: dict) -> list:
    """One warning as the table and the export show it (money kept as the engine's string)."""
    return [w["kind"], w["name"], w["id_number"], region_name(w["region"]), w["year_out_of_pocket"], w["date"],
            w["case_id"]]


class WarningsPage(QWidget):
    def __init__(self, session, main_window=None):
        super().__init__()
        self.session = session
        self.main_window = main_window
        self.rows: list[dict] = []
        self.year: int | None = None
        self.region: str | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        title = page_title("预警名单")
        layout.addWidget(title)
        about = note("年度累计个人自付超过当地预警线的人员（因病返贫预警：低保边缘家庭成员、易返贫致贫人口等重点监测对象；"
                       "因病致贫预警：普通参保人员）。作废的案件不计入。请按规定推送民政、乡村振兴部门。")
        layout.addWidget(about)

        top = QHBoxLayout()
        top.addWidget(QLabel("年度"))
        self.year_combo = QComboBox()
        self.year_combo.setMinimumContentsLength(7)
        top.addWidget(self.year_combo)
        top.addSpacing(12)
        top.addWidget(QLabel("地区"))
        self.region_combo = QComboBox()
        self.region_combo.addItem("全部", None)
        for code, name in REGIONS.items():
            self.region_combo.addItem(name, code)
        top.addWidget(self.region_combo)
        top.addSpacing(12)
        self.ledger_button = QPushButton("查看台账")
        self.ledger_button.clicked.connect(self.open_ledger)
        self.export_button = QPushButton("导出 Excel…")
        self.export_button.clicked.connect(self._export_clicked)
        top.addStretch(1)
        top.addWidget(self.ledger_button)
        top.addWidget(self.export_button)
        layout.addLayout(top)
        self.year_combo.currentIndexChanged.connect(self._filters_changed)
        self.region_combo.currentIndexChanged.connect(self._filters_changed)

        self.count_label = QLabel()
        self.count_label.setObjectName("warningsCount")
        layout.addWidget(self.count_label)
        self.table = make_table(COLUMNS)
        self.table.setObjectName("warningsTable")
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemActivated.connect(lambda _: self.open_ledger())
        fit_columns(self.table)
        layout.addWidget(self.table, 1)
        self._fill_years()
        self._update_buttons()
        session.changed.connect(self._changed)

    def _fill_years(self) -> None:
        office = self.session.office
        years = office.case_years()
        current = self.year_combo.currentData()
        if current is None:
            current = office.newest_case_year() or clock.today().year
        shown = sorted(set(years) | {current}, reverse=True)
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for y in shown:
            self.year_combo.addItem(f"{y}年", y)
        self.year_combo.setCurrentIndex(self.year_combo.findData(current))
        self.year_combo.blockSignals(False)

    def _filters_changed(self) -> None:
        self.load(self.year_combo.currentData(), self.region_combo.currentData())

    def set_filters(self, year: int, region: str | None = None) -> None:
        if self.year_combo.findData(year) < 0:
            self.year_combo.blockSignals(True)
            self.year_combo.addItem(f"{year}年", year)
            self.year_combo.blockSignals(False)
        self.year_combo.blockSignals(True)
        self.region_combo.blockSignals(True)
        self.year_combo.setCurrentIndex(self.year_combo.findData(year))
        self.region_combo.setCurrentIndex(max(0, self.region_combo.findData(region)) if region else 0)
        self.year_combo.blockSignals(False)
        self.region_combo.blockSignals(False)
        self.load(year, region)

    def _changed(self, changes) -> None:
        if changes.touches("cases", "ledger"):
            self.refresh()

    def refresh(self) -> None:
        self._fill_years()
        self.load(self.year_combo.currentData(), self.region_combo.currentData())

    def load(self, year: int, region: str | None) -> None:
        try:
            rows = self.session.office.warnings(year, region)
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return
        self.rows, self.year, self.region = rows, year, region
        self.table.setRowCount(len(rows))
        for r, w in enumerate(rows):
            values = row_values(w)
            for c, value in enumerate(values):
                item = text_item(value, align_right=c in (4, 6), data=w["case_id"] if c == 0 else None)
                if c == 0:
                    item.setForeground(QBrush(QColor("#b00020")))
                self.table.setItem(r, c, item)
        fit_columns(self.table)
        where = region_name(region) if region else "全部地区"
        self.count_label.setText(f"{year} 年度（{where}）预警 {len(rows)} 人" if rows
                                 else f"{year} 年度（{where}）没有预警人员。")
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.export_button.setEnabled(bool(self.rows))
        self.ledger_button.setEnabled(bool(self.table.selectionModel().selectedRows())
                                      and hasattr(self.main_window, "show_ledger"))

    def open_ledger(self) -> None:
        selected = self.table.selectionModel().selectedRows()
        if not selected or not hasattr(self.main_window, "show_ledger"):
            return
        w = self.rows[selected[0].row()]
        try:
            case = self.session.office.case(w["case_id"])  # the full ID number, not shown here
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return
        self.main_window.show_ledger(case["id_number"], case["policy_year"])

    # -- export

    def _export_clicked(self) -> None:
        suffix = f"-{REGIONS[self.region]}" if self.region else ""
        default = str(Path.home() / f"预警名单-{self.year}{suffix}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "导出预警名单", default, "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        try:
            self.export_to(path)
        except OSError as exc:
            show_error(self, StoreError(f"无法写入文件 {path}（{exc.strerror or exc}）。请关闭在 Excel 中打开的同名文件，"
                                        "或换一个文件夹后重试", f"cannot write {path}: {exc}"))
            return
        inform(self, "导出完成", f"已导出 {len(self.rows)} 人到：\n{path}")

    def export_to(self, path: str | Path) -> Path:
        """Write the shown list as an .xlsx: a Chinese header row, then one row per person. Text
        cells are never formulas (a name typed as "=HYPERLINK(…)" stays text); the file is
        readable by its owner only where the system allows."""
        from engine.office import Office

        return Office.write_list_xlsx(path, f"预警名单{self.year}", list(COLUMNS), [row_values(w) for w in self.rows],
                                      [16, 10, 22, 14, 18, 12, 10], money_columns=(4,))
