"""武汉: 武政规〔2023〕1号, with 武医保〔2022〕21号 for rural low-income people."""
from __future__ import annotations

from decimal import Decimal

from ..context import Ctx
from ..errors import InputError
from ..insurance import critical_deductible
from ..money import ZERO, fmt, min_cap, pct, portion_above, yuan
from .common import capped, disease_in, no_class, out_of_scope, referral_excluded

RURAL_DOC = "wyb-2022-21"
ASSISTED_KINDS = ("inpatient", "outpatient_chronic", "outpatient_special")
OUTPATIENT = ("outpatient_chronic", "outpatient_special")


def _rural(ctx: Ctx) -> bool:
    """A rural low-income person under 武医保〔2022〕21号 (the identity being tried)."""
    c = ctx.case
    return (c.rural and ctx.ps.has_document(RURAL_DOC) and ctx.identity is not None
            and ctx.identity in ctx.p("rural.identities"))


def _major_year(ctx: Ctx) -> bool:
    """重特大疾病: the year's 大病保险 base reached the deductible that applies (policy-readings.md)."""
    view = ctx.view
    if view.flag("wuhan.major"):   # say why: the clerk checks each line with a pen
        ctx.step("assistance", f"本年度此前的案件已认定为重特大疾病（大病保险年度累计基数已达起付线 "
                 f"{fmt(critical_deductible(ctx))}，现为 {fmt(view.get('critical.base'))}）：当年适用重特大疾病年救助限额",
                 None, "inpatient.cap.major")
        return True
    reached = ctx.critical > 0 or view.get("critical.base") >= critical_deductible(ctx)
    if reached:
        view.set_flag("wuhan.major")
        ctx.step("assistance", f"大病保险年度累计基数 {fmt(view.get('critical.base'))} 已达起付线 "
                 f"{fmt(critical_deductible(ctx))}{'（本次大病保险已支付）' if ctx.critical > 0 else ''}：认定为重特大疾病，"
                 "当年适用重特大疾病年救助限额，门诊慢特病与住院救助打通使用", None, "inpatient.cap.major")
    return reached


def assist(ctx: Ctx) -> None:
    c = ctx.case
    if "lookback" in c.flags:
        _lookback(ctx)
        return
    if ctx.klass is None:
        no_class(ctx)
        return
    if c.kind not in ASSISTED_KINDS:
        out_of_scope(ctx, "assistance.base")
        return
    if referral_excluded(ctx):
        return
    major = _major_year(ctx)
    cap_name = "inpatient.cap.major" if major else "inpatient.cap.general"
    cap = ctx.p(cap_name)[ctx.klass]
    label = "重特大疾病" if major else "一般疾病"
    if c.kind == "inpatient":
        pay = _inpatient(ctx, cap, cap_name, label)
    else:
        pay = _outpatient(ctx, cap, cap_name, major)
    ctx.view.add("assist.paid", pay)
    ctx.assistance = pay
    ctx.cap("assist.cap", f"医疗救助年救助限额（{label}，含门诊慢特病）", cap, "assist.paid", cap_name)
    if not major:
        limit = _outpatient_limit(ctx)
        ctx.cap("wuhan.outpatient", "门诊慢特病年救助限额", limit, "wuhan.outpatient.paid",
                "outpatient.major.cap" if limit == ctx.p("outpatient.major.cap") else "outpatient.other.cap")
    _tilt(ctx)


def _inpatient(ctx: Ctx, cap: Decimal, cap_name: str, label: str) -> Decimal:
    base = ctx.base
    deductible = ctx.p("inpatient.deductible")[ctx.klass]
    rate = ctx.p("inpatient.rate")[ctx.klass]
    before = ctx.view.add("wuhan.inpatient.base", base)
    eligible = portion_above(before, base, deductible)
    raw = yuan(eligible * rate)
    if deductible > 0:
        met = "（起付标准已由本年度此前的案件达到）" if before >= deductible else ""
        text = (f"住院救助（{ctx.klass}，{label}）：年度住院政策范围内个人自付累计 {fmt(before)} + {fmt(base)} = "
                f"{fmt(before + base)}，起付标准 {fmt(deductible)}{met}，起付标准以上 {fmt(eligible)} × {pct(rate)} = {fmt(raw)}")
    else:
        text = f"住院救助（{ctx.klass}，{label}，不设起付标准）：{fmt(base)} × {pct(rate)} = {fmt(raw)}"
    pay, note = capped(ctx, raw, cap, "assist.paid", "年救助限额（含门诊慢特病）")
    ctx.step("assistance", text + note, pay, "inpatient.deductible", "inpatient.rate", cap_name)
    return pay


