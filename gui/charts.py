"""Bar charts drawn with QPainter (the 统计 page, and the month report's chart images).

Qt's own QtCharts lives in PySide6-Addons, which the installer does not ship (it would add its
whole Addons wheel to the bundle); matplotlib would add numpy and its own font handling. Three
bar charts are a hundred lines of QPainter, drawn with the app's CJK font, and the same drawing
gives the PNG images the month report carries. Amounts are Decimal; they become floats here only
as pixel heights.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

PALETTE = ("#2F6DB5", "#E08A1E", "#3A9A5B", "#B5452F", "#7A5BB5", "#888888")


def nice_top(value: float) -> float:
    """The axis top: 1, 2 or 5 × a power of ten at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def short_amount(value: float) -> str:
    if value >= 10000:
        text = f"{value / 10000:.1f}".rstrip("0").rstrip(".")
        return f"{text}万"
    return f"{value:.0f}"


class BarChart(QWidget):
    """Bars, each a stack of series; a legend when there is more than one series. `clicked(index)`
    is emitted when a bar is clicked."""
    clicked = Signal(int)

    def __init__(self, title: str, series: Sequence[str], unit: str = "", parent: QWidget | None = None, *,
                 counts: bool = False):
        super().__init__(parent)
        self.title = title
        self.counts = counts          # whole numbers: the axis has at least four whole steps
        self.series = list(series)
        self.unit = unit
        self.labels: list[str] = []
        self.values: list[list[float]] = []
        self.selected: int | None = None
        self.setMinimumSize(360, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_data(self, labels: Sequence[str], values: Sequence[Sequence[Decimal | int | float]]) -> None:
        self.labels = list(labels)
        self.values = [[float(v) for v in bar] for bar in values]
        self.selected = None
        self.update()

    # -- geometry shared by drawing and clicking

    def _plot(self, rect: QRectF) -> QRectF:
        legend = 22 if len(self.series) > 1 else 0
        return QRectF(rect.left() + 58, rect.top() + 30 + legend, rect.width() - 70, rect.height() - 62 - legend)

    def _bar_rect(self, plot: QRectF, index: int, top: float) -> QRectF:
        slot = plot.width() / max(1, len(self.labels))
        total = sum(self.values[index]) if index < len(self.values) else 0.0
        height = plot.height() * total / top if top else 0.0
        return QRectF(plot.left() + slot * index + slot * 0.15, plot.bottom() - height, slot * 0.7, height)

    def bar_at(self, x: float, y: float) -> int | None:
        plot = self._plot(QRectF(self.rect()))
        if not self.labels or not plot.left() <= x <= plot.right() or not plot.top() <= y <= plot.bottom() + 20:
            return None
        return min(len(self.labels) - 1, int((x - plot.left()) / (plot.width() / len(self.labels))))

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        index = self.bar_at(event.position().x(), event.position().y())
        if index is not None:
            self.selected = index
            self.update()
            self.clicked.emit(index)

    # -- drawing

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.draw(painter, QRectF(self.rect()))
        painter.end()

    def draw(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, QColor("white"))
        font = QFont(self.font())
        font.setPointSizeF(9)
        painter.setFont(font)
        title_font = QFont(font)
        title_font.setPointSizeF(11)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(rect.left(), rect.top() + 4, rect.width(), 22), Qt.AlignmentFlag.AlignHCenter,
                         self.title + (f"（{self.unit}）" if self.unit else ""))
        painter.setFont(font)
        plot = self._plot(rect)
        if len(self.series) > 1:
            x = plot.left()
            for i, name in enumerate(self.series):
                painter.fillRect(QRectF(x, rect.top() + 32, 12, 12), QColor(PALETTE[i % len(PALETTE)]))
                painter.setPen(QColor("#333333"))
                painter.drawText(QRectF(x + 16, rect.top() + 28, 150, 20), Qt.AlignmentFlag.AlignVCenter, name)
                x += 24 + painter.fontMetrics().horizontalAdvance(name)
        top = nice_top(max((sum(bar) for bar in self.values), default=0.0))
        if self.counts:
            top = max(4.0, float(-(-top // 4) * 4))
        grid = QPen(QColor("#DDDDDD"))
        for step in range(5):
            y = plot.bottom() - plot.height() * step / 4
            painter.setPen(grid)
            painter.drawLine(int(plot.left()), int(y), int(plot.right()), int(y))
            painter.setPen(QColor("#555555"))
            painter.drawText(QRectF(rect.left(), y - 9, 52, 18), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             short_amount(top * step / 4))
        slot = plot.width() / max(1, len(self.labels))
        for index, bar in enumerate(self.values):
            whole = self._bar_rect(plot, index, top)
            y = plot.bottom()
            for i, value in enumerate(bar):
                height = plot.height() * value / top
                painter.fillRect(QRectF(whole.left(), y - height, whole.width(), height), QColor(PALETTE[i % len(PALETTE)]))
                y -= height
            if index == self.selected:
                painter.setPen(QPen(QColor("#C00000"), 2))
                painter.drawRect(whole.adjusted(-2, -2, 2, 0))
        painter.setPen(QColor("#333333"))
        painter.drawLine(int(plot.left()), int(plot.bottom()), int(plot.right()), int(plot.bottom()))
        for index, label in enumerate(self.labels):
            painter.drawText(QRectF(plot.left() + slot * index, plot.bottom() + 2, slot, 18),
                             Qt.AlignmentFlag.AlignHCenter, label)

    def to_png(self, width: int = 900, height: int = 360) -> bytes:
        """The chart as a PNG image (for the month report), drawn off screen."""
        image = QImage(width, height, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.draw(painter, QRectF(0, 0, width, height))
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        return bytes(data.data())
