"""The 日结 as a PDF (ReportLab, the receipt's embedded CJK font, signature lines for 经办人 and
审核人) or an xlsx workbook (openpyxl): the same rows in both."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from ..money import fmt
from .day import SUM_NAMES, SUMS, DayReport, MethodRow, OperatorDay

SUMMARY_HEAD = ["经办人", "结算件数", *(SUM_NAMES[k] for k in SUMS), "作废件数", "补打件数", "补差补付", "补差应退"]
CASE_HEAD = ["回执号", "姓名", "身份证号", "结算日期", "保存时间", "经办人", *(SUM_NAMES[k] for k in SUMS), "状态"]
VOID_HEAD = ["回执号", "姓名", "结算日期", "作废时间", "作废人", "作废原因", "医疗救助", "倾斜/再救助/托底"]
REPRINT_HEAD = ["回执号", "姓名", "补打时间", "经办人"]
RESETTLE_HEAD = ["补差回执号", "原回执号", "姓名", "补差时间", "经办人", "原因", "基本医保", "大病保险", "医疗救助",
                 "倾斜/再救助/托底", "补差合计"]
METHOD_HEAD = ["经办人", "发放方式", "发放件数", "发放金额"]
PAY_HEAD = ["回执号", "姓名", "身份证号", "发放方式", "账号", "发放日期", "记录时间", "经办人", "发放金额"]


def summary_row(row: OperatorDay) -> list[Any]:
    return [row.operator, row.cases, *(row.sums[k] for k in SUMS), row.voids, row.reprints, row.resettled_paid,
            row.resettled_recovered]


def method_row(row: MethodRow) -> list[Any]:
    return [row.operator, row.method, row.count, row.amount]


def _time(text: str) -> str:
    return text[:19].replace("T", " ")


def tables(report: DayReport) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(sheet title, header, rows): 汇总 (per operator and 合计), 结算明细, 作废, 补打, 补差, 发放汇总 (per
    operator and method, then 合计 per method and in all), 发放明细."""
    t = report.totals
    return [
        ("汇总", SUMMARY_HEAD, [summary_row(r) for r in report.operators] + [summary_row(report.totals)]),
        ("结算明细", CASE_HEAD, [[c["number"], c["name"], c["id_number"], c["date"], _time(c["created_at"]), c["operator"],
                                *(Decimal(c[k]) for k in SUMS), "已作废" if c["void"] else ""] for c in report.cases]),
        ("作废", VOID_HEAD, [[v["number"], v["name"], v["date"], _time(v["voided_at"]), v["voided_by"], v["void_reason"],
                             Decimal(v["assistance"]), Decimal(v["tilt"])] for v in report.voids]),
        ("补打", REPRINT_HEAD, [[p["number"], p["name"], _time(p["printed_at"]), p["operator"]] for p in report.reprints]),
        ("补差", RESETTLE_HEAD, [[s["number"], s["case_receipt_no"], s["name"], _time(s["created_at"]), s["operator"],
                                 s["reason"], *(Decimal(s[k]) for k in ("basic", "critical", "assistance", "tilt", "to_pay"))]
                                for s in report.resettlements]),
        ("发放汇总", METHOD_HEAD, [method_row(r) for r in report.by_method] +
         ([["合计", "全部方式", t.payments, t.paid]] if report.payments else [])),
        ("发放明细", PAY_HEAD, [[p["number"], p["name"], p["id_number"], p["pay_method"], p["pay_account"], p["paid_at"],
                                _time(p["recorded_at"]), p["operator"], p["amount"]] for p in report.payments]),
    ]


def heading(report: DayReport, name: str, rows: list) -> str:
    if name == "汇总":
        return "汇总（按经办人）"
    if name == "发放汇总":
        return f"发放（按经办人与发放方式，共 {report.totals.payments} 件）"
    return f"{name}（{len(rows)} 件）"


