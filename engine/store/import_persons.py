"""Importing the identity lists the civil-affairs office sends (xlsx or csv).

Columns are found by their Chinese headers (any of the names below). Rows are streamed and
every row is checked before anything is written: a bad row is reported with its row number
and reason and skipped, the good rows are taken. Only a file that is unusable as a whole
(not xlsx/csv, no needed columns, over MAX_BYTES, over MAX_ROWS rows, a zip bomb) is refused,
and then nothing changes. The good rows are committed in chunks of CHUNK rows, so the window's
saves never wait long for the write lock.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .. import validate
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
LABELS = {"name": "姓名", "id_number": "身份证号", "identity": "身份类别", "granted_on": "认定日期", "ends_on": "终止日期",
          "phone": "联系电话", "address": "住址"}

MAX_ROWS = 200_000                      # data rows, the header not counted
MAX_BYTES = 64 * 1024 * 1024            # the file as stored
MAX_UNPACKED = 256 * 1024 * 1024        # an xlsx's parts, uncompressed (a zip bomb is refused unopened)
MAX_PARTS = 10_000
CHUNK = 500                             # rows per write transaction
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")

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
    """A date as the lists write it: a date cell, an Excel serial number (44931), 2023-01-05,
    2023/1/5, 2023年1月5日, 20230105, or any of these followed by a time (2023-01-05 00:00:00)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value, str(value))
    text = str(value).strip()
    if re.fullmatch(r"[0-9]{5}(\.0+)?", text):
        return _serial(float(text), text)
    m = (re.fullmatch(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?", text)
         or re.fullmatch(r"([0-9]{4})([0-9]{2})([0-9]{2})", text))
    if not m:
        raise ValueError(f"日期“{validate.shown(text)}”格式不正确，应为 2023-01-05")
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"日期“{validate.shown(text)}”不存在") from None


def _serial(number: float, text: str) -> dt.date:
    """An Excel serial date (1900 system); only 1950–2099 makes sense on these lists."""
    from openpyxl.utils.datetime import from_excel

    if number != int(number) or not 18264 <= number <= 73050:
        raise ValueError(f"日期“{validate.shown(text)}”格式不正确，应为 2023-01-05")
    return from_excel(int(number)).date()


def _check_size(path: Path) -> None:
    if not path.is_file():
        raise InputError("FILE", f"找不到文件 {validate.shown(str(path), 80)}", f"file not found: {validate.shown(str(path), 80)}")
    if path.stat().st_size > MAX_BYTES:
        raise InputError("FILE", f"{path.name} 超过 {MAX_BYTES // 2**20} MB，请分成几个文件导入",
                         f"{path.name} exceeds {MAX_BYTES // 2**20} MiB; split it")


def _unusable(path: Path, why: str, en: str) -> InputError:
    return InputError("FILE", f"{validate.shown(path.name, 60)} 不是可用的 Excel（xlsx）文件：{why}",
                      f"{validate.shown(path.name, 60)} is not a usable xlsx file: {en}")


