"""The month report as a file: the xlsx workbook (month.write_xlsx) or a PDF (ReportLab, the
receipt's embedded CJK font) with the same parts — 分类汇总, 人数人次, the year's charts as images,
作废与补差, and the case list (fewer columns than the workbook's national field list; ID numbers
always masked; drawn by pdf_rows.Rows, fast for a month of cases) — and signature lines for 制表人, 审核人 and 负责人."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from ..case import mask_id
from ..errors import InputError
from ..money import fmt
from ..store.export import headers
from .day import SUM_NAMES, SUMS
from .month import MonthReport, write_xlsx

# the case list's columns in the PDF: (heading, the workbook's column, relative width)
LIST_COLUMNS = [("回执号", "回执号", 1.2), ("结算日期", "结算日期（setl_time）", 1.1), ("姓名", "人员姓名（psn_name）", 1.0),
                ("身份证号", "证件号码（certno）", 1.9), ("就诊类别", "医疗类别（med_type）", 1.7),
                ("救助身份", "救助身份", 1.7), ("医疗总费用", "医疗费总额（medfee_sumamt）", 1.1),
                ("基本医保", "基本医疗保险统筹基金支出（hifp_pay）", 1.0), ("大病保险", "大病保险资金支出（hifmi_pay）", 1.0),
                ("医疗救助", "医疗救助基金支出（maf_pay）", 1.0), ("倾斜/再救助/托底", "倾斜救助/再救助/托底保障支出", 1.0),
                ("个人自付", "个人自付金额（psn_pay）", 1.0), ("作废", "作废", 0.5), ("保存时间", "保存时间", 1.6)]
CHUNK = 300     # rows per table: ReportLab splits long tables in time growing faster than their length


def list_rows(report: MonthReport) -> list[list[Any]]:
    heads = headers() + ["保存时间"]
    at = [heads.index(source) for _, source, _ in LIST_COLUMNS]
    masked, saved = heads.index("证件号码（certno）"), heads.index("保存时间")
    return [[mask_id(row[i]) if i == masked else row[i][:16] if i == saved else row[i] for i in at]
            for row in report.rows]


def chart_block(charts: list[tuple[str, bytes]], width: float, style) -> Any:
    """The first chart (the months' money) wide, the others side by side below it: one page."""
    from xml.sax.saxutils import escape

    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether, Paragraph, Spacer, Table, TableStyle

    def figure(name: str, png: bytes, w: float) -> list:
        pw, ph = ImageReader(BytesIO(png)).getSize()
        return [Paragraph(escape(name), style), Image(BytesIO(png), width=w, height=w * ph / pw)]

    first, *rest = charts
    parts = figure(*first, width * 0.72) + [Spacer(1, 4)]
    if rest:
        side = width / len(rest)
        row = Table([[figure(name, png, side * 0.8) for name, png in rest]], colWidths=[side] * len(rest))
        row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                 ("FONTNAME", (0, 0), (-1, -1), style.fontName)]))
        parts.append(row)
    return KeepTogether(parts)


