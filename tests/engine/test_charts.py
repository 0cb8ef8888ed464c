"""The year's charts as the engine lays them out and draws them (Pillow) for the month report: the
bars stand in proportion to the amounts, stacked per layer in the page's colours, and the PNG shows
them where the layout puts them."""
from decimal import Decimal
from io import BytesIO

from PIL import Image

from engine.reports.chart import PALETTE, Rect, layout, nice_top, year_charts
from engine.reports.chart_png import png
from engine.reports.stats import LAYERS, YearStats


def stats() -> YearStats:
    paid = [{k: Decimal(0) for k in LAYERS} for _ in range(12)]
    paid[5].update(basic=Decimal("1800.00"), assistance=Decimal("350.00"))        # June: 2150.00
    paid[9].update(basic=Decimal("2400.00"), critical=Decimal("600.00"), tilt=Decimal("1000.00"))   # October: 4000.00
    return YearStats(2023, paid, [0] * 5 + [1, 0, 0, 0, 1, 0, 0], [3, 1] + [0] * 8, [0] * 9 + [1, 0, 0])


def width(text: str, px: int) -> float:
    return len(text) * px


def test_bars_stand_in_proportion_on_a_nice_axis():
    paid, caps, warnings = year_charts(stats())
    assert nice_top(4000.0) == 5000.0 and nice_top(3.0) == 5.0 and nice_top(0) == 1.0
    drawn = layout(paid, Rect(0, 0, 900, 360), width)
    # the plot: 58 px for the axis, 30 + 22 (title, legend) on top, 32 below for the month labels
    assert drawn.plot == Rect(58, 52, 830, 276)
    heights = [bar.h for bar in drawn.bars]
    assert heights[5] == 276 * 2150 / 5000 and heights[9] == 276 * 4000 / 5000
    assert [h for i, h in enumerate(heights) if i not in (5, 9)] == [0.0] * 10
    # counts: four whole steps (3 persons in the first bar: 5 is the nice top, 8 the next multiple of 4)
    assert layout(caps, Rect(0, 0, 400, 200), width).bars[0].h == (200 - 62) * 3 / 8
    assert drawn.bar_at(58 + 830 / 12 * 5.5, 300) == 5 and drawn.bar_at(10, 300) is None


def test_the_png_shows_each_layer_in_its_colour_where_the_layout_puts_it():
    paid = year_charts(stats())[0]
    image = Image.open(BytesIO(png(paid, 900, 360, scale=2))).convert("RGB")
    assert image.size == (1800, 720)
    bars = layout(paid, Rect(0, 0, 900, 360), width).bars
    bottom = bars[9].y + bars[9].h

    def colour_at(x: float, y: float) -> str:
        return "#%02X%02X%02X" % image.getpixel((round(x * 2), round(y * 2)))
    # October: basic 2400 at the bottom, critical 600 above it, assistance none, tilt 1000 on top
    middle = bars[9].x + bars[9].w / 2
    scale = bars[9].h / 4000
    assert colour_at(middle, bottom - 1200 * scale) == PALETTE[0]
    assert colour_at(middle, bottom - (2400 + 300) * scale) == PALETTE[1]
    assert colour_at(middle, bottom - (3000 + 500) * scale) == PALETTE[3]
    assert colour_at(middle, bars[9].y - 5) == "#FFFFFF"
    # June: basic then assistance; an empty month is white
    middle = bars[5].x + bars[5].w / 2
    assert colour_at(middle, bottom - 900 * scale) == PALETTE[0]
    assert colour_at(middle, bottom - (1800 + 175) * scale) == PALETTE[2]
    assert colour_at(bars[2].x + bars[2].w / 2, bottom - 100) == "#FFFFFF"
