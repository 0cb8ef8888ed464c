"""What an import leaves for the office: the 拟发放名单 workbook (person, masked ID number, receipt number,
each layer, what the hospital already paid, to_pay, totals; the rows not imported and why on a second
sheet) and every receipt in one PDF. The cashier's 发放名单 itself comes from review (engine/store/review.py)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from ..case import KINDS, mask_id
from ..codec import from_json_text
from ..errors import InputError
from ..store.cases import show_case
from ..store.database import Store
from ..store.settlements import imported_cases
from .importer import Report

HEADERS = ("序号", "姓名", "身份证号", "回执号", "结算ID", "结算日期", "医疗类别", "医疗总费用", "基本医保", "大病保险",
           "医疗救助", "医院已付医疗救助（一站式）", "倾斜救助/再救助/托底", "本次应付", "审核状态", "待核对")
MONEY = ("total", "basic", "critical", "assistance", "assistance_paid", "tilt", "to_pay")


def list_rows(store: Store, report: Report, setl_ids: list[str]) -> list[dict[str, Any]]:
    """The cases of the file's settlement IDs (this run's and an earlier, cancelled run's), void ones left out."""
    marks = {p.slip.setl_id: p.slip.marks for p in report.planned}
    rows = []
    for r in imported_cases(store, setl_ids):
        if r["void"]:
            continue
        amounts = from_json_text(r["input"]).get("amounts") or {}
        to_pay = r["to_pay"] if r["to_pay"] is not None else f"{Decimal(r['assistance']) + Decimal(r['tilt']):.2f}"
        rows.append({**{k: r[k] for k in ("case_id", "setl_id", "date", "receipt_no", "name", "review")},
                     "kind": KINDS.get(r["kind"], r["kind"]), "id_masked": mask_id(r["id_number"]),
                     "total": Decimal(r["total"]), "basic": Decimal(r["basic"]), "critical": Decimal(r["critical"]),
                     "assistance": Decimal(r["assistance"]), "tilt": Decimal(r["tilt"]),
                     "assistance_paid": Decimal(str(amounts.get("assistance_paid") or "0")), "to_pay": Decimal(to_pay),
                     "marks": marks.get(r["setl_id"], "")})
    return rows


def write_list(rows: list[dict[str, Any]], report: Report, path: Path) -> dict[str, Decimal]:
    """The 拟发放名单 workbook; returns the totals row's amounts."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "拟发放名单"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, r in enumerate(rows, start=1):
        sheet.append([i, r["name"], r["id_masked"], r["receipt_no"], r["setl_id"], r["date"], r["kind"],
                      *(r[k] for k in ("total", "basic", "critical", "assistance", "assistance_paid", "tilt", "to_pay")),
                      r["review"], r["marks"]])
    totals = {k: sum((r[k] for r in rows), Decimal("0.00")) for k in MONEY}
    sheet.append(["合计", f"{len(rows)} 件", "", "", "", "", "",
                  *(totals[k] for k in ("total", "basic", "critical", "assistance", "assistance_paid", "tilt", "to_pay"))])
    for row in sheet.iter_rows(min_row=2, min_col=8, max_col=14):
        for cell in row:
            cell.number_format = "0.00"
    sheet.append([])
    sheet.append(["注：案件待审核（或免审）后，由审核生成出纳的发放名单；“待核对”列为按缺省值（转诊、就医地）计算的案件，请核对。"])
    for col, width in zip("ABCDEFGHIJKLMNOP", (6, 10, 20, 13, 18, 11, 14, 12, 11, 11, 11, 14, 14, 11, 9, 26)):
        sheet.column_dimensions[col].width = width
    other = book.create_sheet("未导入")
    other.append(("行号", "结算ID", "姓名", "处理", "原因"))
    for cell in other[1]:
        cell.font = Font(bold=True)
    for number, setl_id, reason in report.rejected:
        other.append((number, setl_id, "", "拒绝", reason))
    for number, setl_id, name, reason in report.skipped:
        other.append((number, setl_id, name, "跳过", reason))
    for col, width in zip("ABCDE", (8, 20, 10, 8, 80)):
        other.column_dimensions[col].width = width
    try:
        book.save(path)
    except OSError as exc:
        raise InputError("-o", f"无法写入 {path}（{exc.strerror}），请换一个位置或关闭正在打开它的程序",
                         f"cannot write {path} ({exc.strerror})") from None
    return totals


def write_receipts(store: Store, rows: list[dict[str, Any]], path: Path, layout: str = "A4") -> int:
    """Every listed case's receipt in one PDF."""
    from ..receipt.batch import build_receipts
    from ..receipt.make import from_stored

    return build_receipts((from_stored(show_case(store, r["case_id"])) for r in rows), path, layout)


def write_outputs(store: Store, report: Report, setl_ids: list[str], folder: Path) -> dict[str, Any]:
    """Both files into `folder` (created); their paths and the list's totals."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("-o", f"无法创建文件夹 {folder}（{exc.strerror}）", f"cannot create {folder}") from None
    stem = Path(report.file).stem
    rows = list_rows(store, report, setl_ids)
    listing, receipts = folder / f"拟发放名单-{stem}.xlsx", folder / f"回执-{stem}.pdf"
    totals = write_list(rows, report, listing)
    written = {"list": str(listing), "count": len(rows), "to_pay": f"{totals['to_pay']:.2f}"}
    if rows:
        write_receipts(store, rows, receipts)
        written["receipts"] = str(receipts)
    return written
