"""Every value that comes from outside, checked in one place before anything uses it.

Case JSON, imported rows, command-line arguments and settings all go through these
checks. Each refusal is an InputError naming the field; a refused value is echoed only
in a safe, shortened form (control characters and lone surrogates escaped), so an
error message can always be printed.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .errors import InputError

MAX_AMOUNT = Decimal("99999999.99")
MAX_INPUT_BYTES = 64 * 1024 * 1024
MAX_CASES = 20_000
MAX_DEPTH = 32
MAX_INT_DIGITS = 20          # a JSON integer longer than this is refused while parsing

# ASCII digits, optional thousands commas in their usual places, at most two decimals.
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?", re.ASCII)
_PLAIN_AMOUNT = re.compile(r"[0-9]{1,8}\.[0-9]{2}", re.ASCII)   # "1234.50": an amount as most inputs write it
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_NAME_DOTS = "·•‧・･"    # the middle dot of minority and foreign names, as keyboards type it
_OFFICE_MARKS = "（）()-－·— "
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})   # control, format, surrogate, unassigned…


def shown(value: Any, limit: int = 30) -> str:
    """A value as an error message may echo it: short, every control character or lone surrogate
    written as an escape, never the raw text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "对象 {…}"
    if isinstance(value, (list, tuple)):
        return "列表 […]"
    text = value if isinstance(value, str) else str(value)
    out = []
    for ch in text[:limit]:
        if unicodedata.category(ch) in _UNPRINTABLE:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out) + ("…" if len(text) > limit else "")


def code(value: Any, field: str, allowed: Mapping[str, str] | Iterable[str], what: str) -> str:
    """A code that must be one of `allowed` (a string; a list or object is refused, never hashed)."""
    if isinstance(value, str) and value in allowed:   # a Mapping's keys, or a collection's members
        return value
    options = list(allowed)
    names = "、".join(f"{k}（{allowed[k]}）" for k in options) if isinstance(allowed, Mapping) else "、".join(options)
    if not isinstance(value, str):
        raise InputError(field, f"{what}应为代码文字，不是{_kind(value)}；可选：{names}",
                         f"{field} must be a code string, not {_kind_en(value)}; use one of {', '.join(options)}")
    raise InputError(field, f"未知{what}“{shown(value)}”，可选：{names}",
                     f"unknown {field} {shown(value)!r}; use one of {', '.join(options)}")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "对象"
    if isinstance(value, (list, tuple)):
        return "列表"
    if value is None:
        return "null"
    return "数字" if isinstance(value, (int, float, Decimal)) else "此类值"


def _kind_en(value: Any) -> str:
    return {"true/false": "a boolean", "对象": "an object", "列表": "a list", "null": "null",
            "数字": "a number"}.get(_kind(value), "this value")


def amount(value: Any, field: str) -> Decimal:
    """A non-negative amount in yuan, to the fen, at most 99,999,999.99: a string of ASCII digits
    (thousands commas allowed where they belong, at most two decimals) or a JSON integer.
    The size is checked on the text, before any arithmetic."""
    if type(value) is str and _PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value)   # the usual form, "1234.50": read as it is
    example = '如 "1234.50" 或 "12,345.67"'
    if isinstance(value, bool) or value is None:
        raise InputError(field, f"应为金额（{example}）", 'must be an amount such as "1234.50"')
    if isinstance(value, int):
        if value < 0:
            raise InputError(field, f"金额不能为负数（{shown(value)}），请核对结算单", f"amount cannot be negative ({shown(value)})")
        if value > MAX_AMOUNT:
            raise _too_large(field, value)
        return Decimal(value).quantize(Decimal("0.01"))
    if isinstance(value, (float, Decimal)):
        raise InputError(field, f"金额请写成字符串（{example}），以免精度丢失",
                         'write amounts as strings such as "1234.50" (or as whole numbers)')
    if not isinstance(value, str):
        raise InputError(field, f"应为金额（{example}），不是{_kind(value)}", f"must be an amount, not {_kind_en(value)}")
    text = value.strip(" ")
    if text.startswith("-") and _AMOUNT.fullmatch(text[1:]):
        raise InputError(field, f"金额不能为负数（{shown(value)}），请核对结算单", f"amount cannot be negative ({shown(value)})")
    if not _AMOUNT.fullmatch(text):
        raise InputError(field, f"“{shown(value)}”不是金额：请只用半角数字，最多两位小数，千分位逗号可选（{example}）",
                         f"{shown(value)!r} is not an amount: ASCII digits, at most two decimals, optional thousands commas")
    whole, _, cents = text.replace(",", "").partition(".")
    if len(whole.lstrip("0")) > 8:
        raise _too_large(field, value)
    return Decimal(f"{whole or '0'}.{cents:0<2}")


