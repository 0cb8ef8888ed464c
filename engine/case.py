"""The input of one case, validated: every field checked, each error naming its field."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InputError
from .money import CENT, ZERO
from .region_registry import check_region

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
_AMOUNTS = {"total", "policy_scope", "basic_paid", "critical_paid"}
_MAX_AMOUNT = Decimal("100000000")


@dataclass(frozen=True, slots=True)
class Case:
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

    @property
    def year(self) -> int:
        return self.date.year


def _bad(field: str, zh: str, en: str) -> InputError:
    return InputError(field, zh, en)


def _mapping(value: Any, field: str, allowed: set[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad(field, "应为对象（JSON {…}）", "must be a JSON object")
    extra = sorted(set(value) - allowed)
    if extra:
        raise _bad(f"{field}.{extra[0]}" if field else extra[0],
                   f"无此字段“{extra[0]}”，可用字段：{'、'.join(sorted(allowed))}",
                   f"unknown field {extra[0]!r}; allowed: {', '.join(sorted(allowed))}")
    return value


def _bool(value: Any, field: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _bad(field, "应为 true 或 false", "must be true or false")
    return value


def _date(value: Any, field: str) -> dt.date:
    if not isinstance(value, str):
        raise _bad(field, "应为日期字符串，格式 YYYY-MM-DD", "must be a date string YYYY-MM-DD")
    try:
        if len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _bad(field, f"“{value}”不是有效日期，格式应为 YYYY-MM-DD（如 2023-05-10）",
                   f"{value!r} is not a valid date YYYY-MM-DD") from None


def parse_amount(value: Any, field: str) -> Decimal:
    """A non-negative amount in yuan with at most two decimals, from a string or JSON number."""
    if isinstance(value, bool) or value is None:
        raise _bad(field, "应为金额（如 \"1234.50\"）", 'must be an amount such as "1234.50"')
    if isinstance(value, float):
        raise _bad(field, "金额请写成字符串（如 \"1234.50\"），以免精度丢失", 'write amounts as strings such as "1234.50"')
    if isinstance(value, (int, Decimal)):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise _bad(field, f"“{value}”不是金额，请填写数字（如 1234.50）",
                       f"{value!r} is not an amount; use digits such as 1234.50") from None
    else:
        raise _bad(field, "应为金额（如 \"1234.50\"）", 'must be an amount such as "1234.50"')
    if not amount.is_finite():
        raise _bad(field, "金额必须是有限数字", "amount must be a finite number")
    if amount < 0:
        raise _bad(field, f"金额不能为负数（{value}），请核对结算单", f"amount cannot be negative ({value})")
    if amount != amount.quantize(CENT):
        raise _bad(field, f"金额最多两位小数（{value}），请按结算单填写到分",
                   f"amount has more than two decimals ({value}); give it to the fen")
    if amount > _MAX_AMOUNT:
        raise _bad(field, f"金额 {value} 超过一亿元，请核对", f"amount {value} exceeds 100,000,000; check it")
    return amount.quantize(CENT)


def check_id_number(value: Any, field: str) -> str:
    """An 18-digit resident identity number: format, birth date and checksum (GB 11643, python-stdnum).

    The area code is not checked against stdnum's dated county table: a person keeps the
    number of a county that has since been renamed or merged, and the window must serve them.
    """
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError
    from stdnum.util import isdigits

    if not isinstance(value, str):
        raise _bad(field, "身份证号应为字符串", "ID number must be a string")
    number = ric.compact(value)
    if len(number) != 18:
        zh, en = "身份证号应为18位", "ID number must have 18 characters"
    elif not isdigits(number[:-1]) or not (isdigits(number[-1]) or number[-1] == "X"):
        zh, en = "身份证号格式不正确（17位数字加一位数字或X）", "ID number format is wrong (17 digits and a digit or X)"
    elif number[-1] != ric.calc_check_digit(number):
        zh, en = "身份证号校验位不正确，请逐位核对", "ID number checksum is wrong; check each digit"
    else:
        try:
            ric.get_birth_date(number)
            return number
        except ValidationError:
            zh, en = "身份证号中的出生日期无效，请核对", "ID number has an invalid birth date"
    raise _bad(field, f"{zh}：{value}", f"{en}: {value}")


def birth_from_id(id_number: str) -> dt.date:
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


def parse_case(raw: Any) -> Case:
    """Validate one CASE (case-format.md); raise InputError naming the first bad field."""
    top = _mapping(raw, "", _TOP)
    if not isinstance(raw, dict):
        raise _bad("", "输入应为一个案件对象或 {\"cases\": [...]}", 'input must be a case object or {"cases": [...]}')
    region = check_region(top.get("region"))
    if "date" not in top:
        raise _bad("date", "缺少结算日期（出院结算日期，YYYY-MM-DD）", "settlement date is required (YYYY-MM-DD)")
    day = _date(top["date"], "date")

    person = _mapping(top.get("person"), "person", _PERSON)
    id_number = person.get("id_number")
    if id_number is not None and id_number != "":
        id_number = check_id_number(id_number, "person.id_number")
    else:
        id_number = None
    name = person.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise _bad("person.name", "姓名应为非空文字", "name must be non-empty text")
    birth = person.get("birth_date")
    birth = _date(birth, "person.birth_date") if birth is not None else None
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
        if code not in IDENTITIES:
            raise _bad(f"person.identities[{i}]", f"未知身份代码“{code}”，可选：{'、'.join(IDENTITIES)}",
                       f"unknown identity {code!r}; use one of {', '.join(IDENTITIES)}")
    insurance = person.get("insurance", "resident")
    if insurance not in INSURANCE:
        raise _bad("person.insurance", f"参保类型“{insurance}”无效，可选：resident（城乡居民）、employee（职工）、none（未参保）",
                   f"insurance {insurance!r} is invalid; use resident, employee or none")
    rural = _bool(person.get("rural"), "person.rural", False)

    visit = _mapping(top.get("visit"), "visit", _VISIT)
    kind = visit.get("kind")
    if kind not in KINDS:
        raise _bad("visit.kind", f"未知就诊类型“{kind}”，可选：{'、'.join(KINDS)}",
                   f"unknown visit kind {kind!r}; use one of {', '.join(KINDS)}")
    level = visit.get("hospital_level")
    if level is not None and (isinstance(level, bool) or level not in (1, 2, 3)):
        raise _bad("visit.hospital_level", "医院等级应为 1、2 或 3（一级、二级、三级）", "hospital level must be 1, 2 or 3")
    if kind == "inpatient" and level is None:
        raise _bad("visit.hospital_level", "住院须填写医院等级（1、2 或 3）", "an inpatient stay needs the hospital level (1, 2 or 3)")
    in_province = _bool(visit.get("in_province"), "visit.in_province", True)
    in_district = _bool(visit.get("in_district"), "visit.in_district", in_province)
    if in_district and not in_province:
        raise _bad("visit.in_district", "区（县）内就医必然在省内：in_district 为 true 时 in_province 不能为 false",
                   "care in the district is in the province: in_district true needs in_province true")
    diseases = visit.get("diseases", [])
    if not isinstance(diseases, list) or not all(isinstance(d, str) for d in diseases):
        raise _bad("visit.diseases", "病种应为文字列表（如 [\"尿毒症\"]）", 'diseases must be a list of names such as ["尿毒症"]')

    amounts = _mapping(top.get("amounts"), "amounts", _AMOUNTS)
    for key in ("total", "policy_scope"):
        if key not in amounts:
            raise _bad(f"amounts.{key}", "缺少此金额，请按结算单填写", "this amount is required; take it from the settlement slip")
    total = parse_amount(amounts["total"], "amounts.total")
    scope = parse_amount(amounts["policy_scope"], "amounts.policy_scope")
    if scope > total:
        raise _bad("amounts.policy_scope", f"政策范围内费用 {scope} 不能大于医疗总费用 {total}，请核对结算单",
                   f"policy_scope {scope} exceeds total {total}; check the settlement slip")
    basic = parse_amount(amounts["basic_paid"], "amounts.basic_paid") if amounts.get("basic_paid") is not None else None
    critical = parse_amount(amounts["critical_paid"], "amounts.critical_paid") if amounts.get("critical_paid") is not None else None

    flags_raw = _mapping(top.get("flags"), "flags", set(FLAGS))
    flags = frozenset(k for k, v in flags_raw.items() if _bool(v, f"flags.{k}", False))

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

    return Case(
        region=region, date=day, id_number=id_number, name=name.strip() if name else None,
        birth_date=birth, age=age_on(birth, day) if birth else None,
        identities=tuple(dict.fromkeys(identities)), insurance=insurance, rural=rural,
        kind=kind, hospital_level=level,
        referral=_bool(visit.get("referral"), "visit.referral", True),
        in_province=in_province, in_district=in_district,
        diseases=tuple(d.strip() for d in diseases if d.strip()),
        total=total, policy_scope=scope, basic_paid=basic, critical_paid=critical, flags=flags,
    )
