"""Local versions of policy parameters: a supervisor's dated change of one parameter of one region.

A change is a new row of `policy_versions` (append-only, like the audit log): region,
parameter, value, the date it applies from, reason, operator, when. It never alters a
saved case:

- its date must be later than the settlement date of every saved (non-void) case of the
  region, and not before today: a person's year ledger is rebuilt by replaying their stored
  cases with the parameters in force on each case's date, so no case already saved is ever
  replayed with the new value, and every stored result stays what replaying gives;
- a program that has not applied a newer version cannot store a case dated on or after it
  (a trigger of migration 2 reads the case's policy_version, see engine/policy.py).

A store computes with its own book (`Store.book`: the bundled files with exactly this database's
versions, engine.policy.PolicyBook.with_stored); nothing process-wide changes. `python -m engine
calc`, which opens no database, uses the bundled files only.
"""
from __future__ import annotations

import datetime as dt
import difflib
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from ..case import IDENTITIES, INSURANCE, KINDS
from ..errors import InputError
from ..clock import today as clock_today
from ..policy import PolicyBook, loads_value, typed_like
from ..region_registry import REGIONS, check_region
from .database import Store, audit, now

FRACTION_WORDS = ("rate", "share", "factor", "points")   # shown as percentages
RATE_WORDS = ("rate", "rate_points")                      # never above 1 (a share of income may be: 1.5)
KEY_LABELS = {**INSURANCE, **KINDS, **IDENTITIES, "in_district": "区内", "out_of_district_in_province": "区外省内",
              "special": "特殊疾病", "other": "其他"}
_FULL_WIDTH = str.maketrans({"，": ",", "：": ":", "“": '"', "”": '"', "‘": "'", "’": "'", "｛": "{", "｝": "}",
                             "［": "[", "］": "]", "【": "[", "】": "]", "％": "%", "．": ".", "　": " ",
                             **{chr(0xFF10 + i): str(i) for i in range(10)}})


# ---- values: JSON text <-> typed values (Decimal numbers, the files' keys) -------------------

def _number_text(value: Decimal) -> str:
    return format(value, "f")


