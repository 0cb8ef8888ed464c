"""Small rules shared by the regions: the payout shapes, caps, referral, scope.

The payout shapes are the documents' two formulas, written once; each region passes its document's own
nouns (the rule's name, what its base is called, how its threshold is worded), so a step reads as the
document does:

- `share`: this case's base × a rate, within yearly limits ("不设起付标准", 门诊 rules, 大额救助);
- `yearly_above`: the part of the year's accumulated base above a threshold × a rate, within yearly
  limits — a yearly 起付标准 ("起付标准以上部分") or "超过 X 元的部分" (policy-readings.md: met once a
  year, from the accumulated base; a 限额 limits the payout, never the base).

Each returns a `Payout` (what is paid, the amount before the limits, the step's text); the caller
records the step with its clauses and adds the payout to the ledger keys it uses.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..context import Ctx
from ..money import ZERO, fmt, min_cap, pct, portion_above, yuan

DEDUCTIBLE = "起付标准 {} 以上部分"   # 起付标准以上部分 (武政规 二、(四); 长春 第十一条; 渝府办发〔2022〕116号)
EXCESS = "超过 {} 的部分"            # 超过 X 元的部分 (威政办发 二、(三)3.; 21号 (六); 托底保障; 长春 第十四条(二))


@dataclass(slots=True)   # made for every payout of a bulk run: a slotted class is made fastest (a named tuple
class Limit:             # takes nearly twice as long, a frozen dataclass three times); nothing changes one
    """A yearly limit a payout stays within: its amount, the ledger key of what it has paid, its name."""
    amount: Decimal
    used: str
    name: str


@dataclass(slots=True)   # (as Limit)
class Payout:
    pay: Decimal    # what is paid, within the limits
    raw: Decimal    # rate × eligible base, rounded once (ROUND_HALF_UP)
    text: str       # the step, in the document's words ("" when the context does not explain)


def _title(rule: str, details: tuple[str, ...]) -> str:
    return f"{rule}（{'，'.join(details)}）" if details else rule


def _within(ctx: Ctx, raw: Decimal, limits: tuple[Limit, ...]) -> tuple[Decimal, str]:
    pay, notes = raw, ""
    for limit in limits:
        pay, note = capped(ctx, pay, limit.amount, limit.used, limit.name)
        notes += note
    return pay, notes


def share(ctx: Ctx, *, rule: str, details: tuple[str, ...] = (), base_noun: str, base: Decimal, rate: Decimal,
          rate_noun: str = "", limits: tuple[Limit, ...] = ()) -> Payout:
    """This case's base × a rate, within yearly limits: "{rule}（{details}）：{base_noun} B × r = R；{limit}…"."""
    raw = yuan(base * rate)
    pay, notes = _within(ctx, raw, limits)
    if not ctx.explain:
        return Payout(pay, raw, "")
    text = f"{_title(rule, details)}：{base_noun} {fmt(base)} × {rate_noun}{pct(rate)} = {fmt(raw)}{notes}"
    return Payout(pay, raw, text)


def yearly_above(ctx: Ctx, *, rule: str, details: tuple[str, ...] = (), base_noun: str, base: Decimal, key: str,
                 threshold: Decimal, above: str, rate: Decimal, limits: tuple[Limit, ...] = (),
                 base_note: str = "") -> Payout:
    """The part of the year's accumulated base (ledger `key`, this case's `base` added) above `threshold`,
    × a rate, within yearly limits. `above` words the threshold (DEDUCTIBLE or EXCESS). With no
    threshold (不设起付标准) the whole of this case's base counts."""
    before = ctx.view.add(key, base)
    if threshold <= 0:
        return share(ctx, rule=rule, details=details + ("不设起付标准",), base_noun=f"{base_noun}{base_note}",
                     base=base, rate=rate, limits=limits)
    part = portion_above(before, base, threshold)
    raw = yuan(part * rate)
    pay, notes = _within(ctx, raw, limits)
    if not ctx.explain:
        return Payout(pay, raw, "")
    met = ""
    if before >= threshold:   # so a pen can check it: the threshold was reached by the year's earlier cases
        met = "（已由本年度此前的案件达到）" if above == DEDUCTIBLE else "（本年度此前的案件已超过）"
    text = (f"{_title(rule, details)}：{base_noun}本次 {fmt(base)}{base_note}，年度累计 {fmt(before)} → "
            f"{fmt(before + base)}，{above.format(fmt(threshold) + met)} {fmt(part)} × {pct(rate)} = {fmt(raw)}{notes}")
    return Payout(pay, raw, text)


def capped(ctx: Ctx, raw: Decimal, limit: Decimal, used_key: str, what: str) -> tuple[Decimal, str]:
    """Limit a payout by what is left of a yearly limit; the text says so when it bites."""
    left = limit - ctx.view.get(used_key)
    pay = min_cap(raw, left)
    if pay < raw and ctx.explain:
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