def _check_zip(path: Path) -> None:
    """Refuse an xlsx whose parts would unpack to more than MAX_UNPACKED, before openpyxl opens it
    (the sizes are the archive's own; Python's zip reader never returns more than they say)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unusable(path, "文件已损坏或不是 xlsx 格式（如为 .xls 或加密文件，请在 Excel 中另存为 .xlsx）", str(exc)) from None
    unpacked = sum(part.file_size for part in parts)
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED:
        raise _unusable(path, f"解压后超过 {MAX_UNPACKED // 2**20} MB，可能是恶意文件，已拒绝",
                        f"unpacks to more than {MAX_UNPACKED // 2**20} MiB")


def _xlsx_rows(path: Path) -> Iterator[tuple[list[Any], set[int]]]:
    """The first sheet's rows, streamed (read-only), each with the columns holding a formula
    that has no computed value saved in the file (a formula's saved value is taken as the cell's)."""
    from openpyxl import load_workbook

    _check_zip(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise _unusable(path, "无法读取第一个工作表", f"{type(exc).__name__}: {exc}") from None
    formulas = None
    try:
        if _has_formulas(book, sheet):
            formulas = load_workbook(path, read_only=True, data_only=False)
        values = sheet.iter_rows(values_only=True)
        raw = formulas.worksheets[0].iter_rows(values_only=True) if formulas else None
        for row in values:
            kinds = next(raw, ()) if raw is not None else ()
            blank = {i for i, (v, f) in enumerate(zip(row, kinds)) if v is None and isinstance(f, str) and f.startswith("=")}
            yield list(row), blank
    except InputError:
        raise
    except Exception as exc:
        raise _unusable(path, "工作表内容已损坏", f"{type(exc).__name__}: {exc}") from None
    finally:
        book.close()
        if formulas is not None:
            formulas.close()


def _has_formulas(book, sheet) -> bool:
    with book._archive.open(sheet._worksheet_path) as src:
        tail = b""
        while chunk := src.read(1 << 20):
            if _FORMULA.search(tail + chunk):
                return True
            tail = chunk[-8:]
    return False


def _csv_rows(path: Path) -> Iterator[tuple[list[Any], set[int]]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError("FILE", f"{validate.shown(path.name, 60)} 的编码无法识别，请另存为 UTF-8 的 CSV",
                         f"cannot decode {validate.shown(path.name, 60)}; save it as UTF-8 CSV")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        _refuse_too_many(path, sum(1 for row in csv.reader(io.StringIO(text, newline="")) if any(row)) - 1)
        for row in reader:
            yield row, set()
    except csv.Error as exc:
        raise InputError("FILE", f"{validate.shown(path.name, 60)} 第 {reader.line_num} 行不是有效的 CSV：{exc}",
                         f"{validate.shown(path.name, 60)} line {reader.line_num} is not valid CSV: {exc}") from None


def _refuse_too_many(path: Path, rows: int) -> None:
    if rows > MAX_ROWS:
        raise InputError("FILE", f"{validate.shown(path.name, 60)} 超过 {MAX_ROWS:,} 行，请分成几个文件导入；未导入任何内容",
                         f"{validate.shown(path.name, 60)} has more than {MAX_ROWS:,} rows; split it (nothing imported)")


def read_rows(path: Path) -> Iterator[tuple[list[Any], set[int]]]:
    """The rows of the first sheet (xlsx) or of the file (csv, UTF-8 or GB18030), streamed."""
    _check_size(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    if suffix == ".csv":
        return _csv_rows(path)
    raise InputError("FILE", f"只能导入 .xlsx 或 .csv 文件：{validate.shown(path.name, 60)}",
                     f"only .xlsx or .csv files can be imported: {validate.shown(path.name, 60)}")


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


@dataclass(frozen=True, slots=True)
class _Row:
    number: int
    name: str
    id_number: str
    codes: tuple[str, ...]
    granted: dt.date
    ends: dt.date | None
    phone: str | None
    address: str | None


def _cell(row: list[Any], cols: dict[str, int], key: str, blank: set[int]) -> Any:
    i = cols.get(key)
    if i is None or i >= len(row):
        return None
    if i in blank:
        raise ValueError(f"{LABELS[key]}是公式，但文件中没有保存计算结果；请在 Excel 中打开、重新计算并保存，或粘贴为数值")
    value = row[i]
    return value.strip() if isinstance(value, str) else value


def _optional_text(value: Any, key: str, limit: int) -> str | None:
    if value in (None, ""):
        return None
    try:
        return validate.free_text(str(value), key, LABELS[key], limit)
    except InputError as exc:
        raise ValueError(exc.zh) from None


def _check_row(number: int, row: list[Any], cols: dict[str, int], blank: set[int]) -> _Row:
    """One row checked without the database; ValueError with the reason when it is bad."""
    name = _cell(row, cols, "name", blank)
    if name in (None, ""):
        raise ValueError("姓名为空")
    try:
        name = validate.person_name(name if isinstance(name, str) else str(name), "姓名")
        raw_id = _cell(row, cols, "id_number", blank)
        if isinstance(raw_id, float):
            raise ValueError("身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为文本后重新填写")
        id_number = check_id_number(str(raw_id or "").strip().upper(), "身份证号")
    except InputError as exc:
        raise ValueError(exc.zh) from None
    identity = _cell(row, cols, "identity", blank)
    codes = tuple(identity_code(part) for part in re.split(r"[、,，;；/]", str(identity or "")) if part.strip())
    if not codes:
        raise ValueError("身份类别为空")
    granted_raw = _cell(row, cols, "granted_on", blank)
    if granted_raw in (None, ""):
        raise ValueError("认定日期为空")
    granted = parse_date(granted_raw)
    ends_raw = _cell(row, cols, "ends_on", blank)
    ends = parse_date(ends_raw) if ends_raw not in (None, "") else None
    if ends and ends < granted:
        raise ValueError(f"终止日期 {ends} 早于认定日期 {granted}")
    return _Row(number, name, id_number, codes, granted, ends,
                _optional_text(_cell(row, cols, "phone", blank), "phone", 30),
                _optional_text(_cell(row, cols, "address", blank), "address", 100))


def import_persons(store: Store, path: str | Path, *, operator: str) -> ImportReport:
    """Check every row first (nothing written while reading), then take the good rows in chunks."""
    path = Path(path)
    operator = validate.account_name(operator, "operator")
    rows = read_rows(path)
    first = next(rows, None)
    if first is None:
        raise InputError("FILE", f"{validate.shown(path.name, 60)} 是空文件", f"{validate.shown(path.name, 60)} is empty")
    cols = _columns(first[0])
    report = ImportReport()
    good: list[_Row] = []
    count = 0
    for number, (row, blank) in enumerate(rows, start=2):
        if all(v in (None, "") for v in row):
            continue
        count += 1
        _refuse_too_many(path, count)
        try:
            good.append(_check_row(number, row, cols, blank))
        except ValueError as exc:
            report.rejected.append((number, str(exc)))
    at = now()
    for start in range(0, len(good), CHUNK):
        with store.write() as db:
            for item in good[start:start + CHUNK]:
                _take(db, item, path, at, report)
    with store.write() as db:
        audit(db, operator, "import-persons", f"导入 {path.name}：接收 {report.taken} 行，拒绝 {len(report.rejected)} 行", at=at)
    report.rejected.sort()
    return report


def _take(db, item: _Row, path: Path, at: str, report: ImportReport) -> None:
    existed = db.execute("SELECT 1 FROM persons WHERE id_number = ?", (item.id_number,)).fetchone()
    db.execute("SAVEPOINT import_row")
    try:
        person_id = upsert_person(db, item.id_number, item.name, at, phone=item.phone, address=item.address)
        added = [add_grant(db, person_id, code, item.granted, item.ends, f"民政名单 {path.name}", at) for code in item.codes]
    except InputError as exc:
        db.execute("ROLLBACK TO import_row")
        db.execute("RELEASE import_row")
        report.rejected.append((item.number, exc.zh))
        return
    db.execute("RELEASE import_row")
    report.taken += 1
    report.new_persons += 0 if existed else 1
    report.new_grants += sum(added)
    report.duplicates += 0 if any(added) else 1
