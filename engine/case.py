"""The input of one case, validated: every field checked, each error naming its field."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from . import validate
from .errors import InputError
from .money import CENT, ZERO
from .region_registry import REGIONS
from .validate import shown

IDENTITIES = {
    "extreme_poverty": "特困人员",
    "orphan": "孤儿",
    "unsupported_child": "事实无人抚养儿童",
    "subsistence": "低保对象",
    "relapsed_poverty": "返贫致贫人口",
    "subsistence_edge": "低保边缘家庭成员",
    "monitored_rural": "纳入监测范围的农村易返贫致贫人口",
    "stable_exit": "稳定脱贫人口",
    "illness_impoverished": "因病致贫重病患者",
    "veteran_priority": "在乡重点优抚对象",
    "severe_disability": "城乡重度残疾人员",
    "other_special": "其他特殊困难人员",
}

KINDS = {
    "inpatient": "住院",
    "outpatient_chronic": "门诊慢性病（慢特病）",
    "outpatient_special": "门诊特殊疾病",
    "outpatient_general": "普通门诊",
    "special_drug": "大病保险特药",
    "rare_disease": "罕见病指定药品及治疗性食品",
}

INSURANCE = {"resident": "城乡居民医保", "employee": "职工医保", "none": "未参保"}

FLAGS = {
    "tilt_applied": "已申请倾斜/托底救助",
    "poverty_risk": "有返贫致贫风险",
    "lookback": "依申请一次性救助",
    "cancer_chemo": "恶性肿瘤放化疗",
    "drg": "单病种定额/按床日付费",
    "long_term_care": "需院外维持治疗的重残重病人员",
}

_TOP = {"region", "date", "person", "visit", "amounts", "flags"}
_PERSON = {"id_number", "name", "birth_date", "identities", "insurance", "rural"}
_VISIT = {"kind", "hospital_level", "referral", "in_province", "in_district", "diseases"}
_AMOUNTS = {"total", "policy_scope", "basic_paid", "critical_paid", "assistance_paid"}
_FLAGS = frozenset(FLAGS)
_NO_FLAGS: frozenset[str] = frozenset()


@dataclass(slots=True)
class Case:
    """One case's input, checked (parse_case). Never changed once made: a changed case is a copy
    (`dataclasses.replace`), and no code assigns to a case's field (tests/engine/test_case_fields.py
    reads the engine for it). Not `frozen`: a frozen dataclass sets each of its 21 fields through
    `object.__setattr__`, three times the cost of making the case (a year of cases makes one for each),
    and a named tuple's fields are slower to read for the rules."""
    region: str
    date: dt.date
    id_number: str | None
    name: str | None
    birth_date: dt.date | None
    age: int | None
    identities: tuple[str, ...]
    insurance: str
    rural: bool
    kind: str
    hospital_level: int | None
    referral: bool
    in_province: bool
    in_district: bool
    diseases: tuple[str, ...]
    total: Decimal
    policy_scope: Decimal
    basic_paid: Decimal | None
    critical_paid: Decimal | None
    flags: frozenset[str]
    assistance_paid: Decimal = ZERO     # 医疗救助 already paid at the hospital (一站式结算, the slip's maf_pay)

    @property
    def year(self) -> int:
        return self.date.year


def _bad(field: str, zh: str, en: str) -> InputError:
    return InputError(field, zh, en)


def _mapping(value: Any, field: str, allowed: set[str] | frozenset[str]) -> dict:
    if value is None:
        return {}
    if type(value) is dict and value.keys() <= allowed:
        return value
    if not isinstance(value, dict):
        raise _bad(field, "应为对象（JSON {…}）", "must be a JSON object")
    extra = sorted(str(k) for k in set(value) - allowed)
    if extra:
        key = shown(extra[0])
        raise _bad(f"{field}.{key}" if field else key,
                   f"无此字段“{key}”，可用字段：{'、'.join(sorted(allowed))}",
                   f"unknown field {key!r}; allowed: {', '.join(sorted(allowed))}")
    return value


