"""Amounts as a clerk types them: 12,345.6 · 1.2万 · ¥3000 · full-width digits. No Qt here."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from engine.money import CENT

_UNITS = {"万": Decimal(10000), "千": Decimal(1000), "元": Decimal(1)}


def parse_amount_text(text: str) -> Decimal:
    """The amount in yuan, to the fen; ValueError with a Chinese reason when it is not one."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    raw = raw.replace(",", "").replace("，", "").replace(" ", "").lstrip("¥￥").removesuffix("元")
    if not raw:
        raise ValueError("请填写金额")
    factor = Decimal(1)
    if raw[-1] in _UNITS:
        factor = _UNITS[raw[-1]]
        raw = raw[:-1]
    if not re.fullmatch(r"\d+(\.\d+)?", raw):
        if raw.startswith("-"):
            raise ValueError("金额不能为负数")
        raise ValueError(f"“{text}”不是金额，可写作 12345.67、12,345.6 或 1.2万")
    try:
        value = Decimal(raw) * factor
    except InvalidOperation:
        raise ValueError(f"“{text}”不是金额") from None
    if value != value.quantize(CENT):
        raise ValueError("金额最多到分（两位小数）")
    return value.quantize(CENT)
