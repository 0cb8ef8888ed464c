"""Draw the app icon: a rounded blue square with a white 保 (resources/icons/app.ico, app.png).

    .venv/bin/python installer/make_icon.py

Each size of the .ico is drawn on its own (at 4× and reduced, not scaled down from the 256 px
image): the sizes up to 24 px fill the square and use a larger, bolder glyph so that 保 stays
legible at 16×16. The glyph comes from the bundled WenQuanYi Micro Hei (resources/fonts/),
so the icon can be redrawn on any machine. Pillow comes with ReportLab; nothing else is needed.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "resources" / "fonts" / "wqy-microhei.ttc"
OUT = ROOT / "resources" / "icons"
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
PNG_SIZE = 256
BLUE = (22, 101, 192, 255)       # #1665C0: a calm "official" blue, white on it passes contrast easily
BLUE_EDGE = (13, 71, 141, 255)   # a darker rim so the square stands out on a white desktop
WHITE = (255, 255, 255, 255)
GLYPH = "保"


def draw(size: int) -> Image.Image:
    """The icon at `size`×`size` pixels, drawn at 4× and reduced (smooth edges)."""
    scale = 4
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    margin = 0 if size <= 24 else round(big * 0.04)
    radius = round(big * (0.18 if size > 24 else 0.16))
    rim = max(scale, round(big * 0.025))
    box = (margin, margin, big - 1 - margin, big - 1 - margin)
    pen.rounded_rectangle(box, radius=radius, fill=BLUE_EDGE)
    inner = tuple(v + rim if i < 2 else v - rim for i, v in enumerate(box))
    pen.rounded_rectangle(inner, radius=max(1, radius - rim), fill=BLUE)

    # The glyph: as large as fits, centred on its ink box, a little bolder at small sizes.
    share = 0.86 if size <= 24 else 0.72
    stroke = round(big * (0.035 if size <= 24 else 0.018))
    font = ImageFont.truetype(str(FONT), size=round(big * share), index=0)
    left, top, right, bottom = pen.textbbox((0, 0), GLYPH, font=font, stroke_width=stroke)
    x = (big - (right - left)) / 2 - left
    y = (big - (bottom - top)) / 2 - top
    pen.text((x, y), GLYPH, font=font, fill=WHITE, stroke_width=stroke, stroke_fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    images = {size: draw(size) for size in ICO_SIZES}
    largest = images[max(ICO_SIZES)]
    # Pillow writes each size from `append_images` when one of that size is given.
    largest.save(OUT / "app.ico", format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)])
    draw(PNG_SIZE).save(OUT / "app.png", optimize=True)
    with Image.open(OUT / "app.ico") as ico:
        got = sorted(ico.info.get("sizes", set()))
    print(f"{OUT / 'app.ico'}: sizes {', '.join(f'{w}×{h}' for w, h in got)}")
    print(f"{OUT / 'app.png'}: {PNG_SIZE}×{PNG_SIZE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
