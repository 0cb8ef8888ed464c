"""武汉: 武政规〔2023〕1号, with 武医保〔2022〕21号 for rural low-income people."""
from __future__ import annotations

from decimal import Decimal

from ..breakdown import Notice
from ..context import Ctx
from ..errors import InputError
from ..insurance import critical_deductible
from ..money import ZERO, fmt, min_cap, pct, yuan
from .common import DEDUCTIBLE, EXCESS, Limit, disease_in, no_class, out_of_scope, referral_excluded, share, yearly_above

ORDER = 1
NAME = "武汉市"
LEDGER_LABELS = {
    "wuhan.major": "已达重特大疾病认定（大病保险起付线）",
    "wuhan.inpatient.base": "住院救助起付线累计基数",
    "wuhan.outpatient.paid": "门诊慢特病年度累计救助",
    "wuhan.outpatient.five": "门诊慢特病5种疾病认定",
    "wuhan.backstop.paid": "托底保障年度累计（按托底保障单独计算）",
    "wuhan.rural.paid": "农村低收入人口倾斜救助年度累计（按21号单独计算）",
    "wuhan.backstop.base": "托底保障年度累计个人自付（基数）",
    "wuhan.rural.base": "农村低收入人口倾斜救助年度累计个人负担（基数）",
    "wuhan.lookback.base": "依申请一次性救助年度累计基数",
}
SAMPLE = {  # --self-test computes it (医疗救助 must be `expect`), saves it and prints its receipt
    "region": "wuhan", "date": "2023-03-01",
    "person": {"identities": ["subsistence"], "id_number": "42010219800101001X", "name": "自检甲"},
    "visit": {"kind": "inpatient", "hospital_level": 2},
    "amounts": {"total": "5500.00", "policy_scope": "5000.00", "basic_paid": "3500.00", "critical_paid": "0.00"},
    "expect": "1200.00",
}
FIELD_HINTS = {"person.rural": "武医保〔2022〕21号 仅适用于农村低收入人口"}

ASSISTED_KINDS = ("inpatient", "outpatient_chronic", "outpatient_special")
OUTPATIENT = ("outpatient_chronic", "outpatient_special")


def _rural(ctx: Ctx) -> bool:
    """A rural low-income person under the rural plan in force (武医保〔2022〕21号 until it ends), for
    the identity being tried. After the plan has ended with no successor, says so in the warnings."""
    c = ctx.case
    if not c.rural or ctx.identity is None:
        return False
    if not ctx.has("rural_tilt.rate"):
        _rural_plan_ended(ctx)
        return False
    return ctx.identity in ctx.p("rural.identities")


def _rural_plan_ended(ctx: Ctx) -> None:
    """A rural person's case dated after the rural plan ended: which rule no longer applies, and why."""
    ended = ctx.ps.ended("rural_tilt.rate")
    if ended is None:
        return
    identities = ctx.ps.ended("rural.identities")
    if identities is not None and ctx.identity not in (identities.at(ended.document.valid_until) or ()):
        return
    doc = ended.document
    text = (f"{doc.label}已于 {doc.valid_until.isoformat()} 到期，本案结算日期 {ctx.case.date.isoformat()} 在其施行期之后："
            f"{doc.rules or ended.description}不再适用，本案未计算。如已有接续文件，请联系管理员添加其政策参数文件。")
    if text not in ctx.warnings:
        ctx.warnings.append(Notice("rule_ended", text))


