"""A long list for a PDF report, drawn straight onto the canvas: one text object and one grid path
per page, the header repeated on each page. ReportLab's Table lays out and draws each cell as an
object of its own — 8,000 cases × 14 columns took ~4 s; this takes about a third of that.
Cells are single lines (the widths are chosen to fit them); amounts are right-aligned."""
from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

PAD = 2.0


class Rows(Flowable):
    def __init__(self, header: list[str], rows: list[list[str]], widths: list[float], font: str, size: float,
                 right: set[int]):
        super().__init__()
        self.header, self.rows, self.widths = header, rows, widths
        self.font, self.size, self.right = font, size, right
        self.row_h = size * 1.6
        self.head_lines = [self._fit(text, w) for text, w in zip(header, widths)]
        self.head_h = self.row_h * max(len(lines) for lines in self.head_lines)

    def _fit(self, text: str, width: float) -> list[str]:
        """A heading in one line, or two when it is wider than its column."""
        if pdfmetrics.stringWidth(text, self.font, self.size) <= width - 2 * PAD or len(text) < 2:
            return [text]
        half = (len(text) + 1) // 2
        return [text[:half], text[half:]]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = sum(self.widths)
        self.height = self.head_h + self.row_h * len(self.rows)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Any]:
        fit = int((available_height - self.head_h) // self.row_h)
        if fit < 1:
            return []
        if fit >= len(self.rows):
            return [self]
        return [Rows(self.header, self.rows[:fit], self.widths, self.font, self.size, self.right),
                Rows(self.header, self.rows[fit:], self.widths, self.font, self.size, self.right)]

    def draw(self) -> None:
        canvas = self.canv
        top, size = self.height, self.size
        lefts = [sum(self.widths[:i]) for i in range(len(self.widths) + 1)]
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#EEF2F7"))
        canvas.rect(0, top - self.head_h, self.width, self.head_h, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        text = canvas.beginText()
        text.setFont(self.font, size)
        for col, lines in enumerate(self.head_lines):
            for n, line in enumerate(lines):
                text.setTextOrigin(lefts[col] + PAD, top - self.row_h * (n + 1) + size * 0.45)
                text.textOut(line)
        width = pdfmetrics.getFont(self.font).stringWidth
        y = top - self.head_h
        for row in self.rows:
            y -= self.row_h
            base = y + size * 0.45
            for col, value in enumerate(row):
                if not value:
                    continue
                x = lefts[col + 1] - PAD - width(value, size) if col in self.right else lefts[col] + PAD
                text.setTextOrigin(x, base)
                text.textOut(value)
        canvas.drawText(text)
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.setLineWidth(0.4)
        grid = canvas.beginPath()
        for line_y in [top] + [top - self.head_h - self.row_h * i for i in range(len(self.rows) + 1)]:
            grid.moveTo(0, line_y)
            grid.lineTo(self.width, line_y)
        for x in lefts:
            grid.moveTo(x, top)
            grid.lineTo(x, 0)
        canvas.drawPath(grid, stroke=1, fill=0)
        canvas.restoreState()


def sign_and_build(doc, story: list, signers: list[str], *, font: str, width: float, title: str) -> None:
    """End a report with its signature lines (one "签字" line each, kept together) and build it, each
    page numbered at the foot with the report's title."""
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    line = "＿" * 8
    sign = Table([[f"{who}：{line}" for who in signers]], colWidths=[width / len(signers)] * len(signers),
                 rowHeights=[28])
    sign.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 10),
                              ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    story.append(KeepTogether([Spacer(1, 12), sign]))
    margin = doc.bottomMargin

    def footer(canvas, d) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, margin / 2, f"{title}　第 {d.page} 页")
        canvas.restoreState()
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
