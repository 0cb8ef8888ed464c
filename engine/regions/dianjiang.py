"""垫江: 《垫江县健全重特大疾病医疗保险和救助制度实施细则（征求意见稿）》解读, with 渝府办发〔2022〕116号."""
from __future__ import annotations

from decimal import Decimal

from ..context import Ctx
from ..money import ZERO, fmt
from .common import DEDUCTIBLE, Limit, Payout, age_or_warn, disease_in, no_class, out_of_scope, share, yearly_above

BASE_NOUN = "政策范围内自付费用"   # 三、(四)3. 二是: "属于医疗保险政策范围内的自付费用实行分类救助"

ORDER = 2
NAME = "重庆市垫江县"
LEDGER_LABELS = {
    "dianjiang.inpatient.base": "住院救助起付线累计基数",
    "dianjiang.general.paid": "普通疾病住院年度累计救助",
    "dianjiang.major.paid": "重特大疾病年度累计救助",
    "dianjiang.large.paid": "大额救助年度累计",
    "dianjiang.outpatient.paid": "普通疾病门诊年度累计救助",
}
SAMPLE = {  # --self-test computes it (医疗救助 must be `expect`), saves it and prints its receipt
    "region": "dianjiang", "date": "2023-06-01",
    "person": {"identities": ["extreme_poverty"], "id_number": "500231197506150010", "name": "自检乙"},
    "visit": {"kind": "outpatient_general"},
    "amounts": {"total": "600.00", "policy_scope": "500.00", "basic_paid": "250.00", "critical_paid": "0.00"},
    "expect": "250.00",
}

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
        # 三、(四)3. 五是: "重特大疾病门诊和住院，共用年度救助限额，年度救助限额为10万元"
        payout = share(ctx, rule="重特大疾病门诊救助", details=(ctx.klass, major), base_noun=BASE_NOUN, base=ctx.base,
                       rate=ctx.p("inpatient.rate.major")[ctx.klass],
                       limits=(Limit(ctx.p("cap.major"), "dianjiang.major.paid", "重特大疾病门诊和住院共用年度救助限额"),))
        ctx.step("assistance", payout.text, payout.pay, "major_diseases", "inpatient.rate.major", "cap.major")
        ctx.view.add("dianjiang.major.paid", payout.pay)
        pay = payout.pay
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
    if major:
        rate_name, cap_name, used, label = "inpatient.rate.major", "cap.major", "dianjiang.major.paid", f"重特大疾病（{major}）"
        limit_name = "重特大疾病门诊和住院共用年度救助限额"
    else:
        rate_name, cap_name, used, label = "inpatient.rate.general", "cap.general", "dianjiang.general.paid", "普通疾病"
        limit_name = "普通疾病住院年度救助限额"
    # 三、(四)3. 二是 住院救助, with 渝府办发〔2022〕116号's deductibles and rates by class; every stay counts
    # toward the year's deductible
    ordinary = yearly_above(ctx, rule="住院救助", details=(ctx.klass, label), base_noun=BASE_NOUN, base=ctx.base,
                            key="dianjiang.inpatient.base", threshold=ctx.p("inpatient.deductible")[ctx.klass],
                            above=DEDUCTIBLE, rate=ctx.p(rate_name)[ctx.klass],
                            limits=(Limit(ctx.p(cap_name), used, limit_name),))   # 五是: the limit by its name
    sources = ("inpatient.deductible", rate_name, cap_name)
    if not major and c.hospital_level >= ctx.p("large.min_level") and c.policy_scope > ctx.p("large.threshold"):
        large, large_sources = _large(ctx), ("large.threshold", "large.min_level", "inpatient.rate.major", "cap.large")
        if large.pay >= ordinary.pay:
            ctx.step("info", f"{ordinary.text}；与大额救助就高，不重复支付", None, *sources)
            ctx.step("assistance", large.text, large.pay, *large_sources)
            ctx.view.add("dianjiang.large.paid", large.pay)
            return large.pay
        ctx.step("info", f"{large.text}；低于普通疾病住院救助，不重复支付", None, *large_sources)
    ctx.step("assistance", ordinary.text, ordinary.pay, *sources)
    ctx.view.add(used, ordinary.pay)
    return ordinary.pay


def _large(ctx: Ctx) -> Payout:
    """大额救助 (三、(四)3. 三是): "经基本医保、大病保险报销后的政策范围内费用，按相应对象的重特大疾病住院救助比例
    给予救助", no deductible, 60,000 a year. The stay is still a 普通疾病住院: the caller pays the larger of this
    and the ordinary amount, never both (policy-readings.md 垫江)."""
    c = ctx.case
    return share(ctx, rule="大额救助", details=(ctx.klass, f"{c.hospital_level}级医院一次住院政策范围内费用 "
                                                          f"{fmt(c.policy_scope)} 超过 {fmt(ctx.p('large.threshold'))}"),
                 base_noun="经基本医保、大病保险报销后的政策范围内费用", base=ctx.base,
                 rate=ctx.p("inpatient.rate.major")[ctx.klass], rate_noun="重特大疾病住院救助比例 ",
                 limits=(Limit(ctx.p("cap.large"), "dianjiang.large.paid", "大额救助年度救助限额"),))


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
    # 三、(四)3. 一是: "经基本医保报销后，属于医疗保险政策范围内的自付门诊费用，在救助限额内……"
    payout = share(ctx, rule="普通疾病门诊救助", details=(why,), base_noun="政策范围内的自付门诊费用", base=ctx.base, rate=rate,
                   limits=(Limit(limit, "dianjiang.outpatient.paid", "普通疾病门诊年度救助限额"),))
    ctx.step("assistance", payout.text, payout.pay, *sources)
    ctx.view.add("dianjiang.outpatient.paid", payout.pay)
    ctx.cap("dianjiang.outpatient", "普通疾病门诊年度救助限额", limit, "dianjiang.outpatient.paid", sources[-1])
    return payout.pay


def _tilt_referral(ctx: Ctx) -> None:
    """倾斜救助 here is temporary assistance by the identifying department: referred, not paid."""
    c = ctx.case
    left = ctx.base - ctx.assistance
    if left > 0 and c.referral and c.in_province:
        ctx.step("tilt", lambda: f"倾斜救助：三重制度保障后政策范围内个人负担 {fmt(left)}，如负担仍然较重，由救助对象认定部门按相关政策给予"
                 "临时救助（本窗口不支付），倾斜救助 0.00", ZERO, "tilt.referral")
        ctx.warnings.append(f"三重制度保障后政策范围内个人负担 {fmt(left)} 元：如负担较重，请引导申请人向救助对象认定部门申请临时救助。")


FLAGS_USED = frozenset({"long_term_care"})
