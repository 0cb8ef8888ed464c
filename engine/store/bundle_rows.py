"""Every row of a bundle checked before the import writes anything: each file's fields, each of the
kind it must be — an amount a money string ("1234.50", no exponent, within 99,999,999.99), a date a
date, a name a name (no control character, no formula), a code a code. A bundle is outside input
even when its manifest matches (whoever changed a row could have rewritten the manifest too): the
refusal names the file, the row, the field and what is wrong with it, in Chinese."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable

from .. import validate
from ..case import check_id_number
from ..codec import from_json_text
from ..errors import InputError
from ..region_registry import REGIONS
from .bundle_changes import CHANGE_STATE, REVIEW_STATE

_MONEY = re.compile(r"-?[0-9]{1,8}\.[0-9]{2}", re.ASCII)
_RECEIPT = re.compile(r"[0-9]{4}-[0-9]{6}", re.ASCII)
_SURROGATE = re.compile(r"\\[uU][dD][89a-fA-F]")
_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.+\-]{5,20})?", re.ASCII)
REVIEWS = ("待审核", "已审核", "退回", "免审")


class Bad(Exception):
    """What is wrong with one field (Chinese)."""


def _text(limit: int = 200, *, optional: bool = False) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str):
            raise Bad(f"应为文字，不能是{_kind(value)}")
        if len(value) > limit:
            raise Bad(f"最长 {limit} 个字（现为 {len(value)} 个）")
        if not value.isprintable():    # (fast: most text is; else find the character)
            bad = next((ch for ch in value if validate.shown(ch) != ch), None)
            if bad is not None:
                raise Bad(f"含有控制字符（{validate.shown(bad)}）")
        if value[:1] in ("=", "+", "@") or (value[:1] == "-" and not _MONEY.fullmatch(value)):
            raise Bad(f"不能以“{value[0]}”开头（表格软件会把它当作公式）")
    return check


def _money(*, optional: bool = False, signed: bool = False) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str) or not _MONEY.fullmatch(value) or (value.startswith("-") and not signed):
            raise Bad(f"应为金额（如 \"1234.50\"，两位小数{'' if signed else '，不为负'}），不能是“{validate.shown(value)}”")
    return check


def _int(low: int, high: int) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if type(value) is not int or not low <= value <= high:
            raise Bad(f"应为 {low} 到 {high} 的整数，不能是“{validate.shown(value)}”")
    return check


def _stamp(*, optional: bool = False) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str) or not _STAMP.fullmatch(value):
            raise Bad(f"应为日期或时间（如 2026-03-01），不能是“{validate.shown(value)}”")
        try:
            dt.date.fromisoformat(value[:10])
        except ValueError:
            raise Bad(f"不是有效的日期（{validate.shown(value)}）") from None
    return check


def _receipt(value: Any) -> None:
    if not isinstance(value, str) or not _RECEIPT.fullmatch(value):
        raise Bad(f"应为回执号（如 2026-000001），不能是“{validate.shown(value)}”")


def _of(field: Callable[[Any, str], Any]) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        try:
            field(value, "x")
        except InputError as exc:
            raise Bad(exc.zh) from None
    return check


def _one_of(options) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not isinstance(value, str) or value not in options:
            raise Bad(f"应为 {'、'.join(options)} 之一，不能是“{validate.shown(value)}”")
    return check


def _json_object(value: Any) -> None:
    if not isinstance(value, str):
        raise Bad(f"应为 JSON 文字，不能是{_kind(value)}")
    try:
        doc = from_json_text(value)
    except (ValueError, RecursionError):
        raise Bad("不是可读取的 JSON") from None
    # decoded from UTF-8, a string holds a lone surrogate only through a \\uD800-style escape (the program
    # writes none: its JSON is not ASCII-escaped); nesting deeper than the input's limit needs more opening
    # brackets than that limit (counted in strings too): only then is the tree walked (a result holds ~15)
    surrogate = "\\u" in value and _SURROGATE.search(value) is not None
    if surrogate or value.count("{") + value.count("[") > validate.MAX_DEPTH:
        try:
            validate.check_tree(doc, check_strings=surrogate)
        except InputError as exc:
            raise Bad(f"JSON 不可用：{exc.zh}") from None
    if not isinstance(doc, dict):
        raise Bad("应为 JSON 对象")


def _bool_int(value: Any) -> None:
    if type(value) is not int or value not in (0, 1):
        raise Bad(f"应为 0 或 1，不能是“{validate.shown(value)}”")


def _kind(value: Any) -> str:
    return {dict: "对象", list: "列表", bool: "true/false", type(None): "null"}.get(type(value), "数字") \
        if not isinstance(value, str) else "文字"


NAME = _of(validate.person_name)
OPERATOR = _of(validate.account_name)
AMOUNTS = ("total", "policy_scope", "basic", "critical", "assistance", "tilt", "hospital_borne", "out_of_pocket")
CASE = {
    "receipt_no": _receipt, "receipt_year": _int(2000, 2100), "receipt_seq": _int(1, 999999),
    "id_number": _of(check_id_number), "region": _one_of(tuple(REGIONS)), "policy_year": _int(2000, 2100),
    "date": _stamp(), "kind": _text(40), "input": _json_object, "result": _json_object,
    "policy_version": _text(200), **{k: _money() for k in AMOUNTS}, "to_pay": _money(optional=True, signed=True),
    "operator": OPERATOR, "office": _of(validate.office_name), "created_at": _stamp(),
    "warning_kind": _text(40, optional=True), "year_out_of_pocket": _money(optional=True),
    "review": _one_of(REVIEWS), "reviewed_by": _text(40, optional=True), "reviewed_at": _stamp(optional=True),
    "review_note": _text(200, optional=True), "paid_at": _stamp(optional=True), "paid_by": _text(40, optional=True),
    "pay_method": _text(10, optional=True), "pay_account": _text(40, optional=True),
}
PERSON = {"id_number": _of(check_id_number), "name": NAME, "birth_date": _stamp(optional=True),
          "sex": _text(4, optional=True), "phone": _text(30, optional=True), "address": _text(200, optional=True),
          "insurance": _text(40, optional=True), "rural": _text(10, optional=True)}
IDENTITY = {"identity": _text(40), "granted_on": _stamp(optional=True), "ends_on": _stamp(optional=True),
            "source": _text(100, optional=True)}
RESETTLEMENT = {"receipt_no": _receipt, "year": _int(2000, 2100), "seq": _int(1, 999999), "case_receipt_no": _receipt,
                "reason": _text(100), **{k: _money(signed=True) for k in
                                         ("basic", "critical", "assistance", "tilt", "hospital_borne", "out_of_pocket",
                                          "to_pay")},
                "result": _json_object, "policy_version": _text(200), "operator": OPERATOR, "created_at": _stamp()}
VOID = {"receipt_no": _receipt, "void_reason": _text(100), "voided_at": _stamp(), "voided_by": _text(40)}
AUDIT = {"source_id": _int(1, 10 ** 15), "at": _stamp(), "operator": _text(40), "action": _text(40),
         "receipt_no": lambda v: None if v is None else _receipt(v), "detail": _text(2000),
         "row_hash": _text(100, optional=True)}
CHANGE = {"source_id": _int(1, 10 ** 15), "at": _stamp(), "action": _one_of(tuple(CHANGE_STATE)), "receipt_no": _receipt}
STATE = {"review": _one_of(REVIEWS), "reviewed_by": _text(40, optional=True), "reviewed_at": _stamp(optional=True),
         "review_note": _text(200, optional=True), "paid_at": _stamp(optional=True), "paid_by": _text(40, optional=True),
         "pay_method": _text(10, optional=True), "pay_account": _text(40, optional=True), "printed_at": _stamp(),
         "operator": _text(40), "reprint": _bool_int}
SCHEMAS = {"persons.jsonl": PERSON, "cases.jsonl": CASE, "resettlements.jsonl": RESETTLEMENT, "voids.jsonl": VOID,
           "audit.jsonl": AUDIT, "changes.jsonl": CHANGE}
OPTIONAL = {"to_pay"}    # a field bundles of format SCJ-BUNDLE/1 lack


def check_rows(bundle: str, name: str, rows: list[dict]) -> None:
    """InputError naming the file, row and field of the first value that is not what it must be."""
    schema = SCHEMAS[name]
    for i, row in enumerate(rows):
        where = f"数据包 {bundle}：{name} 第 {i + 1} 行"
        for key, check in schema.items():
            _field(where, name, i, row, key, check)
        if name == "persons.jsonl":
            grants = row.get("identities")
            if not isinstance(grants, list):
                raise _bad(where, name, i, "identities", "应为列表")
            for g in grants:
                if not isinstance(g, dict):
                    raise _bad(where, name, i, "identities", "每一项应为对象")
                for key, check in IDENTITY.items():
                    _field(where, name, i, g, key, check, f"identities.{key}")
        if name == "changes.jsonl":
            state = row.get("state")
            wanted = CHANGE_STATE[row["action"]]
            if not isinstance(state, dict) or set(state) != set(wanted):
                raise _bad(where, name, i, "state", f"应为含 {'、'.join(wanted)} 的对象")
            for key in wanted:
                _field(where, name, i, state, key, STATE[key], f"state.{key}")
            if row["action"] in ("approve", "return") and state["review"] not in ("已审核", "退回"):
                raise _bad(where, name, i, "state.review", "应为 已审核 或 退回")
            if row["action"] in ("approve", "return"):
                for key in REVIEW_STATE[1:3]:
                    _field(where, name, i, state, key, {"reviewed_by": _text(40), "reviewed_at": _stamp()}[key],
                           f"state.{key}")


def _field(where: str, name: str, i: int, row: dict, key: str, check: Callable[[Any], None],
           shown: str | None = None) -> None:
    if key not in row:
        if key in OPTIONAL:
            return
        raise _bad(where, name, i, shown or key, "缺少该项")
    try:
        check(row[key])
    except Bad as exc:
        raise _bad(where, name, i, shown or key, str(exc)) from None


def _bad(where: str, name: str, i: int, field: str, zh: str) -> InputError:
    return InputError("FILE", f"{where}的 {field} {zh}；未导入任何内容",
                      f"{name} row {i + 1}: {field} is not valid; nothing was imported")
