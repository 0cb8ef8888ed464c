"""The receipt PDF (ReportLab): who, what visit, what each layer paid in figures and in
capitals with its steps and clauses, what is left of this year's caps, warnings, signature
lines and a QR code to check the printout against the database. A4 or A5; tables continue
on the next page with their header; void receipts are struck through with 作废, reprints
marked 补打, trial calculations marked 试算."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from .. import clock
from ..case import IDENTITIES, KINDS
from ..policy import REGIONS
from .capitals import capitals
from .fonts import register

TITLE = "医疗保障待遇结算单"
LAYOUTS = {"A4": (A4, 12 * mm, 9.4), "A5": (A5, 8 * mm, 7.6)}
LAYERS = (("basic", "基本医保"), ("critical", "大病保险"), ("assistance", "医疗救助"),
          ("tilt", "倾斜救助/再救助/托底"))
GRID = colors.HexColor("#999999")
SHADE = colors.HexColor("#EEF2F7")
RED = colors.HexColor("#C00000")


@dataclass
class ReceiptData:
    """Everything printed, already decided: the PDF code only lays it out."""
    receipt_no: str | None
    office: str
    window: str
    operator: str
    printed_at: str
    name: str
    id_masked: str
    case_input: dict[str, Any]
    result: dict[str, Any]
    qr_text: str
    void_reason: str | None = None
    reprint: bool = False
    notes: list[str] = field(default_factory=list)


def _styles(base: float, font: str) -> dict[str, ParagraphStyle]:
    def style(name, size, **kw):
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.35, wordWrap="CJK", **kw)

    return {
        "title": style("title", base * 1.8, alignment=TA_CENTER, spaceAfter=base * 0.3),
        "sub": style("sub", base * 0.9, alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
        "h": style("h", base * 1.1, spaceBefore=base * 0.5, spaceAfter=base * 0.25),
        "cell": style("cell", base),
        "right": style("right", base, alignment=TA_RIGHT),
        "step": style("step", base * 0.82, textColor=colors.HexColor("#333333"), leftIndent=base),
        "small": style("small", base * 0.82),
        "warn": style("warn", base * 0.9, textColor=RED),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _qr(text: str, size: float, font: str) -> Drawing:
    widget = QrCodeWidget(text, barLevel="M", barWidth=size, barHeight=size)
    drawing = Drawing(size, size)
    drawing.initialFontName = font  # else the renderer sets Helvetica, which is never embedded
    drawing.add(widget)
    return drawing


def _table(rows: list, widths: list[float], font: str, commands: list, **kw) -> Table:
    """A table whose every cell uses the CJK font (ReportLab's default, Helvetica, is never embedded)."""
    table = Table(rows, colWidths=widths, **kw)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), *commands]))
    return table


BOXED = [("GRID", (0, 0), (-1, -1), 0.5, GRID), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
         ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]


def _yesno(value: Any, default: bool) -> str:
    return "是" if (default if value is None else value) else "否"


def _person_table(d: ReceiptData, s: dict, width: float) -> Table:
    r = d.result
    identity = IDENTITIES.get(r["identity_used"] or "", "普通参保人员")
    if r.get("assistance_class"):
        identity += f"（{r['assistance_class']}）"
    rows = [
        [_p("姓名", s["cell"]), _p(d.name, s["cell"]), _p("身份证号", s["cell"]), _p(d.id_masked, s["cell"])],
        [_p("救助身份", s["cell"]), _p(identity, s["cell"]), _p("参保地区", s["cell"]), _p(REGIONS[r["region"]], s["cell"])],
        [_p("适用文件", s["cell"]), _p("；".join(r["documents"]), s["small"]), "", ""],
    ]
    return _table(rows, [width * 0.14, width * 0.36, width * 0.14, width * 0.36], s["cell"].fontName,
                  [*BOXED, ("SPAN", (1, 2), (3, 2)), ("BACKGROUND", (0, 0), (0, -1), SHADE),
                   ("BACKGROUND", (2, 0), (2, 1), SHADE)])


