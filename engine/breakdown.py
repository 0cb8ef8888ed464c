"""One result as the clerk reads it: the layer rows in order, each with its amount and its steps
(arithmetic and clause), the totals, the year's caps after the case, and the warnings by kind.

The receipt (PDF), the result page and the case detail (HTML) and `cases show` (text) lay out
this one value; none of them reads the result dict itself. The layer names and the warning
tags are here and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping, NamedTuple

from .money import ZERO, yuan

# The one table of names: each layer of the breakdown (a step's `layer`) and the case's totals.
NAMES = {
    "total": "医疗总费用",
    "policy_scope": "政策范围内费用",
    "info": "说明",
    "basic": "基本医保",
    "critical": "大病保险",
    "assistance": "医疗救助",
    "tilt": "倾斜救助/再救助/托底",
    "hospital": "医疗机构承担",
    "out_of_pocket": "个人自付",
    "paid": "各项支付合计",
    "assistance_paid": "医院已付医疗救助（一站式）",
    "to_pay": "本次应付",
}
PAYOUTS = ("basic", "critical", "assistance", "tilt")
LAYERS = ("info", *PAYOUTS, "hospital", "out_of_pocket", "assistance_paid", "to_pay")

# Warning kinds and the tag each is shown under.
WARNING_TAGS = {
    "unverified": "待核实",       # a parameter the documents do not state, or a local adjustment (本地调整)
    "early_warning": "预警",      # 因病返贫 / 因病致贫预警
    "rule_ended": "不再适用",      # a rule whose document has ended before the case date
    "note": "提示",               # everything else: applications, departments' decisions, ignored flags
}


class Notice(str):
    """A warning's text that knows its kind, for the engine's warnings list (a list of str):
    `ctx.warnings.append(Notice("early_warning", text))`. A plain str there is a "note"."""

    kind: str

    def __new__(cls, kind: str, text: str) -> "Notice":
        if kind not in WARNING_TAGS:
            raise ValueError(f"unknown warning kind {kind!r}; known: {', '.join(WARNING_TAGS)}")
        self = super().__new__(cls, text)
        self.kind = kind
        return self


def kind_of(text: str) -> str:
    """The kind of an entry of the engine's warnings list."""
    return getattr(text, "kind", "note")


class Alert(NamedTuple):
    kind: str
    text: str

    @property
    def tag(self) -> str:
        return WARNING_TAGS.get(self.kind, WARNING_TAGS["note"])


@dataclass(frozen=True, slots=True)
class StepLine:
    text: str
    amount: Decimal | None
    source: str


@dataclass(frozen=True, slots=True)
class Row:
    key: str                    # a layer of LAYERS (or an unknown layer of an old result, named by its key)
    name: str
    amount: Decimal | None      # None for the 说明 row (steps that pay nothing themselves)
    steps: tuple[StepLine, ...]


@dataclass(frozen=True, slots=True)
class CapLine:
    name: str
    limit: Decimal
    used: Decimal
    left: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class Breakdown:
    total: Decimal
    policy_scope: Decimal
    rows: tuple[Row, ...]       # 说明 (when any), the four layers, 医疗机构承担 (when any), 个人自付
    paid: Decimal               # the four layers together
    out_of_pocket: Decimal
    assistance_paid: Decimal    # 医疗救助 the hospital already paid (一站式); 0 when none
    to_pay: Decimal             # what the office pays now (an older result without it: assistance + tilt)
    caps: tuple[CapLine, ...]   # the yearly limits after this case (accumulated bases without a limit left out)
    warnings: tuple[Alert, ...]

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)


def _money(value: Any) -> Decimal:
    return yuan(Decimal(str(value)))


def _old_kind(result: Mapping[str, Any], text: str) -> str:
    """The kind of a warning of a result stored before results carried `warning_kinds`.

    Those results were written by one engine whose texts are known: every unverified parameter
    (a local adjustment included) was worded "未核实参数：…", and the early warning began with the
    kind the result's `early_warning` names (因病返贫预警 / 因病致贫预警). No stored result before
    `warning_kinds` carried a rule_ended warning. Everything else was a note.
    """
    if text.startswith("未核实参数："):
        return "unverified"
    warned = result.get("early_warning") or {}
    if warned.get("kind") and text.startswith(warned["kind"]):
        return "early_warning"
    return "note"


def alerts(result: Mapping[str, Any]) -> tuple[Alert, ...]:
    """The result's warnings as (kind, text): from `warning_kinds`, or for an older result by `_old_kind`."""
    texts = result.get("warnings") or []
    kinds = result.get("warning_kinds")
    if not isinstance(kinds, list) or len(kinds) != len(texts):
        kinds = [_old_kind(result, t) for t in texts]
    return tuple(Alert(k, t) for k, t in zip(kinds, texts))


def breakdown(case_input: Mapping[str, Any], result: Mapping[str, Any]) -> Breakdown:
    """The breakdown of one result (as calculate() gives it and the store keeps it) of one case input."""
    amounts = case_input["amounts"]
    payouts = {k: _money(result["payouts"][k]) for k in PAYOUTS}
    borne = _money(result.get("hospital_borne") or "0")
    out_of_pocket = _money(result["out_of_pocket"])
    steps: dict[str, list[StepLine]] = {}
    for s in result.get("steps", []):
        amount = None if s.get("amount") is None else _money(s["amount"])
        steps.setdefault(s["layer"], []).append(StepLine(s["text"], amount, s.get("source") or ""))
    paid_here = _money(amounts.get("assistance_paid") or "0")
    to_pay = _money(result["to_pay"]) if result.get("to_pay") is not None else payouts["assistance"] + payouts["tilt"]
    amount_of = {**payouts, "hospital": borne, "out_of_pocket": out_of_pocket, "assistance_paid": paid_here,
                 "to_pay": to_pay}
    rows = []
    for key in (*LAYERS, *(k for k in steps if k not in LAYERS)):
        shown = (key in PAYOUTS or key == "out_of_pocket" or steps.get(key) or (key == "hospital" and borne)
                 or (key in ("assistance_paid", "to_pay") and paid_here))   # the 一站式 rows when the hospital paid
        if shown:
            rows.append(Row(key, NAMES.get(key, key), amount_of.get(key), tuple(steps.get(key, ()))))
    caps = tuple(CapLine(c["name"], _money(c["limit"]), _money(c["used"]), _money(c["left"]), c.get("source") or "")
                 for c in result.get("caps", []) if c.get("limit") is not None)
    return Breakdown(total=_money(amounts["total"]), policy_scope=_money(amounts["policy_scope"]), rows=tuple(rows),
                     paid=sum(payouts.values(), ZERO), out_of_pocket=out_of_pocket, assistance_paid=paid_here,
                     to_pay=to_pay, caps=caps,
                     warnings=alerts(result))
