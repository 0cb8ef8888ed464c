"""Step 1 身份: who the resident is. A valid ID number fills in birth date, age and sex at once,
and for a person already on file their name, identities held and this year's usage."""
from __future__ import annotations


from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QLineEdit, QWidget

from engine import clock
from engine.case import IDENTITIES, INSURANCE, age_on, birth_from_id, check_id_number
from engine.catalog import identities as region_identities
from engine.errors import InputError
from engine.policy import REGIONS
from engine.store.persons import find_by_id_number, identities_on, sex_from_id
from engine.store.queries import year_ledger

from .form import FormPage


class IdentityPage(FormPage):
    title = "身份"

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.id_number = QLineEdit()
        self.id_number.setObjectName("id_number")
        self.id_number.setMaxLength(18)
        self.id_number.setPlaceholderText("18位居民身份证号")
        self.add_row("person.id_number", "身份证号", self.id_number, "输入后自动核验校验位")
        self.person_info = QLabel()
        self.person_info.setObjectName("person_info")
        self.person_info.setWordWrap(True)
        self.add_wide(self.person_info)
        self.name = QLineEdit()
        self.name.setObjectName("name")
        self.add_row("person.name", "姓名", self.name)
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
        self.add_row("person.rural", "户籍", self.rural, "武医保〔2022〕21号 仅适用于农村低收入人口")
        self.grid.setRowStretch(self.grid.rowCount(), 1)
        self.id_number.textChanged.connect(self._id_changed)
        self.region.currentIndexChanged.connect(self._build_identities)
        self._build_identities()

    # ---- state
    def reset(self, region: str) -> None:
        self.clear_errors()
        self.id_number.clear()
        self.name.clear()
        self.person_info.clear()
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
        held = {c for c, box in self.identity_checks.items() if box.isChecked()}
        while self.identity_grid.count():
            self.identity_grid.takeAt(0).widget().deleteLater()
        self.identity_checks = {}
        for i, code in enumerate(region_identities(self.region_code())):
            box = QCheckBox(IDENTITIES[code])
            box.setObjectName(f"identity-{code}")
            box.setChecked(code in held)
            self.identity_checks[code] = box
            self.identity_grid.addWidget(box, i // 3, i % 3)

    # ---- the ID number fills in what it can
    def _id_changed(self, text: str) -> None:
        text = text.strip().upper()
        if len(text) < 18:
            self.person_info.clear()
            return
        try:
            number = check_id_number(text, "person.id_number")
        except InputError as exc:
            self.show_error("person.id_number", exc.zh)
            self.person_info.clear()
            return
        self.clear_errors()
        birth = birth_from_id(number)
        facts = f"出生日期 {birth.isoformat()}　年龄 {age_on(birth, clock.today())} 岁　性别 {sex_from_id(number)}"
        person = find_by_id_number(self.session.store.db, number)
        if person:
            if not self.name.text().strip():
                self.name.setText(person["name"])
            held = identities_on(self.session.store.db, person["id"], clock.today())
            if held and not any(b.isChecked() for b in self.identity_checks.values()):
                for code in held:
                    if code in self.identity_checks:
                        self.identity_checks[code].setChecked(True)
            facts += f"\n已登记人员：{person['name']}；当前身份：{'、'.join(IDENTITIES[c] for c in held) or '无'}"
            facts += self._usage(number)
        else:
            facts += "\n新人员：保存时登记"
        self.person_info.setText(facts)

    def _usage(self, number: str) -> str:
        rows = self.session.store.query(
            "SELECT max(policy_year) AS y FROM cases c JOIN persons p ON p.id = c.person_id "
            "WHERE p.id_number = ? AND c.void = 0", (number,))
        year = rows[0]["y"] if rows else None
        if not year:
            return ""
        parts = []
        for reg in year_ledger(self.session.store, number, year)["regions"]:
            caps = "；".join(f"{c['name']} 已用 {c['used']}，剩余 {c['left']}" for c in reg["caps"] if c["limit"])
            parts.append(f"{year}年{reg['region_name']}已保存 {reg['cases']} 件" + (f"：{caps}" if caps else ""))
        return ("\n" + "\n".join(parts)) if parts else ""

    # ---- checks before moving on
    def validate(self) -> bool:
        self.clear_errors()
        p = self.person()
        try:
            check_id_number(p["id_number"], "person.id_number")
        except InputError as exc:
            self.show_error("person.id_number", exc.zh if p["id_number"] else "请填写身份证号（保存案件需要）")
            return False
        if not p["name"]:
            self.show_error("person.name", "请填写姓名")
            return False
        return True
