"""Small rules shared by the regions: caps, referral, scope."""
from __future__ import annotations

from decimal import Decimal

from ..context import Ctx
from ..money import ZERO, fmt, min_cap


def capped(ctx: Ctx, raw: Decimal, limit: Decimal, used_key: str, what: str) -> tuple[Decimal, str]:
    """Limit a payout by what is left of a yearly limit; the text says so when it bites."""
    left = limit - ctx.view.get(used_key)
    pay = min_cap(raw, left)
    if pay < raw:
        return pay, f"；{what} {fmt(limit)}，已用 {fmt(limit - max(left, ZERO))}，剩余 {fmt(max(left, ZERO))}，支付 {fmt(pay)}"
    return pay, ""


def referral_excluded(ctx: Ctx) -> bool:
    """未按规定转诊到区（县）外就医的费用，原则上不纳入医疗救助 (武汉, 长春)."""
    c = ctx.case
    if c.referral or c.in_district or not ctx.has("referral.required"):
        return False
    ctx.p("referral.required")
    ctx.step("assistance", "区（县）外就医未按规定转诊：所发生的医疗费用原则上不纳入医疗救助范围，医疗救助 0.00",
             ZERO, "referral.required")
    ctx.warnings.append("未按规定转诊到区（县）外就医：医疗救助原则上不予支付；如经办机构审核认定可纳入，请按规定另行处理。")
    return True


def out_of_scope(ctx: Ctx, source: str) -> None:
    from ..case import KINDS

    ctx.step("assistance", f"{KINDS[ctx.case.kind]}费用不在本地医疗救助的费用保障范围内，医疗救助 0.00", ZERO, source)


def no_class(ctx: Ctx) -> None:
    ctx.step("assistance", "无医疗救助对象身份（普通参保人员）：不享受医疗救助", ZERO, "classes")


def age_or_warn(ctx: Ctx) -> int | None:
    """Age on the settlement date; with none given, the person is taken as an adult and warned."""
    if ctx.case.age is None:
        msg = "未提供出生日期或身份证号，年龄无法确定，按成年人计算；如为儿童或高龄老人请补录。"
        if msg not in ctx.warnings:
            ctx.warnings.append(msg)
    return ctx.case.age


def disease_in(diseases: tuple[str, ...], names, aliases=None) -> str | None:
    for d in diseases:
        name = aliases.get(d, d) if aliases else d
        if name in names:
            return name
    return None
