"""Step 1 身份: who the resident is. A valid ID number fills in birth date and sex at once, and
for a person already on file their name, identities held, 参保类型 and 农村居民 as last saved, and
this year's usage. The ID field also finds a person on file by name or pinyin (wxy, wangxiuying):
the matches are listed under it, ↓ and Enter pick one. The age is shown as of the settlement
date (on the result page), not today."""
from __future__ import annotations

import datetime as dt


from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QWidget

from engine import clock
from engine.case import IDENTITIES, INSURANCE, birth_from_id, check_id_number, mask_id, sex_from_id
from engine.catalog import identities as region_identities
from engine.errors import InputError
from engine.region_registry import REGIONS, field_hint

from .form import FormPage


class IdentityPage(FormPage):
    title = "身份"

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.id_number = QLineEdit()
        self.id_number.setObjectName("id_number")
        self.id_number.setPlaceholderText("18位居民身份证号；或输入姓名、拼音（如 wxy）查找已登记人员")
        self.add_row("person.id_number", "身份证号", self.id_number, "输入后自动核验校验位")
        self.matches = QListWidget()
        self.matches.setObjectName("person_matches")
        self.matches.setMaximumHeight(120)
        self.matches.setVisible(False)
        self.matches.itemDoubleClicked.connect(self._picked)
        self.matches.installEventFilter(self)
        self.id_number.installEventFilter(self)
        self.add_wide(self.matches)
        self.person_info = QLabel()
        self.person_info.setObjectName("person_info")
        self.person_info.setWordWrap(True)
        self.add_wide(self.person_info)
        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.add_row("person.name", "姓名", self.name)
        self.clear_on_edit("person.name", self.name)
        self.region = QComboBox()
        self.region.setObjectName("region")
        for code, name in REGIONS.items():
            self.region.addItem(name, code)
        self.add_row("region", "参保地区", self.region)
        self.identity_box = QWidget()
        self.identity_grid = QGridLayout(self.identity_box)
        self.identity_grid.setContentsMargins(0, 0, 0, 0)
        self.identity_checks: dict[str, QCheckBox] = {}
        self.add_row("person.identities", "救助身份", self.identity_box,
                     "可多选；持有多个身份时按支付最多的一个计算（就高不重复），结果页写明所用身份")
        self.insurance = QComboBox()
        self.insurance.setObjectName("insurance")
        for code, name in INSURANCE.items():
            self.insurance.addItem(name, code)
        self.add_row("person.insurance", "参保类型", self.insurance)
        self.rural = QCheckBox("农村居民")
        self.rural.setObjectName("rural")
        self.add_row("person.rural", "户籍", self.rural)
        self.grid.setRowStretch(self.grid.rowCount(), 1)
        self.id_number.textChanged.connect(self._id_changed)
        self.region.currentIndexChanged.connect(self._build_identities)
        self.birth: dt.date | None = None
        self._build_identities()

    # ---- state
    def reset(self, region: str) -> None:
        self.clear_errors()
        self.id_number.clear()
        self.name.clear()
        self.person_info.clear()
        self._show_matches([])
        self.region.setCurrentIndex(max(self.region.findData(region), 0))
        self.insurance.setCurrentIndex(0)
        self.rural.setChecked(False)
        for box in self.identity_checks.values():
            box.setChecked(False)

    def region_code(self) -> str:
        return self.region.currentData()

    def person(self) -> dict:
        return {"id_number": self.id_number.text().strip().upper(), "name": "".join(self.name.text().split()),
                "identities": [c for c, box in self.identity_checks.items() if box.isChecked()],
                "insurance": self.insurance.currentData(), "rural": self.rural.isChecked()}

    def _build_identities(self) -> None:
        hint = field_hint(self.region_code(), "person.rural") or ""
        self.errors["person.rural"].setProperty("hint", hint)
        self.errors["person.rural"].setText(hint)
        held = {c for c, box in self.identity_checks.items() if box.isChecked()}
        while self.identity_grid.count():
            self.identity_grid.takeAt(0).widget().deleteLater()
        self.identity_checks = {}
        for i, code in enumerate(region_identities(self.region_code(), book=self.session.office.book)):
            box = QCheckBox(IDENTITIES[code])
            box.setObjectName(f"identity-{code}")
            box.setChecked(code in held)
            self.identity_checks[code] = box
            self.identity_grid.addWidget(box, i // 3, i % 3)
        # Tab goes down the form as it is drawn: the boxes are made after the fields below them.
        chain = [self.id_number, self.name, self.region, *self.identity_checks.values(), self.insurance, self.rural]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt naming)
        """↓ from the ID field goes into the list of persons found; Enter there takes one."""
        if event.type() == QEvent.Type.KeyPress:
            if watched is self.id_number and event.key() == Qt.Key.Key_Down and self.matches.isVisible():
                self.matches.setFocus()
                return True
            if watched is self.matches and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._picked()
                return True
        return super().eventFilter(watched, event)

    # ---- the ID number fills in what it can
    def _id_changed(self, text: str) -> None:
        compact = "".join(ch for ch in text if not ch.isspace() and ch != "-")
        if compact != text:   # pasted as 4201 0219 …: the spaces go before anything is checked
            self.id_number.setText(compact)
            return
        self.clear_error("person.id_number")
        self.birth = None
        text = compact.upper()
        if text and not (text[:1].isdigit() and text[:-1].isdigit()):   # a name or pinyin: find the person
            self.person_info.clear()
            self._show_matches(self.session.office.find_persons(text)[:20])
            return
        self._show_matches([])
        if len(text) < 18:
            self.person_info.clear()
            return
        try:
            number = check_id_number(text, "person.id_number")
            birth = self._birth_or_error(number)
        except InputError as exc:
            self.show_error("person.id_number", exc.zh, focus=False)
            self.person_info.clear()
            return
        self.birth = birth
        facts = f"出生日期 {birth.isoformat()}　性别 {sex_from_id(number)}　（年龄按结算日期计算，见下一步）"
        person = self.session.office.find_person(number)
        if person:
            if not self.name.text().strip():
                self.name.setText(person["name"])
            held = self.session.office.identities_on(number, clock.today())
            if held and not any(b.isChecked() for b in self.identity_checks.values()):
                for code in held:
                    if code in self.identity_checks:
                        self.identity_checks[code].setChecked(True)
            remembered = self._remembered(person)
            facts += f"\n已登记人员：{person['name']}；当前身份：{'、'.join(IDENTITIES[c] for c in held) or '无'}"
            facts += f"；{remembered}" if remembered else ""
            facts += self._usage(number)
        else:
            facts += "\n新人员：保存时登记"
        self.person_info.setText(facts)

    def _birth_or_error(self, number: str) -> dt.date:
        birth = birth_from_id(number)
        if birth > clock.today():
            raise InputError("person.id_number", f"身份证号中的出生日期 {birth} 晚于今天，请逐位核对号码",
                             f"the ID number's birth date {birth} is after today")
        return birth

    def _remembered(self, person: dict) -> str:
        """参保类型 and 农村居民 as saved with the person's last case, filled in; says what was filled."""
        said = []
        if person.get("insurance") in INSURANCE:
            self.insurance.setCurrentIndex(self.insurance.findData(person["insurance"]))
            said.append(INSURANCE[person["insurance"]])
        if person.get("rural") is not None:
            self.rural.setChecked(bool(person["rural"]))
            said.append("农村居民" if person["rural"] else "非农村居民")
        return ("按上次登记：" + "、".join(said)) if said else ""

    def _show_matches(self, persons: list[dict]) -> None:
        self.matches.clear()
        for p in persons:
            item = QListWidgetItem(f"{p['name']}　{mask_id(p['id_number'])}　{p['sex'] or ''}　{p['birth_date'] or ''}")
            item.setData(Qt.ItemDataRole.UserRole, p["id_number"])
            self.matches.addItem(item)
        if persons:
            self.matches.setCurrentRow(0)
        self.matches.setVisible(bool(persons))

    def _picked(self, item: QListWidgetItem | None = None) -> None:
        item = item or self.matches.currentItem()
        if item is None:
            return
        self.name.clear()
        self.id_number.setText(item.data(Qt.ItemDataRole.UserRole))
        self.id_number.setFocus()

    def pick_match(self) -> bool:
        """Take the highlighted match (Enter in the ID field while matches are listed)."""
        if not self.matches.isVisible() or self.matches.count() == 0:
            return False
        self._picked()
        return True

    def _usage(self, number: str) -> str:
        year = self.session.office.last_live_year(number)
        if not year:
            return ""
        parts = []
        for reg in self.session.office.year_ledger(number, year)["regions"]:
            caps = "；".join(f"{c['name']} 已用 {c['used']}，剩余 {c['left']}" for c in reg["caps"] if c["limit"])
            parts.append(f"{year}年{reg['region_name']}已保存 {reg['cases']} 件" + (f"：{caps}" if caps else ""))
        return ("\n" + "\n".join(parts)) if parts else ""

    # ---- checks before moving on
    def validate(self) -> bool:
        if self.pick_match():   # Enter on a listed person takes them; the clerk checks and goes on
            return False
        self.clear_errors()
        p = self.person()
        try:
            self._birth_or_error(check_id_number(p["id_number"], "person.id_number"))
        except InputError as exc:
            if p["id_number"] and not p["id_number"][:1].isdigit():
                self.show_error("person.id_number", f"没有找到姓名或拼音为“{p['id_number']}”的已登记人员；新人员请输入身份证号")
            else:
                self.show_error("person.id_number", exc.zh if p["id_number"] else "请填写身份证号（保存案件需要）")
            return False
        if not p["name"]:
            self.show_error("person.name", "请填写姓名")
            return False
        return True