def write_pdf(report: MonthReport, path: str | Path, charts: list[tuple[str, bytes]], *, made_at: str = "") -> None:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from ..receipt.fonts import register
    from .pdf_rows import Rows, sign_and_build

    font = register()
    size = 7.5
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1)
    head = ParagraphStyle("h", fontName=font, fontSize=11, leading=16, spaceBefore=8, spaceAfter=3)
    cell = ParagraphStyle("c", fontName=font, fontSize=size, leading=size * 1.3, wordWrap="CJK")
    pagesize = landscape(A4)
    margin = 10 * mm
    width = pagesize[0] - 2 * margin
    doc = SimpleDocTemplate(str(path), pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin, title=report.title, creator="三重保障计算器", initialFontName=font)

    def text(value: Any, wrap: bool) -> Any:
        if isinstance(value, Decimal):
            return fmt(value)
        if wrap and isinstance(value, str) and len(value) > 16:
            return Paragraph(escape(value), cell)
        return "" if value is None else str(value)

    def tables(header: list[str], rows: list[list[Any]], *, bold_last: bool = False) -> list:
        """Tables of CHUNK rows (long texts wrapped)."""
        if not rows:
            return [Paragraph("无", cell)]
        out = []
        heading = [Paragraph(escape(h), cell) for h in header]
        style = [("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), size),
                 ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF2F7")), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                 ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
        for col, first in enumerate(rows[0]):
            if isinstance(first, (Decimal, int)):
                style.append(("ALIGN", (col, 1), (col, -1), "RIGHT"))
        for start in range(0, len(rows), CHUNK):
            part = rows[start:start + CHUNK]
            data = [heading] + [[text(v, True) for v in row] for row in part]
            t = Table(data, colWidths=[width / len(header)] * len(header), repeatRows=1)
            extra = []
            if bold_last and start + CHUNK >= len(rows):
                extra.append(("BACKGROUND", (0, len(data) - 1), (-1, len(data) - 1), colors.HexColor("#EEF2F7")))
            t.setStyle(TableStyle(style + extra))
            out.append(t)
        return out

    story: list = [Paragraph(escape(report.title), title),
                   Paragraph(escape(f"按保存时间统计该月案件（结算日期另列）；汇总不含作废案件。制表时间：{made_at}"), cell)]
    story.append(Paragraph("一、分类汇总", head))
    groups = [[g["identity"], g["class"], g["kind"], g["cases"], *(g["sums"][k] for k in SUMS)] for g in report.groups]
    groups.append(["合计", "", "", report.cases, *(report.totals[k] for k in SUMS)])
    story += tables(["救助身份", "救助类别", "就诊类别", "人次", *(SUM_NAMES[k] for k in SUMS)], groups, bold_last=True)
    story.append(Paragraph("二、服务人数与人次", head))
    people = [[r["region"], r["persons"], r["cases"]] for r in report.by_region] + [["合计", report.persons,
                                                                                     report.cases]]
    story += tables(["地区", "服务人数", "人次"], people, bold_last=True)
    story.append(Paragraph("三、统计图表（按政策年度，同统计页面）", head))
    story.append(chart_block(charts, width, cell))
    story.append(Paragraph(f"四、作废与补差（作废 {len(report.voids)} 件，补差 {len(report.resettlements)} 件）", head))
    changes = [["作废", v["number"], "", v["name"], v["voided_at"][:16].replace("T", " "), v["voided_by"], v["void_reason"],
                *(Decimal(v[k]) for k in ("basic", "critical", "assistance", "tilt")), ""] for v in report.voids]
    changes += [["补差", s["number"], s["case_receipt_no"], s["name"], s["created_at"][:16].replace("T", " "), s["operator"],
                 s["reason"], *(Decimal(s[k]) for k in ("basic", "critical", "assistance", "tilt", "to_pay"))]
                for s in report.resettlements]
    story += tables(["类型", "回执号", "原回执号", "姓名", "时间", "经办人", "原因", "基本医保", "大病保险", "医疗救助",
                     "倾斜/再救助/托底", "补差合计"], changes)
    story.append(Paragraph(f"五、结算明细（{len(report.rows)} 件，含作废）", head))
    rows = list_rows(report)
    right = {i for i, value in enumerate(rows[0]) if isinstance(value, (Decimal, int))} if rows else set()
    weights = [w for _, _, w in LIST_COLUMNS]
    story.append(Rows([h for h, _, _ in LIST_COLUMNS], [[text(v, False) for v in row] for row in rows],
                      [width * w / sum(weights) for w in weights], font, size, right) if rows else Paragraph("无", cell))
    sign_and_build(doc, story, ["制表人（签字）", "审核人（签字）", "负责人（签字）"], font=font, width=width, title=report.title)


def write(report: MonthReport, path: str | Path, charts: list[tuple[str, bytes]], *, made_at: str = "") -> None:
    """PDF or xlsx by the file's ending; both carry the charts."""
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf":
        write_pdf(report, path, charts, made_at=made_at)
    elif suffix == ".xlsx":
        write_xlsx(report, path, charts)
    else:
        raise InputError("-o", f"月报应保存为 .pdf 或 .xlsx 文件：{path}", f"the month report is written as .pdf or .xlsx: {path}")
