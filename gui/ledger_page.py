"""人员台账: one person's policy year — the person, every case of the year, and each yearly cap
(limit, used, left, clause) with the accumulated amounts, as the office replays them."""
from __future__ import annotations

import html
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QScrollArea, QSplitter, QTableWidget, QVBoxLayout, QWidget)

from engine import clock
from engine.case import IDENTITIES, check_id_number, mask_id
from engine.errors import InputError
from engine.region_registry import REGIONS as REGION_NAMES
from engine.store import StoreError

from .widgets import NOTE_STYLE, page_title
from .cases_page import case_row_items, fit_columns, fit_height, make_table, text_item
from .errors import show_error

CASE_COLUMNS = ("编号", "回执号", "姓名", "身份证号", "地区", "结算日期", "就诊类别", "医疗总费用", "基本医保",
                "大病保险", "医疗救助", "倾斜救助", "个人自付", "经办点代码", "状态")
MERGED_COLUMNS = ("姓名", "身份证号", "地区", "经办点代码", "案件数", "合计差额", "差异案件（经办点 回执号 差额）")
CAP_COLUMNS = ("项目", "年度限额", "已用", "剩余", "使用情况", "依据")
PAYMENT_COLUMNS = ("回执号", "结算日期", "基本医保", "大病保险", "医疗救助", "倾斜救助", "个人自付", "补差", "状态")
BAR_STEPS = 1000


def accumulated_name(item: dict) -> str:
    if item["name"] == item["key"]:
        return f"其他累计项（{item['key']}）"
    return item["name"]


def looks_like_id(text: str) -> bool:
    t = text.strip().upper()
    return len(t) in (15, 18) and t[:-1].isdigit() and (t[-1].isdigit() or t[-1] == "X")


def recomputed_note(changed: list[dict]) -> QLabel:
    """Why the ledger's amounts differ from what was paid: cases saved on a year that has since
    changed (an earlier case was voided). Re-settling them is a separate step (补差)."""
    names = {"basic": "基本医保", "critical": "大病保险", "assistance": "医疗救助", "tilt": "倾斜救助"}
    lines = ["<b>注意：本年度有案件作废后，下列案件保存时的结果与按现在台账重算的不同。"
             "下表的已用、剩余和累计按重算显示，不是已发放的金额：</b>"]
    for c in changed:
        diffs = "；".join(f"{names.get(k, k)} 已发放 {c['stored'][k]}，重算为 {c['recomputed'][k]}"
                         for k in c["recomputed"] if c["stored"].get(k) != c["recomputed"][k])
        lines.append(f"案件 {c['case_id']}（回执号 {c['receipt_no']}）：{diffs}")
    label = QLabel("<br>".join(lines))
    label.setObjectName("ledgerRecomputed")
    label.setWordWrap(True)
    label.setStyleSheet("color: #8a4b00; background: #FFF4CE; padding: 6px;")
    return label


def bar_value(used: str, limit: str) -> int:
    """The bar's position (0…BAR_STEPS) from the engine's amounts, in Decimal."""
    try:
        u, lim = Decimal(used), Decimal(limit)
    except InvalidOperation:
        return 0
    if lim <= 0:
        return BAR_STEPS if u > 0 else 0
    return max(0, min(BAR_STEPS, int(u * BAR_STEPS / lim)))


def cap_bar(cap: dict) -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, BAR_STEPS)
    bar.setValue(bar_value(cap["used"], cap["limit"]))
    bar.setFormat(f"已用 {cap['used']} / {cap['limit']}")  # the engine's strings, never a float
    bar.setTextVisible(True)
    bar.setAlignment(Qt.AlignmentFlag.AlignCenter)
    bar.setMinimumWidth(220)
    full = bar.value() >= BAR_STEPS
    bar.setStyleSheet("QProgressBar { border: 1px solid #999; border-radius: 2px; background: #f4f4f4; "
                      "text-align: center; } QProgressBar::chunk { background: %s; }"
                      % ("#e0a0a0" if full else "#9cc3e6"))
    return bar


