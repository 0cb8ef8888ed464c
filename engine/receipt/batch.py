"""Many receipts in one PDF document (the receipts of a settlement-list import): each receipt laid
out as alone (engine/receipt/document.py: the densest layout that fits, its own page numbers,
footer and marks), one after another, each starting on a new page."""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Iterable

from reportlab.platypus import PageBreak

from .document import LAYOUTS, ReceiptData, _decorate, _doc, _fit
from .fonts import register


def build_receipts(receipts: Iterable[ReceiptData], out: str | Path | BinaryIO, layout: str = "A4") -> int:
    """Write every receipt (the resident's copy) to one PDF; returns the number of receipts."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
    font = register()
    story: list = []
    owner: dict[int, object] = {}       # page → the decorating function of its receipt
    page = 0
    first = None
    count = 0
    for d in receipts:
        copy, density = _fit(d, layout, font, False)
        pages = {page + i + 1: (i + 1, copy.pages, False) for i in range(copy.pages)}
        draw = _decorate(d, font, density.base, pages)
        for number in pages:
            owner[number] = draw
        if story:
            story.append(PageBreak())
        story += copy.story
        page += copy.pages
        first = first or d
        count += 1
    if first is None:
        return 0

    def decorate(canvas, doc) -> None:
        owner[doc.page](canvas, doc)

    _doc(str(out) if isinstance(out, Path) else out, layout, first, font).build(
        story, onFirstPage=decorate, onLaterPages=decorate)
    return count
