"""The 发放名单 as a workbook for the cashier: reviewed cases not yet paid, with the total
(engine.store.review.pay_list gives the rows; ID numbers are masked there)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..region_registry import REGIONS

HEADERS = ("案件编号", "回执号", "姓名", "身份证号", "地区", "结算日期", "经办机构", "经办人", "应发金额（本次应付）",
           "审核状态", "领取签字")


def write_pay_list(listing: dict[str, Any], path: str | Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    book = Workbook()
    sheet = book.active
    sheet.title = "发放名单"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in listing["rows"]:
        sheet.append([r["case_id"], r["receipt_no"], r["name"], r["id_number"], REGIONS.get(r["region"], r["region"]),
                      r["date"], r["office"], r["operator"], Decimal(r["amount"]), r["review"], ""])
        sheet.cell(row=sheet.max_row, column=9).number_format = "0.00"
    sheet.append([])
    sheet.append(["合计", f"{listing['count']} 件", "", "", "", "", "", "", Decimal(listing["total"])])
    sheet.cell(row=sheet.max_row, column=9).number_format = "0.00"
    if listing["review_off"]:
        sheet.append(["注：本经办点已关闭审核，名单中的案件未经他人审核。"])
    for col, width in zip("ABCDEFGHIJK", (8, 14, 10, 20, 8, 12, 12, 10, 16, 8, 12)):
        sheet.column_dimensions[col].width = width
    try:
        book.save(path)
    except OSError as exc:
        raise InputError("-o", f"无法写入 {path}（{exc.strerror}），请换一个位置或关闭正在打开它的程序",
                         f"cannot write {path} ({exc.strerror})") from None
