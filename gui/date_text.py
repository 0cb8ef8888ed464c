"""How the window reads a date a clerk types: 2023-05-10, 2023/5/10, 2023.5.10, 20230510 or
2023年5月10日. A day the month does not have is refused with the reason (2023-02-30 never
becomes 2023-02-03). No Qt here."""
from __future__ import annotations

import calendar
import datetime as dt
import re

_PARTS = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date_text(text: str) -> dt.date:
    """The date typed; ValueError with the reason in Chinese."""
    text = text.strip().translate(str.maketrans("０１２３４５６７８９－／．", "0123456789-/."))
    if not text:
        raise ValueError("请填写日期（如 2023-05-10）")
    found = _PARTS.fullmatch(text) or _COMPACT.fullmatch(text)
    if not found:
        raise ValueError(f"“{text}”不是日期，请按 年-月-日 填写（如 2023-05-10）")
    year, month, day = (int(part) for part in found.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"“{text}”不是有效日期：月份应为 1 到 12")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise ValueError(f"“{text}”不是有效日期：{year}年{month}月只有{last}天")
    return dt.date(year, month, day)
