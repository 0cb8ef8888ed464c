"""The district's monthly report: a year's cases as Excel or CSV.

Each column has a Chinese header with the national medical-insurance platform's
settlement-record field name beside it where one exists (国家医保信息平台 结算信息
setlinfo: medfee_sumamt, inscp_scp_amt, hifp_pay, hifmi_pay, maf_pay, …).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from ..case import IDENTITIES, INSURANCE, KINDS, age_on
from ..errors import InputError
from ..region_registry import REGIONS, check_region
from ..codec import from_json_text
from .database import Store
from .persons import mask_id


def _money(name: str) -> Callable[[dict], Decimal]:
    return lambda r: Decimal(r[name])


def _fund_total(r: dict) -> Decimal:
    return sum((Decimal(r[k]) for k in ("basic", "critical", "assistance", "tilt")), Decimal("0.00"))


# (Chinese header, national field name or None, value of a row)
COLUMNS: list[tuple[str, str | None, Callable[[dict], Any]]] = [
    ("回执号", None, lambda r: r["receipt_no"]),
    ("经办机构", None, lambda r: r["office"]),
    ("结算日期", "setl_time", lambda r: r["date"]),
    ("人员姓名", "psn_name", lambda r: r["name"]),
    ("证件号码", "certno", lambda r: r["id_number"]),
    ("性别", "gend", lambda r: r["sex"]),
    ("出生日期", "brdy", lambda r: r["birth_date"]),
    ("年龄", "age", lambda r: age_on(dt.date.fromisoformat(r["birth_date"]), dt.date.fromisoformat(r["date"]))),
    ("险种类型", "insutype", lambda r: INSURANCE[r["input"]["person"].get("insurance") or "resident"]),
    ("医疗类别", "med_type", lambda r: KINDS[r["kind"]]),
    ("地区", None, lambda r: REGIONS[r["region"]]),
    ("救助身份", None, lambda r: IDENTITIES.get(r["result"]["identity_used"] or "", "普通参保人员")),
    ("救助类别", None, lambda r: r["result"]["assistance_class"] or ""),
    ("医疗费总额", "medfee_sumamt", _money("total")),
    ("符合政策范围金额", "inscp_scp_amt", _money("policy_scope")),
    ("基本医疗保险统筹基金支出", "hifp_pay", _money("basic")),
    ("大病保险资金支出", "hifmi_pay", _money("critical")),
    ("医疗救助基金支出", "maf_pay", _money("assistance")),
    ("倾斜救助/再救助/托底保障支出", None, _money("tilt")),
    ("基金支付总额", "fund_pay_sumamt", _fund_total),
    ("医院负担金额", "hosp_part_amt", _money("hospital_borne")),
    ("个人自付金额", "psn_pay", _money("out_of_pocket")),
    ("预警", None, lambda r: r["warning_kind"] or ""),
    ("经办人", "opter_name", lambda r: r["operator"]),
    ("作废", None, lambda r: "是" if r["void"] else ""),
    ("作废原因", None, lambda r: r["void_reason"] or ""),
    ("案件编号", None, lambda r: r["id"]),
]


def headers() -> list[str]:
    return [f"{zh}（{code}）" if code else zh for zh, code, _ in COLUMNS]


def export_rows(store: Store, year: int, region: str | None = None, month: int | None = None,
                include_void: bool = False, mask: bool = False) -> list[list[Any]]:
    if region is not None:
        check_region(region)
    if month is not None and not 1 <= month <= 12:
        raise InputError("month", "月份应为 1 到 12", "month must be 1..12")
    where, params = ["c.policy_year = ?"], [year]
    if region:
        where.append("c.region = ?")
        params.append(region)
    if month:
        where.append("substr(c.date, 6, 2) = ?")
        params.append(f"{month:02d}")
    if not include_void:
        where.append("c.void = 0")
    rows = store.query(
        "SELECT c.*, r.number AS receipt_no, p.id_number, p.name, p.sex, p.birth_date FROM cases c "
        "JOIN receipts r ON r.case_id = c.id JOIN persons p ON p.id = c.person_id WHERE "
        + " AND ".join(where) + " ORDER BY c.date, c.id", params)
    out = []
    for r in rows:
        r["input"] = from_json_text(r["input"])
        r["result"] = from_json_text(r["result"])
        if mask:
            r["id_number"] = mask_id(r["id_number"])
        out.append([get(r) for _, _, get in COLUMNS])
    return out


# Text a spreadsheet would take for a formula (OWASP "CSV injection"): = + - @, and a tab or
# carriage return in front of them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ID_HEADER = "证件号码"


def csv_text(value: Any, header: str = "") -> str:
    """One CSV field as Excel will open it safely:
    - text starting with = + - @ (or a tab or CR) gets a leading apostrophe ', so it is shown
      as text and never run as a formula;
    - an ID number of digits gets a leading tab, so Excel keeps all 18 digits as text instead of
      turning it into 4.2E+17 (a ="…" wrapper would itself be a formula). Read back, strip it."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    text = "" if value is None else str(value)
    if header.startswith(_ID_HEADER) and text.isdigit():
        return "\t" + text
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def append_row(sheet, values: list[Any]) -> None:
    """Append a row to an openpyxl sheet with every text cell stored as a string, never as a
    formula; characters an xlsx cannot hold (control characters of names stored by older
    versions) are written as escapes."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sheet.append([ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", v) if isinstance(v, str) else v
                  for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def save_private(path: str | Path, write: Callable[[Any], None]) -> Path:
    """Write a file readable by its owner only where the system allows (0600 on POSIX): written
    to a new temporary file beside it, then moved into place, so a failure leaves no half file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv(path: Path, rows: list[list[Any]]) -> None:
    names = headers()

    def write(fh) -> None:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")  # the BOM lets Excel read the Chinese
        writer = csv.writer(text)
        writer.writerow(names)
        writer.writerows([[csv_text(v, h) for v, h in zip(row, names)] for row in rows])
        text.flush()
        text.detach()

    save_private(path, write)


