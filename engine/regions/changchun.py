"""长春: 长春市健全重特大疾病医疗保险和救助制度实施办法（征求意见稿）."""
from __future__ import annotations

from decimal import Decimal

from ..context import Ctx
from ..money import ONE, ZERO, pct
from .common import (DEDUCTIBLE, EXCESS, Limit, age_or_warn, disease_in, no_class, out_of_scope, referral_excluded, share,
                     yearly_above)

ORDER = 4
NAME = "长春市"
LEDGER_LABELS = {
    "changchun.inpatient.base": "住院救助起付线累计基数",
    "changchun.chronic.paid": "门诊慢性病年度累计救助",
    "changchun.tilt.base": "倾斜救助年度累计基数",
    "changchun.tilt.chronic.paid": "门诊慢性病倾斜救助年度累计",
    "changchun.tilt.rare.paid": "罕见病倾斜救助年度累计",
}
SAMPLE = {  # --self-test computes it (医疗救助 must be `expect`), saves it and prints its receipt
    "region": "changchun", "date": "2023-05-10",
    "person": {"identities": ["subsistence"], "id_number": "220102201001010017", "name": "自检丁"},
    "visit": {"kind": "inpatient", "hospital_level": 2, "diseases": ["尿毒症"]},
    "amounts": {"total": "52000.00", "policy_scope": "48000.00", "basic_paid": "30000.00", "critical_paid": "1200.00"},
    "expect": "16800.00",
}


def _special_disease(ctx: Ctx) -> str | None:
    """One of the 13 特殊疾病 (第十一条); 自闭症 only under 16 years."""
    limits = ctx.p("special_diseases.age_limited")
    for d in ctx.case.diseases:
        if d in ctx.p("special_diseases"):
            if d in limits:
                age = age_or_warn(ctx)
                if age is None or age >= limits[d]:
                    continue
            return d
    return None


def _inpatient_rate(ctx: Ctx, child_uplift: bool = True) -> tuple[Decimal, Decimal, str, tuple[str, ...]]:
    """The class's inpatient rate and deductible, with the 13 diseases; with the children's uplift
    only for 住院救助 itself (第十一条 "住院救助比例上浮10%"): 门诊特殊疾病 (第十二条(二)) and 罕见病
    (第十四条(三)) borrow the rate of the class, not the child's (policy-readings.md)."""
    special = ctx.klass == "二类" and _special_disease(ctx)
    if special:
        rate, deductible = ctx.p("inpatient.special.rate"), ZERO
        label, sources = f"二类·特殊疾病（{special}）", ("special_diseases", "inpatient.special.rate")
    else:
        rate, deductible = ctx.p("inpatient.rate")[ctx.klass], ctx.p("inpatient.deductible")[ctx.klass]
        label, sources = ctx.klass, ("inpatient.deductible", "inpatient.rate")
    age = age_or_warn(ctx)
    if not child_uplift:
        return rate, deductible, label, sources
    if age is not None and age <= ctx.p("child.age") and rate < ONE:
        raised = min(rate + ctx.p("child.rate_points"), ONE)
        label += f"，{age}周岁儿童比例上浮 {pct(rate)} → {pct(raised)}"
        rate = raised
        sources += ("child.age", "child.rate_points")
    return rate, deductible, label, sources


def _child_note(ctx: Ctx) -> str:
    """For a child, why a rule borrowing the class's inpatient rate does not raise it."""
    age = age_or_warn(ctx)
    if age is not None and age <= ctx.p("child.age"):
        return f"；{age}周岁儿童的比例上浮只适用于住院救助（第十一条），此处按类别比例"
    return ""