def _outpatient_limit(ctx: Ctx) -> Decimal:
    """患有两种及以上门诊慢特病，年救助限额按单病种最高年救助限额执行."""
    if ctx.view.flag("wuhan.outpatient.five"):
        return ctx.p("outpatient.major.cap")
    return ctx.p("outpatient.other.cap")


def _outpatient(ctx: Ctx, cap: Decimal, cap_name: str, major: bool) -> Decimal:
    base = ctx.base
    five = disease_in(ctx.case.diseases, ctx.p("outpatient.major_diseases"))
    if five:
        ctx.view.set_flag("wuhan.outpatient.five")
        rate, rate_name, what = ctx.p("outpatient.major.rate"), "outpatient.major.rate", f"五类重特大疾病（{five}）"
    else:
        rate, rate_name, what = ctx.p("outpatient.other.rate"), "outpatient.other.rate", "其他门诊慢特病"
    raw = yuan(base * rate)
    text = f"门诊慢特病救助（{ctx.klass}，{what}，不设起付标准）：{fmt(base)} × {pct(rate)} = {fmt(raw)}"
    pay, note = raw, ""
    if not major:
        limit = _outpatient_limit(ctx)
        pay, note = capped(ctx, raw, limit, "wuhan.outpatient.paid", "门诊慢特病年救助限额（按单病种最高）")
        text += note
        pay, note = capped(ctx, pay, cap, "assist.paid", "年救助限额（含门诊慢特病）")
    else:
        pay, note = capped(ctx, raw, cap, "assist.paid", "重特大疾病年救助限额（门诊与住院打通使用）")
    ctx.step("assistance", text + note, pay, rate_name,
             "outpatient.major.cap" if five else "outpatient.other.cap", cap_name)
    ctx.view.add("wuhan.outpatient.paid", pay)
    return pay


def _tilt(ctx: Ctx) -> None:
    """倾斜救助 of 21号 (六) and 托底保障 of 武政规 二、(四): the larger of the two, not both."""
    c = ctx.case
    left = ctx.base - ctx.assistance
    rural_pay, rural_text = ZERO, None
    if _rural(ctx):
        if c.in_district or c.referral:
            burden = left
            deductible_note = ""
            if c.kind == "inpatient" and ctx.has("basic.inpatient.deductible") and c.insurance != "none":
                basic_deductible = ctx.p("basic.inpatient.deductible")[c.insurance][c.hospital_level]
                excluded = min(basic_deductible, burden)
                burden -= excluded
                deductible_note = f"（扣除基本医保住院起付标准 {fmt(excluded)}）"
            threshold = ctx.p("rural_tilt.threshold")
            rate = ctx.p("rural_tilt.rate")[ctx.identity]
            before = ctx.view.add("wuhan.rural.base", burden)
            part = portion_above(before, burden, threshold)
            rural_pay = yuan(part * rate)
            rural_text = (f"重特大疾病倾斜救助（农村低收入人口）：本次个人负担 {fmt(left)}{deductible_note} 计 {fmt(burden)}，"
                          f"年度累计 {fmt(before)} → {fmt(before + burden)}，超过 {fmt(threshold)} 的部分 {fmt(part)} × "
                          f"{pct(rate)} = {fmt(rural_pay)}（不设年度封顶线）")
        else:
            rural_text = "重特大疾病倾斜救助：区外就医且未按规定转诊，不享受倾斜救助"
    backstop_pay, backstop_text = ZERO, None
    if c.referral and c.in_province:
        threshold = ctx.p("backstop.threshold")
        before = ctx.view.add("wuhan.backstop.base", left)
        if "tilt_applied" in c.flags and "poverty_risk" in c.flags:
            rate = ctx.p("backstop.rate")
            part = portion_above(before, left, threshold)
            raw = yuan(part * rate)
            backstop_pay, note = capped(ctx, raw, ctx.p("backstop.cap"), "wuhan.backstop.paid", "托底保障年度救助限额")
            backstop_text = (f"托底保障（已申请、有返贫致贫风险）：三重制度保障后个人自付年度累计 {fmt(before)} → "
                             f"{fmt(before + left)}，超过 {fmt(threshold)} 的部分 {fmt(part)} × {pct(rate)} = {fmt(raw)}{note}")
    elif "tilt_applied" in c.flags:
        backstop_text = "托底保障：须规范转诊且在省域内就医，本次不符合"
    if rural_text is None and backstop_text is None:
        if "tilt_applied" in c.flags:   # applied for, nothing paid: say why
            ctx.step("tilt", "倾斜救助 0.00：重特大疾病倾斜救助只适用于农村低收入人口（未勾选“农村居民”或身份不在其列），"
                     "托底保障须同时有返贫致贫风险（未勾选）", ZERO,
                     *(n for n in ("rural_tilt.threshold", "backstop.threshold") if ctx.has(n)))
        return
    if rural_pay >= backstop_pay and rural_text is not None:
        chosen, other = ("rural", rural_pay, rural_text), ("backstop", backstop_pay, backstop_text)
    else:
        chosen, other = ("backstop", backstop_pay, backstop_text), ("rural", rural_pay, rural_text)
    sources = {"rural": ("rural_tilt.threshold", "rural_tilt.rate"),
               "backstop": ("backstop.threshold", "backstop.rate", "backstop.cap")}
    ctx.tilt = chosen[1]
    ctx.step("tilt", chosen[2], chosen[1], *sources[chosen[0]])
    if other[2] is not None:
        ctx.step("info", f"{other[2]}；与上项就高不重复，不另行支付", None, *sources[other[0]])
    if chosen[0] == "backstop":
        ctx.view.add("wuhan.backstop.paid", chosen[1])
    ctx.view.add("tilt.paid", chosen[1])
    if backstop_text is not None and ctx.has("backstop.cap"):
        ctx.cap("wuhan.backstop", "托底保障年度救助限额", ctx.p("backstop.cap"), "wuhan.backstop.paid", "backstop.cap")


