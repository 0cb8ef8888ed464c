"""因病返贫 / 因病致贫预警: the year's accumulated out-of-pocket against the income line."""
from __future__ import annotations

from decimal import Decimal

from .breakdown import Notice
from .context import Ctx
from .money import fmt, pct, yuan


def early_warning(ctx: Ctx, out_of_pocket: Decimal) -> dict | None:
    """Add this case's out-of-pocket to the year; warn when the year passes the person's line (only
    when explaining: a bulk run keeps the ledger alone)."""
    before = ctx.view.add("out_of_pocket", out_of_pocket)
    if not ctx.explain or not ctx.has("warning.income"):
        return None
    year = before + out_of_pocket
    held = ctx.case.identities
    group = ctx.ps.values.get("warning.relapse.identities", ())
    if any(i in group for i in held):
        ctx.p("warning.relapse.identities")
        kind, share_name = "因病返贫预警", "warning.relapse.share"
    elif not held and ctx.case.insurance != "none" and ctx.has("warning.impoverish.share"):
        kind, share_name = "因病致贫预警", "warning.impoverish.share"
    else:
        return None
    income = ctx.p("warning.income")
    share = ctx.p(share_name)
    line = yuan(income * share)
    if year <= line:
        return None
    ctx.warnings.append(Notice(
        "early_warning", f"{kind}：本年度累计个人自付 {fmt(year)} 元，超过上年度人均可支配收入 {fmt(income)} 元的 {pct(share)}"
        f"（{fmt(line)} 元），请按规定推送民政、乡村振兴部门（{ctx.cite(share_name)}）。"))
    return {"kind": kind, "year_out_of_pocket": fmt(year), "threshold": fmt(line), "source": ctx.cite(share_name)}