def _visit_table(d: ReceiptData, s: dict, width: float) -> Table:
    v = d.case_input.get("visit", {})
    level = v.get("hospital_level")
    where = "省外" if v.get("in_province") is False else ("省内县（区）外" if v.get("in_district") is False else "本地")
    rows = [
        [_p("就诊类别", s["cell"]), _p(KINDS[v["kind"]], s["cell"]), _p("医院等级", s["cell"]),
         _p(f"{'一二三'[level - 1]}级" if level in (1, 2, 3) else "未填", s["cell"])],
        [_p("结算日期", s["cell"]), _p(d.case_input["date"], s["cell"]), _p("规范转诊 / 就医地", s["cell"]),
         _p(f"{_yesno(v.get('referral'), True)} / {where}", s["cell"])],
        [_p("病种", s["cell"]), _p("、".join(v.get("diseases") or []) or "未列入病种目录的疾病", s["cell"]), "", ""],
    ]
    return _table(rows, [width * 0.14, width * 0.36, width * 0.18, width * 0.32], s["cell"].fontName,
                  [*BOXED, ("SPAN", (1, 2), (3, 2)), ("BACKGROUND", (0, 0), (0, -1), SHADE),
                   ("BACKGROUND", (2, 0), (2, 1), SHADE)])


def _amount_table(d: ReceiptData, s: dict, width: float) -> Table:
    r = d.result
    amounts = d.case_input["amounts"]
    steps_by_layer: dict[str, list[dict]] = {}
    for step in r["steps"]:
        steps_by_layer.setdefault(step["layer"], []).append(step)
    header = [_p("项目", s["cell"]), _p("金额（元）", s["cell"]), _p("大写", s["cell"])]
    rows, style = [header], [*BOXED, ("BACKGROUND", (0, 0), (-1, 0), SHADE)]

    def money_row(label: str, value: str, bold: bool = False) -> None:
        rows.append([_p(label, s["cell"]), _p(value, s["right"]), _p(capitals(Decimal(value)), s["cell"])])
        if bold:
            style.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), SHADE))

    def step_rows(layer: str) -> None:
        for step in steps_by_layer.get(layer, []):
            rows.append([_p(f"· {step['text']}〔{step['source']}〕", s["step"]), "", ""])
            style.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))

    total = f"{Decimal(str(amounts['total'])):.2f}"
    money_row("医疗总费用", total)
    money_row("政策范围内费用", f"{Decimal(str(amounts['policy_scope'])):.2f}")
    step_rows("info")
    for key, label in LAYERS:
        money_row(label, r["payouts"][key])
        step_rows(key)
    if Decimal(r.get("hospital_borne") or "0") > 0:
        money_row("医疗机构承担", r["hospital_borne"])
        step_rows("hospital")
    money_row("个人自付", r["out_of_pocket"], bold=True)
    step_rows("out_of_pocket")
    return _table(rows, [width * 0.30, width * 0.20, width * 0.50], s["cell"].fontName, style, repeatRows=1)


def _caps_table(d: ReceiptData, s: dict, width: float) -> Table | None:
    caps = [c for c in d.result.get("caps", []) if c.get("limit") is not None]
    if not caps:
        return None
    rows = [[_p(h, s["cell"]) for h in ("额度（本次结算后）", "年度限额", "已用", "剩余", "依据")]]
    for c in caps:
        rows.append([_p(c["name"], s["small"]), _p(c["limit"], s["right"]), _p(c["used"], s["right"]),
                     _p(c["left"], s["right"]), _p(c["source"], s["small"])])
    return _table(rows, [width * 0.30, width * 0.13, width * 0.13, width * 0.13, width * 0.31], s["cell"].fontName,
                  [*BOXED, ("BACKGROUND", (0, 0), (-1, 0), SHADE)], repeatRows=1)


def _warning_lines(d: ReceiptData, s: dict) -> list[Paragraph]:
    out = []
    for text in d.result.get("warnings", []):
        tag = "【待核实】" if text.startswith("未核实参数") else ("【预警】" if "预警" in text else "【提示】")
        out.append(_p(tag + text, s["warn"]))
    return out + [_p("【提示】" + n, s["warn"]) for n in d.notes]


