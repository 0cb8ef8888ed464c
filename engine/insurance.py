"""Layers one and two: 基本医保 and 大病保险, taken from the slip or computed.

Computed amounts use each region's parameters; the ordinary basic-insurance and
大病保险 values are local (unverified) and every result using them says so.
The 大病保险 tilt for poor people is each document's own: halved deductible,
+5 points, no cap (武汉, 垫江, 长春), or 威海's bands for class A.
"""
from __future__ import annotations

from decimal import Decimal

from .breakdown import Notice
from .case import INSURANCE
from .context import Ctx
from .money import ONE, ZERO, fmt, min_cap, pct, portion_between, yuan

SLIP = "结算单"


def basic_layer(ctx: Ctx) -> Decimal:
    c = ctx.case
    if c.insurance == "none":
        ctx.step("basic", "未参加基本医疗保险：基本医保支付 0.00", ZERO, "参保状态：未参保")
        return ZERO
    ins = c.insurance
    used_key = f"basic.paid.{ins}"  # 职工 and 居民 are separate funds, each with its own yearly cap
    if c.basic_paid is not None:
        ctx.step("basic", lambda: f"基本医保支付（按结算单）= {fmt(c.basic_paid)}", c.basic_paid, SLIP)
        ctx.view.add(used_key, c.basic_paid)
        return c.basic_paid
    if c.kind == "inpatient":
        deductible = ctx.p("basic.inpatient.deductible")[ins][c.hospital_level]
        rate = ctx.p("basic.inpatient.rate")[ins][c.hospital_level]
        raw = yuan(max(c.policy_scope - deductible, ZERO) * rate)
        sources = ("basic.inpatient.deductible", "basic.inpatient.rate")
    else:
        deductible = None
        rate = ctx.p("basic.outpatient.rate")[ins][c.kind]
        raw = yuan(c.policy_scope * rate)
        sources = ("basic.outpatient.rate",)
    cap = ctx.p("basic.cap")[ins]
    left = cap - ctx.view.get(used_key)
    pay = capped = min_cap(raw, left)
    if c.critical_paid is not None:  # computed basic never pushes the slip's total above the scope
        pay = min(capped, max(c.policy_scope - c.critical_paid, ZERO))

    def text() -> str:
        if deductible is None:
            formula = f"基本医保：{fmt(c.policy_scope)} × {pct(rate)} = {fmt(raw)}"
        else:
            formula = (f"基本医保（{c.hospital_level}级医院）：({fmt(c.policy_scope)} − 起付标准 {fmt(deductible)})"
                       f" × {pct(rate)} = {fmt(raw)}")
        if capped < raw:
            formula += f"；受年度最高支付限额 {fmt(cap)} 所限（剩余 {fmt(max(left, ZERO))}），支付 {fmt(capped)}"
        if pay < capped:   # the slip's 大病保险 already covers part of the scope
            formula += (f"；不超过政策范围内费用 {fmt(c.policy_scope)} − 大病保险（按结算单）{fmt(c.critical_paid)}，"
                        f"支付 {fmt(pay)}")
        return formula
    ctx.step("basic", text, pay, *sources, "basic.cap")
    ctx.view.add(used_key, pay)
    ctx.cap("basic.cap", f"基本医保统筹基金年度最高支付限额（{INSURANCE[ins]}）", cap, used_key, "basic.cap")
    return pay


def _tilted(ctx: Ctx) -> bool:
    return ctx.identity is not None and ctx.has("critical.tilt.identities") and \
        ctx.identity in ctx.p("critical.tilt.identities")


RESIDENT_CHRONIC = "critical.tilt.resident_chronic_diseases"
ALL_DISEASES = "全部"
CHRONIC_KINDS = ("outpatient_chronic", "outpatient_special")


def _outside_resident_specific(ctx: Ctx) -> bool:
    """威海 二、(二): the tilted base counts "居民特定门诊慢特病费用". Which diseases are 特定 is not in the
    document: until a supervisor sets the list (an unverified parameter, default 全部) every resident
    门诊慢特病 counts and the result says so (policy-readings.md 威海). True: this case stays out of the base."""
    c = ctx.case
    if c.insurance != "resident" or c.kind not in CHRONIC_KINDS or not ctx.has(RESIDENT_CHRONIC) or not _tilted(ctx):
        return False
    listed = ctx.p(RESIDENT_CHRONIC)
    if ALL_DISEASES in listed:
        ctx.warnings.append(Notice("unverified", f"“居民特定门诊慢特病”的病种范围文件未载（{ctx.cite(RESIDENT_CHRONIC)}）：本次居民门诊慢特病费用已全部"
                                   "计入大病保险倾斜支付的年度基数；主管部门确定病种范围后，请在政策参数中设定并复核本年度案件。"))
        return False
    return not any(d in listed for d in c.diseases)


