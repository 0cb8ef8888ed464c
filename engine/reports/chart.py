"""The bar charts of the year (the 统计 page and the month report's images), as data and as a
drawing: `year_charts` makes the three charts from a YearStats; `layout` places a chart's title,
legend, axis, grid and bars in a rectangle as plain shapes. The window paints the shapes with
QPainter (gui/charts.py) and the reports with Pillow (chart_png.py), so both show the same charts
and the engine never imports Qt. Amounts are Decimal; they become floats here only as pixels.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Sequence

from ..breakdown import NAMES
from .stats import BUCKETS, LAYERS, YearStats

PALETTE = ("#2F6DB5", "#E08A1E", "#3A9A5B", "#B5452F", "#7A5BB5", "#888888")
TEXT_PX, TITLE_PX = 12, 15          # font sizes in pixels
MONTHS = [f"{m}月" for m in range(1, 13)]
SHARES = [f"{10 * i}%" for i in range(BUCKETS)]


@dataclass
class Chart:
    """Bars, each a stack of series (a legend when there is more than one series)."""
    title: str
    series: list[str]
    unit: str = ""
    counts: bool = False           # whole numbers: the axis has at least four whole steps
    labels: list[str] = field(default_factory=list)
    values: list[list[float]] = field(default_factory=list)

    def set_data(self, labels: Sequence[str], values: Sequence[Sequence[Decimal | int | float]]) -> None:
        self.labels = list(labels)
        self.values = [[float(v) for v in bar] for bar in values]

    @property
    def heading(self) -> str:
        return self.title + (f"（{self.unit}）" if self.unit else "")


def year_charts(stats: YearStats | None = None) -> list[Chart]:
    """The 统计 page's three charts: paid per month and layer, the caps used, warnings by month."""
    charts = [Chart("各月支付金额（按结算日期，含补差）", [NAMES[k] for k in LAYERS], "元"),
              Chart("年度限额使用比例（人·项）", ["人数"], counts=True),
              Chart("各月预警人次", ["预警"], "人次", counts=True)]
    if stats is not None:
        fill(charts, stats)
    return charts


def fill(charts: list[Chart], stats: YearStats) -> None:
    paid, caps, warnings = charts
    paid.set_data(MONTHS, [[month[k] for k in LAYERS] for month in stats.paid])
    caps.set_data(SHARES, [[n] for n in stats.cap_use])
    warnings.set_data(MONTHS, [[n] for n in stats.warnings])


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


# -- shapes (x, y from the top left, in pixels)

@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x <= self.x + self.w and self.y <= y <= self.y + self.h


@dataclass(frozen=True)
class Box:
    rect: Rect
    color: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    color: str


@dataclass(frozen=True)
class Text:
    rect: Rect
    text: str
    color: str = "#333333"
    px: int = TEXT_PX
    bold: bool = False
    align: str = "center"          # left, center, right (within the rect)
    valign: str = "middle"         # top, middle


@dataclass
class Layout:
    plot: Rect
    bars: list[Rect]               # each bar's whole stack (for clicks and the selection mark)
    shapes: list[Box | Line | Text]

    def bar_at(self, x: float, y: float) -> int | None:
        """The bar whose slot (the bar, the space beside it, its label below) holds the point."""
        p = self.plot
        if not self.bars or not p.x <= x <= p.x + p.w or not p.y <= y <= p.y + p.h + 20:
            return None
        return min(len(self.bars) - 1, int((x - p.x) / (p.w / len(self.bars))))


def plot_rect(chart: Chart, rect: Rect) -> Rect:
    legend = 22 if len(chart.series) > 1 else 0
    return Rect(rect.x + 58, rect.y + 30 + legend, rect.w - 70, rect.h - 62 - legend)


def layout(chart: Chart, rect: Rect, measure: Callable[[str, int], float]) -> Layout:
    """The chart's shapes in `rect`; `measure(text, px)` gives a text's width in the painter's font."""
    shapes: list[Box | Line | Text] = [Box(rect, "#FFFFFF"),
                                       Text(Rect(rect.x, rect.y + 4, rect.w, 22), chart.heading, "#222222", TITLE_PX,
                                            bold=True, valign="top")]
    plot = plot_rect(chart, rect)
    if len(chart.series) > 1:
        x = plot.x
        for i, name in enumerate(chart.series):
            shapes.append(Box(Rect(x, rect.y + 32, 12, 12), PALETTE[i % len(PALETTE)]))
            shapes.append(Text(Rect(x + 16, rect.y + 28, measure(name, TEXT_PX) + 4, 20), name, align="left"))
            x += 24 + measure(name, TEXT_PX)
    top = nice_top(max((sum(bar) for bar in chart.values), default=0.0))
    if chart.counts:
        top = max(4.0, float(-(-top // 4) * 4))
    bottom = plot.y + plot.h
    for step in range(5):
        y = bottom - plot.h * step / 4
        shapes.append(Line(plot.x, y, plot.x + plot.w, y, "#DDDDDD"))
        shapes.append(Text(Rect(rect.x, y - 9, 52, 18), short_amount(top * step / 4), "#555555", align="right"))
    slot = plot.w / max(1, len(chart.labels))
    bars = []
    for index, bar in enumerate(chart.values):
        height = plot.h * sum(bar) / top
        left, width = plot.x + slot * index + slot * 0.15, slot * 0.7
        bars.append(Rect(left, bottom - height, width, height))
        y = bottom
        for i, value in enumerate(bar):
            part = plot.h * value / top
            if part > 0:
                shapes.append(Box(Rect(left, y - part, width, part), PALETTE[i % len(PALETTE)]))
            y -= part
    shapes.append(Line(plot.x, bottom, plot.x + plot.w, bottom, "#333333"))
    for index, label in enumerate(chart.labels):
        shapes.append(Text(Rect(plot.x + slot * index, bottom + 2, slot, 18), label, valign="top"))
    return Layout(plot, bars, shapes)