def assistance_paid(paid: Decimal, scope: Decimal, basic: Decimal | None, critical: Decimal | None) -> None:
    """医疗救助 already paid at the hospital (amounts.assistance_paid) is at most what the two insurance
    layers left of the policy scope: policy_scope − basic_paid − critical_paid (case-format.md,
    "Already paid"). Called with the slip's amounts when parsing and with the computed ones after."""
    if not paid:   # nothing paid at the hospital (most cases): within any bound
        return
    left = scope - (basic or 0) - (critical or 0)
    if paid > max(left, Decimal("0.00")):
        raise InputError("amounts.assistance_paid",
                         f"一站式已支付医疗救助 {paid} 超过政策范围内费用减基本医保、大病保险支付后的 {max(left, Decimal('0.00')):.2f}，"
                         "请核对结算单的医疗救助基金支出",
                         f"assistance_paid {paid} exceeds policy_scope - basic_paid - critical_paid "
                         f"({max(left, Decimal('0.00')):.2f}); check the slip's maf_pay")


def _too_large(field: str, value: Any) -> InputError:
    return InputError(field, f"金额 {shown(value)} 超过 99,999,999.99 元，请核对",
                      f"amount {shown(value)} exceeds 99,999,999.99; check it")


def date(value: Any, field: str) -> dt.date:
    """A date written exactly YYYY-MM-DD."""
    if not isinstance(value, str):
        raise InputError(field, "应为日期字符串，格式 YYYY-MM-DD", "must be a date string YYYY-MM-DD")
    day = _date_text(value)
    if day is None:
        raise InputError(field, f"“{shown(value)}”不是有效日期，格式应为 YYYY-MM-DD（如 2023-05-10）",
                         f"{shown(value)!r} is not a valid date YYYY-MM-DD")
    return day


@lru_cache(maxsize=8192)
def _date_text(value: str) -> dt.date | None:
    """The day a YYYY-MM-DD text means, else None; each text read once (a date is immutable)."""
    if not _DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM" or ch == "〇"


def person_name(value: Any, field: str) -> str:
    """A person's name: 1–30 characters of Chinese, letters, the middle dot · and spaces."""
    if isinstance(value, str) and _good_name(value):
        return value.strip()
    if not isinstance(value, str):
        raise InputError(field, "姓名应为文字", "name must be text")
    text = value.strip()
    if not text:
        raise InputError(field, "姓名应为非空文字", "name must be non-empty text")
    if len(text) > 30:
        raise InputError(field, f"姓名最长 30 个字（现为 {len(text)} 个），请核对", f"a name has at most 30 characters ({len(text)} given)")
    bad = next((ch for ch in text if not (_letter(ch) or ch in _NAME_DOTS or ch == " ")), None)
    if bad is not None or not any(_letter(ch) for ch in text):
        raise InputError(field, f"姓名只能包含汉字、字母、间隔号“·”和空格，不能有“{shown(bad or text)}”",
                         f"a name holds only Chinese characters, letters, '·' and spaces, not {shown(bad or text)!r}")
    return text


@lru_cache(maxsize=4096)
def _good_name(value: str) -> bool:
    """Whether person_name takes `value` as it is (a year repeats the person's name: it is read once)."""
    text = value.strip()
    return (0 < len(text) <= 30 and all(_letter(ch) or ch in _NAME_DOTS or ch == " " for ch in text)
            and any(_letter(ch) for ch in text))


def office_name(value: Any, field: str, zh: str = "经办机构", *, required: bool = True) -> str:
    """An office (or window) name: 1–40 characters of Chinese, letters, digits, （）, - and spaces."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError(field, f"{zh}应为文字", f"{field} must be text")
    text = value.strip()
    if not text:
        if not required:
            return ""
        raise InputError(field, f"请填写{zh}", f"{field} is required")
    if len(text) > 40:
        raise InputError(field, f"{zh}最长 40 个字（现为 {len(text)} 个）", f"{field} has at most 40 characters")
    bad = next((ch for ch in text if not (_letter(ch) or ch in "0123456789" or ch in _OFFICE_MARKS)), None)
    if bad is not None:
        raise InputError(field, f"{zh}只能包含汉字、字母、数字、括号（）、“-”和空格，不能有“{shown(bad)}”",
                         f"{field} holds only Chinese characters, letters, digits, brackets, '-' and spaces, not {shown(bad)!r}")
    return text


def account_name(value: Any, field: str, zh: str = "经办人") -> str:
    """An operator's (account) name: 2–20 letters, digits or Chinese characters."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, f"请填写{zh}", f"{field} is required")
    text = value.strip()
    if not 2 <= len(text) <= 20 or not all(_letter(ch) or ch in "0123456789" for ch in text):
        raise InputError(field, f"{zh}“{shown(text)}”无效：应为 2–20 个汉字、字母或数字",
                         f"{field} {shown(text)!r} is invalid: 2-20 letters, digits or Chinese characters")
    return text