def assist(ctx: Ctx) -> None:
    c = ctx.case
    if ctx.klass is None:
        no_class(ctx)
        return
    if c.kind in ("outpatient_general", "special_drug"):
        out_of_scope(ctx, "assistance.base")
        return
    if referral_excluded(ctx):
        return
    cap = ctx.p("cap")[ctx.klass]
    if c.kind == "inpatient":
        pay = _inpatient(ctx, cap)
    elif c.kind == "outpatient_chronic":
        pay = _chronic(ctx, cap)
    elif c.kind == "outpatient_special":
        pay = _special_outpatient(ctx, cap)
    else:  # rare_disease: paid by 倾斜救助 (第十四条(三))
        ctx.step("assistance", "罕见病指定药品、治疗性食品费用：按第十四条(三)罕见病倾斜救助办理，医疗救助 0.00", ZERO, "tilt.rare.cap")
        pay = ZERO
    ctx.view.add("assist.paid", pay)
    ctx.assistance = pay
    ctx.cap("assist.cap", f"年度最高救助限额（{ctx.klass}，住院与门诊共用）", cap, "assist.paid", "cap")
    if ctx.klass in ctx.p("chronic.classes"):
        ctx.cap("changchun.chronic", "门诊慢性病年救助限额", ctx.p("chronic.cap"), "changchun.chronic.paid", "chronic.cap")
    _tilt(ctx)


def _inpatient(ctx: Ctx, cap: Decimal) -> Decimal:
    rate, deductible, label, sources = _inpatient_rate(ctx)
    # 第十一条: "政策范围内个人自付医疗费用起付标准以上部分年度救助限额内按 X% 比例救助"
    payout = yearly_above(ctx, rule="住院救助", details=(label,), base_noun="政策范围内个人自付医疗费用", base=ctx.base,
                          key="changchun.inpatient.base", threshold=deductible, above=DEDUCTIBLE, rate=rate,
                          limits=(Limit(cap, "assist.paid", "年度最高救助限额（住院与门诊共用）"),))
    ctx.step("assistance", payout.text, payout.pay, *sources, "cap")
    return payout.pay


def _chronic(ctx: Ctx, cap: Decimal) -> Decimal:
    if ctx.klass not in ctx.p("chronic.classes"):
        ctx.step("assistance", f"门诊慢性病救助只适用于一类、二类人员（{ctx.klass}不适用），医疗救助 0.00", ZERO, "chronic.classes")
        return ZERO
    # 第十二条(一): "不设年度救助起付标准，政策范围内个人自付医疗费用年度救助限额内按50%比例救助，年救助限额为1000元"
    payout = share(ctx, rule="门诊慢性病救助", details=(ctx.klass, "不设起付标准"), base_noun="政策范围内个人自付医疗费用",
                   base=ctx.base, rate=ctx.p("chronic.rate"),
                   limits=(Limit(ctx.p("chronic.cap"), "changchun.chronic.paid", "门诊慢性病年救助限额"),
                           Limit(cap, "assist.paid", "年度最高救助限额（住院与门诊共用）")))   # 第十三条
    ctx.step("assistance", payout.text, payout.pay, "chronic.classes", "chronic.rate", "chronic.cap", "cap")
    ctx.view.add("changchun.chronic.paid", payout.pay)
    return payout.pay


def _special_outpatient(ctx: Ctx, cap: Decimal) -> Decimal:
    child = ""
    if ctx.klass == "二类":
        rates = ctx.p("special_outpatient.class2.rate")
        special = _special_disease(ctx)
        rate = rates["special"] if special else rates["other"]
        label = f"二类·特殊疾病（{special}）" if special else "二类"
        sources: tuple[str, ...] = ("special_outpatient.class2.rate",)
    else:  # 第十二条(二): "参照相应类别救助对象住院救助比例执行" — the class's rate, not a child's raised one
        rate, _, label, sources = _inpatient_rate(ctx, child_uplift=False)
        label += "，参照相应类别住院救助比例"
        sources = ("special_outpatient.class2.rate",) + tuple(s for s in sources if s != "inpatient.deductible")
        child = _child_note(ctx)
        if child:
            sources += ("child.age", "child.rate_points")
    payout = share(ctx, rule="门诊特殊疾病救助", details=(label, "不设起付标准"), base_noun="政策范围内个人自付医疗费用",
                   base=ctx.base, rate=rate, limits=(Limit(cap, "assist.paid", "年度最高救助限额（住院与门诊共用）"),))
    ctx.step("assistance", payout.text + child, payout.pay, *sources, "cap")
    return payout.pay


