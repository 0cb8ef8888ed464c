"""One plain sentence a clerk can read aloud to the resident, at the top of the result page and
of the receipt: what the bill was, what insurance and assistance cover, what the resident pays,
and what the office pays them now and how."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .case import parse_case

INSURANCE = (("basic", "基本医保报销"), ("critical", "大病保险报销"))
ASSISTANCE = (("assistance", "医疗救助"), ("tilt", "倾斜救助"))
PENDING = "审核后发放"


def _yuan(value: Any) -> str:
    return f"{Decimal(str(value)):.2f} 元"


def plain_sentence(case_input: dict[str, Any], result: dict[str, Any], *, office: str = "",
                   payment_method: str | None = None) -> str:
    """E.g. "医疗总费用 5500.00 元，其中基本医保报销 3500.00 元、医疗救助 1200.00 元，您个人负担 800.00 元；
    城关镇医保站本次应支付您 1200.00 元（医疗救助），审核后发放。" Where the hospital already paid 医疗救助
    (amounts.assistance_paid), the sentence says so before what the office pays now (to_pay). `payment_method` is how the payment
    was made once one is recorded (e.g. "已转入社保卡"); without it the money is paid after review."""
    total = parse_case(case_input).total
    pay = result["payouts"]
    covered = [f"{label} {_yuan(pay[key])}" for key, label in (*INSURANCE, *ASSISTANCE) if Decimal(pay[key]) > 0]
    borne = Decimal(str(result.get("hospital_borne") or "0"))
    if borne > 0:
        covered.append(f"医疗机构承担 {_yuan(borne)}")
    text = f"医疗总费用 {_yuan(total)}，"
    text += ("其中" + "、".join(covered)) if covered else "医保和救助均未支付"
    text += f"，您个人负担 {_yuan(result['out_of_pocket'])}；"
    hospital_paid = Decimal(str((case_input.get("amounts") or {}).get("assistance_paid") or "0"))
    still = {"assistance": max(Decimal(pay["assistance"]) - hospital_paid, Decimal("0")), "tilt": Decimal(pay["tilt"])}
    office_pays = [(label, still[key]) for key, label in ASSISTANCE if still[key] > 0]
    due = Decimal(str(result["to_pay"])) if result.get("to_pay") is not None else sum(
        (amount for _, amount in office_pays), Decimal("0"))
    who = office or "经办机构"
    if hospital_paid > 0:
        text += f"医院结算时已支付医疗救助 {_yuan(hospital_paid)}（一站式结算），"
    if due > 0:
        parts = "、".join(label for label, _ in office_pays)
        text += f"{who}本次应支付您 {_yuan(due)}" + (f"（{parts}）" if parts else "")
        text += f"，{payment_method or PENDING}。"
    else:
        text += f"{who}本次没有需要支付给您的款项。"
    return text
