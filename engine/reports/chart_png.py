"""A chart (chart.py) as a PNG image, drawn with Pillow in the receipt's CJK font: the month
report's images, in its xlsx and its PDF, from the window and the command line alike.

Pillow is already in the bundle (ReportLab and openpyxl's images need it), so drawing with it adds
nothing to the installer (docs/resettlement-and-reports.md, "Charts")."""
from __future__ import annotations

from functools import lru_cache
from io import BytesIO

from .chart import Box, Chart, Line, Rect, Text, layout

WIDTH, HEIGHT = 900, 360


@lru_cache(maxsize=1)
def _font_file() -> str:
    from PIL import ImageFont

    from ..receipt.fonts import candidates

    for path in candidates():
        if path.is_file():
            try:
                ImageFont.truetype(str(path), 12, index=0)
            except OSError:
                continue
            return str(path)
    raise RuntimeError("找不到可用的中文字体（resources/fonts），无法绘制统计图表，请重新安装程序")


@lru_cache(maxsize=16)
def _font(px: int):
    from PIL import ImageFont

    return ImageFont.truetype(_font_file(), px, index=0)


def png(chart: Chart, width: int = WIDTH, height: int = HEIGHT, scale: int = 2) -> bytes:
    """The chart laid out in width × height and drawn `scale` times as large (sharp when printed)."""
    from PIL import Image, ImageDraw

    def measure(text: str, px: int) -> float:
        return _font(px * scale).getlength(text) / scale

    shapes = layout(chart, Rect(0, 0, width, height), measure).shapes
    image = Image.new("RGB", (width * scale, height * scale), "white")
    draw = ImageDraw.Draw(image)
    for shape in shapes:
        if isinstance(shape, Box):
            r = shape.rect
            x0, y0 = round(r.x * scale), round(r.y * scale)
            x1, y1 = round((r.x + r.w) * scale) - 1, round((r.y + r.h) * scale) - 1
            if x1 >= x0 and y1 >= y0:
                draw.rectangle((x0, y0, x1, y1), fill=shape.color)
        elif isinstance(shape, Line):
            draw.line((shape.x1 * scale, shape.y1 * scale, shape.x2 * scale, shape.y2 * scale), fill=shape.color,
                      width=scale)
        elif isinstance(shape, Text):
            r = shape.rect
            x = {"left": r.x, "center": r.x + r.w / 2, "right": r.x + r.w}[shape.align]
            y = r.y if shape.valign == "top" else r.y + r.h / 2
            anchor = {"left": "l", "center": "m", "right": "r"}[shape.align] + ("a" if shape.valign == "top" else "m")
            font = _font(shape.px * scale)
            draw.text((x * scale, y * scale), shape.text, fill=shape.color, font=font, anchor=anchor)
            if shape.bold:   # the font has no bold face: a second pass one pixel over
                draw.text((x * scale + 1, y * scale), shape.text, fill=shape.color, font=font, anchor=anchor)
    out = BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def year_pngs(charts: list[Chart], year: int) -> list[tuple[str, bytes]]:
    """(title, PNG) of each chart, the title naming the policy year: the first (the months' money)
    wide, the others smaller, as on the 统计 page."""
    return [(f"{year} 年度 {chart.title}", png(chart) if i == 0 else png(chart, 560, 300))
            for i, chart in enumerate(charts)]
