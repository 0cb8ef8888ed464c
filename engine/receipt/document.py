"""The receipt PDF (ReportLab): one plain sentence for the resident, who, what visit, what each
layer paid in figures and in capitals with its steps and clauses, what is left of this year's
caps, warnings, signature lines and a QR code to check the printout against the database.

An ordinary case fits one page on A4 and on A5: the layout is tried from the most generous to
the most compact and the first that fits one page is taken. A case that needs more continues
on the next page (tables repeat their header), each page says "第 1 页 共 2 页" and the receipt
number, and the totals, signatures and QR code stay together on the last page. Amounts are
never set smaller than 9 pt.

The resident's copy leaves out the office's internal notes (【待核实】 parameters the documents
do not give); the office copy (存根), printed after it when asked, has them and a 存根 mark.
Void receipts are struck through with 作废, reprints marked 补打, trial calculations 试算."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from ..breakdown import NAMES, WARNING_TAGS, breakdown
from ..case import IDENTITIES, KINDS
from ..money import fmt
from ..region_registry import REGIONS
from .capitals import capitals
from .fonts import register

TITLE = "医疗保障待遇结算单"
# paper: (size, margin, text sizes from generous to compact); amounts never below MIN_AMOUNT_PT
LAYOUTS = {"A4": (A4, 12 * mm, (9.4, 9.0, 8.4, 7.8)), "A5": (A5, 7 * mm, (8.2, 7.6, 7.0, 6.6))}
MIN_AMOUNT_PT = 9.0
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
    sentence: str = ""
    office_code: str = ""      # the office's 8-digit code, printed beside its name ("" before codes)


def _styles(base: float, font: str, leading: float = 1.3) -> dict[str, ParagraphStyle]:
    def style(name, size, **kw):
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * leading, wordWrap="CJK", **kw)

    amount = max(base, MIN_AMOUNT_PT)
    return {
        "title": style("title", base * 1.7, alignment=TA_CENTER, spaceAfter=base * 0.2),
        "sub": style("sub", base * 0.85, alignment=TA_CENTER, textColor=colors.HexColor("#444444")),
        "h": style("h", base * 1.05, spaceBefore=base * 0.35, spaceAfter=base * 0.2),
        "cell": style("cell", base),
        "right": style("right", amount, alignment=TA_RIGHT),
        "amount": style("amount", amount),
        "sentence": style("sentence", amount, borderPadding=(base * 0.4, base * 0.5), backColor=SHADE,
                          spaceBefore=base * 0.3, spaceAfter=base * 0.6),
        "step": style("step", base * 0.82, textColor=colors.HexColor("#333333"), leftIndent=base),
        "small": style("small", base * 0.82),
        "warn": style("warn", base * 0.85, textColor=RED),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


class _QrCode(Flowable):
    """The code as QrCodeWidget lays it out (level M, a 4-module quiet zone), its dark runs drawn straight on
    the canvas (one filled rectangle per run, as the widget draws them) instead of through a Drawing of
    shape objects: the same picture in a fraction of the time (a settlement-list import puts many
    receipts in one PDF)."""

    def __init__(self, text: str, size: float):
        super().__init__()
        widget = QrCodeWidget(text, barLevel="M", barWidth=size, barHeight=size)
        self.qr = widget.qr
        self.qr.make()
        self.border = widget.barBorder
        self.width = self.height = size

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self) -> None:
        canvas, size, border = self.canv, self.width, self.border
        box = size / (self.qr.getModuleCount() + border * 2.0)
        canvas.saveState()
        canvas.setFillColor(colors.black)
        for r, row in enumerate(self.qr.modules):
            c = 0
            for dark, run in itertools.groupby(bool(m) for m in row):
                count = len(list(run))
                if dark:   # one fill per run, as QrCodeWidget draws it (scanners read that rendering best)
                    canvas.rect((c + border) * box, size - (r + border + 1) * box, count * box, box, stroke=0, fill=1)
                c += count
        canvas.restoreState()


def _qr(text: str, size: float, font: str) -> Flowable:
    return _QrCode(text, size)


def _table(rows: list, widths: list[float], font: str, commands: list, **kw) -> Table:
    """A table whose every cell uses the CJK font (ReportLab's default, Helvetica, is never embedded)."""
    table = Table(rows, colWidths=widths, **kw)
    # Empty cells (under a span) are one line of the table's font tall: keep that line small.
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 5),
                               ("LEADING", (0, 0), (-1, -1), 5), *commands]))
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
    v = d.case_input.get("visit", {})
    level = v.get("hospital_level")
    where = "省外" if v.get("in_province") is False else ("省内县（区）外" if v.get("in_district") is False else "本地")
    rows = [
        [_p("姓名", s["cell"]), _p(d.name, s["cell"]), _p("身份证号", s["cell"]), _p(d.id_masked, s["cell"])],
        [_p("救助身份", s["cell"]), _p(identity, s["cell"]), _p("参保地区", s["cell"]), _p(REGIONS[r["region"]], s["cell"])],
        [_p("就诊类别", s["cell"]), _p(KINDS[v["kind"]], s["cell"]), _p("医院等级", s["cell"]),
         _p(f"{'一二三'[level - 1]}级" if level in (1, 2, 3) else "未填", s["cell"])],
        [_p("结算日期", s["cell"]), _p(d.case_input["date"], s["cell"]), _p("转诊 / 就医地", s["cell"]),
         _p(f"{'规范转诊' if _yesno(v.get('referral'), True) == '是' else '未转诊'} / {where}", s["cell"])],
        [_p("病种", s["cell"]), _p("、".join(v.get("diseases") or []) or "未列入病种目录的疾病", s["cell"]), "", ""],
        [_p("适用文件", s["cell"]), _p("；".join(r["documents"]), s["small"]), "", ""],
    ]
    return _table(rows, [width * 0.13, width * 0.37, width * 0.15, width * 0.35], s["cell"].fontName,
                  [*BOXED, ("SPAN", (1, 4), (3, 4)), ("SPAN", (1, 5), (3, 5)), ("BACKGROUND", (0, 0), (0, -1), SHADE),
                   ("BACKGROUND", (2, 0), (2, 3), SHADE)])