def encode(value: Any) -> str:
    """A value as JSON text, numbers exactly as they are (never through float)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _number_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(encode(v) for v in value) + "]"
    raise TypeError(f"cannot encode {value!r}")


def parse_value_text(text: str, template: Any = None) -> Any:
    """What a person typed as a value: JSON (30000, 0.8, {"一类": 1, …}, […]); numbers become
    Decimal; "80%" is 0.80; full-width punctuation is accepted; plain text for a text value."""
    raw = (text or "").strip()
    if not raw:
        raise InputError("VALUE", "请填写新值", "a value is required")
    for candidate in (raw, raw.translate(_FULL_WIDTH).strip()):
        number = candidate[:-1].strip() if candidate.endswith("%") else None
        if number:
            try:
                value = Decimal(number)
            except InvalidOperation:
                pass
            else:
                if value.is_finite():
                    return value / 100
        try:
            return typed_like(loads_value(candidate), template)
        except (json.JSONDecodeError, ValueError) as exc:
            error = exc
    if isinstance(template, str):
        return raw
    if isinstance(error, json.JSONDecodeError):
        raise InputError("VALUE", f"新值格式有误（第 {error.colno} 个字符附近：{error.msg}）。数值直接填写，如 30000 或 0.80；"
                         "按项目填写的用 {\"项目\": 数值, …}，列表用 [ … ]",
                         f"the value is not valid JSON ({error.msg} at column {error.colno}); "
                         "write numbers as 30000 or 0.80, mappings as {\"key\": value}, lists as [...]")
    raise InputError("VALUE", "新值中的数字无效", f"invalid number in the value ({error})")


# ---- the shape check ----------------------------------------------------------------------

def _is_fraction(words: list[str]) -> bool:
    return any(w.endswith(FRACTION_WORDS) for w in words)


def _label(key: Any) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{key}级"
    return KEY_LABELS.get(key, str(key))


class _Shape:
    def __init__(self, region: str, name: str):
        self.region, self.name = region, name

    def error(self, path: list[str], zh: str, en: str) -> InputError:
        inner = "".join(p if p.startswith("[") else f".{p}" for p in path).lstrip(".")
        where = f"{self.name} 的 {inner}" if inner else self.name
        where_en = f"{self.name}.{inner}" if inner else self.name
        return InputError("VALUE" + (f".{inner}" if inner else ""), f"{where}：{zh}", f"{where_en}: {en}")

    def conform(self, new: Any, template: Any, path: list[str]) -> Any:
        if isinstance(template, bool):
            if not isinstance(new, bool):
                raise self.error(path, "应为 true（是）或 false（否）", "expected true or false")
            return new
        if isinstance(template, Decimal):
            return self.number(new, path)
        if isinstance(template, str):
            if not isinstance(new, str) or not new.strip():
                raise self.error(path, f"应为文字（现值为“{template}”）", f"expected text (now {template!r})")
            return new.strip()
        if isinstance(template, dict):
            return self.mapping(new, template, path)
        if isinstance(template, tuple):
            return self.sequence(new, template, path)
        raise self.error(path, "该参数不能在此修改", "this parameter cannot be changed here")

    def number(self, new: Any, path: list[str]) -> Decimal:
        if isinstance(new, bool) or not isinstance(new, (Decimal, int, float)):
            raise self.error(path, f"应为数值，不是{_kind(new)}", f"expected a number, not {type(new).__name__}")
        value = new if isinstance(new, Decimal) else Decimal(str(new))
        if not value.is_finite():
            raise self.error(path, "应为有限的数值", "expected a finite number")
        if value < 0:
            raise self.error(path, "不能为负数", "must not be negative")
        if any(w.endswith(RATE_WORDS) for w in self.name.split(".") + path) and value > 1:
            raise self.error(path, f"比例应为 0 到 1 之间的小数（0.80 表示 80%），不是 {_number_text(value)}",
                             f"a rate is a fraction between 0 and 1 (0.80 = 80%), not {value}")
        return value

    def mapping(self, new: Any, template: dict, path: list[str]) -> dict:
        wanted = "、".join(str(k) if _label(k) in (str(k), f"{k}级") else f"{k}（{_label(k)}）" for k in template)
        if not isinstance(new, dict):
            raise self.error(path, f"应按项目填写，项目为 {wanted}（现值 {encode(template)}）",
                             f"expected a mapping with keys {', '.join(map(str, template))}")
        keys = {str(k): k for k in template}
        out: dict[Any, Any] = {}
        for k, v in new.items():
            key = keys.get(str(k).strip())
            if key is None:
                raise self.error(path, f"没有“{k}”这一项；应有的项：{wanted}", f"unknown key {k!r}; keys: {', '.join(keys)}")
            out[key] = v
        missing = [str(k) for k in template if k not in out]
        if missing:
            raise self.error(path, f"缺少“{'、'.join(missing)}”；应有的项：{wanted}", f"missing keys: {', '.join(missing)}")
        # a mapping to text (identity → class, alias → disease) takes only texts it already uses
        texts = list(dict.fromkeys(v for v in template.values() if isinstance(v, str)))
        closed = bool(texts) and all(isinstance(v, str) for v in template.values())
        result = {}
        for key in template:
            value = self.conform(out[key], template[key], path + [str(key)])
            if closed and value not in texts:
                raise self.error(path + [str(key)], f"应为以下之一：{'、'.join(texts)}",
                                 f"expected one of {', '.join(texts)}")
            result[key] = value
        return result

    def sequence(self, new: Any, template: tuple, path: list[str]) -> tuple:
        if not isinstance(new, (list, tuple)):
            raise self.error(path, f"应为列表 [ … ]（现值 {encode(template)}）", "expected a list [...]")
        if template and not new:
            raise self.error(path, "列表不能为空", "the list must not be empty")
        if not template:
            return tuple(new)
        out = tuple(self.conform(v, template[0], path + [f"[{i}]"]) for i, v in enumerate(new))
        if all(isinstance(v, str) for v in template):
            for vocabulary, what in ((KINDS, "就诊类型"), (IDENTITIES, "身份")):
                if all(v in vocabulary for v in template):
                    wrong = [v for v in out if v not in vocabulary]
                    if wrong:
                        raise self.error(path, f"“{wrong[0]}”不是{what}代码；可选：{'、'.join(vocabulary)}",
                                         f"{wrong[0]!r} is not a known code; use: {', '.join(vocabulary)}")
            repeated = sorted({v for v in out if out.count(v) > 1})
            if repeated:
                raise self.error(path, f"“{repeated[0]}”重复", f"{repeated[0]!r} appears twice")
        if all(isinstance(v, dict) and "from" in v for v in out):
            starts = [v["from"] for v in out]
            if any(b <= a for a, b in zip(starts, starts[1:])):
                raise self.error(path, "各段起点（from）应从小到大排列", "the bands' starts (from) must increase")
        return out


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return f"文字“{value}”"
    if isinstance(value, dict):
        return "按项目填写的值"
    if isinstance(value, (list, tuple)):
        return "列表"
    if isinstance(value, bool):
        return "是/否"
    return type(value).__name__


# ---- reading ------------------------------------------------------------------------------

def format_value(name: str, value: Any) -> str:
    """A compact readable text: rates as percentages, codes by their Chinese names."""
    return _fmt(value, name.split("."), 0)


def _fmt(value: Any, words: list[str], depth: int) -> str:
    if value is None:
        return "停止执行"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        if _is_fraction(words):
            return _number_text((value * 100).normalize()) + "%"
        return _number_text(value.normalize()) if value == value.to_integral_value() else _number_text(value)
    if isinstance(value, str):
        return KEY_LABELS.get(value, value)
    if isinstance(value, (list, tuple)):
        return "、".join(_fmt(v, words, depth + 1) for v in value) or "（空）"
    if isinstance(value, dict):
        if set(value) == {"from", "rate"}:
            return f"{_fmt(value['from'], words + ['from'], depth + 1)}起 {_fmt(value['rate'], words + ['rate'], depth + 1)}"
        if depth == 0:
            return "；".join(f"{_label(k)}：{_fmt(v, words + [str(k)], depth + 1)}" for k, v in value.items())
        return "、".join(f"{_label(k)} {_fmt(v, words + [str(k)], depth + 1)}" for k, v in value.items())
    return str(value)


def _template(book: PolicyBook, region: str, name: str, day: dt.date) -> Any:
    """The value a new one must look like: the one in force on `day`, else the latest one."""
    try:
        value = book.params_for(region, day).values.get(name)
    except InputError:
        value = None
    if value is None:
        for entry in reversed(book.history(region, name)):
            if entry["value"] is not None:
                return entry["value"]
    return value


def _row(book: PolicyBook, r: dict, today: dt.date) -> dict[str, Any]:
    rb = book.regions.get(r["region"])
    p = rb.parameters.get(r["name"]) if rb else None
    value = typed_like(loads_value(r["value"]), book.file_template(r["region"], r["name"]))
    return {
        "id": r["id"], "region": r["region"], "region_name": REGIONS.get(r["region"], r["region"]),
        "name": r["name"], "description": p.description if p else "（文件中已无此参数）",
        "value": value, "value_json": encode(value), "value_text": format_value(r["name"], value),
        "valid_from": r["valid_from"], "reason": r["reason"], "operator": r["operator"],
        "created_at": r["created_at"], "in_force": r["valid_from"] <= today.isoformat(),
    }


def list_versions(store: Store, region: str | None = None, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The local versions stored, oldest first (of one region, or all)."""
    today = today or clock_today()
    book = store.book
    if region is not None:
        _region(region)
        rows = store.query("SELECT * FROM policy_versions WHERE region = ? ORDER BY id", (region,))
    else:
        rows = store.query("SELECT * FROM policy_versions ORDER BY id")
    return [_row(book, r, today) for r in rows]