def _tilt(ctx: Ctx) -> None:
    """倾斜救助 (第十四条): referral and care in the province; 20,000 a year outside the yearly cap."""
    c = ctx.case
    left = ctx.base - ctx.assistance
    if not (c.referral and c.in_province):
        if left > 0:
            ctx.step("tilt", "倾斜救助须规范转诊且在省域内就医，本次不符合，倾斜救助 0.00", ZERO, "tilt.cap")
        return
    tilt_cap = Limit(ctx.p("tilt.cap"), "tilt.paid", "倾斜救助年度额度")
    left_noun = "经三重制度综合保障后政策范围内个人自付医疗费用"
    if c.kind == "outpatient_chronic":
        # 第十四条(一): "标准同门诊慢性病救助（第十二条），且计入倾斜救助限额"
        disease = disease_in(c.diseases, ctx.p("tilt.chronic_diseases"))
        if not (disease and ctx.klass in ctx.p("chronic.classes")):
            return
        payout = share(ctx, rule="门诊慢性病倾斜救助", details=(disease,), base_noun=left_noun, base=left,
                       rate=ctx.p("chronic.rate"),
                       limits=(Limit(ctx.p("chronic.cap"), "changchun.tilt.chronic.paid", "门诊慢性病倾斜救助年限额"),
                               tilt_cap))
        text, sources = payout.text, ("tilt.chronic_diseases", "chronic.rate", "chronic.cap", "tilt.cap")
        ctx.view.add("changchun.tilt.chronic.paid", payout.pay)
    elif c.kind == "rare_disease":
        # 第十四条(三): "救助比例参照相应类别救助对象住院救助标准执行，罕见病救助年度救助限额为5000元"
        rate, _, label, _ = _inpatient_rate(ctx, child_uplift=False)
        child = _child_note(ctx)
        payout = share(ctx, rule="罕见病倾斜救助", details=(f"参照{label}住院救助比例",), base_noun=left_noun, base=left,
                       rate=rate, limits=(Limit(ctx.p("tilt.rare.cap"), "changchun.tilt.rare.paid", "罕见病救助年度救助限额"),
                                          tilt_cap))
        text = payout.text + child
        sources = ("tilt.rare.cap", "inpatient.rate", "tilt.cap") + (("child.age", "child.rate_points") if child else ())
        ctx.view.add("changchun.tilt.rare.paid", payout.pay)
    elif ctx.klass == "二类" and "cancer_chemo" in c.flags:
        # 第十四条(二): "二类人员患恶性肿瘤放化疗的经三重制度综合保障后政策范围内自付医疗费用按20%给予倾斜救助"
        payout = share(ctx, rule="倾斜救助", details=("二类·恶性肿瘤放化疗",), base_noun=left_noun, base=left,
                       rate=ctx.p("tilt.chemo.rate"), limits=(tilt_cap,))
        text, sources = payout.text, ("tilt.chemo.rate", "tilt.cap")
    else:
        # 第十四条(二): "经三重制度综合保障后政策范围内自付医疗费用超过1万元的部分，给予50%的倾斜救助"
        payout = yearly_above(ctx, rule="倾斜救助", base_noun=left_noun, base=left, key="changchun.tilt.base",
                              threshold=ctx.p("tilt.general.threshold"), above=EXCESS, rate=ctx.p("tilt.general.rate"),
                              limits=(tilt_cap,))
        text = payout.text + "（不计入年度救助限额）"
        sources = ("tilt.general.threshold", "tilt.general.rate", "tilt.cap")
    ctx.step("tilt", text, payout.pay, *sources)
    ctx.view.add("tilt.paid", payout.pay)
    ctx.tilt = payout.pay
    ctx.cap("tilt.cap", "倾斜救助年度额度（不计入年度救助限额）", tilt_cap.amount, "tilt.paid", "tilt.cap")
    if payout.pay > 0:
        ctx.warnings.append("倾斜救助视资金承受能力给予，须经医保部门审核（长春市实施办法第十四条）。")


FLAGS_USED = frozenset({"cancer_chemo", "drg"})