def _signature_block(d: ReceiptData, s: dict, width: float, base: float) -> Table:
    line = "＿" * 7
    left = [[_p(f"经办人：{d.operator}　　签字：{line}", s["cell"])],
            [_p(f"审核人：{line}", s["cell"])],
            [_p(f"申请人/代领人：{line}　　日期：{line}", s["cell"])]]
    font = s["cell"].fontName
    signs = _table(left, [width * 0.72], font, [("VALIGN", (0, 0), (-1, -1), "BOTTOM")], rowHeights=[base * 2.4] * 3)
    qr = _table([[_qr(d.qr_text, width * 0.17, font)], [_p("扫码核验回执", s["sub"])]], [width * 0.26], font,
                [("ALIGN", (0, 0), (-1, -1), "CENTER")])
    return _table([[signs, qr]], [width * 0.74, width * 0.26], font, [("VALIGN", (0, 0), (-1, -1), "BOTTOM")])


def _page_decorations(d: ReceiptData, font: str, base: float):
    def draw(canvas, doc) -> None:
        width, height = doc.pagesize
        canvas.saveState()
        canvas.setFont(font, base * 0.8)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawRightString(width - doc.rightMargin, doc.bottomMargin * 0.5,
                               f"回执号 {d.receipt_no or '试算'}　第 {doc.page} 页")
        if d.reprint:
            canvas.setFillColor(RED)
            canvas.setStrokeColor(RED)
            canvas.setFont(font, base * 1.6)
            x, y = width - doc.rightMargin - base * 4.2, height - doc.topMargin - base * 0.2
            canvas.rect(x - base * 0.4, y - base * 0.5, base * 4.2, base * 2.2)
            canvas.drawString(x, y, "补打")
        mark = "作废" if d.void_reason is not None else ("试算" if d.receipt_no is None else None)
        if mark:
            canvas.setFillColor(RED)
            canvas.setFillAlpha(0.28)
            canvas.translate(width / 2, height / 2)
            canvas.rotate(35)
            canvas.setFont(font, width / 4.5)
            canvas.drawCentredString(0, -width / 14, mark)
        canvas.restoreState()
    return draw


def build_receipt(d: ReceiptData, out: str | BinaryIO, layout: str = "A4") -> None:
    """Write the receipt PDF to a path or a binary stream."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
    pagesize, margin, base = LAYOUTS[layout]
    font = register()
    s = _styles(base, font)
    doc = SimpleDocTemplate(out, pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin, title=f"{TITLE} {d.receipt_no or '试算'}", author=d.office,
                            subject=TITLE, creator="三重保障计算器", initialFontName=font)
    width = pagesize[0] - 2 * margin
    story: list = [_p(TITLE, s["title"]),
                   _p("基本医保 · 大病保险 · 医疗救助 · 倾斜救助 一站式结算明细", s["sub"]),
                   Spacer(1, base * 0.6)]
    head = [[_p(f"经办机构：{d.office}", s["cell"]), _p(f"窗口：{d.window or '—'}", s["cell"]),
             _p(f"回执号：{d.receipt_no or '试算（未保存，不作结算凭证）'}", s["cell"])],
            [_p(f"打印时间：{d.printed_at}", s["cell"]), _p(f"经办人：{d.operator}", s["cell"]), ""]]
    story += [_table(head, [width * 0.38, width * 0.22, width * 0.40], font, []), Spacer(1, base * 0.4)]
    if d.void_reason is not None:
        story.append(_p(f"本结算单已作废，原因：{d.void_reason}", s["warn"]))
    story += [_p("人员信息", s["h"]), _person_table(d, s, width),
              _p("就诊信息", s["h"]), _visit_table(d, s, width),
              _p("费用与各项支付", s["h"]), _amount_table(d, s, width)]
    caps = _caps_table(d, s, width)
    if caps is not None:
        story += [_p("本年度剩余额度", s["h"]), caps]
    warnings = _warning_lines(d, s)
    if warnings:
        story += [_p("提示与预警", s["h"]), *warnings]
    story.append(KeepTogether([Spacer(1, base * 0.6), _signature_block(d, s, width, base)]))
    decorate = _page_decorations(d, font, base)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)


def now_text() -> str:
    return clock.now().strftime("%Y-%m-%d %H:%M")
