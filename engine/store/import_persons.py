"""Importing the identity lists the civil-affairs office sends (xlsx or csv).

Columns are found by their Chinese headers (any of the names below). Every row is
checked; good rows are taken in one transaction, and every rejected row is reported
with its row number and reason. A file without the needed columns changes nothing.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..case import IDENTITIES, check_id_number
from ..errors import InputError
from .database import Store, audit, now
from .persons import add_grant, upsert_person

HEADERS = {
    "name": ("姓名", "名字", "人员姓名", "psn_name"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "certno"),
    "identity": ("身份类别", "救助身份", "对象类别", "人员类别", "身份", "identity"),
    "granted_on": ("认定日期", "认定时间", "起始日期", "开始日期", "纳入日期"),
    "ends_on": ("终止日期", "结束日期", "到期日期", "退出日期"),
    "phone": ("联系电话", "电话", "手机号", "手机号码"),
    "address": ("住址", "地址", "家庭住址", "居住地址"),
}
REQUIRED = ("name", "id_number", "identity", "granted_on")

# Names the civil-affairs lists use, beside the ones in IDENTITIES.
ALIASES = {
    "特困供养人员": "extreme_poverty", "城乡特困人员": "extreme_poverty", "特困": "extreme_poverty",
    "低保户": "subsistence", "低保": "subsistence", "最低生活保障对象": "subsistence",
    "最低生活保障家庭成员": "subsistence", "低保边缘": "subsistence_edge", "低保边缘户": "subsistence_edge",
    "返贫致贫人员": "relapsed_poverty", "防止返贫监测对象": "monitored_rural", "防止返贫监测帮扶对象": "monitored_rural",
    "脱贫不稳定户": "monitored_rural", "边缘易致贫户": "monitored_rural", "突发严重困难户": "monitored_rural",
    "监测对象": "monitored_rural", "稳定脱贫户": "stable_exit", "脱贫人口": "stable_exit",
    "因病致贫": "illness_impoverished", "重度残疾人": "severe_disability", "重度残疾人员": "severe_disability",
    "一级残疾": "severe_disability", "二级残疾": "severe_disability", "重点优抚对象": "veteran_priority",
}


@dataclass
class ImportReport:
    taken: int = 0
    new_persons: int = 0
    new_grants: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"taken": self.taken, "new_persons": self.new_persons, "new_grants": self.new_grants,
                "duplicates": self.duplicates, "rejected": [{"row": n, "reason": r} for n, r in self.rejected]}


def identity_code(text: str) -> str:
    text = re.sub(r"\s+", "", text)
    if text in IDENTITIES:
        return text
    for code, name in IDENTITIES.items():
        if text == name:
            return code
    if text in ALIASES:
        return ALIASES[text]
    raise ValueError(f"身份类别“{text}”无法识别，可用：{'、'.join(IDENTITIES.values())}")


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not m:
        raise ValueError(f"日期“{text}”格式不正确，应为 2023-01-05")
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"日期“{text}”不存在") from None


def read_table(path: Path) -> list[list[Any]]:
    """All rows of the first sheet (xlsx) or of the file (csv, UTF-8 or GB18030)."""
    if not path.is_file():
        raise InputError("FILE", f"找不到文件 {path}", f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise InputError("FILE", f"{path} 不是有效的 Excel（xlsx）文件：{exc}", f"{path} is not a valid xlsx file: {exc}") from None
        try:
            return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    if suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return list(csv.reader(raw.decode(encoding).splitlines()))
            except UnicodeDecodeError:
                continue
        raise InputError("FILE", f"{path} 的编码无法识别，请另存为 UTF-8 的 CSV", f"cannot decode {path}; save it as UTF-8 CSV")
    raise InputError("FILE", f"只能导入 .xlsx 或 .csv 文件：{path.name}", f"only .xlsx or .csv files can be imported: {path.name}")


def _columns(header: list[Any]) -> dict[str, int]:
    names = [re.sub(r"\s+", "", str(h or "")) for h in header]
    found = {}
    for key, options in HEADERS.items():
        for i, name in enumerate(names):
            if name in options or any(name.startswith(o + "（") or name.startswith(o + "(") for o in options):
                found[key] = i
                break
    missing = [HEADERS[k][0] for k in REQUIRED if k not in found]
    if missing:
        raise InputError("FILE", f"第一行表头缺少列：{'、'.join(missing)}；需要 姓名、身份证号、身份类别、认定日期（终止日期、联系电话、住址可选）",
                         f"the header row lacks: {', '.join(missing)}")
    return found


def _cell(row: list[Any], cols: dict[str, int], key: str) -> Any:
    i = cols.get(key)
    if i is None or i >= len(row):
        return None
    value = row[i]
    return value.strip() if isinstance(value, str) else value


def import_persons(store: Store, path: str | Path, *, operator: str) -> ImportReport:
    path = Path(path)
    rows = read_table(path)
    if not rows:
        raise InputError("FILE", f"{path} 是空文件", f"{path} is empty")
    cols = _columns(rows[0])
    report = ImportReport()
    at = now()
    with store.write() as db:
        for number, row in enumerate(rows[1:], start=2):
            if all(v in (None, "") for v in row):
                continue
            try:
                name = _cell(row, cols, "name")
                if not name:
                    raise ValueError("姓名为空")
                raw_id = _cell(row, cols, "id_number")
                try:
                    id_number = check_id_number(str(raw_id or "").strip().upper(), "身份证号")
                except InputError as exc:
                    raise ValueError(exc.zh) from None
                codes = [identity_code(part) for part in re.split(r"[、,，;；/]", str(_cell(row, cols, "identity") or "")) if part.strip()]
                if not codes:
                    raise ValueError("身份类别为空")
                granted = parse_date(_cell(row, cols, "granted_on") or "")
                ends_raw = _cell(row, cols, "ends_on")
                ends = parse_date(ends_raw) if ends_raw not in (None, "") else None
                if ends and ends < granted:
                    raise ValueError(f"终止日期 {ends} 早于认定日期 {granted}")
                phone = _cell(row, cols, "phone")
                address = _cell(row, cols, "address")
                existed = db.execute("SELECT 1 FROM persons WHERE id_number = ?", (id_number,)).fetchone()
                db.execute("SAVEPOINT import_row")
                try:
                    person_id = upsert_person(db, id_number, str(name), at,
                                              phone=str(phone) if phone else None, address=str(address) if address else None)
                    added = [add_grant(db, person_id, code, granted, ends, f"民政名单 {path.name}", at) for code in codes]
                except InputError as exc:
                    db.execute("ROLLBACK TO import_row")
                    db.execute("RELEASE import_row")
                    raise ValueError(exc.zh) from None
                db.execute("RELEASE import_row")
            except ValueError as exc:
                report.rejected.append((number, str(exc)))
                continue
            report.taken += 1
            report.new_persons += 0 if existed else 1
            report.new_grants += sum(added)
            report.duplicates += 0 if any(added) else 1
        audit(db, operator, "import-persons", f"导入 {path.name}：接收 {report.taken} 行，拒绝 {len(report.rejected)} 行", at=at)
    return report