def _amount_table(d: ReceiptData, s: dict, width: float) -> Table:
    b = breakdown(d.case_input, d.result)
    header = [_p("项目", s["cell"]), _p("金额（元）", s["cell"]), _p("大写", s["cell"])]
    rows, style = [header], [*BOXED, ("BACKGROUND", (0, 0), (-1, 0), SHADE)]

    def money_row(label: str, value: Decimal, bold: bool = False) -> None:
        rows.append([_p(label, s["amount"]), _p(fmt(value), s["right"]), _p(capitals(value), s["amount"])])
        if bold:
            style.append(("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), SHADE))

    money_row(NAMES["total"], b.total)
    money_row(NAMES["policy_scope"], b.policy_scope)
    for row in b.rows:
        if row.amount is not None:
            money_row(row.name, row.amount, bold=row.key == "out_of_pocket")
        for step in row.steps:
            rows.append([_p(f"· {step.text}〔{step.source}〕", s["step"]), "", ""])
            style.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
    return _table(rows, [width * 0.30, width * 0.20, width * 0.50], s["cell"].fontName, style, repeatRows=1)


def _caps_table(d: ReceiptData, s: dict, width: float, sources: bool) -> Table | None:
    """The year's caps after this case; `sources` adds the clause column (left out when compact:
    the clauses are in the steps above)."""
    caps = breakdown(d.case_input, d.result).caps
    if not caps:
        return None
    heads = ("额度（本次结算后）", "年度限额", "已用", "剩余") + (("依据",) if sources else ())
    rows = [[_p(h, s["cell"]) for h in heads]]
    for c in caps:
        rows.append([_p(c.name, s["small"]), _p(fmt(c.limit), s["right"]), _p(fmt(c.used), s["right"]),
                     _p(fmt(c.left), s["right"])] + ([_p(c.source, s["small"])] if sources else []))
    widths = [0.30, 0.13, 0.13, 0.13, 0.31] if sources else [0.46, 0.18, 0.18, 0.18]
    return _table(rows, [width * w for w in widths], s["cell"].fontName,
                  [*BOXED, ("BACKGROUND", (0, 0), (-1, 0), SHADE)], repeatRows=1)


INTERNAL_KINDS = frozenset({"unverified"})   # notes for the office (a value the documents do not give), not the resident


def is_internal(kind: str) -> bool:
    """A warning of this kind belongs on the office's screen and copy (存根), not the resident's receipt."""
    return kind in INTERNAL_KINDS


def _warning_lines(d: ReceiptData, s: dict, office_copy: bool) -> list[Paragraph]:
    out = [_p(f"【{w.tag}】{w.text}", s["warn"]) for w in breakdown(d.case_input, d.result).warnings
           if office_copy or not is_internal(w.kind)]
    return out + [_p(f"【{WARNING_TAGS['note']}】{n}", s["warn"]) for n in d.notes]


def _totals_line(d: ReceiptData, s: dict) -> Paragraph:
    """The totals again beside the signatures, so they are on the page that is signed."""
    b = breakdown(d.case_input, d.result)
    parts = [f"{row.name} {fmt(row.amount)}" for row in b.rows
             if row.key in ("basic", "critical", "assistance", "tilt") and row.amount and row.amount > 0]
    text = f"合计：{NAMES['total']} {fmt(b.total)}　" + "　".join(parts)
    return _p(text + f"　{NAMES['out_of_pocket']} {fmt(b.out_of_pocket)}（元）", s["amount"])


def _closing_block(d: ReceiptData, s: dict, width: float, base: float, qr_size: float, notes: list,
                   measure: bool = False) -> Table:
    """The end of a copy, kept on one page: notes (warnings, the totals) and signature lines on
    the left, the QR code and its label on the right."""
    line = "＿" * 6
    font = s["cell"].fontName
    qr_width = qr_size + base * 4
    left_width = width - qr_width
    signs = _table([[_p(f"经办人：{d.operator}　签字：{line}　审核人：{line}", s["cell"])],
                    [_p(f"申请人/代领人签字：{line}　日期：{line}", s["cell"])]], [left_width], font,
                   [("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
                   rowHeights=[base * 2.5] * 2)
    label = ParagraphStyle("qrlabel", parent=s["small"], alignment=TA_CENTER, fontSize=base * 0.72,
                           leading=base * 0.9)
    # Measuring a layout needs only the code's size: drawing the code is most of a build's time.
    qr = [Spacer(qr_size, qr_size) if measure else _qr(d.qr_text, qr_size, font), _p(QR_LABEL, label)]
    return _table([[[*notes, signs], qr]], [left_width, qr_width], font,
                  [("VALIGN", (0, 0), (0, 0), "BOTTOM"), ("VALIGN", (1, 0), (1, 0), "TOP"),
                   ("ALIGN", (1, 0), (1, 0), "CENTER"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                   ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                   ("BOTTOMPADDING", (0, 0), (-1, -1), 0)])


QR_LABEL = "扫码可见回执要点；真伪由经办机构核验"


@dataclass(frozen=True)
class Density:
    """How tightly a copy is set: the text size and whether the caps table keeps its clause column."""
    base: float
    cap_sources: bool
    leading: float


def _densities(layout: str) -> list[Density]:
    sizes = LAYOUTS[layout][2]
    return [Density(sizes[0], True, 1.3), Density(sizes[1], False, 1.25), Density(sizes[2], False, 1.2),
            Density(sizes[3], False, 1.15)]


def _story(d: ReceiptData, density: Density, width: float, font: str, office_copy: bool, totals: bool,
           measure: bool = False) -> list:
    base = density.base
    s = _styles(base, font, density.leading)
    story: list = [_p(TITLE + ("（存根）" if office_copy else ""), s["title"]),
                   _p("基本医保 · 大病保险 · 医疗救助 · 倾斜救助 一站式结算明细", s["sub"]),
                   Spacer(1, base * 0.4)]
    head = [[_p(f"经办机构：{d.office}" + (f"（代码 {d.office_code}）" if d.office_code else ""), s["cell"]), _p(f"窗口：{d.window or '—'}", s["cell"]),
             _p(f"回执号：{d.receipt_no or '试算（未保存，不作结算凭证）'}", s["cell"])],
            [_p(f"打印时间：{d.printed_at}", s["cell"]), _p(f"经办人：{d.operator}", s["cell"]), ""]]
    pad = [("TOPPADDING", (0, 0), (-1, -1), 0.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
           ("LEFTPADDING", (0, 0), (-1, -1), 0)]
    story.append(_table(head, [width * 0.38, width * 0.22, width * 0.40], font, pad))
    if d.void_reason is not None:
        story.append(_p(f"本结算单已作废，原因：{d.void_reason}", s["warn"]))
    if d.sentence:
        story.append(_p(d.sentence, s["sentence"]))
    story += [_person_table(d, s, width), _p("费用与各项支付", s["h"]), _amount_table(d, s, width)]
    caps = _caps_table(d, s, width, density.cap_sources or office_copy)
    if caps is not None:
        story += [_p("本年度剩余额度", s["h"]), caps]
    notes = _warning_lines(d, s, office_copy)
    if totals:
        notes.append(_totals_line(d, s))
    qr_size = max(width * 0.16, 26 * mm)
    story += [Spacer(1, base * 0.5), _closing_block(d, s, width, base, qr_size, notes, measure)]
    return story


@dataclass
class _Copy:
    story: list
    pages: int
    office: bool


def _decorate(d: ReceiptData, font: str, base: float, pages: dict[int, tuple[int, int, bool]]):
    """Footer "回执号 … 第 i 页 共 n 页" on every page, and the 补打 / 存根 / 作废 / 试算 marks."""
    def draw(canvas, doc) -> None:
        width, height = doc.pagesize
        index, total, office = pages.get(doc.page, (doc.page, doc.page, False))
        canvas.saveState()
        canvas.setFont(font, base * 0.8)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawRightString(width - doc.rightMargin, doc.bottomMargin * 0.45,
                               f"{'存根　' if office else ''}回执号 {d.receipt_no or '试算'}　第 {index} 页 共 {total} 页")
        stamps = (["存根"] if office else []) + (["补打"] if d.reprint else [])
        x = width - doc.rightMargin
        for stamp in stamps:
            canvas.setFillColor(RED)
            canvas.setStrokeColor(RED)
            canvas.setFont(font, base * 1.6)
            x -= base * 4.2
            y = height - doc.topMargin - base * 0.2
            canvas.rect(x - base * 0.4, y - base * 0.5, base * 4.0, base * 2.2)
            canvas.drawString(x, y, stamp)
            x -= base * 0.6
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


def _doc(out, layout: str, d: ReceiptData, font: str) -> SimpleDocTemplate:
    pagesize, margin, _ = LAYOUTS[layout]
    return SimpleDocTemplate(out, pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=margin,
                             bottomMargin=margin, title=f"{TITLE} {d.receipt_no or '试算'}", author=d.office,
                             subject=TITLE, creator="三重保障计算器", initialFontName=font)


def _fit(d: ReceiptData, layout: str, font: str, office_copy: bool) -> tuple[_Copy, Density]:
    """The most generous density whose copy fits one page; else the most compact one over
    several pages, with the totals repeated beside the signatures on the last."""
    import io

    width = LAYOUTS[layout][0][0] - 2 * LAYOUTS[layout][1]

    def pages(story: list) -> int:
        doc = _doc(io.BytesIO(), layout, d, font)
        doc.build(list(story))
        return doc.page

    for density in _densities(layout):
        if pages(_story(d, density, width, font, office_copy, totals=False, measure=True)) == 1:
            return _Copy(_story(d, density, width, font, office_copy, totals=False), 1, office_copy), density
    count = pages(_story(d, density, width, font, office_copy, totals=True, measure=True))
    return _Copy(_story(d, density, width, font, office_copy, totals=True), count, office_copy), density


def build_receipt(d: ReceiptData, out: str | BinaryIO, layout: str = "A4", *, office_copy: bool = False) -> None:
    """Write the resident's receipt PDF to a path or a binary stream; with `office_copy`, the
    office's copy (存根) follows it in the same file, starting on a new sheet."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
    font = register()
    copies = [_fit(d, layout, font, False)]
    if office_copy:
        copies.append(_fit(d, layout, font, True))
    pages: dict[int, tuple[int, int, bool]] = {}
    story: list = []
    for copy, _ in copies:
        if story:
            story.append(PageBreak())
        first = len(pages) + 1
        for i in range(copy.pages):
            pages[first + i] = (i + 1, copy.pages, copy.office)
        story += copy.story
    decorate = _decorate(d, font, copies[0][1].base, pages)
    _doc(out, layout, d, font).build(story, onFirstPage=decorate, onLaterPages=decorate)


def now_text() -> str:
    from ..clock import now

    return now().strftime("%Y-%m-%d %H:%M")