def free_text(value: Any, field: str, zh: str, limit: int = 200) -> str:
    """A reason or note: 1–`limit` characters, one line, no control characters."""
    if isinstance(value, str) and _good_text(value, limit):
        return value.strip()
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, f"请填写{zh}", f"{field} is required")
    text = value.strip()
    if len(text) > limit:
        raise InputError(field, f"{zh}最长 {limit} 个字（现为 {len(text)} 个）", f"{field} has at most {limit} characters")
    bad = next((ch for ch in text if unicodedata.category(ch) in _UNPRINTABLE), None)
    if bad is not None:
        raise InputError(field, f"{zh}不能包含换行或控制字符（{shown(bad)}）", f"{field} must not hold control characters")
    return text


@lru_cache(maxsize=4096)
def _good_text(value: str, limit: int) -> bool:
    """Whether free_text takes `value` as it is (a year repeats its disease names: each is read once)."""
    text = value.strip()
    return 0 < len(text) <= limit and not any(unicodedata.category(ch) in _UNPRINTABLE for ch in text)


def check_tree(doc: Any, *, check_strings: bool = True) -> None:
    """Walk a parsed JSON document without recursion: nesting at most MAX_DEPTH, every string
    (keys too) valid Unicode. The error names the path of the offending value. `check_strings=False`:
    the caller has seen that no string can hold a lone surrogate (parse_json, on the text), so a
    document within the depth is passed without visiting each string."""
    if not check_strings and _within_depth(doc):
        return
    stack: list[tuple[Any, str, int]] = [(doc, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(path or "JSON", f"JSON 嵌套超过 {MAX_DEPTH} 层", f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, str):
            _valid_unicode(node, path)
        elif isinstance(node, dict):
            for key, value in node.items():
                sub = f"{path}.{key}" if path else str(key)
                _valid_unicode(key, sub if _encodes(key) else (path or "JSON"))
                stack.append((value, sub, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, f"{path}[{i}]", depth + 1) for i, value in enumerate(node))


_NESTED = frozenset({dict, list})


def _within_depth(doc: Any) -> bool:
    """Whether no value of a parsed JSON document (its containers exactly dict and list) lies deeper
    than MAX_DEPTH: the containers of each level in turn, down to the deepest allowed, which must then
    be empty."""
    level = [doc] if type(doc) in _NESTED else []
    for _ in range(MAX_DEPTH):
        level = [v for c in level for v in (c.values() if type(c) is dict else c) if type(v) in _NESTED]
        if not level:
            return True
    return not any(level)


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _valid_unicode(text: str, path: str) -> None:
    if not _encodes(text):
        raise InputError(path or "JSON", "含有无效字符（孤立的代理项 \\ud800–\\udfff），请重新输入该项",
                         "holds an invalid character (a lone surrogate); type it again")


def case_count(cases: list, field: str = "cases") -> None:
    if len(cases) > MAX_CASES:
        raise InputError(field, f"一次最多 {MAX_CASES} 件案件（现为 {len(cases)} 件），请分批",
                         f"at most {MAX_CASES} cases at once ({len(cases)} given); split the input")


def check_settings(values: Mapping[str, Any]) -> dict[str, str]:
    """The office's settings as the window stores them, each checked; InputError names the setting."""
    from .policy import REGIONS

    checks = {
        "office": lambda v: office_name(v, "office"),
        "window": lambda v: office_name(v, "window", "窗口", required=False),
        "operator": lambda v: account_name(v, "operator"),
        "default_region": lambda v: code(v, "default_region", REGIONS, "默认地区"),
        "paper": lambda v: code(v, "paper", {"A4": "A4", "A5": "A5"}, "纸张"),
        "printer": lambda v: free_text(v, "printer", "打印机", 200) if v else "",
    }
    return {key: checks[key](value) if key in checks else value for key, value in values.items()}
