"""The month report to the district: one xlsx workbook of the cases *saved* in a month (by the
recorded time of saving, so a slip settled in April and saved in June is in June's report; the
settlement date is a column):

1. 分类汇总 — sums per layer by identity (救助身份, 救助类别) and visit kind, with 合计;
2. 人数人次 — persons served and 人次 (cases), per region and in all;
3. 结算明细 — the case list with the national settlement field names (the export's columns);
4. 作废与补差 — the voids and the 补差 recorded in the month.

Sums and counts are over the cases saved in the month and not void (a void case is listed, marked,
in 结算明细 and in 作废与补差 when voided in the month).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..case import IDENTITIES, KINDS
from ..codec import from_json_text
from ..errors import InputError
from ..money import ZERO
from ..region_registry import REGIONS
from ..store.database import Store
from ..store.export import COLUMNS, headers
from ..store.persons import mask_id
from .day import SUM_NAMES, SUMS
from .review_note import review_note


@dataclass
class MonthReport:
    year: int
    month: int
    groups: list[dict[str, Any]]     # 分类汇总 rows: identity, class, kind, cases, sums
    totals: dict[str, Decimal]
    cases: int                       # 人次 (not void)
    persons: int                     # persons served
    by_region: list[dict[str, Any]]  # region, persons, cases
    rows: list[list[Any]]            # 结算明细 (export columns + 保存时间)
    voids: list[dict[str, Any]]
    resettlements: list[dict[str, Any]]
    review_off: str = ""             # when review was switched off in the month (engine/reports/review_note.py)

    @property
    def title(self) -> str:
        return f"{self.year}年{self.month}月 医疗保障结算月报（按保存时间）"


def month_range(year: int, month: int) -> tuple[str, str]:
    if not 2000 <= year <= 2100:
        raise InputError("year", f"年份 {year} 不合理，应为四位年份", f"year {year} is not a four-digit year")
    if not 1 <= month <= 12:
        raise InputError("month", "月份应为 1 到 12", "month must be 1..12")
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start.isoformat(), end.isoformat()


def month_report(store: Store, year: int, month: int, *, mask: bool = False) -> MonthReport:
    start, end = month_range(year, month)
    rows = store.query(
        "SELECT c.*, r.number AS receipt_no, p.id_number, p.name, p.sex, p.birth_date FROM cases c "
        "JOIN receipts r ON r.case_id = c.id JOIN persons p ON p.id = c.person_id "
        "WHERE c.created_at >= ? AND c.created_at < ? ORDER BY c.created_at, c.id", (start, end))
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    regions: dict[str, dict[str, Any]] = {}
    persons: set[int] = set()
    totals = {k: ZERO for k in SUMS}
    listed, served = [], 0
    for r in rows:
        r["input"] = from_json_text(r["input"])
        r["result"] = from_json_text(r["result"])
        if mask:
            r["id_number"] = mask_id(r["id_number"])
        listed.append([get(r) for _, _, get in COLUMNS] + [r["created_at"][:19].replace("T", " ")])
        if r["void"]:
            continue
        served += 1
        identity = IDENTITIES.get(r["result"]["identity_used"] or "", "普通参保人员")
        key = (identity, r["result"]["assistance_class"] or "", KINDS[r["kind"]])
        group = groups.setdefault(key, {"identity": key[0], "class": key[1], "kind": key[2], "cases": 0,
                                        "sums": {k: ZERO for k in SUMS}})
        group["cases"] += 1
        for k in SUMS:
            amount = Decimal(r[k])
            group["sums"][k] += amount
            totals[k] += amount
        persons.add(r["person_id"])
        region = regions.setdefault(r["region"], {"region": REGIONS[r["region"]], "persons": set(), "cases": 0})
        region["persons"].add(r["person_id"])
        region["cases"] += 1
    voids = store.query(
        "SELECT r.number, p.name, c.date, c.voided_at, c.voided_by, c.void_reason, c.office, c.basic, c.critical, "
        "c.assistance, c.tilt FROM cases c JOIN receipts r ON r.case_id = c.id JOIN persons p ON p.id = c.person_id "
        "WHERE c.void = 1 AND c.voided_at >= ? AND c.voided_at < ? ORDER BY c.voided_at, c.id", (start, end))
    settled = store.query(
        "SELECT s.number, r.number AS case_receipt_no, p.name, s.created_at, s.operator, c.office, s.reason, s.basic, "
        "s.critical, s.assistance, s.tilt, s.to_pay FROM resettlements s JOIN receipts r ON r.case_id = s.case_id "
        "JOIN cases c ON c.id = s.case_id JOIN persons p ON p.id = c.person_id "
        "WHERE s.created_at >= ? AND s.created_at < ? ORDER BY s.created_at, s.id", (start, end))
    return MonthReport(
        year, month, [groups[k] for k in sorted(groups)], totals, served, len(persons),
        [{"region": v["region"], "persons": len(v["persons"]), "cases": v["cases"]}
         for _, v in sorted(regions.items(), key=lambda kv: list(REGIONS).index(kv[0]))],
        listed, voids, settled, review_off=review_note(store, start, end))


def write_xlsx(report: MonthReport, path: str | Path, charts: list[tuple[str, bytes]] | None = None) -> None:
    """The workbook; `charts` (title, PNG bytes) go on a sheet 图表 when given."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)   # rows go straight to the file: a month of cases in seconds
    bold = Font(bold=True)

    def cell(sheet, value: Any, strong: bool = False):
        if not strong and not isinstance(value, Decimal):
            return value
        out = WriteOnlyCell(sheet, value=value)
        if isinstance(value, Decimal):
            out.number_format = "0.00"
        if strong:
            out.font = bold
        return out

    def sheet_with(title: str, head: list[str]):
        sheet = book.create_sheet(title)
        for col in range(1, len(head) + 1):
            sheet.column_dimensions[get_column_letter(col)].width = 14
        sheet.freeze_panes = "A3"
        first = WriteOnlyCell(sheet, value=report.title)
        first.font = Font(bold=True, size=13)
        sheet.append([first])
        sheet.append([cell(sheet, h, True) for h in head])
        return sheet

    def money_row(sheet, row: list[Any], strong: bool = False) -> None:
        sheet.append([cell(sheet, value, strong) for value in row])

    s1 = sheet_with("分类汇总", ["救助身份", "救助类别", "就诊类别", "人次", *(SUM_NAMES[k] for k in SUMS)])
    for g in report.groups:
        money_row(s1, [g["identity"], g["class"], g["kind"], g["cases"], *(g["sums"][k] for k in SUMS)])
    money_row(s1, ["合计", "", "", report.cases, *(report.totals[k] for k in SUMS)], strong=True)
    if report.review_off:
        s1.append([])
        s1.append([cell(s1, report.review_off, True)])
    s2 = sheet_with("人数人次", ["地区", "服务人数", "人次"])
    for r in report.by_region:
        money_row(s2, [r["region"], r["persons"], r["cases"]])
    money_row(s2, ["合计", report.persons, report.cases], strong=True)
    s3 = sheet_with("结算明细", headers() + ["保存时间"])
    for row in report.rows:
        money_row(s3, row)
    s4 = sheet_with("作废与补差", ["类型", "回执号", "原回执号", "姓名", "时间", "经办人", "原因",
                                  "基本医保", "大病保险", "医疗救助", "倾斜/再救助/托底", "补差合计"])
    for v in report.voids:
        money_row(s4, ["作废", v["number"], "", v["name"], v["voided_at"][:19].replace("T", " "), v["voided_by"],
                       v["void_reason"], *(Decimal(v[k]) for k in ("basic", "critical", "assistance", "tilt")), None])
    for s in report.resettlements:
        money_row(s4, ["补差", s["number"], s["case_receipt_no"], s["name"], s["created_at"][:19].replace("T", " "),
                       s["operator"], s["reason"],
                       *(Decimal(s[k]) for k in ("basic", "critical", "assistance", "tilt", "to_pay"))])
    if charts:
        from io import BytesIO

        from openpyxl.drawing.image import Image

        s5 = book.create_sheet("图表")
        row = 1
        for title, png in charts:
            image = Image(BytesIO(png))
            s5.add_image(image, f"A{row + 1}")
            s5.append([cell(s5, title, True)])
            rows = int(image.height / 20) + 3
            for _ in range(rows - 1):
                s5.append([])
            row += rows
    book.save(path)