Bands = tuple[tuple[Decimal, Decimal], ...]


def critical_brackets(ctx: Ctx) -> tuple[Bands, Decimal | None, tuple[str, ...]]:
    """Bands (start, rate) for this person, the yearly cap (None: no cap) and their sources.

    An uninsured person is measured against the residents' scheme (武汉's 重特大 test needs a 起付线).
    The bands depend on the parameters alone: made once per parameter set (ParamSet.once).
    """
    ins = "resident" if ctx.case.insurance == "none" else ctx.case.insurance
    if _tilted(ctx):
        if ctx.has("critical.tilt.brackets"):
            rows = ctx.p("critical.tilt.brackets")[ins]
            bands = ctx.ps.once(("critical.tilt.brackets", ins), lambda: tuple((b["from"], b["rate"]) for b in rows))
            return bands, None, ("critical.tilt.brackets", "critical.tilt.no_cap")
        factor = ctx.p("critical.tilt.deductible_factor")
        points = ctx.p("critical.tilt.rate_points")
        rows = ctx.p("critical.brackets")[ins]
        bands = ctx.ps.once(("critical.tilt", ins), lambda: tuple(
            (yuan(b["from"] * factor) if i == 0 else b["from"], min(b["rate"] + points, ONE)) for i, b in enumerate(rows)))
        return bands, None, ("critical.brackets", "critical.tilt.deductible_factor",
                             "critical.tilt.rate_points", "critical.tilt.no_cap")
    rows = ctx.p("critical.brackets")[ins]
    bands = ctx.ps.once(("critical.brackets", ins), lambda: tuple((b["from"], b["rate"]) for b in rows))
    return bands, ctx.p("critical.cap")[ins], ("critical.brackets", "critical.cap")


def critical_deductible(ctx: Ctx) -> Decimal:
    """The 大病保险 起付线 that applies to this person (halved for the tilted classes)."""
    bands, _, _ = critical_brackets(ctx)
    return bands[0][0]


def critical_layer(ctx: Ctx) -> Decimal:
    c = ctx.case
    case_base = max(c.policy_scope - ctx.basic, ZERO)
    if c.insurance == "none":
        if c.kind in ctx.ps.values["critical.kinds"]:  # the year's compliant costs still count (武汉 重特大 test)
            ctx.view.add("critical.base", case_base)
        ctx.step("critical", "未参加基本医疗保险：大病保险支付 0.00", ZERO, "参保状态：未参保")
        return ZERO
    if c.kind == "special_drug" and ctx.has("special_drug.rate"):
        return _special_drug(ctx, case_base)
    # With the slip's amount, the (local) kinds list only decides what accumulates: not a computed amount.
    kinds = ctx.ps.values["critical.kinds"] if c.critical_paid is not None else ctx.p("critical.kinds")
    if c.kind in kinds and _outside_resident_specific(ctx):
        pay = c.critical_paid or ZERO
        diseases = "、".join(c.diseases) or "未填病种"
        ctx.step("critical", lambda: f"居民门诊慢特病（{diseases}）不在“居民特定门诊慢特病”病种范围内：不计入大病保险倾斜支付基数，"
                 f"大病保险{'支付（按结算单）' if c.critical_paid else '支付'} {fmt(pay)}",
                 pay, SLIP if c.critical_paid else RESIDENT_CHRONIC)
        ctx.view.add("critical.paid", pay)
        return pay
    if c.kind not in kinds:
        pay = c.critical_paid or ZERO
        ctx.step("critical", lambda: f"{'大病保险支付（按结算单）' if c.critical_paid else '该类费用不计入大病保险'}：{fmt(pay)}",
                 pay, SLIP if c.critical_paid else "critical.kinds")
        ctx.view.add("critical.paid", pay)
        return pay
    before = ctx.view.add("critical.base", case_base)
    if c.critical_paid is not None:
        ctx.step("critical", lambda: f"大病保险支付（按结算单）= {fmt(c.critical_paid)}；大病保险年度累计基数 "
                 f"{fmt(before)} + {fmt(case_base)} = {fmt(before + case_base)}", c.critical_paid, SLIP)
        ctx.view.add("critical.paid", c.critical_paid)
        return c.critical_paid
    bands, cap, sources = critical_brackets(ctx)
    parts, raw = [], ZERO
    for i, (start, rate) in enumerate(bands):
        end = bands[i + 1][0] if i + 1 < len(bands) else None
        part = portion_between(before, case_base, start, end)
        if part > 0:
            raw += part * rate
            parts.append((start, end, part, rate))
    raw = yuan(raw)
    pay = raw if cap is None else min_cap(raw, cap - ctx.view.get("critical.paid"))

    def text() -> str:
        who = "倾斜支付" if cap is None else "普惠待遇"
        head = (f"大病保险（{who}）：基数 = 政策范围内 {fmt(c.policy_scope)} − 基本医保 {fmt(ctx.basic)} = {fmt(case_base)}，"
                f"年度累计 {fmt(before)} → {fmt(before + case_base)}，起付线 {fmt(bands[0][0])}；")
        bands_text = "；".join(f"{_band(start, end)} 段 {fmt(part)} × {pct(rate)}" for start, end, part, rate in parts)
        body = f"{bands_text} = {fmt(raw)}" if parts else "未超过起付线，支付 0.00"
        if cap is None:
            return head + body + "（不设封顶线）"
        return head + body + (f"；受年度最高支付限额 {fmt(cap)} 所限，支付 {fmt(pay)}" if pay < raw else "")

    ctx.step("critical", text, pay, *sources)
    ctx.view.add("critical.paid", pay)
    if cap is not None:
        ctx.cap("critical.cap", "大病保险年度最高支付限额", cap, "critical.paid", "critical.cap")
    return pay


