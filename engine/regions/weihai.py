"""威海: 威政办发〔2022〕15号."""
from __future__ import annotations

from ..context import Ctx
from ..money import fmt, pct, portion_above, yuan
from .common import capped, no_class, out_of_scope

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
    base = ctx.base
    deductible = ctx.p("assistance.deductible")[ctx.klass]
    rate = ctx.p("assistance.rate")[ctx.klass]
    cap = ctx.p("assistance.cap")[ctx.klass]
    before = ctx.view.add("weihai.base", base)
    eligible = portion_above(before, base, deductible)
    raw = yuan(eligible * rate)
    if deductible > 0:
        text = (f"医疗救助（{ctx.klass}）：年度政策范围内个人负担累计 {fmt(before)} + {fmt(base)} = {fmt(before + base)}，"
                f"超过 {fmt(deductible)} 的部分 {fmt(eligible)} × {pct(rate)} = {fmt(raw)}")
    else:
        text = f"医疗救助（{ctx.klass}，不设起付标准）：{fmt(base)} × {pct(rate)} = {fmt(raw)}"
    pay, note = capped(ctx, raw, cap, "assist.paid", "年度累计救助限额（住院与门诊慢特病共用）")
    ctx.step("assistance", text + note, pay, "assistance.deductible", "assistance.rate", "assistance.cap")
    ctx.view.add("assist.paid", pay)
    ctx.assistance = pay
    ctx.cap("assist.cap", f"医疗救助年度累计救助限额（{ctx.klass}）", cap, "assist.paid", "assistance.cap")
    _reassist(ctx)


def _reassist(ctx: Ctx) -> None:
    """再救助 on what is left after the three layers, above a yearly threshold."""
    left = ctx.base - ctx.assistance
    before = ctx.view.add("weihai.left", left)
    thresholds = ctx.p("reassist.threshold")
    if ctx.klass not in thresholds:
        return
    threshold = thresholds[ctx.klass]
    rate = ctx.p("reassist.rate")[ctx.klass]
    cap = ctx.p("reassist.cap")[ctx.klass]
    part = portion_above(before, left, threshold)
    raw = yuan(part * rate)
    pay, note = capped(ctx, raw, cap, "tilt.paid", "再救助年度累计救助限额")
    ctx.step("tilt", f"再救助（{ctx.klass}）：“三重制度”保障后个人负担本次 {fmt(left)}，年度累计 {fmt(before)} → "
             f"{fmt(before + left)}，超过 {fmt(threshold)} 的部分 {fmt(part)} × {pct(rate)} = {fmt(raw)}{note}",
             pay, "reassist.threshold", "reassist.rate", "reassist.cap")
    ctx.view.add("tilt.paid", pay)
    ctx.tilt = pay
    ctx.cap("tilt.cap", f"再救助年度累计救助限额（{ctx.klass}）", cap, "tilt.paid", "reassist.cap")


FLAGS_USED = frozenset({"lookback"})
