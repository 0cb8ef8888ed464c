"""新建结算's 从结算单导入: pick a settlement list (the insurer's export), find the row by ID number or
name, and fill the 身份, 就诊 and 费用 pages from it. The clerk still checks and confirms every page;
nothing is saved here. The rows come from the office (engine/settlements/pick.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QVBoxLayout, QWidget)

from engine.case import KINDS


def row_text(row: dict) -> str:
    if "reason" in row and "id_number" not in row:
        return f"第 {row['row']} 行　不能使用：{row['reason']}"
    a = row["amounts"]
    return (f"第 {row['row']} 行　{row['name']}　{row['id_number']}　{row['date']}　{KINDS[row['visit']['kind']]}　"
            f"总费用 {a['total']}　医疗救助已付 {a['assistance_paid']}　{row.get('hospital') or ''}")


class SlipPicker(QDialog):
    """The rows of one settlement list; typing an ID number or a name narrows them; a usable row is picked."""

    def __init__(self, rows: list[dict], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("从结算单导入：选择一行")
        self.resize(860, 480)
        self.rows = rows
        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setObjectName("slip_search")
        self.search.setPlaceholderText("输入身份证号或姓名查找")
        layout.addWidget(self.search)
        self.list = QListWidget()
        self.list.setObjectName("slip_rows")
        layout.addWidget(self.list, 1)
        self.note = QLabel("不能使用的行列出原因；选中一行后，身份、就诊、费用页将被填写，请逐页核对后再计算保存。")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("填入")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for row in rows:
            item = QListWidgetItem(row_text(row))
            item.setData(Qt.ItemDataRole.UserRole, row)
            if "id_number" not in row:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
            self.list.addItem(item)
        self.search.textChanged.connect(self.filter)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())

    def filter(self, text: str) -> None:
        text = text.strip().upper()
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            row = item.data(Qt.ItemDataRole.UserRole)
            shown = not text or ("id_number" in row and (text in row["id_number"] or text in row["name"]))
            item.setHidden(not shown)
            if shown and first is None and "id_number" in row:
                first = item
        if first is not None:
            self.list.setCurrentItem(first)

    def picked(self) -> dict | None:
        item = self.list.currentItem()
        row = item.data(Qt.ItemDataRole.UserRole) if item is not None and not item.isHidden() else None
        return row if row and "id_number" in row else None


def choose_and_fill(wizard, path: str | Path | None = None) -> bool:
    """Ask for the file (unless given), show its rows, fill the wizard from the one picked."""
    from ..errors import show_error

    if path is None:
        path, _ = QFileDialog.getOpenFileName(wizard, "选择医保结算清单", str(Path.home()), "结算清单 (*.xlsx *.csv)")
        if not path:
            return False
    try:
        rows = wizard.session.office.settlement_rows(path)
    except Exception as exc:   # an unusable file: say why, nothing changes
        show_error(wizard, exc, "无法读取结算清单")
        return False
    picker = SlipPicker(rows, wizard)
    wizard.slip_picker = picker     # reachable while open (tests, and a second click)
    if picker.exec() != QDialog.DialogCode.Accepted or picker.picked() is None:
        return False
    fill(wizard, picker.picked())
    return True


def fill(wizard, row: dict) -> None:
    """The wizard's pages filled from one slip row; the clerk starts again at 身份 to check each page."""
    wizard.restart()
    identity, visit, amounts = wizard.identity, wizard.visit_page, wizard.amounts_page
    identity.id_number.setText(row["id_number"])
    identity.name.setText(row["name"])
    identity.insurance.setCurrentIndex(max(identity.insurance.findData(row["insurance"]), 0))
    visit.set_region(identity.region_code())
    v = row["visit"]
    visit.kind.setCurrentIndex(visit.kind.findData(v["kind"]))
    if v.get("hospital_level") is not None:
        visit.level.setCurrentIndex(visit.level.findData(v["hospital_level"]))
    visit.set_date(dt.date.fromisoformat(row["date"]))
    visit.referral.setChecked(v["referral"])
    visit.in_province.setChecked(v["in_province"])
    visit.in_district.setChecked(v["in_district"])
    others = []
    for name in v["diseases"]:
        try:
            visit.pick(name)
        except KeyError:
            others.append(name)
    visit.other.setText("、".join(others))
    for key in ("total", "policy_scope", "basic_paid", "critical_paid"):
        amounts.inputs[key].setText(row["amounts"][key])
    amounts.set_assistance_paid(row["amounts"]["assistance_paid"])
    note = f"已从结算单第 {row['row']} 行（结算ID {row['setl_id']}）填入，请逐页核对后计算、保存。"
    if row.get("marks"):
        note += f"待核对：{row['marks']}。"
    wizard.slip_note.setText(note)
    wizard.slip_note.setVisible(True)
