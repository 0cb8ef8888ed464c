"""Step 2 就诊: the kind of visit, hospital level, where, referral, the settlement date, the
diseases (picked from the region's lists, found by name or pinyin initials) and only the
case flags the region's rules read."""
from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLineEdit, QListWidget,
                               QListWidgetItem, QVBoxLayout, QWidget)

from engine.case import KINDS
from engine.catalog import diseases as region_diseases
from engine.catalog import flags as region_flags
from engine.catalog import region_day

from engine.pinyin import matches
from .form import FormPage

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
        self.date = QDateEdit()
        self.date.setObjectName("date")
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setCalendarPopup(True)
        self.add_row("date", "结算（出院）日期", self.date, "决定适用的文件和年度")
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
        day = region_day(region)
        self.date.setDate(QDate(day.year, day.month, day.day))
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
        for name, listed in region_diseases(region):
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

    def settlement_date(self) -> dt.date:
        d = self.date.date()
        return dt.date(d.year(), d.month(), d.day())

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
        if self.in_district.isChecked() and not self.in_province.isChecked():
            self.show_error("visit.referral", "县（区）内就医必然在省内，请勾选“省内就医”或取消“县（区）内就医”")
            return False
        return True