def write_xlsx(report: DayReport, path: str | Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, head, rows in tables(report):
        sheet = book.create_sheet(title)
        sheet.append([report.title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(head)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for number, row in enumerate(rows, 3):   # (sheet.max_row would scan every cell for every row)
            sheet.append(row)
            for col, value in enumerate(row, 1):
                if isinstance(value, Decimal):
                    sheet.cell(row=number, column=col).number_format = "0.00"
        if title in ("汇总", "发放汇总") and rows:
            for col in range(1, len(head) + 1):
                sheet.cell(row=len(rows) + 2, column=col).font = Font(bold=True)
        for col in range(1, len(head) + 1):
            sheet.column_dimensions[sheet.cell(row=2, column=col).column_letter].width = 14
        sheet.freeze_panes = "A3"
    if report.review_off:   # below the totals, where the signatures are read
        summary = book["汇总"]
        summary.append([])
        summary.append([report.review_off])
        summary.cell(row=summary.max_row, column=1).font = Font(bold=True, color="C00000")
    book.save(path)


def write_pdf(report: DayReport, path: str | Path, *, made_at: str = "") -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from .pdf_rows import sign_and_build
    from xml.sax.saxutils import escape

    from ..receipt.fonts import register

    font = register()
    size = 8.0
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=22, alignment=1)
    head = ParagraphStyle("h", fontName=font, fontSize=11, leading=16, spaceBefore=6, spaceAfter=3)
    cell = ParagraphStyle("c", fontName=font, fontSize=size, leading=size * 1.3, wordWrap="CJK")
    pagesize = landscape(A4)
    margin = 10 * mm
    doc = SimpleDocTemplate(str(path), pagesize=pagesize, leftMargin=margin, rightMargin=margin, topMargin=margin,
                            bottomMargin=margin, title=report.title, creator="三重保障计算器", initialFontName=font)
    width = pagesize[0] - 2 * margin

    def text(value: Any) -> Any:
        if isinstance(value, Decimal):
            return fmt(value)
        if isinstance(value, str) and len(value) > 12:
            return Paragraph(escape(value), cell)
        return "" if value is None else str(value)

    def table(header: list[str], rows: list[list[Any]], bold_last: bool = False) -> Table:
        data = [[Paragraph(escape(h), cell) for h in header]] + [[text(v) for v in row] for row in rows]
        t = Table(data, colWidths=[width / len(header)] * len(header), repeatRows=1)
        style = [("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), size),
                 ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF2F7")), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        for col, row0 in enumerate(rows[0] if rows else []):
            if isinstance(row0, (Decimal, int)):
                style.append(("ALIGN", (col, 1), (col, -1), "RIGHT"))
        if bold_last and rows:
            style.append(("BACKGROUND", (0, len(data) - 1), (-1, len(data) - 1), colors.HexColor("#EEF2F7")))
        t.setStyle(TableStyle(style))
        return t

    story: list = [Paragraph(escape(report.title), title),
                   Paragraph(escape(f"按操作的记录时间统计（保存、作废、补打、补差、发放）。制表时间：{made_at}"), cell),
                   Spacer(1, 4)]
    if report.review_off:
        story.append(Paragraph(escape(report.review_off), ParagraphStyle("r", parent=cell, fontSize=10, leading=14,
                                                                          textColor=colors.HexColor("#C00000"))))
    for name, header, rows in tables(report):
        story.append(Paragraph(escape(heading(report, name, rows)), head))
        story.append(table(header, rows, bold_last=name in ("汇总", "发放汇总")) if rows else Paragraph("无", cell))
    sign_and_build(doc, story, ["经办人（签字）", "审核人（签字）", "日期"], font=font, width=width, title=report.title)


def write(report: DayReport, path: str | Path, *, made_at: str = "") -> None:
    """PDF or xlsx by the file's ending."""
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf":
        write_pdf(report, path, made_at=made_at)
    elif suffix == ".xlsx":
        write_xlsx(report, path)
    else:
        from ..errors import InputError
        raise InputError("-o", f"日结报表应保存为 .pdf 或 .xlsx 文件：{path}", f"the day report is written as .pdf or .xlsx: {path}")
