"""Step 2 就诊: the kind of visit, hospital level, where, referral, the settlement date, the
diseases (picked from the region's lists, found by name or pinyin initials) and only the
case flags the region's rules read."""
from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem,
                               QVBoxLayout, QWidget)

from engine import clock
from engine.case import KINDS, age_on
from engine.catalog import diseases as region_diseases
from engine.catalog import flags as region_flags
from engine.catalog import region_day
from engine.pinyin import matches

from ..date_text import parse_date_text
from .form import FormPage

DATE_HINT = "决定适用的文件和年度；不能晚于今天"

LEVELS = ((1, "一级"), (2, "二级"), (3, "三级"))


class VisitPage(FormPage):
    title = "就诊"

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.region = ""
        self.kind = QComboBox()
        self.kind.setObjectName("kind")
        for code, name in KINDS.items():
            self.kind.addItem(name, code)
        self.add_row("visit.kind", "就诊类别", self.kind)
        self.level = QComboBox()
        self.level.setObjectName("hospital_level")
        for level, name in LEVELS:
            self.level.addItem(name, level)
        self.add_row("visit.hospital_level", "医院等级", self.level)
        self.date = QLineEdit()
        self.date.setObjectName("date")
        self.date.setPlaceholderText("年-月-日，如 2023-05-10 或 20230510")
        self.add_row("date", "结算（出院）日期", self.date, DATE_HINT)
        self.date.textEdited.connect(lambda _text: self._date_edited())
        self.birth: dt.date | None = None
        where = QWidget()
        row = QHBoxLayout(where)
        row.setContentsMargins(0, 0, 0, 0)
        self.referral = QCheckBox("规范转诊")
        self.in_province = QCheckBox("省内就医")
        self.in_district = QCheckBox("县（区）内就医")
        for box, name in ((self.referral, "referral"), (self.in_province, "in_province"), (self.in_district, "in_district")):
            box.setObjectName(name)
            row.addWidget(box)
        row.addStretch(1)
        self.add_row("visit.referral", "就医地与转诊", where)
        self.fields["visit.in_province"] = self.fields["visit.in_district"] = where
        self.errors["visit.in_province"] = self.errors["visit.in_district"] = self.errors["visit.referral"]
        picker = QWidget()
        col = QVBoxLayout(picker)
        col.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setObjectName("disease_search")
        self.search.setPlaceholderText("搜索病种：名称或拼音首字母（如 ndz 找 尿毒症）")
        self.disease_list = QListWidget()
        self.disease_list.setObjectName("disease_list")
        self.disease_list.setMinimumHeight(120)
        self.other = QLineEdit()
        self.other.setObjectName("other_diseases")
        self.other.setPlaceholderText("不在目录中的疾病（可不填；多个用顿号分隔）")
        col.addWidget(self.search)
        col.addWidget(self.disease_list)
        col.addWidget(self.other)
        self.add_row("visit.diseases", "病种", picker, "按空格勾选；未勾选即按普通疾病计算")
        self.flag_box = QWidget()
        self.flag_row = QHBoxLayout(self.flag_box)
        self.flag_row.setContentsMargins(0, 0, 0, 0)
        self.flag_checks: dict[str, QCheckBox] = {}
        self.add_row("flags", "其他情形", self.flag_box, "只列出本地区文件用到的情形")
        self.search.textChanged.connect(self._filter)

    def reset(self, region: str) -> None:
        self.clear_errors()
        self.kind.setCurrentIndex(0)
        self.level.setCurrentIndex(1)
        self.set_date(region_day(region, book=self.session.office.book))
        self.referral.setChecked(True)
        self.in_province.setChecked(True)
        self.in_district.setChecked(True)
        self.search.clear()
        self.other.clear()
        self.region = ""
        self.set_region(region)

    def set_region(self, region: str) -> None:
        if region == self.region:
            return
        self.region = region
        self.disease_list.clear()
        seen = set()
        for name, listed in region_diseases(region, book=self.session.office.book):
            if name in seen:
                continue
            seen.add(name)
            item = QListWidgetItem(f"{name}　〔{listed}〕")
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.disease_list.addItem(item)
        while self.flag_row.count():
            self.flag_row.takeAt(0).widget().deleteLater()
        self.flag_checks = {}
        for code, name in region_flags(region):
            box = QCheckBox(name)
            box.setObjectName(f"flag-{code}")
            self.flag_checks[code] = box
            self.flag_row.addWidget(box)
        self.flag_box.setVisible(bool(self.flag_checks))
        self.errors["flags"].setVisible(bool(self.flag_checks))
        self._filter(self.search.text())

    def _filter(self, text: str) -> None:
        for i in range(self.disease_list.count()):
            item = self.disease_list.item(i)
            item.setHidden(not matches(item.data(Qt.ItemDataRole.UserRole), text))

    def pick(self, name: str, checked: bool = True) -> None:
        for i in range(self.disease_list.count()):
            item = self.disease_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError(name)

    def set_date(self, day: dt.date) -> None:
        self.date.setText(day.isoformat())
        self._date_edited()

    def settlement_date(self) -> dt.date:
        """The date typed; ValueError with the reason when it is not a date."""
        return parse_date_text(self.date.text())

    def set_birth(self, birth: dt.date | None) -> None:
        """The resident's birth date (from the ID number): the age is shown as of the settlement date."""
        self.birth = birth
        self._date_edited()

    def _date_edited(self) -> None:
        """An edited date loses its old error; a valid one shows the age on that day."""
        self.clear_error("date")
        try:
            day = self.settlement_date()
        except ValueError:
            return
        if self.birth is not None and self.birth <= day:
            self.errors["date"].setText(f"{DATE_HINT}；结算日期时年龄 {age_on(self.birth, day)} 岁")

    def visit(self) -> dict:
        picked = [self.disease_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.disease_list.count())
                  if self.disease_list.item(i).checkState() == Qt.CheckState.Checked]
        others = [d for d in re.split(r"[、，,；;\s]+", self.other.text()) if d]
        return {"kind": self.kind.currentData(), "hospital_level": self.level.currentData(),
                "referral": self.referral.isChecked(), "in_province": self.in_province.isChecked(),
                "in_district": self.in_district.isChecked() and self.in_province.isChecked(),
                "diseases": picked + [d for d in others if d not in picked]}

    def flags(self) -> dict:
        return {code: True for code, box in self.flag_checks.items() if box.isChecked()}

    def validate(self) -> bool:
        self.clear_errors()
        try:
            day = self.settlement_date()
        except ValueError as exc:
            self.show_error("date", str(exc))
            return False
        if day > clock.today():
            self.show_error("date", f"结算日期 {day} 晚于今天（{clock.today()}）：尚未发生的结算不能录入，请核对结算单")
            return False
        if self.birth is not None and day < self.birth:
            self.show_error("date", f"结算日期 {day} 早于出生日期 {self.birth}，请核对")
            return False
        self._date_edited()
        if self.in_district.isChecked() and not self.in_province.isChecked():
            self.show_error("visit.referral", "县（区）内就医必然在省内，请勾选“省内就医”或取消“县（区）内就医”")
            return False
        return True