def write_xlsx(path: Path, rows: list[list[Any]], title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "结算明细"
    append_row(sheet, headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        append_row(sheet, row)
    for col, (zh, _, _) in enumerate(COLUMNS, 1):
        letter = sheet.cell(row=1, column=col).column_letter
        sheet.column_dimensions[letter].width = max(10, min(24, len(zh) * 2 + 2))
        for cell in sheet[letter][1:]:
            if isinstance(cell.value, (Decimal, float)):
                cell.number_format = "0.00"
    sheet.freeze_panes = "A2"
    summary = book.create_sheet("汇总")
    append_row(summary, [title])
    summary.append(["案件数", len(rows)])
    for i, (zh, code, _) in enumerate(COLUMNS):
        if rows and isinstance(rows[0][i], Decimal):
            total = sum((row[i] for row in rows), Decimal("0.00"))
            append_row(summary, [f"{zh}（{code}）" if code else zh, total])
            summary.cell(row=summary.max_row, column=2).number_format = "0.00"
    summary.column_dimensions["A"].width = 40
    save_private(path, book.save)


def write_list_xlsx(path: str | Path, title: str, header: list[str], rows: list[list[Any]],
                    widths: list[int], money_columns: tuple[int, ...] = ()) -> Path:
    """A list as the window shows it (预警名单 …) as an .xlsx: a bold Chinese header row, one row per
    line; text cells never formulas; the money columns (0-based) as numbers with two decimals."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title
    append_row(sheet, list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_row(sheet, [Decimal(v) if i in money_columns else v for i, v in enumerate(row)])
        for i in money_columns:
            sheet.cell(row=sheet.max_row, column=i + 1).number_format = "0.00"
    for i, width in enumerate(widths):
        sheet.column_dimensions[sheet.cell(row=1, column=i + 1).column_letter].width = width
    sheet.freeze_panes = "A2"
    return save_private(path, book.save)


def export_cases(store: Store, path: str | Path, fmt: str, year: int, region: str | None = None,
                 month: int | None = None, include_void: bool = False, mask: bool = False) -> int:
    """Write the report; returns the number of cases in it."""
    path = Path(path)
    if fmt not in ("xlsx", "csv"):
        raise InputError("format", "导出格式应为 xlsx 或 csv", "format must be xlsx or csv")
    rows = export_rows(store, year, region, month, include_void, mask)
    title = f"{year}年{f'{month}月' if month else ''}{REGIONS[region] if region else '全部地区'}医疗保障结算明细"
    try:
        if fmt == "csv":
            write_csv(path, rows)
        else:
            write_xlsx(path, rows, title)
    except OSError as exc:
        raise InputError("-o", f"无法写入 {path}（{exc.strerror}），请换一个位置或关闭正在打开它的程序",
                         f"cannot write {path} ({exc.strerror})") from None
    return len(rows)
