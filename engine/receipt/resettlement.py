"""The 补差结算单: the receipt of a 补差 record (engine/store/resettle.py). It is laid out with the
case receipt's parts (engine/receipt/document.py: fonts, person and visit tables, page marks): its
own receipt number, the original case's receipt number and the reason, and per layer what was
paid, what the replayed year gives, and the difference (positive 补付, negative 应退)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer

from ..breakdown import NAMES
from ..case import mask_id
from ..money import fmt
from .capitals import capitals
from .document import BOXED, LAYOUTS, SHADE, ReceiptData, _decorate, _p, _person_table, _styles, _table, now_text
from .fonts import register

TITLE = "补差结算单"
ROWS = ("basic", "critical", "assistance", "tilt", "hospital_borne", "out_of_pocket")
ROW_NAMES = {**NAMES, "hospital_borne": NAMES["hospital"]}


@dataclass
class ResettlementData:
    receipt: ReceiptData             # the 补差's own number, the person, the visit, the replayed result
    original_receipt_no: str
    reason: str
    before: dict[str, Decimal]       # paid before this 补差 (stored + earlier 补差)
    difference: dict[str, Decimal]   # per row, and to_pay
    settled_at: str
    settled_by: str


def signed_capitals(value: Decimal) -> str:
    """补付 / 应退 with the amount in capitals."""
    if value < 0:
        return "应退 " + capitals(-value)
    return ("补付 " if value > 0 else "") + capitals(value)


def from_stored(original: dict[str, Any], record: dict[str, Any], *, window: str = "") -> ResettlementData:
    """The 补差结算单 of a record (engine.store.resettle.resettlement) for its case (`cases show --json`)."""
    diff = {k: Decimal(record[k]) for k in ROWS + ("to_pay",)}
    after = record["result"]
    now = {k: Decimal(str(after["payouts"][k])) for k in ROWS[:4]}
    now["hospital_borne"] = Decimal(str(after["hospital_borne"]))
    now["out_of_pocket"] = Decimal(str(after["out_of_pocket"]))
    receipt = ReceiptData(
        receipt_no=record["number"], office=original["office"], office_code=original.get("office_code") or "",
        window=window, operator=record["operator"],
        printed_at=now_text(), name=original["name"], id_masked=mask_id(original["id_number"]),
        case_input=original["input"], result=after, qr_text="")
    return ResettlementData(receipt, original["receipt_no"], record["reason"],
                            {k: now[k] - diff[k] for k in ROWS}, diff, record["created_at"], record["operator"])


def _amounts(d: ResettlementData, s: dict, width: float):
    header = [_p(h, s["cell"]) for h in ("项目", "原已支付（元）", "重算应付（元）", "补差金额（元）", "补差金额大写")]
    rows = [header]
    for key in ROWS:
        before, diff = d.before[key], d.difference[key]
        rows.append([_p(ROW_NAMES[key], s["cell"]), _p(fmt(before), s["right"]), _p(fmt(before + diff), s["right"]),
                     _p(fmt(diff), s["right"]), _p(signed_capitals(diff) if key in ROWS[:4] else "—", s["small"])])
    # what this office itself pays (医疗救助 less the hospital's one-stop payment, + 倾斜): case-format.md
    to_pay, after = d.difference["to_pay"], Decimal(str(d.receipt.result["to_pay"]))
    rows.append([_p("本经办点支付（医疗救助扣除医院已付部分＋倾斜救助）", s["cell"]), _p(fmt(after - to_pay), s["right"]),
                 _p(fmt(after), s["right"]), _p(fmt(to_pay), s["right"]), _p(signed_capitals(to_pay), s["small"])])
    style = [*BOXED, ("BACKGROUND", (0, 0), (-1, 0), SHADE), ("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), SHADE)]
    return _table(rows, [width * 0.22, width * 0.15, width * 0.15, width * 0.15, width * 0.33], s["cell"].fontName,
                  style, repeatRows=1)


def _signatures(d: ResettlementData, s: dict, width: float, base: float):
    line = "＿" * 7
    rows = [[_p(f"经办人：{d.settled_by}　　签字：{line}", s["cell"])], [_p(f"审核人：{line}", s["cell"])],
            [_p(f"申请人/代领人：{line}　　日期：{line}", s["cell"])]]
    return _table(rows, [width], s["cell"].fontName, [("VALIGN", (0, 0), (-1, -1), "BOTTOM")],
                  rowHeights=[base * 2.4] * 3)


def build(d: ResettlementData, out: str | BinaryIO, layout: str = "A4") -> None:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
    pagesize, margin, sizes = LAYOUTS[layout]
    base = sizes[0]
    font = register()
    s = _styles(base, font)
    r = d.receipt
    doc = SimpleDocTemplate(out, pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin, title=f"{TITLE} {r.receipt_no}", author=r.office, subject=TITLE,
                            creator="三重保障计算器", initialFontName=font)
    width = pagesize[0] - 2 * margin
    to_pay = d.difference["to_pay"]
    verdict = (f"本次补付 {fmt(to_pay)} 元" if to_pay > 0 else
               f"本次应退 {fmt(-to_pay)} 元" if to_pay < 0 else "本经办点不补付也不追回")
    head = [[_p(f"经办机构：{r.office}" + (f"（代码 {r.office_code}）" if r.office_code else ""), s["cell"]), _p(f"窗口：{r.window or '—'}", s["cell"]),
             _p(f"补差回执号：{r.receipt_no}", s["cell"])],
            [_p(f"补差时间：{d.settled_at[:19].replace('T', ' ')}", s["cell"]), _p(f"经办人：{d.settled_by}", s["cell"]),
             _p(f"原结算回执号：{d.original_receipt_no}", s["cell"])]]
    story: list = [_p(TITLE, s["title"]),
                   _p("同一人员同一年度的案件作废或补录后，按重算的年度台账结算差额", s["sub"]), Spacer(1, base * 0.6),
                   _table(head, [width * 0.38, width * 0.22, width * 0.40], font, []), Spacer(1, base * 0.4),
                   _p(f"补差原因：{d.reason}", s["cell"]), _p(verdict + "（正数为补付，负数为应退）", s["warn"]),
                   _p("人员与原结算就诊信息", s["h"]), _person_table(r, s, width),
                   _p("各项支付补差", s["h"]), _amounts(d, s, width),
                   KeepTogether([Spacer(1, base * 0.6), _signatures(d, s, width, base)])]
    decorate = _decorate(r, font, base, {})   # a 补差结算单 is one page: "第 1 页 共 1 页"
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)


def write(data: ResettlementData, out: str | Path | BinaryIO, layout: str = "A4") -> None:
    build(data, str(out) if isinstance(out, Path) else out, layout)
