"""结算清单导入: the insurer's settlement list (医保信息平台 export) computed and saved as cases in one go,
through the office (engine.office.Office.import_settlements): 试算 (a dry run, nothing written) or 导入,
with a progress bar and 取消 (in this thread, the window kept responsive between chunks; a cancelled
import keeps the chunks already saved, and importing the file again resumes). The report lists the
rejected and skipped rows and why; the 拟发放名单 and every receipt in one PDF go beside the file."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QApplication, QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget)

from engine.region_registry import REGIONS

from .errors import show_error
from .widgets import note, page_title


class SettlementsPage(QWidget):
    def __init__(self, session, main_window: QWidget | None = None):
        super().__init__()
        self.session = session
        self.report = None
        self._stopping = False
        layout = QVBoxLayout(self)
        layout.addWidget(page_title("结算清单导入"))
        layout.addWidget(note("导入医保信息平台导出的结算清单（xlsx 或 csv）：逐行核对后，民政名单内人员的结算按其年度累计依次计算并保存"
                              "（带回执号，待审核）；一站式已支付的医疗救助从本次应付中扣除。不在民政名单的行跳过并列出，"
                              "有问题的行列出原因。同一结算只导入一次；取消后再次导入同一文件即从未导入的行继续。"))
        row = QHBoxLayout()
        row.addWidget(QLabel("结算清单"))
        self.path = QLineEdit()
        self.path.setObjectName("settlement_file")
        self.path.setPlaceholderText("选择 .xlsx 或 .csv 文件")
        row.addWidget(self.path, 1)
        self.browse = QPushButton("选择文件…")
        self.browse.clicked.connect(self.choose)
        row.addWidget(self.browse)
        row.addWidget(QLabel("地区"))
        self.region = QComboBox()
        self.region.setObjectName("settlement_region")
        for code, name in REGIONS.items():
            self.region.addItem(name, code)
        self.region.setCurrentIndex(max(self.region.findData(session.setting("default_region")), 0))
        row.addWidget(self.region)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        self.dry_button = QPushButton("试算（不保存）")
        self.dry_button.setObjectName("settlement_dry_run")
        self.run_button = QPushButton("导入并保存")
        self.run_button.setObjectName("settlement_import")
        self.cancel_button = QPushButton("取消")
        self.cancel_button.setObjectName("settlement_cancel")
        self.cancel_button.setEnabled(False)
        self.dry_button.clicked.connect(lambda: self.run(dry_run=True))
        self.run_button.clicked.connect(lambda: self.run(dry_run=False))
        self.cancel_button.clicked.connect(self.cancel)
        for b in (self.dry_button, self.run_button, self.cancel_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setObjectName("settlement_progress")
        self.progress.setFormat("%v / %m 行")
        layout.addWidget(self.progress)
        self.summary = QLabel()
        self.summary.setObjectName("settlement_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.details = QPlainTextEdit()
        self.details.setObjectName("settlement_details")
        self.details.setReadOnly(True)
        layout.addWidget(self.details, 1)

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择医保结算清单", str(Path.home()), "结算清单 (*.xlsx *.csv)")
        if path:
            self.path.setText(path)

    def run(self, dry_run: bool) -> bool:
        path = self.path.text().strip()
        if not path:
            self.summary.setText("请先选择结算清单文件。")
            return False
        self._stopping = False
        self._busy(True)
        self.summary.setText("正在核对和计算……")
        self.details.clear()
        QApplication.processEvents()
        try:
            self.report = self.session.office.import_settlements(
                path, region=self.region.currentData(), operator=self.session.operator,
                office=self.session.office_name, dry_run=dry_run, progress=self._progress,
                cancelled=lambda: self._stopping).value
        except Exception as exc:   # an unusable file or a store problem: say why; committed chunks stay
            show_error(self, exc, "导入未完成")
            self.summary.setText("导入未完成。")
            return False
        finally:
            self._busy(False)
        self._show(self.report)
        return True

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        QApplication.processEvents()   # paint the bar, and let 取消 be clicked

    def cancel(self) -> None:
        self._stopping = True

    def _busy(self, busy: bool) -> None:
        for b in (self.dry_button, self.run_button, self.browse):
            b.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def _show(self, report) -> None:
        s = report.summary()
        saved = len(report.planned) if report.dry_run else s["saved"]
        text = (f"共 {s['rows']} 行：{'可保存' if report.dry_run else '已保存'} {saved} 件，跳过 {s['skipped']} 行，"
                f"拒绝 {s['rejected']} 行；本次应付合计 {s['to_pay']} 元。")
        if report.dry_run:
            text += "（试算，未保存任何内容）"
        if report.cancelled:
            text += "已取消：已保存的部分保留，再次导入同一文件即继续。"
        if report.outputs:
            text += f"\n拟发放名单：{report.outputs['list']}" + (
                f"\n回执：{report.outputs['receipts']}" if report.outputs.get("receipts") else "")
        self.summary.setText(text)
        lines = [f"拒绝 第 {n} 行{f'（结算ID {i}）' if i else ''}：{r}" for n, i, r in sorted(report.rejected)]
        lines += [f"跳过 第 {n} 行（结算ID {i}，{name}）：{r}" for n, i, name, r in sorted(report.skipped)]
        lines += [f"待核对 第 {p.slip.row} 行（结算ID {p.slip.setl_id}，{p.slip.name}）：{p.slip.marks}"
                  for p in report.planned if p.slip.defaults]
        self.details.setPlainText("\n".join(lines) or "没有被拒绝或跳过的行。")
