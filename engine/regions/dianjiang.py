"""垫江: 《垫江县健全重特大疾病医疗保险和救助制度实施细则（征求意见稿）》解读, with 渝府办发〔2022〕116号."""
from __future__ import annotations

from decimal import Decimal

from ..context import Ctx
from ..money import ZERO, fmt, pct, portion_above, yuan
from .common import age_or_warn, capped, disease_in, no_class, out_of_scope

OUTPATIENT = ("outpatient_general", "outpatient_chronic", "outpatient_special")


def _major_disease(ctx: Ctx) -> str | None:
    return disease_in(ctx.case.diseases, ctx.p("major_diseases"), ctx.p("major_diseases.aliases"))


def assist(ctx: Ctx) -> None:
    c = ctx.case
    if ctx.klass is None:
        no_class(ctx)
        return
    major = _major_disease(ctx)
    if c.kind == "inpatient":
        pay = _inpatient(ctx, major)
    elif c.kind in OUTPATIENT and major and c.kind != "outpatient_general":
        rate = ctx.p("inpatient.rate.major")[ctx.klass]
        raw = yuan(ctx.base * rate)
        pay, note = capped(ctx, raw, ctx.p("cap.major"), "dianjiang.major.paid", "重特大疾病门诊和住院共用年度救助限额")
        ctx.step("assistance", f"重特大疾病门诊救助（{ctx.klass}，{major}）：{fmt(ctx.base)} × {pct(rate)} = {fmt(raw)}{note}",
                 pay, "major_diseases", "inpatient.rate.major", "cap.major")
        ctx.view.add("dianjiang.major.paid", pay)
    elif c.kind in OUTPATIENT:
        pay = _ordinary_outpatient(ctx)
    else:
        out_of_scope(ctx, "assistance.base")
        pay = ZERO
    ctx.view.add("assist.paid", pay)
    ctx.assistance = pay
    ctx.cap("dianjiang.general", "普通疾病住院年度救助限额", ctx.p("cap.general"), "dianjiang.general.paid", "cap.general")
    ctx.cap("dianjiang.major", "重特大疾病门诊和住院共用年度救助限额", ctx.p("cap.major"), "dianjiang.major.paid", "cap.major")
    ctx.cap("dianjiang.large", "大额救助年度救助限额", ctx.p("cap.large"), "dianjiang.large.paid", "cap.large")
    _tilt_referral(ctx)


def _inpatient(ctx: Ctx, major: str | None) -> Decimal:
    c = ctx.case
    base = ctx.base
    deductible = ctx.p("inpatient.deductible")[ctx.klass]
    before = ctx.view.add("dianjiang.inpatient.base", base)
    if major:
        rate_name, cap_name, used, label = "inpatient.rate.major", "cap.major", "dianjiang.major.paid", f"重特大疾病（{major}）"
    else:
        rate_name, cap_name, used, label = "inpatient.rate.general", "cap.general", "dianjiang.general.paid", "普通疾病"
    rate = ctx.p(rate_name)[ctx.klass]
    eligible = portion_above(before, base, deductible)
    raw = yuan(eligible * rate)
    if deductible > 0:
        text = (f"住院救助（{ctx.klass}，{label}）：年度住院政策范围内自付累计 {fmt(before)} + {fmt(base)} = "
                f"{fmt(before + base)}，起付标准 {fmt(deductible)}，以上 {fmt(eligible)} × {pct(rate)} = {fmt(raw)}")
    else:
        text = f"住院救助（{ctx.klass}，{label}，不设起付标准）：{fmt(base)} × {pct(rate)} = {fmt(raw)}"
    pay, note = capped(ctx, raw, ctx.p(cap_name), used, "年度救助限额")
    sources = ("inpatient.deductible", rate_name, cap_name)
    if not major and c.hospital_level >= ctx.p("large.min_level") and c.policy_scope > ctx.p("large.threshold"):
        large = _large(ctx)
        if large is not None and large[0] >= pay:
            ctx.step("info", f"{text}{note}；与大额救助就高，不重复支付", None, *sources)
            ctx.step("assistance", large[1], large[0], *large[2])
            ctx.view.add("dianjiang.large.paid", large[0])
            return large[0]
        if large is not None:
            ctx.step("info", f"{large[1]}；低于普通疾病住院救助，不重复支付", None, *large[2])
    ctx.step("assistance", text + note, pay, *sources)
    ctx.view.add(used, pay)
    return pay