def _lookback(ctx: Ctx) -> None:
    """依申请一次性救助: 四类 inpatient rules, outside the year's caps (二、(五))."""
    c = ctx.case
    if c.kind != "inpatient":
        raise InputError("flags.lookback", "依申请一次性救助只适用于住院自付医疗费用，请取消此标志或改为住院",
                         "lookback assistance applies to inpatient costs only")
    if ctx.identity is None:
        raise InputError("flags.lookback", "依申请一次性救助须先经相关部门确定为医疗救助对象，请填写身份",
                         "lookback assistance needs an assistance identity")
    klass = ctx.p("lookback.class")
    deductible = ctx.p("inpatient.deductible")[klass]
    rate = ctx.p("inpatient.rate")[klass]
    before = ctx.view.add("wuhan.lookback.base", ctx.base)
    eligible = portion_above(before, ctx.base, deductible)
    pay = yuan(eligible * rate)
    ctx.step("assistance", f"依申请一次性救助（参照{klass}住院救助）：身份确定前12个月住院个人自付累计 {fmt(before)} + "
             f"{fmt(ctx.base)} = {fmt(before + ctx.base)}，起付标准 {fmt(deductible)}，以上 {fmt(eligible)} × {pct(rate)} = "
             f"{fmt(pay)}；不纳入当年年度救助限额", pay, "lookback.class", "inpatient.deductible", "inpatient.rate")
    ctx.assistance = pay
    ctx.warnings.append("依申请一次性救助：须本人申请并经区级医疗保障经办机构审核。")


def hospital_borne(ctx: Ctx) -> Decimal:
    """21号 (九): out-of-list costs above the share a hospital may bill are borne by it, in principle."""
    c = ctx.case
    if not (c.kind == "inpatient" and c.rural and ctx.ps.has_document(RURAL_DOC)):
        return ZERO
    rural_ids = ctx.p("rural.identities")
    if not any(i in rural_ids for i in c.identities):
        return ZERO
    limits = ctx.p("hospital_borne.limits")
    if c.in_district:
        share = limits["in_district"].get(c.hospital_level)
        where = f"区内{c.hospital_level}级定点医疗机构"
    elif c.in_province:
        share = limits["out_of_district_in_province"].get(c.hospital_level)
        where = f"区外省内{c.hospital_level}级定点医疗机构"
    else:
        share = None
        where = "省外"
    outside = c.total - c.policy_scope
    if share is None:
        if outside > 0:
            ctx.step("hospital", f"政策范围外费用 {fmt(outside)}：{where}无比例规定，由个人负担", ZERO, "hospital_borne.limits")
        return ZERO
    allowed = yuan(c.total * share)
    borne = min_cap(max(outside - allowed, ZERO), outside)
    ctx.step("hospital", f"政策范围外费用 {fmt(c.total)} − {fmt(c.policy_scope)} = {fmt(outside)}；{where}上限 "
             f"{fmt(c.total)} × {pct(share)} = {fmt(allowed)}；超出 {fmt(borne)} 原则上由医疗机构承担",
             borne, "hospital_borne.limits")
    if borne > 0:
        ctx.warnings.append(f"政策范围外费用超出规定比例 {fmt(borne)} 元，原则上由医疗机构承担（武医保〔2022〕21号 二、(九)），请与医疗机构核实。")
    return borne


FLAGS_USED = frozenset({"tilt_applied", "poverty_risk", "lookback"})
