"""Finding a disease by name or by pinyin initials (尿毒症 → ndz). No Qt here."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def initials(name: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()


def matches(name: str, query: str) -> bool:
    q = "".join(query.split()).lower()
    return not q or q in name.lower() or q in initials(name)