def _large(ctx: Ctx) -> tuple[Decimal, str, tuple[str, ...]] | None:
    """大额救助 (三、(四)3. 三是): the 重特大 rate on the stay's base, no deductible, 60,000 a year. The stay is still
    a 普通疾病住院: the caller pays the larger of this and the ordinary amount, never both (policy-readings.md)."""
    c = ctx.case
    base = ctx.base
    rate = ctx.p("inpatient.rate.major")[ctx.klass]
    raw = yuan(base * rate)
    pay, note = capped(ctx, raw, ctx.p("cap.large"), "dianjiang.large.paid", "大额救助年度救助限额")
    text = (f"大额救助（{ctx.klass}，{c.hospital_level}级医院一次住院政策范围内费用 {fmt(c.policy_scope)} 超过 "
            f"{fmt(ctx.p('large.threshold'))}）：{fmt(base)} × 重特大疾病救助比例 {pct(rate)} = {fmt(raw)}{note}")
    return pay, text, ("large.threshold", "large.min_level", "inpatient.rate.major", "cap.large")


def _ordinary_outpatient(ctx: Ctx) -> Decimal:
    """普通疾病门诊救助: 400 a year in full, or 300 a year at 60% (三、(四)3. 一是)."""
    c = ctx.case
    full = ctx.klass in ctx.p("outpatient.full.classes")
    why = ctx.klass
    if not full and ctx.identity == "subsistence":
        age = age_or_warn(ctx)
        if age is not None and age >= ctx.p("outpatient.full.age"):
            full, why = True, f"低保对象，{age}岁"
        elif "long_term_care" in c.flags:
            full, why = True, "低保对象，需院外维持治疗的重残重病人员"
    if full:
        rate, limit = ctx.p("outpatient.full.rate"), ctx.p("outpatient.full.cap")
        sources = ("outpatient.full.classes", "outpatient.full.age", "outpatient.full.rate", "outpatient.full.cap")
    elif ctx.klass in ctx.p("outpatient.partial.classes"):
        rate, limit = ctx.p("outpatient.partial.rate"), ctx.p("outpatient.partial.cap")
        sources = ("outpatient.partial.classes", "outpatient.partial.rate", "outpatient.partial.cap")
    else:
        ctx.step("assistance", f"普通疾病门诊救助不含{ctx.klass}对象，医疗救助 0.00", ZERO, "outpatient.partial.classes")
        return ZERO
    raw = yuan(ctx.base * rate)
    pay, note = capped(ctx, raw, limit, "dianjiang.outpatient.paid", "普通疾病门诊年度救助限额")
    ctx.step("assistance", f"普通疾病门诊救助（{why}）：{fmt(ctx.base)} × {pct(rate)} = {fmt(raw)}{note}", pay, *sources)
    ctx.view.add("dianjiang.outpatient.paid", pay)
    ctx.cap("dianjiang.outpatient", "普通疾病门诊年度救助限额", limit, "dianjiang.outpatient.paid", sources[-1])
    return pay


def _tilt_referral(ctx: Ctx) -> None:
    """倾斜救助 here is temporary assistance by the identifying department: referred, not paid."""
    c = ctx.case
    left = ctx.base - ctx.assistance
    if left > 0 and c.referral and c.in_province:
        ctx.step("tilt", f"倾斜救助：三重制度保障后政策范围内个人负担 {fmt(left)}，如负担仍然较重，由救助对象认定部门按相关政策给予"
                 "临时救助（本窗口不支付），倾斜救助 0.00", ZERO, "tilt.referral")
        ctx.warnings.append(f"三重制度保障后政策范围内个人负担 {fmt(left)} 元：如负担较重，请引导申请人向救助对象认定部门申请临时救助。")


FLAGS_USED = frozenset({"long_term_care"})
