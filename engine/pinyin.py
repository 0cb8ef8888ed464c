"""Finding a name by its characters or by pinyin: initials (尿毒症 → ndz, 王秀英 → wxy) or the
whole pinyin (wangxiuying). Used for diseases in the wizard and for persons everywhere one
is looked up."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=65536)
def initials(name: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower()


@lru_cache(maxsize=65536)
def spelled(name: str) -> str:
    """The whole pinyin without tones or spaces (王秀英 → wangxiuying; ü as v)."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name, errors="default")).lower()


def is_pinyin_query(text: str) -> bool:
    """Letters only (a clerk typing pinyin), as opposed to characters or digits."""
    q = "".join(text.split())
    return bool(q) and q.isascii() and q.isalpha()


def matches(name: str, query: str) -> bool:
    """The query is part of the name, of its initials, or the start of its whole pinyin."""
    q = "".join(query.split()).lower()
    return not q or q in name.lower() or q in initials(name) or spelled(name).startswith(q)