def _bool(value: Any, field: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _bad(field, "应为 true 或 false", "must be true or false")
    return value


def _date(value: Any, field: str, stored: bool = False) -> dt.date:
    if stored and isinstance(value, str):  # a stored case was checked when saved: read it as then
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    return validate.date(value, field)


def parse_amount(value: Any, field: str) -> Decimal:
    """A non-negative amount in yuan, to the fen (validate.amount: strings of ASCII digits or JSON integers)."""
    return validate.amount(value, field)


def _stored_amount(value: Any, field: str) -> Decimal:
    """An amount of a case already stored, read as the older, looser check accepted it
    ("5,5,0,0", "+5500", full-width digits): a stored row is never refused or rewritten."""
    try:
        return validate.amount(value, field)
    except InputError:
        pass
    try:
        amount = Decimal(value.strip().replace(",", "")) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise _unreadable(field, value) from None
    if not amount.is_finite() or not 0 <= amount <= validate.MAX_AMOUNT:
        raise _unreadable(field, value)
    amount = amount.quantize(CENT)
    return amount.copy_abs() if amount.is_zero() else amount  # never "-0.00"


def _unreadable(field: str, value: Any) -> InputError:
    return _bad(field, f"已保存的金额“{shown(value)}”无法读取", f"stored amount {shown(value)!r} cannot be read")


def _level(value: Any, stored: bool) -> int | None:
    """The hospital level 1, 2 or 3; 2.0 is 2. A stored case may hold it as the text "2.0"."""
    if value is None:
        return None
    if stored and isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            pass
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and value in (1, 2, 3):
        return int(value)
    raise _bad("visit.hospital_level", "医院等级应为 1、2 或 3（一级、二级、三级）", "hospital level must be 1, 2 or 3")


def check_id_number(value: Any, field: str) -> str:
    """An 18-digit resident identity number: format, birth date and checksum (GB 11643, python-stdnum).

    The area code is not checked against stdnum's dated county table: a person keeps the
    number of a county that has since been renamed or merged, and the window must serve them.
    """
    if not isinstance(value, str):
        raise _bad(field, "身份证号应为字符串", "ID number must be a string")
    reading = _read_id(value)
    if reading.birth is None:
        zh, en = reading.problem
        raise _bad(field, f"{zh}：{shown(value)}", f"{en}: {shown(value)}")
    return reading.number


class _IdReading(NamedTuple):
    number: str                         # compact: spaces gone, upper case
    birth: dt.date | None               # None: not a valid number, `problem` (zh, en) says why
    problem: tuple[str, str] = ("", "")


@lru_cache(maxsize=4096)
def _read_id(value: str) -> _IdReading:
    """An ID number's text checked once: a year's cases repeat one person's number."""
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError
    from stdnum.util import isdigits

    number = ric.compact(value)
    if len(number) != 18:
        problem = "身份证号应为18位", "ID number must have 18 characters"
    elif not isdigits(number[:-1]) or not (isdigits(number[-1]) or number[-1] == "X"):
        problem = "身份证号格式不正确（17位数字加一位数字或X）", "ID number format is wrong (17 digits and a digit or X)"
    elif number[-1] != ric.calc_check_digit(number):
        problem = "身份证号校验位不正确，请逐位核对", "ID number checksum is wrong; check each digit"
    else:
        try:
            return _IdReading(number, ric.get_birth_date(number))
        except ValidationError:
            problem = "身份证号中的出生日期无效，请核对", "ID number has an invalid birth date"
    return _IdReading(number, None, problem)


def birth_from_id(id_number: str) -> dt.date:
    birth = _read_id(id_number).birth
    if birth is not None:
        return birth
    from stdnum.cn import ric

    return ric.get_birth_date(id_number)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def sex_from_id(id_number: str) -> str:
    """GB 11643: the 17th digit is odd for men, even for women."""
    return "男" if int(id_number[16]) % 2 else "女"


def mask_id(id_number: str | None) -> str:
    """An ID number as lists and receipts show it: the first 6 and last 4 characters."""
    if not id_number:
        return ""
    if len(id_number) <= 10:
        return id_number[:2] + "*" * (len(id_number) - 2)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def parse_case(raw: Any, *, stored: bool = False) -> Case:
    """Validate one CASE (case-format.md); raise InputError naming the first bad field.

    `stored`: the input of a case already saved, read leniently as the checks of its day
    accepted it (amounts, dates and the hospital level in older forms; the name as stored)."""
    if not isinstance(raw, dict):
        raise _bad("", "输入应为一个案件对象或 {\"cases\": [...]}", 'input must be a case object or {"cases": [...]}')
    top = _mapping(raw, "", _TOP)
    region = validate.code(top.get("region"), "region", REGIONS, "地区")
    if "date" not in top:
        raise _bad("date", "缺少结算日期（出院结算日期，YYYY-MM-DD）", "settlement date is required (YYYY-MM-DD)")
    day = _date(top["date"], "date", stored)

    person = _mapping(top.get("person"), "person", _PERSON)
    id_number = person.get("id_number")
    if id_number is not None and id_number != "":
        id_number = check_id_number(id_number, "person.id_number")
    else:
        id_number = None
    name = person.get("name")
    if name is not None:
        if stored and isinstance(name, str) and name.strip():
            name = name.strip()  # a stored name is never re-validated
        else:
            name = validate.person_name(name, "person.name")
    birth = person.get("birth_date")
    birth = _date(birth, "person.birth_date", stored) if birth is not None else None
    if id_number:
        id_birth = birth_from_id(id_number)
        if birth is not None and birth != id_birth:
            raise _bad("person.birth_date", f"出生日期 {birth} 与身份证号中的 {id_birth} 不一致，请核对",
                       f"birth date {birth} differs from the ID number's {id_birth}")
        birth = id_birth
    if birth is not None and birth > day:
        raise _bad("person.birth_date", "出生日期晚于结算日期，请核对", "birth date is after the settlement date")
    identities = person.get("identities", [])
    if not isinstance(identities, list):
        raise _bad("person.identities", "身份应为列表（如 [\"subsistence\"]）", 'identities must be a list such as ["subsistence"]')
    for i, code in enumerate(identities):
        validate.code(code, f"person.identities[{i}]", IDENTITIES, "身份代码")
    insurance = validate.code(person.get("insurance", "resident"), "person.insurance", INSURANCE, "参保类型")
    rural = _bool(person.get("rural"), "person.rural", False)

    visit = _mapping(top.get("visit"), "visit", _VISIT)
    kind = validate.code(visit.get("kind"), "visit.kind", KINDS, "就诊类型")
    level = _level(visit.get("hospital_level"), stored)
    if kind == "inpatient" and level is None:
        raise _bad("visit.hospital_level", "住院须填写医院等级（1、2 或 3）", "an inpatient stay needs the hospital level (1, 2 or 3)")
    in_province = _bool(visit.get("in_province"), "visit.in_province", True)
    in_district = _bool(visit.get("in_district"), "visit.in_district", in_province)
    if in_district and not in_province:
        raise _bad("visit.in_district", "区（县）内就医必然在省内：in_district 为 true 时 in_province 不能为 false",
                   "care in the district is in the province: in_district true needs in_province true")
    diseases = visit.get("diseases", [])
    if not isinstance(diseases, list) or (diseases and not all(isinstance(d, str) for d in diseases)):
        raise _bad("visit.diseases", "病种应为文字列表（如 [\"尿毒症\"]）", 'diseases must be a list of names such as ["尿毒症"]')
    if not stored:
        for i, d in enumerate(diseases):
            if d.strip():
                validate.free_text(d, f"visit.diseases[{i}]", "病种名称", limit=60)

    amounts = _mapping(top.get("amounts"), "amounts", _AMOUNTS)
    money = _stored_amount if stored else validate.amount
    for key in ("total", "policy_scope"):
        if key not in amounts:
            raise _bad(f"amounts.{key}", "缺少此金额，请按结算单填写", "this amount is required; take it from the settlement slip")
    total = money(amounts["total"], "amounts.total")
    scope = money(amounts["policy_scope"], "amounts.policy_scope")
    if scope > total:
        raise _bad("amounts.policy_scope", f"政策范围内费用 {scope} 不能大于医疗总费用 {total}，请核对结算单",
                   f"policy_scope {scope} exceeds total {total}; check the settlement slip")
    basic = money(amounts["basic_paid"], "amounts.basic_paid") if amounts.get("basic_paid") is not None else None
    critical = money(amounts["critical_paid"], "amounts.critical_paid") if amounts.get("critical_paid") is not None else None

    paid_here = (money(amounts["assistance_paid"], "amounts.assistance_paid")
                 if amounts.get("assistance_paid") is not None else ZERO)

    flags_raw = _mapping(top.get("flags"), "flags", _FLAGS)
    flags = frozenset(k for k, v in flags_raw.items() if _bool(v, f"flags.{k}", False)) if flags_raw else _NO_FLAGS

    if insurance == "none":
        for key, value in (("basic_paid", basic), ("critical_paid", critical)):
            if value is not None and value != ZERO:
                raise _bad(f"amounts.{key}", "未参保人员没有基本医保和大病保险支付，此项应为 0 或不填",
                           "an uninsured person has no insurance payment; leave it out or give 0")
        basic = critical = ZERO
    limit = total if "drg" in flags else scope
    paid = (basic or ZERO) + (critical or ZERO)
    if paid > limit:
        what = "医疗总费用" if "drg" in flags else "政策范围内费用"
        field = "amounts.critical_paid" if critical else "amounts.basic_paid"
        raise _bad(field, f"基本医保与大病保险已支付 {paid} 超过{what} {limit}，请核对结算单",
                   f"basic + critical paid {paid} exceeds {'total' if 'drg' in flags else 'policy_scope'} {limit}; check the slip")
    validate.assistance_paid(paid_here, scope, basic, critical)

    return Case(
        region=region, date=day, id_number=id_number, name=name or None,
        birth_date=birth, age=age_on(birth, day) if birth else None,
        identities=tuple(dict.fromkeys(identities)), insurance=insurance, rural=rural,
        kind=kind, hospital_level=level,
        referral=_bool(visit.get("referral"), "visit.referral", True),
        in_province=in_province, in_district=in_district,
        diseases=tuple(d.strip() for d in diseases if d.strip()) if diseases else (),
        total=total, policy_scope=scope, basic_paid=basic, critical_paid=critical, flags=flags,
        assistance_paid=paid_here,
    )


def normalised(raw: dict, case: Case) -> dict:
    """The input as a save stores it: the values parsing accepted, in their one written form
    ("hospital_level": 2.0 → 2, "5,500" → "5500.00", names and dates trimmed). Fields the
    input left out stay out; anything else is kept as given."""
    out = {**raw}
    out["region"], out["date"] = case.region, case.date.isoformat()
    if isinstance(raw.get("person"), dict):
        person = out["person"] = {**raw["person"]}
        for key, value in (("id_number", case.id_number), ("name", case.name),
                           ("birth_date", case.birth_date.isoformat() if case.birth_date else None)):
            if person.get(key) not in (None, ""):
                person[key] = value
        if "identities" in person:
            person["identities"] = list(case.identities)
    if isinstance(raw.get("visit"), dict):
        visit = out["visit"] = {**raw["visit"]}
        if visit.get("hospital_level") is not None:
            visit["hospital_level"] = case.hospital_level
        if "diseases" in visit:
            visit["diseases"] = list(case.diseases)
    if isinstance(raw.get("amounts"), dict):
        amounts = out["amounts"] = {**raw["amounts"]}
        given = {"total": case.total, "policy_scope": case.policy_scope, "basic_paid": case.basic_paid,
                 "critical_paid": case.critical_paid, "assistance_paid": case.assistance_paid}
        for key, value in given.items():
            if amounts.get(key) is not None:
                amounts[key] = f"{value:.2f}"
    return out