def last_case_date(store: Store, region: str) -> dt.date | None:
    """The latest settlement date of the region's saved (non-void) cases."""
    rows = store.query("SELECT max(date) AS last FROM cases WHERE region = ? AND void = 0", (region,))
    return dt.date.fromisoformat(rows[0]["last"]) if rows and rows[0]["last"] else None


def earliest_valid_from(store: Store, region: str, *, today: dt.date | None = None) -> dt.date:
    """The first day a new version of the region's parameters may apply from."""
    today = today or clock_today()
    last = last_case_date(store, _region(region))
    return max(today, last + dt.timedelta(days=1)) if last else today


# ---- adding -------------------------------------------------------------------------------

def _region(region: str) -> str:
    return check_region(region, "REGION")


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError("valid_from", f"生效日期应为 YYYY-MM-DD：{value}", f"the start date must be YYYY-MM-DD: {value}") from None


def add_version(store: Store, region: str, name: str, value: Any, valid_from: Any, reason: str, operator: str,
                *, today: dt.date | None = None, check_only: bool = False) -> dict[str, Any]:
    """Store a new dated version of one parameter of one region, with an audit entry, and apply it.
    Refused (InputError, nothing changed) unless the region and parameter exist, the value has
    the shape of the current one, a reason is given, and valid_from is today or later and later
    than every saved case of the region. `check_only`: the checks only (nothing is written)."""
    today = today or clock_today()
    book = store.book
    rb = book.region(_region(region))
    p = rb.parameters.get(name)
    if p is None:
        close = difflib.get_close_matches(name, list(rb.parameters), n=3)
        hint = f"；是否是：{'、'.join(close)}" if close else ""
        raise InputError("NAME", f"{REGIONS[region]}没有参数“{name}”{hint}（参数名见“政策参数”页或 cases policy-list）",
                         f"{region} has no parameter {name!r}" + (f"; did you mean {', '.join(close)}" if close else ""))
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", "请填写调整原因（--reason），如依据的文件或通知", "a reason is required (--reason)")
    operator = (operator or "").strip()
    if not operator:
        raise InputError("operator", "请填写经办人（--operator 或在设置中指定）", "an operator is required (--operator)")
    day = _day(valid_from)
    if day < today:
        raise InputError("valid_from", f"生效日期 {day} 早于今天（{today}）：调整只能从今天或以后生效，已保存的案件不受影响",
                         f"the start date {day} is before today ({today}); a change applies from today on")
    core = rb.core_for(day)
    if core is None:
        first, last_day = rb.covered()
        raise InputError("valid_from", f"{day} 不在{REGIONS[region]}任何适用文件的施行期内（{first} 至 {last_day or '今'}）",
                         f"{day} is outside every document of {region}")
    if not any(d.document.in_force(day) for d in rb.definitions[name]):
        doc = p.document
        raise InputError("valid_from", f"{day} 不在{doc.label}的施行期内（{doc.valid_from} 至 {doc.valid_until or '今'}），"
                         "该日起此参数不再适用", f"{day} is outside the period of {doc.key}")
    template = _template(book, region, name, day)
    new = _Shape(region, name).conform(value, template, [])
    try:
        current = book.params_for(region, day).values.get(name)
    except InputError:
        current = None
    if current is not None and new == current:
        raise InputError("VALUE", f"新值与 {day} 适用的现值相同（{format_value(name, current)}），无需调整",
                         "the new value equals the value in force on that day")
    if check_only:   # a change awaiting a second account's approval (engine/store/review.py): checked, not stored
        return {"value": new, "valid_from": day, "reason": reason}
    with store.write() as db:
        last = last_case_date(store, region)
        if last is not None and day <= last:
            raise InputError(
                "valid_from",
                f"生效日期 {day} 不晚于{REGIONS[region]}已保存案件的最晚结算日期 {last}：已保存的案件重算台账时会用到新值，"
                f"改变过去的结果。请选择 {max(today, last + dt.timedelta(days=1))} 或以后的日期",
                f"the start date {day} is not after the latest saved case of {region} ({last}); saved cases would be "
                f"replayed with the new value; choose {max(today, last + dt.timedelta(days=1))} or later")
        at = now()
        version_id = db["policy_versions"].insert({
            "region": region, "name": name, "value": encode(new), "valid_from": day.isoformat(),
            "reason": reason, "operator": operator, "created_at": at}).last_pk
        old = format_value(name, current) if current is not None else "无"
        audit(db, operator, "policy",
              f"政策参数调整：{REGIONS[region]} {name}（{p.description}）自 {day} 起由 {old} 改为 "
              f"{format_value(name, new)}；原因：{reason}", at=at)
    return next(v for v in list_versions(store, region, today=today) if v["id"] == version_id)


def checked_value(book: PolicyBook, region: str, name: str, value: Any, day: dt.date) -> Any:
    """A value for `name` of `region` from `day` as add_version would take it (the region and the
    parameter exist, in force that day, the value shaped like the current one), without storing it:
    a what-if's change (engine/whatif.py)."""
    rb = book.region(_region(region))
    if name not in rb.parameters:
        close = difflib.get_close_matches(name, list(rb.parameters), n=3)
        hint = f"；是否是：{'、'.join(close)}" if close else ""
        raise InputError("PARAM", f"{REGIONS[region]}没有参数“{name}”{hint}（参数名见“政策参数”页或 cases policy-list）",
                         f"{region} has no parameter {name!r}" + (f"; did you mean {', '.join(close)}" if close else ""))
    if not any(d.document.in_force(day) for d in rb.definitions[name]):
        raise InputError("--from", f"{day} 不在{REGIONS[region]}“{name}”所属文件的施行期内，该日起此参数不适用",
                         f"{day} is outside the period of the document of {region} {name}")
    return _Shape(region, name).conform(value, _template(book, region, name, day), [])