def _band(start: Decimal, end: Decimal | None) -> str:
    return f"{fmt(start)}–{fmt(end)}" if end is not None else f"{fmt(start)} 以上"


def _special_drug(ctx: Ctx, case_base: Decimal) -> Decimal:
    """威海 大病保险特药: no deductible, 80%, 400,000 a year, a track of its own."""
    c = ctx.case
    cap = ctx.p("special_drug.cap")
    if c.critical_paid is not None:
        pay = c.critical_paid
        ctx.step("critical", lambda: f"大病保险特药支付（按结算单）= {fmt(pay)}", pay, SLIP)
    else:
        rate = ctx.p("special_drug.rate")
        raw = yuan(case_base * rate)
        left = cap - ctx.view.get("special_drug.paid")
        pay = min_cap(raw, left)
        text = (f"大病保险特药（不设起付线）：({fmt(c.policy_scope)} − 基本医保 {fmt(ctx.basic)}) × {pct(rate)}"
                f" = {fmt(raw)}")
        if pay < raw:
            text += f"；受特药年度最高支付限额 {fmt(cap)} 所限，支付 {fmt(pay)}"
        ctx.step("critical", text, pay, "special_drug.rate", "special_drug.cap")
    ctx.view.add("special_drug.paid", pay)
    ctx.cap("special_drug.cap", "大病保险特药年度最高支付限额", cap, "special_drug.paid", "special_drug.cap")
    return pay


def assistance_base(ctx: Ctx) -> Decimal:
    """政策范围内个人自付 of this case: the base of 医疗救助 (policy-readings.md)."""
    c = ctx.case
    if c.insurance == "none" and ctx.has("uninsured.share"):
        share = ctx.p("uninsured.share")
        base = yuan(c.total * share)
        ctx.step("assistance", lambda: f"未参加基本医保：政策范围内自付 = 医疗总费用 {fmt(c.total)} × {pct(share)} = {fmt(base)}",
                 base, "uninsured.share")
        return base
    if "drg" in c.flags and ctx.has("drg.rule"):
        ctx.p("drg.rule")
        base = max(c.total - ctx.basic - ctx.critical, ZERO)
        ctx.step("assistance", lambda: f"单病种定额/按床日付费：政策范围内自付 = {fmt(c.total)} − {fmt(ctx.basic)} − "
                 f"{fmt(ctx.critical)} = {fmt(base)}", base, "drg.rule")
        return base
    base = max(c.policy_scope - ctx.basic - ctx.critical, ZERO)
    ctx.step("assistance", lambda: f"政策范围内个人自付 = {fmt(c.policy_scope)} − {fmt(ctx.basic)} − {fmt(ctx.critical)} = {fmt(base)}",
             base, "assistance.base")
    return base
