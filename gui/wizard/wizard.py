"""新建结算: four steps — 身份, 就诊, 费用, 结果 — Enter moves on, each field's problem shown
next to it; the result is computed against the person's stored year and saved (and printed)
from the last step."""
from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from engine.errors import InputError

from ..errors import show_error
from .amounts import AmountsPage
from .identity import IdentityPage
from .result import ResultPage
from .visit import VisitPage


class SettleWizard(QWidget):
    def __init__(self, session, main_window=None):
        super().__init__(main_window)
        self.session = session
        self.main_window = main_window
        self.identity = IdentityPage(session)
        self.visit_page = VisitPage(session)
        self.amounts_page = AmountsPage()
        self.result_page = ResultPage()
        self.pages = [self.identity, self.visit_page, self.amounts_page, self.result_page]
        layout = QVBoxLayout(self)
        self.steps = QLabel()
        self.steps.setObjectName("steps")
        self.steps.setStyleSheet("font-size: 15px; padding: 4px 0;")
        layout.addWidget(self.steps)
        self.slip_note = QLabel()
        self.slip_note.setObjectName("slip_note")
        self.slip_note.setWordWrap(True)
        self.slip_note.setStyleSheet("color: #7A4A00; background: #FFF4CE; padding: 4px;")
        self.slip_note.setVisible(False)
        layout.addWidget(self.slip_note)
        self.stack = QStackedWidget()
        for page in self.pages:
            self.stack.addWidget(page)
        layout.addWidget(self.stack, 1)
        buttons = QHBoxLayout()
        self.back_button = QPushButton("上一步（Alt+←）")
        self.next_button = QPushButton("下一步（Enter）")
        self.save_button = QPushButton("保存（Ctrl+S）")
        self.print_button = QPushButton("保存并打印（Ctrl+P）")
        self.new_button = QPushButton("新建结算（Ctrl+N）")
        self.slip_button = QPushButton("从结算单导入…")
        for b, name in ((self.slip_button, "from_slip"), (self.back_button, "back"), (self.next_button, "next"),
                        (self.save_button, "save"), (self.print_button, "save_print"), (self.new_button, "new")):
            b.setObjectName(name)
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.insertStretch(3, 1)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.save_button.clicked.connect(lambda: self.save(print_after=False))
        self.print_button.clicked.connect(lambda: self.save(print_after=True))
        self.new_button.clicked.connect(self.restart)
        self.slip_button.clicked.connect(lambda: self.from_slip())
        QShortcut(QKeySequence("Alt+Left"), self, activated=self.back)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=lambda: self.save(print_after=False))
        QShortcut(QKeySequence.StandardKey.Print, self, activated=lambda: self.save(print_after=True))
        self.doc: dict | None = None
        self.late: list[dict] = []   # stored cases this one would change (entered late), from compute()
        self.result: dict | None = None
        self.saved_case_id: int | None = None
        self.sample = False
        self.last_compute_ms = 0.0
        self.restart()

    # ---- navigation
    def restart(self) -> None:
        region = self.session.setting("default_region")
        self.identity.reset(region)
        self.visit_page.reset(region)
        self.amounts_page.reset()
        self.doc = self.result = None
        self.saved_case_id = None
        self.sample = False
        self.slip_note.setVisible(False)
        self._go(0)

    def from_slip(self, path=None) -> bool:
        """从结算单导入: fill the pages from a row of the insurer's settlement list (the clerk confirms)."""
        from .slip_import import choose_and_fill

        return choose_and_fill(self, path)

    def load_sample(self) -> None:
        """A sample case of the default region to try the steps with: marked 样例, never saved."""
        from stdnum.cn import ric

        from engine.region_registry import MODULES

        self.restart()
        region = self.identity.region_code()
        sample = MODULES[region].SAMPLE
        self.sample = True
        fake = "000000" + "19800101" + "001"  # area 000000: no resident holds it, so no real record is shown
        self.identity.id_number.setText(fake + ric.calc_check_digit(fake + "0"))
        self.identity.name.setText("样例 练习用")  # a valid name: Chinese characters and spaces only
        for code in sample["person"].get("identities", []):
            self.identity.identity_checks[code].setChecked(True)
        visit = self.visit_page
        visit.kind.setCurrentIndex(visit.kind.findData(sample["visit"]["kind"]))
        visit.level.setCurrentIndex(visit.level.findData(sample["visit"].get("hospital_level", 2)))
        visit.set_date(dt.date.fromisoformat(sample["date"]))
        visit.set_region(region)
        for disease in sample["visit"].get("diseases", []):
            visit.pick(disease)
        for key, value in sample["amounts"].items():
            self.amounts_page.inputs[key].setText(value)
        self._go(0)

    def _go(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        names = [f"{'①②③④'[i]} {p.title}" for i, p in enumerate(self.pages)]
        marker = ("<b style='color:#C00000;background:#FFF4CE'>【样例】仅供熟悉操作，不会保存；"
                  "按 Ctrl+N 录入真实案件</b>　") if self.sample else ""
        self.steps.setText(marker + "　→　".join(f"<b style='color:#1F4E79'>{n}</b>" if i == index else
                                       f"<span style='color:#888'>{n}</span>" for i, n in enumerate(names)))
        last = index == len(self.pages) - 1
        self.back_button.setEnabled(index > 0)
        self.next_button.setVisible(not last)
        self.save_button.setVisible(last)
        self.print_button.setVisible(last)
        self.save_button.setEnabled(last and self.saved_case_id is None and not self.sample)
        self.print_button.setEnabled(last and self.saved_case_id is None and not self.sample)
        self.focus_first()

    def focus_first(self) -> None:
        """The step's first field (身份证号 on 身份), where the clerk types next."""
        focus = {0: self.identity.id_number, 1: self.visit_page.kind, 2: self.amounts_page.inputs["total"],
                 3: self.save_button if self.saved_case_id is None else self.new_button}[self.current()]
        focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def current(self) -> int:
        return self.stack.currentIndex()

    def back(self) -> None:
        if self.current() > 0 and self.saved_case_id is None:
            self._go(self.current() - 1)

    def next(self) -> bool:
        index = self.current()
        if index == 0:
            if not self.identity.validate():
                return False
            self.visit_page.set_region(self.identity.region_code())
            self.visit_page.set_birth(self.identity.birth)
        elif index == 1:
            if not self.visit_page.validate():
                return False
            try:
                self.session.office.params_for(self.identity.region_code(), self.visit_page.settlement_date())
            except InputError as exc:
                self.visit_page.show_error("date", exc.zh)
                return False
        elif index == 2:
            if not self.amounts_page.validate():
                return False
            if Decimal(self.amounts_page.amounts()["total"]) <= 0:
                self.amounts_page.show_error("amounts.total", "医疗总费用为 0：没有可结算的费用，请按结算单填写")
                return False
            return self.compute()
        else:
            return False
        self._go(index + 1)
        return True

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.current() < len(self.pages) - 1:
            self.next()
            return
        super().keyPressEvent(event)

    # ---- the case
    def build_doc(self) -> dict:
        return {"region": self.identity.region_code(), "date": self.visit_page.settlement_date().isoformat(),
                "person": self.identity.person(), "visit": self.visit_page.visit(),
                "amounts": self.amounts_page.amounts(), "flags": self.visit_page.flags()}

    def compute(self) -> bool:
        """Compute against the person's stored year (nothing saved) and show the result page."""
        start = time.perf_counter()
        doc = self.build_doc()
        try:
            result = self.session.office.preview(doc)
        except InputError as exc:
            self._show_input_error(exc)
            return False
        except Exception as exc:  # a store problem: say so, stay on this step
            show_error(self, exc)
            return False
        self.doc, self.result = doc, result
        self.result_page.show_result(doc, result, self.session.office_name)
        self.late = self.session.office.late_entry(doc)
        if self.late:   # an earlier slip entered late: told before saving which stored cases it changes
            listed = "；".join(f"回执号 {c['receipt_no']}（{c['date']}）差额 {c['difference']['to_pay']}" for c in self.late)
            self.result_page.banner.setText(
                self.result_page.banner.text() + f"<br><b style='color:#C00000'>注意：本案结算日期早于该人员已保存的案件，"
                f"保存后以下 {len(self.late)} 件将需补差（正数补付，负数应退）：{listed}</b>")
        self._go(3)
        self.last_compute_ms = (time.perf_counter() - start) * 1000
        return True

    def _show_input_error(self, exc: InputError) -> None:
        for index, page in enumerate(self.pages[:3]):
            key = page.owner_of(exc.field)
            if key:
                self._go(index)
                page.show_error(key, exc.zh)
                return
        show_error(self, exc)

    def save(self, print_after: bool = False) -> int | None:
        if self.current() != 3 or self.doc is None or self.saved_case_id is not None or self.sample:
            return None
        try:
            saved = self.session.office.save(self.doc, operator=self.session.operator,
                                             office=self.session.saving_office).value[0]
        except InputError as exc:
            self._show_input_error(exc)
            return None
        except Exception as exc:   # (a server that dropped as it committed: the save may have happened)
            show_error(self, exc, "保存结果不确定" if getattr(exc, "maybe_saved", False) else "保存失败，未保存任何内容")
            return None
        self.saved_case_id = saved.case_id
        self.result = saved.result
        self.result_page.show_result(self.doc, saved.result, self.session.office_name)
        self.result_page.banner.setText(self.result_page.banner.text() +
                                        f"<br><b style='color:#1E7B34'>已保存　回执号 {saved.receipt_no}　案件 {saved.case_id}</b>")
        self._go(3)
        if print_after:
            from ..printing import print_receipt

            print_receipt(self, self.session, saved.case_id, reprint=False)
        return saved.case_id