def _major_year(ctx: Ctx) -> bool:
    """重特大疾病: the year's 大病保险 base reached the deductible that applies (policy-readings.md)."""
    view = ctx.view
    if view.flag("wuhan.major"):   # say why: the clerk checks each line with a pen (the text reads the deductible)
        ctx.step("assistance", lambda: f"本年度此前的案件已认定为重特大疾病（大病保险年度累计基数已达起付线 "
                 f"{fmt(critical_deductible(ctx))}，现为 {fmt(view.get('critical.base'))}）：当年适用重特大疾病年救助限额",
                 None, "inpatient.cap.major")
        return True
    deductible = critical_deductible(ctx)
    reached = ctx.critical > 0 or view.get("critical.base") >= deductible
    if reached:
        view.set_flag("wuhan.major")
        ctx.step("assistance", lambda: f"大病保险年度累计基数 {fmt(view.get('critical.base'))} 已达起付线 "
                 f"{fmt(deductible)}{'（本次大病保险已支付）' if ctx.critical > 0 else ''}：认定为重特大疾病，"
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
    # 二、(四) 住院医疗救助方式: the class's 起付标准 a year, met from the year's inpatient base
    payout = yearly_above(ctx, rule="住院救助", details=(ctx.klass, label), base_noun="住院政策范围内个人自付", base=ctx.base,
                          key="wuhan.inpatient.base", threshold=ctx.p("inpatient.deductible")[ctx.klass], above=DEDUCTIBLE,
                          rate=ctx.p("inpatient.rate")[ctx.klass],
                          limits=(Limit(cap, "assist.paid", "年救助限额（含门诊慢特病）"),))
    ctx.step("assistance", payout.text, payout.pay, "inpatient.deductible", "inpatient.rate", cap_name)
    return payout.pay


def _outpatient_limit(ctx: Ctx) -> Decimal:
    """患有两种及以上门诊慢特病，年救助限额按单病种最高年救助限额执行."""
    if ctx.view.flag("wuhan.outpatient.five"):
        return ctx.p("outpatient.major.cap")
    return ctx.p("outpatient.other.cap")


def _outpatient(ctx: Ctx, cap: Decimal, cap_name: str, major: bool) -> Decimal:
    five = disease_in(ctx.case.diseases, ctx.p("outpatient.major_diseases"))
    if five:
        ctx.view.set_flag("wuhan.outpatient.five")
        rate, rate_name, what = ctx.p("outpatient.major.rate"), "outpatient.major.rate", f"五类重特大疾病（{five}）"
    else:
        rate, rate_name, what = ctx.p("outpatient.other.rate"), "outpatient.other.rate", "其他门诊慢特病"
    if major:  # 打通使用: the 门诊 limits give way to the 重特大 inpatient cap
        limits = (Limit(cap, "assist.paid", "重特大疾病年救助限额（门诊与住院打通使用）"),)
    else:
        limits = (Limit(_outpatient_limit(ctx), "wuhan.outpatient.paid", "门诊慢特病年救助限额（按单病种最高）"),
                  Limit(cap, "assist.paid", "年救助限额（含门诊慢特病）"))
    payout = share(ctx, rule="门诊慢特病救助", details=(ctx.klass, what, "不设起付标准"), base_noun="政策范围内个人自付",
                   base=ctx.base, rate=rate, limits=limits)
    ctx.step("assistance", payout.text, payout.pay, rate_name,
             "outpatient.major.cap" if five else "outpatient.other.cap", cap_name)
    ctx.view.add("wuhan.outpatient.paid", payout.pay)
    return payout.pay


RURAL_SOURCES = ("rural_tilt.threshold", "rural_tilt.rate")
BACKSTOP_SOURCES = ("backstop.threshold", "backstop.rate", "backstop.cap")


def _rural_track(ctx: Ctx, left: Decimal) -> tuple[Decimal, str] | None:
    """21号 (六) 倾斜救助 for this case: its amount (added to the track's year total) and text, if the person has it."""
    c = ctx.case
    if not _rural(ctx):
        return None
    if not (c.in_district or c.referral):
        return ZERO, "重特大疾病倾斜救助：区外就医且未按规定转诊，不享受倾斜救助"
    burden, note = left, ""
    if c.kind == "inpatient" and ctx.has("basic.inpatient.deductible") and c.insurance != "none":
        excluded = min(ctx.p("basic.inpatient.deductible")[c.insurance][c.hospital_level], burden)
        burden -= excluded
        note = f"（三重制度保障后 {fmt(left)} − 基本医保住院起付标准 {fmt(excluded)}）"
    # 21号 (六): "住院政策范围内个人负担超过5000元(不含住院起付标准)以上的部分……倾斜救助不设年度封顶线"
    payout = yearly_above(ctx, rule="重特大疾病倾斜救助", details=("农村低收入人口",), base_noun="政策范围内个人负担",
                          base=burden, base_note=note, key="wuhan.rural.base", threshold=ctx.p("rural_tilt.threshold"),
                          above=EXCESS, rate=ctx.p("rural_tilt.rate")[ctx.identity])
    ctx.view.add("wuhan.rural.paid", payout.pay)
    return payout.pay, payout.text + "（不设年度封顶线）"


def _backstop_track(ctx: Ctx, left: Decimal) -> tuple[Decimal, str] | None:
    """托底保障 (二、(四)) for this case: its amount (added to the track's year total, within 30,000) and text."""
    c = ctx.case
    if not (c.referral and c.in_province):
        return (ZERO, "托底保障：须规范转诊且在省域内就医，本次不符合") if "tilt_applied" in c.flags else None
    if not ("tilt_applied" in c.flags and "poverty_risk" in c.flags):
        ctx.view.add("wuhan.backstop.base", left)   # the year's base counts every such case
        return None
    # 二、(四): "经三重制度综合保障后，政策范围内个人自付医疗费用超过7000元……按照50%比例给予倾斜救助，年度救助限额为3万元"
    payout = yearly_above(ctx, rule="托底保障", details=("已申请、有返贫致贫风险",),
                          base_noun="经三重制度综合保障后政策范围内个人自付医疗费用", base=left, key="wuhan.backstop.base",
                          threshold=ctx.p("backstop.threshold"), above=EXCESS, rate=ctx.p("backstop.rate"),
                          limits=(Limit(ctx.p("backstop.cap"), "wuhan.backstop.paid", "托底保障年度救助限额"),))
    ctx.view.add("wuhan.backstop.paid", payout.pay)
    return payout.pay, payout.text


def _tilt(ctx: Ctx) -> None:
    """倾斜救助 of 21号 (六) and 托底保障 of 武政规 二、(四): the larger of the two, not both, compared over the year.

    Each track keeps its own year-to-date amount (what it alone would have paid); a case pays the larger
    of the two year-to-date amounts minus the tilt already paid that year (policy-readings.md 武汉), so the
    year's tilt is the larger track's year total, never a mix of the two tracks' marginal amounts.
    """
    c = ctx.case
    view = ctx.view
    left = ctx.base - ctx.assistance
    rural, backstop = _rural_track(ctx, left), _backstop_track(ctx, left)
    if rural is None and backstop is None:
        if "tilt_applied" in c.flags:   # applied for, nothing paid: say why
            ctx.step("tilt", "倾斜救助 0.00：重特大疾病倾斜救助只适用于农村低收入人口（未勾选“农村居民”或身份不在其列），"
                     "托底保障须同时有返贫致贫风险（未勾选）", ZERO,
                     *(n for n in ("rural_tilt.threshold", "backstop.threshold") if ctx.has(n)))
        return
    rural_year, backstop_year, paid = view.get("wuhan.rural.paid"), view.get("wuhan.backstop.paid"), view.get("tilt.paid")
    pay = max(max(rural_year, backstop_year) - paid, ZERO)
    if rural_year > 0 and backstop_year > 0:  # both tracks have paid something this year: the year decides
        if rural is not None:
            ctx.step("info", lambda: f"{rural[1]}；重特大疾病倾斜救助年度累计 {fmt(rural_year)}", None, *RURAL_SOURCES)
        if backstop is not None:
            ctx.step("info", lambda: f"{backstop[1]}；托底保障年度累计 {fmt(backstop_year)}", None, *BACKSTOP_SOURCES)
        larger = "重特大疾病倾斜救助" if rural_year >= backstop_year else "托底保障"
        ctx.step("tilt", lambda: f"倾斜救助与托底保障就高不重复（按年度比较）：重特大疾病倾斜救助年度累计 {fmt(rural_year)}，"
                 f"托底保障年度累计 {fmt(backstop_year)}，取较高的{larger} {fmt(max(rural_year, backstop_year))} − "
                 f"本年度已支付 {fmt(paid)} = {fmt(pay)}", pay, *RURAL_SOURCES, *BACKSTOP_SOURCES)
    else:  # at most one track has paid anything this year: this case pays that track's amount
        tracks = [(rural, RURAL_SOURCES), (backstop, BACKSTOP_SOURCES)]
        if rural is None or (backstop is not None and backstop[0] > rural[0]):
            tracks.reverse()
        (chosen, chosen_sources), (other, other_sources) = tracks
        ctx.step("tilt", chosen[1], pay, *chosen_sources)
        if other is not None:
            ctx.step("info", lambda: f"{other[1]}；与上项就高不重复，不另行支付", None, *other_sources)
    ctx.tilt = pay
    view.add("tilt.paid", pay)
    if backstop is not None and ctx.has("backstop.cap"):
        ctx.cap("wuhan.backstop", "托底保障年度救助限额（按托底保障单独计算的年度累计）", ctx.p("backstop.cap"),
                "wuhan.backstop.paid", "backstop.cap")


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
    # 二、(五): "参照四类医疗救助对象住院医疗救助待遇标准给予一次性救助；依申请救助资金不纳入……年度救助限额"
    payout = yearly_above(ctx, rule="依申请一次性救助", details=(f"参照{klass}住院救助",),
                          base_noun="身份确定前12个月住院个人自付", base=ctx.base, key="wuhan.lookback.base",
                          threshold=ctx.p("inpatient.deductible")[klass], above=DEDUCTIBLE,
                          rate=ctx.p("inpatient.rate")[klass])
    ctx.step("assistance", payout.text + "；不纳入当年年度救助限额", payout.pay,
             "lookback.class", "inpatient.deductible", "inpatient.rate")
    ctx.assistance = payout.pay
    ctx.warnings.append("依申请一次性救助：须本人申请并经区级医疗保障经办机构审核。")


def hospital_borne(ctx: Ctx) -> Decimal:
    """21号 (九): out-of-list costs above the share a hospital may bill are borne by it, in principle."""
    c = ctx.case
    if not (c.kind == "inpatient" and c.rural and ctx.has("hospital_borne.limits")):
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
            ctx.step("hospital", lambda: f"政策范围外费用 {fmt(outside)}：{where}无比例规定，由个人负担", ZERO, "hospital_borne.limits")
        return ZERO
    allowed = yuan(c.total * share)
    borne = min_cap(max(outside - allowed, ZERO), outside)
    ctx.step("hospital", lambda: f"政策范围外费用 {fmt(c.total)} − {fmt(c.policy_scope)} = {fmt(outside)}；{where}上限 "
             f"{fmt(c.total)} × {pct(share)} = {fmt(allowed)}；超出 {fmt(borne)} 原则上由医疗机构承担",
             borne, "hospital_borne.limits")
    if borne > 0:
        ctx.warnings.append(f"政策范围外费用超出规定比例 {fmt(borne)} 元，原则上由医疗机构承担（武医保〔2022〕21号 二、(九)），请与医疗机构核实。")
    return borne


FLAGS_USED = frozenset({"tilt_applied", "poverty_risk", "lookback"})
