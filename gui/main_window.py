"""The main window: a list of the tasks on the left, the task on the right.

新建结算 (the wizard), 案件查询, 待审核, 人员台账, 预警名单, 报表 (日结, 月报, 补差, export/import), 统计,
政策参数, 模拟测算, 设置, 结算清单导入. Ctrl+1…9 and Ctrl+0 switch the first ten tasks;
Ctrl+N starts a new settlement. Size and position are remembered.

The window is drawn first and the case store opened right after (`attach`), so it appears
at once; each task's page is built the first time it is shown.
"""
from __future__ import annotations

import importlib

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QMainWindow, QStackedWidget, QWidget

APP_TITLE = "三重保障计算器"
# (key, title, module, class): imported when first shown
PAGES = (("wizard", "新建结算", "gui.wizard", "SettleWizard"), ("cases", "案件查询", "gui.cases_page", "CasesPage"),
         ("review", "待审核", "gui.review_page", "ReviewPage"),
         ("ledger", "人员台账", "gui.ledger_page", "LedgerPage"),
         ("warnings", "预警名单", "gui.warnings_page", "WarningsPage"),
         ("reports", "报表", "gui.reports_page", "ReportsPage"), ("stats", "统计", "gui.stats_page", "StatsPage"),
         ("policy", "政策参数", "gui.policy_page", "PolicyPage"), ("whatif", "模拟测算", "gui.whatif_page", "WhatIfPage"),
         ("settings", "设置", "gui.settings_page", "SettingsPage"),
         ("settlements", "结算清单导入", "gui.settlements_page", "SettlementsPage"))
KEYS = [p[0] for p in PAGES]
DEFAULT_SIZE = QSize(1366, 768)
MIN_SIZE = QSize(960, 600)  # fits a 1920×1080 laptop at 150 % (1280×720 less the taskbar and title bar)
TITLE_BAR = 40  # room left above the window for its frame, unknown before it is shown


def qsettings() -> QSettings:
    return QSettings("SanchongCalculator", "SanchongCalculator")


def fit_on_screen(window: QWidget) -> None:
    """Keep the window within its screen's available area: never larger, never partly off it
    (the default size, or a size remembered from a larger screen, runs off a small one)."""
    screen = window.screen()
    if screen is None:
        return
    area = screen.availableGeometry()
    room = QSize(area.width(), max(area.height() - TITLE_BAR, 1))
    window.setMinimumSize(MIN_SIZE.boundedTo(room))
    window.resize(window.size().boundedTo(room))
    if not window.testAttribute(Qt.WidgetAttribute.WA_Moved):  # never placed: the system centres it
        return
    x = min(max(window.x(), area.left()), area.left() + area.width() - window.width())
    y = min(max(window.y(), area.top()), area.top() + room.height() - window.height())
    window.move(x, y)


class MainWindow(QMainWindow):
    def __init__(self, session=None):
        super().__init__()
        self.session = None
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_TITLE)
        self.setMinimumSize(MIN_SIZE)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setFixedWidth(128)
        self.nav.setStyleSheet("QListWidget { font-size: 15px; } QListWidget::item { padding: 10px 8px; }")
        for _, title, _, _ in PAGES:
            self.nav.addItem(title)
        self.stack = QStackedWidget()
        self.loading = QLabel("正在打开数据库……")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.loading)
        self.pages: dict[str, QWidget] = {}
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.status = QLabel()
        self.statusBar().addPermanentWidget(self.status)
        for index in range(min(len(PAGES), 10)):   # Ctrl+1…9, Ctrl+0: the first ten tasks
            QShortcut(QKeySequence(f"Ctrl+{(index + 1) % 10}"), self, activated=lambda i=index: self.nav.setCurrentRow(i))
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_settlement)
        state = qsettings()
        if state.contains("geometry"):
            self.restoreGeometry(state.value("geometry"))
        else:
            self.resize(DEFAULT_SIZE)
        fit_on_screen(self)
        if session is not None:
            self.attach(session)

    def attach(self, session) -> None:
        """Work on this session's store: show the first task."""
        self.session = session
        session.changed.connect(self._changed)
        self._update_title()
        self.nav.currentRowChanged.connect(self._show)
        if self.nav.currentRow() == 0:
            self._show(0)
        else:
            self.nav.setCurrentRow(0)

    def page(self, key: str) -> QWidget:
        """The task's page, built the first time it is needed."""
        if key not in self.pages:
            _, _, module, name = PAGES[KEYS.index(key)]
            page = getattr(importlib.import_module(module), name)(self.session, self)
            page.setObjectName(f"page-{key}")
            self.pages[key] = page
            self.stack.addWidget(page)
        return self.pages[key]

    def _changed(self, changes) -> None:
        if changes.touches("settings"):
            self._update_title()

    def _update_title(self) -> None:
        s = self.session
        self.setWindowTitle(f"{APP_TITLE} — {s.office_name}" + (f" {s.setting('window')}" if s.setting("window") else ""))
        account = s.account
        who = (f"当前账户：{account['name']}（{'、'.join(account['roles'])}）" if account
               else ("未登录" if s.office.has_accounts() else f"经办人：{s.operator}"))
        self.status.setText(f"{who}　数据：{s.office.path}")

    def _show(self, row: int) -> None:
        if self.session is None:
            return
        page = self.page(KEYS[row])
        self.stack.setCurrentWidget(page)
        if hasattr(page, "refresh"):
            page.refresh()
        if hasattr(page, "focus_first"):  # the page's own first field (the wizard's 身份证号): typing starts at once
            page.focus_first()
        else:
            page.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_page(self, key: str) -> QWidget:
        self.nav.setCurrentRow(KEYS.index(key))
        return self.page(key)

    def new_settlement(self) -> None:
        if self.session is not None:
            self.open_page("wizard").restart()

    def show_ledger(self, id_number: str, year: int | None = None) -> None:
        self.open_page("ledger").show_person(id_number, year)

    def show_audit(self, *, case_id: int | None = None, day=None):
        """The audit-log viewer of a case or of a day (a dialog over the window; returned)."""
        from .audit_dialog import AuditDialog

        dialog = AuditDialog(self.session, self, case_id=case_id, day=day)
        dialog.open()
        return dialog

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        qsettings().setValue("geometry", self.saveGeometry())
        super().closeEvent(event)
