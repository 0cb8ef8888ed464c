"""威海: 威政办发〔2022〕15号."""
from __future__ import annotations

from ..context import Ctx
from .common import EXCESS, Limit, no_class, out_of_scope, yearly_above

ORDER = 3
NAME = "威海市"
LEDGER_LABELS = {
    "weihai.base": "医疗救助年度累计政策范围内个人负担",
    "weihai.left": "再救助年度累计基数",
}
SAMPLE = {  # --self-test computes it (医疗救助 must be `expect`), saves it and prints its receipt
    "region": "weihai", "date": "2023-04-01",
    "person": {"identities": ["subsistence"], "id_number": "37100219680320001X", "name": "自检丙"},
    "visit": {"kind": "inpatient", "hospital_level": 2},
    "amounts": {"total": "60000.00", "policy_scope": "50000.00", "basic_paid": "30000.00"},
    "expect": "8995.00",
}


def assist(ctx: Ctx) -> None:
    c = ctx.case
    if ctx.klass is None:
        no_class(ctx)
        return
    if c.kind not in ctx.p("assistance.kinds"):
        out_of_scope(ctx, "assistance.kinds")
        return
    if "lookback" in c.flags and ctx.klass in ctx.p("lookback.note"):
        ctx.step("info", "因病致贫重病患者：政策范围内个人负担费用追溯至申请之月前12个月，按本类待遇和年度限额计算",
                 None, "lookback.note")
    cap = ctx.p("assistance.cap")[ctx.klass]
    # 二、(三)3.: "政策范围内个人负担费用超过3000元的部分按50%比例给予救助，年度累计救助限额1万元"
    payout = yearly_above(ctx, rule="医疗救助", details=(ctx.klass,), base_noun="政策范围内个人负担费用", base=ctx.base,
                          key="weihai.base", threshold=ctx.p("assistance.deductible")[ctx.klass], above=EXCESS,
                          rate=ctx.p("assistance.rate")[ctx.klass],
                          limits=(Limit(cap, "assist.paid", "年度累计救助限额（住院与门诊慢特病共用）"),))
    ctx.step("assistance", payout.text, payout.pay, "assistance.deductible", "assistance.rate", "assistance.cap")
    ctx.view.add("assist.paid", payout.pay)
    ctx.assistance = payout.pay
    ctx.cap("assist.cap", f"医疗救助年度累计救助限额（{ctx.klass}）", cap, "assist.paid", "assistance.cap")
    _reassist(ctx)


def _reassist(ctx: Ctx) -> None:
    """再救助 on what is left after the three layers, above a yearly threshold."""
    left = ctx.base - ctx.assistance
    thresholds = ctx.p("reassist.threshold")
    if ctx.klass not in thresholds:
        ctx.view.add("weihai.left", left)
        return
    cap = ctx.p("reassist.cap")[ctx.klass]
    # 二、(三)3.: "对“三重制度”保障后，政策范围内个人负担费用超过5000元的部分按70%比例给予再救助，年度累计救助限额2万元"
    payout = yearly_above(ctx, rule="再救助", details=(ctx.klass,), base_noun="“三重制度”保障后政策范围内个人负担费用",
                          base=left, key="weihai.left", threshold=thresholds[ctx.klass], above=EXCESS,
                          rate=ctx.p("reassist.rate")[ctx.klass], limits=(Limit(cap, "tilt.paid", "再救助年度累计救助限额"),))
    ctx.step("tilt", payout.text, payout.pay, "reassist.threshold", "reassist.rate", "reassist.cap")
    ctx.view.add("tilt.paid", payout.pay)
    ctx.tilt = payout.pay
    ctx.cap("tilt.cap", f"再救助年度累计救助限额（{ctx.klass}）", cap, "tilt.paid", "reassist.cap")


FLAGS_USED = frozenset({"lookback"})
