"""A bar chart widget: the engine's chart (engine/reports/chart.py) laid out in the widget and
painted with QPainter; the month report draws the same layout with Pillow, so the 统计 page and
the report's images are the same charts.

Qt's own QtCharts lives in PySide6-Addons, which the installer does not ship; matplotlib would add
numpy and its own font handling (docs/resettlement-and-reports.md, "Charts").
"""
from __future__ import annotations

from decimal import Decimal
from typing import Sequence

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine.reports.chart import Box, Chart, Layout, Line, Rect, Text, layout

_ALIGN = {"left": Qt.AlignmentFlag.AlignLeft, "center": Qt.AlignmentFlag.AlignHCenter,
          "right": Qt.AlignmentFlag.AlignRight}
_VALIGN = {"top": Qt.AlignmentFlag.AlignTop, "middle": Qt.AlignmentFlag.AlignVCenter}


class BarChart(QWidget):
    """One chart; `clicked(index)` is emitted when a bar (or its slot) is clicked, and that bar is
    marked until the data changes."""
    clicked = Signal(int)

    def __init__(self, chart: Chart, parent: QWidget | None = None):
        super().__init__(parent)
        self.chart = chart
        self.selected: int | None = None
        self.setMinimumSize(360, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    @property
    def values(self) -> list[list[float]]:
        return self.chart.values

    def set_data(self, labels: Sequence[str], values: Sequence[Sequence[Decimal | int | float]]) -> None:
        self.chart.set_data(labels, values)
        self.selected = None
        self.update()

    def _font(self, px: int, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(px)
        font.setBold(bold)
        return font

    def current_layout(self) -> Layout:
        """The chart laid out in the widget as it is now (drawing and clicks use the same)."""
        r = self.rect()
        return layout(self.chart, Rect(r.x(), r.y(), r.width(), r.height()),
                      lambda text, px: QFontMetricsF(self._font(px)).horizontalAdvance(text))

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        index = self.current_layout().bar_at(event.position().x(), event.position().y())
        if index is not None:
            self.selected = index
            self.update()
            self.clicked.emit(index)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        drawn = self.current_layout()
        for shape in drawn.shapes:
            if isinstance(shape, Box):
                r = shape.rect
                painter.fillRect(QRectF(r.x, r.y, r.w, r.h), QColor(shape.color))
            elif isinstance(shape, Line):
                painter.setPen(QPen(QColor(shape.color)))
                painter.drawLine(int(shape.x1), int(shape.y1), int(shape.x2), int(shape.y2))
            elif isinstance(shape, Text):
                r = shape.rect
                painter.setFont(self._font(shape.px, shape.bold))
                painter.setPen(QColor(shape.color))
                painter.drawText(QRectF(r.x, r.y, r.w, r.h), _ALIGN[shape.align] | _VALIGN[shape.valign], shape.text)
        if self.selected is not None and self.selected < len(drawn.bars):
            r = drawn.bars[self.selected]
            painter.setPen(QPen(QColor("#C00000"), 2))
            painter.drawRect(QRectF(r.x - 2, r.y - 2, r.w + 4, r.h + 2))
        painter.end()
