"""The CJK font the receipt embeds: the bundled WenQuanYi Micro Hei (TrueType outlines,
Apache-2.0), else a TrueType font Windows ships. ReportLab subsets and embeds it, so the
PDF prints the same on any PC. CFF-outline fonts (Noto CJK .otf) cannot be embedded."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from ..paths import resources_dir

FONT_NAME = "ReceiptCJK"
WINDOWS_FALLBACKS = ("msyh.ttc", "simhei.ttf", "simsun.ttc", "simkai.ttf")


def candidates() -> list[Path]:
    bundled = sorted((resources_dir() / "fonts").glob("*.tt[cf]"))
    windir = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    return bundled + [windir / name for name in WINDOWS_FALLBACKS]


@lru_cache(maxsize=1)
def register() -> str:
    """Register the first usable font once per process; returns its ReportLab name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    problems = []
    for path in candidates():
        if not path.is_file():
            continue
        try:
            font = TTFont(FONT_NAME, str(path), subfontIndex=0) if path.suffix.lower() == ".ttc" \
                else TTFont(FONT_NAME, str(path))
        except (TTFError, OSError) as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        pdfmetrics.registerFont(font)
        return FONT_NAME
    detail = "；".join(problems) or "resources/fonts 中没有字体文件"
    raise RuntimeError(f"找不到可嵌入的中文字体（{detail}），请重新安装程序")