class LedgerPage(QWidget):
    def __init__(self, session, main_window=None):
        super().__init__()
        self.session = session
        self.main_window = main_window
        self.person: dict | None = None  # the person as the office gives it (full ID number), never shown unmasked
        self.year: int | None = None
        self.ledger: dict | None = None
        self.cap_bars: list[QProgressBar] = []
        self.cap_tables: list[QTableWidget] = []
        self.accumulated_tables: list[QTableWidget] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        title = page_title("人员台账")
        layout.addWidget(title)

        top = QHBoxLayout()
        top.addWidget(QLabel("身份证号或姓名"))
        self.query_edit = QLineEdit()
        self.query_edit.setPlaceholderText("完整身份证号，或姓名（可只输部分）")
        self.query_edit.returnPressed.connect(self.find)
        top.addWidget(self.query_edit, 2)
        self.find_button = QPushButton("查找（Enter）")
        self.find_button.clicked.connect(self.find)
        top.addWidget(self.find_button)
        top.addSpacing(16)
        top.addWidget(QLabel("年度"))
        self.year_combo = QComboBox()
        self.year_combo.setMinimumContentsLength(7)
        self.year_combo.currentIndexChanged.connect(self._year_picked)
        top.addWidget(self.year_combo)
        top.addStretch(1)
        self.merged_button = QPushButton("跨经办点差异")
        self.merged_button.setToolTip("合并各经办点（乡镇）数据包后，按合并的年度台账重算与已支付金额不一致的人员（由区县核定，不在此补差）")
        self.merged_button.clicked.connect(self.show_merged_differences)
        top.addWidget(self.merged_button)
        layout.addLayout(top)

        self.merged = make_table(MERGED_COLUMNS)
        self.merged.setObjectName("ledgerMerged")
        self.merged_label = QLabel()
        self.merged_label.setStyleSheet(NOTE_STYLE)
        self.merged_label.setWordWrap(True)
        layout.addWidget(self.merged_label)
        layout.addWidget(self.merged)
        self.merged.hide()
        self.merged_label.hide()

        self.candidates = make_table(("姓名", "身份证号", "性别", "出生日期"))
        self.candidates.setObjectName("ledgerCandidates")
        self.candidates.itemActivated.connect(lambda item: self._candidate_picked(item.row()))
        self.candidates.cellClicked.connect(lambda row, _: self._candidate_picked(row))
        self.candidates_label = QLabel()
        self.candidates_label.setStyleSheet(NOTE_STYLE)
        layout.addWidget(self.candidates_label)
        layout.addWidget(self.candidates)
        self.candidates.hide()
        self.candidates_label.hide()

        self.person_label = QLabel("请输入身份证号或姓名查找人员。")
        self.person_label.setObjectName("ledgerPerson")
        self.person_label.setWordWrap(True)
        self.person_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.person_label.setStyleSheet("QLabel { background: #f6f6f6; border: 1px solid #ddd; padding: 6px; }")
        layout.addWidget(self.person_label)

        self.cases_label = QLabel()
        self.cases_label.setStyleSheet("font-weight: bold;")
        self.cases = make_table(CASE_COLUMNS)
        self.cases.setObjectName("ledgerCases")
        fit_columns(self.cases)
        cases_box = QWidget()
        cases_layout = QVBoxLayout(cases_box)
        cases_layout.setContentsMargins(0, 0, 0, 0)
        cases_layout.addWidget(self.cases_label)
        cases_layout.addWidget(self.cases)

        self.ledger_area = QScrollArea()
        self.ledger_area.setWidgetResizable(True)
        self.ledger_area.setObjectName("ledgerArea")
        self._set_ledger_widget(QLabel())

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(cases_box)
        splitter.addWidget(self.ledger_area)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([200, 330])
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)
        session.changed.connect(self._changed)

    # -- finding the person

    def show_merged_differences(self, year: int | None = None) -> list[dict]:
        """The persons whose year, merged across the offices' bundles, replays to other amounts than were
        paid (the year shown, else the newest with cases); shown as a list above the person."""
        office = self.session.office
        year = year or self.year or office.newest_case_year() or clock.today().year
        try:
            rows = office.merged_differences(year)
        except (InputError, StoreError) as exc:
            show_error(self, exc, "无法列出跨经办点差异")
            return []
        self.merged.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = [text_item(row["name"]), text_item(row["id_number"]), text_item(REGION_NAMES.get(row["region"], row["region"])),
                     text_item("、".join(row["offices"])), text_item(row["cases"], align_right=True),
                     text_item(row["difference"]["to_pay"], align_right=True),
                     text_item("；".join(f"{d['office_code']} {d['receipt_no']} {d['to_pay']}" for d in row["differing"]))]
            for c, item in enumerate(cells):
                self.merged.setItem(r, c, item)
        fit_columns(self.merged, stretch=len(MERGED_COLUMNS) - 1)
        fit_height(self.merged)
        self.merged_label.setText(f"{year} 年度跨经办点合并后与已支付金额不一致的人员：{len(rows)} 人"
                                  + ("（由区县核定处理，不在此补差）" if rows else "。"))
        self.merged_label.show()
        self.merged.setVisible(bool(rows))
        return rows

    def find(self) -> None:
        """Find by the query field: an exact ID number, or a (fuzzy) name."""
        text = self.query_edit.text().strip()
        if not text:
            return
        try:
            if looks_like_id(text) or any(ch.isdigit() for ch in text):
                self.show_person(text, None)
                return
            found = self.session.office.find_persons(text)
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return
        if not found:
            self._show_candidates([])
            self.candidates_label.setText(f"没有姓名与“{text}”相符的人员。请核对姓名，或改用身份证号查找。")
            self.candidates_label.show()
            return
        if len(found) == 1:
            self._show_candidates([])
            self._show_person_row(found[0], None)
            return
        self._show_candidates(found)

    def _show_candidates(self, rows: list[dict]) -> None:
        self._candidate_rows = rows
        self.candidates.setRowCount(len(rows))
        for r, p in enumerate(rows):
            for c, value in enumerate((p["name"], mask_id(p["id_number"]), p["sex"] or "", p["birth_date"] or "")):
                self.candidates.setItem(r, c, text_item(value))
        fit_columns(self.candidates, stretch=3)
        visible = bool(rows)
        self.candidates.setVisible(visible)
        self.candidates_label.setVisible(visible)
        if visible:
            self.candidates_label.setText(f"找到 {len(rows)} 人，请点选一人：")
            self.candidates.setFixedHeight(min(170, self.candidates.horizontalHeader().height()
                                               + sum(self.candidates.rowHeight(i) for i in range(len(rows))) + 4))

    def _candidate_picked(self, row: int) -> None:
        rows = getattr(self, "_candidate_rows", [])
        if 0 <= row < len(rows):
            self._show_person_row(rows[row], None)

    def show_person(self, id_number: str, year: int | None = None) -> bool:
        """Show a person's year (the newest year with cases when `year` is None). False when not found."""
        try:
            number = check_id_number(id_number.strip().upper(), "id_number")
            person = self.session.office.find_person(number)
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return False
        if person is None:
            show_error(self, InputError("id_number", f"没有身份证号为 {mask_id(number)} 的人员记录，请核对号码",
                                        f"no person with ID number {mask_id(number)}"))
            return False
        self._show_candidates([])
        self._show_person_row(person, year)
        return True

    def _show_person_row(self, person: dict, year: int | None) -> None:
        self.person = person
        years = self._person_years()
        if year is None:
            year = years[0] if years else clock.today().year
        self._fill_years(years, year)
        self.year = year
        self.refresh()

    def _person_years(self) -> list[int]:
        """The policy years in which the person has cases (void ones included), newest first."""
        return self.session.office.person_years(self.person["id_number"])

    def _fill_years(self, years: list[int], year: int) -> None:
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for y in sorted(set(years) | {year}, reverse=True):
            self.year_combo.addItem(f"{y}年" + ("" if y in years else "（无案件）"), y)
        self.year_combo.setCurrentIndex(self.year_combo.findData(year))
        self.year_combo.blockSignals(False)

    def _year_picked(self) -> None:
        year = self.year_combo.currentData()
        if year is not None and self.person is not None and year != self.year:
            self.year = year
            self.refresh()

    # -- showing the year

    def _changed(self, changes) -> None:
        if changes.touches("cases", "ledger", "persons"):
            self.refresh()

    def refresh(self) -> None:
        """The person's year again from the store (after a save or a void, or when the page is shown)."""
        if self.person is None:
            return
        office = self.session.office
        try:
            person = office.find_person(self.person["id_number"]) or self.person
            self.person = person
            held = office.identities_on(person["id_number"], clock.today())
            cases = office.cases(id_number=person["id_number"], year=self.year, include_void=True)
            years = self._person_years()
            live = [c for c in cases if not c["void"]]
            self.ledger = office.year_ledger(person["id_number"], self.year) if live else None
        except (InputError, StoreError) as exc:
            show_error(self, exc)
            return
        self._fill_years(years, self.year)
        ids = "、".join(IDENTITIES.get(c, c) for c in held) or "无（今日无有效认定）"
        facts = (("姓名", f"<b>{html.escape(person['name'])}</b>"), ("身份证号", mask_id(person["id_number"])),
                 ("性别", person["sex"] or "—"), ("出生日期", person["birth_date"] or "—"),
                 ("今日持有身份", html.escape(ids)))
        self.person_label.setText("&nbsp;&nbsp;&nbsp;&nbsp;".join(
            f"<span style='color:#666'>{k}</span>&nbsp;{v}" for k, v in facts))
        self.cases.setRowCount(len(cases))
        for r, row in enumerate(cases):
            for c, item in enumerate(case_row_items(row)):
                self.cases.setItem(r, c, item)
        fit_columns(self.cases)
        voids = len(cases) - len(live)
        if not cases:
            self.cases_label.setText(f"{person['name']} 在 {self.year} 年度没有案件。")
        else:
            self.cases_label.setText(f"{self.year} 年度案件 {len(cases)} 件" + (f"（其中作废 {voids} 件，不计入台账）" if voids else ""))
        self._show_ledger(person, cases, live)

    def _set_ledger_widget(self, widget: QWidget) -> None:
        old = self.ledger_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.ledger_area.setWidget(widget)

    def _show_ledger(self, person: dict, cases: list[dict], live: list[dict]) -> None:
        self.cap_bars, self.cap_tables, self.accumulated_tables = [], [], []
        self.payment_tables: list[QTableWidget] = []
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        if not cases:
            note = QLabel(f"{person['name']} 在 {self.year} 年度没有保存过案件，年度限额均未使用。")
        elif not live:
            note = QLabel(f"{person['name']} 在 {self.year} 年度的案件均已作废，年度限额均未使用。")
        else:
            note = None
        if note is not None:
            note.setObjectName("ledgerEmpty")
            note.setStyleSheet("font-size: 14px; padding: 12px;")
            layout.addWidget(note)
            layout.addStretch(1)
            self._set_ledger_widget(body)
            return
        for region in self.ledger["regions"]:
            layout.addWidget(self._region_box(region))
        layout.addStretch(1)
        self._set_ledger_widget(body)

    def _region_box(self, region: dict) -> QGroupBox:
        box = QGroupBox(f"{region['region_name']}　{self.year} 年度台账（有效案件 {region['cases']} 件）")
        layout = QVBoxLayout(box)
        if region.get("recomputed"):
            layout.addWidget(recomputed_note(region["recomputed"]))
        caps = make_table(CAP_COLUMNS)
        caps.setObjectName(f"caps-{region['region']}")
        caps.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        caps.setRowCount(len(region["caps"]))
        for r, cap in enumerate(region["caps"]):
            limited = cap["limit"] is not None
            caps.setItem(r, 0, text_item(cap["name"], data=cap["key"]))
            caps.setItem(r, 1, text_item(cap["limit"] if limited else "不设限额", align_right=True))
            caps.setItem(r, 2, text_item(cap["used"], align_right=True))
            caps.setItem(r, 3, text_item(cap["left"] if limited else "—", align_right=True))
            if limited:
                bar = cap_bar(cap)
                self.cap_bars.append(bar)
                holder = QWidget()
                hl = QHBoxLayout(holder)
                hl.setContentsMargins(4, 2, 4, 2)
                hl.addWidget(bar)
                caps.setCellWidget(r, 4, holder)
            else:
                caps.setItem(r, 4, text_item(f"累计 {cap['used']}"))
            caps.setItem(r, 5, text_item(cap["source"]))
            caps.setRowHeight(r, 30)
        fit_columns(caps, stretch=5)
        caps.setColumnWidth(4, max(caps.columnWidth(4), 260))
        fit_height(caps)
        self.cap_tables.append(caps)
        layout.addWidget(caps)

        acc = region["accumulated"]
        label = QLabel("年度累计金额")
        label.setStyleSheet("font-weight: bold; margin-top: 4px;")
        layout.addWidget(label)
        half = (len(acc) + 1) // 2
        table = make_table(("项目", "金额", "项目", "金额"))
        table.setObjectName(f"accumulated-{region['region']}")
        table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        table.setRowCount(half)
        for i, item in enumerate(acc):
            r, c = i % half, 2 * (i // half)
            table.setItem(r, c, text_item(accumulated_name(item), data=item["key"]))
            table.setItem(r, c + 1, text_item(item["amount"], align_right=True))
        fit_columns(table, stretch=(0, 2))
        fit_height(table)
        self.accumulated_tables.append(table)
        layout.addWidget(table)
        layout.addWidget(self._payments_table(region))
        return box

    def _payments_table(self, region: dict) -> QWidget:
        """What was actually paid per case: the original settlement plus its 补差, and the cases waiting for 补差."""
        pay = region["payments"]
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        waiting = sum(1 for c in pay["cases"] if c["pending"])
        label = QLabel("实际支付（原结算 + 补差）" + (f"　<span style='color:#C00000'>待补差 {waiting} 件</span>" if waiting else ""))
        label.setStyleSheet("font-weight: bold; margin-top: 4px;")
        layout.addWidget(label)
        table = make_table(PAYMENT_COLUMNS)
        table.setObjectName(f"payments-{region['region']}")
        table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        rows = pay["cases"] + [{"receipt_no": "合计", "date": "", "paid": pay["paid"], "resettlements": [], "pending": None}]
        table.setRowCount(len(rows))
        for r, c in enumerate(rows):
            settled = "；".join(f"{x['receipt_no']} {x['to_pay']}" for x in c["resettlements"])
            state = f"待补差 {c['pending']['to_pay']}" if c["pending"] else ""
            values = [c["receipt_no"], c["date"], *(c["paid"][k] for k in ("basic", "critical", "assistance", "tilt",
                                                                             "out_of_pocket")), settled, state]
            for col, value in enumerate(values):
                item = text_item(value, align_right=2 <= col <= 6)
                if col == 8 and state:
                    item.setForeground(QBrush(QColor("#C00000")))
                table.setItem(r, col, item)
        fit_columns(table, stretch=7)
        fit_height(table)
        self.payment_tables.append(table)
        layout.addWidget(table)
        return holder

    # -- what tests and other pages read

    def cap_rows(self) -> list[dict]:
        """Each shown cap as the table shows it: name, limit, used, left, bar text."""
        out = []
        for table in self.cap_tables:
            for r in range(table.rowCount()):
                holder = table.cellWidget(r, 4)
                bar = holder.findChild(QProgressBar) if holder else None
                out.append({"name": table.item(r, 0).text(), "key": table.item(r, 0).data(Qt.ItemDataRole.UserRole),
                            "limit": table.item(r, 1).text(), "used": table.item(r, 2).text(),
                            "left": table.item(r, 3).text(), "bar": bar.text() if bar else table.item(r, 4).text(),
                            "source": table.item(r, 5).text()})
        return out
